/*
 * check_totp.c: HOTP and TOTP against every RFC 4226 Appendix D and RFC 6238
 * Appendix B vector, the one-step drift window, refusal of a reused step,
 * malformed codes, and the otpauth:// URI an authenticator app scans.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <check.h>

#include "arena.h"
#include "totp.h"

#define KEY20	"12345678901234567890"
#define KEY32	KEY20 "123456789012"
#define KEY64	KEY20 KEY20 KEY20 "1234"

/* A six-digit code for step s of KEY20, in a static buffer. */
static const char *
code_at(int64_t s)
{
	static char	 out[7];

	snprintf(out, sizeof(out), "%06u", (unsigned int)totp_hotp(
	    (const unsigned char *)KEY20, 20, (uint64_t)s, 6, "SHA1"));
	return out;
}

static bool
verify(const char *code, time_t now, int64_t last, int64_t *step)
{
	return totp_verify((const unsigned char *)KEY20, 20, code, now, last,
	    step);
}

START_TEST(totp_hotp_matches_rfc4226_appendix_d)
{
	static const uint32_t	 want[] = { 755224, 287082, 359152, 969429,
	    338314, 254676, 287922, 162583, 399871, 520489 };
	size_t			 i;

	ck_assert_uint_eq(sizeof(KEY20) - 1, 20);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_uint_eq(totp_hotp((const unsigned char *)KEY20, 20, i,
		    6, "SHA1"), want[i]);
	/* NULL means SHA-1, the RFC's and the apps' default. */
	ck_assert_uint_eq(totp_hotp((const unsigned char *)KEY20, 20, 0, 6,
	    NULL), 755224);
}
END_TEST

START_TEST(totp_matches_rfc6238_appendix_b)
{
	static const struct {
		int64_t		 t;
		uint32_t	 sha1, sha256, sha512;
	} v[] = {
		{ 59, 94287082, 46119246, 90693936 },
		{ 1111111109, 7081804, 68084774, 25091201 },
		{ 1111111111, 14050471, 67062674, 99943326 },
		{ 1234567890, 89005924, 91819424, 93441116 },
		{ 2000000000, 69279037, 90698825, 38618901 },
		{ 20000000000, 65353130, 77737706, 47863826 },
	};
	size_t		 i;
	uint64_t	 step;
	char		 text[9];

	ck_assert_uint_eq(sizeof(KEY32) - 1, 32);
	ck_assert_uint_eq(sizeof(KEY64) - 1, 64);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		step = (uint64_t)v[i].t / TOTP_PERIOD;
		ck_assert_uint_eq(totp_hotp((const unsigned char *)KEY20, 20,
		    step, 8, "SHA1"), v[i].sha1);
		ck_assert_uint_eq(totp_hotp((const unsigned char *)KEY32, 32,
		    step, 8, "SHA256"), v[i].sha256);
		ck_assert_uint_eq(totp_hotp((const unsigned char *)KEY64, 64,
		    step, 8, "SHA512"), v[i].sha512);
	}
	/* Leading zeros are part of the code: "07081804". */
	snprintf(text, sizeof(text), "%08u", (unsigned int)totp_hotp(
	    (const unsigned char *)KEY20, 20, 1111111109 / 30, 8, "SHA1"));
	ck_assert_str_eq(text, "07081804");
}
END_TEST

START_TEST(totp_verify_accepts_current_step)
{
	int64_t	 step = -5;
	time_t	 now = 1111111111;

	ck_assert(verify(code_at(now / 30), now, -1, &step));
	ck_assert_int_eq(step, now / 30);
	/* The six-digit form of the RFC 6238 vector at 59 s. */
	ck_assert(verify("287082", 59, -1, &step));
	ck_assert_int_eq(step, 1);
}
END_TEST

START_TEST(totp_verify_allows_one_step_of_drift)
{
	int64_t	 step, t;
	time_t	 now = 1234567890;

	t = now / 30;
	ck_assert(verify(code_at(t - 1), now, -1, &step));
	ck_assert_int_eq(step, t - 1);
	ck_assert(verify(code_at(t + 1), now, -1, &step));
	ck_assert_int_eq(step, t + 1);
	ck_assert(!verify(code_at(t - 2), now, -1, &step));
	ck_assert(!verify(code_at(t + 2), now, -1, &step));
	ck_assert(!verify(code_at(t - 100), now, -1, &step));
}
END_TEST

START_TEST(totp_verify_refuses_reused_step)
{
	int64_t	 step = -5, t;
	time_t	 now = 2000000000;
	char	 code[7];

	t = now / 30;
	memcpy(code, code_at(t), sizeof(code));
	ck_assert(verify(code, now, t - 1, &step));
	ck_assert_int_eq(step, t);
	/* The same code again, now that step t was accepted. */
	step = -5;
	ck_assert(!verify(code, now, t, &step));
	ck_assert_int_eq(step, -5);
	ck_assert(!verify(code, now + 29, t, &step));
	/* An older code after a newer one was used. */
	ck_assert(!verify(code_at(t - 1), now, t, &step));
	/* The next step's code is still good. */
	ck_assert(verify(code_at(t + 1), now, t, &step));
	ck_assert_int_eq(step, t + 1);
}
END_TEST

START_TEST(totp_verify_refuses_malformed_codes)
{
	int64_t	 step;
	time_t	 now = 1111111111;
	char	 good[8], spaced[9];

	memcpy(good, code_at(now / 30), 7);
	ck_assert(verify(good, now, -1, &step));
	ck_assert(!verify("12345", now, -1, &step));
	ck_assert(!verify("1234567", now, -1, &step));
	ck_assert(!verify("12a456", now, -1, &step));
	ck_assert(!verify("", now, -1, &step));
	ck_assert(!verify(NULL, now, -1, &step));
	/* The right code with a trailing digit, space or inner space. */
	good[6] = '0';
	good[7] = '\0';
	ck_assert(!verify(good, now, -1, &step));
	good[6] = ' ';
	ck_assert(!verify(good, now, -1, &step));
	snprintf(spaced, sizeof(spaced), "%.3s %.3s", good, good + 3);
	ck_assert(!verify(spaced, now, -1, &step));
	/* Signs and other digit-like input. */
	ck_assert(!verify("+12345", now, -1, &step));
	ck_assert(!verify("-12345", now, -1, &step));
	ck_assert(!verify("\xd9\xa1\xd9\xa2\xd9\xa3", now, -1, &step));
}
END_TEST

START_TEST(totp_verify_near_epoch)
{
	int64_t	 step;

	/* Step 0 at t = 10: no step -1 to look at, no crash. */
	ck_assert(verify("755224", 10, -1, &step));
	ck_assert_int_eq(step, 0);
	ck_assert(verify("287082", 10, -1, &step));
	ck_assert_int_eq(step, 1);
	ck_assert(!verify("755224", -30, -1, &step));
}
END_TEST

START_TEST(totp_uri_encodes_label_and_issuer)
{
	struct arena	*a = arena_new();

	ck_assert_str_eq(totp_uri(a, "Colmena Shop", "ana maria@example.com",
	    "JBSWY3DPEHPK3PXP"),
	    "otpauth://totp/Colmena%20Shop:ana%20maria%40example.com"
	    "?secret=JBSWY3DPEHPK3PXP&issuer=Colmena%20Shop"
	    "&algorithm=SHA1&digits=6&period=30");
	ck_assert_str_eq(totp_uri(a, "A:B&C", "x-y_z.w~", "MY"),
	    "otpauth://totp/A%3AB%26C:x-y_z.w~?secret=MY&issuer=A%3AB%26C"
	    "&algorithm=SHA1&digits=6&period=30");
	ck_assert_str_eq(totp_uri(a, "Tienda", "\xc3\xb1@x", "MY"),
	    "otpauth://totp/Tienda:%C3%B1%40x?secret=MY&issuer=Tienda"
	    "&algorithm=SHA1&digits=6&period=30");
	arena_free(a);
}
END_TEST

static Suite *
totp_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("totp");
	tc = tcase_create("vectors");
	tcase_add_test(tc, totp_hotp_matches_rfc4226_appendix_d);
	tcase_add_test(tc, totp_matches_rfc6238_appendix_b);
	suite_add_tcase(s, tc);

	tc = tcase_create("verify");
	tcase_add_test(tc, totp_verify_accepts_current_step);
	tcase_add_test(tc, totp_verify_allows_one_step_of_drift);
	tcase_add_test(tc, totp_verify_refuses_reused_step);
	tcase_add_test(tc, totp_verify_refuses_malformed_codes);
	tcase_add_test(tc, totp_verify_near_epoch);
	suite_add_tcase(s, tc);

	tc = tcase_create("uri");
	tcase_add_test(tc, totp_uri_encodes_label_and_issuer);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(totp_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
