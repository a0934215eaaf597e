/*
 * admin_auth.c: signing in and out of the admin API. Email and password
 * (and a second-factor code when enrolled) buy a JWT for scripts or a
 * session cookie for the admin pages; a person who is staff of several
 * stores switches between them without signing in again. Forgotten
 * passwords are reset by a one-time link sent through the outbox, the same
 * link that lets an invited person choose their first password.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "arena.h"
#include "auth.h"
#include "buf.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "jw.h"
#include "log.h"
#include "outbox.h"
#include "password.h"
#include "perm.h"
#include "req.h"
#include "str.h"
#include "valid.h"

#define RESET_TTL	"1 hour"

enum signin_field {
	SF_EMAIL,
	SF_PASSWORD,
	SF_MFA,
	SF_STORE,
	SF__MAX
};

static const struct field signin_fields[SF__MAX] = {
	{ "email", FIELD_TEXT, false, 1, 254, NULL },		/* SF_EMAIL */
	{ "password", FIELD_TEXT, false, 1, 1024, NULL },	/* SF_PASSWORD */
	{ "mfaCode", FIELD_TEXT, false, 1, 32, NULL },		/* SF_MFA */
	{ "store", FIELD_IDENT, false, 1, 64, NULL },		/* SF_STORE */
};

static const struct field store_fields[] = {
	{ "store", FIELD_IDENT, true, 1, 64, NULL },
};

static const struct field reset_fields[] = {
	{ "email", FIELD_EMAIL, true, 0, 0, NULL },
};

enum confirm_field {
	CF_TOKEN,
	CF_PASSWORD,
	CF_NAME,
	CF__MAX
};

static const struct field confirm_fields[CF__MAX] = {
	{ "token", FIELD_TEXT, true, 1, 128, NULL },		/* CF_TOKEN */
	{ "password", FIELD_TEXT, true, 1, 1024, NULL },	/* CF_PASSWORD */
	{ "name", FIELD_TEXT, false, 1, 255, NULL },		/* CF_NAME */
};

static const char reset_sql[] =
    /* One statement whether or not the address is known: same time. */
    "WITH u AS (SELECT id, email FROM users WHERE lower(email) = lower($1)),"
    " t AS (INSERT INTO user_tokens (user_id, purpose, token_hash, expires_at)"
    "  SELECT id, 'reset', decode($2, 'hex'), now() + interval '" RESET_TTL "'"
    "  FROM u RETURNING user_id)"
    " INSERT INTO outbox (kind, recipient, subject, body_text)"
    " SELECT 'password_reset', u.email, $3, $4 FROM u JOIN t ON t.user_id = u.id";

static const char confirm_sql[] =
    "WITH t AS (UPDATE user_tokens SET used_at = now()"
    "  WHERE token_hash = decode($1, 'hex') AND used_at IS NULL"
    "  AND expires_at > now() RETURNING user_id, purpose)"
    " UPDATE users SET password_hash = $2, password_changed_at = now(),"
    "  name = coalesce($3, users.name)"
    " FROM t WHERE users.id = t.user_id RETURNING users.id, users.email, t.purpose";

static const char confirm_others_sql[] =
    /* The person's other links die with this one; so do their sessions. */
    "UPDATE user_tokens SET used_at = now() WHERE used_at IS NULL AND user_id ="
    " (SELECT user_id FROM user_tokens WHERE token_hash = decode($1, 'hex') AND used_at = now())";

static const char confirm_sessions_sql[] =
    "DELETE FROM sessions WHERE user_id ="
    " (SELECT user_id FROM user_tokens WHERE token_hash = decode($1, 'hex') AND used_at = now())";

static const char confirm_unlock_sql[] =
    "DELETE FROM login_throttle WHERE email_hash = sha256(convert_to(lower("
    " (SELECT u.email FROM users u JOIN user_tokens t ON t.user_id = u.id"
    "  WHERE t.token_hash = decode($1, 'hex') AND t.used_at = now())), 'UTF8'))";

static const char switch_sql[] =
    "UPDATE sessions SET store_id = $2::uuid WHERE id = $1::uuid";

static void
write_store(struct jw *w, const char *key, const struct membership *m)
{
	jw_obj_open(w, key);
	jw_str(w, "id", m->store_id);
	jw_str(w, "slug", m->slug);
	jw_str(w, "name", m->name);
	jw_str(w, "role", m->role >= 0 ? role_names[m->role] : NULL);
	jw_obj_close(w);
}

static void
write_perms(struct jw *w, const char *key, const char *const *perms,
    size_t n)
{
	size_t	 i;

	jw_arr_open(w, key);
	for (i = 0; i < n; i++)
		jw_str(w, NULL, perms[i]);
	jw_arr_close(w);
}

/*
 * The common part of a signed-in answer: the person, the store, the role,
 * its permissions and every store the person may switch to.
 */
static void
write_signed_in(struct jw *w, const char *user, const char *email,
    const char *name, const struct membership *store,
    const struct membership *stores, size_t nstores)
{
	const char *const	*perms;
	size_t			 n, i;

	jw_obj_open(w, "user");
	jw_str(w, "id", user);
	jw_str(w, "email", email);
	jw_str(w, "name", name);
	jw_obj_close(w);
	write_store(w, "store", store);
	jw_str(w, "role", role_names[store->role]);
	perms = role_perms((enum role)store->role, &n);
	write_perms(w, "permissions", perms, n);
	jw_arr_open(w, "stores");
	for (i = 0; i < nstores; i++)
		write_store(w, NULL, &stores[i]);
	jw_arr_close(w);
}

static const char *
iso_time(struct arena *a, time_t t)
{
	struct tm	 tm;
	char		 s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	return arena_strdup(a, s);
}

/*
 * Answer a failed sign-in: lockout with Retry-After, MFA_REQUIRED with
 * the method, or the one message for a wrong email or password.
 */
static void
signin_fail(struct req *r, enum err rc, const struct signin_result *res)
{
	struct buf	 b;
	struct jw	 w;

	if (err_status(rc) == 401)
		req_set_header(r, "WWW-Authenticate", "Bearer realm=\"colmena\"");
	switch (rc) {
	case ERR_RATE_LIMITED:
		req_set_header(r, "Retry-After", arena_printf(r->arena, "%lld",
		    (long long)res->retry_after));
		req_fail(r, rc, arena_printf(r->arena, "Too many failed sign-ins "
		    "for this email address. Try again in %lld minutes.",
		    (long long)((res->retry_after + 59) / 60)));
		break;
	case ERR_MFA_REQUIRED:
		buf_init(&b, 256);
		jw_init(&w, &b);
		jw_obj_open(&w, NULL);
		jw_arr_open(&w, "methods");
		jw_str(&w, NULL, res->mfa_method);
		jw_str(&w, NULL, "backup");
		jw_arr_close(&w);
		jw_obj_close(&w);
		req_fail_details(r, rc, strcmp(res->mfa_method, "email") == 0 ?
		    "Enter the code we have just emailed you (or a backup code) as mfaCode." :
		    "Enter the code from your authenticator app (or a backup code) as mfaCode.",
		    arena_strdup(r->arena, b.data));
		buf_clear(&b);
		break;
	case ERR_INVALID_CREDENTIALS:
		req_fail(r, rc, res->message != NULL ? res->message :
		    "The email or password is wrong.");
		break;
	case ERR_FORBIDDEN:
		req_fail(r, rc, res->message);
		break;
	default:
		gate_fail(r, rc);
		break;
	}
}

/*
 * Read a sign-in body; email and password are both needed unless
 * allow_none (switching store with a credential already held).
 */
static int
signin_read(struct req *r, struct form *f, struct signin *in, bool allow_none)
{
	memset(in, 0, sizeof(*in));
	if (req_json_body(r, signin_fields, SF__MAX, f) == -1)
		return -1;
	if (allow_none && !f->v[SF_EMAIL].set && !f->v[SF_PASSWORD].set)
		return 0;
	if (!f->v[SF_EMAIL].set)
		valid_error(f, "email", "is required");
	if (!f->v[SF_PASSWORD].set)
		valid_error(f, "password", "is required");
	if (f->nerrs > 0) {
		req_fail_form(r, f);
		return -1;
	}
	in->email = f->v[SF_EMAIL].s;
	in->password = f->v[SF_PASSWORD].s;
	in->mfa_code = f->v[SF_MFA].set ? f->v[SF_MFA].s : NULL;
	in->store = f->v[SF_STORE].set ? f->v[SF_STORE].s : NULL;
	return 1;
}

/*
 * Switching store with a credential already held: the person's own
 * memberships decide. Returns 0 with *m, or -1 having answered.
 */
static int
pick_store(struct req *r, const char *user, const char *want,
    struct membership **all, size_t *n, const struct membership **m)
{
	enum err	 rc;
	size_t		 i;

	if ((rc = auth_memberships(r->db, r->arena, user, all, n)) != ERR_OK) {
		gate_fail(r, rc);
		return -1;
	}
	for (i = 0; i < *n; i++)
		if (strcmp(want, (*all)[i].store_id) == 0 ||
		    strcmp(want, (*all)[i].slug) == 0) {
			*m = &(*all)[i];
			return 0;
		}
	req_fail(r, ERR_FORBIDDEN, "You are not staff of that store.");
	return -1;
}

/*
 * POST /api/v1/admin/auth/token: {email, password, mfaCode?, store?} ->
 * a JWT for the store (the first of the person's stores by default).
 * With a valid credential and only {store}: a token for another of the
 * person's stores, no password needed.
 */
void
admin_auth_token(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct signin		 in;
	struct signin_result	 res;
	struct jw		 w;
	const char		*token, *msg;
	int64_t			 exp;
	enum err		 rc;
	int			 how;

	if (gate_begin(r, &p) == -1)
		return;
	if (!auth_jwt_configured()) {
		req_fail(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	if ((how = signin_read(r, &f, &in, true)) == -1)
		return;
	if (how == 0) {
		if (!f.v[SF_STORE].set) {
			req_fail_field(r, "email", "is required");
			return;
		}
		if ((rc = auth_resolve(r, &p, &msg)) != ERR_OK) {
			if (rc == ERR_UNAUTHORIZED) {
				req_set_header(r, "WWW-Authenticate",
				    "Bearer realm=\"colmena\"");
				req_fail(r, rc, msg);
			} else
				gate_fail(r, rc);
			return;
		}
		if (p.user_id == NULL) {
			req_fail(r, ERR_FORBIDDEN, "An API key cannot switch store.");
			return;
		}
		/* A write on a session's behalf: the session's CSRF token. */
		if (!auth_csrf_ok(r, &p, NULL)) {
			req_fail(r, ERR_CSRF, "Send the session's CSRF token in the "
			    AUTH_CSRF_HEADER " header.");
			return;
		}
		memset(&res, 0, sizeof(res));
		res.user_id = p.user_id;
		res.email = p.email;
		res.name = p.name;
		if (pick_store(r, p.user_id, f.v[SF_STORE].s, &res.stores,
		    &res.nstores, &res.store) == -1)
			return;
	} else if ((rc = auth_signin(r->db, r->arena, &in, &res)) != ERR_OK) {
		signin_fail(r, rc, &res);
		return;
	}
	token = auth_jwt(r->arena, res.user_id, res.store->store_id,
	    res.store->role, &exp);
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "token", token);
	jw_str(&w, "tokenType", "Bearer");
	jw_int(&w, "expiresIn", conf_int(CONF_JWT_TTL));
	jw_str(&w, "expiresAt", iso_time(r->arena, (time_t)exp));
	write_signed_in(&w, res.user_id, res.email, res.name, res.store,
	    res.stores, res.nstores);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}

/*
 * POST /api/v1/admin/auth/session: sign in for the admin pages. Sets the
 * session cookie and answers the CSRF token the pages send back.
 */
void
admin_auth_session_create(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct signin		 in;
	struct signin_result	 res;
	struct jw		 w;
	const char		*token, *csrf, *expires;
	enum err		 rc;

	if (gate_begin(r, &p) == -1)
		return;
	if (signin_read(r, &f, &in, false) == -1)
		return;
	if ((rc = auth_signin(r->db, r->arena, &in, &res)) != ERR_OK) {
		signin_fail(r, rc, &res);
		return;
	}
	if ((rc = auth_session_create(r, res.user_id, res.store->store_id,
	    &token, &csrf, &expires)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	auth_cookie_set(r, token);
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "csrfToken", csrf);
	jw_str(&w, "expiresAt", expires);
	write_signed_in(&w, res.user_id, res.email, res.name, res.store,
	    res.stores, res.nstores);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
	r->status = 201;
}

static void
write_session(struct req *r, const struct principal *p)
{
	struct jw		 w;
	struct membership	 m;

	m.store_id = p->store_id;
	m.slug = p->store_slug;
	m.name = p->store_name;
	m.role = p->role;
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "csrfToken", p->csrf);
	jw_obj_open(&w, "user");
	jw_str(&w, "id", p->user_id);
	jw_str(&w, "email", p->email);
	jw_str(&w, "name", p->name);
	jw_obj_close(&w);
	write_store(&w, "store", &m);
	jw_str(&w, "role", role_names[p->role]);
	write_perms(&w, "permissions", p->perms, p->nperms);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}

/*
 * GET /api/v1/admin/auth/session: the session's person, store and CSRF
 * token (the pages read it after a reload).
 */
void
admin_auth_session_get(struct req *r)
{
	struct principal	 p;

	if (gate_begin(r, &p) == -1)
		return;
	write_session(r, &p);
}

/*
 * DELETE /api/v1/admin/auth/session: sign out.
 */
void
admin_auth_session_delete(struct req *r)
{
	struct principal	 p;
	struct jw		 w;
	enum err		 rc;

	if (gate_begin(r, &p) == -1)
		return;
	if ((rc = auth_session_end(r, &p)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	auth_cookie_clear(r);
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_bool(&w, "signedOut", true);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}

/*
 * PUT /api/v1/admin/auth/session/store {store}: act for another of the
 * person's stores from now on.
 */
void
admin_auth_session_switch(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct membership	*all;
	const struct membership	*m;
	struct dbq		 one;
	const char		*prm[2];
	size_t			 n;
	enum err		 rc;

	if (gate_begin(r, &p) == -1)
		return;
	if (req_json_body(r, store_fields, nitems(store_fields), &f) == -1)
		return;
	if (pick_store(r, p.user_id, f.v[0].s, &all, &n, &m) == -1)
		return;
	prm[0] = p.session_id;
	prm[1] = m->store_id;
	one = (struct dbq){ switch_sql, 2, prm };
	if ((rc = db_run(r->db, r->arena, &one, 1, NULL, false)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	p.store_id = m->store_id;
	p.store_slug = m->slug;
	p.store_name = m->name;
	p.role = m->role;
	p.perms = role_perms((enum role)m->role, &p.nperms);
	write_session(r, &p);
}

/*
 * GET /api/v1/admin/auth/stores: every store the person is staff of.
 */
void
admin_auth_stores(struct req *r)
{
	struct principal	 p;
	struct membership	*m;
	struct jw		 w;
	size_t			 n, i;
	enum err		 rc;

	if (gate_begin(r, &p) == -1)
		return;
	if ((rc = auth_memberships(r->db, r->arena, p.user_id, &m, &n)) !=
	    ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	req_json_begin(r, &w);
	jw_arr_open(&w, NULL);
	for (i = 0; i < n; i++)
		write_store(&w, NULL, &m[i]);
	jw_arr_close(&w);
	req_json_end(r, &w, NULL);
}

/*
 * POST /api/v1/admin/auth/password-reset {email}: always 202, whether or
 * not the address has an account; if it has, a one-time link valid for an
 * hour goes to it through the outbox.
 */
void
admin_auth_reset_request(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct dbq		 one;
	struct jw		 w;
	const char		*prm[4], *token, *hex;
	enum err		 rc;

	if (gate_begin(r, &p) == -1)
		return;
	if (req_json_body(r, reset_fields, nitems(reset_fields), &f) == -1)
		return;
	token = crypto_token(r->arena, 32);
	auth_hash(r->arena, token, &hex);
	prm[0] = f.v[0].s;
	prm[1] = hex;
	prm[2] = "Reset your ColmenaCommerce password";
	prm[3] = arena_printf(r->arena,
	    "Someone asked to reset the password of the ColmenaCommerce staff\n"
	    "account for this address. To choose a new password, open:\n\n"
	    "%s\n\n"
	    "The link works once, for " RESET_TTL ". If you did not ask, ignore\n"
	    "this message: your password stays as it is.\n",
	    outbox_link(r->arena, "/admin/reset", token));
	one = (struct dbq){ reset_sql, 4, prm };
	if ((rc = db_run(r->db, r->arena, &one, 1, NULL, false)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "message", "If the address belongs to a staff account, "
	    "a link to reset its password is on its way.");
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
	r->status = 202;
}

/*
 * Answer VALIDATION_ERROR on field naming every password rule not met;
 * returns -1 then, 0 when the password is acceptable.
 */
int
admin_password_policy(struct req *r, const char *field, const char *pw)
{
	const char	*failed[PASSWORD_RULES_MAX];
	struct buf	 b;
	size_t		 n, i;

	if ((n = password_policy(pw, failed)) == 0)
		return 0;
	buf_init(&b, 512);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&b, ' ');
		buf_puts(&b, failed[i]);
	}
	req_fail_field(r, field, arena_strdup(r->arena, b.data));
	buf_clear(&b);
	return -1;
}

/*
 * POST /api/v1/admin/auth/password-reset/confirm {token, password,
 * name?}: set the password from a reset or invitation link. The link is
 * used up, the person's other links and all their sessions end.
 */
void
admin_auth_reset_confirm(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct dbq		 qs[6];
	struct pg_result	*res[6];
	struct jw		 w;
	const char		*prm[3], *hex;
	char			 hash[PASSWORD_HASH_MAX];
	enum err		 rc;

	if (gate_begin(r, &p) == -1)
		return;
	if (req_json_body(r, confirm_fields, CF__MAX, &f) == -1)
		return;
	if (admin_password_policy(r, "password", f.v[CF_PASSWORD].s) == -1)
		return;
	if (password_hash(f.v[CF_PASSWORD].s, hash) == -1) {
		req_fail(r, ERR_INTERNAL, NULL);
		return;
	}
	auth_hash(r->arena, f.v[CF_TOKEN].s, &hex);
	prm[0] = hex;
	prm[1] = hash;
	prm[2] = f.v[CF_NAME].set ? f.v[CF_NAME].s : NULL;
	qs[0] = (struct dbq){ "BEGIN", 0, NULL };
	qs[1] = (struct dbq){ confirm_sql, 3, prm };
	qs[2] = (struct dbq){ confirm_others_sql, 1, prm };
	qs[3] = (struct dbq){ confirm_sessions_sql, 1, prm };
	qs[4] = (struct dbq){ confirm_unlock_sql, 1, prm };
	qs[5] = (struct dbq){ "COMMIT", 0, NULL };
	if ((rc = db_run(r->db, r->arena, qs, 6, res, false)) != ERR_OK) {
		db_rollback(r->db);
		gate_fail(r, rc);
		return;
	}
	if (db_ntuples(res[1]) != 1) {
		req_fail_field(r, "token", "is unknown, used or expired: ask for a new link");
		return;
	}
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "email", db_val(res[1], 0, 1));
	jw_bool(&w, "passwordSet", true);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}
