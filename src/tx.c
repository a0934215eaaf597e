/*
 * tx.c: one transaction for one store, sent as a single pipeline:
 * BEGIN; set_config(store); set_config(actor); the caller's statements;
 * COMMIT. If any statement fails, the ones after it (COMMIT included) are
 * skipped by PostgreSQL and a ROLLBACK ends the transaction. A transaction
 * that must decide between round trips (lock a row, let C decide, write)
 * is tx_begin(), tx_more()..., tx_commit().
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "tx.h"

enum stmt {
	STMT_BEGIN,
	STMT_SCOPE,
	STMT_COMMIT,
	STMT_ACTOR,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	"BEGIN",						/* STMT_BEGIN */
	"SELECT set_config('app.store_id', $1::uuid::text, true),"
	" set_config('app.actor', coalesce($2, ''), true)",	/* STMT_SCOPE */
	"COMMIT",						/* STMT_COMMIT */
	"SELECT set_config('app.actor', coalesce($1, ''), true)",	/* STMT_ACTOR */
};

/*
 * BEGIN, the scope (store and actor, or the actor alone when store_id is
 * NULL), q[0..n) and, with commit, COMMIT, in one round trip. Fills
 * out[0..n) (may be NULL). On failure the transaction is rolled back and
 * the error returned.
 */
static enum err
tx_open(struct db *db, struct arena *a, const char *store_id,
    const char *actor, const struct dbq *q, size_t n, struct pg_result **out,
    bool commit)
{
	struct dbq		 all[DB_BATCH_MAX];
	struct pg_result	*res[DB_BATCH_MAX];
	const char		*scope[2];
	enum err		 rc;
	size_t			 i;

	if (n > TX_MAX)
		fatalx("%zu statements in one transaction (at most %d)", n,
		    TX_MAX);
	scope[0] = store_id;
	scope[1] = actor;
	all[0] = (struct dbq){ stmts[STMT_BEGIN], 0, NULL };
	all[1] = (struct dbq){ store_id != NULL ? stmts[STMT_SCOPE] :
	    stmts[STMT_ACTOR], store_id != NULL ? 2 : 1,
	    store_id != NULL ? scope : scope + 1 };
	for (i = 0; i < n; i++)
		all[2 + i] = q[i];
	if (commit)
		all[2 + n] = (struct dbq){ stmts[STMT_COMMIT], 0, NULL };
	rc = db_run(db, a, all, n + (commit ? 3 : 2), res, false);
	if (rc != ERR_OK) {
		/* An aborted transaction block stays open until it is ended. */
		db_rollback(db);
		return rc;
	}
	if (out != NULL)
		for (i = 0; i < n; i++)
			out[i] = res[2 + i];
	return ERR_OK;
}

/*
 * Run q[0..n) as one transaction acting for store_id (a UUID) on behalf
 * of actor (NULL: none recorded). Fills out[0..n) (may be NULL) with the
 * results, owned by a. Returns ERR_OK, or the first failure's error (see
 * db_run) with nothing of the transaction kept.
 */
enum err
tx_run(struct db *db, struct arena *a, const char *store_id,
    const char *actor, const struct dbq *q, size_t n, struct pg_result **out)
{
	return tx_open(db, a, store_id, actor, q, n, out, true);
}

/*
 * Open a transaction that spans several round trips: BEGIN, the scope
 * (store_id may be NULL when a statement of q finds and sets it, as
 * order_locate() does), then q[0..n). On failure it is rolled back and
 * the error returned; on success the caller continues with tx_more()
 * and ends with tx_commit() or tx_abort(). If the process dies between
 * round trips the server rolls back when the connection drops.
 */
enum err
tx_begin(struct db *db, struct arena *a, const char *store_id,
    const char *actor, const struct dbq *q, size_t n, struct pg_result **out)
{
	return tx_open(db, a, store_id, actor, q, n, out, false);
}

/*
 * The next round trip of a transaction opened by tx_begin(). On failure
 * the transaction is rolled back and the error returned.
 */
enum err
tx_more(struct db *db, struct arena *a, const struct dbq *q, size_t n,
    struct pg_result **out)
{
	enum err	 rc;

	if ((rc = db_run(db, a, q, n, out, false)) != ERR_OK)
		db_rollback(db);
	return rc;
}

/*
 * The last round trip: q[0..n) (n may be 0) and COMMIT. On failure
 * everything since tx_begin() is rolled back and the error returned.
 */
enum err
tx_commit(struct db *db, struct arena *a, const struct dbq *q, size_t n,
    struct pg_result **out)
{
	struct dbq		 all[DB_BATCH_MAX];
	struct pg_result	*res[DB_BATCH_MAX];
	enum err		 rc;
	size_t			 i;

	if (n > TX_MAX)
		fatalx("%zu statements in one transaction (at most %d)", n,
		    TX_MAX);
	for (i = 0; i < n; i++)
		all[i] = q[i];
	all[n] = (struct dbq){ stmts[STMT_COMMIT], 0, NULL };
	if ((rc = db_run(db, a, all, n + 1, res, false)) != ERR_OK) {
		db_rollback(db);
		return rc;
	}
	if (out != NULL)
		for (i = 0; i < n; i++)
			out[i] = res[i];
	return ERR_OK;
}

/*
 * Give up a transaction opened by tx_begin(): nothing of it is kept.
 */
void
tx_abort(struct db *db)
{
	db_rollback(db);
}
