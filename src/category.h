/*
 * category.h: a store's category tree with product counts.
 */
#ifndef COLMENA_CATEGORY_H
#define COLMENA_CATEGORY_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct arena;
struct db;
struct jw;
struct store;

struct category {
	const char	*id;
	const char	*parent_id;
	const char	*name;
	const char	*slug;
	const char	*description;
	int64_t		 position;
	int64_t		 direct_count;	/* active products in this category */
	int64_t		 count;		/* ... and in its subcategories */
	struct category	*child;		/* first child */
	struct category	*next;		/* next sibling */
};

enum err	 category_tree(struct db *, struct arena *, const char *store,
		    bool store_is_uuid, struct store *, struct category **roots);
void		 category_write_json(struct jw *, const char *key,
		    const struct category *roots);

#endif
