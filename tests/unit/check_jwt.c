/*
 * check_jwt.c: HS256 tokens: a token fixed in advance with openssl(1), round
 * trips, key rotation, and every refusal: other algorithms, bad headers,
 * altered parts, wrong keys, time limits, claims of the wrong type, garbage
 * and oversize input. Tokens with odd headers or payloads are signed here
 * by hand so the refusal tested is the one intended, not the signature.
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include "arena.h"
#include "crypto.h"
#include "jwt.h"

#define KEY		"colmena-unit-test-key-32-bytes!!"
#define OLD_KEY		"the-previous-key-still-accepted!"
#define SUB		"123e4567-e89b-12d3-a456-426614174000"
#define STORE		"0f000000-0000-4000-8000-000000000001"
#define IAT		1700000000
#define EXP		1700000900

/*
 * Made outside this code base:
 *   b64u() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
 *   H=$(printf %s '{"alg":"HS256","typ":"JWT"}' | b64u)
 *   P=$(printf %s '{"sub":"...","storeId":"...","role":"admin",
 *       "permissions":["products:write","orders:read"],
 *       "iat":1700000000,"exp":1700000900}' | b64u)
 *   printf %s "$H.$P" | openssl dgst -sha256 -hmac "$KEY" -binary | b64u
 */
#define KNOWN_H		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
#define KNOWN_P		"eyJzdWIiOiIxMjNlNDU2Ny1lODliLTEyZDMtYTQ1Ni00MjY2MTQx" \
			"NzQwMDAiLCJzdG9yZUlkIjoiMGYwMDAwMDAtMDAwMC00MDAwLTgw" \
			"MDAtMDAwMDAwMDAwMDAxIiwicm9sZSI6ImFkbWluIiwicGVybWlz" \
			"c2lvbnMiOlsicHJvZHVjdHM6d3JpdGUiLCJvcmRlcnM6cmVhZCJd" \
			"LCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDkwMH0"
#define KNOWN_S		"ZkZZ2M2OiaV5dNqVX9B0vR2aTjXkP2t1i-AS8WZx1nU"
#define KNOWN		KNOWN_H "." KNOWN_P "." KNOWN_S

#define PAYLOAD_FMT	"{\"sub\":\"" SUB "\",\"storeId\":\"" STORE "\"," \
			"\"role\":\"admin\",\"permissions\":[\"a\"],"

static struct arena		*a;
static const char		*perms2[] = { "products:write", "orders:read" };
static const struct jwt_key	 key = { (const unsigned char *)KEY, 32 };
static const struct jwt_key	 old_key = { (const unsigned char *)OLD_KEY, 32 };

static void
setup(void)
{
	a = arena_new();
}

static void
teardown(void)
{
	arena_free(a);
}

static struct jwt_claims
claims(void)
{
	struct jwt_claims	 c;

	memset(&c, 0, sizeof(c));
	c.sub = SUB;
	c.store_id = STORE;
	c.role = "admin";
	c.perms = perms2;
	c.nperms = 2;
	c.iat = IAT;
	c.exp = EXP;
	return c;
}

static char *
b64(const char *s)
{
	size_t	 sz = CRYPTO_B64URL_SIZE(strlen(s));
	char	*out = arena_alloc(a, sz);

	crypto_b64url_encode(out, sz, s, strlen(s));
	return out;
}

/*
 * A token with the given header and payload JSON, signed with HMAC under k
 * (md as crypto_hmac names it: "SHA256", "SHA384").
 */
static char *
forge(const char *header, const char *payload, const char *md, const char *k)
{
	unsigned char	 mac[CRYPTO_HMAC_MAX];
	char		 sig[CRYPTO_B64URL_SIZE(CRYPTO_HMAC_MAX)];
	char		*signing;
	size_t		 n;

	signing = arena_printf(a, "%s.%s", b64(header), b64(payload));
	crypto_hmac(md, k, strlen(k), signing, strlen(signing), mac, &n);
	crypto_b64url_encode(sig, sizeof(sig), mac, n);
	return arena_printf(a, "%s.%s", signing, sig);
}

/* A payload with the usual sub/storeId/role/permissions and tail. */
static const char *
payload(const char *tail)
{
	return arena_printf(a, PAYLOAD_FMT "%s", tail);
}

static enum jwt_status
verify(const char *token, time_t now, struct jwt_claims *out)
{
	return jwt_verify(a, token, &key, 1, now, out);
}

static enum jwt_status
verify_forged(const char *header, const char *tail)
{
	struct jwt_claims	 out;

	return verify(forge(header, payload(tail), "SHA256", KEY), IAT, &out);
}

START_TEST(jwt_sign_matches_openssl_token)
{
	struct jwt_claims	 c = claims();

	ck_assert_str_eq(jwt_sign(a, &key, &c), KNOWN);
}
END_TEST

START_TEST(jwt_verify_accepts_openssl_token)
{
	struct jwt_claims	 out;

	ck_assert_int_eq(verify(KNOWN, IAT + 100, &out), JWT_OK);
	ck_assert_str_eq(out.sub, SUB);
	ck_assert_str_eq(out.store_id, STORE);
	ck_assert_str_eq(out.role, "admin");
	ck_assert_uint_eq(out.nperms, 2);
	ck_assert_str_eq(out.perms[0], "products:write");
	ck_assert_str_eq(out.perms[1], "orders:read");
	ck_assert_ptr_null(out.perms[2]);
	ck_assert_int_eq(out.iat, IAT);
	ck_assert_int_eq(out.exp, EXP);
}
END_TEST

START_TEST(jwt_round_trip_escapes_and_empty_permissions)
{
	struct jwt_claims	 c = claims(), out;
	const char		*odd[] = { "a\"b\\c</script>", "\xc3\xb1" };
	char			*t;

	c.role = "owner";
	c.sub = "quote\" \xe2\x80\xa8 line";
	c.perms = NULL;
	c.nperms = 0;
	t = jwt_sign(a, &key, &c);
	ck_assert_int_eq(verify(t, IAT, &out), JWT_OK);
	ck_assert_str_eq(out.sub, c.sub);
	ck_assert_str_eq(out.role, "owner");
	ck_assert_uint_eq(out.nperms, 0);
	ck_assert_ptr_nonnull(out.perms);
	ck_assert_ptr_null(strchr(t, '='));
	ck_assert_ptr_null(strchr(t, '+'));
	ck_assert_ptr_null(strchr(t, '/'));

	c.perms = odd;
	c.nperms = 2;
	t = jwt_sign(a, &key, &c);
	ck_assert_int_eq(verify(t, IAT, &out), JWT_OK);
	ck_assert_str_eq(out.perms[0], odd[0]);
	ck_assert_str_eq(out.perms[1], odd[1]);
}
END_TEST

START_TEST(jwt_verify_tries_previous_key)
{
	struct jwt_key		 keys[2] = { key, old_key };
	struct jwt_claims	 c = claims(), out;
	char			*t;

	t = jwt_sign(a, &old_key, &c);
	ck_assert_int_eq(jwt_verify(a, t, keys, 2, IAT, &out), JWT_OK);
	ck_assert_str_eq(out.sub, SUB);
	ck_assert_int_eq(jwt_verify(a, t, keys, 1, IAT, &out),
	    JWT_BAD_SIGNATURE);
	ck_assert_int_eq(jwt_verify(a, KNOWN, keys, 2, IAT, &out), JWT_OK);
	ck_assert_int_eq(jwt_verify(a, KNOWN, keys + 1, 1, IAT, &out),
	    JWT_BAD_SIGNATURE);
	ck_assert_int_eq(jwt_verify(a, KNOWN, keys, 0, IAT, &out),
	    JWT_BAD_SIGNATURE);
}
END_TEST

START_TEST(jwt_verify_refuses_wrong_key)
{
	struct jwt_key		 wrong = { (const unsigned char *)KEY, 31 };
	struct jwt_key		 empty = { (const unsigned char *)"", 0 };
	struct jwt_claims	 out;

	ck_assert_int_eq(jwt_verify(a, KNOWN, &wrong, 1, IAT, &out),
	    JWT_BAD_SIGNATURE);
	ck_assert_int_eq(jwt_verify(a, KNOWN, &old_key, 1, IAT, &out),
	    JWT_BAD_SIGNATURE);
	ck_assert_int_eq(jwt_verify(a, KNOWN, &empty, 1, IAT, &out),
	    JWT_BAD_SIGNATURE);
	ck_assert_ptr_null(out.sub);
}
END_TEST

START_TEST(jwt_verify_refuses_other_algorithms)
{
	const char	*tail = "\"iat\":1700000000,\"exp\":1700000900}";
	struct jwt_claims out;
	char		*t;

	/* alg none, with an empty signature and with the HS256 one. */
	t = arena_printf(a, "%s.%s.", b64("{\"alg\":\"none\",\"typ\":\"JWT\"}"),
	    KNOWN_P);
	ck_assert_int_eq(verify(t, IAT, &out), JWT_BAD_ALG);
	t = arena_printf(a, "%s.%s.%s", b64("{\"alg\":\"none\"}"), KNOWN_P,
	    KNOWN_S);
	ck_assert_int_eq(verify(t, IAT, &out), JWT_BAD_ALG);
	/* HS384 really signed with HMAC-SHA-384 under the right key. */
	t = forge("{\"alg\":\"HS384\",\"typ\":\"JWT\"}", payload(tail),
	    "SHA384", KEY);
	ck_assert_int_eq(verify(t, IAT, &out), JWT_BAD_ALG);
	ck_assert_int_eq(verify_forged("{\"alg\":\"HS384\"}", tail), JWT_BAD_ALG);
	ck_assert_int_eq(verify_forged("{\"alg\":\"RS256\"}", tail), JWT_BAD_ALG);
	ck_assert_int_eq(verify_forged("{\"alg\":\"hs256\"}", tail), JWT_BAD_ALG);
	ck_assert_int_eq(verify_forged("{\"alg\":\"HS256 \"}", tail),
	    JWT_BAD_ALG);
	ck_assert_int_eq(verify_forged("{\"alg\":\"HS256\\u0000\"}", tail),
	    JWT_BAD_ALG);
	ck_assert_int_eq(verify_forged("{\"typ\":\"JWT\"}", tail), JWT_BAD_ALG);
	ck_assert_int_eq(verify_forged("{}", tail), JWT_BAD_ALG);
	ck_assert_int_eq(verify_forged("{\"alg\":null}", tail), JWT_BAD_ALG);
	ck_assert_int_eq(verify_forged("{\"alg\":[\"HS256\"]}", tail),
	    JWT_BAD_ALG);
	/* The right alg without typ is fine. */
	ck_assert_int_eq(verify_forged("{\"alg\":\"HS256\"}", tail), JWT_OK);
}
END_TEST

START_TEST(jwt_verify_refuses_bad_headers)
{
	const char	*tail = "\"iat\":1700000000,\"exp\":1700000900}";

	ck_assert_int_eq(verify_forged("{\"alg\":\"HS256\",\"typ\":\"JWS\"}",
	    tail), JWT_MALFORMED);
	ck_assert_int_eq(verify_forged("{\"alg\":\"HS256\",\"typ\":\"jwt\"}",
	    tail), JWT_MALFORMED);
	ck_assert_int_eq(verify_forged("{\"alg\":\"HS256\",\"typ\":1}", tail),
	    JWT_MALFORMED);
	ck_assert_int_eq(verify_forged(
	    "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", tail), JWT_MALFORMED);
	ck_assert_int_eq(verify_forged("[\"HS256\"]", tail), JWT_MALFORMED);
	ck_assert_int_eq(verify_forged("\"HS256\"", tail), JWT_MALFORMED);
	ck_assert_int_eq(verify_forged("{\"alg\":\"HS256\"", tail),
	    JWT_MALFORMED);
	ck_assert_int_eq(verify_forged("{\"alg\":\"HS256\"} x", tail),
	    JWT_MALFORMED);
	ck_assert_int_eq(verify_forged("{\"alg\":\"HS256\",}", tail),
	    JWT_MALFORMED);
	ck_assert_int_eq(verify_forged("{\"alg\":\"HS256\",\"x\":\"\xff\"}",
	    tail), JWT_MALFORMED);
	ck_assert_int_eq(verify_forged("{\"alg\":\"HS256\"}\x01", tail),
	    JWT_MALFORMED);
}
END_TEST

START_TEST(jwt_verify_refuses_altered_parts)
{
	struct jwt_claims	 c = claims(), out;
	char			*t, *p;

	/* Someone else's payload under our header and signature. */
	c.role = "owner";
	t = jwt_sign(a, &key, &c);
	p = strchr(t, '.') + 1;
	*strchr(p, '.') = '\0';
	t = arena_printf(a, "%s.%s.%s", KNOWN_H, p, KNOWN_S);
	ck_assert_int_eq(verify(t, IAT, &out), JWT_BAD_SIGNATURE);

	/* One signature character changed (not the last: its low bits). */
	t = arena_strdup(a, KNOWN);
	p = strrchr(t, '.') + 5;
	*p = *p == 'A' ? 'B' : 'A';
	ck_assert_int_eq(verify(t, IAT, &out), JWT_BAD_SIGNATURE);

	/* Signature shortened, lengthened, emptied. */
	t = arena_strndup(a, KNOWN, strlen(KNOWN) - 3);
	ck_assert_int_eq(verify(t, IAT, &out), JWT_BAD_SIGNATURE);
	t = arena_printf(a, "%sAAAA", KNOWN);
	ck_assert_int_eq(verify(t, IAT, &out), JWT_BAD_SIGNATURE);
	t = arena_printf(a, "%s.%s.", KNOWN_H, KNOWN_P);
	ck_assert_int_eq(verify(t, IAT, &out), JWT_BAD_SIGNATURE);

	/* A header spelled differently (no typ) breaks the signature too. */
	t = arena_printf(a, "%s.%s.%s", b64("{\"alg\":\"HS256\"}"), KNOWN_P,
	    KNOWN_S);
	ck_assert_int_eq(verify(t, IAT, &out), JWT_BAD_SIGNATURE);
	ck_assert_ptr_null(out.sub);
}
END_TEST

START_TEST(jwt_verify_checks_expiry_and_issue_time)
{
	struct jwt_claims	 c = claims(), out;
	char			*t;

	ck_assert_int_eq(verify(KNOWN, EXP - 1, &out), JWT_OK);
	ck_assert_int_eq(verify(KNOWN, EXP, &out), JWT_EXPIRED);
	ck_assert_ptr_null(out.sub);
	ck_assert_int_eq(verify(KNOWN, EXP + 86400, &out), JWT_EXPIRED);
	/* Issued up to a minute in our future: clocks differ a little. */
	ck_assert_int_eq(verify(KNOWN, IAT - 60, &out), JWT_OK);
	ck_assert_int_eq(verify(KNOWN, IAT - 61, &out), JWT_NOT_YET_VALID);
	ck_assert_ptr_null(out.sub);
	c.iat = EXP + 1000;
	c.exp = EXP + 2000;
	t = jwt_sign(a, &key, &c);
	ck_assert_int_eq(verify(t, IAT, &out), JWT_NOT_YET_VALID);
}
END_TEST

START_TEST(jwt_verify_refuses_wrong_claim_types)
{
	static const char	*bad[] = {
		"{\"sub\":\"" SUB "\",\"storeId\":\"" STORE "\",\"role\":\"admin\","
		    "\"permissions\":[],\"iat\":1700000000,\"exp\":\"1700000900\"}",
		"{\"sub\":\"" SUB "\",\"storeId\":\"" STORE "\",\"role\":\"admin\","
		    "\"permissions\":[],\"iat\":1700000000,\"exp\":1700000900.0}",
		"{\"sub\":\"" SUB "\",\"storeId\":\"" STORE "\",\"role\":\"admin\","
		    "\"permissions\":[],\"iat\":1700000000,\"exp\":1.7e9}",
		"{\"sub\":\"" SUB "\",\"storeId\":\"" STORE "\",\"role\":\"admin\","
		    "\"permissions\":[],\"iat\":1700000000}",
		"{\"sub\":\"" SUB "\",\"storeId\":\"" STORE "\",\"role\":\"admin\","
		    "\"permissions\":[],\"iat\":null,\"exp\":1700000900}",
		"{\"sub\":\"" SUB "\",\"storeId\":\"" STORE "\",\"role\":\"admin\","
		    "\"permissions\":[],\"iat\":-1,\"exp\":1700000900}",
		"{\"sub\":\"" SUB "\",\"storeId\":\"" STORE "\",\"role\":\"admin\","
		    "\"permissions\":[],\"iat\":1700000000,"
		    "\"exp\":99999999999999999999}",
		"{\"sub\":\"" SUB "\",\"storeId\":\"" STORE "\",\"role\":\"admin\","
		    "\"permissions\":\"products:write\",\"iat\":1700000000,"
		    "\"exp\":1700000900}",
		"{\"sub\":\"" SUB "\",\"storeId\":\"" STORE "\",\"role\":\"admin\","
		    "\"permissions\":{},\"iat\":1700000000,\"exp\":1700000900}",
		"{\"sub\":\"" SUB "\",\"storeId\":\"" STORE "\",\"role\":\"admin\","
		    "\"permissions\":[\"a\",1],\"iat\":1700000000,"
		    "\"exp\":1700000900}",
		"{\"sub\":\"" SUB "\",\"storeId\":\"" STORE "\",\"role\":\"admin\","
		    "\"iat\":1700000000,\"exp\":1700000900}",
		"{\"sub\":1,\"storeId\":\"" STORE "\",\"role\":\"admin\","
		    "\"permissions\":[],\"iat\":1700000000,\"exp\":1700000900}",
		"{\"storeId\":\"" STORE "\",\"role\":\"admin\","
		    "\"permissions\":[],\"iat\":1700000000,\"exp\":1700000900}",
		"{\"sub\":\"" SUB "\",\"storeId\":null,\"role\":\"admin\","
		    "\"permissions\":[],\"iat\":1700000000,\"exp\":1700000900}",
		"{\"sub\":\"" SUB "\",\"storeId\":\"" STORE "\",\"role\":\"\","
		    "\"permissions\":[],\"iat\":1700000000,\"exp\":1700000900}",
		"{\"sub\":\"a\\u0000b\",\"storeId\":\"" STORE "\",\"role\":\"x\","
		    "\"permissions\":[],\"iat\":1700000000,\"exp\":1700000900}",
		"[\"sub\"]",
		"null",
		"{\"sub\":\"" SUB "\"} trailing",
	};
	struct jwt_claims	 out;
	size_t			 i;
	char			*t;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = forge("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", bad[i], "SHA256",
		    KEY);
		ck_assert_msg(verify(t, IAT, &out) == JWT_BAD_CLAIMS,
		    "payload %zu accepted: %s", i, bad[i]);
		ck_assert_ptr_null(out.sub);
	}
}
END_TEST

START_TEST(jwt_verify_limits_permissions)
{
	struct jwt_claims	 c = claims(), out;
	const char		*many[JWT_PERMS_MAX];
	char			*t, *json;
	size_t			 i;

	for (i = 0; i < JWT_PERMS_MAX; i++)
		many[i] = "p";
	c.perms = many;
	c.nperms = JWT_PERMS_MAX;
	t = jwt_sign(a, &key, &c);
	ck_assert_int_eq(verify(t, IAT, &out), JWT_OK);
	ck_assert_uint_eq(out.nperms, JWT_PERMS_MAX);

	json = arena_strdup(a, "{\"sub\":\"s\",\"storeId\":\"t\",\"role\":\"r\","
	    "\"iat\":1700000000,\"exp\":1700000900,\"permissions\":[\"p\"");
	for (i = 1; i <= JWT_PERMS_MAX; i++)
		json = arena_printf(a, "%s,\"p\"", json);
	json = arena_printf(a, "%s]}", json);
	t = forge("{\"alg\":\"HS256\"}", json, "SHA256", KEY);
	ck_assert_int_eq(verify(t, IAT, &out), JWT_BAD_CLAIMS);
}
END_TEST

START_TEST(jwt_verify_refuses_garbage)
{
	static const char	*bad[] = {
		"",
		".",
		"..",
		"...",
		KNOWN_H "." KNOWN_P,
		KNOWN "." KNOWN_S,
		KNOWN ".",
		"." KNOWN_P "." KNOWN_S,
		KNOWN_H ".." KNOWN_S,
		KNOWN_H "=." KNOWN_P "." KNOWN_S,
		KNOWN_H "." KNOWN_P "." KNOWN_S "=",
		KNOWN_H "." KNOWN_P "==." KNOWN_S,
		KNOWN_H "." KNOWN_P "." KNOWN_S " ",
		" " KNOWN,
		KNOWN_H "." KNOWN_P "$." KNOWN_S,
		KNOWN_H "+." KNOWN_P "." KNOWN_S,
		KNOWN_H "." KNOWN_P ".ZkZZ2M2OiaV5dNqVX9B0vR2aTjXkP2t1i/AS8WZx1nU",
		"Bearer " KNOWN,
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9X." KNOWN_P "." KNOWN_S,
		"a.b.c",
		"not a token at all",
	};
	struct jwt_claims	 out;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(verify(bad[i], IAT, &out) == JWT_MALFORMED,
		    "token %zu not refused as malformed: %s", i, bad[i]);
	ck_assert_int_eq(verify(NULL, IAT, &out), JWT_MALFORMED);
}
END_TEST

START_TEST(jwt_verify_refuses_oversize_token)
{
	struct jwt_claims	 c = claims(), out;
	const char		*big[JWT_PERMS_MAX];
	char			*perm, *t;
	size_t			 i;

	/* Exactly one byte over the cap, otherwise well formed. */
	t = arena_alloc(a, JWT_MAX + 2);
	memset(t, 'A', JWT_MAX + 1);
	t[JWT_MAX + 1] = '\0';
	t[10] = '.';
	t[20] = '.';
	ck_assert_int_eq(verify(t, IAT, &out), JWT_MALFORMED);

	/* Claims that would make a token over the cap are not signed. */
	perm = arena_alloc(a, 301);
	memset(perm, 'p', 300);
	perm[300] = '\0';
	for (i = 0; i < JWT_PERMS_MAX; i++)
		big[i] = perm;
	c.perms = big;
	c.nperms = JWT_PERMS_MAX;
	ck_assert_ptr_null(jwt_sign(a, &key, &c));
	/* Nearly as big is signed, and accepted. */
	c.nperms = 16;
	t = jwt_sign(a, &key, &c);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_le(strlen(t), JWT_MAX);
	ck_assert_int_eq(verify(t, IAT, &out), JWT_OK);
}
END_TEST

START_TEST(jwt_status_message_is_plain_text)
{
	int	 i;

	for (i = 0; i < JWT__MAX; i++) {
		ck_assert_ptr_nonnull(jwt_status_message(i));
		ck_assert_ptr_null(strchr(jwt_status_message(i), '%'));
	}
	ck_assert_str_eq(jwt_status_message(JWT_EXPIRED),
	    "The token has expired.");
	ck_assert_ptr_nonnull(jwt_status_message(JWT__MAX));
}
END_TEST

static Suite *
jwt_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("jwt");
	tc = tcase_create("sign");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, jwt_sign_matches_openssl_token);
	tcase_add_test(tc, jwt_verify_accepts_openssl_token);
	tcase_add_test(tc, jwt_round_trip_escapes_and_empty_permissions);
	tcase_add_test(tc, jwt_verify_tries_previous_key);
	suite_add_tcase(s, tc);

	tc = tcase_create("refuse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, jwt_verify_refuses_wrong_key);
	tcase_add_test(tc, jwt_verify_refuses_other_algorithms);
	tcase_add_test(tc, jwt_verify_refuses_bad_headers);
	tcase_add_test(tc, jwt_verify_refuses_altered_parts);
	tcase_add_test(tc, jwt_verify_checks_expiry_and_issue_time);
	tcase_add_test(tc, jwt_verify_refuses_wrong_claim_types);
	tcase_add_test(tc, jwt_verify_limits_permissions);
	tcase_add_test(tc, jwt_verify_refuses_garbage);
	tcase_add_test(tc, jwt_verify_refuses_oversize_token);
	tcase_add_test(tc, jwt_status_message_is_plain_text);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(jwt_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
