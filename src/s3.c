/*
 * s3.c: the S3 client: one reused libcurl handle (keep-alive, TLS verified),
 * every request signed with sigv4.c including x-amz-content-sha256, request
 * bodies streamed from the file with pread, errors reduced to S3's <Code>.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "arena.h"
#include "buf.h"
#include "conf.h"
#include "crypto.h"
#include "log.h"
#include "s3.h"
#include "sigv4.h"
#include "str.h"

#define S3_RESP_MAX	(64 * 1024)	/* error and XML bodies we keep */
#define S3_IO_CHUNK	(64 * 1024)
#define S3_VALUE_MAX	255		/* content type, filename (fname.h: 255) */
#define S3_DEFAULT_CONNECT_TIMEOUT 10
#define S3_DEFAULT_TIMEOUT 600
#define S3_DEFAULT_LOW_SPEED_TIME 60
#define S3_DEFAULT_PRESIGN_TTL 300

struct s3 {
	char		*scheme;	/* "http" or "https" */
	char		*authority;	/* the endpoint's host[:port] */
	char		*region;
	char		*bucket;
	char		*access_key;
	char		*secret_key;
	char		*session_token;	/* NULL if none */
	char		*sse;		/* NULL if none */
	bool		 path_style;
	long		 presign_ttl;
	long		 connect_timeout;
	long		 timeout;
	long		 low_speed_time;
	uint64_t	 threshold;
	uint64_t	 part_size;
	CURL		*curl;
	struct arena	*arena;		/* reset by each public call */
	struct arena	*scratch;	/* reset by each HTTP exchange */
	long		 status;
	char		 err[S3_ERROR_MAX];
};

/* One HTTP exchange with S3. */
struct s3_call {
	const char		*method;
	const char		*key;		/* NULL: the bucket itself */
	struct sigv4_pair	 query[3];	/* not encoded */
	size_t			 nquery;
	struct sigv4_pair	 headers[4];	/* besides host, all signed */
	size_t			 nheaders;
	const char		*payload_hash;	/* NULL: the empty body's */
	const char		*body;		/* request body in memory, or */
	int			 fd;		/* ... from a file (-1: none) */
	uint64_t		 off;		/* where in the file */
	uint64_t		 len;		/* body length */
	uint64_t		 pos;		/* read so far */
	bool			 head;
	size_t			(*write)(const void *, size_t, void *);
	void			*arg;
	bool			 write_failed;
	CURL			*curl;
	struct buf		 resp;		/* non-2xx and XML bodies */
	char			 etag[128];
	char			 ctype[128];
	char			 errbuf[CURL_ERROR_SIZE];
};

static void	 s3_fail(struct s3 *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 s3_begin(struct s3 *);
static bool	 s3_key_ok(struct s3 *, const char *);
static bool	 s3_text_ok(const char *, size_t);
static int	 s3_endpoint(struct s3 *, const char *);
static bool	 s3_bucket_ok(const char *);
static bool	 s3_region_ok(const char *);
static char	*s3_xml_tag(struct arena *, const char *, const char *);
static void	 s3_xml_escape(struct buf *, const char *);
static int	 s3_hash_file(struct s3 *, int, uint64_t, uint64_t, char *);
static void	 s3_call_init(struct s3_call *, const char *, const char *);
static int	 s3_run(struct s3 *, struct s3_call *);
static size_t	 s3_read_cb(char *, size_t, size_t, void *);
static int	 s3_seek_cb(void *, curl_off_t, int);
static size_t	 s3_write_cb(char *, size_t, size_t, void *);
static size_t	 s3_header_cb(char *, size_t, size_t, void *);
static int	 s3_put_single(struct s3 *, const char *, int, uint64_t,
		    const char *);
static int	 s3_put_multipart(struct s3 *, const char *, int, uint64_t,
		    const char *);
static char	*s3_disposition(struct arena *, const char *);

/* Record the failure of the current call (and log it: never a secret). */
static void
s3_fail(struct s3 *s, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	log_warnx("%s", s->err);
}

/* Start a public call: fresh memory, no error. */
static void
s3_begin(struct s3 *s)
{
	arena_reset(s->arena);
	s->err[0] = '\0';
	s->status = 0;
}

/* Printable ASCII only, at most max bytes: safe in a header. */
static bool
s3_text_ok(const char *s, size_t max)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++, n++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return n > 0 && n <= max;
}

/* An object key: 1..1024 bytes of UTF-8 without control characters. */
static bool
s3_key_ok(struct s3 *s, const char *key)
{
	const unsigned char	*p;
	size_t			 n;

	n = key != NULL ? strlen(key) : 0;
	if (n == 0 || n > S3_KEY_MAX || !str_utf8_valid(key, n)) {
		s3_fail(s, "invalid object key");
		return false;
	}
	for (p = (const unsigned char *)key; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f) {
			s3_fail(s, "invalid object key");
			return false;
		}
	return true;
}

/*
 * Split "scheme://host[:port][/]" into s->scheme and s->authority; http
 * and https only, and no path, user or query. Returns 0 or -1.
 */
static int
s3_endpoint(struct s3 *s, const char *url)
{
	const char	*p, *q;

	if (strncmp(url, "https://", 8) == 0) {
		s->scheme = xstrdup("https");
		p = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		s->scheme = xstrdup("http");
		p = url + 7;
	} else
		return -1;
	for (q = p; *q != '\0' && *q != '/'; q++)
		if (!(*q >= 'a' && *q <= 'z') && !(*q >= 'A' && *q <= 'Z') &&
		    !(*q >= '0' && *q <= '9') && strchr(".-:[]", *q) == NULL)
			return -1;
	if (q == p || (*q == '/' && q[1] != '\0'))
		return -1;
	s->authority = xcalloc(1, (size_t)(q - p) + 1);
	memcpy(s->authority, p, (size_t)(q - p));
	return 0;
}

/* AWS's bucket naming rules: 3..63 of [a-z0-9.-], alphanumeric at the ends. */
static bool
s3_bucket_ok(const char *b)
{
	size_t	 n = strlen(b), i;

	if (n < 3 || n > 63)
		return false;
	for (i = 0; i < n; i++)
		if (!(b[i] >= 'a' && b[i] <= 'z') && !(b[i] >= '0' &&
		    b[i] <= '9') && b[i] != '.' && b[i] != '-')
			return false;
	return b[0] != '.' && b[0] != '-' && b[n - 1] != '.' &&
	    b[n - 1] != '-';
}

/* A region name: 1..64 of [a-z0-9-] ("us-east-1", MinIO's too). */
static bool
s3_region_ok(const char *r)
{
	size_t	 n;

	if (r == NULL || (n = strlen(r)) == 0 || n > 64)
		return false;
	return strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/*
 * The text of the first <tag>...</tag> in xml, with the five predefined
 * entities decoded, in the arena; NULL if absent. S3's answers are flat
 * enough that this is all the XML we need.
 */
static char *
s3_xml_tag(struct arena *a, const char *xml, const char *tag)
{
	static const char *const ents[][2] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
		{ "&quot;", "\"" }, { "&apos;", "'" },
	};
	const char	*p, *e;
	char		*open, *close, *out, *o;
	size_t		 i, n;

	open = arena_printf(a, "<%s>", tag);
	close = arena_printf(a, "</%s>", tag);
	if ((p = strstr(xml, open)) == NULL)
		return NULL;
	p += strlen(open);
	if ((e = strstr(p, close)) == NULL)
		return NULL;
	out = o = arena_alloc(a, (size_t)(e - p) + 1);
	while (p < e) {
		for (i = 0; i < nitems(ents); i++) {
			n = strlen(ents[i][0]);
			if ((size_t)(e - p) >= n &&
			    strncmp(p, ents[i][0], n) == 0)
				break;
		}
		if (i < nitems(ents)) {
			*o++ = ents[i][1][0];
			p += strlen(ents[i][0]);
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* Append s to b with XML's special characters escaped. */
static void
s3_xml_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		default:
			buf_putc(b, *s);
		}
}

/* Hex SHA-256 of len bytes of fd at off into hex[65]. Returns 0 or -1. */
static int
s3_hash_file(struct s3 *s, int fd, uint64_t off, uint64_t len, char *hex)
{
	EVP_MD_CTX	*ctx;
	unsigned char	*chunk, digest[EVP_MAX_MD_SIZE];
	unsigned int	 dlen = 0;
	ssize_t		 r;
	size_t		 want;
	int		 rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		fatalx("EVP_MD_CTX_new failed");
	chunk = xmalloc(S3_IO_CHUNK);
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		fatalx("EVP_DigestInit_ex failed");
	while (len > 0) {
		want = len < S3_IO_CHUNK ? (size_t)len : S3_IO_CHUNK;
		r = pread(fd, chunk, want, (off_t)off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			s3_fail(s, "read: %s", r == 0 ? "file shrank" :
			    strerror(errno));
			goto fail;
		}
		if (EVP_DigestUpdate(ctx, chunk, (size_t)r) != 1)
			fatalx("EVP_DigestUpdate failed");
		off += (uint64_t)r;
		len -= (uint64_t)r;
	}
	if (EVP_DigestFinal_ex(ctx, digest, &dlen) != 1 || dlen != 32)
		fatalx("EVP_DigestFinal_ex failed");
	str_hex(hex, digest, 32);
	rc = 0;
fail:
	free(chunk);
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* An exchange with no query, headers or body yet. */
static void
s3_call_init(struct s3_call *c, const char *method, const char *key)
{
	memset(c, 0, sizeof(*c));
	c->method = method;
	c->key = key;
	c->fd = -1;
}

/* libcurl wants more of the request body. */
static size_t
s3_read_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct s3_call	*c = arg;
	size_t		 want = size * nmemb;
	ssize_t		 r;

	if (want > c->len - c->pos)
		want = (size_t)(c->len - c->pos);
	if (want == 0)
		return 0;
	if (c->fd == -1)
		memcpy(p, c->body + c->pos, want);
	else {
		do
			r = pread(c->fd, p, want, (off_t)(c->off + c->pos));
		while (r == -1 && errno == EINTR);
		if (r <= 0)
			return CURL_READFUNC_ABORT;
		want = (size_t)r;
	}
	c->pos += want;
	return want;
}

/* libcurl rewinds the body (to send it again). */
static int
s3_seek_cb(void *arg, curl_off_t off, int origin)
{
	struct s3_call	*c = arg;

	if (origin != SEEK_SET || off < 0 || (uint64_t)off > c->len)
		return CURL_SEEKFUNC_FAIL;
	c->pos = (uint64_t)off;
	return CURL_SEEKFUNC_OK;
}

/* Response body: a success's goes to the caller, anything else is kept. */
static size_t
s3_write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct s3_call	*c = arg;
	size_t		 n = size * nmemb;
	long		 code = 0;

	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 200 && code < 300 && c->write != NULL) {
		if (c->write(p, n, c->arg) != n) {
			c->write_failed = true;
			return 0;
		}
		return n;
	}
	buf_add(&c->resp, p, n);	/* past the max: dropped, not fatal */
	return n;
}

/* Response headers: keep ETag and Content-Type (of the final response). */
static size_t
s3_header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct s3_call	*c = arg;
	size_t		 n = size * nmemb, vlen;
	const char	*v, *end;
	char		*dst;
	size_t		 dstsz;

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		c->etag[0] = c->ctype[0] = '\0';
		return n;
	}
	if (n > 5 && strncasecmp(p, "ETag:", 5) == 0) {
		v = p + 5;
		dst = c->etag;
		dstsz = sizeof(c->etag);
	} else if (n > 13 && strncasecmp(p, "Content-Type:", 13) == 0) {
		v = p + 13;
		dst = c->ctype;
		dstsz = sizeof(c->ctype);
	} else
		return n;
	end = p + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
	    end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (dst == c->etag && end - v >= 2 && *v == '"' && end[-1] == '"') {
		v++;
		end--;
	}
	vlen = (size_t)(end - v);
	if (vlen >= dstsz)
		vlen = dstsz - 1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
	return n;
}

/*
 * Sign and perform one exchange. Returns 0 on a 2xx answer (c->resp holds
 * a kept body, c->etag and c->ctype the headers); -1 otherwise with s->err
 * set ("HTTP 403 SignatureDoesNotMatch", or libcurl's reason) and logged.
 * The caller releases c->resp with buf_clear().
 */
static int
s3_run(struct s3 *s, struct s3_call *c)
{
	struct arena		*a = s->scratch;
	struct sigv4_pair	 h[nitems(c->headers) + 1];
	struct sigv4_req	 req;
	struct sigv4_result	 res;
	struct curl_slist	*list = NULL, *l;
	struct buf		 url;
	const char		*host, *path, *code;
	CURLcode		 rc;
	size_t			 i;
	int			 ret = -1;

	arena_reset(a);
	buf_init(&c->resp, S3_RESP_MAX);
	c->curl = s->curl;
	host = s->path_style ? s->authority :
	    arena_printf(a, "%s.%s", s->bucket, s->authority);
	if (s->path_style)
		path = arena_printf(a, "/%s%s%s", s->bucket,
		    c->key != NULL ? "/" : "", c->key != NULL ? c->key : "");
	else
		path = arena_printf(a, "/%s", c->key != NULL ? c->key : "");
	h[0].name = "Host";
	h[0].value = host;
	for (i = 0; i < c->nheaders; i++)
		h[i + 1] = c->headers[i];

	memset(&req, 0, sizeof(req));
	req.mode = SIGV4_HEADER;
	req.flags = SIGV4_CONTENT_SHA256;
	req.method = c->method;
	req.path = path;
	req.query = c->query;
	req.nquery = c->nquery;
	req.headers = h;
	req.nheaders = c->nheaders + 1;
	req.payload_hash = c->payload_hash != NULL ? c->payload_hash :
	    SIGV4_EMPTY_SHA256;
	req.date = time(NULL);
	req.region = s->region;
	req.service = "s3";
	req.access_key = s->access_key;
	req.secret_key = s->secret_key;
	req.session_token = s->session_token;
	if (sigv4_sign(a, &req, &res) == -1) {
		s3_fail(s, "%s: cannot sign the request", c->method);
		return -1;
	}

	/* The URL carries exactly the path and query that were signed. */
	buf_init(&url, 16 * 1024);
	buf_printf(&url, "%s://%s%s", s->scheme, host, res.canonical_uri);
	for (i = 0; i < c->nquery; i++) {
		buf_putc(&url, i == 0 ? '?' : '&');
		sigv4_encode(&url, c->query[i].name,
		    strlen(c->query[i].name), false);
		buf_putc(&url, '=');
		sigv4_encode(&url, c->query[i].value,
		    strlen(c->query[i].value), false);
	}
	if (url.err) {
		buf_clear(&url);
		s3_fail(s, "%s: URL too long", c->method);
		return -1;
	}
	for (i = 0; i < req.nheaders + res.nadd; i++) {
		const struct sigv4_pair	*p = i < req.nheaders ? &h[i] :
		    &res.add[i - req.nheaders];

		if ((l = curl_slist_append(list, arena_printf(a, "%s: %s",
		    p->name, p->value))) == NULL)
			fatalx("curl_slist_append failed");
		list = l;
	}

	curl_easy_reset(s->curl);
	curl_easy_setopt(s->curl, CURLOPT_URL, url.data);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(s->curl, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_USERAGENT, PACKAGE_NAME "/"
	    PACKAGE_VERSION);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, s->connect_timeout);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, s->timeout);
	curl_easy_setopt(s->curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(s->curl, CURLOPT_LOW_SPEED_TIME, s->low_speed_time);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, s3_write_cb);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(s->curl, CURLOPT_HEADERFUNCTION, s3_header_cb);
	curl_easy_setopt(s->curl, CURLOPT_HEADERDATA, c);
	if (strcmp(c->method, "PUT") == 0) {
		curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)c->len);
		curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, s3_read_cb);
		curl_easy_setopt(s->curl, CURLOPT_READDATA, c);
		curl_easy_setopt(s->curl, CURLOPT_SEEKFUNCTION, s3_seek_cb);
		curl_easy_setopt(s->curl, CURLOPT_SEEKDATA, c);
	} else if (strcmp(c->method, "POST") == 0) {
		curl_easy_setopt(s->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)c->len);
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS,
		    c->body != NULL ? c->body : "");
	} else if (strcmp(c->method, "HEAD") == 0)
		curl_easy_setopt(s->curl, CURLOPT_NOBODY, 1L);
	else if (strcmp(c->method, "GET") != 0)
		curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, c->method);

	rc = curl_easy_perform(s->curl);
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->status);
	if (c->write_failed)
		s3_fail(s, "%s %s: the receiver stopped the transfer",
		    c->method, c->key != NULL ? "object" : "bucket");
	else if (rc != CURLE_OK)
		s3_fail(s, "%s %s: %s", c->method, c->key != NULL ? "object" :
		    "bucket", c->errbuf[0] != '\0' ? c->errbuf :
		    curl_easy_strerror(rc));
	else if (s->status < 200 || s->status > 299) {
		code = s3_xml_tag(a, c->resp.data, "Code");
		if (code != NULL && !s3_text_ok(code, 64))
			code = NULL;
		s3_fail(s, "%s %s: HTTP %ld%s%s", c->method, c->key != NULL ?
		    "object" : "bucket", s->status, code != NULL ? " " : "",
		    code != NULL ? code : "");
	} else
		ret = 0;
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(list);
	buf_clear(&url);
	return ret;
}

/*
 * Default settings: us-east-1, virtual-host addressing, no SSE, 300 s
 * presigned URLs, 10 s to connect, 600 s per request, multipart past
 * 16 MiB in 16 MiB parts. Endpoint, bucket and keys are left NULL.
 */
void
s3_conf_init(struct s3_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->region = "us-east-1";
	c->presign_ttl = S3_DEFAULT_PRESIGN_TTL;
	c->connect_timeout = S3_DEFAULT_CONNECT_TIMEOUT;
	c->timeout = S3_DEFAULT_TIMEOUT;
	c->low_speed_time = S3_DEFAULT_LOW_SPEED_TIME;
	c->multipart_threshold = S3_MULTIPART_THRESHOLD;
	c->part_size = S3_PART_SIZE;
}

/*
 * s3_conf_init(), then the s3_* keys of the loaded configuration. The
 * strings point into the configuration: valid until conf_free().
 */
void
s3_conf_load(struct s3_conf *c)
{
	s3_conf_init(c);
	c->endpoint = conf_get(CONF_S3_ENDPOINT);
	c->region = conf_get(CONF_S3_REGION);
	c->bucket = conf_get(CONF_S3_BUCKET);
	c->access_key = conf_get(CONF_S3_ACCESS_KEY);
	c->secret_key = conf_get(CONF_S3_SECRET_KEY);
	c->sse = conf_get(CONF_S3_SSE);
	c->path_style = conf_int(CONF_S3_PATH_STYLE) != 0;
	c->presign_ttl = (long)conf_int(CONF_S3_PRESIGN_TTL);
}

/*
 * A client for c's bucket (c is copied: it need not outlive the call). An
 * empty endpoint means AWS: https://s3.<region>.amazonaws.com. Returns NULL
 * (logged, naming the bad setting, never its value) if a setting is
 * invalid. Release with s3_free().
 */
struct s3 *
s3_new(const struct s3_conf *c)
{
	struct s3	*s;
	const char	*bad = NULL;
	char		*aws = NULL;

	s = xcalloc(1, sizeof(*s));
	if (s3_region_ok(c->region) &&
	    (c->endpoint == NULL || c->endpoint[0] == '\0')) {
		aws = xmalloc(strlen(c->region) + 32);
		snprintf(aws, strlen(c->region) + 32,
		    "https://s3.%s.amazonaws.com", c->region);
	}
	if (!s3_region_ok(c->region))
		bad = "region";
	else if (s3_endpoint(s, aws != NULL ? aws : c->endpoint) == -1)
		bad = "endpoint (http:// or https:// and host[:port] only)";
	else if (c->bucket == NULL || !s3_bucket_ok(c->bucket))
		bad = "bucket";
	else if (c->access_key == NULL || !s3_text_ok(c->access_key, 256))
		bad = "access key";
	else if (c->secret_key == NULL || !s3_text_ok(c->secret_key, 256))
		bad = "secret key";
	else if (c->session_token != NULL && c->session_token[0] != '\0' &&
	    !s3_text_ok(c->session_token, 8192))
		bad = "session token";
	else if (c->sse != NULL && c->sse[0] != '\0' &&
	    !s3_text_ok(c->sse, 64))
		bad = "sse";
	else if (c->presign_ttl < 0 || c->presign_ttl > SIGV4_EXPIRES_MAX)
		bad = "presign ttl";
	else if (c->part_size != 0 && (c->part_size < S3_PART_MIN ||
	    c->part_size > S3_PUT_MAX))
		bad = "part size (5 MiB to 5 GiB)";
	else if (c->multipart_threshold > S3_PUT_MAX)
		bad = "multipart threshold (at most 5 GiB)";
	else if (c->connect_timeout < 0 || c->timeout < 0 ||
	    c->low_speed_time < 0)
		bad = "timeout";
	free(aws);
	if (bad != NULL) {
		log_errx("invalid S3 %s in the configuration", bad);
		s3_free(s);
		return NULL;
	}
	s->region = xstrdup(c->region);
	s->bucket = xstrdup(c->bucket);
	s->access_key = xstrdup(c->access_key);
	s->secret_key = xstrdup(c->secret_key);
	if (c->session_token != NULL && c->session_token[0] != '\0')
		s->session_token = xstrdup(c->session_token);
	if (c->sse != NULL && c->sse[0] != '\0')
		s->sse = xstrdup(c->sse);
	s->path_style = c->path_style;
	s->presign_ttl = c->presign_ttl > 0 ? c->presign_ttl :
	    S3_DEFAULT_PRESIGN_TTL;
	s->connect_timeout = c->connect_timeout > 0 ? c->connect_timeout :
	    S3_DEFAULT_CONNECT_TIMEOUT;
	s->timeout = c->timeout;
	s->low_speed_time = c->low_speed_time;
	s->threshold = c->multipart_threshold > 0 ? c->multipart_threshold :
	    S3_MULTIPART_THRESHOLD;
	s->part_size = c->part_size > 0 ? c->part_size : S3_PART_SIZE;
	if ((s->curl = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	s->arena = arena_new();
	s->scratch = arena_new();
	return s;
}

/*
 * Close the connection and free the client; the secret key is wiped.
 */
void
s3_free(struct s3 *s)
{
	if (s == NULL)
		return;
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	arena_free(s->arena);
	arena_free(s->scratch);
	if (s->secret_key != NULL)
		explicit_bzero(s->secret_key, strlen(s->secret_key));
	if (s->session_token != NULL)
		explicit_bzero(s->session_token, strlen(s->session_token));
	free(s->scheme);
	free(s->authority);
	free(s->region);
	free(s->bucket);
	free(s->access_key);
	free(s->secret_key);
	free(s->session_token);
	free(s->sse);
	free(s);
}

/*
 * The last call's failure as a short sentence without secrets: "GET
 * object: HTTP 404 NoSuchKey", a libcurl reason, or "" after a success.
 */
const char *
s3_error(const struct s3 *s)
{
	return s->err;
}

/*
 * The last call's HTTP status (0 if no answer came).
 */
long
s3_status(const struct s3 *s)
{
	return s->status;
}

/*
 * Create the bucket (in the configured region). Returns 0, or -1 (see
 * s3_error(): "HTTP 409 BucketAlreadyOwnedByYou" if it exists).
 */
int
s3_bucket_create(struct s3 *s)
{
	struct s3_call	 c;
	unsigned char	 digest[32];
	char		 hash[65];
	int		 rc;

	s3_begin(s);
	s3_call_init(&c, "PUT", NULL);
	if (strcmp(s->region, "us-east-1") != 0) {
		c.body = arena_printf(s->arena, "<CreateBucketConfiguration "
		    "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
		    "<LocationConstraint>%s</LocationConstraint>"
		    "</CreateBucketConfiguration>", s->region);
		c.len = strlen(c.body);
		crypto_sha256(c.body, c.len, digest);
		str_hex(hash, digest, sizeof(digest));
		c.payload_hash = hash;
	} else
		c.body = "";
	rc = s3_run(s, &c);
	buf_clear(&c.resp);
	return rc;
}

/* PUT the first size bytes of fd as key in one request. */
static int
s3_put_single(struct s3 *s, const char *key, int fd, uint64_t size,
    const char *ctype)
{
	struct s3_call	 c;
	char		 hash[65];
	int		 rc;

	if (s3_hash_file(s, fd, 0, size, hash) == -1)
		return -1;
	s3_call_init(&c, "PUT", key);
	c.headers[c.nheaders].name = "Content-Type";
	c.headers[c.nheaders++].value = ctype;
	if (s->sse != NULL) {
		c.headers[c.nheaders].name = "x-amz-server-side-encryption";
		c.headers[c.nheaders++].value = s->sse;
	}
	c.payload_hash = hash;
	c.fd = fd;
	c.len = size;
	rc = s3_run(s, &c);
	buf_clear(&c.resp);
	return rc;
}

/*
 * Upload fd as key in parts: CreateMultipartUpload, UploadPart for each
 * part (each signed with its own SHA-256), CompleteMultipartUpload; on any
 * failure AbortMultipartUpload, so no orphaned parts are billed.
 */
static int
s3_put_multipart(struct s3 *s, const char *key, int fd, uint64_t size,
    const char *ctype)
{
	struct s3_call	 c;
	struct buf	 xml;
	uint64_t	 part = s->part_size, nparts, i, off, len;
	char		*upload = NULL, **etags, hash[65], num[24], *errcode;
	char		 saved[S3_ERROR_MAX];
	unsigned char	 digest[32];
	long		 status;
	int		 rc = -1;

	if ((size + part - 1) / part > S3_PARTS_MAX) {
		part = (size + S3_PARTS_MAX - 1) / S3_PARTS_MAX;
		part = (part + (1 << 20) - 1) & ~(uint64_t)((1 << 20) - 1);
	}
	nparts = (size + part - 1) / part;
	etags = arena_calloc(s->arena, (size_t)nparts, sizeof(*etags));

	s3_call_init(&c, "POST", key);
	c.query[c.nquery].name = "uploads";
	c.query[c.nquery++].value = "";
	c.headers[c.nheaders].name = "Content-Type";
	c.headers[c.nheaders++].value = ctype;
	if (s->sse != NULL) {
		c.headers[c.nheaders].name = "x-amz-server-side-encryption";
		c.headers[c.nheaders++].value = s->sse;
	}
	if (s3_run(s, &c) == 0 &&
	    (upload = s3_xml_tag(s->arena, c.resp.data, "UploadId")) == NULL)
		s3_fail(s, "POST object: no UploadId in the answer");
	buf_clear(&c.resp);
	if (upload == NULL)
		return -1;

	for (i = 0, off = 0; i < nparts; i++, off += len) {
		len = size - off < part ? size - off : part;
		if (s3_hash_file(s, fd, off, len, hash) == -1)
			goto abort;
		snprintf(num, sizeof(num), "%llu", (unsigned long long)i + 1);
		s3_call_init(&c, "PUT", key);
		c.query[c.nquery].name = "partNumber";
		c.query[c.nquery++].value = num;
		c.query[c.nquery].name = "uploadId";
		c.query[c.nquery++].value = upload;
		c.payload_hash = hash;
		c.fd = fd;
		c.off = off;
		c.len = len;
		if (s3_run(s, &c) == 0 && c.etag[0] == '\0')
			s3_fail(s, "PUT object: no ETag for part %s", num);
		buf_clear(&c.resp);
		if (s->err[0] != '\0')
			goto abort;
		etags[i] = arena_strdup(s->arena, c.etag);
	}

	buf_init(&xml, (size_t)nparts * 256 + 256);
	buf_puts(&xml, "<CompleteMultipartUpload>");
	for (i = 0; i < nparts; i++) {
		buf_printf(&xml, "<Part><PartNumber>%llu</PartNumber><ETag>\"",
		    (unsigned long long)i + 1);
		s3_xml_escape(&xml, etags[i]);
		buf_puts(&xml, "\"</ETag></Part>");
	}
	buf_puts(&xml, "</CompleteMultipartUpload>");
	if (xml.err)
		fatalx("CompleteMultipartUpload body overflow");
	crypto_sha256(xml.data, xml.len, digest);
	str_hex(hash, digest, sizeof(digest));
	s3_call_init(&c, "POST", key);
	c.query[c.nquery].name = "uploadId";
	c.query[c.nquery++].value = upload;
	c.headers[c.nheaders].name = "Content-Type";
	c.headers[c.nheaders++].value = "application/xml";
	c.payload_hash = hash;
	c.body = xml.data;
	c.len = xml.len;
	if (s3_run(s, &c) == 0) {
		/* S3 may answer 200 and still fail, in the body. */
		if (strstr(c.resp.data, "<Error>") != NULL) {
			errcode = s3_xml_tag(s->arena, c.resp.data, "Code");
			s3_fail(s, "POST object: completion failed: %s",
			    errcode != NULL && s3_text_ok(errcode, 64) ?
			    errcode : "no code");
		} else
			rc = 0;
	}
	buf_clear(&c.resp);
	buf_clear(&xml);
	if (rc == 0)
		return 0;
abort:
	snprintf(saved, sizeof(saved), "%s", s->err);
	status = s->status;
	s3_call_init(&c, "DELETE", key);
	c.query[c.nquery].name = "uploadId";
	c.query[c.nquery++].value = upload;
	(void)s3_run(s, &c);
	buf_clear(&c.resp);
	snprintf(s->err, sizeof(s->err), "%s", saved);
	s->status = status;
	return -1;
}

/*
 * Upload the file at path as key, with content_type (NULL: application/
 * octet-stream) and the configured server-side encryption. Files up to the
 * multipart threshold go in one PUT; larger ones as a multipart upload.
 * The file is streamed (read twice: to hash, then to send), never held in
 * memory. Returns 0, or -1 (see s3_error()).
 */
int
s3_put_file(struct s3 *s, const char *key, const char *path,
    const char *content_type)
{
	struct stat	 st;
	int		 fd, rc;
	uint64_t	 size;

	s3_begin(s);
	if (!s3_key_ok(s, key))
		return -1;
	if (content_type == NULL)
		content_type = "application/octet-stream";
	if (!s3_text_ok(content_type, S3_VALUE_MAX)) {
		s3_fail(s, "invalid content type");
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		s3_fail(s, "open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		s3_fail(s, "not a regular file");
		close(fd);
		return -1;
	}
	size = (uint64_t)st.st_size;
	if (size > S3_OBJECT_MAX) {
		s3_fail(s, "file larger than 5 TiB");
		rc = -1;
	} else if (size <= s->threshold && size <= S3_PUT_MAX)
		rc = s3_put_single(s, key, fd, size, content_type);
	else
		rc = s3_put_multipart(s, key, fd, size, content_type);
	close(fd);
	return rc;
}

/*
 * Download key, or length bytes of it from offset (length 0: to the end),
 * passing the body to write(data, n, arg), which returns n to go on (any
 * other value stops the transfer). Only a successful answer's body reaches
 * write. Returns 0, or -1 (see s3_error(); HTTP 416 for a range past the
 * end).
 */
int
s3_get(struct s3 *s, const char *key, uint64_t offset, uint64_t length,
    size_t (*write)(const void *, size_t, void *), void *arg)
{
	struct s3_call	 c;
	int		 rc;

	s3_begin(s);
	if (!s3_key_ok(s, key))
		return -1;
	if (length > UINT64_MAX - offset) {
		s3_fail(s, "invalid range");
		return -1;
	}
	s3_call_init(&c, "GET", key);
	if (offset > 0 || length > 0) {
		c.headers[c.nheaders].name = "Range";
		c.headers[c.nheaders++].value = length > 0 ?
		    arena_printf(s->arena, "bytes=%llu-%llu",
		    (unsigned long long)offset,
		    (unsigned long long)(offset + length - 1)) :
		    arena_printf(s->arena, "bytes=%llu-",
		    (unsigned long long)offset);
	}
	c.write = write;
	c.arg = arg;
	rc = s3_run(s, &c);
	buf_clear(&c.resp);
	return rc;
}

/*
 * HEAD key: fill *obj with its size, ETag and content type. Returns 0, or
 * -1 (see s3_error(); s3_status() is 404 if there is no such key).
 */
int
s3_head(struct s3 *s, const char *key, struct s3_object *obj)
{
	struct s3_call	 c;
	curl_off_t	 len = -1;
	int		 rc;

	memset(obj, 0, sizeof(*obj));
	s3_begin(s);
	if (!s3_key_ok(s, key))
		return -1;
	s3_call_init(&c, "HEAD", key);
	if ((rc = s3_run(s, &c)) == 0) {
		curl_easy_getinfo(s->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
		    &len);
		obj->size = len > 0 ? (uint64_t)len : 0;
		snprintf(obj->etag, sizeof(obj->etag), "%s", c.etag);
		snprintf(obj->content_type, sizeof(obj->content_type), "%s",
		    c.ctype);
	}
	buf_clear(&c.resp);
	return rc;
}

/*
 * Delete key. S3 answers success for a key that does not exist, too.
 * Returns 0, or -1 (see s3_error()).
 */
int
s3_delete(struct s3 *s, const char *key)
{
	struct s3_call	 c;
	int		 rc;

	s3_begin(s);
	if (!s3_key_ok(s, key))
		return -1;
	s3_call_init(&c, "DELETE", key);
	rc = s3_run(s, &c);
	buf_clear(&c.resp);
	return rc;
}

/*
 * Content-Disposition for a download named filename: an ASCII fallback
 * (each other character, quote, backslash or slash made '_') and the exact
 * name as RFC 5987 UTF-8. NULL if filename is not 1..200 bytes of UTF-8
 * without control characters.
 */
static char *
s3_disposition(struct arena *a, const char *filename)
{
	struct buf		 b;
	const unsigned char	*p;
	size_t			 n = strlen(filename);
	char			*s;

	if (n == 0 || n > S3_VALUE_MAX || !str_utf8_valid(filename, n))
		return NULL;
	for (p = (const unsigned char *)filename; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return NULL;
	buf_init(&b, 4096);
	buf_puts(&b, "attachment; filename=\"");
	for (p = (const unsigned char *)filename; *p != '\0'; p++) {
		if (*p >= 0x80 && *p < 0xc0)
			continue;	/* a UTF-8 continuation byte */
		buf_putc(&b, *p >= 0x80 || *p == '"' || *p == '\\' ||
		    *p == '/' ? '_' : (char)*p);
	}
	buf_puts(&b, "\"; filename*=UTF-8''");
	sigv4_encode(&b, filename, n, false);
	s = b.err ? NULL : arena_strdup(a, b.data);
	buf_clear(&b);
	return s;
}

/*
 * A presigned GET URL for key, valid ttl seconds (0: the configured
 * presign TTL) from now (0: the current time). With filename the browser
 * saves the file under that name (response-content-disposition); with
 * content_type it gets that type. No request is made. The URL lives in a;
 * NULL (see s3_error()) if an argument is invalid.
 */
char *
s3_presign_get(struct s3 *s, struct arena *a, const char *key, long ttl,
    const char *filename, const char *content_type, time_t now)
{
	struct sigv4_pair	 host, query[2];
	struct sigv4_req	 req;
	struct sigv4_result	 res;
	size_t			 nq = 0;

	s3_begin(s);
	if (!s3_key_ok(s, key))
		return NULL;
	if (ttl == 0)
		ttl = s->presign_ttl;
	if (ttl < 1 || ttl > SIGV4_EXPIRES_MAX) {
		s3_fail(s, "presign: ttl out of 1..%d s", SIGV4_EXPIRES_MAX);
		return NULL;
	}
	if (filename != NULL) {
		query[nq].name = "response-content-disposition";
		if ((query[nq++].value = s3_disposition(a, filename)) == NULL) {
			s3_fail(s, "presign: invalid file name");
			return NULL;
		}
	}
	if (content_type != NULL) {
		if (!s3_text_ok(content_type, S3_VALUE_MAX)) {
			s3_fail(s, "presign: invalid content type");
			return NULL;
		}
		query[nq].name = "response-content-type";
		query[nq++].value = content_type;
	}
	host.name = "host";
	host.value = s->path_style ? s->authority :
	    arena_printf(a, "%s.%s", s->bucket, s->authority);
	memset(&req, 0, sizeof(req));
	req.mode = SIGV4_QUERY;
	req.method = "GET";
	req.path = s->path_style ? arena_printf(a, "/%s/%s", s->bucket, key) :
	    arena_printf(a, "/%s", key);
	req.query = query;
	req.nquery = nq;
	req.headers = &host;
	req.nheaders = 1;
	req.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
	req.date = now != 0 ? now : time(NULL);
	req.expires = ttl;
	req.region = s->region;
	req.service = "s3";
	req.access_key = s->access_key;
	req.secret_key = s->secret_key;
	req.session_token = s->session_token;
	if (sigv4_sign(a, &req, &res) == -1) {
		s3_fail(s, "presign: cannot sign");
		return NULL;
	}
	return arena_printf(a, "%s://%s%s?%s", s->scheme, host.value,
	    res.canonical_uri, res.query);
}
