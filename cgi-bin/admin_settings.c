/*
 * admin_settings.c: the admin API's store settings: read by any staff;
 * name, currency (carrying the products with it), allowed CORS origins
 * and support email changed with settings.write.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "admin.h"
#include "admin_store.h"
#include "arena.h"
#include "db.h"
#include "jw.h"
#include "req.h"
#include "str.h"
#include "valid.h"

#define ORIGINS_MAX		20
#define HOST_MAX		253

#define SETTINGS_COLS \
	" s.id, s.slug, s.name, s.currency," \
	" array_to_json(s.allowed_origins) AS allowed_origins," \
	" s.support_email, s.is_active," \
	" " TS("s.created_at") " AS created_at," \
	" " TS("s.updated_at") " AS updated_at"

enum stmt {
	STMT_SETTINGS_GET,
	STMT_SETTINGS_CHECK,
	STMT_SETTINGS_UPDATE,
	STMT_PRODUCTS_CURRENCY,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
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

static void		 admin_store_settings_json(struct jw *,
			    const struct pg_result *);
static const char	*admin_store_origin(struct arena *, const char *,
			    const char **);

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
