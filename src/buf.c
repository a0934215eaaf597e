/*
 * buf.c: the bounded string builder every writer (JSON, HTTP headers) uses.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

/*
 * Prepare an empty buffer that will refuse to grow past max bytes.
 * Storage is on the heap: release it with buf_clear().
 */
void
buf_init(struct buf *b, size_t max)
{
	b->cap = 256;
	b->data = xmalloc(b->cap);
	b->data[0] = '\0';
	b->len = 0;
	b->max = max;
	b->err = false;
}

/*
 * Free the storage; the buffer must be buf_init()ed again before reuse.
 */
void
buf_clear(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->err = false;
}

/*
 * Empty the buffer and its error, keeping the storage.
 */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->data[0] = '\0';
	b->err = false;
}

static bool
buf_grow(struct buf *b, size_t n)
{
	size_t	 want;

	if (b->err)
		return false;
	if (n > b->max || b->len > b->max - n) {
		b->err = true;
		return false;
	}
	want = b->len + n + 1;
	if (want > b->cap) {
		while (b->cap < want)
			b->cap *= 2;
		b->data = xrealloc(b->data, b->cap);
	}
	return true;
}

/*
 * Append n bytes; past the maximum, set err and append nothing.
 */
void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (!buf_grow(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_putc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

/*
 * Append formatted text.
 */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = true;
		return;
	}
	if (!buf_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/*
 * Cut the content back to len bytes (no-op if already shorter).
 */
void
buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}
