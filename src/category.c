/*
 * category.c: read the category rows of a store in one round trip and link
 * them into a tree in memory, summing product counts up the tree.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "category.h"
#include "db.h"
#include "jw.h"
#include "log.h"
#include "store.h"
#include "str.h"

#define CATEGORY_DEPTH_MAX	64

enum stmt {
	STMT_TREE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	"SELECT c.id, c.parent_id, c.name, c.slug, c.description, c.position,"
	" coalesce(n.cnt, 0) AS direct_count"
	" FROM categories c LEFT JOIN (SELECT category_id, count(*) AS cnt"
	"  FROM products WHERE store_id = current_store_id() AND is_active"
	"  GROUP BY category_id) n ON n.category_id = c.id"
	" WHERE c.store_id = current_store_id()"
	" ORDER BY c.position, c.name, c.id",		/* STMT_TREE */
};

/* The columns of STMT_TREE, resolved once per result. */
enum ccol {
	CC_ID, CC_PARENT_ID, CC_NAME, CC_SLUG, CC_DESCRIPTION, CC_POSITION,
	CC_DIRECT_COUNT, CC__MAX
};

static const char *const ccol_names[CC__MAX] = {
	"id", "parent_id", "name", "slug", "description", "position",
	"direct_count",
};

static int64_t
category_sum(struct category *c, int depth)
{
	struct category	*k;

	c->count = c->direct_count;
	if (depth >= CATEGORY_DEPTH_MAX)
		return c->count;
	for (k = c->child; k != NULL; k = k->next)
		c->count += category_sum(k, depth + 1);
	return c->count;
}

/*
 * Build the category tree of store (id or slug) in the arena, siblings in
 * display order. Returns ERR_OK (an empty store gives *roots NULL),
 * ERR_NOT_FOUND for an unknown store, or a database error.
 */
enum err
category_tree(struct db *db, struct arena *a, const char *store,
    bool store_is_uuid, struct store *st, struct category **roots)
{
	struct pg_result	*res;
	struct category		*cs, **tail, *c, *p;
	const char		*errstr;
	enum err		 rc;
	int			 n, i, j, k, col[CC__MAX];

	*roots = NULL;
	rc = store_read(db, a, store, store_is_uuid, stmts[STMT_TREE], 0, NULL,
	    st, &res);
	if (rc != ERR_OK)
		return rc;
	for (k = 0; k < CC__MAX; k++)
		col[k] = db_col(res, ccol_names[k]);
	n = db_ntuples(res);
	cs = arena_calloc(a, (size_t)n + 1, sizeof(*cs));
	for (i = 0; i < n; i++) {
		c = &cs[i];
		c->id = db_val(res, i, col[CC_ID]);
		c->parent_id = db_isnull(res, i, col[CC_PARENT_ID]) ? NULL :
		    db_val(res, i, col[CC_PARENT_ID]);
		c->name = db_val(res, i, col[CC_NAME]);
		c->slug = db_val(res, i, col[CC_SLUG]);
		c->description = db_isnull(res, i, col[CC_DESCRIPTION]) ? NULL :
		    db_val(res, i, col[CC_DESCRIPTION]);
		c->position = str_to_i64(db_val(res, i, col[CC_POSITION]),
		    INT32_MIN, INT32_MAX, &errstr);
		if (errstr == NULL)
			c->direct_count = str_to_i64(db_val(res, i,
			    col[CC_DIRECT_COUNT]), 0, INT64_MAX, &errstr);
		if (errstr != NULL)
			fatalx("category row %d: %s", i, errstr);
	}
	/* Link children in row order (already the display order). */
	for (i = n - 1; i >= 0; i--) {
		c = &cs[i];
		p = NULL;
		if (c->parent_id != NULL)
			for (j = 0; j < n; j++)
				if (strcmp(cs[j].id, c->parent_id) == 0) {
					p = &cs[j];
					break;
				}
		tail = p != NULL ? &p->child : roots;
		c->next = *tail;
		*tail = c;
	}
	for (c = *roots; c != NULL; c = c->next)
		category_sum(c, 0);
	return ERR_OK;
}

static void
category_write_one(struct jw *w, const struct category *c, int depth)
{
	const struct category	*k;

	jw_obj_open(w, NULL);
	jw_str(w, "id", c->id);
	jw_str(w, "parentId", c->parent_id);
	jw_str(w, "name", c->name);
	jw_str(w, "slug", c->slug);
	jw_str(w, "description", c->description);
	jw_int(w, "position", c->position);
	jw_int(w, "productCount", c->count);
	jw_arr_open(w, "children");
	if (depth < CATEGORY_DEPTH_MAX && depth < JW_DEPTH / 2 - 2)
		for (k = c->child; k != NULL; k = k->next)
			category_write_one(w, k, depth + 1);
	jw_arr_close(w);
	jw_obj_close(w);
}

/*
 * The tree as an array of categories, each with its children.
 */
void
category_write_json(struct jw *w, const char *key, const struct category *roots)
{
	const struct category	*c;

	jw_arr_open(w, key);
	for (c = roots; c != NULL; c = c->next)
		category_write_one(w, c, 0);
	jw_arr_close(w);
}
