/*
 * jw.c: the JSON writer. It tracks commas per nesting level; callers are
 * trusted to balance open/close (an imbalance is a programming error and
 * aborts in debug builds through the depth checks).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "jw.h"
#include "log.h"
#include "str.h"

/*
 * Start writing into b (which is not reset).
 */
void
jw_init(struct jw *w, struct buf *b)
{
	w->b = b;
	w->depth = 0;
	w->started[0] = false;
}

/*
 * True for a byte copied as it is: anything but controls, " \\ < > & and
 * the lead byte of U+2028/U+2029 (0xe2), which the loop looks at closer.
 */
static inline int
jw_plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' &&
	    c != '&' && c != 0xe2;
}

/*
 * Append s[0..n) as the inside of a JSON string (no quotes). Invalid UTF-8
 * never reaches here: inputs are validated and the database is UTF8.
 */
void
jw_escape(struct buf *b, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, run = 0;
	char			 esc[7];

	for (i = 0; i < n; i++) {
		unsigned char	 c = p[i];
		const char	*rep = NULL;

		if (jw_plain(c))
			continue;

		switch (c) {
		case '"':
			rep = "\\\"";
			break;
		case '\\':
			rep = "\\\\";
			break;
		case '\n':
			rep = "\\n";
			break;
		case '\r':
			rep = "\\r";
			break;
		case '\t':
			rep = "\\t";
			break;
		case '<': case '>': case '&':
			break;
		default:
			if (c >= 0x20 && !(c == 0xe2 && i + 2 < n &&
			    p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)))
				continue;
		}
		buf_add(b, s + run, i - run);
		if (rep != NULL)
			buf_puts(b, rep);
		else if (c == 0xe2) {
			buf_puts(b, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
			i += 2;
		} else {
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			buf_add(b, esc, 6);
		}
		run = i + 1;
	}
	buf_add(b, s + run, n - run);
}

static void
jw_key(struct jw *w, const char *key)
{
	if (w->started[w->depth])
		buf_putc(w->b, ',');
	w->started[w->depth] = true;
	if (key != NULL) {
		buf_putc(w->b, '"');
		jw_escape(w->b, key, strlen(key));
		buf_add(w->b, "\":", 2);
	}
}

static void
jw_open(struct jw *w, const char *key, char c)
{
	jw_key(w, key);
	buf_putc(w->b, c);
	if (w->depth + 1 >= JW_DEPTH)
		fatalx("JSON nesting too deep");
	w->started[++w->depth] = false;
}

static void
jw_close(struct jw *w, char c)
{
	if (w->depth == 0)
		fatalx("JSON close without open");
	w->depth--;
	buf_putc(w->b, c);
}

void
jw_obj_open(struct jw *w, const char *key)
{
	jw_open(w, key, '{');
}

void
jw_obj_close(struct jw *w)
{
	jw_close(w, '}');
}

void
jw_arr_open(struct jw *w, const char *key)
{
	jw_open(w, key, '[');
}

void
jw_arr_close(struct jw *w)
{
	jw_close(w, ']');
}

void
jw_strn(struct jw *w, const char *key, const char *val, size_t n)
{
	jw_key(w, key);
	buf_putc(w->b, '"');
	jw_escape(w->b, val, n);
	buf_putc(w->b, '"');
}

void
jw_str(struct jw *w, const char *key, const char *val)
{
	if (val == NULL)
		jw_null(w, key);
	else
		jw_strn(w, key, val, strlen(val));
}

void
jw_int(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	buf_printf(w->b, "%lld", (long long)v);
}

void
jw_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	buf_puts(w->b, v ? "true" : "false");
}

void
jw_null(struct jw *w, const char *key)
{
	jw_key(w, key);
	buf_puts(w->b, "null");
}

/*
 * A price as a JSON number in major units with the currency's decimals.
 */
void
jw_money(struct jw *w, const char *key, int64_t minor, int exponent)
{
	jw_key(w, key);
	str_money_format(w->b, minor, exponent);
}

/*
 * A unix time as the API writes times: an ISO 8601 string in UTC with
 * milliseconds ("2026-12-04T10:00:00.000Z"); null when it cannot be
 * represented.
 */
void
jw_time(struct jw *w, const char *key, int64_t t)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;
	char		 s[32];

	/* RFC 3339 has four-digit years. */
	if (gmtime_r(&tt, &tm) == NULL || tm.tm_year > 9999 - 1900 ||
	    tm.tm_year < 0 - 1900 ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S.000Z", &tm) == 0)
		jw_null(w, key);
	else
		jw_str(w, key, s);
}

/*
 * Insert already-valid JSON text (from PostgreSQL json/jsonb output only).
 */
void
jw_raw(struct jw *w, const char *key, const char *json)
{
	jw_key(w, key);
	buf_puts(w->b, json);
}
