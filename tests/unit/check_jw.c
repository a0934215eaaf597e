/*
 * check_jw.c: the streaming JSON writer: commas in nested objects and
 * arrays, null for a NULL string, escaping (quotes, controls, < > &,
 * U+2028/9), money, times and raw values. Every output is parsed back
 * with json-c.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <json.h>

#include "buf.h"
#include "jw.h"

static struct buf	 b;
static struct jw	 w;

static void
setup(void)
{
	buf_init(&b, 1 << 20);
	jw_init(&w, &b);
}

static void
teardown(void)
{
	buf_clear(&b);
}

/* Parse b strictly as a whole; fails the test if it is not valid JSON. */
static struct json_object *
parse_out(void)
{
	struct json_tokener	*tok;
	struct json_object	*o;

	ck_assert(!b.err);
	ck_assert_int_eq(w.depth, 0);
	tok = json_tokener_new();
	ck_assert_ptr_nonnull(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, b.data, (int)b.len);
	ck_assert_msg(o != NULL || json_tokener_get_error(tok) == json_tokener_success,
	    "invalid JSON: %s", b.data);
	ck_assert_uint_eq(json_tokener_get_parse_end(tok), b.len);
	json_tokener_free(tok);
	return o;
}

static struct json_object *
get(struct json_object *o, const char *key)
{
	struct json_object	*v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no key %s", key);
	return v;
}

/* Write one string value in an object and return what json-c reads back. */
static void
check_string_round_trip(const char *val, size_t n)
{
	struct json_object	*o, *v;

	jw_obj_open(&w, NULL);
	jw_strn(&w, "s", val, n);
	jw_obj_close(&w);
	o = parse_out();
	v = get(o, "s");
	ck_assert(json_object_is_type(v, json_type_string));
	ck_assert_int_eq(json_object_get_string_len(v), (int)n);
	ck_assert_int_eq(memcmp(json_object_get_string(v), val, n), 0);
	json_object_put(o);
}

START_TEST(jw_empty_object_and_array)
{
	jw_obj_open(&w, NULL);
	jw_arr_open(&w, "a");
	jw_arr_close(&w);
	jw_obj_open(&w, "o");
	jw_obj_close(&w);
	jw_obj_close(&w);
	ck_assert_str_eq(b.data, "{\"a\":[],\"o\":{}}");
	json_object_put(parse_out());
}
END_TEST

START_TEST(jw_nested_values_get_commas)
{
	struct json_object	*o, *arr, *inner;

	jw_obj_open(&w, NULL);
	jw_int(&w, "n", 1);
	jw_arr_open(&w, "list");
	jw_int(&w, NULL, 1);
	jw_obj_open(&w, NULL);
	jw_str(&w, "k", "v");
	jw_bool(&w, "t", true);
	jw_obj_close(&w);
	jw_arr_open(&w, NULL);
	jw_arr_close(&w);
	jw_null(&w, NULL);
	jw_arr_close(&w);
	jw_bool(&w, "f", false);
	jw_obj_close(&w);
	ck_assert_str_eq(b.data, "{\"n\":1,\"list\":[1,{\"k\":\"v\",\"t\":true},"
	    "[],null],\"f\":false}");
	o = parse_out();
	arr = get(o, "list");
	ck_assert_uint_eq(json_object_array_length(arr), 4);
	inner = json_object_array_get_idx(arr, 1);
	ck_assert_str_eq(json_object_get_string(get(inner, "k")), "v");
	ck_assert(json_object_get_boolean(get(inner, "t")));
	ck_assert(json_object_is_type(json_object_array_get_idx(arr, 3),
	    json_type_null));
	ck_assert(!json_object_get_boolean(get(o, "f")));
	json_object_put(o);
}
END_TEST

START_TEST(jw_comma_state_restored_after_close)
{
	jw_arr_open(&w, NULL);
	jw_arr_open(&w, NULL);
	jw_int(&w, NULL, 1);
	jw_arr_close(&w);
	jw_arr_open(&w, NULL);
	jw_int(&w, NULL, 2);
	jw_arr_close(&w);
	jw_int(&w, NULL, 3);
	jw_arr_close(&w);
	ck_assert_str_eq(b.data, "[[1],[2],3]");
	json_object_put(parse_out());
}
END_TEST

START_TEST(jw_deep_nesting_is_balanced)
{
	struct json_object	*o;
	int			 i;

	for (i = 0; i < 20; i++)
		jw_arr_open(&w, NULL);
	jw_int(&w, NULL, 7);
	for (i = 0; i < 20; i++)
		jw_arr_close(&w);
	o = parse_out();
	json_object_put(o);
}
END_TEST

START_TEST(jw_str_null_writes_null)
{
	struct json_object	*o;

	jw_obj_open(&w, NULL);
	jw_str(&w, "a", NULL);
	jw_str(&w, "b", "");
	jw_obj_close(&w);
	ck_assert_str_eq(b.data, "{\"a\":null,\"b\":\"\"}");
	o = parse_out();
	ck_assert(json_object_is_type(get(o, "a"), json_type_null));
	ck_assert_str_eq(json_object_get_string(get(o, "b")), "");
	json_object_put(o);
}
END_TEST

START_TEST(jw_int_extremes)
{
	struct json_object	*o;

	jw_obj_open(&w, NULL);
	jw_int(&w, "min", INT64_MIN);
	jw_int(&w, "max", INT64_MAX);
	jw_int(&w, "zero", 0);
	jw_obj_close(&w);
	o = parse_out();
	ck_assert_int_eq(json_object_get_int64(get(o, "min")), INT64_MIN);
	ck_assert_int_eq(json_object_get_int64(get(o, "max")), INT64_MAX);
	ck_assert_int_eq(json_object_get_int64(get(o, "zero")), 0);
	json_object_put(o);
}
END_TEST

START_TEST(jw_escapes_quote_and_backslash)
{
	jw_str(&w, NULL, "a\"b\\c");
	ck_assert_str_eq(b.data, "\"a\\\"b\\\\c\"");
	buf_reset(&b);
	jw_init(&w, &b);
	check_string_round_trip("say \"hi\" \\o/", 12);
}
END_TEST

START_TEST(jw_escapes_newline_cr_tab)
{
	jw_str(&w, NULL, "a\nb\rc\td");
	ck_assert_str_eq(b.data, "\"a\\nb\\rc\\td\"");
	buf_reset(&b);
	jw_init(&w, &b);
	check_string_round_trip("l1\nl2\r\n\t", 8);
}
END_TEST

START_TEST(jw_escapes_control_characters)
{
	jw_str(&w, NULL, "\x01\x1f\x08\x0c");
	ck_assert_str_eq(b.data, "\"\\u0001\\u001f\\u0008\\u000c\"");
	buf_reset(&b);
	jw_init(&w, &b);
	check_string_round_trip("x\x01y\x1fz\x7f", 6);
}
END_TEST

START_TEST(jw_strn_escapes_nul)
{
	jw_strn(&w, NULL, "a\0b", 3);
	ck_assert_uint_eq(b.len, strlen("\"a\\u0000b\""));
	ck_assert_str_eq(b.data, "\"a\\u0000b\"");
}
END_TEST

START_TEST(jw_escapes_html_specials)
{
	jw_str(&w, NULL, "</script><b>&amp;");
	ck_assert_str_eq(b.data, "\"\\u003c/script\\u003e\\u003cb\\u003e"
	    "\\u0026amp;\"");
	ck_assert_ptr_null(strchr(b.data, '<'));
	ck_assert_ptr_null(strchr(b.data, '>'));
	ck_assert_ptr_null(strchr(b.data, '&'));
	buf_reset(&b);
	jw_init(&w, &b);
	check_string_round_trip("<script>alert(1)</script>&", 26);
}
END_TEST

START_TEST(jw_escapes_line_and_paragraph_separators)
{
	jw_str(&w, NULL, "a\xe2\x80\xa8" "b\xe2\x80\xa9");
	ck_assert_str_eq(b.data, "\"a\\u2028b\\u2029\"");
	buf_reset(&b);
	jw_init(&w, &b);
	check_string_round_trip("\xe2\x80\xa8\xe2\x80\xa9", 6);
}
END_TEST

START_TEST(jw_passes_multibyte_utf8_through)
{
	const char	*s = "caf\xc3\xa9 \xe2\x82\xac \xe2\x80\xa6 \xf0\x9f\x90\x9d";

	jw_str(&w, NULL, s);
	ck_assert_uint_eq(b.len, strlen(s) + 2);
	ck_assert_int_eq(memcmp(b.data + 1, s, strlen(s)), 0);
	buf_reset(&b);
	jw_init(&w, &b);
	check_string_round_trip(s, strlen(s));
}
END_TEST

START_TEST(jw_escapes_keys)
{
	struct json_object	*o;

	jw_obj_open(&w, NULL);
	jw_int(&w, "a\"<b>", 1);
	jw_obj_close(&w);
	ck_assert_str_eq(b.data, "{\"a\\\"\\u003cb\\u003e\":1}");
	o = parse_out();
	ck_assert_int_eq(json_object_get_int(get(o, "a\"<b>")), 1);
	json_object_put(o);
}
END_TEST

START_TEST(jw_money_writes_major_units_number)
{
	struct json_object	*o;

	jw_obj_open(&w, NULL);
	jw_money(&w, "price", 1299, 2);
	jw_money(&w, "cents", 5, 2);
	jw_money(&w, "yen", 500, 0);
	jw_money(&w, "dinar", 1234, 3);
	jw_money(&w, "refund", -250, 2);
	jw_obj_close(&w);
	ck_assert_str_eq(b.data, "{\"price\":12.99,\"cents\":0.05,\"yen\":500,"
	    "\"dinar\":1.234,\"refund\":-2.50}");
	o = parse_out();
	ck_assert(json_object_is_type(get(o, "price"), json_type_double));
	ck_assert_str_eq(json_object_to_json_string(get(o, "price")), "12.99");
	ck_assert_int_eq(json_object_get_int(get(o, "yen")), 500);
	ck_assert_str_eq(json_object_to_json_string(get(o, "refund")), "-2.50");
	json_object_put(o);
}
END_TEST

START_TEST(jw_raw_inserts_json_verbatim)
{
	struct json_object	*o, *v;

	jw_obj_open(&w, NULL);
	jw_raw(&w, "attrs", "{\"color\":\"red\",\"sizes\":[1,2]}");
	jw_raw(&w, "n", "null");
	jw_obj_close(&w);
	ck_assert_str_eq(b.data, "{\"attrs\":{\"color\":\"red\",\"sizes\":[1,2]},"
	    "\"n\":null}");
	o = parse_out();
	v = get(o, "attrs");
	ck_assert_str_eq(json_object_get_string(get(v, "color")), "red");
	ck_assert_uint_eq(json_object_array_length(get(v, "sizes")), 2);
	json_object_put(o);
}
END_TEST

START_TEST(jw_top_level_scalar)
{
	struct json_object	*o;

	jw_str(&w, NULL, "x");
	o = parse_out();
	ck_assert_str_eq(json_object_get_string(o), "x");
	json_object_put(o);
}
END_TEST

START_TEST(jw_writes_after_existing_content)
{
	buf_puts(&b, "{\"data\":");
	jw_init(&w, &b);
	jw_arr_open(&w, NULL);
	jw_int(&w, NULL, 1);
	jw_arr_close(&w);
	buf_putc(&b, '}');
	ck_assert_str_eq(b.data, "{\"data\":[1]}");
}
END_TEST

START_TEST(jw_past_buffer_max_sets_err)
{
	struct buf	 small;
	struct jw	 sw;

	buf_init(&small, 8);
	jw_init(&sw, &small);
	jw_str(&sw, NULL, "much too long for eight bytes");
	ck_assert(small.err);
	ck_assert_uint_le(small.len, 8);
	buf_clear(&small);
}
END_TEST

/* jw_time(key, t) alone in an object: the JSON text b holds. */
static const char *
time_json(int64_t t)
{
	buf_reset(&b);
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	jw_time(&w, "t", t);
	jw_obj_close(&w);
	return b.data;
}

START_TEST(jw_time_writes_iso8601_utc_with_millis)
{
	struct json_object	*o;

	ck_assert_str_eq(time_json(0), "{\"t\":\"1970-01-01T00:00:00.000Z\"}");
	ck_assert_str_eq(time_json(1796378400),
	    "{\"t\":\"2026-12-04T10:00:00.000Z\"}");
	ck_assert_str_eq(time_json(951868799),
	    "{\"t\":\"2000-02-29T23:59:59.000Z\"}");
	ck_assert_str_eq(time_json(-1), "{\"t\":\"1969-12-31T23:59:59.000Z\"}");
	ck_assert_str_eq(time_json(INT64_C(253402300799)),
	    "{\"t\":\"9999-12-31T23:59:59.000Z\"}");
	o = parse_out();
	ck_assert(json_object_is_type(get(o, "t"), json_type_string));
	json_object_put(o);
}
END_TEST

START_TEST(jw_time_ignores_local_time_zone)
{
	setenv("TZ", "EST+5", 1);	/* POSIX rules: no tzdata needed */
	tzset();
	ck_assert_str_eq(time_json(1796378400),
	    "{\"t\":\"2026-12-04T10:00:00.000Z\"}");
	setenv("TZ", "IST-5:30", 1);
	tzset();
	ck_assert_str_eq(time_json(0), "{\"t\":\"1970-01-01T00:00:00.000Z\"}");
}
END_TEST

START_TEST(jw_time_unrepresentable_writes_null)
{
	struct json_object	*o;

	ck_assert_str_eq(time_json(INT64_MAX), "{\"t\":null}");
	o = parse_out();
	ck_assert(json_object_is_type(get(o, "t"), json_type_null));
	json_object_put(o);
	ck_assert_str_eq(time_json(INT64_MIN), "{\"t\":null}");
}
END_TEST

START_TEST(jw_time_in_array_gets_commas)
{
	jw_arr_open(&w, NULL);
	jw_time(&w, NULL, 0);
	jw_time(&w, NULL, INT64_MAX);
	jw_time(&w, NULL, 60);
	jw_arr_close(&w);
	ck_assert_str_eq(b.data, "[\"1970-01-01T00:00:00.000Z\",null,"
	    "\"1970-01-01T00:01:00.000Z\"]");
	json_object_put(parse_out());
}
END_TEST

static Suite *
jw_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("jw");
	tc = tcase_create("structure");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, jw_empty_object_and_array);
	tcase_add_test(tc, jw_nested_values_get_commas);
	tcase_add_test(tc, jw_comma_state_restored_after_close);
	tcase_add_test(tc, jw_deep_nesting_is_balanced);
	tcase_add_test(tc, jw_str_null_writes_null);
	tcase_add_test(tc, jw_int_extremes);
	tcase_add_test(tc, jw_top_level_scalar);
	tcase_add_test(tc, jw_writes_after_existing_content);
	tcase_add_test(tc, jw_past_buffer_max_sets_err);
	suite_add_tcase(s, tc);

	tc = tcase_create("escape");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, jw_escapes_quote_and_backslash);
	tcase_add_test(tc, jw_escapes_newline_cr_tab);
	tcase_add_test(tc, jw_escapes_control_characters);
	tcase_add_test(tc, jw_strn_escapes_nul);
	tcase_add_test(tc, jw_escapes_html_specials);
	tcase_add_test(tc, jw_escapes_line_and_paragraph_separators);
	tcase_add_test(tc, jw_passes_multibyte_utf8_through);
	tcase_add_test(tc, jw_escapes_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, jw_money_writes_major_units_number);
	tcase_add_test(tc, jw_raw_inserts_json_verbatim);
	tcase_add_test(tc, jw_time_writes_iso8601_utc_with_millis);
	tcase_add_test(tc, jw_time_ignores_local_time_zone);
	tcase_add_test(tc, jw_time_unrepresentable_writes_null);
	tcase_add_test(tc, jw_time_in_array_gets_commas);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(jw_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
