/*
 * product.h: the public catalog: list with filters, sort and pagination,
 * and single products, each in one database round trip together with the
 * store lookup that scopes it.
 */
#ifndef COLMENA_PRODUCT_H
#define COLMENA_PRODUCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct arena;
struct db;
struct jw;
struct store;

enum product_sort {
	PSORT_NEWEST,
	PSORT_PRICE_ASC,
	PSORT_PRICE_DESC,
	PSORT_NAME,
	PSORT_RELEVANCE,
	PSORT__MAX
};

struct product_query {
	const char		*category;	/* id or slug; NULL: any */
	bool			 category_is_uuid;
	bool			 featured_only;
	const char		*q;		/* full-text search; NULL: none */
	const char		*min_price;	/* decimal text in major units */
	const char		*max_price;
	enum product_sort	 sort;
	int64_t			 limit;
	int64_t			 offset;
};

struct product {
	const char	*id;
	const char	*category_id;	/* NULL: uncategorised */
	const char	*name;
	const char	*slug;
	const char	*description;
	int64_t		 price_minor;
	const char	*currency;
	int		 exponent;
	const char	*images;	/* JSON array from the database */
	bool		 featured;
	bool		 is_active;
	int64_t		 max_downloads;
	int64_t		 download_expiry_hours;
	const char	*file_name;	/* NULL: no file yet */
	int64_t		 file_size;
	const char	*file_type;
	const char	*created_at;
	const char	*updated_at;
};

extern const char *const product_sort_names[];

enum err	 product_list(struct db *, struct arena *, const char *store,
		    bool store_is_uuid, const struct product_query *,
		    struct store *, struct product **, size_t *, int64_t *total);
enum err	 product_get(struct db *, struct arena *, const char *store,
		    bool store_is_uuid, const char *ident, bool is_uuid,
		    struct store *, struct product *);
void		 product_write_json(struct jw *, const char *key,
		    const struct product *);

#endif
