/*
 * tx.h: store-scoped transactions. tx_run() wraps statements in BEGIN, the
 * current store (app.store_id, which row-level security reads) and the
 * acting user (app.actor, which the audit trigger records), and COMMIT,
 * all in one round trip; any failure rolls the whole transaction back.
 */
#ifndef COLMENA_TX_H
#define COLMENA_TX_H

#include <stddef.h>

#include "db.h"
#include "err.h"

struct arena;

#define TX_MAX	(DB_BATCH_MAX - 5)

enum err	 tx_run(struct db *, struct arena *, const char *store_id,
		    const char *actor, const struct dbq *, size_t,
		    struct pg_result **);
enum err	 tx_begin(struct db *, struct arena *, const char *store_id,
		    const char *actor, const struct dbq *, size_t,
		    struct pg_result **);
enum err	 tx_more(struct db *, struct arena *, const struct dbq *, size_t,
		    struct pg_result **);
enum err	 tx_commit(struct db *, struct arena *, const struct dbq *,
		    size_t, struct pg_result **);
void		 tx_abort(struct db *);

#endif
