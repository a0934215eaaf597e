/*
 * check_range.c: Range headers against file sizes: first, middle and last
 * bytes, suffix ranges, open ends, unsatisfiable and ignored forms.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <check.h>

#include "range.h"

static void
expect(const char *h, int64_t size, enum range_result want, int64_t ws,
    int64_t we)
{
	int64_t			 s = -7, e = -7;
	enum range_result	 got;

	got = range_parse(h, size, &s, &e);
	ck_assert_msg(got == want, "%s on %lld: result %d, want %d", h,
	    (long long)size, got, want);
	if (want == RANGE_OK) {
		ck_assert_msg(s == ws && e == we, "%s on %lld: %lld-%lld, want "
		    "%lld-%lld", h, (long long)size, (long long)s, (long long)e,
		    (long long)ws, (long long)we);
	}
}

START_TEST(ranges_ok)
{
	expect("bytes=0-0", 100, RANGE_OK, 0, 0);		/* first byte */
	expect("bytes=99-99", 100, RANGE_OK, 99, 99);		/* last byte */
	expect("bytes=40-59", 100, RANGE_OK, 40, 59);		/* middle */
	expect("bytes=50-", 100, RANGE_OK, 50, 99);		/* open end */
	expect("bytes=-1", 100, RANGE_OK, 99, 99);		/* suffix */
	expect("bytes=-30", 100, RANGE_OK, 70, 99);
	expect("bytes=-500", 100, RANGE_OK, 0, 99);		/* all of it */
	expect("bytes=90-1000", 100, RANGE_OK, 90, 99);		/* clipped */
	expect("bytes= 5-6", 100, RANGE_OK, 5, 6);
}
END_TEST

START_TEST(ranges_unsatisfiable)
{
	expect("bytes=100-", 100, RANGE_UNSATISFIABLE, 0, 0);
	expect("bytes=100-200", 100, RANGE_UNSATISFIABLE, 0, 0);
	expect("bytes=-0", 100, RANGE_UNSATISFIABLE, 0, 0);
	expect("bytes=0-", 0, RANGE_UNSATISFIABLE, 0, 0);
	expect("bytes=-5", 0, RANGE_UNSATISFIABLE, 0, 0);
}
END_TEST

START_TEST(ranges_ignored)
{
	expect(NULL, 100, RANGE_NONE, 0, 0);
	expect("", 100, RANGE_NONE, 0, 0);
	expect("bytes=", 100, RANGE_NONE, 0, 0);
	expect("bytes=5", 100, RANGE_NONE, 0, 0);
	expect("bytes=9-3", 100, RANGE_NONE, 0, 0);		/* end < start */
	expect("bytes=0-1,5-6", 100, RANGE_NONE, 0, 0);		/* several */
	expect("items=0-1", 100, RANGE_NONE, 0, 0);
	expect("bytes=a-b", 100, RANGE_NONE, 0, 0);
	expect("bytes=1-2x", 100, RANGE_NONE, 0, 0);
	expect("bytes=-", 100, RANGE_NONE, 0, 0);
	expect("bytes=1234567890123456789-", 100, RANGE_NONE, 0, 0);
	expect("bytes=--5", 100, RANGE_NONE, 0, 0);
}
END_TEST

START_TEST(ranges_resume)
{
	ck_assert(range_resumes("bytes=1000-"));
	ck_assert(range_resumes("bytes=1-1999"));
	ck_assert(!range_resumes("bytes=0-"));
	ck_assert(!range_resumes("bytes=0-99"));
	ck_assert(!range_resumes("bytes=-999999999"));	/* suffix: may be all */
	ck_assert(!range_resumes("bytes= -5"));
	ck_assert(!range_resumes("lines=5-"));
	ck_assert(!range_resumes("bytes=5-1,7-9"));
	ck_assert(!range_resumes("bytes=9-3"));
	ck_assert(!range_resumes(NULL));
	ck_assert(!range_resumes("bytes=x-"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("range");
	TCase	*tc = tcase_create("range");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, ranges_ok);
	tcase_add_test(tc, ranges_unsatisfiable);
	tcase_add_test(tc, ranges_ignored);
	tcase_add_test(tc, ranges_resume);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
