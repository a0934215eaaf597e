/*
 * buf.h: growable byte buffer with a hard maximum and a sticky error (SQLite's
 * StrAccum): append freely, check buf->err once at the end. Always
 * NUL-terminated, so data can be used as a C string when it holds no NUL.
 */
#ifndef COLMENA_BUF_H
#define COLMENA_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;	/* appends past max set err and are dropped */
	bool	 err;
};

void	 buf_init(struct buf *, size_t max);
void	 buf_clear(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_putc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_truncate(struct buf *, size_t len);

#endif
