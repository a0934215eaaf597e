/*
 * check_valid.c: valid_value for every field type, valid_query (unknown,
 * duplicate, missing, several errors), valid_json (FIELD_LIST arrays and
 * null for optional fields included), valid_email, FIELD_DATE (calendar
 * dates and RFC 3339 timestamps) and FIELD_OBJECT / FIELD_OBJECTS with
 * valid_json_sub (errors named "customer.email", "items[0].quantity").
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "arena.h"
#include "req.h"
#include "valid.h"

static const char *const sorts[] = {
	"newest", "price_asc", "price_desc", NULL
};

static const struct field f_text = { "name", FIELD_TEXT, true, 1, 5, NULL };
static const struct field f_text3 = { "code", FIELD_TEXT, true, 3, 10, NULL };
static const struct field f_int = { "limit", FIELD_INT, false, 1, 100, NULL };
static const struct field f_bool = { "featured", FIELD_BOOL, false, 0, 0,
    NULL };
static const struct field f_enum = { "sort", FIELD_ENUM, false, 0, 0, sorts };
static const struct field f_uuid = { "id", FIELD_UUID, true, 0, 0, NULL };
static const struct field f_slug = { "slug", FIELD_SLUG, true, 0, 10, NULL };
static const struct field f_ident = { "store", FIELD_IDENT, true, 0, 40, NULL };
static const struct field f_dec = { "min_price", FIELD_DECIMAL, false, 0,
    999999999, NULL };
static const struct field f_money = { "price", FIELD_MONEY, true, 0, 0, NULL };
static const struct field f_email = { "email", FIELD_EMAIL, true, 0, 0, NULL };

#define UUID	"123e4567-e89b-12d3-a456-426614174000"

static struct fval	 v;
static const char	*e;
static struct form	 f;
static struct arena	*a;

static void
setup(void)
{
	a = arena_new();
	memset(&v, 0, sizeof(v));
	e = NULL;
}

static void
teardown(void)
{
	arena_free(a);
}

/* Validate NUL-terminated s against fd; returns 0 or -1, fills v and e. */
static int
val(const struct field *fd, const char *s)
{
	e = "not touched";
	return valid_value(fd, s, strlen(s), &v, &e);
}

/* The message recorded for field name in f, or NULL. */
static const char *
ferr(const char *name)
{
	size_t	 i;

	for (i = 0; i < f.nerrs; i++)
		if (strcmp(f.errs[i].field, name) == 0)
			return f.errs[i].msg;
	return NULL;
}

static int
json(const struct field *fields, size_t n, const char *body)
{
	return valid_json(&f, fields, n, body, strlen(body), a);
}

/* FIELD_TEXT */

START_TEST(valid_text_within_limits)
{
	ck_assert_int_eq(val(&f_text, "abcde"), 0);
	ck_assert(v.set);
	ck_assert_str_eq(v.s, "abcde");
	ck_assert_uint_eq(v.len, 5);
	ck_assert_int_eq(val(&f_text, "a"), 0);
}
END_TEST

START_TEST(valid_text_empty_when_min_1_is_rejected)
{
	ck_assert_int_eq(val(&f_text, ""), -1);
	ck_assert_str_eq(e, "must not be empty");
	ck_assert(!v.set);
}
END_TEST

START_TEST(valid_text_below_min_is_too_short)
{
	ck_assert_int_eq(val(&f_text3, "ab"), -1);
	ck_assert_str_eq(e, "is too short");
}
END_TEST

START_TEST(valid_text_above_max_names_limit)
{
	ck_assert_int_eq(val(&f_text, "abcdef"), -1);
	ck_assert_str_eq(e, "must be at most 5 characters");
	ck_assert(!v.set);
}
END_TEST

START_TEST(valid_text_counts_characters_not_bytes)
{
	/* Five characters, ten bytes. */
	ck_assert_int_eq(val(&f_text, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), 0);
	/* Five characters, twenty bytes. */
	ck_assert_int_eq(val(&f_text,
	    "\xf0\x9f\x90\x9d\xf0\x9f\x90\x9d\xf0\x9f\x90\x9d\xf0\x9f\x90\x9d"
	    "\xf0\x9f\x90\x9d"), 0);
	/* Three characters, six bytes: long enough for min 3. */
	ck_assert_int_eq(val(&f_text3, "\xc3\xa9\xc3\xa9\xc3\xa9"), 0);
	/* Six characters, twelve bytes. */
	ck_assert_int_eq(val(&f_text,
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), -1);
}
END_TEST

START_TEST(valid_text_rejects_nul_bytes)
{
	e = NULL;
	ck_assert_int_eq(valid_value(&f_text, "a\0b", 3, &v, &e), -1);
	ck_assert_str_eq(e, "must not contain NUL bytes");
	ck_assert(!v.set);
}
END_TEST

START_TEST(valid_text_rejects_invalid_utf8)
{
	ck_assert_int_eq(val(&f_text, "a\xff"), -1);
	ck_assert_str_eq(e, "must be valid UTF-8");
	ck_assert_int_eq(val(&f_text, "\xc0\x80"), -1);
	ck_assert_int_eq(val(&f_text, "\xed\xa0\x80"), -1);
	ck_assert_str_eq(e, "must be valid UTF-8");
}
END_TEST

START_TEST(valid_value_checks_utf8_for_every_type)
{
	ck_assert_int_eq(val(&f_enum, "newest\xff"), -1);
	ck_assert_str_eq(e, "must be valid UTF-8");
	ck_assert_int_eq(val(&f_int, "1\xc3"), -1);
	ck_assert_str_eq(e, "must be valid UTF-8");
}
END_TEST

/* FIELD_INT */

START_TEST(valid_int_in_range)
{
	ck_assert_int_eq(val(&f_int, "1"), 0);
	ck_assert_int_eq(v.i, 1);
	ck_assert_int_eq(val(&f_int, "100"), 0);
	ck_assert_int_eq(v.i, 100);
	ck_assert(v.set);
}
END_TEST

START_TEST(valid_int_out_of_range_names_range)
{
	ck_assert_int_eq(val(&f_int, "0"), -1);
	ck_assert_str_eq(e, "must be a whole number from 1 to 100");
	ck_assert_int_eq(val(&f_int, "101"), -1);
	ck_assert_str_eq(e, "must be a whole number from 1 to 100");
	ck_assert_int_eq(val(&f_int, "-5"), -1);
	ck_assert(!v.set);
}
END_TEST

START_TEST(valid_int_rejects_non_numbers)
{
	static const char *const bad[] = { "", "abc", "1.5", " 1", "1 ", "+1",
	    "0x10", "1e2", "99999999999999999999" };
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(val(&f_int, bad[i]) == -1, "\"%s\" accepted", bad[i]);
		ck_assert_str_eq(e, "must be a whole number from 1 to 100");
	}
}
END_TEST

/* FIELD_BOOL */

START_TEST(valid_bool_accepts_true_false_1_0)
{
	ck_assert_int_eq(val(&f_bool, "true"), 0);
	ck_assert(v.b);
	ck_assert_int_eq(val(&f_bool, "1"), 0);
	ck_assert(v.b);
	ck_assert_int_eq(val(&f_bool, "false"), 0);
	ck_assert(!v.b);
	ck_assert(v.set);
	ck_assert_int_eq(val(&f_bool, "0"), 0);
	ck_assert(!v.b);
}
END_TEST

START_TEST(valid_bool_rejects_other_words)
{
	static const char *const bad[] = { "", "TRUE", "yes", "on", "2", "t",
	    "true ", "falsey" };
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(val(&f_bool, bad[i]) == -1, "\"%s\" accepted", bad[i]);
		ck_assert_str_eq(e, "must be true or false");
	}
}
END_TEST

/* FIELD_ENUM */

START_TEST(valid_enum_gives_index)
{
	ck_assert_int_eq(val(&f_enum, "newest"), 0);
	ck_assert_int_eq(v.i, 0);
	ck_assert_int_eq(val(&f_enum, "price_desc"), 0);
	ck_assert_int_eq(v.i, 2);
}
END_TEST

START_TEST(valid_enum_rejects_unknown_and_case)
{
	ck_assert_int_eq(val(&f_enum, "oldest"), -1);
	ck_assert_str_eq(e, "is not one of the allowed values");
	ck_assert_int_eq(val(&f_enum, "Newest"), -1);
	ck_assert_int_eq(val(&f_enum, ""), -1);
	ck_assert_int_eq(val(&f_enum, "price"), -1);
}
END_TEST

/* FIELD_UUID, FIELD_SLUG, FIELD_IDENT */

START_TEST(valid_uuid_accepts_canonical)
{
	ck_assert_int_eq(val(&f_uuid, UUID), 0);
	ck_assert(v.set);
}
END_TEST

START_TEST(valid_uuid_rejects_others)
{
	ck_assert_int_eq(val(&f_uuid, "red-shirt"), -1);
	ck_assert_str_eq(e, "must be a UUID");
	ck_assert_int_eq(val(&f_uuid, ""), -1);
	ck_assert_int_eq(val(&f_uuid, UUID "0"), -1);
}
END_TEST

START_TEST(valid_slug_accepts_and_enforces_max)
{
	ck_assert_int_eq(val(&f_slug, "red-shirt"), 0);
	ck_assert_int_eq(val(&f_slug, "abcdefghij"), 0);
	ck_assert_int_eq(val(&f_slug, "abcdefghijk"), -1);
	ck_assert_str_eq(e, "must be a slug: lowercase letters, digits and dashes");
}
END_TEST

START_TEST(valid_slug_rejects_bad_shapes)
{
	static const char *const bad[] = { "", "Red", "-a", "a-", "a_b", "a b",
	    "<x>" };
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(val(&f_slug, bad[i]) == -1, "\"%s\" accepted", bad[i]);
}
END_TEST

START_TEST(valid_ident_sets_is_uuid)
{
	ck_assert_int_eq(val(&f_ident, UUID), 0);
	ck_assert(v.is_uuid);
	ck_assert_int_eq(val(&f_ident, "demo-store"), 0);
	ck_assert(!v.is_uuid);
	ck_assert(v.set);
}
END_TEST

START_TEST(valid_ident_rejects_neither)
{
	ck_assert_int_eq(val(&f_ident, "Demo Store"), -1);
	ck_assert_str_eq(e, "must be an id or a slug");
	ck_assert_int_eq(val(&f_ident, ""), -1);
	ck_assert_int_eq(val(&f_ident, "%3Cscript%3E"), -1);
}
END_TEST

/* FIELD_DECIMAL */

START_TEST(valid_decimal_parses_thousandths)
{
	ck_assert_int_eq(val(&f_dec, "12.5"), 0);
	ck_assert_int_eq(v.i, 12500);
	ck_assert_int_eq(val(&f_dec, "0"), 0);
	ck_assert_int_eq(v.i, 0);
	ck_assert_int_eq(val(&f_dec, "1.234"), 0);
	ck_assert_int_eq(v.i, 1234);
	ck_assert_int_eq(val(&f_dec, "999999.999"), 0);
}
END_TEST

START_TEST(valid_decimal_rejects_bad_input)
{
	ck_assert_int_eq(val(&f_dec, "1.2345"), -1);
	ck_assert_int_eq(val(&f_dec, "-1"), -1);
	ck_assert_str_eq(e, "must not be negative");
	ck_assert_int_eq(val(&f_dec, "abc"), -1);
	ck_assert_int_eq(val(&f_dec, "1000000"), -1);
	ck_assert_str_eq(e, "is too large");
}
END_TEST

/* A query string's min_price reaches str_money_parse with exponent 3. */
START_TEST(valid_decimal_near_int64_max_is_too_large)
{
	ck_assert_int_eq(val(&f_dec, "9223372036854776"), -1);
	ck_assert_str_eq(e, "is too large");
}
END_TEST

/* FIELD_MONEY */

START_TEST(valid_money_accepts_two_decimals)
{
	ck_assert_int_eq(val(&f_money, "12.99"), 0);
	ck_assert_int_eq(v.i, 1299);
	ck_assert_int_eq(val(&f_money, "0.01"), 0);
	ck_assert_int_eq(v.i, 1);
	ck_assert_int_eq(val(&f_money, "999999.99"), 0);
	ck_assert_int_eq(v.i, 99999999);
	ck_assert_int_eq(val(&f_money, "7"), 0);
	ck_assert_int_eq(v.i, 700);
}
END_TEST

START_TEST(valid_money_rejects_zero)
{
	ck_assert_int_eq(val(&f_money, "0"), -1);
	ck_assert_str_eq(e, "must be greater than 0");
	ck_assert_int_eq(val(&f_money, "0.00"), -1);
	ck_assert(!v.set);
}
END_TEST

START_TEST(valid_money_rejects_above_max)
{
	ck_assert_int_eq(val(&f_money, "1000000"), -1);
	ck_assert_str_eq(e, "must be at most 999999.99");
	ck_assert_int_eq(val(&f_money, "99999999999999999999"), -1);
	ck_assert_str_eq(e, "must be at most 999999.99");
}
END_TEST

START_TEST(valid_money_rejects_third_decimal)
{
	ck_assert_int_eq(val(&f_money, "12.999"), -1);
	ck_assert_str_eq(e, "has more decimal places than the currency allows");
}
END_TEST

START_TEST(valid_money_rejects_malformed)
{
	ck_assert_int_eq(val(&f_money, "-1"), -1);
	ck_assert_str_eq(e, "must not be negative");
	ck_assert_int_eq(val(&f_money, "1e3"), -1);
	ck_assert_int_eq(val(&f_money, ""), -1);
	ck_assert_int_eq(val(&f_money, "12,99"), -1);
}
END_TEST

/* FIELD_EMAIL */

START_TEST(valid_email_field)
{
	ck_assert_int_eq(val(&f_email, "ana@example.com"), 0);
	ck_assert_int_eq(val(&f_email, "ana@example"), -1);
	ck_assert_str_eq(e, "must be an email address");
}
END_TEST

START_TEST(valid_email_accepts_common_addresses)
{
	static const char *const good[] = { "a@b.co", "first.last@example.com",
	    "x+tag@sub.example.org", "o'neil@example.ie", "a@xn--bcher-kva.de",
	    "user@b\xc3\xbc" "cher.de" };
	size_t	 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(valid_email(good[i], strlen(good[i])),
		    "\"%s\" rejected", good[i]);
}
END_TEST

START_TEST(valid_email_rejects_bad_addresses)
{
	static const char *const bad[] = { "", "a", "a@", "@b.c", "ab.c",
	    "a@b", "a@@b.c", "a@b@c.d", "a@.b.c", "a@b.c.", "a@b..c",
	    "a b@c.d", "a@b c.d", "\"a\"@b.c", "a<b@c.d", "a@b_c.d",
	    "a@b.c>", "caf\xc3\xa9@b.c", "a@b,c.d" };
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!valid_email(bad[i], strlen(bad[i])),
		    "\"%s\" accepted", bad[i]);
}
END_TEST

/* a..a@ then labels of 60 b's joined by dots, n bytes in all. */
static void
long_email(char *s, size_t n)
{
	size_t	 i;

	memset(s, 'a', 10);
	s[10] = '@';
	for (i = 11; i < n; i++)
		s[i] = (i - 11) % 61 == 60 ? '.' : 'b';
	s[n] = '\0';
}

START_TEST(valid_email_enforces_lengths)
{
	char	 s[400];

	/* Local part of 64 is fine, 65 is not. */
	memset(s, 'a', 64);
	memcpy(s + 64, "@b.co", 6);
	ck_assert(valid_email(s, strlen(s)));
	memset(s, 'a', 65);
	memcpy(s + 65, "@b.co", 6);
	ck_assert(!valid_email(s, strlen(s)));
	/* A domain label of 63 is fine, 64 is not. */
	s[0] = 'a';
	s[1] = '@';
	memset(s + 2, 'b', 63);
	memcpy(s + 65, ".co", 4);
	ck_assert(valid_email(s, strlen(s)));
	memset(s + 2, 'b', 64);
	memcpy(s + 66, ".co", 4);
	ck_assert(!valid_email(s, strlen(s)));
	/* 254 bytes in all is the maximum. */
	long_email(s, 254);
	ck_assert(valid_email(s, 254));
	long_email(s, 255);
	ck_assert(!valid_email(s, 255));
}
END_TEST

START_TEST(valid_email_length_bounds_the_check)
{
	/* Only the first n bytes count. */
	ck_assert(valid_email("a@b.co trailing", 6));
	ck_assert(valid_email("a@b.cox", 6));
	ck_assert(!valid_email("a@b.co", 4));		/* "a@b." */
	ck_assert(!valid_email("a@b.co", 2));
}
END_TEST

/* valid_query */

static const struct field qfields[] = {
	{ "limit", FIELD_INT, false, 1, 100, NULL },
	{ "sort", FIELD_ENUM, false, 0, 0, sorts },
	{ "store", FIELD_IDENT, true, 0, 40, NULL },
	{ "q", FIELD_TEXT, false, 1, 20, NULL },
};

#define KV(k, s)	{ k, s, sizeof(s) - 1 }

START_TEST(valid_query_fills_typed_values)
{
	const struct kv	 q[] = { KV("limit", "20"), KV("sort", "price_asc"),
	    KV("store", "demo") };

	ck_assert_int_eq(valid_query(&f, qfields, 4, q, 3), 0);
	ck_assert_uint_eq(f.nerrs, 0);
	ck_assert(f.v[0].set);
	ck_assert_int_eq(f.v[0].i, 20);
	ck_assert_int_eq(f.v[1].i, 1);
	ck_assert_str_eq(f.v[2].s, "demo");
	ck_assert(!f.v[2].is_uuid);
	ck_assert(!f.v[3].set);
}
END_TEST

START_TEST(valid_query_ignores_unknown_params)
{
	const struct kv	 q[] = { KV("utm_source", "x"), KV("store", "demo"),
	    KV("_", "1699999999"), KV("LIMIT", "abc") };

	ck_assert_int_eq(valid_query(&f, qfields, 4, q, 4), 0);
	ck_assert_uint_eq(f.nerrs, 0);
	ck_assert(!f.v[0].set);
}
END_TEST

START_TEST(valid_query_rejects_duplicates)
{
	const struct kv	 q[] = { KV("store", "demo"), KV("limit", "10"),
	    KV("limit", "10") };

	ck_assert_int_eq(valid_query(&f, qfields, 4, q, 3), -1);
	ck_assert_uint_eq(f.nerrs, 1);
	ck_assert_str_eq(ferr("limit"), "is given more than once");
}
END_TEST

START_TEST(valid_query_reports_required_missing)
{
	const struct kv	 q[] = { KV("limit", "10") };

	ck_assert_int_eq(valid_query(&f, qfields, 4, q, 1), -1);
	ck_assert_str_eq(ferr("store"), "is required");
	ck_assert_ptr_null(ferr("limit"));
}
END_TEST

START_TEST(valid_query_no_params_only_required_fails)
{
	ck_assert_int_eq(valid_query(&f, qfields, 4, NULL, 0), -1);
	ck_assert_uint_eq(f.nerrs, 1);
	ck_assert_str_eq(f.errs[0].field, "store");
}
END_TEST

START_TEST(valid_query_reports_every_bad_field)
{
	const struct kv	 q[] = { KV("limit", "0"), KV("sort", "random"),
	    KV("q", "") };

	ck_assert_int_eq(valid_query(&f, qfields, 4, q, 3), -1);
	ck_assert_uint_eq(f.nerrs, 4);
	ck_assert_str_eq(ferr("limit"), "must be a whole number from 1 to 100");
	ck_assert_str_eq(ferr("sort"), "is not one of the allowed values");
	ck_assert_str_eq(ferr("store"), "is required");
	ck_assert_str_eq(ferr("q"), "must not be empty");
}
END_TEST

START_TEST(valid_query_rejects_decoded_nul)
{
	const struct kv	 q[] = { KV("store", "demo"), { "q", "a\0b", 3 } };

	ck_assert_int_eq(valid_query(&f, qfields, 4, q, 2), -1);
	ck_assert_str_eq(ferr("q"), "must not contain NUL bytes");
}
END_TEST

START_TEST(valid_error_keeps_first_error_per_field)
{
	memset(&f, 0, sizeof(f));
	valid_error(&f, "a", "first");
	valid_error(&f, "a", "second");
	valid_error(&f, "b", "other");
	ck_assert_uint_eq(f.nerrs, 2);
	ck_assert_str_eq(ferr("a"), "first");
}
END_TEST

START_TEST(valid_error_drops_past_form_max)
{
	char	 names[FORM_MAX + 5][8];
	int	 i;

	memset(&f, 0, sizeof(f));
	for (i = 0; i < FORM_MAX + 5; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d", i);
		valid_error(&f, names[i], "bad");
	}
	ck_assert_uint_eq(f.nerrs, FORM_MAX);
}
END_TEST

/* valid_json */

static const struct field jfields[] = {
	{ "name", FIELD_TEXT, true, 1, 50, NULL },
	{ "price", FIELD_MONEY, true, 0, 0, NULL },
	{ "stock", FIELD_INT, false, 0, 1000, NULL },
	{ "active", FIELD_BOOL, false, 0, 0, NULL },
	{ "slug", FIELD_SLUG, false, 0, 40, NULL },
};
#define NJ	(sizeof(jfields) / sizeof(jfields[0]))

START_TEST(valid_json_accepts_good_object)
{
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"Ebook\",\"price\":12.99,"
	    "\"stock\":5,\"active\":true,\"slug\":\"ebook\"}"), 0);
	ck_assert_uint_eq(f.nerrs, 0);
	ck_assert_str_eq(f.v[0].s, "Ebook");
	ck_assert_int_eq(f.v[1].i, 1299);
	ck_assert_int_eq(f.v[2].i, 5);
	ck_assert(f.v[3].set);
	ck_assert(f.v[3].b);
	ck_assert_str_eq(f.v[4].s, "ebook");
}
END_TEST

START_TEST(valid_json_allows_surrounding_whitespace)
{
	ck_assert_int_eq(json(jfields, NJ,
	    " \n{\"name\":\"E\",\"price\":1}\r\n"), 0);
}
END_TEST

START_TEST(valid_json_price_number_12_99_is_exact)
{
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"x\",\"price\":12.99}"), 0);
	ck_assert_int_eq(f.v[1].i, 1299);
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"x\",\"price\":0.29}"), 0);
	ck_assert_int_eq(f.v[1].i, 29);
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"x\",\"price\":12}"), 0);
	ck_assert_int_eq(f.v[1].i, 1200);
}
END_TEST

START_TEST(valid_json_price_number_12_999_is_rejected)
{
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"x\",\"price\":12.999}"),
	    -1);
	ck_assert_str_eq(ferr("price"),
	    "has more decimal places than the currency allows");
}
END_TEST

START_TEST(valid_json_price_exponent_or_negative_is_rejected)
{
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"x\",\"price\":1.299e1}"),
	    -1);
	ck_assert_ptr_nonnull(ferr("price"));
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"x\",\"price\":-5}"), -1);
	ck_assert_str_eq(ferr("price"), "must not be negative");
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"x\",\"price\":0}"), -1);
	ck_assert_str_eq(ferr("price"), "must be greater than 0");
}
END_TEST

START_TEST(valid_json_price_as_string_is_wrong_type)
{
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"x\",\"price\":\"12.99\"}"),
	    -1);
	ck_assert_str_eq(ferr("price"), "must be a number");
}
END_TEST

START_TEST(valid_json_twenty_digit_integer_is_rejected)
{
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"x\",\"price\":1,"
	    "\"stock\":12345678901234567890}"), -1);
	ck_assert_str_eq(ferr("stock"), "must be a whole number from 0 to 1000");
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"x\",\"price\":1,"
	    "\"stock\":99999999999999999999}"), -1);
	ck_assert_ptr_nonnull(ferr("stock"));
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"x\","
	    "\"price\":12345678901234567890}"), -1);
	ck_assert_str_eq(ferr("price"), "must be at most 999999.99");
}
END_TEST

START_TEST(valid_json_int_with_fraction_is_rejected)
{
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"x\",\"price\":1,"
	    "\"stock\":1.5}"), -1);
	ck_assert_ptr_nonnull(ferr("stock"));
}
END_TEST

START_TEST(valid_json_malformed_is_rejected)
{
	static const char *const bad[] = { "", "{", "{\"name\":}", "{'name':'x'}",
	    "{\"name\":\"x\",}", "{name:\"x\"}", "nul", "{\"a\":01}" };
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(json(jfields, NJ, bad[i]) == -1, "%s accepted", bad[i]);
		ck_assert_uint_eq(f.nerrs, 1);
		ck_assert_str_eq(f.errs[0].field, "body");
		ck_assert_msg(strncmp(f.errs[0].msg, "is not valid JSON", 17) == 0,
		    "%s: %s", bad[i], f.errs[0].msg);
	}
}
END_TEST

START_TEST(valid_json_trailing_garbage_is_rejected)
{
	ck_assert_int_eq(json(jfields, NJ,
	    "{\"name\":\"x\",\"price\":1}{\"name\":\"y\"}"), -1);
	ck_assert_str_eq(f.errs[0].field, "body");
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"x\",\"price\":1} x"), -1);
	ck_assert_str_eq(f.errs[0].field, "body");
}
END_TEST

START_TEST(valid_json_top_level_must_be_object)
{
	static const char *const bad[] = { "[]", "[{\"name\":\"x\"}]", "\"x\"",
	    " [1] " };
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(json(jfields, NJ, bad[i]) == -1, "%s accepted", bad[i]);
		ck_assert_str_eq(f.errs[0].field, "body");
		ck_assert_str_eq(f.errs[0].msg, "must be a JSON object");
	}
}
END_TEST

/*
 * A bare number or literal is valid JSON, so the answer should be "must be
 * a JSON object", not json-c's internal "continue" state.
 */
START_TEST(valid_json_top_level_scalar_says_must_be_object)
{
	static const char *const bad[] = { "12", "true", "null" };
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(json(jfields, NJ, bad[i]) == -1, "%s accepted", bad[i]);
		ck_assert_str_eq(f.errs[0].field, "body");
		ck_assert_str_eq(f.errs[0].msg, "must be a JSON object");
	}
}
END_TEST

/* An empty or cut-off body must not be explained as "(continue)". */
START_TEST(valid_json_empty_or_truncated_body_message_is_meaningful)
{
	static const char *const bad[] = { "", "   ", "{\"name\":\"x\"",
	    "{\"name\":" };
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(json(jfields, NJ, bad[i]) == -1, "%s accepted", bad[i]);
		ck_assert_str_eq(f.errs[0].field, "body");
		ck_assert_msg(strstr(f.errs[0].msg, "continue") == NULL,
		    "body \"%s\": %s", bad[i], f.errs[0].msg);
	}
}
END_TEST

START_TEST(valid_json_unknown_field_is_named)
{
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"x\",\"price\":1,"
	    "\"is_admin\":true}"), -1);
	ck_assert_uint_eq(f.nerrs, 1);
	ck_assert_str_eq(ferr("is_admin"), "is not a known field");
}
END_TEST

START_TEST(valid_json_wrong_types_are_named)
{
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":5,\"price\":true,"
	    "\"stock\":\"3\",\"active\":\"true\",\"slug\":[\"a\"]}"), -1);
	ck_assert_uint_eq(f.nerrs, 5);
	ck_assert_str_eq(ferr("name"), "must be a string");
	ck_assert_str_eq(ferr("price"), "must be a number");
	ck_assert_str_eq(ferr("stock"), "must be a number");
	ck_assert_str_eq(ferr("active"), "must be true or false");
	ck_assert_str_eq(ferr("slug"), "must be a string");
}
END_TEST

START_TEST(valid_json_null_for_required_is_rejected)
{
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":null,\"price\":1}"), -1);
	ck_assert_str_eq(ferr("name"), "must not be null");
	ck_assert_uint_eq(f.nerrs, 1);
}
END_TEST

START_TEST(valid_json_null_for_optional_is_unset)
{
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"x\",\"price\":1,"
	    "\"stock\":null}"), 0);
	ck_assert(!f.v[2].set);
}
END_TEST

START_TEST(valid_json_missing_required_fields)
{
	ck_assert_int_eq(json(jfields, NJ, "{}"), -1);
	ck_assert_uint_eq(f.nerrs, 2);
	ck_assert_str_eq(ferr("name"), "is required");
	ck_assert_str_eq(ferr("price"), "is required");
}
END_TEST

START_TEST(valid_json_value_errors_use_field_messages)
{
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"\",\"price\":1,"
	    "\"stock\":1001,\"slug\":\"Bad Slug\"}"), -1);
	ck_assert_str_eq(ferr("name"), "must not be empty");
	ck_assert_str_eq(ferr("stock"), "must be a whole number from 0 to 1000");
	ck_assert_ptr_nonnull(ferr("slug"));
	ck_assert_ptr_null(ferr("price"));
}
END_TEST

START_TEST(valid_json_nesting_deeper_than_16_is_rejected)
{
	char	 body[128];
	size_t	 o = 0;
	int	 i;

	o += (size_t)snprintf(body, sizeof(body), "{\"name\":");
	for (i = 0; i < 17; i++)
		body[o++] = '[';
	for (i = 0; i < 17; i++)
		body[o++] = ']';
	body[o++] = '}';
	body[o] = '\0';
	ck_assert_int_eq(json(jfields, NJ, body), -1);
	ck_assert_str_eq(f.errs[0].field, "body");
	ck_assert_ptr_nonnull(strstr(f.errs[0].msg, "nesting too deep"));
}
END_TEST

START_TEST(valid_json_shallow_nesting_is_type_error_not_depth)
{
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":[[[\"x\"]]],\"price\":1}"),
	    -1);
	ck_assert_str_eq(ferr("name"), "must be a string");
	ck_assert_ptr_null(ferr("body"));
}
END_TEST

START_TEST(valid_json_invalid_utf8_body_is_rejected)
{
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"caf\xe9\",\"price\":1}"),
	    -1);
	ck_assert_str_eq(ferr("body"), "must be valid UTF-8 JSON");
	ck_assert_int_eq(json(jfields, NJ,
	    "{\"name\":\"\xed\xa0\x80\",\"price\":1}"), -1);
	ck_assert_str_eq(ferr("body"), "must be valid UTF-8 JSON");
}
END_TEST

START_TEST(valid_json_nul_byte_in_body_is_rejected)
{
	static const char body[] = "{\"name\":\"a\0b\",\"price\":1}";

	ck_assert_int_eq(valid_json(&f, jfields, NJ, body, sizeof(body) - 1, a),
	    -1);
	ck_assert_ptr_nonnull(ferr("body"));
}
END_TEST

START_TEST(valid_json_escaped_nul_in_string_is_rejected)
{
	ck_assert_int_eq(json(jfields, NJ, "{\"name\":\"a\\u0000b\",\"price\":1}"),
	    -1);
	ck_assert_str_eq(ferr("name"), "must not contain NUL bytes");
}
END_TEST

START_TEST(valid_json_escaped_unicode_counts_characters)
{
	/* Fifty é written as \u00e9 escapes: exactly the maximum. */
	char	 body[512];
	size_t	 o;
	int	 i;

	o = (size_t)snprintf(body, sizeof(body), "{\"price\":1,\"name\":\"");
	for (i = 0; i < 50; i++)
		o += (size_t)snprintf(body + o, sizeof(body) - o, "\\u00e9");
	snprintf(body + o, sizeof(body) - o, "\"}");
	ck_assert_int_eq(json(jfields, NJ, body), 0);
	ck_assert_uint_eq(f.v[0].len, 100);
}
END_TEST

START_TEST(valid_json_values_live_in_arena)
{
	char	 body[] = "{\"name\":\"Ebook\",\"price\":1}";

	ck_assert_int_eq(json(jfields, NJ, body), 0);
	memset(body, 'X', sizeof(body) - 1);
	ck_assert_str_eq(f.v[0].s, "Ebook");
}
END_TEST

/* FIELD_LIST (JSON only) */

static const struct field lfields[] = {
	{ "tags", FIELD_LIST, true, 1, 3, NULL },
	{ "origins", FIELD_LIST, false, 0, 2, NULL },
	{ "note", FIELD_TEXT, false, 0, 10, NULL },
};
#define NL	(sizeof(lfields) / sizeof(lfields[0]))

START_TEST(valid_list_accepts_strings_within_limits)
{
	ck_assert_int_eq(json(lfields, NL,
	    "{\"tags\":[\"a\",\"\\u00e9t\\u00e9\",\"c d\"],\"origins\":[]}"), 0);
	ck_assert(f.v[0].set);
	ck_assert_uint_eq(f.v[0].nlist, 3);
	ck_assert_int_eq(f.v[0].i, 3);
	ck_assert_str_eq(f.v[0].list[0], "a");
	ck_assert_str_eq(f.v[0].list[1], "\xc3\xa9t\xc3\xa9");
	ck_assert_str_eq(f.v[0].list[2], "c d");
	ck_assert_ptr_null(f.v[0].list[3]);
	ck_assert(f.v[1].set);
	ck_assert_uint_eq(f.v[1].nlist, 0);
	ck_assert_ptr_nonnull(f.v[1].list);
}
END_TEST

START_TEST(valid_list_not_an_array_is_rejected)
{
	ck_assert_int_eq(json(lfields, NL, "{\"tags\":\"a\"}"), -1);
	ck_assert_str_eq(ferr("tags"), "must be an array of strings");
	ck_assert(!f.v[0].set);
	ck_assert_int_eq(json(lfields, NL, "{\"tags\":{\"a\":1}}"), -1);
	ck_assert_str_eq(ferr("tags"), "must be an array of strings");
	ck_assert_int_eq(json(lfields, NL, "{\"tags\":5}"), -1);
	ck_assert_str_eq(ferr("tags"), "must be an array of strings");
}
END_TEST

START_TEST(valid_list_too_few_or_too_many_items_names_limits)
{
	ck_assert_int_eq(json(lfields, NL, "{\"tags\":[]}"), -1);
	ck_assert_str_eq(ferr("tags"), "must have from 1 to 3 items");
	ck_assert_int_eq(json(lfields, NL,
	    "{\"tags\":[\"a\",\"b\",\"c\",\"d\"]}"), -1);
	ck_assert_str_eq(ferr("tags"), "must have from 1 to 3 items");
	ck_assert(!f.v[0].set);
	ck_assert_int_eq(json(lfields, NL,
	    "{\"tags\":[\"a\"],\"origins\":[\"x\",\"y\",\"z\"]}"), -1);
	ck_assert_str_eq(ferr("origins"), "must have from 0 to 2 items");
}
END_TEST

START_TEST(valid_list_non_string_item_is_named)
{
	ck_assert_int_eq(json(lfields, NL, "{\"tags\":[\"a\",2]}"), -1);
	ck_assert_str_eq(ferr("tags"), "item 2 must be a string");
	ck_assert_int_eq(json(lfields, NL, "{\"tags\":[null]}"), -1);
	ck_assert_str_eq(ferr("tags"), "item 1 must be a string");
	ck_assert_int_eq(json(lfields, NL, "{\"tags\":[[\"a\"]]}"), -1);
	ck_assert_str_eq(ferr("tags"), "item 1 must be a string");
	ck_assert(!f.v[0].set);
}
END_TEST

START_TEST(valid_list_empty_or_long_item_is_rejected)
{
	char	 body[400];

	ck_assert_int_eq(json(lfields, NL, "{\"tags\":[\"a\",\"\"]}"), -1);
	ck_assert_str_eq(ferr("tags"), "item 2 must not be empty");
	/* 255 characters pass, 256 do not (counted as characters). */
	snprintf(body, sizeof(body), "{\"tags\":[\"%0255d\"]}", 0);
	ck_assert_int_eq(json(lfields, NL, body), 0);
	snprintf(body, sizeof(body), "{\"tags\":[\"%0256d\"]}", 0);
	ck_assert_int_eq(json(lfields, NL, body), -1);
	ck_assert_str_eq(ferr("tags"), "item 1 must be at most 255 characters");
}
END_TEST

START_TEST(valid_list_item_with_nul_is_rejected)
{
	ck_assert_int_eq(json(lfields, NL, "{\"tags\":[\"a\\u0000b\"]}"), -1);
	ck_assert_str_eq(ferr("tags"), "item 1 must not contain NUL bytes");
}
END_TEST

START_TEST(valid_list_null_when_optional_sets_null_flag)
{
	ck_assert_int_eq(json(lfields, NL, "{\"tags\":[\"a\"],\"origins\":null,"
	    "\"note\":null}"), 0);
	ck_assert(!f.v[1].set);
	ck_assert(f.v[1].null);
	ck_assert(!f.v[2].set);
	ck_assert(f.v[2].null);
	ck_assert_int_eq(json(lfields, NL, "{\"tags\":null}"), -1);
	ck_assert_str_eq(ferr("tags"), "must not be null");
	ck_assert(!f.v[0].null);
}
END_TEST

START_TEST(valid_list_absent_optional_is_not_null)
{
	ck_assert_int_eq(json(lfields, NL, "{\"tags\":[\"a\"]}"), 0);
	ck_assert(!f.v[1].set);
	ck_assert(!f.v[1].null);
}
END_TEST

START_TEST(valid_list_from_query_string_is_rejected)
{
	ck_assert_int_eq(val(&lfields[0], "a"), -1);
	ck_assert_str_eq(e, "must be an array of strings");
}
END_TEST

/* FIELD_DATE */

static const struct field f_date = { "since", FIELD_DATE, true, 0, 0, NULL };

#define DATE_MSG	"must be a date (2026-12-04) or a timestamp " \
	"(2026-12-04T10:00:00Z)"

START_TEST(valid_date_accepts_dates_and_rfc3339_timestamps)
{
	static const char *const good[] = {
		"2026-12-04", "1970-01-01", "9999-12-31", "2026-01-31",
		"2026-12-04T10:00:00Z", "2026-12-04T23:59:59Z",
		"1970-01-01T00:00:00Z", "2026-12-04T10:00:00.123Z",
		"2026-12-04T10:00:00.1Z", "2026-12-04T10:00:00.123456789Z",
		"2026-12-04T10:00:00+05:30", "2026-12-04T10:00:00-08:00",
		"2026-12-04T10:00:00.5+01:00", "2026-12-04T10:00:00+00:00",
		"2026-12-04T10:00:00+23:59", "2026-12-04t10:00:00z",
		"2026-12-04T10:00Z", "2026-12-04T10:00+02:00",
	};
	size_t	 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(val(&f_date, good[i]) == 0, "\"%s\" refused: %s",
		    good[i], e);
		ck_assert(v.set);
		ck_assert_str_eq(v.s, good[i]);
	}
}
END_TEST

START_TEST(valid_date_leap_days_only_in_leap_years)
{
	ck_assert_int_eq(val(&f_date, "2024-02-29"), 0);
	ck_assert_int_eq(val(&f_date, "2000-02-29"), 0);
	ck_assert_int_eq(val(&f_date, "2024-02-29T12:00:00Z"), 0);
	ck_assert_int_eq(val(&f_date, "2025-02-29"), -1);
	ck_assert_str_eq(e, DATE_MSG);
	ck_assert_int_eq(val(&f_date, "2100-02-29"), -1);
	ck_assert_int_eq(val(&f_date, "2025-02-29T12:00:00Z"), -1);
	ck_assert(!v.set);
}
END_TEST

START_TEST(valid_date_refuses_days_and_months_out_of_range)
{
	static const char *const bad[] = {
		"2026-02-30", "2026-02-31", "2026-04-31", "2026-06-31",
		"2026-09-31", "2026-11-31", "2026-01-32", "2026-12-32",
		"2026-13-01", "2026-00-10", "2026-01-00", "2026-99-99",
		"2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(val(&f_date, bad[i]) == -1, "\"%s\" accepted",
		    bad[i]);
		ck_assert_str_eq(e, DATE_MSG);
	}
}
END_TEST

START_TEST(valid_date_refuses_times_out_of_range)
{
	static const char *const bad[] = {
		"2026-12-04T24:00:00Z", "2026-12-04T25:00:00Z",
		"2026-12-04T23:60:00Z", "2026-12-04T23:59:60Z",
		"2026-12-04T10:60:00Z", "2026-12-04T10:00:60Z",
		"2026-12-04T10:60Z", "2026-12-04T10:00:99Z",
		"2026-12-04T99:99:99Z", "2026-12-04T10:00:00+24:00",
		"2026-12-04T10:00:00+05:60", "2026-12-04T24:00Z",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(val(&f_date, bad[i]) == -1, "\"%s\" accepted",
		    bad[i]);
}
END_TEST

START_TEST(valid_date_refuses_malformed_text)
{
	static const char *const bad[] = {
		"", "2026", "2026-12", "2026-1-01", "2026-01-1", "26-12-04",
		"2026/12/04", "20261204", "2026-12-04x", "2026-12-04 ",
		" 2026-12-04", "2026-12-04T", "2026-12-04T10",
		"2026-12-04T10Z", "2026-12-04T10:00", "2026-12-04T10:00:00",
		"2026-12-04T10:00:00.5", "2026-12-04T10:00:00Zjunk",
		"2026-12-04T10:00:00ZZ", "2026-12-04T10:00:00.Z",
		"2026-12-04T10:00:00.", "2026-12-04T10:00:00+0530",
		"2026-12-04T10:00:00+05", "2026-12-04T10:00:00+05:30x",
		"2026-12-04T10:00:00 +05:30", "2026-12-04 10:00:00Z",
		"2026-12-04T1:00:00Z", "2026-12-04T10:0:00Z",
		"2026-12-04T10:00:0Z", "2026-12-04T10:00:", "+2026-12-04",
		"2026-12-04T10:00:00.12a3Z", "2026-12-04T10:00:00,5Z",
		"2026-12-04T10:00:00UTC", "abcd-ef-gh", "2026-12-04\n",
		"2026-12-04T10:00:00Z\n",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(val(&f_date, bad[i]) == -1, "\"%s\" accepted",
		    bad[i]);
		ck_assert_str_eq(e, DATE_MSG);
		ck_assert(!v.set);
	}
}
END_TEST

START_TEST(valid_date_refuses_years_before_1970)
{
	ck_assert_int_eq(val(&f_date, "1969-12-31"), -1);
	ck_assert_str_eq(e, DATE_MSG);
	ck_assert_int_eq(val(&f_date, "1969-12-31T23:59:59Z"), -1);
	ck_assert_int_eq(val(&f_date, "1900-01-01"), -1);
	ck_assert_int_eq(val(&f_date, "0000-01-01"), -1);
	ck_assert_int_eq(val(&f_date, "1970-01-01"), 0);
}
END_TEST

START_TEST(valid_date_length_bounds_the_check)
{
	/* Only the first n bytes count. */
	e = NULL;
	ck_assert_int_eq(valid_value(&f_date, "2026-12-04T10:00:00Z", 10, &v,
	    &e), 0);
	ck_assert_int_eq(valid_value(&f_date, "2026-12-04", 9, &v, &e), -1);
	ck_assert_int_eq(valid_value(&f_date, "2026-12-04T10:00:00Z", 19, &v,
	    &e), -1);
}
END_TEST

static const struct field dfields[] = {
	{ "since", FIELD_DATE, true, 0, 0, NULL },
	{ "until", FIELD_DATE, false, 0, 0, NULL },
};
#define ND	(sizeof(dfields) / sizeof(dfields[0]))

START_TEST(valid_date_in_json_body)
{
	ck_assert_int_eq(json(dfields, ND, "{\"since\":\"2026-12-04\","
	    "\"until\":\"2026-12-31T23:59:59.999+01:00\"}"), 0);
	ck_assert_str_eq(f.v[0].s, "2026-12-04");
	ck_assert_str_eq(f.v[1].s, "2026-12-31T23:59:59.999+01:00");
	ck_assert_int_eq(json(dfields, ND, "{\"since\":\"2026-02-30\"}"), -1);
	ck_assert_str_eq(ferr("since"), DATE_MSG);
	ck_assert_int_eq(json(dfields, ND, "{\"since\":20261204}"), -1);
	ck_assert_str_eq(ferr("since"), "must be a string");
	ck_assert_int_eq(json(dfields, ND, "{\"since\":\"2026-12-04\","
	    "\"until\":null}"), 0);
	ck_assert(f.v[1].null);
	ck_assert(!f.v[1].set);
	ck_assert_int_eq(json(dfields, ND, "{\"since\":\"2026-12-04\\u0000\"}"),
	    -1);
	ck_assert_str_eq(ferr("since"), "must not contain NUL bytes");
}
END_TEST

/* FIELD_OBJECT, FIELD_OBJECTS and valid_json_sub */

static const struct field addr_fields[] = {
	{ "city", FIELD_TEXT, true, 1, 40, NULL },
};

static const struct field cust_fields[] = {
	{ "email", FIELD_EMAIL, true, 0, 0, NULL },
	{ "name", FIELD_TEXT, false, 1, 20, NULL },
	{ "address", FIELD_OBJECT, false, 0, 0, NULL },
};
#define NCUST	(sizeof(cust_fields) / sizeof(cust_fields[0]))

static const struct field item_fields[] = {
	{ "productId", FIELD_UUID, true, 0, 0, NULL },
	{ "quantity", FIELD_INT, true, 1, 10, NULL },
};
#define NITEM	(sizeof(item_fields) / sizeof(item_fields[0]))

static const struct field ofields[] = {
	{ "customer", FIELD_OBJECT, true, 0, 0, NULL },
	{ "items", FIELD_OBJECTS, true, 1, 3, NULL },
	{ "meta", FIELD_OBJECT, false, 0, 0, NULL },
	{ "extras", FIELD_OBJECTS, false, 0, 2, NULL },
};
#define NO	(sizeof(ofields) / sizeof(ofields[0]))

#define ITEM(q)	"{\"productId\":\"" UUID "\",\"quantity\":" q "}"
#define CUST	"{\"email\":\"ana@example.com\"}"

static struct form	 sub;

/* valid_json_sub adds to the top form, so start each test with it empty. */
static void
setup_obj(void)
{
	setup();
	memset(&f, 0, sizeof(f));
	memset(&sub, 0, sizeof(sub));
}

/* valid_json_sub into sub, errors into f. */
static int
jsub(const char *name, const struct field *fields, size_t n, const char *j)
{
	return valid_json_sub(&f, name, &sub, fields, n, j, a);
}

START_TEST(valid_object_keeps_text_for_valid_json_sub)
{
	ck_assert_int_eq(json(ofields, NO, "{\"customer\":{\"email\":"
	    "\"ana@example.com\",\"name\":\"Ana\"},\"items\":[" ITEM("2") "]}"),
	    0);
	ck_assert(f.v[0].set);
	ck_assert_uint_eq(f.v[0].len, strlen(f.v[0].s));
	ck_assert_int_eq(jsub("customer", cust_fields, NCUST, f.v[0].s), 0);
	ck_assert_uint_eq(f.nerrs, 0);
	ck_assert_uint_eq(sub.nerrs, 0);
	ck_assert(sub.v[0].set);
	ck_assert_str_eq(sub.v[0].s, "ana@example.com");
	ck_assert_str_eq(sub.v[1].s, "Ana");
	ck_assert(!sub.v[2].set);
}
END_TEST

START_TEST(valid_objects_keep_each_item_text)
{
	ck_assert_int_eq(json(ofields, NO, "{\"customer\":" CUST ",\"items\":["
	    ITEM("1") "," ITEM("3") "]}"), 0);
	ck_assert(f.v[1].set);
	ck_assert_uint_eq(f.v[1].nlist, 2);
	ck_assert_int_eq(f.v[1].i, 2);
	ck_assert_ptr_nonnull(f.v[1].list[0]);
	ck_assert_ptr_nonnull(f.v[1].list[1]);
	ck_assert_ptr_null(f.v[1].list[2]);
	ck_assert_int_eq(jsub("items[0]", item_fields, NITEM, f.v[1].list[0]),
	    0);
	ck_assert_int_eq(sub.v[1].i, 1);
	ck_assert_str_eq(sub.v[0].s, UUID);
	ck_assert_int_eq(jsub("items[1]", item_fields, NITEM, f.v[1].list[1]),
	    0);
	ck_assert_int_eq(sub.v[1].i, 3);
	ck_assert_uint_eq(f.nerrs, 0);
}
END_TEST

START_TEST(valid_json_sub_names_errors_with_prefix)
{
	ck_assert_int_eq(jsub("customer", cust_fields, NCUST,
	    "{\"email\":\"not-an-address\",\"name\":\"\"}"), -1);
	ck_assert_uint_eq(f.nerrs, 2);
	ck_assert_str_eq(ferr("customer.email"), "must be an email address");
	ck_assert_str_eq(ferr("customer.name"), "must not be empty");
	ck_assert_ptr_null(ferr("email"));
	/* The errors are the top form's, not the sub form's. */
	ck_assert_uint_eq(sub.nerrs, 0);
}
END_TEST

START_TEST(valid_json_sub_names_item_errors_by_index)
{
	ck_assert_int_eq(json(ofields, NO, "{\"customer\":" CUST ",\"items\":["
	    ITEM("1") "," ITEM("0") ",{\"productId\":\"x\",\"quantity\":11}]}"),
	    0);
	ck_assert_int_eq(jsub("items[0]", item_fields, NITEM, f.v[1].list[0]),
	    0);
	ck_assert_int_eq(jsub("items[1]", item_fields, NITEM, f.v[1].list[1]),
	    -1);
	ck_assert_int_eq(jsub("items[2]", item_fields, NITEM, f.v[1].list[2]),
	    -1);
	ck_assert_uint_eq(f.nerrs, 3);
	ck_assert_str_eq(ferr("items[1].quantity"),
	    "must be a whole number from 1 to 10");
	ck_assert_str_eq(ferr("items[2].quantity"),
	    "must be a whole number from 1 to 10");
	ck_assert_str_eq(ferr("items[2].productId"), "must be a UUID");
	ck_assert_ptr_null(ferr("items[0].quantity"));
}
END_TEST

START_TEST(valid_json_sub_missing_and_unknown_fields_are_named)
{
	ck_assert_int_eq(jsub("customer", cust_fields, NCUST, "{}"), -1);
	ck_assert_str_eq(ferr("customer.email"), "is required");
	ck_assert_int_eq(jsub("items[4]", item_fields, NITEM,
	    "{\"productId\":\"" UUID "\",\"quantity\":1,\"price\":0.01}"), -1);
	ck_assert_str_eq(ferr("items[4].price"), "is not a known field");
	ck_assert_uint_eq(f.nerrs, 2);
}
END_TEST

START_TEST(valid_json_sub_wrong_types_are_named)
{
	ck_assert_int_eq(jsub("items[0]", item_fields, NITEM,
	    "{\"productId\":5,\"quantity\":\"2\"}"), -1);
	ck_assert_str_eq(ferr("items[0].productId"), "must be a string");
	ck_assert_str_eq(ferr("items[0].quantity"), "must be a number");
}
END_TEST

START_TEST(valid_json_sub_nests_names)
{
	struct form	 cust;

	ck_assert_int_eq(valid_json_sub(&f, "customer", &cust, cust_fields,
	    NCUST, "{\"email\":\"a@b.co\",\"address\":{\"city\":\"\"}}", a), 0);
	ck_assert(cust.v[2].set);
	ck_assert_int_eq(jsub("customer.address", addr_fields, 1,
	    cust.v[2].s), -1);
	ck_assert_str_eq(ferr("customer.address.city"), "must not be empty");
	ck_assert_int_eq(valid_json_sub(&f, "customer", &cust, cust_fields,
	    NCUST, "{\"email\":\"a@b.co\",\"address\":\"Main St\"}", a), -1);
	ck_assert_str_eq(ferr("customer.address"), "must be an object");
}
END_TEST

START_TEST(valid_json_sub_null_handling)
{
	ck_assert_int_eq(jsub("customer", cust_fields, NCUST,
	    "{\"email\":\"a@b.co\",\"name\":null,\"address\":null}"), 0);
	ck_assert(sub.v[1].null);
	ck_assert(!sub.v[1].set);
	ck_assert(sub.v[2].null);
	ck_assert(!sub.v[2].set);
	ck_assert_int_eq(jsub("customer", cust_fields, NCUST,
	    "{\"email\":null}"), -1);
	ck_assert_uint_eq(f.nerrs, 1);
	ck_assert_str_eq(ferr("customer.email"), "must not be null");
}
END_TEST

START_TEST(valid_json_sub_refuses_non_object_text)
{
	ck_assert_int_eq(jsub("customer", cust_fields, NCUST, "[1]"), -1);
	ck_assert_str_eq(ferr("customer"), "must be a JSON object");
	ck_assert_int_eq(jsub("items[0]", item_fields, NITEM, "{"), -1);
	ck_assert_ptr_nonnull(ferr("items[0]"));
}
END_TEST

START_TEST(valid_json_sub_counts_only_its_own_errors)
{
	/* Errors already in the top form do not fail a good sub-object. */
	valid_error(&f, "other", "is wrong");
	ck_assert_int_eq(jsub("customer", cust_fields, NCUST, CUST), 0);
	ck_assert_uint_eq(f.nerrs, 1);
	ck_assert_int_eq(jsub("customer", cust_fields, NCUST, "{}"), -1);
	ck_assert_uint_eq(f.nerrs, 2);
}
END_TEST

/*
 * A bad sub-object must return -1 even when the top form has no room left
 * for its error (FORM_MAX errors already, e.g. 33 bad items): else the
 * caller takes the sub form's unset values as valid.
 */
START_TEST(valid_json_sub_fails_when_top_form_is_full)
{
	char	 name[16];
	int	 i;

	for (i = 0; i < FORM_MAX; i++) {
		snprintf(name, sizeof(name), "items[%d]", i);
		ck_assert_int_eq(jsub(arena_strdup(a, name), item_fields, NITEM,
		    "{\"productId\":\"" UUID "\",\"quantity\":0}"), -1);
	}
	ck_assert_uint_eq(f.nerrs, FORM_MAX);
	ck_assert_int_eq(jsub("items[32]", item_fields, NITEM,
	    "{\"productId\":\"" UUID "\",\"quantity\":0}"), -1);
	ck_assert(!sub.v[1].set);
}
END_TEST

START_TEST(valid_object_wrong_types_are_named)
{
	ck_assert_int_eq(json(ofields, NO, "{\"customer\":\"ana@example.com\","
	    "\"items\":{\"productId\":\"" UUID "\"},\"meta\":[],"
	    "\"extras\":\"x\"}"), -1);
	ck_assert_uint_eq(f.nerrs, 4);
	ck_assert_str_eq(ferr("customer"), "must be an object");
	ck_assert_str_eq(ferr("items"), "must be an array of objects");
	ck_assert_str_eq(ferr("meta"), "must be an object");
	ck_assert_str_eq(ferr("extras"), "must be an array of objects");
	ck_assert(!f.v[0].set);
	ck_assert(!f.v[1].set);
}
END_TEST

START_TEST(valid_objects_non_object_item_is_named)
{
	static const char *const bad[] = { "5", "\"x\"", "[]", "null", "true" };
	char		 body[256];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), "{\"customer\":" CUST ",\"items\":["
		    ITEM("1") ",%s]}", bad[i]);
		ck_assert_msg(json(ofields, NO, body) == -1, "%s accepted", body);
		ck_assert_str_eq(ferr("items"), "item 2 must be an object");
		ck_assert(!f.v[1].set);
		ck_assert_ptr_null(f.v[1].list);
	}
}
END_TEST

START_TEST(valid_objects_item_count_limits)
{
	ck_assert_int_eq(json(ofields, NO, "{\"customer\":" CUST
	    ",\"items\":[]}"), -1);
	ck_assert_str_eq(ferr("items"), "must have from 1 to 3 items");
	ck_assert(!f.v[1].set);
	ck_assert_int_eq(json(ofields, NO, "{\"customer\":" CUST ",\"items\":["
	    ITEM("1") "," ITEM("1") "," ITEM("1") "]}"), 0);
	ck_assert_uint_eq(f.v[1].nlist, 3);
	ck_assert_int_eq(json(ofields, NO, "{\"customer\":" CUST ",\"items\":["
	    ITEM("1") "," ITEM("1") "," ITEM("1") "," ITEM("1") "]}"), -1);
	ck_assert_str_eq(ferr("items"), "must have from 1 to 3 items");
	ck_assert_int_eq(json(ofields, NO, "{\"customer\":" CUST ",\"items\":["
	    ITEM("1") "],\"extras\":[{},{},{}]}"), -1);
	ck_assert_str_eq(ferr("extras"), "must have from 0 to 2 items");
	ck_assert_int_eq(json(ofields, NO, "{\"customer\":" CUST ",\"items\":["
	    ITEM("1") "],\"extras\":[]}"), 0);
	ck_assert(f.v[3].set);
	ck_assert_uint_eq(f.v[3].nlist, 0);
}
END_TEST

START_TEST(valid_object_null_and_missing)
{
	ck_assert_int_eq(json(ofields, NO, "{\"customer\":null,"
	    "\"items\":null}"), -1);
	ck_assert_uint_eq(f.nerrs, 2);
	ck_assert_str_eq(ferr("customer"), "must not be null");
	ck_assert_str_eq(ferr("items"), "must not be null");
	ck_assert_int_eq(json(ofields, NO, "{\"customer\":" CUST ",\"items\":["
	    ITEM("1") "],\"meta\":null,\"extras\":null}"), 0);
	ck_assert(f.v[2].null);
	ck_assert(!f.v[2].set);
	ck_assert(f.v[3].null);
	ck_assert(!f.v[3].set);
	ck_assert_int_eq(json(ofields, NO, "{}"), -1);
	ck_assert_str_eq(ferr("customer"), "is required");
	ck_assert_str_eq(ferr("items"), "is required");
	ck_assert_int_eq(json(ofields, NO, "{\"customer\":" CUST ",\"items\":["
	    ITEM("1") "]}"), 0);
	ck_assert(!f.v[2].null);
	ck_assert(!f.v[3].null);
}
END_TEST

START_TEST(valid_object_from_query_string_is_rejected)
{
	ck_assert_int_eq(val(&ofields[0], "{}"), -1);
	ck_assert_str_eq(e, "must be an object");
	ck_assert_int_eq(val(&ofields[1], "[]"), -1);
	ck_assert_str_eq(e, "must be an array of objects");
}
END_TEST

static Suite *
valid_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("valid");
	tc = tcase_create("value");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, valid_text_within_limits);
	tcase_add_test(tc, valid_text_empty_when_min_1_is_rejected);
	tcase_add_test(tc, valid_text_below_min_is_too_short);
	tcase_add_test(tc, valid_text_above_max_names_limit);
	tcase_add_test(tc, valid_text_counts_characters_not_bytes);
	tcase_add_test(tc, valid_text_rejects_nul_bytes);
	tcase_add_test(tc, valid_text_rejects_invalid_utf8);
	tcase_add_test(tc, valid_value_checks_utf8_for_every_type);
	tcase_add_test(tc, valid_int_in_range);
	tcase_add_test(tc, valid_int_out_of_range_names_range);
	tcase_add_test(tc, valid_int_rejects_non_numbers);
	tcase_add_test(tc, valid_bool_accepts_true_false_1_0);
	tcase_add_test(tc, valid_bool_rejects_other_words);
	tcase_add_test(tc, valid_enum_gives_index);
	tcase_add_test(tc, valid_enum_rejects_unknown_and_case);
	tcase_add_test(tc, valid_uuid_accepts_canonical);
	tcase_add_test(tc, valid_uuid_rejects_others);
	tcase_add_test(tc, valid_slug_accepts_and_enforces_max);
	tcase_add_test(tc, valid_slug_rejects_bad_shapes);
	tcase_add_test(tc, valid_ident_sets_is_uuid);
	tcase_add_test(tc, valid_ident_rejects_neither);
	tcase_add_test(tc, valid_decimal_parses_thousandths);
	tcase_add_test(tc, valid_decimal_rejects_bad_input);
	tcase_add_test(tc, valid_decimal_near_int64_max_is_too_large);
	tcase_add_test(tc, valid_money_accepts_two_decimals);
	tcase_add_test(tc, valid_money_rejects_zero);
	tcase_add_test(tc, valid_money_rejects_above_max);
	tcase_add_test(tc, valid_money_rejects_third_decimal);
	tcase_add_test(tc, valid_money_rejects_malformed);
	tcase_add_test(tc, valid_email_field);
	suite_add_tcase(s, tc);

	tc = tcase_create("email");
	tcase_add_test(tc, valid_email_accepts_common_addresses);
	tcase_add_test(tc, valid_email_rejects_bad_addresses);
	tcase_add_test(tc, valid_email_enforces_lengths);
	tcase_add_test(tc, valid_email_length_bounds_the_check);
	suite_add_tcase(s, tc);

	tc = tcase_create("query");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, valid_query_fills_typed_values);
	tcase_add_test(tc, valid_query_ignores_unknown_params);
	tcase_add_test(tc, valid_query_rejects_duplicates);
	tcase_add_test(tc, valid_query_reports_required_missing);
	tcase_add_test(tc, valid_query_no_params_only_required_fails);
	tcase_add_test(tc, valid_query_reports_every_bad_field);
	tcase_add_test(tc, valid_query_rejects_decoded_nul);
	tcase_add_test(tc, valid_error_keeps_first_error_per_field);
	tcase_add_test(tc, valid_error_drops_past_form_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, valid_json_accepts_good_object);
	tcase_add_test(tc, valid_json_allows_surrounding_whitespace);
	tcase_add_test(tc, valid_json_price_number_12_99_is_exact);
	tcase_add_test(tc, valid_json_price_number_12_999_is_rejected);
	tcase_add_test(tc, valid_json_price_exponent_or_negative_is_rejected);
	tcase_add_test(tc, valid_json_price_as_string_is_wrong_type);
	tcase_add_test(tc, valid_json_twenty_digit_integer_is_rejected);
	tcase_add_test(tc, valid_json_int_with_fraction_is_rejected);
	tcase_add_test(tc, valid_json_malformed_is_rejected);
	tcase_add_test(tc, valid_json_trailing_garbage_is_rejected);
	tcase_add_test(tc, valid_json_top_level_must_be_object);
	tcase_add_test(tc, valid_json_top_level_scalar_says_must_be_object);
	tcase_add_test(tc, valid_json_empty_or_truncated_body_message_is_meaningful);
	tcase_add_test(tc, valid_json_unknown_field_is_named);
	tcase_add_test(tc, valid_json_wrong_types_are_named);
	tcase_add_test(tc, valid_json_null_for_required_is_rejected);
	tcase_add_test(tc, valid_json_null_for_optional_is_unset);
	tcase_add_test(tc, valid_json_missing_required_fields);
	tcase_add_test(tc, valid_json_value_errors_use_field_messages);
	tcase_add_test(tc, valid_json_nesting_deeper_than_16_is_rejected);
	tcase_add_test(tc, valid_json_shallow_nesting_is_type_error_not_depth);
	tcase_add_test(tc, valid_json_invalid_utf8_body_is_rejected);
	tcase_add_test(tc, valid_json_nul_byte_in_body_is_rejected);
	tcase_add_test(tc, valid_json_escaped_nul_in_string_is_rejected);
	tcase_add_test(tc, valid_json_escaped_unicode_counts_characters);
	tcase_add_test(tc, valid_json_values_live_in_arena);
	suite_add_tcase(s, tc);

	tc = tcase_create("list");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, valid_list_accepts_strings_within_limits);
	tcase_add_test(tc, valid_list_not_an_array_is_rejected);
	tcase_add_test(tc, valid_list_too_few_or_too_many_items_names_limits);
	tcase_add_test(tc, valid_list_non_string_item_is_named);
	tcase_add_test(tc, valid_list_empty_or_long_item_is_rejected);
	tcase_add_test(tc, valid_list_item_with_nul_is_rejected);
	tcase_add_test(tc, valid_list_null_when_optional_sets_null_flag);
	tcase_add_test(tc, valid_list_absent_optional_is_not_null);
	tcase_add_test(tc, valid_list_from_query_string_is_rejected);
	suite_add_tcase(s, tc);

	tc = tcase_create("date");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, valid_date_accepts_dates_and_rfc3339_timestamps);
	tcase_add_test(tc, valid_date_leap_days_only_in_leap_years);
	tcase_add_test(tc, valid_date_refuses_days_and_months_out_of_range);
	tcase_add_test(tc, valid_date_refuses_times_out_of_range);
	tcase_add_test(tc, valid_date_refuses_malformed_text);
	tcase_add_test(tc, valid_date_refuses_years_before_1970);
	tcase_add_test(tc, valid_date_length_bounds_the_check);
	tcase_add_test(tc, valid_date_in_json_body);
	suite_add_tcase(s, tc);

	tc = tcase_create("object");
	tcase_add_checked_fixture(tc, setup_obj, teardown);
	tcase_add_test(tc, valid_object_keeps_text_for_valid_json_sub);
	tcase_add_test(tc, valid_objects_keep_each_item_text);
	tcase_add_test(tc, valid_json_sub_names_errors_with_prefix);
	tcase_add_test(tc, valid_json_sub_names_item_errors_by_index);
	tcase_add_test(tc, valid_json_sub_missing_and_unknown_fields_are_named);
	tcase_add_test(tc, valid_json_sub_wrong_types_are_named);
	tcase_add_test(tc, valid_json_sub_nests_names);
	tcase_add_test(tc, valid_json_sub_null_handling);
	tcase_add_test(tc, valid_json_sub_refuses_non_object_text);
	tcase_add_test(tc, valid_json_sub_counts_only_its_own_errors);
	tcase_add_test(tc, valid_json_sub_fails_when_top_form_is_full);
	tcase_add_test(tc, valid_object_wrong_types_are_named);
	tcase_add_test(tc, valid_objects_non_object_item_is_named);
	tcase_add_test(tc, valid_objects_item_count_limits);
	tcase_add_test(tc, valid_object_null_and_missing);
	tcase_add_test(tc, valid_object_from_query_string_is_rejected);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(valid_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
