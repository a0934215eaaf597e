/*
 * crypto.h: small primitives over OpenSSL for sessions, TOTP and JWT:
 * random bytes, SHA-256, HMAC, constant-time comparison, and the strict
 * base64url and base32 codecs those formats need.
 */
#ifndef COLMENA_CRYPTO_H
#define COLMENA_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

#define CRYPTO_SHA256_LEN	32
#define CRYPTO_HMAC_MAX		64	/* the largest digest (SHA-512) */
#define CRYPTO_UUID_SIZE	37	/* canonical UUID and its NUL */

/* Output sizes including the NUL, for n input bytes. */
#define CRYPTO_B64URL_SIZE(n)	(((n) + 2) / 3 * 4 + 1)
#define CRYPTO_BASE32_SIZE(n)	(((n) + 4) / 5 * 8 + 1)

void	 crypto_random(void *, size_t);
void	 crypto_sha256(const void *, size_t, unsigned char out[32]);
void	 crypto_hmac(const char *md, const void *key, size_t keylen,
	    const void *msg, size_t msglen, unsigned char *out, size_t *outlen);
bool	 crypto_equal(const void *, const void *, size_t);
size_t	 crypto_b64url_encode(char *out, size_t outsz, const void *, size_t);
int	 crypto_b64url_decode(unsigned char *out, size_t outsz, const char *,
	    size_t, size_t *outlen);
size_t	 crypto_base32_encode(char *out, size_t outsz, const void *, size_t);
int	 crypto_base32_decode(unsigned char *out, size_t outsz, const char *,
	    size_t, size_t *outlen);
char	*crypto_token(struct arena *, size_t nbytes);
char	*crypto_sha256_hex(struct arena *, const void *, size_t);
int	 crypto_sha256_fd(int fd, char hex[65], uint64_t *size);
void	 crypto_uuid_v4(char *out);

#endif
