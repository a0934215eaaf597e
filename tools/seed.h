/*
 * seed.h: creating stores and staff from the command line, and the demo
 * data set (stores, a nested category tree, products with descriptions,
 * generated files and images, and a paid order with download links).
 */
#ifndef COLMENA_SEED_H
#define COLMENA_SEED_H

#include <stddef.h>

struct arena;
struct db;

struct seed_store {
	const char	*slug;
	const char	*name;
	const char	*currency;
	const char	**origins;
	size_t		 norigins;
	const char	*support_email;
};

int	 seed_store_create(struct db *, struct arena *, const struct seed_store *,
	    char *id, size_t idsz);
int	 seed_user_check(const char *email, const char *role);
int	 seed_user_create(struct db *, struct arena *, const char *store,
	    const char *email, const char *name, const char *role,
	    const char *password);
int	 seed_demo(struct db *, struct arena *, int stores, int products,
	    const char *secret_file);

#endif
