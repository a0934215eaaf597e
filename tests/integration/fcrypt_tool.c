/*
 * fcrypt_tool.c: a command-line front to src/fcrypt.c for tests and
 * benchmarks: encrypt a file, decrypt one whole, or print one byte range.
 * Keys are given as in storage_keys ("id:64hex,..."). Not installed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcrypt.h"
#include "str.h"

static int	 tool_write(void *, const void *, size_t);
static int	 tool_encrypt(const struct fcrypt_keys *, char **);
static int	 tool_read(const struct fcrypt_keys *, const char *,
		    const char *, const char *, const char *);
static void	 usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr,
	    "usage: fcrypt_tool encrypt KEYS KEYID CHUNK IN OUT\n"
	    "       fcrypt_tool decrypt KEYS IN OUT\n"
	    "       fcrypt_tool range KEYS IN OFFSET LENGTH   (to stdout)\n"
	    "       fcrypt_tool info KEYS IN\n"
	    "KEYS: id:64hex[,id:64hex...]; CHUNK 0 for the default.\n"
	    "encrypt prints: size sha256 stored_size key_id\n"
	    "info prints: plain_size chunk_size key_id\n");
	exit(2);
}

/* Write everything to the descriptor in arg. */
static int
tool_write(void *arg, const void *p, size_t n)
{
	int	 fd = *(int *)arg;
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

static int
tool_encrypt(const struct fcrypt_keys *keys, char **argv)
{
	const struct fcrypt_key	*key;
	struct fcrypt_info	 info;
	const char		*errstr;
	char			 err[FCRYPT_ERR_MAX];
	int64_t			 chunk;
	int			 in, out;

	if ((key = fcrypt_keys_find(keys, argv[0])) == NULL) {
		fprintf(stderr, "fcrypt_tool: no key %s\n", argv[0]);
		return 1;
	}
	chunk = str_to_i64(argv[1], 0, FCRYPT_CHUNK_MAX, &errstr);
	if (errstr != NULL) {
		fprintf(stderr, "fcrypt_tool: chunk %s\n", errstr);
		return 1;
	}
	if ((in = open(argv[2], O_RDONLY)) == -1) {
		fprintf(stderr, "fcrypt_tool: %s: %s\n", argv[2],
		    strerror(errno));
		return 1;
	}
	if ((out = open(argv[3], O_RDWR | O_CREAT | O_TRUNC, 0600)) == -1) {
		fprintf(stderr, "fcrypt_tool: %s: %s\n", argv[3],
		    strerror(errno));
		return 1;
	}
	if (fcrypt_encrypt_fd(in, out, key, (size_t)chunk, &info, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "fcrypt_tool: encrypt: %s\n", err);
		return 1;
	}
	if (fsync(out) == -1) {
		fprintf(stderr, "fcrypt_tool: fsync: %s\n", strerror(errno));
		return 1;
	}
	close(in);
	close(out);
	printf("%llu %s %llu %s\n", (unsigned long long)info.size,
	    info.sha256_hex, (unsigned long long)info.stored_size, info.key_id);
	return 0;
}

/* decrypt (out != NULL), range (off, len) or info (neither). */
static int
tool_read(const struct fcrypt_keys *keys, const char *in, const char *out,
    const char *offs, const char *lens)
{
	struct fcrypt_reader	*r;
	const char		*errstr;
	char			 err[FCRYPT_ERR_MAX];
	uint64_t		 off = 0, len;
	int			 fd, ofd = STDOUT_FILENO, rc = 1;

	if ((fd = open(in, O_RDONLY)) == -1) {
		fprintf(stderr, "fcrypt_tool: %s: %s\n", in, strerror(errno));
		return 1;
	}
	if ((r = fcrypt_open(fd, keys, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fcrypt_tool: %s: %s\n", in, err);
		close(fd);
		return 1;
	}
	len = fcrypt_plain_size(r);
	if (offs == NULL && out == NULL) {
		printf("%llu %zu %s\n", (unsigned long long)len,
		    fcrypt_chunk_size(r), fcrypt_key_id(r));
		rc = 0;
		goto done;
	}
	if (offs != NULL) {
		off = (uint64_t)str_to_i64(offs, 0, INT64_MAX, &errstr);
		if (errstr == NULL)
			len = (uint64_t)str_to_i64(lens, 0, INT64_MAX, &errstr);
		if (errstr != NULL) {
			fprintf(stderr, "fcrypt_tool: range %s\n", errstr);
			goto done;
		}
	}
	if (out != NULL && (ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) == -1) {
		fprintf(stderr, "fcrypt_tool: %s: %s\n", out, strerror(errno));
		goto done;
	}
	if (fcrypt_read_range(r, off, len, tool_write, &ofd) == -1)
		fprintf(stderr, "fcrypt_tool: %s: %s\n", in, fcrypt_error(r));
	else
		rc = 0;
	if (out != NULL)
		close(ofd);
done:
	fcrypt_close(r);
	close(fd);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct fcrypt_keys	 keys;
	char			 err[FCRYPT_ERR_MAX];
	int			 rc;

	if (argc < 4)
		usage();
	if (fcrypt_keys_parse(&keys, argv[2], NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "fcrypt_tool: %s\n", err);
		return 1;
	}
	if (strcmp(argv[1], "encrypt") == 0 && argc == 7)
		rc = tool_encrypt(&keys, argv + 3);
	else if (strcmp(argv[1], "decrypt") == 0 && argc == 5)
		rc = tool_read(&keys, argv[3], argv[4], NULL, NULL);
	else if (strcmp(argv[1], "range") == 0 && argc == 6)
		rc = tool_read(&keys, argv[3], NULL, argv[4], argv[5]);
	else if (strcmp(argv[1], "info") == 0 && argc == 4)
		rc = tool_read(&keys, argv[3], NULL, NULL, NULL);
	else
		usage();
	fcrypt_keys_clear(&keys);
	return rc;
}
