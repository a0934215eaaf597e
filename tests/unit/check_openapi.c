/*
 * check_openapi.c: htdocs/openapi.json and the programs' route tables say
 * the same thing: every route a program serves (its --routes output) is
 * documented with that method, and every documented operation is served.
 * OPTIONS (CORS preflight) is answered by the dispatcher for any route path.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json.h>

/* Every FastCGI program that is built. */
static const char *const programs[] = { "products" };

static struct json_object	*paths;
static char			 routes[256][256];
static size_t			 nroutes;

static void
load(void)
{
	const char		*src = getenv("top_srcdir");
	const char		*bld = getenv("top_builddir");
	char			 path[1024], cmd[1100], line[256];
	struct json_object	*doc;
	size_t			 i;
	FILE			*p;

	snprintf(path, sizeof(path), "%s/htdocs/openapi.json", src ? src : ".");
	doc = json_object_from_file(path);
	ck_assert_msg(doc != NULL, "cannot parse %s", path);
	ck_assert(json_object_object_get_ex(doc, "paths", &paths));
	json_object_get(paths);
	json_object_put(doc);
	nroutes = 0;
	for (i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s/cgi-bin/%s --routes",
		    bld ? bld : ".", programs[i]);
		ck_assert_ptr_nonnull(p = popen(cmd, "r"));
		while (fgets(line, sizeof(line), p) != NULL && nroutes < 256) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(routes[nroutes++], sizeof(routes[0]), "%s", line);
		}
		ck_assert_int_eq(pclose(p), 0);
	}
	ck_assert_uint_gt(nroutes, 0);
}

static void
unload(void)
{
	json_object_put(paths);
}

START_TEST(every_route_is_documented)
{
	size_t			 i, j;
	char			 method[16], lower[16];
	const char		*path;
	struct json_object	*item, *op;

	for (i = 0; i < nroutes; i++) {
		ck_assert_int_eq(sscanf(routes[i], "%15s", method), 1);
		path = strchr(routes[i], ' ') + 1;
		for (j = 0; method[j] != '\0'; j++)
			lower[j] = (char)(method[j] - 'A' + 'a');
		lower[j] = '\0';
		ck_assert_msg(json_object_object_get_ex(paths, path, &item),
		    "route %s is not in openapi.json", routes[i]);
		ck_assert_msg(json_object_object_get_ex(item, lower, &op),
		    "route %s: openapi.json has the path but not %s",
		    routes[i], lower);
		ck_assert_msg(json_object_object_get_ex(op, "responses", NULL),
		    "%s documents no responses", routes[i]);
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
			if (strcmp(method, "parameters") == 0 ||
			    strcmp(method, "options") == 0)
				continue;
			snprintf(want, sizeof(want), "%s %s", method, path);
			for (j = 0; want[j] != ' '; j++)
				want[j] = (char)(want[j] - 'a' + 'A');
			for (i = 0, found = 0; i < nroutes; i++)
				if (strcmp(routes[i], want) == 0)
					found = 1;
			ck_assert_msg(found, "openapi.json documents %s, which no "
			    "program serves", want);
		}
	}
}
END_TEST

START_TEST(preflight_is_documented_where_cors_applies)
{
	struct json_object	*item;
	size_t			 i;
	const char		*path;

	for (i = 0; i < nroutes; i++) {
		path = strchr(routes[i], ' ') + 1;
		if (strncmp(path, "/api/v1/stores/", 15) != 0)
			continue;
		ck_assert(json_object_object_get_ex(paths, path, &item));
		ck_assert_msg(json_object_object_get_ex(item, "options", NULL),
		    "%s answers CORS preflights but documents no options", path);
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
	tcase_add_test(tc, preflight_is_documented_where_cors_applies);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
