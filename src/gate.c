/*
 * gate.c: the staff gate every /api/v1/admin/ route of every program
 * passes before its handler runs: resolve the credential (JWT, API key or
 * session), count it against the admin rate limit, check the CSRF token
 * of a session's writes and what the route declares it needs (the one
 * place that matches permissions); then helpers the staff handlers share
 * (the store-scoped transaction of the principal, failure answers).
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "db.h"
#include "gate.h"
#include "log.h"
#include "perm.h"
#include "req.h"
#include "route.h"
#include "str.h"
#include "tx.h"

/* The principal the gate resolved for the request being handled. */
static struct principal	 gate_principal;
static const struct req	*gate_req;

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
 * The gate every staff request passes before its handler: resolve the
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
			gate_fail(r, rc);
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

/*
 * The handler of every staff route (GATE_R): the gate, then the route's
 * own handler with the principal available through gate_begin().
 */
void
gate_route(struct req *r)
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
gate_begin(struct req *r, struct principal *p)
{
	if (gate_req != r)
		fatalx("gate_begin outside gate_route");
	*p = gate_principal;
	return 0;
}

/*
 * Run q[0..n) as one transaction of p's store, audited as p's actor.
 */
enum err
gate_tx(struct req *r, const struct principal *p, const struct dbq *q,
    size_t n, struct pg_result **out)
{
	return tx_run(r->db, r->arena, p->store_id, p->actor, q, n, out);
}

/*
 * Answer a failed database call: the schema's own messages (SQLSTATE
 * class CC) are shown; anything else is logged and answered generically.
 */
void
gate_fail(struct req *r, enum err rc)
{
	const char	*m = db_message(r->db);

	req_fail(r, rc, *m != '\0' ? arena_strdup(r->arena, m) : NULL);
}

/*
 * The route's {name} if it is a UUID; else answers 404 and returns NULL.
 */
const char *
gate_param_uuid(struct req *r, const char *name)
{
	const char	*v = req_param(r, name);

	if (v == NULL || !str_is_uuid(v)) {
		req_fail(r, ERR_NOT_FOUND, "No such resource.");
		return NULL;
	}
	return v;
}
