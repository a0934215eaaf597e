/*
 * check_link.c: buyers' links derived from token_secret: the 32-character
 * minimum, download tokens, order keys and unsubscribe proofs checked
 * against HMAC-SHA256 computed here with OpenSSL and a base64url encoder of
 * our own, the constant-time checks, new links and batches, link_url and
 * link_hash_hex. Configuration comes from $COLMENA_* and conf_load(NULL).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "arena.h"
#include "conf.h"
#include "link.h"

#define SECRET_A	"0123456789abcdef0123456789abcdef"	/* 32 */
#define SECRET_B	"fedcba9876543210fedcba9876543210"	/* 32 */
#define ORDER_1		"5f0c6a1e-3b2d-4c8e-9a7f-1d2e3f4a5b6c"
#define ORDER_2		"5f0c6a1e-3b2d-4c8e-9a7f-1d2e3f4a5b6d"
#define STORE_1		"0b7e3c2a-9d4f-4e1b-8c6a-2f3e4d5c6b7a"
#define STORE_2		"0b7e3c2a-9d4f-4e1b-8c6a-2f3e4d5c6b7b"

extern char	**environ;

static struct arena	*a;

/* Drop every $COLMENA_* the test runner may have set. */
static void
clear_colmena_env(void)
{
	char	 name[256];
	size_t	 n;
	int	 again = 1;

	while (again) {
		again = 0;
		for (n = 0; environ[n] != NULL; n++) {
			if (strncmp(environ[n], "COLMENA_", 8) != 0)
				continue;
			snprintf(name, sizeof(name), "%.*s",
			    (int)strcspn(environ[n], "="), environ[n]);
			unsetenv(name);
			again = 1;
			break;
		}
	}
}

static void
setup(void)
{
	clear_colmena_env();
	a = arena_new();
}

static void
teardown(void)
{
	arena_free(a);
	conf_free();
}

/* Load the configuration with this token_secret and public_url (NULL: unset). */
static void
load(const char *secret, const char *public_url)
{
	char	 err[256];

	conf_free();
	if (secret != NULL)
		ck_assert_int_eq(setenv("COLMENA_TOKEN_SECRET", secret, 1), 0);
	else
		unsetenv("COLMENA_TOKEN_SECRET");
	if (public_url != NULL)
		ck_assert_int_eq(setenv("COLMENA_PUBLIC_URL", public_url, 1), 0);
	else
		unsetenv("COLMENA_PUBLIC_URL");
	ck_assert_msg(conf_load(NULL, err, sizeof(err)) == 0, "conf: %s", err);
}

/* base64url without padding, written independently of src/crypto.c. */
static void
b64url(const unsigned char *p, size_t n, char *out)
{
	static const char	 abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t			 i, bits = 0, o = 0;
	unsigned int		 acc = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = abc[(acc >> bits) & 0x3f];
		}
	}
	if (bits > 0)
		out[o++] = abc[(acc << (6 - bits)) & 0x3f];
	out[o] = '\0';
}

/* base64url(HMAC-SHA256(key, msg)) with OpenSSL's HMAC(); static buffer. */
static const char *
want_mac(const char *key, const char *msg)
{
	static char	 out[64];
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;

	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, (int)strlen(key),
	    (const unsigned char *)msg, strlen(msg), md, &mdlen));
	ck_assert_uint_eq(mdlen, 32);
	b64url(md, mdlen, out);
	ck_assert_uint_eq(strlen(out), 43);
	return out;
}

/* SHA-256 of s as lower-case hex with OpenSSL's SHA256(); static buffer. */
static const char *
want_sha256_hex(const char *s)
{
	static char	 out[65];
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	size_t		 i;

	SHA256((const unsigned char *)s, strlen(s), md);
	for (i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return out;
}

static bool
is_b64url(const char *s, size_t n)
{
	size_t	 i;

	if (strlen(s) != n)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

/* A canonical lower-case version 4 (RFC 4122 variant) UUID. */
static bool
is_uuid_v4_lower(const char *s)
{
	size_t	 i;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

/* Split s at each sep into at most max parts (copies in the arena). */
static size_t
split(const char *s, int sep, char **parts, size_t max)
{
	const char	*p = s, *sp;
	size_t		 n = 0;

	if (*s == '\0')
		return 0;
	for (;;) {
		ck_assert_uint_lt(n, max);
		sp = strchr(p, sep);
		parts[n++] = arena_strndup(a, p, sp == NULL ? strlen(p) :
		    (size_t)(sp - p));
		if (sp == NULL)
			return n;
		p = sp + 1;
	}
}

START_TEST(link_configured_needs_32_characters)
{
	load(NULL, NULL);
	ck_assert(!link_configured());
	load("", NULL);
	ck_assert(!link_configured());
	load("0123456789abcdef0123456789abcde", NULL);	/* 31 */
	ck_assert(!link_configured());
	load(SECRET_A, NULL);
	ck_assert(link_configured());
	load(SECRET_A SECRET_B, NULL);
	ck_assert(link_configured());
}
END_TEST

START_TEST(link_download_token_is_43_base64url_characters)
{
	char	*t;

	load(SECRET_A, NULL);
	t = link_download_token(a, ORDER_1);
	ck_assert_uint_eq(strlen(t), LINK_TOKEN_LEN);
	ck_assert_msg(is_b64url(t, 43), "not base64url: %s", t);
}
END_TEST

START_TEST(link_download_token_is_deterministic_per_id)
{
	struct arena	*b;
	char		*t1, *t2, *t3;

	load(SECRET_A, NULL);
	t1 = link_download_token(a, ORDER_1);
	b = arena_new();
	t2 = link_download_token(b, ORDER_1);
	ck_assert_str_eq(t1, t2);
	arena_free(b);
	t3 = link_download_token(a, ORDER_2);
	ck_assert_str_ne(t1, t3);
}
END_TEST

START_TEST(link_download_token_depends_on_secret)
{
	char	*ta, *tb;

	load(SECRET_A, NULL);
	ta = link_download_token(a, ORDER_1);
	load(SECRET_B, NULL);
	tb = link_download_token(a, ORDER_1);
	ck_assert_str_ne(ta, tb);
	/* Reloading the first secret gives the first token back. */
	load(SECRET_A, NULL);
	ck_assert_str_eq(link_download_token(a, ORDER_1), ta);
}
END_TEST

START_TEST(link_download_token_matches_independent_hmac)
{
	load(SECRET_A, NULL);
	ck_assert_str_eq(link_download_token(a, ORDER_1),
	    want_mac(SECRET_A, "colmena-download:" ORDER_1));
	ck_assert_str_eq(link_download_token(a, ORDER_2),
	    want_mac(SECRET_A, "colmena-download:" ORDER_2));
	load(SECRET_B, NULL);
	ck_assert_str_eq(link_download_token(a, ORDER_1),
	    want_mac(SECRET_B, "colmena-download:" ORDER_1));
}
END_TEST

START_TEST(link_order_key_matches_independent_hmac)
{
	char	*k;

	load(SECRET_A, NULL);
	k = link_order_key(a, ORDER_1);
	ck_assert_msg(is_b64url(k, LINK_TOKEN_LEN), "not base64url: %s", k);
	ck_assert_str_eq(k, want_mac(SECRET_A, "colmena-order:" ORDER_1));
	ck_assert_str_eq(link_order_key(a, ORDER_2),
	    want_mac(SECRET_A, "colmena-order:" ORDER_2));
	/* The purpose label keeps a key from equalling a download token. */
	ck_assert_str_ne(k, link_download_token(a, ORDER_1));
	load(SECRET_B, NULL);
	ck_assert_str_eq(link_order_key(a, ORDER_1),
	    want_mac(SECRET_B, "colmena-order:" ORDER_1));
}
END_TEST

START_TEST(link_order_key_ok_accepts_only_the_right_key)
{
	char	*k, *bad;

	load(SECRET_A, NULL);
	k = link_order_key(a, ORDER_1);
	ck_assert(link_order_key_ok(a, ORDER_1, k));
	ck_assert(link_order_key_ok(a, ORDER_1,
	    want_mac(SECRET_A, "colmena-order:" ORDER_1)));
	/* One character changed, first and last. */
	bad = arena_strdup(a, k);
	bad[0] = bad[0] == 'A' ? 'B' : 'A';
	ck_assert(!link_order_key_ok(a, ORDER_1, bad));
	bad = arena_strdup(a, k);
	bad[42] = bad[42] == 'A' ? 'B' : 'A';
	ck_assert(!link_order_key_ok(a, ORDER_1, bad));
	/* Truncated, extended, empty, missing. */
	ck_assert(!link_order_key_ok(a, ORDER_1, arena_strndup(a, k, 42)));
	ck_assert(!link_order_key_ok(a, ORDER_1, arena_printf(a, "%sA", k)));
	ck_assert(!link_order_key_ok(a, ORDER_1, ""));
	ck_assert(!link_order_key_ok(a, ORDER_1, NULL));
	/* Another order's key, and this order's download token. */
	ck_assert(!link_order_key_ok(a, ORDER_1, link_order_key(a, ORDER_2)));
	ck_assert(!link_order_key_ok(a, ORDER_2, k));
	ck_assert(!link_order_key_ok(a, ORDER_1,
	    link_download_token(a, ORDER_1)));
	/* The right key under another secret. */
	load(SECRET_B, NULL);
	ck_assert(!link_order_key_ok(a, ORDER_1, k));
}
END_TEST

START_TEST(link_order_key_ok_false_without_secret)
{
	char	*k;

	/* A key made with the empty secret is still refused. */
	load(NULL, NULL);
	k = link_order_key(a, ORDER_1);
	ck_assert_uint_eq(strlen(k), LINK_TOKEN_LEN);
	ck_assert(!link_order_key_ok(a, ORDER_1, k));
	ck_assert(!link_order_key_ok(a, ORDER_1, want_mac("",
	    "colmena-order:" ORDER_1)));
	/* Likewise with a secret one character short. */
	load("0123456789abcdef0123456789abcde", NULL);
	k = link_order_key(a, ORDER_1);
	ck_assert(!link_order_key_ok(a, ORDER_1, k));
}
END_TEST

START_TEST(link_unsubscribe_path_has_store_hash_and_proof)
{
	const char	*hash, *want;
	char		*p;

	load(SECRET_A, NULL);
	hash = arena_strdup(a, want_sha256_hex("ana@example.com"));
	want = arena_printf(a, "/unsubscribe/%s/%s/%s", STORE_1, hash,
	    want_mac(SECRET_A, arena_printf(a, "colmena-unsubscribe:%s:%s",
	    STORE_1, hash)));
	p = link_unsubscribe(a, STORE_1, "ana@example.com");
	ck_assert_str_eq(p, want);
	ck_assert_uint_eq(strlen(p), strlen("/unsubscribe/") + 36 + 1 + 64 +
	    1 + 43);
}
END_TEST

START_TEST(link_unsubscribe_ignores_email_case)
{
	char	*lower, *mixed;

	load(SECRET_A, NULL);
	lower = link_unsubscribe(a, STORE_1, "ana.perez@example.com");
	mixed = link_unsubscribe(a, STORE_1, "Ana.PEREZ@Example.COM");
	ck_assert_str_eq(lower, mixed);
	ck_assert_ptr_nonnull(strstr(mixed,
	    want_sha256_hex("ana.perez@example.com")));
	/* Another address, another store: other links. */
	ck_assert_str_ne(lower, link_unsubscribe(a, STORE_1,
	    "ana.perez@example.org"));
	ck_assert_str_ne(lower, link_unsubscribe(a, STORE_2,
	    "ana.perez@example.com"));
}
END_TEST

START_TEST(link_unsubscribe_ok_accepts_only_its_proof)
{
	char	*parts[8], *hash, *proof, *bad;

	load(SECRET_A, NULL);
	/* "/unsubscribe/{store}/{hash}/{proof}" */
	ck_assert_uint_eq(split(link_unsubscribe(a, STORE_1, "ana@example.com"),
	    '/', parts, 8), 5);
	ck_assert_str_eq(parts[0], "");
	ck_assert_str_eq(parts[1], "unsubscribe");
	ck_assert_str_eq(parts[2], STORE_1);
	hash = parts[3];
	proof = parts[4];
	ck_assert(link_unsubscribe_ok(a, STORE_1, hash, proof));
	ck_assert(!link_unsubscribe_ok(a, STORE_2, hash, proof));
	ck_assert(!link_unsubscribe_ok(a, STORE_1,
	    want_sha256_hex("bob@example.com"), proof));
	bad = arena_strdup(a, proof);
	bad[10] = bad[10] == 'x' ? 'y' : 'x';
	ck_assert(!link_unsubscribe_ok(a, STORE_1, hash, bad));
	ck_assert(!link_unsubscribe_ok(a, STORE_1, hash,
	    arena_strndup(a, proof, 42)));
	ck_assert(!link_unsubscribe_ok(a, STORE_1, hash, NULL));
	ck_assert(!link_unsubscribe_ok(a, STORE_1, hash, ""));
	/* An order key is no proof. */
	ck_assert(!link_unsubscribe_ok(a, STORE_1, hash,
	    link_order_key(a, STORE_1)));
	load(SECRET_B, NULL);
	ck_assert(!link_unsubscribe_ok(a, STORE_1, hash, proof));
	/* Without a secret even the empty secret's proof is refused. */
	load(NULL, NULL);
	ck_assert(!link_unsubscribe_ok(a, STORE_1, hash, want_mac("",
	    arena_printf(a, "colmena-unsubscribe:%s:%s", STORE_1, hash))));
}
END_TEST

START_TEST(link_download_new_gives_uuid_and_derived_token)
{
	const char	*id1, *tok1, *id2, *tok2;

	load(SECRET_A, NULL);
	link_download_new(a, &id1, &tok1);
	link_download_new(a, &id2, &tok2);
	ck_assert_msg(is_uuid_v4_lower(id1), "not a v4 UUID: %s", id1);
	ck_assert_msg(is_uuid_v4_lower(id2), "not a v4 UUID: %s", id2);
	ck_assert_str_ne(id1, id2);
	ck_assert_str_eq(tok1, link_download_token(a, id1));
	ck_assert_str_eq(tok1, want_mac(SECRET_A,
	    arena_printf(a, "colmena-download:%s", id1)));
	ck_assert_str_eq(tok2, want_mac(SECRET_A,
	    arena_printf(a, "colmena-download:%s", id2)));
}
END_TEST

START_TEST(link_download_new_without_secret_gives_random_token)
{
	const char	*id1, *tok1, *id2, *tok2;

	load(NULL, NULL);
	link_download_new(a, &id1, &tok1);
	link_download_new(a, &id2, &tok2);
	ck_assert(is_uuid_v4_lower(id1));
	ck_assert_msg(is_b64url(tok1, LINK_TOKEN_LEN), "bad token %s", tok1);
	ck_assert_msg(is_b64url(tok2, LINK_TOKEN_LEN), "bad token %s", tok2);
	ck_assert_str_ne(tok1, tok2);
	/* Not derived from the id with the empty secret. */
	ck_assert_str_ne(tok1, want_mac("",
	    arena_printf(a, "colmena-download:%s", id1)));
	ck_assert_str_ne(tok1, link_download_token(a, id1));
}
END_TEST

START_TEST(link_download_batch_lists_ids_and_tokens_in_order)
{
	const char	*ids, *tokens;
	char		*id[8], *tok[8];
	size_t		 i, j, nid, ntok;

	load(SECRET_A, NULL);
	link_download_batch(a, 5, &ids, &tokens);
	ck_assert_uint_eq(strlen(ids), 5 * 37 - 1);
	ck_assert_uint_eq(strlen(tokens), 5 * 44 - 1);
	nid = split(ids, ' ', id, 8);
	ntok = split(tokens, ' ', tok, 8);
	ck_assert_uint_eq(nid, 5);
	ck_assert_uint_eq(ntok, 5);
	for (i = 0; i < 5; i++) {
		ck_assert_msg(is_uuid_v4_lower(id[i]), "id %zu: %s", i, id[i]);
		ck_assert_str_eq(tok[i], want_mac(SECRET_A,
		    arena_printf(a, "colmena-download:%s", id[i])));
		for (j = 0; j < i; j++)
			ck_assert_str_ne(id[i], id[j]);
	}
}
END_TEST

START_TEST(link_download_batch_of_one_and_none)
{
	const char	*ids, *tokens;

	load(SECRET_A, NULL);
	link_download_batch(a, 1, &ids, &tokens);
	ck_assert(is_uuid_v4_lower(ids));
	ck_assert_str_eq(tokens, link_download_token(a, ids));
	link_download_batch(a, 0, &ids, &tokens);
	ck_assert_str_eq(ids, "");
	ck_assert_str_eq(tokens, "");
}
END_TEST

START_TEST(link_download_batch_without_secret_gives_random_tokens)
{
	const char	*ids, *tokens;
	char		*id[4], *tok[4];
	size_t		 i;

	load(NULL, NULL);
	link_download_batch(a, 3, &ids, &tokens);
	ck_assert_uint_eq(split(ids, ' ', id, 4), 3);
	ck_assert_uint_eq(split(tokens, ' ', tok, 4), 3);
	for (i = 0; i < 3; i++) {
		ck_assert(is_uuid_v4_lower(id[i]));
		ck_assert_msg(is_b64url(tok[i], LINK_TOKEN_LEN), "token %zu: %s",
		    i, tok[i]);
		ck_assert_str_ne(tok[i], want_mac("",
		    arena_printf(a, "colmena-download:%s", id[i])));
	}
	ck_assert_str_ne(tok[0], tok[1]);
	ck_assert_str_ne(tok[1], tok[2]);
}
END_TEST

START_TEST(link_url_joins_public_url_and_path)
{
	load(SECRET_A, "https://shop.example");
	ck_assert_str_eq(link_url(a, "/orders/x"), "https://shop.example/orders/x");
	load(SECRET_A, "https://shop.example/");
	ck_assert_str_eq(link_url(a, "/orders/x"), "https://shop.example/orders/x");
	load(SECRET_A, "https://shop.example///");
	ck_assert_str_eq(link_url(a, "/d/tok"), "https://shop.example/d/tok");
	load(SECRET_A, "https://example.com/colmena/");
	ck_assert_str_eq(link_url(a, "/d/tok"),
	    "https://example.com/colmena/d/tok");
	ck_assert_str_eq(link_url(a, ""), "https://example.com/colmena");
	/* The default public_url. */
	load(SECRET_A, NULL);
	ck_assert_str_eq(link_url(a, "/"), "http://127.0.0.1:8080/");
}
END_TEST

START_TEST(link_hash_hex_is_sha256_hex)
{
	const char	*tok;

	load(SECRET_A, NULL);
	ck_assert_str_eq(link_hash_hex(a, "abc"),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	tok = link_download_token(a, ORDER_1);
	ck_assert_str_eq(link_hash_hex(a, tok), want_sha256_hex(tok));
	ck_assert_str_ne(link_hash_hex(a, tok), tok);
}
END_TEST

static Suite *
link_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("link");
	tc = tcase_create("derive");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, link_configured_needs_32_characters);
	tcase_add_test(tc, link_download_token_is_43_base64url_characters);
	tcase_add_test(tc, link_download_token_is_deterministic_per_id);
	tcase_add_test(tc, link_download_token_depends_on_secret);
	tcase_add_test(tc, link_download_token_matches_independent_hmac);
	tcase_add_test(tc, link_order_key_matches_independent_hmac);
	tcase_add_test(tc, link_order_key_ok_accepts_only_the_right_key);
	tcase_add_test(tc, link_order_key_ok_false_without_secret);
	suite_add_tcase(s, tc);

	tc = tcase_create("unsubscribe");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, link_unsubscribe_path_has_store_hash_and_proof);
	tcase_add_test(tc, link_unsubscribe_ignores_email_case);
	tcase_add_test(tc, link_unsubscribe_ok_accepts_only_its_proof);
	suite_add_tcase(s, tc);

	tc = tcase_create("new");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, link_download_new_gives_uuid_and_derived_token);
	tcase_add_test(tc, link_download_new_without_secret_gives_random_token);
	tcase_add_test(tc, link_download_batch_lists_ids_and_tokens_in_order);
	tcase_add_test(tc, link_download_batch_of_one_and_none);
	tcase_add_test(tc, link_download_batch_without_secret_gives_random_tokens);
	suite_add_tcase(s, tc);

	tc = tcase_create("url");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, link_url_joins_public_url_and_path);
	tcase_add_test(tc, link_hash_hex_is_sha256_hex);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(link_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
