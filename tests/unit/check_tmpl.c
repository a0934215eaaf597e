/*
 * check_tmpl.c: the template engine: escaping, raw output only for html
 * values, sections, each with @index, partials and partial blocks, load
 * errors with file:line, unknown variables, text mode and bounded output.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "arena.h"
#include "buf.h"
#include "tmpl.h"

static struct arena	*a;
static struct buf	 out;
static char		 err[512];

/* Load templates given as name/text pairs; the test fails if that fails. */
#define LOAD(...)	load_ok((const struct tmpl_src[]){ __VA_ARGS__ }, \
			    sizeof((const struct tmpl_src[]){ __VA_ARGS__ }) / \
			    sizeof(struct tmpl_src))
/* Load them expecting failure; returns the message. */
#define LOAD_FAIL(...)	load_fail((const struct tmpl_src[]){ __VA_ARGS__ }, \
			    sizeof((const struct tmpl_src[]){ __VA_ARGS__ }) / \
			    sizeof(struct tmpl_src))

static void
setup(void)
{
	a = arena_new();
	buf_init(&out, 1 << 16);
	err[0] = '\0';
}

static void
teardown(void)
{
	tmpl_free();
	buf_clear(&out);
	arena_free(a);
}

static void
load_ok(const struct tmpl_src *srcs, size_t n)
{
	ck_assert_msg(tmpl_load_mem(srcs, n, err, sizeof(err)) == 0,
	    "load failed: %s", err);
}

static const char *
load_fail(const struct tmpl_src *srcs, size_t n)
{
	err[0] = '\0';
	ck_assert_int_eq(tmpl_load_mem(srcs, n, err, sizeof(err)), -1);
	ck_assert_msg(err[0] != '\0', "no message");
	return err;
}

/* Render HTML template name with data; the test fails on an error. */
static const char *
render(const char *name, const struct tmpl_val *data)
{
	buf_reset(&out);
	ck_assert_msg(tmpl_render(&out, name, data, err, sizeof(err)) == 0,
	    "render failed: %s", err);
	return out.data;
}

/* Render expecting an error; returns the message. */
static const char *
render_fail(const char *name, const struct tmpl_val *data)
{
	buf_reset(&out);
	err[0] = '\0';
	ck_assert_int_eq(tmpl_render(&out, name, data, err, sizeof(err)), -1);
	ck_assert_msg(err[0] != '\0', "no message");
	return err;
}

/* One-template shortcut: load "t.html" and render it with data. */
static const char *
one(const char *text, const struct tmpl_val *data)
{
	LOAD({ "t.html", text });
	return render("t.html", data);
}

static struct tmpl_val *
obj_with_str(const char *key, const char *val)
{
	struct tmpl_val	*o;

	o = tmpl_obj_new(a);
	tmpl_set_str(o, key, val);
	return o;
}

#define ck_assert_contains(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, \
	    "'%s' not in '%s'", (needle), (hay))

/* --- escaping and raw output ------------------------------------------ */

START_TEST(tmpl_escapes_script_tag)
{
	ck_assert_str_eq(one("<p>{{x}}</p>",
	    obj_with_str("x", "<script>alert(1)</script>")),
	    "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
}
END_TEST

START_TEST(tmpl_escapes_quotes_ampersand_backtick)
{
	ck_assert_str_eq(one("{{x}}", obj_with_str("x", "\"a\" & 'b' `c`")),
	    "&quot;a&quot; &amp; &#39;b&#39; &#96;c&#96;");
}
END_TEST

START_TEST(tmpl_escaped_value_cannot_leave_attribute)
{
	ck_assert_str_eq(one("<a title=\"{{x}}\">",
	    obj_with_str("x", "\" onmouseover=\"alert(1)")),
	    "<a title=\"&quot; onmouseover=&quot;alert(1)\">");
}
END_TEST

START_TEST(tmpl_passes_utf8_through)
{
	const char	*s = "Ñandú — 日本語 🐝";

	ck_assert_str_eq(one("{{x}}", obj_with_str("x", s)), s);
}
END_TEST

START_TEST(tmpl_html_escape_handles_lengths)
{
	tmpl_html_escape(&out, "a<b\0>c", 6);
	ck_assert_uint_eq(out.len, 12);
	ck_assert_int_eq(memcmp(out.data, "a&lt;b\0&gt;c", 12), 0);
}
END_TEST

START_TEST(tmpl_raw_prints_html_value)
{
	struct tmpl_val	*o;

	o = tmpl_obj_new(a);
	tmpl_set_html(o, "x", "<b>hi</b>");
	ck_assert_str_eq(one("{{{x}}}|{{& x}}|{{{ x }}}", o),
	    "<b>hi</b>|<b>hi</b>|<b>hi</b>");
}
END_TEST

/* The chosen rule: raw tags need an html VALUE; a string there is an error. */
START_TEST(tmpl_raw_refuses_string_value)
{
	buf_puts(&out, "kept");
	LOAD({ "t.html", "a{{{x}}}b" });
	ck_assert_int_eq(tmpl_render(&out, "t.html",
	    obj_with_str("x", "<script>"), err, sizeof(err)), -1);
	ck_assert_str_eq(err,
	    "t.html:1: {{{x}}} needs trusted HTML but 'x' is a string");
	ck_assert_str_eq(out.data, "kept");
	render_fail("t.html", NULL);
}
END_TEST

START_TEST(tmpl_amp_tag_refuses_string_value)
{
	LOAD({ "t.html", "{{& x}}" });
	ck_assert_contains(render_fail("t.html", obj_with_str("x", "<i>")),
	    "needs trusted HTML");
}
END_TEST

START_TEST(tmpl_plain_tag_refuses_html_value)
{
	struct tmpl_val	*o;

	o = tmpl_obj_new(a);
	tmpl_set_html(o, "body", "<p>x</p>");
	LOAD({ "t.html", "{{body}}" });
	ck_assert_str_eq(render_fail("t.html", o),
	    "t.html:1: 'body' is trusted HTML: write {{{body}}}");
}
END_TEST

START_TEST(tmpl_prints_int_and_bool)
{
	struct tmpl_val	*o;

	o = tmpl_obj_new(a);
	tmpl_set_int(o, "n", -42);
	tmpl_set_int(o, "big", INT64_MAX);
	tmpl_set_bool(o, "t", true);
	tmpl_set_bool(o, "f", false);
	ck_assert_str_eq(one("{{n}} {{big}} {{t}} {{f}}", o),
	    "-42 9223372036854775807 true false");
}
END_TEST

START_TEST(tmpl_list_or_object_in_value_tag_is_error)
{
	struct tmpl_val	*o;

	o = tmpl_obj_new(a);
	tmpl_set_list(o, "xs");
	tmpl_set_obj(o, "u");
	LOAD({ "l.html", "{{xs}}" }, { "o.html", "{{u}}" });
	ck_assert_str_eq(render_fail("l.html", o),
	    "l.html:1: 'xs' is a list, not a printable value");
	ck_assert_str_eq(render_fail("o.html", o),
	    "o.html:1: 'u' is an object, not a printable value");
}
END_TEST

/* --- sections ---------------------------------------------------------- */

START_TEST(tmpl_if_truthiness)
{
	static const struct {
		enum tmpl_kind	 kind;
		const char	*s;
		int64_t		 i;
		size_t		 items;
		const char	*want;
	} cases[] = {
		{ TMPL_STR,  "",   0, 0, "N" },
		{ TMPL_STR,  "x",  0, 0, "Y" },
		{ TMPL_STR,  "0",  0, 0, "Y" },
		{ TMPL_HTML, "",   0, 0, "N" },
		{ TMPL_HTML, "<br>", 0, 0, "Y" },
		{ TMPL_INT,  NULL, 0, 0, "N" },
		{ TMPL_INT,  NULL, -1, 0, "Y" },
		{ TMPL_BOOL, NULL, 0, 0, "N" },
		{ TMPL_BOOL, NULL, 1, 0, "Y" },
		{ TMPL_LIST, NULL, 0, 0, "N" },
		{ TMPL_LIST, NULL, 0, 2, "Y" },
		{ TMPL_OBJ,  NULL, 0, 0, "Y" },
	};
	struct tmpl_val	*o, *v;
	size_t		 i, k;

	LOAD({ "if.html", "{{#if x}}Y{{else}}N{{/if}}" },
	    { "unless.html", "{{#unless x}}N{{else}}Y{{/unless}}" },
	    { "bare.html", "{{#unless x}}N{{/unless}}" });
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		switch (cases[i].kind) {
		case TMPL_STR:
			v = tmpl_str_new(a, cases[i].s);
			break;
		case TMPL_HTML:
			v = tmpl_html_new(a, cases[i].s);
			break;
		case TMPL_INT:
			v = tmpl_int_new(a, cases[i].i);
			break;
		case TMPL_BOOL:
			v = tmpl_bool_new(a, cases[i].i != 0);
			break;
		case TMPL_LIST:
			v = tmpl_list_new(a);
			for (k = 0; k < cases[i].items; k++)
				tmpl_list_add_str(v, "i");
			break;
		default:
			v = tmpl_obj_new(a);
			break;
		}
		o = tmpl_obj_new(a);
		tmpl_set(o, "x", v);
		ck_assert_msg(strcmp(render("if.html", o), cases[i].want) == 0,
		    "if case %zu", i);
		ck_assert_msg(strcmp(render("unless.html", o),
		    cases[i].want) == 0, "unless case %zu", i);
		ck_assert_str_eq(render("bare.html", o),
		    cases[i].want[0] == 'N' ? "N" : "");
	}
}
END_TEST

START_TEST(tmpl_nested_if_each_else)
{
	struct tmpl_val	*o, *orders, *ord, *items;

	o = tmpl_obj_new(a);
	orders = tmpl_set_list(o, "orders");
	ord = tmpl_list_add_obj(orders);
	tmpl_set_str(ord, "id", "A1");
	tmpl_set_bool(ord, "paid", true);
	items = tmpl_set_list(ord, "items");
	tmpl_list_add_str(items, "pdf");
	tmpl_list_add_str(items, "zip");
	ord = tmpl_list_add_obj(orders);
	tmpl_set_str(ord, "id", "B2");
	tmpl_set_bool(ord, "paid", false);
	tmpl_set_list(ord, "items");
	ck_assert_str_eq(one(
	    "{{#each orders}}{{#if paid}}[{{id}} paid:"
	    "{{#each items}} {{.}}{{else}} none{{/each}}]"
	    "{{else}}[{{id}} open{{#unless items}}, empty{{/unless}}]"
	    "{{/if}}{{/each}}", o),
	    "[A1 paid: pdf zip][B2 open, empty]");
}
END_TEST

START_TEST(tmpl_each_over_empty_list)
{
	struct tmpl_val	*o, *xs;

	o = tmpl_obj_new(a);
	xs = tmpl_set_list(o, "xs");
	LOAD({ "plain.html", "<ul>{{#each xs}}<li>{{.}}</li>{{/each}}</ul>" },
	    { "else.html", "{{#each xs}}{{.}}{{else}}No products yet."
	    "{{/each}}" });
	ck_assert_str_eq(render("plain.html", o), "<ul></ul>");
	ck_assert_str_eq(render("else.html", o), "No products yet.");
	tmpl_list_add_str(xs, "x");
	ck_assert_str_eq(render("else.html", o), "x");
}
END_TEST

START_TEST(tmpl_each_index_is_innermost)
{
	struct tmpl_val	*o, *rows, *row, *cells;
	int		 i;

	o = tmpl_obj_new(a);
	rows = tmpl_set_list(o, "rows");
	for (i = 0; i < 2; i++) {
		row = tmpl_list_add_obj(rows);
		cells = tmpl_set_list(row, "cells");
		tmpl_list_add_str(cells, "a");
		tmpl_list_add_str(cells, "b");
	}
	ck_assert_str_eq(one("{{#each rows}}{{@index}}:"
	    "{{#each cells}}{{@index}}{{.}} {{/each}}{{#if @index}}!{{/if}};"
	    "{{/each}}", o), "0:0a 1b ;1:0a 1b !;");
}
END_TEST

START_TEST(tmpl_each_sees_item_fields_then_outer_names)
{
	struct tmpl_val	*o, *ps, *p;

	o = tmpl_obj_new(a);
	tmpl_set_str(o, "csrf", "tok");
	tmpl_set_str(o, "name", "outer");
	ps = tmpl_set_list(o, "products");
	p = tmpl_list_add_obj(ps);
	tmpl_set_str(p, "name", "Book & <Co>");
	tmpl_set_int(p, "id", 7);
	ck_assert_str_eq(one("{{#each products}}{{id}} {{name}} {{csrf}}"
	    "{{/each}} {{name}}", o), "7 Book &amp; &lt;Co&gt; tok outer");
}
END_TEST

START_TEST(tmpl_dotted_names)
{
	struct tmpl_val	*o, *u, *st;

	o = tmpl_obj_new(a);
	u = tmpl_set_obj(o, "user");
	tmpl_set_str(u, "name", "Ana");
	st = tmpl_set_obj(u, "store");
	tmpl_set_str(st, "slug", "ana-books");
	ck_assert_str_eq(one("{{user.name}}@{{user.store.slug}}", o),
	    "Ana@ana-books");
	LOAD({ "t.html", "\n{{user.nmae}}" });
	ck_assert_str_eq(render_fail("t.html", o),
	    "t.html:2: unknown variable 'user.nmae'");
}
END_TEST

START_TEST(tmpl_index_outside_each_is_error)
{
	LOAD({ "t.html", "{{@index}}" });
	ck_assert_str_eq(render_fail("t.html", tmpl_obj_new(a)),
	    "t.html:1: @index outside {{#each}}");
}
END_TEST

START_TEST(tmpl_each_over_non_list_is_error)
{
	LOAD({ "t.html", "{{#each xs}}{{/each}}" });
	ck_assert_str_eq(render_fail("t.html", obj_with_str("xs", "abc")),
	    "t.html:1: {{#each xs}}: 'xs' is a string, not a list");
}
END_TEST

/* --- partials ---------------------------------------------------------- */

START_TEST(tmpl_partial_renders_in_callers_context)
{
	struct tmpl_val	*o, *xs;

	o = tmpl_obj_new(a);
	tmpl_set_str(o, "sep", ",");
	xs = tmpl_set_list(o, "xs");
	tmpl_list_add_str(xs, "<a>");
	tmpl_list_add_str(xs, "b");
	LOAD({ "page.html", "{{#each xs}}{{> item}}{{/each}}" },
	    { "item.html", "{{@index}}={{.}}{{sep}}" },
	    { "admin/nav.html", "[nav]" },
	    { "sub.html", "{{>admin/nav}}" });
	ck_assert_str_eq(render("page.html", o), "0=&lt;a&gt;,1=b,");
	ck_assert_str_eq(render("sub.html", o), "[nav]");
}
END_TEST

START_TEST(tmpl_partial_block_wraps_body)
{
	struct tmpl_val	*o;

	o = tmpl_obj_new(a);
	tmpl_set_str(o, "title", "T&C");
	tmpl_set_str(o, "msg", "<hi>");
	LOAD({ "layout.html", "<title>{{title}}</title>"
	    "<main>{{> @partial-block}}</main>" },
	    { "card.html", "<div>{{> @partial-block}}</div>" },
	    { "page.html", "{{#> layout}}<p>{{msg}}</p>"
	    "{{#> card}}{{msg}}{{/card}}{{/layout}}" });
	ck_assert_str_eq(render("page.html", o),
	    "<title>T&amp;C</title><main><p>&lt;hi&gt;</p>"
	    "<div>&lt;hi&gt;</div></main>");
	ck_assert_str_eq(render_fail("layout.html", o), "layout.html:1: "
	    "{{> @partial-block}} but layout.html was not called as {{#> }}");
}
END_TEST

START_TEST(tmpl_partial_including_itself_is_load_error)
{
	ck_assert_str_eq(LOAD_FAIL({ "a.html", "x\n{{> a}}" }),
	    "a.html:2: partial 'a' includes itself unconditionally "
	    "(endless recursion)");
	ck_assert_contains(LOAD_FAIL({ "a.html", "{{> b}}" },
	    { "b.html", "{{#> a}}{{/a}}" }), "includes itself");
}
END_TEST

START_TEST(tmpl_conditional_recursion_hits_depth_limit)
{
	struct tmpl_val	*o;

	o = tmpl_obj_new(a);
	tmpl_set_bool(o, "more", true);
	LOAD({ "r.html", "{{#if more}}x{{> r}}{{/if}}" });
	ck_assert_contains(render_fail("r.html", o),
	    "partials nested deeper than 16");
	ck_assert_uint_eq(out.len, 0);
}
END_TEST

START_TEST(tmpl_recursive_tree_renders)
{
	struct tmpl_val	*o, *kids, *k;

	o = tmpl_obj_new(a);
	tmpl_set_str(o, "name", "root");
	kids = tmpl_set_list(o, "kids");
	k = tmpl_list_add_obj(kids);
	tmpl_set_str(k, "name", "a");
	tmpl_set_list(k, "kids");
	k = tmpl_list_add_obj(kids);
	tmpl_set_str(k, "name", "b");
	k = tmpl_list_add_obj(tmpl_set_list(k, "kids"));
	tmpl_set_str(k, "name", "c");
	tmpl_set_list(k, "kids");
	LOAD({ "node.html", "{{name}}{{#if kids}}({{#each kids}}{{> node}}"
	    "{{/each}}){{/if}}" });
	ck_assert_str_eq(render("node.html", o), "root(ab(c))");
	ck_assert_int_eq(tmpl_check("node.html", o, err, sizeof(err)), 0);
}
END_TEST

START_TEST(tmpl_unknown_partial_is_load_error)
{
	ck_assert_str_eq(LOAD_FAIL({ "p.html", "a\nb\n{{> footer}}" }),
	    "p.html:3: unknown partial 'footer' (no footer.html)");
	/* A text template's partials are text templates. */
	ck_assert_str_eq(LOAD_FAIL({ "m.txt", "{{> sig}}" },
	    { "sig.html", "x" }), "m.txt:1: unknown partial 'sig' (no sig.txt)");
}
END_TEST

START_TEST(tmpl_unknown_variable_in_partial_names_partial)
{
	LOAD({ "page.html", "a\n{{> foot}}" }, { "foot.html", "\n\n{{yaer}}" });
	ck_assert_str_eq(render_fail("page.html", tmpl_obj_new(a)),
	    "foot.html:3: unknown variable 'yaer'");
}
END_TEST

/* --- load errors ------------------------------------------------------- */

START_TEST(tmpl_unknown_variable_names_it_and_line)
{
	struct tmpl_val	*o;

	o = tmpl_obj_new(a);
	tmpl_set_bool(o, "ok", true);
	LOAD({ "t.html", "line1\n{{#if ok}}\n{{nmae}}\n{{/if}}" });
	ck_assert_str_eq(render_fail("t.html", o),
	    "t.html:3: unknown variable 'nmae'");
	ck_assert_uint_eq(out.len, 0);
	ck_assert_str_eq(render_fail("t.html", NULL),
	    "t.html:2: unknown variable 'ok'");
}
END_TEST

START_TEST(tmpl_malformed_templates_fail_with_line)
{
	static const struct {
		const char	*text;
		const char	*want;
	} cases[] = {
		{ "a\n{{#if x}}\nb", "t.html:2: {{#if x}} is never closed" },
		{ "{{#each xs}}{{#if x}}{{/if}}",
		    "t.html:1: {{#each xs}} is never closed" },
		{ "\n{{/each}}", "t.html:2: {{/each}} without an open section" },
		{ "{{#if x}}\n{{/each}}", "t.html:2: {{/each}} does not close "
		    "{{#if x}} opened at line 1" },
		{ "{{#> layout}}{{/page}}", "t.html:1: {{/page}} does not close "
		    "{{#> layout}} opened at line 1" },
		{ "a\n\nb {{ name", "t.html:3: unterminated tag '{{' "
		    "(no '}}' on its line)" },
		{ "{{name\n}}", "t.html:1: unterminated tag '{{'" },
		{ "x {{{raw}}", "t.html:1: unterminated tag '{{{'" },
		{ "{{! never closed\ncomment",
		    "t.html:1: unterminated comment '{{!' (no '}}')" },
		{ "{{}}", "t.html:1: missing name in tag" },
		{ "{{#each}}{{/each}}", "t.html:1: missing name in tag" },
		{ "{{> }}", "t.html:1: missing partial name" },
		{ "{{#foo x}}", "t.html:1: unknown tag '{{#foo x}}'" },
		{ "{{^x}}{{/x}}", "t.html:1: unknown tag" },
		{ "{{a..b}}", "t.html:1: bad name 'a..b' (empty part)" },
		{ "{{a b}}", "t.html:1: bad name 'a b'" },
		{ "{{@first}}", "t.html:1: bad name '@first'" },
		{ "{{> ../x}}", "t.html:1: bad partial name '../x'" },
		{ "{{else}}", "t.html:1: {{else}} outside a section" },
		{ "{{#if x}}{{else}}\n{{else}}{{/if}}",
		    "t.html:2: second {{else}} in {{#if}} opened at line 1" },
		{ "{{#> p}}{{else}}{{/p}}", "t.html:1: {{else}} inside {{#> p}}" },
		{ "{{#> @partial-block}}", "is not a partial" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(tmpl_load_mem((const struct tmpl_src[]){
		    { "t.html", cases[i].text }, { "p.html", "" } }, 2, err,
		    sizeof(err)) == -1, "case %zu loaded", i);
		ck_assert_msg(strstr(err, cases[i].want) != NULL,
		    "case %zu: want '%s', got '%s'", i, cases[i].want, err);
	}
}
END_TEST

START_TEST(tmpl_failed_load_keeps_previous_set)
{
	LOAD({ "old.html", "old" });
	LOAD_FAIL({ "new.html", "{{#if x}}" });
	ck_assert_ptr_nonnull(tmpl_get("old.html"));
	ck_assert_ptr_null(tmpl_get("new.html"));
	ck_assert_str_eq(render("old.html", NULL), "old");
	LOAD({ "new.html", "new" });
	ck_assert_ptr_null(tmpl_get("old.html"));
	ck_assert_uint_eq(tmpl_count(), 1);
	ck_assert_str_eq(tmpl_name(0), "new.html");
	ck_assert_ptr_null(tmpl_name(1));
}
END_TEST

START_TEST(tmpl_bad_template_names_rejected)
{
	static const char *const bad[] = {
		"../x.html", "/x.html", "x.htm", "x", ".hidden.html",
		"a//b.html", "a/.b.html", "sp ace.html", "x.HTML",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(tmpl_load_mem((const struct tmpl_src[]){
		    { bad[i], "x" } }, 1, err, sizeof(err)) == -1, "%s", bad[i]);
		ck_assert_contains(err, "bad template name");
	}
	ck_assert_contains(LOAD_FAIL({ "a.html", "1" }, { "a.html", "2" }),
	    "a.html: loaded twice");
}
END_TEST

START_TEST(tmpl_nesting_depth_is_bounded)
{
	struct buf	 t;
	int		 i;

	buf_init(&t, 1 << 16);
	for (i = 0; i < TMPL_NEST_MAX; i++)
		buf_puts(&t, "{{#if x}}");
	for (i = 0; i < TMPL_NEST_MAX; i++)
		buf_puts(&t, "{{/if}}");
	LOAD({ "ok.html", t.data });
	buf_reset(&t);
	for (i = 0; i <= TMPL_NEST_MAX; i++)
		buf_puts(&t, "{{#if x}}");
	ck_assert_str_eq(LOAD_FAIL({ "deep.html", t.data }),
	    "deep.html:1: sections nested deeper than 32");
	buf_clear(&t);
}
END_TEST

START_TEST(tmpl_node_count_and_size_are_bounded)
{
	struct buf	 t;
	char		*big;
	int		 i;

	buf_init(&t, 1 << 20);
	for (i = 0; i <= TMPL_NODES_MAX; i++)
		buf_puts(&t, "{{x}}");
	ck_assert_contains(LOAD_FAIL({ "many.html", t.data }),
	    "many.html:1: more than 8192 tags and texts");
	buf_clear(&t);
	big = malloc(TMPL_FILE_MAX + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', TMPL_FILE_MAX + 1);
	big[TMPL_FILE_MAX + 1] = '\0';
	ck_assert_str_eq(LOAD_FAIL({ "big.html", big }),
	    "big.html: larger than 262144 bytes");
	free(big);
}
END_TEST

START_TEST(tmpl_invalid_utf8_rejected)
{
	ck_assert_str_eq(LOAD_FAIL({ "u.html", "caf\xc3" }),
	    "u.html: not valid UTF-8");
}
END_TEST

/* Write text to dir/name, creating nothing else. */
static void
write_file(const char *dir, const char *name, const char *text)
{
	char	 path[512];
	FILE	*f;

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", dir, name),
	    (int)sizeof(path));
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(tmpl_load_dir_reads_tree)
{
	static const char *const files[] = {
		"page.html", "layout.html", "mail/receipt.txt", "notes.md",
		".swap.html", "bad.html",
	};
	char	 dir[] = "/tmp/check_tmpl.XXXXXX", sub[600], want[700];
	size_t	 i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/mail", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	write_file(dir, "page.html", "{{#> layout}}{{x}}{{/layout}}");
	write_file(dir, "layout.html", "<b>{{> @partial-block}}</b>");
	write_file(dir, "mail/receipt.txt", "Hi {{x}}");
	write_file(dir, "notes.md", "{{ not a template");
	write_file(dir, ".swap.html", "{{ not a template");
	ck_assert_msg(tmpl_load_dir(dir, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(tmpl_count(), 3);
	ck_assert_str_eq(tmpl_name(0), "layout.html");
	ck_assert_str_eq(tmpl_name(1), "mail/receipt.txt");
	ck_assert_str_eq(tmpl_name(2), "page.html");
	ck_assert_str_eq(render("page.html", obj_with_str("x", "<&>")),
	    "<b>&lt;&amp;&gt;</b>");
	write_file(dir, "bad.html", "ok\n{{#each xs}}");
	ck_assert_int_eq(tmpl_load_dir(dir, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/bad.html:2: {{#each xs}} is never "
	    "closed", dir);
	ck_assert_str_eq(err, want);
	ck_assert_uint_eq(tmpl_count(), 3);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(want, sizeof(want), "%s/%s", dir, files[i]);
		ck_assert_int_eq(unlink(want), 0);
	}
	ck_assert_int_eq(rmdir(sub), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_int_eq(tmpl_load_dir(dir, err, sizeof(err)), -1);
	ck_assert_contains(err, dir);
}
END_TEST

/* --- text mode and whitespace ------------------------------------------ */

START_TEST(tmpl_render_text_does_not_escape)
{
	struct tmpl_val	*o;

	o = tmpl_obj_new(a);
	tmpl_set_str(o, "name", "O'Brien & <Sons>");
	tmpl_set_html(o, "h", "<b>");
	tmpl_set_int(o, "n", 3);
	LOAD({ "m.txt", "Hi {{name}}, {{h}} x{{n}}" });
	buf_reset(&out);
	ck_assert_msg(tmpl_render_text(&out, "m.txt", o, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_str_eq(out.data, "Hi O'Brien & <Sons>, <b> x3");
}
END_TEST

START_TEST(tmpl_text_template_rejects_raw_tag)
{
	ck_assert_str_eq(LOAD_FAIL({ "m.txt", "{{{x}}}" }),
	    "m.txt:1: raw tag in a text template (text output is never "
	    "escaped)");
}
END_TEST

START_TEST(tmpl_mode_follows_extension)
{
	LOAD({ "m.txt", "t" }, { "p.html", "h" });
	ck_assert_int_eq(tmpl_render(&out, "m.txt", NULL, err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "m.txt: not an HTML template (use "
	    "tmpl_render_text)");
	ck_assert_int_eq(tmpl_render_text(&out, "p.html", NULL, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "p.html: not a text template (use tmpl_render)");
	ck_assert_int_eq(tmpl_render(&out, "nope.html", NULL, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "nope.html: no such template");
	ck_assert_uint_eq(out.len, 0);
}
END_TEST

START_TEST(tmpl_standalone_tag_lines_vanish)
{
	struct tmpl_val	*o, *xs;

	o = tmpl_obj_new(a);
	xs = tmpl_set_list(o, "xs");
	tmpl_list_add_str(xs, "a");
	tmpl_list_add_str(xs, "b");
	tmpl_set_bool(o, "y", true);
	LOAD({ "m.txt", "{{! receipt }}\nItems:\n  {{#each xs}}\n- {{.}}\n"
	    "  {{/each}}\r\n{{#if y}}yes {{#if y}}inline{{/if}} end\n"
	    "{{/if}}\nBye\n{{! last }}" });
	buf_reset(&out);
	ck_assert_msg(tmpl_render_text(&out, "m.txt", o, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_str_eq(out.data,
	    "Items:\n- a\n- b\nyes inline end\nBye\n");
}
END_TEST

/* --- bounded output ---------------------------------------------------- */

START_TEST(tmpl_output_overflow_is_error_not_truncation)
{
	struct buf	 small;

	buf_init(&small, 16);
	buf_puts(&small, "head");
	LOAD({ "t.html", "0123456789\n{{x}}" });
	ck_assert_int_eq(tmpl_render(&small, "t.html",
	    obj_with_str("x", "<<<<"), err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.html:2: output exceeds 16 bytes");
	ck_assert(small.err);
	ck_assert_str_eq(small.data, "head");
	ck_assert_int_eq(tmpl_render(&small, "t.html",
	    obj_with_str("x", ""), err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.html: output buffer already failed");
	buf_clear(&small);
}
END_TEST

START_TEST(tmpl_error_cuts_output_back)
{
	buf_puts(&out, "prefix|");
	LOAD({ "t.html", "lots of text {{x}} {{missing}}" });
	ck_assert_int_eq(tmpl_render(&out, "t.html", obj_with_str("x", "v"),
	    err, sizeof(err)), -1);
	ck_assert_str_eq(out.data, "prefix|");
	ck_assert(!out.err);
}
END_TEST

START_TEST(tmpl_appends_to_existing_output)
{
	buf_puts(&out, "a");
	LOAD({ "t.html", "{{x}}" });
	ck_assert_int_eq(tmpl_render(&out, "t.html", obj_with_str("x", "b"),
	    err, sizeof(err)), 0);
	ck_assert_int_eq(tmpl_render(&out, "t.html", obj_with_str("x", "c"),
	    err, sizeof(err)), 0);
	ck_assert_str_eq(out.data, "abc");
}
END_TEST

/* --- tmpl_check -------------------------------------------------------- */

START_TEST(tmpl_check_finds_names_in_untaken_branches)
{
	struct tmpl_val	*o;

	o = tmpl_obj_new(a);
	tmpl_set_bool(o, "ok", true);
	tmpl_set_str(o, "a", "x");
	LOAD({ "t.html", "{{#if ok}}{{a}}{{else}}\n{{b}}{{/if}}" });
	ck_assert_str_eq(render("t.html", o), "x");
	ck_assert_int_eq(tmpl_check("t.html", o, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.html:2: unknown variable 'b'");
	tmpl_set_str(o, "b", "y");
	ck_assert_msg(tmpl_check("t.html", o, err, sizeof(err)) == 0, "%s",
	    err);
}
END_TEST

START_TEST(tmpl_check_walks_each_body_and_else)
{
	struct tmpl_val	*o, *item;

	o = tmpl_obj_new(a);
	item = tmpl_list_add_obj(tmpl_set_list(o, "xs"));
	LOAD({ "t.html", "{{#each xs}}{{name}}{{else}}{{empty}}{{/each}}" });
	ck_assert_int_eq(tmpl_check("t.html", o, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.html:1: unknown variable 'name'");
	tmpl_set_str(item, "name", "n");
	ck_assert_int_eq(tmpl_check("t.html", o, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.html:1: unknown variable 'empty'");
	ck_assert_int_eq(tmpl_check("nope.html", o, err, sizeof(err)), -1);
}
END_TEST

START_TEST(tmpl_check_accepts_slot_without_block)
{
	LOAD({ "layout.html", "<main>{{> @partial-block}}</main>{{t}}" });
	ck_assert_int_eq(tmpl_check("layout.html", obj_with_str("t", "x"), err,
	    sizeof(err)), 0);
	ck_assert_int_eq(tmpl_check("layout.html", NULL, err, sizeof(err)),
	    -1);
}
END_TEST

/* --- values ------------------------------------------------------------ */

START_TEST(tmpl_values_are_copied_and_replaced)
{
	struct tmpl_val	*o, *xs;
	char		 s[8] = "before";
	int		 i;

	o = tmpl_obj_new(a);
	tmpl_set_str(o, "s", s);
	s[0] = 'X';
	tmpl_set_str(o, "n", NULL);
	tmpl_set_int(o, "k", 1);
	tmpl_set_int(o, "k", 2);
	xs = tmpl_set_list(o, "xs");
	for (i = 0; i < 100; i++)
		tmpl_list_add(xs, tmpl_int_new(a, i));
	for (i = 0; i < 20; i++)
		tmpl_set_bool(o, arena_printf(a, "b%d", i), i % 2);
	ck_assert_uint_eq(o->u.obj.n, 24);
	ck_assert_ptr_null(tmpl_get_val(o, "missing"));
	ck_assert_ptr_null(tmpl_get_val(NULL, "s"));
	ck_assert_ptr_null(tmpl_get_val(xs, "s"));
	ck_assert_str_eq(one("{{s}}[{{n}}]{{k}}{{#if b19}}!{{/if}}"
	    "{{#each xs}}{{#if @index}},{{/if}}{{.}}{{/each}}", o),
	    "before[]2!0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,"
	    "21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,"
	    "42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,"
	    "63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,"
	    "84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99");
}
END_TEST

START_TEST(tmpl_whitespace_inside_tags_allowed)
{
	struct tmpl_val	*o;

	o = tmpl_obj_new(a);
	tmpl_set_str(o, "x", "v");
	tmpl_set_bool(o, "y", true);
	ck_assert_str_eq(one("{{ x }}{{#if  y }}Y{{ else }}N{{/if}}"
	    "{{!c}}{{ ! spaced comment }}", o), "vY");
}
END_TEST

static Suite *
tmpl_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("tmpl");

	tc = tcase_create("escape");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tmpl_escapes_script_tag);
	tcase_add_test(tc, tmpl_escapes_quotes_ampersand_backtick);
	tcase_add_test(tc, tmpl_escaped_value_cannot_leave_attribute);
	tcase_add_test(tc, tmpl_passes_utf8_through);
	tcase_add_test(tc, tmpl_html_escape_handles_lengths);
	tcase_add_test(tc, tmpl_raw_prints_html_value);
	tcase_add_test(tc, tmpl_raw_refuses_string_value);
	tcase_add_test(tc, tmpl_amp_tag_refuses_string_value);
	tcase_add_test(tc, tmpl_plain_tag_refuses_html_value);
	tcase_add_test(tc, tmpl_prints_int_and_bool);
	tcase_add_test(tc, tmpl_list_or_object_in_value_tag_is_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("sections");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tmpl_if_truthiness);
	tcase_add_test(tc, tmpl_nested_if_each_else);
	tcase_add_test(tc, tmpl_each_over_empty_list);
	tcase_add_test(tc, tmpl_each_index_is_innermost);
	tcase_add_test(tc, tmpl_each_sees_item_fields_then_outer_names);
	tcase_add_test(tc, tmpl_dotted_names);
	tcase_add_test(tc, tmpl_index_outside_each_is_error);
	tcase_add_test(tc, tmpl_each_over_non_list_is_error);
	tcase_add_test(tc, tmpl_whitespace_inside_tags_allowed);
	suite_add_tcase(s, tc);

	tc = tcase_create("partials");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tmpl_partial_renders_in_callers_context);
	tcase_add_test(tc, tmpl_partial_block_wraps_body);
	tcase_add_test(tc, tmpl_partial_including_itself_is_load_error);
	tcase_add_test(tc, tmpl_conditional_recursion_hits_depth_limit);
	tcase_add_test(tc, tmpl_recursive_tree_renders);
	tcase_add_test(tc, tmpl_unknown_partial_is_load_error);
	tcase_add_test(tc, tmpl_unknown_variable_in_partial_names_partial);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tmpl_unknown_variable_names_it_and_line);
	tcase_add_test(tc, tmpl_malformed_templates_fail_with_line);
	tcase_add_test(tc, tmpl_failed_load_keeps_previous_set);
	tcase_add_test(tc, tmpl_bad_template_names_rejected);
	tcase_add_test(tc, tmpl_nesting_depth_is_bounded);
	tcase_add_test(tc, tmpl_node_count_and_size_are_bounded);
	tcase_add_test(tc, tmpl_invalid_utf8_rejected);
	tcase_add_test(tc, tmpl_load_dir_reads_tree);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tmpl_render_text_does_not_escape);
	tcase_add_test(tc, tmpl_text_template_rejects_raw_tag);
	tcase_add_test(tc, tmpl_mode_follows_extension);
	tcase_add_test(tc, tmpl_standalone_tag_lines_vanish);
	suite_add_tcase(s, tc);

	tc = tcase_create("output");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tmpl_output_overflow_is_error_not_truncation);
	tcase_add_test(tc, tmpl_error_cuts_output_back);
	tcase_add_test(tc, tmpl_appends_to_existing_output);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tmpl_check_finds_names_in_untaken_branches);
	tcase_add_test(tc, tmpl_check_walks_each_body_and_else);
	tcase_add_test(tc, tmpl_check_accepts_slot_without_block);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tmpl_values_are_copied_and_replaced);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(tmpl_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
