/*
 * admin_store.h: what the store's handler files (admin_staff.c,
 * admin_settings.c, admin_keys.c) share: the API's timestamp format and
 * the helpers of admin_store.c.
 */
#ifndef COLMENA_ADMIN_STORE_H
#define COLMENA_ADMIN_STORE_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct pg_result;


const char	*admin_store_val(const struct pg_result *, int, const char *);
bool		 admin_store_bool(const struct pg_result *, int, const char *);
bool		 admin_store_has_ctl(const char *);
const char	*admin_store_json_list(struct arena *, const char *const *,
		    size_t);

#endif
