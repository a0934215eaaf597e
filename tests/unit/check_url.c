/*
 * check_url.c: url_origin (allowed origins normalised as browsers send
 * Origin: case, default ports, refusing paths, user information, bad ports
 * and host names, non-ASCII hosts, bad IPv6 literals) and url_origin_of (the
 * origin of a redirect URL: characters, schemes, length, Stripe's
 * {CHECKOUT_SESSION_ID} placeholder).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <check.h>

#include "arena.h"
#include "url.h"

static struct arena	*a;
static const char	*why;

static void
setup(void)
{
	a = arena_new();
	why = NULL;
}

static void
teardown(void)
{
	arena_free(a);
}

/* url_origin(in), failing the test if it is refused. */
static const char *
origin(const char *in)
{
	const char	*o;

	why = NULL;
	o = url_origin(a, in, &why);
	ck_assert_msg(o != NULL, "\"%s\" refused: %s", in, why);
	return o;
}

/* url_origin(in) is refused with a reason. */
static void
origin_refused(const char *in)
{
	const char	*o;

	why = NULL;
	o = url_origin(a, in, &why);
	ck_assert_msg(o == NULL, "\"%s\" accepted as %s", in, o);
	ck_assert_msg(why != NULL && *why != '\0', "\"%s\": no reason", in);
}

static const char *
origin_of(const char *url)
{
	const char	*o;

	why = NULL;
	o = url_origin_of(a, url, &why);
	ck_assert_msg(o != NULL, "\"%s\" refused: %s", url, why);
	return o;
}

static void
origin_of_refused(const char *url)
{
	const char	*o;

	why = NULL;
	o = url_origin_of(a, url, &why);
	ck_assert_msg(o == NULL, "\"%s\" accepted as %s", url, o);
	ck_assert_msg(why != NULL && *why != '\0', "\"%s\": no reason", url);
}

/* url_origin */

START_TEST(url_origin_keeps_normal_origins)
{
	ck_assert_str_eq(origin("https://shop.example"), "https://shop.example");
	ck_assert_str_eq(origin("http://localhost:8080"), "http://localhost:8080");
	ck_assert_str_eq(origin("http://127.0.0.1:3000"), "http://127.0.0.1:3000");
	ck_assert_str_eq(origin("https://a-b.c-d.example"),
	    "https://a-b.c-d.example");
	ck_assert_str_eq(origin("https://xn--bcher-kva.example"),
	    "https://xn--bcher-kva.example");
	ck_assert_str_eq(origin("https://x"), "https://x");
}
END_TEST

START_TEST(url_origin_lowercases_scheme_and_host)
{
	ck_assert_str_eq(origin("HTTPS://Shop.Example.COM"),
	    "https://shop.example.com");
	ck_assert_str_eq(origin("Http://LOCALHOST:8080"), "http://localhost:8080");
	ck_assert_str_eq(origin("hTTps://XN--BCHER-KVA.Example"),
	    "https://xn--bcher-kva.example");
}
END_TEST

START_TEST(url_origin_drops_default_ports_only)
{
	ck_assert_str_eq(origin("https://shop.example:443"),
	    "https://shop.example");
	ck_assert_str_eq(origin("http://shop.example:80"), "http://shop.example");
	ck_assert_str_eq(origin("https://shop.example:80"),
	    "https://shop.example:80");
	ck_assert_str_eq(origin("http://shop.example:443"),
	    "http://shop.example:443");
	ck_assert_str_eq(origin("https://shop.example:8443"),
	    "https://shop.example:8443");
	/* Leading zeros name the same port. */
	ck_assert_str_eq(origin("https://shop.example:00443"),
	    "https://shop.example");
	ck_assert_str_eq(origin("http://shop.example:08080"),
	    "http://shop.example:8080");
}
END_TEST

START_TEST(url_origin_accepts_port_range_ends)
{
	ck_assert_str_eq(origin("http://shop.example:1"), "http://shop.example:1");
	ck_assert_str_eq(origin("http://shop.example:65535"),
	    "http://shop.example:65535");
}
END_TEST

START_TEST(url_origin_refuses_bad_ports)
{
	static const char *const bad[] = {
		"http://shop.example:", "http://shop.example:0",
		"http://shop.example:65536", "http://shop.example:99999",
		"http://shop.example:123456", "http://shop.example:000080",
		"http://shop.example:-1", "http://shop.example:+80",
		"http://shop.example:8o", "http://shop.example: 80",
		"http://shop.example:80 ", "http://shop.example:0x50",
		"http://shop.example:80:80",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		origin_refused(bad[i]);
		ck_assert_str_eq(why, "must have a port from 1 to 65535");
	}
}
END_TEST

START_TEST(url_origin_refuses_paths_queries_fragments)
{
	static const char *const bad[] = {
		"https://shop.example/", "https://shop.example/shop",
		"https://shop.example?x=1", "https://shop.example#top",
		"https://shop.example:8443/", "https://shop.example/?",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		origin_refused(bad[i]);
		ck_assert_ptr_nonnull(strstr(why, "no path, query or fragment"));
	}
}
END_TEST

START_TEST(url_origin_refuses_user_information)
{
	origin_refused("https://user@shop.example");
	ck_assert_str_eq(why, "must not carry user information (@)");
	origin_refused("https://user:pw@shop.example");
	ck_assert_str_eq(why, "must not carry user information (@)");
	origin_refused("https://shop.example@evil.example");
	ck_assert_str_eq(why, "must not carry user information (@)");
}
END_TEST

START_TEST(url_origin_refuses_other_schemes)
{
	static const char *const bad[] = {
		"", "shop.example", "//shop.example", "ftp://shop.example",
		"https:/shop.example", "https:shop.example", "ws://shop.example",
		"javascript:alert(1)", "file:///etc/passwd", " https://x.example",
		"httpss://shop.example",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		origin_refused(bad[i]);
		ck_assert_str_eq(why, "must start with http:// or https://");
	}
}
END_TEST

START_TEST(url_origin_refuses_missing_host)
{
	origin_refused("https://");
	ck_assert_str_eq(why, "must name a host");
	origin_refused("http://:8080");
	ck_assert_str_eq(why, "must name a host");
}
END_TEST

START_TEST(url_origin_refuses_non_ascii_host)
{
	origin_refused("https://b\xc3\xbc" "cher.example");
	ck_assert_ptr_nonnull(strstr(why, "xn--"));
	origin_refused("https://\xe4\xbe\x8b\xe3\x81\x88.jp");
	ck_assert_ptr_nonnull(strstr(why, "xn--"));
}
END_TEST

START_TEST(url_origin_refuses_bad_labels)
{
	static const char *const bad[] = {
		"https://-shop.example", "https://shop-.example",
		"https://shop.-example", "https://shop.example-",
		"https://shop..example", "https://.shop.example",
		"https://shop.example.", "https://.", "https://shop_1.example",
		"https://shop example", "https://shop\texample",
		"https://shop%2eexample", "https://shop.example\\",
		"https://{CHECKOUT_SESSION_ID}.example",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		origin_refused(bad[i]);
		ck_assert_msg(strcmp(why, "has an invalid host name") == 0,
		    "\"%s\": %s", bad[i], why);
	}
}
END_TEST

START_TEST(url_origin_limits_label_and_host_length)
{
	char	 in[400], label[64];
	size_t	 o, i;

	/* A label of 63 characters passes, 64 do not. */
	memset(label, 'a', 63);
	label[63] = '\0';
	snprintf(in, sizeof(in), "https://%s.example", label);
	ck_assert_str_eq(origin(in), in);
	snprintf(in, sizeof(in), "https://%sa.example", label);
	origin_refused(in);
	ck_assert_str_eq(why, "has an invalid host name");

	/* A host of 253 characters passes, 254 do not. */
	o = (size_t)snprintf(in, sizeof(in), "https://");
	for (i = 0; i < 253; i++)
		in[o + i] = (i % 50 == 49) ? '.' : 'h';
	in[o + 253] = '\0';
	ck_assert_uint_eq(strlen(in + o), 253);
	ck_assert_str_eq(origin(in), in);
	in[o + 253] = 'h';
	in[o + 254] = '\0';
	origin_refused(in);
	ck_assert_str_eq(why, "has a host name that is too long");
}
END_TEST

START_TEST(url_origin_accepts_bracketed_ipv6)
{
	ck_assert_str_eq(origin("http://[::1]:8080"), "http://[::1]:8080");
	ck_assert_str_eq(origin("https://[2001:DB8::1]"), "https://[2001:db8::1]");
	ck_assert_str_eq(origin("https://[::1]:443"), "https://[::1]");
	ck_assert_str_eq(origin("http://[::ffff:192.0.2.1]"),
	    "http://[::ffff:192.0.2.1]");
}
END_TEST

START_TEST(url_origin_refuses_bad_ipv6_literals)
{
	static const char *const bad[] = {
		"http://[]", "http://[::g]", "http://[::1", "http://[::1%1]",
		"http://[fe80::1%25eth0]", "http://[fe80::1%eth0]",
		"http://[::1 ]", "http://[[::1]]",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		origin_refused(bad[i]);
		ck_assert_msg(strcmp(why, "has an invalid IPv6 address") == 0,
		    "\"%s\": %s", bad[i], why);
	}
	/* Something after the bracket other than a port. */
	origin_refused("http://[::1]x");
	ck_assert_str_eq(why, "must be scheme://host[:port]");
	origin_refused("http://[::1]:0");
	ck_assert_str_eq(why, "must have a port from 1 to 65535");
	/* An unbracketed IPv6 address reads as a host with a bad port. */
	origin_refused("http://::1");
}
END_TEST

START_TEST(url_origin_result_lives_in_arena)
{
	char		 in[] = "HTTPS://Shop.Example:443";
	const char	*o;

	o = origin(in);
	memset(in, 'x', sizeof(in) - 1);
	ck_assert_str_eq(o, "https://shop.example");
}
END_TEST

/* url_origin_of */

START_TEST(url_origin_of_gives_origin_of_full_url)
{
	ck_assert_str_eq(origin_of("https://shop.example:443/x?y#z"),
	    "https://shop.example");
	ck_assert_str_eq(origin_of("https://shop.example"), "https://shop.example");
	ck_assert_str_eq(origin_of("https://shop.example/"),
	    "https://shop.example");
	ck_assert_str_eq(origin_of("http://Shop.Example:8080/a/b/c.html"),
	    "http://shop.example:8080");
	ck_assert_str_eq(origin_of("https://shop.example?thanks=1"),
	    "https://shop.example");
	ck_assert_str_eq(origin_of("https://shop.example#done"),
	    "https://shop.example");
	ck_assert_str_eq(origin_of("HTTPS://SHOP.EXAMPLE/Thanks"),
	    "https://shop.example");
	ck_assert_str_eq(origin_of("http://[::1]:8080/ok"), "http://[::1]:8080");
	/* An @ after the host is part of the path. */
	ck_assert_str_eq(origin_of("https://shop.example/@evil.example"),
	    "https://shop.example");
	ck_assert_str_eq(origin_of("https://shop.example/p?next=https://evil."
	    "example/"), "https://shop.example");
}
END_TEST

START_TEST(url_origin_of_refuses_special_characters)
{
	static const char *const bad[] = {
		"https://shop.example/a b", "https://shop.example/a\tb",
		"https://shop.example/a\nb", "https://shop.example/a\rb",
		"https://shop.example/\x01", "https://shop.example/\x7f",
		"https://shop.example/\"x\"", "https://shop.example/<script>",
		"https://shop.example/a>b", "https://shop.example\\@evil.example/",
		"https://shop.example/a\\b", "https://shop.example/a^b",
		"https://shop.example/a`b", "https://shop.example/a|b",
		"https://shop.example/{x}", "https://shop.example/caf\xc3\xa9",
		"https://shop.example/ ", " https://shop.example/",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		origin_of_refused(bad[i]);
		ck_assert_msg(strcmp(why, "must be a URL without spaces or "
		    "special characters") == 0, "\"%s\": %s", bad[i], why);
	}
}
END_TEST

START_TEST(url_origin_of_refuses_other_schemes)
{
	static const char *const bad[] = {
		"", "javascript:alert(1)", "JavaScript:alert(document.cookie)",
		"javascript://shop.example/%0aalert(1)", "data:text/html,hi",
		"ftp://shop.example/x", "//shop.example/x", "/thanks", "thanks",
		"https:/shop.example/x", "https:shop.example",
		"vbscript:msgbox(1)",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		origin_of_refused(bad[i]);
		ck_assert_msg(strcmp(why, "must start with http:// or https://")
		    == 0, "\"%s\": %s", bad[i], why);
	}
}
END_TEST

START_TEST(url_origin_of_refuses_bad_authority)
{
	origin_of_refused("https://evil.example@shop.example/x");
	ck_assert_str_eq(why, "must not carry user information (@)");
	origin_of_refused("https://user:pw@shop.example");
	ck_assert_str_eq(why, "must not carry user information (@)");
	origin_of_refused("https:///shop.example/x");
	ck_assert_str_eq(why, "must name a host");
	origin_of_refused("https://shop.example:0/x");
	ck_assert_str_eq(why, "must have a port from 1 to 65535");
	origin_of_refused("https://shop.example:/x");
	ck_assert_str_eq(why, "must have a port from 1 to 65535");
	origin_of_refused("https://-shop.example/x");
	ck_assert_str_eq(why, "has an invalid host name");
	origin_of_refused("https://b\xc3\xbc" "cher.example/");
}
END_TEST

START_TEST(url_origin_of_accepts_stripe_placeholder)
{
	ck_assert_str_eq(origin_of("https://shop.example/thanks?session="
	    "{CHECKOUT_SESSION_ID}"), "https://shop.example");
	ck_assert_str_eq(origin_of("https://shop.example/{CHECKOUT_SESSION_ID}"
	    "/done#{CHECKOUT_SESSION_ID}"), "https://shop.example");
	/* Only that exact placeholder. */
	origin_of_refused("https://shop.example/?s={CHECKOUT_SESSION}");
	origin_of_refused("https://shop.example/?s={checkout_session_id}");
	origin_of_refused("https://shop.example/?s={CHECKOUT_SESSION_ID");
	origin_of_refused("https://shop.example/?s=CHECKOUT_SESSION_ID}");
	origin_of_refused("https://shop.example/?s={{CHECKOUT_SESSION_ID}}");
	/* Not in the host. */
	origin_of_refused("https://{CHECKOUT_SESSION_ID}.example/");
	ck_assert_str_eq(why, "has an invalid host name");
}
END_TEST

START_TEST(url_origin_of_limits_length)
{
	static char	 url[URL_MAX + 2];
	size_t		 o;

	ck_assert_int_eq(URL_MAX, 2048);
	o = (size_t)snprintf(url, sizeof(url), "https://shop.example/");
	memset(url + o, 'a', URL_MAX - o);
	url[URL_MAX] = '\0';
	ck_assert_uint_eq(strlen(url), URL_MAX);
	ck_assert_str_eq(origin_of(url), "https://shop.example");
	url[URL_MAX] = 'a';
	url[URL_MAX + 1] = '\0';
	origin_of_refused(url);
	ck_assert_str_eq(why, "is too long");
}
END_TEST

static Suite *
url_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("url");
	tc = tcase_create("origin");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, url_origin_keeps_normal_origins);
	tcase_add_test(tc, url_origin_lowercases_scheme_and_host);
	tcase_add_test(tc, url_origin_drops_default_ports_only);
	tcase_add_test(tc, url_origin_accepts_port_range_ends);
	tcase_add_test(tc, url_origin_refuses_bad_ports);
	tcase_add_test(tc, url_origin_refuses_paths_queries_fragments);
	tcase_add_test(tc, url_origin_refuses_user_information);
	tcase_add_test(tc, url_origin_refuses_other_schemes);
	tcase_add_test(tc, url_origin_refuses_missing_host);
	tcase_add_test(tc, url_origin_refuses_non_ascii_host);
	tcase_add_test(tc, url_origin_refuses_bad_labels);
	tcase_add_test(tc, url_origin_limits_label_and_host_length);
	tcase_add_test(tc, url_origin_accepts_bracketed_ipv6);
	tcase_add_test(tc, url_origin_refuses_bad_ipv6_literals);
	tcase_add_test(tc, url_origin_result_lives_in_arena);
	suite_add_tcase(s, tc);

	tc = tcase_create("origin_of");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, url_origin_of_gives_origin_of_full_url);
	tcase_add_test(tc, url_origin_of_refuses_special_characters);
	tcase_add_test(tc, url_origin_of_refuses_other_schemes);
	tcase_add_test(tc, url_origin_of_refuses_bad_authority);
	tcase_add_test(tc, url_origin_of_accepts_stripe_placeholder);
	tcase_add_test(tc, url_origin_of_limits_length);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(url_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
