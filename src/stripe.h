/*
 * stripe.h: the Stripe API client: form-encoded POSTs and GETs over one
 * reused libcurl handle per process (TLS verified, timeouts from the
 * configuration), an Idempotency-Key on every POST, Stripe-Account for a
 * connected account, Stripe's error object reduced to what may be shown.
 * The base URL is configurable (stripe_api_base), so tests and the demo
 * point the same code at the stand-in in tests/stripe/.
 */
#ifndef COLMENA_STRIPE_H
#define COLMENA_STRIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct arena;

#define STRIPE_MSG_MAX		256
#define STRIPE_LINES_MAX	20	/* line items in one checkout */

/* Why a call failed. */
struct stripe_error {
	long	 status;			/* HTTP status; 0: no answer */
	bool	 timeout;			/* no answer in time */
	char	 type[48];			/* Stripe's error.type */
	char	 code[64];			/* Stripe's error.code */
	char	 param[64];			/* Stripe's error.param */
	char	 message[STRIPE_MSG_MAX];	/* one line, safe to show */
};

/* One line item: a price_data line, priced by the caller. */
struct stripe_line {
	const char	*name;		/* product_data[name] */
	const char	*product_id;	/* product_data[metadata][product_id] */
	int64_t		 unit_amount;	/* minor units */
	int64_t		 quantity;
};

/* POST /v1/checkout/sessions, mode=payment. */
struct stripe_checkout_req {
	const char			*idempotency_key;
	const char			*account;	/* NULL: the platform's */
	const char			*currency;	/* ISO 4217, any case */
	const struct stripe_line	*lines;
	size_t				 nlines;
	const char			*customer_email;
	const char			*order_id;	/* client_reference_id, metadata */
	const char			*store_id;	/* metadata */
	const char			*success_url;
	const char			*cancel_url;
	int64_t				 expires_at;	/* unix time */
	bool				 promotion_codes;
	bool				 automatic_tax;
	int64_t				 application_fee; /* minor; 0: none */
};

struct stripe_checkout {
	const char	*id;		/* cs_... */
	const char	*url;		/* where the buyer pays */
	int64_t		 expires_at;
	const char	*payment_intent;	/* NULL until paid */
};

/* POST /v1/payment_intents (Stripe Elements). */
struct stripe_pi_req {
	const char	*idempotency_key;
	const char	*account;
	const char	*currency;
	int64_t		 amount;
	const char	*customer_email;	/* receipt_email */
	const char	*order_id;		/* metadata */
	const char	*store_id;		/* metadata */
	const char	*description;
	int64_t		 application_fee;	/* 0: none */
};

struct stripe_pi {
	const char	*id;		/* pi_... */
	const char	*client_secret;	/* created ones only */
	const char	*status;
	const char	*order_id;	/* stripe_pi_get: metadata.order_id */
};

/* POST /v1/refunds. */
struct stripe_refund_req {
	const char	*idempotency_key;
	const char	*account;
	const char	*payment_intent;
	int64_t		 amount;	/* minor units; 0: all that is left */
	const char	*reason;	/* NULL, or one Stripe knows */
	const char	*order_id;	/* metadata */
	const char	*refund_id;	/* metadata: ours */
};

struct stripe_refund {
	const char	*id;		/* re_... */
	const char	*status;	/* pending, succeeded, failed, ... */
	int64_t		 amount;
};

/* POST /v1/accounts and GET /v1/accounts/{id}. */
struct stripe_account {
	const char	*id;		/* acct_... */
	bool		 charges_enabled;
	bool		 details_submitted;
};

/* POST /v1/account_links, type=account_onboarding. */
struct stripe_link {
	const char	*url;
	int64_t		 expires_at;
};

bool		 stripe_configured(void);
void		 stripe_cleanup(void);
enum err	 stripe_checkout_create(struct arena *,
		    const struct stripe_checkout_req *, struct stripe_checkout *,
		    struct stripe_error *);
enum err	 stripe_pi_create(struct arena *, const struct stripe_pi_req *,
		    struct stripe_pi *, struct stripe_error *);
enum err	 stripe_pi_get(struct arena *, const char *account,
		    const char *id, struct stripe_pi *, struct stripe_error *);
enum err	 stripe_refund_create(struct arena *,
		    const struct stripe_refund_req *, struct stripe_refund *,
		    struct stripe_error *);
enum err	 stripe_account_create(struct arena *, const char *key,
		    const char *email, const char *store_id,
		    struct stripe_account *, struct stripe_error *);
enum err	 stripe_account_get(struct arena *, const char *account,
		    struct stripe_account *, struct stripe_error *);
enum err	 stripe_link_create(struct arena *, const char *key,
		    const char *account, const char *refresh_url,
		    const char *return_url, struct stripe_link *,
		    struct stripe_error *);

#endif
