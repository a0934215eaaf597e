/*
 * check_cache.c: the per-process answer cache: hits and misses, time to
 * live, the byte bound with least-recently-used eviction, invalidation by
 * store, oversized answers, and the disabled cache.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <check.h>

#include "cache.h"

#define S1	"11111111-1111-4111-8111-111111111111"
#define S2	"22222222-2222-4222-8222-222222222222"

static const char *const origins[] = { "https://a.test", "https://b.test" };

static void
teardown(void)
{
	cache_free();
}

START_TEST(cache_returns_what_was_put)
{
	const struct cache_entry	*e;

	cache_init(1 << 20, 60);
	ck_assert_ptr_null(cache_get("/x", 100));
	cache_put("/x", S1, origins, 2, "{\"data\":1}", 10, 100);
	ck_assert_ptr_nonnull(e = cache_get("/x", 101));
	ck_assert_uint_eq(e->len, 10);
	ck_assert_mem_eq(e->body, "{\"data\":1}", 10);
	ck_assert_str_eq(e->store_id, S1);
	ck_assert_uint_eq(e->norigins, 2);
	ck_assert_str_eq(e->origins[1], "https://b.test");
	ck_assert_ptr_null(cache_get("/x?y", 101));
}
END_TEST

START_TEST(cache_entry_expires_after_ttl)
{
	cache_init(1 << 20, 60);
	cache_put("/x", S1, NULL, 0, "a", 1, 100);
	ck_assert_ptr_nonnull(cache_get("/x", 159));
	ck_assert_ptr_null(cache_get("/x", 160));
	/* A clock that went back is not trusted either. */
	cache_put("/y", S1, NULL, 0, "a", 1, 100);
	ck_assert_ptr_null(cache_get("/y", 99));
	ck_assert_uint_eq(cache_bytes(), 0);
}
END_TEST

START_TEST(cache_replaces_an_entry_with_the_same_key)
{
	const struct cache_entry	*e;
	size_t				 one;

	cache_init(1 << 20, 60);
	cache_put("/x", S1, NULL, 0, "old", 3, 100);
	one = cache_bytes();
	cache_put("/x", S1, NULL, 0, "new", 3, 100);
	ck_assert_uint_eq(cache_bytes(), one);
	ck_assert_ptr_nonnull(e = cache_get("/x", 100));
	ck_assert_mem_eq(e->body, "new", 3);
}
END_TEST

START_TEST(cache_evicts_least_recently_used_within_bound)
{
	char	 key[32], body[1000];
	int	 i;

	memset(body, 'x', sizeof(body));
	cache_init(16 * 1024, 60);
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "/k%d", i);
		cache_put(key, S1, NULL, 0, body, sizeof(body), 100);
	}
	/* Touch /k0 so that it is the most recently used. */
	ck_assert_ptr_nonnull(cache_get("/k0", 100));
	for (i = 10; i < 30; i++) {
		snprintf(key, sizeof(key), "/k%d", i);
		cache_put(key, S1, NULL, 0, body, sizeof(body), 100);
		ck_assert_uint_le(cache_bytes(), 16 * 1024);
	}
	ck_assert_ptr_null(cache_get("/k1", 100));
	ck_assert_ptr_nonnull(cache_get("/k29", 100));
}
END_TEST

START_TEST(cache_invalidates_one_store_only)
{
	cache_init(1 << 20, 60);
	cache_put("/s1/a", S1, NULL, 0, "a", 1, 100);
	cache_put("/s1/b", S1, NULL, 0, "b", 1, 100);
	cache_put("/s2/a", S2, NULL, 0, "c", 1, 100);
	cache_invalidate_store(S1);
	ck_assert_ptr_null(cache_get("/s1/a", 100));
	ck_assert_ptr_null(cache_get("/s1/b", 100));
	ck_assert_ptr_nonnull(cache_get("/s2/a", 100));
	cache_clear();
	ck_assert_ptr_null(cache_get("/s2/a", 100));
	ck_assert_uint_eq(cache_bytes(), 0);
}
END_TEST

START_TEST(cache_skips_answers_too_large_to_share)
{
	static char	 big[4096];

	cache_init(16 * 1024, 60);
	cache_put("/big", S1, NULL, 0, big, sizeof(big), 100);
	ck_assert_ptr_null(cache_get("/big", 100));
	cache_put("/small", S1, NULL, 0, big, 100, 100);
	ck_assert_ptr_nonnull(cache_get("/small", 100));
}
END_TEST

START_TEST(cache_disabled_by_zero_ttl_or_size)
{
	cache_init(1 << 20, 0);
	cache_put("/x", S1, NULL, 0, "a", 1, 100);
	ck_assert_ptr_null(cache_get("/x", 100));
	cache_init(0, 60);
	cache_put("/x", S1, NULL, 0, "a", 1, 100);
	ck_assert_ptr_null(cache_get("/x", 100));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("cache");
	TCase	*tc = tcase_create("lru");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, cache_returns_what_was_put);
	tcase_add_test(tc, cache_entry_expires_after_ttl);
	tcase_add_test(tc, cache_replaces_an_entry_with_the_same_key);
	tcase_add_test(tc, cache_evicts_least_recently_used_within_bound);
	tcase_add_test(tc, cache_invalidates_one_store_only);
	tcase_add_test(tc, cache_skips_answers_too_large_to_share);
	tcase_add_test(tc, cache_disabled_by_zero_ttl_or_size);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
