/*
 * stripe_event.h: a Stripe webhook event (the JSON body Stripe POSTs),
 * parsed into the fields the webhook program acts on. Parsing only: what
 * the event means for an order is orderstate.c's and the webhook's call.
 */
#ifndef COLMENA_STRIPE_EVENT_H
#define COLMENA_STRIPE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

#define STRIPE_EVENT_ID_MAX	255	/* longest event or object id kept */

/* The event types the webhook acts on; everything else is STRIPE_EV_OTHER. */
enum stripe_ev {
	STRIPE_EV_CHECKOUT_COMPLETED,		/* checkout.session.completed */
	STRIPE_EV_CHECKOUT_ASYNC_SUCCEEDED,	/* ..async_payment_succeeded */
	STRIPE_EV_CHECKOUT_ASYNC_FAILED,	/* ..async_payment_failed */
	STRIPE_EV_CHECKOUT_EXPIRED,		/* checkout.session.expired */
	STRIPE_EV_PI_SUCCEEDED,			/* payment_intent.succeeded */
	STRIPE_EV_PI_FAILED,			/* payment_intent.payment_failed */
	STRIPE_EV_CHARGE_REFUNDED,		/* charge.refunded */
	STRIPE_EV_DISPUTE_CREATED,		/* charge.dispute.created */
	STRIPE_EV_DISPUTE_CLOSED,		/* charge.dispute.closed */
	STRIPE_EV_ACCOUNT_UPDATED,		/* account.updated */
	STRIPE_EV_OTHER,
	STRIPE_EV__MAX
};

/*
 * Every string is NULL when the event does not carry it (or carries JSON
 * null); every amount is -1 then. Strings live in the arena.
 */
struct stripe_event {
	const char	*id;		/* evt_... */
	const char	*type;		/* as sent, e.g. "charge.refunded" */
	enum stripe_ev	 ev;
	const char	*account;	/* Connect: the connected account */
	int64_t		 created;	/* unix time */
	bool		 livemode;

	/* data.object */
	const char	*object;	/* "checkout.session", "charge", ... */
	const char	*object_id;	/* cs_, pi_, ch_, dp_, acct_ ... */
	const char	*order_id;	/* metadata.order_id, else
					   client_reference_id */
	const char	*store_id;	/* metadata.store_id */
	const char	*payment_intent;	/* the object's, or its own id */
	const char	*charge;	/* a charge's id, a dispute's charge */
	const char	*payment_status;	/* checkout: paid, unpaid, ... */
	const char	*status;	/* dispute: won, lost, ...; pi status */
	const char	*currency;	/* lower case, as Stripe sends it */
	int64_t		 amount;	/* charge, dispute, payment intent */
	int64_t		 amount_refunded;	/* charge */
	int64_t		 amount_total;	/* checkout */
	int64_t		 amount_subtotal;	/* checkout */
	int64_t		 amount_tax;	/* checkout total_details */
	int64_t		 amount_discount;	/* checkout total_details */
	const char	*customer_email;	/* checkout customer_details */
	const char	*customer_name;
	const char	*failure_message;	/* pi last_payment_error.message */
	bool		 charges_enabled;	/* account */
	bool		 details_submitted;	/* account */
};

int		 stripe_event_parse(struct arena *, const char *body, size_t len,
		    struct stripe_event *, const char **errstr);
const char	*stripe_event_name(enum stripe_ev);

#endif
