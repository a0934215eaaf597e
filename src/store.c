/*
 * store.c: store lookups. The lookup statement both reads the store and
 * sets app.store_id for the rest of its transaction (set_config local).
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "db.h"
#include "jw.h"
#include "log.h"
#include "store.h"
#include "str.h"

enum stmt {
	STMT_SCOPE_BY_ID,
	STMT_SCOPE_BY_SLUG,
	STMT__MAX
};

#define STORE_SCOPE \
	"SELECT set_config('app.store_id', s.id::text, true) AS id, s.slug," \
	" s.name, s.currency, x.exponent," \
	" array_to_string(s.allowed_origins, E'\\n') AS origins" \
	" FROM stores s JOIN currencies x ON x.code = s.currency" \
	" WHERE s.is_active AND "

static const char *const stmts[STMT__MAX] = {
	STORE_SCOPE "s.id = $1::uuid",		/* STMT_SCOPE_BY_ID */
	STORE_SCOPE "s.slug = $1",		/* STMT_SCOPE_BY_SLUG */
};

/*
 * Fill q with the statement that finds store ident (a UUID when is_uuid,
 * else a slug) and makes it current; param is storage for its parameter
 * and must live as long as q.
 */
static void
store_scope_query(struct dbq *q, const char **param, const char *ident,
    bool is_uuid)
{
	*param = ident;
	q->sql = stmts[is_uuid ? STMT_SCOPE_BY_ID : STMT_SCOPE_BY_SLUG];
	q->nparams = 1;
	q->params = param;
}

/*
 * Read the store from the scope statement's result. Returns ERR_OK, or
 * ERR_NOT_FOUND (st->id NULL) when there is no such active store.
 */
static enum err
store_from_result(struct arena *a, struct pg_result *res, struct store *st)
{
	const char	*origins, *errstr, *p;
	char		*list, *nl;
	size_t		 n;

	memset(st, 0, sizeof(*st));
	if (db_ntuples(res) == 0)
		return ERR_NOT_FOUND;
	st->id = db_val(res, 0, db_col(res, "id"));
	st->slug = db_val(res, 0, db_col(res, "slug"));
	st->name = db_val(res, 0, db_col(res, "name"));
	st->currency = db_val(res, 0, db_col(res, "currency"));
	st->exponent = (int)str_to_i64(db_val(res, 0, db_col(res, "exponent")),
	    0, 3, &errstr);
	if (errstr != NULL)
		fatalx("currency exponent %s", errstr);
	origins = db_val(res, 0, db_col(res, "origins"));
	for (n = 0, p = origins; *p != '\0'; p++)
		n += *p == '\n';
	st->origins = arena_calloc(a, n + 1, sizeof(*st->origins));
	if (*origins == '\0')
		return ERR_OK;
	list = arena_strdup(a, origins);
	while (list != NULL) {
		if ((nl = strchr(list, '\n')) != NULL)
			*nl++ = '\0';
		st->origins[st->norigins++] = list;
		list = nl;
	}
	return ERR_OK;
}

/*
 * Whether ident can name a store: a UUID (*is_uuid set) or a slug of at
 * most STORE_SLUG_MAX characters. Anything else cannot exist (404).
 */
bool
store_ident_ok(const char *ident, bool *is_uuid)
{
	*is_uuid = ident != NULL && str_is_uuid(ident);
	return *is_uuid || (ident != NULL && str_is_slug(ident, STORE_SLUG_MAX));
}

/*
 * Look up store ident on its own. Returns ERR_OK, ERR_NOT_FOUND, or a
 * database error.
 */
enum err
store_get(struct db *db, struct arena *a, const char *ident, bool is_uuid,
    struct store *st)
{
	struct dbq		 q;
	const char		*param;
	struct pg_result	*res;
	enum err		 rc;

	memset(st, 0, sizeof(*st));
	store_scope_query(&q, &param, ident, is_uuid);
	if ((rc = db_run(db, a, &q, 1, &res, true)) != ERR_OK)
		return rc;
	return store_from_result(a, res, st);
}

/*
 * Read for one store in one round trip: the lookup of store ident (which
 * makes it current for row-level security) and then sql with its
 * parameters, in one pipeline. Fills *st and *res (owned by a). Returns
 * ERR_OK, ERR_NOT_FOUND (st->id NULL) or a database error.
 */
enum err
store_read(struct db *db, struct arena *a, const char *ident, bool is_uuid,
    const char *sql, int nparams, const char *const *params,
    struct store *st, struct pg_result **res)
{
	struct dbq		 dq[2];
	struct pg_result	*out[2];
	const char		*param;
	enum err		 rc;

	memset(st, 0, sizeof(*st));
	store_scope_query(&dq[0], &param, ident, is_uuid);
	dq[1].sql = sql;
	dq[1].nparams = nparams;
	dq[1].params = params;
	if ((rc = db_run(db, a, dq, 2, out, true)) != ERR_OK)
		return rc;
	if ((rc = store_from_result(a, out[0], st)) != ERR_OK)
		return rc;
	*res = out[1];
	return ERR_OK;
}

/*
 * The store's public face: what widgets and client sites may know.
 */
void
store_write_json(struct jw *w, const char *key, const struct store *st)
{
	size_t	 i;

	jw_obj_open(w, key);
	jw_str(w, "id", st->id);
	jw_str(w, "slug", st->slug);
	jw_str(w, "name", st->name);
	jw_str(w, "currency", st->currency);
	jw_arr_open(w, "allowedOrigins");
	for (i = 0; i < st->norigins; i++)
		jw_str(w, NULL, st->origins[i]);
	jw_arr_close(w);
	jw_obj_close(w);
}
