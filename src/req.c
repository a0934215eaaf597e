/*
 * req.c: request parsing and the buffered response with its JSON envelope.
 * The only place that writes HTTP: status line, headers (validated, never
 * carrying CR/LF from input), conditional GET and the body.
 */
#include "config.h"

#include <sys/uio.h>

#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <fcgiapp.h>

#include "arena.h"
#include "conf.h"
#include "log.h"
#include "req.h"
#include "str.h"
#include "valid.h"

#define REQ_ID_BYTES	16

const char *const method_names[METHOD__MAX] = {
	"GET",		/* METHOD_GET */
	"HEAD",		/* METHOD_HEAD */
	"POST",		/* METHOD_POST */
	"PUT",		/* METHOD_PUT */
	"PATCH",	/* METHOD_PATCH */
	"DELETE",	/* METHOD_DELETE */
	"OPTIONS",	/* METHOD_OPTIONS */
};

static void
req_parse_path(struct req *r, const char *uri)
{
	const char	*p, *end, *q;
	char		*seg;
	size_t		 n;

	end = uri + strcspn(uri, "?#");
	for (p = uri; p < end; p = q) {
		while (p < end && *p == '/')
			p++;
		if (p == end)
			break;
		q = p;
		while (q < end && *q != '/')
			q++;
		if (r->nsegs == REQ_SEGS_MAX) {
			r->bad_path = true;
			return;
		}
		seg = arena_strndup(r->arena, p, (size_t)(q - p));
		n = str_pct_decode(seg, (size_t)(q - p), false);
		if (!str_utf8_valid(seg, n))
			r->bad_path = true;
		r->segs[r->nsegs++] = seg;
	}
}

static void
req_parse_query(struct req *r, const char *qs)
{
	const char	*p, *amp, *eq;
	char		*k, *v;
	size_t		 klen, vlen;

	for (p = qs; *p != '\0'; p = *amp ? amp + 1 : amp) {
		amp = p + strcspn(p, "&");
		if (amp == p)
			continue;
		if (r->nquery == REQ_QUERY_MAX) {
			r->bad_query = true;
			return;
		}
		eq = memchr(p, '=', (size_t)(amp - p));
		klen = (size_t)((eq != NULL ? eq : amp) - p);
		k = arena_strndup(r->arena, p, klen);
		str_pct_decode(k, klen, true);
		if (eq != NULL) {
			vlen = (size_t)(amp - eq - 1);
			v = arena_strndup(r->arena, eq + 1, vlen);
			vlen = str_pct_decode(v, vlen, true);
		} else {
			v = arena_strdup(r->arena, "");
			vlen = 0;
		}
		r->query[r->nquery].key = k;
		r->query[r->nquery].val = v;
		r->query[r->nquery].len = vlen;
		r->nquery++;
	}
}

static void
req_make_id(struct req *r)
{
	unsigned char	 rnd[REQ_ID_BYTES];
	const char	*given;
	size_t		 i, n;

	/* Keep a proxy's id when it is plain, so logs line up across hops. */
	if ((given = req_header(r, "X-Request-Id")) != NULL &&
	    (n = strlen(given)) >= 8 && n < sizeof(r->request_id)) {
		for (i = 0; i < n; i++)
			if (!((given[i] >= 'a' && given[i] <= 'z') ||
			    (given[i] >= 'A' && given[i] <= 'Z') ||
			    (given[i] >= '0' && given[i] <= '9') ||
			    given[i] == '-' || given[i] == '_' || given[i] == '.'))
				break;
		if (i == n) {
			memcpy(r->request_id, given, n + 1);
			return;
		}
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		fatalx("getrandom failed");
	str_hex(r->request_id, rnd, sizeof(rnd));
}

/*
 * Parse the request behind fr (NULL: plain CGI from the environment).
 * Everything lives in arena a; the response is built in body, which is reset.
 */
void
req_init(struct req *r, struct FCGX_Request *fr, struct arena *a,
    struct db *db, struct buf *body)
{
	const char	*m, *uri, *qs;
	int		 i;

	memset(r, 0, sizeof(*r));
	r->arena = a;
	r->db = db;
	r->fcgi = fr;
	r->body = body;
	buf_reset(body);
	clock_gettime(CLOCK_MONOTONIC, &r->started);

	m = req_env(r, "REQUEST_METHOD");
	r->method = METHOD__MAX;
	r->method_name = m != NULL ? m : "GET";
	for (i = 0; i < METHOD__MAX; i++)
		if (strcmp(r->method_name, method_names[i]) == 0)
			r->method = (enum method)i;
	if ((uri = req_env(r, "REQUEST_URI")) == NULL) {
		const char *pi = req_env(r, "PATH_INFO");
		const char *sn = req_env(r, "SCRIPT_NAME");

		uri = arena_printf(a, "%s%s", sn ? sn : "", pi ? pi : "");
	}
	r->uri = uri;
	req_parse_path(r, uri);
	if ((qs = req_env(r, "QUERY_STRING")) != NULL)
		req_parse_query(r, qs);
	r->client_addr = req_env(r, "REMOTE_ADDR");
	if (r->client_addr == NULL)
		r->client_addr = "";
	req_make_id(r);
	log_set_request(r->request_id);
}

/*
 * A CGI variable of this request, or NULL.
 */
const char *
req_env(const struct req *r, const char *name)
{
	if (r->fcgi != NULL)
		return FCGX_GetParam(name, r->fcgi->envp);
	return getenv(name);
}

/*
 * An HTTP request header by its name ("If-None-Match"), or NULL.
 */
const char *
req_header(const struct req *r, const char *name)
{
	char	 var[128];
	size_t	 i, o;

	if (str_case_eq(name, "Content-Type"))
		return req_env(r, "CONTENT_TYPE");
	if (str_case_eq(name, "Content-Length"))
		return req_env(r, "CONTENT_LENGTH");
	memcpy(var, "HTTP_", 5);
	for (i = 0, o = 5; name[i] != '\0' && o < sizeof(var) - 1; i++, o++) {
		char c = name[i];

		if (c == '-')
			c = '_';
		else if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		var[o] = c;
	}
	var[o] = '\0';
	return req_env(r, var);
}

/*
 * The value of route parameter {name}; the route guarantees it exists.
 */
const char *
req_param(const struct req *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nparams; i++)
		if (strcmp(r->params[i].key, name) == 0)
			return r->params[i].val;
	fatalx("route has no parameter %s", name);
}

/*
 * The value of cookie name, or NULL. The result lives in the arena.
 */
const char *
req_cookie(const struct req *r, const char *name)
{
	const char	*h, *p, *end, *eq;
	size_t		 nlen = strlen(name);

	if ((h = req_header(r, "Cookie")) == NULL)
		return NULL;
	for (p = h; *p != '\0'; p = *end ? end + 1 : end) {
		while (*p == ' ')
			p++;
		end = p + strcspn(p, ";");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == nlen &&
		    memcmp(p, name, nlen) == 0)
			return arena_strndup(r->arena, eq + 1,
			    (size_t)(end - eq - 1));
	}
	return NULL;
}

/*
 * Read the whole body, refusing more than max bytes. Returns ERR_OK with
 * *p (NUL-terminated, in the arena) and *n, ERR_PAYLOAD_TOO_LARGE past max
 * (nothing is read), or ERR_BAD_REQUEST for a bad or short Content-Length.
 */
enum err
req_body(struct req *r, size_t max, const char **p, size_t *n)
{
	const char	*cl, *errstr;
	int64_t		 len;
	char		*data;
	size_t		 got = 0;
	int		 k;

	*p = "";
	*n = 0;
	if ((cl = req_env(r, "CONTENT_LENGTH")) == NULL || *cl == '\0')
		return ERR_OK;
	len = str_to_i64(cl, 0, INT64_MAX, &errstr);
	if (errstr != NULL)
		return ERR_BAD_REQUEST;
	if ((uint64_t)len > max)
		return ERR_PAYLOAD_TOO_LARGE;
	data = arena_alloc(r->arena, (size_t)len + 1);
	while (got < (size_t)len) {
		if (r->fcgi != NULL)
			k = FCGX_GetStr(data + got, (int)((size_t)len - got),
			    r->fcgi->in);
		else
			k = (int)fread(data + got, 1, (size_t)len - got, stdin);
		if (k <= 0)
			return ERR_BAD_REQUEST;
		got += (size_t)k;
	}
	data[len] = '\0';
	*p = data;
	*n = (size_t)len;
	return ERR_OK;
}

/*
 * Read and validate a JSON request body against fields: Content-Type must
 * be application/json and the body at most body_max bytes. Returns 0 with
 * f filled, or -1 having answered 415, 413 or 400 (details per field).
 */
int
req_json_body(struct req *r, const struct field *fields, size_t n,
    struct form *f)
{
	const char	*ct, *body;
	size_t		 len, ctlen;
	enum err	 rc;

	ct = req_header(r, "Content-Type");
	ctlen = ct != NULL ? strcspn(ct, "; \t") : 0;
	if (ct == NULL || ctlen != 16 || strncasecmp(ct, "application/json", 16) != 0) {
		req_fail(r, ERR_UNSUPPORTED_MEDIA_TYPE,
		    "Send the body as application/json.");
		return -1;
	}
	rc = req_body(r, (size_t)conf_int(CONF_BODY_MAX), &body, &len);
	if (rc == ERR_PAYLOAD_TOO_LARGE) {
		req_fail(r, rc, arena_printf(r->arena, "The body may be at most "
		    "%lld bytes.", (long long)conf_int(CONF_BODY_MAX)));
		return -1;
	}
	if (rc != ERR_OK) {
		req_fail(r, rc, "The body does not match its Content-Length.");
		return -1;
	}
	if (valid_json(f, fields, n, body, len, r->arena) == -1) {
		req_fail_form(r, f);
		return -1;
	}
	return 0;
}

/*
 * Check the query string against fields: the usual checks, and any
 * parameter not in the table is an error too (a typo in a filter must not
 * silently list everything). Returns 0, or -1 having answered 400.
 */
int
req_query(struct req *r, const struct field *fields, size_t n,
    struct form *f)
{
	const char	*key;
	size_t		 i, j, len;

	if (r->bad_query) {
		req_fail(r, ERR_VALIDATION, "Too many query parameters.");
		return -1;
	}
	valid_query(f, fields, n, r->query, r->nquery);
	for (i = 0; i < r->nquery; i++) {
		key = r->query[i].key;
		for (j = 0; j < n; j++)
			if (strcmp(key, fields[j].name) == 0)
				break;
		if (j < n)
			continue;
		len = strlen(key);
		if (len == 0 || len > 64 || !str_utf8_valid(key, len))
			key = "query";
		valid_error(f, key, "is not a known parameter");
	}
	if (f->nerrs > 0) {
		req_fail_form(r, f);
		return -1;
	}
	return 0;
}

/*
 * Add a response header. A value holding CR or LF is dropped and logged:
 * header injection is impossible by construction. name and value must
 * live until req_finish() (literals or arena).
 */
void
req_set_header(struct req *r, const char *name, const char *value)
{
	if (strpbrk(value, "\r\n") != NULL || strpbrk(name, "\r\n: ") != NULL) {
		log_errx("refusing header %s with a line break", name);
		return;
	}
	if (r->nhdrs == REQ_HDRS_MAX)
		fatalx("too many response headers");
	r->hdrs[r->nhdrs].key = name;
	r->hdrs[r->nhdrs].val = value;
	r->hdrs[r->nhdrs].len = strlen(value);
	r->nhdrs++;
}

/*
 * Remove every response header called name (any case).
 */
void
req_del_header(struct req *r, const char *name)
{
	size_t	 i, o;

	for (i = o = 0; i < r->nhdrs; i++)
		if (!str_case_eq(r->hdrs[i].key, name))
			r->hdrs[o++] = r->hdrs[i];
	r->nhdrs = o;
}

/*
 * Mark a successful answer cacheable by browsers and CDNs for max_age
 * seconds, served stale while revalidating for swr more; an ETag is added.
 */
void
req_cache(struct req *r, int64_t max_age, int64_t swr)
{
	req_del_header(r, "Cache-Control");
	req_set_header(r, "Cache-Control", arena_printf(r->arena,
	    "public, max-age=%lld, stale-while-revalidate=%lld",
	    (long long)max_age, (long long)swr));
	r->cacheable = true;
}

/*
 * Forbid caching of this answer anywhere.
 */
void
req_nocache(struct req *r)
{
	req_del_header(r, "Cache-Control");
	req_set_header(r, "Cache-Control", "no-store");
	r->cacheable = false;
}

/*
 * Let the request's Origin read the answer if it is exactly one of
 * origins[0..n); otherwise send no CORS headers. On a preflight also
 * answer the allowed methods and headers.
 */
void
req_cors(struct req *r, const char *const *origins, size_t n,
    const char *methods)
{
	const char	*origin;
	size_t		 i;

	req_set_header(r, "Vary", "Origin");
	if ((origin = req_header(r, "Origin")) == NULL)
		return;
	for (i = 0; i < n; i++)
		if (strcmp(origins[i], origin) == 0)
			break;
	if (i == n)
		return;
	req_set_header(r, "Access-Control-Allow-Origin",
	    arena_strdup(r->arena, origin));
	req_set_header(r, "Access-Control-Expose-Headers",
	    "ETag, X-Request-Id");
	if (r->method == METHOD_OPTIONS) {
		req_set_header(r, "Access-Control-Allow-Methods", methods);
		req_set_header(r, "Access-Control-Allow-Headers",
		    "Content-Type, If-None-Match, X-Request-Id");
		req_set_header(r, "Access-Control-Max-Age", "600");
	}
}

/*
 * Start a success envelope; the handler writes exactly one value (the
 * data) with key NULL into the returned writer, then calls req_json_end().
 */
struct jw *
req_json_begin(struct req *r, struct jw *w)
{
	buf_reset(r->body);
	buf_puts(r->body, "{\"success\":true,\"data\":");
	jw_init(w, r->body);
	return w;
}

static void
req_meta(struct req *r)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(r->body, ",\"meta\":{\"requestId\":\"%s\",\"timestamp\":"
	    "\"%s.%03ldZ\",\"version\":\"%s\"}}", r->request_id, when,
	    ts.tv_nsec / 1000000, PACKAGE_VERSION);
}

static void
req_json_close(struct req *r)
{
	r->etag_len = r->body->len;
	req_meta(r);
	r->status = 200;
	req_set_header(r, "Content-Type", "application/json; charset=utf-8");
}

/*
 * Close the success envelope (with pagination when p is not NULL) and set
 * status 200 and the JSON content type.
 */
void
req_json_end(struct req *r, struct jw *w, const struct pagination *p)
{
	if (w->depth != 0)
		fatalx("unbalanced JSON in handler");
	if (p != NULL)
		buf_printf(r->body, ",\"pagination\":{\"total\":%lld,\"limit\":"
		    "%lld,\"offset\":%lld,\"hasMore\":%s}", (long long)p->total,
		    (long long)p->limit, (long long)p->offset,
		    p->offset + p->limit < p->total ? "true" : "false");
	req_json_close(r);
}

/*
 * Answer with a success envelope saved earlier: body[0..len) is what
 * req_json_end() had written before meta (see r->etag_len).
 */
void
req_json_replay(struct req *r, const char *body, size_t len)
{
	buf_reset(r->body);
	buf_add(r->body, body, len);
	req_json_close(r);
}

/*
 * Answer with a status and no body (204, 304 or a preflight).
 */
void
req_empty(struct req *r, int status)
{
	buf_reset(r->body);
	r->status = status;
}

static void
req_fail_begin(struct req *r, enum err e, const char *message, bool shown)
{
	struct jw	 w;

	buf_reset(r->body);
	r->status = err_status(e);
	r->etag_len = 0;
	req_nocache(r);
	req_del_header(r, "Content-Type");
	req_set_header(r, "Content-Type", "application/json; charset=utf-8");
	/* 5xx never carry detail: the log has it, with the request id. */
	if ((r->status >= 500 && !shown) || message == NULL)
		message = err_message(e);
	buf_puts(r->body, "{\"success\":false,\"error\":{\"code\":\"");
	buf_puts(r->body, err_code(e));
	buf_puts(r->body, "\",\"message\":");
	jw_init(&w, r->body);
	jw_str(&w, NULL, message);
}

static void
req_fail_end(struct req *r)
{
	buf_putc(r->body, '}');
	req_meta(r);
}

/*
 * Replace whatever was written with an error envelope for e. message is
 * shown to the client for 4xx only (NULL: the default for e).
 */
void
req_fail(struct req *r, enum err e, const char *message)
{
	req_fail_begin(r, e, message, false);
	req_fail_end(r);
}

/*
 * As req_fail(), but message is shown for a 5xx too: for answers about an
 * outside service whose text the caller has vetted (the payment provider's
 * message for the buyer, "could not be reached"), never internal detail.
 */
void
req_fail_shown(struct req *r, enum err e, const char *message)
{
	req_fail_begin(r, e, message, true);
	req_fail_end(r);
}

/*
 * Answer e with message and details, a JSON object written by the caller
 * (details_json must be valid JSON built with jw; NULL: none).
 */
void
req_fail_details(struct req *r, enum err e, const char *message,
    const char *details_json)
{
	req_fail_begin(r, e, message, false);
	if (details_json != NULL) {
		buf_puts(r->body, ",\"details\":");
		buf_puts(r->body, details_json);
	}
	req_fail_end(r);
}

/*
 * Answer VALIDATION_ERROR with details naming each failed field.
 */
void
req_fail_form(struct req *r, const struct form *f)
{
	struct jw	 w;
	size_t		 i;

	req_fail_begin(r, ERR_VALIDATION, NULL, false);
	buf_puts(r->body, ",\"details\":");
	jw_init(&w, r->body);
	jw_obj_open(&w, NULL);
	for (i = 0; i < f->nerrs; i++)
		jw_str(&w, f->errs[i].field, f->errs[i].msg);
	jw_obj_close(&w);
	req_fail_end(r);
}

/*
 * Answer VALIDATION_ERROR for one field.
 */
void
req_fail_field(struct req *r, const char *field, const char *msg)
{
	struct form	 f;

	f.nerrs = 0;
	valid_error(&f, field, msg);
	req_fail_form(r, &f);
}

static const char *
req_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "";
	}
}

/*
 * The ETag's hash: FNV-1a's multiply, eight bytes a step. A weak validator tells representations of
 * one URL apart; it guards no secret, so a fast non-cryptographic hash will
 * do (and keeps the hot path out of libcrypto).
 */
static uint64_t
req_etag_hash(const char *p, size_t n)
{
	uint64_t	 h = UINT64_C(14695981039346656037) ^ n, w;
	size_t		 i;

	/* Eight bytes a step, then the tail a byte at a time. */
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * UINT64_C(1099511628211);
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * UINT64_C(1099511628211);
	return h ^ (h >> 32);
}

/*
 * True if the If-None-Match list names etag (weak comparison, RFC 9110).
 */
static bool
req_etag_match(const char *inm, const char *etag)
{
	const char	*p, *tag = etag + 2;	/* skip W/ */
	size_t		 tlen = strlen(tag), n;

	for (p = inm; *p != '\0';) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == tlen && memcmp(p, tag, n) == 0)
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

static int
req_out(struct req *r, const void *p, size_t n)
{
	const char	*c = p;
	int		 k;

	while (n > 0) {
		k = n > INT32_MAX ? INT32_MAX : (int)n;
		if (r->fcgi != NULL) {
			if (FCGX_PutStr(c, k, r->fcgi->out) != k)
				return -1;
		} else if (fwrite(c, 1, (size_t)k, stdout) != (size_t)k)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * The status line and headers (Content-Length: length unless negative).
 */
static int
req_head_out(struct req *r, int64_t length)
{
	struct buf	 h;
	size_t		 i;
	int		 rc;

	buf_init(&h, 16384);
	buf_printf(&h, "Status: %d %s\r\n", r->status, req_reason(r->status));
	buf_printf(&h, "X-Request-Id: %s\r\n", r->request_id);
	buf_puts(&h, "X-Content-Type-Options: nosniff\r\n");
	for (i = 0; i < r->nhdrs; i++) {
		if (r->status == 304 && str_case_eq(r->hdrs[i].key, "Content-Type"))
			continue;
		buf_printf(&h, "%s: %s\r\n", r->hdrs[i].key, r->hdrs[i].val);
	}
	if (length >= 0)
		buf_printf(&h, "Content-Length: %lld\r\n", (long long)length);
	buf_puts(&h, "\r\n");
	rc = req_out(r, h.data, h.len);
	buf_clear(&h);
	return rc;
}

/*
 * Start an answer whose body is streamed (a file download): the status and
 * headers set so far go out now, with Content-Length length (negative:
 * none, e.g. for X-Sendfile, where the web server sends the file). The
 * body follows with req_stream_write(); req_finish() then only flushes.
 * Returns 0, or -1 when the client has gone.
 */
int
req_stream_begin(struct req *r, int status, int64_t length)
{
	r->status = status;
	r->streamed = true;
	return req_head_out(r, length);
}

/*
 * Write all of iov[0..n) to fd, across short writes.
 */
static int
req_writev_all(int fd, struct iovec *iov, int n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = writev(fd, iov, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/*
 * A large piece of a streamed body under FastCGI, written as FCGI_STDOUT
 * records of up to 32 KiB straight to the web server's socket (libfcgi
 * would cut it into 8 KiB records, a write each). libfcgi's own buffer is
 * flushed first, so the records stay in order; it writes the end of the
 * stream itself when the request finishes.
 */
static int
req_fcgi_records(struct req *r, const char *p, size_t n)
{
	static const unsigned char	 zeros[8];
	unsigned char			 hdr[8];
	struct iovec			 iov[3];
	size_t				 k, pad;
	int				 id = r->fcgi->requestId;

	if (FCGX_FFlush(r->fcgi->out) == -1 || r->fcgi->ipcFd < 0)
		return -1;
	while (n > 0) {
		k = n > 32768 ? 32768 : n;
		pad = (8 - k % 8) % 8;
		hdr[0] = 1;			/* FCGI_VERSION_1 */
		hdr[1] = 6;			/* FCGI_STDOUT */
		hdr[2] = (unsigned char)(id >> 8);
		hdr[3] = (unsigned char)id;
		hdr[4] = (unsigned char)(k >> 8);
		hdr[5] = (unsigned char)k;
		hdr[6] = (unsigned char)pad;
		hdr[7] = 0;
		iov[0] = (struct iovec){ hdr, sizeof(hdr) };
		iov[1] = (struct iovec){ (void *)p, k };
		iov[2] = (struct iovec){ (void *)zeros, pad };
		if (req_writev_all(r->fcgi->ipcFd, iov, pad > 0 ? 3 : 2) == -1)
			return -1;
		p += k;
		n -= k;
	}
	return 0;
}

/*
 * Write n bytes of a streamed body. Returns 0, or -1 when the client has
 * gone (stop then: the answer cannot be replaced any more).
 */
int
req_stream_write(struct req *r, const void *p, size_t n)
{
	if (r->fcgi != NULL && n >= 16384)
		return req_fcgi_records(r, p, n);
	return req_out(r, p, n);
}

/*
 * Send the response: ETag and conditional GET for cacheable answers, the
 * headers, and the body unless HEAD, 204 or 304. Logs 5xx answers.
 */
void
req_finish(struct req *r)
{
	struct timespec	 end;
	char		 etag[2 + 1 + 16 + 1 + 1];
	const char	*inm;
	double		 ms;
	bool		 send_body;

	if (r->streamed) {
		if (r->fcgi == NULL)
			fflush(stdout);
		log_debug("%s %s -> %d (streamed)", r->method_name, r->uri,
		    r->status);
		log_set_request(NULL);
		return;
	}
	if (r->status == 0) {
		log_errx("handler for %s %s wrote no answer", r->method_name, r->uri);
		req_fail(r, ERR_INTERNAL, NULL);
	}
	if (r->body->err) {
		log_errx("response for %s exceeded %zu bytes", r->uri, r->body->max);
		req_fail(r, ERR_INTERNAL, NULL);
	}
	if (r->cacheable && r->status == 200 &&
	    (r->method == METHOD_GET || r->method == METHOD_HEAD)) {
		snprintf(etag, sizeof(etag), "W/\"%016llx\"",
		    (unsigned long long)req_etag_hash(r->body->data, r->etag_len));
		req_set_header(r, "ETag", arena_strdup(r->arena, etag));
		if ((inm = req_header(r, "If-None-Match")) != NULL &&
		    req_etag_match(inm, etag))
			r->status = 304;
	}
	send_body = r->method != METHOD_HEAD && r->status != 204 &&
	    r->status != 304;

	(void)req_head_out(r, r->status != 204 && r->status != 304 ?
	    (int64_t)r->body->len : -1);
	if (send_body)
		(void)req_out(r, r->body->data, r->body->len);
	if (r->fcgi == NULL)
		fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &end);
	ms = (double)(end.tv_sec - r->started.tv_sec) * 1000.0 +
	    (double)(end.tv_nsec - r->started.tv_nsec) / 1e6;
	if (r->status >= 500)
		log_errx("%s %s -> %d in %.3f ms", r->method_name, r->uri,
		    r->status, ms);
	else
		log_debug("%s %s -> %d in %.3f ms", r->method_name, r->uri,
		    r->status, ms);
	log_set_request(NULL);
}
