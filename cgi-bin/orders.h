/*
 * orders.h: what the orders program's files share: orders.c (route
 * table, the buyer's order API and page, unsubscribe links) and
 * orders_admin.c (the staff's orders API behind the gate).
 */
#ifndef COLMENA_ORDERS_H
#define COLMENA_ORDERS_H

struct jw;
struct pg_result;
struct req;

/* orders_admin.c */
void	 orders_admin_list(struct req *);
void	 orders_admin_get(struct req *);
void	 orders_admin_refund(struct req *);
void	 orders_admin_receipt(struct req *);
void	 orders_admin_links(struct req *);
void	 orders_admin_note(struct req *);
void	 orders_admin_teardown(void);

/* orders.c */
const char	*orders_val(const struct pg_result *, int, const char *);
void		 orders_money(struct jw *, const char *key,
		    const struct pg_result *, int, const char *col, int exponent);

#endif
