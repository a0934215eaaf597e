/*
 * check_mime.c: outgoing messages: plain ASCII subjects, UTF-8 subjects as
 * encoded-words that decode back and fold within 76 columns, CR/LF refused
 * in every header value, quoted-printable bodies wrapped and decoding back,
 * multipart/alternative with both parts, well-formed Date and Message-ID.
 */
#include "config.h"

#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "mime.h"

#define FROM	"Shop <no-reply@shop.example>"

static struct buf	 b;
static char		 err[128];

static void
setup(void)
{
	buf_init(&b, 1024 * 1024);
	err[0] = '\0';
}

static void
teardown(void)
{
	buf_clear(&b);
}

static int
build(const char *to, const char *subject, const char *text, const char *html)
{
	struct mime_msg	 m;

	memset(&m, 0, sizeof(m));
	m.from = FROM;
	m.to = to;
	m.subject = subject;
	m.text = text;
	m.html = html;
	return mime_build(&b, &m, err, sizeof(err));
}

/* The unfolded value of header name (malloc'd), or NULL. */
static char *
header(const char *msg, const char *name)
{
	const char	*p, *end;
	char		*v;
	size_t		 n = strlen(name), k = 0;

	end = strstr(msg, "\r\n\r\n");
	for (p = msg; p != NULL && p < end; p = strstr(p, "\r\n") + 2) {
		if (strncmp(p, name, n) == 0 && p[n] == ':')
			break;
		if (strstr(p, "\r\n") == NULL)
			return NULL;
	}
	if (p == NULL || p >= end)
		return NULL;
	p += n + 1;
	while (*p == ' ')
		p++;
	v = calloc(1, strlen(p) + 1);
	for (; *p != '\0'; p++) {
		if (p[0] == '\r' && p[1] == '\n') {
			if (p[2] != ' ' && p[2] != '\t')
				break;
			p++;		/* unfold: CRLF goes, the blank stays */
			continue;
		}
		v[k++] = *p;
	}
	return v;
}

static int
b64val(char c)
{
	const char	*a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	const char	*p = strchr(a, c);

	return c != '\0' && p != NULL ? (int)(p - a) : -1;
}

/* Decode RFC 2047 B words of v (blanks between words dropped). */
static char *
decode_words(const char *v)
{
	char		*out = calloc(1, strlen(v) + 1);
	size_t		 k = 0;
	const char	*e;
	unsigned long	 acc;
	int		 bits, d;

	while (*v != '\0') {
		while (*v == ' ')
			v++;
		if (*v == '\0')
			break;
		if (strncmp(v, "=?UTF-8?B?", 10) != 0)
			return NULL;
		v += 10;
		if ((e = strstr(v, "?=")) == NULL)
			return NULL;
		for (acc = 0, bits = 0; v < e; v++) {
			if (*v == '=')
				continue;
			if ((d = b64val(*v)) < 0)
				return NULL;
			acc = acc << 6 | (unsigned long)d;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				out[k++] = (char)(acc >> bits & 0xff);
			}
		}
		v = e + 2;
	}
	return out;
}

/* Decode quoted-printable s (up to end) to malloc'd text. */
static char *
decode_qp(const char *s, const char *end)
{
	char	*out = calloc(1, (size_t)(end - s) + 1), h[3] = { 0 };
	size_t	 k = 0;

	while (s < end) {
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n')
			s += 3;
		else if (s[0] == '=') {
			h[0] = s[1];
			h[1] = s[2];
			out[k++] = (char)strtol(h, NULL, 16);
			s += 3;
		} else
			out[k++] = *s++;
	}
	return out;
}

static size_t
longest_line(const char *s)
{
	size_t	 max = 0, n;
	const char *e;

	for (;;) {
		e = strstr(s, "\r\n");
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		if (n > max)
			max = n;
		if (e == NULL)
			return max;
		s = e + 2;
	}
}

static bool
matches(const char *re, const char *s)
{
	regex_t	 r;
	int	 rc;

	ck_assert_int_eq(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
	rc = regexec(&r, s, 0, NULL, 0);
	regfree(&r);
	return rc == 0;
}

START_TEST(mime_ascii_subject_is_plain)
{
	char	*v;

	ck_assert_int_eq(build("ana@example.com", "Your sign-in code",
	    "Code: 123456\n", NULL), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\r\nSubject: Your sign-in code\r\n"));
	ck_assert_ptr_null(strstr(b.data, "=?"));
	ck_assert_str_eq(v = header(b.data, "From"), FROM);
	free(v);
	ck_assert_str_eq(v = header(b.data, "To"), "ana@example.com");
	free(v);
	ck_assert_str_eq(v = header(b.data, "MIME-Version"), "1.0");
	free(v);
	ck_assert_str_eq(v = header(b.data, "Content-Type"),
	    "text/plain; charset=utf-8");
	free(v);
	ck_assert_ptr_nonnull(strstr(b.data, "\r\n\r\nCode: 123456\r\n"));
}
END_TEST

START_TEST(mime_utf8_subject_round_trips)
{
	const char	*subj = "\xc3\x91" "and\xc3\xba \xe2\x80\x93 caf\xc3\xa9 \xe2\x98\x95";
	char		*v, *d;

	ck_assert_int_eq(build("ana@example.com", subj, "hola\n", NULL), 0);
	v = header(b.data, "Subject");
	ck_assert_ptr_nonnull(v);
	ck_assert(strncmp(v, "=?UTF-8?B?", 10) == 0);
	d = decode_words(v);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d, subj);
	free(v);
	free(d);
}
END_TEST

START_TEST(mime_long_utf8_subject_folds_within_76)
{
	char	 subj[400], *v, *d, *hdr_end;
	size_t	 i;

	subj[0] = '\0';
	for (i = 0; i < 60; i++)	/* 60 x "é☕" = 300 bytes */
		strncat(subj, "\xc3\xa9\xe2\x98\x95", sizeof(subj) - strlen(subj) - 1);
	ck_assert_int_eq(build("ana@example.com", subj, "x\n", NULL), 0);
	hdr_end = strstr(b.data, "\r\n\r\n");
	*hdr_end = '\0';
	ck_assert_uint_le(longest_line(b.data), 76);
	*hdr_end = '\r';
	ck_assert_ptr_nonnull(strstr(b.data, "?=\r\n =?UTF-8?B?"));
	v = header(b.data, "Subject");
	d = decode_words(v);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d, subj);
	free(v);
	free(d);
}
END_TEST

START_TEST(mime_crlf_in_subject_refused)
{
	ck_assert_int_eq(build("ana@example.com", "Hi\r\nBcc: eve@evil.example",
	    "x", NULL), -1);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(build("ana@example.com", "Hi\nBcc: eve@evil.example",
	    "x", NULL), -1);
	ck_assert_int_eq(build("ana@example.com", "Hi\rX", "x", NULL), -1);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_ptr_nonnull(strstr(err, "CR or LF"));
}
END_TEST

START_TEST(mime_crlf_in_recipient_refused)
{
	ck_assert_int_eq(build("ana@example.com\r\nBcc: eve@evil.example",
	    "Hi", "x", NULL), -1);
	ck_assert_int_eq(build("ana@example.com\n", "Hi", "x", NULL), -1);
	ck_assert_int_eq(build("not an address", "Hi", "x", NULL), -1);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(mime_crlf_in_extra_header_refused)
{
	struct mime_header	 h = { "List-Unsubscribe",
	    "<https://shop.example/u>\r\nBcc: eve@evil.example" };
	struct mime_msg		 m = { .from = FROM, .to = "ana@example.com",
	    .subject = "Hi", .text = "x", .extra = &h, .nextra = 1 };

	ck_assert_int_eq(mime_build(&b, &m, err, sizeof(err)), -1);
	h.value = "<https://shop.example/u>";
	ck_assert_int_eq(mime_build(&b, &m, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(b.data,
	    "\r\nList-Unsubscribe: <https://shop.example/u>\r\n"));
}
END_TEST

START_TEST(mime_long_lines_wrapped_and_decode_back)
{
	char	 text[2000], want[2100], *body, *d;
	size_t	 i, k = 0;

	for (i = 0; i < 300; i++)
		text[k++] = (char)('a' + i % 26);
	memcpy(text + k, "=\xc3\xbc ", 4);	/* '=', ü, trailing blank */
	k += 4;
	text[k++] = '\n';
	for (i = 0; i < 100; i++) {
		memcpy(text + k, "\xc3\xb1", 2);
		k += 2;
	}
	text[k++] = '\n';
	text[k] = '\0';
	ck_assert_int_eq(build("ana@example.com", "Hi", text, NULL), 0);
	d = header(b.data, "Content-Transfer-Encoding");
	ck_assert_str_eq(d, "quoted-printable");
	free(d);
	body = strstr(b.data, "\r\n\r\n") + 4;
	ck_assert_uint_le(longest_line(body), 76);
	ck_assert_ptr_nonnull(strstr(body, "=3D=C3=BC=20\r\n"));
	/* The same text with CRLF line ends. */
	for (i = 0, k = 0; text[i] != '\0'; i++) {
		if (text[i] == '\n')
			want[k++] = '\r';
		want[k++] = text[i];
	}
	want[k] = '\0';
	d = decode_qp(body, body + strlen(body));
	ck_assert_str_eq(d, want);
	free(d);
}
END_TEST

START_TEST(mime_multipart_has_both_parts)
{
	char		*ct, *bnd, *d, delim[80], close[80];
	const char	*t, *h, *e;

	ck_assert_int_eq(build("ana@example.com", "Hi", "plain \xc3\xa9\n",
	    "<p>html \xc3\xa9</p>\n"), 0);
	ct = header(b.data, "Content-Type");
	ck_assert(strncmp(ct, "multipart/alternative; boundary=\"", 33) == 0);
	bnd = ct + 33;
	*strchr(bnd, '"') = '\0';
	ck_assert_uint_ge(strlen(bnd), 16);
	snprintf(delim, sizeof(delim), "\r\n--%s\r\n", bnd);
	snprintf(close, sizeof(close), "\r\n--%s--\r\n", bnd);
	t = strstr(b.data, delim);
	ck_assert_ptr_nonnull(t);
	h = strstr(t + 1, delim);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_null(strstr(h + 1, delim));
	e = strstr(h, close);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(strstr(t, "Content-Type: text/plain; charset=utf-8\r\n"));
	ck_assert(strstr(t, "text/plain") < h);
	ck_assert(strstr(h, "Content-Type: text/html; charset=utf-8\r\n") < e);
	t = strstr(t, "\r\n\r\n") + 4;
	d = decode_qp(t, h);
	ck_assert_str_eq(d, "plain \xc3\xa9\r\n");
	free(d);
	h = strstr(h, "\r\n\r\n") + 4;
	d = decode_qp(h, e);
	ck_assert_str_eq(d, "<p>html \xc3\xa9</p>\r\n");
	free(d);
	free(ct);
}
END_TEST

START_TEST(mime_date_and_message_id_well_formed)
{
	struct mime_msg	 m = { .from = FROM, .to = "ana@example.com",
	    .subject = "Hi", .text = "x", .date = 365 * 86400 };
	char		*v, *w;

	ck_assert_int_eq(mime_build(&b, &m, err, sizeof(err)), 0);
	ck_assert_str_eq(v = header(b.data, "Date"),
	    "Fri, 01 Jan 1971 00:00:00 +0000");
	free(v);
	v = header(b.data, "Message-ID");
	ck_assert(matches("^<[0-9a-f]{32}@shop\\.example>$", v));
	buf_reset(&b);
	m.date = 0;		/* now */
	ck_assert_int_eq(mime_build(&b, &m, err, sizeof(err)), 0);
	w = header(b.data, "Date");
	ck_assert(matches("^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
	    "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
	    "[0-2][0-9]:[0-5][0-9]:[0-6][0-9] \\+0000$", w));
	free(w);
	w = header(b.data, "Message-ID");
	ck_assert(matches("^<[0-9a-f]{32}@shop\\.example>$", w));
	ck_assert_str_ne(v, w);		/* random per message */
	free(v);
	free(w);
}
END_TEST

START_TEST(mime_addr_spec_extracts_address)
{
	char	 a[64];

	ck_assert_int_eq(mime_addr_spec(FROM, a, sizeof(a)), 0);
	ck_assert_str_eq(a, "no-reply@shop.example");
	ck_assert_int_eq(mime_addr_spec("a@b.example", a, sizeof(a)), 0);
	ck_assert_str_eq(a, "a@b.example");
	ck_assert_int_eq(mime_addr_spec("a b@c.example", a, sizeof(a)), -1);
	ck_assert_int_eq(mime_addr_spec("nobody", a, sizeof(a)), -1);
	ck_assert_int_eq(mime_addr_spec("x <a@b", a, sizeof(a)), -1);
	ck_assert_int_eq(mime_addr_spec("@b.example", a, sizeof(a)), -1);
}
END_TEST

static Suite *
mime_suite(void)
{
	Suite	*s = suite_create("mime");
	TCase	*tc = tcase_create("build");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mime_ascii_subject_is_plain);
	tcase_add_test(tc, mime_utf8_subject_round_trips);
	tcase_add_test(tc, mime_long_utf8_subject_folds_within_76);
	tcase_add_test(tc, mime_crlf_in_subject_refused);
	tcase_add_test(tc, mime_crlf_in_recipient_refused);
	tcase_add_test(tc, mime_crlf_in_extra_header_refused);
	tcase_add_test(tc, mime_long_lines_wrapped_and_decode_back);
	tcase_add_test(tc, mime_multipart_has_both_parts);
	tcase_add_test(tc, mime_date_and_message_id_well_formed);
	tcase_add_test(tc, mime_addr_spec_extracts_address);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(mime_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
