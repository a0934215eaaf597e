/*
 * check_password.c: the staff password policy (each broken rule reported,
 * length in characters, byte and UTF-8 limits) and scrypt hashing: the MCF
 * format, verification of right, wrong, truncated and garbage hashes.
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include "password.h"

#define GOOD	"Colmena-demo-1"

static char	 stored[PASSWORD_HASH_MAX];

/* True if rule text (a prefix) is among failed[0..n). */
static bool
has_rule(const char *failed[], size_t n, const char *prefix)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strncmp(failed[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

#define R_BYTES		"Use at most 1024 bytes"
#define R_SHORT		"Use at least 8 characters"
#define R_UPPER		"Include an upper-case letter"
#define R_DIGIT		"Include a digit"
#define R_SPECIAL	"Include a special character"

/* Runs once, in the parent: every forked test sees the same hash. */
static void
hash_once(void)
{
	if (password_hash(GOOD, stored) != 0)
		stored[0] = '\0';
}

START_TEST(password_policy_accepts_demo_password)
{
	const char	*failed[PASSWORD_RULES_MAX];

	ck_assert_uint_eq(password_policy(GOOD, failed), 0);
}
END_TEST

START_TEST(password_policy_reports_too_short)
{
	const char	*failed[PASSWORD_RULES_MAX];
	size_t		 n;

	n = password_policy("Ab1-xyz", failed);
	ck_assert_uint_eq(n, 1);
	ck_assert(has_rule(failed, n, R_SHORT));
	ck_assert_uint_eq(password_policy("Ab1-xyzw", failed), 0);
}
END_TEST

START_TEST(password_policy_reports_no_upper)
{
	const char	*failed[PASSWORD_RULES_MAX];
	size_t		 n;

	n = password_policy("colmena-demo-1", failed);
	ck_assert_uint_eq(n, 1);
	ck_assert(has_rule(failed, n, R_UPPER));
}
END_TEST

START_TEST(password_policy_reports_no_digit)
{
	const char	*failed[PASSWORD_RULES_MAX];
	size_t		 n;

	n = password_policy("Colmena-demo-x", failed);
	ck_assert_uint_eq(n, 1);
	ck_assert(has_rule(failed, n, R_DIGIT));
}
END_TEST

START_TEST(password_policy_reports_no_special)
{
	const char	*failed[PASSWORD_RULES_MAX];
	size_t		 n;

	n = password_policy("ColmenaDemo1", failed);
	ck_assert_uint_eq(n, 1);
	ck_assert(has_rule(failed, n, R_SPECIAL));
}
END_TEST

START_TEST(password_policy_reports_every_broken_rule)
{
	const char	*failed[PASSWORD_RULES_MAX];
	size_t		 n;

	n = password_policy("abc", failed);
	ck_assert_uint_eq(n, 4);
	ck_assert(has_rule(failed, n, R_SHORT));
	ck_assert(has_rule(failed, n, R_UPPER));
	ck_assert(has_rule(failed, n, R_DIGIT));
	ck_assert(has_rule(failed, n, R_SPECIAL));
	n = password_policy("", failed);
	ck_assert_uint_eq(n, 4);
	n = password_policy("12345678", failed);
	ck_assert_uint_eq(n, 2);
	ck_assert(has_rule(failed, n, R_UPPER));
	ck_assert(has_rule(failed, n, R_SPECIAL));
}
END_TEST

START_TEST(password_policy_counts_characters_not_bytes)
{
	const char	*failed[PASSWORD_RULES_MAX];
	size_t		 n;

	/* Seven characters in ten bytes: too short. */
	n = password_policy("Ab1-\xc3\xb1\xc3\xb1\xc3\xb1", failed);
	ck_assert(has_rule(failed, n, R_SHORT));
	/* Eight characters in eleven bytes. */
	n = password_policy("Ab1-x\xc3\xb1\xc3\xb1\xc3\xb1", failed);
	ck_assert(!has_rule(failed, n, R_SHORT));
	ck_assert_uint_eq(n, 0);
	/* Two emoji and five ASCII: seven characters, thirteen bytes. */
	n = password_policy("A1-\xf0\x9f\x90\x9d\xf0\x9f\x90\x9dxy", failed);
	ck_assert(has_rule(failed, n, R_SHORT));
}
END_TEST

START_TEST(password_policy_rejects_invalid_utf8)
{
	const char	*failed[PASSWORD_RULES_MAX];
	size_t		 n;

	n = password_policy(GOOD "\xff", failed);
	ck_assert_uint_ge(n, 1);
	ck_assert(has_rule(failed, n, R_BYTES));
	n = password_policy(GOOD "\xed\xa0\x80", failed);
	ck_assert(has_rule(failed, n, R_BYTES));
}
END_TEST

START_TEST(password_policy_rejects_over_1024_bytes)
{
	const char	*failed[PASSWORD_RULES_MAX];
	char		 pw[1100];
	size_t		 n;

	memset(pw, 'a', sizeof(pw));
	memcpy(pw, "Aa1-", 4);
	pw[1024] = '\0';
	ck_assert_uint_eq(password_policy(pw, failed), 0);
	pw[1024] = 'a';
	pw[1025] = '\0';
	n = password_policy(pw, failed);
	ck_assert_uint_eq(n, 1);
	ck_assert(has_rule(failed, n, R_BYTES));
}
END_TEST

/*
 * "ñ" is a letter, so "Contraseña1" has no special character (the rule's own
 * words: "not a letter or digit") and must be told so.
 */
START_TEST(password_policy_non_ascii_letter_is_not_special)
{
	const char	*failed[PASSWORD_RULES_MAX];
	size_t		 n;

	n = password_policy("Contrase\xc3\xb1" "a1", failed);
	ck_assert(has_rule(failed, n, R_SPECIAL));
}
END_TEST

START_TEST(password_hash_produces_s1_mcf)
{
	size_t	 i, dollars = 0;

	ck_assert_msg(stored[0] != '\0', "password_hash failed");
	ck_assert_int_eq(strncmp(stored, "$s1$", 4), 0);
	ck_assert_uint_lt(strlen(stored), PASSWORD_HASH_MAX);
	for (i = 0; stored[i] != '\0'; i++)
		if (stored[i] == '$')
			dollars++;
	ck_assert_uint_eq(dollars, 4);
	ck_assert_ptr_null(strstr(stored, GOOD));
}
END_TEST

START_TEST(password_verify_accepts_right_password)
{
	ck_assert(password_verify(stored, GOOD));
}
END_TEST

START_TEST(password_verify_rejects_wrong_password)
{
	ck_assert(!password_verify(stored, "Colmena-demo-2"));
}
END_TEST

START_TEST(password_verify_rejects_truncated_hash)
{
	char	 cut[PASSWORD_HASH_MAX];
	size_t	 n = strlen(stored);

	ck_assert_uint_gt(n, 10);
	memcpy(cut, stored, n - 10);
	cut[n - 10] = '\0';
	ck_assert(!password_verify(cut, GOOD));
	ck_assert(!password_verify("$s1$", GOOD));
}
END_TEST

START_TEST(password_verify_rejects_garbage_hash)
{
	char	 big[300];

	ck_assert(!password_verify("", GOOD));
	ck_assert(!password_verify("not-a-hash", GOOD));
	ck_assert(!password_verify(GOOD, GOOD));
	ck_assert(!password_verify("$2b$10$abcdefghijklmnopqrstuu", GOOD));
	ck_assert(!password_verify("$s1$ffffff$c2FsdA==$aGFzaA==", GOOD));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, stored, strlen(stored));
	ck_assert(!password_verify(big, GOOD));
}
END_TEST

START_TEST(password_hash_salts_differ)
{
	char	 again[PASSWORD_HASH_MAX];

	ck_assert_int_eq(password_hash(GOOD, again), 0);
	ck_assert_int_eq(strncmp(again, "$s1$", 4), 0);
	ck_assert_str_ne(again, stored);
}
END_TEST

static Suite *
password_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("password");
	tc = tcase_create("policy");
	tcase_add_test(tc, password_policy_accepts_demo_password);
	tcase_add_test(tc, password_policy_reports_too_short);
	tcase_add_test(tc, password_policy_reports_no_upper);
	tcase_add_test(tc, password_policy_reports_no_digit);
	tcase_add_test(tc, password_policy_reports_no_special);
	tcase_add_test(tc, password_policy_reports_every_broken_rule);
	tcase_add_test(tc, password_policy_counts_characters_not_bytes);
	tcase_add_test(tc, password_policy_rejects_invalid_utf8);
	tcase_add_test(tc, password_policy_rejects_over_1024_bytes);
	tcase_add_test(tc, password_policy_non_ascii_letter_is_not_special);
	suite_add_tcase(s, tc);

	/* scrypt under the sanitizers takes a while: one hash for all. */
	tc = tcase_create("scrypt");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, hash_once, NULL);
	tcase_add_test(tc, password_hash_produces_s1_mcf);
	tcase_add_test(tc, password_verify_accepts_right_password);
	tcase_add_test(tc, password_verify_rejects_wrong_password);
	tcase_add_test(tc, password_verify_rejects_truncated_hash);
	tcase_add_test(tc, password_verify_rejects_garbage_hash);
	tcase_add_test(tc, password_hash_salts_differ);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(password_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
