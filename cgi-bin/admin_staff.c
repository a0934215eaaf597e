/*
 * admin_staff.c: the admin API's staff handlers: the store's members
 * listed, invited by email (or told they were added), given another role
 * and removed, each change in one transaction with its mail.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "admin.h"
#include "admin_store.h"
#include "arena.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "jw.h"
#include "log.h"
#include "outbox.h"
#include "perm.h"
#include "req.h"
#include "valid.h"

#define INVITE_TOKEN_BYTES	32

/* A member as the API shows it; needs su (store_users) and u (users). */
#define MEMBER_COLS \
	" u.id, u.email, u.name, su.role," \
	" u.mfa_method IS NOT NULL AS mfa_enabled," \
	" u.password_hash LIKE '!%' AS invited," \
	" " TS("su.created_at") " AS created_at"

enum stmt {
	STMT_USERS_LIST,
	STMT_USER_LOOKUP,
	STMT_USER_CREATE,
	STMT_MEMBER_ADD,
	STMT_INVITE_TOKEN,
	STMT_MEMBER_ROLE,
	STMT_MEMBER_REMOVE,
	STMT_MEMBER_SESSIONS,
	STMT_MEMBER_INVITES,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* STMT_USERS_LIST */
	"SELECT" MEMBER_COLS
	" FROM store_users su JOIN users u ON u.id = su.user_id"
	" WHERE su.store_id = current_store_id()"
	" ORDER BY su.created_at, u.id",
	/* STMT_USER_LOOKUP: a person by email, whether still invited, and
	 * whether already staff here */
	"SELECT u.id, u.email, u.password_hash LIKE '!%' AS pending,"
	" EXISTS (SELECT 1 FROM store_users su"
	"  WHERE su.store_id = current_store_id() AND su.user_id = u.id)"
	"  AS member"
	" FROM users u WHERE lower(u.email) = lower($1::text)",
	/* STMT_USER_CREATE: '!invited' is no scrypt hash: sign-in refuses
	 * it until the invitation is accepted */
	"INSERT INTO users (email, name, password_hash)"
	" VALUES ($1::text, $2::text, '!invited')",
	/* STMT_MEMBER_ADD */
	"WITH su AS (INSERT INTO store_users (store_id, user_id, email, role)"
	"  SELECT current_store_id(), u.id, u.email, $2::text FROM users u"
	"  WHERE lower(u.email) = lower($1::text)"
	"  RETURNING user_id, role, created_at)"
	" SELECT" MEMBER_COLS " FROM su JOIN users u ON u.id = su.user_id",
	/* STMT_INVITE_TOKEN: only for a person who has no password yet */
	"INSERT INTO user_tokens (user_id, purpose, store_id, token_hash,"
	" expires_at) SELECT u.id, 'invite', current_store_id(),"
	" decode($2::text, 'hex'), now() + interval '7 days' FROM users u"
	" WHERE lower(u.email) = lower($1::text) AND u.password_hash LIKE '!%'",
	/* STMT_MEMBER_ROLE: the last owner's demotion raises CC409 */
	"WITH su AS (UPDATE store_users SET role = $2::text"
	"  WHERE store_id = current_store_id() AND user_id = $1::uuid"
	"  RETURNING user_id, role, created_at)"
	" SELECT" MEMBER_COLS " FROM su JOIN users u ON u.id = su.user_id",
	/* STMT_MEMBER_REMOVE: the last owner's removal raises CC409 */
	"DELETE FROM store_users WHERE store_id = current_store_id()"
	" AND user_id = $1::uuid RETURNING user_id",
	/* STMT_MEMBER_SESSIONS: their sessions in this store end */
	"DELETE FROM sessions WHERE store_id = current_store_id()"
	" AND user_id = $1::uuid",
	/* STMT_MEMBER_INVITES: and an invitation not yet accepted */
	"DELETE FROM user_tokens WHERE store_id = current_store_id()"
	" AND user_id = $1::uuid AND purpose = 'invite' AND used_at IS NULL",
};

/* How a role reads in a sentence ("... as an owner"). */
static const char *const role_phrases[ROLE__MAX] = {
	"an owner",	/* ROLE_OWNER */
	"an admin",	/* ROLE_ADMIN */
	"an editor",	/* ROLE_EDITOR */
};

enum invite_field {
	IF_EMAIL,
	IF_ROLE,
	IF_NAME,
	IF__MAX
};

static const struct field invite_fields[IF__MAX] = {
	{ "email", FIELD_EMAIL, true, 0, 0, NULL },		/* IF_EMAIL */
	{ "role", FIELD_ENUM, true, 0, 0, role_names },		/* IF_ROLE */
	{ "name", FIELD_TEXT, false, 1, 255, NULL },		/* IF_NAME */
};

enum role_field {
	RF_ROLE,
	RF__MAX
};

static const struct field role_fields[RF__MAX] = {
	{ "role", FIELD_ENUM, true, 0, 0, role_names },		/* RF_ROLE */
};

static const char	*admin_store_line(struct arena *, const char *);
static void		 admin_store_member_json(struct jw *,
			    const struct pg_result *, int);
static int		 admin_store_role_ok(struct req *,
			    const struct principal *, int);
static const char	*admin_store_inviter(struct arena *,
			    const struct principal *);
static void		 admin_store_invite_mail(struct req *,
			    const struct principal *, struct dbq *,
			    const char *to, const char *name, int role,
			    const char *token);
static void		 admin_store_added_mail(struct req *,
			    const struct principal *, struct dbq *,
			    const char *to, int role);

/*
 * s with control characters turned into spaces, for a mail subject.
 * Result lives in the arena.
 */
static const char *
admin_store_line(struct arena *a, const char *s)
{
	char	*o, *p;

	o = arena_strdup(a, s);
	for (p = o; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return o;
}

static void
admin_store_member_json(struct jw *w, const struct pg_result *res, int row)
{
	jw_obj_open(w, NULL);
	jw_str(w, "id", admin_store_val(res, row, "id"));
	jw_str(w, "email", admin_store_val(res, row, "email"));
	jw_str(w, "name", admin_store_val(res, row, "name"));
	jw_str(w, "role", admin_store_val(res, row, "role"));
	jw_bool(w, "mfaEnabled", admin_store_bool(res, row, "mfa_enabled"));
	jw_bool(w, "invited", admin_store_bool(res, row, "invited"));
	jw_str(w, "createdAt", admin_store_val(res, row, "created_at"));
	jw_obj_close(w);
}

/*
 * May p hand out role? Only with every permission the role carries, so a
 * key holding users.manage cannot mint owners. Returns 0, or -1 having
 * answered 403.
 */
static int
admin_store_role_ok(struct req *r, const struct principal *p, int role)
{
	const char *const	*perms;
	size_t			 n;

	perms = role_perms((enum role)role, &n);
	if (perm_subset(perms, n, p->perms, p->nperms))
		return 0;
	req_fail(r, ERR_FORBIDDEN, arena_printf(r->arena, "You cannot make "
	    "someone %s: the role has permissions you do not have.",
	    role_phrases[role]));
	return -1;
}

/*
 * Who is acting, as a mail names them: "Name (email)", the email, or the
 * API key's name. Result lives in the arena.
 */
static const char *
admin_store_inviter(struct arena *a, const struct principal *p)
{
	if (p->email == NULL)
		return arena_printf(a, "The API key \"%s\"",
		    p->key_name != NULL ? p->key_name : "?");
	if (p->name != NULL && *p->name != '\0')
		return arena_printf(a, "%s (%s)", p->name, p->email);
	return p->email;
}

/*
 * Fill q with the invitation mail: who invites, to which store, as what,
 * and the one-time link to accept (the only place the token appears).
 */
static void
admin_store_invite_mail(struct req *r, const struct principal *p,
    struct dbq *q, const char *to, const char *name, int role,
    const char *token)
{
	const char	*store, *subject, *body;

	store = p->store_name != NULL ? p->store_name : "a store";
	subject = arena_printf(r->arena, "You are invited to join %s",
	    admin_store_line(r->arena, store));
	body = arena_printf(r->arena,
	    "Hello%s%s,\n"
	    "\n"
	    "%s has invited you to join the staff of %s as %s.\n"
	    "\n"
	    "To accept, open this link and choose a password:\n"
	    "\n"
	    "%s\n"
	    "\n"
	    "The link expires in 7 days and works once. If you did not expect\n"
	    "this invitation, you can ignore this email: nothing happens\n"
	    "unless you open the link.\n",
	    name != NULL ? " " : "", name != NULL ? name : "",
	    admin_store_inviter(r->arena, p), store, role_phrases[role],
	    outbox_link(r->arena, "/admin/accept", token));
	outbox_q(r->arena, q, p->store_id, "invite", to, subject, body, NULL);
}

/*
 * Fill q with the mail telling someone who already has an account that
 * they are now staff of this store.
 */
static void
admin_store_added_mail(struct req *r, const struct principal *p,
    struct dbq *q, const char *to, int role)
{
	const char	*store, *base, *subject, *body;
	size_t		 n;

	store = p->store_name != NULL ? p->store_name : "a store";
	base = conf_get(CONF_PUBLIC_URL);
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	subject = arena_printf(r->arena, "You now have access to %s",
	    admin_store_line(r->arena, store));
	body = arena_printf(r->arena,
	    "Hello,\n"
	    "\n"
	    "%s has added you to the staff of %s as %s.\n"
	    "\n"
	    "Sign in with your usual email and password:\n"
	    "\n"
	    "%.*s/admin/\n"
	    "\n"
	    "If you did not expect this, please tell the person who added you.\n",
	    admin_store_inviter(r->arena, p), store, role_phrases[role],
	    (int)n, base);
	outbox_q(r->arena, q, p->store_id, "staff_added", to, subject, body,
	    NULL);
}

/*
 * GET /api/v1/admin/users: the store's staff, oldest member first.
 * Needs users.manage.
 */
void
admin_users_list(struct req *r)
{
	struct principal	 p;
	struct pg_result	*res;
	struct dbq		 q;
	struct jw		 w;
	enum err		 rc;
	int			 i, n;

	if (gate_begin(r, &p) == -1)
		return;
	q = (struct dbq){ stmts[STMT_USERS_LIST], 0, NULL };
	if ((rc = gate_tx(r, &p, &q, 1, &res)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	req_json_begin(r, &w);
	jw_arr_open(&w, NULL);
	for (i = 0, n = db_ntuples(res); i < n; i++)
		admin_store_member_json(&w, res, i);
	jw_arr_close(&w);
	req_json_end(r, &w, NULL);
}

/*
 * POST /api/v1/admin/users {email, role, name?}: make someone staff. A
 * person without an account gets one with no password and an invitation
 * (a link valid 7 days); one whose account is still waiting for another
 * store's invitation gets an invitation too; anyone else is told they were
 * added. All in one transaction with the mail. Needs users.manage.
 * Answers 201 with the member. Raises HTTP 400 for bad fields, 403 for a
 * role with permissions the caller lacks, 409 if the person is already
 * staff of this store (or was added meanwhile).
 */
void
admin_users_invite(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct pg_result	*res, *out[4];
	struct dbq		 q[4];
	struct jw		 w;
	const char		*lookup[1], *create[2], *member[2], *tok[2];
	const char		*email, *name, *to, *token;
	bool			 exists = false, pending = false;
	size_t			 nq = 0, mi;
	int			 role;
	enum err		 rc;

	if (gate_begin(r, &p) == -1)
		return;
	if (req_json_body(r, invite_fields, IF__MAX, &f) == -1)
		return;
	if (f.v[IF_NAME].set && admin_store_has_ctl(f.v[IF_NAME].s)) {
		req_fail_field(r, "name", "must not contain control characters");
		return;
	}
	email = f.v[IF_EMAIL].s;
	role = (int)f.v[IF_ROLE].i;
	name = f.v[IF_NAME].set ? f.v[IF_NAME].s : NULL;
	to = email;
	if (admin_store_role_ok(r, &p, role) == -1)
		return;

	lookup[0] = email;
	q[0] = (struct dbq){ stmts[STMT_USER_LOOKUP], 1, lookup };
	if ((rc = gate_tx(r, &p, q, 1, &res)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	if (db_ntuples(res) == 1) {
		if (admin_store_bool(res, 0, "member")) {
			req_fail(r, ERR_CONFLICT, "This person is already staff "
			    "of this store.");
			return;
		}
		exists = true;
		pending = admin_store_bool(res, 0, "pending");
		to = admin_store_val(res, 0, "email");
	}

	if (!exists) {
		create[0] = email;
		create[1] = name;
		q[nq++] = (struct dbq){ stmts[STMT_USER_CREATE], 2, create };
	}
	member[0] = email;
	member[1] = role_names[role];
	mi = nq;
	q[nq++] = (struct dbq){ stmts[STMT_MEMBER_ADD], 2, member };
	if (!exists || pending) {
		token = crypto_token(r->arena, INVITE_TOKEN_BYTES);
		tok[0] = email;
		tok[1] = crypto_sha256_hex(r->arena, token, strlen(token));
		q[nq++] = (struct dbq){ stmts[STMT_INVITE_TOKEN], 2, tok };
		admin_store_invite_mail(r, &p, &q[nq++], to,
		    exists ? NULL : name, role, token);
	} else
		admin_store_added_mail(r, &p, &q[nq++], to, role);

	rc = gate_tx(r, &p, q, nq, out);
	if (rc == ERR_CONFLICT && strcmp(db_sqlstate(r->db), "23505") == 0) {
		req_fail(r, ERR_CONFLICT, "This person was added or invited "
		    "meanwhile; reload the staff list.");
		return;
	}
	if (rc != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	if (db_ntuples(out[mi]) != 1) {
		log_errx("membership for a looked-up user not created");
		req_fail(r, ERR_INTERNAL, NULL);
		return;
	}
	req_json_begin(r, &w);
	admin_store_member_json(&w, out[mi], 0);
	req_json_end(r, &w, NULL);
	r->status = 201;
}

/*
 * PATCH /api/v1/admin/users/{user} {role}: change a member's role. Needs
 * users.manage. Answers the member. Raises HTTP 403 for a role with
 * permissions the caller lacks, 404 if the person is not staff of this
 * store, 409 when it would leave the store without an owner.
 */
void
admin_users_update(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct pg_result	*res;
	struct dbq		 q;
	struct jw		 w;
	const char		*params[2], *user;
	enum err		 rc;

	if (gate_begin(r, &p) == -1)
		return;
	if ((user = gate_param_uuid(r, "user")) == NULL)
		return;
	if (req_json_body(r, role_fields, RF__MAX, &f) == -1)
		return;
	if (admin_store_role_ok(r, &p, (int)f.v[RF_ROLE].i) == -1)
		return;
	params[0] = user;
	params[1] = role_names[f.v[RF_ROLE].i];
	q = (struct dbq){ stmts[STMT_MEMBER_ROLE], 2, params };
	if ((rc = gate_tx(r, &p, &q, 1, &res)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	if (db_ntuples(res) != 1) {
		req_fail(r, ERR_NOT_FOUND, "No such member of this store.");
		return;
	}
	req_json_begin(r, &w);
	admin_store_member_json(&w, res, 0);
	req_json_end(r, &w, NULL);
}

/*
 * DELETE /api/v1/admin/users/{user}: remove someone from the store's
 * staff; their sessions in this store and an unaccepted invitation to it
 * end in the same transaction. Their account stays (they may be staff
 * elsewhere). Needs users.manage. Answers {id, removed: true}. Raises
 * HTTP 404 if the person is not staff of this store, 409 for the last owner.
 */
void
admin_users_remove(struct req *r)
{
	struct principal	 p;
	struct pg_result	*out[3];
	struct dbq		 q[3];
	struct jw		 w;
	const char		*params[1], *user;
	enum err		 rc;

	if (gate_begin(r, &p) == -1)
		return;
	if ((user = gate_param_uuid(r, "user")) == NULL)
		return;
	params[0] = user;
	q[0] = (struct dbq){ stmts[STMT_MEMBER_REMOVE], 1, params };
	q[1] = (struct dbq){ stmts[STMT_MEMBER_SESSIONS], 1, params };
	q[2] = (struct dbq){ stmts[STMT_MEMBER_INVITES], 1, params };
	if ((rc = gate_tx(r, &p, q, 3, out)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	if (db_ntuples(out[0]) != 1) {
		req_fail(r, ERR_NOT_FOUND, "No such member of this store.");
		return;
	}
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "id", user);
	jw_bool(&w, "removed", true);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}
