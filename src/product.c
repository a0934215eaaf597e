/*
 * product.c: catalog reads. The SQL lives in the statement table below;
 * filters are optional parameters (NULL: not applied) so the text never
 * changes with input. Tenancy: each query filters by current_store_id(),
 * which row-level security enforces as well.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "db.h"
#include "jw.h"
#include "log.h"
#include "product.h"
#include "store.h"
#include "str.h"

const char *const product_sort_names[] = {
	"newest",	/* PSORT_NEWEST */
	"price_asc",	/* PSORT_PRICE_ASC */
	"price_desc",	/* PSORT_PRICE_DESC */
	"name",		/* PSORT_NAME */
	"relevance",	/* PSORT_RELEVANCE */
	NULL
};

enum stmt {
	STMT_PLAIN_NEWEST,
	STMT_PLAIN_PRICE_ASC,
	STMT_PLAIN_PRICE_DESC,
	STMT_PLAIN_NAME,
	STMT_LIST_NEWEST,
	STMT_LIST_PRICE_ASC,
	STMT_LIST_PRICE_DESC,
	STMT_LIST_NAME,
	STMT_SEARCH_NEWEST,
	STMT_SEARCH_PRICE_ASC,
	STMT_SEARCH_PRICE_DESC,
	STMT_SEARCH_NAME,
	STMT_SEARCH_RELEVANCE,
	STMT_PLAIN_COUNT,
	STMT_LIST_COUNT,
	STMT_SEARCH_COUNT,
	STMT_GET_BY_ID,
	STMT_GET_BY_SLUG,
	STMT__MAX
};

/* The three shapes of a listing, each with statements of its own. */
enum list_kind {
	LIST_PLAIN,	/* no filter: the common page of a shop */
	LIST_FILTERED,	/* category, featured or price */
	LIST_SEARCH,	/* full-text search, with any filter */
	LIST__MAX
};

#define PRODUCT_COLUMNS \
	"SELECT p.id, p.category_id, p.name, p.slug, p.description," \
	" p.price_minor, p.currency, p.images, p.featured," \
	" p.is_active, p.max_downloads, p.download_expiry_hours, p.file_name," \
	" p.file_size, p.file_type," \
	" to_char(p.created_at AT TIME ZONE 'UTC'," \
	"  'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS created_at," \
	" to_char(p.updated_at AT TIME ZONE 'UTC'," \
	"  'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS updated_at," \
	" " STORE_EXPONENT " AS exponent"

/*
 * The decimals of the store's currency, which is every one of its
 * products' (a trigger keeps them equal): computed once per statement.
 */
#define STORE_EXPONENT \
	"(SELECT x.exponent FROM stores s JOIN currencies x" \
	" ON x.code = s.currency WHERE s.id = current_store_id())"

/*
 * Parameters of every listing: $1 category id, $2 category slug, $3
 * featured only, $4 min price, $5 max price (major units), $6 limit, $7
 * offset, $8 search text; NULL leaves a filter out.
 *
 * The statements are prepared once and run with generic plans, so each
 * shape is written to plan well without knowing its parameters: a plain
 * listing counts from the store's partial index alone; the search text is
 * turned into a tsquery once per statement (a sub-select, not per row), so
 * the full-text index can be used. The filter is written once for any
 * table alias.
 */
#define PRODUCT_FILTER(p) \
	" FROM products " p \
	" WHERE " p ".store_id = current_store_id() AND " p ".is_active" \
	" AND (($1::uuid IS NULL AND $2::text IS NULL) OR " p ".category_id IN (" \
	"  WITH RECURSIVE cat(id) AS (" \
	"   SELECT c.id FROM categories c WHERE c.store_id = current_store_id()" \
	"    AND (c.id = $1::uuid OR c.slug = $2::text)" \
	"   UNION SELECT c.id FROM categories c JOIN cat ON c.parent_id = cat.id" \
	"    WHERE c.store_id = current_store_id())" \
	"  SELECT id FROM cat))" \
	" AND (NOT $3::bool OR " p ".featured)" \
	" AND ($4::numeric IS NULL OR " p ".price_minor >=" \
	"  (SELECT ceil($4::numeric * power(10::numeric, " STORE_EXPONENT "))))" \
	" AND ($5::numeric IS NULL OR " p ".price_minor <=" \
	"  (SELECT floor($5::numeric * power(10::numeric, " STORE_EXPONENT "))))"
#define TSQUERY	"(SELECT websearch_to_tsquery('english', $8::text))"
#define PRODUCT_SEARCH(p) \
	" AND " p ".search_vector @@ " TSQUERY
#define PRODUCT_NO_SEARCH(p) \
	" AND $8::text IS NULL"
#define PRODUCT_NO_FILTER \
	" AND $1::uuid IS NULL AND $2::text IS NULL AND NOT $3::bool" \
	" AND $4::numeric IS NULL AND $5::numeric IS NULL AND $8::text IS NULL"
#define PLAIN_COUNT \
	"(SELECT count(*) FROM products q WHERE q.store_id = current_store_id()" \
	" AND q.is_active)"

/*
 * A page of full rows; the total comes from a count over the same filter,
 * run once (an init plan), so no row is carried wider than it must be.
 */
#define PRODUCT_PAGE(search, order) \
	PRODUCT_COLUMNS ", (SELECT count(*)" PRODUCT_FILTER("q") \
	search("q") ") AS total" PRODUCT_FILTER("p") search("p") \
	" ORDER BY " order " LIMIT $6::bigint OFFSET $7::bigint"
/*
 * A search page: few rows match, so they are found once and counted as
 * they go (a window count) instead of being tested again for the total.
 */
#define SEARCH_PAGE(order) \
	PRODUCT_COLUMNS ", count(*) OVER () AS total" PRODUCT_FILTER("p") \
	PRODUCT_SEARCH("p") " ORDER BY " order \
	" LIMIT $6::bigint OFFSET $7::bigint"
#define PLAIN_PAGE(order) \
	PRODUCT_COLUMNS ", " PLAIN_COUNT " AS total" \
	" FROM products p WHERE p.store_id = current_store_id() AND p.is_active" \
	PRODUCT_NO_FILTER " ORDER BY " order " LIMIT $6::bigint OFFSET $7::bigint"

#define ORDER_NEWEST	"p.created_at DESC, p.id DESC"
#define ORDER_PRICE_ASC	"p.price_minor, p.id"
#define ORDER_PRICE_DESC "p.price_minor DESC, p.id"
#define ORDER_NAME	"p.name, p.id"
#define ORDER_RELEVANCE	"ts_rank_cd(p.search_vector, " TSQUERY ") DESC," \
	" p.created_at DESC, p.id"

static const char *const stmts[STMT__MAX] = {
	PLAIN_PAGE(ORDER_NEWEST),			/* STMT_PLAIN_NEWEST */
	PLAIN_PAGE(ORDER_PRICE_ASC),			/* STMT_PLAIN_PRICE_ASC */
	PLAIN_PAGE(ORDER_PRICE_DESC),			/* STMT_PLAIN_PRICE_DESC */
	PLAIN_PAGE(ORDER_NAME),				/* STMT_PLAIN_NAME */
	PRODUCT_PAGE(PRODUCT_NO_SEARCH, ORDER_NEWEST),	/* STMT_LIST_NEWEST */
	PRODUCT_PAGE(PRODUCT_NO_SEARCH, ORDER_PRICE_ASC), /* STMT_LIST_PRICE_ASC */
	PRODUCT_PAGE(PRODUCT_NO_SEARCH, ORDER_PRICE_DESC), /* STMT_LIST_PRICE_DESC */
	PRODUCT_PAGE(PRODUCT_NO_SEARCH, ORDER_NAME),	/* STMT_LIST_NAME */
	SEARCH_PAGE(ORDER_NEWEST),	/* STMT_SEARCH_NEWEST */
	SEARCH_PAGE(ORDER_PRICE_ASC),	/* STMT_SEARCH_PRICE_ASC */
	SEARCH_PAGE(ORDER_PRICE_DESC),	/* STMT_SEARCH_PRICE_DESC */
	SEARCH_PAGE(ORDER_NAME),	/* STMT_SEARCH_NAME */
	SEARCH_PAGE(ORDER_RELEVANCE),	/* STMT_SEARCH_RELEVANCE */
	"SELECT " PLAIN_COUNT " AS total WHERE TRUE" PRODUCT_NO_FILTER
	" AND $6::bigint IS NOT NULL AND $7::bigint IS NOT NULL",
							/* STMT_PLAIN_COUNT */
	"SELECT count(*) AS total" PRODUCT_FILTER("p") PRODUCT_NO_SEARCH("p")
	" AND $6::bigint IS NOT NULL AND $7::bigint IS NOT NULL",
							/* STMT_LIST_COUNT */
	"SELECT count(*) AS total" PRODUCT_FILTER("p") PRODUCT_SEARCH("p")
	" AND $6::bigint IS NOT NULL AND $7::bigint IS NOT NULL",
							/* STMT_SEARCH_COUNT */
	PRODUCT_COLUMNS " FROM products p WHERE p.store_id = current_store_id()"
	" AND p.is_active AND p.id = $1::uuid",		/* STMT_GET_BY_ID */
	PRODUCT_COLUMNS " FROM products p WHERE p.store_id = current_store_id()"
	" AND p.is_active AND p.slug = $1",		/* STMT_GET_BY_SLUG */
};

/* The listing statement for each sort and shape (STMT__MAX: none). */
static const enum stmt list_stmts[PSORT__MAX][LIST__MAX] = {
	{ STMT_PLAIN_NEWEST, STMT_LIST_NEWEST, STMT_SEARCH_NEWEST },
							/* PSORT_NEWEST */
	{ STMT_PLAIN_PRICE_ASC, STMT_LIST_PRICE_ASC, STMT_SEARCH_PRICE_ASC },
							/* PSORT_PRICE_ASC */
	{ STMT_PLAIN_PRICE_DESC, STMT_LIST_PRICE_DESC, STMT_SEARCH_PRICE_DESC },
							/* PSORT_PRICE_DESC */
	{ STMT_PLAIN_NAME, STMT_LIST_NAME, STMT_SEARCH_NAME },
							/* PSORT_NAME */
	{ STMT__MAX, STMT__MAX, STMT_SEARCH_RELEVANCE },	/* PSORT_RELEVANCE */
};

/* The count statement of each shape, for pages past the end. */
static const enum stmt count_stmts[LIST__MAX] = {
	STMT_PLAIN_COUNT,	/* LIST_PLAIN */
	STMT_LIST_COUNT,	/* LIST_FILTERED */
	STMT_SEARCH_COUNT,	/* LIST_SEARCH */
};

/* The columns of PRODUCT_COLUMNS, resolved once per result. */
enum pcol {
	PC_ID, PC_CATEGORY_ID, PC_NAME, PC_SLUG, PC_DESCRIPTION,
	PC_PRICE_MINOR, PC_CURRENCY, PC_EXPONENT, PC_IMAGES, PC_FEATURED,
	PC_IS_ACTIVE, PC_MAX_DOWNLOADS, PC_DOWNLOAD_EXPIRY_HOURS, PC_FILE_NAME,
	PC_FILE_SIZE, PC_FILE_TYPE, PC_CREATED_AT, PC_UPDATED_AT,
	PC__MAX
};

static const char *const pcol_names[PC__MAX] = {
	"id", "category_id", "name", "slug", "description",
	"price_minor", "currency", "exponent", "images", "featured",
	"is_active", "max_downloads", "download_expiry_hours", "file_name",
	"file_size", "file_type", "created_at", "updated_at",
};

static int64_t
col_i64(struct pg_result *res, int row, int c)
{
	const char	*errstr;
	int64_t		 v;

	if (db_isnull(res, row, c))
		return 0;
	v = str_to_i64(db_val(res, row, c), INT64_MIN, INT64_MAX, &errstr);
	if (errstr != NULL)
		fatalx("column %d %s", c, errstr);
	return v;
}

static const char *
col_str(struct pg_result *res, int row, int c)
{
	return db_isnull(res, row, c) ? NULL : db_val(res, row, c);
}

static void
product_cols(struct pg_result *res, int cols[PC__MAX])
{
	int	 i;

	for (i = 0; i < PC__MAX; i++)
		cols[i] = db_col(res, pcol_names[i]);
}

static void
product_from_row(struct pg_result *res, int row, const int c[PC__MAX],
    struct product *p)
{
	p->id = col_str(res, row, c[PC_ID]);
	p->category_id = col_str(res, row, c[PC_CATEGORY_ID]);
	p->name = col_str(res, row, c[PC_NAME]);
	p->slug = col_str(res, row, c[PC_SLUG]);
	p->description = col_str(res, row, c[PC_DESCRIPTION]);
	p->price_minor = col_i64(res, row, c[PC_PRICE_MINOR]);
	p->currency = col_str(res, row, c[PC_CURRENCY]);
	p->exponent = (int)col_i64(res, row, c[PC_EXPONENT]);
	p->images = col_str(res, row, c[PC_IMAGES]);
	p->featured = db_val(res, row, c[PC_FEATURED])[0] == 't';
	p->is_active = db_val(res, row, c[PC_IS_ACTIVE])[0] == 't';
	p->max_downloads = col_i64(res, row, c[PC_MAX_DOWNLOADS]);
	p->download_expiry_hours = col_i64(res, row,
	    c[PC_DOWNLOAD_EXPIRY_HOURS]);
	p->file_name = col_str(res, row, c[PC_FILE_NAME]);
	p->file_size = col_i64(res, row, c[PC_FILE_SIZE]);
	p->file_type = col_str(res, row, c[PC_FILE_TYPE]);
	p->created_at = col_str(res, row, c[PC_CREATED_AT]);
	p->updated_at = col_str(res, row, c[PC_UPDATED_AT]);
}

/*
 * List the active products of store (id or slug) matching q, in one round
 * trip with the store lookup. Fills *st, the items (in the arena) and the
 * total number of matches. Returns ERR_OK, ERR_NOT_FOUND (no such store:
 * st->id is NULL) or a database error.
 */
enum err
product_list(struct db *db, struct arena *a, const char *store,
    bool store_is_uuid, const struct product_query *q, struct store *st,
    struct product **items, size_t *n, int64_t *total)
{
	struct pg_result	*res, *cres;
	const char		*params[8];
	enum err		 rc;
	int			 i, rows;
	enum list_kind		 kind;
	int			 cols[PC__MAX];

	*items = NULL;
	*n = 0;
	*total = 0;
	params[0] = q->category != NULL && q->category_is_uuid ? q->category : NULL;
	params[1] = q->category != NULL && !q->category_is_uuid ? q->category : NULL;
	params[2] = q->featured_only ? "true" : "false";
	params[3] = q->min_price;
	params[4] = q->max_price;
	params[5] = arena_printf(a, "%lld", (long long)q->limit);
	params[6] = arena_printf(a, "%lld", (long long)q->offset);
	params[7] = q->q;
	if (q->q != NULL)
		kind = LIST_SEARCH;
	else if (q->category != NULL || q->featured_only ||
	    q->min_price != NULL || q->max_price != NULL)
		kind = LIST_FILTERED;
	else
		kind = LIST_PLAIN;
	if (q->sort >= PSORT__MAX || list_stmts[q->sort][kind] == STMT__MAX)
		fatalx("sort %d without a search", q->sort);

	rc = store_read(db, a, store, store_is_uuid,
	    stmts[list_stmts[q->sort][kind]], 8, params, st, &res);
	if (rc != ERR_OK)
		return rc;
	rows = db_ntuples(res);
	if (rows > 0)
		*total = col_i64(res, 0, db_col(res, "total"));
	else if (q->offset > 0) {
		/* Past the end: the page carried no count, ask for it. */
		rc = store_read(db, a, store, store_is_uuid,
		    stmts[count_stmts[kind]], 8, params, st, &cres);
		if (rc != ERR_OK)
			return rc;
		*total = col_i64(cres, 0, db_col(cres, "total"));
	}
	*items = arena_calloc(a, (size_t)rows + 1, sizeof(**items));
	if (rows > 0)
		product_cols(res, cols);
	for (i = 0; i < rows; i++)
		product_from_row(res, i, cols, &(*items)[i]);
	*n = (size_t)rows;
	return ERR_OK;
}

/*
 * One active product of store by id or slug. Returns ERR_OK,
 * ERR_NOT_FOUND (st->id NULL when the store itself is unknown) or a
 * database error.
 */
enum err
product_get(struct db *db, struct arena *a, const char *store,
    bool store_is_uuid, const char *ident, bool is_uuid, struct store *st,
    struct product *p)
{
	struct pg_result	*res;
	const char		*params[1];
	enum err		 rc;
	int			 cols[PC__MAX];

	memset(p, 0, sizeof(*p));
	params[0] = ident;
	rc = store_read(db, a, store, store_is_uuid,
	    stmts[is_uuid ? STMT_GET_BY_ID : STMT_GET_BY_SLUG], 1, params, st,
	    &res);
	if (rc != ERR_OK)
		return rc;
	if (db_ntuples(res) == 0)
		return ERR_NOT_FOUND;
	product_cols(res, cols);
	product_from_row(res, 0, cols, p);
	return ERR_OK;
}

/*
 * A product as the API shows it (camelCase, price in major units).
 */
void
product_write_json(struct jw *w, const char *key, const struct product *p)
{
	jw_obj_open(w, key);
	jw_str(w, "id", p->id);
	jw_str(w, "categoryId", p->category_id);
	jw_str(w, "name", p->name);
	jw_str(w, "slug", p->slug);
	jw_str(w, "description", p->description);
	jw_money(w, "price", p->price_minor, p->exponent);
	jw_str(w, "currency", p->currency);
	jw_raw(w, "images", p->images);
	jw_bool(w, "featured", p->featured);
	jw_bool(w, "isActive", p->is_active);
	jw_int(w, "maxDownloads", p->max_downloads);
	jw_int(w, "downloadExpiryHours", p->download_expiry_hours);
	if (p->file_name != NULL) {
		jw_obj_open(w, "file");
		jw_str(w, "name", p->file_name);
		jw_int(w, "size", p->file_size);
		jw_str(w, "contentType", p->file_type);
		jw_obj_close(w);
	} else
		jw_null(w, "file");
	jw_str(w, "createdAt", p->created_at);
	jw_str(w, "updatedAt", p->updated_at);
	jw_obj_close(w);
}
