/*
 * admin_catalog.c: the admin API's catalog: every product of the store
 * (inactive ones too) and its categories, listed, read, created, changed
 * and deleted. Each request is one store-scoped transaction in one round
 * trip; the audit triggers log every change inside it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <json.h>

#include "admin.h"
#include "arena.h"
#include "conf.h"
#include "db.h"
#include "jw.h"
#include "log.h"
#include "product.h"
#include "req.h"
#include "str.h"
#include "valid.h"

#define NAME_MAX_CHARS		255
#define DESCRIPTION_MAX		5000
#define SLUG_MAX		128	/* the schema's slug CHECK */
#define SLUG_BASE_MAX		100	/* a generated slug, before "-<suffix>" */
#define SEARCH_MAX		200
#define OFFSET_MAX		10000000
#define POSITION_LIMIT		1000000
#define PRICE_MAX_CENTS		INT64_C(99999999)	/* 999999.99 */
#define PRICE_TEXT_MAX		INT64_C(999999999999999)
#define DOWNLOADS_DEFAULT	5
#define EXPIRY_DEFAULT		72
#define LIST_LIMIT_DEFAULT	20
#define SLUG_TRIES		3	/* a generated slug lost a race: pick again */

#define SQLSTATE_UNIQUE		"23505"
#define SQLSTATE_FOREIGN_KEY	"23503"
#define SQLSTATE_CHECK		"23514"

#define NO_SUCH_PRODUCT		"No such product."
#define NO_SUCH_CATEGORY	"No such category."
#define BAD_CATEGORY		"must be the id of a category of this store"

struct catalog_category {
	const char	*id;
	const char	*parent_id;	/* NULL: top level */
	const char	*name;
	const char	*slug;
	const char	*description;	/* NULL: none */
	int64_t		 position;
	int64_t		 product_count;
	const char	*created_at;
	const char	*updated_at;
};

static int	 catalog_query(struct req *, const struct field *, size_t,
		    struct form *);
static int	 catalog_patch_body(struct req *, const struct field *, size_t,
		    struct form *, bool *);
static size_t	 catalog_patch_count(struct form *, const struct field *,
		    size_t, const bool *, const bool *);
static int	 catalog_price(struct arena *, const struct principal *,
		    const char *, int64_t *, const char **);
static const char *catalog_slugify(struct arena *, const char *,
		    const char *);
static const char *catalog_i64(struct arena *, int64_t);
static bool	 catalog_sqlstate(const struct req *, const char *);
static bool	 catalog_bool(const struct pg_result *, int, const char *);
static int64_t	 catalog_int(const struct pg_result *, int, int);
static const char *catalog_str(const struct pg_result *, int, int);
static void	 catalog_product_cols(const struct pg_result *, int *);
static void	 catalog_product_row(const struct pg_result *, int,
		    const int *, const struct principal *, struct product *);
static void	 catalog_category_cols(const struct pg_result *, int *);
static void	 catalog_category_row(const struct pg_result *, int,
		    const int *, struct catalog_category *);
static void	 catalog_category_json(struct jw *,
		    const struct catalog_category *);
static void	 catalog_product_answer(struct req *, const struct principal *,
		    const struct pg_result *, int);
static void	 catalog_category_answer(struct req *,
		    const struct pg_result *, int);
static void	 catalog_deleted(struct req *, const char *, const char *,
		    const char *, int64_t, const char *, int64_t);

/* Timestamps as the API shows them: ISO 8601 in UTC with milliseconds. */
#define TS(c) \
	"to_char(" c " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

#define PRODUCT_COLS \
	" p.id, p.category_id, p.name, p.slug, p.description, p.price_minor," \
	" p.currency, p.images, p.featured, p.is_active, p.max_downloads," \
	" p.download_expiry_hours, p.file_name, p.file_size, p.file_type," \
	" " TS("p.created_at") " AS created_at," \
	" " TS("p.updated_at") " AS updated_at"

/*
 * Listing filters, NULL leaving one out: $1 search text (a case-insensitive
 * substring of the name; strpos, so % and _ are plain characters), $2
 * isActive, $3 category id (products directly in it).
 */
#define PRODUCT_FILTER \
	" FROM products p WHERE p.store_id = current_store_id()" \
	" AND ($1::text IS NULL OR strpos(lower(p.name), lower($1::text)) > 0)" \
	" AND ($2::bool IS NULL OR p.is_active = $2::bool)" \
	" AND ($3::uuid IS NULL OR p.category_id = $3::uuid)"
#define PRODUCT_PAGE(order) \
	"SELECT" PRODUCT_COLS PRODUCT_FILTER " ORDER BY " order \
	" LIMIT $4::bigint OFFSET $5::bigint"

/* A category $n of this store, or none asked for. */
#define CATEGORY_OK(n) \
	"(" n "::uuid IS NULL OR EXISTS (SELECT 1 FROM categories k" \
	" WHERE k.store_id = current_store_id() AND k.id = " n "::uuid))"

/*
 * The slug to store in table: $base as given, or when $gen (generated
 * from the name) the first of base, base-2 ... base-20 free in this store,
 * else base with a random suffix. A concurrent insert taking the same one
 * fails on the unique index; the handler then picks again.
 */
#define SLUG_PICK(table, base, gen) \
	"CASE WHEN NOT " gen "::bool THEN " base "::text ELSE coalesce((" \
	"SELECT x.s FROM (SELECT " base "::text AS s, 1 AS n UNION ALL" \
	" SELECT " base "::text || '-' || g, g FROM generate_series(2, 20) g) x" \
	" WHERE NOT EXISTS (SELECT 1 FROM " table " t" \
	"  WHERE t.store_id = current_store_id() AND t.slug = x.s)" \
	" ORDER BY x.n LIMIT 1), " base "::text || '-' ||" \
	" substr(md5(gen_random_uuid()::text), 1, 8)) END"

#define CATEGORY_COLS \
	" c.id, c.parent_id, c.name, c.slug, c.description, c.position," \
	" " TS("c.created_at") " AS created_at," \
	" " TS("c.updated_at") " AS updated_at"
#define CATEGORY_COUNT \
	" (SELECT count(*) FROM products n WHERE n.store_id = current_store_id()" \
	" AND n.category_id = c.id) AS product_count"

enum stmt {
	STMT_PRODUCT_COUNT,
	STMT_PRODUCT_PAGE_NEWEST,
	STMT_PRODUCT_PAGE_NAME,
	STMT_PRODUCT_PAGE_PRICE_ASC,
	STMT_PRODUCT_PAGE_PRICE_DESC,
	STMT_PRODUCT_GET,
	STMT_PRODUCT_INSERT,
	STMT_PRODUCT_FOUND,
	STMT_PRODUCT_UPDATE,
	STMT_PRODUCT_DEACTIVATE,
	STMT_PRODUCT_DELETE,
	STMT_CATEGORY_LIST,
	STMT_CATEGORY_GET,
	STMT_CATEGORY_INSERT,
	STMT_CATEGORY_FOUND,
	STMT_CATEGORY_UPDATE,
	STMT_CATEGORY_LIFT_CHILDREN,
	STMT_CATEGORY_UNLINK_PRODUCTS,
	STMT_CATEGORY_DELETE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	"SELECT count(*) AS total" PRODUCT_FILTER,	/* STMT_PRODUCT_COUNT */
	PRODUCT_PAGE("p.created_at DESC, p.id DESC"),
						/* STMT_PRODUCT_PAGE_NEWEST */
	PRODUCT_PAGE("p.name, p.id"),		/* STMT_PRODUCT_PAGE_NAME */
	PRODUCT_PAGE("p.price_minor, p.id"),	/* STMT_PRODUCT_PAGE_PRICE_ASC */
	PRODUCT_PAGE("p.price_minor DESC, p.id"),
						/* STMT_PRODUCT_PAGE_PRICE_DESC */
	"SELECT" PRODUCT_COLS " FROM products p"
	" WHERE p.store_id = current_store_id() AND p.id = $1::uuid",
						/* STMT_PRODUCT_GET */
	/* $1 category, $2 name, $3 slug, $4 slug generated, $5 description,
	 * $6 price (minor units), $7 featured, $8 active, $9 downloads,
	 * $10 expiry hours. No row: the category is not this store's. */
	"INSERT INTO products AS p (store_id, category_id, name, slug,"
	" description, price_minor, featured, is_active, max_downloads,"
	" download_expiry_hours)"
	" SELECT current_store_id(), $1::uuid, $2::text, "
	SLUG_PICK("products", "$3", "$4") ", $5::text, $6::bigint, $7::bool,"
	" $8::bool, $9::integer, $10::integer"
	" WHERE " CATEGORY_OK("$1")
	" RETURNING" PRODUCT_COLS,		/* STMT_PRODUCT_INSERT */
	"SELECT EXISTS (SELECT 1 FROM products p"
	" WHERE p.store_id = current_store_id() AND p.id = $1::uuid) AS found",
						/* STMT_PRODUCT_FOUND */
	/* $1 id; NULL leaves a column as it is: $2 name, $3 slug,
	 * $4 description, $5 price, $6 whether to set the category, $7 it,
	 * $8 featured, $9 active, $10 downloads, $11 expiry hours. */
	"UPDATE products AS p SET name = coalesce($2::text, p.name),"
	" slug = coalesce($3::text, p.slug),"
	" description = coalesce($4::text, p.description),"
	" price_minor = coalesce($5::bigint, p.price_minor),"
	" category_id = CASE WHEN $6::bool THEN $7::uuid ELSE p.category_id END,"
	" featured = coalesce($8::bool, p.featured),"
	" is_active = coalesce($9::bool, p.is_active),"
	" max_downloads = coalesce($10::integer, p.max_downloads),"
	" download_expiry_hours = coalesce($11::integer,"
	"  p.download_expiry_hours)"
	" WHERE p.store_id = current_store_id() AND p.id = $1::uuid"
	" AND " CATEGORY_OK("$7")
	" RETURNING" PRODUCT_COLS,		/* STMT_PRODUCT_UPDATE */
	"UPDATE products AS p SET is_active = false"
	" WHERE p.store_id = current_store_id() AND p.id = $1::uuid"
	" RETURNING p.id",			/* STMT_PRODUCT_DEACTIVATE */
	/* The check and the delete in one statement; no row: not found or
	 * sold (STMT_PRODUCT_FOUND, before it, tells which). */
	"DELETE FROM products AS p"
	" WHERE p.store_id = current_store_id() AND p.id = $1::uuid"
	" AND NOT EXISTS (SELECT 1 FROM order_items i"
	"  WHERE i.store_id = current_store_id() AND i.product_id = p.id)"
	" RETURNING p.id",			/* STMT_PRODUCT_DELETE */
	"SELECT" CATEGORY_COLS ", coalesce(n.cnt, 0) AS product_count"
	" FROM categories c LEFT JOIN (SELECT category_id, count(*) AS cnt"
	"  FROM products WHERE store_id = current_store_id()"
	"  AND category_id IS NOT NULL GROUP BY category_id) n"
	"  ON n.category_id = c.id"
	" WHERE c.store_id = current_store_id()"
	" ORDER BY c.position, c.name, c.id",	/* STMT_CATEGORY_LIST */
	"SELECT" CATEGORY_COLS "," CATEGORY_COUNT " FROM categories c"
	" WHERE c.store_id = current_store_id() AND c.id = $1::uuid",
						/* STMT_CATEGORY_GET */
	/* $1 parent, $2 name, $3 slug, $4 slug generated, $5 description,
	 * $6 position. No row: the parent is not this store's. */
	"INSERT INTO categories AS c (store_id, parent_id, name, slug,"
	" description, position)"
	" SELECT current_store_id(), $1::uuid, $2::text, "
	SLUG_PICK("categories", "$3", "$4") ", $5::text, $6::integer"
	" WHERE " CATEGORY_OK("$1")
	" RETURNING" CATEGORY_COLS "," CATEGORY_COUNT,
						/* STMT_CATEGORY_INSERT */
	"SELECT EXISTS (SELECT 1 FROM categories c"
	" WHERE c.store_id = current_store_id() AND c.id = $1::uuid) AS found",
						/* STMT_CATEGORY_FOUND */
	/* $1 id; NULL leaves a column as it is: $2 name, $3 slug, $4 whether
	 * to set the description, $5 it, $6 whether to set the parent, $7 it,
	 * $8 position. A cycle raises check_violation (the tree's trigger). */
	"UPDATE categories AS c SET name = coalesce($2::text, c.name),"
	" slug = coalesce($3::text, c.slug),"
	" description = CASE WHEN $4::bool THEN $5::text ELSE c.description END,"
	" parent_id = CASE WHEN $6::bool THEN $7::uuid ELSE c.parent_id END,"
	" position = coalesce($8::integer, c.position)"
	" WHERE c.store_id = current_store_id() AND c.id = $1::uuid"
	" AND " CATEGORY_OK("$7")
	" RETURNING" CATEGORY_COLS "," CATEGORY_COUNT,
						/* STMT_CATEGORY_UPDATE */
	/* Before a delete: its subcategories move up to its own parent. */
	"UPDATE categories AS c SET parent_id = (SELECT d.parent_id"
	"  FROM categories d WHERE d.store_id = current_store_id()"
	"  AND d.id = $1::uuid)"
	" WHERE c.store_id = current_store_id() AND c.parent_id = $1::uuid"
	" RETURNING c.id",			/* STMT_CATEGORY_LIFT_CHILDREN */
	"UPDATE products AS p SET category_id = NULL"
	" WHERE p.store_id = current_store_id() AND p.category_id = $1::uuid"
	" RETURNING p.id",			/* STMT_CATEGORY_UNLINK_PRODUCTS */
	"DELETE FROM categories AS c"
	" WHERE c.store_id = current_store_id() AND c.id = $1::uuid"
	" RETURNING c.id",			/* STMT_CATEGORY_DELETE */
};

/* Columns of PRODUCT_COLS, resolved once per result. */
enum pcol {
	PC_ID, PC_CATEGORY_ID, PC_NAME, PC_SLUG, PC_DESCRIPTION,
	PC_PRICE_MINOR, PC_CURRENCY, PC_IMAGES, PC_FEATURED, PC_IS_ACTIVE,
	PC_MAX_DOWNLOADS, PC_DOWNLOAD_EXPIRY_HOURS, PC_FILE_NAME, PC_FILE_SIZE,
	PC_FILE_TYPE, PC_CREATED_AT, PC_UPDATED_AT,
	PC__MAX
};

static const char *const pcol_names[PC__MAX] = {
	"id", "category_id", "name", "slug", "description",
	"price_minor", "currency", "images", "featured", "is_active",
	"max_downloads", "download_expiry_hours", "file_name", "file_size",
	"file_type", "created_at", "updated_at",
};

/* Columns of CATEGORY_COLS and the product count. */
enum ccol {
	CC_ID, CC_PARENT_ID, CC_NAME, CC_SLUG, CC_DESCRIPTION, CC_POSITION,
	CC_PRODUCT_COUNT, CC_CREATED_AT, CC_UPDATED_AT,
	CC__MAX
};

static const char *const ccol_names[CC__MAX] = {
	"id", "parent_id", "name", "slug", "description", "position",
	"product_count", "created_at", "updated_at",
};

/* GET /api/v1/admin/products */
enum list_field {
	LF_LIMIT,
	LF_OFFSET,
	LF_Q,
	LF_IS_ACTIVE,
	LF_CATEGORY_ID,
	LF_SORT,
	LF__MAX
};

enum list_sort {
	LS_NEWEST,
	LS_NAME,
	LS_PRICE_ASC,
	LS_PRICE_DESC,
	LS__MAX
};

static const char *const list_sort_names[LS__MAX + 1] = {
	"newest",	/* LS_NEWEST */
	"name",		/* LS_NAME */
	"price_asc",	/* LS_PRICE_ASC */
	"price_desc",	/* LS_PRICE_DESC */
	NULL
};

static const enum stmt list_stmts[LS__MAX] = {
	STMT_PRODUCT_PAGE_NEWEST,	/* LS_NEWEST */
	STMT_PRODUCT_PAGE_NAME,		/* LS_NAME */
	STMT_PRODUCT_PAGE_PRICE_ASC,	/* LS_PRICE_ASC */
	STMT_PRODUCT_PAGE_PRICE_DESC,	/* LS_PRICE_DESC */
};

static const struct field list_fields[LF__MAX] = {
	{ "limit", FIELD_INT, false, 1, 100, NULL },		/* LF_LIMIT */
	{ "offset", FIELD_INT, false, 0, OFFSET_MAX, NULL },	/* LF_OFFSET */
	{ "q", FIELD_TEXT, false, 1, SEARCH_MAX, NULL },	/* LF_Q */
	{ "isActive", FIELD_BOOL, false, 0, 0, NULL },		/* LF_IS_ACTIVE */
	{ "categoryId", FIELD_UUID, false, 0, 0, NULL },	/* LF_CATEGORY_ID */
	{ "sort", FIELD_ENUM, false, 0, 0, list_sort_names },	/* LF_SORT */
};

/* DELETE /api/v1/admin/products/{product} */
enum delete_field {
	DF_HARD,
	DF__MAX
};

static const struct field delete_fields[DF__MAX] = {
	{ "hard", FIELD_BOOL, false, 0, 0, NULL },		/* DF_HARD */
};

/*
 * Product bodies. The price is taken as a decimal number here (its text
 * kept exact) and checked against the store currency's decimals after.
 */
enum product_field {
	PF_NAME,
	PF_PRICE,
	PF_DESCRIPTION,
	PF_CATEGORY_ID,
	PF_SLUG,
	PF_FEATURED,
	PF_IS_ACTIVE,
	PF_MAX_DOWNLOADS,
	PF_DOWNLOAD_EXPIRY_HOURS,
	PF__MAX
};

#define PRODUCT_FIELDS(req) { \
	{ "name", FIELD_TEXT, (req), 1, NAME_MAX_CHARS, NULL }, \
	{ "price", FIELD_DECIMAL, (req), 0, PRICE_TEXT_MAX, NULL }, \
	{ "description", FIELD_TEXT, false, 0, DESCRIPTION_MAX, NULL }, \
	{ "categoryId", FIELD_UUID, false, 0, 0, NULL }, \
	{ "slug", FIELD_SLUG, false, 0, SLUG_MAX, NULL }, \
	{ "featured", FIELD_BOOL, false, 0, 0, NULL }, \
	{ "isActive", FIELD_BOOL, false, 0, 0, NULL }, \
	{ "maxDownloads", FIELD_INT, false, 1, 1000, NULL }, \
	{ "downloadExpiryHours", FIELD_INT, false, 1, 87600, NULL }, \
}

static const struct field product_create_fields[PF__MAX] =
    PRODUCT_FIELDS(true);
static const struct field product_update_fields[PF__MAX] =
    PRODUCT_FIELDS(false);

/* Fields a PATCH may set to null: categoryId (none) and description (""). */
static const bool product_nullable[PF__MAX] = {
	false,	/* PF_NAME */
	false,	/* PF_PRICE */
	true,	/* PF_DESCRIPTION */
	true,	/* PF_CATEGORY_ID */
	false,	/* PF_SLUG */
	false,	/* PF_FEATURED */
	false,	/* PF_IS_ACTIVE */
	false,	/* PF_MAX_DOWNLOADS */
	false,	/* PF_DOWNLOAD_EXPIRY_HOURS */
};

/* Category bodies. */
enum category_field {
	CF_NAME,
	CF_SLUG,
	CF_DESCRIPTION,
	CF_PARENT_ID,
	CF_POSITION,
	CF__MAX
};

#define CATEGORY_FIELDS(req) { \
	{ "name", FIELD_TEXT, (req), 1, NAME_MAX_CHARS, NULL }, \
	{ "slug", FIELD_SLUG, false, 0, SLUG_MAX, NULL }, \
	{ "description", FIELD_TEXT, false, 0, DESCRIPTION_MAX, NULL }, \
	{ "parentId", FIELD_UUID, false, 0, 0, NULL }, \
	{ "position", FIELD_INT, false, -POSITION_LIMIT, POSITION_LIMIT, NULL }, \
}

static const struct field category_create_fields[CF__MAX] =
    CATEGORY_FIELDS(true);
static const struct field category_update_fields[CF__MAX] =
    CATEGORY_FIELDS(false);

/* Fields a PATCH may set to null: parentId (top level), description. */
static const bool category_nullable[CF__MAX] = {
	false,	/* CF_NAME */
	false,	/* CF_SLUG */
	true,	/* CF_DESCRIPTION */
	true,	/* CF_PARENT_ID */
	false,	/* CF_POSITION */
};

/*
 * Latin-1 letters (U+00C0..U+00FF) spelt in ASCII for slugs; NULL: not a
 * letter (× and ÷).
 */
static const char *const latin1_ascii[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c",	/* U+00C0 */
	"e", "e", "e", "e", "i", "i", "i", "i",		/* U+00C8 */
	"d", "n", "o", "o", "o", "o", "o", NULL,	/* U+00D0 */
	"o", "u", "u", "u", "u", "y", "th", "ss",	/* U+00D8 */
	"a", "a", "a", "a", "a", "a", "ae", "c",	/* U+00E0 */
	"e", "e", "e", "e", "i", "i", "i", "i",		/* U+00E8 */
	"d", "n", "o", "o", "o", "o", "o", NULL,	/* U+00F0 */
	"o", "u", "u", "u", "u", "y", "th", "y",	/* U+00F8 */
};

/*
 * Check the query string against fields: the usual checks, and any
 * parameter not in the table is an error too (a typo in a filter must not
 * silently list everything). Returns 0, or -1 having answered 400.
 */
static int
catalog_query(struct req *r, const struct field *fields, size_t n,
    struct form *f)
{
	const char	*key;
	size_t		 i, j, len;

	if (r->bad_query) {
		req_fail(r, ERR_VALIDATION, "Too many query parameters.");
		return -1;
	}
	valid_query(f, fields, n, r->query, r->nquery);
	for (i = 0; i < r->nquery; i++) {
		key = r->query[i].key;
		for (j = 0; j < n; j++)
			if (strcmp(key, fields[j].name) == 0)
				break;
		if (j < n)
			continue;
		len = strlen(key);
		if (len == 0 || len > 64 || !str_utf8_valid(key, len))
			key = "query";
		valid_error(f, key, "is not a known parameter");
	}
	if (f->nerrs > 0) {
		req_fail_form(r, f);
		return -1;
	}
	return 0;
}

/*
 * Read a PATCH body: as admin_body() does (Content-Type, size cap, the
 * field table), and also which of the fields are given as JSON null, which
 * valid_json() treats as absent: nulls[i] is set for fields[i]. Returns 0
 * with f filled (field errors included: the caller answers them with its
 * own), or -1 having answered 415, 413 or 400 for the body as a whole.
 */
static int
catalog_patch_body(struct req *r, const struct field *fields, size_t n,
    struct form *f, bool *nulls)
{
	struct json_tokener	*tok;
	struct json_object	*root, *v;
	const char		*ct, *body;
	size_t			 len, ctlen, i;
	enum err		 rc;

	for (i = 0; i < n; i++)
		nulls[i] = false;
	/*
	 * admin_body() cannot be used: the body can be read once only, and
	 * its form does not tell null from absent. The answers match
	 * req_json_body()'s.
	 */
	ct = req_header(r, "Content-Type");
	ctlen = ct != NULL ? strcspn(ct, "; \t") : 0;
	if (ct == NULL || ctlen != 16 ||
	    strncasecmp(ct, "application/json", 16) != 0) {
		req_fail(r, ERR_UNSUPPORTED_MEDIA_TYPE,
		    "Send the body as application/json.");
		return -1;
	}
	rc = req_body(r, (size_t)conf_int(CONF_BODY_MAX), &body, &len);
	if (rc == ERR_PAYLOAD_TOO_LARGE) {
		req_fail(r, rc, arena_printf(r->arena, "The body may be at most "
		    "%lld bytes.", (long long)conf_int(CONF_BODY_MAX)));
		return -1;
	}
	if (rc != ERR_OK) {
		req_fail(r, rc, "The body does not match its Content-Length.");
		return -1;
	}
	/*
	 * Field errors are kept in f for the handler to add its own checks
	 * to; a body that is no JSON object is answered now.
	 */
	if (valid_json(f, fields, n, body, len, r->arena) == -1)
		for (i = 0; i < f->nerrs; i++)
			if (strcmp(f->errs[i].field, "body") == 0) {
				req_fail_form(r, f);
				return -1;
			}
	if ((tok = json_tokener_new()) == NULL)
		fatalx("json_tokener_new");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, body, (int)len + 1);
	json_tokener_free(tok);
	if (root == NULL || !json_object_is_type(root, json_type_object))
		fatalx("a body valid_json accepted does not parse");
	for (i = 0; i < n; i++)
		if (json_object_object_get_ex(root, fields[i].name, &v) &&
		    v == NULL)
			nulls[i] = true;
	json_object_put(root);
	return 0;
}

/*
 * Fail the fields of a PATCH given as null that may not be. Returns the
 * number of fields set or cleared (0: nothing to change).
 */
static size_t
catalog_patch_count(struct form *f, const struct field *fields, size_t n,
    const bool *nulls, const bool *nullable)
{
	size_t	 i, count = 0;

	for (i = 0; i < n; i++) {
		if (nulls[i] && !nullable[i])
			valid_error(f, fields[i].name, "must not be null");
		if (f->v[i].set || nulls[i])
			count++;
	}
	return count;
}

/*
 * Parse the price text s (a JSON number as written) exactly into minor
 * units of p's currency: positive, at most 999999.99 major units, with no
 * more decimals than the currency has (trailing zeros aside: 12.990 is
 * 12.99). Returns 0 with *minor, or -1 with *msg (arena or literal).
 */
static int
catalog_price(struct arena *a, const struct principal *p, const char *s,
    int64_t *minor, const char **msg)
{
	char		*t, *dot;
	const char	*e;
	int64_t		 scale = 1, max;
	size_t		 len, ndec;
	int		 i;

	for (i = 0; i < p->exponent; i++)
		scale *= 10;
	max = PRICE_MAX_CENTS * scale / 100;
	t = arena_strdup(a, s);
	if ((dot = strchr(t, '.')) != NULL) {
		len = strlen(t);
		while (len > (size_t)(dot - t) + 1 && t[len - 1] == '0')
			t[--len] = '\0';
		/* Decimals left; "12." of "12.0" becomes "12". */
		if ((ndec = len - (size_t)(dot - t) - 1) == 0)
			*dot = '\0';
		if (ndec > (size_t)p->exponent) {
			*msg = p->exponent == 0 ? arena_printf(a,
			    "must be a whole number in %s", p->currency) :
			    arena_printf(a, "must have at most %d decimal "
			    "places in %s", p->exponent, p->currency);
			return -1;
		}
	}
	if (str_money_parse(t, p->exponent, max, minor, &e) == -1) {
		if (strcmp(e, "is too large") != 0) {
			*msg = e;
			return -1;
		}
		if (p->exponent == 0)
			*msg = arena_printf(a, "must be at most %lld",
			    (long long)max);
		else
			*msg = arena_printf(a, "must be at most %lld.%0*lld",
			    (long long)(max / scale), p->exponent,
			    (long long)(max % scale));
		return -1;
	}
	if (*minor <= 0) {
		*msg = "must be greater than 0";
		return -1;
	}
	return 0;
}

/*
 * A slug made from name: ASCII letters lowercased, Latin-1 letters spelt
 * in ASCII, digits kept, anything else one dash between words, at most
 * SLUG_BASE_MAX characters. fallback when nothing is left (or it would
 * look like a UUID). The result lives in the arena.
 */
static const char *
catalog_slugify(struct arena *a, const char *name, const char *fallback)
{
	const unsigned char	*s = (const unsigned char *)name;
	const char		*add;
	char			*out, one[2];
	size_t			 n = 0, alen;
	bool			 dash = false;

	out = arena_alloc(a, SLUG_BASE_MAX + 1);
	one[1] = '\0';
	for (; *s != '\0'; s++) {
		add = NULL;
		if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')) {
			one[0] = (char)*s;
			add = one;
		} else if (*s >= 'A' && *s <= 'Z') {
			one[0] = (char)(*s - 'A' + 'a');
			add = one;
		} else if (*s == 0xc3 && s[1] >= 0x80 && s[1] <= 0xbf) {
			add = latin1_ascii[*++s - 0x80];
		}
		if (add == NULL) {
			dash = true;
			continue;
		}
		alen = strlen(add);
		if (n + (dash && n > 0) + alen > SLUG_BASE_MAX)
			break;
		if (dash && n > 0)
			out[n++] = '-';
		dash = false;
		memcpy(out + n, add, alen);
		n += alen;
	}
	out[n] = '\0';
	if (!str_is_slug(out, SLUG_MAX))
		return fallback;
	return out;
}

static const char *
catalog_i64(struct arena *a, int64_t v)
{
	return arena_printf(a, "%lld", (long long)v);
}

static bool
catalog_sqlstate(const struct req *r, const char *state)
{
	return strcmp(db_sqlstate(r->db), state) == 0;
}

static bool
catalog_bool(const struct pg_result *res, int row, const char *col)
{
	return db_val(res, row, db_col(res, col))[0] == 't';
}

static int64_t
catalog_int(const struct pg_result *res, int row, int c)
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
catalog_str(const struct pg_result *res, int row, int c)
{
	return db_isnull(res, row, c) ? NULL : db_val(res, row, c);
}

static void
catalog_product_cols(const struct pg_result *res, int *cols)
{
	int	 i;

	for (i = 0; i < PC__MAX; i++)
		cols[i] = db_col(res, pcol_names[i]);
}

/*
 * Fill p from a row of PRODUCT_COLS; the price shows with the decimals of
 * the principal's store currency (every product's, by the schema).
 */
static void
catalog_product_row(const struct pg_result *res, int row, const int *c,
    const struct principal *pr, struct product *p)
{
	memset(p, 0, sizeof(*p));
	p->id = catalog_str(res, row, c[PC_ID]);
	p->category_id = catalog_str(res, row, c[PC_CATEGORY_ID]);
	p->name = catalog_str(res, row, c[PC_NAME]);
	p->slug = catalog_str(res, row, c[PC_SLUG]);
	p->description = catalog_str(res, row, c[PC_DESCRIPTION]);
	p->price_minor = catalog_int(res, row, c[PC_PRICE_MINOR]);
	p->currency = catalog_str(res, row, c[PC_CURRENCY]);
	p->exponent = pr->exponent;
	p->images = catalog_str(res, row, c[PC_IMAGES]);
	p->featured = db_val(res, row, c[PC_FEATURED])[0] == 't';
	p->is_active = db_val(res, row, c[PC_IS_ACTIVE])[0] == 't';
	p->max_downloads = catalog_int(res, row, c[PC_MAX_DOWNLOADS]);
	p->download_expiry_hours = catalog_int(res, row,
	    c[PC_DOWNLOAD_EXPIRY_HOURS]);
	p->file_name = catalog_str(res, row, c[PC_FILE_NAME]);
	p->file_size = catalog_int(res, row, c[PC_FILE_SIZE]);
	p->file_type = catalog_str(res, row, c[PC_FILE_TYPE]);
	p->created_at = catalog_str(res, row, c[PC_CREATED_AT]);
	p->updated_at = catalog_str(res, row, c[PC_UPDATED_AT]);
	if (p->images == NULL)
		p->images = "[]";
}

static void
catalog_category_cols(const struct pg_result *res, int *cols)
{
	int	 i;

	for (i = 0; i < CC__MAX; i++)
		cols[i] = db_col(res, ccol_names[i]);
}

static void
catalog_category_row(const struct pg_result *res, int row, const int *c,
    struct catalog_category *k)
{
	k->id = catalog_str(res, row, c[CC_ID]);
	k->parent_id = catalog_str(res, row, c[CC_PARENT_ID]);
	k->name = catalog_str(res, row, c[CC_NAME]);
	k->slug = catalog_str(res, row, c[CC_SLUG]);
	k->description = catalog_str(res, row, c[CC_DESCRIPTION]);
	k->position = catalog_int(res, row, c[CC_POSITION]);
	k->product_count = catalog_int(res, row, c[CC_PRODUCT_COUNT]);
	k->created_at = catalog_str(res, row, c[CC_CREATED_AT]);
	k->updated_at = catalog_str(res, row, c[CC_UPDATED_AT]);
}

/*
 * A category as the admin API shows it. productCount counts the products
 * directly in it, inactive ones included.
 */
static void
catalog_category_json(struct jw *w, const struct catalog_category *k)
{
	jw_obj_open(w, NULL);
	jw_str(w, "id", k->id);
	jw_str(w, "parentId", k->parent_id);
	jw_str(w, "name", k->name);
	jw_str(w, "slug", k->slug);
	jw_str(w, "description", k->description);
	jw_int(w, "position", k->position);
	jw_int(w, "productCount", k->product_count);
	jw_str(w, "createdAt", k->created_at);
	jw_str(w, "updatedAt", k->updated_at);
	jw_obj_close(w);
}

/*
 * Answer 200 with the product in row 0 of res (status is the caller's to
 * change afterwards, e.g. 201).
 */
static void
catalog_product_answer(struct req *r, const struct principal *pr,
    const struct pg_result *res, int status)
{
	struct product	 p;
	struct jw	 w;
	int		 cols[PC__MAX];

	catalog_product_cols(res, cols);
	catalog_product_row(res, 0, cols, pr, &p);
	req_json_begin(r, &w);
	product_write_json(&w, NULL, &p);
	req_json_end(r, &w, NULL);
	r->status = status;
}

static void
catalog_category_answer(struct req *r, const struct pg_result *res,
    int status)
{
	struct catalog_category	 k;
	struct jw		 w;
	int			 cols[CC__MAX];

	catalog_category_cols(res, cols);
	catalog_category_row(res, 0, cols, &k);
	req_json_begin(r, &w);
	catalog_category_json(&w, &k);
	req_json_end(r, &w, NULL);
	r->status = status;
}

/*
 * Answer 200 {"id", "deleted": how} and up to two counts (NULL key: none).
 */
static void
catalog_deleted(struct req *r, const char *id, const char *how,
    const char *k1, int64_t v1, const char *k2, int64_t v2)
{
	struct jw	 w;

	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "id", id);
	jw_str(&w, "deleted", how);
	if (k1 != NULL)
		jw_int(&w, k1, v1);
	if (k2 != NULL)
		jw_int(&w, k2, v2);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}

/*
 * Answer a failed product write: a taken slug is 409 naming it, a
 * category that vanished meanwhile is 400 on categoryId; anything else
 * as admin_fail() does.
 */
static void
catalog_product_fail(struct req *r, enum err rc, const char *slug)
{
	if (catalog_sqlstate(r, SQLSTATE_UNIQUE))
		req_fail(r, ERR_CONFLICT, arena_printf(r->arena,
		    "A product with the slug %s already exists in this store.",
		    slug != NULL ? slug : "given"));
	else if (catalog_sqlstate(r, SQLSTATE_FOREIGN_KEY))
		req_fail_field(r, "categoryId", BAD_CATEGORY);
	else
		admin_fail(r, rc);
}

/*
 * Answer a failed category write: a taken slug is 409, a parent that
 * vanished meanwhile or a cycle in the tree is 400 on parentId.
 */
static void
catalog_category_fail(struct req *r, enum err rc, const char *slug)
{
	if (catalog_sqlstate(r, SQLSTATE_UNIQUE))
		req_fail(r, ERR_CONFLICT, arena_printf(r->arena,
		    "A category with the slug %s already exists in this store.",
		    slug != NULL ? slug : "given"));
	else if (catalog_sqlstate(r, SQLSTATE_FOREIGN_KEY))
		req_fail_field(r, "parentId", BAD_CATEGORY);
	else if (catalog_sqlstate(r, SQLSTATE_CHECK))
		req_fail_field(r, "parentId", "would make a cycle: a category "
		    "cannot be its own ancestor");
	else
		admin_fail(r, rc);
}

/*
 * GET /api/v1/admin/products: every product of the store, inactive ones
 * included, newest first unless sort says otherwise, with pagination.
 * Query: limit 1..100 (20), offset, q (case-insensitive part of the name),
 * isActive, categoryId (products directly in it), sort newest | name |
 * price_asc | price_desc.
 * Raises HTTP 400 naming each bad or unknown parameter.
 */
void
admin_products_list(struct req *r)
{
	struct principal	 pr;
	struct form		 f;
	struct dbq		 q[2];
	struct pg_result	*res[2];
	struct pagination	 pg;
	struct product		 p;
	struct jw		 w;
	const char		*params[5];
	enum list_sort		 sort;
	enum err		 rc;
	int			 i, rows, cols[PC__MAX];

	if (admin_begin(r, &pr) == -1)
		return;
	if (catalog_query(r, list_fields, LF__MAX, &f) == -1)
		return;
	pg.limit = f.v[LF_LIMIT].set ? f.v[LF_LIMIT].i : LIST_LIMIT_DEFAULT;
	pg.offset = f.v[LF_OFFSET].set ? f.v[LF_OFFSET].i : 0;
	sort = f.v[LF_SORT].set ? (enum list_sort)f.v[LF_SORT].i : LS_NEWEST;
	params[0] = f.v[LF_Q].set ? f.v[LF_Q].s : NULL;
	params[1] = !f.v[LF_IS_ACTIVE].set ? NULL :
	    f.v[LF_IS_ACTIVE].b ? "true" : "false";
	params[2] = f.v[LF_CATEGORY_ID].set ? f.v[LF_CATEGORY_ID].s : NULL;
	params[3] = catalog_i64(r->arena, pg.limit);
	params[4] = catalog_i64(r->arena, pg.offset);
	q[0] = (struct dbq){ stmts[STMT_PRODUCT_COUNT], 3, params };
	q[1] = (struct dbq){ stmts[list_stmts[sort]], 5, params };
	if ((rc = admin_tx(r, &pr, q, 2, res)) != ERR_OK) {
		admin_fail(r, rc);
		return;
	}
	pg.total = catalog_int(res[0], 0, db_col(res[0], "total"));
	rows = db_ntuples(res[1]);
	req_json_begin(r, &w);
	jw_arr_open(&w, NULL);
	if (rows > 0)
		catalog_product_cols(res[1], cols);
	for (i = 0; i < rows; i++) {
		catalog_product_row(res[1], i, cols, &pr, &p);
		product_write_json(&w, NULL, &p);
	}
	jw_arr_close(&w);
	req_json_end(r, &w, &pg);
}

/*
 * GET /api/v1/admin/products/{product}: one product, active or not.
 * Raises HTTP 404 if it is not this store's.
 */
void
admin_products_get(struct req *r)
{
	struct principal	 pr;
	struct form		 f;
	struct dbq		 q;
	struct pg_result	*res;
	const char		*id;
	enum err		 rc;

	if (admin_begin(r, &pr) == -1)
		return;
	if ((id = admin_param_uuid(r, "product")) == NULL)
		return;
	if (catalog_query(r, NULL, 0, &f) == -1)
		return;
	q = (struct dbq){ stmts[STMT_PRODUCT_GET], 1, &id };
	if ((rc = admin_tx(r, &pr, &q, 1, &res)) != ERR_OK) {
		admin_fail(r, rc);
		return;
	}
	if (db_ntuples(res) == 0) {
		req_fail(r, ERR_NOT_FOUND, NO_SUCH_PRODUCT);
		return;
	}
	catalog_product_answer(r, &pr, res, 200);
}

/*
 * POST /api/v1/admin/products: a new product. Body: name and price
 * required; description, categoryId, slug (else made from the name,
 * unique in the store), featured (false), isActive (true), maxDownloads
 * (5), downloadExpiryHours (72).
 * Answers HTTP 201 with the product. Raises HTTP 400 naming each bad
 * field (a price with more decimals than the store currency has, a
 * category not of this store), 409 if the slug given is taken.
 */
void
admin_products_create(struct req *r)
{
	struct principal	 pr;
	struct form		 f;
	struct dbq		 q;
	struct pg_result	*res;
	const char		*params[10], *msg, *slug;
	int64_t			 minor = 0;
	bool			 gen;
	enum err		 rc;
	int			 tries;

	if (admin_begin(r, &pr) == -1)
		return;
	if (catalog_query(r, NULL, 0, &f) == -1)
		return;
	if (admin_body(r, product_create_fields, PF__MAX, &f) == -1)
		return;
	if (catalog_price(r->arena, &pr, f.v[PF_PRICE].s, &minor, &msg) == -1) {
		req_fail_field(r, "price", msg);
		return;
	}
	gen = !f.v[PF_SLUG].set;
	slug = gen ? catalog_slugify(r->arena, f.v[PF_NAME].s, "product") :
	    f.v[PF_SLUG].s;
	params[0] = f.v[PF_CATEGORY_ID].set ? f.v[PF_CATEGORY_ID].s : NULL;
	params[1] = f.v[PF_NAME].s;
	params[2] = slug;
	params[3] = gen ? "true" : "false";
	params[4] = f.v[PF_DESCRIPTION].set ? f.v[PF_DESCRIPTION].s : "";
	params[5] = catalog_i64(r->arena, minor);
	params[6] = f.v[PF_FEATURED].set && f.v[PF_FEATURED].b ? "true" : "false";
	params[7] = !f.v[PF_IS_ACTIVE].set || f.v[PF_IS_ACTIVE].b ?
	    "true" : "false";
	params[8] = catalog_i64(r->arena, f.v[PF_MAX_DOWNLOADS].set ?
	    f.v[PF_MAX_DOWNLOADS].i : DOWNLOADS_DEFAULT);
	params[9] = catalog_i64(r->arena, f.v[PF_DOWNLOAD_EXPIRY_HOURS].set ?
	    f.v[PF_DOWNLOAD_EXPIRY_HOURS].i : EXPIRY_DEFAULT);
	q = (struct dbq){ stmts[STMT_PRODUCT_INSERT], 10, params };
	for (tries = 1;; tries++) {
		rc = admin_tx(r, &pr, &q, 1, &res);
		if (rc == ERR_OK || !gen || tries == SLUG_TRIES ||
		    !catalog_sqlstate(r, SQLSTATE_UNIQUE))
			break;
	}
	if (rc != ERR_OK) {
		catalog_product_fail(r, rc, slug);
		return;
	}
	if (db_ntuples(res) == 0) {
		req_fail_field(r, "categoryId", BAD_CATEGORY);
		return;
	}
	catalog_product_answer(r, &pr, res, 201);
}

/*
 * PATCH /api/v1/admin/products/{product}: change the fields sent (those
 * of POST, none required); categoryId null removes the category,
 * description null empties it. The slug changes only when sent.
 * Raises HTTP 400 for an empty change or a bad field, 404 if the product
 * is not this store's, 409 if the slug given is taken.
 */
void
admin_products_update(struct req *r)
{
	struct principal	 pr;
	struct form		 f;
	struct dbq		 q[2];
	struct pg_result	*res[2];
	const char		*params[11], *id, *msg;
	const struct fval	*v = f.v;
	bool			 nulls[PF__MAX];
	int64_t			 minor = 0;
	size_t			 count;
	enum err		 rc;

	if (admin_begin(r, &pr) == -1)
		return;
	if ((id = admin_param_uuid(r, "product")) == NULL)
		return;
	if (catalog_query(r, NULL, 0, &f) == -1)
		return;
	if (catalog_patch_body(r, product_update_fields, PF__MAX, &f,
	    nulls) == -1)
		return;
	count = catalog_patch_count(&f, product_update_fields, PF__MAX, nulls,
	    product_nullable);
	if (v[PF_PRICE].set &&
	    catalog_price(r->arena, &pr, v[PF_PRICE].s, &minor, &msg) == -1)
		valid_error(&f, "price", msg);
	if (f.nerrs > 0) {
		req_fail_form(r, &f);
		return;
	}
	if (count == 0) {
		req_fail_field(r, "body", "has nothing to change");
		return;
	}
	params[0] = id;
	params[1] = v[PF_NAME].set ? v[PF_NAME].s : NULL;
	params[2] = v[PF_SLUG].set ? v[PF_SLUG].s : NULL;
	params[3] = v[PF_DESCRIPTION].set ? v[PF_DESCRIPTION].s :
	    nulls[PF_DESCRIPTION] ? "" : NULL;
	params[4] = v[PF_PRICE].set ? catalog_i64(r->arena, minor) : NULL;
	params[5] = v[PF_CATEGORY_ID].set || nulls[PF_CATEGORY_ID] ?
	    "true" : "false";
	params[6] = v[PF_CATEGORY_ID].set ? v[PF_CATEGORY_ID].s : NULL;
	params[7] = !v[PF_FEATURED].set ? NULL :
	    v[PF_FEATURED].b ? "true" : "false";
	params[8] = !v[PF_IS_ACTIVE].set ? NULL :
	    v[PF_IS_ACTIVE].b ? "true" : "false";
	params[9] = v[PF_MAX_DOWNLOADS].set ?
	    catalog_i64(r->arena, v[PF_MAX_DOWNLOADS].i) : NULL;
	params[10] = v[PF_DOWNLOAD_EXPIRY_HOURS].set ?
	    catalog_i64(r->arena, v[PF_DOWNLOAD_EXPIRY_HOURS].i) : NULL;
	q[0] = (struct dbq){ stmts[STMT_PRODUCT_FOUND], 1, params };
	q[1] = (struct dbq){ stmts[STMT_PRODUCT_UPDATE], 11, params };
	if ((rc = admin_tx(r, &pr, q, 2, res)) != ERR_OK) {
		catalog_product_fail(r, rc, params[2]);
		return;
	}
	if (db_ntuples(res[1]) == 0) {
		if (!catalog_bool(res[0], 0, "found"))
			req_fail(r, ERR_NOT_FOUND, NO_SUCH_PRODUCT);
		else
			req_fail_field(r, "categoryId", BAD_CATEGORY);
		return;
	}
	catalog_product_answer(r, &pr, res[1], 200);
}

/*
 * DELETE /api/v1/admin/products/{product}: deactivate it (isActive false;
 * past orders and download links keep working), or with ?hard=true delete
 * the row if no order ever included it.
 * Answers HTTP 200 {"id", "deleted": "soft" | "hard"}. Raises HTTP 404
 * if the product is not this store's, 409 for a hard delete of a product
 * with orders.
 */
void
admin_products_delete(struct req *r)
{
	struct principal	 pr;
	struct form		 f;
	struct dbq		 q[2];
	struct pg_result	*res[2];
	const char		*id;
	bool			 hard;
	enum err		 rc;

	if (admin_begin(r, &pr) == -1)
		return;
	if ((id = admin_param_uuid(r, "product")) == NULL)
		return;
	if (catalog_query(r, delete_fields, DF__MAX, &f) == -1)
		return;
	hard = f.v[DF_HARD].set && f.v[DF_HARD].b;
	if (hard) {
		q[0] = (struct dbq){ stmts[STMT_PRODUCT_FOUND], 1, &id };
		q[1] = (struct dbq){ stmts[STMT_PRODUCT_DELETE], 1, &id };
		rc = admin_tx(r, &pr, q, 2, res);
	} else {
		q[0] = (struct dbq){ stmts[STMT_PRODUCT_DEACTIVATE], 1, &id };
		rc = admin_tx(r, &pr, q, 1, res);
	}
	if (rc != ERR_OK) {
		admin_fail(r, rc);
		return;
	}
	if (db_ntuples(res[hard ? 1 : 0]) == 0) {
		if (!hard || !catalog_bool(res[0], 0, "found"))
			req_fail(r, ERR_NOT_FOUND, NO_SUCH_PRODUCT);
		else
			req_fail(r, ERR_CONFLICT, "The product has orders; it "
			    "can only be deactivated.");
		return;
	}
	catalog_deleted(r, id, hard ? "hard" : "soft", NULL, 0, NULL, 0);
}

/*
 * GET /api/v1/admin/categories: the store's categories as a flat list in
 * display order (position, then name); parentId links the tree.
 * Raises HTTP 400 for any query parameter.
 */
void
admin_categories_list(struct req *r)
{
	struct principal	 pr;
	struct form		 f;
	struct dbq		 q;
	struct pg_result	*res;
	struct catalog_category	 k;
	struct jw		 w;
	enum err		 rc;
	int			 i, rows, cols[CC__MAX];

	if (admin_begin(r, &pr) == -1)
		return;
	if (catalog_query(r, NULL, 0, &f) == -1)
		return;
	q = (struct dbq){ stmts[STMT_CATEGORY_LIST], 0, NULL };
	if ((rc = admin_tx(r, &pr, &q, 1, &res)) != ERR_OK) {
		admin_fail(r, rc);
		return;
	}
	rows = db_ntuples(res);
	req_json_begin(r, &w);
	jw_arr_open(&w, NULL);
	if (rows > 0)
		catalog_category_cols(res, cols);
	for (i = 0; i < rows; i++) {
		catalog_category_row(res, i, cols, &k);
		catalog_category_json(&w, &k);
	}
	jw_arr_close(&w);
	req_json_end(r, &w, NULL);
}

/*
 * GET /api/v1/admin/categories/{category}: one category.
 * Raises HTTP 404 if it is not this store's.
 */
void
admin_categories_get(struct req *r)
{
	struct principal	 pr;
	struct form		 f;
	struct dbq		 q;
	struct pg_result	*res;
	const char		*id;
	enum err		 rc;

	if (admin_begin(r, &pr) == -1)
		return;
	if ((id = admin_param_uuid(r, "category")) == NULL)
		return;
	if (catalog_query(r, NULL, 0, &f) == -1)
		return;
	q = (struct dbq){ stmts[STMT_CATEGORY_GET], 1, &id };
	if ((rc = admin_tx(r, &pr, &q, 1, &res)) != ERR_OK) {
		admin_fail(r, rc);
		return;
	}
	if (db_ntuples(res) == 0) {
		req_fail(r, ERR_NOT_FOUND, NO_SUCH_CATEGORY);
		return;
	}
	catalog_category_answer(r, res, 200);
}

/*
 * POST /api/v1/admin/categories: a new category. Body: name required;
 * slug (else made from the name, unique in the store), description,
 * parentId, position (0).
 * Answers HTTP 201 with the category. Raises HTTP 400 naming each bad
 * field (a parent not of this store), 409 if the slug given is taken.
 */
void
admin_categories_create(struct req *r)
{
	struct principal	 pr;
	struct form		 f;
	struct dbq		 q;
	struct pg_result	*res;
	const char		*params[6], *slug;
	bool			 gen;
	enum err		 rc;
	int			 tries;

	if (admin_begin(r, &pr) == -1)
		return;
	if (catalog_query(r, NULL, 0, &f) == -1)
		return;
	if (admin_body(r, category_create_fields, CF__MAX, &f) == -1)
		return;
	gen = !f.v[CF_SLUG].set;
	slug = gen ? catalog_slugify(r->arena, f.v[CF_NAME].s, "category") :
	    f.v[CF_SLUG].s;
	params[0] = f.v[CF_PARENT_ID].set ? f.v[CF_PARENT_ID].s : NULL;
	params[1] = f.v[CF_NAME].s;
	params[2] = slug;
	params[3] = gen ? "true" : "false";
	params[4] = f.v[CF_DESCRIPTION].set ? f.v[CF_DESCRIPTION].s : NULL;
	params[5] = catalog_i64(r->arena, f.v[CF_POSITION].set ?
	    f.v[CF_POSITION].i : 0);
	q = (struct dbq){ stmts[STMT_CATEGORY_INSERT], 6, params };
	for (tries = 1;; tries++) {
		rc = admin_tx(r, &pr, &q, 1, &res);
		if (rc == ERR_OK || !gen || tries == SLUG_TRIES ||
		    !catalog_sqlstate(r, SQLSTATE_UNIQUE))
			break;
	}
	if (rc != ERR_OK) {
		catalog_category_fail(r, rc, slug);
		return;
	}
	if (db_ntuples(res) == 0) {
		req_fail_field(r, "parentId", BAD_CATEGORY);
		return;
	}
	catalog_category_answer(r, res, 201);
}

/*
 * PATCH /api/v1/admin/categories/{category}: change the fields sent;
 * parentId null makes it top level, description null removes it.
 * Raises HTTP 400 for an empty change, a bad field, a parent not of this
 * store or one that would make a cycle; 404 if the category is not this
 * store's; 409 if the slug given is taken.
 */
void
admin_categories_update(struct req *r)
{
	struct principal	 pr;
	struct form		 f;
	struct dbq		 q[2];
	struct pg_result	*res[2];
	const char		*params[8], *id;
	const struct fval	*v = f.v;
	bool			 nulls[CF__MAX];
	size_t			 count;
	enum err		 rc;

	if (admin_begin(r, &pr) == -1)
		return;
	if ((id = admin_param_uuid(r, "category")) == NULL)
		return;
	if (catalog_query(r, NULL, 0, &f) == -1)
		return;
	if (catalog_patch_body(r, category_update_fields, CF__MAX, &f,
	    nulls) == -1)
		return;
	count = catalog_patch_count(&f, category_update_fields, CF__MAX, nulls,
	    category_nullable);
	if (f.nerrs > 0) {
		req_fail_form(r, &f);
		return;
	}
	if (count == 0) {
		req_fail_field(r, "body", "has nothing to change");
		return;
	}
	params[0] = id;
	params[1] = v[CF_NAME].set ? v[CF_NAME].s : NULL;
	params[2] = v[CF_SLUG].set ? v[CF_SLUG].s : NULL;
	params[3] = v[CF_DESCRIPTION].set || nulls[CF_DESCRIPTION] ?
	    "true" : "false";
	params[4] = v[CF_DESCRIPTION].set ? v[CF_DESCRIPTION].s : NULL;
	params[5] = v[CF_PARENT_ID].set || nulls[CF_PARENT_ID] ?
	    "true" : "false";
	params[6] = v[CF_PARENT_ID].set ? v[CF_PARENT_ID].s : NULL;
	params[7] = v[CF_POSITION].set ?
	    catalog_i64(r->arena, v[CF_POSITION].i) : NULL;
	q[0] = (struct dbq){ stmts[STMT_CATEGORY_FOUND], 1, params };
	q[1] = (struct dbq){ stmts[STMT_CATEGORY_UPDATE], 8, params };
	if ((rc = admin_tx(r, &pr, q, 2, res)) != ERR_OK) {
		catalog_category_fail(r, rc, params[2]);
		return;
	}
	if (db_ntuples(res[1]) == 0) {
		if (!catalog_bool(res[0], 0, "found"))
			req_fail(r, ERR_NOT_FOUND, NO_SUCH_CATEGORY);
		else
			req_fail_field(r, "parentId", BAD_CATEGORY);
		return;
	}
	catalog_category_answer(r, res[1], 200);
}

/*
 * DELETE /api/v1/admin/categories/{category}: delete it; its
 * subcategories move up to its parent (top level if it had none) and its
 * products become uncategorised, all in one transaction.
 * Answers HTTP 200 {"id", "deleted": "hard", "movedChildren",
 * "uncategorizedProducts"}. Raises HTTP 404 if it is not this store's.
 */
void
admin_categories_delete(struct req *r)
{
	struct principal	 pr;
	struct form		 f;
	struct dbq		 q[3];
	struct pg_result	*res[3];
	const char		*id;
	enum err		 rc;

	if (admin_begin(r, &pr) == -1)
		return;
	if ((id = admin_param_uuid(r, "category")) == NULL)
		return;
	if (catalog_query(r, NULL, 0, &f) == -1)
		return;
	q[0] = (struct dbq){ stmts[STMT_CATEGORY_LIFT_CHILDREN], 1, &id };
	q[1] = (struct dbq){ stmts[STMT_CATEGORY_UNLINK_PRODUCTS], 1, &id };
	q[2] = (struct dbq){ stmts[STMT_CATEGORY_DELETE], 1, &id };
	if ((rc = admin_tx(r, &pr, q, 3, res)) != ERR_OK) {
		admin_fail(r, rc);
		return;
	}
	if (db_ntuples(res[2]) == 0) {
		req_fail(r, ERR_NOT_FOUND, NO_SUCH_CATEGORY);
		return;
	}
	catalog_deleted(r, id, "hard", "movedChildren", db_ntuples(res[0]),
	    "uncategorizedProducts", db_ntuples(res[1]));
}
