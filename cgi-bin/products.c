/*
 * products.c: the public catalog program. Store-scoped reads for widgets and
 * client sites: the store's public face, products (filtered, searched,
 * sorted, paginated), one product, the category tree; and /api/health.
 * Every answer is cacheable by CDNs, carries an ETag, and CORS headers for
 * the store's allowed origins only.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "cache.h"
#include "db.h"
#include "category.h"
#include "conf.h"
#include "log.h"
#include "product.h"
#include "req.h"
#include "store.h"
#include "str.h"
#include "valid.h"

#define CORS_METHODS	"GET, HEAD, OPTIONS"
#define SLUG_MAX	128
#define SEARCH_MAX	200

static void	products_store(struct req *);
static void	products_list(struct req *);
static void	products_get(struct req *);
static void	products_categories(struct req *);
static void	products_options(struct req *, const char *);

/* The cache's view of the database connection (see products_cache_*). */
static uint64_t		 cache_generation;
static const char	*cache_watch;	/* store whose answer is being built */
static bool		 cache_watch_hit;	/* ... and it changed meanwhile */

static const struct route routes[] = {
	{ METHOD_GET, "/api/health", app_health, NULL },
	{ METHOD_GET, "/api/v1/stores/{store}", products_store, NULL },
	{ METHOD_GET, "/api/v1/stores/{store}/products", products_list, NULL },
	{ METHOD_GET, "/api/v1/stores/{store}/products/{product}", products_get, NULL },
	{ METHOD_GET, "/api/v1/stores/{store}/categories", products_categories, NULL },
};

enum list_field {
	LF_LIMIT,
	LF_OFFSET,
	LF_CATEGORY,
	LF_FEATURED,
	LF_Q,
	LF_MIN_PRICE,
	LF_MAX_PRICE,
	LF_SORT,
	LF__MAX
};

static const struct field list_fields[LF__MAX] = {
	{ "limit", FIELD_INT, false, 1, 100, NULL },		/* LF_LIMIT */
	{ "offset", FIELD_INT, false, 0, 1000000, NULL },	/* LF_OFFSET */
	{ "category", FIELD_IDENT, false, 0, SLUG_MAX, NULL },	/* LF_CATEGORY */
	{ "featured", FIELD_BOOL, false, 0, 0, NULL },		/* LF_FEATURED */
	{ "q", FIELD_TEXT, false, 1, SEARCH_MAX, NULL },	/* LF_Q */
	{ "min_price", FIELD_DECIMAL, false, 0, 999999999, NULL }, /* LF_MIN_PRICE */
	{ "max_price", FIELD_DECIMAL, false, 0, 999999999, NULL }, /* LF_MAX_PRICE */
	{ "sort", FIELD_ENUM, false, 0, 0, product_sort_names },	/* LF_SORT */
};

/*
 * Check the {store} segment: a UUID or a slug, else it cannot exist.
 * Returns 0 with *is_uuid set, or -1 having answered 404.
 */
static int
products_store_ident(struct req *r, const char **ident, bool *is_uuid)
{
	*ident = req_param(r, "store");
	if (!store_ident_ok(*ident, is_uuid)) {
		req_fail(r, ERR_NOT_FOUND, "No such store.");
		return -1;
	}
	return 0;
}

/*
 * Answer a failed lookup: 404 naming what is missing, or the database error.
 */
static void
products_fail(struct req *r, enum err rc, const struct store *st,
    const char *what)
{
	if (rc == ERR_NOT_FOUND)
		req_fail(r, rc, st->id == NULL ? "No such store." : what);
	else
		req_fail(r, rc, NULL);
}

static void
products_notified(const char *store_id, void *arg)
{
	cache_invalidate_store(store_id);
	if (cache_watch != NULL && strcmp(cache_watch, store_id) == 0)
		cache_watch_hit = true;
}

/*
 * Apply the change notifications that arrived. Returns false when the
 * cache cannot be trusted now (not listening: no connection yet, or lost).
 */
static bool
products_cache_sync(struct req *r)
{
	uint64_t	 gen;

	if (!db_notifications(r->db, products_notified, NULL, &gen))
		return false;
	if (gen != cache_generation) {
		/* A new connection: changes may have been missed. */
		cache_clear();
		cache_generation = gen;
	}
	return true;
}

/*
 * Answer from the cache if it holds this URI. Returns true if answered.
 */
static bool
products_cached(struct req *r)
{
	const struct cache_entry	*e;

	if (!products_cache_sync(r) ||
	    (e = cache_get(r->uri, time(NULL))) == NULL)
		return false;
	req_cors(r, (const char *const *)e->origins, e->norigins, CORS_METHODS);
	req_cache(r, conf_int(CONF_CACHE_MAX_AGE), conf_int(CONF_CACHE_SWR));
	req_json_replay(r, e->body, e->len);
	return true;
}

/*
 * Keep the answer just built, unless its store changed while it was read.
 */
static void
products_keep(struct req *r, const struct store *st)
{
	cache_watch = st->id;
	cache_watch_hit = false;
	if (products_cache_sync(r) && !cache_watch_hit)
		cache_put(r->uri, st->id, st->origins, st->norigins,
		    r->body->data, r->etag_len, time(NULL));
	cache_watch = NULL;
}

/*
 * Common start of every store read: answer from the cache, or check the
 * {store} segment. Returns 0 to go on, or -1 when already answered.
 */
static int
products_start(struct req *r, const char **ident, bool *is_uuid)
{
	if (products_cached(r))
		return -1;
	return products_store_ident(r, ident, is_uuid);
}

/*
 * Open the success envelope of a store's answer: CORS for its origins and
 * CDN caching. The handler writes the data, then calls products_end().
 */
static struct jw *
products_begin(struct req *r, const struct store *st, struct jw *w)
{
	req_cors(r, st->origins, st->norigins, CORS_METHODS);
	req_cache(r, conf_int(CONF_CACHE_MAX_AGE), conf_int(CONF_CACHE_SWR));
	return req_json_begin(r, w);
}

/*
 * Close the envelope (pg: pagination or NULL) and keep it in the cache.
 */
static void
products_end(struct req *r, const struct store *st, struct jw *w,
    const struct pagination *pg)
{
	req_json_end(r, w, pg);
	products_keep(r, st);
}

/*
 * GET /api/v1/stores/{store}: the store's public face.
 * Raises HTTP 404 for an unknown or inactive store.
 */
static void
products_store(struct req *r)
{
	struct store	 st;
	struct jw	 w;
	const char	*ident;
	bool		 is_uuid;
	enum err	 rc;

	if (products_start(r, &ident, &is_uuid) == -1)
		return;
	if ((rc = store_get(r->db, r->arena, ident, is_uuid, &st)) != ERR_OK) {
		products_fail(r, rc, &st, NULL);
		return;
	}
	products_begin(r, &st, &w);
	store_write_json(&w, NULL, &st);
	products_end(r, &st, &w, NULL);
}

/*
 * GET /api/v1/stores/{store}/products: active products with pagination.
 * Raises HTTP 400 naming each bad parameter, 404 for an unknown store.
 */
static void
products_list(struct req *r)
{
	struct form		 f;
	struct product_query	 q;
	struct store		 st;
	struct product		*items;
	struct pagination	 pg;
	struct jw		 w;
	const char		*ident;
	bool			 is_uuid;
	size_t			 i, n;
	int64_t			 total;
	enum err		 rc;

	if (products_start(r, &ident, &is_uuid) == -1)
		return;
	if (valid_query(&f, list_fields, LF__MAX, r->query, r->nquery) == 0) {
		if (f.v[LF_MIN_PRICE].set && f.v[LF_MAX_PRICE].set &&
		    f.v[LF_MIN_PRICE].i > f.v[LF_MAX_PRICE].i)
			valid_error(&f, "min_price", "must not be greater than max_price");
		if (f.v[LF_SORT].set && f.v[LF_SORT].i == PSORT_RELEVANCE &&
		    !f.v[LF_Q].set)
			valid_error(&f, "sort", "relevance needs a search (q)");
	}
	if (f.nerrs > 0) {
		req_fail_form(r, &f);
		return;
	}
	memset(&q, 0, sizeof(q));
	q.limit = f.v[LF_LIMIT].set ? f.v[LF_LIMIT].i : 24;
	q.offset = f.v[LF_OFFSET].set ? f.v[LF_OFFSET].i : 0;
	if (f.v[LF_CATEGORY].set) {
		q.category = f.v[LF_CATEGORY].s;
		q.category_is_uuid = f.v[LF_CATEGORY].is_uuid;
	}
	q.featured_only = f.v[LF_FEATURED].set && f.v[LF_FEATURED].b;
	q.q = f.v[LF_Q].set ? f.v[LF_Q].s : NULL;
	q.min_price = f.v[LF_MIN_PRICE].set ? f.v[LF_MIN_PRICE].s : NULL;
	q.max_price = f.v[LF_MAX_PRICE].set ? f.v[LF_MAX_PRICE].s : NULL;
	if (f.v[LF_SORT].set)
		q.sort = (enum product_sort)f.v[LF_SORT].i;
	else
		q.sort = q.q != NULL ? PSORT_RELEVANCE : PSORT_NEWEST;

	rc = product_list(r->db, r->arena, ident, is_uuid, &q, &st, &items,
	    &n, &total);
	if (rc != ERR_OK) {
		products_fail(r, rc, &st, NULL);
		return;
	}
	products_begin(r, &st, &w);
	jw_arr_open(&w, NULL);
	for (i = 0; i < n; i++)
		product_write_json(&w, NULL, &items[i]);
	jw_arr_close(&w);
	pg.total = total;
	pg.limit = q.limit;
	pg.offset = q.offset;
	products_end(r, &st, &w, &pg);
}

/*
 * GET /api/v1/stores/{store}/products/{product}: one active product by id
 * or slug. Raises HTTP 404 for an unknown store, or a product that is
 * unknown, inactive or another store's.
 */
static void
products_get(struct req *r)
{
	struct store	 st;
	struct product	 p;
	struct jw	 w;
	const char	*ident, *pid;
	bool		 is_uuid, pid_uuid;
	enum err	 rc;

	if (products_start(r, &ident, &is_uuid) == -1)
		return;
	pid = req_param(r, "product");
	pid_uuid = str_is_uuid(pid);
	if (!pid_uuid && !str_is_slug(pid, SLUG_MAX)) {
		req_fail(r, ERR_NOT_FOUND, "No such product.");
		return;
	}
	rc = product_get(r->db, r->arena, ident, is_uuid, pid, pid_uuid, &st, &p);
	if (rc != ERR_OK) {
		products_fail(r, rc, &st, "No such product.");
		return;
	}
	products_begin(r, &st, &w);
	product_write_json(&w, NULL, &p);
	products_end(r, &st, &w, NULL);
}

/*
 * GET /api/v1/stores/{store}/categories: the category tree with counts of
 * active products (each including its subcategories).
 * Raises HTTP 404 for an unknown store.
 */
static void
products_categories(struct req *r)
{
	struct store	 st;
	struct category	*roots;
	struct jw	 w;
	const char	*ident;
	bool		 is_uuid;
	enum err	 rc;

	if (products_start(r, &ident, &is_uuid) == -1)
		return;
	rc = category_tree(r->db, r->arena, ident, is_uuid, &st, &roots);
	if (rc != ERR_OK) {
		products_fail(r, rc, &st, NULL);
		return;
	}
	products_begin(r, &st, &w);
	category_write_json(&w, NULL, roots);
	products_end(r, &st, &w, NULL);
}

/*
 * OPTIONS on a store path: the CORS preflight. The store's allowed origins
 * get the CORS headers, others none. Raises HTTP 404 for an unknown store.
 */
static void
products_options(struct req *r, const char *allow)
{
	struct store	 st;
	const char	*ident;
	bool		 is_uuid;
	enum err	 rc;
	size_t		 i;

	for (i = 0; i < r->nparams; i++)
		if (strcmp(r->params[i].key, "store") == 0)
			break;
	if (i == r->nparams) {
		req_empty(r, 204);
		return;
	}
	if (products_store_ident(r, &ident, &is_uuid) == -1)
		return;
	if ((rc = store_get(r->db, r->arena, ident, is_uuid, &st)) != ERR_OK) {
		products_fail(r, rc, &st, NULL);
		return;
	}
	req_cors(r, st.origins, st.norigins, CORS_METHODS);
	req_empty(r, 204);
}

static void
products_setup(struct db *db)
{
	db_listen(db, "colmena_catalog");
	cache_init((size_t)conf_int(CONF_CACHE_SIZE), conf_int(CONF_CACHE_TTL));
}

int
main(int argc, char *argv[])
{
	static const struct app app = {
		"products", routes, nitems(routes), products_options,
		products_setup, cache_free, "public", CONF_RATELIMIT_PUBLIC
	};

	return app_main(argc, argv, &app);
}
