/*
 * stripesig_tool.c: a command-line front to src/stripesig.c for
 * tests/node/stripesig.mjs: verify a Stripe-Signature header against the
 * body read from stdin. Not installed.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "str.h"
#include "stripesig.h"

#define TOOL_BODY_MAX	(64 * 1024 * 1024)

static void	 usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr,
	    "usage: stripesig_tool SECRET[,PREVIOUS] HEADER NOW [TOLERANCE] <body\n"
	    "prints the status name (OK, MISMATCH, ...); exit 0 on OK, 1 if\n"
	    "refused, 2 on usage errors\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char		*secrets[STRIPESIG_SECRETS_MAX], *errstr;
	enum stripesig_status	 st;
	char			*body = NULL, *comma;
	size_t			 len = 0, cap = 0, n, nsecrets = 1;
	int64_t			 now, tol = 0;

	if (argc != 4 && argc != 5)
		usage();
	secrets[0] = argv[1];
	if ((comma = strchr(argv[1], ',')) != NULL) {
		*comma = '\0';
		secrets[1] = comma + 1;
		nsecrets = 2;
	}
	now = str_to_i64(argv[3], 0, INT64_MAX / 2, &errstr);
	if (errstr != NULL)
		usage();
	if (argc == 5) {
		tol = str_to_i64(argv[4], 0, INT64_MAX, &errstr);
		if (errstr != NULL)
			usage();
	}
	for (;;) {
		if (len == cap) {
			if (cap >= TOOL_BODY_MAX) {
				fprintf(stderr, "stripesig_tool: body too long\n");
				return 2;
			}
			cap = cap ? cap * 2 : 65536;
			body = xrealloc(body, cap);
		}
		n = fread(body + len, 1, cap - len, stdin);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(stdin)) {
		fprintf(stderr, "stripesig_tool: reading stdin failed\n");
		return 2;
	}
	st = stripesig_verify(argv[2], body, len, secrets, nsecrets,
	    (time_t)now, tol);
	free(body);
	printf("%s\n", stripesig_name(st));
	return st == STRIPESIG_OK ? 0 : 1;
}
