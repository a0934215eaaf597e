/*
 * multipart.h: multipart/form-data (RFC 7578) parsed as a stream through a
 * fixed buffer: file parts go straight to fresh temporary files, small text
 * fields stay in memory, and every limit is checked while reading.
 */
#ifndef COLMENA_MULTIPART_H
#define COLMENA_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct req;

#define MP_BUF_SIZE	(64 * 1024)	/* the one read buffer */
#define MP_BOUNDARY_MAX	70		/* RFC 2046 */
#define MP_PARTS_MAX	16		/* fields and files together */
#define MP_FIELD_MAX	8192		/* bytes of one text field's value */
#define MP_HEADER_MAX	8192		/* bytes of one part's header block */

enum mp_status {
	MP_OK,
	MP_TOO_LARGE,	/* a limit was passed; mp->error says which */
	MP_BAD,		/* malformed; mp->error says how */
	MP_IO,		/* reading the body or writing a temporary file failed */
	MP__MAX
};

struct mp_field {
	const char	*name;		/* the form field's name */
	const char	*value;		/* NUL-terminated; may hold NUL bytes */
	size_t		 len;
};

struct mp_file {
	const char	*name;		/* the form field's name */
	const char	*filename;	/* as the client sent it: raw bytes, */
	size_t		 filename_len;	/* untrusted; see fname_sanitise() */
	const char	*path;		/* the temporary file holding the data */
	uint64_t	 size;
	const char	*content_type;	/* the client's claim, NULL if none: */
					/* never trust it, see sniff_file() */
	bool		 taken;		/* multipart_take(): not unlinked */
	bool		 gone;		/* unlinked already */
};

struct multipart {
	struct arena	*arena;
	const char	*tmpdir;
	uint64_t	 file_max;	/* bytes per file part */
	size_t		 parts_max;	/* at most MP_PARTS_MAX */
	size_t		 field_max;	/* at most MP_FIELD_MAX */
	size_t		 header_max;	/* at most MP_HEADER_MAX */

	struct mp_field	 fields[MP_PARTS_MAX];
	size_t		 nfields;
	struct mp_file	 files[MP_PARTS_MAX];
	size_t		 nfiles;
	const char	*error;		/* why parsing stopped; never NULL */
};

/* Reads the body from a request; see multipart_parse_req(). */
struct mp_req_src {
	struct req	*r;
	uint64_t	 left;		/* bytes of Content-Length not read */
};

struct multipart *multipart_new(struct arena *, const char *tmpdir,
		    uint64_t file_max);
enum mp_status	 multipart_boundary(const char *content_type,
		    char out[MP_BOUNDARY_MAX + 1], const char **errstr);
enum mp_status	 multipart_parse(struct multipart *, const char *content_type,
		    int (*read)(void *arg, char *buf, size_t n), void *arg);
enum mp_status	 multipart_parse_req(struct multipart *, struct req *,
		    uint64_t body_max);
int		 multipart_req_read(void *arg, char *buf, size_t n);
const struct mp_field *multipart_field(const struct multipart *,
		    const char *name);
struct mp_file	*multipart_file(struct multipart *, const char *name);
const char	*multipart_take(struct multipart *, struct mp_file *);
void		 multipart_free(struct multipart *);

#endif
