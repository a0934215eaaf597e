/*
 * check_conf.c: conf_load with temporary files: defaults, values, comments,
 * errors naming file:line and key (unknown key, bad range, missing '=',
 * missing file, bad log_level) and $COLMENA_<KEY> overriding the file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "conf.h"

static char	 path[64];
static char	 err[512];

static const char *const envs[] = {
	"COLMENA_DB_URL", "COLMENA_DB_OWNER_URL", "COLMENA_SQL_DIR",
	"COLMENA_BODY_MAX", "COLMENA_LOG_LEVEL", "COLMENA_CACHE_MAX_AGE",
	"COLMENA_CACHE_SWR",
};

static void
setup(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(envs) / sizeof(envs[0]); i++)
		unsetenv(envs[i]);
	path[0] = '\0';
	err[0] = '\0';
}

static void
teardown(void)
{
	conf_free();
	if (path[0] != '\0')
		unlink(path);
}

/* Write text to a fresh temporary file; its name is left in path. */
static const char *
write_conf(const char *text)
{
	FILE	*f;
	int	 fd;

	snprintf(path, sizeof(path), "/tmp/check_conf.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static int
load(const char *text)
{
	return conf_load(write_conf(text), err, sizeof(err));
}

/* err mentions "<path>:<line>". */
static void
assert_err_at(int line)
{
	char	 where[96];

	snprintf(where, sizeof(where), "%s:%d:", path, line);
	ck_assert_msg(strstr(err, where) != NULL, "\"%s\" lacks %s", err, where);
}

START_TEST(conf_defaults_without_file)
{
	ck_assert_int_eq(conf_load(NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_int(CONF_BODY_MAX), 1048576);
	ck_assert_str_eq(conf_get(CONF_BODY_MAX), "1048576");
	ck_assert_int_eq(conf_int(CONF_CACHE_MAX_AGE), 60);
	ck_assert_int_eq(conf_int(CONF_CACHE_SWR), 300);
	ck_assert_str_eq(conf_get(CONF_LOG_LEVEL), "info");
	ck_assert_str_eq(conf_get(CONF_DB_URL), "dbname=colmena user=colmena_app");
	ck_assert_str_eq(conf_get(CONF_DB_OWNER_URL), "dbname=colmena user=colmena");
	ck_assert_ptr_nonnull(conf_get(CONF_SQL_DIR));
}
END_TEST

START_TEST(conf_empty_file_gives_defaults)
{
	ck_assert_int_eq(conf_load("/dev/null", err, sizeof(err)), 0);
	ck_assert_int_eq(conf_int(CONF_BODY_MAX), 1048576);
	ck_assert_str_eq(conf_get(CONF_LOG_LEVEL), "info");
}
END_TEST

START_TEST(conf_values_from_file)
{
	ck_assert_int_eq(load("db_url = host=db.internal port=6432 dbname=shop\n"
	    "body_max = 2048\n"
	    "log_level = debug\n"
	    "cache_max_age = 0\n"
	    "cache_swr = 86400\n"
	    "sql_dir = /srv/colmena/sql\n"), 0);
	ck_assert_str_eq(conf_get(CONF_DB_URL),
	    "host=db.internal port=6432 dbname=shop");
	ck_assert_int_eq(conf_int(CONF_BODY_MAX), 2048);
	ck_assert_str_eq(conf_get(CONF_LOG_LEVEL), "debug");
	ck_assert_int_eq(conf_int(CONF_CACHE_MAX_AGE), 0);
	ck_assert_int_eq(conf_int(CONF_CACHE_SWR), 86400);
	ck_assert_str_eq(conf_get(CONF_SQL_DIR), "/srv/colmena/sql");
	/* Keys not in the file keep their defaults. */
	ck_assert_str_eq(conf_get(CONF_DB_OWNER_URL), "dbname=colmena user=colmena");
}
END_TEST

START_TEST(conf_trims_spaces_and_tabs)
{
	ck_assert_int_eq(load("  body_max\t=\t4096   \r\n"
	    "\tdb_url=dbname=x\n"), 0);
	ck_assert_int_eq(conf_int(CONF_BODY_MAX), 4096);
	ck_assert_str_eq(conf_get(CONF_DB_URL), "dbname=x");
}
END_TEST

START_TEST(conf_skips_comments_and_blank_lines)
{
	ck_assert_int_eq(load("# ColmenaCommerce\n"
	    "\n"
	    "   \n"
	    "  # indented comment with = sign and unknown = key\n"
	    "body_max = 2048\n"
	    "#body_max = 9999\n"), 0);
	ck_assert_int_eq(conf_int(CONF_BODY_MAX), 2048);
}
END_TEST

START_TEST(conf_last_line_without_newline)
{
	ck_assert_int_eq(load("cache_swr = 7"), 0);
	ck_assert_int_eq(conf_int(CONF_CACHE_SWR), 7);
}
END_TEST

START_TEST(conf_later_line_wins)
{
	ck_assert_int_eq(load("cache_swr = 7\ncache_swr = 8\n"), 0);
	ck_assert_int_eq(conf_int(CONF_CACHE_SWR), 8);
}
END_TEST

START_TEST(conf_unknown_key_names_file_line_and_key)
{
	ck_assert_int_eq(load("# x\nbody_max = 2048\ncolour = red\n"), -1);
	assert_err_at(3);
	ck_assert_ptr_nonnull(strstr(err, "unknown key"));
	ck_assert_ptr_nonnull(strstr(err, "colour"));
}
END_TEST

START_TEST(conf_key_is_case_sensitive)
{
	ck_assert_int_eq(load("Body_Max = 2048\n"), -1);
	assert_err_at(1);
	ck_assert_ptr_nonnull(strstr(err, "Body_Max"));
}
END_TEST

START_TEST(conf_integer_below_range_is_error)
{
	ck_assert_int_eq(load("\nbody_max = 10\n"), -1);
	assert_err_at(2);
	ck_assert_ptr_nonnull(strstr(err, "body_max"));
	ck_assert_ptr_nonnull(strstr(err, "too small"));
	ck_assert_ptr_nonnull(strstr(err, "1024"));
}
END_TEST

START_TEST(conf_integer_above_range_is_error)
{
	ck_assert_int_eq(load("cache_max_age = 86401\n"), -1);
	assert_err_at(1);
	ck_assert_ptr_nonnull(strstr(err, "cache_max_age"));
	ck_assert_ptr_nonnull(strstr(err, "too large"));
	ck_assert_ptr_nonnull(strstr(err, "86400"));
}
END_TEST

START_TEST(conf_integer_range_ends_are_allowed)
{
	ck_assert_int_eq(load("body_max = 1024\ncache_max_age = 86400\n"), 0);
	ck_assert_int_eq(conf_int(CONF_BODY_MAX), 1024);
	conf_free();
	unlink(path);
	ck_assert_int_eq(load("body_max = 1099511627776\n"), 0);
	ck_assert_int_eq(conf_int(CONF_BODY_MAX), INT64_C(1) << 40);
	conf_free();
	unlink(path);
	ck_assert_int_eq(load("body_max = 1099511627777\n"), -1);
}
END_TEST

START_TEST(conf_integer_not_a_number_is_error)
{
	static const char *const bad[] = { "cache_swr = 5m\n", "cache_swr = \n",
	    "cache_swr = -1\n", "cache_swr = 1.5\n", "cache_swr = 0x10\n",
	    "cache_swr = 1 # seconds\n" };
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(load(bad[i]) == -1, "accepted: %s", bad[i]);
		assert_err_at(1);
		ck_assert_ptr_nonnull(strstr(err, "cache_swr"));
		conf_free();
		unlink(path);
		path[0] = '\0';
	}
}
END_TEST

START_TEST(conf_missing_equals_is_error)
{
	ck_assert_int_eq(load("body_max = 2048\nbody_max 4096\n"), -1);
	assert_err_at(2);
	ck_assert_ptr_nonnull(strstr(err, "expected key = value"));
}
END_TEST

START_TEST(conf_missing_file_is_error)
{
	const char	*p = "/nonexistent/colmena-test.conf";

	ck_assert_int_eq(conf_load(p, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, p));
}
END_TEST

START_TEST(conf_line_too_long_is_error)
{
	char	*text;

	text = malloc(6000);
	ck_assert_ptr_nonnull(text);
	memcpy(text, "db_url = ", 9);
	memset(text + 9, 'x', 5000);
	memcpy(text + 5009, "\n", 2);
	ck_assert_int_eq(load(text), -1);
	assert_err_at(1);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	free(text);
}
END_TEST

START_TEST(conf_bad_log_level_is_rejected)
{
	ck_assert_int_eq(load("log_level = verbose\n"), -1);
	assert_err_at(1);
	ck_assert_ptr_nonnull(strstr(err, "log_level"));
	conf_free();
	unlink(path);
	ck_assert_int_eq(load("log_level = INFO\n"), -1);
}
END_TEST

START_TEST(conf_every_log_level_is_accepted)
{
	static const char *const lv[] = { "debug", "info", "warn", "error" };
	char	 line[64];
	size_t	 i;

	for (i = 0; i < sizeof(lv) / sizeof(lv[0]); i++) {
		snprintf(line, sizeof(line), "log_level = %s\n", lv[i]);
		ck_assert_int_eq(load(line), 0);
		ck_assert_str_eq(conf_get(CONF_LOG_LEVEL), lv[i]);
		conf_free();
		unlink(path);
		path[0] = '\0';
	}
}
END_TEST

START_TEST(conf_env_overrides_file)
{
	setenv("COLMENA_BODY_MAX", "4096", 1);
	ck_assert_int_eq(load("body_max = 2048\n"), 0);
	ck_assert_int_eq(conf_int(CONF_BODY_MAX), 4096);
	ck_assert_str_eq(conf_get(CONF_BODY_MAX), "4096");
}
END_TEST

START_TEST(conf_env_overrides_default)
{
	setenv("COLMENA_DB_URL", "host=127.0.0.1 port=1", 1);
	setenv("COLMENA_LOG_LEVEL", "warn", 1);
	ck_assert_int_eq(conf_load(NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(conf_get(CONF_DB_URL), "host=127.0.0.1 port=1");
	ck_assert_str_eq(conf_get(CONF_LOG_LEVEL), "warn");
}
END_TEST

START_TEST(conf_env_bad_value_is_error_naming_variable)
{
	setenv("COLMENA_BODY_MAX", "lots", 1);
	ck_assert_int_eq(load("body_max = 2048\n"), -1);
	ck_assert_ptr_nonnull(strstr(err, "COLMENA_BODY_MAX"));
	conf_free();
	setenv("COLMENA_BODY_MAX", "1", 1);
	ck_assert_int_eq(conf_load(NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "too small"));
	conf_free();
	unsetenv("COLMENA_BODY_MAX");
	setenv("COLMENA_LOG_LEVEL", "loud", 1);
	ck_assert_int_eq(conf_load(NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "COLMENA_LOG_LEVEL"));
}
END_TEST

START_TEST(conf_reload_starts_from_defaults)
{
	ck_assert_int_eq(load("cache_swr = 7\n"), 0);
	ck_assert_int_eq(conf_int(CONF_CACHE_SWR), 7);
	ck_assert_int_eq(conf_load(NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_int(CONF_CACHE_SWR), 300);
}
END_TEST

START_TEST(conf_name_gives_file_key)
{
	ck_assert_str_eq(conf_name(CONF_BODY_MAX), "body_max");
	ck_assert_str_eq(conf_name(CONF_DB_URL), "db_url");
	ck_assert_str_eq(conf_name(CONF_CACHE_SWR), "cache_swr");
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("conf");
	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, conf_defaults_without_file);
	tcase_add_test(tc, conf_empty_file_gives_defaults);
	tcase_add_test(tc, conf_values_from_file);
	tcase_add_test(tc, conf_trims_spaces_and_tabs);
	tcase_add_test(tc, conf_skips_comments_and_blank_lines);
	tcase_add_test(tc, conf_last_line_without_newline);
	tcase_add_test(tc, conf_later_line_wins);
	tcase_add_test(tc, conf_reload_starts_from_defaults);
	tcase_add_test(tc, conf_name_gives_file_key);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, conf_unknown_key_names_file_line_and_key);
	tcase_add_test(tc, conf_key_is_case_sensitive);
	tcase_add_test(tc, conf_integer_below_range_is_error);
	tcase_add_test(tc, conf_integer_above_range_is_error);
	tcase_add_test(tc, conf_integer_range_ends_are_allowed);
	tcase_add_test(tc, conf_integer_not_a_number_is_error);
	tcase_add_test(tc, conf_missing_equals_is_error);
	tcase_add_test(tc, conf_missing_file_is_error);
	tcase_add_test(tc, conf_line_too_long_is_error);
	tcase_add_test(tc, conf_bad_log_level_is_rejected);
	tcase_add_test(tc, conf_every_log_level_is_accepted);
	suite_add_tcase(s, tc);

	tc = tcase_create("env");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, conf_env_overrides_file);
	tcase_add_test(tc, conf_env_overrides_default);
	tcase_add_test(tc, conf_env_bad_value_is_error_naming_variable);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(conf_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
