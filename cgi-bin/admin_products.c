/*
 * admin_products.c: the admin API's products: every product of the store
 * (inactive ones too), listed, read, created, changed and deleted. Each
 * request is one store-scoped transaction in one round trip; the audit
 * triggers log every change inside it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "admin.h"
#include "admin_catalog.h"
#include "arena.h"
#include "db.h"
#include "jw.h"
#include "product.h"
#include "req.h"
#include "str.h"
#include "valid.h"

#define SEARCH_MAX		200
#define OFFSET_MAX		10000000
#define PRICE_MAX_CENTS		INT64_C(99999999)	/* 999999.99 */
#define PRICE_TEXT_MAX		INT64_C(999999999999999)
#define DOWNLOADS_DEFAULT	5
#define EXPIRY_DEFAULT		72
#define LIST_LIMIT_DEFAULT	20

#define NO_SUCH_PRODUCT		"No such product."

static int	 catalog_price(struct arena *, const struct principal *,
		    const char *, int64_t *, const char **);
static void	 catalog_product_cols(const struct pg_result *, int *);
static void	 catalog_product_row(const struct pg_result *, int,
		    const int *, const struct principal *, struct product *);
static void	 catalog_product_answer(struct req *, const struct principal *,
		    const struct pg_result *, int);
static void	 catalog_product_fail(struct req *, enum err, const char *);

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

/*
 * Answer a failed product write: a taken slug is 409 naming it, a
 * category that vanished meanwhile is 400 on categoryId; anything else
 * as gate_fail() does.
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
		gate_fail(r, rc);
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

	if (gate_begin(r, &pr) == -1)
		return;
	if (req_query(r, list_fields, LF__MAX, &f) == -1)
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
	if ((rc = gate_tx(r, &pr, q, 2, res)) != ERR_OK) {
		gate_fail(r, rc);
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
	struct pg_result	*res;

	if ((res = catalog_get_one(r, &pr, "product", stmts[STMT_PRODUCT_GET],
	    NO_SUCH_PRODUCT)) == NULL)
		return;
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

	if (gate_begin(r, &pr) == -1)
		return;
	if (req_query(r, NULL, 0, &f) == -1)
		return;
	if (req_json_body(r, product_create_fields, PF__MAX, &f) == -1)
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
		rc = gate_tx(r, &pr, &q, 1, &res);
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

	if (gate_begin(r, &pr) == -1)
		return;
	if ((id = gate_param_uuid(r, "product")) == NULL)
		return;
	if (req_query(r, NULL, 0, &f) == -1)
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
	if ((rc = gate_tx(r, &pr, q, 2, res)) != ERR_OK) {
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

	if (gate_begin(r, &pr) == -1)
		return;
	if ((id = gate_param_uuid(r, "product")) == NULL)
		return;
	if (req_query(r, delete_fields, DF__MAX, &f) == -1)
		return;
	hard = f.v[DF_HARD].set && f.v[DF_HARD].b;
	if (hard) {
		q[0] = (struct dbq){ stmts[STMT_PRODUCT_FOUND], 1, &id };
		q[1] = (struct dbq){ stmts[STMT_PRODUCT_DELETE], 1, &id };
		rc = gate_tx(r, &pr, q, 2, res);
	} else {
		q[0] = (struct dbq){ stmts[STMT_PRODUCT_DEACTIVATE], 1, &id };
		rc = gate_tx(r, &pr, q, 1, res);
	}
	if (rc != ERR_OK) {
		gate_fail(r, rc);
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
