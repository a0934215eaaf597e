/*
 * route.h: the route table type and its dispatcher. Patterns are paths with
 * {name} segments; 404, 405 (with Allow) and OPTIONS are answered here once.
 */
#ifndef COLMENA_ROUTE_H
#define COLMENA_ROUTE_H

#include <stddef.h>

#include "req.h"

struct route {
	enum method	 method;
	const char	*pattern;
	void		(*handler)(struct req *);
	const void	*arg;		/* the program's own data for the route */
};

/* Called for OPTIONS on a known path with the Allow list (a preflight). */
typedef void	(*route_options_fn)(struct req *, const char *allow);

void	 route_dispatch(const struct route *, size_t, route_options_fn,
	    struct req *);
int	 route_match(const char *pattern, struct req *);

#endif
