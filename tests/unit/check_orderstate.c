/*
 * check_orderstate.c: every status x event pair against the matrix written
 * out below (changes, explicit no-ops, illegal pairs), the before-dispute
 * round trips, out-of-order deliveries, the access/token helpers, names,
 * and the staff actions each status allows.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>

#include <check.h>

#include "orderstate.h"

#define PE	ORDER_STATUS_PENDING
#define PA	ORDER_STATUS_PAID
#define FA	ORDER_STATUS_FAILED
#define EX	ORDER_STATUS_EXPIRED
#define RE	ORDER_STATUS_REFUNDED
#define PR	ORDER_STATUS_PARTIALLY_REFUNDED
#define DI	ORDER_STATUS_DISPUTED
#define XX	(-1)	/* illegal: 409 */
#define BD	(-2)	/* the before-dispute status */

/* Rows: from; columns: completed async_succeeded payment_failed expired
 * refunded partially_refunded dispute_created dispute_won dispute_lost. */
static const int expect[ORDER_STATUS__MAX][ORDER_EVENT__MAX] = {
	{ PA, PA, FA, EX, RE, PR, DI, XX, XX },	/* pending */
	{ PA, PA, PA, XX, RE, PR, DI, XX, RE },	/* paid */
	{ PA, PA, FA, EX, RE, PR, DI, XX, XX },	/* failed */
	{ XX, XX, EX, EX, XX, XX, XX, XX, XX },	/* expired */
	{ RE, RE, RE, XX, RE, RE, RE, RE, RE },	/* refunded */
	{ PR, PR, PR, XX, RE, PR, DI, XX, RE },	/* partially_refunded */
	{ DI, DI, DI, XX, RE, DI, DI, BD, RE },	/* disputed */
};

/* sql/001_init.sql, orders.status CHECK, in order. */
static const char *const db_names[ORDER_STATUS__MAX] = {
	"pending", "paid", "failed", "expired", "refunded",
	"partially_refunded", "disputed",
};

static const char *const ev_names[ORDER_EVENT__MAX] = {
	"completed", "async_succeeded", "payment_failed", "expired",
	"refunded", "partially_refunded", "dispute_created", "dispute_won",
	"dispute_lost",
};

START_TEST(orderstate_matrix_matches_expected)
{
	enum order_status	 to, before;
	int			 f, e, rc;

	for (f = 0; f < ORDER_STATUS__MAX; f++)
		for (e = 0; e < ORDER_EVENT__MAX; e++) {
			before = PA;
			to = ORDER_STATUS__MAX;
			rc = orderstate_next(f, e, &before, &to);
			if (expect[f][e] == XX) {
				ck_assert_msg(rc == -1, "%s + %s legal",
				    db_names[f], ev_names[e]);
				ck_assert_int_eq(to, ORDER_STATUS__MAX);
				ck_assert_int_eq(before, PA);
				continue;
			}
			ck_assert_msg(rc == 0, "%s + %s illegal",
			    db_names[f], ev_names[e]);
			if (expect[f][e] == BD)
				ck_assert_int_eq(to, PA);
			else
				ck_assert_msg((int)to == expect[f][e],
				    "%s + %s -> %s", db_names[f], ev_names[e],
				    orderstate_status_name(to));
		}
}
END_TEST

START_TEST(orderstate_noops_are_explicit_and_counted)
{
	int	 f, e, changes = 0, noops = 0, illegal = 0;

	for (f = 0; f < ORDER_STATUS__MAX; f++)
		for (e = 0; e < ORDER_EVENT__MAX; e++) {
			ck_assert_int_eq(orderstate_is_noop(f, e),
			    expect[f][e] == f);
			if (expect[f][e] == XX)
				illegal++;
			else if (expect[f][e] == f)
				noops++;
			else
				changes++;
		}
	ck_assert_int_eq(changes, 23);
	ck_assert_int_eq(noops, 23);
	ck_assert_int_eq(illegal, 17);
}
END_TEST

START_TEST(orderstate_out_of_range_is_illegal)
{
	enum order_status	 to;

	ck_assert_int_eq(orderstate_next(ORDER_STATUS__MAX,
	    ORDER_EVENT_COMPLETED, NULL, &to), -1);
	ck_assert_int_eq(orderstate_next(PE, ORDER_EVENT__MAX, NULL, &to), -1);
	ck_assert_int_eq(orderstate_next((enum order_status)-1,
	    ORDER_EVENT_COMPLETED, NULL, &to), -1);
	ck_assert(!orderstate_is_noop(ORDER_STATUS__MAX, ORDER_EVENT_EXPIRED));
}
END_TEST

START_TEST(orderstate_dispute_won_restores_before)
{
	enum order_status	 s, before = ORDER_STATUS__MAX;

	ck_assert_int_eq(orderstate_next(PA, ORDER_EVENT_DISPUTE_CREATED,
	    &before, &s), 0);
	ck_assert_int_eq(s, DI);
	ck_assert_int_eq(before, PA);
	ck_assert_int_eq(orderstate_next(s, ORDER_EVENT_DISPUTE_WON, &before,
	    &s), 0);
	ck_assert_int_eq(s, PA);

	before = ORDER_STATUS__MAX;
	ck_assert_int_eq(orderstate_next(PR, ORDER_EVENT_DISPUTE_CREATED,
	    &before, &s), 0);
	ck_assert_int_eq(s, DI);
	ck_assert_int_eq(before, PR);
	ck_assert_int_eq(orderstate_next(s, ORDER_EVENT_DISPUTE_WON, &before,
	    &s), 0);
	ck_assert_int_eq(s, PR);

	/* A partial refund from before the dispute, delivered during it. */
	before = PA;
	ck_assert_int_eq(orderstate_next(DI, ORDER_EVENT_PARTIALLY_REFUNDED,
	    &before, &s), 0);
	ck_assert_int_eq(s, DI);
	ck_assert_int_eq(before, PR);
	ck_assert_int_eq(orderstate_next(DI, ORDER_EVENT_DISPUTE_WON, &before,
	    &s), 0);
	ck_assert_int_eq(s, PR);

	/* Nothing saved: won means paid. */
	ck_assert_int_eq(orderstate_next(DI, ORDER_EVENT_DISPUTE_WON, NULL,
	    &s), 0);
	ck_assert_int_eq(s, PA);
	before = RE;
	ck_assert_int_eq(orderstate_next(DI, ORDER_EVENT_DISPUTE_WON, &before,
	    &s), 0);
	ck_assert_int_eq(s, PA);

	/* Lost: refunded, whatever came before. */
	before = PR;
	ck_assert_int_eq(orderstate_next(DI, ORDER_EVENT_DISPUTE_LOST, &before,
	    &s), 0);
	ck_assert_int_eq(s, RE);
}
END_TEST

START_TEST(orderstate_late_completed_never_resurrects)
{
	enum order_status	 s;
	int			 e;
	const int		 late[] = { ORDER_EVENT_COMPLETED,
	    ORDER_EVENT_ASYNC_SUCCEEDED, ORDER_EVENT_PAYMENT_FAILED };

	for (e = 0; e < 3; e++) {
		ck_assert_int_eq(orderstate_next(RE, late[e], NULL, &s), 0);
		ck_assert_int_eq(s, RE);
		ck_assert_int_eq(orderstate_next(PR, late[e], NULL, &s), 0);
		ck_assert_int_eq(s, PR);
		ck_assert_int_eq(orderstate_next(DI, late[e], NULL, &s), 0);
		ck_assert_int_eq(s, DI);
	}
}
END_TEST

START_TEST(orderstate_refund_before_completion_never_grants_access)
{
	enum order_status	 s = PE;

	ck_assert_int_eq(orderstate_next(s, ORDER_EVENT_REFUNDED, NULL, &s), 0);
	ck_assert_int_eq(s, RE);
	ck_assert(!orderstate_grants_access(s));
	ck_assert_int_eq(orderstate_next(s, ORDER_EVENT_COMPLETED, NULL, &s), 0);
	ck_assert_int_eq(s, RE);
	ck_assert(!orderstate_grants_access(s));
	ck_assert(orderstate_tokens_revoked(s));
}
END_TEST

START_TEST(orderstate_failed_attempt_then_success_pays)
{
	enum order_status	 s = PE;

	ck_assert_int_eq(orderstate_next(s, ORDER_EVENT_PAYMENT_FAILED, NULL,
	    &s), 0);
	ck_assert_int_eq(s, FA);
	ck_assert_int_eq(orderstate_next(s, ORDER_EVENT_COMPLETED, NULL, &s), 0);
	ck_assert_int_eq(s, PA);
	/* The failed attempt's event delivered late changes nothing. */
	ck_assert_int_eq(orderstate_next(s, ORDER_EVENT_PAYMENT_FAILED, NULL,
	    &s), 0);
	ck_assert_int_eq(s, PA);
}
END_TEST

START_TEST(orderstate_access_and_token_helpers)
{
	/* access, suspended, revoked */
	static const bool	 want[ORDER_STATUS__MAX][3] = {
		{ false, false, false },	/* pending */
		{ true,  false, false },	/* paid */
		{ false, false, false },	/* failed */
		{ false, false, false },	/* expired */
		{ false, false, true },		/* refunded */
		{ true,  false, false },	/* partially_refunded */
		{ false, true,  false },	/* disputed */
	};
	int			 s;

	for (s = 0; s < ORDER_STATUS__MAX; s++) {
		ck_assert_int_eq(orderstate_grants_access(s), want[s][0]);
		ck_assert_int_eq(orderstate_tokens_suspended(s), want[s][1]);
		ck_assert_int_eq(orderstate_tokens_revoked(s), want[s][2]);
	}
	ck_assert(!orderstate_grants_access(ORDER_STATUS__MAX));
	ck_assert(!orderstate_tokens_suspended(ORDER_STATUS__MAX));
	ck_assert(!orderstate_tokens_revoked(ORDER_STATUS__MAX));
}
END_TEST

START_TEST(orderstate_names_round_trip)
{
	enum order_status	 s;
	enum order_event	 ev;
	int			 i;

	for (i = 0; i < ORDER_STATUS__MAX; i++) {
		ck_assert_str_eq(orderstate_status_name(i), db_names[i]);
		ck_assert_int_eq(orderstate_status_parse(db_names[i], &s), 0);
		ck_assert_int_eq(s, i);
	}
	for (i = 0; i < ORDER_EVENT__MAX; i++) {
		ck_assert_str_eq(orderstate_event_name(i), ev_names[i]);
		ck_assert_int_eq(orderstate_event_parse(ev_names[i], &ev), 0);
		ck_assert_int_eq(ev, i);
	}
	ck_assert_ptr_null(orderstate_status_name(ORDER_STATUS__MAX));
	ck_assert_ptr_null(orderstate_event_name(ORDER_EVENT__MAX));
}
END_TEST

START_TEST(orderstate_unknown_names_refused)
{
	static const char *const bad[] = {
		"", "PAID", "paid ", " paid", "refund", "partially-refunded",
		"dispute", "won", "unknown", "checkout.session.completed",
	};
	enum order_status	 s = PE;
	enum order_event	 ev = ORDER_EVENT_COMPLETED;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(orderstate_status_parse(bad[i], &s), -1);
		ck_assert_int_eq(orderstate_event_parse(bad[i], &ev), -1);
	}
	ck_assert_int_eq(orderstate_status_parse(NULL, &s), -1);
	ck_assert_int_eq(orderstate_event_parse(NULL, &ev), -1);
	ck_assert_int_eq(s, PE);
	ck_assert_int_eq(ev, ORDER_EVENT_COMPLETED);
	/* Each enum's names belong to it alone. */
	ck_assert_int_eq(orderstate_status_parse("dispute_won", &s), -1);
	ck_assert_int_eq(orderstate_event_parse("pending", &ev), -1);
}
END_TEST

START_TEST(orderstate_allows_staff_actions_on_paid_and_partially_refunded)
{
	/* refund, resend_receipt, reissue_links */
	static const bool	 want[ORDER_STATUS__MAX][ORDER_ACTION__MAX] = {
		{ false, false, false },	/* pending */
		{ true,  true,  true },		/* paid */
		{ false, false, false },	/* failed */
		{ false, false, false },	/* expired */
		{ false, false, false },	/* refunded */
		{ true,  true,  true },		/* partially_refunded */
		{ false, false, false },	/* disputed */
	};
	int			 s, act;

	for (s = 0; s < ORDER_STATUS__MAX; s++)
		for (act = 0; act < ORDER_ACTION__MAX; act++)
			ck_assert_msg(orderstate_allows(s, act) == want[s][act],
			    "%s, action %d: %d", db_names[s], act,
			    orderstate_allows(s, act));
}
END_TEST

START_TEST(orderstate_allows_nothing_out_of_range)
{
	int	 act;

	for (act = 0; act < ORDER_ACTION__MAX; act++) {
		ck_assert(!orderstate_allows(ORDER_STATUS__MAX, act));
		ck_assert(!orderstate_allows((enum order_status)-1, act));
		ck_assert(!orderstate_allows((enum order_status)100, act));
	}
	ck_assert(!orderstate_allows(PA, ORDER_ACTION__MAX));
	ck_assert(!orderstate_allows(PA, (enum order_action)-1));
	/* Past the width of the action bits, too (no shift overflow). */
	ck_assert(!orderstate_allows(PA, (enum order_action)31));
	ck_assert(!orderstate_allows(PR, (enum order_action)40));
}
END_TEST

static Suite *
orderstate_suite(void)
{
	Suite	*s = suite_create("orderstate");
	TCase	*tc = tcase_create("machine");

	tcase_add_test(tc, orderstate_matrix_matches_expected);
	tcase_add_test(tc, orderstate_noops_are_explicit_and_counted);
	tcase_add_test(tc, orderstate_out_of_range_is_illegal);
	tcase_add_test(tc, orderstate_dispute_won_restores_before);
	tcase_add_test(tc, orderstate_late_completed_never_resurrects);
	tcase_add_test(tc, orderstate_refund_before_completion_never_grants_access);
	tcase_add_test(tc, orderstate_failed_attempt_then_success_pays);
	tcase_add_test(tc, orderstate_access_and_token_helpers);
	tcase_add_test(tc, orderstate_names_round_trip);
	tcase_add_test(tc, orderstate_unknown_names_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("actions");
	tcase_add_test(tc,
	    orderstate_allows_staff_actions_on_paid_and_partially_refunded);
	tcase_add_test(tc, orderstate_allows_nothing_out_of_range);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(orderstate_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
