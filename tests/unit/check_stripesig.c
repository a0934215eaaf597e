/*
 * check_stripesig.c: Stripe webhook signature verification against vectors
 * computed with `openssl dgst -sha256 -hmac`, key rotation, tampering, the
 * timestamp window and the header parser's strict and lenient corners.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "stripesig.h"

/*
 * printf '%s' "1700000000.$BODY" | openssl dgst -sha256 -hmac whsec_test_secret
 * (SIG) and -hmac whsec_old_secret (OLD); NULSIG is the same over
 * printf '1700000000.a\0b\0c' with whsec_test_secret.
 */
#define T	"1700000000"
#define NOW	((time_t)1700000000)
#define BODY	"{\"id\":\"evt_test_1\",\"object\":\"event\"}"
#define SIG	"29ab30b7065c11b28e53ac114fac5d6c492ed811a12d11ed2c2aad5bb4cf9809"
#define OLD	"96c90e277402e8941b687da1b8dde3c82b6f2d5345c60062edf3a1a2c40481ac"
#define NULSIG	"e1af2faae121c977278477aae04681a00f904f28fe8f968bf28aa798e47838d4"
#define ZERO	"0000000000000000000000000000000000000000000000000000000000000000"

static const char *const cur[] = { "whsec_test_secret" };
static const char *const both[] = { "whsec_test_secret", "whsec_old_secret" };
static const char *const other[] = { "whsec_wrong" };

/* Verify BODY with header h, the current secret, at now, default window. */
static enum stripesig_status
v(const char *h, time_t now)
{
	return stripesig_verify(h, BODY, strlen(BODY), cur, 1, now, 0);
}

START_TEST(stripesig_accepts_known_vector)
{
	ck_assert_int_eq(v("t=" T ",v1=" SIG, NOW), STRIPESIG_OK);
	ck_assert_int_eq(v("v1=" SIG ",t=" T, NOW), STRIPESIG_OK);
	ck_assert_int_eq(v("t=" T ",v1=" SIG ",v0=" ZERO, NOW), STRIPESIG_OK);
	ck_assert_str_eq(stripesig_name(STRIPESIG_OK), "OK");
}
END_TEST

START_TEST(stripesig_accepts_one_right_among_several_v1)
{
	ck_assert_int_eq(v("t=" T ",v1=" ZERO ",v1=" SIG ",v1=" OLD, NOW),
	    STRIPESIG_OK);
	ck_assert_int_eq(v("t=" T ",v1=" ZERO ",v1=" OLD, NOW),
	    STRIPESIG_MISMATCH);
	/* A malformed v1 beside a good one is ignored, not fatal. */
	ck_assert_int_eq(v("t=" T ",v1=xyz,v1=" SIG, NOW), STRIPESIG_OK);
}
END_TEST

START_TEST(stripesig_accepts_previous_secret_during_rotation)
{
	ck_assert_int_eq(stripesig_verify("t=" T ",v1=" OLD, BODY, strlen(BODY),
	    both, 2, NOW, 0), STRIPESIG_OK);
	ck_assert_int_eq(stripesig_verify("t=" T ",v1=" SIG, BODY, strlen(BODY),
	    both, 2, NOW, 0), STRIPESIG_OK);
	ck_assert_int_eq(v("t=" T ",v1=" OLD, NOW), STRIPESIG_MISMATCH);
}
END_TEST

START_TEST(stripesig_refuses_wrong_secret)
{
	ck_assert_int_eq(stripesig_verify("t=" T ",v1=" SIG, BODY, strlen(BODY),
	    other, 1, NOW, 0), STRIPESIG_MISMATCH);
	ck_assert_int_eq(stripesig_verify("t=" T ",v1=" SIG, BODY, strlen(BODY),
	    cur, 0, NOW, 0), STRIPESIG_MISMATCH);
}
END_TEST

START_TEST(stripesig_refuses_altered_body)
{
	char	 b[] = BODY;
	size_t	 i;

	for (i = 0; i < sizeof(b) - 1; i++) {
		b[i] ^= 0x01;
		ck_assert_int_eq(stripesig_verify("t=" T ",v1=" SIG, b,
		    strlen(BODY), cur, 1, NOW, 0), STRIPESIG_MISMATCH);
		b[i] ^= 0x01;
	}
	ck_assert_int_eq(stripesig_verify("t=" T ",v1=" SIG, b, strlen(BODY),
	    cur, 1, NOW, 0), STRIPESIG_OK);
	/* One byte shorter, one byte longer (the NUL). */
	ck_assert_int_eq(stripesig_verify("t=" T ",v1=" SIG, b,
	    strlen(BODY) - 1, cur, 1, NOW, 0), STRIPESIG_MISMATCH);
	ck_assert_int_eq(stripesig_verify("t=" T ",v1=" SIG, b,
	    strlen(BODY) + 1, cur, 1, NOW, 0), STRIPESIG_MISMATCH);
	/* Altered timestamp: signed as part of the message. */
	ck_assert_int_eq(v("t=1700000001,v1=" SIG, NOW), STRIPESIG_MISMATCH);
}
END_TEST

START_TEST(stripesig_checks_tolerance_both_ways)
{
	ck_assert_int_eq(v("t=" T ",v1=" SIG, NOW + 300), STRIPESIG_OK);
	ck_assert_int_eq(v("t=" T ",v1=" SIG, NOW - 300), STRIPESIG_OK);
	ck_assert_int_eq(v("t=" T ",v1=" SIG, NOW + 301), STRIPESIG_TOO_OLD);
	ck_assert_int_eq(v("t=" T ",v1=" SIG, NOW - 301), STRIPESIG_TOO_OLD);
	ck_assert_int_eq(v("t=" T ",v1=" SIG, 0), STRIPESIG_TOO_OLD);
	ck_assert_int_eq(stripesig_verify("t=" T ",v1=" SIG, BODY,
	    strlen(BODY), cur, 1, NOW + 10, 5), STRIPESIG_TOO_OLD);
	ck_assert_int_eq(stripesig_verify("t=" T ",v1=" SIG, BODY,
	    strlen(BODY), cur, 1, NOW - 5, 5), STRIPESIG_OK);
	ck_assert_int_eq(stripesig_verify("t=" T ",v1=" SIG, BODY,
	    strlen(BODY), cur, 1, NOW + 3600, INT64_MAX), STRIPESIG_OK);
	/* A stale forgery is a mismatch: TOO_OLD means genuine but late. */
	ck_assert_int_eq(v("t=" T ",v1=" ZERO, NOW + 3600), STRIPESIG_MISMATCH);
}
END_TEST

START_TEST(stripesig_refuses_missing_or_bad_t)
{
	ck_assert_int_eq(v("v1=" SIG, NOW), STRIPESIG_MALFORMED);
	ck_assert_int_eq(v("t=" T ",t=" T ",v1=" SIG, NOW),
	    STRIPESIG_MALFORMED);
	ck_assert_int_eq(v("t=" T ",v1=" SIG ",t=1700000001", NOW),
	    STRIPESIG_MALFORMED);
	ck_assert_int_eq(v("t=17000000x0,v1=" SIG, NOW), STRIPESIG_MALFORMED);
	ck_assert_int_eq(v("t=-1700000000,v1=" SIG, NOW), STRIPESIG_MALFORMED);
	ck_assert_int_eq(v("t= 1700000000,v1=" SIG, NOW), STRIPESIG_MALFORMED);
	ck_assert_int_eq(v("t=,v1=" SIG, NOW), STRIPESIG_MALFORMED);
	ck_assert_int_eq(v("t=1234567890123,v1=" SIG, NOW),
	    STRIPESIG_MALFORMED);
	/* 12 digits parse; the signature then decides. */
	ck_assert_int_eq(v("t=001700000000,v1=" SIG, NOW), STRIPESIG_MISMATCH);
}
END_TEST

START_TEST(stripesig_refuses_empty_header)
{
	ck_assert_int_eq(v(NULL, NOW), STRIPESIG_MISSING);
	ck_assert_int_eq(v("", NOW), STRIPESIG_MISSING);
	ck_assert_str_eq(stripesig_name(STRIPESIG_MISSING), "MISSING");
}
END_TEST

START_TEST(stripesig_v0_only_is_no_v1)
{
	ck_assert_int_eq(v("t=" T ",v0=" SIG, NOW), STRIPESIG_NO_V1);
	ck_assert_int_eq(v("t=" T, NOW), STRIPESIG_NO_V1);
	ck_assert_int_eq(v("t=" T ",v1=" ZERO "0", NOW), STRIPESIG_NO_V1);
	ck_assert_int_eq(v("t=" T ",v1=29AB30B7065C11B28E53AC114FAC5D6C492ED811"
	    "A12D11ED2C2AAD5BB4CF9809", NOW), STRIPESIG_NO_V1);
	ck_assert_int_eq(v("t=" T ",v1=", NOW), STRIPESIG_NO_V1);
	ck_assert_int_eq(v("t=" T ",V1=" SIG, NOW), STRIPESIG_NO_V1);
}
END_TEST

START_TEST(stripesig_refuses_garbage)
{
	char	 big[STRIPESIG_HEADER_MAX + 64];
	size_t	 n;

	ck_assert_int_eq(v("garbage", NOW), STRIPESIG_MALFORMED);
	ck_assert_int_eq(v(",", NOW), STRIPESIG_MALFORMED);
	ck_assert_int_eq(v("t=" T ",,v1=" SIG, NOW), STRIPESIG_MALFORMED);
	ck_assert_int_eq(v("t=" T ",v1=" SIG ",", NOW), STRIPESIG_MALFORMED);
	ck_assert_int_eq(v("=x,t=" T ",v1=" SIG, NOW), STRIPESIG_MALFORMED);
	/* No trimming: " t" is an unknown key, so t is missing. */
	ck_assert_int_eq(v(" t=" T ",v1=" SIG, NOW), STRIPESIG_MALFORMED);
	/* Unknown schemes are ignored. */
	ck_assert_int_eq(v("t=" T ",v2=abc,x=y=z,v1=" SIG, NOW), STRIPESIG_OK);
	/* The 4 KiB cap: padding with v0 entries, valid up to the cap. */
	n = (size_t)snprintf(big, sizeof(big), "t=" T ",v1=" SIG);
	while (n + 5 <= STRIPESIG_HEADER_MAX) {
		memcpy(big + n, ",v0=0", 5);
		n += 5;
	}
	while (n < STRIPESIG_HEADER_MAX)
		big[n++] = '0';
	big[n] = '\0';
	ck_assert_uint_eq(strlen(big), STRIPESIG_HEADER_MAX);
	ck_assert_int_eq(v(big, NOW), STRIPESIG_OK);
	big[n++] = '0';
	big[n] = '\0';
	ck_assert_int_eq(v(big, NOW), STRIPESIG_MALFORMED);
}
END_TEST

START_TEST(stripesig_body_may_hold_nul_bytes)
{
	static const char	 b[] = "a\0b\0c";

	ck_assert_int_eq(stripesig_verify("t=" T ",v1=" NULSIG, b,
	    sizeof(b) - 1, cur, 1, NOW, 0), STRIPESIG_OK);
	ck_assert_int_eq(stripesig_verify("t=" T ",v1=" NULSIG, b, 1,
	    cur, 1, NOW, 0), STRIPESIG_MISMATCH);
}
END_TEST

START_TEST(stripesig_messages_cover_every_status)
{
	int	 i;

	for (i = 0; i < STRIPESIG__MAX; i++) {
		ck_assert_ptr_nonnull(stripesig_message(i));
		ck_assert_str_ne(stripesig_name(i), "UNKNOWN");
	}
	ck_assert_str_eq(stripesig_name(STRIPESIG__MAX), "UNKNOWN");
	ck_assert_str_eq(stripesig_message(STRIPESIG__MAX), "unknown status");
}
END_TEST

static Suite *
stripesig_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("stripesig");
	tc = tcase_create("verify");
	tcase_add_test(tc, stripesig_accepts_known_vector);
	tcase_add_test(tc, stripesig_accepts_one_right_among_several_v1);
	tcase_add_test(tc, stripesig_accepts_previous_secret_during_rotation);
	tcase_add_test(tc, stripesig_refuses_wrong_secret);
	tcase_add_test(tc, stripesig_refuses_altered_body);
	tcase_add_test(tc, stripesig_checks_tolerance_both_ways);
	tcase_add_test(tc, stripesig_body_may_hold_nul_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, stripesig_refuses_missing_or_bad_t);
	tcase_add_test(tc, stripesig_refuses_empty_header);
	tcase_add_test(tc, stripesig_v0_only_is_no_v1);
	tcase_add_test(tc, stripesig_refuses_garbage);
	tcase_add_test(tc, stripesig_messages_cover_every_status);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(stripesig_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
