/*
 * admin_keys.c: the admin API's API keys: listed, created (the key shown
 * once, stored as SHA-256) and revoked rather than deleted; for an owner
 * or admin in person.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "admin.h"
#include "admin_store.h"
#include "arena.h"
#include "crypto.h"
#include "db.h"
#include "jw.h"
#include "log.h"
#include "perm.h"
#include "req.h"
#include "str.h"
#include "valid.h"

#define KEY_SECRET_BYTES	32	/* crypto_token: 43 base64url characters */

#define KEY_COLS \
	" k.id, k.name, k.prefix, array_to_json(k.permissions) AS permissions," \
	" " TS("k.created_at") " AS created_at," \
	" " TS("k.last_used_at") " AS last_used_at," \
	" " TS("k.revoked_at") " AS revoked_at, k.created_by"

enum stmt {
	STMT_KEYS_LIST,
	STMT_KEY_CREATE,
	STMT_KEY_REVOKE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
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

enum key_field {
	KF_NAME,
	KF_PERMISSIONS,
	KF__MAX
};

static const struct field key_fields[KF__MAX] = {
	{ "name", FIELD_TEXT, true, 1, 100, NULL },		/* KF_NAME */
	{ "permissions", FIELD_LIST, true, 1, 16, NULL },	/* KF_PERMISSIONS */
};

static void		 admin_store_key_json(struct jw *,
			    const struct pg_result *, int);

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

	if (gate_begin(r, &p) == -1)
		return;
	q = (struct dbq){ stmts[STMT_KEYS_LIST], 0, NULL };
	if ((rc = gate_tx(r, &p, &q, 1, &res)) != ERR_OK) {
		gate_fail(r, rc);
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

	if (gate_begin(r, &p) == -1)
		return;
	if (req_json_body(r, key_fields, KF__MAX, &f) == -1)
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
	if ((rc = gate_tx(r, &p, &q, 1, &res)) != ERR_OK) {
		gate_fail(r, rc);
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

	if (gate_begin(r, &p) == -1)
		return;
	if ((params[0] = gate_param_uuid(r, "key")) == NULL)
		return;
	q = (struct dbq){ stmts[STMT_KEY_REVOKE], 1, params };
	if ((rc = gate_tx(r, &p, &q, 1, &res)) != ERR_OK) {
		gate_fail(r, rc);
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
