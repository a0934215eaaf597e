/*
 * orders_admin.c: the staff's orders API (/api/v1/admin/orders), behind
 * the gate: list with filters and pagination, one order in detail (lines,
 * download links, refunds, notes, Stripe events), and the actions on it,
 * each allowed by orderstate.c or refused 409: a refund through Stripe
 * (the order's status then follows Stripe's webhook), the receipt again,
 * new download links (the old ones withdrawn), a note. Every change is
 * audited with its author.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "db.h"
#include "gate.h"
#include "jw.h"
#include "log.h"
#include "order.h"
#include "orders.h"
#include "orderstate.h"
#include "req.h"
#include "str.h"
#include "stripe.h"
#include "tx.h"
#include "valid.h"

#define LIST_DEFAULT	20
#define KEY_MAX		255	/* Idempotency-Key of a refund request */

#define ORDER_COLS \
	" o.id, o.status, o.kind, o.customer_email, o.customer_name," \
	" o.currency, x.exponent, o.subtotal_minor, o.discount_minor," \
	" o.tax_minor, o.total_minor, o.refunded_minor, o.marketing_consent," \
	" " TS("o.created_at") " AS created_at," \
	" " TS("o.paid_at") " AS paid_at," \
	" " TS("o.updated_at") " AS updated_at," \
	" (SELECT coalesce(sum(i.quantity), 0) FROM order_items i" \
	"  WHERE i.order_id = o.id) AS item_count"

#define LIST_WHERE \
	" FROM orders o JOIN currencies x ON x.code = o.currency" \
	" WHERE o.store_id = current_store_id()" \
	" AND ($1::text IS NULL OR o.status = $1)" \
	" AND ($2::text IS NULL OR o.created_at >= CASE WHEN length($2) = 10" \
	"  THEN $2::date::timestamp AT TIME ZONE 'UTC' ELSE $2::timestamptz END)" \
	" AND ($3::text IS NULL OR o.created_at < CASE WHEN length($3) = 10" \
	"  THEN ($3::date + 1)::timestamp AT TIME ZONE 'UTC'" \
	"  ELSE $3::timestamptz END)" \
	" AND ($4::text IS NULL OR strpos(lower(o.customer_email)," \
	"  lower($4)) > 0)" \
	" AND ($5::uuid IS NULL OR EXISTS (SELECT 1 FROM order_items i" \
	"  WHERE i.order_id = o.id AND i.product_id = $5::uuid))"

enum stmt {
	STMT_LIST,
	STMT_COUNT,
	STMT_ORDER,
	STMT_ITEMS,
	STMT_DOWNLOADS,
	STMT_REFUNDS,
	STMT_NOTES,
	STMT_EVENTS,
	STMT_LOCK,
	STMT_REFUND_STATE,
	STMT_REFUND_ADD,
	STMT_REFUND_DONE,
	STMT_REFUND_GET,
	STMT_RECEIPT_SENT,
	STMT_AUDIT,
	STMT_NOTE_ADD,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* STMT_LIST */
	"SELECT" ORDER_COLS LIST_WHERE
	" ORDER BY o.created_at DESC, o.id DESC LIMIT $6::int OFFSET $7::int",
	/* STMT_COUNT */
	"SELECT count(*)" LIST_WHERE,
	/* STMT_ORDER */
	"SELECT" ORDER_COLS ", o.status_before_dispute, o.failure_message,"
	" o.stripe_checkout_session_id, o.stripe_payment_intent_id,"
	" o.stripe_charge_id, o.stripe_account_id, o.application_fee_minor,"
	" " TS("o.receipt_sent_at") " AS receipt_sent_at"
	" FROM orders o JOIN currencies x ON x.code = o.currency"
	" WHERE o.store_id = current_store_id() AND o.id = $1::uuid",
	/* STMT_ITEMS */
	"SELECT i.product_id, i.product_name, i.quantity, i.price_minor"
	" FROM order_items i WHERE i.order_id = $1::uuid"
	" ORDER BY i.created_at, i.id",
	/* STMT_DOWNLOADS: every link, with why it works or not */
	"SELECT d.id, d.product_id,"
	" coalesce(i.product_name, p.name) AS product_name,"
	" d.download_count, d.max_downloads,"
	" " TS("d.created_at") " AS created_at,"
	" " TS("d.expires_at") " AS expires_at,"
	" " TS("d.revoked_at") " AS revoked_at,"
	" " TS("d.last_counted_at") " AS last_download_at,"
	" CASE WHEN d.revoked_at IS NOT NULL THEN 'revoked'"
	"  WHEN d.expires_at <= now() THEN 'expired'"
	"  WHEN d.download_count >= d.max_downloads THEN 'used_up'"
	"  WHEN d.file_id IS NULL THEN 'no_file' ELSE 'active' END AS state"
	" FROM download_tokens d LEFT JOIN products p ON p.id = d.product_id"
	" LEFT JOIN order_items i ON i.order_id = d.order_id"
	"  AND i.product_id = d.product_id"
	" WHERE d.order_id = $1::uuid ORDER BY d.created_at, d.id",
	/* STMT_REFUNDS */
	"SELECT r.id, r.stripe_refund_id, r.amount_minor, r.reason, r.status,"
	" r.requested_by, r.error, " TS("r.created_at") " AS created_at"
	" FROM refunds r WHERE r.order_id = $1::uuid"
	" ORDER BY r.created_at, r.id",
	/* STMT_NOTES */
	"SELECT n.id, n.author, n.author_name, n.body,"
	" " TS("n.created_at") " AS created_at"
	" FROM order_notes n WHERE n.order_id = $1::uuid"
	" ORDER BY n.created_at, n.id",
	/* STMT_EVENTS: what Stripe told us about the order */
	"SELECT e.id, e.type, e.outcome, e.detail,"
	" " TS("e.received_at") " AS received_at"
	" FROM stripe_events e WHERE e.order_id = $1::uuid"
	" AND e.store_id = current_store_id() ORDER BY e.received_at, e.id",
	/* STMT_LOCK: one action on an order at a time */
	"SELECT set_config('app.order_id', o.id::text, true)"
	" FROM orders o WHERE o.store_id = current_store_id()"
	" AND o.id = $1::uuid FOR UPDATE",
	/* STMT_REFUND_STATE: what is left to refund; a request replayed.
	 * Refunded: what Stripe's webhooks said, or what Stripe answered to
	 * our own refunds if more (their webhook may not have come yet);
	 * plus those Stripe has not finished. */
	"SELECT greatest(o.refunded_minor, coalesce((SELECT"
	"  sum(r.amount_minor) FROM refunds r WHERE r.order_id = o.id"
	"  AND r.status = 'succeeded'), 0)) + coalesce((SELECT"
	"  sum(r.amount_minor) FROM refunds r WHERE r.order_id = o.id"
	"  AND r.status IN ('requested', 'pending', 'requires_action')), 0)"
	"  AS committed,"
	" (SELECT r.id FROM refunds r WHERE r.order_id = o.id"
	"  AND r.idempotency_key = $2) AS replay_id"
	" FROM orders o WHERE o.id = $1::uuid",
	/* STMT_REFUND_ADD */
	"INSERT INTO refunds (store_id, order_id, amount_minor, reason,"
	" idempotency_key, requested_by) VALUES (current_store_id(),"
	" $1::uuid, $2::bigint, $3, $4, current_setting('app.actor', true))"
	" RETURNING id",
	/* STMT_REFUND_DONE: Stripe's answer to a refund request */
	"UPDATE refunds SET stripe_refund_id = coalesce($2, stripe_refund_id),"
	" status = $3, error = $4 WHERE id = $1::uuid"
	" RETURNING id, stripe_refund_id, amount_minor, reason, status,"
	" requested_by, error, " TS("created_at") " AS created_at",
	/* STMT_REFUND_GET */
	"SELECT id, stripe_refund_id, amount_minor, reason, status,"
	" requested_by, error, " TS("created_at") " AS created_at"
	" FROM refunds WHERE id = $1::uuid",
	/* STMT_RECEIPT_SENT */
	"UPDATE orders SET receipt_sent_at = now()"
	" WHERE id = current_setting('app.order_id')::uuid",
	/* STMT_AUDIT: an action the table triggers do not see */
	"INSERT INTO audit_logs (store_id, actor, entity_type, entity_id,"
	" action, new_values) VALUES (current_store_id(),"
	" nullif(current_setting('app.actor', true), ''), 'orders',"
	" current_setting('app.order_id')::uuid, 'update', $1::jsonb)",
	/* STMT_NOTE_ADD */
	"INSERT INTO order_notes (store_id, order_id, author, author_name,"
	" body) SELECT o.store_id, o.id, current_setting('app.actor', true),"
	" $2, $3 FROM orders o WHERE o.store_id = current_store_id()"
	" AND o.id = $1::uuid"
	" RETURNING id, author, author_name, body,"
	" " TS("created_at") " AS created_at",
};

enum list_field {
	LF_STATUS,
	LF_FROM,
	LF_TO,
	LF_EMAIL,
	LF_PRODUCT,
	LF_LIMIT,
	LF_OFFSET,
	LF__MAX
};

static const char *const status_names[] = {
	"pending", "paid", "failed", "expired", "refunded",
	"partially_refunded", "disputed", NULL
};

static const struct field list_fields[LF__MAX] = {
	{ "status", FIELD_ENUM, false, 0, 0, status_names },	/* LF_STATUS */
	{ "from", FIELD_DATE, false, 0, 0, NULL },		/* LF_FROM */
	{ "to", FIELD_DATE, false, 0, 0, NULL },		/* LF_TO */
	{ "email", FIELD_TEXT, false, 1, 254, NULL },		/* LF_EMAIL */
	{ "product", FIELD_UUID, false, 0, 0, NULL },		/* LF_PRODUCT */
	{ "limit", FIELD_INT, false, 1, 100, NULL },		/* LF_LIMIT */
	{ "offset", FIELD_INT, false, 0, 1000000, NULL },	/* LF_OFFSET */
};

enum refund_field {
	RF_AMOUNT,
	RF_REASON,
	RF__MAX
};

static const char *const reasons[] = {
	"duplicate", "fraudulent", "requested_by_customer", NULL
};

static const struct field refund_fields[RF__MAX] = {
	{ "amount", FIELD_DECIMAL, false, 0, 999999999, NULL },	/* RF_AMOUNT */
	{ "reason", FIELD_ENUM, false, 0, 0, reasons },		/* RF_REASON */
};

enum note_field {
	NF_BODY,
	NF__MAX
};

static const struct field note_fields[NF__MAX] = {
	{ "body", FIELD_TEXT, true, 1, 5000, NULL },		/* NF_BODY */
};

static void	 orders_admin_json(struct jw *, const struct pg_result *, int);
static void	 orders_admin_refund_json(struct jw *, const struct pg_result *,
		    int, int);
static void	 orders_admin_note_json(struct jw *, const struct pg_result *,
		    int);
static int	 orders_admin_detail(struct req *, const struct principal *,
		    const char *, int);
static int	 orders_admin_begin(struct req *, const struct principal *,
		    const char *, enum order_action, struct order_info *,
		    struct order_line *, size_t *);
static void	 orders_admin_refund_send(struct req *,
		    const struct principal *, const struct order_info *,
		    const char *, int64_t, const char *);
static void	 orders_admin_resume(struct req *, const struct principal *,
		    const struct order_info *, const char *,
		    const struct form *);
static void	 orders_admin_refused(struct req *, const struct order_info *,
		    enum order_action);
static void	 orders_admin_q_audit(struct req *, struct dbq *,
		    const char **, const char *, size_t);

/* One order as the list and the detail show it; the caller closes it. */
static void
orders_admin_json(struct jw *w, const struct pg_result *res, int row)
{
	int	 x;

	x = (int)strtol(orders_val(res, row, "exponent"), NULL, 10);
	jw_obj_open(w, NULL);
	jw_str(w, "id", orders_val(res, row, "id"));
	jw_str(w, "status", orders_val(res, row, "status"));
	jw_str(w, "kind", orders_val(res, row, "kind"));
	jw_obj_open(w, "customer");
	jw_str(w, "email", orders_val(res, row, "customer_email"));
	jw_str(w, "name", orders_val(res, row, "customer_name"));
	jw_obj_close(w);
	jw_str(w, "currency", orders_val(res, row, "currency"));
	orders_money(w, "subtotal", res, row, "subtotal_minor", x);
	orders_money(w, "discount", res, row, "discount_minor", x);
	orders_money(w, "tax", res, row, "tax_minor", x);
	orders_money(w, "total", res, row, "total_minor", x);
	orders_money(w, "refunded", res, row, "refunded_minor", x);
	jw_int(w, "itemCount", strtoll(orders_val(res, row, "item_count"),
	    NULL, 10));
	jw_bool(w, "marketingConsent",
	    strcmp(orders_val(res, row, "marketing_consent"), "t") == 0);
	jw_str(w, "createdAt", orders_val(res, row, "created_at"));
	jw_str(w, "paidAt", orders_val(res, row, "paid_at"));
	jw_str(w, "updatedAt", orders_val(res, row, "updated_at"));
}

/*
 * GET /api/v1/admin/orders ?status, from, to (date or timestamp; to a
 * date is inclusive), email (part of the address, any case), product (an
 * id), limit (1-100, default 20), offset: the store's orders, newest
 * first, with pagination. Needs orders.read. Raises HTTP 400 naming each
 * bad or unknown parameter.
 */
void
orders_admin_list(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct pg_result	*res[2];
	struct dbq		 q[2];
	struct pagination	 pg;
	struct jw		 w;
	const char		*prm[7];
	int			 i, n;
	enum err		 rc;

	if (gate_begin(r, &p) == -1)
		return;
	if (req_query(r, list_fields, LF__MAX, &f) == -1)
		return;
	pg.limit = f.v[LF_LIMIT].set ? f.v[LF_LIMIT].i : LIST_DEFAULT;
	pg.offset = f.v[LF_OFFSET].set ? f.v[LF_OFFSET].i : 0;
	prm[0] = f.v[LF_STATUS].set ? f.v[LF_STATUS].s : NULL;
	prm[1] = f.v[LF_FROM].set ? f.v[LF_FROM].s : NULL;
	prm[2] = f.v[LF_TO].set ? f.v[LF_TO].s : NULL;
	prm[3] = f.v[LF_EMAIL].set ? f.v[LF_EMAIL].s : NULL;
	prm[4] = f.v[LF_PRODUCT].set ? f.v[LF_PRODUCT].s : NULL;
	prm[5] = arena_printf(r->arena, "%lld", (long long)pg.limit);
	prm[6] = arena_printf(r->arena, "%lld", (long long)pg.offset);
	q[0] = (struct dbq){ stmts[STMT_LIST], 7, prm };
	q[1] = (struct dbq){ stmts[STMT_COUNT], 5, prm };
	if ((rc = gate_tx(r, &p, q, 2, res)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	pg.total = strtoll(db_val(res[1], 0, 0), NULL, 10);
	req_json_begin(r, &w);
	jw_arr_open(&w, NULL);
	for (i = 0, n = db_ntuples(res[0]); i < n; i++) {
		orders_admin_json(&w, res[0], i);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	req_json_end(r, &w, &pg);
}

static void
orders_admin_refund_json(struct jw *w, const struct pg_result *res, int row,
    int exponent)
{
	jw_obj_open(w, NULL);
	jw_str(w, "id", orders_val(res, row, "id"));
	jw_str(w, "stripeRefundId", orders_val(res, row, "stripe_refund_id"));
	orders_money(w, "amount", res, row, "amount_minor", exponent);
	jw_str(w, "reason", orders_val(res, row, "reason"));
	jw_str(w, "status", orders_val(res, row, "status"));
	jw_str(w, "requestedBy", orders_val(res, row, "requested_by"));
	jw_str(w, "error", orders_val(res, row, "error"));
	jw_str(w, "createdAt", orders_val(res, row, "created_at"));
	jw_obj_close(w);
}

static void
orders_admin_note_json(struct jw *w, const struct pg_result *res, int row)
{
	jw_obj_open(w, NULL);
	jw_str(w, "id", orders_val(res, row, "id"));
	jw_str(w, "author", orders_val(res, row, "author"));
	jw_str(w, "authorName", orders_val(res, row, "author_name"));
	jw_str(w, "body", orders_val(res, row, "body"));
	jw_str(w, "createdAt", orders_val(res, row, "created_at"));
	jw_obj_close(w);
}

/*
 * The detail of order id in one round trip, written as the answer.
 * Returns 0, or -1 having answered (404 for an order not of this store).
 */
static int
orders_admin_detail(struct req *r, const struct principal *p,
    const char *id, int status)
{
	struct pg_result	*res[6];
	struct dbq		 q[6];
	struct jw		 w;
	const char		*prm[1];
	int			 i, n, x;
	enum err		 rc;

	prm[0] = id;
	/* STMT_ORDER to STMT_EVENTS, all about the one order. */
	for (i = 0; i < 6; i++)
		q[i] = (struct dbq){ stmts[STMT_ORDER + i], 1, prm };
	if ((rc = gate_tx(r, p, q, 6, res)) != ERR_OK) {
		gate_fail(r, rc);
		return -1;
	}
	if (db_ntuples(res[0]) != 1) {
		req_fail(r, ERR_NOT_FOUND, "No such order.");
		return -1;
	}
	x = (int)strtol(orders_val(res[0], 0, "exponent"), NULL, 10);
	req_json_begin(r, &w);
	orders_admin_json(&w, res[0], 0);
	jw_str(&w, "statusBeforeDispute",
	    orders_val(res[0], 0, "status_before_dispute"));
	jw_str(&w, "failureMessage", orders_val(res[0], 0, "failure_message"));
	jw_str(&w, "receiptSentAt", orders_val(res[0], 0, "receipt_sent_at"));
	orders_money(&w, "applicationFee", res[0], 0, "application_fee_minor",
	    x);
	jw_obj_open(&w, "stripe");
	jw_str(&w, "checkoutSessionId",
	    orders_val(res[0], 0, "stripe_checkout_session_id"));
	jw_str(&w, "paymentIntentId",
	    orders_val(res[0], 0, "stripe_payment_intent_id"));
	jw_str(&w, "chargeId", orders_val(res[0], 0, "stripe_charge_id"));
	jw_str(&w, "accountId", orders_val(res[0], 0, "stripe_account_id"));
	jw_obj_close(&w);

	jw_arr_open(&w, "items");
	for (i = 0, n = db_ntuples(res[1]); i < n; i++) {
		jw_obj_open(&w, NULL);
		jw_str(&w, "productId", orders_val(res[1], i, "product_id"));
		jw_str(&w, "name", orders_val(res[1], i, "product_name"));
		jw_int(&w, "quantity", strtoll(orders_val(res[1], i,
		    "quantity"), NULL, 10));
		orders_money(&w, "unitPrice", res[1], i, "price_minor", x);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_arr_open(&w, "downloads");
	for (i = 0, n = db_ntuples(res[2]); i < n; i++) {
		jw_obj_open(&w, NULL);
		jw_str(&w, "id", orders_val(res[2], i, "id"));
		jw_str(&w, "productId", orders_val(res[2], i, "product_id"));
		jw_str(&w, "productName", orders_val(res[2], i,
		    "product_name"));
		jw_str(&w, "state", orders_val(res[2], i, "state"));
		jw_int(&w, "downloadCount", strtoll(orders_val(res[2], i,
		    "download_count"), NULL, 10));
		jw_int(&w, "maxDownloads", strtoll(orders_val(res[2], i,
		    "max_downloads"), NULL, 10));
		jw_str(&w, "createdAt", orders_val(res[2], i, "created_at"));
		jw_str(&w, "expiresAt", orders_val(res[2], i, "expires_at"));
		jw_str(&w, "revokedAt", orders_val(res[2], i, "revoked_at"));
		jw_str(&w, "lastDownloadAt", orders_val(res[2], i,
		    "last_download_at"));
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_arr_open(&w, "refunds");
	for (i = 0, n = db_ntuples(res[3]); i < n; i++)
		orders_admin_refund_json(&w, res[3], i, x);
	jw_arr_close(&w);
	jw_arr_open(&w, "notes");
	for (i = 0, n = db_ntuples(res[4]); i < n; i++)
		orders_admin_note_json(&w, res[4], i);
	jw_arr_close(&w);
	jw_arr_open(&w, "events");
	for (i = 0, n = db_ntuples(res[5]); i < n; i++) {
		jw_obj_open(&w, NULL);
		jw_str(&w, "id", orders_val(res[5], i, "id"));
		jw_str(&w, "type", orders_val(res[5], i, "type"));
		jw_str(&w, "outcome", orders_val(res[5], i, "outcome"));
		jw_str(&w, "detail", orders_val(res[5], i, "detail"));
		jw_str(&w, "receivedAt", orders_val(res[5], i, "received_at"));
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
	r->status = status;
	return 0;
}

/*
 * GET /api/v1/admin/orders/{order}: one order with its lines, download
 * links (state and use), refunds, notes and the Stripe events applied to
 * it. Needs orders.read. Raises HTTP 404 for an order of another store.
 */
void
orders_admin_get(struct req *r)
{
	struct principal	 p;
	const char		*id;

	if (gate_begin(r, &p) == -1 || (id = gate_param_uuid(r, "order")) == NULL)
		return;
	(void)orders_admin_detail(r, &p, id, 200);
}

/* 409: orderstate.c does not allow act on the order now. */
static void
orders_admin_refused(struct req *r, const struct order_info *o,
    enum order_action act)
{
	req_fail(r, ERR_CONFLICT, arena_printf(r->arena, "The order is %s: "
	    "%s.", orderstate_status_name(o->status), act ==
	    ORDER_ACTION_REFUND ? "only a paid or partly refunded order can "
	    "be refunded" : "only a paid or partly refunded order has "
	    "download links"));
}

/*
 * Open a transaction on order id for an action: lock the order, read it
 * (and with lines, its lines), and check orderstate.c allows the action
 * (ORDER_ACTION__MAX: the caller checks).
 * Returns 0 with the transaction open, or -1 having answered (404, 409)
 * with nothing kept.
 */
static int
orders_admin_begin(struct req *r, const struct principal *p, const char *id,
    enum order_action act, struct order_info *o, struct order_line *lines,
    size_t *nlines)
{
	struct pg_result	*res[3];
	struct dbq		 q[3];
	const char		*lk[1], *iq[1], *lq[1];
	enum err		 rc;

	lk[0] = id;
	q[0] = (struct dbq){ stmts[STMT_LOCK], 1, lk };
	order_q_info(&q[1], iq, id);
	order_q_lines(&q[2], lq, id);
	if ((rc = tx_begin(r->db, r->arena, p->store_id, p->actor, q,
	    lines != NULL ? 3 : 2, res)) != ERR_OK) {
		gate_fail(r, rc);
		return -1;
	}
	if (db_ntuples(res[0]) != 1 ||
	    order_info_read(r->arena, res[1], o) == -1) {
		tx_abort(r->db);
		req_fail(r, ERR_NOT_FOUND, "No such order.");
		return -1;
	}
	if (act != ORDER_ACTION__MAX && !orderstate_allows(o->status, act)) {
		tx_abort(r->db);
		orders_admin_refused(r, o, act);
		return -1;
	}
	if (lines != NULL)
		*nlines = order_lines_read(r->arena, res[2], lines,
		    ORDER_LINES_MAX);
	return 0;
}

/*
 * Ask Stripe for refund ref_id of order o and record its answer. Answers
 * 201 with the refund, or the failure (502 refused, with Stripe's
 * message; 503 unreachable: the request stays "requested" and the same
 * Idempotency-Key resumes it).
 */
static void
orders_admin_refund_send(struct req *r, const struct principal *p,
    const struct order_info *o, const char *ref_id, int64_t amount,
    const char *reason)
{
	struct stripe_refund_req sr;
	struct stripe_refund	 out;
	struct stripe_error	 se;
	struct pg_result	*res;
	struct dbq		 q;
	struct jw		 w;
	const char		*prm[4];
	enum err		 rc, src;

	memset(&sr, 0, sizeof(sr));
	sr.idempotency_key = arena_printf(r->arena, "colmena-refund-%s", ref_id);
	sr.account = o->account;
	sr.payment_intent = o->payment_intent;
	sr.amount = amount;
	sr.reason = reason;
	sr.order_id = o->id;
	sr.refund_id = ref_id;
	src = stripe_refund_create(r->arena, &sr, &out, &se);
	if (src != ERR_OK && src != ERR_BAD_GATEWAY && src != ERR_UNAVAILABLE) {
		/* Refused before sending: the data we made is wrong. */
		log_errx("refund %s of order %s: %s", ref_id, o->id, se.message);
		req_fail(r, ERR_INTERNAL, NULL);
		return;
	}
	if (src == ERR_UNAVAILABLE) {
		log_warnx("refund %s of order %s: %s", ref_id, o->id,
		    se.message);
		req_fail_shown(r, src, arena_printf(r->arena, "%s The refund "
		    "request is kept: send it again with the same "
		    "Idempotency-Key to finish it.", se.message));
		return;
	}
	prm[0] = ref_id;
	prm[1] = src == ERR_OK ? out.id : NULL;
	prm[2] = src == ERR_OK ? out.status : "failed";
	prm[3] = src == ERR_OK ? NULL : se.message;
	if (src == ERR_OK && strcmp(prm[2], "succeeded") != 0 &&
	    strcmp(prm[2], "pending") != 0 &&
	    strcmp(prm[2], "requires_action") != 0 &&
	    strcmp(prm[2], "failed") != 0 && strcmp(prm[2], "canceled") != 0)
		prm[2] = "pending";
	q = (struct dbq){ stmts[STMT_REFUND_DONE], 4, prm };
	if ((rc = tx_run(r->db, r->arena, p->store_id, p->actor, &q, 1,
	    &res)) != ERR_OK) {
		log_errx("refund %s of order %s: Stripe said %s, recording it "
		    "failed", ref_id, o->id, prm[2]);
		gate_fail(r, rc);
		return;
	}
	if (src != ERR_OK) {
		log_warnx("refund %s of order %s refused: %s %s: %s", ref_id,
		    o->id, se.type, se.code, se.message);
		req_fail_shown(r, src, se.message);
		return;
	}
	req_json_begin(r, &w);
	orders_admin_refund_json(&w, res, 0, o->exponent);
	req_json_end(r, &w, NULL);
	r->status = 201;
}

/*
 * A refund request sent again with its Idempotency-Key: Stripe never
 * answered it ("requested"): ask again, with the same key for Stripe;
 * else answer it as it is.
 */
static void
orders_admin_resume(struct req *r, const struct principal *p,
    const struct order_info *o, const char *ref_id, const struct form *f)
{
	struct pg_result	*res;
	struct dbq		 q;
	struct jw		 w;
	const char		*prm[1], *errstr, *reason;
	int64_t			 amount, asked;
	enum err		 rc;

	prm[0] = ref_id;
	q = (struct dbq){ stmts[STMT_REFUND_GET], 1, prm };
	if ((rc = gate_tx(r, p, &q, 1, &res)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	if (db_ntuples(res) != 1) {
		req_fail(r, ERR_NOT_FOUND, "No such refund.");
		return;
	}
	amount = str_to_i64(orders_val(res, 0, "amount_minor"), 1, INT64_MAX,
	    &errstr);
	if (errstr != NULL)
		fatalx("refund %s: amount %s", ref_id, errstr);
	reason = orders_val(res, 0, "reason");
	/* As Stripe does: one key, one request. */
	if ((f->v[RF_AMOUNT].set && (str_money_parse(f->v[RF_AMOUNT].s,
	    o->exponent, INT64_MAX / 2, &asked, &errstr) == -1 ||
	    asked != amount)) || (f->v[RF_REASON].set && (reason == NULL ||
	    strcmp(reason, f->v[RF_REASON].s) != 0))) {
		req_fail(r, ERR_CONFLICT, "This Idempotency-Key was used for "
		    "another refund request; use a new key for a new refund.");
		return;
	}
	if (strcmp(orders_val(res, 0, "status"), "requested") == 0) {
		orders_admin_refund_send(r, p, o, ref_id, amount, reason);
		return;
	}
	req_json_begin(r, &w);
	orders_admin_refund_json(&w, res, 0, o->exponent);
	req_json_end(r, &w, NULL);
}

/*
 * POST /api/v1/admin/orders/{order}/refunds {amount?, reason?}: refund
 * amount (major units; default all that is left) through Stripe. The
 * order's status follows when Stripe's charge.refunded webhook arrives.
 * An Idempotency-Key header makes the request safe to repeat: the same
 * key answers the same refund, 200 (and resumes one Stripe did not
 * answer), whatever the order's status now; the same key with another
 * amount or reason is a 409.
 * Needs orders.write. Answers 201 with the refund. Raises HTTP 400 for
 * bad fields or more than is left; 404; 409 when the order is not paid or
 * nothing is left; 502 when Stripe refuses; 503 when it cannot be reached.
 */
void
orders_admin_refund(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct order_info	 o;
	struct pg_result	*res[2];
	struct dbq		 q[2];
	struct buf		 b;
	const char		*id, *key, *st[2], *add[4], *ref_id, *errstr;
	int64_t			 left, amount;
	enum err		 rc;

	if (gate_begin(r, &p) == -1 || (id = gate_param_uuid(r, "order")) == NULL)
		return;
	if (req_json_body(r, refund_fields, RF__MAX, &f) == -1)
		return;
	key = req_header(r, "Idempotency-Key");
	if (key != NULL && (*key == '\0' || strlen(key) > KEY_MAX)) {
		req_fail(r, ERR_VALIDATION, "Idempotency-Key must be 1 to 255 "
		    "characters.");
		return;
	}
	/* Allowed or not, a request seen before gets its first answer. */
	if (orders_admin_begin(r, &p, id, ORDER_ACTION__MAX, &o, NULL,
	    NULL) == -1)
		return;
	st[0] = id;
	st[1] = key;
	q[0] = (struct dbq){ stmts[STMT_REFUND_STATE], 2, st };
	if ((rc = tx_more(r->db, r->arena, q, 1, res)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	if ((ref_id = orders_val(res[0], 0, "replay_id")) != NULL) {
		/* The same request again: its refund, or finish it. */
		tx_abort(r->db);
		orders_admin_resume(r, &p, &o, ref_id, &f);
		return;
	}
	if (!orderstate_allows(o.status, ORDER_ACTION_REFUND)) {
		tx_abort(r->db);
		orders_admin_refused(r, &o, ORDER_ACTION_REFUND);
		return;
	}
	if (o.payment_intent == NULL) {
		tx_abort(r->db);
		req_fail(r, ERR_CONFLICT, "The order has no payment at Stripe "
		    "to refund.");
		return;
	}
	left = o.total - str_to_i64(orders_val(res[0], 0, "committed"), 0,
	    INT64_MAX, &errstr);
	if (left <= 0) {
		tx_abort(r->db);
		req_fail(r, ERR_CONFLICT, "Nothing is left to refund on this "
		    "order.");
		return;
	}
	amount = left;
	if (f.v[RF_AMOUNT].set) {
		/* FIELD_DECIMAL holds thousandths; the currency decides. */
		if (str_money_parse(f.v[RF_AMOUNT].s, o.exponent, INT64_MAX / 2,
		    &amount, &errstr) == -1 || amount <= 0) {
			tx_abort(r->db);
			req_fail_field(r, "amount", errstr != NULL ? errstr :
			    "must be greater than 0");
			return;
		}
		if (amount > left) {
			tx_abort(r->db);
			buf_init(&b, 64);
			str_money_format(&b, left, o.exponent);
			req_fail_field(r, "amount", arena_printf(r->arena,
			    "must be at most %s %s, what is left to refund",
			    b.data, o.currency));
			buf_clear(&b);
			return;
		}
	}
	add[0] = id;
	add[1] = arena_printf(r->arena, "%lld", (long long)amount);
	add[2] = f.v[RF_REASON].set ? f.v[RF_REASON].s : NULL;
	add[3] = key;
	q[0] = (struct dbq){ stmts[STMT_REFUND_ADD], 4, add };
	if ((rc = tx_commit(r->db, r->arena, q, 1, res)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	orders_admin_refund_send(r, &p, &o, arena_strdup(r->arena,
	    db_val(res[0], 0, 0)), amount, add[2]);
}

/* The audit row of an action the triggers do not see; prm one slot. */
static void
orders_admin_q_audit(struct req *r, struct dbq *q, const char **prm,
    const char *action, size_t links)
{
	prm[0] = arena_printf(r->arena, "{\"action\":\"%s\",\"links\":%zu}",
	    action, links);
	*q = (struct dbq){ stmts[STMT_AUDIT], 1, prm };
}

/*
 * POST /api/v1/admin/orders/{order}/receipt: send the buyer the receipt
 * again, with the download links still usable (made again from their
 * ids). Needs orders.write. Answers 202 {orderId, to, links}. Raises HTTP
 * 404; 409 when the order is not paid.
 */
void
orders_admin_receipt(struct req *r)
{
	struct principal	 p;
	struct order_info	 o;
	struct order_line	 lines[ORDER_LINES_MAX];
	struct receipt_link	*links;
	struct pg_result	*res[1];
	struct dbq		 q[3];
	struct jw		 w;
	const char		*id, *lq[1], *au[1];
	size_t			 nlines, nlinks;
	enum err		 rc;

	if (gate_begin(r, &p) == -1 || (id = gate_param_uuid(r, "order")) == NULL)
		return;
	if (orders_admin_begin(r, &p, id, ORDER_ACTION_RESEND_RECEIPT, &o,
	    lines, &nlines) == -1)
		return;
	order_q_links(&q[0], lq, id);
	if ((rc = tx_more(r->db, r->arena, q, 1, res)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	nlinks = order_links_read(r->arena, res[0], &links, NULL);
	if (order_q_mail(r->arena, &q[0], RECEIPT_RESENT, &o, lines, nlines,
	    links, nlinks) == -1) {
		tx_abort(r->db);
		req_fail(r, ERR_INTERNAL, NULL);
		return;
	}
	q[1] = (struct dbq){ stmts[STMT_RECEIPT_SENT], 0, NULL };
	orders_admin_q_audit(r, &q[2], au, "receipt_resent", nlinks);
	if ((rc = tx_commit(r->db, r->arena, q, 3, NULL)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "orderId", o.id);
	jw_str(&w, "to", o.customer_email);
	jw_int(&w, "links", (int64_t)nlinks);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
	r->status = 202;
}

/*
 * POST /api/v1/admin/orders/{order}/links: withdraw every download link
 * of the order and email the buyer new ones (the products' downloads and
 * expiry from now, their current files). Needs orders.write. Answers 201
 * with the order in detail. Raises HTTP 404; 409 when the order is not
 * paid.
 */
void
orders_admin_links(struct req *r)
{
	struct principal	 p;
	struct order_info	 o;
	struct order_line	 lines[ORDER_LINES_MAX];
	struct receipt_link	*links;
	struct dbq		 q[4];
	const char		*id, *rv[1], *au[1];
	size_t			 nlines;
	enum err		 rc;

	if (gate_begin(r, &p) == -1 || (id = gate_param_uuid(r, "order")) == NULL)
		return;
	if (orders_admin_begin(r, &p, id, ORDER_ACTION_REISSUE_LINKS, &o,
	    lines, &nlines) == -1)
		return;
	order_q_revoke_links(&q[0], rv, id);
	order_q_new_links(r->arena, &q[1], id, lines, nlines, &links);
	if (order_q_mail(r->arena, &q[2], RECEIPT_LINKS, &o, lines, nlines,
	    links, nlines) == -1) {
		tx_abort(r->db);
		req_fail(r, ERR_INTERNAL, NULL);
		return;
	}
	orders_admin_q_audit(r, &q[3], au, "links_reissued", nlines);
	if ((rc = tx_commit(r->db, r->arena, q, 4, NULL)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	(void)orders_admin_detail(r, &p, id, 201);
}

/*
 * POST /api/v1/admin/orders/{order}/notes {body}: a staff note on the
 * order, signed with its author. Needs orders.write. Answers 201 with the
 * note. Raises HTTP 400 for an empty or too long body (5000 characters);
 * 404.
 */
void
orders_admin_note(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct pg_result	*res;
	struct dbq		 q;
	struct jw		 w;
	const char		*prm[3];
	enum err		 rc;

	if (gate_begin(r, &p) == -1 || (prm[0] = gate_param_uuid(r, "order")) == NULL)
		return;
	if (req_json_body(r, note_fields, NF__MAX, &f) == -1)
		return;
	prm[1] = p.name != NULL ? p.name : p.email != NULL ? p.email :
	    p.key_name;
	prm[2] = f.v[NF_BODY].s;
	q = (struct dbq){ stmts[STMT_NOTE_ADD], 3, prm };
	if ((rc = gate_tx(r, &p, &q, 1, &res)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	if (db_ntuples(res) != 1) {
		req_fail(r, ERR_NOT_FOUND, "No such order.");
		return;
	}
	req_json_begin(r, &w);
	orders_admin_note_json(&w, res, 0);
	req_json_end(r, &w, NULL);
	r->status = 201;
}

/*
 * Before exit: the Stripe client's connection.
 */
void
orders_admin_teardown(void)
{
	stripe_cleanup();
}
