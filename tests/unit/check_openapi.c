/*
 * check_openapi.c: htdocs/openapi.json and the programs' route tables say
 * the same thing: every route a program serves (its --routes output) is
 * documented with that method, and every documented operation is served.
 * OPTIONS (CORS preflight) is answered by the dispatcher for any route path.
 *
 * A path may be served by several programs (/api/health by every one):
 * it is documented once, and those programs must serve the same methods
 * on it, since the web server sends the path to one of them only.
 * The document itself is checked too: every local $ref resolves, every
 * {name} of a path is declared as a path parameter, every operation
 * documents the rate limit's 429, and every admin operation says what
 * credential it takes (security).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json.h>

/*
 * Every FastCGI program that is built, but download, whose routes
 * (/download/..., /media/...) openapi.json does not describe yet.
 */
static const char *const programs[] = { "products", "admin", "checkout",
    "webhook", "orders" };

#define NPROGRAMS	(sizeof(programs) / sizeof(programs[0]))
#define ROUTES_MAX	256
#define ADMIN_PREFIX	"/api/v1/admin/"

/* One "METHOD /path" line and the programs (bit i: programs[i]) serving it. */
struct served {
	char		 line[256];
	unsigned	 by;
};

static struct json_object	*doc;
static struct json_object	*paths;
static struct served		 routes[ROUTES_MAX];
static size_t			 nroutes;

static const char *
route_path(const struct served *s)
{
	return strchr(s->line, ' ') + 1;
}

/*
 * "products, admin": the programs of mask, in one of two static buffers
 * (so one message may name two lists).
 */
static const char *
program_list(unsigned mask)
{
	static char	 bufs[2][256];
	static int	 next;
	char		*out = bufs[next++ % 2];
	size_t		 i, len = 0, sz = sizeof(bufs[0]);

	out[0] = '\0';
	for (i = 0; i < NPROGRAMS && len < sz; i++)
		if (mask & (1u << i))
			len += (size_t)snprintf(out + len, sz - len, "%s%s",
			    len > 0 ? ", " : "", programs[i]);
	return out;
}

static void
add_route(const char *line, size_t prog)
{
	size_t	 i;

	ck_assert_msg(strchr(line, ' ') != NULL && line[0] != ' ',
	    "%s --routes printed \"%s\", not \"METHOD /path\"",
	    programs[prog], line);
	for (i = 0; i < nroutes; i++)
		if (strcmp(routes[i].line, line) == 0) {
			routes[i].by |= 1u << prog;
			return;
		}
	ck_assert_msg(nroutes < ROUTES_MAX, "more than %d routes", ROUTES_MAX);
	snprintf(routes[nroutes].line, sizeof(routes[0].line), "%s", line);
	routes[nroutes++].by = 1u << prog;
}

static void
load(void)
{
	const char		*src = getenv("top_srcdir");
	const char		*bld = getenv("top_builddir");
	char			 path[1024], cmd[1100], line[256];
	size_t			 i;
	FILE			*p;

	snprintf(path, sizeof(path), "%s/htdocs/openapi.json", src ? src : ".");
	doc = json_object_from_file(path);
	ck_assert_msg(doc != NULL, "cannot parse %s", path);
	ck_assert(json_object_object_get_ex(doc, "paths", &paths));
	nroutes = 0;
	for (i = 0; i < NPROGRAMS; i++) {
		snprintf(cmd, sizeof(cmd), "%s/cgi-bin/%s --routes",
		    bld ? bld : ".", programs[i]);
		ck_assert_ptr_nonnull(p = popen(cmd, "r"));
		while (fgets(line, sizeof(line), p) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			add_route(line, i);
		}
		ck_assert_msg(pclose(p) == 0, "%s failed", cmd);
	}
	for (i = 0; i < NPROGRAMS; i++) {
		size_t	 j, n = 0;

		for (j = 0; j < nroutes; j++)
			if (routes[j].by & (1u << i))
				n++;
		ck_assert_msg(n > 0, "%s --routes printed no route", programs[i]);
	}
}

static void
unload(void)
{
	json_object_put(doc);
	doc = paths = NULL;
}

static int
is_method(const char *key)
{
	static const char *const m[] = { "get", "put", "post", "delete",
	    "options", "head", "patch", "trace" };
	size_t	 i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(key, m[i]) == 0)
			return 1;
	return 0;
}

START_TEST(every_route_is_documented)
{
	size_t			 i, j;
	char			 method[16], lower[16];
	const char		*path;
	struct json_object	*item, *op;

	for (i = 0; i < nroutes; i++) {
		ck_assert_int_eq(sscanf(routes[i].line, "%15s", method), 1);
		path = route_path(&routes[i]);
		for (j = 0; method[j] != '\0'; j++)
			lower[j] = (char)(method[j] - 'A' + 'a');
		lower[j] = '\0';
		ck_assert_msg(json_object_object_get_ex(paths, path, &item),
		    "route %s (%s) is not in openapi.json", routes[i].line,
		    program_list(routes[i].by));
		ck_assert_msg(json_object_object_get_ex(item, lower, &op),
		    "route %s (%s): openapi.json has the path but not %s",
		    routes[i].line, program_list(routes[i].by), lower);
		ck_assert_msg(json_object_object_get_ex(op, "responses", NULL),
		    "%s documents no responses", routes[i].line);
	}
}
END_TEST

START_TEST(every_documented_operation_is_served)
{
	size_t		 i, j;
	char		 want[256];
	int		 found;

	json_object_object_foreach(paths, path, item) {
		json_object_object_foreach(item, method, op) {
			(void)op;
			if (!is_method(method) || strcmp(method, "options") == 0)
				continue;
			snprintf(want, sizeof(want), "%s %s", method, path);
			for (j = 0; want[j] != ' '; j++)
				want[j] = (char)(want[j] - 'a' + 'A');
			for (i = 0, found = 0; i < nroutes; i++)
				if (strcmp(routes[i].line, want) == 0)
					found = 1;
			ck_assert_msg(found, "openapi.json documents %s, which no "
			    "program serves", want);
		}
	}
}
END_TEST

/*
 * The web server maps a path to one program: where several serve a path,
 * each must answer the same methods on it, or some would be unreachable.
 */
START_TEST(shared_paths_serve_the_same_methods)
{
	size_t	 i, j;

	for (i = 0; i < nroutes; i++)
		for (j = 0; j < nroutes; j++) {
			if (strcmp(route_path(&routes[i]),
			    route_path(&routes[j])) != 0)
				continue;
			ck_assert_msg(routes[i].by == routes[j].by,
			    "%s is served by %s but %s by %s: programs sharing "
			    "a path must serve the same methods on it",
			    routes[i].line, program_list(routes[i].by),
			    routes[j].line, program_list(routes[j].by));
		}
}
END_TEST

START_TEST(preflight_is_documented_where_cors_applies)
{
	struct json_object	*item;
	size_t			 i;
	const char		*path;

	for (i = 0; i < nroutes; i++) {
		path = route_path(&routes[i]);
		if (strncmp(path, "/api/v1/stores/", 15) != 0)
			continue;
		ck_assert(json_object_object_get_ex(paths, path, &item));
		ck_assert_msg(json_object_object_get_ex(item, "options", NULL),
		    "%s answers CORS preflights but documents no options", path);
	}
}
END_TEST

/* Is name declared as a path parameter in the array params (may be NULL)? */
static int
declares(struct json_object *params, const char *name)
{
	struct json_object	*p, *v;
	size_t			 i, n;

	if (params == NULL)
		return 0;
	n = json_object_array_length(params);
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(params, i);
		if (json_object_object_get_ex(p, "in", &v) &&
		    strcmp(json_object_get_string(v), "path") == 0 &&
		    json_object_object_get_ex(p, "name", &v) &&
		    strcmp(json_object_get_string(v), name) == 0)
			return 1;
	}
	return 0;
}

START_TEST(path_parameters_are_declared)
{
	struct json_object	*shared, *own;
	const char		*s, *e;
	char			 name[128];
	size_t			 n;

	json_object_object_foreach(paths, path, item) {
		if (!json_object_object_get_ex(item, "parameters", &shared))
			shared = NULL;
		for (s = strchr(path, '{'); s != NULL; s = strchr(e, '{')) {
			ck_assert_msg((e = strchr(s, '}')) != NULL,
			    "%s: unbalanced {", path);
			n = (size_t)(e - s - 1);
			ck_assert_msg(n > 0 && n < sizeof(name), "%s: bad {}",
			    path);
			memcpy(name, s + 1, n);
			name[n] = '\0';
			json_object_object_foreach(item, method, op) {
				if (!is_method(method))
					continue;
				if (!json_object_object_get_ex(op, "parameters",
				    &own))
					own = NULL;
				ck_assert_msg(declares(shared, name) ||
				    declares(own, name), "%s %s: path parameter "
				    "{%s} is not declared", method, path, name);
			}
		}
	}
}
END_TEST

/* Resolve a local reference "#/a/b" in doc; NULL if it points nowhere. */
static struct json_object *
resolve(const char *ref)
{
	struct json_object	*o = doc;
	char			 seg[256];
	const char		*s = ref + 2, *e;
	size_t			 n, i, k;

	while (*s != '\0') {
		e = s + strcspn(s, "/");
		n = (size_t)(e - s);
		if (n >= sizeof(seg))
			return NULL;
		/* JSON Pointer escapes: ~1 is '/', ~0 is '~'. */
		for (i = 0, k = 0; i < n; i++, k++) {
			if (s[i] == '~' && i + 1 < n && (s[i + 1] == '0' ||
			    s[i + 1] == '1')) {
				seg[k] = s[i + 1] == '1' ? '/' : '~';
				i++;
			} else
				seg[k] = s[i];
		}
		seg[k] = '\0';
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, seg, &o))
			return NULL;
		s = *e == '/' ? e + 1 : e;
	}
	return o;
}

static void
check_refs(struct json_object *o, int *nrefs)
{
	struct json_object	*v;
	size_t			 i, n;
	const char		*ref;

	if (json_object_is_type(o, json_type_array)) {
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			check_refs(json_object_array_get_idx(o, i), nrefs);
		return;
	}
	if (!json_object_is_type(o, json_type_object))
		return;
	if (json_object_object_get_ex(o, "$ref", &v) &&
	    json_object_is_type(v, json_type_string)) {
		ref = json_object_get_string(v);
		ck_assert_msg(strncmp(ref, "#/", 2) == 0,
		    "$ref %s is not local", ref);
		ck_assert_msg(resolve(ref) != NULL, "$ref %s points nowhere",
		    ref);
		(*nrefs)++;
	}
	json_object_object_foreach(o, key, val) {
		(void)key;
		check_refs(val, nrefs);
	}
}

START_TEST(every_ref_resolves)
{
	int	 nrefs = 0;

	check_refs(doc, &nrefs);
	ck_assert_int_gt(nrefs, 0);
}
END_TEST

/*
 * Every program counts requests against a rate limit (the public routes
 * and Stripe's webhooks per IP address, the admin API per credential):
 * 429 is documented on every operation.
 */
START_TEST(every_operation_documents_rate_limiting)
{
	struct json_object	*responses;

	json_object_object_foreach(paths, path, item) {
		json_object_object_foreach(item, method, op) {
			if (!is_method(method))
				continue;
			ck_assert(json_object_object_get_ex(op, "responses",
			    &responses));
			ck_assert_msg(json_object_object_get_ex(responses, "429",
			    NULL), "%s %s documents no 429", method, path);
		}
	}
}
END_TEST

/* The admin API's operations each say which credentials they take. */
START_TEST(admin_operations_declare_security)
{
	struct json_object	*sec;

	json_object_object_foreach(paths, path, item) {
		if (strncmp(path, ADMIN_PREFIX, strlen(ADMIN_PREFIX)) != 0)
			continue;
		json_object_object_foreach(item, method, op) {
			if (!is_method(method) || strcmp(method, "options") == 0)
				continue;
			ck_assert_msg(json_object_object_get_ex(op, "security",
			    &sec) && json_object_is_type(sec, json_type_array),
			    "%s %s declares no security (use [] for none)",
			    method, path);
		}
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("openapi");
	TCase	*tc = tcase_create("routes");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, load, unload);
	tcase_add_test(tc, every_route_is_documented);
	tcase_add_test(tc, every_documented_operation_is_served);
	tcase_add_test(tc, shared_paths_serve_the_same_methods);
	tcase_add_test(tc, preflight_is_documented_where_cors_applies);
	tcase_add_test(tc, path_parameters_are_declared);
	tcase_add_test(tc, every_ref_resolves);
	tcase_add_test(tc, every_operation_documents_rate_limiting);
	tcase_add_test(tc, admin_operations_declare_security);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
