/*
 * check_crypto.c: the primitives under sessions, TOTP and JWT: SHA-256 and
 * HMAC against published vectors, constant-time equality, the RFC 4648
 * base64url and base32 vectors, strict decoding, tokens and hex digests.
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include "arena.h"
#include "crypto.h"
#include "str.h"

/* Hex of p[0..n) in a static buffer (n <= 64). */
static const char *
hex(const unsigned char *p, size_t n)
{
	static char	 out[129];

	ck_assert_uint_le(n, 64);
	str_hex(out, p, n);
	return out;
}

/* Encode s as base64url; the text in a static buffer. */
static const char *
b64(const char *s)
{
	static char	 out[128];
	size_t		 n;

	n = crypto_b64url_encode(out, sizeof(out), s, strlen(s));
	ck_assert_uint_eq(n, strlen(out));
	return out;
}

/* Decode s as base64url; returns -1 or the decoded length (bytes in out). */
static int
unb64(const char *s, unsigned char out[64])
{
	size_t	 n = 99;

	if (crypto_b64url_decode(out, 64, s, strlen(s), &n) == -1)
		return -1;
	return (int)n;
}

static const char *
b32(const char *s)
{
	static char	 out[128];

	crypto_base32_encode(out, sizeof(out), s, strlen(s));
	return out;
}

static int
unb32(const char *s, unsigned char out[64])
{
	size_t	 n = 99;

	if (crypto_base32_decode(out, 64, s, strlen(s), &n) == -1)
		return -1;
	return (int)n;
}

START_TEST(crypto_sha256_matches_fips_vectors)
{
	unsigned char	 md[32];

	crypto_sha256("abc", 3, md);
	ck_assert_str_eq(hex(md, 32),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	crypto_sha256("", 0, md);
	ck_assert_str_eq(hex(md, 32),
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(crypto_hmac_matches_rfc_vectors)
{
	static const char	 msg[] = "what do ya want for nothing?";
	unsigned char		 mac[CRYPTO_HMAC_MAX];
	size_t			 n;

	/* RFC 4231 test case 2 and RFC 2202 test case 2. */
	crypto_hmac("SHA256", "Jefe", 4, msg, strlen(msg), mac, &n);
	ck_assert_uint_eq(n, 32);
	ck_assert_str_eq(hex(mac, n),
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	crypto_hmac("SHA1", "Jefe", 4, msg, strlen(msg), mac, &n);
	ck_assert_uint_eq(n, 20);
	ck_assert_str_eq(hex(mac, n),
	    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	crypto_hmac("SHA512", "Jefe", 4, msg, strlen(msg), mac, &n);
	ck_assert_uint_eq(n, 64);
	ck_assert_str_eq(hex(mac, n),
	    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}
END_TEST

START_TEST(crypto_hmac_accepts_empty_key)
{
	unsigned char	 mac[CRYPTO_HMAC_MAX];
	size_t		 n;

	/* HMAC-SHA256 with an empty key and message (well known). */
	crypto_hmac("SHA256", NULL, 0, "", 0, mac, &n);
	ck_assert_str_eq(hex(mac, n),
	    "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}
END_TEST

START_TEST(crypto_equal_compares_every_byte)
{
	ck_assert(crypto_equal("abcdef", "abcdef", 6));
	ck_assert(!crypto_equal("abcdef", "abcdeg", 6));
	ck_assert(!crypto_equal("xbcdef", "abcdef", 6));
	ck_assert(crypto_equal("abc", "abd", 2));
	ck_assert(crypto_equal("", "", 0));
}
END_TEST

START_TEST(crypto_random_fills_differently)
{
	unsigned char	 a[32], b[32], zero[32];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	crypto_random(a, sizeof(a));
	crypto_random(b, sizeof(b));
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	ck_assert(memcmp(a, zero, sizeof(a)) != 0);
	crypto_random(a, 0);
}
END_TEST

START_TEST(crypto_b64url_encodes_rfc4648_vectors)
{
	char	 out[8];

	ck_assert_str_eq(b64(""), "");
	ck_assert_str_eq(b64("f"), "Zg");
	ck_assert_str_eq(b64("fo"), "Zm8");
	ck_assert_str_eq(b64("foo"), "Zm9v");
	ck_assert_str_eq(b64("foob"), "Zm9vYg");
	ck_assert_str_eq(b64("fooba"), "Zm9vYmE");
	ck_assert_str_eq(b64("foobar"), "Zm9vYmFy");
	/* The URL alphabet: base64 "+/8=" is "-_8". */
	ck_assert_uint_eq(crypto_b64url_encode(out, sizeof(out), "\xfb\xff", 2),
	    3);
	ck_assert_str_eq(out, "-_8");
	ck_assert_uint_eq(CRYPTO_B64URL_SIZE(2), 5);
	ck_assert_uint_eq(crypto_b64url_encode(out, 4, "\xfb\xff", 2), 3);
}
END_TEST

START_TEST(crypto_b64url_encode_short_buffer_is_fatal)
{
	char	 out[4];

	crypto_b64url_encode(out, sizeof(out), "foo", 3);
}
END_TEST

START_TEST(crypto_b64url_decodes_round_trip)
{
	unsigned char	 out[64], raw[40];
	char		 text[CRYPTO_B64URL_SIZE(40)];
	size_t		 i, n, len;

	ck_assert_int_eq(unb64("Zm9vYmFy", out), 6);
	ck_assert(memcmp(out, "foobar", 6) == 0);
	ck_assert_int_eq(unb64("Zm9vYmE", out), 5);
	ck_assert(memcmp(out, "fooba", 5) == 0);
	ck_assert_int_eq(unb64("Zg", out), 1);
	ck_assert_int_eq(out[0], 'f');
	ck_assert_int_eq(unb64("", out), 0);
	ck_assert_int_eq(unb64("-_8", out), 2);
	ck_assert(memcmp(out, "\xfb\xff", 2) == 0);
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 71 + 3);
	for (n = 0; n <= sizeof(raw); n++) {
		len = crypto_b64url_encode(text, sizeof(text), raw, n);
		ck_assert_int_eq(crypto_b64url_decode(out, sizeof(out), text,
		    len, &i), 0);
		ck_assert_uint_eq(i, n);
		ck_assert(memcmp(out, raw, n) == 0);
	}
}
END_TEST

START_TEST(crypto_b64url_decode_is_strict)
{
	unsigned char	 out[64];
	size_t		 n;

	ck_assert_int_eq(unb64("Zm9v=", out), -1);	/* padding */
	ck_assert_int_eq(unb64("Zg==", out), -1);
	ck_assert_int_eq(unb64("Zm9vY", out), -1);	/* len % 4 == 1 */
	ck_assert_int_eq(unb64("Z", out), -1);
	ck_assert_int_eq(unb64("+/8", out), -1);	/* base64, not url */
	ck_assert_int_eq(unb64("Zm9 v", out), -1);
	ck_assert_int_eq(unb64("Zm9v\n", out), -1);
	ck_assert_int_eq(unb64("Zm.v", out), -1);
	/* Non-zero trailing bits: "Zh" and "Zm9" spell no other bytes. */
	ck_assert_int_eq(unb64("Zh", out), -1);
	ck_assert_int_eq(unb64("Zm9", out), -1);
	ck_assert_int_eq(unb64("Zm8", out), 2);
	/* Embedded NUL in the text. */
	ck_assert_int_eq(crypto_b64url_decode(out, sizeof(out), "Zm\0v", 4, &n),
	    -1);
	/* Output too small is an error, not an overflow. */
	ck_assert_int_eq(crypto_b64url_decode(out, 5, "Zm9vYmFy", 8, &n), -1);
	ck_assert_int_eq(crypto_b64url_decode(out, 6, "Zm9vYmFy", 8, &n), 0);
}
END_TEST

START_TEST(crypto_base32_encodes_rfc4648_vectors)
{
	ck_assert_str_eq(b32(""), "");
	ck_assert_str_eq(b32("f"), "MY");
	ck_assert_str_eq(b32("fo"), "MZXQ");
	ck_assert_str_eq(b32("foo"), "MZXW6");
	ck_assert_str_eq(b32("foob"), "MZXW6YQ");
	ck_assert_str_eq(b32("fooba"), "MZXW6YTB");
	ck_assert_str_eq(b32("foobar"), "MZXW6YTBOI");
	ck_assert_str_eq(b32("12345678901234567890"),
	    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	ck_assert_uint_eq(CRYPTO_BASE32_SIZE(20), 33);
}
END_TEST

START_TEST(crypto_base32_decode_is_forgiving_but_checked)
{
	unsigned char	 out[64];

	ck_assert_int_eq(unb32("MZXW6YTBOI", out), 6);
	ck_assert(memcmp(out, "foobar", 6) == 0);
	ck_assert_int_eq(unb32("MZXW6YTBOI======", out), 6);
	ck_assert_int_eq(unb32("mzxw 6ytb oi", out), 6);
	ck_assert(memcmp(out, "foobar", 6) == 0);
	ck_assert_int_eq(unb32("MY======", out), 1);
	ck_assert_int_eq(unb32("", out), 0);
	ck_assert_int_eq(unb32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", out), 20);
	ck_assert(memcmp(out, "12345678901234567890", 20) == 0);
	/* Bad characters, padding in the middle, impossible lengths. */
	ck_assert_int_eq(unb32("MZXW1", out), -1);
	ck_assert_int_eq(unb32("MZXW8", out), -1);
	ck_assert_int_eq(unb32("MZ-XW", out), -1);
	ck_assert_int_eq(unb32("MY==MY", out), -1);
	ck_assert_int_eq(unb32("M", out), -1);
	ck_assert_int_eq(unb32("MZX", out), -1);
	ck_assert_int_eq(unb32("MZXW6Y", out), -1);
	ck_assert_int_eq(unb32("MZXW\t6", out), -1);
}
END_TEST

START_TEST(crypto_base32_decode_respects_outsz)
{
	unsigned char	 out[8];
	size_t		 n;

	ck_assert_int_eq(crypto_base32_decode(out, 5, "MZXW6YTBOI", 10, &n), -1);
	ck_assert_int_eq(crypto_base32_decode(out, 6, "MZXW6YTBOI", 10, &n), 0);
	ck_assert_uint_eq(n, 6);
}
END_TEST

START_TEST(crypto_token_is_random_base64url)
{
	struct arena	*a = arena_new();
	unsigned char	 raw[64];
	char		*t1, *t2;
	size_t		 n;

	t1 = crypto_token(a, 32);
	t2 = crypto_token(a, 32);
	ck_assert_uint_eq(strlen(t1), 43);
	ck_assert_str_ne(t1, t2);
	ck_assert_int_eq(crypto_b64url_decode(raw, sizeof(raw), t1, strlen(t1),
	    &n), 0);
	ck_assert_uint_eq(n, 32);
	ck_assert_str_eq(crypto_token(a, 0), "");
	arena_free(a);
}
END_TEST

START_TEST(crypto_sha256_hex_is_lowercase)
{
	struct arena	*a = arena_new();

	ck_assert_str_eq(crypto_sha256_hex(a, "abc", 3),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	arena_free(a);
}
END_TEST

static Suite *
crypto_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("crypto");
	tc = tcase_create("digest");
	tcase_add_test(tc, crypto_sha256_matches_fips_vectors);
	tcase_add_test(tc, crypto_hmac_matches_rfc_vectors);
	tcase_add_test(tc, crypto_hmac_accepts_empty_key);
	tcase_add_test(tc, crypto_equal_compares_every_byte);
	tcase_add_test(tc, crypto_random_fills_differently);
	tcase_add_test(tc, crypto_token_is_random_base64url);
	tcase_add_test(tc, crypto_sha256_hex_is_lowercase);
	suite_add_tcase(s, tc);

	tc = tcase_create("codec");
	tcase_add_test(tc, crypto_b64url_encodes_rfc4648_vectors);
	tcase_add_exit_test(tc, crypto_b64url_encode_short_buffer_is_fatal, 1);
	tcase_add_test(tc, crypto_b64url_decodes_round_trip);
	tcase_add_test(tc, crypto_b64url_decode_is_strict);
	tcase_add_test(tc, crypto_base32_encodes_rfc4648_vectors);
	tcase_add_test(tc, crypto_base32_decode_is_forgiving_but_checked);
	tcase_add_test(tc, crypto_base32_decode_respects_outsz);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(crypto_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
