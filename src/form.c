/*
 * form.c: form-urlencoding for outgoing Stripe API calls: RFC 3986
 * unreserved bytes kept, everything else %XX (space too), brackets kept
 * literal in keys only, so nested keys read as in Stripe's documentation.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "form.h"
#include "str.h"

/*
 * Choices, both accepted by Stripe's API:
 * - space is %20, never '+': one spelling whatever the decoder, and '+'
 *   itself is always %2B;
 * - '[' and ']' stay literal in keys (as in Stripe's curl examples and
 *   stripe-node, which un-escapes %5B/%5D for readability), and are %5B/%5D
 *   in values, where they are data.
 * Keys and values must be UTF-8 (Stripe's encoding) without NUL bytes;
 * non-ASCII goes out as its UTF-8 bytes, %XX each (upper-case hex).
 */

enum form_part {
	FORM_KEY,
	FORM_VALUE,
	FORM__MAX
};

static void	 form_encode(struct buf *, const char *, size_t, enum form_part);
static bool	 form_keep(unsigned char, enum form_part);
static int	 form_refuse(struct buf *);

static bool
form_keep(unsigned char c, enum form_part part)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~')
		return true;
	return part == FORM_KEY && (c == '[' || c == ']');
}

static void
form_encode(struct buf *b, const char *s, size_t len, enum form_part part)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 esc[3];
	size_t			 i, run;

	for (i = 0; i < len; i += run) {
		for (run = 0; i + run < len &&
		    form_keep((unsigned char)s[i + run], part); run++)
			continue;
		if (run > 0) {
			buf_add(b, s + i, run);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[(unsigned char)s[i] >> 4];
		esc[2] = hex[(unsigned char)s[i] & 0x0f];
		buf_add(b, esc, sizeof(esc));
		run = 1;
	}
}

/* Refusals poison the buffer too: a caller checking only b->err sees them. */
static int
form_refuse(struct buf *b)
{
	b->err = true;
	return -1;
}

/*
 * Append key=value (len bytes of value) to the body in b, with a leading
 * '&' unless b is empty: b must hold nothing but this form. Returns 0, or
 * -1 with b->err set and nothing appended if the key is empty or either
 * part holds a NUL byte or is not UTF-8. Overflowing b->max sets b->err.
 */
int
form_addn(struct buf *b, const char *key, const char *value, size_t len)
{
	size_t	 klen;

	klen = strlen(key);
	if (klen == 0 || !str_utf8_valid(key, klen) ||
	    memchr(value, '\0', len) != NULL || !str_utf8_valid(value, len))
		return form_refuse(b);
	if (b->len > 0)
		buf_putc(b, '&');
	form_encode(b, key, klen, FORM_KEY);
	buf_putc(b, '=');
	form_encode(b, value, len, FORM_VALUE);
	return b->err ? -1 : 0;
}

/*
 * Append key=value for a NUL-terminated value, as form_addn().
 */
int
form_add(struct buf *b, const char *key, const char *value)
{
	return form_addn(b, key, value, strlen(value));
}

/*
 * Append a pair whose key is printf-formatted, for indexed keys:
 * form_addf_key(b, "usd", "line_items[%zu][price_data][currency]", i).
 * Keys formatting to FORM_KEY_MAX bytes or more are refused (-1, b->err);
 * otherwise as form_addn().
 */
int
form_addf_key(struct buf *b, const char *value, const char *fmt, ...)
{
	char	 key[FORM_KEY_MAX];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(key))
		return form_refuse(b);
	return form_add(b, key, value);
}

/*
 * Append key=v in decimal (amounts in minor units, quantities), as
 * form_add().
 */
int
form_add_int(struct buf *b, const char *key, int64_t v)
{
	char	 num[24];
	int	 n;

	n = snprintf(num, sizeof(num), "%" PRId64, v);
	if (n < 0 || (size_t)n >= sizeof(num))
		return form_refuse(b);
	return form_addn(b, key, num, (size_t)n);
}
