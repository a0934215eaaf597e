/*
 * sigv4.c: AWS Signature Version 4, after the AWS "Create a signed request"
 * steps and checked against the official signing test suite. Pure text and
 * HMAC work: no I/O, so the unit test drives every step with known vectors.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "crypto.h"
#include "log.h"
#include "sigv4.h"
#include "str.h"

#define SIGV4_TEXT_MAX	(1024 * 1024)	/* any one text we build */
#define SIGV4_HEADERS_MAX 64
#define SIGV4_QUERY_MAX	64

/* A header on its way to the canonical form. */
struct hdr {
	char	*name;		/* lower-case */
	char	*value;		/* trimmed, inner blanks collapsed */
	size_t	 order;		/* position given, to keep duplicates in order */
};

/* A query parameter, encoded. */
struct qp {
	char	*name;
	char	*value;
};

static int	 hdr_cmp(const void *, const void *);
static int	 qp_cmp(const void *, const void *);
static bool	 unreserved(unsigned char);
static bool	 token_char(unsigned char);
static char	*encode_dup(struct arena *, const char *, bool);
static char	*canonical_value(struct arena *, const char *);
static char	*canonical_uri(struct arena *, const char *, bool);
static char	*buf_finish(struct arena *, struct buf *);

static int
hdr_cmp(const void *a, const void *b)
{
	const struct hdr	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
qp_cmp(const void *a, const void *b)
{
	const struct qp	*x = a, *y = b;
	int		 c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return strcmp(x->value, y->value);
}

/* RFC 3986 unreserved: the only bytes SigV4 leaves unencoded. */
static bool
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* RFC 9110 token characters: what a header name may hold. */
static bool
token_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/*
 * Append p[0..n) to b percent-encoded the SigV4 way: unreserved bytes as
 * they are, every other byte as %XX (upper-case hex), '/' kept when
 * keep_slash (paths) and encoded otherwise (query names and values).
 */
void
sigv4_encode(struct buf *b, const char *p, size_t n, bool keep_slash)
{
	static const char	 hexdig[] = "0123456789ABCDEF";
	unsigned char		 c;
	size_t			 i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (unreserved(c) || (keep_slash && c == '/'))
			buf_putc(b, (char)c);
		else {
			buf_putc(b, '%');
			buf_putc(b, hexdig[c >> 4]);
			buf_putc(b, hexdig[c & 0xf]);
		}
	}
}

/* Move b's text into the arena and free b; NULL if b overflowed. */
static char *
buf_finish(struct arena *a, struct buf *b)
{
	char	*s = NULL;

	if (!b->err)
		s = arena_strndup(a, b->data, b->len);
	buf_clear(b);
	return s;
}

/* s percent-encoded (see sigv4_encode), in the arena; NULL if too long. */
static char *
encode_dup(struct arena *a, const char *s, bool keep_slash)
{
	struct buf	 b;

	buf_init(&b, SIGV4_TEXT_MAX);
	sigv4_encode(&b, s, strlen(s), keep_slash);
	return buf_finish(a, &b);
}

/*
 * A header value as SigV4 signs it: leading and trailing blanks dropped and
 * every inner run of blanks (spaces, tabs, and the line breaks of an
 * obsolete folded header) turned into one space.
 */
static char *
canonical_value(struct arena *a, const char *v)
{
	char	*out, *o;
	bool	 blank = false;

	out = o = arena_alloc(a, strlen(v) + 1);
	for (; *v != '\0'; v++) {
		if (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') {
			blank = true;
			continue;
		}
		if (blank && o != out)
			*o++ = ' ';
		blank = false;
		*o++ = *v;
	}
	*o = '\0';
	return out;
}

/*
 * The canonical URI: each segment of path encoded, '/' kept. S3 signs the
 * path as it is; with normalize (every other service) ".", ".." and empty
 * segments are resolved first (RFC 3986 remove_dot_segments, plus "//").
 */
static char *
canonical_uri(struct arena *a, const char *path, bool normalize)
{
	const char	**seg, *p, *e;
	size_t		*len, nseg = 0, max, i, n;
	bool		 trailing;
	struct buf	 b;

	if (!normalize)
		return encode_dup(a, path, true);
	max = strlen(path) / 2 + 2;
	seg = arena_calloc(a, max, sizeof(*seg));
	len = arena_calloc(a, max, sizeof(*len));
	n = strlen(path);
	trailing = n > 0 && path[n - 1] == '/';
	for (p = path; *p != '\0'; p = *e == '\0' ? e : e + 1) {
		if ((e = strchr(p, '/')) == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		if (n == 0 || (n == 1 && p[0] == '.'))
			continue;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (nseg > 0)
				nseg--;
			continue;
		}
		seg[nseg] = p;
		len[nseg++] = n;
	}
	buf_init(&b, SIGV4_TEXT_MAX);
	for (i = 0; i < nseg; i++) {
		buf_putc(&b, '/');
		sigv4_encode(&b, seg[i], len[i], false);
	}
	if (nseg == 0 || trailing)
		buf_putc(&b, '/');
	return buf_finish(a, &b);
}

/*
 * Write the ISO 8601 basic time SigV4 uses ("20150830T123600Z") for t into
 * out. Returns 0, or -1 if t is not a representable UTC time.
 */
int
sigv4_amz_date(time_t t, char out[SIGV4_DATE_SIZE])
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < 0 || tm.tm_year > 8099 ||
	    strftime(out, SIGV4_DATE_SIZE, "%Y%m%dT%H%M%SZ", &tm) !=
	    SIGV4_DATE_SIZE - 1)
		return -1;
	return 0;
}

/*
 * Derive the signing key: HMAC-SHA256 chained over "AWS4" + secret, the day
 * (YYYYMMDD), the region, the service and "aws4_request". The key is
 * secret material: callers clear it after use.
 */
void
sigv4_signing_key(const char *secret, const char *date8, const char *region,
    const char *service, unsigned char out[32])
{
	unsigned char	 k[CRYPTO_HMAC_MAX];
	size_t		 klen, ksecretlen;
	char		*ksecret;

	ksecretlen = strlen(secret) + 4;
	ksecret = xmalloc(ksecretlen + 1);
	snprintf(ksecret, ksecretlen + 1, "AWS4%s", secret);
	crypto_hmac("SHA256", ksecret, ksecretlen, date8, strlen(date8), k,
	    &klen);
	explicit_bzero(ksecret, ksecretlen);
	free(ksecret);
	crypto_hmac("SHA256", k, klen, region, strlen(region), k, &klen);
	crypto_hmac("SHA256", k, klen, service, strlen(service), k, &klen);
	crypto_hmac("SHA256", k, klen, "aws4_request", 12, k, &klen);
	memcpy(out, k, 32);
	explicit_bzero(k, sizeof(k));
}

/*
 * Sign req. Fills *res (strings in the arena a): the canonical request, the
 * string to sign, the signature and, per req->mode, the Authorization header
 * and the headers to add, or the presigned query string. Returns 0, or -1
 * (logged, without secrets) on input no valid request could carry: a
 * missing field, a bad header name, no host header, expires out of range.
 */
int
sigv4_sign(struct arena *a, const struct sigv4_req *req,
    struct sigv4_result *res)
{
	struct hdr	*h;
	struct qp	*q;
	struct buf	 b;
	size_t		 nh = 0, nq = 0, i, j;
	bool		 host = false;
	char		 date8[9], scope[256], hashhex[65], expires[24];
	char		*credential, *s;
	unsigned char	 key[32], mac[CRYPTO_HMAC_MAX], digest[32];
	size_t		 maclen;
	int		 n;

	memset(res, 0, sizeof(*res));
	if (req->method == NULL || req->path == NULL || req->path[0] != '/' ||
	    req->payload_hash == NULL || req->region == NULL ||
	    req->service == NULL || req->access_key == NULL ||
	    req->secret_key == NULL || req->region[0] == '\0' ||
	    req->access_key[0] == '\0' || req->nheaders > SIGV4_HEADERS_MAX ||
	    req->nquery > SIGV4_QUERY_MAX) {
		log_warnx("incomplete request to sign");
		return -1;
	}
	if (req->mode == SIGV4_QUERY &&
	    (req->expires < 1 || req->expires > SIGV4_EXPIRES_MAX)) {
		log_warnx("expires %ld out of 1..%d", req->expires,
		    SIGV4_EXPIRES_MAX);
		return -1;
	}
	if (sigv4_amz_date(req->date, res->amz_date) == -1) {
		log_warnx("date out of range");
		return -1;
	}
	memcpy(date8, res->amz_date, 8);
	date8[8] = '\0';
	n = snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", date8,
	    req->region, req->service);
	if (n < 0 || (size_t)n >= sizeof(scope)) {
		log_warnx("region or service too long");
		return -1;
	}

	/* Headers: ours, then those the signature itself brings. */
	h = arena_calloc(a, req->nheaders + 3, sizeof(*h));
	for (i = 0; i < req->nheaders; i++) {
		if (req->headers[i].name == NULL ||
		    req->headers[i].name[0] == '\0' ||
		    req->headers[i].value == NULL) {
			log_warnx("empty header");
			return -1;
		}
		h[nh].name = arena_strdup(a, req->headers[i].name);
		for (s = h[nh].name; *s != '\0'; s++) {
			if (!token_char((unsigned char)*s)) {
				log_warnx("bad header name");
				return -1;
			}
			if (*s >= 'A' && *s <= 'Z')
				*s = (char)(*s - 'A' + 'a');
		}
		if (strcmp(h[nh].name, "host") == 0)
			host = true;
		h[nh].value = canonical_value(a, req->headers[i].value);
		h[nh].order = nh;
		nh++;
	}
	if (!host) {
		log_warnx("no host header");
		return -1;
	}
	if (req->mode == SIGV4_HEADER) {
		res->add[res->nadd].name = "X-Amz-Date";
		res->add[res->nadd++].value = arena_strdup(a, res->amz_date);
		if (req->flags & SIGV4_CONTENT_SHA256) {
			res->add[res->nadd].name = "x-amz-content-sha256";
			res->add[res->nadd++].value = req->payload_hash;
		}
		if (req->session_token != NULL) {
			res->add[res->nadd].name = "X-Amz-Security-Token";
			res->add[res->nadd++].value = req->session_token;
		}
		for (i = 0; i < res->nadd; i++) {
			h[nh].name = arena_strdup(a, res->add[i].name);
			for (s = h[nh].name; *s != '\0'; s++)
				if (*s >= 'A' && *s <= 'Z')
					*s = (char)(*s - 'A' + 'a');
			h[nh].value = canonical_value(a, res->add[i].value);
			h[nh].order = nh;
			nh++;
		}
	}
	qsort(h, nh, sizeof(*h), hdr_cmp);
	buf_init(&b, SIGV4_TEXT_MAX);
	for (i = 0; i < nh; i++) {
		if (i > 0 && strcmp(h[i].name, h[i - 1].name) == 0)
			continue;
		if (i > 0)
			buf_putc(&b, ';');
		buf_puts(&b, h[i].name);
	}
	if ((res->signed_headers = buf_finish(a, &b)) == NULL)
		goto toolong;

	/* Query: the caller's parameters, then the presigning ones. */
	q = arena_calloc(a, req->nquery + 6, sizeof(*q));
	for (i = 0; i < req->nquery; i++) {
		if (req->query[i].name == NULL || req->query[i].value == NULL) {
			log_warnx("empty query parameter");
			return -1;
		}
		q[nq].name = encode_dup(a, req->query[i].name, false);
		q[nq].value = encode_dup(a, req->query[i].value, false);
		if (q[nq].name == NULL || q[nq].value == NULL)
			goto toolong;
		nq++;
	}
	if (req->mode == SIGV4_QUERY) {
		credential = arena_printf(a, "%s/%s", req->access_key, scope);
		snprintf(expires, sizeof(expires), "%ld", req->expires);
		q[nq].name = "X-Amz-Algorithm";
		q[nq++].value = SIGV4_ALGORITHM;
		q[nq].name = "X-Amz-Credential";
		q[nq++].value = encode_dup(a, credential, false);
		q[nq].name = "X-Amz-Date";
		q[nq++].value = res->amz_date;
		q[nq].name = "X-Amz-Expires";
		q[nq++].value = arena_strdup(a, expires);
		q[nq].name = "X-Amz-SignedHeaders";
		q[nq++].value = encode_dup(a, res->signed_headers, false);
		if (req->session_token != NULL) {
			q[nq].name = "X-Amz-Security-Token";
			q[nq++].value = encode_dup(a, req->session_token, false);
		}
		for (i = 0; i < nq; i++)
			if (q[i].value == NULL)
				goto toolong;
	}
	qsort(q, nq, sizeof(*q), qp_cmp);

	/* The canonical request. */
	res->canonical_uri = canonical_uri(a, req->path,
	    (req->flags & SIGV4_NORMALIZE) != 0);
	if (res->canonical_uri == NULL)
		goto toolong;
	buf_init(&b, SIGV4_TEXT_MAX);
	buf_printf(&b, "%s\n%s\n", req->method, res->canonical_uri);
	for (i = 0; i < nq; i++)
		buf_printf(&b, "%s%s=%s", i > 0 ? "&" : "", q[i].name,
		    q[i].value);
	buf_putc(&b, '\n');
	for (i = 0; i < nh; i = j) {
		buf_printf(&b, "%s:%s", h[i].name, h[i].value);
		for (j = i + 1; j < nh && strcmp(h[j].name, h[i].name) == 0;
		    j++)
			buf_printf(&b, ",%s", h[j].value);
		buf_putc(&b, '\n');
	}
	buf_printf(&b, "\n%s\n%s", res->signed_headers, req->payload_hash);
	if ((res->canonical_request = buf_finish(a, &b)) == NULL)
		goto toolong;

	/* String to sign and signature. */
	crypto_sha256(res->canonical_request, strlen(res->canonical_request),
	    digest);
	str_hex(hashhex, digest, sizeof(digest));
	res->string_to_sign = arena_printf(a, "%s\n%s\n%s\n%s",
	    SIGV4_ALGORITHM, res->amz_date, scope, hashhex);
	sigv4_signing_key(req->secret_key, date8, req->region, req->service,
	    key);
	crypto_hmac("SHA256", key, sizeof(key), res->string_to_sign,
	    strlen(res->string_to_sign), mac, &maclen);
	explicit_bzero(key, sizeof(key));
	str_hex(res->signature, mac, 32);

	if (req->mode == SIGV4_HEADER) {
		res->authorization = arena_printf(a, "%s Credential=%s/%s, "
		    "SignedHeaders=%s, Signature=%s", SIGV4_ALGORITHM,
		    req->access_key, scope, res->signed_headers,
		    res->signature);
		res->add[res->nadd].name = "Authorization";
		res->add[res->nadd++].value = res->authorization;
	} else {
		buf_init(&b, SIGV4_TEXT_MAX);
		for (i = 0; i < nq; i++)
			buf_printf(&b, "%s=%s&", q[i].name, q[i].value);
		buf_printf(&b, "X-Amz-Signature=%s", res->signature);
		if ((res->query = buf_finish(a, &b)) == NULL)
			goto toolong;
	}
	return 0;
toolong:
	log_warnx("request too large to sign");
	return -1;
}
