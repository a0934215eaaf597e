/*
 * admin_settings.c: the admin API's store settings: read by any staff;
 * name, currency (carrying the products with it), allowed CORS origins,
 * support email, checkout options (promotion codes, automatic tax) and
 * the store's own outgoing mail (sender, SMTP server) changed with
 * settings.write. The SMTP password is never shown, only whether it is
 * set. Stripe Connect is admin_stripe.c.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "admin.h"
#include "admin_store.h"
#include "arena.h"
#include "conf.h"
#include "db.h"
#include "jw.h"
#include "mime.h"
#include "req.h"
#include "str.h"
#include "url.h"
#include "valid.h"

#define ORIGINS_MAX		20

#define SETTINGS_COLS \
	" s.id, s.slug, s.name, s.currency," \
	" array_to_json(s.allowed_origins) AS allowed_origins," \
	" s.support_email, s.is_active, s.checkout_promotion_codes," \
	" s.checkout_automatic_tax, s.mail_from, s.smtp_url, s.smtp_user," \
	" s.smtp_password IS NOT NULL AS smtp_password_set," \
	" s.stripe_account_id, s.stripe_charges_enabled," \
	" s.stripe_details_submitted," \
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
	/* STMT_SETTINGS_UPDATE: NULL keeps a field ($n boolean: change the
	 * next one); a currency change only when allowed (else no row, and
	 * nothing changes: STMT_SETTINGS_CHECK says why) */
	"UPDATE stores s SET name = coalesce($1::text, s.name),"
	" currency = coalesce($2::text, s.currency),"
	" allowed_origins = CASE WHEN $3::text IS NULL THEN s.allowed_origins"
	"  ELSE ARRAY(SELECT t.x FROM jsonb_array_elements_text($3::text::jsonb)"
	"  WITH ORDINALITY AS t(x, n) ORDER BY t.n) END,"
	" support_email = CASE WHEN $4::boolean THEN $5::text"
	"  ELSE s.support_email END,"
	" checkout_promotion_codes = coalesce($6::boolean,"
	"  s.checkout_promotion_codes),"
	" checkout_automatic_tax = coalesce($7::boolean,"
	"  s.checkout_automatic_tax),"
	" mail_from = CASE WHEN $8::boolean THEN $9 ELSE s.mail_from END,"
	" smtp_url = CASE WHEN $10::boolean THEN $11 ELSE s.smtp_url END,"
	" smtp_user = CASE WHEN $12::boolean THEN $13 ELSE s.smtp_user END,"
	" smtp_password = CASE WHEN $14::boolean THEN $15"
	"  ELSE s.smtp_password END"
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
	SF_PROMOTION_CODES,
	SF_AUTOMATIC_TAX,
	SF_MAIL_FROM,
	SF_SMTP_URL,
	SF_SMTP_USER,
	SF_SMTP_PASSWORD,
	SF__MAX
};

static const struct field settings_fields[SF__MAX] = {
	{ "name", FIELD_TEXT, false, 1, 255, NULL },		/* SF_NAME */
	{ "currency", FIELD_TEXT, false, 3, 3, NULL },		/* SF_CURRENCY */
	{ "allowedOrigins", FIELD_LIST, false, 0, ORIGINS_MAX, NULL },
								/* SF_ORIGINS */
	{ "supportEmail", FIELD_EMAIL, false, 0, 0, NULL },	/* SF_SUPPORT_EMAIL */
	{ "allowPromotionCodes", FIELD_BOOL, false, 0, 0, NULL },
							/* SF_PROMOTION_CODES */
	{ "automaticTax", FIELD_BOOL, false, 0, 0, NULL },	/* SF_AUTOMATIC_TAX */
	{ "mailFrom", FIELD_TEXT, false, 3, 254, NULL },	/* SF_MAIL_FROM */
	{ "smtpUrl", FIELD_TEXT, false, 9, 255, NULL },		/* SF_SMTP_URL */
	{ "smtpUser", FIELD_TEXT, false, 1, 255, NULL },	/* SF_SMTP_USER */
	{ "smtpPassword", FIELD_TEXT, false, 1, 255, NULL },	/* SF_SMTP_PASSWORD */
};

static void		 admin_store_settings_json(struct jw *,
			    const struct pg_result *);
static bool		 admin_settings_nullable(size_t);
static bool		 admin_settings_smtp_url(const char *);

/* Fields a PATCH may clear with null. */
static bool
admin_settings_nullable(size_t i)
{
	return i == SF_SUPPORT_EMAIL || i == SF_MAIL_FROM || i == SF_SMTP_URL ||
	    i == SF_SMTP_USER || i == SF_SMTP_PASSWORD;
}

/*
 * smtp://host[:port] or smtps://host[:port] (a trailing / allowed): a
 * host name or an IPv4 or bracketed IPv6 address, a port 1 to 65535.
 */
static bool
admin_settings_smtp_url(const char *u)
{
	const char	*p;
	size_t		 n, i;
	long		 port = 0;

	if (strncmp(u, "smtp://", 7) == 0)
		p = u + 7;
	else if (strncmp(u, "smtps://", 8) == 0)
		p = u + 8;
	else
		return false;
	if (*p == '[') {
		n = strspn(p + 1, "0123456789abcdefABCDEF:.");
		if (n == 0 || p[n + 1] != ']')
			return false;
		p += n + 2;
	} else {
		n = strspn(p, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		if (n == 0 || n > 253 || *p == '-' || *p == '.')
			return false;
		p += n;
	}
	if (*p == ':') {
		n = strspn(p + 1, "0123456789");
		for (i = 1; i <= n && n <= 5; i++)
			port = port * 10 + (p[i] - '0');
		if (n == 0 || n > 5 || port < 1 || port > 65535)
			return false;
		p += n + 1;
	}
	if (*p == '/')
		p++;
	return *p == '\0';
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
	jw_bool(w, "allowPromotionCodes",
	    admin_store_bool(res, 0, "checkout_promotion_codes"));
	jw_bool(w, "automaticTax",
	    admin_store_bool(res, 0, "checkout_automatic_tax"));
	jw_str(w, "mailFrom", admin_store_val(res, 0, "mail_from"));
	jw_str(w, "smtpUrl", admin_store_val(res, 0, "smtp_url"));
	jw_str(w, "smtpUser", admin_store_val(res, 0, "smtp_user"));
	jw_bool(w, "smtpPasswordSet",
	    admin_store_bool(res, 0, "smtp_password_set"));
	jw_obj_open(w, "stripe");
	jw_str(w, "accountId", admin_store_val(res, 0, "stripe_account_id"));
	jw_bool(w, "chargesEnabled",
	    admin_store_bool(res, 0, "stripe_charges_enabled"));
	jw_bool(w, "detailsSubmitted",
	    admin_store_bool(res, 0, "stripe_details_submitted"));
	jw_obj_close(w);
	jw_str(w, "createdAt", admin_store_val(res, 0, "created_at"));
	jw_str(w, "updatedAt", admin_store_val(res, 0, "updated_at"));
	jw_obj_close(w);
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

	if (gate_begin(r, &p) == -1)
		return;
	q = (struct dbq){ stmts[STMT_SETTINGS_GET], 0, NULL };
	if ((rc = gate_tx(r, &p, &q, 1, &res)) != ERR_OK) {
		gate_fail(r, rc);
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
 * supportEmail?, allowPromotionCodes?, automaticTax?, mailFrom?, smtpUrl?,
 * smtpUser?, smtpPassword?}: change what is given (null clears
 * supportEmail and the mail fields; the mail fields only where store_smtp
 * is 1).
 * Origins are normalised (see url_origin) and duplicates dropped.
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
	const char		*check[1], *upd[15], *why, *cur, *ox, *nx;
	char			 addr[256];
	const char		**origins = NULL;
	const struct fval	*v;
	size_t			 i, j, n = 0;
	enum err		 rc;

	if (gate_begin(r, &p) == -1)
		return;
	if (req_json_body(r, settings_fields, SF__MAX, &f) == -1)
		return;
	for (i = 0; i < SF__MAX; i++)
		if (!admin_settings_nullable(i) && f.v[i].null)
			valid_error(&f, settings_fields[i].name,
			    "must not be null");
	for (i = SF_MAIL_FROM; i < SF__MAX; i++)
		if (f.v[i].set && admin_store_has_ctl(f.v[i].s))
			valid_error(&f, settings_fields[i].name,
			    "must not contain control characters");
	if (f.v[SF_MAIL_FROM].set && mime_addr_spec(f.v[SF_MAIL_FROM].s, addr,
	    sizeof(addr)) == -1)
		valid_error(&f, "mailFrom", "must be an address, or a name and "
		    "an address: Shop <shop@example.com>");
	if (f.v[SF_SMTP_URL].set && !admin_settings_smtp_url(f.v[SF_SMTP_URL].s))
		valid_error(&f, "smtpUrl", "must be smtp://host[:port] or "
		    "smtps://host[:port]");
	/* The installation's operator decides whether stores may. */
	if (!conf_int(CONF_STORE_SMTP))
		for (i = SF_MAIL_FROM; i < SF__MAX; i++)
			if (f.v[i].set)
				valid_error(&f, settings_fields[i].name,
				    "cannot be set: this installation sends "
				    "every store's mail itself (store_smtp = 0)");
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
			const char *o = url_origin(r->arena,
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
	for (i = 0; i < SF__MAX; i++)
		if (f.v[i].set || f.v[i].null)
			break;
	if (i == SF__MAX) {
		req_fail(r, ERR_VALIDATION, "Nothing to change: give at least "
		    "one of the settings' fields.");
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
	upd[5] = f.v[SF_PROMOTION_CODES].set ?
	    (f.v[SF_PROMOTION_CODES].b ? "true" : "false") : NULL;
	upd[6] = f.v[SF_AUTOMATIC_TAX].set ?
	    (f.v[SF_AUTOMATIC_TAX].b ? "true" : "false") : NULL;
	for (i = SF_MAIL_FROM, j = 7; i < SF__MAX; i++, j += 2) {
		upd[j] = f.v[i].set || f.v[i].null ? "true" : "false";
		upd[j + 1] = f.v[i].set ? f.v[i].s : NULL;
	}
	q[1] = (struct dbq){ stmts[STMT_SETTINGS_UPDATE], 15, upd };
	q[2] = (struct dbq){ stmts[STMT_PRODUCTS_CURRENCY], 0, NULL };
	if ((rc = gate_tx(r, &p, q, 3, out)) != ERR_OK) {
		gate_fail(r, rc);
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
