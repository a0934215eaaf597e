/*
 * crypto.c: thin wrappers over OpenSSL 3 (RAND_bytes, EVP_Digest, HMAC,
 * CRYPTO_memcmp) and hand-written codecs, so that parsing untrusted text
 * stays strict and never depends on OpenSSL's lenient base64 decoder.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "arena.h"
#include "crypto.h"
#include "log.h"
#include "str.h"

static const EVP_MD	*crypto_md(const char *);
static int		 b64url_value(unsigned char);
static int		 base32_value(unsigned char);

static const char	 b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char	 base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/*
 * The digest for an HMAC by name: the SHA-1 and SHA-2 ones TOTP and JWT
 * name. Any other name is a programming error.
 */
static const EVP_MD *
crypto_md(const char *md)
{
	if (md == NULL || strcmp(md, "SHA1") == 0)
		return EVP_sha1();
	if (strcmp(md, "SHA256") == 0)
		return EVP_sha256();
	if (strcmp(md, "SHA384") == 0)
		return EVP_sha384();
	if (strcmp(md, "SHA512") == 0)
		return EVP_sha512();
	fatalx("unknown digest %s", md);
}

/*
 * Fill p with n bytes from the OpenSSL CSPRNG. Failure is fatal: there is
 * no safe way to go on without randomness.
 */
void
crypto_random(void *p, size_t n)
{
	unsigned char	*u = p;
	int		 chunk;

	while (n > 0) {
		chunk = n > INT32_MAX ? INT32_MAX : (int)n;
		if (RAND_bytes(u, chunk) != 1)
			fatalx("RAND_bytes failed");
		u += chunk;
		n -= (size_t)chunk;
	}
}

/*
 * SHA-256 of p[0..n) into out.
 */
void
crypto_sha256(const void *p, size_t n, unsigned char out[32])
{
	unsigned int	 len = 0;

	if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 ||
	    len != CRYPTO_SHA256_LEN)
		fatalx("EVP_Digest failed");
}

/*
 * HMAC of msg with key using md ("SHA1", the default when NULL, "SHA256",
 * "SHA384" or "SHA512"). out must hold CRYPTO_HMAC_MAX bytes; the digest
 * length is stored in *outlen.
 */
void
crypto_hmac(const char *md, const void *key, size_t keylen, const void *msg,
    size_t msglen, unsigned char *out, size_t *outlen)
{
	static const unsigned char	 empty[1];
	unsigned int			 len = 0;

	if (keylen > INT32_MAX)
		fatalx("HMAC key too long");
	/* OpenSSL reads a NULL key as "reuse the last one": never pass it. */
	if (key == NULL || keylen == 0)
		key = empty;
	if (msg == NULL)
		msg = empty;
	if (HMAC(crypto_md(md), key, (int)keylen, msg, msglen, out, &len) ==
	    NULL || len == 0 || len > CRYPTO_HMAC_MAX)
		fatalx("HMAC failed");
	*outlen = len;
}

/*
 * True if a[0..n) equals b[0..n), in time that depends only on n.
 */
bool
crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

/*
 * Encode p[0..n) as base64url without padding into out, NUL-terminated.
 * out must hold CRYPTO_B64URL_SIZE(n) bytes (fatal otherwise: the caller
 * sized it). Returns the length of the text.
 */
size_t
crypto_b64url_encode(char *out, size_t outsz, const void *p, size_t n)
{
	const unsigned char	*in = p;
	size_t			 i, o = 0, need;
	uint32_t		 v;

	if (n > (SIZE_MAX - 3) / 4 * 3)
		fatalx("input too long");
	need = n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1) + 1;
	if (outsz < need)
		fatalx("output buffer too small (%zu < %zu)", outsz, need);
	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = b64url_alphabet[v >> 18 & 0x3f];
		out[o++] = b64url_alphabet[v >> 12 & 0x3f];
		out[o++] = b64url_alphabet[v >> 6 & 0x3f];
		out[o++] = b64url_alphabet[v & 0x3f];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64url_alphabet[v >> 18 & 0x3f];
		out[o++] = b64url_alphabet[v >> 12 & 0x3f];
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64url_alphabet[v >> 18 & 0x3f];
		out[o++] = b64url_alphabet[v >> 12 & 0x3f];
		out[o++] = b64url_alphabet[v >> 6 & 0x3f];
	}
	out[o] = '\0';
	return o;
}

/* The 6-bit value of a base64url character, or -1. */
static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Decode base64url text s[0..n) into out (outsz bytes). Strict: only the
 * 64 alphabet characters, no '=' padding, no length that leaves a lone
 * character (n % 4 == 1), and the unused low bits of the last character
 * must be zero, so every byte string has exactly one accepted spelling.
 * Returns 0 with the length in *outlen, or -1 (also if out is too small).
 */
int
crypto_b64url_decode(unsigned char *out, size_t outsz, const char *s,
    size_t n, size_t *outlen)
{
	size_t		 i, o = 0, need;
	uint32_t	 acc = 0;
	int		 v, bits = 0;

	*outlen = 0;
	if (n % 4 == 1)
		return -1;
	need = n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
	if (need > outsz)
		return -1;
	for (i = 0; i < n; i++) {
		if ((v = b64url_value((unsigned char)s[i])) < 0)
			return -1;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	/* Leftover bits (2 or 4) must be zero. */
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return -1;
	*outlen = o;
	return 0;
}

/*
 * Encode p[0..n) as RFC 4648 base32 (A-Z 2-7) without padding into out,
 * NUL-terminated. out must hold CRYPTO_BASE32_SIZE(n) bytes (fatal
 * otherwise). Returns the length of the text.
 */
size_t
crypto_base32_encode(char *out, size_t outsz, const void *p, size_t n)
{
	const unsigned char	*in = p;
	size_t			 i, o = 0, need;
	uint32_t		 acc = 0;
	int			 bits = 0;

	if (n > (SIZE_MAX - 8) / 8)
		fatalx("input too long");
	need = (n * 8 + 4) / 5 + 1;
	if (outsz < need)
		fatalx("output buffer too small (%zu < %zu)", outsz, need);
	for (i = 0; i < n; i++) {
		acc = (acc << 8 | in[i]) & 0xffff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = base32_alphabet[acc >> bits & 0x1f];
		}
	}
	if (bits > 0)
		out[o++] = base32_alphabet[acc << (5 - bits) & 0x1f];
	out[o] = '\0';
	return o;
}

/* The 5-bit value of a base32 character in either case, or -1. */
static int
base32_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/*
 * Decode base32 text s[0..n) as people type and apps show it: either case,
 * spaces anywhere (secrets are shown in groups), '=' padding only at the
 * end. A length that cannot come from whole bytes (1, 3 or 6 characters
 * past a multiple of 8) is refused. Returns 0 with the length in *outlen,
 * or -1 for a bad character, a bad length or an out of outsz bytes.
 */
int
crypto_base32_decode(unsigned char *out, size_t outsz, const char *s,
    size_t n, size_t *outlen)
{
	size_t		 i, o = 0, chars = 0;
	uint32_t	 acc = 0;
	int		 v, bits = 0;
	bool		 padding = false;

	*outlen = 0;
	for (i = 0; i < n; i++) {
		if (s[i] == ' ')
			continue;
		if (s[i] == '=') {
			padding = true;
			continue;
		}
		if (padding || (v = base32_value((unsigned char)s[i])) < 0)
			return -1;
		chars++;
		acc = (acc << 5 | (uint32_t)v) & 0xffff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o == outsz)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	switch (chars % 8) {
	case 1:
	case 3:
	case 6:
		return -1;
	default:
		break;
	}
	*outlen = o;
	return 0;
}

/*
 * A fresh random token: nbytes from the CSPRNG as base64url text. Result
 * lives in the arena.
 */
char *
crypto_token(struct arena *a, size_t nbytes)
{
	unsigned char	*raw;
	char		*out;
	size_t		 sz;

	if (nbytes > SIZE_MAX / 2)
		fatalx("token too long");
	raw = arena_alloc(a, nbytes);
	sz = CRYPTO_B64URL_SIZE(nbytes);
	out = arena_alloc(a, sz);
	crypto_random(raw, nbytes);
	crypto_b64url_encode(out, sz, raw, nbytes);
	OPENSSL_cleanse(raw, nbytes);
	return out;
}

/*
 * SHA-256 of p[0..n) as 64 lowercase hex digits. Result lives in the arena.
 */
char *
crypto_sha256_hex(struct arena *a, const void *p, size_t n)
{
	unsigned char	 md[CRYPTO_SHA256_LEN];
	char		*out;

	crypto_sha256(p, n, md);
	out = arena_alloc(a, 2 * CRYPTO_SHA256_LEN + 1);
	str_hex(out, md, sizeof(md));
	return out;
}

/*
 * SHA-256 (hex) and size of everything readable from fd, from its current
 * offset. Returns 0, or -1 with errno on a read error.
 */
int
crypto_sha256_fd(int fd, char hex[65], uint64_t *size)
{
	EVP_MD_CTX	*ctx;
	unsigned char	 buf[65536], md[32];
	unsigned int	 len;
	ssize_t		 n;
	int		 rc = 0;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		fatalx("EVP_DigestInit_ex failed");
	*size = 0;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
			fatalx("EVP_DigestUpdate failed");
		*size += (uint64_t)n;
	}
	if (EVP_DigestFinal_ex(ctx, md, &len) != 1)
		fatalx("EVP_DigestFinal_ex failed");
	EVP_MD_CTX_free(ctx);
	str_hex(hex, md, sizeof(md));
	return rc;
}

/*
 * A random (version 4) UUID in lowercase canonical form, NUL-terminated,
 * into out[CRYPTO_UUID_SIZE].
 */
void
crypto_uuid_v4(char *out)
{
	unsigned char	 b[16];
	char		 hex[33];

	crypto_random(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	str_hex(hex, b, sizeof(b));
	snprintf(out, CRYPTO_UUID_SIZE, "%.8s-%.4s-%.4s-%.4s-%.12s", hex,
	    hex + 8, hex + 12, hex + 16, hex + 20);
}
