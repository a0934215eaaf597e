/*
 * check_templates.c: the real templates/ directory: it loads, every file has
 * sample data in the table below, each checks on every path (no unknown
 * variable) and renders to balanced HTML with no external resources.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "arena.h"
#include "buf.h"
#include "tmpl.h"

#define TEMPLATE_DIR	COLMENA_TOP_SRCDIR "/templates"
#define WRAP_NAME	"_check_wrap"

/*
 * One row per template file. data builds what the code will pass (every
 * name the template uses, lists with at least one item so each bodies are
 * checked). wrap: a page around a partial-block layout, which cannot be
 * rendered alone. want: a piece of the rendered output.
 */
struct sample {
	const char	*name;
	struct tmpl_val	*(*data)(struct arena *);
	const char	*wrap;
	const char	*want;
};

static struct tmpl_val	*download_data(struct arena *);
static struct tmpl_val	*layout_data(struct arena *);
static struct tmpl_val	*order_data(struct arena *);
static struct tmpl_val	*receipt_data(struct arena *);
static struct tmpl_val	*unsubscribe_data(struct arena *);

static const struct sample samples[] = {
	{ "download.html", download_data, NULL,
	    "<p class=\"notice\" data-outcome=\"expired\">This link expired "
	    "&lt;sic&gt;.</p>" },
	{ "layout.html", layout_data,
	    "{{#> layout}}<p>Body</p>{{/layout}}",
	    "<h1>Orders &amp; &lt;refunds&gt;</h1>\n<p>Body</p>" },
	{ "order.html", order_data, NULL,
	    "<a class=\"button\" href=\"/download/tok&lt;1&gt;\" data-download>"
	    "Download Bees &amp; &lt;Honey&gt;</a>" },
	{ "unsubscribe.html", unsubscribe_data, NULL,
	    "<form method=\"post\" action=\"/unsubscribe/s/h/p\">" },
	/* The mail parts carry absolute links; relative ones here, so the
	 * "nothing fetched from elsewhere" check still means something. */
	{ "mail/receipt.html", receipt_data, NULL,
	    "<a href=\"/download/t1\"" },
	{ "mail/receipt.txt", receipt_data, NULL,
	    "Bees & <Honey>\n    2 x 12.99 USD = 25.98 USD" },
};

static const char *const void_elements[] = {
	"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
	"meta", "source", "track", "wbr",
};

/* Nothing that would make a browser fetch from elsewhere. */
static const char *const external[] = {
	"http:", "https:", "src=\"//", "href=\"//", "url(", "@import",
};

static struct arena	*a;
static struct buf	 out;
static char		 err[512];

static struct tmpl_val *
download_data(struct arena *ar)
{
	struct tmpl_val	*o;

	o = tmpl_obj_new(ar);
	tmpl_set_str(o, "title", "Download unavailable");
	tmpl_set_str(o, "message", "This link expired <sic>.");
	tmpl_set_str(o, "outcome", "expired");
	tmpl_set_bool(o, "form", true);
	tmpl_set_str(o, "action", "/api/v1/public/downloads/resend");
	tmpl_set_str(o, "expires", "2025-01-31 12:00 UTC");
	return o;
}

static struct tmpl_val *
layout_data(struct arena *ar)
{
	struct tmpl_val	*o;

	o = tmpl_obj_new(ar);
	tmpl_set_str(o, "title", "Orders & <refunds>");
	return o;
}

static struct tmpl_val *
order_data(struct arena *ar)
{
	struct tmpl_val	*o, *l, *it;

	o = tmpl_obj_new(ar);
	tmpl_set_str(o, "title", "Your order from Bees <& Co>");
	tmpl_set_bool(o, "found", true);
	tmpl_set_str(o, "store", "Bees <& Co>");
	tmpl_set_str(o, "supportEmail", "help@bees.test");
	tmpl_set_str(o, "orderId", "0b6d0d6e-3c58-4a0b-9d3c-3a8e1c9b2f10");
	tmpl_set_str(o, "status", "paid");
	tmpl_set_str(o, "headline", "Paid: thank you!");
	tmpl_set_str(o, "message", "Your order is paid.");
	tmpl_set_str(o, "createdAt", "2026-12-04 10:00 UTC");
	tmpl_set_str(o, "email", "bea@example.com");
	l = tmpl_set_list(o, "items");
	it = tmpl_list_add_obj(l);
	tmpl_set_str(it, "name", "Bees & <Honey>");
	tmpl_set_int(it, "quantity", 2);
	tmpl_set_str(it, "amount", "25.98 USD");
	tmpl_set_str(o, "subtotal", "25.98 USD");
	tmpl_set_str(o, "discount", "1.00 USD");
	tmpl_set_str(o, "tax", "2.00 USD");
	tmpl_set_str(o, "total", "26.98 USD");
	tmpl_set_str(o, "refunded", "5.00 USD");
	tmpl_set_bool(o, "access", true);
	l = tmpl_set_list(o, "downloads");
	it = tmpl_list_add_obj(l);
	tmpl_set_str(it, "name", "Bees & <Honey>");
	tmpl_set_str(it, "url", "/download/tok<1>");
	tmpl_set_str(it, "expires", "2026-12-07 10:00 UTC");
	tmpl_set_int(it, "left", 10);
	return o;
}

static struct tmpl_val *
unsubscribe_data(struct arena *ar)
{
	struct tmpl_val	*o;

	o = tmpl_obj_new(ar);
	tmpl_set_str(o, "title", "Unsubscribe");
	tmpl_set_str(o, "store", "Bees <& Co>");
	tmpl_set_str(o, "action", "/unsubscribe/s/h/p");
	tmpl_set_bool(o, "ask", true);
	tmpl_set_bool(o, "done", false);
	tmpl_set_bool(o, "invalid", false);
	return o;
}

/* What src/receipt.c passes to mail/receipt.*. */
static struct tmpl_val *
receipt_data(struct arena *ar)
{
	struct tmpl_val	*o, *l, *it;

	o = tmpl_obj_new(ar);
	tmpl_set_str(o, "subject", "Your order from Bees <& Co>");
	tmpl_set_bool(o, "kind_paid", true);
	tmpl_set_bool(o, "kind_resent", false);
	tmpl_set_bool(o, "kind_links", false);
	tmpl_set_str(o, "store_name", "Bees <& Co>");
	tmpl_set_str(o, "support_email", "help@bees.test");
	tmpl_set_str(o, "customer_name", "Bea");
	tmpl_set_str(o, "customer_email", "bea@example.com");
	tmpl_set_str(o, "order_id", "0b6d0d6e-3c58-4a0b-9d3c-3a8e1c9b2f10");
	tmpl_set_str(o, "order_url", "/orders/0b6d?key=k");
	tmpl_set_str(o, "paid_at", "2026-12-04 10:00 UTC");
	tmpl_set_str(o, "currency", "USD");
	l = tmpl_set_list(o, "items");
	it = tmpl_list_add_obj(l);
	tmpl_set_str(it, "name", "Bees & <Honey>");
	tmpl_set_int(it, "quantity", 2);
	tmpl_set_str(it, "unit", "12.99 USD");
	tmpl_set_str(it, "amount", "25.98 USD");
	tmpl_set_str(o, "subtotal", "25.98 USD");
	tmpl_set_bool(o, "has_discount", true);
	tmpl_set_str(o, "discount", "-1.00 USD");
	tmpl_set_bool(o, "has_tax", true);
	tmpl_set_str(o, "tax", "2.00 USD");
	tmpl_set_str(o, "total", "26.98 USD");
	l = tmpl_set_list(o, "links");
	it = tmpl_list_add_obj(l);
	tmpl_set_str(it, "name", "Bees & <Honey>");
	tmpl_set_str(it, "url", "/download/t1");
	tmpl_set_str(it, "expires", "2026-12-07 10:00 UTC");
	tmpl_set_int(it, "downloads_left", 10);
	return o;
}

static void
setup(void)
{
	a = arena_new();
	buf_init(&out, 1 << 20);
	ck_assert_msg(tmpl_load_dir(TEMPLATE_DIR, err, sizeof(err)) == 0,
	    "%s", err);
}

static void
teardown(void)
{
	tmpl_free();
	buf_clear(&out);
	arena_free(a);
}

static const struct sample *
sample_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		if (strcmp(samples[i].name, name) == 0)
			return &samples[i];
	return NULL;
}

static bool
is_void(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(void_elements) / sizeof(void_elements[0]); i++)
		if (strcmp(void_elements[i], name) == 0)
			return true;
	return false;
}

/*
 * A small well-formedness check (cgit runs every page through a validator):
 * every non-void element is closed, in order; style and script bodies are
 * skipped whole.
 */
static void
html_check(const char *tname, const char *s)
{
	char	 stack[64][16], name[16];
	size_t	 depth = 0, n;
	bool	 closing;

	while ((s = strchr(s, '<')) != NULL) {
		s++;
		if (*s == '!') {
			s = strchr(s, '>');
			ck_assert_msg(s != NULL, "%s: unterminated <!", tname);
			continue;
		}
		closing = *s == '/';
		if (closing)
			s++;
		for (n = 0; (s[n] >= 'a' && s[n] <= 'z') ||
		    (n > 0 && s[n] >= '0' && s[n] <= '9'); n++)
			ck_assert_msg(n + 1 < sizeof(name), "%s: long tag",
			    tname);
		ck_assert_msg(n > 0, "%s: stray '<' before '%.10s'", tname, s);
		memcpy(name, s, n);
		name[n] = '\0';
		s = strchr(s, '>');
		ck_assert_msg(s != NULL, "%s: <%s not closed", tname, name);
		if (closing) {
			ck_assert_msg(depth > 0 &&
			    strcmp(stack[depth - 1], name) == 0,
			    "%s: </%s> closes <%s>", tname, name,
			    depth ? stack[depth - 1] : "nothing");
			depth--;
			continue;
		}
		if (is_void(name))
			continue;
		ck_assert_msg(depth < 64, "%s: nested too deep", tname);
		memcpy(stack[depth++], name, n + 1);
		if (strcmp(name, "style") == 0 || strcmp(name, "script") == 0) {
			s = strstr(s, strcmp(name, "style") == 0 ? "</style>" :
			    "</script>");
			ck_assert_msg(s != NULL, "%s: <%s> not closed", tname,
			    name);
		}
	}
	ck_assert_msg(depth == 0, "%s: <%s> never closed", tname,
	    depth ? stack[depth - 1] : "");
}

static void
no_external(const char *tname, const char *s)
{
	size_t	 i;

	for (i = 0; i < sizeof(external) / sizeof(external[0]); i++)
		ck_assert_msg(strstr(s, external[i]) == NULL,
		    "%s: external resource ('%s')", tname, external[i]);
}

/* Read TEMPLATE_DIR/name whole into the arena. */
static const char *
read_template(const char *name)
{
	char	 path[1024], *text;
	FILE	*f;
	size_t	 n;

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", TEMPLATE_DIR,
	    name), (int)sizeof(path));
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	text = arena_alloc(a, TMPL_FILE_MAX + 1);
	n = fread(text, 1, TMPL_FILE_MAX, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

/*
 * Reload the real templates plus a page "_check_wrap" around s->name, so a
 * partial-block layout can be rendered.
 */
static const char *
wrapped_name(const struct sample *s)
{
	struct tmpl_src	*srcs;
	size_t		 i, n = tmpl_count();
	const char	*ext;

	ext = strrchr(s->name, '.');
	srcs = arena_calloc(a, n + 1, sizeof(*srcs));
	for (i = 0; i < n; i++) {
		srcs[i].name = arena_strdup(a, tmpl_name(i));
		srcs[i].text = read_template(srcs[i].name);
	}
	srcs[n].name = arena_printf(a, "%s%s", WRAP_NAME, ext);
	srcs[n].text = s->wrap;
	ck_assert_msg(tmpl_load_mem(srcs, n + 1, err, sizeof(err)) == 0, "%s",
	    err);
	return srcs[n].name;
}

/* Render s (through its wrapper if it has one) into out. */
static void
render_sample(const struct sample *s)
{
	const char	*name = s->wrap ? wrapped_name(s) : s->name;
	size_t		 len = strlen(name);
	int		 rc;

	buf_reset(&out);
	if (len > 4 && strcmp(name + len - 4, ".txt") == 0)
		rc = tmpl_render_text(&out, name, s->data(a), err, sizeof(err));
	else
		rc = tmpl_render(&out, name, s->data(a), err, sizeof(err));
	ck_assert_msg(rc == 0, "%s: %s", s->name, err);
}

START_TEST(templates_every_file_has_a_sample)
{
	size_t	 i;

	ck_assert_uint_gt(tmpl_count(), 0);
	for (i = 0; i < tmpl_count(); i++)
		ck_assert_msg(sample_find(tmpl_name(i)) != NULL,
		    "%s has no row in check_templates.c samples[]",
		    tmpl_name(i));
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		ck_assert_msg(tmpl_get(samples[i].name) != NULL,
		    "samples[] names %s, which is not in templates/",
		    samples[i].name);
}
END_TEST

START_TEST(templates_check_on_every_path)
{
	size_t	 i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		ck_assert_msg(tmpl_check(samples[i].name, samples[i].data(a),
		    err, sizeof(err)) == 0, "%s", err);
}
END_TEST

START_TEST(templates_render_well_formed)
{
	const struct sample	*s = &samples[_i];

	render_sample(s);
	ck_assert_msg(out.len > 0, "%s rendered nothing", s->name);
	if (s->want != NULL)
		ck_assert_msg(strstr(out.data, s->want) != NULL,
		    "%s: '%s' not in:\n%s", s->name, s->want, out.data);
	if (strstr(s->name, ".html") != NULL) {
		html_check(s->name, out.data);
		no_external(s->name, out.data);
	}
}
END_TEST

/* The harness must catch a template using a name the code does not give. */
START_TEST(templates_missing_value_is_caught)
{
	ck_assert_int_eq(tmpl_check("layout.html", tmpl_obj_new(a), err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "unknown variable 'title'") != NULL, "%s",
	    err);
}
END_TEST

START_TEST(templates_layout_is_a_complete_page)
{
	render_sample(sample_find("layout.html"));
	ck_assert_msg(strncmp(out.data, "<!DOCTYPE html>\n", 16) == 0,
	    "does not start with the doctype:\n%.80s", out.data);
	ck_assert_ptr_nonnull(strstr(out.data, "<html lang=\"en\">"));
	ck_assert_ptr_nonnull(strstr(out.data, "<meta charset=\"utf-8\">"));
	ck_assert_ptr_nonnull(strstr(out.data, "name=\"viewport\""));
	ck_assert_ptr_nonnull(strstr(out.data,
	    "<title>Orders &amp; &lt;refunds&gt; · ColmenaCommerce</title>"));
	ck_assert_ptr_nonnull(strstr(out.data, "<main id=\"main\">"));
	ck_assert_ptr_nonnull(strstr(out.data, "href=\"#main\""));
	ck_assert_ptr_null(strstr(out.data, "{{"));
	ck_assert_str_eq(out.data + out.len - 8, "</html>\n");
}
END_TEST

static Suite *
templates_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("templates");
	tc = tcase_create("real");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, templates_every_file_has_a_sample);
	tcase_add_test(tc, templates_check_on_every_path);
	tcase_add_loop_test(tc, templates_render_well_formed, 0,
	    (int)(sizeof(samples) / sizeof(samples[0])));
	tcase_add_test(tc, templates_missing_value_is_caught);
	tcase_add_test(tc, templates_layout_is_a_complete_page);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(templates_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
