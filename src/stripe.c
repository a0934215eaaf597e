/*
 * stripe.c: the Stripe API client behind stripe.h: form bodies built with
 * form.c, one libcurl handle per process (keep-alive), one retry for a lost
 * connection or a 500/502/503, and Stripe's answers reduced to the fields
 * callers need plus an error that is safe to show to a buyer or staff.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json.h>
#include <openssl/crypto.h>

#include "arena.h"
#include "buf.h"
#include "conf.h"
#include "form.h"
#include "log.h"
#include "str.h"
#include "stripe.h"

#define STRIPE_RESP_MAX		(256 * 1024)	/* answers we read */
#define STRIPE_FORM_MAX		(64 * 1024)	/* request bodies we send */
#define STRIPE_JSON_DEPTH	32
#define STRIPE_ID_MAX		255
#define STRIPE_KEY_MAX		255	/* Stripe's Idempotency-Key limit */
#define STRIPE_SECRET_MAX	1024	/* sk_ and rk_ keys are ~110 */
#define STRIPE_URL_MAX		2048
#define STRIPE_WORD_MAX		64
#define STRIPE_REQID_MAX	128
#define STRIPE_USER_AGENT	"ColmenaCommerce/" PACKAGE_VERSION

enum stripe_method {
	STRIPE_GET,
	STRIPE_POST,
	STRIPE_METHOD__MAX
};

/* What a caller may be told; Stripe's own text only where it is safe. */
enum stripe_msg {
	STRIPE_MSG_UNREACHABLE,
	STRIPE_MSG_TIMEOUT,
	STRIPE_MSG_TROUBLE,
	STRIPE_MSG_UNREADABLE,
	STRIPE_MSG_CREDENTIALS,
	STRIPE_MSG_ACCESS,
	STRIPE_MSG_REFUSED,
	STRIPE_MSG_UNCONFIGURED,
	STRIPE_MSG__MAX
};

/* One API request and what came back, over at most two attempts. */
struct stripe_call {
	enum stripe_method	 method;
	const char		*path;		/* "/v1/refunds" */
	const char		*idempotency_key;	/* POST only */
	const char		*account;	/* Stripe-Account, or NULL */
	const char		*func;		/* the public call, for logs */
	struct buf		 form;		/* the POST body */
	struct buf		 resp;		/* the answer's body */
	long			 status;
	bool			 no_retry;	/* Stripe-Should-Retry: false */
	char			 request_id[STRIPE_REQID_MAX];
	char			 errbuf[CURL_ERROR_SIZE];
};

static const char *const stripe_methods[STRIPE_METHOD__MAX] = {
	"GET",		/* STRIPE_GET */
	"POST",		/* STRIPE_POST */
};

static const char *const stripe_msgs[STRIPE_MSG__MAX] = {
	"The payment provider could not be reached.",
					/* STRIPE_MSG_UNREACHABLE */
	"The payment provider did not answer in time.",
					/* STRIPE_MSG_TIMEOUT */
	"The payment provider is having trouble; try again shortly.",
					/* STRIPE_MSG_TROUBLE */
	"The payment provider sent an answer we could not read.",
					/* STRIPE_MSG_UNREADABLE */
	"The payment provider refused our credentials.",
					/* STRIPE_MSG_CREDENTIALS */
	"The payment provider refused access to the store's account.",
					/* STRIPE_MSG_ACCESS */
	"The payment provider refused the request.",
					/* STRIPE_MSG_REFUSED */
	"Payments are not configured.",	/* STRIPE_MSG_UNCONFIGURED */
};

/* Stripe error types whose message is written for the person paying. */
static const char *const stripe_shown_types[] = {
	"card_error",
	"invalid_request_error",
	"idempotency_error",
};

static CURL	*stripe_curl;		/* the process's one handle */

static struct stripe_error *stripe_err_begin(struct stripe_error *,
		    struct stripe_error *);
static enum err	 stripe_fail(struct stripe_error *, enum err, enum stripe_msg);
static enum err	 stripe_invalid(const char *, struct stripe_error *,
		    const char *, const char *);
static bool	 stripe_printable(const char *, size_t);
static bool	 stripe_id_ok(const char *);
static bool	 stripe_acct_ok(const char *);
static bool	 stripe_currency(const char *, char *);
static void	 stripe_token_copy(char *, size_t, const char *);
static void	 stripe_line_copy(char *, size_t, const char *, size_t);
static void	 stripe_call_init(struct stripe_call *, const char *,
		    enum stripe_method, const char *, const char *,
		    const char *);
static void	 stripe_call_clear(struct stripe_call *);
static size_t	 stripe_write_cb(char *, size_t, size_t, void *);
static size_t	 stripe_header_cb(char *, size_t, size_t, void *);
static struct curl_slist *stripe_headers(struct arena *,
		    const struct stripe_call *);
static CURLcode	 stripe_perform(struct stripe_call *, const char *,
		    struct curl_slist *);
static bool	 stripe_retryable(const struct stripe_call *, CURLcode);
static struct json_object *stripe_parse(struct arena *, const struct buf *);
static void	 stripe_json_put(void *);
static void	 stripe_error_read(struct arena *, struct stripe_call *,
		    struct stripe_error *);
static void	 stripe_log(const struct stripe_call *,
		    const struct stripe_error *, const char *);
static enum err	 stripe_run(struct arena *, struct stripe_call *,
		    struct stripe_error *, struct json_object **);
static enum err	 stripe_unreadable(const struct stripe_call *,
		    struct stripe_error *, const char *);
static struct json_object *stripe_member(struct json_object *, const char *);
static const char *stripe_member_str(struct json_object *, const char *);
static const char *stripe_get_id(struct arena *, struct json_object *,
		    const char *);
static const char *stripe_get_url(struct arena *, struct json_object *,
		    const char *);
static const char *stripe_get_word(struct arena *, struct json_object *,
		    const char *);
static const char *stripe_get_secret(struct arena *, struct json_object *,
		    const char *);
static bool	 stripe_get_i64(struct json_object *, const char *,
		    int64_t *);
static bool	 stripe_get_bool(struct json_object *, const char *, bool *);
static void	 stripe_form_num(struct buf *, int64_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static enum err	 stripe_account_read(struct arena *,
		    const struct stripe_call *, struct json_object *,
		    struct stripe_account *, struct stripe_error *);

/* Clear the caller's error, or a scratch one if the caller gave none. */
static struct stripe_error *
stripe_err_begin(struct stripe_error *err, struct stripe_error *scratch)
{
	if (err == NULL)
		err = scratch;
	memset(err, 0, sizeof(*err));
	return err;
}

/* Set err's message from the table and return e. */
static enum err
stripe_fail(struct stripe_error *err, enum err e, enum stripe_msg m)
{
	snprintf(err->message, sizeof(err->message), "%s", stripe_msgs[m]);
	return e;
}

/*
 * A request we will not send: the caller's input is wrong. Logged under
 * func; err names the Stripe parameter and says why. ERR_VALIDATION.
 */
static enum err
stripe_invalid(const char *func, struct stripe_error *err, const char *param,
    const char *msg)
{
	log_write(LOG_WARN, func, "not sent: %s: %s", param, msg);
	stripe_token_copy(err->param, sizeof(err->param), param);
	snprintf(err->message, sizeof(err->message), "%s", msg);
	return ERR_VALIDATION;
}

/* 1..n bytes, all printable ASCII without spaces: safe in a header. */
static bool
stripe_printable(const char *s, size_t max)
{
	size_t	 n;

	for (n = 0; s[n] != '\0'; n++)
		if ((unsigned char)s[n] <= 0x20 || (unsigned char)s[n] >= 0x7f)
			return false;
	return n > 0 && n <= max;
}

/*
 * A plausible Stripe id: a lower-case prefix, '_', then letters, digits
 * and underscores ("cs_test_a1B2", "pi_3Mk"), at most STRIPE_ID_MAX.
 */
static bool
stripe_id_ok(const char *s)
{
	size_t	 pre, n;

	for (pre = 0; s[pre] >= 'a' && s[pre] <= 'z'; pre++)
		continue;
	if (pre == 0 || s[pre] != '_' || s[pre + 1] == '\0')
		return false;
	n = strlen(s);
	return n <= STRIPE_ID_MAX && strspn(s + pre + 1,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
	    == n - pre - 1;
}

/* A connected account id: acct_ then letters and digits (URL-safe). */
static bool
stripe_acct_ok(const char *s)
{
	size_t	 n;

	if (s == NULL || strncmp(s, "acct_", 5) != 0)
		return false;
	n = strlen(s + 5);
	return n > 0 && n <= STRIPE_ID_MAX - 5 && strspn(s + 5,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
	    == n;
}

/* An ISO 4217 code in any case into out[4], lower-cased as Stripe wants. */
static bool
stripe_currency(const char *s, char *out)
{
	size_t	 i;

	if (s == NULL || strlen(s) != 3)
		return false;
	for (i = 0; i < 3; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			out[i] = (char)(s[i] - 'A' + 'a');
		else if (s[i] >= 'a' && s[i] <= 'z')
			out[i] = s[i];
		else
			return false;
	}
	out[3] = '\0';
	return true;
}

/* Copy a machine word (error type, code, param) if printable; else "". */
static void
stripe_token_copy(char *dst, size_t dstsz, const char *src)
{
	size_t	 n;

	dst[0] = '\0';
	if (src == NULL)
		return;
	for (n = 0; src[n] != '\0' && n + 1 < dstsz; n++) {
		if ((unsigned char)src[n] <= 0x20 ||
		    (unsigned char)src[n] >= 0x7f) {
			dst[0] = '\0';
			return;
		}
		dst[n] = src[n];
	}
	dst[n] = '\0';
}

/*
 * Copy len bytes of UTF-8 text as one line of printable text: control
 * characters (C0, DEL, C1, U+2028/9) become single spaces, invalid bytes
 * are dropped, and the text is cut at a character boundary to fit.
 */
static void
stripe_line_copy(char *dst, size_t dstsz, const char *src, size_t len)
{
	const unsigned char	*p = (const unsigned char *)src, *e = p + len;
	size_t			 o = 0, k;
	bool			 space = true;	/* drops leading spaces */

	while (p < e) {
		if (*p < 0x80)
			k = 1;
		else if (*p >= 0xc2 && *p <= 0xdf)
			k = 2;
		else if (*p >= 0xe0 && *p <= 0xef)
			k = 3;
		else if (*p >= 0xf0 && *p <= 0xf4)
			k = 4;
		else {
			p++;
			continue;
		}
		if ((size_t)(e - p) < k || !str_utf8_valid((const char *)p,
		    k)) {
			p++;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f || *p == ' ' ||
		    (k == 2 && p[0] == 0xc2 && p[1] < 0xa0) ||
		    (k == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
		    (p[2] == 0xa8 || p[2] == 0xa9))) {
			if (!space && o + 1 < dstsz)
				dst[o++] = ' ';
			space = true;
		} else {
			if (o + k >= dstsz)
				break;
			memcpy(dst + o, p, k);
			o += k;
			space = false;
		}
		p += k;
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}

/* A call with empty buffers; path, key and account must outlive it. */
static void
stripe_call_init(struct stripe_call *c, const char *func,
    enum stripe_method m, const char *path, const char *key,
    const char *account)
{
	memset(c, 0, sizeof(*c));
	c->func = func;
	c->method = m;
	c->path = path;
	c->idempotency_key = key;
	c->account = account;
	buf_init(&c->form, STRIPE_FORM_MAX);
	buf_init(&c->resp, STRIPE_RESP_MAX);
}

/* Release the call's buffers (its strings belong to the caller). */
static void
stripe_call_clear(struct stripe_call *c)
{
	buf_clear(&c->form);
	buf_clear(&c->resp);
}

/* The answer's body, up to STRIPE_RESP_MAX; past that the transfer stops. */
static size_t
stripe_write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct stripe_call	*c = arg;
	size_t			 n = size * nmemb;

	buf_add(&c->resp, p, n);
	return c->resp.err ? 0 : n;
}

/* Keep Request-Id (for the log) and Stripe-Should-Retry of the answer. */
static size_t
stripe_header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct stripe_call	*c = arg;
	size_t			 n = size * nmemb, vlen;
	const char		*v, *end;

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		c->request_id[0] = '\0';
		c->no_retry = false;
		return n;
	}
	if (n > 11 && strncasecmp(p, "Request-Id:", 11) == 0)
		v = p + 11;
	else if (n > 20 && strncasecmp(p, "Stripe-Should-Retry:", 20) == 0)
		v = p + 20;
	else
		return n;
	end = p + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
	    end[-1] == ' ' || end[-1] == '\t'))
		end--;
	vlen = (size_t)(end - v);
	if (p[0] == 'S' || p[0] == 's') {
		c->no_retry = vlen == 5 && strncasecmp(v, "false", 5) == 0;
		return n;
	}
	if (vlen >= sizeof(c->request_id))
		vlen = sizeof(c->request_id) - 1;
	memcpy(c->request_id, v, vlen);
	c->request_id[vlen] = '\0';
	if (!stripe_printable(c->request_id, sizeof(c->request_id)))
		c->request_id[0] = '\0';
	return n;
}

/*
 * The request headers. The configuration's values were checked by
 * stripe_run(); the caller frees the list with curl_slist_free_all().
 */
static struct curl_slist *
stripe_headers(struct arena *a, const struct stripe_call *c)
{
	struct curl_slist	*l = NULL;
	const char		*h[6];
	const char		*version;
	char			 auth[STRIPE_SECRET_MAX + 32];
	size_t			 n = 0, i;

	/* The key is copied once, into curl's list, and wiped here. */
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    conf_get(CONF_STRIPE_SECRET_KEY));
	h[n++] = auth;
	version = conf_get(CONF_STRIPE_API_VERSION);
	if (version[0] != '\0')
		h[n++] = arena_printf(a, "Stripe-Version: %s", version);
	if (c->account != NULL)
		h[n++] = arena_printf(a, "Stripe-Account: %s", c->account);
	if (c->method == STRIPE_POST) {
		h[n++] = "Content-Type: application/x-www-form-urlencoded";
		h[n++] = arena_printf(a, "Idempotency-Key: %s",
		    c->idempotency_key);
		h[n++] = "Expect:";	/* no 100-continue round trip */
	}
	for (i = 0; i < n; i++)
		if ((l = curl_slist_append(l, h[i])) == NULL)
			fatalx("curl_slist_append failed");
	OPENSSL_cleanse(auth, sizeof(auth));
	return l;
}

/* One attempt on the process's handle; fills c->resp, status, errbuf. */
static CURLcode
stripe_perform(struct stripe_call *c, const char *url,
    struct curl_slist *headers)
{
	CURLcode	 rc;
	double		 secs;

	if (stripe_curl == NULL && (stripe_curl = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	buf_reset(&c->resp);
	c->status = 0;
	c->no_retry = false;
	c->request_id[0] = '\0';
	c->errbuf[0] = '\0';

	/* Reset keeps the connection cache: keep-alive across calls. */
	curl_easy_reset(stripe_curl);
	curl_easy_setopt(stripe_curl, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(stripe_curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(stripe_curl, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(stripe_curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(stripe_curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(stripe_curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(stripe_curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(stripe_curl, CURLOPT_CONNECTTIMEOUT,
	    (long)conf_int(CONF_STRIPE_CONNECT_TIMEOUT));
	curl_easy_setopt(stripe_curl, CURLOPT_TIMEOUT,
	    (long)conf_int(CONF_STRIPE_TIMEOUT));
	curl_easy_setopt(stripe_curl, CURLOPT_USERAGENT, STRIPE_USER_AGENT);
	curl_easy_setopt(stripe_curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(stripe_curl, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(stripe_curl, CURLOPT_WRITEFUNCTION, stripe_write_cb);
	curl_easy_setopt(stripe_curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(stripe_curl, CURLOPT_HEADERFUNCTION,
	    stripe_header_cb);
	curl_easy_setopt(stripe_curl, CURLOPT_HEADERDATA, c);
	if (c->method == STRIPE_POST) {
		curl_easy_setopt(stripe_curl, CURLOPT_POST, 1L);
		curl_easy_setopt(stripe_curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)c->form.len);
		curl_easy_setopt(stripe_curl, CURLOPT_POSTFIELDS, c->form.data);
	} else
		curl_easy_setopt(stripe_curl, CURLOPT_HTTPGET, 1L);

	rc = curl_easy_perform(stripe_curl);
	curl_easy_getinfo(stripe_curl, CURLINFO_RESPONSE_CODE, &c->status);
	/* The time Stripe took, as we saw it (bench/checkout reads this). */
	if (curl_easy_getinfo(stripe_curl, CURLINFO_TOTAL_TIME, &secs) ==
	    CURLE_OK)
		log_debug("stripe %s -> %ld in %.3f ms", url, c->status,
		    secs * 1000.0);
	/* Nothing of this call may be reached through the handle later. */
	curl_easy_setopt(stripe_curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(stripe_curl, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(stripe_curl, CURLOPT_POSTFIELDS, NULL);
	return rc;
}

/*
 * Worth one more try with the same body and Idempotency-Key: the
 * connection failed before any answer came, or Stripe had a 500, 502 or
 * 503 (unless it said Stripe-Should-Retry: false). Never a timeout: the
 * first request may still be running.
 */
static bool
stripe_retryable(const struct stripe_call *c, CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return c->status == 0;
	case CURLE_OK:
		return (c->status == 500 || c->status == 502 ||
		    c->status == 503) && !c->no_retry;
	default:
		return false;
	}
}

static void
stripe_json_put(void *o)
{
	json_object_put(o);
}

/*
 * The answer's body as a JSON object, released with the arena; NULL if
 * it is not valid UTF-8 JSON holding an object.
 */
static struct json_object *
stripe_parse(struct arena *a, const struct buf *b)
{
	struct json_tokener	*tok;
	struct json_object	*root;
	enum json_tokener_error	 jerr;
	size_t			 parsed;

	if (b->err || b->len == 0 || b->len > INT32_MAX - 1 ||
	    !str_utf8_valid(b->data, b->len))
		return NULL;
	if ((tok = json_tokener_new_ex(STRIPE_JSON_DEPTH)) == NULL)
		fatalx("json_tokener_new_ex");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* buf keeps a NUL after the data: it tells json-c the input ends. */
	root = json_tokener_parse_ex(tok, b->data, (int)b->len + 1);
	jerr = json_tokener_get_error(tok);
	parsed = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (root != NULL)
		arena_defer(a, stripe_json_put, root);
	if (jerr != json_tokener_success || parsed < b->len ||
	    !json_object_is_type(root, json_type_object))
		return NULL;
	return root;
}

/* The member key of o; NULL if o is not an object, key absent or null. */
static struct json_object *
stripe_member(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* The string at key; NULL if absent or not a string. */
static const char *
stripe_member_str(struct json_object *o, const char *key)
{
	struct json_object	*v;

	v = stripe_member(o, key);
	return json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

/*
 * Stripe's error object from a 4xx or 5xx answer into err: type, code
 * and param when printable, and the message only where it was written
 * for the buyer and cannot carry our keys or account ids.
 */
static void
stripe_error_read(struct arena *a, struct stripe_call *c,
    struct stripe_error *err)
{
	struct json_object	*eo, *m;
	size_t			 i;
	bool			 shown = false;

	eo = stripe_member(stripe_parse(a, &c->resp), "error");
	stripe_token_copy(err->type, sizeof(err->type),
	    stripe_member_str(eo, "type"));
	stripe_token_copy(err->code, sizeof(err->code),
	    stripe_member_str(eo, "code"));
	stripe_token_copy(err->param, sizeof(err->param),
	    stripe_member_str(eo, "param"));
	m = stripe_member(eo, "message");
	for (i = 0; i < nitems(stripe_shown_types); i++)
		if (strcmp(err->type, stripe_shown_types[i]) == 0)
			shown = true;
	if (c->status == 401)
		stripe_fail(err, ERR_BAD_GATEWAY, STRIPE_MSG_CREDENTIALS);
	else if (c->status == 403)
		stripe_fail(err, ERR_BAD_GATEWAY, STRIPE_MSG_ACCESS);
	else if (c->status >= 500)
		stripe_fail(err, ERR_UNAVAILABLE, STRIPE_MSG_TROUBLE);
	else if (shown && json_object_is_type(m, json_type_string))
		stripe_line_copy(err->message, sizeof(err->message),
		    json_object_get_string(m),
		    (size_t)json_object_get_string_len(m));
	if (err->message[0] == '\0')
		stripe_fail(err, ERR_BAD_GATEWAY, STRIPE_MSG_REFUSED);
}

/* Log a failed call under its public function: never keys or bodies. */
static void
stripe_log(const struct stripe_call *c, const struct stripe_error *err,
    const char *why)
{
	log_write(LOG_WARN, c->func, "%s %s: %s: HTTP %ld type=%s code=%s "
	    "request_id=%s", stripe_methods[c->method], c->path, why,
	    c->status, err->type[0] != '\0' ? err->type : "-",
	    err->code[0] != '\0' ? err->code : "-",
	    c->request_id[0] != '\0' ? c->request_id : "-");
}

/* A 2xx we cannot use: logged, ERR_BAD_GATEWAY. */
static enum err
stripe_unreadable(const struct stripe_call *c, struct stripe_error *err,
    const char *why)
{
	err->status = c->status;
	stripe_log(c, err, why);
	return stripe_fail(err, ERR_BAD_GATEWAY, STRIPE_MSG_UNREADABLE);
}

/*
 * Send c (retrying once where stripe_retryable() says so) and map the
 * outcome: ERR_OK with *root the answer's JSON object (released with the
 * arena), or an error with err filled and the failure logged.
 */
static enum err
stripe_run(struct arena *a, struct stripe_call *c, struct stripe_error *err,
    struct json_object **root)
{
	struct curl_slist	*headers;
	const char		*base, *key, *version, *why;
	char			*url;
	size_t			 n;
	CURLcode		 rc;
	enum err		 e;

	*root = NULL;
	if (c->method == STRIPE_POST && (c->idempotency_key == NULL ||
	    !stripe_printable(c->idempotency_key, STRIPE_KEY_MAX)))
		fatalx("%s: POST %s without a usable Idempotency-Key",
		    c->func, c->path);
	key = conf_get(CONF_STRIPE_SECRET_KEY);
	version = conf_get(CONF_STRIPE_API_VERSION);
	base = conf_get(CONF_STRIPE_API_BASE);
	if (!stripe_configured() || !stripe_printable(key, STRIPE_SECRET_MAX) ||
	    (version[0] != '\0' && !stripe_printable(version, 64)) ||
	    !stripe_printable(base, STRIPE_URL_MAX)) {
		log_write(LOG_WARN, c->func, "%s %s: not sent: "
		    "stripe_secret_key, stripe_api_version or stripe_api_base "
		    "is empty or not printable", stripe_methods[c->method],
		    c->path);
		return stripe_fail(err, ERR_UNAVAILABLE,
		    STRIPE_MSG_UNCONFIGURED);
	}
	if (c->account != NULL && !stripe_acct_ok(c->account))
		return stripe_invalid(c->func, err, "Stripe-Account",
		    "The payment account id is not valid.");
	if (c->form.err)
		return stripe_invalid(c->func, err, "body",
		    "The payment request holds a value that cannot be sent.");

	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	url = arena_printf(a, "%.*s%s", (int)n, base, c->path);
	headers = stripe_headers(a, c);
	rc = stripe_perform(c, url, headers);
	if (stripe_retryable(c, rc)) {
		log_write(LOG_INFO, c->func, "%s %s: %s (HTTP %ld); "
		    "retrying once", stripe_methods[c->method], c->path,
		    rc != CURLE_OK ? curl_easy_strerror(rc) : "server error",
		    c->status);
		rc = stripe_perform(c, url, headers);
	}
	curl_slist_free_all(headers);

	if (rc == CURLE_OPERATION_TIMEDOUT) {
		err->timeout = true;
		e = stripe_fail(err, ERR_UNAVAILABLE, STRIPE_MSG_TIMEOUT);
		why = "timed out";
	} else if (rc == CURLE_WRITE_ERROR && c->resp.err) {
		err->status = c->status;
		e = stripe_fail(err, ERR_BAD_GATEWAY, STRIPE_MSG_UNREADABLE);
		why = "answer too large";
	} else if (rc != CURLE_OK) {
		e = stripe_fail(err, ERR_UNAVAILABLE, STRIPE_MSG_UNREACHABLE);
		why = c->errbuf[0] != '\0' ? c->errbuf :
		    curl_easy_strerror(rc);
	} else if (c->status >= 200 && c->status <= 299) {
		if ((*root = stripe_parse(a, &c->resp)) != NULL)
			return ERR_OK;
		return stripe_unreadable(c, err, "answer is not a JSON object");
	} else if (c->status >= 400 && c->status <= 599) {
		err->status = c->status;
		stripe_error_read(a, c, err);
		e = c->status >= 500 ? ERR_UNAVAILABLE : ERR_BAD_GATEWAY;
		why = c->status >= 500 ? "server error" : "refused";
	} else {
		err->status = c->status;
		e = stripe_fail(err, ERR_BAD_GATEWAY, STRIPE_MSG_UNREADABLE);
		why = "unexpected status";
	}
	stripe_log(c, err, why);
	return e;
}

/* A plausible Stripe id at key, copied into the arena; else NULL. */
static const char *
stripe_get_id(struct arena *a, struct json_object *o, const char *key)
{
	struct json_object	*v;

	v = stripe_member(o, key);
	if (!json_object_is_type(v, json_type_string) ||
	    !stripe_id_ok(json_object_get_string(v)))
		return NULL;
	return arena_strdup(a, json_object_get_string(v));
}

/* An http(s) URL without spaces or controls at key, in the arena. */
static const char *
stripe_get_url(struct arena *a, struct json_object *o, const char *key)
{
	struct json_object	*v;
	const char		*s;

	v = stripe_member(o, key);
	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	if ((strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) ||
	    !stripe_printable(s, STRIPE_URL_MAX))
		return NULL;
	return arena_strdup(a, s);
}

/* A status word ([a-z0-9_], 1..64) at key, in the arena. */
static const char *
stripe_get_word(struct arena *a, struct json_object *o, const char *key)
{
	struct json_object	*v;
	const char		*s;
	size_t			 n;

	v = stripe_member(o, key);
	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	n = strlen(s);
	if (n == 0 || n > STRIPE_WORD_MAX ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != n)
		return NULL;
	return arena_strdup(a, s);
}

/* An opaque token (a client_secret) at key: printable, no spaces. */
static const char *
stripe_get_secret(struct arena *a, struct json_object *o, const char *key)
{
	struct json_object	*v;

	v = stripe_member(o, key);
	if (!json_object_is_type(v, json_type_string) ||
	    !stripe_printable(json_object_get_string(v), STRIPE_ID_MAX))
		return NULL;
	return arena_strdup(a, json_object_get_string(v));
}

/* A JSON integer at key into *out. */
static bool
stripe_get_i64(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object	*v;

	v = stripe_member(o, key);
	if (!json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

/* A JSON boolean at key into *out. */
static bool
stripe_get_bool(struct json_object *o, const char *key, bool *out)
{
	struct json_object	*v;

	v = stripe_member(o, key);
	if (!json_object_is_type(v, json_type_boolean))
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

/* Append an integer under a printf-formatted key (line_items[0][...]). */
static void
stripe_form_num(struct buf *b, int64_t v, const char *fmt, ...)
{
	char	 key[FORM_KEY_MAX], num[24];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(key)) {
		b->err = true;
		return;
	}
	snprintf(num, sizeof(num), "%" PRId64, v);
	form_add(b, key, num);
}

/*
 * True when a Stripe secret key is configured; every other call answers
 * ERR_UNAVAILABLE without one.
 */
bool
stripe_configured(void)
{
	const char	*key;

	key = conf_get(CONF_STRIPE_SECRET_KEY);
	return key != NULL && key[0] != '\0';
}

/*
 * Close the process's connection to Stripe and free its handle (at exit;
 * the next call would open a new one).
 */
void
stripe_cleanup(void)
{
	if (stripe_curl != NULL)
		curl_easy_cleanup(stripe_curl);
	stripe_curl = NULL;
}

/*
 * Create a Checkout Session in payment mode for q's priced lines, on
 * q->account if set (Connect, with q->application_fee as the platform's
 * fee). Returns ERR_OK with out filled (strings in the arena), or
 * ERR_VALIDATION (bad currency or line count, not sent), ERR_BAD_GATEWAY
 * (Stripe refused or answered nonsense) or ERR_UNAVAILABLE (unreachable,
 * timed out, 5xx) with err filled. A POST without an idempotency key is a
 * programming error and fatal.
 */
enum err
stripe_checkout_create(struct arena *a, const struct stripe_checkout_req *q,
    struct stripe_checkout *out, struct stripe_error *err)
{
	struct stripe_error	 scratch;
	struct stripe_call	 c;
	struct json_object	*root, *pi;
	const struct stripe_line *l;
	char			 cur[4];
	size_t			 i;
	enum err		 e;

	memset(out, 0, sizeof(*out));
	err = stripe_err_begin(err, &scratch);
	if (!stripe_currency(q->currency, cur))
		return stripe_invalid(__func__, err, "currency",
		    "The currency is not a three-letter code.");
	if (q->nlines == 0 || q->nlines > STRIPE_LINES_MAX || q->lines == NULL)
		return stripe_invalid(__func__, err, "line_items",
		    "A checkout holds 1 to 20 line items.");

	stripe_call_init(&c, __func__, STRIPE_POST, "/v1/checkout/sessions",
	    q->idempotency_key, q->account);
	form_add(&c.form, "mode", "payment");
	for (i = 0; i < q->nlines; i++) {
		l = &q->lines[i];
		form_addf_key(&c.form, cur,
		    "line_items[%zu][price_data][currency]", i);
		stripe_form_num(&c.form, l->unit_amount,
		    "line_items[%zu][price_data][unit_amount]", i);
		if (l->name != NULL)
			form_addf_key(&c.form, l->name, "line_items[%zu]"
			    "[price_data][product_data][name]", i);
		if (l->product_id != NULL)
			form_addf_key(&c.form, l->product_id, "line_items[%zu]"
			    "[price_data][product_data][metadata][product_id]",
			    i);
		stripe_form_num(&c.form, l->quantity,
		    "line_items[%zu][quantity]", i);
	}
	if (q->customer_email != NULL && q->customer_email[0] != '\0')
		form_add(&c.form, "customer_email", q->customer_email);
	if (q->order_id != NULL) {
		form_add(&c.form, "client_reference_id", q->order_id);
		form_add(&c.form, "metadata[order_id]", q->order_id);
	}
	if (q->store_id != NULL)
		form_add(&c.form, "metadata[store_id]", q->store_id);
	if (q->order_id != NULL)
		form_add(&c.form, "payment_intent_data[metadata][order_id]",
		    q->order_id);
	if (q->store_id != NULL)
		form_add(&c.form, "payment_intent_data[metadata][store_id]",
		    q->store_id);
	if (q->success_url != NULL)
		form_add(&c.form, "success_url", q->success_url);
	if (q->cancel_url != NULL && q->cancel_url[0] != '\0')
		form_add(&c.form, "cancel_url", q->cancel_url);
	if (q->expires_at > 0)
		form_add_int(&c.form, "expires_at", q->expires_at);
	if (q->promotion_codes)
		form_add(&c.form, "allow_promotion_codes", "true");
	if (q->automatic_tax)
		form_add(&c.form, "automatic_tax[enabled]", "true");
	if (q->application_fee > 0)
		form_add_int(&c.form,
		    "payment_intent_data[application_fee_amount]",
		    q->application_fee);

	if ((e = stripe_run(a, &c, err, &root)) != ERR_OK)
		goto done;
	out->id = stripe_get_id(a, root, "id");
	out->url = stripe_get_url(a, root, "url");
	/* Unexpanded it is an id or null; expanded, an object with one. */
	pi = stripe_member(root, "payment_intent");
	out->payment_intent = json_object_is_type(pi, json_type_object) ?
	    stripe_get_id(a, pi, "id") : stripe_get_id(a, root,
	    "payment_intent");
	if (out->id == NULL || out->url == NULL ||
	    !stripe_get_i64(root, "expires_at", &out->expires_at)) {
		memset(out, 0, sizeof(*out));
		e = stripe_unreadable(&c, err, "no id, url or expires_at");
	}
done:
	stripe_call_clear(&c);
	return e;
}

/*
 * Create a PaymentIntent for q->amount (Stripe Elements collects the
 * card), automatic payment methods on, on q->account if set. Returns
 * ERR_OK with out filled (strings in the arena; client_secret goes to
 * the buyer's browser only), else as stripe_checkout_create().
 */
enum err
stripe_pi_create(struct arena *a, const struct stripe_pi_req *q,
    struct stripe_pi *out, struct stripe_error *err)
{
	struct stripe_error	 scratch;
	struct stripe_call	 c;
	struct json_object	*root;
	char			 cur[4];
	enum err		 e;

	memset(out, 0, sizeof(*out));
	err = stripe_err_begin(err, &scratch);
	if (!stripe_currency(q->currency, cur))
		return stripe_invalid(__func__, err, "currency",
		    "The currency is not a three-letter code.");

	stripe_call_init(&c, __func__, STRIPE_POST, "/v1/payment_intents",
	    q->idempotency_key, q->account);
	form_add_int(&c.form, "amount", q->amount);
	form_add(&c.form, "currency", cur);
	form_add(&c.form, "automatic_payment_methods[enabled]", "true");
	if (q->customer_email != NULL && q->customer_email[0] != '\0')
		form_add(&c.form, "receipt_email", q->customer_email);
	if (q->description != NULL && q->description[0] != '\0')
		form_add(&c.form, "description", q->description);
	if (q->order_id != NULL)
		form_add(&c.form, "metadata[order_id]", q->order_id);
	if (q->store_id != NULL)
		form_add(&c.form, "metadata[store_id]", q->store_id);
	if (q->application_fee > 0)
		form_add_int(&c.form, "application_fee_amount",
		    q->application_fee);

	if ((e = stripe_run(a, &c, err, &root)) != ERR_OK)
		goto done;
	out->id = stripe_get_id(a, root, "id");
	out->client_secret = stripe_get_secret(a, root, "client_secret");
	out->status = stripe_get_word(a, root, "status");
	if (out->id == NULL || out->client_secret == NULL ||
	    out->status == NULL) {
		memset(out, 0, sizeof(*out));
		e = stripe_unreadable(&c, err, "no id, client_secret or status");
	}
done:
	stripe_call_clear(&c);
	return e;
}

/*
 * Read PaymentIntent id (on account, NULL: the platform's): its status
 * and the order its metadata names (order_id, NULL unless a UUID): how
 * the webhook finds the order of an event that names only the payment
 * (a dispute) before the payment's own event has told us of it. Returns
 * ERR_OK with out filled (client_secret NULL; strings in the arena), else
 * as stripe_account_get().
 */
enum err
stripe_pi_get(struct arena *a, const char *account, const char *id,
    struct stripe_pi *out, struct stripe_error *err)
{
	struct stripe_error	 scratch;
	struct stripe_call	 c;
	struct json_object	*root, *md, *v;
	enum err		 e;

	memset(out, 0, sizeof(*out));
	err = stripe_err_begin(err, &scratch);
	if (id == NULL || strncmp(id, "pi_", 3) != 0 || !stripe_id_ok(id))
		return stripe_invalid(__func__, err, "payment_intent",
		    "The payment id is not valid.");
	if (account != NULL && !stripe_acct_ok(account))
		return stripe_invalid(__func__, err, "account",
		    "The payment account id is not valid.");
	stripe_call_init(&c, __func__, STRIPE_GET,
	    arena_printf(a, "/v1/payment_intents/%s", id), NULL, account);
	if ((e = stripe_run(a, &c, err, &root)) != ERR_OK)
		goto done;
	out->id = stripe_get_id(a, root, "id");
	out->status = stripe_get_word(a, root, "status");
	md = stripe_member(root, "metadata");
	if (json_object_is_type(md, json_type_object) &&
	    json_object_object_get_ex(md, "order_id", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    str_is_uuid(json_object_get_string(v)))
		out->order_id = arena_strdup(a, json_object_get_string(v));
	if (out->id == NULL || out->status == NULL) {
		memset(out, 0, sizeof(*out));
		e = stripe_unreadable(&c, err, "no id or status");
	}
done:
	stripe_call_clear(&c);
	return e;
}

/*
 * Refund q->amount (0: all that is left) of q->payment_intent, on
 * q->account if set. Returns ERR_OK with out filled (strings in the
 * arena; status "pending" is not yet a refund), else as
 * stripe_checkout_create().
 */
enum err
stripe_refund_create(struct arena *a, const struct stripe_refund_req *q,
    struct stripe_refund *out, struct stripe_error *err)
{
	struct stripe_error	 scratch;
	struct stripe_call	 c;
	struct json_object	*root;
	enum err		 e;

	memset(out, 0, sizeof(*out));
	err = stripe_err_begin(err, &scratch);
	if (q->payment_intent == NULL || !stripe_id_ok(q->payment_intent))
		return stripe_invalid(__func__, err, "payment_intent",
		    "The payment id is not valid.");

	stripe_call_init(&c, __func__, STRIPE_POST, "/v1/refunds",
	    q->idempotency_key, q->account);
	form_add(&c.form, "payment_intent", q->payment_intent);
	if (q->amount > 0)
		form_add_int(&c.form, "amount", q->amount);
	if (q->reason != NULL && q->reason[0] != '\0')
		form_add(&c.form, "reason", q->reason);
	if (q->order_id != NULL)
		form_add(&c.form, "metadata[order_id]", q->order_id);
	if (q->refund_id != NULL)
		form_add(&c.form, "metadata[refund_id]", q->refund_id);

	if ((e = stripe_run(a, &c, err, &root)) != ERR_OK)
		goto done;
	out->id = stripe_get_id(a, root, "id");
	out->status = stripe_get_word(a, root, "status");
	if (out->id == NULL || out->status == NULL ||
	    !stripe_get_i64(root, "amount", &out->amount)) {
		memset(out, 0, sizeof(*out));
		e = stripe_unreadable(&c, err, "no id, status or amount");
	}
done:
	stripe_call_clear(&c);
	return e;
}

/* An account object into out (strings in the arena). */
static enum err
stripe_account_read(struct arena *a, const struct stripe_call *c,
    struct json_object *root, struct stripe_account *out,
    struct stripe_error *err)
{
	out->id = stripe_get_id(a, root, "id");
	if (out->id == NULL || !stripe_acct_ok(out->id) ||
	    !stripe_get_bool(root, "charges_enabled", &out->charges_enabled) ||
	    !stripe_get_bool(root, "details_submitted",
	    &out->details_submitted)) {
		memset(out, 0, sizeof(*out));
		return stripe_unreadable(c, err,
		    "no id, charges_enabled or details_submitted");
	}
	return ERR_OK;
}

/*
 * Create an Express connected account for store_id (email may be NULL),
 * asking for card payments and transfers; key is the Idempotency-Key.
 * Returns ERR_OK with out filled (id in the arena), else as
 * stripe_checkout_create().
 */
enum err
stripe_account_create(struct arena *a, const char *key, const char *email,
    const char *store_id, struct stripe_account *out,
    struct stripe_error *err)
{
	struct stripe_error	 scratch;
	struct stripe_call	 c;
	struct json_object	*root;
	enum err		 e;

	memset(out, 0, sizeof(*out));
	err = stripe_err_begin(err, &scratch);
	stripe_call_init(&c, __func__, STRIPE_POST, "/v1/accounts", key,
	    NULL);
	form_add(&c.form, "type", "express");
	if (email != NULL && email[0] != '\0')
		form_add(&c.form, "email", email);
	if (store_id != NULL)
		form_add(&c.form, "metadata[store_id]", store_id);
	form_add(&c.form, "capabilities[card_payments][requested]", "true");
	form_add(&c.form, "capabilities[transfers][requested]", "true");

	if ((e = stripe_run(a, &c, err, &root)) == ERR_OK)
		e = stripe_account_read(a, &c, root, out, err);
	stripe_call_clear(&c);
	return e;
}

/*
 * Fetch connected account (acct_...): can it take payments, has its
 * owner finished onboarding. Returns ERR_OK with out filled (id in the
 * arena), ERR_VALIDATION if account is not an account id (not sent),
 * else as stripe_checkout_create(); a 404 is ERR_BAD_GATEWAY with
 * err->status 404.
 */
enum err
stripe_account_get(struct arena *a, const char *account,
    struct stripe_account *out, struct stripe_error *err)
{
	struct stripe_error	 scratch;
	struct stripe_call	 c;
	struct json_object	*root;
	enum err		 e;

	memset(out, 0, sizeof(*out));
	err = stripe_err_begin(err, &scratch);
	if (!stripe_acct_ok(account))
		return stripe_invalid(__func__, err, "account",
		    "The payment account id is not valid.");
	stripe_call_init(&c, __func__, STRIPE_GET,
	    arena_printf(a, "/v1/accounts/%s", account), NULL, NULL);
	if ((e = stripe_run(a, &c, err, &root)) == ERR_OK)
		e = stripe_account_read(a, &c, root, out, err);
	stripe_call_clear(&c);
	return e;
}

/*
 * Create an onboarding link for account: Stripe sends its owner back to
 * return_url when done, to refresh_url if the link expired; key is the
 * Idempotency-Key. Returns ERR_OK with out filled (url in the arena,
 * single use, short-lived), else as stripe_account_get().
 */
enum err
stripe_link_create(struct arena *a, const char *key, const char *account,
    const char *refresh_url, const char *return_url, struct stripe_link *out,
    struct stripe_error *err)
{
	struct stripe_error	 scratch;
	struct stripe_call	 c;
	struct json_object	*root;
	enum err		 e;

	memset(out, 0, sizeof(*out));
	err = stripe_err_begin(err, &scratch);
	if (!stripe_acct_ok(account))
		return stripe_invalid(__func__, err, "account",
		    "The payment account id is not valid.");
	stripe_call_init(&c, __func__, STRIPE_POST, "/v1/account_links", key,
	    NULL);
	form_add(&c.form, "account", account);
	if (refresh_url != NULL)
		form_add(&c.form, "refresh_url", refresh_url);
	if (return_url != NULL)
		form_add(&c.form, "return_url", return_url);
	form_add(&c.form, "type", "account_onboarding");

	if ((e = stripe_run(a, &c, err, &root)) != ERR_OK)
		goto done;
	out->url = stripe_get_url(a, root, "url");
	if (out->url == NULL ||
	    !stripe_get_i64(root, "expires_at", &out->expires_at)) {
		memset(out, 0, sizeof(*out));
		e = stripe_unreadable(&c, err, "no url or expires_at");
	}
done:
	stripe_call_clear(&c);
	return e;
}
