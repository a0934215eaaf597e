/*
 * multipart.c: a streaming multipart/form-data parser (RFC 7578, RFC 2046):
 * one fixed buffer, file parts written to fresh temporary files as they
 * arrive, every limit checked while reading, all files unlinked on failure.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "arena.h"
#include "log.h"
#include "multipart.h"
#include "req.h"
#include "str.h"

#define MP_DELIM_MAX	(4 + MP_BOUNDARY_MAX)	/* CR LF "--" boundary */
#define MP_LWSP_MAX	256	/* transport padding after a delimiter */
#define MP_TMP_NAME	"colmena-upload-XXXXXX"

enum mp_state {
	MP_S_PREAMBLE,
	MP_S_FIELD,
	MP_S_FILE
};

/* One parameter of a header value: name=value, value still quoted. */
struct mp_param {
	const char	*name;
	size_t		 nlen;
	const char	*val;		/* inside the quotes when quoted */
	size_t		 vlen;
	int		 quoted;
};

/* The headers of the part being read. */
struct mp_part {
	const char	*name;
	const char	*filename;	/* from filename= */
	size_t		 filename_len;
	const char	*filename_ext;	/* from filename*=, decoded */
	size_t		 filename_ext_len;
	const char	*content_type;
	int		 disposition;	/* Content-Disposition seen */
	int		 has_filename;	/* filename= or filename*= seen */
};

struct mp_parser {
	struct multipart *mp;
	int		(*read)(void *, char *, size_t);
	void		*arg;
	char		*buf;
	size_t		 start, end;	/* unconsumed bytes in buf */
	int		 eof;
	char		 delim[MP_DELIM_MAX];
	size_t		 dlen;
	enum mp_state	 state;
	struct mp_part	 part;
	struct mp_file	*file;		/* being written, or NULL */
	int		 fd;
	char		*field;		/* value being collected */
	size_t		 flen;
};

static int		 mp_is_tchar(unsigned char);
static int		 mp_is_bchar(unsigned char);
static int		 mp_is_hex(char);
static int		 mp_span_eq(const char *, size_t, const char *);
static const char	*mp_skip_ows(const char *, const char *);
static int		 mp_param_next(const char **, const char *,
			    struct mp_param *);
static size_t		 mp_unquote(char *, const struct mp_param *);
static enum mp_status	 mp_fail(struct mp_parser *, enum mp_status,
			    const char *);
static enum mp_status	 mp_fill(struct mp_parser *);
static size_t		 mp_find(const char *, size_t, const char *, size_t);
static enum mp_status	 mp_emit(struct mp_parser *, const char *, size_t);
static enum mp_status	 mp_content(struct mp_parser *);
static enum mp_status	 mp_after_delim(struct mp_parser *, int *);
static enum mp_status	 mp_ext_value(struct mp_parser *, const char *,
			    size_t);
static enum mp_status	 mp_disposition(struct mp_parser *, const char *,
			    const char *);
static enum mp_status	 mp_header_line(struct mp_parser *, const char *,
			    size_t);
static enum mp_status	 mp_headers(struct mp_parser *);
static enum mp_status	 mp_part_begin(struct mp_parser *);
static enum mp_status	 mp_part_end(struct mp_parser *);
static void		 mp_unlink_all(struct multipart *, int);
static void		 mp_defer_free(void *);

/* RFC 7230 tchar. */
static int
mp_is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

/* RFC 2046 bchars, space included (it may not end a boundary). */
static int
mp_is_bchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("'()+_,-./:=? ",
	    c) != NULL);
}

static int
mp_is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* ASCII case-insensitive comparison of s[0..n) with the literal lit. */
static int
mp_span_eq(const char *s, size_t n, const char *lit)
{
	size_t		 i;
	unsigned char	 a, b;

	for (i = 0; i < n; i++) {
		a = (unsigned char)s[i];
		b = (unsigned char)lit[i];
		if (b == '\0')
			return 0;
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return 0;
	}
	return lit[n] == '\0';
}

static const char *
mp_skip_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * Parse "; name=value" at *pp (before end). Returns 1 with one parameter,
 * 0 at the end (a trailing ';' is tolerated), -1 when malformed. Quoted
 * values keep their escapes; see mp_unquote().
 */
static int
mp_param_next(const char **pp, const char *end, struct mp_param *pa)
{
	const char	*p = *pp, *q;

	p = mp_skip_ows(p, end);
	if (p == end)
		return 0;
	if (*p != ';')
		return -1;
	p = mp_skip_ows(p + 1, end);
	if (p == end) {
		*pp = p;
		return 0;
	}
	for (q = p; q < end && mp_is_tchar((unsigned char)*q); q++)
		continue;
	if (q == p)
		return -1;
	pa->name = p;
	pa->nlen = (size_t)(q - p);
	p = mp_skip_ows(q, end);
	if (p == end || *p != '=')
		return -1;
	p = mp_skip_ows(p + 1, end);
	if (p < end && *p == '"') {
		/*
		 * Browsers percent-encode '"' and send '\' as it is (WHATWG
		 * HTML), while RFC 7230 escapes both: take "\"" and "\\" as
		 * escapes and any other backslash literally, so an old
		 * client's "C:\dir\f.pdf" survives for fname_sanitise().
		 */
		for (q = ++p; q < end && *q != '"'; q++)
			if (*q == '\\' && q + 1 < end &&
			    (q[1] == '"' || q[1] == '\\'))
				q++;
		if (q == end)
			return -1;
		pa->val = p;
		pa->vlen = (size_t)(q - p);
		pa->quoted = 1;
		p = q + 1;
	} else {
		for (q = p; q < end && *q != ';' && *q != ' ' && *q != '\t' &&
		    *q != '"'; q++)
			continue;
		if (q == p)
			return -1;
		pa->val = p;
		pa->vlen = (size_t)(q - p);
		pa->quoted = 0;
		p = q;
	}
	*pp = p;
	return 1;
}

/* Copy pa's value to out (room for vlen + 1), undoing escapes. */
static size_t
mp_unquote(char *out, const struct mp_param *pa)
{
	size_t	 i, o;

	for (i = o = 0; i < pa->vlen; i++) {
		if (pa->quoted && pa->val[i] == '\\' && i + 1 < pa->vlen &&
		    (pa->val[i + 1] == '"' || pa->val[i + 1] == '\\'))
			i++;
		out[o++] = pa->val[i];
	}
	out[o] = '\0';
	return o;
}

/*
 * Take the boundary out of a request's Content-Type, which must be
 * multipart/form-data. The boundary may be quoted or not and holds 1..70
 * RFC 2046 characters (no trailing space). Returns MP_OK with it in out, or
 * MP_BAD with the reason in *errstr (a static string).
 */
enum mp_status
multipart_boundary(const char *ct, char out[MP_BOUNDARY_MAX + 1],
    const char **errstr)
{
	struct mp_param	 pa;
	const char	*p, *end, *q;
	char		 tmp[2 * MP_BOUNDARY_MAX + 2];
	size_t		 n, i;
	int		 rc, found = 0;

	out[0] = '\0';
	*errstr = "the body is not multipart/form-data";
	if (ct == NULL)
		return MP_BAD;
	end = ct + strlen(ct);
	p = mp_skip_ows(ct, end);
	for (q = p; q < end && *q != ';' && *q != ' ' && *q != '\t'; q++)
		continue;
	if (!mp_span_eq(p, (size_t)(q - p), "multipart/form-data"))
		return MP_BAD;
	p = q;
	while ((rc = mp_param_next(&p, end, &pa)) == 1) {
		if (!mp_span_eq(pa.name, pa.nlen, "boundary"))
			continue;
		if (found++) {
			*errstr = "the Content-Type has two boundaries";
			return MP_BAD;
		}
		if (pa.vlen > sizeof(tmp) - 1) {
			*errstr = "the multipart boundary is longer than 70 "
			    "characters";
			return MP_BAD;
		}
		n = mp_unquote(tmp, &pa);
		if (n == 0 || n > MP_BOUNDARY_MAX) {
			*errstr = n == 0 ? "the multipart boundary is empty" :
			    "the multipart boundary is longer than 70 "
			    "characters";
			return MP_BAD;
		}
		for (i = 0; i < n; i++)
			if (!mp_is_bchar((unsigned char)tmp[i]))
				break;
		if (i < n || tmp[n - 1] == ' ') {
			*errstr = "the multipart boundary holds a character "
			    "RFC 2046 does not allow";
			return MP_BAD;
		}
		memcpy(out, tmp, n + 1);
	}
	if (rc == -1) {
		*errstr = "the Content-Type parameters are malformed";
		return MP_BAD;
	}
	if (!found) {
		*errstr = "the Content-Type has no multipart boundary";
		return MP_BAD;
	}
	*errstr = NULL;
	return MP_OK;
}

/*
 * A parser for the caller's arena that writes file parts under tmpdir
 * (which must exist and outlive the request) and refuses a file part over
 * file_max bytes. parts_max, field_max and header_max start at their
 * MP_*_MAX values and may be lowered before multipart_parse(). The arena
 * calls multipart_free() at its reset, so no path leaks a temporary file.
 * Lives in the arena.
 */
struct multipart *
multipart_new(struct arena *a, const char *tmpdir, uint64_t file_max)
{
	struct multipart	*mp;

	mp = arena_calloc(a, 1, sizeof(*mp));
	mp->arena = a;
	mp->tmpdir = arena_strdup(a, tmpdir);
	mp->file_max = file_max;
	mp->parts_max = MP_PARTS_MAX;
	mp->field_max = MP_FIELD_MAX;
	mp->header_max = MP_HEADER_MAX;
	mp->error = "not parsed";
	arena_defer(a, mp_defer_free, mp);
	return mp;
}

static void
mp_unlink_all(struct multipart *mp, int even_taken)
{
	size_t	 i;

	for (i = 0; i < mp->nfiles; i++) {
		if (mp->files[i].gone || (mp->files[i].taken && !even_taken))
			continue;
		if (unlink(mp->files[i].path) == -1 && errno != ENOENT)
			log_errx("unlink %s: %s", mp->files[i].path,
			    strerror(errno));
		mp->files[i].gone = true;
	}
}

static void
mp_defer_free(void *arg)
{
	multipart_free(arg);
}

/*
 * Unlink every temporary file not claimed with multipart_take(). Safe to
 * call more than once; the arena calls it again at its reset.
 */
void
multipart_free(struct multipart *mp)
{
	if (mp != NULL)
		mp_unlink_all(mp, 0);
}

/*
 * Claim f's temporary file: the caller now owns f->path and must rename or
 * unlink it; multipart_free() leaves it alone. Returns f->path.
 */
const char *
multipart_take(struct multipart *mp, struct mp_file *f)
{
	f->taken = true;
	return f->path;
}

/*
 * The first text field called name, or NULL when there is none.
 */
const struct mp_field *
multipart_field(const struct multipart *mp, const char *name)
{
	size_t	 i;

	for (i = 0; i < mp->nfields; i++)
		if (strcmp(mp->fields[i].name, name) == 0)
			return &mp->fields[i];
	return NULL;
}

/*
 * The first file part of the form field called name, or NULL.
 */
struct mp_file *
multipart_file(struct multipart *mp, const char *name)
{
	size_t	 i;

	for (i = 0; i < mp->nfiles; i++)
		if (strcmp(mp->files[i].name, name) == 0)
			return &mp->files[i];
	return NULL;
}

/* Record why parsing stopped, remove every temporary file, return rc. */
static enum mp_status
mp_fail(struct mp_parser *p, enum mp_status rc, const char *why)
{
	struct multipart	*mp = p->mp;

	if (p->fd != -1) {
		close(p->fd);
		p->fd = -1;
	}
	mp_unlink_all(mp, 1);
	mp->nfiles = 0;
	mp->nfields = 0;
	mp->error = why;
	return rc;
}

/* Move the unconsumed bytes to the front and read more after them. */
static enum mp_status
mp_fill(struct mp_parser *p)
{
	int	 k;

	if (p->start > 0) {
		memmove(p->buf, p->buf + p->start, p->end - p->start);
		p->end -= p->start;
		p->start = 0;
	}
	if (p->end == MP_BUF_SIZE)
		fatalx("multipart buffer full");
	k = p->read(p->arg, p->buf + p->end, MP_BUF_SIZE - p->end);
	if (k < 0 || (size_t)k > MP_BUF_SIZE - p->end) {
		log_errx("reading the request body failed");
		return mp_fail(p, MP_IO, "reading the request body failed");
	}
	if (k == 0)
		p->eof = 1;
	p->end += (size_t)k;
	return MP_OK;
}

/* Offset of needle in hay, or n when it is not there. */
static size_t
mp_find(const char *hay, size_t n, const char *needle, size_t m)
{
	const char	*p, *end = hay + n;

	for (p = hay; (size_t)(end - p) >= m; p++) {
		if ((p = memchr(p, needle[0], (size_t)(end - p) - m + 1)) ==
		    NULL)
			break;
		if (memcmp(p, needle, m) == 0)
			return (size_t)(p - hay);
	}
	return n;
}

/* Pass n bytes of the current part's content on. */
static enum mp_status
mp_emit(struct mp_parser *p, const char *data, size_t n)
{
	struct multipart	*mp = p->mp;
	ssize_t			 w;

	if (n == 0 || p->state == MP_S_PREAMBLE)
		return MP_OK;
	if (p->state == MP_S_FIELD) {
		if (n > mp->field_max - p->flen)
			return mp_fail(p, MP_TOO_LARGE, arena_printf(mp->arena,
			    "a form field is longer than %zu bytes",
			    mp->field_max));
		memcpy(p->field + p->flen, data, n);
		p->flen += n;
		return MP_OK;
	}
	if (n > mp->file_max - p->file->size)
		return mp_fail(p, MP_TOO_LARGE, arena_printf(mp->arena,
		    "a file is larger than %llu bytes",
		    (unsigned long long)mp->file_max));
	p->file->size += n;
	while (n > 0) {
		if ((w = write(p->fd, data, n)) == -1) {
			if (errno == EINTR)
				continue;
			log_errx("write %s: %s", p->file->path, strerror(errno));
			return mp_fail(p, MP_IO, "the upload could not be "
			    "stored");
		}
		data += w;
		n -= (size_t)w;
	}
	return MP_OK;
}

/*
 * Pass content on up to the next delimiter and consume the delimiter. The
 * last dlen - 1 bytes are held back while no delimiter is seen, since one
 * may begin there and end in the next read.
 */
static enum mp_status
mp_content(struct mp_parser *p)
{
	enum mp_status	 rc;
	size_t		 avail, off, safe;

	for (;;) {
		avail = p->end - p->start;
		off = mp_find(p->buf + p->start, avail, p->delim, p->dlen);
		if (off < avail) {
			if ((rc = mp_emit(p, p->buf + p->start, off)) != MP_OK)
				return rc;
			p->start += off + p->dlen;
			return MP_OK;
		}
		safe = avail > p->dlen - 1 ? avail - (p->dlen - 1) : 0;
		if ((rc = mp_emit(p, p->buf + p->start, safe)) != MP_OK)
			return rc;
		p->start += safe;
		if (p->eof)
			return mp_fail(p, MP_BAD, p->state == MP_S_PREAMBLE ?
			    "the body holds no multipart boundary" :
			    "the body ends inside a part");
		if ((rc = mp_fill(p)) != MP_OK)
			return rc;
	}
}

/*
 * After a delimiter: "--" closes the body (*last set), else optional
 * padding and CR LF open the next part.
 */
static enum mp_status
mp_after_delim(struct mp_parser *p, int *last)
{
	enum mp_status	 rc;
	size_t		 pad = 0;

	*last = 0;
	for (;;) {
		while (p->start < p->end && pad < MP_LWSP_MAX &&
		    (p->buf[p->start] == ' ' || p->buf[p->start] == '\t')) {
			p->start++;
			pad++;
		}
		if (pad == MP_LWSP_MAX)
			return mp_fail(p, MP_BAD, "too much padding after a "
			    "multipart boundary");
		if (p->end - p->start >= 2)
			break;
		if (p->eof)
			return mp_fail(p, MP_BAD, "the body ends after a "
			    "multipart boundary");
		if ((rc = mp_fill(p)) != MP_OK)
			return rc;
	}
	if (pad == 0 && p->buf[p->start] == '-' && p->buf[p->start + 1] == '-') {
		/* The epilogue is ignored and not even read. */
		*last = 1;
		return MP_OK;
	}
	if (p->buf[p->start] == '\r' && p->buf[p->start + 1] == '\n') {
		p->start += 2;
		return MP_OK;
	}
	if (p->buf[p->start] == '\n')
		return mp_fail(p, MP_BAD, "a multipart boundary line ends in LF "
		    "without CR");
	return mp_fail(p, MP_BAD, "a multipart boundary is followed by "
	    "other text");
}

/* Decode an RFC 5987 ext-value (charset'lang'pct-encoded) to UTF-8. */
static enum mp_status
mp_ext_value(struct mp_parser *p, const char *v, size_t n)
{
	const char	*q1, *q2, *end = v + n;
	char		*out, *raw;
	size_t		 len, i, o;
	int		 latin1;
	unsigned char	 c;

	if ((q1 = memchr(v, '\'', n)) == NULL ||
	    (q2 = memchr(q1 + 1, '\'', (size_t)(end - q1 - 1))) == NULL)
		return mp_fail(p, MP_BAD, "a filename* parameter is not "
		    "charset'language'value");
	if (mp_span_eq(v, (size_t)(q1 - v), "utf-8"))
		latin1 = 0;
	else if (mp_span_eq(v, (size_t)(q1 - v), "iso-8859-1"))
		latin1 = 1;
	else
		return MP_OK;	/* RFC 6266: fall back on filename= */
	for (i = (size_t)(q2 + 1 - v); i < n; i++) {
		c = (unsigned char)v[i];
		if (c == '%') {
			if (i + 2 >= n || !mp_is_hex(v[i + 1]) ||
			    !mp_is_hex(v[i + 2]))
				return mp_fail(p, MP_BAD, "a filename* "
				    "parameter has a bad percent-escape");
			i += 2;
		} else if (!mp_is_tchar(c) || c == '*' || c == '\'' ||
		    c == '%')
			return mp_fail(p, MP_BAD, "a filename* parameter holds "
			    "a character that must be percent-encoded");
	}
	len = (size_t)(end - q2 - 1);
	raw = arena_strndup(p->mp->arena, q2 + 1, len);
	len = str_pct_decode(raw, len, false);
	if (!latin1) {
		p->part.filename_ext = raw;
		p->part.filename_ext_len = len;
		return MP_OK;
	}
	out = arena_alloc(p->mp->arena, 2 * len + 1);
	for (i = o = 0; i < len; i++) {
		c = (unsigned char)raw[i];
		if (c < 0x80)
			out[o++] = (char)c;
		else {
			out[o++] = (char)(0xc0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[o] = '\0';
	p->part.filename_ext = out;
	p->part.filename_ext_len = o;
	return MP_OK;
}

/* Content-Disposition: form-data; name="..."; filename="...". */
static enum mp_status
mp_disposition(struct mp_parser *p, const char *v, const char *end)
{
	struct mp_param	 pa;
	const char	*q;
	char		*s;
	size_t		 n;
	enum mp_status	 rc;
	int		 k, have_fn = 0, have_ext = 0;

	if (p->part.disposition)
		return mp_fail(p, MP_BAD, "a part has two Content-Disposition "
		    "headers");
	p->part.disposition = 1;
	for (q = v; q < end && *q != ';' && *q != ' ' && *q != '\t'; q++)
		continue;
	if (!mp_span_eq(v, (size_t)(q - v), "form-data"))
		return mp_fail(p, MP_BAD, "a part's Content-Disposition is not "
		    "form-data");
	while ((k = mp_param_next(&q, end, &pa)) == 1) {
		if (mp_span_eq(pa.name, pa.nlen, "name")) {
			if (p->part.name != NULL)
				return mp_fail(p, MP_BAD, "a part has two "
				    "names");
			s = arena_alloc(p->mp->arena, pa.vlen + 1);
			mp_unquote(s, &pa);
			p->part.name = s;
		} else if (mp_span_eq(pa.name, pa.nlen, "filename")) {
			if (have_fn++)
				return mp_fail(p, MP_BAD, "a part has two "
				    "file names");
			s = arena_alloc(p->mp->arena, pa.vlen + 1);
			n = mp_unquote(s, &pa);
			p->part.filename = s;
			p->part.filename_len = n;
		} else if (mp_span_eq(pa.name, pa.nlen, "filename*")) {
			if (have_ext++ || pa.quoted)
				return mp_fail(p, MP_BAD, "a part has a bad "
				    "filename* parameter");
			if ((rc = mp_ext_value(p, pa.val, pa.vlen)) != MP_OK)
				return rc;
		}
	}
	if (k == -1)
		return mp_fail(p, MP_BAD, "a part's Content-Disposition is "
		    "malformed");
	if (p->part.name == NULL)
		return mp_fail(p, MP_BAD, "a part has no name");
	p->part.has_filename = have_fn || have_ext;
	return MP_OK;
}

/* One header line of a part, CR LF removed. */
static enum mp_status
mp_header_line(struct mp_parser *p, const char *line, size_t n)
{
	const char	*end = line + n, *colon, *v, *ve;

	if (memchr(line, '\r', n) != NULL || memchr(line, '\0', n) != NULL)
		return mp_fail(p, MP_BAD, "a part header holds a CR or NUL "
		    "byte");
	if (line[0] == ' ' || line[0] == '\t')
		return mp_fail(p, MP_BAD, "a part header is folded");
	if ((colon = memchr(line, ':', n)) == NULL)
		return mp_fail(p, MP_BAD, "a part header has no colon (or "
		    "the blank line after the headers is missing)");
	for (v = line; v < colon; v++)
		if (!mp_is_tchar((unsigned char)*v))
			return mp_fail(p, MP_BAD, "a part header has a bad "
			    "name");
	if (colon == line)
		return mp_fail(p, MP_BAD, "a part header has no name");
	v = mp_skip_ows(colon + 1, end);
	for (ve = end; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
		continue;
	if (mp_span_eq(line, (size_t)(colon - line), "content-disposition"))
		return mp_disposition(p, v, ve);
	if (mp_span_eq(line, (size_t)(colon - line), "content-type")) {
		if (p->part.content_type != NULL)
			return mp_fail(p, MP_BAD, "a part has two Content-Type "
			    "headers");
		p->part.content_type = arena_strndup(p->mp->arena, v,
		    (size_t)(ve - v));
	}
	return MP_OK;	/* other headers are ignored (RFC 7578 4.7, 4.8) */
}

/* Read a part's header lines up to and including the blank line. */
static enum mp_status
mp_headers(struct mp_parser *p)
{
	enum mp_status	 rc;
	const char	*s, *lf;
	size_t		 avail, used = 0, n;

	for (;;) {
		s = p->buf + p->start;
		avail = p->end - p->start;
		if ((lf = memchr(s, '\n', avail)) == NULL) {
			if (used + avail > p->mp->header_max)
				return mp_fail(p, MP_TOO_LARGE, "a part's "
				    "headers are too long");
			if (p->eof)
				return mp_fail(p, MP_BAD, "the body ends inside "
				    "a part's headers");
			if ((rc = mp_fill(p)) != MP_OK)
				return rc;
			continue;
		}
		if (lf == s || lf[-1] != '\r')
			return mp_fail(p, MP_BAD, "a part header ends in LF "
			    "without CR");
		n = (size_t)(lf - s) - 1;
		used += n + 2;
		if (used > p->mp->header_max)
			return mp_fail(p, MP_TOO_LARGE, "a part's headers are "
			    "too long");
		p->start += n + 2;
		if (n == 0)
			return MP_OK;
		if ((rc = mp_header_line(p, s, n)) != MP_OK)
			return rc;
	}
}

/* After a delimiter's CR LF: read the headers, open the part. */
static enum mp_status
mp_part_begin(struct mp_parser *p)
{
	struct multipart	*mp = p->mp;
	struct mp_file		*f;
	enum mp_status		 rc;
	char			*path;

	if (mp->nfields + mp->nfiles >= mp->parts_max)
		return mp_fail(p, MP_TOO_LARGE, arena_printf(mp->arena,
		    "the form has more than %zu parts", mp->parts_max));
	memset(&p->part, 0, sizeof(p->part));
	if ((rc = mp_headers(p)) != MP_OK)
		return rc;
	if (!p->part.disposition)
		return mp_fail(p, MP_BAD, "a part has no Content-Disposition");
	if (!p->part.has_filename) {
		p->state = MP_S_FIELD;
		p->flen = 0;
		return MP_OK;
	}
	path = arena_printf(mp->arena, "%s/" MP_TMP_NAME, mp->tmpdir);
	if ((p->fd = mkostemp(path, O_CLOEXEC)) == -1) {
		log_errx("mkostemp %s: %s", path, strerror(errno));
		return mp_fail(p, MP_IO, "the upload could not be stored");
	}
	f = &mp->files[mp->nfiles++];
	memset(f, 0, sizeof(*f));
	f->name = p->part.name;
	if (p->part.filename_ext != NULL) {
		f->filename = p->part.filename_ext;
		f->filename_len = p->part.filename_ext_len;
	} else if (p->part.filename != NULL) {
		f->filename = p->part.filename;
		f->filename_len = p->part.filename_len;
	} else {
		/* filename* in a charset we do not decode, and no fallback */
		f->filename = "";
	}
	f->path = path;
	f->content_type = p->part.content_type;
	p->file = f;
	p->state = MP_S_FILE;
	return MP_OK;
}

/* At the delimiter after a part's content: store the field, close the file. */
static enum mp_status
mp_part_end(struct mp_parser *p)
{
	struct multipart	*mp = p->mp;
	struct mp_field		*fl;
	int			 fd;

	if (p->state == MP_S_FIELD) {
		fl = &mp->fields[mp->nfields++];
		fl->name = p->part.name;
		fl->value = arena_strndup(mp->arena, p->field, p->flen);
		fl->len = p->flen;
	} else if (p->state == MP_S_FILE) {
		fd = p->fd;
		p->fd = -1;
		if (close(fd) == -1) {
			log_errx("close %s: %s", p->file->path, strerror(errno));
			return mp_fail(p, MP_IO, "the upload could not be "
			    "stored");
		}
		p->file = NULL;
	}
	return MP_OK;
}

/*
 * Parse a multipart/form-data body whose Content-Type is content_type,
 * pulling it through read(arg, buf, n), which returns the bytes read, 0 at
 * the end, -1 on error. Returns MP_OK with mp->fields and mp->files filled
 * (file data in temporary files under mp->tmpdir, each new, 0600, named by
 * mkostemp and never after the client's file name); otherwise MP_TOO_LARGE
 * (stopped at the first byte past a limit), MP_BAD or MP_IO, with the reason
 * in mp->error, every temporary file already unlinked and no field or file
 * listed. A part is a file when it has filename= or filename*= (which wins,
 * RFC 6266), even an empty one. Reading stops at the closing delimiter.
 * Line endings are strict: a delimiter or header line ending in a bare LF
 * is MP_BAD rather than guessed at, since a parser that accepts both can
 * disagree with the web server or a virus scanner about where a part ends.
 * A delimiter followed by anything but padding, CR LF or "--" is MP_BAD.
 */
enum mp_status
multipart_parse(struct multipart *mp, const char *content_type,
    int (*read)(void *, char *, size_t), void *arg)
{
	struct mp_parser	 p;
	char			 boundary[MP_BOUNDARY_MAX + 1];
	const char		*errstr;
	enum mp_status		 rc;
	int			 last;

	memset(&p, 0, sizeof(p));
	p.mp = mp;
	p.read = read;
	p.arg = arg;
	p.fd = -1;
	multipart_free(mp);	/* a second parse forgets the first */
	mp->nfields = mp->nfiles = 0;
	if (mp->parts_max > MP_PARTS_MAX || mp->field_max > MP_FIELD_MAX ||
	    mp->header_max > MP_HEADER_MAX)
		fatalx("multipart limits above their maximum");
	if ((rc = multipart_boundary(content_type, boundary, &errstr)) !=
	    MP_OK) {
		mp->error = errstr;
		return rc;
	}
	p.dlen = 4 + strlen(boundary);
	memcpy(p.delim, "\r\n--", 4);
	memcpy(p.delim + 4, boundary, p.dlen - 4);
	p.buf = arena_alloc(mp->arena, MP_BUF_SIZE);
	p.field = arena_alloc(mp->arena, mp->field_max + 1);

	/* A CR LF in front lets the first delimiter match like the others. */
	memcpy(p.buf, "\r\n", 2);
	p.end = 2;
	p.state = MP_S_PREAMBLE;
	for (;;) {
		if ((rc = mp_content(&p)) != MP_OK)
			goto fail;
		if ((rc = mp_part_end(&p)) != MP_OK)
			goto fail;
		if ((rc = mp_after_delim(&p, &last)) != MP_OK)
			goto fail;
		if (last)
			break;
		if ((rc = mp_part_begin(&p)) != MP_OK)
			goto fail;
	}
	mp->error = "";
	return MP_OK;
fail:
	if (rc != MP_IO)
		log_info("multipart refused: %s", mp->error);
	return rc;
}

/*
 * A read callback for multipart_parse() over a request's body, under
 * FastCGI or CGI; arg is a struct mp_req_src. Never reads past the
 * Content-Length in src->left.
 */
int
multipart_req_read(void *arg, char *buf, size_t n)
{
	struct mp_req_src	*src = arg;
	size_t			 k;
	int			 got;

	if (n > src->left)
		n = (size_t)src->left;
	if (n > INT_MAX)
		n = INT_MAX;
	if (n == 0)
		return 0;
	if (src->r->fcgi != NULL)
		got = FCGX_GetStr(buf, (int)n, src->r->fcgi->in);
	else {
		k = fread(buf, 1, n, stdin);
		if (k == 0 && ferror(stdin))
			return -1;
		got = (int)k;
	}
	if (got < 0)
		return -1;
	src->left -= (uint64_t)got;
	return got;
}

/*
 * Parse r's body as multipart/form-data, streaming it (never reading it
 * whole, unlike req_body()). The Content-Length must be present and, when
 * body_max is not 0, at most body_max (else MP_TOO_LARGE before reading).
 * A body shorter than its Content-Length is MP_BAD. See multipart_parse().
 */
enum mp_status
multipart_parse_req(struct multipart *mp, struct req *r, uint64_t body_max)
{
	struct mp_req_src	 src;
	const char		*cl, *errstr;
	int64_t			 len;

	if ((cl = req_env(r, "CONTENT_LENGTH")) == NULL || *cl == '\0') {
		mp->error = "the upload needs a Content-Length";
		return MP_BAD;
	}
	len = str_to_i64(cl, 0, INT64_MAX, &errstr);
	if (errstr != NULL) {
		mp->error = "the Content-Length is not a number";
		return MP_BAD;
	}
	if (body_max != 0 && (uint64_t)len > body_max) {
		mp->error = arena_printf(mp->arena, "the upload may be at most "
		    "%llu bytes", (unsigned long long)body_max);
		return MP_TOO_LARGE;
	}
	src.r = r;
	src.left = (uint64_t)len;
	return multipart_parse(mp, req_header(r, "Content-Type"),
	    multipart_req_read, &src);
}
