/*
 * totp.c: HOTP truncation, the drift window and reuse check for TOTP
 * codes, and the otpauth:// URI shown as a QR code when a staff member
 * enrols an authenticator app.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "arena.h"
#include "crypto.h"
#include "log.h"
#include "totp.h"

#define TOTP_DRIFT	1	/* steps accepted either side of now */

static char	*totp_pct(struct arena *, const char *);

/*
 * The HOTP value (RFC 4226 section 5.3) of counter under key with digest
 * md ("SHA1" when NULL, "SHA256", "SHA512"), reduced to digits (1 to 9)
 * decimal digits. Print it with "%0*u" to keep leading zeros.
 */
uint32_t
totp_hotp(const unsigned char *key, size_t keylen, uint64_t counter,
    int digits, const char *md)
{
	static const uint32_t	 mod[] = { 1, 10, 100, 1000, 10000, 100000,
	    1000000, 10000000, 100000000, 1000000000 };
	unsigned char		 msg[8], mac[CRYPTO_HMAC_MAX];
	size_t			 len, off;
	uint32_t		 bin;
	int			 i;

	if (digits < 1 || digits > 9)
		fatalx("bad digit count %d", digits);
	for (i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(counter & 0xff);
		counter >>= 8;
	}
	crypto_hmac(md, key, keylen, msg, sizeof(msg), mac, &len);
	off = mac[len - 1] & 0x0f;
	bin = (uint32_t)(mac[off] & 0x7f) << 24 | (uint32_t)mac[off + 1] << 16 |
	    (uint32_t)mac[off + 2] << 8 | mac[off + 3];
	OPENSSL_cleanse(mac, sizeof(mac));
	return bin % mod[digits];
}

/*
 * Check a six-digit SHA-1 code typed at time now against key, accepting
 * the step of now and one step either side (clock drift). A step at or
 * before last_step (the last one accepted for this key; -1 if none) is
 * refused, so a code works once. code must be exactly six ASCII digits.
 * Every candidate is computed and compared in constant time. Returns true
 * with the matched step (the latest, should two match) in *step.
 */
bool
totp_verify(const unsigned char *key, size_t keylen, const char *code,
    time_t now, int64_t last_step, int64_t *step)
{
	char		 want[TOTP_DIGITS + 1];
	int64_t		 t, s, found = -1;
	uint32_t	 v;
	int		 i, d;
	bool		 same;

	if (code == NULL || now < 0)
		return false;
	for (i = 0; i < TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	if (code[TOTP_DIGITS] != '\0')
		return false;
	t = (int64_t)now / TOTP_PERIOD;
	for (d = -TOTP_DRIFT; d <= TOTP_DRIFT; d++) {
		s = t + d;
		if (s < 0)
			continue;
		v = totp_hotp(key, keylen, (uint64_t)s, TOTP_DIGITS, "SHA1");
		if (snprintf(want, sizeof(want), "%0*u", TOTP_DIGITS,
		    (unsigned int)v) != TOTP_DIGITS)
			fatalx("snprintf");
		same = crypto_equal(want, code, TOTP_DIGITS);
		if (same && s > last_step)
			found = s;
	}
	OPENSSL_cleanse(want, sizeof(want));
	if (found < 0)
		return false;
	*step = found;
	return true;
}

/*
 * Percent-encode s for a URI, keeping only RFC 3986's unreserved
 * characters. Result lives in the arena.
 */
static char *
totp_pct(struct arena *a, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), o = 0, i;
	char			*out;

	out = arena_alloc(a, 3 * n + 1);
	for (i = 0; i < n; i++) {
		if ((p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= '0' && p[i] <= '9') ||
		    p[i] == '-' || p[i] == '.' || p[i] == '_' || p[i] == '~') {
			out[o++] = (char)p[i];
			continue;
		}
		out[o++] = '%';
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 0x0f];
	}
	out[o] = '\0';
	return out;
}

/*
 * The otpauth:// key URI (Google Authenticator's format) for enrolling an
 * app: label "issuer:account", the secret in base32, and the parameters
 * spelled out so every app agrees. Result lives in the arena.
 */
char *
totp_uri(struct arena *a, const char *issuer, const char *account,
    const char *secret_b32)
{
	const char	*iss = totp_pct(a, issuer);

	return arena_printf(a, "otpauth://totp/%s:%s?secret=%s&issuer=%s"
	    "&algorithm=SHA1&digits=%d&period=%d", iss, totp_pct(a, account),
	    totp_pct(a, secret_b32), iss, TOTP_DIGITS, TOTP_PERIOD);
}
