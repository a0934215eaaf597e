/*
 * check_req.c: the request layer under plain CGI, as the web server would
 * call it: parsing (method, decoded path segments, query, headers, cookies,
 * request id), bodies (size cap, Content-Length, JSON with field details,
 * content type), and the response written by req_finish (status line,
 * headers, Content-Length, HEAD, ETag and 304, error envelopes, header
 * injection). Output is captured by pointing stdout at a temporary file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "arena.h"
#include "buf.h"
#include "conf.h"
#include "req.h"
#include "valid.h"

static struct arena	*a;
static struct buf	 body;
static struct req	 r;
static char		 out[65536];
static char		 inpath[] = "/tmp/check_req_in.XXXXXX";

static const char *const envs[] = { "REQUEST_METHOD", "REQUEST_URI",
    "QUERY_STRING", "CONTENT_LENGTH", "CONTENT_TYPE", "HTTP_COOKIE",
    "HTTP_IF_NONE_MATCH", "HTTP_X_REQUEST_ID", "HTTP_ORIGIN", "REMOTE_ADDR",
    "COLMENA_BODY_MAX", NULL };

static void
setup(void)
{
	char	 err[256];
	size_t	 i;

	for (i = 0; envs[i] != NULL; i++)
		unsetenv(envs[i]);
	ck_assert_int_eq(conf_load(NULL, err, sizeof(err)), 0);
	a = arena_new();
	buf_init(&body, 1 << 20);
}

static void
teardown(void)
{
	arena_free(a);
	buf_clear(&body);
	conf_free();
}

static void
start(const char *method, const char *uri, const char *qs)
{
	setenv("REQUEST_METHOD", method, 1);
	setenv("REQUEST_URI", uri, 1);
	if (qs != NULL)
		setenv("QUERY_STRING", qs, 1);
	req_init(&r, NULL, a, NULL, &body);
}

/* Feed data as the request body on stdin, with its Content-Length. */
static void
stdin_from(const char *data)
{
	char	 len[32];
	int	 fd;

	snprintf(len, sizeof(len), "%zu", strlen(data));
	setenv("CONTENT_LENGTH", len, 1);

	strcpy(inpath, "/tmp/check_req_in.XXXXXX");
	ck_assert_int_ge(fd = mkstemp(inpath), 0);
	ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
	ck_assert_ptr_nonnull(freopen(inpath, "r", stdin));
	unlink(inpath);
}

/* Run req_finish with stdout in a file; the answer lands in out. */
static void
finish(void)
{
	char	 path[] = "/tmp/check_req_out.XXXXXX";
	int	 fd, saved;
	ssize_t	 n;

	fflush(stdout);
	ck_assert_int_ge(fd = mkstemp(path), 0);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	req_finish(&r);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, out, sizeof(out) - 1);
	ck_assert_int_ge(n, 0);
	out[n] = '\0';
	close(fd);
	unlink(path);
}

static const char *
body_of(void)
{
	const char	*p = strstr(out, "\r\n\r\n");

	ck_assert_ptr_nonnull(p);
	return p + 4;
}

START_TEST(parses_method_and_decoded_segments)
{
	start("GET", "/api/v1/stores/caf%C3%A9/products?limit=2", "limit=2");
	ck_assert_int_eq(r.method, METHOD_GET);
	ck_assert_uint_eq(r.nsegs, 5);
	ck_assert_str_eq(r.segs[3], "café");
	ck_assert(!r.bad_path);
}
END_TEST

START_TEST(empty_segments_are_skipped)
{
	start("GET", "//api///health/", NULL);
	ck_assert_uint_eq(r.nsegs, 2);
	ck_assert_str_eq(r.segs[0], "api");
	ck_assert_str_eq(r.segs[1], "health");
}
END_TEST

START_TEST(invalid_utf8_or_nul_in_path_is_flagged)
{
	start("GET", "/api/v1/stores/%ff", NULL);
	ck_assert(r.bad_path);
	arena_reset(a);
	start("GET", "/api/v1/stores/a%00b", NULL);
	ck_assert(r.bad_path);
}
END_TEST

START_TEST(too_deep_path_is_flagged)
{
	start("GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r", NULL);
	ck_assert(r.bad_path);
}
END_TEST

START_TEST(unknown_method_is_kept_by_name)
{
	start("BREW", "/api/health", NULL);
	ck_assert_int_eq(r.method, METHOD__MAX);
	ck_assert_str_eq(r.method_name, "BREW");
}
END_TEST

START_TEST(query_is_split_and_decoded)
{
	start("GET", "/x", "q=honey+bee%21&empty=&flag&a%3Db=c%26d&&");
	ck_assert_uint_eq(r.nquery, 4);
	ck_assert_str_eq(r.query[0].key, "q");
	ck_assert_str_eq(r.query[0].val, "honey bee!");
	ck_assert_str_eq(r.query[1].key, "empty");
	ck_assert_uint_eq(r.query[1].len, 0);
	ck_assert_str_eq(r.query[2].key, "flag");
	ck_assert_str_eq(r.query[3].key, "a=b");
	ck_assert_str_eq(r.query[3].val, "c&d");
}
END_TEST

START_TEST(query_nul_byte_keeps_its_length)
{
	start("GET", "/x", "q=a%00b");
	ck_assert_uint_eq(r.query[0].len, 3);
	ck_assert_int_eq(r.query[0].val[1], '\0');
}
END_TEST

START_TEST(too_many_query_parameters_are_flagged)
{
	struct buf	 qs;
	int		 i;

	buf_init(&qs, 4096);
	for (i = 0; i < REQ_QUERY_MAX + 1; i++)
		buf_printf(&qs, "k%d=v&", i);
	start("GET", "/x", qs.data);
	ck_assert(r.bad_query);
	buf_clear(&qs);
}
END_TEST

START_TEST(headers_and_cookies)
{
	setenv("HTTP_COOKIE", "a=1; session=abc%20; theme=dark", 1);
	setenv("HTTP_ORIGIN", "https://shop.test", 1);
	start("GET", "/x", NULL);
	ck_assert_str_eq(req_header(&r, "origin"), "https://shop.test");
	ck_assert_str_eq(req_cookie(&r, "session"), "abc%20");
	ck_assert_str_eq(req_cookie(&r, "theme"), "dark");
	ck_assert_ptr_null(req_cookie(&r, "sess"));
	ck_assert_ptr_null(req_header(&r, "X-Missing"));
}
END_TEST

START_TEST(request_id_is_random_or_a_plain_given_one)
{
	char	 first[40];

	start("GET", "/x", NULL);
	ck_assert_uint_eq(strlen(r.request_id), 32);
	strcpy(first, r.request_id);
	start("GET", "/x", NULL);
	ck_assert_str_ne(first, r.request_id);
	setenv("HTTP_X_REQUEST_ID", "lb-1234-abcd", 1);
	start("GET", "/x", NULL);
	ck_assert_str_eq(r.request_id, "lb-1234-abcd");
	setenv("HTTP_X_REQUEST_ID", "bad id\r\nX-Evil: 1", 1);
	start("GET", "/x", NULL);
	ck_assert_uint_eq(strlen(r.request_id), 32);
}
END_TEST

START_TEST(body_over_the_cap_is_refused_unread)
{
	const char	*p;
	size_t		 n;

	setenv("CONTENT_LENGTH", "2048", 1);
	start("POST", "/x", NULL);
	ck_assert_int_eq(req_body(&r, 1024, &p, &n), ERR_PAYLOAD_TOO_LARGE);
	setenv("CONTENT_LENGTH", "99999999999999999999999", 1);
	start("POST", "/x", NULL);
	ck_assert_int_eq(req_body(&r, 1024, &p, &n), ERR_BAD_REQUEST);
	setenv("CONTENT_LENGTH", "-1", 1);
	start("POST", "/x", NULL);
	ck_assert_int_eq(req_body(&r, 1024, &p, &n), ERR_BAD_REQUEST);
}
END_TEST

START_TEST(body_is_read_exactly)
{
	const char	*p;
	size_t		 n;

	stdin_from("{\"a\":1}EXTRA");
	setenv("CONTENT_LENGTH", "7", 1);	/* less than is there */
	start("POST", "/x", NULL);
	ck_assert_int_eq(req_body(&r, 1024, &p, &n), ERR_OK);
	ck_assert_uint_eq(n, 7);
	ck_assert_str_eq(p, "{\"a\":1}");
}
END_TEST

START_TEST(short_body_is_a_bad_request)
{
	const char	*p;
	size_t		 n;

	stdin_from("{}");
	setenv("CONTENT_LENGTH", "10", 1);
	start("POST", "/x", NULL);
	ck_assert_int_eq(req_body(&r, 1024, &p, &n), ERR_BAD_REQUEST);
}
END_TEST

static const struct field jf[] = {
	{ "name", FIELD_TEXT, true, 1, 255, NULL },
	{ "price", FIELD_MONEY, true, 0, 0, NULL },
};

START_TEST(json_body_needs_json_content_type)
{
	struct form	 f;

	stdin_from("{\"name\":\"x\",\"price\":1}");
	setenv("CONTENT_TYPE", "text/plain", 1);
	start("POST", "/x", NULL);
	ck_assert_int_eq(req_json_body(&r, jf, 2, &f), -1);
	ck_assert_int_eq(r.status, 415);
	ck_assert_ptr_nonnull(strstr(r.body->data, "UNSUPPORTED_MEDIA_TYPE"));
}
END_TEST

START_TEST(json_body_is_validated_with_details)
{
	struct form	 f;

	stdin_from("{\"name\":\"\",\"price\":12.999}");
	setenv("CONTENT_TYPE", "application/json; charset=utf-8", 1);
	start("POST", "/x", NULL);
	ck_assert_int_eq(req_json_body(&r, jf, 2, &f), -1);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body->data, "\"name\":\"must not be empty\""));
	ck_assert_ptr_nonnull(strstr(r.body->data, "\"price\":"));
}
END_TEST

START_TEST(json_body_accepted)
{
	struct form	 f;

	stdin_from("{\"name\":\"Book\",\"price\":12.99}");
	setenv("CONTENT_TYPE", "application/json", 1);
	start("POST", "/x", NULL);
	ck_assert_int_eq(req_json_body(&r, jf, 2, &f), 0);
	ck_assert_str_eq(f.v[0].s, "Book");
	ck_assert_int_eq(f.v[1].i, 1299);
}
END_TEST

START_TEST(json_body_past_body_max_is_413)
{
	struct form	 f;

	setenv("COLMENA_BODY_MAX", "1024", 1);
	ck_assert_int_eq(conf_load(NULL, out, sizeof(out)), 0);
	setenv("CONTENT_LENGTH", "1025", 1);
	setenv("CONTENT_TYPE", "application/json", 1);
	start("POST", "/x", NULL);
	ck_assert_int_eq(req_json_body(&r, jf, 2, &f), -1);
	ck_assert_int_eq(r.status, 413);
	ck_assert_ptr_nonnull(strstr(r.body->data, "PAYLOAD_TOO_LARGE"));
}
END_TEST

START_TEST(finish_writes_status_headers_and_length)
{
	struct jw	 w;
	char		 cl[64];

	start("GET", "/x", NULL);
	req_json_begin(&r, &w);
	jw_str(&w, NULL, "hello");
	req_json_end(&r, &w, NULL);
	finish();
	ck_assert_int_eq(strncmp(out, "Status: 200 OK\r\n", 16), 0);
	ck_assert_ptr_nonnull(strstr(out, "Content-Type: application/json"));
	ck_assert_ptr_nonnull(strstr(out, "X-Content-Type-Options: nosniff"));
	snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", strlen(body_of()));
	ck_assert_ptr_nonnull(strstr(out, cl));
	ck_assert_ptr_nonnull(strstr(body_of(), "\"data\":\"hello\""));
	ck_assert_ptr_nonnull(strstr(body_of(), r.request_id));
}
END_TEST

START_TEST(head_sends_headers_only)
{
	struct jw	 w;

	start("HEAD", "/x", NULL);
	req_json_begin(&r, &w);
	jw_str(&w, NULL, "hello");
	req_json_end(&r, &w, NULL);
	finish();
	ck_assert_str_eq(body_of(), "");
	ck_assert_ptr_null(strstr(out, "Content-Length: 0\r\n"));
}
END_TEST

START_TEST(etag_and_if_none_match)
{
	struct jw	 w;
	char		 etag[64], *p;

	start("GET", "/x", NULL);
	req_cache(&r, 60, 300);
	req_json_begin(&r, &w);
	jw_int(&w, NULL, 42);
	req_json_end(&r, &w, NULL);
	finish();
	ck_assert_ptr_nonnull(p = strstr(out, "ETag: "));
	ck_assert_ptr_nonnull(strstr(out,
	    "Cache-Control: public, max-age=60, stale-while-revalidate=300"));
	snprintf(etag, sizeof(etag), "%.*s", (int)strcspn(p + 6, "\r"), p + 6);
	ck_assert_int_eq(strncmp(etag, "W/\"", 3), 0);
	arena_reset(a);
	setenv("HTTP_IF_NONE_MATCH", etag, 1);
	start("GET", "/x", NULL);
	req_cache(&r, 60, 300);
	req_json_begin(&r, &w);
	jw_int(&w, NULL, 42);
	req_json_end(&r, &w, NULL);
	finish();
	ck_assert_int_eq(strncmp(out, "Status: 304 Not Modified\r\n", 26), 0);
	ck_assert_str_eq(body_of(), "");
	ck_assert_ptr_nonnull(strstr(out, etag));
	arena_reset(a);
	/* Different data, different tag: a full answer. */
	start("GET", "/x", NULL);
	req_cache(&r, 60, 300);
	req_json_begin(&r, &w);
	jw_int(&w, NULL, 43);
	req_json_end(&r, &w, NULL);
	finish();
	ck_assert_int_eq(strncmp(out, "Status: 200 OK\r\n", 16), 0);
}
END_TEST

START_TEST(error_replaces_a_half_written_answer)
{
	struct jw	 w;

	start("GET", "/x", NULL);
	req_cache(&r, 60, 300);
	req_json_begin(&r, &w);
	jw_arr_open(&w, NULL);
	jw_str(&w, NULL, "partial");
	req_fail(&r, ERR_NOT_FOUND, "No such thing.");
	finish();
	ck_assert_int_eq(strncmp(out, "Status: 404 Not Found\r\n", 23), 0);
	ck_assert_ptr_null(strstr(out, "partial"));
	ck_assert_ptr_null(strstr(out, "ETag"));
	ck_assert_ptr_nonnull(strstr(out, "Cache-Control: no-store"));
	ck_assert_ptr_nonnull(strstr(body_of(), "\"success\":false"));
	ck_assert_ptr_nonnull(strstr(body_of(), "\"code\":\"NOT_FOUND\""));
	ck_assert_ptr_nonnull(strstr(body_of(), "\"message\":\"No such thing.\""));
}
END_TEST

START_TEST(server_errors_carry_no_detail)
{
	start("GET", "/x", NULL);
	req_fail(&r, ERR_INTERNAL, "SQLSTATE 42P01 relation secret_table");
	finish();
	ck_assert_int_eq(strncmp(out, "Status: 500", 11), 0);
	ck_assert_ptr_null(strstr(out, "secret_table"));
	ck_assert_ptr_nonnull(strstr(body_of(), "INTERNAL_ERROR"));
}
END_TEST

START_TEST(handler_that_answers_nothing_gets_500)
{
	start("GET", "/x", NULL);
	finish();
	ck_assert_int_eq(strncmp(out, "Status: 500", 11), 0);
}
END_TEST

START_TEST(header_with_line_break_is_dropped)
{
	start("GET", "/x", NULL);
	req_set_header(&r, "X-Test", "ok\r\nSet-Cookie: evil=1");
	req_set_header(&r, "X-Fine", "yes");
	req_empty(&r, 204);
	finish();
	ck_assert_ptr_null(strstr(out, "evil"));
	ck_assert_ptr_nonnull(strstr(out, "X-Fine: yes\r\n"));
	ck_assert_int_eq(strncmp(out, "Status: 204 No Content\r\n", 24), 0);
}
END_TEST

START_TEST(cors_only_for_listed_origins)
{
	static const char *const origins[] = { "https://a.test" };
	size_t	 i;
	int	 acao = 0;

	setenv("HTTP_ORIGIN", "https://b.test", 1);
	start("GET", "/x", NULL);
	req_cors(&r, origins, 1, "GET");
	for (i = 0; i < r.nhdrs; i++)
		acao |= strcmp(r.hdrs[i].key, "Access-Control-Allow-Origin") == 0;
	ck_assert_int_eq(acao, 0);
	setenv("HTTP_ORIGIN", "https://a.test", 1);
	start("GET", "/x", NULL);
	req_cors(&r, origins, 1, "GET");
	for (i = 0; i < r.nhdrs; i++)
		if (strcmp(r.hdrs[i].key, "Access-Control-Allow-Origin") == 0)
			ck_assert_str_eq(r.hdrs[i].val, "https://a.test");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("req");
	TCase	*tc = tcase_create("cgi");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, parses_method_and_decoded_segments);
	tcase_add_test(tc, empty_segments_are_skipped);
	tcase_add_test(tc, invalid_utf8_or_nul_in_path_is_flagged);
	tcase_add_test(tc, too_deep_path_is_flagged);
	tcase_add_test(tc, unknown_method_is_kept_by_name);
	tcase_add_test(tc, query_is_split_and_decoded);
	tcase_add_test(tc, query_nul_byte_keeps_its_length);
	tcase_add_test(tc, too_many_query_parameters_are_flagged);
	tcase_add_test(tc, headers_and_cookies);
	tcase_add_test(tc, request_id_is_random_or_a_plain_given_one);
	tcase_add_test(tc, body_over_the_cap_is_refused_unread);
	tcase_add_test(tc, body_is_read_exactly);
	tcase_add_test(tc, short_body_is_a_bad_request);
	tcase_add_test(tc, json_body_needs_json_content_type);
	tcase_add_test(tc, json_body_is_validated_with_details);
	tcase_add_test(tc, json_body_accepted);
	tcase_add_test(tc, json_body_past_body_max_is_413);
	tcase_add_test(tc, finish_writes_status_headers_and_length);
	tcase_add_test(tc, head_sends_headers_only);
	tcase_add_test(tc, etag_and_if_none_match);
	tcase_add_test(tc, error_replaces_a_half_written_answer);
	tcase_add_test(tc, server_errors_carry_no_detail);
	tcase_add_test(tc, handler_that_answers_nothing_gets_500);
	tcase_add_test(tc, header_with_line_break_is_dropped);
	tcase_add_test(tc, cors_only_for_listed_origins);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
