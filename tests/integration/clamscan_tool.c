/*
 * clamscan_tool.c: a small command-line front to src/clamd.c for clamd.sh,
 * plus fake clamd servers (ones that never answer or never read, one with a
 * fixed reply)
 * to test timeouts and odd replies. Not a Check suite: the runner skips it.
 *
 *   clamscan_tool scan ADDR TIMEOUT FILE|-    clamd_scan_file (- : stdin, fd)
 *   clamscan_tool scan-mem ADDR TIMEOUT FILE  clamd_scan_mem on FILE's bytes
 *   clamscan_tool ping ADDR TIMEOUT           clamd_ping
 *   clamscan_tool fake ADDR REPLY             answer every request REPLY\0
 *   clamscan_tool fake-raw ADDR REPLY         answer REPLY (no NUL), close
 *   clamscan_tool mute ADDR                   read requests, never answer
 *   clamscan_tool deaf ADDR                   accept, never read or answer
 *
 * Scans print "CLEAN", "INFECTED <name>" or "ERROR <why>" and exit 0, 1 or
 * 2; ping prints "PONG" (0) or "ERROR <why>" (2); usage errors exit 3. The
 * fakes listen on ADDR (/path or 127.0.0.1:port), print "listening" and
 * serve one connection at a time until killed.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netdb.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clamd.h"
#include "log.h"
#include "str.h"

#define FAKE_CMD_MAX	64

enum fake_mode {
	FAKE_REPLY,	/* REPLY and its NUL, then close */
	FAKE_RAW,	/* REPLY alone, then close */
	FAKE_MUTE,	/* nothing, until the client gives up */
	FAKE_DEAF,	/* not even reading, until the client gives up */
	FAKE__MAX
};

static int	 usage(void);
static int	 timeout_arg(const char *, int *);
static int	 report(enum clamd_status, const struct clamd_result *);
static int	 cmd_scan(char **, int);
static int	 cmd_ping(char **);
static int	 fake_listen(const char *);
static int	 fake_read(int, void *, size_t);
static void	 fake_serve(int, enum fake_mode, const char *);
static int	 cmd_fake(const char *, enum fake_mode, const char *);

static int
usage(void)
{
	fprintf(stderr, "usage: clamscan_tool scan ADDR TIMEOUT FILE|-\n"
	    "       clamscan_tool scan-mem ADDR TIMEOUT FILE\n"
	    "       clamscan_tool ping ADDR TIMEOUT\n"
	    "       clamscan_tool fake ADDR REPLY\n"
	    "       clamscan_tool fake-raw ADDR REPLY\n"
	    "       clamscan_tool mute ADDR\n"
	    "       clamscan_tool deaf ADDR\n");
	return 3;
}

/* Parse a timeout in seconds (1..3600); -1 with a message if not one. */
static int
timeout_arg(const char *s, int *t)
{
	const char	*errstr;

	*t = (int)str_to_i64(s, 1, 3600, &errstr);
	if (errstr != NULL) {
		fprintf(stderr, "clamscan_tool: timeout %s\n", errstr);
		return -1;
	}
	return 0;
}

/* Print the verdict; return the exit status for it. */
static int
report(enum clamd_status st, const struct clamd_result *res)
{
	if (st != res->status) {
		printf("ERROR status mismatch\n");
		return 2;
	}
	switch (st) {
	case CLAMD_CLEAN:
		printf("CLEAN\n");
		return 0;
	case CLAMD_INFECTED:
		printf("INFECTED %s\n", res->detail);
		return 1;
	default:
		printf("ERROR %s\n", res->detail);
		return 2;
	}
}

/* scan / scan-mem ADDR TIMEOUT FILE */
static int
cmd_scan(char **argv, int mem)
{
	struct clamd_result	 res;
	struct stat		 sb;
	enum clamd_status	 st;
	unsigned char		*data;
	size_t			 got;
	ssize_t			 n;
	int			 timeout, fd;

	if (timeout_arg(argv[1], &timeout) == -1)
		return 3;
	if (!mem) {
		if (strcmp(argv[2], "-") == 0)
			st = clamd_scan_fd(argv[0], timeout, STDIN_FILENO, &res);
		else
			st = clamd_scan_file(argv[0], timeout, argv[2], &res);
		return report(st, &res);
	}
	if ((fd = open(argv[2], O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "clamscan_tool: %s: %s\n", argv[2],
		    strerror(errno));
		return 3;
	}
	if (fstat(fd, &sb) == -1) {
		fprintf(stderr, "clamscan_tool: %s: %s\n", argv[2],
		    strerror(errno));
		close(fd);
		return 3;
	}
	data = xmalloc((size_t)sb.st_size + 1);
	for (got = 0; got < (size_t)sb.st_size; got += (size_t)n)
		if ((n = read(fd, data + got, (size_t)sb.st_size - got)) <= 0) {
			fprintf(stderr, "clamscan_tool: short read\n");
			free(data);
			close(fd);
			return 3;
		}
	close(fd);
	st = clamd_scan_mem(argv[0], timeout, data, got, &res);
	free(data);
	return report(st, &res);
}

/* ping ADDR TIMEOUT */
static int
cmd_ping(char **argv)
{
	struct clamd_result	 res;
	int			 timeout;

	if (timeout_arg(argv[1], &timeout) == -1)
		return 3;
	if (clamd_ping(argv[0], timeout, &res) == 0 &&
	    res.status == CLAMD_CLEAN) {
		printf("PONG\n");
		return 0;
	}
	printf("ERROR %s\n", res.detail);
	return 2;
}

/* Listen on addr (/path, replaced if present, or host:port); -1 on error. */
static int
fake_listen(const char *addr)
{
	struct sockaddr_un	 sun;
	struct addrinfo		 hints, *ai;
	char			 host[256];
	const char		*colon;
	int			 s, on = 1, rc;

	if (addr[0] == '/') {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(addr) >= sizeof(sun.sun_path))
			return -1;
		memcpy(sun.sun_path, addr, strlen(addr) + 1);
		unlink(addr);
		if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			return -1;
		if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
		    listen(s, 16) == -1) {
			close(s);
			return -1;
		}
		return s;
	}
	if ((colon = strrchr(addr, ':')) == NULL ||
	    (size_t)(colon - addr) >= sizeof(host))
		return -1;
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &ai)) != 0) {
		fprintf(stderr, "clamscan_tool: %s\n", gai_strerror(rc));
		return -1;
	}
	s = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s != -1 && (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) == -1 || bind(s, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(s, 16) == -1)) {
		close(s);
		s = -1;
	}
	freeaddrinfo(ai);
	return s;
}

/* Read exactly len bytes; 0 on success, -1 on EOF or error. */
static int
fake_read(int c, void *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = read(c, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p = (char *)p + n;
		len -= (size_t)n;
	}
	return 0;
}

/* One connection: read the command (and its INSTREAM chunks), answer. */
static void
fake_serve(int c, enum fake_mode mode, const char *reply)
{
	struct pollfd	 pfd;
	char		 cmd[FAKE_CMD_MAX], junk[4096];
	unsigned char	 hdr[4];
	size_t		 i, left, n;

	if (mode == FAKE_DEAF) {
		/* No events asked: poll still reports the client's hang-up. */
		pfd.fd = c;
		pfd.events = 0;
		while (poll(&pfd, 1, -1) != -1 || errno == EINTR)
			if (pfd.revents & (POLLHUP | POLLERR))
				break;
		return;
	}
	for (i = 0; i < sizeof(cmd) - 1; i++) {
		if (fake_read(c, &cmd[i], 1) == -1)
			return;
		if (cmd[i] == '\0')
			break;
	}
	cmd[i] = '\0';
	if (strcmp(cmd, "zINSTREAM") == 0) {
		for (;;) {
			if (fake_read(c, hdr, 4) == -1)
				return;
			left = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
			    (size_t)hdr[2] << 8 | hdr[3];
			if (left == 0)
				break;
			for (; left > 0; left -= n) {
				n = left < sizeof(junk) ? left : sizeof(junk);
				if (fake_read(c, junk, n) == -1)
					return;
			}
		}
	}
	switch (mode) {
	case FAKE_MUTE:
		while (read(c, junk, sizeof(junk)) > 0)
			;	/* until the client gives up */
		break;
	default:
		n = strlen(reply) + (mode == FAKE_REPLY ? 1 : 0);
		if (write(c, reply, n) != (ssize_t)n)
			fprintf(stderr, "clamscan_tool: short write\n");
		break;
	}
}

/* fake / fake-raw / mute: serve addr until killed. */
static int
cmd_fake(const char *addr, enum fake_mode mode, const char *reply)
{
	int	 s, c;

	signal(SIGPIPE, SIG_IGN);
	if ((s = fake_listen(addr)) == -1) {
		fprintf(stderr, "clamscan_tool: cannot listen on %s: %s\n",
		    addr, strerror(errno));
		return 3;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		if ((c = accept(s, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "clamscan_tool: accept: %s\n",
			    strerror(errno));
			close(s);
			return 3;
		}
		fake_serve(c, mode, reply);
		close(c);
	}
}

/*
 * Dispatch on the subcommand; the exit status is the verdict (see the top).
 */
int
main(int argc, char *argv[])
{
	log_init("clamscan_tool");
	if (argc == 5 && strcmp(argv[1], "scan") == 0)
		return cmd_scan(argv + 2, 0);
	if (argc == 5 && strcmp(argv[1], "scan-mem") == 0)
		return cmd_scan(argv + 2, 1);
	if (argc == 4 && strcmp(argv[1], "ping") == 0)
		return cmd_ping(argv + 2);
	if (argc == 4 && strcmp(argv[1], "fake") == 0)
		return cmd_fake(argv[2], FAKE_REPLY, argv[3]);
	if (argc == 4 && strcmp(argv[1], "fake-raw") == 0)
		return cmd_fake(argv[2], FAKE_RAW, argv[3]);
	if (argc == 3 && strcmp(argv[1], "mute") == 0)
		return cmd_fake(argv[2], FAKE_MUTE, "");
	if (argc == 3 && strcmp(argv[1], "deaf") == 0)
		return cmd_fake(argv[2], FAKE_DEAF, "");
	return usage();
}
