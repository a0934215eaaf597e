/*
 * admin_store.c: the admin API's store handlers: the store's staff (list,
 * invite by email, change role, remove), its settings, and its API keys
 * (shown once at creation, stored as SHA-256, revoked rather than deleted).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "admin.h"
#include "arena.h"
#include "buf.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "jw.h"
#include "log.h"
#include "outbox.h"
#include "perm.h"
#include "req.h"
#include "str.h"
#include "valid.h"

#define KEY_SECRET_BYTES	32	/* crypto_token: 43 base64url characters */
#define INVITE_TOKEN_BYTES	32
#define ORIGINS_MAX		20
#define HOST_MAX		253

/* A timestamp as the API writes it: UTC, milliseconds, ISO 8601. */
#define TS(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* A member as the API shows it; needs su (store_users) and u (users). */
#define MEMBER_COLS \
	" u.id, u.email, u.name, su.role," \
	" u.mfa_method IS NOT NULL AS mfa_enabled," \
	" u.password_hash LIKE '!%' AS invited," \
	" " TS("su.created_at") " AS created_at"

#define SETTINGS_COLS \
	" s.id, s.slug, s.name, s.currency," \
	" array_to_json(s.allowed_origins) AS allowed_origins," \
	" s.support_email, s.is_active," \
	" " TS("s.created_at") " AS created_at," \
	" " TS("s.updated_at") " AS updated_at"

#define KEY_COLS \
	" k.id, k.name, k.prefix, array_to_json(k.permissions) AS permissions," \
	" " TS("k.created_at") " AS created_at," \
	" " TS("k.last_used_at") " AS last_used_at," \
	" " TS("k.revoked_at") " AS revoked_at, k.created_by"

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
	STMT_SETTINGS_GET,
	STMT_SETTINGS_CHECK,
	STMT_SETTINGS_UPDATE,
	STMT_PRODUCTS_CURRENCY,
	STMT_KEYS_LIST,
	STMT_KEY_CREATE,
	STMT_KEY_REVOKE,
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
	/* STMT_SETTINGS_GET */
	"SELECT" SETTINGS_COLS " FROM stores s WHERE s.id = current_store_id()",
	/* STMT_SETTINGS_CHECK: what a currency change would meet (the
	 * store row locked, so the update below sees the same) */
	"SELECT s.currency AS old_currency, ox.exponent AS old_exponent,"
	" nx.exponent AS new_exponent,"
	" EXISTS (SELECT 1 FROM products p WHERE p.store_id = s.id)"
	"  AS has_products,"
	" EXISTS (SELECT 1 FROM orders o WHERE o.store_id = s.id) AS has_orders"
	" FROM stores s JOIN currencies ox ON ox.code = s.currency"
	" LEFT JOIN currencies nx ON nx.code = $1::text"
	" WHERE s.id = current_store_id() FOR UPDATE OF s",
	/* STMT_SETTINGS_UPDATE: NULL keeps a field; a currency change only
	 * when allowed (else no row, and STMT_SETTINGS_CHECK says why) */
	"UPDATE stores s SET name = coalesce($1::text, s.name),"
	" currency = coalesce($2::text, s.currency),"
	" allowed_origins = CASE WHEN $3::text IS NULL THEN s.allowed_origins"
	"  ELSE ARRAY(SELECT t.x FROM jsonb_array_elements_text($3::text::jsonb)"
	"  WITH ORDINALITY AS t(x, n) ORDER BY t.n) END,"
	" support_email = CASE WHEN $4::boolean THEN $5::text"
	"  ELSE s.support_email END"
	" WHERE s.id = current_store_id() AND ($2::text IS NULL"
	"  OR $2::text = s.currency"
	"  OR (EXISTS (SELECT 1 FROM currencies WHERE code = $2::text)"
	"  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.store_id = s.id)"
	"  AND (NOT EXISTS (SELECT 1 FROM products p WHERE p.store_id = s.id)"
	"  OR (SELECT exponent FROM currencies WHERE code = $2::text) ="
	"  (SELECT exponent FROM currencies WHERE code = s.currency))))"
	" RETURNING" SETTINGS_COLS,
	/* STMT_PRODUCTS_CURRENCY: products follow their store's currency */
	"UPDATE products p SET currency = s.currency FROM stores s"
	" WHERE s.id = current_store_id() AND p.store_id = s.id"
	" AND p.currency <> s.currency",
	/* STMT_KEYS_LIST */
	"SELECT" KEY_COLS " FROM api_keys k WHERE k.store_id = current_store_id()"
	" ORDER BY k.created_at DESC, k.id",
	/* STMT_KEY_CREATE */
	"INSERT INTO api_keys AS k (store_id, name, prefix, key_hash,"
	" permissions, created_by) VALUES (current_store_id(), $1::text,"
	" $2::text, decode($3::text, 'hex'),"
	" ARRAY(SELECT t.x FROM jsonb_array_elements_text($4::text::jsonb)"
	" WITH ORDINALITY AS t(x, n) ORDER BY t.n), $5::uuid)"
	" RETURNING" KEY_COLS,
	/* STMT_KEY_REVOKE */
	"UPDATE api_keys k SET revoked_at = now() WHERE k.id = $1::uuid"
	" AND k.store_id = current_store_id() AND k.revoked_at IS NULL"
	" RETURNING k.id, " TS("k.revoked_at") " AS revoked_at",
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

enum settings_field {
	SF_NAME,
	SF_CURRENCY,
	SF_ORIGINS,
	SF_SUPPORT_EMAIL,
	SF__MAX
};

static const struct field settings_fields[SF__MAX] = {
	{ "name", FIELD_TEXT, false, 1, 255, NULL },		/* SF_NAME */
	{ "currency", FIELD_TEXT, false, 3, 3, NULL },		/* SF_CURRENCY */
	{ "allowedOrigins", FIELD_LIST, false, 0, ORIGINS_MAX, NULL },
								/* SF_ORIGINS */
	{ "supportEmail", FIELD_EMAIL, false, 0, 0, NULL },	/* SF_SUPPORT_EMAIL */
};

enum key_field {
	KF_NAME,
	KF_PERMISSIONS,
	KF__MAX
};

static const struct field key_fields[KF__MAX] = {
	{ "name", FIELD_TEXT, true, 1, 100, NULL },		/* KF_NAME */
	{ "permissions", FIELD_LIST, true, 1, 16, NULL },	/* KF_PERMISSIONS */
};

static const char	*admin_store_val(const struct pg_result *, int,
			    const char *);
static bool		 admin_store_bool(const struct pg_result *, int,
			    const char *);
static bool		 admin_store_has_ctl(const char *);
static const char	*admin_store_line(struct arena *, const char *);
static const char	*admin_store_json_list(struct arena *,
			    const char *const *, size_t);
static void		 admin_store_member_json(struct jw *,
			    const struct pg_result *, int);
static void		 admin_store_settings_json(struct jw *,
			    const struct pg_result *);
static void		 admin_store_key_json(struct jw *,
			    const struct pg_result *, int);
static const char	*admin_store_origin(struct arena *, const char *,
			    const char **);
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

/* Column name of a row, or NULL when SQL NULL. */
static const char *
admin_store_val(const struct pg_result *res, int row, const char *name)
{
	int	 c = db_col(res, name);

	return db_isnull(res, row, c) ? NULL : db_val(res, row, c);
}

static bool
admin_store_bool(const struct pg_result *res, int row, const char *name)
{
	const char	*v = admin_store_val(res, row, name);

	return v != NULL && strcmp(v, "t") == 0;
}

/* Does s hold an ASCII control character (a line break in a name)? */
static bool
admin_store_has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

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

/*
 * v[0..n) as a JSON array of strings: how a list reaches SQL as one
 * parameter (jsonb_array_elements_text), never spliced into the text.
 * Result lives in the arena.
 */
static const char *
admin_store_json_list(struct arena *a, const char *const *v, size_t n)
{
	struct buf	 b;
	struct jw	 w;
	const char	*s;
	size_t		 i;

	/* 20 items of 255 characters, each escaped to at most 6 bytes a byte. */
	buf_init(&b, 256 * 1024);
	jw_init(&w, &b);
	jw_arr_open(&w, NULL);
	for (i = 0; i < n; i++)
		jw_str(&w, NULL, v[i]);
	jw_arr_close(&w);
	if (b.err)
		fatalx("list of %zu items too long", n);
	s = arena_strdup(a, b.data);
	buf_clear(&b);
	return s;
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

static void
admin_store_settings_json(struct jw *w, const struct pg_result *res)
{
	jw_obj_open(w, NULL);
	jw_str(w, "id", admin_store_val(res, 0, "id"));
	jw_str(w, "slug", admin_store_val(res, 0, "slug"));
	jw_str(w, "name", admin_store_val(res, 0, "name"));
	jw_str(w, "currency", admin_store_val(res, 0, "currency"));
	/* PostgreSQL's own JSON for a text[]: an array of strings. */
	jw_raw(w, "allowedOrigins", admin_store_val(res, 0, "allowed_origins"));
	jw_str(w, "supportEmail", admin_store_val(res, 0, "support_email"));
	jw_bool(w, "isActive", admin_store_bool(res, 0, "is_active"));
	jw_str(w, "createdAt", admin_store_val(res, 0, "created_at"));
	jw_str(w, "updatedAt", admin_store_val(res, 0, "updated_at"));
	jw_obj_close(w);
}

/* One key's public fields; the caller closes the object. */
static void
admin_store_key_json(struct jw *w, const struct pg_result *res, int row)
{
	jw_obj_open(w, NULL);
	jw_str(w, "id", admin_store_val(res, row, "id"));
	jw_str(w, "name", admin_store_val(res, row, "name"));
	jw_str(w, "prefix", admin_store_val(res, row, "prefix"));
	jw_raw(w, "permissions", admin_store_val(res, row, "permissions"));
	jw_str(w, "createdAt", admin_store_val(res, row, "created_at"));
	jw_str(w, "lastUsedAt", admin_store_val(res, row, "last_used_at"));
	jw_str(w, "revokedAt", admin_store_val(res, row, "revoked_at"));
	jw_str(w, "createdBy", admin_store_val(res, row, "created_by"));
}

/*
 * Normalise one allowed origin to the form browsers send in Origin, which
 * CORS compares byte for byte: scheme://host[:port] with scheme and host
 * in lower case and the scheme's default port (80, 443) left out. A path
 * (even "/"), query, fragment, user information, a non-ASCII host (use
 * its xn-- form) or a port outside 1..65535 is refused. Returns the
 * origin (in the arena), or NULL with *why.
 */
static const char *
admin_store_origin(struct arena *a, const char *in, const char **why)
{
	const char	*p, *host, *hend, *port = NULL, *e;
	char		*h;
	size_t		 i, hlen, label = 0;
	int64_t		 pn = 0;
	bool		 https;

	if (strncasecmp(in, "https://", 8) == 0) {
		https = true;
		p = in + 8;
	} else if (strncasecmp(in, "http://", 7) == 0) {
		https = false;
		p = in + 7;
	} else {
		*why = "must start with http:// or https://";
		return NULL;
	}
	if (strpbrk(p, "/?#") != NULL) {
		*why = "must be scheme://host[:port] with no path, query or "
		    "fragment (not even a trailing /)";
		return NULL;
	}
	if (strchr(p, '@') != NULL) {
		*why = "must not carry user information (@)";
		return NULL;
	}
	host = p;
	if (*p == '[') {
		/* An IPv6 literal: hex digits, colons, and dots for IPv4. */
		for (hend = p + 1; *hend != ']'; hend++)
			if (!((*hend >= '0' && *hend <= '9') ||
			    (*hend >= 'a' && *hend <= 'f') ||
			    (*hend >= 'A' && *hend <= 'F') ||
			    *hend == ':' || *hend == '.')) {
				*why = "has an invalid IPv6 address";
				return NULL;
			}
		if (hend == p + 1) {
			*why = "has an invalid IPv6 address";
			return NULL;
		}
		hend++;
	} else
		hend = p + strcspn(p, ":");
	hlen = (size_t)(hend - host);
	if (hlen == 0) {
		*why = "must name a host";
		return NULL;
	}
	if (*hend == ':') {
		port = hend + 1;
		for (i = 0; port[i] != '\0'; i++)
			if (port[i] < '0' || port[i] > '9')
				break;
		pn = str_to_i64(port, 1, 65535, &e);
		if (port[i] != '\0' || i == 0 || i > 5 || e != NULL) {
			*why = "must have a port from 1 to 65535";
			return NULL;
		}
		if (pn == (https ? 443 : 80))
			port = NULL;
	} else if (*hend != '\0') {
		*why = "must be scheme://host[:port]";
		return NULL;
	}
	if (*host != '[') {
		if (hlen > HOST_MAX) {
			*why = "has a host name that is too long";
			return NULL;
		}
		for (i = 0; i <= hlen; i++) {
			if (i == hlen || host[i] == '.') {
				if (label == 0 || host[i - 1] == '-') {
					*why = "has an invalid host name";
					return NULL;
				}
				label = 0;
				continue;
			}
			if ((unsigned char)host[i] >= 0x80) {
				*why = "must give an international host name in "
				    "its ASCII (xn--) form";
				return NULL;
			}
			if (!((host[i] >= 'a' && host[i] <= 'z') ||
			    (host[i] >= 'A' && host[i] <= 'Z') ||
			    (host[i] >= '0' && host[i] <= '9') ||
			    host[i] == '-') || ++label > 63 ||
			    (label == 1 && host[i] == '-')) {
				*why = "has an invalid host name";
				return NULL;
			}
		}
	}
	h = arena_strndup(a, host, hlen);
	for (i = 0; i < hlen; i++)
		if (h[i] >= 'A' && h[i] <= 'Z')
			h[i] = (char)(h[i] - 'A' + 'a');
	if (port != NULL)
		return arena_printf(a, "%s://%s:%lld", https ? "https" : "http",
		    h, (long long)pn);
	return arena_printf(a, "%s://%s", https ? "https" : "http", h);
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

	if (admin_begin(r, &p) == -1)
		return;
	q = (struct dbq){ stmts[STMT_USERS_LIST], 0, NULL };
	if ((rc = admin_tx(r, &p, &q, 1, &res)) != ERR_OK) {
		admin_fail(r, rc);
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

	if (admin_begin(r, &p) == -1)
		return;
	if (admin_body(r, invite_fields, IF__MAX, &f) == -1)
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
	if ((rc = admin_tx(r, &p, q, 1, &res)) != ERR_OK) {
		admin_fail(r, rc);
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

	rc = admin_tx(r, &p, q, nq, out);
	if (rc == ERR_CONFLICT && strcmp(db_sqlstate(r->db), "23505") == 0) {
		req_fail(r, ERR_CONFLICT, "This person was added or invited "
		    "meanwhile; reload the staff list.");
		return;
	}
	if (rc != ERR_OK) {
		admin_fail(r, rc);
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

	if (admin_begin(r, &p) == -1)
		return;
	if ((user = admin_param_uuid(r, "user")) == NULL)
		return;
	if (admin_body(r, role_fields, RF__MAX, &f) == -1)
		return;
	if (admin_store_role_ok(r, &p, (int)f.v[RF_ROLE].i) == -1)
		return;
	params[0] = user;
	params[1] = role_names[f.v[RF_ROLE].i];
	q = (struct dbq){ stmts[STMT_MEMBER_ROLE], 2, params };
	if ((rc = admin_tx(r, &p, &q, 1, &res)) != ERR_OK) {
		admin_fail(r, rc);
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

	if (admin_begin(r, &p) == -1)
		return;
	if ((user = admin_param_uuid(r, "user")) == NULL)
		return;
	params[0] = user;
	q[0] = (struct dbq){ stmts[STMT_MEMBER_REMOVE], 1, params };
	q[1] = (struct dbq){ stmts[STMT_MEMBER_SESSIONS], 1, params };
	q[2] = (struct dbq){ stmts[STMT_MEMBER_INVITES], 1, params };
	if ((rc = admin_tx(r, &p, q, 3, out)) != ERR_OK) {
		admin_fail(r, rc);
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

/*
 * GET /api/v1/admin/settings: the store's settings. Any staff.
 */
void
admin_settings_get(struct req *r)
{
	struct principal	 p;
	struct pg_result	*res;
	struct dbq		 q;
	struct jw		 w;
	enum err		 rc;

	if (admin_begin(r, &p) == -1)
		return;
	q = (struct dbq){ stmts[STMT_SETTINGS_GET], 0, NULL };
	if ((rc = admin_tx(r, &p, &q, 1, &res)) != ERR_OK) {
		admin_fail(r, rc);
		return;
	}
	if (db_ntuples(res) != 1) {
		req_fail(r, ERR_NOT_FOUND, "No such store.");
		return;
	}
	req_json_begin(r, &w);
	admin_store_settings_json(&w, res);
	req_json_end(r, &w, NULL);
}

/*
 * PATCH /api/v1/admin/settings {name?, currency?, allowedOrigins?,
 * supportEmail?}: change what is given (supportEmail null clears it).
 * Origins are normalised (see admin_store_origin) and duplicates dropped.
 * A new currency carries the store's products with it, in the same
 * transaction. Needs settings.write. Answers the settings. Raises HTTP 400
 * for bad fields, an unknown currency or nothing to change; 409 for a
 * currency change once the store has orders, or to a currency with other
 * decimals while it has products.
 */
void
admin_settings_update(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct pg_result	*out[3];
	struct dbq		 q[3];
	struct jw		 w;
	const char		*check[1], *upd[5], *why, *cur, *ox, *nx;
	const char		**origins = NULL;
	const struct fval	*v;
	size_t			 i, j, n = 0;
	enum err		 rc;

	if (admin_begin(r, &p) == -1)
		return;
	if (admin_body(r, settings_fields, SF__MAX, &f) == -1)
		return;
	for (i = 0; i < SF__MAX; i++)
		if (i != SF_SUPPORT_EMAIL && f.v[i].null)
			valid_error(&f, settings_fields[i].name,
			    "must not be null");
	if (f.v[SF_NAME].set && admin_store_has_ctl(f.v[SF_NAME].s))
		valid_error(&f, "name", "must not contain control characters");
	cur = f.v[SF_CURRENCY].set ? f.v[SF_CURRENCY].s : NULL;
	if (cur != NULL)
		for (i = 0; i < 3; i++)
			if (cur[i] < 'A' || cur[i] > 'Z') {
				valid_error(&f, "currency", "must be an ISO 4217 "
				    "code in capitals, like EUR");
				break;
			}
	v = &f.v[SF_ORIGINS];
	if (v->set) {
		origins = arena_calloc(r->arena, v->nlist + 1, sizeof(*origins));
		for (i = 0; i < v->nlist; i++) {
			const char *o = admin_store_origin(r->arena,
			    v->list[i], &why);

			if (o == NULL) {
				valid_error(&f, "allowedOrigins", arena_printf(
				    r->arena, "item %zu %s", i + 1, why));
				break;
			}
			for (j = 0; j < n; j++)
				if (strcmp(origins[j], o) == 0)
					break;
			if (j == n)
				origins[n++] = o;
		}
	}
	if (f.nerrs > 0) {
		req_fail_form(r, &f);
		return;
	}
	if (!f.v[SF_NAME].set && cur == NULL && !v->set &&
	    !f.v[SF_SUPPORT_EMAIL].set && !f.v[SF_SUPPORT_EMAIL].null) {
		req_fail(r, ERR_VALIDATION, "Nothing to change: give at least "
		    "one of name, currency, allowedOrigins, supportEmail.");
		return;
	}

	check[0] = cur;
	upd[0] = f.v[SF_NAME].set ? f.v[SF_NAME].s : NULL;
	upd[1] = cur;
	upd[2] = v->set ? admin_store_json_list(r->arena, origins, n) : NULL;
	upd[3] = f.v[SF_SUPPORT_EMAIL].set || f.v[SF_SUPPORT_EMAIL].null ?
	    "true" : "false";
	upd[4] = f.v[SF_SUPPORT_EMAIL].set ? f.v[SF_SUPPORT_EMAIL].s : NULL;
	q[0] = (struct dbq){ stmts[STMT_SETTINGS_CHECK], 1, check };
	q[1] = (struct dbq){ stmts[STMT_SETTINGS_UPDATE], 5, upd };
	q[2] = (struct dbq){ stmts[STMT_PRODUCTS_CURRENCY], 0, NULL };
	if ((rc = admin_tx(r, &p, q, 3, out)) != ERR_OK) {
		admin_fail(r, rc);
		return;
	}
	if (db_ntuples(out[1]) == 1) {
		req_json_begin(r, &w);
		admin_store_settings_json(&w, out[1]);
		req_json_end(r, &w, NULL);
		return;
	}
	/* Nothing was changed: say why. */
	if (db_ntuples(out[0]) != 1) {
		req_fail(r, ERR_NOT_FOUND, "No such store.");
		return;
	}
	ox = admin_store_val(out[0], 0, "old_exponent");
	nx = admin_store_val(out[0], 0, "new_exponent");
	if (nx == NULL)
		req_fail_field(r, "currency", "is not a currency this "
		    "installation supports");
	else if (admin_store_bool(out[0], 0, "has_orders"))
		req_fail(r, ERR_CONFLICT, "The store has orders, which keep "
		    "their currency: its currency can no longer change.");
	else if (admin_store_bool(out[0], 0, "has_products") &&
	    strcmp(ox, nx) != 0)
		req_fail(r, ERR_CONFLICT, "Prices are stored in minor units; "
		    "changing between currencies with different decimals "
		    "would change every price.");
	else
		req_fail(r, ERR_CONFLICT, "The store changed meanwhile; "
		    "try again.");
}

/*
 * GET /api/v1/admin/api-keys: the store's keys, newest first, revoked
 * ones included; never a key or its hash. Needs an owner or admin in
 * person.
 */
void
admin_keys_list(struct req *r)
{
	struct principal	 p;
	struct pg_result	*res;
	struct dbq		 q;
	struct jw		 w;
	enum err		 rc;
	int			 i, n;

	if (admin_begin(r, &p) == -1)
		return;
	q = (struct dbq){ stmts[STMT_KEYS_LIST], 0, NULL };
	if ((rc = admin_tx(r, &p, &q, 1, &res)) != ERR_OK) {
		admin_fail(r, rc);
		return;
	}
	req_json_begin(r, &w);
	jw_arr_open(&w, NULL);
	for (i = 0, n = db_ntuples(res); i < n; i++) {
		admin_store_key_json(&w, res, i);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	req_json_end(r, &w, NULL);
}

/*
 * POST /api/v1/admin/api-keys {name, permissions}: a new key, "ck_" + the
 * store id's 32 hex digits + "_" + 43 random base64url characters. Only
 * its SHA-256 is kept, with the prefix "ck_…" + its last 4 characters to
 * recognise it by. Needs an owner or admin in person. Answers 201 with
 * the key (the only time it is shown). Raises HTTP 400 for bad fields or
 * an unknown permission, 403 for a permission the creator lacks.
 */
void
admin_keys_create(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct pg_result	*res;
	struct dbq		 q;
	struct jw		 w;
	const struct fval	*v;
	const char		**want, *params[5];
	char			 hex[33], *key;
	size_t			 i, j, n = 0, len;
	enum err		 rc;

	if (admin_begin(r, &p) == -1)
		return;
	if (admin_body(r, key_fields, KF__MAX, &f) == -1)
		return;
	if (admin_store_has_ctl(f.v[KF_NAME].s)) {
		req_fail_field(r, "name", "must not contain control characters");
		return;
	}
	v = &f.v[KF_PERMISSIONS];
	want = arena_calloc(r->arena, v->nlist + 1, sizeof(*want));
	for (i = 0; i < v->nlist; i++) {
		if (!perm_valid(v->list[i])) {
			req_fail_field(r, "permissions", arena_printf(r->arena,
			    "names an unknown permission: %s", v->list[i]));
			return;
		}
		for (j = 0; j < n; j++)
			if (strcmp(want[j], v->list[i]) == 0)
				break;
		if (j == n)
			want[n++] = v->list[i];
	}
	for (i = 0; i < n; i++)
		if (!perm_subset(&want[i], 1, p.perms, p.nperms)) {
			req_fail(r, ERR_FORBIDDEN, arena_printf(r->arena,
			    "You cannot give a key permissions you do not "
			    "have: %s.", want[i]));
			return;
		}

	for (i = j = 0; p.store_id[i] != '\0' && j < 32; i++) {
		char c = p.store_id[i];

		if (c == '-')
			continue;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		hex[j++] = c;
	}
	hex[j] = '\0';
	if (j != 32 || !str_is_uuid(p.store_id)) {
		log_errx("store id %s is not a UUID", p.store_id);
		req_fail(r, ERR_INTERNAL, NULL);
		return;
	}
	key = arena_printf(r->arena, "ck_%s_%s", hex,
	    crypto_token(r->arena, KEY_SECRET_BYTES));
	len = strlen(key);

	params[0] = f.v[KF_NAME].s;
	params[1] = arena_printf(r->arena, "ck_\xe2\x80\xa6%s", key + len - 4);
	params[2] = crypto_sha256_hex(r->arena, key, len);
	params[3] = admin_store_json_list(r->arena, want, n);
	params[4] = p.user_id;
	q = (struct dbq){ stmts[STMT_KEY_CREATE], 5, params };
	if ((rc = admin_tx(r, &p, &q, 1, &res)) != ERR_OK) {
		admin_fail(r, rc);
		return;
	}
	req_nocache(r);
	req_json_begin(r, &w);
	admin_store_key_json(&w, res, 0);
	jw_str(&w, "key", key);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
	r->status = 201;
}

/*
 * DELETE /api/v1/admin/api-keys/{key}: revoke a key; it stops working at
 * once and stays listed. Needs an owner or admin in person. Answers {id,
 * revokedAt}. Raises HTTP 404 for a key that is not this store's or is
 * already revoked.
 */
void
admin_keys_revoke(struct req *r)
{
	struct principal	 p;
	struct pg_result	*res;
	struct dbq		 q;
	struct jw		 w;
	const char		*params[1];
	enum err		 rc;

	if (admin_begin(r, &p) == -1)
		return;
	if ((params[0] = admin_param_uuid(r, "key")) == NULL)
		return;
	q = (struct dbq){ stmts[STMT_KEY_REVOKE], 1, params };
	if ((rc = admin_tx(r, &p, &q, 1, &res)) != ERR_OK) {
		admin_fail(r, rc);
		return;
	}
	if (db_ntuples(res) != 1) {
		req_fail(r, ERR_NOT_FOUND, "No such API key, or it is already "
		    "revoked.");
		return;
	}
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "id", admin_store_val(res, 0, "id"));
	jw_str(&w, "revokedAt", admin_store_val(res, 0, "revoked_at"));
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}
