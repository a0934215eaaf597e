/*
 * check_receipt.c: receipt_render() with the real templates/mail/: each
 * kind's subject and wording, amounts in USD, JPY (no decimals) and BHD
 * (three), links and names in both parts, HTML escaping (and none in the
 * text part), zero links, tax and discount, short text lines, refusals.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "arena.h"
#include "buf.h"
#include "receipt.h"
#include "str.h"
#include "tmpl.h"

#define TEMPLATE_DIR	COLMENA_TOP_SRCDIR "/templates"
#define TEXT_COLS_MAX	78

#define URL_ORDER	"https://shop.example/orders/0f0000c1-0000-4000-8000-" \
			"000000000001?key=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE"
#define URL_LINK1	"https://shop.example/download/" \
			"Tk1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define URL_LINK2	"https://shop.example/download/" \
			"Tk2bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const char hostile_store[] = "<script>alert(\"x\")</script> & 'Co'";
static const char hostile_store_html[] =
    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;";
static const char hostile_product[] = "Tom & Jerry <b>\"Best\"</b>";
static const char hostile_product_html[] =
    "Tom &amp; Jerry &lt;b&gt;&quot;Best&quot;&lt;/b&gt;";

static struct arena		*a;
static char			 err[512];
static struct receipt		 r;
static struct receipt_item	 items[2];
static struct receipt_link	 links[2];
static struct receipt_mail	 m;

/* A paid USD order: two items, no discount or tax, two links. */
static void
setup(void)
{
	a = arena_new();
	ck_assert_msg(tmpl_load_dir(TEMPLATE_DIR, err, sizeof(err)) == 0,
	    "%s", err);
	memset(&m, 0, sizeof(m));
	items[0] = (struct receipt_item){ "Field Recordings Vol. 1", 1, 1299,
	    1299 };
	items[1] = (struct receipt_item){ "Sketchbook PDF", 2, 500, 1000 };
	links[0] = (struct receipt_link){ "Field Recordings Vol. 1", URL_LINK1,
	    "2026-12-07 12:00 UTC", 5 };
	links[1] = (struct receipt_link){ "Sketchbook PDF", URL_LINK2,
	    "2026-12-08 09:30 UTC", 3 };
	memset(&r, 0, sizeof(r));
	r.kind = RECEIPT_PAID;
	r.store_name = "Colmena Records";
	r.support_email = "help@records.example";
	r.order_id = "0f0000c1-0000-4000-8000-000000000001";
	r.order_url = URL_ORDER;
	r.customer_name = "Ana Pérez";
	r.customer_email = "ana@buyer.example";
	r.currency = "USD";
	r.exponent = 2;
	r.paid_at = "2026-12-04 10:00 UTC";
	r.items = items;
	r.nitems = 2;
	r.subtotal_minor = 2299;
	r.total_minor = 2299;
	r.links = links;
	r.nlinks = 2;
}

static void
teardown(void)
{
	tmpl_free();
	arena_free(a);
}

static void
render(void)
{
	ck_assert_msg(receipt_render(a, &r, &m, err, sizeof(err)) == 0, "%s",
	    err);
	ck_assert_ptr_nonnull(m.subject);
	ck_assert_ptr_nonnull(m.text);
	ck_assert_ptr_nonnull(m.html);
}

/* s is in both parts. */
static void
in_both(const char *s)
{
	ck_assert_msg(strstr(m.text, s) != NULL, "'%s' not in the text:\n%s",
	    s, m.text);
	ck_assert_msg(strstr(m.html, s) != NULL, "'%s' not in the HTML:\n%s",
	    s, m.html);
}

/* s is in neither part. */
static void
in_neither(const char *s)
{
	ck_assert_msg(strstr(m.text, s) == NULL, "'%s' in the text:\n%s", s,
	    m.text);
	ck_assert_msg(strstr(m.html, s) == NULL, "'%s' in the HTML:\n%s", s,
	    m.html);
}

START_TEST(receipt_paid_subject_and_wording)
{
	render();
	ck_assert_str_eq(m.subject, "Your order from Colmena Records");
	in_both("Hello Ana Pérez,");
	in_both("We have received your");
	in_neither("as you asked");
	in_neither("no longer work");
	in_both("Order 0f0000c1-0000-4000-8000-000000000001");
	in_both("Paid 2026-12-04 10:00 UTC");
	ck_assert_ptr_nonnull(strstr(m.html, "<title>Your order from Colmena "
	    "Records</title>"));
}
END_TEST

START_TEST(receipt_resent_subject_and_wording)
{
	r.kind = RECEIPT_RESENT;
	render();
	ck_assert_str_eq(m.subject,
	    "Your receipt from Colmena Records (sent again)");
	in_both("here is your receipt from Colmena Records again");
	in_neither("We have received your");
	in_neither("no longer work");
}
END_TEST

START_TEST(receipt_links_subject_and_wording)
{
	r.kind = RECEIPT_LINKS;
	render();
	ck_assert_str_eq(m.subject,
	    "Your new download links from Colmena Records");
	in_both("here are new download links for your order from Colmena "
	    "Records");
	in_both("no longer work");
	in_neither("We have received your");
	in_neither("as you asked");
}
END_TEST

START_TEST(receipt_usd_amounts)
{
	render();
	in_both("12.99 USD");
	in_both("5.00 USD");
	in_both("10.00 USD");
	ck_assert_ptr_nonnull(strstr(m.text, "Subtotal: 22.99 USD"));
	ck_assert_ptr_nonnull(strstr(m.text, "Total:    22.99 USD"));
	ck_assert_ptr_nonnull(strstr(m.text,
	    "Sketchbook PDF\n    2 x 5.00 USD = 10.00 USD\n"));
	ck_assert_ptr_nonnull(strstr(m.html, ">2</td>"));
	ck_assert_ptr_nonnull(strstr(m.html, ">22.99 USD</td>"));
}
END_TEST

START_TEST(receipt_jpy_has_no_decimals)
{
	items[0] = (struct receipt_item){ "Manga", 1, 1500, 1500 };
	r.nitems = 1;
	r.currency = "JPY";
	r.exponent = 0;
	r.subtotal_minor = r.total_minor = 1500;
	render();
	in_both("1500 JPY");
	ck_assert_ptr_nonnull(strstr(m.text, "Total:    1500 JPY"));
	in_neither("15.00");
	in_neither("1500.");
}
END_TEST

START_TEST(receipt_bhd_has_three_decimals)
{
	items[0] = (struct receipt_item){ "Oud samples", 1, 1234, 1234 };
	r.nitems = 1;
	r.currency = "BHD";
	r.exponent = 3;
	r.subtotal_minor = r.total_minor = 1234;
	render();
	in_both("1.234 BHD");
	ck_assert_ptr_nonnull(strstr(m.text, "Total:    1.234 BHD"));
	in_neither("12.34");
}
END_TEST

START_TEST(receipt_links_and_names_appear)
{
	render();
	in_both("Field Recordings Vol. 1");
	in_both("Sketchbook PDF");
	in_both(URL_LINK1);
	in_both(URL_LINK2);
	in_both("Valid until 2026-12-07 12:00 UTC; downloads left: 5");
	in_both("Valid until 2026-12-08 09:30 UTC; downloads left: 3");
	ck_assert_ptr_nonnull(strstr(m.text, "Your downloads:\n"));
	ck_assert_ptr_nonnull(strstr(m.text, "\n  " URL_LINK1 "\n"));
	ck_assert_ptr_nonnull(strstr(m.html, "<a href=\"" URL_LINK1 "\""));
	/* The order page link: its key is base64url, nothing to escape. */
	in_both(URL_ORDER);
	ck_assert_ptr_nonnull(strstr(m.html, "<a href=\"" URL_ORDER "\""));
	in_both("Colmena Records");
	in_both("help@records.example");
	ck_assert_ptr_nonnull(strstr(m.html,
	    "href=\"mailto:help@records.example\""));
	in_neither("Reply to this message");
	in_both("sent to ana@buyer.example");
}
END_TEST

START_TEST(receipt_escapes_html_not_text)
{
	r.store_name = hostile_store;
	items[0].name = hostile_product;
	links[0].name = hostile_product;
	r.customer_name = "O'Brien <ob>";
	render();
	ck_assert_ptr_nonnull(strstr(m.html, hostile_store_html));
	ck_assert_ptr_nonnull(strstr(m.html, hostile_product_html));
	ck_assert_ptr_nonnull(strstr(m.html, "Hello O&#39;Brien &lt;ob&gt;,"));
	ck_assert_msg(strstr(m.html, "<script") == NULL, "%s", m.html);
	ck_assert_ptr_null(strstr(m.html, "<b>"));
	ck_assert_ptr_null(strstr(m.html, "'Co'"));
	/* The text part and the subject are not HTML: unchanged. */
	ck_assert_ptr_nonnull(strstr(m.text, hostile_store));
	ck_assert_ptr_nonnull(strstr(m.text, hostile_product));
	ck_assert_ptr_nonnull(strstr(m.text, "Hello O'Brien <ob>,"));
	ck_assert_ptr_null(strstr(m.text, "&amp;"));
	ck_assert_ptr_null(strstr(m.text, "&lt;"));
	ck_assert_str_eq(m.subject,
	    "Your order from <script>alert(\"x\")</script> & 'Co'");
}
END_TEST

START_TEST(receipt_zero_links)
{
	r.nlinks = 0;
	r.links = NULL;
	render();
	in_both("This message carries no download links.");
	in_neither("Your downloads");
	in_neither("downloads left");
	in_neither("/download/");
	in_both(URL_ORDER);
}
END_TEST

START_TEST(receipt_no_tax_no_discount)
{
	render();
	in_neither("Tax");
	in_neither("Discount");
}
END_TEST

START_TEST(receipt_discount_and_tax)
{
	r.discount_minor = 300;
	r.tax_minor = 418;
	r.total_minor = 2299 - 300 + 418;
	render();
	ck_assert_ptr_nonnull(strstr(m.text, "Discount: -3.00 USD\n"));
	ck_assert_ptr_nonnull(strstr(m.text, "Tax:      4.18 USD\n"));
	ck_assert_ptr_nonnull(strstr(m.text, "Total:    24.17 USD\n"));
	ck_assert_ptr_nonnull(strstr(m.html, ">Discount</td>"));
	ck_assert_ptr_nonnull(strstr(m.html, ">-3.00 USD</td>"));
	ck_assert_ptr_nonnull(strstr(m.html, ">Tax</td>"));
	ck_assert_ptr_nonnull(strstr(m.html, ">4.18 USD</td>"));
	ck_assert_ptr_nonnull(strstr(m.html, ">24.17 USD</td>"));
}
END_TEST

START_TEST(receipt_without_name_or_support)
{
	r.customer_name = NULL;
	r.support_email = NULL;
	r.paid_at = NULL;
	render();
	in_both("Hello,");
	in_neither("Hello ,");
	in_both("Reply to this message.");
	in_neither("mailto:");
	in_neither("Write to");
	in_neither("Paid ");
}
END_TEST

/*
 * Ordinary data keeps the text part's lines under 78 columns; a link,
 * which cannot be broken, stands alone on its line.
 */
START_TEST(receipt_text_lines_are_short)
{
	const char	*p, *e;
	size_t		 cols;

	r.discount_minor = 300;
	r.tax_minor = 418;
	render();
	for (p = m.text; *p != '\0'; p = *e == '\n' ? e + 1 : e) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		cols = str_utf8_chars(p, (size_t)(e - p));
		if (strncmp(p, "  https://", 10) == 0 &&
		    memchr(p + 2, ' ', (size_t)(e - p - 2)) == NULL)
			continue;
		ck_assert_msg(cols < TEXT_COLS_MAX, "%zu columns: %.*s", cols,
		    (int)(e - p), p);
	}
	ck_assert_ptr_null(strstr(m.text, "\n\n\n"));
	ck_assert_ptr_null(strstr(m.text, "{{"));
	ck_assert_ptr_null(strstr(m.html, "{{"));
}
END_TEST

/* Mail clients fetch nothing and run nothing. */
START_TEST(receipt_html_is_self_contained)
{
	static const char *const banned[] = {
		"<script", "<img", "<link", "<iframe", "<style", "src=",
		"url(", "@import", "javascript:", "on" "click=", "onload=",
	};
	const char	*p;
	size_t		 i;

	render();
	ck_assert_msg(strncmp(m.html, "<!DOCTYPE html>\n", 16) == 0, "%.80s",
	    m.html);
	ck_assert_str_eq(m.html + strlen(m.html) - 8, "</html>\n");
	ck_assert_ptr_nonnull(strstr(m.html, "<meta charset=\"utf-8\">"));
	for (i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
		ck_assert_msg(strstr(m.html, banned[i]) == NULL, "'%s' in:\n%s",
		    banned[i], m.html);
	/* Every link is one the data gave. */
	for (i = 0, p = m.html; (p = strstr(p, "href=\"")) != NULL; i++) {
		p += 6;
		ck_assert_msg(strncmp(p, "https://shop.example/", 21) == 0 ||
		    strncmp(p, "mailto:", 7) == 0, "%.60s", p);
	}
	ck_assert_uint_eq(i, 4);
}
END_TEST

/* Each kind checks every template path against its data: no unknown names. */
START_TEST(receipt_templates_check_clean)
{
	int	 k;

	for (k = 0; k < RECEIPT__MAX; k++) {
		r.kind = (enum receipt_kind)k;
		render();
	}
	r.nlinks = 0;
	r.nitems = 0;
	r.customer_name = r.support_email = r.paid_at = NULL;
	render();
}
END_TEST

/* A template naming something the code does not give fails every render. */
START_TEST(receipt_unknown_name_is_caught)
{
	static const struct tmpl_src	 srcs[] = {
		{ "mail/receipt.html", "<p>{{store_name}}</p>\n" },
		{ "mail/receipt.txt", "{{store_name}}\n{{#if kind_links}}"
		    "{{nosuch}}{{/if}}\n" },
	};

	ck_assert_msg(tmpl_load_mem(srcs, 2, err, sizeof(err)) == 0, "%s",
	    err);
	r.kind = RECEIPT_PAID;		/* the branch with nosuch is not taken */
	ck_assert_int_eq(receipt_render(a, &r, &m, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "unknown variable 'nosuch'") != NULL, "%s",
	    err);
	ck_assert_ptr_null(m.text);
}
END_TEST

START_TEST(receipt_refuses_bad_input)
{
	struct receipt	 ok = r;

	r.exponent = 5;
	ck_assert_int_eq(receipt_render(a, &r, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "exponent"));
	r = ok;
	r.store_name = NULL;
	ck_assert_int_eq(receipt_render(a, &r, &m, err, sizeof(err)), -1);
	r = ok;
	links[1].url = "javascript:alert(1)";
	ck_assert_int_eq(receipt_render(a, &r, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "download link"));
	links[1].url = URL_LINK2;
	r.order_url = "/orders/relative";
	ck_assert_int_eq(receipt_render(a, &r, &m, err, sizeof(err)), -1);
	r = ok;
	r.kind = RECEIPT__MAX;
	ck_assert_int_eq(receipt_render(a, &r, &m, err, sizeof(err)), -1);
	r = ok;
	render();
}
END_TEST

START_TEST(receipt_missing_templates_fail)
{
	tmpl_free();
	ck_assert_int_eq(receipt_render(a, &r, &m, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no such template") != NULL, "%s", err);
}
END_TEST

static Suite *
receipt_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("receipt");
	tc = tcase_create("real templates");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, receipt_paid_subject_and_wording);
	tcase_add_test(tc, receipt_resent_subject_and_wording);
	tcase_add_test(tc, receipt_links_subject_and_wording);
	tcase_add_test(tc, receipt_usd_amounts);
	tcase_add_test(tc, receipt_jpy_has_no_decimals);
	tcase_add_test(tc, receipt_bhd_has_three_decimals);
	tcase_add_test(tc, receipt_links_and_names_appear);
	tcase_add_test(tc, receipt_escapes_html_not_text);
	tcase_add_test(tc, receipt_zero_links);
	tcase_add_test(tc, receipt_no_tax_no_discount);
	tcase_add_test(tc, receipt_discount_and_tax);
	tcase_add_test(tc, receipt_without_name_or_support);
	tcase_add_test(tc, receipt_text_lines_are_short);
	tcase_add_test(tc, receipt_html_is_self_contained);
	tcase_add_test(tc, receipt_templates_check_clean);
	tcase_add_test(tc, receipt_unknown_name_is_caught);
	tcase_add_test(tc, receipt_refuses_bad_input);
	tcase_add_test(tc, receipt_missing_templates_fail);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(receipt_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
