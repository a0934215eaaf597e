/*
 * admin_categories.c: the admin API's categories: the store's category
 * tree, listed, read, created, changed and deleted. Each request is one
 * store-scoped transaction in one round trip; the audit triggers log every
 * change inside it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>

#include "admin.h"
#include "admin_catalog.h"
#include "arena.h"
#include "db.h"
#include "jw.h"
#include "req.h"
#include "valid.h"

#define POSITION_LIMIT		1000000

#define NO_SUCH_CATEGORY	"No such category."

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

static void	 catalog_category_cols(const struct pg_result *, int *);
static void	 catalog_category_row(const struct pg_result *, int,
		    const int *, struct catalog_category *);
static void	 catalog_category_json(struct jw *,
		    const struct catalog_category *);
static void	 catalog_category_answer(struct req *,
		    const struct pg_result *, int);
static void	 catalog_category_fail(struct req *, enum err, const char *);

#define CATEGORY_COLS \
	" c.id, c.parent_id, c.name, c.slug, c.description, c.position," \
	" " TS("c.created_at") " AS created_at," \
	" " TS("c.updated_at") " AS updated_at"
#define CATEGORY_COUNT \
	" (SELECT count(*) FROM products n WHERE n.store_id = current_store_id()" \
	" AND n.category_id = c.id) AS product_count"

enum stmt {
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
		gate_fail(r, rc);
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

	if (gate_begin(r, &pr) == -1)
		return;
	if (req_query(r, NULL, 0, &f) == -1)
		return;
	q = (struct dbq){ stmts[STMT_CATEGORY_LIST], 0, NULL };
	if ((rc = gate_tx(r, &pr, &q, 1, &res)) != ERR_OK) {
		gate_fail(r, rc);
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
	struct pg_result	*res;

	if ((res = catalog_get_one(r, &pr, "category", stmts[STMT_CATEGORY_GET],
	    NO_SUCH_CATEGORY)) == NULL)
		return;
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

	if (gate_begin(r, &pr) == -1)
		return;
	if (req_query(r, NULL, 0, &f) == -1)
		return;
	if (req_json_body(r, category_create_fields, CF__MAX, &f) == -1)
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
		rc = gate_tx(r, &pr, &q, 1, &res);
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

	if (gate_begin(r, &pr) == -1)
		return;
	if ((id = gate_param_uuid(r, "category")) == NULL)
		return;
	if (req_query(r, NULL, 0, &f) == -1)
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
	if ((rc = gate_tx(r, &pr, q, 2, res)) != ERR_OK) {
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

	if (gate_begin(r, &pr) == -1)
		return;
	if ((id = gate_param_uuid(r, "category")) == NULL)
		return;
	if (req_query(r, NULL, 0, &f) == -1)
		return;
	q[0] = (struct dbq){ stmts[STMT_CATEGORY_LIFT_CHILDREN], 1, &id };
	q[1] = (struct dbq){ stmts[STMT_CATEGORY_UNLINK_PRODUCTS], 1, &id };
	q[2] = (struct dbq){ stmts[STMT_CATEGORY_DELETE], 1, &id };
	if ((rc = gate_tx(r, &pr, q, 3, res)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	if (db_ntuples(res[2]) == 0) {
		req_fail(r, ERR_NOT_FOUND, NO_SUCH_CATEGORY);
		return;
	}
	catalog_deleted(r, id, "hard", "movedChildren", db_ntuples(res[0]),
	    "uncategorizedProducts", db_ntuples(res[1]));
}
