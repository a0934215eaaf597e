/*
 * perm.c: role tables and wildcard permission matching. A granted
 * permission is "*" (everything), "area.*" (every action in an area) or
 * "area.action"; anything else grants nothing.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "log.h"
#include "perm.h"

const char *const role_names[ROLE__MAX + 1] = {
	"owner",	/* ROLE_OWNER */
	"admin",	/* ROLE_ADMIN */
	"editor",	/* ROLE_EDITOR */
	NULL,
};

const char *const perm_names[] = {
	"products.read",
	"products.write",
	"orders.read",
	"orders.write",
	"analytics.read",
	"settings.write",
	"users.manage",
	NULL,
};

static const char *const owner_perms[] = { "*" };
static const char *const admin_perms[] = {
	"products.*", "orders.*", "analytics.read",
};
static const char *const editor_perms[] = {
	"products.read", "products.write", "orders.read",
};

int
role_parse(const char *s)
{
	int	 i;

	for (i = 0; s != NULL && i < ROLE__MAX; i++)
		if (strcmp(s, role_names[i]) == 0)
			return i;
	return -1;
}

const char *const *
role_perms(enum role r, size_t *n)
{
	switch (r) {
	case ROLE_OWNER:
		*n = nitems(owner_perms);
		return owner_perms;
	case ROLE_ADMIN:
		*n = nitems(admin_perms);
		return admin_perms;
	case ROLE_EDITOR:
		*n = nitems(editor_perms);
		return editor_perms;
	default:
		fatalx("role %d", (int)r);
	}
}

/*
 * Does one granted permission cover the wanted one? "*" covers all,
 * "products.*" covers "products.read" (and "products.*"), otherwise the
 * two must be equal.
 */
bool
perm_match(const char *granted, const char *wanted)
{
	size_t	 n;

	if (granted == NULL || wanted == NULL)
		return false;
	if (strcmp(granted, "*") == 0)
		return true;
	n = strlen(granted);
	if (n >= 2 && strcmp(granted + n - 2, ".*") == 0)
		return strncmp(granted, wanted, n - 1) == 0 &&
		    wanted[n - 1] != '\0';
	return strcmp(granted, wanted) == 0;
}

bool
perm_allows(const char *const *granted, size_t n, const char *wanted)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (perm_match(granted[i], wanted))
			return true;
	return false;
}

/*
 * A permission that may be given to an API key: a known name, a known
 * area with ".*", or "*".
 */
bool
perm_valid(const char *s)
{
	size_t	 i, n;
	const char *dot;

	if (strcmp(s, "*") == 0)
		return true;
	for (i = 0; perm_names[i] != NULL; i++) {
		if (strcmp(s, perm_names[i]) == 0)
			return true;
		dot = strchr(perm_names[i], '.');
		n = (size_t)(dot - perm_names[i]) + 1;
		if (strncmp(s, perm_names[i], n) == 0 && strcmp(s + n, "*") == 0)
			return true;
	}
	return false;
}

/*
 * Is everything in want[0..nw) covered by have[0..nh)? A wildcard wanted
 * must itself be held by a wildcard at least as wide.
 */
bool
perm_subset(const char *const *want, size_t nw, const char *const *have,
    size_t nh)
{
	size_t	 i, j;
	bool	 all;

	for (i = 0; i < nw; i++) {
		if (strchr(want[i], '*') == NULL) {
			if (!perm_allows(have, nh, want[i]))
				return false;
			continue;
		}
		/* A wildcard: every known permission it covers must be held. */
		all = true;
		for (j = 0; perm_names[j] != NULL && all; j++)
			if (perm_match(want[i], perm_names[j]) &&
			    !perm_allows(have, nh, perm_names[j]))
				all = false;
		if (!all)
			return false;
		/* "*" also covers permissions yet to come: only "*" holds it. */
		if (strcmp(want[i], "*") == 0 && !perm_allows(have, nh, "*"))
			return false;
	}
	return true;
}
