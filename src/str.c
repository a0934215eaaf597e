/*
 * str.c: small, allocation-free string routines. Every parser here is strict:
 * the whole input must match, and errors are reported as short sentences.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "str.h"

/*
 * Parse a base-10 integer in [min, max]; the whole string must be the number
 * (no spaces, no sign other than a leading '-'). Returns the value with
 * *errstr NULL, or 0 with *errstr "is not a whole number", "is too small" or
 * "is too large" (after OpenBSD's strtonum).
 */
int64_t
str_to_i64(const char *s, int64_t min, int64_t max, const char **errstr)
{
	char		*end;
	long long	 v;
	const char	*p;

	*errstr = NULL;
	p = s;
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9') {
		*errstr = "is not a whole number";
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0') {
		*errstr = "is not a whole number";
		return 0;
	}
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*errstr = "is too small";
		return 0;
	}
	if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		*errstr = "is too large";
		return 0;
	}
	return (int64_t)v;
}

/*
 * True if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, at most
 * U+10FFFF) and holds no NUL byte.
 */
bool
str_utf8_valid(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s, *e = p + n;
	unsigned int		 c, need, min;

	while (p < e) {
		c = *p++;
		if (c == 0)
			return false;
		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			min = 0x80;
			c &= 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			min = 0x800;
			c &= 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			min = 0x10000;
			c &= 0x07;
		} else
			return false;
		if ((size_t)(e - p) < need)
			return false;
		while (need-- > 0) {
			if ((*p & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (*p++ & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
	}
	return true;
}

/*
 * Number of code points in valid UTF-8 s[0..n).
 */
size_t
str_utf8_chars(const char *s, size_t n)
{
	size_t	 i, count = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			count++;
	return count;
}

/*
 * True if s is a UUID in canonical textual form (8-4-4-4-12 hex digits).
 */
bool
str_is_uuid(const char *s)
{
	size_t	 i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	}
	return s[36] == '\0';
}

/*
 * True if s is a slug: 1..max of [a-z0-9-], not starting or ending with '-',
 * and not shaped like a UUID (so an id and a slug can never be confused).
 */
bool
str_is_slug(const char *s, size_t max)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= max)
			return false;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	}
	if (i == 0 || s[0] == '-' || s[i - 1] == '-')
		return false;
	return !str_is_uuid(s);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode s[0..n) in place (and '+' to space when asked). A '%' not
 * followed by two hex digits is kept as it is. Returns the new length; the
 * result is NUL-terminated but may itself contain NUL bytes (%00), which
 * is why the length is returned.
 */
size_t
str_pct_decode(char *s, size_t n, bool plus_is_space)
{
	size_t	 i, o;
	int	 hi, lo;

	for (i = o = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			s[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+' && plus_is_space)
			s[o++] = ' ';
		else
			s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

/*
 * ASCII case-insensitive equality.
 */
bool
str_case_eq(const char *a, const char *b)
{
	unsigned char	 ca, cb;

	for (;; a++, b++) {
		ca = (unsigned char)*a;
		cb = (unsigned char)*b;
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return false;
		if (ca == '\0')
			return true;
	}
}

/*
 * Parse a price in major units ("12.99", "5", "0.5") exactly, without
 * floating point, into minor units for a currency with `exponent` decimals.
 * Rejects signs, exponents, more decimals than the currency has, and values
 * above max_minor. Returns 0, or -1 with *errstr set.
 */
int
str_money_parse(const char *s, int exponent, int64_t max_minor,
    int64_t *minor, const char **errstr)
{
	int64_t		 whole = 0, frac = 0, scale = 1;
	int		 ndec = 0, i;
	const char	*p = s;

	*errstr = NULL;
	if (*p == '-') {
		*errstr = "must not be negative";
		return -1;
	}
	if (*p < '0' || *p > '9') {
		*errstr = "must be a number like 12.99";
		return -1;
	}
	for (i = 0; i < exponent; i++)
		scale *= 10;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		/* Checked per digit, so whole * scale can never overflow. */
		if (whole > max_minor / scale) {
			*errstr = "is too large";
			return -1;
		}
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9') {
			*errstr = "must be a number like 12.99";
			return -1;
		}
		for (; *p >= '0' && *p <= '9'; p++) {
			if (++ndec > exponent) {
				*errstr = exponent == 0 ?
				    "must be a whole number in this currency" :
				    "has more decimal places than the currency allows";
				return -1;
			}
			frac = frac * 10 + (*p - '0');
		}
	}
	if (*p != '\0') {
		*errstr = "must be a number like 12.99";
		return -1;
	}
	for (i = ndec; i < exponent; i++)
		frac *= 10;
	whole *= scale;
	if (frac > max_minor - whole) {
		*errstr = "is too large";
		return -1;
	}
	*minor = whole + frac;
	return 0;
}

/*
 * Append minor units as a decimal number in major units with exactly
 * `exponent` decimals ("1299", 2 -> "12.99"; "500", 0 -> "500").
 */
void
str_money_format(struct buf *b, int64_t minor, int exponent)
{
	uint64_t u, div = 1;
	int	 i;

	if (minor < 0) {
		buf_putc(b, '-');
		u = -(uint64_t)minor;	/* also right for INT64_MIN */
	} else
		u = (uint64_t)minor;
	for (i = 0; i < exponent; i++)
		div *= 10;
	if (exponent == 0)
		buf_printf(b, "%llu", (unsigned long long)u);
	else
		buf_printf(b, "%llu.%0*llu", (unsigned long long)(u / div),
		    exponent, (unsigned long long)(u % div));
}

/*
 * Write 2n lowercase hex digits of p[0..n) and a NUL to out.
 */
void
str_hex(char *out, const unsigned char *p, size_t n)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}
