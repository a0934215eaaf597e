/*
 * check_route.c: route_match (binding {params}, literal and segment-count
 * mismatches) and route_dispatch on hand-built requests: 404, 405 with
 * Allow, HEAD as GET, OPTIONS with and without a callback, bad path/query.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json.h>

#include "arena.h"
#include "buf.h"
#include "req.h"
#include "route.h"

static struct arena	*a;
static struct buf	 body;
static struct req	 r;
static const char	*called;
static const char	*opt_allow;
static const char	*opt_store;
static enum method	 seen_method;

static void
h_health(struct req *q)
{
	called = "health";
	seen_method = q->method;
	req_empty(q, 204);
}

static void
h_store(struct req *q)
{
	called = "store";
	seen_method = q->method;
	req_empty(q, 200);
}

static void
h_list(struct req *q)
{
	called = "list";
	seen_method = q->method;
	req_empty(q, 200);
}

static void
h_get(struct req *q)
{
	called = "get";
	seen_method = q->method;
	req_empty(q, 200);
}

static void
h_create(struct req *q)
{
	called = "create";
	req_empty(q, 201);
}

static void
h_admin_get(struct req *q)
{
	called = "admin_get";
	req_empty(q, 200);
}

static void
h_delete(struct req *q)
{
	called = "delete";
	req_empty(q, 204);
}

static void
on_options(struct req *q, const char *allow)
{
	size_t	 i;

	opt_allow = allow;
	opt_store = NULL;
	for (i = 0; i < q->nparams; i++)
		if (strcmp(q->params[i].key, "store") == 0)
			opt_store = q->params[i].val;
	req_empty(q, 204);
}

static const struct route routes[] = {
	{ METHOD_GET, "/api/health", h_health, NULL },
	{ METHOD_GET, "/api/v1/stores/{store}", h_store, NULL },
	{ METHOD_GET, "/api/v1/stores/{store}/products", h_list, NULL },
	{ METHOD_GET, "/api/v1/stores/{store}/products/{product}", h_get, NULL },
	{ METHOD_POST, "/api/v1/admin/products", h_create, NULL },
	{ METHOD_GET, "/api/v1/admin/products/{id}", h_admin_get, NULL },
	{ METHOD_DELETE, "/api/v1/admin/products/{id}", h_delete, NULL },
};
#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

static void
setup(void)
{
	unsetenv("HTTP_ORIGIN");
	unsetenv("HTTP_X_REQUEST_ID");
	a = arena_new();
	buf_init(&body, 1 << 16);
	called = opt_allow = opt_store = NULL;
	seen_method = METHOD__MAX;
}

static void
teardown(void)
{
	buf_clear(&body);
	arena_free(a);
}

/* A request for path (already decoded, '/'-separated) with method m. */
static void
req_make(enum method m, const char *path)
{
	char	*copy, *seg, *save;

	memset(&r, 0, sizeof(r));
	r.arena = a;
	r.body = &body;
	r.method = m;
	r.method_name = m < METHOD__MAX ? method_names[m] : "BREW";
	r.uri = path;
	copy = arena_strdup(a, path);
	for (seg = strtok_r(copy, "/", &save); seg != NULL;
	    seg = strtok_r(NULL, "/", &save)) {
		ck_assert_uint_lt(r.nsegs, REQ_SEGS_MAX);
		r.segs[r.nsegs++] = seg;
	}
}

static const char *
hdr(const char *name)
{
	size_t	 i;

	for (i = 0; i < r.nhdrs; i++)
		if (strcmp(r.hdrs[i].key, name) == 0)
			return r.hdrs[i].val;
	return NULL;
}

static const char *
param(const char *name)
{
	size_t	 i;

	for (i = 0; i < r.nparams; i++)
		if (strcmp(r.params[i].key, name) == 0)
			return r.params[i].val;
	return NULL;
}

/* Parse the response body; the caller puts the result. */
static struct json_object *
body_json(void)
{
	struct json_object	*o;

	ck_assert(!body.err);
	o = json_tokener_parse(body.data);
	ck_assert_msg(o != NULL, "body is not JSON: %s", body.data);
	return o;
}

/* The string at a dotted path like "error.code", or NULL. */
static const char *
jget(struct json_object *o, const char *path)
{
	char			 buf[128], *p, *save;
	struct json_object	*v = o;

	ck_assert_uint_lt(strlen(path), sizeof(buf));
	memcpy(buf, path, strlen(path) + 1);
	for (p = strtok_r(buf, ".", &save); p != NULL;
	    p = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(v, p, &v))
			return NULL;
	return json_object_get_string(v);
}

/* route_match */

START_TEST(route_match_binds_params)
{
	req_make(METHOD_GET, "/api/v1/stores/demo/products/red-shirt");
	ck_assert(route_match("/api/v1/stores/{store}/products/{product}", &r));
	ck_assert_uint_eq(r.nparams, 2);
	ck_assert_str_eq(param("store"), "demo");
	ck_assert_str_eq(param("product"), "red-shirt");
	ck_assert_uint_eq(r.params[0].len, 4);
	ck_assert_uint_eq(r.params[1].len, 9);
}
END_TEST

START_TEST(route_match_literal_path)
{
	req_make(METHOD_GET, "/api/health");
	ck_assert(route_match("/api/health", &r));
	ck_assert_uint_eq(r.nparams, 0);
}
END_TEST

START_TEST(route_match_literal_mismatch)
{
	req_make(METHOD_GET, "/api/v1/stores/demo/product");
	ck_assert(!route_match("/api/v1/stores/{store}/products", &r));
	req_make(METHOD_GET, "/api/v1/stores/demo/productss");
	ck_assert(!route_match("/api/v1/stores/{store}/products", &r));
	req_make(METHOD_GET, "/API/v1/stores/demo/products");
	ck_assert(!route_match("/api/v1/stores/{store}/products", &r));
	req_make(METHOD_GET, "/api/healt");
	ck_assert(!route_match("/api/health", &r));
}
END_TEST

START_TEST(route_match_too_few_segments)
{
	req_make(METHOD_GET, "/api/v1/stores");
	ck_assert(!route_match("/api/v1/stores/{store}", &r));
	req_make(METHOD_GET, "/api/v1/stores/demo");
	ck_assert(!route_match("/api/v1/stores/{store}/products", &r));
	req_make(METHOD_GET, "/");
	ck_assert(!route_match("/api/health", &r));
}
END_TEST

START_TEST(route_match_too_many_segments)
{
	req_make(METHOD_GET, "/api/health/extra");
	ck_assert(!route_match("/api/health", &r));
	req_make(METHOD_GET, "/api/v1/stores/demo/products/x/y");
	ck_assert(!route_match("/api/v1/stores/{store}/products/{product}", &r));
}
END_TEST

START_TEST(route_match_param_takes_any_segment_text)
{
	/* Validation of the value is the handler's job, not the router's. */
	req_make(METHOD_GET, "/api/v1/stores/<script>");
	ck_assert(route_match("/api/v1/stores/{store}", &r));
	ck_assert_str_eq(param("store"), "<script>");
}
END_TEST

START_TEST(route_match_resets_params_on_each_call)
{
	req_make(METHOD_GET, "/api/v1/stores/demo/products/x");
	ck_assert(route_match("/api/v1/stores/{store}/products/{product}", &r));
	ck_assert_uint_eq(r.nparams, 2);
	ck_assert(route_match("/api/v1/stores/{a}/products/{b}", &r));
	ck_assert_uint_eq(r.nparams, 2);
	ck_assert_str_eq(param("a"), "demo");
	ck_assert_ptr_null(param("store"));
}
END_TEST

/* route_dispatch */

START_TEST(route_dispatch_runs_matching_handler)
{
	req_make(METHOD_GET, "/api/v1/stores/demo/products/red-shirt");
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_str_eq(called, "get");
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(req_param(&r, "store"), "demo");
	ck_assert_str_eq(req_param(&r, "product"), "red-shirt");
}
END_TEST

START_TEST(route_dispatch_picks_route_by_segment_count)
{
	req_make(METHOD_GET, "/api/v1/stores/demo");
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_str_eq(called, "store");
	req_make(METHOD_GET, "/api/v1/stores/demo/products");
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_str_eq(called, "list");
}
END_TEST

START_TEST(route_dispatch_unknown_path_is_404)
{
	struct json_object	*o;

	req_make(METHOD_GET, "/api/v1/nothing/here");
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_ptr_null(called);
	ck_assert_int_eq(r.status, 404);
	ck_assert_ptr_null(hdr("Allow"));
	ck_assert_str_eq(hdr("Content-Type"), "application/json; charset=utf-8");
	ck_assert_str_eq(hdr("Cache-Control"), "no-store");
	o = body_json();
	ck_assert_str_eq(jget(o, "success"), "false");
	ck_assert_str_eq(jget(o, "error.code"), "NOT_FOUND");
	ck_assert_ptr_nonnull(jget(o, "meta.requestId"));
	json_object_put(o);
}
END_TEST

START_TEST(route_dispatch_root_path_is_404)
{
	req_make(METHOD_GET, "/");
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_ptr_null(called);
}
END_TEST

START_TEST(route_dispatch_post_on_get_only_path_is_405_with_allow)
{
	struct json_object	*o;

	req_make(METHOD_POST, "/api/v1/stores/demo/products");
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_ptr_null(called);
	ck_assert_int_eq(r.status, 405);
	ck_assert_str_eq(hdr("Allow"), "GET, HEAD, OPTIONS");
	o = body_json();
	ck_assert_str_eq(jget(o, "error.code"), "METHOD_NOT_ALLOWED");
	json_object_put(o);
}
END_TEST

START_TEST(route_dispatch_allow_lists_every_method_of_path)
{
	req_make(METHOD_PUT, "/api/v1/admin/products/42");
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_ptr_null(called);
	ck_assert_int_eq(r.status, 405);
	ck_assert_str_eq(hdr("Allow"), "GET, HEAD, DELETE, OPTIONS");
}
END_TEST

START_TEST(route_dispatch_post_only_path_allow_has_no_get)
{
	req_make(METHOD_GET, "/api/v1/admin/products");
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_ptr_null(called);
	ck_assert_int_eq(r.status, 405);
	ck_assert_str_eq(hdr("Allow"), "POST, OPTIONS");
}
END_TEST

START_TEST(route_dispatch_same_path_other_method_runs_its_handler)
{
	req_make(METHOD_DELETE, "/api/v1/admin/products/42");
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_str_eq(called, "delete");
	ck_assert_int_eq(r.status, 204);
	req_make(METHOD_GET, "/api/v1/admin/products/42");
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_str_eq(called, "admin_get");
}
END_TEST

START_TEST(route_dispatch_unknown_method_is_405)
{
	req_make(METHOD__MAX, "/api/health");
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_ptr_null(called);
	ck_assert_int_eq(r.status, 405);
	ck_assert_str_eq(hdr("Allow"), "GET, HEAD, OPTIONS");
}
END_TEST

START_TEST(route_dispatch_head_runs_get_handler)
{
	req_make(METHOD_HEAD, "/api/v1/stores/demo/products");
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_str_eq(called, "list");
	ck_assert_int_eq(seen_method, METHOD_HEAD);
	ck_assert_str_eq(req_param(&r, "store"), "demo");
}
END_TEST

START_TEST(route_dispatch_head_on_post_only_path_is_405)
{
	req_make(METHOD_HEAD, "/api/v1/admin/products");
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_ptr_null(called);
	ck_assert_int_eq(r.status, 405);
}
END_TEST

START_TEST(route_dispatch_options_without_callback_is_204_with_allow)
{
	req_make(METHOD_OPTIONS, "/api/v1/stores/demo");
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_ptr_null(called);
	ck_assert_int_eq(r.status, 204);
	ck_assert_str_eq(hdr("Allow"), "GET, HEAD, OPTIONS");
	ck_assert_uint_eq(body.len, 0);
}
END_TEST

START_TEST(route_dispatch_options_calls_callback_with_allow_and_params)
{
	req_make(METHOD_OPTIONS, "/api/v1/stores/demo/products/x");
	route_dispatch(routes, NROUTES, on_options, &r);
	ck_assert_ptr_null(called);
	ck_assert_str_eq(opt_allow, "GET, HEAD, OPTIONS");
	ck_assert_str_eq(opt_store, "demo");
	ck_assert_int_eq(r.status, 204);
	ck_assert_str_eq(hdr("Allow"), "GET, HEAD, OPTIONS");
}
END_TEST

START_TEST(route_dispatch_options_on_unknown_path_is_404)
{
	req_make(METHOD_OPTIONS, "/nope");
	route_dispatch(routes, NROUTES, on_options, &r);
	ck_assert_ptr_null(opt_allow);
	ck_assert_int_eq(r.status, 404);
}
END_TEST

START_TEST(route_dispatch_bad_path_is_400_naming_path)
{
	struct json_object	*o;

	req_make(METHOD_GET, "/api/health");
	r.bad_path = true;
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_ptr_null(called);
	ck_assert_int_eq(r.status, 400);
	o = body_json();
	ck_assert_str_eq(jget(o, "error.code"), "VALIDATION_ERROR");
	ck_assert_ptr_nonnull(jget(o, "error.details.path"));
	json_object_put(o);
}
END_TEST

START_TEST(route_dispatch_bad_query_is_400_naming_query)
{
	struct json_object	*o;

	req_make(METHOD_GET, "/api/health");
	r.bad_query = true;
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_ptr_null(called);
	ck_assert_int_eq(r.status, 400);
	o = body_json();
	ck_assert_str_eq(jget(o, "error.code"), "VALIDATION_ERROR");
	ck_assert_str_eq(jget(o, "error.details.query"), "has too many parameters");
	json_object_put(o);
}
END_TEST

START_TEST(route_dispatch_error_replaces_partial_body)
{
	struct json_object	*o;

	req_make(METHOD_GET, "/missing");
	buf_puts(&body, "half-written garbage");
	route_dispatch(routes, NROUTES, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_ptr_null(strstr(body.data, "garbage"));
	o = body_json();
	json_object_put(o);
}
END_TEST

static Suite *
route_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("route");
	tc = tcase_create("match");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, route_match_binds_params);
	tcase_add_test(tc, route_match_literal_path);
	tcase_add_test(tc, route_match_literal_mismatch);
	tcase_add_test(tc, route_match_too_few_segments);
	tcase_add_test(tc, route_match_too_many_segments);
	tcase_add_test(tc, route_match_param_takes_any_segment_text);
	tcase_add_test(tc, route_match_resets_params_on_each_call);
	suite_add_tcase(s, tc);

	tc = tcase_create("dispatch");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, route_dispatch_runs_matching_handler);
	tcase_add_test(tc, route_dispatch_picks_route_by_segment_count);
	tcase_add_test(tc, route_dispatch_unknown_path_is_404);
	tcase_add_test(tc, route_dispatch_root_path_is_404);
	tcase_add_test(tc, route_dispatch_post_on_get_only_path_is_405_with_allow);
	tcase_add_test(tc, route_dispatch_allow_lists_every_method_of_path);
	tcase_add_test(tc, route_dispatch_post_only_path_allow_has_no_get);
	tcase_add_test(tc, route_dispatch_same_path_other_method_runs_its_handler);
	tcase_add_test(tc, route_dispatch_unknown_method_is_405);
	tcase_add_test(tc, route_dispatch_head_runs_get_handler);
	tcase_add_test(tc, route_dispatch_head_on_post_only_path_is_405);
	tcase_add_test(tc, route_dispatch_options_without_callback_is_204_with_allow);
	tcase_add_test(tc,
	    route_dispatch_options_calls_callback_with_allow_and_params);
	tcase_add_test(tc, route_dispatch_options_on_unknown_path_is_404);
	tcase_add_test(tc, route_dispatch_bad_path_is_400_naming_path);
	tcase_add_test(tc, route_dispatch_bad_query_is_400_naming_query);
	tcase_add_test(tc, route_dispatch_error_replaces_partial_body);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(route_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
