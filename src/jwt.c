/*
 * jwt.c: HS256 tokens. Verification is ordered so that nothing is computed
 * for a token we would not accept anyway: size and syntax, then the header
 * (alg decided before any HMAC), then the signature under each key, and
 * only then is the payload parsed. json-c objects never outlive a call.
 */
#include "config.h"

#include <string.h>

#include <json.h>
#include <openssl/crypto.h>

#include "arena.h"
#include "buf.h"
#include "crypto.h"
#include "jw.h"
#include "jwt.h"
#include "log.h"
#include "str.h"

#define JWT_JSON_DEPTH	8
#define JWT_TIME_MAX	INT64_C(253402300799)	/* 9999-12-31T23:59:59Z */
#define JWT_SIG_LEN	32

/* base64url of {"alg":"HS256","typ":"JWT"}, the only header we write. */
#define JWT_HEADER	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

static struct json_object	*jwt_json(const unsigned char *, size_t);
static enum jwt_status		 jwt_header(const unsigned char *, size_t);
static int			 jwt_string(struct arena *, struct json_object *,
				    const char *, const char **);
static int			 jwt_time(struct json_object *, const char *,
				    int64_t *);
static int			 jwt_claims(struct arena *, const unsigned char *,
				    size_t, struct jwt_claims *);
static unsigned char		*jwt_decode(struct arena *, const char *, size_t,
				    size_t *);

static const char *const jwt_messages[JWT__MAX] = {
	"The token is valid.",				/* JWT_OK */
	"The token is malformed.",			/* JWT_MALFORMED */
	"The token's signing algorithm is not accepted.", /* JWT_BAD_ALG */
	"The token's signature is not valid.",		/* JWT_BAD_SIGNATURE */
	"The token has expired.",			/* JWT_EXPIRED */
	"The token is not valid yet.",			/* JWT_NOT_YET_VALID */
	"The token's claims are not valid.",		/* JWT_BAD_CLAIMS */
};

/*
 * Sign claims with key as a compact HS256 JWT: header
 * {"alg":"HS256","typ":"JWT"}, payload sub, storeId, role, permissions,
 * iat, exp. Every string claim must be set and nperms at most
 * JWT_PERMS_MAX (else fatal: a programming error). Returns the token, in
 * the arena, or NULL if it would be longer than JWT_MAX bytes.
 */
char *
jwt_sign(struct arena *a, const struct jwt_key *key,
    const struct jwt_claims *c)
{
	struct buf	 b;
	struct jw	 w;
	unsigned char	 mac[CRYPTO_HMAC_MAX];
	char		*tok;
	size_t		 i, hlen, plen, maclen, sz;

	if (key == NULL || key->len == 0)
		fatalx("empty signing key");
	if (c->sub == NULL || c->store_id == NULL || c->role == NULL ||
	    c->nperms > JWT_PERMS_MAX || (c->nperms > 0 && c->perms == NULL))
		fatalx("incomplete claims");

	buf_init(&b, JWT_MAX);
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	jw_str(&w, "sub", c->sub);
	jw_str(&w, "storeId", c->store_id);
	jw_str(&w, "role", c->role);
	jw_arr_open(&w, "permissions");
	for (i = 0; i < c->nperms; i++) {
		if (c->perms[i] == NULL)
			fatalx("NULL permission");
		jw_str(&w, NULL, c->perms[i]);
	}
	jw_arr_close(&w);
	jw_int(&w, "iat", c->iat);
	jw_int(&w, "exp", c->exp);
	jw_obj_close(&w);
	/* header "." payload "." signature NUL, rounded up a little */
	hlen = strlen(JWT_HEADER);
	sz = hlen + 1 + CRYPTO_B64URL_SIZE(b.len) +
	    CRYPTO_B64URL_SIZE(JWT_SIG_LEN);
	if (b.err || sz > JWT_MAX) {
		log_warnx("claims too long for a token");
		buf_clear(&b);
		return NULL;
	}
	tok = arena_alloc(a, sz);
	memcpy(tok, JWT_HEADER, hlen);
	tok[hlen] = '.';
	plen = crypto_b64url_encode(tok + hlen + 1, sz - hlen - 1, b.data,
	    b.len);
	buf_clear(&b);
	crypto_hmac("SHA256", key->key, key->len, tok, hlen + 1 + plen, mac,
	    &maclen);
	tok[hlen + 1 + plen] = '.';
	crypto_b64url_encode(tok + hlen + plen + 2, sz - hlen - plen - 2, mac,
	    maclen);
	OPENSSL_cleanse(mac, sizeof(mac));
	return tok;
}

/*
 * Decode the base64url part s[0..n) into a NUL-terminated buffer in the
 * arena (the NUL lets json-c see the end). Returns NULL if s is not strict
 * base64url.
 */
static unsigned char *
jwt_decode(struct arena *a, const char *s, size_t n, size_t *len)
{
	unsigned char	*out;

	out = arena_alloc(a, n + 1);
	if (crypto_b64url_decode(out, n, s, n, len) == -1)
		return NULL;
	out[*len] = '\0';
	return out;
}

/*
 * Parse p[0..len) (NUL at p[len]) as one complete JSON object in valid
 * UTF-8. Returns a new reference the caller puts, or NULL.
 */
static struct json_object *
jwt_json(const unsigned char *p, size_t len)
{
	struct json_tokener	*tok;
	struct json_object	*o;
	enum json_tokener_error	 jerr;
	size_t			 end;

	if (len == 0 || len > INT32_MAX - 1 ||
	    !str_utf8_valid((const char *)p, len))
		return NULL;
	if ((tok = json_tokener_new_ex(JWT_JSON_DEPTH)) == NULL)
		fatalx("json_tokener_new_ex");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, (const char *)p, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr != json_tokener_success || end < len || o == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/*
 * Check the decoded header: a JSON object whose "alg" is exactly "HS256"
 * (JWT_BAD_ALG otherwise, missing included), "typ" absent or "JWT", and no
 * "crit" (we understand no extension), else JWT_MALFORMED.
 */
static enum jwt_status
jwt_header(const unsigned char *p, size_t len)
{
	struct json_object	*h, *v;
	enum jwt_status		 st = JWT_OK;

	if ((h = jwt_json(p, len)) == NULL)
		return JWT_MALFORMED;
	if (!json_object_object_get_ex(h, "alg", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) != 5 ||
	    memcmp(json_object_get_string(v), "HS256", 5) != 0)
		st = JWT_BAD_ALG;
	else if (json_object_object_get_ex(h, "typ", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) != 3 ||
	    memcmp(json_object_get_string(v), "JWT", 3) != 0))
		st = JWT_MALFORMED;
	else if (json_object_object_get_ex(h, "crit", NULL))
		st = JWT_MALFORMED;
	json_object_put(h);
	return st;
}

/*
 * Copy the non-empty string member key of o into the arena. Returns 0, or
 * -1 if it is missing, not a string, empty or holds a NUL.
 */
static int
jwt_string(struct arena *a, struct json_object *o, const char *key,
    const char **out)
{
	struct json_object	*v;
	const char		*s;
	size_t			 n;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n == 0 || strlen(s) != n)
		return -1;
	*out = arena_strndup(a, s, n);
	return 0;
}

/*
 * Read the member key of o, which must be a JSON integer (not a float or
 * a string) between 0 and the year 9999. Returns 0, or -1.
 */
static int
jwt_time(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object	*v;
	int64_t			 t;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	t = json_object_get_int64(v);
	if (t < 0 || t > JWT_TIME_MAX)
		return -1;
	*out = t;
	return 0;
}

/*
 * Parse the decoded payload into c, strings copied into the arena.
 * Returns 0, or -1 if a claim is missing or of the wrong type.
 */
static int
jwt_claims(struct arena *a, const unsigned char *p, size_t len,
    struct jwt_claims *c)
{
	struct json_object	*root, *arr, *v;
	const char		**perms;
	const char		*s;
	size_t			 i, n;
	int			 rc = -1;

	if ((root = jwt_json(p, len)) == NULL)
		return -1;
	if (jwt_string(a, root, "sub", &c->sub) == -1 ||
	    jwt_string(a, root, "storeId", &c->store_id) == -1 ||
	    jwt_string(a, root, "role", &c->role) == -1 ||
	    jwt_time(root, "iat", &c->iat) == -1 ||
	    jwt_time(root, "exp", &c->exp) == -1)
		goto fail;
	if (!json_object_object_get_ex(root, "permissions", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		goto fail;
	n = json_object_array_length(arr);
	if (n > JWT_PERMS_MAX)
		goto fail;
	perms = arena_calloc(a, n + 1, sizeof(*perms));
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string))
			goto fail;
		s = json_object_get_string(v);
		if (strlen(s) != (size_t)json_object_get_string_len(v))
			goto fail;
		perms[i] = arena_strdup(a, s);
	}
	c->perms = perms;
	c->nperms = n;
	rc = 0;
fail:
	json_object_put(root);
	return rc;
}

/*
 * Verify token at time now against keys[0..nkeys) (the current key first,
 * then the previous one while keys rotate) and read its claims into *out,
 * strings in the arena. Returns JWT_OK; JWT_MALFORMED (not three strict
 * base64url parts, over JWT_MAX bytes, a header that is no JSON object,
 * "typ" other than "JWT", a "crit" member); JWT_BAD_ALG ("alg" not exactly
 * "HS256"); JWT_BAD_SIGNATURE; JWT_BAD_CLAIMS (a claim missing or of the
 * wrong type); JWT_EXPIRED (exp <= now); or JWT_NOT_YET_VALID (iat more
 * than JWT_LEEWAY seconds ahead). *out is zeroed unless JWT_OK.
 */
enum jwt_status
jwt_verify(struct arena *a, const char *token, const struct jwt_key *keys,
    size_t nkeys, time_t now, struct jwt_claims *out)
{
	const char	*d1, *d2;
	unsigned char	*hdr, *pay, *sig, mac[CRYPTO_HMAC_MAX];
	size_t		 n, hlen, plen, slen, hdrlen, paylen, siglen, maclen;
	size_t		 i;
	enum jwt_status	 st;
	bool		 ok = false;

	memset(out, 0, sizeof(*out));
	if (token == NULL || (n = strnlen(token, JWT_MAX + 1)) > JWT_MAX)
		return JWT_MALFORMED;
	if ((d1 = memchr(token, '.', n)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - token))) == NULL ||
	    memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - token)) != NULL)
		return JWT_MALFORMED;
	hlen = (size_t)(d1 - token);
	plen = (size_t)(d2 - d1 - 1);
	slen = n - (size_t)(d2 + 1 - token);
	if (hlen == 0 || plen == 0)
		return JWT_MALFORMED;
	if ((hdr = jwt_decode(a, token, hlen, &hdrlen)) == NULL ||
	    (pay = jwt_decode(a, d1 + 1, plen, &paylen)) == NULL ||
	    (sig = jwt_decode(a, d2 + 1, slen, &siglen)) == NULL)
		return JWT_MALFORMED;

	if ((st = jwt_header(hdr, hdrlen)) != JWT_OK)
		return st;

	if (siglen != JWT_SIG_LEN)
		return JWT_BAD_SIGNATURE;
	for (i = 0; i < nkeys; i++) {
		if (keys[i].len == 0)
			continue;
		crypto_hmac("SHA256", keys[i].key, keys[i].len, token,
		    (size_t)(d2 - token), mac, &maclen);
		if (maclen == JWT_SIG_LEN &&
		    crypto_equal(mac, sig, JWT_SIG_LEN))
			ok = true;
	}
	OPENSSL_cleanse(mac, sizeof(mac));
	if (!ok)
		return JWT_BAD_SIGNATURE;

	if (jwt_claims(a, pay, paylen, out) == -1)
		st = JWT_BAD_CLAIMS;
	else if (out->exp <= (int64_t)now)
		st = JWT_EXPIRED;
	else if (out->iat > (int64_t)now + JWT_LEEWAY)
		st = JWT_NOT_YET_VALID;
	if (st != JWT_OK)
		memset(out, 0, sizeof(*out));
	return st;
}

/*
 * A short English sentence for an API error message. Never NULL; holds
 * nothing from the token.
 */
const char *
jwt_status_message(enum jwt_status st)
{
	if ((unsigned int)st >= JWT__MAX)
		return "The token is not valid.";
	return jwt_messages[st];
}
