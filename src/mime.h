/*
 * mime.h: one outgoing e-mail as RFC 5322 text (RFC 2045-2047 MIME): a
 * UTF-8 text/plain body, or multipart/alternative with an HTML part.
 * Header values holding CR or LF are refused, so no header can be injected.
 */
#ifndef COLMENA_MIME_H
#define COLMENA_MIME_H

#include <stddef.h>
#include <time.h>

struct buf;

#define MIME_LINE_MAX	76	/* encoded lines, headers folded to this */

struct mime_header {
	const char	*name;		/* e.g. "List-Unsubscribe" */
	const char	*value;		/* printable ASCII only */
};

struct mime_msg {
	const char			*from;	/* "Name <a@b.example>" or "a@b.example" */
	const char			*to;	/* one address, ASCII */
	const char			*subject;	/* UTF-8 */
	const char			*text;	/* UTF-8, LF or CRLF line ends */
	const char			*html;	/* NULL: text/plain only */
	const struct mime_header	*extra;
	size_t				 nextra;
	time_t				 date;	/* 0: now */
};

int	 mime_build(struct buf *, const struct mime_msg *, char *err,
	    size_t errsz);
int	 mime_addr_spec(const char *addr, char *out, size_t outsz);
void	 mime_date(time_t, char *out, size_t outsz);

#endif
