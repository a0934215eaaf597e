/*
 * admin.c: the staff program's main, its route table and the gate every
 * handler passes first (admin_begin): credential, CSRF, rate limit and the
 * permission the route declares. The table is the one place that says who
 * may call what; tests walk it as a matrix of roles and endpoints.
 * Handlers: admin_auth.c (sign-in, sessions, password reset), admin_me.c
 * (profile, password, MFA), admin_products.c, admin_categories.c (with
 * admin_catalog.c, their shared helpers), admin_staff.c, admin_settings.c,
 * admin_keys.c (with admin_store.c, theirs).
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "admin.h"
#include "app.h"
#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "perm.h"
#include "req.h"
#include "str.h"
#include "tx.h"
#include "valid.h"

/*
 * A route of this program: every one goes through admin_gate(), which
 * checks what the route needs before its handler runs.
 */
#define R(...)	R_(__VA_ARGS__)
#define R_(m, path, fn, perm, flags) \
	{ (m), (path), admin_gate, &(const struct need){ (perm), (flags), (fn) } }
#define PUBLIC		NULL, NEED_PUBLIC
#define USER		NULL, NEED_USER
#define SESSION		NULL, NEED_SESSION | NEED_USER
#define MANAGER		NULL, NEED_MANAGER | NEED_USER
#define ANY_STAFF	NULL, 0

static void	admin_gate(struct req *);

/* The principal admin_gate() resolved for the request being handled. */
static struct principal	 gate_principal;
static const struct req	*gate_req;

static const struct route routes[] = {
	{ METHOD_GET, "/api/health", app_health, NULL },
	/* Sign-in, sessions, password reset. */
	R(METHOD_POST, "/api/v1/admin/auth/token",
	    admin_auth_token, PUBLIC),
	R(METHOD_POST, "/api/v1/admin/auth/session",
	    admin_auth_session_create, PUBLIC),
	R(METHOD_GET, "/api/v1/admin/auth/session",
	    admin_auth_session_get, SESSION),
	R(METHOD_DELETE, "/api/v1/admin/auth/session",
	    admin_auth_session_delete, SESSION),
	R(METHOD_PUT, "/api/v1/admin/auth/session/store",
	    admin_auth_session_switch, SESSION),
	R(METHOD_GET, "/api/v1/admin/auth/stores",
	    admin_auth_stores, USER),
	R(METHOD_POST, "/api/v1/admin/auth/password-reset",
	    admin_auth_reset_request, PUBLIC),
	R(METHOD_POST, "/api/v1/admin/auth/password-reset/confirm",
	    admin_auth_reset_confirm, PUBLIC),
	/* The signed-in person. */
	R(METHOD_GET, "/api/v1/admin/me",
	    admin_me_get, USER),
	R(METHOD_PATCH, "/api/v1/admin/me",
	    admin_me_update, USER),
	R(METHOD_POST, "/api/v1/admin/me/password",
	    admin_me_password, USER),
	R(METHOD_POST, "/api/v1/admin/me/mfa/totp",
	    admin_me_totp_begin, USER),
	R(METHOD_POST, "/api/v1/admin/me/mfa/totp/confirm",
	    admin_me_totp_confirm, USER),
	R(METHOD_POST, "/api/v1/admin/me/mfa/email",
	    admin_me_email_mfa, USER),
	R(METHOD_DELETE, "/api/v1/admin/me/mfa",
	    admin_me_mfa_disable, USER),
	R(METHOD_POST, "/api/v1/admin/me/mfa/backup-codes",
	    admin_me_backup_codes, USER),
	/* Catalog. */
	R(METHOD_GET, "/api/v1/admin/products",
	    admin_products_list, "products.read", 0),
	R(METHOD_POST, "/api/v1/admin/products",
	    admin_products_create, "products.write", 0),
	R(METHOD_GET, "/api/v1/admin/products/{product}",
	    admin_products_get, "products.read", 0),
	R(METHOD_PATCH, "/api/v1/admin/products/{product}",
	    admin_products_update, "products.write", 0),
	R(METHOD_DELETE, "/api/v1/admin/products/{product}",
	    admin_products_delete, "products.write", 0),
	R(METHOD_POST, "/api/v1/admin/products/{product}/file",
	    admin_products_file, "products.write", NEED_UPLOAD),
	R(METHOD_POST, "/api/v1/admin/products/{product}/file/notify",
	    admin_products_file_notify, "products.write", 0),
	R(METHOD_POST, "/api/v1/admin/products/{product}/images",
	    admin_products_image_add, "products.write", NEED_UPLOAD),
	R(METHOD_DELETE, "/api/v1/admin/products/{product}/images/{image}",
	    admin_products_image_delete, "products.write", 0),
	R(METHOD_GET, "/api/v1/admin/categories",
	    admin_categories_list, "products.read", 0),
	R(METHOD_POST, "/api/v1/admin/categories",
	    admin_categories_create, "products.write", 0),
	R(METHOD_GET, "/api/v1/admin/categories/{category}",
	    admin_categories_get, "products.read", 0),
	R(METHOD_PATCH, "/api/v1/admin/categories/{category}",
	    admin_categories_update, "products.write", 0),
	R(METHOD_DELETE, "/api/v1/admin/categories/{category}",
	    admin_categories_delete, "products.write", 0),
	/* Staff of the store. */
	R(METHOD_GET, "/api/v1/admin/users",
	    admin_users_list, "users.manage", 0),
	R(METHOD_POST, "/api/v1/admin/users",
	    admin_users_invite, "users.manage", 0),
	R(METHOD_PATCH, "/api/v1/admin/users/{user}",
	    admin_users_update, "users.manage", 0),
	R(METHOD_DELETE, "/api/v1/admin/users/{user}",
	    admin_users_remove, "users.manage", 0),
	/* Store settings. */
	R(METHOD_GET, "/api/v1/admin/settings",
	    admin_settings_get, ANY_STAFF),
	R(METHOD_PATCH, "/api/v1/admin/settings",
	    admin_settings_update, "settings.write", 0),
	/* API keys: people with role owner or admin. */
	R(METHOD_GET, "/api/v1/admin/api-keys",
	    admin_keys_list, MANAGER),
	R(METHOD_POST, "/api/v1/admin/api-keys",
	    admin_keys_create, MANAGER),
	R(METHOD_DELETE, "/api/v1/admin/api-keys/{key}",
	    admin_keys_revoke, MANAGER),
};

static bool
is_write(enum method m)
{
	return m != METHOD_GET && m != METHOD_HEAD && m != METHOD_OPTIONS;
}

static void
fail_unauthorized(struct req *r, const char *msg)
{
	req_set_header(r, "WWW-Authenticate", "Bearer realm=\"colmena\"");
	req_fail(r, ERR_UNAUTHORIZED, msg);
}

/*
 * The gate every admin request passes before its handler: resolve the
 * credential, count it against the admin rate limit, check the CSRF token
 * of a session's writes and what the route needs (the one place that
 * matches permissions). Returns 0 with p filled, or -1 having answered.
 */
static int
gate(struct req *r, struct principal *p)
{
	const struct need	*need = r->route->arg;
	const char		*msg, *ip;
	enum err		 rc;

	req_nocache(r);
	ip = arena_printf(r->arena, "ip:%s",
	    r->client_addr != NULL ? r->client_addr : "-");
	if ((rc = auth_peek(r, p, &msg)) != ERR_OK &&
	    !(need->flags & NEED_PUBLIC)) {
		/* Count bad credentials against the address sending them. */
		if (app_limit(r, "admin", ip,
		    conf_int(CONF_RATELIMIT_ADMIN)) == -1)
			return -1;
		fail_unauthorized(r, msg);
		return -1;
	}
	/* Signing in with a stale token still sent along is fine. */
	if (rc != ERR_OK)
		p->kind = CRED_NONE;
	/*
	 * Sign-in and reset count per address: a made-up cookie or key
	 * must not buy a fresh allowance for guessing passwords.
	 */
	if (app_limit(r, "admin", (need->flags & NEED_PUBLIC) ? ip : p->client,
	    conf_int(CONF_RATELIMIT_ADMIN)) == -1)
		return -1;
	if ((need->flags & NEED_UPLOAD) && app_limit(r, "uploads", p->client,
	    conf_int(CONF_RATELIMIT_UPLOADS)) == -1)
		return -1;
	if (need->flags & NEED_PUBLIC)
		return 0;
	if ((need->flags & NEED_SESSION) && p->kind != CRED_SESSION) {
		fail_unauthorized(r, "This needs the session cookie of the admin pages.");
		return -1;
	}
	if ((rc = auth_resolve(r, p, &msg)) != ERR_OK) {
		if (rc == ERR_UNAUTHORIZED) {
			/* Unknown keys and sessions count against the address. */
			if (app_limit(r, "admin", ip,
			    conf_int(CONF_RATELIMIT_ADMIN)) == -1)
				return -1;
			if (p->kind == CRED_SESSION)
				auth_cookie_clear(r);
			fail_unauthorized(r, msg);
		} else
			admin_fail(r, rc);
		return -1;
	}
	if (is_write(r->method) && !auth_csrf_ok(r, p, NULL)) {
		req_fail(r, ERR_CSRF, "Send the session's CSRF token in the "
		    AUTH_CSRF_HEADER " header.");
		return -1;
	}
	if ((need->flags & (NEED_USER | NEED_MANAGER)) && p->user_id == NULL) {
		req_fail(r, ERR_FORBIDDEN,
		    "API keys act for the store, not a person: sign in as staff for this.");
		return -1;
	}
	if ((need->flags & NEED_MANAGER) &&
	    p->role != ROLE_OWNER && p->role != ROLE_ADMIN) {
		req_fail(r, ERR_FORBIDDEN, "Only an owner or an admin may do this.");
		return -1;
	}
	if (need->perm != NULL && !perm_allows(p->perms, p->nperms, need->perm)) {
		req_fail(r, ERR_FORBIDDEN, arena_printf(r->arena,
		    "This needs the %s permission.", need->perm));
		return -1;
	}
	return 0;
}

static void
admin_gate(struct req *r)
{
	const struct need	*need = r->route->arg;

	if (gate(r, &gate_principal) == -1)
		return;
	gate_req = r;
	need->fn(r);
	gate_req = NULL;
}

/*
 * A handler's first call: the principal the gate resolved. Returns 0 (the
 * int keeps handlers' "if (admin_begin(r, &p) == -1) return;" idiom).
 */
int
admin_begin(struct req *r, struct principal *p)
{
	if (gate_req != r)
		fatalx("admin_begin outside admin_gate");
	*p = gate_principal;
	return 0;
}

/*
 * Read the JSON body against fields; -1 having answered.
 */
int
admin_body(struct req *r, const struct field *fields, size_t n,
    struct form *f)
{
	return req_json_body(r, fields, n, f);
}

/*
 * Run q[0..n) as one transaction of p's store, audited as p's actor.
 */
enum err
admin_tx(struct req *r, const struct principal *p, const struct dbq *q,
    size_t n, struct pg_result **out)
{
	return tx_run(r->db, r->arena, p->store_id, p->actor, q, n, out);
}

/*
 * Answer a failed database call: the schema's own messages (SQLSTATE
 * class CC) are shown; anything else is logged and answered generically.
 */
void
admin_fail(struct req *r, enum err rc)
{
	const char	*m = db_message(r->db);

	req_fail(r, rc, *m != '\0' ? arena_strdup(r->arena, m) : NULL);
}

/*
 * The route's {name} if it is a UUID; else answers 404 and returns NULL.
 */
const char *
admin_param_uuid(struct req *r, const char *name)
{
	const char	*v = req_param(r, name);

	if (v == NULL || !str_is_uuid(v)) {
		req_fail(r, ERR_NOT_FOUND, "No such resource.");
		return NULL;
	}
	return v;
}

/*
 * OPTIONS: the Allow list only. The admin API is not for other origins:
 * no CORS headers, so browsers keep other sites out of it.
 */
static void
admin_options(struct req *r, const char *allow)
{
	(void)allow;
	req_empty(r, 204);
}

static void
admin_setup(struct db *db)
{
	(void)db;
	/* Make the dummy hash now, not during the first sign-in. */
	(void)auth_password_check("", NULL);
	if (!auth_jwt_configured())
		log_warnx("jwt_secret is not set (32 characters at least): "
		    "API tokens are refused; sessions and API keys work");
}

int
main(int argc, char *argv[])
{
	static const struct app app = {
		"admin", routes, nitems(routes), admin_options,
		admin_setup, admin_files_teardown, NULL, CONF__MAX
	};

	return app_main(argc, argv, &app);
}
