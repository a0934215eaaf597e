/*
 * check_form.c: Stripe-style form bodies: ordinary pairs, UTF-8 as %XX
 * bytes, reserved characters escaped, nested and indexed keys with literal
 * brackets, empty and long values, integers, and the refusals (NUL, bad
 * UTF-8, empty or over-long keys) that leave the body untouched but err set.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "form.h"
#include "str.h"

static struct buf	 b;

static void
setup(void)
{
	buf_init(&b, 1024 * 1024);
}

static void
teardown(void)
{
	buf_clear(&b);
}

START_TEST(form_ordinary_pairs_joined_by_ampersand)
{
	ck_assert_int_eq(form_add(&b, "mode", "payment"), 0);
	ck_assert_int_eq(form_add(&b, "success_url", "https://shop.example/ok"),
	    0);
	ck_assert_int_eq(form_add(&b, "unreserved", "AZaz09-._~"), 0);
	ck_assert_str_eq(b.data, "mode=payment"
	    "&success_url=https%3A%2F%2Fshop.example%2Fok"
	    "&unreserved=AZaz09-._~");
	ck_assert(!b.err);
}
END_TEST

START_TEST(form_utf8_values_as_percent_bytes)
{
	char	 dec[64];
	size_t	 n;

	ck_assert_int_eq(form_add(&b, "name", "Café ☕"), 0);
	ck_assert_str_eq(b.data, "name=Caf%C3%A9%20%E2%98%95");
	/* And it decodes back to the same bytes. */
	snprintf(dec, sizeof(dec), "%s", b.data + strlen("name="));
	n = str_pct_decode(dec, strlen(dec), false);
	ck_assert_uint_eq(n, strlen("Café ☕"));
	ck_assert(memcmp(dec, "Café ☕", n) == 0);
}
END_TEST

START_TEST(form_reserved_characters_escaped)
{
	ck_assert_int_eq(form_add(&b, "v", "a&b=c+d%e#f/g?h i"), 0);
	ck_assert_str_eq(b.data, "v=a%26b%3Dc%2Bd%25e%23f%2Fg%3Fh%20i");
	buf_reset(&b);
	ck_assert_int_eq(form_add(&b, "v", "[x]\"'<>\\^`{|}!$()*,;:@"), 0);
	ck_assert_str_eq(b.data, "v=%5Bx%5D%22%27%3C%3E%5C%5E%60%7B%7C%7D"
	    "%21%24%28%29%2A%2C%3B%3A%40");
	buf_reset(&b);
	ck_assert_int_eq(form_add(&b, "v", "\t\r\n\x7f"), 0);
	ck_assert_str_eq(b.data, "v=%09%0D%0A%7F");
}
END_TEST

START_TEST(form_nested_keys_with_indices)
{
	int	 i;

	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(form_addf_key(&b, "usd",
		    "line_items[%d][price_data][currency]", i), 0);
		ck_assert_int_eq(form_add_int(&b, "x", i + 1), 0);
	}
	ck_assert_int_eq(form_add(&b, "metadata[order_id]",
	    "3f1c2a9e-0000-4000-8000-000000000001"), 0);
	ck_assert_int_eq(form_add(&b, "expand[]", "payment_intent"), 0);
	ck_assert_int_eq(form_add(&b, "metadata[a key&=]", "v"), 0);
	ck_assert_str_eq(b.data,
	    "line_items[0][price_data][currency]=usd&x=1"
	    "&line_items[1][price_data][currency]=usd&x=2"
	    "&metadata[order_id]=3f1c2a9e-0000-4000-8000-000000000001"
	    "&expand[]=payment_intent"
	    "&metadata[a%20key%26%3D]=v");
}
END_TEST

START_TEST(form_empty_value_kept)
{
	ck_assert_int_eq(form_add(&b, "metadata[note]", ""), 0);
	ck_assert_int_eq(form_add(&b, "b", ""), 0);
	ck_assert_str_eq(b.data, "metadata[note]=&b=");
}
END_TEST

START_TEST(form_long_value)
{
	char	*v;
	size_t	 i, n = 20000;

	v = malloc(n + 1);
	for (i = 0; i < n; i++)
		v[i] = (i % 2) ? 'x' : ' ';
	v[n] = '\0';
	ck_assert_int_eq(form_add(&b, "k", v), 0);
	ck_assert_uint_eq(b.len, 2 + n / 2 + 3 * (n / 2));
	ck_assert(strncmp(b.data, "k=%20x%20x", 10) == 0);
	ck_assert(strcmp(b.data + b.len - 4, "%20x") == 0);
	free(v);
}
END_TEST

START_TEST(form_past_max_sets_err)
{
	struct buf	 small;

	buf_init(&small, 16);
	ck_assert_int_eq(form_add(&small, "k", "0123456789"), 0);
	ck_assert_int_eq(form_add(&small, "k", "0123456789"), -1);
	ck_assert(small.err);
	buf_clear(&small);
}
END_TEST

START_TEST(form_integers)
{
	ck_assert_int_eq(form_add_int(&b, "a", 0), 0);
	ck_assert_int_eq(form_add_int(&b, "b", -1250), 0);
	ck_assert_int_eq(form_add_int(&b, "c", INT64_MAX), 0);
	ck_assert_int_eq(form_add_int(&b, "d", INT64_MIN), 0);
	ck_assert_str_eq(b.data, "a=0&b=-1250&c=9223372036854775807"
	    "&d=-9223372036854775808");
}
END_TEST

START_TEST(form_nul_byte_refused)
{
	ck_assert_int_eq(form_add(&b, "a", "1"), 0);
	ck_assert_int_eq(form_addn(&b, "k", "a\0b", 3), -1);
	ck_assert(b.err);
	ck_assert_str_eq(b.data, "a=1");
	buf_reset(&b);
	ck_assert_int_eq(form_addn(&b, "k", "\0", 1), -1);
	ck_assert_uint_eq(b.len, 0);
	buf_reset(&b);
	ck_assert_int_eq(form_addn(&b, "k", "ab", 2), 0);
	ck_assert_str_eq(b.data, "k=ab");
}
END_TEST

START_TEST(form_bad_utf8_and_keys_refused)
{
	char	 key[FORM_KEY_MAX + 8];

	ck_assert_int_eq(form_add(&b, "k", "\xff"), -1);
	ck_assert(b.err);
	buf_reset(&b);
	ck_assert_int_eq(form_add(&b, "k", "\xc3"), -1);
	buf_reset(&b);
	ck_assert_int_eq(form_add(&b, "\xe9t\xe9", "v"), -1);
	buf_reset(&b);
	ck_assert_int_eq(form_add(&b, "", "v"), -1);
	buf_reset(&b);
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	ck_assert_int_eq(form_addf_key(&b, "v", "%s", key), -1);
	ck_assert(b.err);
	ck_assert_uint_eq(b.len, 0);
	buf_reset(&b);
	key[FORM_KEY_MAX - 1] = '\0';
	ck_assert_int_eq(form_addf_key(&b, "v", "%s", key), 0);
	ck_assert_uint_eq(b.len, FORM_KEY_MAX - 1 + 2);
}
END_TEST

static Suite *
form_suite(void)
{
	Suite	*s = suite_create("form");
	TCase	*tc = tcase_create("encode");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, form_ordinary_pairs_joined_by_ampersand);
	tcase_add_test(tc, form_utf8_values_as_percent_bytes);
	tcase_add_test(tc, form_reserved_characters_escaped);
	tcase_add_test(tc, form_nested_keys_with_indices);
	tcase_add_test(tc, form_empty_value_kept);
	tcase_add_test(tc, form_long_value);
	tcase_add_test(tc, form_past_max_sets_err);
	tcase_add_test(tc, form_integers);
	tcase_add_test(tc, form_nul_byte_refused);
	tcase_add_test(tc, form_bad_utf8_and_keys_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(form_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
