/*
 * receipt.h: the mail a buyer gets about an order, rendered from
 * templates/mail/ (text and HTML parts) with the template engine: the
 * receipt after payment, the same receipt sent again by staff, and the
 * message carrying fresh download links. Rendering only; the caller puts
 * the result in the outbox in its own transaction.
 */
#ifndef COLMENA_RECEIPT_H
#define COLMENA_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

struct arena;

enum receipt_kind {
	RECEIPT_PAID,		/* "Your order from <store>": after payment */
	RECEIPT_RESENT,		/* the receipt again, asked for by staff */
	RECEIPT_LINKS,		/* fresh links; the old ones stopped working */
	RECEIPT__MAX
};

/* One order line. Amounts in minor units of the order's currency. */
struct receipt_item {
	const char	*name;
	int64_t		 quantity;
	int64_t		 unit_minor;
	int64_t		 line_minor;	/* unit_minor * quantity */
};

/* One download link. */
struct receipt_link {
	const char	*name;		/* the product's name */
	const char	*url;		/* public_url/download/{token} */
	const char	*expires;	/* "2026-12-07 12:00 UTC" */
	int64_t		 downloads_left;
};

struct receipt {
	enum receipt_kind		 kind;
	const char			*store_name;
	const char			*support_email;	/* NULL: none */
	const char			*order_id;
	const char			*order_url;	/* the buyer's order page */
	const char			*customer_name;	/* NULL: none */
	const char			*customer_email;
	const char			*currency;	/* ISO 4217, upper case */
	int				 exponent;	/* its decimals */
	const char			*paid_at;	/* "2026-12-04 10:00 UTC" */
	const struct receipt_item	*items;
	size_t				 nitems;
	int64_t				 subtotal_minor;
	int64_t				 discount_minor;
	int64_t				 tax_minor;
	int64_t				 total_minor;
	const struct receipt_link	*links;
	size_t				 nlinks;
};

/* What receipt_render() makes; strings live in the arena. */
struct receipt_mail {
	const char	*subject;
	const char	*text;
	const char	*html;
};

int	 receipt_render(struct arena *, const struct receipt *,
	    struct receipt_mail *, char *err, size_t errsz);

#endif
