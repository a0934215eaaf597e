/*
 * route.c: match a request's decoded path segments against route patterns.
 * GET routes also answer HEAD. Parameters are bound into r->params.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "buf.h"
#include "log.h"
#include "route.h"

/*
 * True if pattern matches r's path; binds {name} segments into r->params.
 */
int
route_match(const char *pattern, struct req *r)
{
	const char	*p, *q;
	size_t		 i, n;

	r->nparams = 0;
	p = pattern;
	for (i = 0; i < r->nsegs; i++) {
		if (*p != '/')
			return 0;
		p++;
		q = p + strcspn(p, "/");
		n = (size_t)(q - p);
		if (n >= 2 && p[0] == '{' && p[n - 1] == '}') {
			if (r->nparams == REQ_SEGS_MAX)
				return 0;
			r->params[r->nparams].key =
			    arena_strndup(r->arena, p + 1, n - 2);
			r->params[r->nparams].val = r->segs[i];
			r->params[r->nparams].len = strlen(r->segs[i]);
			r->nparams++;
		} else if (strlen(r->segs[i]) != n ||
		    memcmp(r->segs[i], p, n) != 0)
			return 0;
		p = q;
	}
	return *p == '\0';
}

/*
 * Run the handler of the first route matching r's method and path.
 * A path that matches with other methods gets 405 with Allow (or, for
 * OPTIONS, the options callback, else 204 with Allow); no path, 404.
 */
void
route_dispatch(const struct route *routes, size_t n, route_options_fn opts,
    struct req *r)
{
	struct buf	 allow;
	bool		 seen[METHOD__MAX] = { false };
	size_t		 i;
	int		 m, any = 0;
	char		*allowed;

	if (r->bad_path) {
		req_fail_field(r, "path", "must be valid UTF-8 without NUL bytes");
		return;
	}
	if (r->bad_query) {
		req_fail_field(r, "query", "has too many parameters");
		return;
	}
	for (i = 0; i < n; i++) {
		if (!route_match(routes[i].pattern, r))
			continue;
		if (routes[i].method == r->method ||
		    (routes[i].method == METHOD_GET && r->method == METHOD_HEAD)) {
			r->route = &routes[i];
			routes[i].handler(r);
			return;
		}
		seen[routes[i].method] = true;
		if (routes[i].method == METHOD_GET)
			seen[METHOD_HEAD] = true;
		any = 1;
	}
	if (!any) {
		req_fail(r, ERR_NOT_FOUND, "No such resource.");
		return;
	}
	seen[METHOD_OPTIONS] = true;
	buf_init(&allow, 256);
	for (m = 0; m < METHOD__MAX; m++)
		if (seen[m]) {
			if (allow.len > 0)
				buf_puts(&allow, ", ");
			buf_puts(&allow, method_names[m]);
		}
	allowed = arena_strdup(r->arena, allow.data);
	buf_clear(&allow);
	req_set_header(r, "Allow", allowed);
	if (r->method == METHOD_OPTIONS) {
		/* Re-bind the parameters of a matching route for the callback. */
		for (i = 0; i < n && !route_match(routes[i].pattern, r); i++)
			continue;
		if (opts != NULL)
			opts(r, allowed);
		else
			req_empty(r, 204);
		return;
	}
	req_fail(r, ERR_METHOD_NOT_ALLOWED, NULL);
}
