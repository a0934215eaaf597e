/*
 * check_str.c: the strict string routines: whole-string integer parsing,
 * UTF-8 validation and counting, UUID and slug syntax, percent-decoding,
 * ASCII case folding, exact money parsing and formatting, and hex output.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "str.h"

#define UUID_LOWER	"123e4567-e89b-12d3-a456-426614174000"
#define UUID_UPPER	"123E4567-E89B-12D3-A456-426614174000"

/* Parse with the full int64 range; returns errstr, value in *v. */
static const char *
parse(const char *s, int64_t min, int64_t max, int64_t *v)
{
	const char	*errstr = "not touched";

	*v = str_to_i64(s, min, max, &errstr);
	return errstr;
}

static bool
utf8(const char *s)
{
	return str_utf8_valid(s, strlen(s));
}

/* Decode a copy of s; returns the length, result in out (64 bytes). */
static size_t
pct(const char *s, bool plus, char out[64])
{
	size_t	 n = strlen(s);

	ck_assert_uint_lt(n, 64);
	memcpy(out, s, n + 1);
	return str_pct_decode(out, n, plus);
}

static int
money(const char *s, int exponent, int64_t max, int64_t *minor,
    const char **errstr)
{
	*minor = -12345;
	*errstr = "not touched";
	return str_money_parse(s, exponent, max, minor, errstr);
}

static void
check_format(int64_t minor, int exponent, const char *want)
{
	struct buf	 b;

	buf_init(&b, 64);
	str_money_format(&b, minor, exponent);
	ck_assert(!b.err);
	ck_assert_str_eq(b.data, want);
	buf_clear(&b);
}

/* str_to_i64 */

START_TEST(str_to_i64_parses_whole_string)
{
	int64_t	 v;

	ck_assert_ptr_null(parse("42", INT64_MIN, INT64_MAX, &v));
	ck_assert_int_eq(v, 42);
	ck_assert_ptr_null(parse("-17", INT64_MIN, INT64_MAX, &v));
	ck_assert_int_eq(v, -17);
	ck_assert_ptr_null(parse("0", INT64_MIN, INT64_MAX, &v));
	ck_assert_int_eq(v, 0);
}
END_TEST

START_TEST(str_to_i64_leading_zeros_are_decimal)
{
	int64_t	 v;

	ck_assert_ptr_null(parse("010", 0, 100, &v));
	ck_assert_int_eq(v, 10);
}
END_TEST

START_TEST(str_to_i64_minus_zero_is_zero)
{
	int64_t	 v;

	ck_assert_ptr_null(parse("-0", 0, 10, &v));
	ck_assert_int_eq(v, 0);
}
END_TEST

START_TEST(str_to_i64_rejects_empty)
{
	int64_t	 v;

	ck_assert_str_eq(parse("", 0, 10, &v), "is not a whole number");
	ck_assert_int_eq(v, 0);
}
END_TEST

START_TEST(str_to_i64_rejects_trailing_garbage)
{
	int64_t	 v;

	ck_assert_str_eq(parse("12a", 0, 100, &v), "is not a whole number");
	ck_assert_int_eq(v, 0);
	ck_assert_str_eq(parse("1 ", 0, 100, &v), "is not a whole number");
	ck_assert_str_eq(parse("1.0", 0, 100, &v), "is not a whole number");
	ck_assert_str_eq(parse("1e3", 0, 10000, &v), "is not a whole number");
	ck_assert_str_eq(parse("0x10", 0, 100, &v), "is not a whole number");
}
END_TEST

START_TEST(str_to_i64_rejects_leading_space)
{
	int64_t	 v;

	ck_assert_str_eq(parse(" 1", 0, 100, &v), "is not a whole number");
	ck_assert_str_eq(parse("\t1", 0, 100, &v), "is not a whole number");
	ck_assert_str_eq(parse("- 1", -100, 100, &v), "is not a whole number");
}
END_TEST

START_TEST(str_to_i64_rejects_plus_sign)
{
	int64_t	 v;

	ck_assert_str_eq(parse("+1", 0, 100, &v), "is not a whole number");
}
END_TEST

START_TEST(str_to_i64_rejects_lone_or_double_minus)
{
	int64_t	 v;

	ck_assert_str_eq(parse("-", -10, 10, &v), "is not a whole number");
	ck_assert_str_eq(parse("--1", -10, 10, &v), "is not a whole number");
}
END_TEST

START_TEST(str_to_i64_enforces_min_and_max)
{
	int64_t	 v;

	ck_assert_ptr_null(parse("1", 1, 100, &v));
	ck_assert_int_eq(v, 1);
	ck_assert_ptr_null(parse("100", 1, 100, &v));
	ck_assert_int_eq(v, 100);
	ck_assert_str_eq(parse("0", 1, 100, &v), "is too small");
	ck_assert_int_eq(v, 0);
	ck_assert_str_eq(parse("-5", 1, 100, &v), "is too small");
	ck_assert_str_eq(parse("101", 1, 100, &v), "is too large");
	ck_assert_int_eq(v, 0);
}
END_TEST

START_TEST(str_to_i64_accepts_int64_limits)
{
	int64_t	 v;

	ck_assert_ptr_null(parse("9223372036854775807", INT64_MIN, INT64_MAX, &v));
	ck_assert_int_eq(v, INT64_MAX);
	ck_assert_ptr_null(parse("-9223372036854775808", INT64_MIN, INT64_MAX, &v));
	ck_assert_int_eq(v, INT64_MIN);
}
END_TEST

START_TEST(str_to_i64_rejects_overflow)
{
	int64_t	 v;

	ck_assert_str_eq(parse("9223372036854775808", INT64_MIN, INT64_MAX, &v),
	    "is too large");
	ck_assert_str_eq(parse("99999999999999999999999", INT64_MIN, INT64_MAX,
	    &v), "is too large");
	ck_assert_str_eq(parse("-9223372036854775809", INT64_MIN, INT64_MAX, &v),
	    "is too small");
	ck_assert_int_eq(v, 0);
}
END_TEST

/* str_utf8_valid, str_utf8_chars */

START_TEST(str_utf8_valid_accepts_ascii_and_multibyte)
{
	ck_assert(utf8(""));
	ck_assert(utf8("plain ascii ~"));
	ck_assert(utf8("\xc3\xa9"));			/* é, 2 bytes */
	ck_assert(utf8("\xe2\x82\xac"));		/* €, 3 bytes */
	ck_assert(utf8("\xf0\x9f\x98\x80"));		/* U+1F600, 4 bytes */
	ck_assert(utf8("a\xc3\xa9" "b\xe2\x82\xac" "c\xf0\x9f\x98\x80"));
}
END_TEST

START_TEST(str_utf8_valid_accepts_boundaries)
{
	ck_assert(utf8("\xc2\x80"));			/* U+0080 */
	ck_assert(utf8("\xdf\xbf"));			/* U+07FF */
	ck_assert(utf8("\xe0\xa0\x80"));		/* U+0800 */
	ck_assert(utf8("\xed\x9f\xbf"));		/* U+D7FF */
	ck_assert(utf8("\xee\x80\x80"));		/* U+E000 */
	ck_assert(utf8("\xef\xbf\xbf"));		/* U+FFFF */
	ck_assert(utf8("\xf0\x90\x80\x80"));		/* U+10000 */
	ck_assert(utf8("\xf4\x8f\xbf\xbf"));		/* U+10FFFF */
}
END_TEST

START_TEST(str_utf8_valid_rejects_overlongs)
{
	ck_assert(!utf8("\xc0\x80"));			/* NUL, 2 bytes */
	ck_assert(!utf8("\xc1\xbf"));
	ck_assert(!utf8("\xe0\x80\x80"));		/* NUL, 3 bytes */
	ck_assert(!utf8("\xe0\x9f\xbf"));		/* U+07FF, 3 bytes */
	ck_assert(!utf8("\xf0\x80\x80\x80"));		/* NUL, 4 bytes */
	ck_assert(!utf8("\xf0\x8f\xbf\xbf"));		/* U+FFFF, 4 bytes */
}
END_TEST

START_TEST(str_utf8_valid_rejects_surrogates)
{
	ck_assert(!utf8("\xed\xa0\x80"));		/* U+D800 */
	ck_assert(!utf8("\xed\xbf\xbf"));		/* U+DFFF */
	ck_assert(!utf8("\xed\xa0\xbd\xed\xb8\x80"));	/* CESU pair */
}
END_TEST

START_TEST(str_utf8_valid_rejects_above_10ffff)
{
	ck_assert(!utf8("\xf4\x90\x80\x80"));		/* U+110000 */
	ck_assert(!utf8("\xf5\x80\x80\x80"));
	ck_assert(!utf8("\xf7\xbf\xbf\xbf"));
}
END_TEST

START_TEST(str_utf8_valid_rejects_bad_bytes)
{
	ck_assert(!utf8("\x80"));			/* lone continuation */
	ck_assert(!utf8("a\xbf"));
	ck_assert(!utf8("\xff"));
	ck_assert(!utf8("\xfe"));
	ck_assert(!utf8("\xf8\x88\x80\x80\x80"));	/* old 5-byte form */
}
END_TEST

START_TEST(str_utf8_valid_rejects_truncated_sequences)
{
	ck_assert(!utf8("\xc3"));
	ck_assert(!utf8("\xe2\x82"));
	ck_assert(!utf8("\xf0\x9f\x98"));
	ck_assert(!utf8("\xe2\x82" "A"));		/* ASCII in the middle */
	ck_assert(!utf8("\xc3 "));
	/* The length bounds the check, not the NUL. */
	ck_assert(!str_utf8_valid("\xc3\xa9", 1));
	ck_assert(!str_utf8_valid("\xf0\x9f\x98\x80", 3));
}
END_TEST

START_TEST(str_utf8_valid_rejects_embedded_nul)
{
	ck_assert(!str_utf8_valid("a\0b", 3));
	ck_assert(!str_utf8_valid("\0", 1));
	ck_assert(str_utf8_valid("a\0b", 1));
}
END_TEST

START_TEST(str_utf8_chars_counts_code_points)
{
	const char	*s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";

	ck_assert_uint_eq(str_utf8_chars(s, strlen(s)), 4);
	ck_assert_uint_eq(str_utf8_chars("", 0), 0);
	ck_assert_uint_eq(str_utf8_chars("hello", 5), 5);
	ck_assert_uint_eq(str_utf8_chars(s, 3), 2);
}
END_TEST

/* str_is_uuid */

START_TEST(str_is_uuid_accepts_canonical_any_case)
{
	ck_assert(str_is_uuid(UUID_LOWER));
	ck_assert(str_is_uuid(UUID_UPPER));
	ck_assert(str_is_uuid("00000000-0000-0000-0000-000000000000"));
}
END_TEST

START_TEST(str_is_uuid_rejects_wrong_shape)
{
	ck_assert(!str_is_uuid(""));
	ck_assert(!str_is_uuid("123e4567-e89b-12d3-a456-42661417400"));	/* 35 */
	ck_assert(!str_is_uuid(UUID_LOWER "0"));			/* 37 */
	ck_assert(!str_is_uuid("123e4567e89b12d3a456426614174000"));	/* no dashes */
	ck_assert(!str_is_uuid("123e4567-e89b-12d3-a456_426614174000"));
	ck_assert(!str_is_uuid("123e456-7e89b-12d3-a456-426614174000"));
	ck_assert(!str_is_uuid("123g4567-e89b-12d3-a456-426614174000"));	/* g */
	ck_assert(!str_is_uuid("{123e4567-e89b-12d3-a456-426614174000}"));
	ck_assert(!str_is_uuid(" 123e4567-e89b-12d3-a456-42661417400"));
	ck_assert(!str_is_uuid("red-shirt"));
}
END_TEST

/* str_is_slug */

START_TEST(str_is_slug_accepts_lowercase_digits_dashes)
{
	ck_assert(str_is_slug("red-shirt", 128));
	ck_assert(str_is_slug("a", 128));
	ck_assert(str_is_slug("2024-ebook-v2", 128));
	ck_assert(str_is_slug("0", 128));
}
END_TEST

START_TEST(str_is_slug_rejects_empty)
{
	ck_assert(!str_is_slug("", 128));
}
END_TEST

START_TEST(str_is_slug_rejects_leading_or_trailing_dash)
{
	ck_assert(!str_is_slug("-shirt", 128));
	ck_assert(!str_is_slug("shirt-", 128));
	ck_assert(!str_is_slug("-", 128));
}
END_TEST

START_TEST(str_is_slug_rejects_other_characters)
{
	ck_assert(!str_is_slug("Red-shirt", 128));
	ck_assert(!str_is_slug("SHIRT", 128));
	ck_assert(!str_is_slug("red_shirt", 128));
	ck_assert(!str_is_slug("red shirt", 128));
	ck_assert(!str_is_slug("red.shirt", 128));
	ck_assert(!str_is_slug("red/shirt", 128));
	ck_assert(!str_is_slug("caf\xc3\xa9", 128));
	ck_assert(!str_is_slug("<script>", 128));
}
END_TEST

START_TEST(str_is_slug_rejects_uuid_shape)
{
	ck_assert(!str_is_slug(UUID_LOWER, 128));
	ck_assert(!str_is_slug(UUID_UPPER, 128));
	/* One character off the UUID shape is a slug again. */
	ck_assert(str_is_slug("123e4567-e89b-12d3-a456-4266141740000", 128));
}
END_TEST

START_TEST(str_is_slug_enforces_max_length)
{
	ck_assert(str_is_slug("abcde", 5));
	ck_assert(!str_is_slug("abcdef", 5));
	ck_assert(!str_is_slug("a", 0));
}
END_TEST

/* str_pct_decode */

START_TEST(str_pct_decode_decodes_hex_pairs)
{
	char	 out[64];

	ck_assert_uint_eq(pct("%41", false, out), 1);
	ck_assert_str_eq(out, "A");
	ck_assert_uint_eq(pct("a%2fb%2Fc", false, out), 5);
	ck_assert_str_eq(out, "a/b/c");
	ck_assert_uint_eq(pct("%e2%82%AC", false, out), 3);
	ck_assert_str_eq(out, "\xe2\x82\xac");
	ck_assert_uint_eq(pct("%%41", false, out), 2);
	ck_assert_str_eq(out, "%A");
}
END_TEST

START_TEST(str_pct_decode_keeps_bad_escapes)
{
	char	 out[64];

	ck_assert_uint_eq(pct("%zz", false, out), 3);
	ck_assert_str_eq(out, "%zz");
	ck_assert_uint_eq(pct("%4g", false, out), 3);
	ck_assert_str_eq(out, "%4g");
	ck_assert_uint_eq(pct("a%", false, out), 2);
	ck_assert_str_eq(out, "a%");
}
END_TEST

START_TEST(str_pct_decode_keeps_trailing_partial_escape)
{
	char	 out[64];

	ck_assert_uint_eq(pct("ab%4", false, out), 4);
	ck_assert_str_eq(out, "ab%4");
}
END_TEST

START_TEST(str_pct_decode_respects_length)
{
	char	 s[] = "%41BC";

	/* Only "%4" is in range: not an escape. */
	ck_assert_uint_eq(str_pct_decode(s, 2, false), 2);
	ck_assert_str_eq(s, "%4");
}
END_TEST

START_TEST(str_pct_decode_plus_is_space_only_when_asked)
{
	char	 out[64];

	ck_assert_uint_eq(pct("a+b", true, out), 3);
	ck_assert_str_eq(out, "a b");
	ck_assert_uint_eq(pct("a+b", false, out), 3);
	ck_assert_str_eq(out, "a+b");
	/* An encoded plus stays a plus. */
	pct("1%2B1", true, out);
	ck_assert_str_eq(out, "1+1");
}
END_TEST

START_TEST(str_pct_decode_nul_is_counted_in_length)
{
	char	 out[64];

	ck_assert_uint_eq(pct("a%00b", false, out), 3);
	ck_assert_int_eq(memcmp(out, "a\0b\0", 4), 0);
	ck_assert_uint_eq(strlen(out), 1);
}
END_TEST

START_TEST(str_pct_decode_empty_input)
{
	char	 out[64];

	ck_assert_uint_eq(pct("", true, out), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

/* str_case_eq */

START_TEST(str_case_eq_folds_ascii_only)
{
	ck_assert(str_case_eq("Content-Type", "content-TYPE"));
	ck_assert(str_case_eq("", ""));
	ck_assert(!str_case_eq("abc", "abd"));
	ck_assert(!str_case_eq("abc", "ab"));
	ck_assert(!str_case_eq("ab", "abc"));
	ck_assert(!str_case_eq("@", "`"));		/* 0x40 vs 0x60 */
	ck_assert(!str_case_eq("[", "{"));
	ck_assert(!str_case_eq("\xc3\x89", "\xc3\xa9"));	/* É vs é */
}
END_TEST

/* str_money_parse */

START_TEST(str_money_parse_exact_two_decimals)
{
	int64_t		 m;
	const char	*e;

	ck_assert_int_eq(money("12.99", 2, INT64_MAX, &m, &e), 0);
	ck_assert_int_eq(m, 1299);
	ck_assert_ptr_null(e);
	ck_assert_int_eq(money("12.9", 2, INT64_MAX, &m, &e), 0);
	ck_assert_int_eq(m, 1290);
	ck_assert_int_eq(money("5", 2, INT64_MAX, &m, &e), 0);
	ck_assert_int_eq(m, 500);
	ck_assert_int_eq(money("0.05", 2, INT64_MAX, &m, &e), 0);
	ck_assert_int_eq(m, 5);
	ck_assert_int_eq(money("0", 2, INT64_MAX, &m, &e), 0);
	ck_assert_int_eq(m, 0);
	ck_assert_int_eq(money("007.10", 2, INT64_MAX, &m, &e), 0);
	ck_assert_int_eq(m, 710);
}
END_TEST

START_TEST(str_money_parse_exponent_three)
{
	int64_t		 m;
	const char	*e;

	ck_assert_int_eq(money("1.234", 3, INT64_MAX, &m, &e), 0);
	ck_assert_int_eq(m, 1234);
	ck_assert_int_eq(money("1.2", 3, INT64_MAX, &m, &e), 0);
	ck_assert_int_eq(m, 1200);
}
END_TEST

START_TEST(str_money_parse_exponent_zero)
{
	int64_t		 m;
	const char	*e;

	ck_assert_int_eq(money("500", 0, INT64_MAX, &m, &e), 0);
	ck_assert_int_eq(m, 500);
	ck_assert_int_eq(money("1.5", 0, INT64_MAX, &m, &e), -1);
	ck_assert_str_eq(e, "must be a whole number in this currency");
}
END_TEST

START_TEST(str_money_parse_rejects_too_many_decimals)
{
	int64_t		 m;
	const char	*e;

	ck_assert_int_eq(money("12.999", 2, INT64_MAX, &m, &e), -1);
	ck_assert_str_eq(e, "has more decimal places than the currency allows");
	ck_assert_int_eq(money("12.990", 2, INT64_MAX, &m, &e), -1);
	ck_assert_int_eq(money("1.2345", 3, INT64_MAX, &m, &e), -1);
}
END_TEST

START_TEST(str_money_parse_rejects_negative)
{
	int64_t		 m;
	const char	*e;

	ck_assert_int_eq(money("-1", 2, INT64_MAX, &m, &e), -1);
	ck_assert_str_eq(e, "must not be negative");
	ck_assert_int_eq(money("-0.01", 2, INT64_MAX, &m, &e), -1);
	ck_assert_str_eq(e, "must not be negative");
}
END_TEST

START_TEST(str_money_parse_rejects_malformed)
{
	static const char *const bad[] = {
		"", "1e3", ".5", "5.", "+1", " 1", "1 ", "1,50", "1.2.3",
		"abc", "12.a", "0x10", "1.-5", "NaN", "Infinity", "12.9 ",
	};
	int64_t		 m;
	const char	*e;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(money(bad[i], 2, INT64_MAX, &m, &e) == -1,
		    "\"%s\" was accepted", bad[i]);
		ck_assert_str_eq(e, "must be a number like 12.99");
	}
}
END_TEST

START_TEST(str_money_parse_enforces_max)
{
	int64_t		 m;
	const char	*e;

	ck_assert_int_eq(money("999999.99", 2, 99999999, &m, &e), 0);
	ck_assert_int_eq(m, 99999999);
	ck_assert_int_eq(money("1000000", 2, 99999999, &m, &e), -1);
	ck_assert_str_eq(e, "is too large");
	ck_assert_int_eq(money("1000000.00", 2, 99999999, &m, &e), -1);
	ck_assert_str_eq(e, "is too large");
}
END_TEST

START_TEST(str_money_parse_rejects_huge_without_overflow)
{
	int64_t		 m;
	const char	*e;

	ck_assert_int_eq(money("99999999999999999999999", 2, INT64_MAX, &m, &e),
	    -1);
	ck_assert_str_eq(e, "is too large");
}
END_TEST

/*
 * 9223372036854776 passes the per-digit guard but times 1000 exceeds
 * INT64_MAX: it must be "is too large", never a wrapped value.
 */
START_TEST(str_money_parse_exponent_three_near_int64_max_is_too_large)
{
	int64_t		 m;
	const char	*e;

	ck_assert_int_eq(money("9223372036854776", 3, INT64_MAX, &m, &e), -1);
	ck_assert_str_eq(e, "is too large");
	ck_assert_int_eq(money("9223372036854775.999", 3, INT64_MAX, &m, &e),
	    -1);
	ck_assert_str_eq(e, "is too large");
}
END_TEST

/* str_money_format */

START_TEST(str_money_format_examples)
{
	check_format(1299, 2, "12.99");
	check_format(5, 2, "0.05");
	check_format(0, 2, "0.00");
	check_format(100, 2, "1.00");
	check_format(500, 0, "500");
	check_format(0, 0, "0");
	check_format(1234, 3, "1.234");
	check_format(1, 3, "0.001");
	check_format(INT64_MAX, 2, "92233720368547758.07");
}
END_TEST

START_TEST(str_money_format_negative)
{
	check_format(-1299, 2, "-12.99");
	check_format(-5, 2, "-0.05");
	check_format(-7, 0, "-7");
}
END_TEST

START_TEST(str_money_format_int64_min)
{
	check_format(INT64_MIN, 2, "-92233720368547758.08");
}
END_TEST

START_TEST(str_money_format_round_trips_through_parse)
{
	static const int64_t	 vals[] = { 1, 10, 99, 100, 1299, 99999999 };
	struct buf		 b;
	int64_t			 m;
	const char		*e;
	size_t			 i;

	buf_init(&b, 64);
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		buf_reset(&b);
		str_money_format(&b, vals[i], 2);
		ck_assert_int_eq(str_money_parse(b.data, 2, INT64_MAX, &m, &e), 0);
		ck_assert_int_eq(m, vals[i]);
	}
	buf_clear(&b);
}
END_TEST

/* str_hex */

START_TEST(str_hex_writes_lowercase_pairs)
{
	static const unsigned char in[] = { 0x00, 0xff, 0x1a, 0xB0, 0x09 };
	char	 out[16];

	memset(out, 'X', sizeof(out));
	str_hex(out, in, sizeof(in));
	ck_assert_str_eq(out, "00ff1ab009");
	ck_assert_int_eq(out[11], 'X');		/* nothing past the NUL */
}
END_TEST

START_TEST(str_hex_empty_is_empty_string)
{
	char	 out[2] = { 'X', 'X' };

	str_hex(out, (const unsigned char *)"", 0);
	ck_assert_int_eq(out[0], '\0');
	ck_assert_int_eq(out[1], 'X');
}
END_TEST

static Suite *
str_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("str");
	tc = tcase_create("to_i64");
	tcase_add_test(tc, str_to_i64_parses_whole_string);
	tcase_add_test(tc, str_to_i64_leading_zeros_are_decimal);
	tcase_add_test(tc, str_to_i64_minus_zero_is_zero);
	tcase_add_test(tc, str_to_i64_rejects_empty);
	tcase_add_test(tc, str_to_i64_rejects_trailing_garbage);
	tcase_add_test(tc, str_to_i64_rejects_leading_space);
	tcase_add_test(tc, str_to_i64_rejects_plus_sign);
	tcase_add_test(tc, str_to_i64_rejects_lone_or_double_minus);
	tcase_add_test(tc, str_to_i64_enforces_min_and_max);
	tcase_add_test(tc, str_to_i64_accepts_int64_limits);
	tcase_add_test(tc, str_to_i64_rejects_overflow);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8");
	tcase_add_test(tc, str_utf8_valid_accepts_ascii_and_multibyte);
	tcase_add_test(tc, str_utf8_valid_accepts_boundaries);
	tcase_add_test(tc, str_utf8_valid_rejects_overlongs);
	tcase_add_test(tc, str_utf8_valid_rejects_surrogates);
	tcase_add_test(tc, str_utf8_valid_rejects_above_10ffff);
	tcase_add_test(tc, str_utf8_valid_rejects_bad_bytes);
	tcase_add_test(tc, str_utf8_valid_rejects_truncated_sequences);
	tcase_add_test(tc, str_utf8_valid_rejects_embedded_nul);
	tcase_add_test(tc, str_utf8_chars_counts_code_points);
	suite_add_tcase(s, tc);

	tc = tcase_create("uuid_slug");
	tcase_add_test(tc, str_is_uuid_accepts_canonical_any_case);
	tcase_add_test(tc, str_is_uuid_rejects_wrong_shape);
	tcase_add_test(tc, str_is_slug_accepts_lowercase_digits_dashes);
	tcase_add_test(tc, str_is_slug_rejects_empty);
	tcase_add_test(tc, str_is_slug_rejects_leading_or_trailing_dash);
	tcase_add_test(tc, str_is_slug_rejects_other_characters);
	tcase_add_test(tc, str_is_slug_rejects_uuid_shape);
	tcase_add_test(tc, str_is_slug_enforces_max_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("pct_case");
	tcase_add_test(tc, str_pct_decode_decodes_hex_pairs);
	tcase_add_test(tc, str_pct_decode_keeps_bad_escapes);
	tcase_add_test(tc, str_pct_decode_keeps_trailing_partial_escape);
	tcase_add_test(tc, str_pct_decode_respects_length);
	tcase_add_test(tc, str_pct_decode_plus_is_space_only_when_asked);
	tcase_add_test(tc, str_pct_decode_nul_is_counted_in_length);
	tcase_add_test(tc, str_pct_decode_empty_input);
	tcase_add_test(tc, str_case_eq_folds_ascii_only);
	suite_add_tcase(s, tc);

	tc = tcase_create("money");
	tcase_add_test(tc, str_money_parse_exact_two_decimals);
	tcase_add_test(tc, str_money_parse_exponent_three);
	tcase_add_test(tc, str_money_parse_exponent_zero);
	tcase_add_test(tc, str_money_parse_rejects_too_many_decimals);
	tcase_add_test(tc, str_money_parse_rejects_negative);
	tcase_add_test(tc, str_money_parse_rejects_malformed);
	tcase_add_test(tc, str_money_parse_enforces_max);
	tcase_add_test(tc, str_money_parse_rejects_huge_without_overflow);
	tcase_add_test(tc, str_money_parse_exponent_three_near_int64_max_is_too_large);
	tcase_add_test(tc, str_money_format_examples);
	tcase_add_test(tc, str_money_format_negative);
	tcase_add_test(tc, str_money_format_int64_min);
	tcase_add_test(tc, str_money_format_round_trips_through_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("hex");
	tcase_add_test(tc, str_hex_writes_lowercase_pairs);
	tcase_add_test(tc, str_hex_empty_is_empty_string);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(str_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
