/*
 * mime.c: RFC 5322 messages for the outbox: headers checked for CR/LF,
 * non-ASCII subjects as RFC 2047 encoded-words (base64, folded), bodies
 * quoted-printable with CRLF line ends and lines of at most 76 columns.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "crypto.h"
#include "mime.h"

#define MIME_HEADER_MAX	998	/* RFC 5322 2.1.1 */
#define MIME_WORD_BYTES	39	/* 52 base64 chars: a 64-column word */

static bool	 mime_clean(const char *);
static bool	 mime_ascii(const char *);
static void	 mime_b64(struct buf *, const unsigned char *, size_t);
static void	 mime_words(struct buf *, const char *);
static void	 mime_subject(struct buf *, const char *);
static void	 mime_qp(struct buf *, const char *);
static void	 mime_hex(char *, size_t);
static int	 mime_fail(char *, size_t, const char *);

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* No CR or LF anywhere: a header value stays one header. */
static bool
mime_clean(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

/* Printable ASCII and blanks only. */
static bool
mime_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			if (*s != '\t')
				return false;
	return true;
}

static void
mime_b64(struct buf *b, const unsigned char *p, size_t n)
{
	unsigned long	 v;
	size_t		 i;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 |
		    p[i + 2];
		buf_putc(b, b64chars[v >> 18 & 63]);
		buf_putc(b, b64chars[v >> 12 & 63]);
		buf_putc(b, b64chars[v >> 6 & 63]);
		buf_putc(b, b64chars[v & 63]);
	}
	if (n - i == 1) {
		v = (unsigned long)p[i] << 16;
		buf_putc(b, b64chars[v >> 18 & 63]);
		buf_putc(b, b64chars[v >> 12 & 63]);
		buf_puts(b, "==");
	} else if (n - i == 2) {
		v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8;
		buf_putc(b, b64chars[v >> 18 & 63]);
		buf_putc(b, b64chars[v >> 12 & 63]);
		buf_putc(b, b64chars[v >> 6 & 63]);
		buf_putc(b, '=');
	}
}

/*
 * s as RFC 2047 B encoded-words of at most 39 bytes each (never splitting
 * a UTF-8 sequence), one per line: "=?UTF-8?B?...?=" is 64 columns, so
 * with "Subject: " or the folding blank no line passes 76.
 */
static void
mime_words(struct buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 left = strlen(s), n;

	while (left > 0) {
		n = left < MIME_WORD_BYTES ? left : MIME_WORD_BYTES;
		while (n < left && n > 1 && (p[n] & 0xc0) == 0x80)
			n--;
		buf_puts(b, "=?UTF-8?B?");
		mime_b64(b, p, n);
		buf_puts(b, "?=");
		p += n;
		left -= n;
		if (left > 0)
			buf_puts(b, "\r\n ");
	}
}

/*
 * The Subject header. Plain ASCII (without "=?", which readers would
 * decode) is written as is, folded at blanks past 76 columns; anything
 * else as encoded-words.
 */
static void
mime_subject(struct buf *b, const char *s)
{
	size_t	 col, w;

	buf_puts(b, "Subject: ");
	if (!mime_ascii(s) || strstr(s, "=?") != NULL) {
		mime_words(b, s);
		buf_puts(b, "\r\n");
		return;
	}
	col = strlen("Subject: ");
	while (*s != '\0') {
		w = strcspn(s + 1, " \t") + 1;	/* a blank and its word */
		if (col + w > MIME_LINE_MAX && col > strlen("Subject: ") &&
		    (*s == ' ' || *s == '\t')) {
			buf_puts(b, "\r\n");
			col = 0;
		}
		buf_add(b, s, w);
		col += w;
		s += w;
	}
	buf_puts(b, "\r\n");
}

/*
 * Quoted-printable (RFC 2045 6.7): LF or CRLF become CRLF, lines of at
 * most 76 columns with soft breaks, blanks before a line end encoded.
 */
static void
mime_qp(struct buf *b, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 col = 0, w;
	bool			 lit, eol;

	for (; *p != '\0'; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n') {
			buf_puts(b, "\r\n");
			col = 0;
			continue;
		}
		eol = p[1] == '\0' || p[1] == '\n' ||
		    (p[1] == '\r' && p[2] == '\n');
		lit = (*p >= 33 && *p <= 126 && *p != '=') ||
		    ((*p == ' ' || *p == '\t') && !eol);
		w = lit ? 1 : 3;
		if (col + w > MIME_LINE_MAX - 1) {
			buf_puts(b, "=\r\n");
			col = 0;
		}
		if (lit)
			buf_putc(b, (char)*p);
		else {
			buf_putc(b, '=');
			buf_putc(b, hex[*p >> 4]);
			buf_putc(b, hex[*p & 15]);
		}
		col += w;
	}
	if (col > 0)
		buf_puts(b, "\r\n");
}

/* n - 1 random hex digits and a NUL. */
static void
mime_hex(char *out, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 r[32];
	size_t			 i;

	crypto_random(r, sizeof(r));
	for (i = 0; i + 1 < n && i < 2 * sizeof(r); i++)
		out[i] = hex[(r[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	out[i] = '\0';
}

static int
mime_fail(char *err, size_t errsz, const char *msg)
{
	snprintf(err, errsz, "%s", msg);
	return -1;
}

/*
 * The bare address of "Name <local@domain>" or "local@domain" into out:
 * ASCII, one '@' with something on each side, no blanks, controls or
 * brackets. Returns 0, or -1 if addr is not such an address or is longer
 * than outsz - 1.
 */
int
mime_addr_spec(const char *addr, char *out, size_t outsz)
{
	const char	*p, *e, *at;
	size_t		 n;

	if ((p = strchr(addr, '<')) != NULL) {
		p++;
		if ((e = strchr(p, '>')) == NULL || e[1] != '\0')
			return -1;
	} else {
		p = addr;
		e = p + strlen(p);
	}
	n = (size_t)(e - p);
	if (n == 0 || n >= outsz)
		return -1;
	for (at = NULL, e = p; e < p + n; e++) {
		if ((unsigned char)*e <= 0x20 || (unsigned char)*e >= 0x7f ||
		    strchr("<>()[]\\,;:\"", *e) != NULL)
			return -1;
		if (*e == '@') {
			if (at != NULL)
				return -1;
			at = e;
		}
	}
	if (at == NULL || at == p || at == p + n - 1)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/*
 * t as an RFC 5322 date in UTC, "Wed, 25 Nov 2026 16:17:22 +0000",
 * whatever the locale.
 */
void
mime_date(time_t t, char *out, size_t outsz)
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	 tm;

	gmtime_r(&t, &tm);
	snprintf(out, outsz, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * Append the whole message (headers, blank line, body; CRLF line ends) to
 * b. Returns 0, or -1 with a sentence in err when a header value holds CR
 * or LF, an address is not one, an extra header is malformed, or b's
 * maximum was reached (b then holds a partial message).
 */
int
mime_build(struct buf *b, const struct mime_msg *m, char *err, size_t errsz)
{
	char		 from[256], to[256], date[64], id[33], bnd[33];
	const char	*domain, *lt;
	size_t		 i, n;

	if (m->from == NULL || m->to == NULL || m->subject == NULL ||
	    m->text == NULL)
		return mime_fail(err, errsz, "from, to, subject and text are required");
	if (!mime_clean(m->from) || !mime_clean(m->to) ||
	    !mime_clean(m->subject))
		return mime_fail(err, errsz, "CR or LF in a header value");
	for (i = 0; i < m->nextra; i++)
		if (!mime_clean(m->extra[i].name) ||
		    !mime_clean(m->extra[i].value))
			return mime_fail(err, errsz, "CR or LF in a header value");
	if (mime_addr_spec(m->from, from, sizeof(from)) == -1)
		return mime_fail(err, errsz, "the sender is not an address");
	if (mime_addr_spec(m->to, to, sizeof(to)) == -1 || !mime_ascii(m->to))
		return mime_fail(err, errsz, "the recipient is not an address");
	if (strlen(m->subject) > MIME_HEADER_MAX)
		return mime_fail(err, errsz, "the subject is too long");
	for (i = 0; i < m->nextra; i++) {
		n = strlen(m->extra[i].name);
		if (n == 0 || strspn(m->extra[i].name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-") != n ||
		    !mime_ascii(m->extra[i].value) ||
		    n + 2 + strlen(m->extra[i].value) > MIME_HEADER_MAX)
			return mime_fail(err, errsz, "a malformed extra header");
	}

	/* From: an operator's display name may be UTF-8. */
	lt = strchr(m->from, '<');
	buf_puts(b, "From: ");
	if (lt != NULL && !mime_ascii(m->from)) {
		n = (size_t)(lt - m->from);
		while (n > 0 && m->from[n - 1] == ' ')
			n--;
		buf_puts(b, "=?UTF-8?B?");
		mime_b64(b, (const unsigned char *)m->from, n);
		buf_printf(b, "?=\r\n <%s>\r\n", from);
	} else if (!mime_ascii(m->from))
		return mime_fail(err, errsz, "the sender is not an address");
	else
		buf_printf(b, "%s\r\n", m->from);
	buf_printf(b, "To: %s\r\n", m->to);
	mime_subject(b, m->subject);
	mime_date(m->date != 0 ? m->date : time(NULL), date, sizeof(date));
	buf_printf(b, "Date: %s\r\n", date);
	domain = strchr(from, '@') + 1;
	mime_hex(id, sizeof(id));
	buf_printf(b, "Message-ID: <%s@%s>\r\n", id, domain);
	for (i = 0; i < m->nextra; i++)
		buf_printf(b, "%s: %s\r\n", m->extra[i].name, m->extra[i].value);
	buf_puts(b, "MIME-Version: 1.0\r\n");

	if (m->html == NULL) {
		buf_puts(b, "Content-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		mime_qp(b, m->text);
	} else {
		/*
		 * "=_" never occurs in quoted-printable text. The CRLF before
		 * a delimiter is the delimiter's (RFC 2046 5.1.1), so each
		 * part keeps its last line end.
		 */
		mime_hex(bnd, sizeof(bnd));
		buf_printf(b, "Content-Type: multipart/alternative;"
		    " boundary=\"=_%s\"\r\n\r\n", bnd);
		buf_printf(b, "--=_%s\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", bnd);
		mime_qp(b, m->text);
		buf_printf(b, "\r\n--=_%s\r\n"
		    "Content-Type: text/html; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", bnd);
		mime_qp(b, m->html);
		buf_printf(b, "\r\n--=_%s--\r\n", bnd);
	}
	if (b->err)
		return mime_fail(err, errsz, "the message is too large");
	return 0;
}
