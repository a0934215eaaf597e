/*
 * orders.c: the orders program. For buyers, with the order's access key
 * (no account): GET /api/v1/public/orders/{id}?key= (JSON, for widgets
 * and client sites) and GET /orders/{id}?key= (the order page the receipt
 * links to), both with the download links once the order is paid; and
 * the one-click unsubscribe links of optional mail. For staff, behind the
 * gate: /api/v1/admin/orders (orders_admin.c).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "buf.h"
#include "conf.h"
#include "db.h"
#include "gate.h"
#include "jw.h"
#include "link.h"
#include "log.h"
#include "order.h"
#include "orders.h"
#include "orderstate.h"
#include "page.h"
#include "req.h"
#include "str.h"
#include "tmpl.h"
#include "tx.h"

#define CORS_METHODS	"GET, HEAD, OPTIONS"
#define PENDING_REFRESH	"5"	/* seconds: a pending order's page reloads */

static void	orders_public(struct req *);
static void	orders_page(struct req *);
static void	orders_unsubscribe(struct req *);
static void	orders_options(struct req *, const char *);

#define R(m, path, fn, perm)	GATE_R((m), (path), (fn), (perm), 0)

static const struct route routes[] = {
	{ METHOD_GET, "/api/health", app_health, NULL },
	{ METHOD_GET, "/api/v1/public/orders/{order}", orders_public, NULL },
	{ METHOD_GET, "/orders/{order}", orders_page, NULL },
	{ METHOD_GET, "/unsubscribe/{store}/{hash}/{proof}",
	    orders_unsubscribe, NULL },
	{ METHOD_POST, "/unsubscribe/{store}/{hash}/{proof}",
	    orders_unsubscribe, NULL },
	R(METHOD_GET, "/api/v1/admin/orders",
	    orders_admin_list, "orders.read"),
	R(METHOD_GET, "/api/v1/admin/orders/{order}",
	    orders_admin_get, "orders.read"),
	R(METHOD_POST, "/api/v1/admin/orders/{order}/refunds",
	    orders_admin_refund, "orders.write"),
	R(METHOD_POST, "/api/v1/admin/orders/{order}/receipt",
	    orders_admin_receipt, "orders.write"),
	R(METHOD_POST, "/api/v1/admin/orders/{order}/links",
	    orders_admin_links, "orders.write"),
	R(METHOD_POST, "/api/v1/admin/orders/{order}/notes",
	    orders_admin_note, "orders.write"),
};

enum stmt {
	STMT_BUYER_SCOPE,
	STMT_BUYER_ORDER,
	STMT_STORE_NAME,
	STMT_OPTOUT,
	STMT_CONSENT,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* STMT_BUYER_SCOPE: NULL unless the key is the order's */
	"SELECT order_buyer_scope($1::uuid, $2) AS store_id",
	/* STMT_BUYER_ORDER */
	"SELECT o.id, o.status, o.currency, x.exponent, o.subtotal_minor,"
	" o.discount_minor, o.tax_minor, o.total_minor, o.refunded_minor,"
	" o.customer_email, o.customer_name,"
	" " TS("o.created_at") " AS created_at,"
	" " TS("o.paid_at") " AS paid_at,"
	" to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"')"
	"  AS created_text,"
	" s.id AS store_id, s.name AS store_name, s.support_email,"
	" array_to_string(s.allowed_origins, E'\\n') AS origins"
	" FROM orders o JOIN stores s ON s.id = o.store_id"
	" JOIN currencies x ON x.code = o.currency"
	" WHERE o.id = $1::uuid AND o.store_id = current_store_id()",
	/* STMT_STORE_NAME */
	"SELECT name FROM stores WHERE id = $1::uuid",
	/* STMT_OPTOUT */
	"INSERT INTO mail_optouts (store_id, email_hash)"
	" VALUES (current_store_id(), decode($1, 'hex'))"
	" ON CONFLICT DO NOTHING",
	/* STMT_CONSENT: marketing consent withdrawn with it */
	"UPDATE orders SET marketing_consent = false"
	" WHERE store_id = current_store_id() AND marketing_consent"
	" AND sha256(convert_to(lower(customer_email), 'UTF8'))"
	" = decode($1, 'hex')",
};

/* What the buyer's views show, in words. */
static const struct {
	const char	*status;
	const char	*headline;
	const char	*message;
} status_texts[] = {
	{ "pending", "Waiting for the payment",
	    "We are waiting for the payment to be confirmed. This page "
	    "refreshes itself; the receipt with your download links is "
	    "emailed as soon as it is." },
	{ "paid", "Paid: thank you!",
	    "Your order is paid. Download your files below; the links are "
	    "also in the receipt we emailed you." },
	{ "failed", "The payment failed",
	    "The payment did not go through, so nothing was charged. You can "
	    "try again from the store." },
	{ "expired", "The checkout expired",
	    "The checkout was not completed in time, so nothing was charged." },
	{ "refunded", "Refunded",
	    "This order was refunded; its downloads are no longer available." },
	{ "partially_refunded", "Partly refunded",
	    "Part of this order was refunded. Your downloads stay available." },
	{ "disputed", "On hold",
	    "A payment dispute is open for this order, so its downloads are "
	    "on hold until it is settled." },
};

/*
 * Column name of a row, or NULL when SQL NULL.
 */
const char *
orders_val(const struct pg_result *res, int row, const char *name)
{
	int	 c = db_col(res, name);

	return db_isnull(res, row, c) ? NULL : db_val(res, row, c);
}

/*
 * A money column (minor units) as the API writes money: a number in
 * major units with the currency's decimals.
 */
void
orders_money(struct jw *w, const char *key, const struct pg_result *res,
    int row, const char *col, int exponent)
{
	const char	*v = orders_val(res, row, col);

	jw_money(w, key, v != NULL ? strtoll(v, NULL, 10) : 0, exponent);
}

/* Money in major units and the currency, as a page shows it. */
static const char *
orders_amount(struct arena *a, const struct pg_result *res, const char *col,
    int exponent, const char *currency)
{
	struct buf	 b;
	const char	*s;

	buf_init(&b, 64);
	str_money_format(&b, strtoll(orders_val(res, 0, col), NULL, 10),
	    exponent);
	s = arena_printf(a, "%s %s", b.data, currency);
	buf_clear(&b);
	return s;
}

/* The buyer's view of one order, read in one round trip. */
struct buyer_view {
	struct pg_result	*order;
	struct order_line	 lines[ORDER_LINES_MAX];
	size_t			 nlines;
	struct receipt_link	*links;
	const char		**expires_at;
	size_t			 nlinks;
	enum order_status	 status;
	int			 exponent;
	const char		*currency;
	const char		*key;
};

/*
 * Read order {order} for its buyer, who must give its access key (?key=).
 * Counts the request against the public rate limit. Returns 0, or -1
 * having answered (404 for an unknown order or a wrong key, the same).
 */
static int
orders_buyer(struct req *r, struct buyer_view *bv)
{
	struct pg_result	*res[5];
	struct dbq		 q[5];
	const char		*id, *prm[2], *lq[1], *kq[1], *errstr;
	size_t			 i;
	enum err		 rc;

	if (app_limit(r, "public", r->client_addr != NULL ? r->client_addr :
	    "-", conf_int(CONF_RATELIMIT_PUBLIC)) == -1)
		return -1;
	id = req_param(r, "order");
	bv->key = NULL;
	for (i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].key, "key") == 0)
			bv->key = r->query[i].val;
	if (!str_is_uuid(id) || bv->key == NULL ||
	    strlen(bv->key) != LINK_TOKEN_LEN) {
		req_fail(r, ERR_NOT_FOUND, "No such order.");
		return -1;
	}
	prm[0] = id;
	prm[1] = link_hash_hex(r->arena, bv->key);
	q[0] = (struct dbq){ stmts[STMT_BUYER_SCOPE], 2, prm };
	q[1] = (struct dbq){ stmts[STMT_BUYER_ORDER], 1, prm };
	order_q_lines(&q[2], lq, id);
	order_q_links(&q[3], kq, id);
	if ((rc = db_run(r->db, r->arena, q, 4, res, true)) != ERR_OK) {
		req_fail(r, rc, NULL);
		return -1;
	}
	if (db_isnull(res[0], 0, 0) || db_ntuples(res[1]) != 1) {
		req_fail(r, ERR_NOT_FOUND, "No such order.");
		return -1;
	}
	bv->order = res[1];
	if (orderstate_status_parse(orders_val(res[1], 0, "status"),
	    &bv->status) == -1)
		fatalx("order %s: unknown status", id);
	bv->exponent = (int)str_to_i64(orders_val(res[1], 0, "exponent"), 0,
	    3, &errstr);
	bv->currency = orders_val(res[1], 0, "currency");
	bv->nlines = order_lines_read(r->arena, res[2], bv->lines,
	    ORDER_LINES_MAX);
	bv->nlinks = 0;
	bv->links = NULL;
	if (orderstate_grants_access(bv->status))
		bv->nlinks = order_links_read(r->arena, res[3], &bv->links,
		    &bv->expires_at);
	return 0;
}

/* CORS headers for the order's store's allowed origins. */
static void
orders_cors(struct req *r, const struct pg_result *order)
{
	const char	**origins;
	char		*list, *nl;
	size_t		 n = 0;

	list = arena_strdup(r->arena, orders_val(order, 0, "origins"));
	origins = arena_calloc(r->arena, strlen(list) / 8 + 2,
	    sizeof(*origins));
	while (*list != '\0') {
		if ((nl = strchr(list, '\n')) != NULL)
			*nl++ = '\0';
		origins[n++] = list;
		if (nl == NULL)
			break;
		list = nl;
	}
	req_cors(r, origins, n, CORS_METHODS);
}

/*
 * GET /api/v1/public/orders/{order}?key=: the buyer's order: status,
 * lines, amounts, the store; once paid, the usable download links
 * (downloads: [] before). CORS for the store's allowed origins (a 404
 * for any origin). Raises HTTP 404 for an unknown order or a wrong key;
 * 429 past the public rate limit.
 */
static void
orders_public(struct req *r)
{
	struct buyer_view	 bv;
	struct jw		 w;
	const struct pg_result	*o;
	const char		*origin;
	size_t			 i;

	if (orders_buyer(r, &bv) == -1) {
		/*
		 * Which store's origins is unknown without the key; a 404 says
		 * nothing, so any page may read it (and tell its buyer).
		 */
		if (r->status == 404 &&
		    (origin = req_header(r, "Origin")) != NULL)
			req_cors(r, &origin, 1, CORS_METHODS);
		return;
	}
	o = bv.order;
	orders_cors(r, o);
	req_nocache(r);
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "id", orders_val(o, 0, "id"));
	jw_str(&w, "status", orders_val(o, 0, "status"));
	jw_str(&w, "currency", bv.currency);
	orders_money(&w, "subtotal", o, 0, "subtotal_minor", bv.exponent);
	orders_money(&w, "discount", o, 0, "discount_minor", bv.exponent);
	orders_money(&w, "tax", o, 0, "tax_minor", bv.exponent);
	orders_money(&w, "total", o, 0, "total_minor", bv.exponent);
	orders_money(&w, "refunded", o, 0, "refunded_minor", bv.exponent);
	jw_str(&w, "createdAt", orders_val(o, 0, "created_at"));
	jw_str(&w, "paidAt", orders_val(o, 0, "paid_at"));
	jw_obj_open(&w, "customer");
	jw_str(&w, "email", orders_val(o, 0, "customer_email"));
	jw_str(&w, "name", orders_val(o, 0, "customer_name"));
	jw_obj_close(&w);
	jw_obj_open(&w, "store");
	jw_str(&w, "id", orders_val(o, 0, "store_id"));
	jw_str(&w, "name", orders_val(o, 0, "store_name"));
	jw_str(&w, "supportEmail", orders_val(o, 0, "support_email"));
	jw_obj_close(&w);
	jw_arr_open(&w, "items");
	for (i = 0; i < bv.nlines; i++) {
		jw_obj_open(&w, NULL);
		jw_str(&w, "productId", bv.lines[i].product_id);
		jw_str(&w, "name", bv.lines[i].name);
		jw_int(&w, "quantity", bv.lines[i].quantity);
		jw_money(&w, "unitPrice", bv.lines[i].price, bv.exponent);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_arr_open(&w, "downloads");
	for (i = 0; i < bv.nlinks; i++) {
		jw_obj_open(&w, NULL);
		jw_str(&w, "name", bv.links[i].name);
		jw_str(&w, "url", bv.links[i].url);
		jw_str(&w, "expiresAt", bv.expires_at[i]);
		jw_int(&w, "downloadsLeft", bv.links[i].downloads_left);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_str(&w, "orderPage", link_url(r->arena, arena_printf(r->arena,
	    "/orders/%s?key=%s", orders_val(o, 0, "id"), bv.key)));
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}

/*
 * GET /orders/{order}?key=: the order page the receipt links to (HTML):
 * what is happening with the order, its lines and amounts, the download
 * links once paid. A pending order's page reloads itself every few
 * seconds. Raises HTTP 404 (as a page) for an unknown order or a wrong
 * key.
 */
static void
orders_page(struct req *r)
{
	struct buyer_view	 bv;
	struct tmpl_val		*v, *list, *it;
	struct buf		 b;
	const struct pg_result	*o;
	const char		*status;
	size_t			 i, t;

	if (orders_buyer(r, &bv) == -1) {
		if (r->status == 404) {
			v = tmpl_obj_new(r->arena);
			tmpl_set_str(v, "title", "Order not found");
			tmpl_set_bool(v, "found", false);
			if (page_render(r, 404, "order.html", v) == -1)
				req_fail(r, ERR_NOT_FOUND, "No such order.");
		}
		return;
	}
	o = bv.order;
	status = orders_val(o, 0, "status");
	for (t = 0; t < nitems(status_texts); t++)
		if (strcmp(status_texts[t].status, status) == 0)
			break;
	if (t == nitems(status_texts))
		fatalx("no text for status %s", status);
	v = tmpl_obj_new(r->arena);
	tmpl_set_bool(v, "found", true);
	tmpl_set_str(v, "title", arena_printf(r->arena, "Your order from %s",
	    orders_val(o, 0, "store_name")));
	tmpl_set_str(v, "store", orders_val(o, 0, "store_name"));
	tmpl_set_str(v, "supportEmail", orders_val(o, 0, "support_email") !=
	    NULL ? orders_val(o, 0, "support_email") : "");
	tmpl_set_str(v, "orderId", orders_val(o, 0, "id"));
	tmpl_set_str(v, "status", status);
	tmpl_set_str(v, "headline", status_texts[t].headline);
	tmpl_set_str(v, "message", status_texts[t].message);
	tmpl_set_str(v, "createdAt", orders_val(o, 0, "created_text"));
	tmpl_set_str(v, "email", orders_val(o, 0, "customer_email"));
	list = tmpl_set_list(v, "items");
	buf_init(&b, 64);
	for (i = 0; i < bv.nlines; i++) {
		it = tmpl_list_add_obj(list);
		tmpl_set_str(it, "name", bv.lines[i].name);
		tmpl_set_int(it, "quantity", bv.lines[i].quantity);
		buf_reset(&b);
		str_money_format(&b, bv.lines[i].price * bv.lines[i].quantity,
		    bv.exponent);
		tmpl_set_str(it, "amount", arena_printf(r->arena, "%s %s",
		    b.data, bv.currency));
	}
	buf_clear(&b);
	tmpl_set_str(v, "subtotal", orders_amount(r->arena, o,
	    "subtotal_minor", bv.exponent, bv.currency));
	tmpl_set_str(v, "discount", strcmp(orders_val(o, 0, "discount_minor"),
	    "0") != 0 ? orders_amount(r->arena, o, "discount_minor",
	    bv.exponent, bv.currency) : "");
	tmpl_set_str(v, "tax", strcmp(orders_val(o, 0, "tax_minor"), "0") != 0 ?
	    orders_amount(r->arena, o, "tax_minor", bv.exponent, bv.currency) :
	    "");
	tmpl_set_str(v, "total", orders_amount(r->arena, o, "total_minor",
	    bv.exponent, bv.currency));
	tmpl_set_str(v, "refunded", strcmp(orders_val(o, 0, "refunded_minor"),
	    "0") != 0 ? orders_amount(r->arena, o, "refunded_minor",
	    bv.exponent, bv.currency) : "");
	tmpl_set_bool(v, "access", orderstate_grants_access(bv.status));
	list = tmpl_set_list(v, "downloads");
	for (i = 0; i < bv.nlinks; i++) {
		it = tmpl_list_add_obj(list);
		tmpl_set_str(it, "name", bv.links[i].name);
		tmpl_set_str(it, "url", bv.links[i].url);
		tmpl_set_str(it, "expires", bv.links[i].expires);
		tmpl_set_int(it, "left", bv.links[i].downloads_left);
	}
	if (bv.status == ORDER_STATUS_PENDING)
		req_set_header(r, "Refresh", PENDING_REFRESH);
	if (page_render(r, 200, "order.html", v) == -1)
		req_fail(r, ERR_INTERNAL, NULL);
}

/*
 * GET and POST /unsubscribe/{store}/{hash}/{proof}: the List-Unsubscribe
 * link of a store's optional mail (product update notices). GET shows a
 * page with a button; POST (the button, or a mail client's RFC 8058
 * one-click POST) records that the address wants no more of it and
 * withdraws its marketing consent. The proof is an HMAC of the store and
 * the address's hash, so the link works for that address only. Raises
 * HTTP 404 (a page) for a link that is not one we made.
 */
static void
orders_unsubscribe(struct req *r)
{
	struct tmpl_val		*v;
	struct pg_result	*res;
	struct dbq		 q[2];
	const char		*store, *hash, *proof, *prm[1], *name;
	size_t			 i;
	enum err		 rc;

	if (app_limit(r, "public", r->client_addr != NULL ? r->client_addr :
	    "-", conf_int(CONF_RATELIMIT_PUBLIC)) == -1)
		return;
	store = req_param(r, "store");
	hash = req_param(r, "hash");
	proof = req_param(r, "proof");
	v = tmpl_obj_new(r->arena);
	tmpl_set_str(v, "title", "Unsubscribe");
	tmpl_set_str(v, "action", arena_printf(r->arena,
	    "/unsubscribe/%s/%s/%s", store, hash, proof));
	tmpl_set_bool(v, "ask", false);
	tmpl_set_bool(v, "done", false);
	tmpl_set_bool(v, "invalid", false);
	for (i = 0; hash[i] != '\0'; i++)
		if (!((hash[i] >= '0' && hash[i] <= '9') ||
		    (hash[i] >= 'a' && hash[i] <= 'f')))
			break;
	if (!str_is_uuid(store) || i != 64 || hash[i] != '\0' ||
	    !link_unsubscribe_ok(r->arena, store, hash, proof)) {
		tmpl_set_bool(v, "invalid", true);
		tmpl_set_str(v, "store", "");
		if (page_render(r, 404, "unsubscribe.html", v) == -1)
			req_fail(r, ERR_NOT_FOUND, "No such link.");
		return;
	}
	prm[0] = store;
	if ((rc = db_exec(r->db, r->arena, stmts[STMT_STORE_NAME], 1, prm,
	    &res)) != ERR_OK) {
		req_fail(r, rc, NULL);
		return;
	}
	if (db_ntuples(res) != 1) {
		tmpl_set_bool(v, "invalid", true);
		tmpl_set_str(v, "store", "");
		if (page_render(r, 404, "unsubscribe.html", v) == -1)
			req_fail(r, ERR_NOT_FOUND, "No such link.");
		return;
	}
	name = arena_strdup(r->arena, db_val(res, 0, 0));
	tmpl_set_str(v, "store", name);
	if (r->method == METHOD_POST) {
		prm[0] = hash;
		q[0] = (struct dbq){ stmts[STMT_OPTOUT], 1, prm };
		q[1] = (struct dbq){ stmts[STMT_CONSENT], 1, prm };
		if ((rc = tx_run(r->db, r->arena, store, "buyer", q, 2,
		    NULL)) != ERR_OK) {
			req_fail(r, rc, NULL);
			return;
		}
		log_info("unsubscribed an address from store %s's optional "
		    "mail", store);
		tmpl_set_bool(v, "done", true);
	} else
		tmpl_set_bool(v, "ask", true);
	if (page_render(r, 200, "unsubscribe.html", v) == -1)
		req_fail(r, ERR_INTERNAL, NULL);
}

/*
 * OPTIONS: the CORS preflight of the buyer's order API. The order's store
 * is not known without its key, and a preflight carries no query string
 * from scripts reliably: any origin may ask; the GET's own answer names
 * the store's allowed origins only.
 */
static void
orders_options(struct req *r, const char *allow)
{
	const char	*origin;

	(void)allow;
	if (strncmp(r->uri, "/api/v1/public/", 15) == 0 &&
	    (origin = req_header(r, "Origin")) != NULL)
		req_cors(r, &origin, 1, CORS_METHODS);
	req_empty(r, 204);
}

static void
orders_setup(struct db *db)
{
	char	 err[512];

	(void)db;
	if (tmpl_load_dir(conf_get(CONF_TEMPLATE_DIR), err, sizeof(err)) == -1)
		fatalx("templates: %s", err);
	if (!link_configured())
		log_warnx("token_secret is not set (32 characters at least): "
		    "order pages and receipts cannot show download links");
}

static void
orders_teardown(void)
{
	orders_admin_teardown();
	tmpl_free();
}

int
main(int argc, char *argv[])
{
	static const struct app app = {
		"orders", routes, nitems(routes), orders_options,
		orders_setup, orders_teardown, NULL, CONF__MAX
	};

	return app_main(argc, argv, &app);
}
