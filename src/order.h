/*
 * order.h: what the webhook and orders programs share about an order of
 * the current store (row-level security scope already set): reading it,
 * its lines and its live download links; making new links for it; and
 * queueing the buyer's mail (receipt, fresh links) in the outbox. Every
 * order_q_* fills a statement for the caller's transaction; every
 * order_*_read reads its result.
 */
#ifndef COLMENA_ORDER_H
#define COLMENA_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "orderstate.h"
#include "receipt.h"

struct arena;
struct dbq;
struct pg_result;

#define ORDER_LINES_MAX	64	/* lines of one order we handle */

/* One order row with its store's name, support email and currency. */
struct order_info {
	const char		*id;
	const char		*store_id;
	enum order_status	 status;
	bool			 has_before;	/* status_before_dispute set */
	enum order_status	 before;
	const char		*kind;		/* checkout | payment_intent */
	const char		*customer_email;
	const char		*customer_name;
	const char		*currency;
	int			 exponent;
	int64_t			 subtotal, tax, discount, total, refunded;
	const char		*payment_intent;
	const char		*account;	/* the connected account paid */
	const char		*paid_at;	/* "2026-12-04 10:00 UTC" or NULL */
	const char		*store_name;
	const char		*support_email;
	int64_t			 tokens;	/* download links ever made */
};

/* One order line, with what a new download link for it gets. */
struct order_line {
	const char	*item_id;
	const char	*product_id;	/* NULL: the product was deleted */
	const char	*name;
	int64_t		 quantity;
	int64_t		 price;
	int64_t		 max_downloads;	/* the product's, times quantity */
	const char	*expires;	/* now + the product's expiry, text */
};

void	 order_q_info(struct dbq *, const char **prm, const char *order_id);
int	 order_info_read(struct arena *, const struct pg_result *,
	    struct order_info *);
void	 order_q_lines(struct dbq *, const char **prm, const char *order_id);
size_t	 order_lines_read(struct arena *, const struct pg_result *,
	    struct order_line *, size_t max);
void	 order_q_links(struct dbq *, const char **prm, const char *order_id);
size_t	 order_links_read(struct arena *, const struct pg_result *,
	    struct receipt_link **, const char ***expires_at);
void	 order_q_new_links(struct arena *, struct dbq *, const char *order_id,
	    const struct order_line *, size_t, struct receipt_link **);
void	 order_q_revoke_links(struct dbq *, const char **prm,
	    const char *order_id);
int	 order_q_mail(struct arena *, struct dbq *, enum receipt_kind,
	    const struct order_info *, const struct order_line *, size_t,
	    const struct receipt_link *, size_t);
char	*order_page_url(struct arena *, const char *order_id);

#endif
