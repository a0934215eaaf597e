/*
 * admin_catalog.h: what the catalog's handler files (admin_products.c,
 * admin_categories.c) share: field limits, SQL fragments, and the helpers
 * of admin_catalog.c for query strings, PATCH bodies, slugs and rows.
 */
#ifndef COLMENA_ADMIN_CATALOG_H
#define COLMENA_ADMIN_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct field;
struct form;
struct pg_result;
struct principal;
struct req;

#define NAME_MAX_CHARS		255
#define DESCRIPTION_MAX		5000
#define SLUG_MAX		128	/* the schema's slug CHECK */
#define SLUG_TRIES		3	/* a generated slug lost a race: pick again */

#define SQLSTATE_UNIQUE		"23505"
#define SQLSTATE_FOREIGN_KEY	"23503"
#define SQLSTATE_CHECK		"23514"

#define BAD_CATEGORY		"must be the id of a category of this store"


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

struct pg_result *catalog_get_one(struct req *, struct principal *,
		    const char *param, const char *sql, const char *notfound);
int		 catalog_patch_body(struct req *, const struct field *, size_t,
		    struct form *, bool *);
size_t		 catalog_patch_count(struct form *, const struct field *,
		    size_t, const bool *, const bool *);
const char	*catalog_slugify(struct arena *, const char *, const char *);
const char	*catalog_i64(struct arena *, int64_t);
bool		 catalog_sqlstate(const struct req *, const char *);
bool		 catalog_bool(const struct pg_result *, int, const char *);
int64_t		 catalog_int(const struct pg_result *, int, int);
const char	*catalog_str(const struct pg_result *, int, int);
void		 catalog_deleted(struct req *, const char *, const char *,
		    const char *, int64_t, const char *, int64_t);

#endif
