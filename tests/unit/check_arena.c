/*
 * check_arena.c: the per-request bump allocator: 16-byte alignment, blocks
 * larger than a chunk, the string helpers, deferred destructors run last
 * first on reset and on free, and reuse of the kept chunk after a reset.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "arena.h"

#define CHUNK	(64 * 1024)

static struct arena	*a;
static int		 order[8];
static int		 norder;

static void
setup(void)
{
	a = arena_new();
	norder = 0;
}

static void
teardown(void)
{
	arena_free(a);
}

static void
record(void *arg)
{
	if (norder < (int)(sizeof(order) / sizeof(order[0])))
		order[norder] = *(int *)arg;
	norder++;
}

START_TEST(arena_alloc_is_16_byte_aligned)
{
	size_t	 sizes[] = { 1, 3, 7, 15, 16, 17, 31, 33, 100, 0 };
	size_t	 i;
	void	*p;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p = arena_alloc(a, sizes[i]);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % 16, 0);
	}
}
END_TEST

START_TEST(arena_alloc_zero_gives_distinct_pointers)
{
	char	*p, *q;

	p = arena_alloc(a, 0);
	q = arena_alloc(a, 0);
	ck_assert_ptr_ne(p, q);
}
END_TEST

START_TEST(arena_alloc_blocks_do_not_overlap)
{
	unsigned char	*p, *q;
	size_t		 i;

	p = arena_alloc(a, 20);
	q = arena_alloc(a, 20);
	memset(p, 0xaa, 20);
	memset(q, 0x55, 20);
	for (i = 0; i < 20; i++)
		ck_assert_uint_eq(p[i], 0xaa);
	ck_assert_uint_ge((uintptr_t)q - (uintptr_t)p, 20);
}
END_TEST

START_TEST(arena_alloc_beyond_chunk_size_is_usable)
{
	unsigned char	*big, *small;
	size_t		 n = 3 * CHUNK + 5, i;

	small = arena_alloc(a, 10);
	big = arena_alloc(a, n);
	ck_assert_uint_eq((uintptr_t)big % 16, 0);
	memset(big, 0x5a, n);		/* ASan catches a short block */
	for (i = 0; i < n; i += 4093)
		ck_assert_uint_eq(big[i], 0x5a);
	ck_assert_uint_eq(big[n - 1], 0x5a);
	memset(small, 1, 10);
	ck_assert_uint_eq(big[0], 0x5a);
	ck_assert_uint_ge(arena_used(a), n + 10);
}
END_TEST

START_TEST(arena_alloc_fills_chunk_then_continues_in_new_one)
{
	unsigned char	*p;
	size_t		 i;

	/* 100 blocks of 1 KiB cross the first 64 KiB chunk. */
	for (i = 0; i < 100; i++) {
		p = arena_alloc(a, 1024);
		memset(p, (int)i, 1024);
		ck_assert_uint_eq((uintptr_t)p % 16, 0);
	}
	ck_assert_uint_eq(arena_used(a), 100 * 1024);
}
END_TEST

START_TEST(arena_calloc_returns_zeroed_memory)
{
	unsigned char	*p;
	size_t		 i;

	p = arena_alloc(a, 64);
	memset(p, 0xff, 64);
	arena_reset(a);
	p = arena_calloc(a, 16, 4);	/* reuses the dirtied bytes */
	for (i = 0; i < 64; i++)
		ck_assert_uint_eq(p[i], 0);
}
END_TEST

START_TEST(arena_strdup_copies_string)
{
	char	 src[] = "colmena";
	char	*p;

	p = arena_strdup(a, src);
	ck_assert_ptr_ne(p, src);
	src[0] = 'X';
	ck_assert_str_eq(p, "colmena");
	ck_assert_str_eq(arena_strdup(a, ""), "");
}
END_TEST

START_TEST(arena_strndup_stops_at_n_and_terminates)
{
	char	*p;

	p = arena_strndup(a, "abcdef", 3);
	ck_assert_str_eq(p, "abc");
	ck_assert_uint_eq(strlen(p), 3);
	p = arena_strndup(a, "abcdef", 0);
	ck_assert_str_eq(p, "");
}
END_TEST

START_TEST(arena_strndup_copies_embedded_nul)
{
	char	*p;

	p = arena_strndup(a, "a\0b", 3);
	ck_assert_int_eq(memcmp(p, "a\0b\0", 4), 0);
}
END_TEST

START_TEST(arena_printf_formats)
{
	ck_assert_str_eq(arena_printf(a, "%s-%d-%05.1f", "x", 42, 2.5),
	    "x-42-002.5");
	ck_assert_str_eq(arena_printf(a, "%s", ""), "");
}
END_TEST

START_TEST(arena_printf_longer_than_chunk)
{
	char	*big, *p;
	size_t	 n = CHUNK + 100;

	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'q', n);
	big[n] = '\0';
	p = arena_printf(a, "<%s>", big);
	ck_assert_uint_eq(strlen(p), n + 2);
	ck_assert_int_eq(p[0], '<');
	ck_assert_int_eq(p[n + 1], '>');
	ck_assert_int_eq(p[n / 2], 'q');
	free(big);
}
END_TEST

START_TEST(arena_defer_runs_lifo_on_reset)
{
	static int	 v[3] = { 1, 2, 3 };

	arena_defer(a, record, &v[0]);
	arena_defer(a, record, &v[1]);
	arena_defer(a, record, &v[2]);
	ck_assert_int_eq(norder, 0);
	arena_reset(a);
	ck_assert_int_eq(norder, 3);
	ck_assert_int_eq(order[0], 3);
	ck_assert_int_eq(order[1], 2);
	ck_assert_int_eq(order[2], 1);
}
END_TEST

START_TEST(arena_defer_runs_once_not_again_on_next_reset)
{
	static int	 v = 7;

	arena_defer(a, record, &v);
	arena_reset(a);
	arena_reset(a);
	ck_assert_int_eq(norder, 1);
}
END_TEST

START_TEST(arena_defer_runs_lifo_on_free)
{
	static int	 v[2] = { 10, 20 };
	struct arena	*b;

	b = arena_new();
	arena_defer(b, record, &v[0]);
	arena_alloc(b, 2 * CHUNK);	/* destructors survive chunk changes */
	arena_defer(b, record, &v[1]);
	arena_free(b);
	ck_assert_int_eq(norder, 2);
	ck_assert_int_eq(order[0], 20);
	ck_assert_int_eq(order[1], 10);
}
END_TEST

START_TEST(arena_defer_frees_heap_object)
{
	/* Under ASan a missed destructor shows as a leak. */
	arena_defer(a, free, malloc(32));
	arena_defer(a, free, malloc(64));
}
END_TEST

START_TEST(arena_free_null_is_noop)
{
	arena_free(NULL);
	ck_assert_uint_eq(arena_used(a), 0);
}
END_TEST

START_TEST(arena_used_grows_by_at_least_the_request)
{
	size_t	 before;

	ck_assert_uint_eq(arena_used(a), 0);
	arena_alloc(a, 1);
	ck_assert_uint_ge(arena_used(a), 1);
	before = arena_used(a);
	arena_alloc(a, 17);
	ck_assert_uint_ge(arena_used(a), before + 17);
}
END_TEST

START_TEST(arena_reset_sets_used_to_zero)
{
	arena_alloc(a, 100);
	arena_alloc(a, 5 * CHUNK);
	arena_strdup(a, "x");
	ck_assert_uint_gt(arena_used(a), 0);
	arena_reset(a);
	ck_assert_uint_eq(arena_used(a), 0);
}
END_TEST

START_TEST(arena_reset_reuses_first_chunk)
{
	void	*first, *again;

	first = arena_alloc(a, 100);
	arena_reset(a);
	again = arena_alloc(a, 100);
	ck_assert_ptr_eq(first, again);
}
END_TEST

START_TEST(arena_reset_after_big_alloc_reuses_first_chunk)
{
	void	*first, *again;

	first = arena_alloc(a, 16);
	arena_alloc(a, 4 * CHUNK);
	arena_alloc(a, CHUNK - 8);
	arena_reset(a);
	again = arena_alloc(a, 16);
	ck_assert_ptr_eq(first, again);
}
END_TEST

START_TEST(arena_many_reset_cycles_do_not_grow)
{
	static int	 v = 1;
	void		*first, *p;
	int		 i, j;

	first = arena_alloc(a, 32);
	arena_reset(a);
	for (i = 0; i < 1000; i++) {
		p = arena_alloc(a, 32);
		ck_assert_ptr_eq(p, first);
		for (j = 0; j < 40; j++)
			arena_printf(a, "request %d line %d", i, j);
		if (i % 100 == 0)
			arena_alloc(a, 2 * CHUNK);
		arena_defer(a, record, &v);
		arena_reset(a);
		ck_assert_uint_eq(arena_used(a), 0);
	}
	ck_assert_int_eq(norder, 1000);
}
END_TEST

static Suite *
arena_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("arena");
	tc = tcase_create("alloc");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, arena_alloc_is_16_byte_aligned);
	tcase_add_test(tc, arena_alloc_zero_gives_distinct_pointers);
	tcase_add_test(tc, arena_alloc_blocks_do_not_overlap);
	tcase_add_test(tc, arena_alloc_beyond_chunk_size_is_usable);
	tcase_add_test(tc, arena_alloc_fills_chunk_then_continues_in_new_one);
	tcase_add_test(tc, arena_calloc_returns_zeroed_memory);
	tcase_add_test(tc, arena_used_grows_by_at_least_the_request);
	suite_add_tcase(s, tc);

	tc = tcase_create("strings");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, arena_strdup_copies_string);
	tcase_add_test(tc, arena_strndup_stops_at_n_and_terminates);
	tcase_add_test(tc, arena_strndup_copies_embedded_nul);
	tcase_add_test(tc, arena_printf_formats);
	tcase_add_test(tc, arena_printf_longer_than_chunk);
	suite_add_tcase(s, tc);

	tc = tcase_create("defer");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, arena_defer_runs_lifo_on_reset);
	tcase_add_test(tc, arena_defer_runs_once_not_again_on_next_reset);
	tcase_add_test(tc, arena_defer_runs_lifo_on_free);
	tcase_add_test(tc, arena_defer_frees_heap_object);
	tcase_add_test(tc, arena_free_null_is_noop);
	suite_add_tcase(s, tc);

	tc = tcase_create("reset");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, arena_reset_sets_used_to_zero);
	tcase_add_test(tc, arena_reset_reuses_first_chunk);
	tcase_add_test(tc, arena_reset_after_big_alloc_reuses_first_chunk);
	tcase_add_test(tc, arena_many_reset_cycles_do_not_grow);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(arena_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
