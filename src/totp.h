/*
 * totp.h: time-based one-time passwords for staff sign-in (RFC 6238 over
 * the HOTP of RFC 4226), compatible with authenticator apps: SHA-1, six
 * digits, 30-second steps, one step of clock drift either way.
 */
#ifndef COLMENA_TOTP_H
#define COLMENA_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct arena;

#define TOTP_PERIOD	30
#define TOTP_DIGITS	6

uint32_t totp_hotp(const unsigned char *key, size_t keylen, uint64_t counter,
	    int digits, const char *md);
bool	 totp_verify(const unsigned char *key, size_t keylen, const char *code,
	    time_t now, int64_t last_step, int64_t *step);
char	*totp_uri(struct arena *, const char *issuer, const char *account,
	    const char *secret_b32);

#endif
