/*
 * s3tool.c: a command-line front to src/s3.c (the code production uses), so
 * s3.sh can drive a real S3-speaking server. Not a Check suite. Settings
 * come from the environment only (COLMENA_S3_*, as conf.c reads them).
 *
 *   s3tool [-t THRESHOLD] [-p PARTSIZE] mkbucket
 *   s3tool [-t THRESHOLD] [-p PARTSIZE] put KEY FILE [CONTENT_TYPE]
 *   s3tool head KEY                 prints "size N", "etag E", "type T"
 *   s3tool get KEY FILE [OFFSET LENGTH]   FILE "-" is standard output
 *   s3tool rm KEY
 *   s3tool presign KEY TTL [FILENAME [CONTENT_TYPE [UNIXTIME]]]
 *
 * Exit 0 on success, 1 on a failure (s3_error() and the HTTP status
 * printed to standard error), 2 on a usage error.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "conf.h"
#include "log.h"
#include "s3.h"
#include "str.h"

static int	 usage(void);
static int	 number(const char *, const char *, int64_t, int64_t *);
static size_t	 write_file(const void *, size_t, void *);
static int	 failed(struct s3 *);

static int
usage(void)
{
	fprintf(stderr, "usage: s3tool [-t threshold] [-p partsize] mkbucket\n"
	    "       s3tool [-t threshold] [-p partsize] put KEY FILE "
	    "[CONTENT_TYPE]\n"
	    "       s3tool head KEY\n"
	    "       s3tool get KEY FILE [OFFSET LENGTH]\n"
	    "       s3tool rm KEY\n"
	    "       s3tool presign KEY TTL [FILENAME [CONTENT_TYPE "
	    "[UNIXTIME]]]\n");
	return 2;
}

/* Parse a whole number s in [0, max] into *v; -1 with a message if not. */
static int
number(const char *what, const char *s, int64_t max, int64_t *v)
{
	const char	*errstr;

	*v = str_to_i64(s, 0, max, &errstr);
	if (errstr != NULL) {
		fprintf(stderr, "s3tool: %s %s\n", what, errstr);
		return -1;
	}
	return 0;
}

/* s3_get() receiver: append to a FILE. */
static size_t
write_file(const void *p, size_t n, void *arg)
{
	return fwrite(p, 1, n, arg);
}

/* Report the client's last failure; the exit status for it. */
static int
failed(struct s3 *s3)
{
	fprintf(stderr, "s3tool: %s (status %ld)\n", s3_error(s3),
	    s3_status(s3));
	return 1;
}

int
main(int argc, char *argv[])
{
	struct s3_conf	 conf;
	struct s3_object obj;
	struct s3	*s3;
	struct arena	*a;
	FILE		*f;
	char		 err[512], *url;
	int64_t		 v, off = 0, len = 0, ttl, now = 0;
	int		 ch, rc = 2;

	log_init("s3tool");
	if (conf_load(NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "s3tool: %s\n", err);
		return 2;
	}
	s3_conf_load(&conf);
	while ((ch = getopt(argc, argv, "p:t:")) != -1)
		switch (ch) {
		case 'p':
			if (number("part size", optarg, INT64_MAX, &v) == -1)
				return 2;
			conf.part_size = (uint64_t)v;
			break;
		case 't':
			if (number("threshold", optarg, INT64_MAX, &v) == -1)
				return 2;
			conf.multipart_threshold = (uint64_t)v;
			break;
		default:
			return usage();
		}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return usage();
	if ((s3 = s3_new(&conf)) == NULL) {
		fprintf(stderr, "s3tool: invalid S3 settings\n");
		conf_free();
		return 2;
	}
	a = arena_new();

	if (strcmp(argv[0], "mkbucket") == 0 && argc == 1)
		rc = s3_bucket_create(s3) == 0 ? 0 : failed(s3);
	else if (strcmp(argv[0], "put") == 0 && (argc == 3 || argc == 4))
		rc = s3_put_file(s3, argv[1], argv[2],
		    argc == 4 ? argv[3] : NULL) == 0 ? 0 : failed(s3);
	else if (strcmp(argv[0], "head") == 0 && argc == 2) {
		if (s3_head(s3, argv[1], &obj) == 0) {
			printf("size %llu\netag %s\ntype %s\n",
			    (unsigned long long)obj.size, obj.etag,
			    obj.content_type);
			rc = 0;
		} else
			rc = failed(s3);
	} else if (strcmp(argv[0], "get") == 0 && (argc == 3 || argc == 5)) {
		if (argc == 5 && (number("offset", argv[3], INT64_MAX,
		    &off) == -1 || number("length", argv[4], INT64_MAX,
		    &len) == -1))
			goto done;
		f = strcmp(argv[2], "-") == 0 ? stdout : fopen(argv[2], "wb");
		if (f == NULL) {
			fprintf(stderr, "s3tool: cannot write %s\n", argv[2]);
			rc = 1;
			goto done;
		}
		rc = s3_get(s3, argv[1], (uint64_t)off, (uint64_t)len,
		    write_file, f) == 0 ? 0 : failed(s3);
		if ((f == stdout ? fflush(f) : fclose(f)) != 0 && rc == 0) {
			fprintf(stderr, "s3tool: write failed\n");
			rc = 1;
		}
	} else if (strcmp(argv[0], "rm") == 0 && argc == 2)
		rc = s3_delete(s3, argv[1]) == 0 ? 0 : failed(s3);
	else if (strcmp(argv[0], "presign") == 0 && argc >= 3 && argc <= 6) {
		if (number("ttl", argv[2], 1000000, &ttl) == -1 ||
		    (argc == 6 && number("time", argv[5], INT64_MAX / 2,
		    &now) == -1))
			goto done;
		url = s3_presign_get(s3, a, argv[1], (long)ttl,
		    argc >= 4 && argv[3][0] != '\0' ? argv[3] : NULL,
		    argc >= 5 && argv[4][0] != '\0' ? argv[4] : NULL,
		    (time_t)now);
		if (url != NULL) {
			printf("%s\n", url);
			rc = 0;
		} else
			rc = failed(s3);
	} else
		rc = usage();
done:
	arena_free(a);
	s3_free(s3);
	conf_free();
	return rc;
}
