/*
 * check_fcrypt.c: encryption at rest: round trips at every size edge, byte
 * ranges, each kind of tampering, wrong and rotated keys, the key-list
 * parser, the on-disk format read back independently, and a throughput print.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "conf.h"
#include "crypto.h"
#include "fcrypt.h"
#include "log.h"

#define K1HEX	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define K2HEX	"f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f"
#define K1BAD	"100102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

struct sink {
	unsigned char	*p;
	size_t		 len, cap;
	size_t		 calls;
};

static char	 dir[64];
static int	 seq;

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_fcrypt.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh path in the test directory. */
static const char *
path_new(const char *tag)
{
	static char	 p[8][128];
	static int	 slot;
	char		*s = p[slot++ % 8];

	snprintf(s, 128, "%s/%s.%d", dir, tag, seq++);
	return s;
}

static void
keys(struct fcrypt_keys *t, const char *spec, const char *current)
{
	char	 err[FCRYPT_ERR_MAX];

	if (fcrypt_keys_parse(t, spec, current, err, sizeof(err)) == -1)
		ck_abort_msg("keys: %s", err);
}

static unsigned char *
random_data(size_t n)
{
	unsigned char	*p = malloc(n + 1);

	ck_assert_ptr_nonnull(p);
	crypto_random(p, n);
	return p;
}

static void
write_file(const char *path, const void *p, size_t n)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
}

/* The whole file at path, malloc'd; its length in *n. */
static unsigned char *
read_file(const char *path, size_t *n)
{
	struct stat	 st;
	unsigned char	*p;
	int		 fd;

	fd = open(path, O_RDONLY);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(fstat(fd, &st), 0);
	p = malloc((size_t)st.st_size + 1);
	ck_assert_int_eq(read(fd, p, (size_t)st.st_size), st.st_size);
	close(fd);
	*n = (size_t)st.st_size;
	return p;
}

/* Encrypt p[0..n) with the current key of t into a new file; its path. */
static const char *
encrypt_buf(const struct fcrypt_keys *t, const void *p, size_t n, size_t chunk,
    struct fcrypt_info *info)
{
	const char	*plain = path_new("plain"), *enc = path_new("enc");
	char		 err[FCRYPT_ERR_MAX];
	int		 in, out;

	write_file(plain, p, n);
	in = open(plain, O_RDONLY);
	out = open(enc, O_RDWR | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ne(in, -1);
	ck_assert_int_ne(out, -1);
	if (fcrypt_encrypt_fd(in, out, fcrypt_keys_current(t), chunk, info,
	    err, sizeof(err)) == -1)
		ck_abort_msg("encrypt: %s", err);
	close(in);
	close(out);
	unlink(plain);
	return enc;
}

static int
sink_write(void *arg, const void *p, size_t n)
{
	struct sink	*s = arg;

	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2 + 64;
		s->p = realloc(s->p, s->cap);
		ck_assert_ptr_nonnull(s->p);
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->calls++;
	return 0;
}

static int
sink_fail(void *arg, const void *p, size_t n)
{
	return -1;
}

/*
 * Open path with t and read [off, off+len) into s (reset first). Returns
 * 0, or -1 with the reason (open or read) in err.
 */
static int
decrypt(const char *path, const struct fcrypt_keys *t, uint64_t off,
    uint64_t len, struct sink *s, char *err, size_t errsz)
{
	struct fcrypt_reader	*r;
	int			 fd, rc;

	s->len = 0;
	s->calls = 0;
	err[0] = '\0';
	fd = open(path, O_RDONLY);
	ck_assert_int_ne(fd, -1);
	if ((r = fcrypt_open(fd, t, err, errsz)) == NULL) {
		close(fd);
		return -1;
	}
	if (len == UINT64_MAX)
		len = fcrypt_plain_size(r) - off;
	rc = fcrypt_read_range(r, off, len, sink_write, s);
	if (rc == -1)
		snprintf(err, errsz, "%s", fcrypt_error(r));
	fcrypt_close(r);
	close(fd);
	return rc;
}

/* Whole-file decryption must give back p[0..n). */
static void
assert_round_trip(const char *enc, const struct fcrypt_keys *t,
    const unsigned char *p, size_t n)
{
	struct sink	 s = { 0 };
	char		 err[FCRYPT_ERR_MAX];

	if (decrypt(enc, t, 0, UINT64_MAX, &s, err, sizeof(err)) == -1)
		ck_abort_msg("size %zu: %s", n, err);
	ck_assert_uint_eq(s.len, n);
	ck_assert(n == 0 || memcmp(s.p, p, n) == 0);
	free(s.p);
}

static void
flip(const char *path, uint64_t off, unsigned char mask)
{
	unsigned char	 c;
	int		 fd;

	fd = open(path, O_RDWR);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(pread(fd, &c, 1, (off_t)off), 1);
	c ^= mask;
	ck_assert_int_eq(pwrite(fd, &c, 1, (off_t)off), 1);
	close(fd);
}

/* Header length for key id k1/k2: 84 + 2. */
#define HDR	86
#define CHUNK_AT(i, c)	((uint64_t)HDR + (uint64_t)(i) * ((c) + 16))

START_TEST(fcrypt_round_trips_at_size_edges)
{
	static const size_t	 C = FCRYPT_CHUNK_DEFAULT;
	const size_t		 sizes[] = { 0, 1, C - 1, C, C + 1, 3 * C + 5 };
	struct fcrypt_keys	 t;
	struct fcrypt_info	 info;
	unsigned char		*p, sha[32];
	const char		*enc;
	struct stat		 st;
	size_t			 i;

	keys(&t, "k1:" K1HEX, "k1");
	for (i = 0; i < nitems(sizes); i++) {
		p = random_data(sizes[i]);
		enc = encrypt_buf(&t, p, sizes[i], 0, &info);
		crypto_sha256(p, sizes[i], sha);
		ck_assert_uint_eq(info.size, sizes[i]);
		ck_assert(memcmp(info.sha256, sha, 32) == 0);
		ck_assert_uint_eq(strlen(info.sha256_hex), 64);
		ck_assert(info.encrypted);
		ck_assert_str_eq(info.key_id, "k1");
		ck_assert_int_eq(stat(enc, &st), 0);
		ck_assert_uint_eq(info.stored_size, (uint64_t)st.st_size);
		ck_assert_uint_eq(info.stored_size,
		    fcrypt_stored_size(sizes[i], C, 2));
		assert_round_trip(enc, &t, p, sizes[i]);
		free(p);
	}
}
END_TEST

START_TEST(fcrypt_round_trips_every_small_size)
{
	struct fcrypt_keys	 t;
	struct fcrypt_info	 info;
	unsigned char		*p;
	const char		*enc;
	size_t			 n;

	keys(&t, "k1:" K1HEX, "k1");
	p = random_data(1100);
	for (n = 0; n <= 1100; n += (n < 520 ? 1 : 37)) {
		enc = encrypt_buf(&t, p, n, 256, &info);
		assert_round_trip(enc, &t, p, n);
		unlink(enc);
	}
	free(p);
}
END_TEST

START_TEST(fcrypt_empty_sha256_is_the_empty_digest)
{
	struct fcrypt_keys	 t;
	struct fcrypt_info	 info;

	keys(&t, "k1:" K1HEX, "k1");
	encrypt_buf(&t, "", 0, 0, &info);
	ck_assert_str_eq(info.sha256_hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(fcrypt_ranges_at_every_edge)
{
	static const uint64_t	 C = 4096, N = 3 * 4096 + 5;
	const uint64_t		 ranges[][2] = {
		{ 0, 1 },			/* first byte */
		{ N - 1, 1 },			/* last byte */
		{ 0, N },			/* whole file */
		{ C - 1, 1 },			/* last byte of chunk 0 */
		{ C, 1 },			/* first byte of chunk 1 */
		{ C - 1, 2 },			/* across one boundary */
		{ C - 3, C + 6 },		/* across two boundaries */
		{ 1, N - 2 },			/* all but the ends */
		{ C, C },			/* exactly chunk 1 */
		{ 3 * C, 5 },			/* exactly the short last chunk */
		{ 3 * C - 1, 6 },		/* into the short last chunk */
		{ N - 5, 5 },
		{ 2 * C + 17, 100 },		/* inside one chunk */
	};
	struct fcrypt_keys	 t;
	struct fcrypt_info	 info;
	struct sink		 s = { 0 };
	unsigned char		*p;
	const char		*enc;
	char			 err[FCRYPT_ERR_MAX];
	size_t			 i;

	keys(&t, "k1:" K1HEX, "k1");
	p = random_data(N);
	enc = encrypt_buf(&t, p, N, C, &info);
	for (i = 0; i < nitems(ranges); i++) {
		if (decrypt(enc, &t, ranges[i][0], ranges[i][1], &s, err,
		    sizeof(err)) == -1)
			ck_abort_msg("range %zu: %s", i, err);
		ck_assert_uint_eq(s.len, ranges[i][1]);
		ck_assert(memcmp(s.p, p + ranges[i][0], s.len) == 0);
		/* One callback per chunk touched. */
		ck_assert_uint_eq(s.calls, (ranges[i][0] + ranges[i][1] - 1) /
		    C - ranges[i][0] / C + 1);
	}
	ck_assert_int_eq(decrypt(enc, &t, N, 0, &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(s.len, 0);
	ck_assert_uint_eq(s.calls, 0);
	ck_assert_int_eq(decrypt(enc, &t, N, 1, &s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "outside"));
	ck_assert_int_eq(decrypt(enc, &t, 0, N + 1, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(decrypt(enc, &t, N + 1, 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(decrypt(enc, &t, 5, UINT64_MAX - 2, &s, err,
	    sizeof(err)), -1);
	free(s.p);
	free(p);
}
END_TEST

START_TEST(fcrypt_random_ranges_match_the_plaintext)
{
	static const size_t	 C = 512, N = 20 * 512 + 77;
	struct fcrypt_keys	 t;
	struct fcrypt_info	 info;
	struct fcrypt_reader	*r;
	struct sink		 s = { 0 };
	unsigned char		*p;
	const char		*enc;
	uint32_t		 rnd[2];
	uint64_t		 off, len;
	int			 fd, i;

	keys(&t, "k1:" K1HEX, "k1");
	p = random_data(N);
	enc = encrypt_buf(&t, p, N, C, &info);
	fd = open(enc, O_RDONLY);
	r = fcrypt_open(fd, &t, NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(fcrypt_plain_size(r), N);
	ck_assert_uint_eq(fcrypt_chunk_size(r), C);
	ck_assert_str_eq(fcrypt_key_id(r), "k1");
	for (i = 0; i < 3000; i++) {
		crypto_random(rnd, sizeof(rnd));
		off = rnd[0] % (N + 1);
		len = rnd[1] % (N - off + 1);
		s.len = 0;
		ck_assert_int_eq(fcrypt_read_range(r, off, len, sink_write,
		    &s), 0);
		ck_assert_uint_eq(s.len, len);
		ck_assert(len == 0 || memcmp(s.p, p + off, len) == 0);
	}
	fcrypt_close(r);
	close(fd);
	free(s.p);
	free(p);
}
END_TEST

START_TEST(fcrypt_encrypts_from_a_pipe)
{
	struct fcrypt_keys	 t;
	struct fcrypt_info	 info;
	unsigned char		*p, sha[32];
	const char		*enc = path_new("pipe");
	char			 err[FCRYPT_ERR_MAX];
	size_t			 n = 5 * 4096 + 3, off;
	ssize_t			 w;
	pid_t			 pid;
	int			 pfd[2], out, status;

	keys(&t, "k1:" K1HEX, "k1");
	p = random_data(n);
	ck_assert_int_eq(pipe(pfd), 0);
	if ((pid = fork()) == 0) {
		close(pfd[0]);
		/* Dribble it in small, odd writes. */
		for (off = 0; off < n; off += (size_t)w)
			if ((w = write(pfd[1], p + off, n - off < 1000 ?
			    n - off : 1000)) <= 0)
				_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	out = open(enc, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fcrypt_encrypt_fd(pfd[0], out, fcrypt_keys_current(&t), 4096,
	    &info, err, sizeof(err)) == -1)
		ck_abort_msg("encrypt: %s", err);
	close(out);
	close(pfd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	crypto_sha256(p, n, sha);
	ck_assert(memcmp(info.sha256, sha, 32) == 0);
	ck_assert_uint_eq(info.size, n);
	assert_round_trip(enc, &t, p, n);
	free(p);
}
END_TEST

START_TEST(fcrypt_refuses_bad_chunk_sizes_and_keys)
{
	struct fcrypt_keys	 t;
	struct fcrypt_info	 info;
	struct fcrypt_key	 bad = { "bad/id", { 0 } };
	char			 err[FCRYPT_ERR_MAX];

	keys(&t, "k1:" K1HEX, "k1");
	ck_assert_int_eq(fcrypt_encrypt_fd(0, 1, fcrypt_keys_current(&t),
	    FCRYPT_CHUNK_MIN - 1, &info, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "chunk size"));
	ck_assert_int_eq(fcrypt_encrypt_fd(0, 1, fcrypt_keys_current(&t),
	    FCRYPT_CHUNK_MAX + 1, &info, err, sizeof(err)), -1);
	ck_assert_int_eq(fcrypt_encrypt_fd(0, 1, NULL, 0, &info, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(fcrypt_encrypt_fd(0, 1, &bad, 0, &info, err,
	    sizeof(err)), -1);
}
END_TEST

/* A 4-chunk file (chunk 1024) of random data; the data in *pp. */
static const char *
four_chunks(struct fcrypt_keys *t, unsigned char **pp)
{
	struct fcrypt_info	 info;

	keys(t, "k1:" K1HEX, "k1");
	*pp = random_data(3 * 1024 + 100);
	return encrypt_buf(t, *pp, 3 * 1024 + 100, 1024, &info);
}

START_TEST(fcrypt_detects_a_flipped_ciphertext_bit)
{
	struct fcrypt_keys	 t;
	struct sink		 s = { 0 };
	unsigned char		*p;
	const char		*enc = four_chunks(&t, &p);
	char			 err[FCRYPT_ERR_MAX];

	flip(enc, CHUNK_AT(1, 1024) + 500, 0x10);
	/* The chunks before it still read; it and any range over it fail. */
	ck_assert_int_eq(decrypt(enc, &t, 0, 1024, &s, err, sizeof(err)), 0);
	ck_assert(memcmp(s.p, p, 1024) == 0);
	ck_assert_int_eq(decrypt(enc, &t, 2048, 1124, &s, err, sizeof(err)),
	    0);
	ck_assert_int_eq(decrypt(enc, &t, 1024, 1, &s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "chunk 1 of 4"));
	ck_assert_ptr_nonnull(strstr(err, "authentication"));
	ck_assert_uint_eq(s.len, 0);
	ck_assert_int_eq(decrypt(enc, &t, 0, UINT64_MAX, &s, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "chunk 1 of 4"));
	/* Chunk 0 was whole and was written; nothing of chunk 1 was. */
	ck_assert_uint_eq(s.len, 1024);
	free(s.p);
	free(p);
}
END_TEST

START_TEST(fcrypt_detects_a_flipped_tag_bit)
{
	struct fcrypt_keys	 t;
	struct sink		 s = { 0 };
	unsigned char		*p;
	const char		*enc = four_chunks(&t, &p);
	char			 err[FCRYPT_ERR_MAX];

	/* The last chunk's tag: 100 bytes of ciphertext, then 16 of tag. */
	flip(enc, CHUNK_AT(3, 1024) + 100 + 15, 0x80);
	ck_assert_int_eq(decrypt(enc, &t, 3 * 1024, 100, &s, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "chunk 3 of 4"));
	ck_assert_int_eq(decrypt(enc, &t, 0, 3 * 1024, &s, err, sizeof(err)),
	    0);
	free(s.p);
	free(p);
}
END_TEST

START_TEST(fcrypt_detects_any_header_change)
{
	struct fcrypt_keys	 t;
	struct sink		 s = { 0 };
	unsigned char		*p;
	const char		*enc = four_chunks(&t, &p);
	char			 err[FCRYPT_ERR_MAX];
	uint64_t		 i;
	int			 bit;

	for (i = 0; i < HDR; i++)
		for (bit = 0; bit < 8; bit++) {
			flip(enc, i, (unsigned char)(1 << bit));
			if (decrypt(enc, &t, 0, 1, &s, err, sizeof(err)) != -1)
				ck_abort_msg("header byte %llu bit %d: not "
				    "detected", (unsigned long long)i, bit);
			flip(enc, i, (unsigned char)(1 << bit));
		}
	assert_round_trip(enc, &t, p, 3 * 1024 + 100);
	free(s.p);
	free(p);
}
END_TEST

START_TEST(fcrypt_detects_swapped_chunks)
{
	struct fcrypt_keys	 t;
	struct sink		 s = { 0 };
	unsigned char		*p, a[1040], b[1040];
	const char		*enc = four_chunks(&t, &p);
	char			 err[FCRYPT_ERR_MAX];
	int			 fd;

	fd = open(enc, O_RDWR);
	ck_assert_int_eq(pread(fd, a, sizeof(a), CHUNK_AT(0, 1024)), 1040);
	ck_assert_int_eq(pread(fd, b, sizeof(b), CHUNK_AT(1, 1024)), 1040);
	ck_assert_int_eq(pwrite(fd, b, sizeof(b), CHUNK_AT(0, 1024)), 1040);
	ck_assert_int_eq(pwrite(fd, a, sizeof(a), CHUNK_AT(1, 1024)), 1040);
	close(fd);
	ck_assert_int_eq(decrypt(enc, &t, 0, 1, &s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "chunk 0 of 4"));
	ck_assert_int_eq(decrypt(enc, &t, 1024, 1, &s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "chunk 1 of 4"));
	ck_assert_int_eq(decrypt(enc, &t, 2048, 1, &s, err, sizeof(err)), 0);
	free(s.p);
	free(p);
}
END_TEST

START_TEST(fcrypt_detects_a_chunk_from_another_file)
{
	struct fcrypt_keys	 t;
	struct sink		 s = { 0 };
	unsigned char		*p, a[1040];
	const char		*enc = four_chunks(&t, &p), *enc2;
	struct fcrypt_info	 info;
	char			 err[FCRYPT_ERR_MAX];
	int			 fd;

	/* Same key, same data, same position: still refused (own file key). */
	enc2 = encrypt_buf(&t, p, 3 * 1024 + 100, 1024, &info);
	fd = open(enc2, O_RDONLY);
	ck_assert_int_eq(pread(fd, a, sizeof(a), CHUNK_AT(2, 1024)), 1040);
	close(fd);
	fd = open(enc, O_RDWR);
	ck_assert_int_eq(pwrite(fd, a, sizeof(a), CHUNK_AT(2, 1024)), 1040);
	close(fd);
	ck_assert_int_eq(decrypt(enc, &t, 2048, 1, &s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "chunk 2 of 4"));
	free(s.p);
	free(p);
}
END_TEST

START_TEST(fcrypt_detects_truncation)
{
	struct fcrypt_keys	 t;
	struct fcrypt_reader	*r;
	struct sink		 s = { 0 };
	unsigned char		*p;
	const char		*enc = four_chunks(&t, &p);
	char			 err[FCRYPT_ERR_MAX];
	const off_t		 full = (off_t)CHUNK_AT(3, 1024) + 116;
	const off_t		 cuts[] = { full - 1, full - 16, full - 116,
	    (off_t)CHUNK_AT(3, 1024) + 1, HDR, HDR - 1, 10, 0 };
	size_t			 i;
	int			 fd;

	for (i = 0; i < nitems(cuts); i++) {
		ck_assert_int_eq(truncate(enc, cuts[i]), 0);
		ck_assert_int_eq(decrypt(enc, &t, 0, 1, &s, err, sizeof(err)),
		    -1);
		if (cuts[i] >= HDR)
			ck_assert_ptr_nonnull(strstr(err, "truncated"));
	}

	/* Cut after it was opened: the read notices. */
	free(p);
	enc = four_chunks(&t, &p);
	fd = open(enc, O_RDONLY);
	r = fcrypt_open(fd, &t, err, sizeof(err));
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(truncate(enc, full - 10), 0);
	ck_assert_int_eq(fcrypt_read_range(r, 0, 1024, sink_write, &s), 0);
	ck_assert_int_eq(fcrypt_read_range(r, 3000, 172, sink_write, &s), -1);
	ck_assert_ptr_nonnull(strstr(fcrypt_error(r), "chunk 3 of 4"));
	fcrypt_close(r);
	close(fd);
	free(s.p);
	free(p);
}
END_TEST

START_TEST(fcrypt_detects_an_appended_chunk)
{
	struct fcrypt_keys	 t;
	struct sink		 s = { 0 };
	unsigned char		*p, a[1040];
	const char		*enc = four_chunks(&t, &p);
	char			 err[FCRYPT_ERR_MAX];
	int			 fd;

	fd = open(enc, O_RDWR | O_APPEND);
	ck_assert_int_eq(pread(fd, a, sizeof(a), CHUNK_AT(1, 1024)), 1040);
	ck_assert_int_eq(write(fd, a, sizeof(a)), 1040);
	close(fd);
	ck_assert_int_eq(decrypt(enc, &t, 0, 1, &s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "extended"));

	free(p);
	enc = four_chunks(&t, &p);
	fd = open(enc, O_RDWR | O_APPEND);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	close(fd);
	ck_assert_int_eq(decrypt(enc, &t, 0, 1, &s, err, sizeof(err)), -1);
	free(s.p);
	free(p);
}
END_TEST

START_TEST(fcrypt_refuses_a_wrong_key)
{
	struct fcrypt_keys	 t, wrong;
	struct sink		 s = { 0 };
	unsigned char		*p;
	const char		*enc = four_chunks(&t, &p);
	char			 err[FCRYPT_ERR_MAX];

	keys(&wrong, "k1:" K1BAD, "k1");
	ck_assert_int_eq(decrypt(enc, &wrong, 0, 1, &s, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "header authentication failed"));
	ck_assert_ptr_null(strstr(err, K1HEX));
	ck_assert_ptr_null(strstr(err, K1BAD));
	free(s.p);
	free(p);
}
END_TEST

START_TEST(fcrypt_refuses_an_unknown_key_id)
{
	struct fcrypt_keys	 t, other;
	struct sink		 s = { 0 };
	unsigned char		*p;
	const char		*enc = four_chunks(&t, &p);
	char			 err[FCRYPT_ERR_MAX];

	keys(&other, "k2:" K1HEX, "k2");
	ck_assert_int_eq(decrypt(enc, &other, 0, 1, &s, err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "unknown key id k1 (not in the key table)");
	keys(&other, "", NULL);
	ck_assert_int_eq(decrypt(enc, &other, 0, 1, &s, err, sizeof(err)),
	    -1);
	free(s.p);
	free(p);
}
END_TEST

START_TEST(fcrypt_refuses_files_not_in_its_format)
{
	struct fcrypt_keys	 t;
	struct sink		 s = { 0 };
	const char		*plain = path_new("plain"), *empty;
	char			 err[FCRYPT_ERR_MAX];
	int			 fd;

	keys(&t, "k1:" K1HEX, "k1");
	write_file(plain, "%PDF-1.7 not encrypted at all, quite long enough "
	    "to hold a header of ours", 74);
	ck_assert_int_eq(decrypt(plain, &t, 0, 1, &s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not an encrypted file"));
	empty = path_new("empty");
	write_file(empty, "", 0);
	ck_assert_int_eq(decrypt(empty, &t, 0, 0, &s, err, sizeof(err)), -1);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_ptr_null(fcrypt_open(fd, &t, err, sizeof(err)));
	ck_assert_str_eq(err, "not a regular file");
	close(fd);
}
END_TEST

START_TEST(fcrypt_same_data_encrypts_differently)
{
	struct fcrypt_keys	 t;
	struct fcrypt_info	 i1, i2;
	unsigned char		*p, *a, *b;
	const char		*e1, *e2;
	size_t			 n1, n2, i, same = 0;

	keys(&t, "k1:" K1HEX, "k1");
	p = random_data(5000);
	e1 = encrypt_buf(&t, p, 5000, 1024, &i1);
	e2 = encrypt_buf(&t, p, 5000, 1024, &i2);
	ck_assert(memcmp(i1.sha256, i2.sha256, 32) == 0);
	a = read_file(e1, &n1);
	b = read_file(e2, &n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert(memcmp(a + 20, b + 20, 32) != 0);	/* salts */
	for (i = HDR; i < n1; i++)
		same += a[i] == b[i];
	/* Unrelated bytes agree about 1 time in 256. */
	ck_assert_uint_lt(same, (n1 - HDR) / 64);
	free(a);
	free(b);
	free(p);
}
END_TEST

START_TEST(fcrypt_old_key_still_decrypts_after_rotation)
{
	struct fcrypt_keys	 t1, t12, t2;
	struct fcrypt_info	 info;
	struct sink		 s = { 0 };
	unsigned char		*p;
	const char		*old, *new;
	char			 err[FCRYPT_ERR_MAX];

	keys(&t1, "k1:" K1HEX, "k1");
	p = random_data(70000);
	old = encrypt_buf(&t1, p, 70000, 0, &info);
	ck_assert_str_eq(info.key_id, "k1");

	/* k2 becomes current; k1 stays in the table. */
	keys(&t12, "k1:" K1HEX ", k2:" K2HEX, "k2");
	new = encrypt_buf(&t12, p, 70000, 0, &info);
	ck_assert_str_eq(info.key_id, "k2");
	assert_round_trip(old, &t12, p, 70000);
	assert_round_trip(new, &t12, p, 70000);

	/* k1 retired: its files can no longer be read, k2's can. */
	keys(&t2, "k2:" K2HEX, "k2");
	ck_assert_int_eq(decrypt(old, &t2, 0, 1, &s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown key id k1"));
	assert_round_trip(new, &t2, p, 70000);
	free(s.p);
	free(p);
}
END_TEST

START_TEST(fcrypt_stops_when_the_writer_fails)
{
	struct fcrypt_keys	 t;
	struct fcrypt_reader	*r;
	unsigned char		*p;
	const char		*enc = four_chunks(&t, &p);
	int			 fd;

	fd = open(enc, O_RDONLY);
	r = fcrypt_open(fd, &t, NULL, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(fcrypt_read_range(r, 0, 10, sink_fail, NULL), -1);
	ck_assert_ptr_nonnull(strstr(fcrypt_error(r), "writer"));
	/* A NULL writer only checks. */
	ck_assert_int_eq(fcrypt_read_range(r, 0, fcrypt_plain_size(r), NULL,
	    NULL), 0);
	ck_assert_str_eq(fcrypt_error(r), "");
	fcrypt_close(r);
	close(fd);
	free(p);
}
END_TEST

/*
 * Decode a file with nothing but OpenSSL and the layout documented at the
 * top of fcrypt.h, so the format can be reimplemented from that comment.
 */
START_TEST(fcrypt_format_matches_its_description)
{
	struct fcrypt_keys	 t;
	struct fcrypt_info	 info;
	EVP_KDF			*kdf;
	EVP_KDF_CTX		*kctx;
	EVP_CIPHER_CTX		*ctx;
	OSSL_PARAM		 params[5];
	unsigned char		*p, *f, okm[64], mac[32], nonce[12], aad[9];
	unsigned char		 out[1024];
	unsigned int		 maclen;
	const char		*enc;
	size_t			 n, i, clen, N = 2 * 1024 + 10;
	uint64_t		 plain = 0;
	int			 len, last, ok;

	keys(&t, "k1:" K1HEX, "k1");
	p = random_data(N);
	enc = encrypt_buf(&t, p, N, 1024, &info);
	f = read_file(enc, &n);
	ck_assert(memcmp(f, "CLMF", 4) == 0);
	ck_assert_uint_eq(f[4], 1);
	ck_assert_uint_eq(f[5], 1);
	ck_assert_uint_eq(f[6], 2);
	ck_assert_uint_eq(f[7], 0);
	ck_assert_uint_eq((unsigned)f[8] << 24 | f[9] << 16 | f[10] << 8 | f[11],
	    1024);
	for (i = 12; i < 20; i++)
		plain = plain << 8 | f[i];
	ck_assert_uint_eq(plain, N);
	ck_assert(memcmp(f + 52, "k1", 2) == 0);
	ck_assert_uint_eq(n, 84 + 2 + N + 3 * 16);

	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	kctx = EVP_KDF_CTX_new(kdf);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    t.keys[0].key, 32);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    f + 20, 32);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (char *)"colmena fcrypt v1", 17);
	params[4] = OSSL_PARAM_construct_end();
	ck_assert_int_eq(EVP_KDF_derive(kctx, okm, 64, params), 1);
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);

	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), okm + 32, 32, f, 54, mac,
	    &maclen));
	ck_assert(memcmp(mac, f + 54, 32) == 0);

	ctx = EVP_CIPHER_CTX_new();
	for (i = 0; i < 3; i++) {
		clen = i == 2 ? 10 : 1024;
		/* The right last flag opens it; the wrong one does not. */
		for (last = 0; last <= 1; last++) {
			memset(nonce, 0, 12);
			memset(aad, 0, 9);
			nonce[11] = aad[7] = (unsigned char)i;
			aad[8] = (unsigned char)last;
			ck_assert_int_eq(EVP_DecryptInit_ex2(ctx,
			    EVP_aes_256_gcm(), okm, nonce, NULL), 1);
			ck_assert_int_eq(EVP_DecryptUpdate(ctx, NULL, &len, aad,
			    9), 1);
			ck_assert_int_eq(EVP_DecryptUpdate(ctx, out, &len,
			    f + 86 + i * 1040, (int)clen), 1);
			ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(ctx,
			    EVP_CTRL_GCM_SET_TAG, 16, f + 86 + i * 1040 + clen),
			    1);
			ok = EVP_DecryptFinal_ex(ctx, out + len, &len);
			ck_assert_int_eq(ok == 1, last == (i == 2));
			if (ok == 1)
				ck_assert(memcmp(out, p + i * 1024, clen) == 0);
		}
	}
	EVP_CIPHER_CTX_free(ctx);
	free(f);
	free(p);
}
END_TEST

START_TEST(fcrypt_keys_parse_accepts_good_lists)
{
	struct fcrypt_keys	 t;
	char			 err[FCRYPT_ERR_MAX];

	ck_assert_int_eq(fcrypt_keys_parse(&t, "", NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(t.nkeys, 0);
	ck_assert_ptr_null(fcrypt_keys_current(&t));
	ck_assert_int_eq(fcrypt_keys_parse(&t, "  ", "", err, sizeof(err)), 0);
	ck_assert_uint_eq(t.nkeys, 0);
	ck_assert_int_eq(fcrypt_keys_parse(&t, NULL, NULL, err, sizeof(err)),
	    0);

	ck_assert_int_eq(fcrypt_keys_parse(&t, " 2024-01.a_B:" K1HEX " ,\t"
	    "k2:F0E1D2C3B4A5968778695A4B3C2D1E0FF0E1D2C3B4A5968778695A4B3C2D1E0F ",
	    "k2", err, sizeof(err)), 0);
	ck_assert_uint_eq(t.nkeys, 2);
	ck_assert_str_eq(t.keys[0].id, "2024-01.a_B");
	ck_assert_str_eq(fcrypt_keys_current(&t)->id, "k2");
	ck_assert_uint_eq(t.keys[0].key[31], 0x1f);
	ck_assert_uint_eq(t.keys[1].key[0], 0xf0);
	ck_assert_ptr_eq(fcrypt_keys_find(&t, "2024-01.a_B"), &t.keys[0]);
	ck_assert_ptr_null(fcrypt_keys_find(&t, "k3"));
	/* A table without a current key still decrypts. */
	ck_assert_int_eq(fcrypt_keys_parse(&t, "k1:" K1HEX, NULL, err,
	    sizeof(err)), 0);
	ck_assert_ptr_null(fcrypt_keys_current(&t));
	fcrypt_keys_clear(&t);
	ck_assert_uint_eq(t.nkeys, 0);
	ck_assert_uint_eq(t.keys[0].key[31], 0);
}
END_TEST

START_TEST(fcrypt_keys_parse_refuses_bad_lists)
{
	static const struct {
		const char	*spec, *current, *want;
	} bad[] = {
		{ "k1:" K1HEX "0", "k1", "key k1 must be 64 hex digits" },
		{ "k1:0001", "k1", "not 4 characters" },
		{ "k1:", NULL, "not 0 characters" },
		{ "k1:" "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c"
		    "1d1e1f", "k1", "key k1 is not hexadecimal" },
		{ "k1:" K1HEX ",k1:" K2HEX, "k1", "key id k1 appears twice" },
		{ "k1:" K1HEX, "k2", "storage_key_id k2 is not one of" },
		{ "k1:" K1HEX, "../x", "(not a valid id)" },
		{ "k 1:" K1HEX, NULL, "entry 1: the key id may hold only" },
		{ "k1:" K1HEX ",k/2:" K2HEX, NULL, "entry 2: the key id" },
		{ ":" K1HEX, NULL, "entry 1: the key id must be 1 to 32" },
		{ "abcdefghijabcdefghijabcdefghijabc:" K1HEX, NULL,
		    "must be 1 to 32" },
		{ K1HEX, NULL, "entry 1: expected id:key" },
		{ "k1:" K1HEX ",", NULL, "entry 2 is empty" },
		{ "k1:" K1HEX ", ,k2:" K2HEX, NULL, "entry 2 is empty" },
		{ ",k1:" K1HEX, NULL, "entry 1 is empty" },
		{ "k1:" K1HEX ";k2:" K2HEX, NULL, "must be 64 hex digits" },
	};
	struct fcrypt_keys	 t;
	char			 err[FCRYPT_ERR_MAX], spec[2048];
	size_t			 i, off = 0;

	for (i = 0; i < nitems(bad); i++) {
		err[0] = '\0';
		ck_assert_int_eq(fcrypt_keys_parse(&t, bad[i].spec,
		    bad[i].current, err, sizeof(err)), -1);
		if (strstr(err, bad[i].want) == NULL)
			ck_abort_msg("case %zu: \"%s\" lacks \"%s\"", i, err,
			    bad[i].want);
		ck_assert_ptr_null(strstr(err, K1HEX));
		ck_assert_ptr_null(strstr(err, K2HEX));
		ck_assert_uint_eq(t.nkeys, 0);
		ck_assert_int_eq(t.current, -1);
	}
	for (i = 0; i <= FCRYPT_KEYS_MAX; i++)
		off += (size_t)snprintf(spec + off, sizeof(spec) - off,
		    "%sk%zu:%s", i ? "," : "", i, K1HEX);
	ck_assert_int_eq(fcrypt_keys_parse(&t, spec, NULL, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 16 keys"));
}
END_TEST

START_TEST(fcrypt_keys_conf_needs_a_current_key_to_encrypt)
{
	struct fcrypt_keys	 t;
	char			 err[FCRYPT_ERR_MAX];

	setenv("COLMENA_STORAGE_KEYS", "k1:" K1HEX ",k2:" K2HEX, 1);
	setenv("COLMENA_STORAGE_KEY_ID", "k2", 1);
	setenv("COLMENA_STORAGE_ENCRYPT", "1", 1);
	ck_assert_int_eq(conf_load(NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(fcrypt_keys_conf(&t, err, sizeof(err)), 0);
	ck_assert_str_eq(fcrypt_keys_current(&t)->id, "k2");

	setenv("COLMENA_STORAGE_KEY_ID", "", 1);
	ck_assert_int_eq(conf_load(NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(fcrypt_keys_conf(&t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "storage_encrypt = 1 needs"));

	/* Encryption off: old keys may stay to read old files. */
	setenv("COLMENA_STORAGE_ENCRYPT", "0", 1);
	ck_assert_int_eq(conf_load(NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(fcrypt_keys_conf(&t, err, sizeof(err)), 0);
	ck_assert_uint_eq(t.nkeys, 2);

	setenv("COLMENA_STORAGE_KEYS", "k1:abc", 1);
	ck_assert_int_eq(conf_load(NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(fcrypt_keys_conf(&t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "64 hex digits"));
	conf_free();
}
END_TEST

static double
seconds_since(const struct timespec *a)
{
	struct timespec	 b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) + (b.tv_nsec - a->tv_nsec) / 1e9;
}

static int
sink_count(void *arg, const void *p, size_t n)
{
	*(uint64_t *)arg += n;
	return 0;
}

START_TEST(fcrypt_throughput)
{
	static const size_t	 N = 64 * 1024 * 1024;
	struct fcrypt_keys	 t;
	struct fcrypt_info	 info;
	struct fcrypt_reader	*r;
	struct timespec		 a;
	unsigned char		*p;
	const char		*plain = path_new("big"), *enc = path_new("bigenc");
	char			 err[FCRYPT_ERR_MAX];
	uint64_t		 got = 0;
	double			 se, sd;
	int			 in, out;

	keys(&t, "k1:" K1HEX, "k1");
	p = random_data(N);
	write_file(plain, p, N);
	free(p);
	in = open(plain, O_RDONLY);
	out = open(enc, O_RDWR | O_CREAT | O_EXCL, 0600);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (fcrypt_encrypt_fd(in, out, fcrypt_keys_current(&t), 0, &info, err,
	    sizeof(err)) == -1)
		ck_abort_msg("%s", err);
	se = seconds_since(&a);
	close(in);
	r = fcrypt_open(out, &t, err, sizeof(err));
	ck_assert_ptr_nonnull(r);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(fcrypt_read_range(r, 0, N, sink_count, &got), 0);
	sd = seconds_since(&a);
	ck_assert_uint_eq(got, N);
	fcrypt_close(r);
	close(out);
	printf("fcrypt: 64 MiB, 64 KiB chunks: encrypt+SHA-256 %.0f MB/s, "
	    "full decrypt %.0f MB/s\n", N / se / 1e6, N / sd / 1e6);
	fflush(stdout);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("fcrypt");
	TCase	*tc = tcase_create("fcrypt");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fcrypt_round_trips_at_size_edges);
	tcase_add_test(tc, fcrypt_round_trips_every_small_size);
	tcase_add_test(tc, fcrypt_empty_sha256_is_the_empty_digest);
	tcase_add_test(tc, fcrypt_ranges_at_every_edge);
	tcase_add_test(tc, fcrypt_random_ranges_match_the_plaintext);
	tcase_add_test(tc, fcrypt_encrypts_from_a_pipe);
	tcase_add_test(tc, fcrypt_refuses_bad_chunk_sizes_and_keys);
	tcase_add_test(tc, fcrypt_detects_a_flipped_ciphertext_bit);
	tcase_add_test(tc, fcrypt_detects_a_flipped_tag_bit);
	tcase_add_test(tc, fcrypt_detects_any_header_change);
	tcase_add_test(tc, fcrypt_detects_swapped_chunks);
	tcase_add_test(tc, fcrypt_detects_a_chunk_from_another_file);
	tcase_add_test(tc, fcrypt_detects_truncation);
	tcase_add_test(tc, fcrypt_detects_an_appended_chunk);
	tcase_add_test(tc, fcrypt_refuses_a_wrong_key);
	tcase_add_test(tc, fcrypt_refuses_an_unknown_key_id);
	tcase_add_test(tc, fcrypt_refuses_files_not_in_its_format);
	tcase_add_test(tc, fcrypt_same_data_encrypts_differently);
	tcase_add_test(tc, fcrypt_old_key_still_decrypts_after_rotation);
	tcase_add_test(tc, fcrypt_stops_when_the_writer_fails);
	tcase_add_test(tc, fcrypt_format_matches_its_description);
	tcase_add_test(tc, fcrypt_keys_parse_accepts_good_lists);
	tcase_add_test(tc, fcrypt_keys_parse_refuses_bad_lists);
	tcase_add_test(tc, fcrypt_keys_conf_needs_a_current_key_to_encrypt);
	tcase_add_test(tc, fcrypt_throughput);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
