/*
 * check_ratelimit.c: the shared-memory rate limiter: the burst, the count
 * down and the refill, separate clients and classes, handles and processes
 * sharing one table, repair of a corrupt file, a full table, processes
 * killed holding the lock, and (printed, not asserted) takes per second.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "ratelimit.h"

#define T0	1700000000000LL		/* a fixed clock, in milliseconds */
#define NCHILD	4

static char	 path[256];

static void
setup(void)
{
	const char	*dir;
	int		 fd;

	if ((dir = getenv("TMPDIR")) == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/check_ratelimit.XXXXXX", dir);
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	close(fd);
}

static void
teardown(void)
{
	unlink(path);
}

static struct ratelimit *
open_table(size_t slots)
{
	struct ratelimit	*rl;

	rl = ratelimit_open(path, slots);
	ck_assert_ptr_nonnull(rl);
	return rl;
}

/* Take once at now_ms and say whether it was allowed. */
static int
take(struct ratelimit *rl, const char *cls, const char *client,
    int64_t limit, int64_t now_ms)
{
	struct rl_result	 r;

	ratelimit_take_at(rl, cls, client, limit, 60, now_ms, &r);
	return r.allowed;
}

START_TEST(ratelimit_allows_exactly_limit_in_a_burst)
{
	struct ratelimit	*rl = open_table(1024);
	struct rl_result	 r;
	int			 i;

	for (i = 0; i < 100; i++) {
		ratelimit_take_at(rl, "public", "1.2.3.4", 100, 60, T0, &r);
		ck_assert(r.allowed);
		ck_assert_int_eq(r.limit, 100);
		ck_assert_int_eq(r.remaining, 99 - i);
		ck_assert_int_eq(r.retry_after, 0);
	}
	ck_assert_int_eq(r.reset, 60);
	ratelimit_take_at(rl, "public", "1.2.3.4", 100, 60, T0, &r);
	ck_assert(!r.allowed);
	ck_assert_int_eq(r.remaining, 0);
	ck_assert_int_eq(r.retry_after, 1);	/* 600 ms, rounded up */
	ck_assert_int_eq(r.reset, 60);
	ratelimit_close(rl);
}
END_TEST

START_TEST(ratelimit_refill_is_one_per_interval)
{
	struct ratelimit	*rl = open_table(1024);
	struct rl_result	 r;
	int			 i;

	/* 2 per minute: an interval of 30 s. */
	ck_assert(take(rl, "upload", "k", 2, T0));
	ck_assert(take(rl, "upload", "k", 2, T0));
	ratelimit_take_at(rl, "upload", "k", 2, 60, T0 + 10000, &r);
	ck_assert(!r.allowed);
	ck_assert_int_eq(r.retry_after, 20);
	ck_assert_int_eq(r.reset, 50);
	ck_assert(!take(rl, "upload", "k", 2, T0 + 29999));
	ratelimit_take_at(rl, "upload", "k", 2, 60, T0 + 30000, &r);
	ck_assert(r.allowed);
	ck_assert_int_eq(r.remaining, 0);
	ck_assert_int_eq(r.reset, 60);
	ck_assert(!take(rl, "upload", "k", 2, T0 + 30000));

	/* 100 per minute: an interval of 600 ms after the burst. */
	for (i = 0; i < 100; i++)
		ck_assert(take(rl, "public", "ip", 100, T0));
	ck_assert(!take(rl, "public", "ip", 100, T0 + 599));
	ck_assert(take(rl, "public", "ip", 100, T0 + 600));
	ck_assert(!take(rl, "public", "ip", 100, T0 + 600));
	ck_assert(take(rl, "public", "ip", 100, T0 + 1200));
	ratelimit_close(rl);
}
END_TEST

START_TEST(ratelimit_refusals_do_not_prolong_the_wait)
{
	struct ratelimit	*rl = open_table(1024);
	int			 i;

	ck_assert(take(rl, "upload", "k", 1, T0));
	for (i = 1; i < 1000; i++)
		ck_assert(!take(rl, "upload", "k", 1, T0 + i * 50));
	ck_assert(take(rl, "upload", "k", 1, T0 + 60000));
	ratelimit_close(rl);
}
END_TEST

START_TEST(ratelimit_full_allowance_returns_after_reset)
{
	struct ratelimit	*rl = open_table(1024);
	struct rl_result	 r;
	int64_t			 back;
	int			 i;

	for (i = 0; i < 40; i++)
		ck_assert(take(rl, "public", "ip", 100, T0));
	ratelimit_take_at(rl, "public", "ip", 100, 60, T0, &r);
	ck_assert_int_eq(r.remaining, 59);
	ck_assert_int_eq(r.reset, 25);		/* 41 x 600 ms = 24.6 s */
	back = T0 + r.reset * 1000;
	ratelimit_take_at(rl, "public", "ip", 100, 60, back, &r);
	ck_assert(r.allowed);
	ck_assert_int_eq(r.remaining, 99);
	for (i = 0; i < 99; i++)
		ck_assert(take(rl, "public", "ip", 100, back));
	ck_assert(!take(rl, "public", "ip", 100, back));
	ratelimit_close(rl);
}
END_TEST

START_TEST(ratelimit_separates_clients_and_classes)
{
	struct ratelimit	*rl = open_table(1024);
	int			 i;

	for (i = 0; i < 10; i++)
		ck_assert(take(rl, "public", "1.2.3.4", 10, T0));
	ck_assert(!take(rl, "public", "1.2.3.4", 10, T0));
	ck_assert(take(rl, "public", "1.2.3.5", 10, T0));
	ck_assert(take(rl, "admin", "1.2.3.4", 10, T0));
	ck_assert(take(rl, "publi", "c1.2.3.4", 10, T0));
	ck_assert(take(rl, "public1.2.3.4", "", 10, T0));
	ck_assert(take(rl, "public", "1.2.3.4 ", 10, T0));
	ck_assert(!take(rl, "public", "1.2.3.4", 10, T0));
	ratelimit_close(rl);
}
END_TEST

START_TEST(ratelimit_nonpositive_limit_is_unlimited)
{
	struct ratelimit	*rl = open_table(1024);
	struct rl_result	 r;
	int			 i;

	for (i = 0; i < 1000; i++) {
		ratelimit_take_at(rl, "public", "ip", i % 2 ? 0 : -5, 60, T0,
		    &r);
		ck_assert(r.allowed);
		ck_assert_int_eq(r.limit, 0);
		ck_assert_int_eq(r.remaining, 0);
		ck_assert_int_eq(r.reset, 0);
		ck_assert_int_eq(r.retry_after, 0);
	}
	/* A limiter that failed to open limits nobody. */
	ratelimit_take_at(NULL, "public", "ip", 1, 60, T0, &r);
	ck_assert(r.allowed);
	ratelimit_take_at(NULL, "public", "ip", 1, 60, T0, &r);
	ck_assert(r.allowed);
	ratelimit_close(rl);
}
END_TEST

START_TEST(ratelimit_handles_on_one_file_share_counts)
{
	struct ratelimit	*a = open_table(1024), *b;
	int			 i;

	/* Another size asked for: the existing table is used as it is. */
	b = open_table(4096);
	for (i = 0; i < 5; i++) {
		ck_assert(take(a, "admin", "key1", 10, T0));
		ck_assert(take(b, "admin", "key1", 10, T0));
	}
	ck_assert(!take(a, "admin", "key1", 10, T0));
	ck_assert(!take(b, "admin", "key1", 10, T0));
	ratelimit_close(a);
	ck_assert(!take(b, "admin", "key1", 10, T0));
	a = open_table(1024);
	ck_assert(!take(a, "admin", "key1", 10, T0));
	ratelimit_close(a);
	ratelimit_close(b);
}
END_TEST

START_TEST(ratelimit_processes_agree)
{
	struct ratelimit	*rl;
	pid_t			 pid[NCHILD];
	int			 go[2], out[2], i, j, n, total, status;
	char			 c;

	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(out), 0);
	for (i = 0; i < NCHILD; i++) {
		pid[i] = fork();
		ck_assert_int_ne(pid[i], -1);
		if (pid[i] != 0)
			continue;
		/* Each child opens the file itself, as a process would. */
		close(go[1]);
		rl = ratelimit_open(path, 1024);
		if (rl == NULL || read(go[0], &c, 1) != 0)
			_exit(2);
		for (n = 0, j = 0; j < 1000; j++)
			n += take(rl, "public", "9.9.9.9", 100, T0);
		ratelimit_close(rl);
		_exit(write(out[1], &n, sizeof(n)) == sizeof(n) ? 0 : 3);
	}
	close(go[0]);
	close(go[1]);		/* all start at once */
	for (total = 0, i = 0; i < NCHILD; i++) {
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		ck_assert_int_eq(read(out[0], &n, sizeof(n)), sizeof(n));
		total += n;
	}
	close(out[0]);
	close(out[1]);
	ck_assert_int_eq(total, 100);
	rl = open_table(1024);
	ck_assert(!take(rl, "public", "9.9.9.9", 100, T0));
	ratelimit_close(rl);
}
END_TEST

START_TEST(ratelimit_reinitialises_a_corrupt_file)
{
	struct ratelimit	*rl;
	char			 junk[4096];
	int			 fd, i;

	/* Short. */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "hello", 5), 5);
	close(fd);
	rl = open_table(64);
	for (i = 0; i < 3; i++)
		ck_assert(take(rl, "public", "ip", 3, T0));
	ck_assert(!take(rl, "public", "ip", 3, T0));
	ratelimit_close(rl);

	/* The right size, the wrong contents: counts start afresh. */
	memset(junk, 0x5a, sizeof(junk));
	fd = open(path, O_WRONLY);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, junk, 64), 64);
	close(fd);
	rl = open_table(64);
	ck_assert(take(rl, "public", "ip", 3, T0));
	ratelimit_close(rl);

	/* Too long for its own header. */
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, junk, sizeof(junk)), sizeof(junk));
	close(fd);
	rl = open_table(64);
	ck_assert(take(rl, "public", "ip", 3, T0));
	ratelimit_close(rl);

	ck_assert_ptr_null(ratelimit_open("/nonexistent/dir/rl", 64));
}
END_TEST

START_TEST(ratelimit_full_table_evicts)
{
	struct ratelimit	*rl = open_table(1);	/* the minimum, 16 */
	char			 ip[32];
	int			 i;

	/*
	 * A fresh client always finds a slot, by eviction if need be, and a
	 * client just counted is the last to be evicted.
	 */
	for (i = 0; i < 5000; i++) {
		snprintf(ip, sizeof(ip), "10.0.%d.%d", i / 256, i % 256);
		ck_assert(take(rl, "public", ip, 1, T0 + i));
		ck_assert(!take(rl, "public", ip, 1, T0 + i));
	}
	/* Long after, everyone is fresh again. */
	for (i = 0; i < 5000; i++) {
		snprintf(ip, sizeof(ip), "10.0.%d.%d", i / 256, i % 256);
		ck_assert(take(rl, "public", ip, 1, T0 + 3600000));
	}
	ratelimit_close(rl);
}
END_TEST

START_TEST(ratelimit_survives_a_holder_killed_with_the_lock)
{
	struct ratelimit	*rl;
	pid_t			 pid;
	int			 p[2], status, i;
	char			 c;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		if ((rl = ratelimit_open(path, 64)) == NULL)
			_exit(2);
		ratelimit_test_lock(rl);
		if (write(p[1], "L", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(p[0]);
	close(p[1]);

	/* Check's timeout fails this test if the lock stayed wedged. */
	rl = open_table(64);
	for (i = 0; i < 5; i++)
		ck_assert(take(rl, "public", "ip", 5, T0));
	ck_assert(!take(rl, "public", "ip", 5, T0));
	ratelimit_close(rl);
}
END_TEST

START_TEST(ratelimit_survives_takers_killed_mid_take)
{
	struct ratelimit	*rl;
	struct timespec		 ts = { 0, 50 * 1000 * 1000 };
	pid_t			 pid[NCHILD];
	char			 ip[32];
	int			 i, j;

	for (i = 0; i < NCHILD; i++) {
		pid[i] = fork();
		ck_assert_int_ne(pid[i], -1);
		if (pid[i] != 0)
			continue;
		if ((rl = ratelimit_open(path, 64)) == NULL)
			_exit(2);
		for (j = 0;; j++) {
			snprintf(ip, sizeof(ip), "%d.%d", i, j % 500);
			take(rl, "public", ip, 10, T0 + j);
		}
	}
	nanosleep(&ts, NULL);
	for (i = 0; i < NCHILD; i++) {
		kill(pid[i], SIGKILL);
		ck_assert_int_eq(waitpid(pid[i], NULL, 0), pid[i]);
	}
	rl = open_table(64);
	ck_assert(take(rl, "public", "fresh", 1, T0));
	ck_assert(!take(rl, "public", "fresh", 1, T0));
	ratelimit_close(rl);
}
END_TEST

START_TEST(ratelimit_throughput)
{
	struct ratelimit	*rl = open_table(65536);
	struct rl_result	 r;
	struct timespec		 a, b;
	char			 ip[1000][16];
	double			 s;
	int			 i, n = 1000000;

	for (i = 0; i < 1000; i++)
		snprintf(ip[i], sizeof(ip[i]), "10.1.%d.%d", i / 256, i % 256);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		ratelimit_take(rl, "public", ip[i % 1000], 100, 60, &r);
	clock_gettime(CLOCK_MONOTONIC, &b);
	s = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("ratelimit: %d takes in %.3f s: %.0f takes/s, %.0f ns each\n",
	    n, s, n / s, s * 1e9 / n);
	fflush(stdout);
	ratelimit_close(rl);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("ratelimit");
	TCase	*tc = tcase_create("gcra");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ratelimit_allows_exactly_limit_in_a_burst);
	tcase_add_test(tc, ratelimit_refill_is_one_per_interval);
	tcase_add_test(tc, ratelimit_refusals_do_not_prolong_the_wait);
	tcase_add_test(tc, ratelimit_full_allowance_returns_after_reset);
	tcase_add_test(tc, ratelimit_separates_clients_and_classes);
	tcase_add_test(tc, ratelimit_nonpositive_limit_is_unlimited);
	tcase_add_test(tc, ratelimit_handles_on_one_file_share_counts);
	tcase_add_test(tc, ratelimit_processes_agree);
	tcase_add_test(tc, ratelimit_reinitialises_a_corrupt_file);
	tcase_add_test(tc, ratelimit_full_table_evicts);
	tcase_add_test(tc, ratelimit_survives_a_holder_killed_with_the_lock);
	tcase_add_test(tc, ratelimit_survives_takers_killed_mid_take);
	tcase_add_test(tc, ratelimit_throughput);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
