/*
 * stripesig.c: Stripe webhook signatures: parse "t=...,v1=...,v0=...",
 * recompute hex(HMAC-SHA256(secret, t "." body)) per secret and compare it
 * in constant time with every v1 entry, then check the timestamp's age.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "str.h"
#include "stripesig.h"

#define STRIPESIG_HEX_LEN	(2 * CRYPTO_SHA256_LEN)	/* 64 */
#define STRIPESIG_T_DIGITS	12
/* At most this many v1 entries fit in STRIPESIG_HEADER_MAX ("v1=" + 64 + ","). */
#define STRIPESIG_V1_MAX	(STRIPESIG_HEADER_MAX / (STRIPESIG_HEX_LEN + 4) + 1)

struct stripesig_parsed {
	const char	*t;			/* digits, not NUL-terminated */
	size_t		 tlen;
	int64_t		 tval;
	const char	*v1[STRIPESIG_V1_MAX];	/* 64 lowercase hex each */
	size_t		 nv1;
};

static enum stripesig_status stripesig_parse(const char *, size_t,
		    struct stripesig_parsed *);
static bool	 stripesig_is_hex64(const char *, size_t);
static bool	 stripesig_match(const struct stripesig_parsed *, const char *,
		    const char *, size_t);

static const char *const stripesig_messages[STRIPESIG__MAX] = {
	"signature valid",					/* STRIPESIG_OK */
	"no Stripe-Signature header",				/* STRIPESIG_MISSING */
	"malformed Stripe-Signature header",			/* STRIPESIG_MALFORMED */
	"no v1 signature in Stripe-Signature header",		/* STRIPESIG_NO_V1 */
	"timestamp outside the tolerance",			/* STRIPESIG_TOO_OLD */
	"no signature matches the expected one",		/* STRIPESIG_MISMATCH */
};

static const char *const stripesig_names[STRIPESIG__MAX] = {
	"OK",			/* STRIPESIG_OK */
	"MISSING",		/* STRIPESIG_MISSING */
	"MALFORMED",		/* STRIPESIG_MALFORMED */
	"NO_V1",		/* STRIPESIG_NO_V1 */
	"TOO_OLD",		/* STRIPESIG_TOO_OLD */
	"MISMATCH",		/* STRIPESIG_MISMATCH */
};

/* Exactly 64 lowercase hex digits, as Stripe writes them. */
static bool
stripesig_is_hex64(const char *s, size_t n)
{
	size_t	 i;

	if (n != STRIPESIG_HEX_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/*
 * Split h[0..n) at commas into key=value items. Every item needs a '=' and
 * a non-empty key; t must occur once as 1..12 digits; v1 values that are
 * not 64 lowercase hex digits are skipped; other keys (v0, ...) ignored.
 */
static enum stripesig_status
stripesig_parse(const char *h, size_t n, struct stripesig_parsed *p)
{
	const char	*item, *end, *eq, *val;
	size_t		 ilen, klen, vlen, i;

	memset(p, 0, sizeof(*p));
	item = h;
	for (;;) {
		end = memchr(item, ',', (size_t)(h + n - item));
		if (end == NULL)
			end = h + n;
		ilen = (size_t)(end - item);
		eq = memchr(item, '=', ilen);
		if (eq == NULL || eq == item)
			return STRIPESIG_MALFORMED;
		klen = (size_t)(eq - item);
		val = eq + 1;
		vlen = (size_t)(end - val);
		if (klen == 1 && item[0] == 't') {
			if (p->t != NULL || vlen == 0 ||
			    vlen > STRIPESIG_T_DIGITS)
				return STRIPESIG_MALFORMED;
			p->tval = 0;
			for (i = 0; i < vlen; i++) {
				if (val[i] < '0' || val[i] > '9')
					return STRIPESIG_MALFORMED;
				p->tval = p->tval * 10 + (val[i] - '0');
			}
			p->t = val;
			p->tlen = vlen;
		} else if (klen == 2 && item[0] == 'v' && item[1] == '1') {
			if (stripesig_is_hex64(val, vlen) &&
			    p->nv1 < STRIPESIG_V1_MAX)
				p->v1[p->nv1++] = val;
		}
		if (end == h + n)
			break;
		item = end + 1;
	}
	if (p->t == NULL)
		return STRIPESIG_MALFORMED;
	if (p->nv1 == 0)
		return STRIPESIG_NO_V1;
	return STRIPESIG_OK;
}

/* True if some v1 entry equals hex(HMAC-SHA256(secret, t "." body)). */
static bool
stripesig_match(const struct stripesig_parsed *p, const char *secret,
    const char *body, size_t len)
{
	unsigned char	 mac[CRYPTO_HMAC_MAX];
	char		 hex[2 * CRYPTO_HMAC_MAX + 1];
	char		*msg;
	size_t		 maclen, msglen, i;
	bool		 found = false;

	if (len > SIZE_MAX - p->tlen - 1)
		fatalx("body too long");
	msglen = p->tlen + 1 + len;
	msg = xmalloc(msglen);
	memcpy(msg, p->t, p->tlen);
	msg[p->tlen] = '.';
	if (len > 0)
		memcpy(msg + p->tlen + 1, body, len);
	crypto_hmac("SHA256", secret, strlen(secret), msg, msglen, mac,
	    &maclen);
	free(msg);
	if (maclen != CRYPTO_SHA256_LEN)
		fatalx("HMAC-SHA256 gave %zu bytes", maclen);
	str_hex(hex, mac, maclen);
	/* Compare with every entry, no early exit. */
	for (i = 0; i < p->nv1; i++)
		if (crypto_equal(hex, p->v1[i], STRIPESIG_HEX_LEN))
			found = true;
	return found;
}

/*
 * Verify a Stripe-Signature header for the raw body[0..len) (any bytes,
 * NUL included; body may be NULL when len is 0). Valid when some v1 entry
 * equals hex(HMAC-SHA256(secret, t "." body)) for one of secrets[0..nsecrets)
 * (NULL or empty secrets are skipped; normally 1 or 2) and |now - t| <=
 * tolerance seconds (tolerance <= 0 means STRIPESIG_TOLERANCE). Returns
 * STRIPESIG_MISSING for a NULL or empty header, STRIPESIG_MALFORMED for one
 * over STRIPESIG_HEADER_MAX bytes, an item without "key=", or t absent,
 * repeated or not 1..12 digits; STRIPESIG_NO_V1 when no v1 entry is 64
 * lowercase hex digits (malformed v1 entries are ignored, not fatal);
 * STRIPESIG_MISMATCH when none matches; STRIPESIG_TOO_OLD when one matches
 * but t is out of range (so TOO_OLD always means a genuine, stale event).
 */
enum stripesig_status
stripesig_verify(const char *header, const char *body, size_t len,
    const char *const *secrets, size_t nsecrets, time_t now,
    int64_t tolerance)
{
	struct stripesig_parsed	 p;
	enum stripesig_status	 st;
	size_t			 hlen, i;
	bool			 found = false;
	int64_t			 n = (int64_t)now;

	if (header == NULL || header[0] == '\0')
		return STRIPESIG_MISSING;
	hlen = strnlen(header, STRIPESIG_HEADER_MAX + 1);
	if (hlen > STRIPESIG_HEADER_MAX)
		return STRIPESIG_MALFORMED;
	if ((st = stripesig_parse(header, hlen, &p)) != STRIPESIG_OK)
		return st;
	if (body == NULL && len > 0)
		return STRIPESIG_MISMATCH;
	for (i = 0; i < nsecrets && secrets != NULL; i++) {
		if (secrets[i] == NULL || secrets[i][0] == '\0')
			continue;
		if (stripesig_match(&p, secrets[i], body, len))
			found = true;
	}
	if (!found)
		return STRIPESIG_MISMATCH;
	if (tolerance <= 0)
		tolerance = STRIPESIG_TOLERANCE;
	/* t is in [0, 10^12): neither branch can overflow. */
	if (n >= p.tval ? n - p.tval > tolerance : n < p.tval - tolerance)
		return STRIPESIG_TOO_OLD;
	return STRIPESIG_OK;
}

/* A short English sentence for st, for logs; static storage. */
const char *
stripesig_message(enum stripesig_status st)
{
	if ((unsigned)st >= STRIPESIG__MAX)
		return "unknown status";
	return stripesig_messages[st];
}

/* The status's name without prefix ("OK", "MISMATCH"); static storage. */
const char *
stripesig_name(enum stripesig_status st)
{
	if ((unsigned)st >= STRIPESIG__MAX)
		return "UNKNOWN";
	return stripesig_names[st];
}
