/*
 * webhook.c: Stripe's webhooks. POST /api/v1/webhooks/stripe checks the
 * Stripe-Signature of the raw body (current, previous and Connect
 * secrets), then applies the event exactly once: its id is recorded in
 * the transaction of its effect, so a repeated delivery, even one racing
 * the first on another process, changes nothing. Order events move the
 * order through orderstate.c's table (an illegal move is a 409, which
 * Stripe retries); a payment makes the download links, queues the
 * receipt and records a purchase; a refund or a dispute withdraws or
 * suspends access; account.updated keeps a connected store's charges
 * state current. Unknown events: 200, logged, recorded as ignored.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "arena.h"
#include "conf.h"
#include "db.h"
#include "jw.h"
#include "log.h"
#include "order.h"
#include "orderstate.h"
#include "req.h"
#include "str.h"
#include "stripe.h"
#include "stripe_event.h"
#include "stripesig.h"
#include "tmpl.h"
#include "tx.h"

#define ACTOR	"stripe"

static void	webhook_stripe(struct req *);

static const struct route routes[] = {
	{ METHOD_GET, "/api/health", app_health, NULL },
	{ METHOD_POST, "/api/v1/webhooks/stripe", webhook_stripe, NULL },
};

enum stmt {
	STMT_EVENT_ADD,
	STMT_EVENT_DONE,
	STMT_LOCATE,
	STMT_ORDER_UPDATE,
	STMT_PAID,
	STMT_PURCHASE,
	STMT_REFUNDS,
	STMT_ACCOUNT_STORE,
	STMT_ACCOUNT_UPDATE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* STMT_EVENT_ADD: no row when the event was seen (or is being
	 * applied by another process, which this waits for) */
	"INSERT INTO stripe_events (id, type, account, created, outcome)"
	" VALUES ($1, $2, $3, to_timestamp($4::bigint), 'ignored')"
	" ON CONFLICT (id) DO NOTHING RETURNING id",
	/* STMT_EVENT_DONE */
	"UPDATE stripe_events SET outcome = $2, detail = $3,"
	" store_id = current_store_id(),"
	" order_id = nullif(current_setting('app.order_id', true), '')::uuid"
	" WHERE id = $1",
	/* STMT_LOCATE: finds, scopes and locks the order */
	"SELECT set_config('app.order_id', coalesce(order_locate($1::uuid,"
	" $2, $3, $4)::text, ''), true) <> '' AS found",
	/* STMT_ORDER_UPDATE: what the event says; NULL keeps a column */
	"UPDATE orders SET status = $1, status_before_dispute = $2,"
	" paid_at = CASE WHEN $3::boolean THEN coalesce(paid_at, now())"
	"  ELSE paid_at END,"
	" subtotal_minor = coalesce($4::bigint, subtotal_minor),"
	" tax_minor = coalesce($5::bigint, tax_minor),"
	" discount_minor = coalesce($6::bigint, discount_minor),"
	" total_minor = coalesce($7::bigint, total_minor),"
	" refunded_minor = greatest(refunded_minor, coalesce($8::bigint, 0)),"
	" stripe_payment_intent_id = coalesce(stripe_payment_intent_id, $9),"
	" stripe_charge_id = coalesce(stripe_charge_id, $10),"
	" failure_message = coalesce($11, failure_message),"
	" customer_name = coalesce(customer_name, $12)"
	" WHERE id = current_setting('app.order_id')::uuid",
	/* STMT_PAID: the receipt is on its way */
	"UPDATE orders SET receipt_sent_at = now()"
	" WHERE id = current_setting('app.order_id')::uuid",
	/* STMT_PURCHASE: the analytics event */
	"INSERT INTO analytics_events (store_id, event_type, properties)"
	" SELECT o.store_id, 'purchase', jsonb_build_object('orderId', o.id,"
	" 'total', o.total_minor, 'currency', o.currency, 'items',"
	" (SELECT coalesce(sum(quantity), 0) FROM order_items i"
	"  WHERE i.order_id = o.id), 'kind', o.kind)"
	" FROM orders o WHERE o.id = current_setting('app.order_id')::uuid",
	/* STMT_REFUNDS: staff refunds Stripe has now carried out */
	"UPDATE refunds SET status = 'succeeded'"
	" WHERE order_id = current_setting('app.order_id')::uuid"
	" AND status IN ('requested', 'pending')"
	" AND (SELECT coalesce(sum(amount_minor), 0) FROM refunds r"
	"  WHERE r.order_id = refunds.order_id AND r.status IN"
	"  ('requested', 'pending', 'succeeded')) <= $1::bigint",
	/* STMT_ACCOUNT_STORE: the connected store, made current */
	"SELECT set_config('app.store_id', s.id::text, true) AS store_id"
	" FROM stores s WHERE s.stripe_account_id = $1",
	/* STMT_ACCOUNT_UPDATE */
	"UPDATE stores SET stripe_charges_enabled = $2::boolean,"
	" stripe_details_submitted = $3::boolean,"
	" stripe_account_updated_at = now()"
	" WHERE id = current_store_id() AND stripe_account_id = $1"
	" RETURNING id",
};

/* What an event did, as recorded in stripe_events.outcome. */
enum outcome {
	OUTCOME_APPLIED,
	OUTCOME_NOOP,
	OUTCOME_IGNORED,
	OUTCOME_DUPLICATE,	/* not recorded: the first delivery was */
	OUTCOME__MAX
};

static const char *const outcomes[OUTCOME__MAX] = {
	"applied",	/* OUTCOME_APPLIED */
	"noop",		/* OUTCOME_NOOP */
	"ignored",	/* OUTCOME_IGNORED */
	"duplicate",	/* OUTCOME_DUPLICATE */
};

/* Answer 200: Stripe stops delivering this event. */
static void
webhook_ok(struct req *r, const struct stripe_event *e, enum outcome o,
    const char *detail)
{
	struct jw	 w;

	log_info("stripe event %s (%s): %s%s%s", e->id, e->type, outcomes[o],
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	req_nocache(r);
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_bool(&w, "received", true);
	jw_str(&w, "eventId", e->id);
	jw_str(&w, "outcome", outcomes[o]);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}

/* The event's own row of stripe_events; its parameters in prm[0..4). */
static void
webhook_q_event(struct req *r, struct dbq *q, const struct stripe_event *e)
{
	const char	**prm;

	prm = arena_alloc(r->arena, 4 * sizeof(*prm));
	prm[0] = e->id;
	prm[1] = e->type;
	prm[2] = e->account;
	prm[3] = arena_printf(r->arena, "%lld", (long long)e->created);
	*q = (struct dbq){ stmts[STMT_EVENT_ADD], 4, prm };
}

static void
webhook_q_done(struct req *r, struct dbq *q, const struct stripe_event *e,
    enum outcome o, const char *detail)
{
	const char	**prm;

	prm = arena_alloc(r->arena, 3 * sizeof(*prm));
	prm[0] = e->id;
	prm[1] = outcomes[o];
	prm[2] = detail;
	*q = (struct dbq){ stmts[STMT_EVENT_DONE], 3, prm };
}

/*
 * Open the event's transaction: q[0] (webhook_q_event) records the event,
 * then q[1..n) run. A second delivery finds the event recorded (waiting
 * for the first to commit, when they race) and is answered "duplicate".
 * Returns 0 with the transaction open, or -1 having answered.
 */
static int
webhook_begin(struct req *r, const struct stripe_event *e,
    const struct dbq *q, size_t n, struct pg_result **res)
{
	enum err	 rc;

	if ((rc = tx_begin(r->db, r->arena, NULL, ACTOR, q, n, res)) != ERR_OK) {
		req_fail(r, rc, NULL);
		return -1;
	}
	if (db_ntuples(res[0]) == 0) {
		tx_abort(r->db);
		webhook_ok(r, e, OUTCOME_DUPLICATE, NULL);
		return -1;
	}
	return 0;
}

/*
 * An event about nothing we act on: record it once, answer 200.
 */
static void
webhook_ignore(struct req *r, const struct stripe_event *e, const char *why)
{
	struct dbq		 q[2];
	struct pg_result	*res[2];
	enum err		 rc;

	webhook_q_event(r, &q[0], e);
	webhook_q_done(r, &q[1], e, OUTCOME_IGNORED, why);
	if (webhook_begin(r, e, q, 1, res) == -1)
		return;
	if ((rc = tx_commit(r->db, r->arena, &q[1], 1, NULL)) != ERR_OK) {
		req_fail(r, rc, NULL);
		return;
	}
	webhook_ok(r, e, OUTCOME_IGNORED, why);
}

/*
 * account.updated: whether the connected store can take charges now.
 */
static void
webhook_account(struct req *r, const struct stripe_event *e)
{
	struct dbq		 q[4];
	struct pg_result	*res[4];
	const char		*prm[3], *acct;
	bool			 applied;
	enum err		 rc;

	acct = e->object_id;
	if (acct == NULL || strncmp(acct, "acct_", 5) != 0) {
		webhook_ignore(r, e, "no account in the event");
		return;
	}
	webhook_q_event(r, &q[0], e);
	if (webhook_begin(r, e, q, 1, res) == -1)
		return;
	prm[0] = acct;
	prm[1] = e->charges_enabled ? "true" : "false";
	prm[2] = e->details_submitted ? "true" : "false";
	q[0] = (struct dbq){ stmts[STMT_ACCOUNT_STORE], 1, prm };
	q[1] = (struct dbq){ stmts[STMT_ACCOUNT_UPDATE], 3, prm };
	if ((rc = tx_more(r->db, r->arena, q, 2, res)) != ERR_OK) {
		req_fail(r, rc, NULL);
		return;
	}
	applied = db_ntuples(res[1]) == 1;
	webhook_q_done(r, &q[0], e, applied ? OUTCOME_APPLIED :
	    OUTCOME_IGNORED, applied ? NULL : "no store has this account");
	if ((rc = tx_commit(r->db, r->arena, q, 1, NULL)) != ERR_OK) {
		req_fail(r, rc, NULL);
		return;
	}
	webhook_ok(r, e, applied ? OUTCOME_APPLIED : OUTCOME_IGNORED,
	    applied ? (e->charges_enabled ? "charges enabled" :
	    "charges not enabled") : "no store has this account");
}

/*
 * What an event means for an order of kind (checkout | payment_intent).
 * Returns 0 with *ev, or -1 with *why when it means nothing.
 */
static int
webhook_classify(const struct stripe_event *e, const char *kind,
    enum order_event *ev, const char **why)
{
	switch (e->ev) {
	case STRIPE_EV_CHECKOUT_COMPLETED:
		if (e->payment_status != NULL &&
		    (strcmp(e->payment_status, "paid") == 0 ||
		    strcmp(e->payment_status, "no_payment_required") == 0)) {
			*ev = ORDER_EVENT_COMPLETED;
			return 0;
		}
		*why = "completed unpaid: waiting for the delayed payment";
		return -1;
	case STRIPE_EV_CHECKOUT_ASYNC_SUCCEEDED:
		*ev = ORDER_EVENT_ASYNC_SUCCEEDED;
		return 0;
	case STRIPE_EV_CHECKOUT_ASYNC_FAILED:
	case STRIPE_EV_PI_FAILED:
		*ev = ORDER_EVENT_PAYMENT_FAILED;
		return 0;
	case STRIPE_EV_CHECKOUT_EXPIRED:
		*ev = ORDER_EVENT_EXPIRED;
		return 0;
	case STRIPE_EV_PI_SUCCEEDED:
		if (strcmp(kind, "payment_intent") == 0) {
			*ev = ORDER_EVENT_COMPLETED;
			return 0;
		}
		*why = "a checkout order is paid by checkout.session.completed";
		return -1;
	case STRIPE_EV_CHARGE_REFUNDED:
		if (e->amount > 0 && e->amount_refunded >= e->amount) {
			*ev = ORDER_EVENT_REFUNDED;
			return 0;
		}
		if (e->amount_refunded > 0) {
			*ev = ORDER_EVENT_PARTIALLY_REFUNDED;
			return 0;
		}
		*why = "nothing refunded";
		return -1;
	case STRIPE_EV_DISPUTE_CREATED:
		*ev = ORDER_EVENT_DISPUTE_CREATED;
		return 0;
	case STRIPE_EV_DISPUTE_CLOSED:
		if (e->status != NULL && strcmp(e->status, "won") == 0) {
			*ev = ORDER_EVENT_DISPUTE_WON;
			return 0;
		}
		if (e->status != NULL && strcmp(e->status, "lost") == 0) {
			*ev = ORDER_EVENT_DISPUTE_LOST;
			return 0;
		}
		*why = "the dispute closed without a decision";
		return -1;
	default:
		*why = "not an order event";
		return -1;
	}
}

static const char *
webhook_amount(struct req *r, int64_t v)
{
	return v < 0 ? NULL : arena_printf(r->arena, "%lld", (long long)v);
}

/*
 * The event names a payment we know no order of, and no order itself
 * (a dispute carries no metadata): the order may exist while the event
 * that tells us its payment has not arrived yet. Ask Stripe which order
 * the payment intent's metadata names and look again, in the same
 * transaction (q[0] is the event's row; q[1..3] and res[1..3] are reused).
 * Returns 0 with o filled, -1 when there is still no order (or Stripe
 * cannot say), -2 when the database failed (the transaction is gone).
 */
static int
webhook_locate_by_pi(struct req *r, const struct stripe_event *e,
    const char **loc, struct dbq *q, struct pg_result **res,
    struct order_info *o)
{
	struct stripe_pi	 pi;
	struct stripe_error	 se;

	if (e->payment_intent == NULL || e->order_id != NULL ||
	    !stripe_configured())
		return -1;
	if (stripe_pi_get(r->arena, e->account, e->payment_intent, &pi,
	    &se) != ERR_OK) {
		log_warnx("stripe event %s: asking Stripe for %s: %s", e->id,
		    e->payment_intent, se.message);
		return -1;
	}
	if (pi.order_id == NULL)
		return -1;
	loc[0] = pi.order_id;
	if (tx_more(r->db, r->arena, &q[1], 3, &res[1]) != ERR_OK)
		return -2;
	return order_info_read(r->arena, res[2], o);
}

/*
 * An event about an order: find and lock it, let orderstate.c decide,
 * apply the effect and record the event, all in one transaction.
 */
static void
webhook_order(struct req *r, const struct stripe_event *e)
{
	struct dbq		 q[16];
	struct pg_result	*res[16];
	struct order_info	 o;
	struct order_line	 lines[ORDER_LINES_MAX];
	struct receipt_link	*links;
	enum order_event	 ev;
	enum order_status	 from, to, before;
	const char		*loc[4], *iq[1], *lq[1], *upd[12], *refq[1];
	const char		*why = NULL, *session;
	size_t			 nlines, n = 0;
	bool			 paid, noop, first_access, payment;
	int			 found;
	enum err		 rc;

	webhook_q_event(r, &q[0], e);
	session = e->ev == STRIPE_EV_CHECKOUT_COMPLETED ||
	    e->ev == STRIPE_EV_CHECKOUT_ASYNC_SUCCEEDED ||
	    e->ev == STRIPE_EV_CHECKOUT_ASYNC_FAILED ||
	    e->ev == STRIPE_EV_CHECKOUT_EXPIRED ? e->object_id : NULL;
	loc[0] = e->order_id;
	loc[1] = e->payment_intent;
	loc[2] = session;
	loc[3] = e->account;
	q[1] = (struct dbq){ stmts[STMT_LOCATE], 4, loc };
	order_q_info(&q[2], iq, NULL);
	order_q_lines(&q[3], lq, NULL);
	if (webhook_begin(r, e, q, 4, res) == -1)
		return;
	if (order_info_read(r->arena, res[2], &o) == -1 &&
	    (found = webhook_locate_by_pi(r, e, loc, q, res, &o)) != 0) {
		if (found == -2) {
			/* Rolled back: Stripe delivers it again. */
			req_fail(r, ERR_UNAVAILABLE, NULL);
			return;
		}
		webhook_q_done(r, &q[0], e, OUTCOME_IGNORED, "no order of ours");
		if ((rc = tx_commit(r->db, r->arena, q, 1, NULL)) != ERR_OK)
			req_fail(r, rc, NULL);
		else
			webhook_ok(r, e, OUTCOME_IGNORED, "no order of ours");
		return;
	}
	nlines = order_lines_read(r->arena, res[3], lines, ORDER_LINES_MAX);

	if (webhook_classify(e, o.kind, &ev, &why) == -1) {
		webhook_q_done(r, &q[0], e, OUTCOME_IGNORED, why);
		if ((rc = tx_commit(r->db, r->arena, q, 1, NULL)) != ERR_OK)
			req_fail(r, rc, NULL);
		else
			webhook_ok(r, e, OUTCOME_IGNORED, why);
		return;
	}
	/* __MAX: no status saved; a won dispute then restores paid. */
	from = o.status;
	before = o.has_before ? o.before : ORDER_STATUS__MAX;
	if (orderstate_next(from, ev, &before, &to) == -1) {
		tx_abort(r->db);
		log_warnx("stripe event %s (%s): order %s is %s: illegal, "
		    "Stripe will retry", e->id, e->type, o.id,
		    orderstate_status_name(o.status));
		req_fail(r, ERR_CONFLICT, arena_printf(r->arena, "Order %s is "
		    "%s; %s cannot apply to it now.", o.id,
		    orderstate_status_name(o.status),
		    orderstate_event_name(ev)));
		return;
	}
	noop = to == from;
	paid = !noop && to == ORDER_STATUS_PAID &&
	    (from == ORDER_STATUS_PENDING || from == ORDER_STATUS_FAILED);
	/*
	 * The first time an order grants access (paid, or a dispute won on
	 * an order whose payment was never seen): links, receipt, purchase.
	 */
	first_access = !noop && orderstate_grants_access(to) && o.tokens == 0;

	/* The order row. */
	upd[0] = orderstate_status_name(to);
	upd[1] = before != ORDER_STATUS__MAX && to == ORDER_STATUS_DISPUTED ?
	    orderstate_status_name(before) : NULL;
	/*
	 * A payment's own event says what was charged, also when it comes
	 * after a refund or a dispute already moved the order on (a no-op
	 * then, but the amounts and the time of payment are still news).
	 */
	payment = (ev == ORDER_EVENT_COMPLETED ||
	    ev == ORDER_EVENT_ASYNC_SUCCEEDED) && to != ORDER_STATUS_EXPIRED;
	upd[2] = paid || first_access || payment ? "true" : "false";
	upd[3] = upd[4] = upd[5] = upd[6] = upd[8] = NULL;
	if (payment && e->ev != STRIPE_EV_PI_SUCCEEDED) {
		upd[3] = webhook_amount(r, e->amount_subtotal);
		upd[4] = webhook_amount(r, e->amount_tax);
		upd[5] = webhook_amount(r, e->amount_discount);
		upd[6] = webhook_amount(r, e->amount_total);
	} else if (payment)
		upd[6] = webhook_amount(r, e->amount);
	if (e->ev == STRIPE_EV_CHARGE_REFUNDED)
		upd[7] = webhook_amount(r, e->amount_refunded);
	else
		upd[7] = NULL;
	upd[8] = e->payment_intent;
	upd[9] = e->charge;
	upd[10] = ev == ORDER_EVENT_PAYMENT_FAILED ? e->failure_message : NULL;
	upd[11] = e->customer_name;
	q[n++] = (struct dbq){ stmts[STMT_ORDER_UPDATE], 12, upd };

	if (first_access) {
		if (upd[6] != NULL) {
			o.total = e->ev == STRIPE_EV_PI_SUCCEEDED ? e->amount :
			    e->amount_total;
			o.subtotal = e->amount_subtotal >= 0 ?
			    e->amount_subtotal : o.subtotal;
			o.tax = e->amount_tax >= 0 ? e->amount_tax : 0;
			o.discount = e->amount_discount >= 0 ?
			    e->amount_discount : 0;
		}
		if (o.customer_name == NULL)
			o.customer_name = e->customer_name;
		order_q_new_links(r->arena, &q[n++], o.id, lines, nlines,
		    &links);
		if (order_q_mail(r->arena, &q[n++], RECEIPT_PAID, &o, lines,
		    nlines, links, nlines) == -1) {
			tx_abort(r->db);
			req_fail(r, ERR_INTERNAL, NULL);
			return;
		}
		q[n++] = (struct dbq){ stmts[STMT_PAID], 0, NULL };
		q[n++] = (struct dbq){ stmts[STMT_PURCHASE], 0, NULL };
	}
	if (!noop && orderstate_tokens_revoked(to))
		order_q_revoke_links(&q[n++], lq, o.id);
	if (e->ev == STRIPE_EV_CHARGE_REFUNDED) {
		refq[0] = upd[7];
		q[n++] = (struct dbq){ stmts[STMT_REFUNDS], 1, refq };
	}
	if (noop)
		why = arena_printf(r->arena, "order %s stays %s", o.id,
		    orderstate_status_name(to));
	else
		why = arena_printf(r->arena, "order %s: %s -> %s", o.id,
		    orderstate_status_name(from), orderstate_status_name(to));
	webhook_q_done(r, &q[n++], e, noop ? OUTCOME_NOOP : OUTCOME_APPLIED,
	    why);
	if ((rc = tx_commit(r->db, r->arena, q, n, NULL)) != ERR_OK) {
		req_fail(r, rc, NULL);
		return;
	}
	webhook_ok(r, e, noop ? OUTCOME_NOOP : OUTCOME_APPLIED, why);
}

/*
 * POST /api/v1/webhooks/stripe: one Stripe event. Answers 200 {received,
 * eventId, outcome: applied | noop | ignored | duplicate}. Raises HTTP
 * 400 for a missing, malformed, stale or wrong signature (nothing
 * changes) or a body that is not an event; 409 when the order cannot
 * take the event yet (Stripe delivers it again later); 413 for a body
 * over body_max; 503 when no webhook secret is configured.
 */
static void
webhook_stripe(struct req *r)
{
	struct stripe_event	 e;
	enum stripesig_status	 st;
	const char		*secrets[3], *body, *errstr;
	size_t			 len, ns = 0;
	enum err		 rc;

	req_nocache(r);
	if (*conf_get(CONF_STRIPE_WEBHOOK_SECRET) != '\0')
		secrets[ns++] = conf_get(CONF_STRIPE_WEBHOOK_SECRET);
	if (*conf_get(CONF_STRIPE_WEBHOOK_SECRET_PREVIOUS) != '\0')
		secrets[ns++] = conf_get(CONF_STRIPE_WEBHOOK_SECRET_PREVIOUS);
	if (*conf_get(CONF_STRIPE_CONNECT_WEBHOOK_SECRET) != '\0')
		secrets[ns++] = conf_get(CONF_STRIPE_CONNECT_WEBHOOK_SECRET);
	if (ns == 0) {
		log_warnx("a Stripe webhook arrived, but no "
		    "stripe_webhook_secret is configured");
		req_fail_shown(r, ERR_UNAVAILABLE, "Webhooks are not set up on "
		    "this server.");
		return;
	}
	rc = req_body(r, (size_t)conf_int(CONF_BODY_MAX), &body, &len);
	if (rc != ERR_OK) {
		req_fail(r, rc, rc == ERR_PAYLOAD_TOO_LARGE ?
		    arena_printf(r->arena, "The body may be at most %lld bytes.",
		    (long long)conf_int(CONF_BODY_MAX)) :
		    "The body does not match its Content-Length.");
		return;
	}
	st = stripesig_verify(req_header(r, "Stripe-Signature"), body, len,
	    secrets, ns, time(NULL), STRIPESIG_TOLERANCE);
	if (st != STRIPESIG_OK) {
		log_warnx("stripe webhook refused: %s", stripesig_name(st));
		req_fail(r, ERR_BAD_REQUEST, stripesig_message(st));
		return;
	}
	if (stripe_event_parse(r->arena, body, len, &e, &errstr) == -1) {
		log_warnx("stripe webhook: the body %s", errstr);
		req_fail(r, ERR_BAD_REQUEST, arena_printf(r->arena,
		    "The body %s.", errstr));
		return;
	}
	switch (e.ev) {
	case STRIPE_EV_ACCOUNT_UPDATED:
		webhook_account(r, &e);
		break;
	case STRIPE_EV_OTHER:
		webhook_ignore(r, &e, "an event type we do not act on");
		break;
	default:
		webhook_order(r, &e);
		break;
	}
}

static void
webhook_setup(struct db *db)
{
	char	 err[512];

	(void)db;
	if (tmpl_load_dir(conf_get(CONF_TEMPLATE_DIR), err, sizeof(err)) == -1)
		fatalx("templates: %s", err);
}

static void
webhook_teardown(void)
{
	stripe_cleanup();
	tmpl_free();
}

int
main(int argc, char *argv[])
{
	static const struct app app = {
		"webhook", routes, nitems(routes), NULL,
		webhook_setup, webhook_teardown, "webhooks",
		CONF_RATELIMIT_WEBHOOKS
	};

	return app_main(argc, argv, &app);
}
