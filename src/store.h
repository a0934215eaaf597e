/*
 * store.h: stores (tenants): look one up by id or slug and make it the
 * current store of the transaction, in the same statement, so the queries
 * pipelined after it are scoped by row-level security.
 */
#ifndef COLMENA_STORE_H
#define COLMENA_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct arena;
struct db;
struct jw;
struct pg_result;

#define STORE_SLUG_MAX	128	/* what a {store} segment may be */

struct store {
	const char	*id;		/* NULL: no such store */
	const char	*slug;
	const char	*name;
	const char	*currency;
	int		 exponent;	/* the currency's decimals */
	const char	**origins;	/* allowed CORS origins */
	size_t		 norigins;
};

bool		 store_ident_ok(const char *, bool *is_uuid);
enum err	 store_get(struct db *, struct arena *, const char *ident,
		    bool is_uuid, struct store *);
enum err	 store_read(struct db *, struct arena *, const char *ident,
		    bool is_uuid, const char *sql, int, const char *const *,
		    struct store *, struct pg_result **);
void		 store_write_json(struct jw *, const char *key,
		    const struct store *);

#endif
