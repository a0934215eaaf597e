/*
 * orderstate.c: the order status machine as data: one row per legal
 * {from, event} pair (to == from marks an idempotent no-op), one row per
 * status for its name and what it means for downloads. No row: illegal.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "orderstate.h"

/*
 * Stripe delivers webhooks at least once and in no guaranteed order, and a
 * handler answering non-2xx gets the event again later. Hence:
 * - duplicates and stale events are no-op rows (to == from), answered 2xx:
 *   a late "completed" never resurrects a refunded, disputed or partially
 *   refunded order, a late failed attempt never un-pays a paid one;
 * - a refund or a dispute proves the money arrived, so it is accepted on a
 *   pending (or failed-attempt) order whose "completed" is still in flight:
 *   the order never grants access, and the late "completed" is a no-op;
 * - "failed" is the last attempt failing (payment_intent.payment_failed
 *   fires per declined card), not final: a later success still pays it;
 * - what cannot happen (an expired session paid or refunded, a dispute
 *   closing on an order never seen disputed, a paid session expiring) has
 *   no row: the caller answers 409 CONFLICT and Stripe retries, by which
 *   time the missing earlier event has normally arrived.
 * "Won" restores the status from before the dispute (paid, or partially
 * refunded), which the orders table does not hold: callers keep it, or
 * derive it as partially_refunded when refunded_minor > 0, else paid.
 */

#define RESTORE	ORDER_STATUS__MAX	/* to: the saved before-dispute status */
#define KEEP	ORDER_STATUS__MAX	/* before: leave it unchanged */

#define PENDING		ORDER_STATUS_PENDING
#define PAID		ORDER_STATUS_PAID
#define FAILED		ORDER_STATUS_FAILED
#define EXPIRED		ORDER_STATUS_EXPIRED
#define REFUNDED	ORDER_STATUS_REFUNDED
#define PARTIAL		ORDER_STATUS_PARTIALLY_REFUNDED
#define DISPUTED	ORDER_STATUS_DISPUTED

struct orderstate_row {
	enum order_status	from;
	enum order_event	ev;
	enum order_status	to;	/* == from: no-op; RESTORE */
	enum order_status	before;	/* new before-dispute status, or KEEP */
};

static const struct orderstate_row rows[] = {
	{ PENDING,  ORDER_EVENT_COMPLETED,		PAID,     KEEP },
	{ PENDING,  ORDER_EVENT_ASYNC_SUCCEEDED,	PAID,     KEEP },
	{ PENDING,  ORDER_EVENT_PAYMENT_FAILED,	FAILED,   KEEP },
	{ PENDING,  ORDER_EVENT_EXPIRED,		EXPIRED,  KEEP },
	{ PENDING,  ORDER_EVENT_REFUNDED,		REFUNDED, KEEP },
	{ PENDING,  ORDER_EVENT_PARTIALLY_REFUNDED,	PARTIAL,  KEEP },
	{ PENDING,  ORDER_EVENT_DISPUTE_CREATED,	DISPUTED, PAID },

	{ PAID,     ORDER_EVENT_COMPLETED,		PAID,     KEEP },
	{ PAID,     ORDER_EVENT_ASYNC_SUCCEEDED,	PAID,     KEEP },
	{ PAID,     ORDER_EVENT_PAYMENT_FAILED,	PAID,     KEEP },
	{ PAID,     ORDER_EVENT_REFUNDED,		REFUNDED, KEEP },
	{ PAID,     ORDER_EVENT_PARTIALLY_REFUNDED,	PARTIAL,  KEEP },
	{ PAID,     ORDER_EVENT_DISPUTE_CREATED,	DISPUTED, PAID },
	{ PAID,     ORDER_EVENT_DISPUTE_LOST,		REFUNDED, KEEP },

	{ FAILED,   ORDER_EVENT_COMPLETED,		PAID,     KEEP },
	{ FAILED,   ORDER_EVENT_ASYNC_SUCCEEDED,	PAID,     KEEP },
	{ FAILED,   ORDER_EVENT_PAYMENT_FAILED,	FAILED,   KEEP },
	{ FAILED,   ORDER_EVENT_EXPIRED,		EXPIRED,  KEEP },
	{ FAILED,   ORDER_EVENT_REFUNDED,		REFUNDED, KEEP },
	{ FAILED,   ORDER_EVENT_PARTIALLY_REFUNDED,	PARTIAL,  KEEP },
	{ FAILED,   ORDER_EVENT_DISPUTE_CREATED,	DISPUTED, PAID },

	{ EXPIRED,  ORDER_EVENT_PAYMENT_FAILED,	EXPIRED,  KEEP },
	{ EXPIRED,  ORDER_EVENT_EXPIRED,		EXPIRED,  KEEP },

	{ REFUNDED, ORDER_EVENT_COMPLETED,		REFUNDED, KEEP },
	{ REFUNDED, ORDER_EVENT_ASYNC_SUCCEEDED,	REFUNDED, KEEP },
	{ REFUNDED, ORDER_EVENT_PAYMENT_FAILED,	REFUNDED, KEEP },
	{ REFUNDED, ORDER_EVENT_REFUNDED,		REFUNDED, KEEP },
	{ REFUNDED, ORDER_EVENT_PARTIALLY_REFUNDED,	REFUNDED, KEEP },
	{ REFUNDED, ORDER_EVENT_DISPUTE_CREATED,	REFUNDED, KEEP },
	{ REFUNDED, ORDER_EVENT_DISPUTE_WON,		REFUNDED, KEEP },
	{ REFUNDED, ORDER_EVENT_DISPUTE_LOST,		REFUNDED, KEEP },

	{ PARTIAL,  ORDER_EVENT_COMPLETED,		PARTIAL,  KEEP },
	{ PARTIAL,  ORDER_EVENT_ASYNC_SUCCEEDED,	PARTIAL,  KEEP },
	{ PARTIAL,  ORDER_EVENT_PAYMENT_FAILED,	PARTIAL,  KEEP },
	{ PARTIAL,  ORDER_EVENT_REFUNDED,		REFUNDED, KEEP },
	{ PARTIAL,  ORDER_EVENT_PARTIALLY_REFUNDED,	PARTIAL,  KEEP },
	{ PARTIAL,  ORDER_EVENT_DISPUTE_CREATED,	DISPUTED, PARTIAL },
	{ PARTIAL,  ORDER_EVENT_DISPUTE_LOST,		REFUNDED, KEEP },

	{ DISPUTED, ORDER_EVENT_COMPLETED,		DISPUTED, KEEP },
	{ DISPUTED, ORDER_EVENT_ASYNC_SUCCEEDED,	DISPUTED, KEEP },
	{ DISPUTED, ORDER_EVENT_PAYMENT_FAILED,	DISPUTED, KEEP },
	{ DISPUTED, ORDER_EVENT_REFUNDED,		REFUNDED, KEEP },
	/* A partial refund made before the dispute, delivered after it. */
	{ DISPUTED, ORDER_EVENT_PARTIALLY_REFUNDED,	DISPUTED, PARTIAL },
	{ DISPUTED, ORDER_EVENT_DISPUTE_CREATED,	DISPUTED, KEEP },
	{ DISPUTED, ORDER_EVENT_DISPUTE_WON,		RESTORE,  KEEP },
	{ DISPUTED, ORDER_EVENT_DISPUTE_LOST,		REFUNDED, KEEP },
};

/*
 * Staff actions: a refund needs money still held (Stripe refuses to
 * refund a disputed charge); a receipt or new links need an order that
 * grants access.
 */
#define ACT_REFUND	(1u << ORDER_ACTION_REFUND)
#define ACT_RECEIPT	(1u << ORDER_ACTION_RESEND_RECEIPT)
#define ACT_LINKS	(1u << ORDER_ACTION_REISSUE_LINKS)

struct orderstate_info {
	const char	*name;		/* orders.status */
	bool		 access;	/* downloads allowed */
	bool		 suspended;	/* tokens kept but refused; may return */
	bool		 revoked;	/* tokens refused for good */
	unsigned	 actions;	/* ACT_* staff may take */
};

static const struct orderstate_info infos[ORDER_STATUS__MAX] = {
	{ "pending",		false, false, false, 0 },	/* ORDER_STATUS_PENDING */
	{ "paid",		true,  false, false,
	    ACT_REFUND | ACT_RECEIPT | ACT_LINKS },		/* ORDER_STATUS_PAID */
	{ "failed",		false, false, false, 0 },	/* ORDER_STATUS_FAILED */
	{ "expired",		false, false, false, 0 },	/* ORDER_STATUS_EXPIRED */
	{ "refunded",		false, false, true, 0 },	/* ORDER_STATUS_REFUNDED */
	{ "partially_refunded",	true,  false, false,
	    ACT_REFUND | ACT_RECEIPT | ACT_LINKS },		/* ..PARTIALLY_REFUNDED */
	{ "disputed",		false, true,  false, 0 },	/* ORDER_STATUS_DISPUTED */
};

static const char *const events[ORDER_EVENT__MAX] = {
	"completed",		/* ORDER_EVENT_COMPLETED */
	"async_succeeded",	/* ORDER_EVENT_ASYNC_SUCCEEDED */
	"payment_failed",	/* ORDER_EVENT_PAYMENT_FAILED */
	"expired",		/* ORDER_EVENT_EXPIRED */
	"refunded",		/* ORDER_EVENT_REFUNDED */
	"partially_refunded",	/* ORDER_EVENT_PARTIALLY_REFUNDED */
	"dispute_created",	/* ORDER_EVENT_DISPUTE_CREATED */
	"dispute_won",		/* ORDER_EVENT_DISPUTE_WON */
	"dispute_lost",		/* ORDER_EVENT_DISPUTE_LOST */
};

static const struct orderstate_row	*orderstate_find(enum order_status,
					    enum order_event);
static bool				 orderstate_status_ok(enum order_status);

static bool
orderstate_status_ok(enum order_status s)
{
	return (unsigned)s < ORDER_STATUS__MAX;
}

static const struct orderstate_row *
orderstate_find(enum order_status from, enum order_event ev)
{
	size_t	 i;

	if (!orderstate_status_ok(from) || (unsigned)ev >= ORDER_EVENT__MAX)
		return NULL;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (rows[i].from == from && rows[i].ev == ev)
			return &rows[i];
	return NULL;
}

/*
 * The status an order in "from" takes on event ev, into *to. Returns 0,
 * or -1 if the transition is illegal (the caller answers 409 CONFLICT;
 * *to and *before_dispute untouched). *to == from is an idempotent no-op:
 * answer 2xx and change nothing (but see below). before_dispute (in/out,
 * may be NULL) is the status a dispute interrupted: written on
 * dispute_created (and on a partial refund delivered during a dispute,
 * the one no-op that updates it), read on dispute_won, which restores
 * partially_refunded if it holds that and paid otherwise (or if NULL).
 */
int
orderstate_next(enum order_status from, enum order_event ev,
    enum order_status *before_dispute, enum order_status *to)
{
	const struct orderstate_row	*row;

	if ((row = orderstate_find(from, ev)) == NULL)
		return -1;
	if (row->to != RESTORE)
		*to = row->to;
	else if (before_dispute != NULL &&
	    *before_dispute == ORDER_STATUS_PARTIALLY_REFUNDED)
		*to = ORDER_STATUS_PARTIALLY_REFUNDED;
	else
		*to = ORDER_STATUS_PAID;
	if (row->before != KEEP && before_dispute != NULL)
		*before_dispute = row->before;
	return 0;
}

/*
 * Whether ev on an order in "from" is a legal, idempotent no-op (the
 * status stays the same). False for illegal pairs and real transitions.
 */
bool
orderstate_is_noop(enum order_status from, enum order_event ev)
{
	const struct orderstate_row	*row;

	row = orderstate_find(from, ev);
	return row != NULL && row->to == from;
}

/*
 * Whether staff may take action a on an order in status s (else the
 * caller answers 409 CONFLICT).
 */
bool
orderstate_allows(enum order_status s, enum order_action a)
{
	return orderstate_status_ok(s) && (unsigned)a < ORDER_ACTION__MAX &&
	    (infos[s].actions & (1u << a)) != 0;
}

/*
 * Whether an order in this status lets its buyer download: paid and
 * partially_refunded (the sql/003_files.sql and admin views agree).
 */
bool
orderstate_grants_access(enum order_status s)
{
	return orderstate_status_ok(s) && infos[s].access;
}

/*
 * Whether the order's download tokens are suspended: refused now but
 * valid again if the status comes back (a dispute that may be won).
 */
bool
orderstate_tokens_suspended(enum order_status s)
{
	return orderstate_status_ok(s) && infos[s].suspended;
}

/*
 * Whether the order's download tokens are revoked for good (refunded:
 * no event leaves that status).
 */
bool
orderstate_tokens_revoked(enum order_status s)
{
	return orderstate_status_ok(s) && infos[s].revoked;
}

/*
 * The orders.status text of s (static storage), or NULL if out of range.
 */
const char *
orderstate_status_name(enum order_status s)
{
	return orderstate_status_ok(s) ? infos[s].name : NULL;
}

/*
 * The short name of ev ("dispute_won"; static storage), or NULL if out of
 * range.
 */
const char *
orderstate_event_name(enum order_event ev)
{
	return (unsigned)ev < ORDER_EVENT__MAX ? events[ev] : NULL;
}

/*
 * Parse an orders.status value (exact, case-sensitive, as the database
 * CHECK). Returns 0 and fills *s, or -1 for an unknown name or NULL.
 */
int
orderstate_status_parse(const char *name, enum order_status *s)
{
	int	 i;

	if (name == NULL)
		return -1;
	for (i = 0; i < ORDER_STATUS__MAX; i++)
		if (strcmp(name, infos[i].name) == 0) {
			*s = (enum order_status)i;
			return 0;
		}
	return -1;
}

/*
 * Parse a short event name (exact, case-sensitive). Returns 0 and fills
 * *ev, or -1 for an unknown name or NULL.
 */
int
orderstate_event_parse(const char *name, enum order_event *ev)
{
	int	 i;

	if (name == NULL)
		return -1;
	for (i = 0; i < ORDER_EVENT__MAX; i++)
		if (strcmp(name, events[i]) == 0) {
			*ev = (enum order_event)i;
			return 0;
		}
	return -1;
}
