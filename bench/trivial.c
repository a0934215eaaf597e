/*
 * trivial.c: the benchmark's ceiling. A FastCGI program that answers every
 * request with the same bytes, read once at start-up from the file named by
 * argv[1] or, without an argument, by $BENCH_TRIVIAL_FILE. Each answer is
 * Status, Content-Type and Content-Length headers and that body, from memory:
 * no parsing, no database, no allocation per request. Whatever the catalog
 * program does beyond this is its own cost; what this costs is lighttpd's
 * FastCGI path and the kernel's.
 *
 * Build: cc -O2 -o trivial bench/trivial.c -lfcgi   (bench/run does this)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

static volatile sig_atomic_t	 stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
	FCGX_ShutdownPending();
}

/* Read all of path into a fresh buffer; exit on failure. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*p = NULL, *np;
	size_t	 cap = 0, n = 0, got;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "trivial: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16384;
			if ((np = realloc(p, cap)) == NULL) {
				fprintf(stderr, "trivial: out of memory\n");
				exit(1);
			}
			p = np;
		}
		if ((got = fread(p + n, 1, cap - n, f)) == 0)
			break;
		n += got;
	}
	if (ferror(f)) {
		fprintf(stderr, "trivial: %s: read error\n", path);
		exit(1);
	}
	fclose(f);
	*len = n;
	return p;
}

int
main(int argc, char *argv[])
{
	FCGX_Request		 req;
	struct sigaction	 sa;
	const char		*path;
	char			*body, head[256];
	size_t			 len;
	int			 hlen;

	path = argc > 1 ? argv[1] : getenv("BENCH_TRIVIAL_FILE");
	if (path == NULL || *path == '\0') {
		fprintf(stderr, "usage: trivial FILE (or BENCH_TRIVIAL_FILE=FILE)\n");
		return 2;
	}
	body = slurp(path, &len);
	hlen = snprintf(head, sizeof(head), "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n", len);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);	/* no SA_RESTART: interrupt accept() */
	signal(SIGPIPE, SIG_IGN);

	if (FCGX_Init() != 0) {
		fprintf(stderr, "trivial: FCGX_Init failed\n");
		return 1;
	}
	FCGX_InitRequest(&req, 0, 0);
	while (!stop && FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(head, hlen, req.out);
		FCGX_PutStr(body, (int)len, req.out);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
	free(body);
	return 0;
}
