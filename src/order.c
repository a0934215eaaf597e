/*
 * order.c: an order of the current store as the webhook and the orders
 * programs see it: the order with its store, its lines, its live download
 * links (made again from their ids, see link.c), new links for its lines,
 * and the buyer's mail rendered by receipt.c into the outbox. An order_id
 * of NULL means the order order_locate() found in this transaction.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "buf.h"
#include "db.h"
#include "jw.h"
#include "link.h"
#include "log.h"
#include "order.h"
#include "outbox.h"
#include "receipt.h"
#include "str.h"

#define ORDER_ID \
	"coalesce($1::uuid, nullif(current_setting('app.order_id', true), '')::uuid)"
#define ORDER_TEXT_TIME(x) \
	"to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"')"

enum stmt {
	STMT_INFO,
	STMT_LINES,
	STMT_LINKS,
	STMT_NEW_LINKS,
	STMT_REVOKE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* STMT_INFO */
	"SELECT o.id, o.store_id, o.status, o.status_before_dispute, o.kind,"
	" o.customer_email, o.customer_name, o.currency, x.exponent,"
	" o.subtotal_minor, o.tax_minor, o.discount_minor, o.total_minor,"
	" o.refunded_minor, o.stripe_payment_intent_id, o.stripe_account_id,"
	" " ORDER_TEXT_TIME("coalesce(o.paid_at, now())") " AS paid_at,"
	" s.name AS store_name, s.support_email,"
	" (SELECT count(*) FROM download_tokens d WHERE d.order_id = o.id)"
	"  AS tokens"
	" FROM orders o JOIN stores s ON s.id = o.store_id"
	" JOIN currencies x ON x.code = o.currency"
	" WHERE o.id = " ORDER_ID,
	/* STMT_LINES */
	"SELECT i.id, i.product_id, i.product_name, i.quantity, i.price_minor,"
	" least(coalesce(p.max_downloads, 5) * i.quantity, 1000)"
	"  AS max_downloads,"
	" " ORDER_TEXT_TIME("now() + make_interval(hours =>"
	"  coalesce(p.download_expiry_hours, 72))") " AS expires"
	" FROM order_items i LEFT JOIN products p ON p.id = i.product_id"
	" WHERE i.order_id = " ORDER_ID " ORDER BY i.created_at, i.id",
	/* STMT_LINKS: links not withdrawn, usable ones first */
	"SELECT d.id, encode(d.token_hash, 'hex') AS hash,"
	" coalesce(i.product_name, p.name, 'your file') AS name,"
	" " ORDER_TEXT_TIME("d.expires_at") " AS expires,"
	" to_char(d.expires_at AT TIME ZONE 'UTC',"
	"  'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS expires_at,"
	" greatest(d.max_downloads - d.download_count, 0) AS downloads_left,"
	" (d.expires_at > now() AND d.download_count < d.max_downloads)"
	"  AS usable"
	" FROM download_tokens d"
	" LEFT JOIN products p ON p.id = d.product_id"
	" LEFT JOIN order_items i ON i.order_id = d.order_id"
	"  AND i.product_id = d.product_id"
	" WHERE d.order_id = " ORDER_ID " AND d.revoked_at IS NULL"
	" ORDER BY d.created_at, d.id",
	/* STMT_NEW_LINKS: one link per line, ids and hashes made by us */
	"INSERT INTO download_tokens (id, store_id, order_id, product_id,"
	" token_hash, expires_at, max_downloads, file_id)"
	" SELECT t.id, i.store_id, i.order_id, i.product_id,"
	" decode(t.h, 'hex'),"
	" now() + make_interval(hours => coalesce(p.download_expiry_hours, 72)),"
	" least(coalesce(p.max_downloads, 5) * i.quantity, 1000), p.file_id"
	" FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(id, item, h)"
	" JOIN order_items i ON i.id = t.item"
	" LEFT JOIN products p ON p.id = i.product_id",
	/* STMT_REVOKE */
	"UPDATE download_tokens SET revoked_at = now()"
	" WHERE order_id = " ORDER_ID " AND revoked_at IS NULL",
};

static const char	*order_val(const struct pg_result *, int, const char *);
static int64_t		 order_int(const struct pg_result *, int, const char *);

/* Column name of a row, or NULL when SQL NULL. */
static const char *
order_val(const struct pg_result *res, int row, const char *name)
{
	int	 c = db_col(res, name);

	return db_isnull(res, row, c) ? NULL : db_val(res, row, c);
}

/* A whole-number column (0 when NULL); the schema keeps them in range. */
static int64_t
order_int(const struct pg_result *res, int row, const char *name)
{
	const char	*v = order_val(res, row, name), *errstr;
	int64_t		 n;

	if (v == NULL)
		return 0;
	n = str_to_i64(v, INT64_MIN, INT64_MAX, &errstr);
	if (errstr != NULL)
		fatalx("column %s: %s", name, errstr);
	return n;
}

/*
 * Fill q with the statement reading order_id (NULL: the located one) with
 * its store; prm (one slot) must live as long as q.
 */
void
order_q_info(struct dbq *q, const char **prm, const char *order_id)
{
	prm[0] = order_id;
	*q = (struct dbq){ stmts[STMT_INFO], 1, prm };
}

/*
 * Read order_q_info's result into o (strings owned by the result).
 * Returns 0, or -1 when it found no order.
 */
int
order_info_read(struct arena *a, const struct pg_result *res,
    struct order_info *o)
{
	const char	*b;

	(void)a;
	memset(o, 0, sizeof(*o));
	if (db_ntuples(res) != 1)
		return -1;
	o->id = order_val(res, 0, "id");
	o->store_id = order_val(res, 0, "store_id");
	if (orderstate_status_parse(order_val(res, 0, "status"),
	    &o->status) == -1)
		fatalx("order %s: unknown status", o->id);
	if ((b = order_val(res, 0, "status_before_dispute")) != NULL &&
	    orderstate_status_parse(b, &o->before) == 0)
		o->has_before = true;
	o->kind = order_val(res, 0, "kind");
	o->customer_email = order_val(res, 0, "customer_email");
	o->customer_name = order_val(res, 0, "customer_name");
	o->currency = order_val(res, 0, "currency");
	o->exponent = (int)order_int(res, 0, "exponent");
	o->subtotal = order_int(res, 0, "subtotal_minor");
	o->tax = order_int(res, 0, "tax_minor");
	o->discount = order_int(res, 0, "discount_minor");
	o->total = order_int(res, 0, "total_minor");
	o->refunded = order_int(res, 0, "refunded_minor");
	o->payment_intent = order_val(res, 0, "stripe_payment_intent_id");
	o->account = order_val(res, 0, "stripe_account_id");
	o->paid_at = order_val(res, 0, "paid_at");
	o->store_name = order_val(res, 0, "store_name");
	o->support_email = order_val(res, 0, "support_email");
	o->tokens = order_int(res, 0, "tokens");
	return 0;
}

/*
 * Fill q with the statement reading the lines of order_id (NULL: the
 * located one); prm (one slot) must live as long as q.
 */
void
order_q_lines(struct dbq *q, const char **prm, const char *order_id)
{
	prm[0] = order_id;
	*q = (struct dbq){ stmts[STMT_LINES], 1, prm };
}

/*
 * Read order_q_lines' result into l[0..max). Returns the number of lines
 * (strings owned by the result).
 */
size_t
order_lines_read(struct arena *a, const struct pg_result *res,
    struct order_line *l, size_t max)
{
	size_t	 i, n;

	(void)a;
	n = (size_t)db_ntuples(res);
	if (n > max) {
		log_warnx("an order with %zu lines: only %zu handled", n, max);
		n = max;
	}
	for (i = 0; i < n; i++) {
		l[i].item_id = order_val(res, (int)i, "id");
		l[i].product_id = order_val(res, (int)i, "product_id");
		l[i].name = order_val(res, (int)i, "product_name");
		l[i].quantity = order_int(res, (int)i, "quantity");
		l[i].price = order_int(res, (int)i, "price_minor");
		l[i].max_downloads = order_int(res, (int)i, "max_downloads");
		l[i].expires = order_val(res, (int)i, "expires");
	}
	return n;
}

/*
 * Fill q with the statement reading the download links of order_id (NULL:
 * the located one) that are not withdrawn; prm (one slot) must live as
 * long as q.
 */
void
order_q_links(struct dbq *q, const char **prm, const char *order_id)
{
	prm[0] = order_id;
	*q = (struct dbq){ stmts[STMT_LINKS], 1, prm };
}

/*
 * Read order_q_links' result: the links still usable (not expired, not
 * used up), each made again from its id. A link whose token was not made
 * from its id (before token_secret was set, or under another one) cannot
 * be shown and is left out. Returns the number, *links (and, when
 * expires_at is not NULL, each one's expiry in ISO 8601) in the arena.
 */
size_t
order_links_read(struct arena *a, const struct pg_result *res,
    struct receipt_link **links, const char ***expires_at)
{
	struct receipt_link	*l;
	const char		*tok;
	size_t			 i, n, k = 0;

	n = (size_t)db_ntuples(res);
	*links = l = arena_calloc(a, n + 1, sizeof(*l));
	if (expires_at != NULL)
		*expires_at = arena_calloc(a, n + 1, sizeof(**expires_at));
	if (!link_configured())
		return 0;
	for (i = 0; i < n; i++) {
		if (strcmp(order_val(res, (int)i, "usable"), "t") != 0)
			continue;
		tok = link_download_token(a, order_val(res, (int)i, "id"));
		if (strcmp(link_hash_hex(a, tok),
		    order_val(res, (int)i, "hash")) != 0)
			continue;
		l[k].name = order_val(res, (int)i, "name");
		l[k].url = link_url(a, arena_printf(a, "/download/%s", tok));
		l[k].expires = order_val(res, (int)i, "expires");
		l[k].downloads_left = order_int(res, (int)i, "downloads_left");
		if (expires_at != NULL)
			(*expires_at)[k] = order_val(res, (int)i, "expires_at");
		k++;
	}
	return k;
}

/*
 * Fill q with the INSERT of one new download link per line of the order
 * (the product's expiry from now; its downloads times the quantity; the
 * product's current file), and *links (in the arena) with the links as
 * the buyer gets them. order_id is only for the log.
 */
void
order_q_new_links(struct arena *a, struct dbq *q, const char *order_id,
    const struct order_line *lines, size_t n, struct receipt_link **links)
{
	struct buf	 ids, items, hashes;
	const char	*id, *tok, **prm;
	size_t		 i;

	buf_init(&ids, 64 + n * 40);
	buf_init(&items, 64 + n * 40);
	buf_init(&hashes, 64 + n * 68);
	*links = arena_calloc(a, n + 1, sizeof(**links));
	buf_putc(&ids, '{');
	buf_putc(&items, '{');
	buf_putc(&hashes, '{');
	for (i = 0; i < n; i++) {
		link_download_new(a, &id, &tok);
		buf_printf(&ids, "%s%s", i > 0 ? "," : "", id);
		buf_printf(&items, "%s%s", i > 0 ? "," : "", lines[i].item_id);
		buf_printf(&hashes, "%s%s", i > 0 ? "," : "",
		    link_hash_hex(a, tok));
		(*links)[i].name = lines[i].name;
		(*links)[i].url = link_url(a, arena_printf(a, "/download/%s",
		    tok));
		(*links)[i].expires = lines[i].expires;
		(*links)[i].downloads_left = lines[i].max_downloads;
	}
	buf_putc(&ids, '}');
	buf_putc(&items, '}');
	buf_putc(&hashes, '}');
	if (ids.err || items.err || hashes.err)
		fatalx("order %s: %zu links do not fit", order_id, n);
	prm = arena_alloc(a, 3 * sizeof(*prm));
	prm[0] = arena_strdup(a, ids.data);
	prm[1] = arena_strdup(a, items.data);
	prm[2] = arena_strdup(a, hashes.data);
	buf_clear(&ids);
	buf_clear(&items);
	buf_clear(&hashes);
	*q = (struct dbq){ stmts[STMT_NEW_LINKS], 3, prm };
}

/*
 * Fill q with the UPDATE withdrawing every link of order_id (NULL: the
 * located one); prm (one slot) must live as long as q.
 */
void
order_q_revoke_links(struct dbq *q, const char **prm, const char *order_id)
{
	prm[0] = order_id;
	*q = (struct dbq){ stmts[STMT_REVOKE], 1, prm };
}

/*
 * The buyer's order page: public_url/orders/{id}?key={access key}. Needs
 * token_secret. Result lives in the arena.
 */
char *
order_page_url(struct arena *a, const char *order_id)
{
	return link_url(a, arena_printf(a, "/orders/%s?key=%s", order_id,
	    link_order_key(a, order_id)));
}

/*
 * Fill q with the outbox INSERT of the buyer's mail of this kind about
 * order o: its lines, amounts and links, rendered from templates/mail/.
 * Returns 0, or -1 (logged) when rendering fails.
 */
int
order_q_mail(struct arena *a, struct dbq *q, enum receipt_kind kind,
    const struct order_info *o, const struct order_line *lines, size_t n,
    const struct receipt_link *links, size_t nlinks)
{
	struct receipt		 rc;
	struct receipt_item	*items;
	struct receipt_mail	 m;
	struct outbox_mail	 om;
	struct buf		 payload;
	struct jw		 w;
	char			 err[256];
	size_t			 i;

	items = arena_calloc(a, n + 1, sizeof(*items));
	for (i = 0; i < n; i++) {
		items[i].name = lines[i].name;
		items[i].quantity = lines[i].quantity;
		items[i].unit_minor = lines[i].price;
		items[i].line_minor = lines[i].price * lines[i].quantity;
	}
	memset(&rc, 0, sizeof(rc));
	rc.kind = kind;
	rc.store_name = o->store_name;
	rc.support_email = o->support_email;
	rc.order_id = o->id;
	rc.order_url = order_page_url(a, o->id);
	rc.customer_name = o->customer_name;
	rc.customer_email = o->customer_email;
	rc.currency = o->currency;
	rc.exponent = o->exponent;
	rc.paid_at = o->paid_at;
	rc.items = items;
	rc.nitems = n;
	rc.subtotal_minor = o->subtotal;
	rc.discount_minor = o->discount;
	rc.tax_minor = o->tax;
	rc.total_minor = o->total;
	rc.links = links;
	rc.nlinks = nlinks;
	if (receipt_render(a, &rc, &m, err, sizeof(err)) == -1) {
		log_errx("order %s: the receipt does not render: %s", o->id,
		    err);
		return -1;
	}
	buf_init(&payload, 4096);
	jw_init(&w, &payload);
	jw_obj_open(&w, NULL);
	jw_str(&w, "orderId", o->id);
	jw_int(&w, "links", (int64_t)nlinks);
	jw_obj_close(&w);
	memset(&om, 0, sizeof(om));
	om.store_id = o->store_id;
	om.kind = kind == RECEIPT_LINKS ? "download_links" : "receipt";
	om.to = o->customer_email;
	om.subject = m.subject;
	om.text = m.text;
	om.html = m.html;
	om.reply_to = o->support_email;
	om.payload_json = arena_strdup(a, payload.data);
	buf_clear(&payload);
	outbox_q_mail(a, q, &om);
	return 0;
}
