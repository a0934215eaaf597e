/*
 * auth.c: staff credentials and sign-in.
 *
 * A request carries at most one credential: "Authorization: Bearer" with a
 * JWT (HS256, signed with jwt_secret) or an API key ("ck_" + store + "_" +
 * secret), or the admin session cookie. auth_peek() checks what it can
 * without the database (the JWT's signature and claims, the key's shape)
 * and names the client for rate limiting; auth_resolve() then asks the
 * database whether the credential is still good (the person is still
 * staff, the key not revoked, the session not ended) and fills in the
 * role and permissions that decide what it may do.
 *
 * Sign-in answers an unknown email and a wrong password alike and in the
 * same time (an unknown email is checked against a dummy scrypt hash), and
 * counts failures per email address in the database, known or not, so
 * every process on every node locks the same address.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "jwt.h"
#include "log.h"
#include "outbox.h"
#include "password.h"
#include "perm.h"
#include "req.h"
#include "str.h"
#include "totp.h"

#define KEY_SECRET_LEN	43	/* base64url of 32 bytes */
#define EMAIL_CODE_TTL	"10 minutes"
#define JWT_SECRET_MIN	32

/*
 * The lockout key of an email address: SHA-256 of the address lowered by
 * PostgreSQL itself, exactly as the account lookup lowers it (lower() folds
 * more than ASCII: a KELVIN SIGN finds the same account as a "k", so it
 * must find the same lockout row).
 */
#define EMAIL_KEY(p)	"sha256(convert_to(lower(" p "::text), 'UTF8'))"

enum stmt {
	STMT_SCOPE_STORE,
	STMT_SCOPE_USER,
	STMT_JWT_STAFF,
	STMT_KEY,
	STMT_SESSION,
	STMT_STORE,
	STMT_SIGNIN_LOOKUP,
	STMT_SIGNIN_FAILED,
	STMT_SIGNIN_OK,
	STMT_MEMBERSHIPS,
	STMT_TOTP_STEP,
	STMT_BACKUP_USE,
	STMT_EMAIL_CODE_SET,
	STMT_EMAIL_CODE_USE,
	STMT_SESSION_LOCK,
	STMT_SESSION_TRIM,
	STMT_SESSION_NEW,
	STMT_SESSION_END,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* STMT_SCOPE_STORE */
	"SELECT set_config('app.store_id', $1::uuid::text, true)",
	/* STMT_SCOPE_USER */
	"SELECT set_config('app.user_id', $1::uuid::text, true)",
	/* STMT_JWT_STAFF: is the token's person still staff here? */
	"SELECT su.role, u.email, u.name,"
	" floor(extract(epoch FROM u.password_changed_at))::bigint,"
	" s.slug, s.name, s.currency, c.exponent"
	" FROM store_users su JOIN users u ON u.id = su.user_id"
	" JOIN stores s ON s.id = su.store_id"
	" JOIN currencies c ON c.code = s.currency"
	" WHERE su.user_id = $1::uuid AND su.store_id = current_store_id()",
	/* STMT_KEY: a live key, its use noted at most once a minute */
	"WITH k AS (SELECT id, name, permissions FROM api_keys"
	"  WHERE key_hash = decode($1, 'hex') AND revoked_at IS NULL),"
	" t AS (UPDATE api_keys SET last_used_at = now() FROM k"
	"  WHERE api_keys.id = k.id AND (api_keys.last_used_at IS NULL"
	"  OR api_keys.last_used_at < now() - interval '1 minute'))"
	" SELECT k.id, k.name, array_to_string(k.permissions, ' '),"
	" s.slug, s.name, s.currency, c.exponent"
	" FROM k, stores s JOIN currencies c ON c.code = s.currency"
	" WHERE s.id = current_store_id()",
	/* STMT_SESSION */
	"SELECT session_id, user_id, store_id, csrf_token, role, email, name"
	" FROM session_touch(decode($1, 'hex'), $2::integer)",
	/* STMT_STORE: the current store (after STMT_SESSION set it) */
	"SELECT s.slug, s.name, s.currency, c.exponent"
	" FROM stores s JOIN currencies c ON c.code = s.currency"
	" WHERE s.id = current_store_id()",
	/* STMT_SIGNIN_LOOKUP: always one row, known email or not */
	"SELECT u.id, u.email, u.name, u.password_hash, u.mfa_method,"
	" u.totp_secret, u.totp_last_step,"
	" ceil(extract(epoch FROM t.locked_until - now()))::bigint"
	" FROM (SELECT $1::text AS e) q"
	" LEFT JOIN users u ON lower(u.email) = lower(q.e)"
	" LEFT JOIN login_throttle t ON t.email_hash = " EMAIL_KEY("$1")
	"  AND t.locked_until > now()",
	/* STMT_SIGNIN_FAILED: $2 failures in $3 minutes lock for $3 minutes */
	"INSERT INTO login_throttle AS t (email_hash, failures, locked_until)"
	" VALUES (" EMAIL_KEY("$1") ", 1, CASE WHEN $2::integer <= 1"
	"  THEN now() + make_interval(mins => $3::integer) END)"
	" ON CONFLICT (email_hash) DO UPDATE SET"
	" failures = CASE WHEN t.locked_until IS NOT NULL OR t.updated_at <"
	"  now() - make_interval(mins => $3::integer) THEN 1"
	"  ELSE t.failures + 1 END,"
	" locked_until = CASE WHEN t.locked_until IS NULL AND t.updated_at >="
	"  now() - make_interval(mins => $3::integer)"
	"  AND t.failures + 1 >= $2::integer"
	"  THEN now() + make_interval(mins => $3::integer) END,"
	" updated_at = now()",
	/* STMT_SIGNIN_OK */
	"DELETE FROM login_throttle WHERE email_hash = " EMAIL_KEY("$1"),
	/* STMT_MEMBERSHIPS (after STMT_SCOPE_USER) */
	"SELECT su.store_id, s.slug, s.name, su.role"
	" FROM store_users su JOIN stores s ON s.id = su.store_id"
	" WHERE su.user_id = $1::uuid ORDER BY s.name, s.id",
	/* STMT_TOTP_STEP: a step is accepted once */
	"UPDATE users SET totp_last_step = $2::bigint WHERE id = $1::uuid"
	" AND coalesce(totp_last_step, -1) < $2::bigint RETURNING 1",
	/* STMT_BACKUP_USE */
	"UPDATE mfa_backup_codes SET used_at = now() WHERE user_id = $1::uuid"
	" AND code_hash = decode($2, 'hex') AND used_at IS NULL RETURNING 1",
	/* STMT_EMAIL_CODE_SET */
	"UPDATE users SET email_code_hash = decode($2, 'hex'),"
	" email_code_expires_at = now() + interval '" EMAIL_CODE_TTL "'"
	" WHERE id = $1::uuid",
	/* STMT_EMAIL_CODE_USE */
	"UPDATE users SET email_code_hash = NULL, email_code_expires_at = NULL"
	" WHERE id = $1::uuid AND email_code_hash = decode($2, 'hex')"
	" AND email_code_expires_at > now() RETURNING 1",
	/* STMT_SESSION_LOCK: one sign-in of a person at a time */
	"SELECT 1 FROM users WHERE id = $1::uuid FOR UPDATE",
	/* STMT_SESSION_TRIM: room for one more: the oldest beyond max end */
	"DELETE FROM sessions WHERE user_id = $1::uuid AND (expires_at <= now()"
	" OR id IN (SELECT id FROM sessions WHERE user_id = $1::uuid"
	"  AND expires_at > now() ORDER BY created_at DESC, id"
	"  OFFSET $2::integer - 1))",
	/* STMT_SESSION_NEW */
	"INSERT INTO sessions (user_id, store_id, token_hash, csrf_token, ip,"
	" user_agent, expires_at) VALUES ($1::uuid, $2::uuid, decode($3, 'hex'),"
	" $4, $5, left($6, 512), now() + make_interval(secs => $7::integer))"
	" RETURNING id, to_char(expires_at AT TIME ZONE 'UTC',"
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
	/* STMT_SESSION_END */
	"DELETE FROM sessions WHERE id = $1::uuid",
};

static struct dbq
q(enum stmt s, int n, const char *const *p)
{
	return (struct dbq){ stmts[s], n, p };
}

/*
 * The hex SHA-256 of s, the form tokens and keys are stored in.
 */
void
auth_hash(struct arena *a, const char *s, const char **hex)
{
	*hex = crypto_sha256_hex(a, s, strlen(s));
}

static void
set_perms(struct principal *p)
{
	p->perms = role_perms((enum role)p->role, &p->nperms);
}

static int
jwt_keys(struct jwt_key keys[2])
{
	const char	*cur = conf_get(CONF_JWT_SECRET);
	const char	*prev = conf_get(CONF_JWT_SECRET_PREVIOUS);
	int		 n = 0;

	if (strlen(cur) >= JWT_SECRET_MIN)
		keys[n++] = (struct jwt_key){ (const unsigned char *)cur,
		    strlen(cur) };
	if (n == 1 && strlen(prev) >= JWT_SECRET_MIN)
		keys[n++] = (struct jwt_key){ (const unsigned char *)prev,
		    strlen(prev) };
	return n;
}

bool
auth_jwt_configured(void)
{
	struct jwt_key	 keys[2];

	return jwt_keys(keys) > 0;
}

/*
 * A JWT for user in store with role's permissions, valid jwt_ttl seconds.
 */
char *
auth_jwt(struct arena *a, const char *user, const char *store, int role,
    int64_t *exp)
{
	struct jwt_key		 keys[2];
	struct jwt_claims	 c;
	const char *const	*perms;
	size_t			 n;

	if (jwt_keys(keys) == 0)
		return NULL;
	perms = role_perms((enum role)role, &n);
	memset(&c, 0, sizeof(c));
	c.sub = user;
	c.store_id = store;
	c.role = role_names[role];
	c.perms = (const char **)perms;
	c.nperms = n;
	c.iat = (int64_t)time(NULL);
	c.exp = c.iat + conf_int(CONF_JWT_TTL);
	*exp = c.exp;
	return jwt_sign(a, &keys[0], &c);
}

/*
 * "ck_" + 32 hex digits of the store id + "_" + 43 base64url characters.
 * Returns the store id as a UUID, or NULL if the key is malformed.
 */
static const char *
key_store(struct arena *a, const char *k)
{
	size_t	 i, n = strlen(k);

	if (n != 3 + 32 + 1 + KEY_SECRET_LEN ||
	    strncmp(k, AUTH_KEY_PREFIX, 3) != 0 || k[35] != '_')
		return NULL;
	for (i = 3; i < 35; i++)
		if (!((k[i] >= '0' && k[i] <= '9') || (k[i] >= 'a' && k[i] <= 'f')))
			return NULL;
	for (i = 36; i < n; i++)
		if (!((k[i] >= '0' && k[i] <= '9') || (k[i] >= 'a' && k[i] <= 'z') ||
		    (k[i] >= 'A' && k[i] <= 'Z') || k[i] == '-' || k[i] == '_'))
			return NULL;
	return arena_printf(a, "%.8s-%.4s-%.4s-%.4s-%.12s", k + 3, k + 11,
	    k + 15, k + 19, k + 23);
}

/*
 * What credential does r carry, and is it well formed? No database. Sets
 * p->kind (CRED_NONE when there is none), p->client for rate limiting
 * and, for a JWT, the person and store from its verified claims.
 * Returns ERR_OK or ERR_UNAUTHORIZED with *msg.
 */
enum err
auth_peek(struct req *r, struct principal *p, const char **msg)
{
	struct jwt_key		 keys[2];
	struct jwt_claims	 c;
	enum jwt_status		 st;
	const char		*h, *tok, *hex;
	int			 nkeys;

	memset(p, 0, sizeof(*p));
	p->role = -1;
	*msg = NULL;
	p->client = arena_printf(r->arena, "ip:%s",
	    r->client_addr != NULL ? r->client_addr : "-");
	if ((h = req_header(r, "Authorization")) != NULL) {
		if (strncasecmp(h, "Bearer ", 7) != 0) {
			*msg = "Send the credential as Authorization: Bearer <token or API key>.";
			return ERR_UNAUTHORIZED;
		}
		tok = h + 7;
		while (*tok == ' ')
			tok++;
		p->raw = tok;
		if (strncmp(tok, AUTH_KEY_PREFIX, 3) == 0) {
			p->kind = CRED_KEY;
			if ((p->store_id = key_store(r->arena, tok)) == NULL) {
				*msg = "The API key is malformed.";
				return ERR_UNAUTHORIZED;
			}
			auth_hash(r->arena, tok, &hex);
			p->client = arena_printf(r->arena, "key:%.16s", hex);
			return ERR_OK;
		}
		p->kind = CRED_JWT;
		if ((nkeys = jwt_keys(keys)) == 0) {
			*msg = "Tokens are not accepted: jwt_secret is not configured.";
			return ERR_UNAUTHORIZED;
		}
		st = jwt_verify(r->arena, tok, keys, (size_t)nkeys,
		    time(NULL), &c);
		if (st != JWT_OK) {
			*msg = jwt_status_message(st);
			return ERR_UNAUTHORIZED;
		}
		if (!str_is_uuid(c.sub) || !str_is_uuid(c.store_id)) {
			*msg = "The token is not valid: bad claims.";
			return ERR_UNAUTHORIZED;
		}
		p->user_id = c.sub;
		p->store_id = c.store_id;
		p->jwt_iat = c.iat;
		p->client = arena_printf(r->arena, "user:%s", c.sub);
		return ERR_OK;
	}
	if ((tok = req_cookie(r, AUTH_COOKIE)) != NULL && *tok != '\0') {
		p->kind = CRED_SESSION;
		p->raw = tok;
		auth_hash(r->arena, tok, &hex);
		p->client = arena_printf(r->arena, "session:%.16s", hex);
	}
	return ERR_OK;
}

static void
split_perms(struct arena *a, const char *s, struct principal *p)
{
	const char	**v;
	char		 *copy, *t, *save;
	size_t		  n = 0, max = 1;

	for (t = (char *)s; *t != '\0'; t++)
		if (*t == ' ')
			max++;
	v = arena_alloc(a, max * sizeof(*v));
	copy = arena_strdup(a, s);
	for (t = strtok_r(copy, " ", &save); t != NULL && n < max;
	    t = strtok_r(NULL, " ", &save))
		v[n++] = t;
	p->perms = v;
	p->nperms = n;
}

static void
store_cols(const struct pg_result *res, int c0, struct principal *p)
{
	p->store_slug = db_val(res, 0, c0);
	p->store_name = db_val(res, 0, c0 + 1);
	p->currency = db_val(res, 0, c0 + 2);
	p->exponent = (int)strtol(db_val(res, 0, c0 + 3), NULL, 10);
}

/*
 * Check p (from auth_peek) against the database and fill in who it is and
 * what it may do. Returns ERR_OK, ERR_UNAUTHORIZED with *msg, or a
 * database error.
 */
enum err
auth_resolve(struct req *r, struct principal *p, const char **msg)
{
	struct dbq		 qs[2];
	struct pg_result	*res[2];
	const char		*prm[2], *hex;
	enum err		 rc;

	*msg = NULL;
	switch (p->kind) {
	case CRED_NONE:
		*msg = "Sign in first: send a token, an API key or the session cookie.";
		return ERR_UNAUTHORIZED;
	case CRED_JWT:
		prm[0] = p->store_id;
		qs[0] = q(STMT_SCOPE_STORE, 1, prm);
		qs[1] = q(STMT_JWT_STAFF, 1, &p->user_id);
		if ((rc = db_run(r->db, r->arena, qs, 2, res, true)) != ERR_OK)
			return rc;
		if (db_ntuples(res[1]) != 1) {
			*msg = "The token's holder is no longer staff of this store.";
			return ERR_UNAUTHORIZED;
		}
		if (strtoll(db_val(res[1], 0, 3), NULL, 10) > p->jwt_iat) {
			*msg = "The token was issued before the password was changed; sign in again.";
			return ERR_UNAUTHORIZED;
		}
		p->role = role_parse(db_val(res[1], 0, 0));
		p->email = db_val(res[1], 0, 1);
		p->name = db_isnull(res[1], 0, 2) ? NULL : db_val(res[1], 0, 2);
		store_cols(res[1], 4, p);
		if (p->role < 0)
			return ERR_INTERNAL;
		set_perms(p);
		p->actor = arena_printf(r->arena, "user:%s", p->user_id);
		return ERR_OK;
	case CRED_KEY:
		auth_hash(r->arena, p->raw, &hex);
		prm[0] = p->store_id;
		qs[0] = q(STMT_SCOPE_STORE, 1, prm);
		qs[1] = q(STMT_KEY, 1, &hex);
		if ((rc = db_run(r->db, r->arena, qs, 2, res, false)) != ERR_OK)
			return rc;
		if (db_ntuples(res[1]) != 1) {
			*msg = "The API key is unknown or has been revoked.";
			return ERR_UNAUTHORIZED;
		}
		p->key_id = db_val(res[1], 0, 0);
		p->key_name = db_val(res[1], 0, 1);
		split_perms(r->arena, db_val(res[1], 0, 2), p);
		store_cols(res[1], 3, p);
		p->actor = arena_printf(r->arena, "key:%s", p->key_id);
		return ERR_OK;
	case CRED_SESSION:
		auth_hash(r->arena, p->raw, &hex);
		prm[0] = hex;
		prm[1] = arena_printf(r->arena, "%lld",
		    (long long)conf_int(CONF_SESSION_TTL));
		qs[0] = q(STMT_SESSION, 2, prm);
		qs[1] = q(STMT_STORE, 0, NULL);
		if ((rc = db_run(r->db, r->arena, qs, 2, res, false)) != ERR_OK)
			return rc;
		if (db_ntuples(res[0]) != 1 || db_ntuples(res[1]) != 1) {
			*msg = "The session has ended; sign in again.";
			return ERR_UNAUTHORIZED;
		}
		p->session_id = db_val(res[0], 0, 0);
		p->user_id = db_val(res[0], 0, 1);
		p->store_id = db_val(res[0], 0, 2);
		p->csrf = db_val(res[0], 0, 3);
		p->role = role_parse(db_val(res[0], 0, 4));
		p->email = db_val(res[0], 0, 5);
		p->name = db_isnull(res[0], 0, 6) ? NULL : db_val(res[0], 0, 6);
		store_cols(res[1], 0, p);
		if (p->role < 0)
			return ERR_INTERNAL;
		set_perms(p);
		p->actor = arena_printf(r->arena, "user:%s", p->user_id);
		return ERR_OK;
	}
	return ERR_INTERNAL;
}

/*
 * A state-changing request on a session must carry the session's CSRF
 * token (header X-CSRF-Token, or the form's field). Bearer credentials
 * are not sent by browsers on their own, so they need none.
 */
bool
auth_csrf_ok(struct req *r, const struct principal *p, const char *form_token)
{
	const char	*t;
	size_t		 n;

	if (p->kind != CRED_SESSION)
		return true;
	if ((t = req_header(r, AUTH_CSRF_HEADER)) == NULL)
		t = form_token;
	if (t == NULL || p->csrf == NULL)
		return false;
	n = strlen(p->csrf);
	return strlen(t) == n && crypto_equal(t, p->csrf, n);
}

/*
 * Check a password against a stored MCF hash. An unusable hash ("!...":
 * an invited person who has not chosen a password) never matches, but
 * costs the same time.
 */
bool
auth_password_check(const char *password, const char *hash)
{
	static char	 dummy[PASSWORD_HASH_MAX];

	if (dummy[0] == '\0' &&
	    password_hash("colmena-timing-equaliser-Aa1!", dummy) == -1)
		fatalx("password_hash");
	if (hash == NULL || hash[0] != '$') {
		(void)password_verify(dummy, password);
		return false;
	}
	return password_verify(hash, password);
}

/*
 * Every store the person is staff of, by name.
 */
enum err
auth_memberships(struct db *db, struct arena *a, const char *user,
    struct membership **out, size_t *n)
{
	struct dbq		 qs[2];
	struct pg_result	*res[2];
	struct membership	*m;
	enum err		 rc;
	int			 i, nt;

	qs[0] = q(STMT_SCOPE_USER, 1, &user);
	qs[1] = q(STMT_MEMBERSHIPS, 1, &user);
	if ((rc = db_run(db, a, qs, 2, res, true)) != ERR_OK)
		return rc;
	nt = db_ntuples(res[1]);
	m = arena_alloc(a, (size_t)(nt > 0 ? nt : 1) * sizeof(*m));
	for (i = 0; i < nt; i++) {
		m[i].store_id = db_val(res[1], i, 0);
		m[i].slug = db_val(res[1], i, 1);
		m[i].name = db_val(res[1], i, 2);
		m[i].role = role_parse(db_val(res[1], i, 3));
	}
	*out = m;
	*n = (size_t)nt;
	return ERR_OK;
}

static void
normalise_code(char *dst, size_t dstsz, const char *s)
{
	size_t	 o = 0;

	for (; *s != '\0' && o + 1 < dstsz; s++) {
		if (*s == '-' || *s == ' ')
			continue;
		dst[o++] = (*s >= 'A' && *s <= 'Z') ? (char)(*s + 32) : *s;
	}
	dst[o] = '\0';
}

static bool
is_six_digits(const char *s)
{
	size_t	 i;

	for (i = 0; i < 6; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return s[6] == '\0';
}

/*
 * A random n-digit code, uniform (rejection sampling).
 */
static void
random_digits(char *out, int n)
{
	uint32_t	 v, max = 1;
	int		 i;

	for (i = 0; i < n; i++)
		max *= 10;
	do
		crypto_random(&v, sizeof(v));
	while (v >= UINT32_MAX - UINT32_MAX % max);
	snprintf(out, (size_t)n + 1, "%0*u", n, (unsigned)(v % max));
}

/*
 * Email a one-time sign-in code to a person whose second factor is email.
 */
static enum err
email_code_send(struct db *db, struct arena *a, const char *user,
    const char *email)
{
	struct dbq	 qs[2];
	const char	*prm[2], *body;
	char		 code[8];

	random_digits(code, 6);
	prm[0] = user;
	prm[1] = crypto_sha256_hex(a, code, 6);
	qs[0] = q(STMT_EMAIL_CODE_SET, 2, prm);
	body = arena_printf(a,
	    "Your ColmenaCommerce sign-in code is %s\n\n"
	    "It is valid for " EMAIL_CODE_TTL ". If you did not try to sign in,"
	    " someone knows your password: change it now.\n", code);
	outbox_q(a, &qs[1], NULL, "mfa_code", email,
	    arena_printf(a, "Your sign-in code: %s", code), body, NULL);
	return db_run(db, a, qs, 2, NULL, false);
}

/*
 * Check a second-factor code: TOTP or emailed (6 digits, by the person's
 * method) or a backup code. Each is accepted once. Returns ERR_OK,
 * ERR_INVALID_CREDENTIALS or a database error.
 */
static enum err
mfa_check(struct db *db, struct arena *a, const char *user,
    const char *method, const char *secret, const char *last_step,
    const char *code)
{
	struct pg_result	*res;
	struct dbq		 one;
	unsigned char		 key[64];
	size_t			 keylen;
	int64_t			 step, last = -1;
	const char		*prm[2];
	char			 norm[32];
	enum err		 rc;

	prm[0] = user;
	if (is_six_digits(code) && strcmp(method, "totp") == 0) {
		if (secret == NULL || crypto_base32_decode(key, sizeof(key),
		    secret, strlen(secret), &keylen) == -1)
			return ERR_INTERNAL;
		if (last_step != NULL)
			last = strtoll(last_step, NULL, 10);
		if (!totp_verify(key, keylen, code, time(NULL), last, &step))
			return ERR_INVALID_CREDENTIALS;
		prm[1] = arena_printf(a, "%lld", (long long)step);
		one = q(STMT_TOTP_STEP, 2, prm);
	} else if (is_six_digits(code) && strcmp(method, "email") == 0) {
		prm[1] = crypto_sha256_hex(a, code, 6);
		one = q(STMT_EMAIL_CODE_USE, 2, prm);
	} else {
		normalise_code(norm, sizeof(norm), code);
		if (strlen(norm) != 10)
			return ERR_INVALID_CREDENTIALS;
		prm[1] = crypto_sha256_hex(a, norm, strlen(norm));
		one = q(STMT_BACKUP_USE, 2, prm);
	}
	if ((rc = db_run(db, a, &one, 1, &res, false)) != ERR_OK)
		return rc;
	return db_ntuples(res) == 1 ? ERR_OK : ERR_INVALID_CREDENTIALS;
}

static enum err
signin_failed(struct db *db, struct arena *a, const char *email)
{
	struct dbq	 one;
	const char	*prm[3];

	prm[0] = email;
	prm[1] = arena_printf(a, "%lld",
	    (long long)conf_int(CONF_LOGIN_MAX_FAILURES));
	prm[2] = arena_printf(a, "%lld",
	    (long long)conf_int(CONF_LOGIN_LOCK_MINUTES));
	one = q(STMT_SIGNIN_FAILED, 3, prm);
	return db_run(db, a, &one, 1, NULL, false);
}

/*
 * Sign a person in: password, lockout, second factor, and the store they
 * act for. Returns ERR_OK with out filled; ERR_INVALID_CREDENTIALS (the
 * same for an unknown email and a wrong password); ERR_RATE_LIMITED with
 * out->retry_after while the address is locked; ERR_MFA_REQUIRED with
 * out->mfa_method (an emailed code has just been sent); ERR_FORBIDDEN
 * when the person is not staff of the store asked for, or of any.
 */
enum err
auth_signin(struct db *db, struct arena *a, const struct signin *in,
    struct signin_result *out)
{
	struct pg_result	*res;
	struct dbq		 one;
	const char		*prm[1], *user, *hash, *method;
	enum err		 rc;
	size_t			 i;
	bool			 ok;

	memset(out, 0, sizeof(*out));
	prm[0] = in->email;
	one = q(STMT_SIGNIN_LOOKUP, 1, prm);
	if ((rc = db_run(db, a, &one, 1, &res, true)) != ERR_OK)
		return rc;
	if (!db_isnull(res, 0, 7)) {
		out->retry_after = strtoll(db_val(res, 0, 7), NULL, 10);
		if (out->retry_after < 1)
			out->retry_after = 1;
		return ERR_RATE_LIMITED;
	}
	user = db_isnull(res, 0, 0) ? NULL : db_val(res, 0, 0);
	hash = user != NULL ? db_val(res, 0, 3) : NULL;
	ok = auth_password_check(in->password, hash) && user != NULL;
	if (!ok) {
		if ((rc = signin_failed(db, a, in->email)) != ERR_OK)
			return rc;
		return ERR_INVALID_CREDENTIALS;
	}
	out->user_id = user;
	out->email = db_val(res, 0, 1);
	out->name = db_isnull(res, 0, 2) ? NULL : db_val(res, 0, 2);
	method = db_isnull(res, 0, 4) ? NULL : db_val(res, 0, 4);
	if (method != NULL) {
		out->mfa_method = method;
		if (in->mfa_code == NULL || in->mfa_code[0] == '\0') {
			if (strcmp(method, "email") == 0 &&
			    (rc = email_code_send(db, a, user, out->email)) !=
			    ERR_OK)
				return rc;
			return ERR_MFA_REQUIRED;
		}
		rc = mfa_check(db, a, user, method,
		    db_isnull(res, 0, 5) ? NULL : db_val(res, 0, 5),
		    db_isnull(res, 0, 6) ? NULL : db_val(res, 0, 6),
		    in->mfa_code);
		if (rc == ERR_INVALID_CREDENTIALS) {
			out->message = "The second-factor code is wrong, expired or already used.";
			if ((rc = signin_failed(db, a, in->email)) != ERR_OK)
				return rc;
			return ERR_INVALID_CREDENTIALS;
		}
		if (rc != ERR_OK)
			return rc;
	}
	one = q(STMT_SIGNIN_OK, 1, &in->email);
	if ((rc = db_run(db, a, &one, 1, NULL, false)) != ERR_OK)
		return rc;
	if ((rc = auth_memberships(db, a, user, &out->stores,
	    &out->nstores)) != ERR_OK)
		return rc;
	if (out->nstores == 0) {
		out->message = "You are not staff of any store.";
		return ERR_FORBIDDEN;
	}
	for (i = 0; i < out->nstores; i++)
		if (in->store == NULL ||
		    strcmp(in->store, out->stores[i].store_id) == 0 ||
		    strcmp(in->store, out->stores[i].slug) == 0) {
			out->store = &out->stores[i];
			return ERR_OK;
		}
	out->message = "You are not staff of that store.";
	return ERR_FORBIDDEN;
}

/*
 * Start a session for user in store: at most session_max per person (the
 * oldest ends), sliding expiry session_ttl. *token goes in the cookie; the
 * database keeps its SHA-256.
 */
enum err
auth_session_create(struct req *r, const char *user, const char *store,
    const char **token, const char **csrf, const char **expires)
{
	struct dbq		 qs[5];
	struct pg_result	*res[5];
	const char		*trim[2], *nw[7], *hex;
	const char		*ua = req_header(r, "User-Agent");
	enum err		 rc;

	*token = crypto_token(r->arena, 32);
	*csrf = crypto_token(r->arena, 32);
	auth_hash(r->arena, *token, &hex);
	trim[0] = user;
	trim[1] = arena_printf(r->arena, "%lld",
	    (long long)conf_int(CONF_SESSION_MAX));
	nw[0] = user;
	nw[1] = store;
	nw[2] = hex;
	nw[3] = *csrf;
	nw[4] = r->client_addr;
	nw[5] = ua != NULL && str_utf8_valid(ua, strlen(ua)) ? ua : NULL;
	nw[6] = arena_printf(r->arena, "%lld",
	    (long long)conf_int(CONF_SESSION_TTL));
	qs[0] = (struct dbq){ "BEGIN", 0, NULL };
	qs[1] = q(STMT_SESSION_LOCK, 1, &user);
	qs[2] = q(STMT_SESSION_TRIM, 2, trim);
	qs[3] = q(STMT_SESSION_NEW, 7, nw);
	qs[4] = (struct dbq){ "COMMIT", 0, NULL };
	if ((rc = db_run(r->db, r->arena, qs, 5, res, false)) != ERR_OK) {
		db_rollback(r->db);
		return rc;
	}
	*expires = db_val(res[3], 0, 1);
	return ERR_OK;
}

enum err
auth_session_end(struct req *r, const struct principal *p)
{
	struct dbq	 one;

	one = q(STMT_SESSION_END, 1, &p->session_id);
	return db_run(r->db, r->arena, &one, 1, NULL, false);
}

void
auth_cookie_set(struct req *r, const char *token)
{
	req_set_header(r, "Set-Cookie", arena_printf(r->arena,
	    "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
	    AUTH_COOKIE, token, (long long)conf_int(CONF_SESSION_TTL),
	    conf_int(CONF_COOKIE_SECURE) ? "; Secure" : ""));
}

void
auth_cookie_clear(struct req *r)
{
	req_set_header(r, "Set-Cookie", arena_printf(r->arena,
	    "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
	    AUTH_COOKIE, conf_int(CONF_COOKIE_SECURE) ? "; Secure" : ""));
}
