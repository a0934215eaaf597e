/*
 * check_buf.c: the bounded string builder: appends of every kind, constant
 * NUL-termination, the hard maximum with its sticky error (nothing appended
 * past max, exactly max allowed), buf_reset and buf_truncate.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <check.h>

#include "buf.h"

static struct buf	 b;

static void
setup(void)
{
	buf_init(&b, 16);
}

static void
teardown(void)
{
	buf_clear(&b);
}

START_TEST(buf_init_is_empty_string)
{
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	ck_assert(!b.err);
}
END_TEST

START_TEST(buf_add_appends_bytes_and_terminates)
{
	buf_add(&b, "abcXYZ", 3);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_str_eq(b.data, "abc");
	buf_add(&b, "de", 2);
	ck_assert_str_eq(b.data, "abcde");
	ck_assert(!b.err);
}
END_TEST

START_TEST(buf_add_zero_bytes_changes_nothing)
{
	buf_puts(&b, "x");
	buf_add(&b, "", 0);
	ck_assert_uint_eq(b.len, 1);
	ck_assert_str_eq(b.data, "x");
	ck_assert(!b.err);
}
END_TEST

START_TEST(buf_add_keeps_embedded_nul_and_terminates)
{
	buf_add(&b, "a\0b", 3);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_int_eq(memcmp(b.data, "a\0b\0", 4), 0);
}
END_TEST

START_TEST(buf_puts_and_putc_append)
{
	buf_puts(&b, "ab");
	buf_putc(&b, 'c');
	buf_puts(&b, "");
	buf_putc(&b, 'd');
	ck_assert_str_eq(b.data, "abcd");
	ck_assert_uint_eq(b.len, 4);
}
END_TEST

START_TEST(buf_printf_formats_and_appends)
{
	buf_puts(&b, ">");
	buf_printf(&b, "%d:%s", -12, "ok");
	ck_assert_str_eq(b.data, ">-12:ok");
	ck_assert_uint_eq(b.len, 7);
	buf_printf(&b, "%s", "");
	ck_assert_uint_eq(b.len, 7);
	ck_assert(!b.err);
}
END_TEST

START_TEST(buf_grows_past_initial_capacity)
{
	struct buf	 big;
	size_t		 i;

	buf_init(&big, 100000);
	for (i = 0; i < 10000; i++)
		buf_putc(&big, (char)('a' + i % 26));
	ck_assert(!big.err);
	ck_assert_uint_eq(big.len, 10000);
	ck_assert_uint_eq(strlen(big.data), 10000);
	ck_assert_int_eq(big.data[9999], 'a' + 9999 % 26);
	buf_printf(&big, "%05d", 42);
	ck_assert_str_eq(big.data + 10000, "00042");
	buf_clear(&big);
}
END_TEST

START_TEST(buf_add_exactly_max_is_allowed)
{
	buf_add(&b, "0123456789abcdef", 16);
	ck_assert(!b.err);
	ck_assert_uint_eq(b.len, 16);
	ck_assert_str_eq(b.data, "0123456789abcdef");
}
END_TEST

START_TEST(buf_add_past_max_sets_err)
{
	buf_puts(&b, "0123456789");
	buf_add(&b, "abcdefg", 7);
	ck_assert(b.err);
}
END_TEST

START_TEST(buf_add_past_max_appends_nothing)
{
	buf_puts(&b, "0123456789");
	buf_add(&b, "abcdefg", 7);
	ck_assert_uint_eq(b.len, 10);
	ck_assert_str_eq(b.data, "0123456789");
}
END_TEST

START_TEST(buf_err_is_sticky_for_later_small_appends)
{
	buf_puts(&b, "0123456789abcdefX");	/* 17 > 16 */
	ck_assert(b.err);
	ck_assert_uint_eq(b.len, 0);
	buf_putc(&b, 'a');
	buf_puts(&b, "b");
	buf_printf(&b, "%d", 1);
	ck_assert(b.err);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
}
END_TEST

START_TEST(buf_putc_past_max_sets_err)
{
	buf_puts(&b, "0123456789abcdef");
	ck_assert(!b.err);
	buf_putc(&b, '!');
	ck_assert(b.err);
	ck_assert_uint_eq(b.len, 16);
	ck_assert_str_eq(b.data, "0123456789abcdef");
}
END_TEST

START_TEST(buf_printf_past_max_sets_err_and_appends_nothing)
{
	buf_puts(&b, "abc");
	buf_printf(&b, "%s", "this is far too long");
	ck_assert(b.err);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_str_eq(b.data, "abc");
}
END_TEST

START_TEST(buf_printf_exactly_max_is_allowed)
{
	buf_printf(&b, "%016d", 7);
	ck_assert(!b.err);
	ck_assert_uint_eq(b.len, 16);
	ck_assert_str_eq(b.data, "0000000000000007");
}
END_TEST

START_TEST(buf_add_huge_length_sets_err_without_overflow)
{
	buf_puts(&b, "abc");
	buf_add(&b, "x", SIZE_MAX);	/* len + n would wrap */
	ck_assert(b.err);
	ck_assert_uint_eq(b.len, 3);
}
END_TEST

START_TEST(buf_max_zero_refuses_everything)
{
	struct buf	 z;

	buf_init(&z, 0);
	buf_add(&z, "", 0);
	ck_assert(!z.err);
	buf_putc(&z, 'a');
	ck_assert(z.err);
	ck_assert_uint_eq(z.len, 0);
	ck_assert_str_eq(z.data, "");
	buf_clear(&z);
}
END_TEST

START_TEST(buf_reset_empties_and_clears_err)
{
	buf_puts(&b, "0123456789abcdefXYZ");
	ck_assert(b.err);
	buf_reset(&b);
	ck_assert(!b.err);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	buf_puts(&b, "again");
	ck_assert(!b.err);
	ck_assert_str_eq(b.data, "again");
}
END_TEST

START_TEST(buf_reset_keeps_max)
{
	buf_reset(&b);
	buf_puts(&b, "0123456789abcdefg");
	ck_assert(b.err);
}
END_TEST

START_TEST(buf_truncate_shortens_and_terminates)
{
	buf_puts(&b, "abcdef");
	buf_truncate(&b, 2);
	ck_assert_uint_eq(b.len, 2);
	ck_assert_str_eq(b.data, "ab");
	buf_puts(&b, "Z");
	ck_assert_str_eq(b.data, "abZ");
}
END_TEST

START_TEST(buf_truncate_longer_is_noop)
{
	buf_puts(&b, "abc");
	buf_truncate(&b, 10);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_str_eq(b.data, "abc");
	buf_truncate(&b, 3);
	ck_assert_str_eq(b.data, "abc");
}
END_TEST

START_TEST(buf_truncate_to_zero_empties)
{
	buf_puts(&b, "abc");
	buf_truncate(&b, 0);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
}
END_TEST

START_TEST(buf_truncate_frees_room_under_max)
{
	buf_puts(&b, "0123456789abcdef");
	buf_truncate(&b, 10);
	buf_puts(&b, "ZZZZZZ");
	ck_assert(!b.err);
	ck_assert_str_eq(b.data, "0123456789ZZZZZZ");
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("buf");
	tc = tcase_create("append");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, buf_init_is_empty_string);
	tcase_add_test(tc, buf_add_appends_bytes_and_terminates);
	tcase_add_test(tc, buf_add_zero_bytes_changes_nothing);
	tcase_add_test(tc, buf_add_keeps_embedded_nul_and_terminates);
	tcase_add_test(tc, buf_puts_and_putc_append);
	tcase_add_test(tc, buf_printf_formats_and_appends);
	tcase_add_test(tc, buf_grows_past_initial_capacity);
	suite_add_tcase(s, tc);

	tc = tcase_create("max");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, buf_add_exactly_max_is_allowed);
	tcase_add_test(tc, buf_add_past_max_sets_err);
	tcase_add_test(tc, buf_add_past_max_appends_nothing);
	tcase_add_test(tc, buf_err_is_sticky_for_later_small_appends);
	tcase_add_test(tc, buf_putc_past_max_sets_err);
	tcase_add_test(tc, buf_printf_past_max_sets_err_and_appends_nothing);
	tcase_add_test(tc, buf_printf_exactly_max_is_allowed);
	tcase_add_test(tc, buf_add_huge_length_sets_err_without_overflow);
	tcase_add_test(tc, buf_max_zero_refuses_everything);
	suite_add_tcase(s, tc);

	tc = tcase_create("reset");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, buf_reset_empties_and_clears_err);
	tcase_add_test(tc, buf_reset_keeps_max);
	tcase_add_test(tc, buf_truncate_shortens_and_terminates);
	tcase_add_test(tc, buf_truncate_longer_is_noop);
	tcase_add_test(tc, buf_truncate_to_zero_empties);
	tcase_add_test(tc, buf_truncate_frees_room_under_max);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(buf_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
