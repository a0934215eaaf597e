/*
 * check_fname.c: client file names made safe: path traversal and Windows
 * paths, control and bidi characters, quotes, accents and emoji, invalid
 * UTF-8, reserved device names, 255-byte cuts, and Content-Disposition.
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include "arena.h"
#include "fname.h"
#include "str.h"

static struct arena	*a;

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

static const char *
san(const char *s)
{
	return fname_sanitise(a, s, strlen(s));
}

static void
check_san(const char *in, const char *want)
{
	const char	*got = san(in);

	ck_assert_msg(strcmp(got, want) == 0, "\"%s\" -> \"%s\", want \"%s\"",
	    in, got, want);
}

START_TEST(fname_traversal_keeps_last_component)
{
	check_san("../../etc/passwd", "passwd");
	check_san("/etc/shadow", "shadow");
	check_san("a/b/../c.pdf", "c.pdf");
	check_san("..", "download");
	check_san("../", "download");
	check_san("dir/", "download");
	check_san("./.././..", "download");
}
END_TEST

START_TEST(fname_windows_paths_keep_last_component)
{
	check_san("C:\\x\\y.pdf", "y.pdf");
	check_san("..\\..\\boot.ini", "boot.ini");
	check_san("\\\\server\\share\\f.zip", "f.zip");
	check_san("C:y.pdf", "C_y.pdf");
	check_san("mixed/dirs\\and/name.txt", "name.txt");
}
END_TEST

START_TEST(fname_control_characters_are_dropped)
{
	check_san("a\x01" "b\tc\x7f" "d.pdf", "abcd.pdf");
	check_san("evil\r\nSet-Cookie: x=1", "evilSet-Cookie_ x=1");
	check_san("c1\xc2\x80\xc2\x9f" "x", "c1x");
	check_san("\x1b[31mred.txt", "[31mred.txt");
}
END_TEST

START_TEST(fname_embedded_nul_is_dropped)
{
	ck_assert_str_eq(fname_sanitise(a, "a\0b.pdf", 7), "ab.pdf");
	ck_assert_str_eq(fname_sanitise(a, "x.pdf\0.exe", 10), "x.pdf.exe");
}
END_TEST

START_TEST(fname_bidi_and_invisible_characters_are_dropped)
{
	/* U+202E RIGHT-TO-LEFT OVERRIDE would show "invoiceexe.pdf". */
	check_san("invoice\xe2\x80\xae" "fdp.exe", "invoicefdp.exe");
	check_san("\xef\xbb\xbf" "bom.txt", "bom.txt");
	check_san("zero\xe2\x80\x8bwidth.txt", "zerowidth.txt");
	check_san("iso\xe2\x81\xa6late.txt", "isolate.txt");
}
END_TEST

START_TEST(fname_quotes_and_windows_forbidden_become_underscore)
{
	check_san("say \"hi\".txt", "say _hi_.txt");
	check_san("a<b>c|d?e*f.txt", "a_b_c_d_e_f.txt");
	check_san("it's fine.txt", "it's fine.txt");
}
END_TEST

START_TEST(fname_accents_and_emoji_are_kept)
{
	check_san("R\xc3\xa9sum\xc3\xa9 \xe2\x80\x93 2024.pdf",
	    "R\xc3\xa9sum\xc3\xa9 \xe2\x80\x93 2024.pdf");
	check_san("\xf0\x9f\x98\x80 party.png", "\xf0\x9f\x98\x80 party.png");
	check_san("\xe6\x97\xa5\xe6\x9c\xac.txt", "\xe6\x97\xa5\xe6\x9c\xac.txt");
}
END_TEST

START_TEST(fname_invalid_utf8_is_replaced)
{
	/* Latin-1 "Résumé.pdf": each bad byte becomes U+FFFD. */
	check_san("R\xe9sum\xe9.pdf", "R\xef\xbf\xbdsum\xef\xbf\xbd.pdf");
	check_san("\xc0\xaf" "x", "\xef\xbf\xbd\xef\xbf\xbdx");	/* overlong */
	check_san("\xed\xa0\x80" "s", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbds");
	check_san("cut\xe2\x82", "cut\xef\xbf\xbd\xef\xbf\xbd");
	ck_assert(str_utf8_valid(san("\xff\xfe\xfd"), strlen(san("\xff\xfe"
	    "\xfd"))));
}
END_TEST

START_TEST(fname_leading_dots_and_spaces_are_trimmed)
{
	check_san(".htaccess", "htaccess");
	check_san("...hidden", "hidden");
	check_san("  . x.txt  ", "x.txt");
	check_san("name. . ", "name");
	check_san("report.pdf.", "report.pdf");
	check_san("a  b.txt", "a  b.txt");
}
END_TEST

START_TEST(fname_empty_and_only_dots_become_download)
{
	check_san("", "download");
	check_san(".", "download");
	check_san("....", "download");
	check_san(". . .", "download");
	check_san("   ", "download");
	check_san("\x01\x02\x7f", "download");
	ck_assert_str_eq(fname_sanitise(a, NULL, 0), "download");
}
END_TEST

START_TEST(fname_reserved_windows_names_are_prefixed)
{
	check_san("CON", "_CON");
	check_san("nul.txt", "_nul.txt");
	check_san("Com1.pdf", "_Com1.pdf");
	check_san("LPT9", "_LPT9");
	check_san("aux .tar.gz", "_aux .tar.gz");
	check_san("CONOUT$", "_CONOUT$");
	check_san("CONSOLE.txt", "CONSOLE.txt");
	check_san("lpt10", "lpt10");
	check_san("xcon", "xcon");
	check_san("C:\\dir\\PRN.doc", "_PRN.doc");
}
END_TEST

START_TEST(fname_long_name_is_cut_on_a_character_boundary)
{
	char		 in[400];
	const char	*got;
	size_t		 i, n;

	/* "a" then 100 euro signs (3 bytes): byte 255 is inside one. */
	in[0] = 'a';
	for (i = 0; i < 100; i++)
		memcpy(in + 1 + 3 * i, "\xe2\x82\xac", 3);
	n = 301;
	got = fname_sanitise(a, in, n);
	ck_assert_uint_eq(strlen(got), 253);
	ck_assert(str_utf8_valid(got, strlen(got)));
	ck_assert(memcmp(got, in, 253) == 0);
}
END_TEST

START_TEST(fname_long_name_keeps_its_extension)
{
	char		 in[400];
	const char	*got;
	size_t		 i, len;

	in[0] = 'a';
	for (i = 0; i < 100; i++)
		memcpy(in + 1 + 3 * i, "\xe2\x82\xac", 3);
	memcpy(in + 301, ".pdf", 4);
	got = fname_sanitise(a, in, 305);
	len = strlen(got);
	ck_assert_uint_le(len, FNAME_MAX);
	ck_assert_uint_eq(len, 254);	/* 251 cut back to 250, + ".pdf" */
	ck_assert(str_utf8_valid(got, len));
	ck_assert_str_eq(got + len - 4, ".pdf");
}
END_TEST

START_TEST(fname_long_two_byte_name_is_valid_and_bounded)
{
	char		 in[400];
	const char	*got;
	size_t		 i, len;

	for (i = 0; i < 150; i++)
		memcpy(in + 2 * i, "\xc3\xa9", 2);
	got = fname_sanitise(a, in, 300);
	len = strlen(got);
	ck_assert_uint_eq(len, 254);
	ck_assert(str_utf8_valid(got, len));
}
END_TEST

START_TEST(fname_long_extension_is_not_kept)
{
	char		 in[300];
	const char	*got;

	memset(in, 'x', sizeof(in));
	in[10] = '.';
	got = fname_sanitise(a, in, sizeof(in));
	ck_assert_uint_eq(strlen(got), FNAME_MAX);
	ck_assert(memcmp(got, in, FNAME_MAX) == 0);
}
END_TEST

START_TEST(fname_cut_trims_trailing_spaces)
{
	char		 in[300];
	const char	*got;

	memset(in, ' ', sizeof(in));
	in[0] = 'x';
	memcpy(in + 296, ".txt", 4);
	got = fname_sanitise(a, in, sizeof(in));
	ck_assert_str_eq(got, "x.txt");
}
END_TEST

START_TEST(fname_exactly_255_bytes_is_kept)
{
	char	 in[256];

	memset(in, 'k', 255);
	in[255] = '\0';
	ck_assert_str_eq(san(in), in);
}
END_TEST

START_TEST(fname_sanitise_is_idempotent)
{
	static const char *const cases[] = {
		"../../etc/passwd", "CON", "nul.txt", "R\xe9sum\xe9.pdf",
		" .x. ", "a\"b", "\xe2\x80\xae" "abc", "C:\\x\\y.pdf", "",
	};
	char		 longname[600];
	const char	*once;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		once = san(cases[i]);
		ck_assert_str_eq(san(once), once);
	}
	memset(longname, 'y', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	longname[20] = '.';
	once = san(longname);
	ck_assert_str_eq(san(once), once);
}
END_TEST

START_TEST(fname_disposition_ascii_name_has_no_extended_form)
{
	ck_assert_str_eq(fname_disposition(a, "report.pdf", "attachment"),
	    "attachment; filename=\"report.pdf\"");
	ck_assert_str_eq(fname_disposition(a, "my file (1).pdf", "inline"),
	    "inline; filename=\"my file (1).pdf\"");
}
END_TEST

START_TEST(fname_disposition_non_ascii_adds_filename_star)
{
	ck_assert_str_eq(fname_disposition(a,
	    "R\xc3\xa9sum\xc3\xa9 \xe2\x80\x93 2024.pdf", "attachment"),
	    "attachment; filename=\"R_sum_ _ 2024.pdf\"; "
	    "filename*=UTF-8''R%C3%A9sum%C3%A9%20%E2%80%93%202024.pdf");
	ck_assert_str_eq(fname_disposition(a, "\xf0\x9f\x98\x80.png",
	    "attachment"), "attachment; filename=\"_.png\"; "
	    "filename*=UTF-8''%F0%9F%98%80.png");
}
END_TEST

START_TEST(fname_disposition_quotes_backslash_and_percent)
{
	/* '"' is gone after sanitising; '\' is a path separator. */
	ck_assert_str_eq(fname_disposition(a, "a\"b.txt", "attachment"),
	    "attachment; filename=\"a_b.txt\"");
	ck_assert_str_eq(fname_disposition(a, "dir\\x.txt", "attachment"),
	    "attachment; filename=\"x.txt\"");
	/* Some browsers decode %xx in filename=: keep it out of there. */
	ck_assert_str_eq(fname_disposition(a, "100%41.pdf", "attachment"),
	    "attachment; filename=\"100_41.pdf\"; "
	    "filename*=UTF-8''100%2541.pdf");
}
END_TEST

START_TEST(fname_disposition_never_breaks_the_header)
{
	const char	*d;

	d = fname_disposition(a, "x\r\nSet-Cookie: a=b\x01;.pdf", "attachment");
	ck_assert_ptr_null(strpbrk(d, "\r\n\x01"));
	ck_assert_str_eq(d, "attachment; filename=\"xSet-Cookie_ a=b;.pdf\"");
}
END_TEST

START_TEST(fname_disposition_sanitises_its_input)
{
	ck_assert_str_eq(fname_disposition(a, "../../etc/passwd", "attachment"),
	    "attachment; filename=\"passwd\"");
	ck_assert_str_eq(fname_disposition(a, "", "attachment"),
	    "attachment; filename=\"download\"");
	ck_assert_str_eq(fname_disposition(a, "R\xe9sum\xe9", "attachment"),
	    "attachment; filename=\"R_sum_\"; "
	    "filename*=UTF-8''R%EF%BF%BDsum%EF%BF%BD");
}
END_TEST

START_TEST(fname_disposition_bad_type_becomes_attachment)
{
	ck_assert_str_eq(fname_disposition(a, "a.txt", "in line"),
	    "attachment; filename=\"a.txt\"");
	ck_assert_str_eq(fname_disposition(a, "a.txt", ""),
	    "attachment; filename=\"a.txt\"");
	ck_assert_str_eq(fname_disposition(a, "a.txt", "x\r\nY: z"),
	    "attachment; filename=\"a.txt\"");
}
END_TEST

static Suite *
fname_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("fname");
	tc = tcase_create("sanitise");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fname_traversal_keeps_last_component);
	tcase_add_test(tc, fname_windows_paths_keep_last_component);
	tcase_add_test(tc, fname_control_characters_are_dropped);
	tcase_add_test(tc, fname_embedded_nul_is_dropped);
	tcase_add_test(tc, fname_bidi_and_invisible_characters_are_dropped);
	tcase_add_test(tc, fname_quotes_and_windows_forbidden_become_underscore);
	tcase_add_test(tc, fname_accents_and_emoji_are_kept);
	tcase_add_test(tc, fname_invalid_utf8_is_replaced);
	tcase_add_test(tc, fname_leading_dots_and_spaces_are_trimmed);
	tcase_add_test(tc, fname_empty_and_only_dots_become_download);
	tcase_add_test(tc, fname_reserved_windows_names_are_prefixed);
	tcase_add_test(tc, fname_sanitise_is_idempotent);
	suite_add_tcase(s, tc);

	tc = tcase_create("length");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fname_long_name_is_cut_on_a_character_boundary);
	tcase_add_test(tc, fname_long_name_keeps_its_extension);
	tcase_add_test(tc, fname_long_two_byte_name_is_valid_and_bounded);
	tcase_add_test(tc, fname_long_extension_is_not_kept);
	tcase_add_test(tc, fname_cut_trims_trailing_spaces);
	tcase_add_test(tc, fname_exactly_255_bytes_is_kept);
	suite_add_tcase(s, tc);

	tc = tcase_create("disposition");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fname_disposition_ascii_name_has_no_extended_form);
	tcase_add_test(tc, fname_disposition_non_ascii_adds_filename_star);
	tcase_add_test(tc, fname_disposition_quotes_backslash_and_percent);
	tcase_add_test(tc, fname_disposition_never_breaks_the_header);
	tcase_add_test(tc, fname_disposition_sanitises_its_input);
	tcase_add_test(tc, fname_disposition_bad_type_becomes_attachment);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(fname_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
