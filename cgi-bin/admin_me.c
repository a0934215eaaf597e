/*
 * admin_me.c: the signed-in person's own account: profile, password
 * change (which ends every other session and every older token), and the
 * second factor: TOTP enrolment with an otpauth:// URI confirmed by a
 * first code, emailed codes, ten single-use backup codes, and disabling.
 * Changes are audited in the store the person acts for.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "jw.h"
#include "log.h"
#include "password.h"
#include "perm.h"
#include "req.h"
#include "totp.h"
#include "valid.h"

#define BACKUP_CODES	10
#define TOTP_SECRET_LEN	20	/* bytes: 160 bits, as RFC 4226 advises */

enum stmt {
	STMT_ME,
	STMT_NAME,
	STMT_PASSWORD,
	STMT_END_OTHERS,
	STMT_TOTP_PENDING,
	STMT_TOTP_ENABLE,
	STMT_EMAIL_ENABLE,
	STMT_MFA_OFF,
	STMT_CODES_DROP,
	STMT_CODES_ADD,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* STMT_ME */
	"SELECT u.id, u.email, u.name, u.password_hash, u.mfa_method,"
	" u.totp_secret, u.totp_pending, u.totp_last_step,"
	" (SELECT count(*) FROM mfa_backup_codes b WHERE b.user_id = u.id"
	"  AND b.used_at IS NULL), " TS("u.created_at")
	" FROM users u WHERE u.id = $1::uuid",
	/* STMT_NAME */
	"UPDATE users SET name = $2 WHERE id = $1::uuid",
	/* STMT_PASSWORD */
	"UPDATE users SET password_hash = $2, password_changed_at = now()"
	" WHERE id = $1::uuid",
	/* STMT_END_OTHERS: every session but this one ($2 may be NULL) */
	"DELETE FROM sessions WHERE user_id = $1::uuid"
	" AND id IS DISTINCT FROM $2::uuid",
	/* STMT_TOTP_PENDING */
	"UPDATE users SET totp_pending = $2 WHERE id = $1::uuid",
	/* STMT_TOTP_ENABLE: the pending secret becomes the one */
	"UPDATE users SET mfa_method = 'totp', totp_secret = totp_pending,"
	" totp_pending = NULL, totp_last_step = $3::bigint"
	" WHERE id = $1::uuid AND totp_pending = $2 RETURNING 1",
	/* STMT_EMAIL_ENABLE */
	"UPDATE users SET mfa_method = 'email', totp_secret = NULL,"
	" totp_pending = NULL WHERE id = $1::uuid AND mfa_method IS NULL"
	" RETURNING 1",
	/* STMT_MFA_OFF */
	"UPDATE users SET mfa_method = NULL, totp_secret = NULL,"
	" totp_pending = NULL, totp_last_step = NULL, email_code_hash = NULL,"
	" email_code_expires_at = NULL WHERE id = $1::uuid",
	/* STMT_CODES_DROP */
	"DELETE FROM mfa_backup_codes WHERE user_id = $1::uuid",
	/* STMT_CODES_ADD: $2 is the codes' hex digests, space-separated */
	"INSERT INTO mfa_backup_codes (user_id, code_hash)"
	" SELECT $1::uuid, decode(h, 'hex')"
	" FROM unnest(string_to_array($2, ' ')) AS h",
};

static const struct field name_fields[] = {
	{ "name", FIELD_TEXT, true, 1, 255, NULL },
};

enum pw_field {
	PW_CURRENT,
	PW_NEW,
	PW__MAX
};

static const struct field password_fields[PW__MAX] = {
	{ "currentPassword", FIELD_TEXT, true, 1, 1024, NULL },	/* PW_CURRENT */
	{ "newPassword", FIELD_TEXT, true, 1, 1024, NULL },	/* PW_NEW */
};

static const struct field code_fields[] = {
	{ "code", FIELD_TEXT, true, 1, 32, NULL },
};

static const struct field confirm_password_fields[] = {
	{ "password", FIELD_TEXT, true, 1, 1024, NULL },
};

struct me {
	const char	*id;
	const char	*email;
	const char	*name;
	const char	*hash;
	const char	*mfa;		/* totp | email | NULL */
	const char	*totp_pending;
	int64_t		 codes_left;
	const char	*created_at;
};

static struct dbq
q(enum stmt s, int n, const char *const *p)
{
	return (struct dbq){ stmts[s], n, p };
}

/*
 * Read the person's row; -1 having answered.
 */
static int
me_read(struct req *r, const struct principal *p, struct me *m)
{
	struct pg_result	*res;
	struct dbq		 one;
	enum err		 rc;

	one = q(STMT_ME, 1, &p->user_id);
	if ((rc = db_run(r->db, r->arena, &one, 1, &res, true)) != ERR_OK) {
		gate_fail(r, rc);
		return -1;
	}
	if (db_ntuples(res) != 1) {
		req_fail(r, ERR_UNAUTHORIZED, "No such person.");
		return -1;
	}
	m->id = db_val(res, 0, 0);
	m->email = db_val(res, 0, 1);
	m->name = db_isnull(res, 0, 2) ? NULL : db_val(res, 0, 2);
	m->hash = db_val(res, 0, 3);
	m->mfa = db_isnull(res, 0, 4) ? NULL : db_val(res, 0, 4);
	m->totp_pending = db_isnull(res, 0, 6) ? NULL : db_val(res, 0, 6);
	m->codes_left = strtoll(db_val(res, 0, 8), NULL, 10);
	m->created_at = db_val(res, 0, 9);
	return 0;
}

/*
 * Check a re-entered password; -1 having answered.
 */
static int
me_password_ok(struct req *r, const struct me *m, const char *field,
    const char *pw)
{
	if (auth_password_check(pw, m->hash))
		return 0;
	req_fail_field(r, field, "is not your current password");
	return -1;
}

static void
me_write(struct req *r, const struct principal *p, const struct me *m)
{
	struct jw	 w;
	size_t		 i;

	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "id", m->id);
	jw_str(&w, "email", m->email);
	jw_str(&w, "name", m->name);
	jw_obj_open(&w, "mfa");
	jw_bool(&w, "enabled", m->mfa != NULL);
	jw_str(&w, "method", m->mfa);
	jw_int(&w, "backupCodesLeft", m->codes_left);
	jw_obj_close(&w);
	jw_obj_open(&w, "store");
	jw_str(&w, "id", p->store_id);
	jw_str(&w, "slug", p->store_slug);
	jw_str(&w, "name", p->store_name);
	jw_str(&w, "currency", p->currency);
	jw_obj_close(&w);
	jw_str(&w, "role", role_names[p->role]);
	jw_arr_open(&w, "permissions");
	for (i = 0; i < p->nperms; i++)
		jw_str(&w, NULL, p->perms[i]);
	jw_arr_close(&w);
	jw_str(&w, "credential", p->kind == CRED_SESSION ? "session" : "jwt");
	jw_str(&w, "createdAt", m->created_at);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}

/*
 * GET /api/v1/admin/me
 */
void
admin_me_get(struct req *r)
{
	struct principal	 p;
	struct me		 m;

	if (gate_begin(r, &p) == -1 || me_read(r, &p, &m) == -1)
		return;
	me_write(r, &p, &m);
}

/*
 * PATCH /api/v1/admin/me {name}
 */
void
admin_me_update(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct me		 m;
	struct dbq		 one;
	const char		*prm[2];
	enum err		 rc;

	if (gate_begin(r, &p) == -1)
		return;
	if (req_json_body(r, name_fields, nitems(name_fields), &f) == -1)
		return;
	prm[0] = p.user_id;
	prm[1] = f.v[0].s;
	one = q(STMT_NAME, 2, prm);
	if ((rc = gate_tx(r, &p, &one, 1, NULL)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	if (me_read(r, &p, &m) == -1)
		return;
	me_write(r, &p, &m);
}

/*
 * POST /api/v1/admin/me/password {currentPassword, newPassword}: every
 * other session ends, and every token issued before now stops working;
 * a JWT caller gets a fresh token in the answer.
 */
void
admin_me_password(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct me		 m;
	struct dbq		 qs[2];
	struct jw		 w;
	const char		*pw[2], *end[2], *token = NULL;
	char			 hash[PASSWORD_HASH_MAX];
	int64_t			 exp = 0;
	enum err		 rc;

	if (gate_begin(r, &p) == -1)
		return;
	if (req_json_body(r, password_fields, PW__MAX, &f) == -1)
		return;
	if (me_read(r, &p, &m) == -1 ||
	    me_password_ok(r, &m, "currentPassword", f.v[PW_CURRENT].s) == -1 ||
	    admin_password_policy(r, "newPassword", f.v[PW_NEW].s) == -1)
		return;
	if (password_hash(f.v[PW_NEW].s, hash) == -1) {
		req_fail(r, ERR_INTERNAL, NULL);
		return;
	}
	pw[0] = p.user_id;
	pw[1] = hash;
	end[0] = p.user_id;
	end[1] = p.session_id;
	qs[0] = q(STMT_PASSWORD, 2, pw);
	qs[1] = q(STMT_END_OTHERS, 2, end);
	if ((rc = gate_tx(r, &p, qs, 2, NULL)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	if (p.kind == CRED_JWT)
		token = auth_jwt(r->arena, p.user_id, p.store_id, p.role, &exp);
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_bool(&w, "passwordChanged", true);
	if (token != NULL) {
		jw_str(&w, "token", token);
		jw_int(&w, "expiresIn", conf_int(CONF_JWT_TTL));
	}
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}

/*
 * Make BACKUP_CODES fresh codes ("xxxxx-xxxxx", 50 bits each) into
 * codes[], and their digests (of the 10 characters without the dash),
 * space-separated, into *hexes.
 */
static void
backup_codes_new(struct arena *a, const char *codes[BACKUP_CODES],
    const char **hexes)
{
	unsigned char	 raw[7];
	char		 b32[16], plain[11], *all;
	size_t		 i, o = 0;

	all = arena_alloc(a, BACKUP_CODES * 65 + 1);
	for (i = 0; i < BACKUP_CODES; i++) {
		crypto_random(raw, sizeof(raw));
		crypto_base32_encode(b32, sizeof(b32), raw, sizeof(raw));
		for (size_t j = 0; j < 10; j++)
			plain[j] = (b32[j] >= 'A' && b32[j] <= 'Z') ?
			    (char)(b32[j] + 32) : b32[j];
		plain[10] = '\0';
		codes[i] = arena_printf(a, "%.5s-%.5s", plain, plain + 5);
		if (i > 0)
			all[o++] = ' ';
		memcpy(all + o, crypto_sha256_hex(a, plain, 10), 64);
		o += 64;
	}
	all[o] = '\0';
	*hexes = all;
}

static void
write_codes(struct jw *w, const char *const codes[BACKUP_CODES])
{
	size_t	 i;

	jw_arr_open(w, "backupCodes");
	for (i = 0; i < BACKUP_CODES; i++)
		jw_str(w, NULL, codes[i]);
	jw_arr_close(w);
}

/*
 * Read a {password} body and check it against the person's own: the
 * re-entry that guards MFA changes. Returns 0 with m filled, or -1
 * having answered.
 */
static int
me_confirm(struct req *r, const struct principal *p, struct me *m)
{
	struct form	 f;

	if (req_json_body(r, confirm_password_fields,
	    nitems(confirm_password_fields), &f) == -1 ||
	    me_read(r, p, m) == -1 ||
	    me_password_ok(r, m, "password", f.v[0].s) == -1)
		return -1;
	return 0;
}

/*
 * Turn a second factor on: run enable (which must touch one row, else the
 * person's MFA changed meanwhile: answer conflict) with ten fresh backup
 * codes in one transaction, and answer the method and the codes, once.
 */
static void
mfa_turn_on(struct req *r, const struct principal *p, struct dbq enable,
    const char *method, const char *conflict)
{
	struct dbq		 qs[3];
	struct pg_result	*res[3];
	struct jw		 w;
	const char		*codes[BACKUP_CODES], *hexes, *add[2];
	enum err		 rc;

	backup_codes_new(r->arena, codes, &hexes);
	add[0] = p->user_id;
	add[1] = hexes;
	qs[0] = enable;
	qs[1] = q(STMT_CODES_DROP, 1, &p->user_id);
	qs[2] = q(STMT_CODES_ADD, 2, add);
	if ((rc = gate_tx(r, p, qs, 3, res)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	if (db_ntuples(res[0]) != 1) {
		req_fail(r, ERR_CONFLICT, conflict);
		return;
	}
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "method", method);
	write_codes(&w, codes);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}

/*
 * POST /api/v1/admin/me/mfa/totp: start enrolment. Answers a new secret
 * and its otpauth:// URI (the admin pages show it as a QR code); it takes
 * effect once a first code from it is confirmed.
 */
void
admin_me_totp_begin(struct req *r)
{
	struct principal	 p;
	struct me		 m;
	struct dbq		 one;
	struct jw		 w;
	unsigned char		 key[TOTP_SECRET_LEN];
	char			 b32[64];
	const char		*prm[2];
	enum err		 rc;

	if (gate_begin(r, &p) == -1 || me_read(r, &p, &m) == -1)
		return;
	if (m.mfa != NULL) {
		req_fail(r, ERR_CONFLICT, "A second factor is already on: "
		    "disable it first to enrol a new authenticator.");
		return;
	}
	crypto_random(key, sizeof(key));
	crypto_base32_encode(b32, sizeof(b32), key, sizeof(key));
	prm[0] = p.user_id;
	prm[1] = b32;
	one = q(STMT_TOTP_PENDING, 2, prm);
	if ((rc = db_run(r->db, r->arena, &one, 1, NULL, false)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "secret", b32);
	jw_str(&w, "otpauthUri", totp_uri(r->arena, conf_get(CONF_MFA_ISSUER),
	    m.email, b32));
	jw_str(&w, "algorithm", "SHA1");
	jw_int(&w, "digits", TOTP_DIGITS);
	jw_int(&w, "period", TOTP_PERIOD);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}

/*
 * POST /api/v1/admin/me/mfa/totp/confirm {code}: the first code from the
 * authenticator turns TOTP on; answers the backup codes, once.
 */
void
admin_me_totp_confirm(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct me		 m;
	unsigned char		 key[64];
	size_t			 keylen;
	int64_t			 step;
	const char		*en[3];

	if (gate_begin(r, &p) == -1)
		return;
	if (req_json_body(r, code_fields, nitems(code_fields), &f) == -1 ||
	    me_read(r, &p, &m) == -1)
		return;
	if (m.mfa != NULL) {
		req_fail(r, ERR_CONFLICT, "A second factor is already on.");
		return;
	}
	if (m.totp_pending == NULL || crypto_base32_decode(key, sizeof(key),
	    m.totp_pending, strlen(m.totp_pending), &keylen) == -1) {
		req_fail(r, ERR_CONFLICT, "Start enrolment first: "
		    "POST /api/v1/admin/me/mfa/totp.");
		return;
	}
	if (!totp_verify(key, keylen, f.v[0].s, time(NULL), -1, &step)) {
		req_fail_field(r, "code", "is not the current code of this secret");
		return;
	}
	en[0] = p.user_id;
	en[1] = m.totp_pending;
	en[2] = arena_printf(r->arena, "%lld", (long long)step);
	mfa_turn_on(r, &p, q(STMT_TOTP_ENABLE, 3, en), "totp",
	    "The enrolment changed meanwhile; start again.");
}

/*
 * POST /api/v1/admin/me/mfa/email {password}: the second factor becomes a
 * code emailed at each sign-in; answers the backup codes, once.
 */
void
admin_me_email_mfa(struct req *r)
{
	struct principal	 p;
	struct me		 m;

	if (gate_begin(r, &p) == -1 || me_confirm(r, &p, &m) == -1)
		return;
	if (m.mfa != NULL) {
		req_fail(r, ERR_CONFLICT, "A second factor is already on.");
		return;
	}
	mfa_turn_on(r, &p, q(STMT_EMAIL_ENABLE, 1, &p.user_id), "email",
	    "A second factor is already on.");
}

/*
 * DELETE /api/v1/admin/me/mfa {password}: second factor off, backup
 * codes void.
 */
void
admin_me_mfa_disable(struct req *r)
{
	struct principal	 p;
	struct me		 m;
	struct dbq		 qs[2];
	struct jw		 w;
	enum err		 rc;

	if (gate_begin(r, &p) == -1 || me_confirm(r, &p, &m) == -1)
		return;
	qs[0] = q(STMT_MFA_OFF, 1, &p.user_id);
	qs[1] = q(STMT_CODES_DROP, 1, &p.user_id);
	if ((rc = gate_tx(r, &p, qs, 2, NULL)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_bool(&w, "enabled", false);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}

/*
 * POST /api/v1/admin/me/mfa/backup-codes {password}: ten new codes; the
 * old ones stop working.
 */
void
admin_me_backup_codes(struct req *r)
{
	struct principal	 p;
	struct me		 m;
	struct dbq		 qs[2];
	struct jw		 w;
	const char		*codes[BACKUP_CODES], *hexes, *add[2];
	enum err		 rc;

	if (gate_begin(r, &p) == -1 || me_confirm(r, &p, &m) == -1)
		return;
	if (m.mfa == NULL) {
		req_fail(r, ERR_CONFLICT, "Turn a second factor on first.");
		return;
	}
	backup_codes_new(r->arena, codes, &hexes);
	add[0] = p.user_id;
	add[1] = hexes;
	qs[0] = q(STMT_CODES_DROP, 1, &p.user_id);
	qs[1] = q(STMT_CODES_ADD, 2, add);
	if ((rc = gate_tx(r, &p, qs, 2, NULL)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	write_codes(&w, codes);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}
