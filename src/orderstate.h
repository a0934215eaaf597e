/*
 * orderstate.h: the one place that decides which order status transitions
 * are legal: a {from, event, to} table over the orders.status values, plus
 * what each status means for download access and download tokens, and
 * which staff actions it allows.
 */
#ifndef COLMENA_ORDERSTATE_H
#define COLMENA_ORDERSTATE_H

#include <stdbool.h>

/* The orders.status CHECK values of sql/001_init.sql, in that order. */
enum order_status {
	ORDER_STATUS_PENDING,
	ORDER_STATUS_PAID,
	ORDER_STATUS_FAILED,
	ORDER_STATUS_EXPIRED,
	ORDER_STATUS_REFUNDED,
	ORDER_STATUS_PARTIALLY_REFUNDED,
	ORDER_STATUS_DISPUTED,
	ORDER_STATUS__MAX
};

/*
 * What the webhook saw, already classified by the caller (the Stripe event
 * type alone is not enough: "completed" means checkout.session.completed
 * with payment_status "paid"; an unpaid completion of a delayed payment
 * method is no event here, its async_succeeded / payment_failed follows).
 */
enum order_event {
	ORDER_EVENT_COMPLETED,		/* checkout.session.completed, paid */
	ORDER_EVENT_ASYNC_SUCCEEDED,	/* ..async_payment_succeeded */
	ORDER_EVENT_PAYMENT_FAILED,	/* ..async_payment_failed, or
					   payment_intent.payment_failed */
	ORDER_EVENT_EXPIRED,		/* checkout.session.expired */
	ORDER_EVENT_REFUNDED,		/* charge.refunded, amount_refunded == amount */
	ORDER_EVENT_PARTIALLY_REFUNDED,	/* charge.refunded, amount_refunded < amount */
	ORDER_EVENT_DISPUTE_CREATED,	/* charge.dispute.created */
	ORDER_EVENT_DISPUTE_WON,	/* charge.dispute.closed, status "won" */
	ORDER_EVENT_DISPUTE_LOST,	/* charge.dispute.closed, status "lost" */
	ORDER_EVENT__MAX
};

/* What staff may ask of an order (cgi-bin/orders.c). */
enum order_action {
	ORDER_ACTION_REFUND,		/* a refund through Stripe */
	ORDER_ACTION_RESEND_RECEIPT,	/* the receipt again */
	ORDER_ACTION_REISSUE_LINKS,	/* new download links, old ones withdrawn */
	ORDER_ACTION__MAX
};

int		 orderstate_next(enum order_status from, enum order_event,
		    enum order_status *before_dispute, enum order_status *to);
bool		 orderstate_is_noop(enum order_status from, enum order_event);
bool		 orderstate_allows(enum order_status, enum order_action);
bool		 orderstate_grants_access(enum order_status);
bool		 orderstate_tokens_suspended(enum order_status);
bool		 orderstate_tokens_revoked(enum order_status);
const char	*orderstate_status_name(enum order_status);
const char	*orderstate_event_name(enum order_event);
int		 orderstate_status_parse(const char *, enum order_status *);
int		 orderstate_event_parse(const char *, enum order_event *);

#endif
