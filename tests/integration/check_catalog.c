/*
 * check_catalog.c: integration tests of the public catalog through a real
 * lighttpd and PostgreSQL (started by tests/run): listing, filters, search,
 * sorting, pagination, single products, categories, store face, ETag/304,
 * Cache-Control, CORS and preflight, HEAD, the bad-input matrix in
 * tests/cases/, tenancy (row-level security proven with direct SQL as the
 * application role) and health. Fixtures: tests/integration/fixtures.sql.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <curl/curl.h>
#include <libpq-fe.h>

#include "http.h"

#define FX	"/api/v1/stores/fx"
#define FX_ID	"0f000000-0000-4000-8000-000000000001"

static struct http_res	 res;

static void
teardown(void)
{
	http_free(&res);
}

static void
get_ok(const char *path)
{
	http_free(&res);
	ck_assert_int_eq(http_get(path, &res), 0);
	ck_assert_msg(res.status == 200, "%s: status %ld body %s", path,
	    res.status, res.body);
	ck_assert_ptr_nonnull(res.json);
	ck_assert_msg(json_object_get_boolean(http_path(res.json, "success")),
	    "%s: success is not true", path);
}

static int64_t
jint(const char *path)
{
	struct json_object	*o = http_path(res.json, path);

	ck_assert_msg(o != NULL, "no %s in %s", path, res.body);
	return json_object_get_int64(o);
}

static size_t
ndata(void)
{
	struct json_object	*d = http_path(res.json, "data");

	ck_assert_msg(d != NULL && json_object_is_type(d, json_type_array),
	    "data is not an array: %s", res.body);
	return json_object_array_length(d);
}

static const char *
item(size_t i, const char *field)
{
	char	 p[64];

	snprintf(p, sizeof(p), "data.%zu.%s", i, field);
	return http_str(res.json, p);
}

/* Whether the listed slugs are exactly want (in any order). */
static void
assert_slugs(const char *const *want, size_t n)
{
	size_t	 i, j;

	ck_assert_msg(ndata() == n, "want %zu items, got %zu: %s", n, ndata(),
	    res.body);
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(item(j, "slug"), want[i]) == 0)
				break;
		ck_assert_msg(j < n, "%s missing from %s", want[i], res.body);
	}
}

START_TEST(health_reports_database_ok)
{
	get_ok("/api/health");
	ck_assert_str_eq(http_str(res.json, "data.status"), "ok");
	ck_assert_str_eq(http_str(res.json, "data.database"), "ok");
}
END_TEST

START_TEST(list_shows_active_products_of_this_store_only)
{
	static const char *const want[] = { "honey-bee-handbook",
	    "starship-logs", "quiet-album", "html-guide", "bobby-tables",
	    "cafe-creme" };

	get_ok(FX "/products");
	assert_slugs(want, 6);
	ck_assert_int_eq(jint("pagination.total"), 6);
	ck_assert_int_eq(jint("pagination.limit"), 24);
	ck_assert_int_eq(jint("pagination.offset"), 0);
	ck_assert(!json_object_get_boolean(http_path(res.json,
	    "pagination.hasMore")));
	ck_assert_ptr_null(strstr(res.body, "Other Store Secret"));
	ck_assert_ptr_null(strstr(res.body, "Hidden Draft"));
}
END_TEST

START_TEST(list_envelope_has_meta_and_matching_request_id)
{
	char	*rid;

	get_ok(FX "/products?limit=1");
	rid = http_header(&res, "X-Request-Id");
	ck_assert_ptr_nonnull(rid);
	ck_assert_str_eq(rid, http_str(res.json, "meta.requestId"));
	ck_assert_ptr_nonnull(http_str(res.json, "meta.timestamp"));
	ck_assert_ptr_nonnull(http_str(res.json, "meta.version"));
	free(rid);
}
END_TEST

START_TEST(store_by_id_equals_store_by_slug)
{
	get_ok("/api/v1/stores/" FX_ID "/products?sort=name");
	ck_assert_int_eq(jint("pagination.total"), 6);
	ck_assert_str_eq(item(0, "slug"), "html-guide");
}
END_TEST

START_TEST(pagination_pages_through_all)
{
	get_ok(FX "/products?limit=2&sort=newest");
	ck_assert_uint_eq(ndata(), 2);
	ck_assert_int_eq(jint("pagination.total"), 6);
	ck_assert(json_object_get_boolean(http_path(res.json, "pagination.hasMore")));
	ck_assert_str_eq(item(0, "slug"), "honey-bee-handbook");
	ck_assert_str_eq(item(1, "slug"), "starship-logs");
	get_ok(FX "/products?limit=2&offset=4&sort=newest");
	ck_assert_uint_eq(ndata(), 2);
	ck_assert(!json_object_get_boolean(http_path(res.json, "pagination.hasMore")));
	ck_assert_str_eq(item(0, "slug"), "bobby-tables");
	ck_assert_str_eq(item(1, "slug"), "cafe-creme");
}
END_TEST

START_TEST(offset_past_the_end_keeps_the_total)
{
	get_ok(FX "/products?offset=100");
	ck_assert_uint_eq(ndata(), 0);
	ck_assert_int_eq(jint("pagination.total"), 6);
	ck_assert(!json_object_get_boolean(http_path(res.json, "pagination.hasMore")));
	/* The same for a filtered listing and for a search. */
	get_ok(FX "/products?featured=true&offset=10");
	ck_assert_uint_eq(ndata(), 0);
	ck_assert_int_eq(jint("pagination.total"), 1);
	get_ok(FX "/products?q=recordings%20OR%20voyage&offset=2");
	ck_assert_uint_eq(ndata(), 0);
	ck_assert_int_eq(jint("pagination.total"), 2);
	get_ok(FX "/products?q=recordings%20OR%20voyage&limit=1&offset=1");
	ck_assert_uint_eq(ndata(), 1);
	ck_assert_int_eq(jint("pagination.total"), 2);
}
END_TEST

START_TEST(featured_filter)
{
	static const char *const want[] = { "honey-bee-handbook" };

	get_ok(FX "/products?featured=true");
	assert_slugs(want, 1);
	get_ok(FX "/products?featured=false");
	ck_assert_uint_eq(ndata(), 6);
}
END_TEST

START_TEST(category_filter_includes_subcategories)
{
	static const char *const books[] = { "honey-bee-handbook",
	    "starship-logs" };
	static const char *const fiction[] = { "starship-logs" };

	get_ok(FX "/products?category=books");
	assert_slugs(books, 2);
	get_ok(FX "/products?category=0f000000-0000-4000-8000-0000000000c1");
	assert_slugs(books, 2);
	get_ok(FX "/products?category=fiction");
	assert_slugs(fiction, 1);
	get_ok(FX "/products?category=empty");
	ck_assert_uint_eq(ndata(), 0);
	/* fx2 has a "books" category too: never mixed in. */
	get_ok(FX "/products?category=0f000000-0000-4000-8000-0000000000c9");
	ck_assert_uint_eq(ndata(), 0);
}
END_TEST

START_TEST(search_ranks_matches_and_ignores_other_stores)
{
	get_ok(FX "/products?q=honey%20hive");
	ck_assert_uint_eq(ndata(), 1);
	ck_assert_str_eq(item(0, "slug"), "honey-bee-handbook");
	ck_assert_ptr_null(strstr(res.body, "other-secret"));
	get_ok(FX "/products?q=bee");
	/* The inactive draft mentions bees too; it never shows. */
	ck_assert_uint_eq(ndata(), 1);
	get_ok(FX "/products?q=recordings%20OR%20voyage&sort=relevance");
	ck_assert_uint_eq(ndata(), 2);
}
END_TEST

START_TEST(search_text_is_never_sql)
{
	get_ok(FX "/products?q=%27%3B%20DROP%20TABLE%20products%3B--");
	get_ok(FX "/products?q=Robert%27%29%3B%20DROP%20TABLE");
	ck_assert_uint_eq(ndata(), 1);
	ck_assert_str_eq(item(0, "slug"), "bobby-tables");
	get_ok(FX "/products");
	ck_assert_int_eq(jint("pagination.total"), 6);
}
END_TEST

START_TEST(html_is_escaped_in_json_and_never_echoed)
{
	get_ok(FX "/products/html-guide");
	ck_assert_ptr_null(strstr(res.body, "<script>"));
	ck_assert_ptr_nonnull(strstr(res.body, "\\u003cscript\\u003e"));
	ck_assert_str_eq(http_str(res.json, "data.name"),
	    "<script>alert(1)</script> Guide");
	ck_assert_str_eq(http_str(res.json, "data.description"),
	    "O'Reilly \"quotes\" & <b>ampersands</b>");
	http_free(&res);
	http_get(FX "/products?q=%3Cscript%3Ealert(2)%3C/script%3E", &res);
	ck_assert_int_eq(res.status, 200);
	ck_assert_ptr_null(strstr(res.body, "alert(2)"));
}
END_TEST

START_TEST(price_range_in_major_units)
{
	static const char *const want[] = { "honey-bee-handbook",
	    "html-guide" };

	get_ok(FX "/products?min_price=7.50&max_price=12.99");
	assert_slugs(want, 2);
	get_ok(FX "/products?min_price=12.991");
	ck_assert_uint_eq(ndata(), 2);	/* 20.00 and 9999.99 */
	get_ok(FX "/products?max_price=0.01");
	ck_assert_uint_eq(ndata(), 1);
	ck_assert_str_eq(item(0, "slug"), "bobby-tables");
}
END_TEST

START_TEST(sorts_order_as_named)
{
	get_ok(FX "/products?sort=price_asc");
	ck_assert_str_eq(item(0, "slug"), "bobby-tables");
	ck_assert_str_eq(item(5, "slug"), "cafe-creme");
	get_ok(FX "/products?sort=price_desc");
	ck_assert_str_eq(item(0, "slug"), "cafe-creme");
	ck_assert_str_eq(item(5, "slug"), "bobby-tables");
	get_ok(FX "/products?sort=name");
	ck_assert_str_eq(item(0, "slug"), "html-guide");
	ck_assert_str_eq(item(1, "slug"), "cafe-creme");
	get_ok(FX "/products");
	ck_assert_str_eq(item(0, "slug"), "honey-bee-handbook");
	ck_assert_str_eq(item(5, "slug"), "cafe-creme");
}
END_TEST

START_TEST(prices_are_exact_numbers_in_major_units)
{
	get_ok(FX "/products/honey-bee-handbook");
	ck_assert_ptr_nonnull(strstr(res.body, "\"price\":12.99,"));
	ck_assert_str_eq(http_str(res.json, "data.currency"), "USD");
	get_ok(FX "/products/starship-logs");
	ck_assert_ptr_nonnull(strstr(res.body, "\"price\":5.00,"));
	get_ok(FX "/products/cafe-creme");
	ck_assert_ptr_nonnull(strstr(res.body, "\"price\":9999.99,"));
	ck_assert_str_eq(http_str(res.json, "data.name"), "Café Crème Recipes");
	get_ok("/api/v1/stores/fxjp/products/tokyo-guide");
	ck_assert_ptr_nonnull(strstr(res.body, "\"price\":1500,"));
	ck_assert_str_eq(http_str(res.json, "data.currency"), "JPY");
}
END_TEST

START_TEST(single_product_by_id_and_slug)
{
	get_ok(FX "/products/0f000000-0000-4000-8000-0000000000a1");
	ck_assert_str_eq(http_str(res.json, "data.slug"), "honey-bee-handbook");
	ck_assert_str_eq(http_str(res.json, "data.categoryId"),
	    "0f000000-0000-4000-8000-0000000000c1");
	ck_assert(json_object_get_boolean(http_path(res.json, "data.featured")));
	ck_assert_ptr_nonnull(http_path(res.json, "data.images"));
	ck_assert_ptr_nonnull(http_str(res.json, "data.createdAt"));
	get_ok(FX "/products/honey-bee-handbook");
	ck_assert_str_eq(http_str(res.json, "data.id"),
	    "0f000000-0000-4000-8000-0000000000a1");
}
END_TEST

START_TEST(store_public_face)
{
	get_ok(FX);
	ck_assert_str_eq(http_str(res.json, "data.slug"), "fx");
	ck_assert_str_eq(http_str(res.json, "data.id"), FX_ID);
	ck_assert_str_eq(http_str(res.json, "data.name"), "Fixture Store");
	ck_assert_str_eq(http_str(res.json, "data.currency"), "USD");
	ck_assert_str_eq(http_str(res.json, "data.allowedOrigins.0"),
	    "https://shop.fx.test");
	ck_assert_str_eq(http_str(res.json, "data.allowedOrigins.1"),
	    "http://localhost:3000");
	get_ok("/api/v1/stores/demo");
	ck_assert_str_eq(http_str(res.json, "data.allowedOrigins.0"),
	    "http://127.0.0.1:8080");
}
END_TEST

START_TEST(categories_form_a_tree_with_counts)
{
	get_ok(FX "/categories");
	ck_assert_uint_eq(ndata(), 3);
	ck_assert_str_eq(http_str(res.json, "data.0.slug"), "books");
	ck_assert_int_eq(jint("data.0.productCount"), 2);
	ck_assert_str_eq(http_str(res.json, "data.0.children.0.slug"), "fiction");
	ck_assert_int_eq(jint("data.0.children.0.productCount"), 1);
	ck_assert_str_eq(http_str(res.json,
	    "data.0.children.0.children.0.slug"), "scifi");
	ck_assert_str_eq(http_str(res.json,
	    "data.0.children.0.children.0.parentId"),
	    "0f000000-0000-4000-8000-0000000000c2");
	ck_assert_str_eq(http_str(res.json, "data.1.slug"), "music");
	ck_assert_int_eq(jint("data.1.productCount"), 2);
	ck_assert_int_eq(jint("data.2.productCount"), 0);
}
END_TEST

START_TEST(etag_and_conditional_get)
{
	char		*etag, *etag2, *cc, *hdr;
	const char	*hv[2] = { NULL, NULL };

	get_ok(FX "/products?limit=3");
	etag = http_header(&res, "ETag");
	ck_assert_ptr_nonnull(etag);
	cc = http_header(&res, "Cache-Control");
	ck_assert_ptr_nonnull(cc);
	ck_assert_ptr_nonnull(strstr(cc, "max-age="));
	ck_assert_ptr_nonnull(strstr(cc, "stale-while-revalidate="));
	ck_assert_ptr_nonnull(strstr(cc, "public"));
	/* meta changes each time; the ETag does not. */
	get_ok(FX "/products?limit=3");
	etag2 = http_header(&res, "ETag");
	ck_assert_str_eq(etag, etag2);
	free(etag2);
	hdr = malloc(strlen(etag) + 32);
	snprintf(hdr, strlen(etag) + 32, "If-None-Match: %s", etag);
	hv[0] = hdr;
	http_free(&res);
	ck_assert_int_eq(http_do("GET", FX "/products?limit=3", hv, NULL, &res), 0);
	ck_assert_int_eq(res.status, 304);
	ck_assert_uint_eq(res.body_len, 0);
	etag2 = http_header(&res, "ETag");
	ck_assert_str_eq(etag, etag2);
	free(etag2);
	/* Another representation does not match. */
	http_free(&res);
	http_do("GET", FX "/products?limit=4", hv, NULL, &res);
	ck_assert_int_eq(res.status, 200);
	/* A list of tags, and the strong form of the weak tag, match. */
	snprintf(hdr, strlen(etag) + 32, "If-None-Match: \"x\", %s", etag + 2);
	http_free(&res);
	http_do("GET", FX "/products?limit=3", hv, NULL, &res);
	ck_assert_int_eq(res.status, 304);
	hv[0] = "If-None-Match: *";
	http_free(&res);
	http_do("GET", FX, hv, NULL, &res);
	ck_assert_int_eq(res.status, 304);
	free(hdr);
	free(etag);
	free(cc);
}
END_TEST

START_TEST(errors_are_not_cached)
{
	char	*cc;

	http_get(FX "/products?limit=0", &res);
	ck_assert_int_eq(res.status, 400);
	cc = http_header(&res, "Cache-Control");
	ck_assert_str_eq(cc, "no-store");
	free(cc);
	ck_assert_ptr_null(http_header(&res, "ETag"));
}
END_TEST

START_TEST(cors_only_for_allowed_origins)
{
	const char	*good[] = { "Origin: https://shop.fx.test", NULL };
	const char	*evil[] = { "Origin: https://evil.test", NULL };
	const char	*other[] = { "Origin: https://other.fx.test", NULL };
	char		*h;

	ck_assert_int_eq(http_do("GET", FX "/products", good, NULL, &res), 0);
	h = http_header(&res, "Access-Control-Allow-Origin");
	ck_assert_str_eq(h, "https://shop.fx.test");
	free(h);
	h = http_header(&res, "Vary");
	ck_assert_ptr_nonnull(strstr(h, "Origin"));
	free(h);
	http_free(&res);
	http_do("GET", FX "/products", evil, NULL, &res);
	ck_assert_int_eq(res.status, 200);
	ck_assert_ptr_null(http_header(&res, "Access-Control-Allow-Origin"));
	/* Another store's origin is not this store's. */
	http_free(&res);
	http_do("GET", FX "/products", other, NULL, &res);
	ck_assert_ptr_null(http_header(&res, "Access-Control-Allow-Origin"));
}
END_TEST

START_TEST(preflight_answers_allowed_origins_only)
{
	const char	*good[] = { "Origin: https://shop.fx.test",
	    "Access-Control-Request-Method: GET", NULL };
	const char	*evil[] = { "Origin: https://evil.test",
	    "Access-Control-Request-Method: GET", NULL };
	char		*h;

	ck_assert_int_eq(http_do("OPTIONS", FX "/products", good, NULL, &res), 0);
	ck_assert_int_eq(res.status, 204);
	h = http_header(&res, "Access-Control-Allow-Origin");
	ck_assert_str_eq(h, "https://shop.fx.test");
	free(h);
	h = http_header(&res, "Access-Control-Allow-Methods");
	ck_assert_ptr_nonnull(strstr(h, "GET"));
	free(h);
	http_free(&res);
	http_do("OPTIONS", FX "/products/honey-bee-handbook", evil, NULL, &res);
	ck_assert_int_eq(res.status, 204);
	ck_assert_ptr_null(http_header(&res, "Access-Control-Allow-Origin"));
	http_free(&res);
	http_do("OPTIONS", "/api/v1/stores/nope/products", good, NULL, &res);
	ck_assert_int_eq(res.status, 404);
	ck_assert_ptr_null(http_header(&res, "Access-Control-Allow-Origin"));
}
END_TEST

START_TEST(head_has_headers_and_no_body)
{
	char	*cl;

	ck_assert_int_eq(http_do("HEAD", FX "/products", NULL, NULL, &res), 0);
	ck_assert_int_eq(res.status, 200);
	ck_assert_uint_eq(res.body_len, 0);
	cl = http_header(&res, "ETag");
	ck_assert_ptr_nonnull(cl);
	free(cl);
	cl = http_header(&res, "Content-Length");
	ck_assert_ptr_nonnull(cl);
	ck_assert_int_gt(strtol(cl, NULL, 10), 100);
	free(cl);
}
END_TEST

START_TEST(method_not_allowed_lists_allow)
{
	char	*allow;

	http_do("POST", FX "/products", NULL, "{}", &res);
	ck_assert_int_eq(res.status, 405);
	allow = http_header(&res, "Allow");
	ck_assert_ptr_nonnull(allow);
	ck_assert_str_eq(allow, "GET, HEAD, OPTIONS");
	free(allow);
	ck_assert_str_eq(http_str(res.json, "error.code"), "METHOD_NOT_ALLOWED");
}
END_TEST

START_TEST(long_search_is_rejected)
{
	char	*path;
	size_t	 n = 10 * 1024, off = strlen(FX "/products?q=");

	path = malloc(off + n + 1);
	memcpy(path, FX "/products?q=", off);
	memset(path + off, 'a', n);
	path[off + n] = '\0';
	http_get(path, &res);
	free(path);
	ck_assert_int_eq(res.status, 400);
	ck_assert_str_eq(http_str(res.json, "error.code"), "VALIDATION_ERROR");
	ck_assert_ptr_nonnull(http_str(res.json, "error.details.q"));
}
END_TEST

/*
 * The bad-input matrix: each tests/cases/NNN.txt holds a comment line, a
 * request line ("GET /path") and the expected "status CODE field" (field
 * "-" when no detail is expected).
 */
START_TEST(bad_input_matrix)
{
	const char	*dir = getenv("COLMENA_TEST_CASES");
	DIR		*d;
	struct dirent	*de;
	char		 path[1024], line[3][4096], method[16], target[4000];
	char		 code[64], field[64];
	long		 status;
	int		 count = 0, i;
	FILE		*f;

	if (dir == NULL)
		dir = COLMENA_TOP_SRCDIR "/tests/cases";
	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".txt") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		ck_assert_ptr_nonnull(f = fopen(path, "r"));
		for (i = 0; i < 3; i++) {
			ck_assert_ptr_nonnull(fgets(line[i], sizeof(line[i]), f));
			line[i][strcspn(line[i], "\n")] = '\0';
		}
		fclose(f);
		ck_assert_int_eq(sscanf(line[1], "%15s %3999s", method, target), 2);
		ck_assert_int_eq(sscanf(line[2], "%ld %63s %63s", &status, code,
		    field), 3);
		http_free(&res);
		ck_assert_int_eq(http_do(method, target, NULL, NULL, &res), 0);
		ck_assert_msg(res.status == status, "%s (%s): want %ld, got %ld: %s",
		    de->d_name, line[0], status, res.status, res.body);
		ck_assert_msg(res.json != NULL, "%s: body is not JSON", de->d_name);
		ck_assert(!json_object_get_boolean(http_path(res.json, "success")));
		ck_assert_msg(strcmp(http_str(res.json, "error.code"), code) == 0,
		    "%s: want %s, got %s", de->d_name, code,
		    http_str(res.json, "error.code"));
		if (strcmp(field, "-") != 0) {
			snprintf(path, sizeof(path), "error.details.%s", field);
			ck_assert_msg(http_str(res.json, path) != NULL,
			    "%s: no detail for %s in %s", de->d_name, field, res.body);
		}
		ck_assert_msg(strstr(res.body, "<script") == NULL &&
		    strstr(res.body, "<img") == NULL, "%s echoed markup: %s",
		    de->d_name, res.body);
		count++;
	}
	closedir(d);
	ck_assert_int_ge(count, 30);
}
END_TEST

static PGconn *
db_connect(const char *env)
{
	const char	*url = getenv(env);
	PGconn		*c;

	ck_assert_msg(url != NULL, "%s is not set", env);
	c = PQconnectdb(url);
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	return c;
}

static long
db_count(PGconn *c, const char *sql)
{
	PGresult	*r = PQexec(c, sql);
	long		 n;

	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
	    PQresultErrorMessage(r));
	n = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n;
}

static void
db_ok(PGconn *c, const char *sql)
{
	PGresult	*r = PQexec(c, sql);

	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
	    PQresultErrorMessage(r));
	PQclear(r);
}

static void
db_fails(PGconn *c, const char *sql)
{
	PGresult	*r = PQexec(c, sql);

	ck_assert_msg(PQresultStatus(r) == PGRES_FATAL_ERROR,
	    "%s should have failed", sql);
	PQclear(r);
}

static void
rls_check(const char *env)
{
	PGconn	*c = db_connect(env);

	/* No store set: a query without WHERE sees no store's rows. */
	ck_assert_int_eq(db_count(c, "SELECT count(*) FROM products"), 0);
	ck_assert_int_eq(db_count(c, "SELECT count(*) FROM categories"), 0);
	db_ok(c, "BEGIN");
	db_ok(c, "SELECT set_config('app.store_id', '" FX_ID "', true)");
	/* fx has 7 products (one inactive); fx2's never show. */
	ck_assert_int_eq(db_count(c, "SELECT count(*) FROM products"), 7);
	ck_assert_int_eq(db_count(c, "SELECT count(*) FROM products"
	    " WHERE slug = 'other-secret'"), 0);
	ck_assert_int_eq(db_count(c, "SELECT count(DISTINCT store_id)"
	    " FROM categories"), 1);
	ck_assert_int_gt(db_count(c, "SELECT count(*) FROM audit_logs"
	    " WHERE entity_type = 'products'"), 0);
	/* Writing another store's rows is refused. */
	db_fails(c, "INSERT INTO products (store_id, name, slug, price_minor,"
	    " currency) VALUES ('0f000000-0000-4000-8000-000000000002', 'x',"
	    " 'x', 1, 'EUR')");
	db_ok(c, "ROLLBACK");
	db_ok(c, "BEGIN");
	db_ok(c, "SELECT set_config('app.store_id', '" FX_ID "', true)");
	ck_assert_int_eq(db_count(c, "WITH u AS (UPDATE products SET name = 'x'"
	    " WHERE slug = 'other-secret' RETURNING 1) SELECT count(*) FROM u"), 0);
	db_ok(c, "ROLLBACK");
	PQfinish(c);
}

START_TEST(rls_scopes_the_application_role)
{
	PGconn	*c;

	rls_check("COLMENA_DB_URL");
	/* The application role cannot switch row-level security off. */
	c = db_connect("COLMENA_DB_URL");
	db_fails(c, "ALTER TABLE products NO FORCE ROW LEVEL SECURITY");
	db_fails(c, "SET row_security = off; SELECT count(*) FROM products");
	db_fails(c, "DELETE FROM schema_migrations");
	PQfinish(c);
}
END_TEST

START_TEST(products_take_their_stores_currency)
{
	PGconn	*c = db_connect("COLMENA_DB_OWNER_URL");
	PGresult *r;

	db_ok(c, "BEGIN");
	db_ok(c, "SELECT set_config('app.store_id', '" FX_ID "', true)");
	db_fails(c, "INSERT INTO products (store_id, name, slug, price_minor,"
	    " currency) VALUES ('" FX_ID "', 'Euro thing', 'euro-thing', 100,"
	    " 'EUR')");
	db_ok(c, "ROLLBACK");
	db_ok(c, "BEGIN");
	db_ok(c, "SELECT set_config('app.store_id', '" FX_ID "', true)");
	r = PQexec(c, "INSERT INTO products (store_id, name, slug, price_minor)"
	    " VALUES ('" FX_ID "', 'No currency', 'no-currency', 100)"
	    " RETURNING currency");
	ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	ck_assert_str_eq(PQgetvalue(r, 0, 0), "USD");
	PQclear(r);
	db_ok(c, "ROLLBACK");
	PQfinish(c);
}
END_TEST

START_TEST(rls_is_forced_for_the_owner_too)
{
	rls_check("COLMENA_DB_OWNER_URL");
}
END_TEST

/*
 * Every program process caches answers; a change committed in the database
 * must show on the very next request to any of them.
 */
START_TEST(changes_show_at_once_despite_caching)
{
	PGconn	*c = db_connect("COLMENA_DB_OWNER_URL");
	int	 i;

	for (i = 0; i < 8; i++) {
		get_ok(FX "/products/quiet-album");
		ck_assert_ptr_nonnull(strstr(res.body, "\"price\":20.00,"));
		get_ok(FX "/products?category=music");
		ck_assert_uint_eq(ndata(), 2);
	}
	db_ok(c, "BEGIN");
	db_ok(c, "SELECT set_config('app.store_id', '" FX_ID "', true)");
	db_ok(c, "UPDATE products SET price_minor = 2100 WHERE slug = 'quiet-album'");
	db_ok(c, "UPDATE products SET is_active = false WHERE slug = 'cafe-creme'");
	db_ok(c, "COMMIT");
	for (i = 0; i < 8; i++) {
		get_ok(FX "/products/quiet-album");
		ck_assert_msg(strstr(res.body, "\"price\":21.00,") != NULL,
		    "stale answer %d: %s", i, res.body);
		get_ok(FX "/products?category=music");
		ck_assert_uint_eq(ndata(), 1);
	}
	db_ok(c, "BEGIN");
	db_ok(c, "SELECT set_config('app.store_id', '" FX_ID "', true)");
	db_ok(c, "UPDATE products SET price_minor = 2000 WHERE slug = 'quiet-album'");
	db_ok(c, "UPDATE products SET is_active = true WHERE slug = 'cafe-creme'");
	db_ok(c, "COMMIT");
	for (i = 0; i < 8; i++) {
		get_ok(FX "/products?category=music");
		ck_assert_uint_eq(ndata(), 2);
	}
	PQfinish(c);
}
END_TEST

static Suite *
catalog_suite(void)
{
	Suite	*s = suite_create("catalog");
	TCase	*tc = tcase_create("http");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, health_reports_database_ok);
	tcase_add_test(tc, list_shows_active_products_of_this_store_only);
	tcase_add_test(tc, list_envelope_has_meta_and_matching_request_id);
	tcase_add_test(tc, store_by_id_equals_store_by_slug);
	tcase_add_test(tc, pagination_pages_through_all);
	tcase_add_test(tc, offset_past_the_end_keeps_the_total);
	tcase_add_test(tc, featured_filter);
	tcase_add_test(tc, category_filter_includes_subcategories);
	tcase_add_test(tc, search_ranks_matches_and_ignores_other_stores);
	tcase_add_test(tc, search_text_is_never_sql);
	tcase_add_test(tc, html_is_escaped_in_json_and_never_echoed);
	tcase_add_test(tc, price_range_in_major_units);
	tcase_add_test(tc, sorts_order_as_named);
	tcase_add_test(tc, prices_are_exact_numbers_in_major_units);
	tcase_add_test(tc, single_product_by_id_and_slug);
	tcase_add_test(tc, store_public_face);
	tcase_add_test(tc, categories_form_a_tree_with_counts);
	tcase_add_test(tc, etag_and_conditional_get);
	tcase_add_test(tc, errors_are_not_cached);
	tcase_add_test(tc, cors_only_for_allowed_origins);
	tcase_add_test(tc, preflight_answers_allowed_origins_only);
	tcase_add_test(tc, head_has_headers_and_no_body);
	tcase_add_test(tc, method_not_allowed_lists_allow);
	tcase_add_test(tc, long_search_is_rejected);
	tcase_add_test(tc, bad_input_matrix);
	tcase_add_test(tc, rls_scopes_the_application_role);
	tcase_add_test(tc, rls_is_forced_for_the_owner_too);
	tcase_add_test(tc, products_take_their_stores_currency);
	tcase_add_test(tc, changes_show_at_once_despite_caching);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	sr = srunner_create(catalog_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed == 0 ? 0 : 1;
}
