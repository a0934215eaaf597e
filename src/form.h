/*
 * form.h: application/x-www-form-urlencoded request bodies the way Stripe's
 * API reads nested parameters: line_items[0][price_data][currency]=usd,
 * metadata[order_id]=..., expand[]=... built on a struct buf.
 */
#ifndef COLMENA_FORM_H
#define COLMENA_FORM_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define FORM_KEY_MAX	256	/* longest key form_addf_key formats */

int	 form_add(struct buf *, const char *key, const char *value);
int	 form_addn(struct buf *, const char *key, const char *value,
	    size_t len);
int	 form_addf_key(struct buf *, const char *value, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	 form_add_int(struct buf *, const char *key, int64_t);

#endif
