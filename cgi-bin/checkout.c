/*
 * checkout.c: the buyer's checkout program. POST .../checkout makes a
 * pending order, priced from the database, and a Stripe Checkout Session
 * for it; POST .../payment-intents does the same with a PaymentIntent for
 * sites that take the card themselves with Stripe Elements. The order
 * changes state only through the webhook program afterwards. CORS for the
 * store's allowed origins; the public rate limit per address.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "arena.h"
#include "buf.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "jw.h"
#include "link.h"
#include "log.h"
#include "req.h"
#include "store.h"
#include "str.h"
#include "stripe.h"
#include "tx.h"
#include "url.h"
#include "valid.h"

#define CORS_METHODS	"POST, OPTIONS"
#define ITEMS_MAX	STRIPE_LINES_MAX
#define QUANTITY_MAX	10
#define EXPIRY_SLACK	30	/* seconds: Stripe wants 30 minutes at least */
#define PI_EXPIRY	86400	/* an Elements payment abandoned after a day */

static void	checkout_session(struct req *);
static void	checkout_intent(struct req *);
static void	checkout_options(struct req *, const char *);

static const struct route routes[] = {
	{ METHOD_GET, "/api/health", app_health, NULL },
	{ METHOD_POST, "/api/v1/stores/{store}/checkout", checkout_session, NULL },
	{ METHOD_POST, "/api/v1/stores/{store}/payment-intents",
	    checkout_intent, NULL },
};

enum stmt {
	STMT_READ,
	STMT_CREATE,
	STMT_ATTACH,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* STMT_READ: after the store lookup; one row even without products */
	"SELECT s.stripe_account_id, s.stripe_charges_enabled,"
	" s.checkout_promotion_codes, s.checkout_automatic_tax,"
	" p.id AS product_id"
	" FROM stores s LEFT JOIN products p ON p.store_id = s.id"
	" AND p.is_active AND p.id = ANY($1::uuid[])"
	" WHERE s.id = current_store_id()",
	/* STMT_CREATE: the order and its lines, priced here from the
	 * products as they are now; no row when a product is gone */
	"WITH want AS (SELECT t.pid, t.q, t.n FROM"
	"  unnest($2::uuid[], $3::int[]) WITH ORDINALITY AS t(pid, q, n)),"
	" items AS (SELECT p.id, p.name, p.price_minor, w.q, w.n FROM want w"
	"  JOIN products p ON p.id = w.pid AND p.is_active"
	"  AND p.store_id = current_store_id()),"
	" o AS (INSERT INTO orders (id, store_id, customer_email,"
	"  customer_name, currency, subtotal_minor, total_minor,"
	"  access_key_hash, marketing_consent, kind, stripe_account_id,"
	"  checkout_expires_at)"
	"  SELECT $1::uuid, s.id, $4, $5, s.currency,"
	"  sum(i.price_minor * i.q), sum(i.price_minor * i.q),"
	"  decode($6, 'hex'), $7::boolean, $8, s.stripe_account_id,"
	"  to_timestamp($9::bigint)"
	"  FROM items i CROSS JOIN stores s WHERE s.id = current_store_id()"
	"  GROUP BY s.id, s.currency, s.stripe_account_id"
	"  HAVING count(*) = (SELECT count(*) FROM want)"
	"  RETURNING id, currency, subtotal_minor, stripe_account_id),"
	" li AS (INSERT INTO order_items (store_id, order_id, product_id,"
	"  product_name, quantity, price_minor)"
	"  SELECT current_store_id(), o.id, i.id, i.name, i.q, i.price_minor"
	"  FROM items i CROSS JOIN o"
	"  RETURNING product_id, product_name, quantity, price_minor)"
	" SELECT o.currency, o.subtotal_minor, o.stripe_account_id,"
	" li.product_id, li.product_name, li.quantity, li.price_minor"
	" FROM o CROSS JOIN li",
	/* STMT_ATTACH: what Stripe made for the order */
	"UPDATE orders SET stripe_checkout_session_id = $2,"
	" stripe_payment_intent_id = $3, checkout_url = $4,"
	" checkout_expires_at = to_timestamp($5::bigint),"
	" application_fee_minor = $6::bigint"
	" WHERE id = $1::uuid AND status = 'pending'",
};

enum co_field {
	CF_ITEMS,
	CF_CUSTOMER,
	CF_CONSENT,
	CF_SUCCESS,
	CF_CANCEL,
	CF__MAX
};

/* The PaymentIntent path takes the first CF_SUCCESS fields. */
static const struct field co_fields[CF__MAX] = {
	{ "items", FIELD_OBJECTS, true, 1, ITEMS_MAX, NULL },	/* CF_ITEMS */
	{ "customer", FIELD_OBJECT, true, 0, 0, NULL },		/* CF_CUSTOMER */
	{ "marketingConsent", FIELD_BOOL, false, 0, 0, NULL },	/* CF_CONSENT */
	{ "successUrl", FIELD_TEXT, true, 1, URL_MAX, NULL },	/* CF_SUCCESS */
	{ "cancelUrl", FIELD_TEXT, false, 1, URL_MAX, NULL },	/* CF_CANCEL */
};

enum item_field {
	IF_PRODUCT,
	IF_QUANTITY,
	IF__MAX
};

static const struct field item_fields[IF__MAX] = {
	{ "productId", FIELD_UUID, true, 0, 0, NULL },		/* IF_PRODUCT */
	{ "quantity", FIELD_INT, false, 1, QUANTITY_MAX, NULL },	/* IF_QUANTITY */
};

enum customer_field {
	UF_EMAIL,
	UF_NAME,
	UF__MAX
};

static const struct field customer_fields[UF__MAX] = {
	{ "email", FIELD_EMAIL, true, 0, 0, NULL },		/* UF_EMAIL */
	{ "name", FIELD_TEXT, false, 1, 255, NULL },		/* UF_NAME */
};

/* One checkout request, checked. */
struct co {
	bool		 session;	/* a Checkout Session, else a PI */
	struct store	 st;
	const char	*account;	/* the store's connected account */
	bool		 promotion_codes;
	bool		 automatic_tax;
	const char	*pids[ITEMS_MAX];
	int64_t		 qty[ITEMS_MAX];
	size_t		 at[ITEMS_MAX];	/* index in the request's items */
	size_t		 n;
	const char	*email;
	const char	*name;
	bool		 consent;
	const char	*success_url;
	const char	*cancel_url;
	/* The order made. */
	char		 order_id[CRYPTO_UUID_SIZE];
	const char	*key;
	int64_t		 expires_at;
	int64_t		 total;
	int64_t		 fee;
	struct stripe_line lines[ITEMS_MAX];
};

/*
 * The {store} segment: a UUID or a slug. Returns 0, or -1 having answered
 * 404.
 */
static int
checkout_store_ident(struct req *r, const char **ident, bool *is_uuid)
{
	*ident = req_param(r, "store");
	if (!store_ident_ok(*ident, is_uuid)) {
		req_fail(r, ERR_NOT_FOUND, "No such store.");
		return -1;
	}
	return 0;
}

/* The product ids as a PostgreSQL array literal (ids are checked UUIDs). */
static const char *
checkout_ids(struct arena *a, const char *const *ids, size_t n)
{
	struct buf	 b;
	const char	*s;
	size_t		 i;

	buf_init(&b, 64 + n * 40);
	buf_putc(&b, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&b, ',');
		buf_puts(&b, ids[i]);
	}
	buf_putc(&b, '}');
	s = arena_strdup(a, b.data);
	buf_clear(&b);
	return s;
}

/*
 * Read the body into c: the items, the customer, the URLs. Field errors
 * are recorded in f; the caller answers after the store is known, so the
 * answer carries CORS headers. Returns ERR_OK, ERR_VALIDATION (f has the
 * errors), ERR_PAYLOAD_TOO_LARGE, ERR_UNSUPPORTED_MEDIA_TYPE or
 * ERR_BAD_REQUEST (the body is not as long as it says).
 */
static enum err
checkout_body(struct req *r, struct co *c, struct form *f)
{
	struct form	 sub;
	const char	*name, *body, *ct;
	size_t		 i, j, len;
	enum err	 rc;

	memset(f, 0, sizeof(*f));
	ct = req_header(r, "Content-Type");
	if (ct == NULL || strcspn(ct, "; \t") != 16 ||
	    strncasecmp(ct, "application/json", 16) != 0)
		return ERR_UNSUPPORTED_MEDIA_TYPE;
	rc = req_body(r, (size_t)conf_int(CONF_BODY_MAX), &body, &len);
	if (rc == ERR_PAYLOAD_TOO_LARGE)
		return rc;
	if (rc != ERR_OK)
		return ERR_BAD_REQUEST;
	if (valid_json(f, co_fields, c->session ? CF__MAX : CF_SUCCESS, body,
	    len, r->arena) == -1)
		return ERR_VALIDATION;
	for (i = 0; i < f->v[CF_ITEMS].nlist; i++) {
		name = arena_printf(r->arena, "items[%zu]", i);
		if (valid_json_sub(f, name, &sub, item_fields, IF__MAX,
		    f->v[CF_ITEMS].list[i], r->arena) == -1)
			continue;
		c->pids[c->n] = sub.v[IF_PRODUCT].s;
		c->qty[c->n] = sub.v[IF_QUANTITY].set ?
		    sub.v[IF_QUANTITY].i : 1;
		for (j = 0; j < c->n; j++)
			if (strcmp(c->pids[j], c->pids[c->n]) == 0) {
				valid_error(f, arena_printf(r->arena,
				    "%s.productId", name), "is already in the "
				    "order: give one item per product with its "
				    "quantity");
				break;
			}
		if (j == c->n)
			c->at[c->n++] = i;
	}
	if (valid_json_sub(f, "customer", &sub, customer_fields, UF__MAX,
	    f->v[CF_CUSTOMER].s, r->arena) == 0) {
		c->email = sub.v[UF_EMAIL].s;
		c->name = sub.v[UF_NAME].set ? sub.v[UF_NAME].s : NULL;
		for (i = 0; c->name != NULL && c->name[i] != '\0'; i++)
			if ((unsigned char)c->name[i] < 0x20 ||
			    c->name[i] == 0x7f) {
				valid_error(f, "customer.name", "must not contain "
				    "control characters");
				break;
			}
	}
	c->consent = f->v[CF_CONSENT].set && f->v[CF_CONSENT].b;
	if (c->session) {
		c->success_url = f->v[CF_SUCCESS].s;
		c->cancel_url = f->v[CF_CANCEL].set ? f->v[CF_CANCEL].s : NULL;
	}
	return f->nerrs == 0 ? ERR_OK : ERR_VALIDATION;
}

/*
 * Check that url goes to one of the store's allowed origins (no open
 * redirect through Stripe). Records an error for field in f.
 */
static void
checkout_url_check(struct req *r, const struct co *c, struct form *f,
    const char *field, const char *url)
{
	const char	*origin, *why;
	size_t		 i;

	if (url == NULL)
		return;
	if ((origin = url_origin_of(r->arena, url, &why)) == NULL) {
		valid_error(f, field, why);
		return;
	}
	for (i = 0; i < c->st.norigins; i++)
		if (strcmp(c->st.origins[i], origin) == 0)
			return;
	valid_error(f, field, arena_printf(r->arena, "must be on one of the "
	    "store's allowed origins, not %s", origin));
}

/*
 * The success URL the buyer returns to: successUrl with orderId and
 * orderKey added to its query (before any fragment).
 */
static const char *
checkout_return_url(struct req *r, const struct co *c)
{
	const char	*u = c->success_url, *hash;
	size_t		 n;

	hash = strchr(u, '#');
	n = hash != NULL ? (size_t)(hash - u) : strlen(u);
	return arena_printf(r->arena, "%.*s%sorderId=%s&orderKey=%s%s",
	    (int)n, u, memchr(u, '?', n) != NULL ? "&" : "?", c->order_id,
	    c->key, hash != NULL ? hash : "");
}

/*
 * Read the store and the products asked for, check everything the
 * request says against them. Answers and returns -1 on any failure (with
 * CORS headers once the store is known).
 */
static int
checkout_prepare(struct req *r, struct co *c)
{
	struct form		 f;
	struct pg_result	*res;
	const char		*ident, *prm[1];
	bool			 is_uuid, known;
	size_t			 i;
	int			 row, nrows;
	enum err		 rc, body;

	if (checkout_store_ident(r, &ident, &is_uuid) == -1)
		return -1;
	body = checkout_body(r, c, &f);
	prm[0] = checkout_ids(r->arena, c->pids, c->n);
	rc = store_read(r->db, r->arena, ident, is_uuid, stmts[STMT_READ], 1,
	    prm, &c->st, &res);
	if (rc != ERR_OK) {
		req_fail(r, rc, rc == ERR_NOT_FOUND ? "No such store." : NULL);
		return -1;
	}
	req_cors(r, c->st.origins, c->st.norigins, CORS_METHODS);
	if (body == ERR_UNSUPPORTED_MEDIA_TYPE) {
		req_fail(r, body, "Send the body as application/json.");
		return -1;
	}
	if (body == ERR_BAD_REQUEST) {
		req_fail(r, body, "The body does not match its Content-Length.");
		return -1;
	}
	if (body == ERR_PAYLOAD_TOO_LARGE) {
		req_fail(r, body, arena_printf(r->arena, "The body may be at "
		    "most %lld bytes.", (long long)conf_int(CONF_BODY_MAX)));
		return -1;
	}
	/* What the body names, against the store's products and origins. */
	nrows = db_ntuples(res);
	for (i = 0; i < c->n; i++) {
		known = false;
		for (row = 0; row < nrows && !known; row++)
			known = !db_isnull(res, row, db_col(res, "product_id")) &&
			    strcmp(db_val(res, row, db_col(res, "product_id")),
			    c->pids[i]) == 0;
		if (!known)
			valid_error(&f, arena_printf(r->arena,
			    "items[%zu].productId", c->at[i]), "is not a "
			    "product for sale in this store");
	}
	if (c->session) {
		checkout_url_check(r, c, &f, "successUrl", c->success_url);
		checkout_url_check(r, c, &f, "cancelUrl", c->cancel_url);
	}
	if (f.nerrs > 0) {
		req_fail_form(r, &f);
		return -1;
	}
	if (!stripe_configured() || !link_configured()) {
		log_warnx("checkout refused: %s is not set",
		    !stripe_configured() ? "stripe_secret_key" : "token_secret");
		req_fail_shown(r, ERR_UNAVAILABLE, "Payments are not set up "
		    "on this server yet.");
		return -1;
	}
	c->account = db_isnull(res, 0, db_col(res, "stripe_account_id")) ?
	    NULL : db_val(res, 0, db_col(res, "stripe_account_id"));
	if (c->account != NULL && strcmp(db_val(res, 0, db_col(res,
	    "stripe_charges_enabled")), "t") != 0) {
		req_fail(r, ERR_CONFLICT, "This store cannot take payments yet: "
		    "its Stripe account is still being set up.");
		return -1;
	}
	c->promotion_codes = strcmp(db_val(res, 0, db_col(res,
	    "checkout_promotion_codes")), "t") == 0;
	c->automatic_tax = strcmp(db_val(res, 0, db_col(res,
	    "checkout_automatic_tax")), "t") == 0;
	return 0;
}

/*
 * Make the pending order and its lines in one statement, priced from the
 * products now. Fills the order's fields of c and its Stripe lines.
 * Returns 0, or -1 having answered.
 */
static int
checkout_create(struct req *r, struct co *c)
{
	struct pg_result	*res;
	struct dbq		 q;
	struct buf		 qty;
	const char		*prm[9], *errstr;
	int			 row, nrows;
	size_t			 i;
	int64_t			 ttl;
	enum err		 rc;

	crypto_uuid_v4(c->order_id);
	c->key = link_order_key(r->arena, c->order_id);
	ttl = c->session ? conf_int(CONF_CHECKOUT_EXPIRY) : PI_EXPIRY;
	if (ttl < 1800 + EXPIRY_SLACK)
		ttl = 1800 + EXPIRY_SLACK;
	c->expires_at = (int64_t)time(NULL) + ttl;

	buf_init(&qty, 16 + c->n * 4);
	buf_putc(&qty, '{');
	for (i = 0; i < c->n; i++)
		buf_printf(&qty, "%s%lld", i > 0 ? "," : "",
		    (long long)c->qty[i]);
	buf_putc(&qty, '}');
	prm[0] = c->order_id;
	prm[1] = checkout_ids(r->arena, c->pids, c->n);
	prm[2] = arena_strdup(r->arena, qty.data);
	buf_clear(&qty);
	prm[3] = c->email;
	prm[4] = c->name;
	prm[5] = link_hash_hex(r->arena, c->key);
	prm[6] = c->consent ? "true" : "false";
	prm[7] = c->session ? "checkout" : "payment_intent";
	prm[8] = arena_printf(r->arena, "%lld", (long long)c->expires_at);
	q = (struct dbq){ stmts[STMT_CREATE], 9, prm };
	if ((rc = tx_run(r->db, r->arena, c->st.id, "buyer", &q, 1,
	    &res)) != ERR_OK) {
		req_fail(r, rc, NULL);
		return -1;
	}
	if ((nrows = db_ntuples(res)) != (int)c->n) {
		req_fail(r, ERR_CONFLICT, "A product of the order changed or "
		    "went off sale just now; look again and retry.");
		return -1;
	}
	/* The lines in the order the buyer gave them. */
	for (i = 0; i < c->n; i++) {
		for (row = 0; row < nrows; row++)
			if (strcmp(db_val(res, row, db_col(res, "product_id")),
			    c->pids[i]) == 0)
				break;
		if (row == nrows)
			fatalx("order line for %s missing", c->pids[i]);
		c->lines[i].product_id = c->pids[i];
		c->lines[i].name = db_val(res, row, db_col(res, "product_name"));
		c->lines[i].unit_amount = str_to_i64(db_val(res, row,
		    db_col(res, "price_minor")), 0, INT64_MAX / 16, &errstr);
		c->lines[i].quantity = c->qty[i];
		if (errstr != NULL)
			fatalx("price %s", errstr);
	}
	c->total = str_to_i64(db_val(res, 0, db_col(res, "subtotal_minor")), 0,
	    INT64_MAX, &errstr);
	if (errstr != NULL)
		fatalx("subtotal %s", errstr);
	c->fee = c->account != NULL ?
	    c->total * conf_int(CONF_STRIPE_FEE_BPS) / 10000 : 0;
	return 0;
}

/*
 * Record what Stripe made for the order. A failure here is logged: the
 * order stays pending without it, and the webhook still finds the order
 * by the id Stripe carries in its metadata.
 */
static void
checkout_attach(struct req *r, const struct co *c, const char *session,
    const char *pi, const char *url)
{
	struct dbq	 q;
	const char	*prm[6];

	prm[0] = c->order_id;
	prm[1] = session;
	prm[2] = pi;
	prm[3] = url;
	prm[4] = arena_printf(r->arena, "%lld", (long long)c->expires_at);
	prm[5] = arena_printf(r->arena, "%lld", (long long)c->fee);
	q = (struct dbq){ stmts[STMT_ATTACH], 6, prm };
	if (tx_run(r->db, r->arena, c->st.id, "buyer", &q, 1, NULL) != ERR_OK)
		log_errx("order %s: recording its Stripe %s failed", c->order_id,
		    session != NULL ? session : pi);
}

/* Answer a failed Stripe call: the provider's words where they are safe. */
static void
checkout_stripe_fail(struct req *r, const struct co *c, enum err rc,
    const struct stripe_error *se)
{
	log_warnx("order %s: Stripe refused (%ld %s %s): %s", c->order_id,
	    se->status, se->type, se->code, se->message);
	/* Refused before sending (data we made is wrong): ours to fix. */
	if (rc != ERR_BAD_GATEWAY && rc != ERR_UNAVAILABLE)
		req_fail(r, ERR_INTERNAL, NULL);
	else
		req_fail_shown(r, rc, se->message);
}

/*
 * POST /api/v1/stores/{store}/checkout {items: [{productId, quantity}],
 * customer: {email, name?}, successUrl, cancelUrl?, marketingConsent?}: a
 * pending order and a Stripe Checkout Session for it. Prices come from
 * the products; quantities 1 to 10; both URLs on the store's allowed
 * origins. Answers 201 {orderId, orderKey, checkoutUrl, expiresAt,
 * amount, currency}. Raises HTTP 400 for bad fields, unknown or inactive
 * products, URLs elsewhere; 404 for an unknown store; 409 while the
 * store's Stripe account cannot take charges, or when a product changed
 * meanwhile; 502 when Stripe refuses (its message shown when safe); 503
 * when Stripe cannot be reached in time or payments are not set up.
 */
static void
checkout_session(struct req *r)
{
	struct co		 c;
	struct stripe_checkout_req sr;
	struct stripe_checkout	 cs;
	struct stripe_error	 se;
	struct jw		 w;
	enum err		 rc;

	memset(&c, 0, sizeof(c));
	c.session = true;
	if (checkout_prepare(r, &c) == -1 || checkout_create(r, &c) == -1)
		return;
	memset(&sr, 0, sizeof(sr));
	sr.idempotency_key = arena_printf(r->arena, "colmena-checkout-%s",
	    c.order_id);
	sr.account = c.account;
	sr.currency = c.st.currency;
	sr.lines = c.lines;
	sr.nlines = c.n;
	sr.customer_email = c.email;
	sr.order_id = c.order_id;
	sr.store_id = c.st.id;
	sr.success_url = checkout_return_url(r, &c);
	sr.cancel_url = c.cancel_url;
	sr.expires_at = c.expires_at;
	sr.promotion_codes = c.promotion_codes;
	sr.automatic_tax = c.automatic_tax;
	sr.application_fee = c.fee;
	if ((rc = stripe_checkout_create(r->arena, &sr, &cs, &se)) != ERR_OK) {
		checkout_stripe_fail(r, &c, rc, &se);
		return;
	}
	c.expires_at = cs.expires_at > 0 ? cs.expires_at : c.expires_at;
	checkout_attach(r, &c, cs.id, NULL, cs.url);
	req_nocache(r);
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "orderId", c.order_id);
	jw_str(&w, "orderKey", c.key);
	jw_str(&w, "checkoutUrl", cs.url);
	jw_time(&w, "expiresAt", c.expires_at);
	jw_money(&w, "amount", c.total, c.st.exponent);
	jw_str(&w, "currency", c.st.currency);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
	r->status = 201;
}

/*
 * POST /api/v1/stores/{store}/payment-intents {items, customer,
 * marketingConsent?}: a pending order and a Stripe PaymentIntent for a
 * site that takes the card with Stripe Elements. Answers 201 {orderId,
 * orderKey, clientSecret, publishableKey, stripeAccount, amount,
 * currency}. Raises HTTP 400, 404, 409, 502 and 503 as checkout does.
 */
static void
checkout_intent(struct req *r)
{
	struct co		 c;
	struct stripe_pi_req	 pr;
	struct stripe_pi	 pi;
	struct stripe_error	 se;
	struct jw		 w;
	const char		*pk;
	enum err		 rc;

	memset(&c, 0, sizeof(c));
	if (checkout_prepare(r, &c) == -1 || checkout_create(r, &c) == -1)
		return;
	memset(&pr, 0, sizeof(pr));
	pr.idempotency_key = arena_printf(r->arena, "colmena-intent-%s",
	    c.order_id);
	pr.account = c.account;
	pr.currency = c.st.currency;
	pr.amount = c.total;
	pr.customer_email = c.email;
	pr.order_id = c.order_id;
	pr.store_id = c.st.id;
	pr.description = arena_printf(r->arena, "Order %s from %s",
	    c.order_id, c.st.name);
	pr.application_fee = c.fee;
	if ((rc = stripe_pi_create(r->arena, &pr, &pi, &se)) != ERR_OK) {
		checkout_stripe_fail(r, &c, rc, &se);
		return;
	}
	checkout_attach(r, &c, NULL, pi.id, NULL);
	pk = conf_get(CONF_STRIPE_PUBLISHABLE_KEY);
	req_nocache(r);
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "orderId", c.order_id);
	jw_str(&w, "orderKey", c.key);
	jw_str(&w, "clientSecret", pi.client_secret);
	jw_str(&w, "publishableKey", *pk != '\0' ? pk : NULL);
	jw_str(&w, "stripeAccount", c.account);
	jw_money(&w, "amount", c.total, c.st.exponent);
	jw_str(&w, "currency", c.st.currency);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
	r->status = 201;
}

/*
 * OPTIONS: the CORS preflight of a store's checkout. Raises HTTP 404 for
 * an unknown store.
 */
static void
checkout_options(struct req *r, const char *allow)
{
	struct store	 st;
	const char	*ident;
	bool		 is_uuid;
	enum err	 rc;
	size_t		 i;

	(void)allow;
	for (i = 0; i < r->nparams; i++)
		if (strcmp(r->params[i].key, "store") == 0)
			break;
	if (i == r->nparams) {
		req_empty(r, 204);
		return;
	}
	if (checkout_store_ident(r, &ident, &is_uuid) == -1)
		return;
	if ((rc = store_get(r->db, r->arena, ident, is_uuid, &st)) != ERR_OK) {
		req_fail(r, rc, rc == ERR_NOT_FOUND ? "No such store." : NULL);
		return;
	}
	req_cors(r, st.origins, st.norigins, CORS_METHODS);
	req_empty(r, 204);
}

int
main(int argc, char *argv[])
{
	static const struct app app = {
		"checkout", routes, nitems(routes), checkout_options,
		NULL, stripe_cleanup, "public", CONF_RATELIMIT_PUBLIC
	};

	return app_main(argc, argv, &app);
}
