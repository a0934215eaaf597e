/*
 * check_tx.c: store-scoped transactions (src/tx.c) against the test
 * database as the application role: what commits is visible and audited
 * with its actor; a failing statement (row-level security, a duplicate)
 * rolls back everything before it, keeps its SQLSTATE, and leaves the
 * connection usable; rows of another store are never touched.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "arena.h"
#include "db.h"
#include "tx.h"

#define FX	"0f000000-0000-4000-8000-000000000001"
#define FX2	"0f000000-0000-4000-8000-000000000002"

static struct db	*db;
static struct arena	*a;

static void
setup(void)
{
	const char	*url = getenv("COLMENA_DB_URL");

	ck_assert_msg(url != NULL, "COLMENA_DB_URL is not set");
	db = db_new(url, "check_tx", true);
	a = arena_new();
}

static void
teardown(void)
{
	const char		*p[1] = { "tx-%" };
	struct dbq		 q = { "DELETE FROM categories WHERE slug LIKE $1",
	    1, p };

	tx_run(db, a, FX, "check_tx", &q, 1, NULL);
	tx_run(db, a, FX2, "check_tx", &q, 1, NULL);
	arena_free(a);
	db_free(db);
}

static long
count_slug(const char *store, const char *slug)
{
	const char		*p[1] = { slug };
	struct dbq		 q = { "SELECT count(*) FROM categories"
	    " WHERE slug = $1", 1, p };
	struct pg_result	*res;

	ck_assert_int_eq(tx_run(db, a, store, NULL, &q, 1, &res), ERR_OK);
	return strtol(db_val(res, 0, 0), NULL, 10);
}

static const char *const insert_sql =
    "INSERT INTO categories (store_id, name, slug)"
    " VALUES ($1::uuid, $2, $3) RETURNING id";

START_TEST(committed_rows_are_visible_and_audited)
{
	const char		*p[3] = { FX, "Tx one", "tx-one" };
	const char		*ap[1] = { "tx-one" };
	struct dbq		 q = { insert_sql, 3, p };
	struct dbq		 aq = { "SELECT actor FROM audit_logs"
	    " WHERE entity_type = 'categories' AND new_values->>'slug' = $1",
	    1, ap };
	struct pg_result	*res;

	ck_assert_int_eq(tx_run(db, a, FX, "staff:42", &q, 1, &res), ERR_OK);
	ck_assert_int_eq(db_ntuples(res), 1);
	ck_assert_int_eq(count_slug(FX, "tx-one"), 1);
	ck_assert_int_eq(tx_run(db, a, FX, NULL, &aq, 1, &res), ERR_OK);
	ck_assert_int_eq(db_ntuples(res), 1);
	ck_assert_str_eq(db_val(res, 0, 0), "staff:42");
}
END_TEST

START_TEST(another_stores_row_fails_and_rolls_back_all)
{
	const char	*p1[3] = { FX, "Tx two", "tx-two" };
	const char	*p2[3] = { FX2, "Tx sneaky", "tx-sneaky" };
	struct dbq	 q[2] = { { insert_sql, 3, p1 }, { insert_sql, 3, p2 } };

	ck_assert_int_ne(tx_run(db, a, FX, NULL, q, 2, NULL), ERR_OK);
	ck_assert_str_eq(db_sqlstate(db), "42501");	/* RLS WITH CHECK */
	ck_assert_int_eq(count_slug(FX, "tx-two"), 0);
	ck_assert_int_eq(count_slug(FX2, "tx-sneaky"), 0);
}
END_TEST

START_TEST(duplicate_is_a_conflict_with_its_sqlstate)
{
	const char	*p[3] = { FX, "Tx dup", "tx-dup" };
	struct dbq	 q[2] = { { insert_sql, 3, p }, { insert_sql, 3, p } };

	ck_assert_int_eq(tx_run(db, a, FX, NULL, q, 2, NULL), ERR_CONFLICT);
	ck_assert_str_eq(db_sqlstate(db), "23505");
	ck_assert_int_eq(count_slug(FX, "tx-dup"), 0);
	/* The connection is usable at once. */
	ck_assert_int_eq(tx_run(db, a, FX, NULL, q, 1, NULL), ERR_OK);
	ck_assert_int_eq(count_slug(FX, "tx-dup"), 1);
}
END_TEST

START_TEST(the_store_scope_is_the_transactions_only)
{
	struct dbq		 q = { "SELECT count(*) FROM categories", 0, NULL };
	struct pg_result	*res;

	ck_assert_int_eq(tx_run(db, a, FX, NULL, &q, 1, &res), ERR_OK);
	ck_assert_int_gt(strtol(db_val(res, 0, 0), NULL, 10), 0);
	/* After COMMIT the setting is gone: nothing is visible. */
	ck_assert_int_eq(db_run(db, a, &q, 1, &res, true), ERR_OK);
	ck_assert_int_eq(strtol(db_val(res, 0, 0), NULL, 10), 0);
}
END_TEST

START_TEST(unprepared_statements_work_the_same)
{
	const char		*url = getenv("COLMENA_DB_URL");
	struct db		*plain = db_new(url, "check_tx_plain", false);
	const char		*p[3] = { FX, "Tx plain", "tx-plain" };
	struct dbq		 q = { insert_sql, 3, p };
	struct pg_result	*res;

	ck_assert_int_eq(tx_run(plain, a, FX, NULL, &q, 1, &res), ERR_OK);
	ck_assert_int_eq(db_ntuples(res), 1);
	ck_assert_int_eq(tx_run(plain, a, FX, NULL, &q, 1, NULL), ERR_CONFLICT);
	ck_assert_str_eq(db_sqlstate(plain), "23505");
	db_free(plain);
	ck_assert_int_eq(count_slug(FX, "tx-plain"), 1);
}
END_TEST

START_TEST(a_bad_store_id_is_refused)
{
	struct dbq	 q = { "SELECT 1", 0, NULL };

	ck_assert_int_ne(tx_run(db, a, "not-a-uuid", NULL, &q, 1, NULL), ERR_OK);
	ck_assert_str_eq(db_sqlstate(db), "22P02");
	ck_assert_int_eq(tx_run(db, a, FX, NULL, &q, 1, NULL), ERR_OK);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("tx");
	TCase	*tc = tcase_create("db");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, committed_rows_are_visible_and_audited);
	tcase_add_test(tc, another_stores_row_fails_and_rolls_back_all);
	tcase_add_test(tc, duplicate_is_a_conflict_with_its_sqlstate);
	tcase_add_test(tc, the_store_scope_is_the_transactions_only);
	tcase_add_test(tc, a_bad_store_id_is_refused);
	tcase_add_test(tc, unprepared_statements_work_the_same);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
