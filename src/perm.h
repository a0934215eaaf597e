/*
 * perm.h: staff roles and permissions, as the original spec defines them:
 * owner = '*', admin = products.*, orders.*, analytics.read, editor =
 * products.read, products.write, orders.read. perm_allows() is the one
 * place a permission is matched against what a credential holds.
 */
#ifndef COLMENA_PERM_H
#define COLMENA_PERM_H

#include <stdbool.h>
#include <stddef.h>

enum role {
	ROLE_OWNER,
	ROLE_ADMIN,
	ROLE_EDITOR,
	ROLE__MAX
};

extern const char *const role_names[ROLE__MAX + 1];	/* NULL-terminated */
extern const char *const perm_names[];			/* NULL-terminated */

int		 role_parse(const char *);	/* enum role, or -1 */
const char *const *role_perms(enum role, size_t *);
bool		 perm_match(const char *granted, const char *wanted);
bool		 perm_allows(const char *const *granted, size_t, const char *wanted);
bool		 perm_valid(const char *);
bool		 perm_subset(const char *const *, size_t, const char *const *,
		    size_t);

#endif
