/*
 * check_sniff.c: content sniffing from crafted bytes: each magic number,
 * EPUB told apart from ZIP, MP3 frame bits, text as NUL-free UTF-8 over a
 * whole file, truncated headers; the allow-lists, the extras setting and
 * the refusal message.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "arena.h"
#include "sniff.h"

#define B(s)	(s), sizeof(s) - 1

static struct arena	*a;
static char		 dir[] = "/tmp/check_sniff.XXXXXX";

static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01"
    "\x08\x02\0\0\0";
static const char jpeg[] = "\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01";
static const char webp[] = "RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0";
static const char pdf[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n";
static const char mp3_id3[] = "ID3\x04\0\0\0\0\x01\x7f" "TIT2";
static const char mp3_frame[] = "\xff\xfb\x90\x64\0\0\0\0";
static const char mp4[] = "\0\0\0\x18" "ftypisom\0\0\x02\0isomiso2";
static const char m4a[] = "\0\0\0\x1c" "ftypM4A \0\0\0\0M4A mp42isom";
static const char heic[] = "\0\0\0\x18" "ftypheic\0\0\0\0mif1heic";
static const char zip_empty[] = "PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
    "\0\0";

static void
setup(void)
{
	a = arena_new();
	memcpy(dir, "/tmp/check_sniff.XXXXXX", sizeof(dir));
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	arena_free(a);
	rmdir(dir);
}

static enum sniff_type
type_of(const void *p, size_t n)
{
	struct sniff	 r;

	sniff_buf(p, n, &r);
	return r.type;
}

/* A ZIP local file header for name, stored (method 0) or deflated (8). */
static size_t
zip_entry(unsigned char *out, const char *name, int method,
    const char *data, size_t xlen)
{
	size_t	 nlen = strlen(name), dlen = strlen(data), o;

	memset(out, 0, 30);
	memcpy(out, "PK\x03\x04", 4);
	out[4] = 10;			/* version needed */
	out[8] = (unsigned char)method;
	out[18] = out[22] = (unsigned char)dlen;	/* sizes */
	out[26] = (unsigned char)nlen;
	out[28] = (unsigned char)(xlen & 0xff);
	out[29] = (unsigned char)(xlen >> 8);
	memcpy(out + 30, name, nlen);
	o = 30 + nlen;
	memset(out + o, 0, xlen);
	o += xlen;
	memcpy(out + o, data, dlen);
	return o + dlen;
}

/* Write n bytes to dir/name; returns the path (in the arena). */
static char *
put(const char *name, const void *p, size_t n)
{
	char	*path;
	int	 fd;

	path = arena_printf(a, "%s/%s", dir, name);
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600),
	    0);
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
	return path;
}

START_TEST(sniff_jpeg_png_webp)
{
	struct sniff	 r;

	sniff_buf(B(jpeg), &r);
	ck_assert_int_eq(r.type, SNIFF_JPEG);
	ck_assert_str_eq(r.name, "jpeg");
	ck_assert_str_eq(r.mime, "image/jpeg");
	sniff_buf(B(png), &r);
	ck_assert_int_eq(r.type, SNIFF_PNG);
	ck_assert_str_eq(r.name, "png");
	ck_assert_str_eq(r.mime, "image/png");
	sniff_buf(B(webp), &r);
	ck_assert_int_eq(r.type, SNIFF_WEBP);
	ck_assert_str_eq(r.name, "webp");
	ck_assert_str_eq(r.mime, "image/webp");
}
END_TEST

START_TEST(sniff_riff_that_is_not_webp_is_unknown)
{
	ck_assert_int_eq(type_of(B("RIFF\x24\0\0\0WAVEfmt \x10\0\0\0")),
	    SNIFF_UNKNOWN);
}
END_TEST

START_TEST(sniff_pdf)
{
	struct sniff	 r;

	sniff_buf(B(pdf), &r);
	ck_assert_int_eq(r.type, SNIFF_PDF);
	ck_assert_str_eq(r.name, "pdf");
	ck_assert_str_eq(r.mime, "application/pdf");
	/* An all-ASCII PDF is still a PDF, not text. */
	ck_assert_int_eq(type_of(B("%PDF-1.4\n")), SNIFF_PDF);
}
END_TEST

START_TEST(sniff_zip_and_empty_zip)
{
	unsigned char	 z[128];
	size_t		 n;
	struct sniff	 r;

	n = zip_entry(z, "readme.txt", 0, "hello", 0);
	sniff_buf(z, n, &r);
	ck_assert_int_eq(r.type, SNIFF_ZIP);
	ck_assert_str_eq(r.name, "zip");
	ck_assert_str_eq(r.mime, "application/zip");
	ck_assert_int_eq(type_of(B(zip_empty)), SNIFF_ZIP);
}
END_TEST

START_TEST(sniff_epub_is_epub_not_just_zip)
{
	unsigned char	 z[128];
	size_t		 n;
	struct sniff	 r;

	n = zip_entry(z, "mimetype", 0, "application/epub+zip", 0);
	sniff_buf(z, n, &r);
	ck_assert_int_eq(r.type, SNIFF_EPUB);
	ck_assert_str_eq(r.name, "epub");
	ck_assert_str_eq(r.mime, "application/epub+zip");
	n = zip_entry(z, "mimetype", 0, "application/epub+zip", 9);
	ck_assert_int_eq(type_of(z, n), SNIFF_EPUB);
}
END_TEST

START_TEST(sniff_epub_lookalikes_are_zip)
{
	unsigned char	 z[128];
	size_t		 n;

	n = zip_entry(z, "mimetype", 8, "application/epub+zip", 0);
	ck_assert_int_eq(type_of(z, n), SNIFF_ZIP);	/* compressed */
	n = zip_entry(z, "mimetypf", 0, "application/epub+zip", 0);
	ck_assert_int_eq(type_of(z, n), SNIFF_ZIP);
	n = zip_entry(z, "mimetype", 0, "application/epub+zap", 0);
	ck_assert_int_eq(type_of(z, n), SNIFF_ZIP);
	n = zip_entry(z, "mimetype", 0, "application/epub+zip", 0);
	ck_assert_int_eq(type_of(z, n - 1), SNIFF_ZIP);	/* cut short */
}
END_TEST

START_TEST(sniff_mp3_id3_and_frame_sync)
{
	struct sniff	 r;

	sniff_buf(B(mp3_id3), &r);
	ck_assert_int_eq(r.type, SNIFF_MP3);
	ck_assert_str_eq(r.name, "mp3");
	ck_assert_str_eq(r.mime, "audio/mpeg");
	ck_assert_int_eq(type_of(B(mp3_frame)), SNIFF_MP3);
	/* MPEG-2 layer III, 64 kbit/s, 22.05 kHz */
	ck_assert_int_eq(type_of(B("\xff\xf3\x80\xc4")), SNIFF_MP3);
}
END_TEST

START_TEST(sniff_mp3_second_frame_must_follow)
{
	unsigned char	 f[1000];

	/* MPEG-1 layer III, 128 kbit/s, 44.1 kHz: 417-byte frames. */
	memset(f, 0, sizeof(f));
	memcpy(f, mp3_frame, 4);
	memcpy(f + 417, mp3_frame, 4);
	ck_assert_int_eq(type_of(f, sizeof(f)), SNIFF_MP3);
	ck_assert_int_eq(type_of(f, 420), SNIFF_MP3);	/* too short to tell */
	f[417] = 0;
	ck_assert_int_eq(type_of(f, sizeof(f)), SNIFF_UNKNOWN);
}
END_TEST

START_TEST(sniff_mp3_reserved_bits_are_refused)
{
	/* layer I: FF FE is also the UTF-16LE byte order mark */
	ck_assert_int_eq(type_of(B("\xff\xfe\x90\x64")), SNIFF_UNKNOWN);
	/* layer II */
	ck_assert_int_eq(type_of(B("\xff\xfd\x90\x64")), SNIFF_UNKNOWN);
	/* bitrate index 15 */
	ck_assert_int_eq(type_of(B("\xff\xfb\xf0\x64")), SNIFF_UNKNOWN);
	/* sample rate index 3 */
	ck_assert_int_eq(type_of(B("\xff\xfb\x9c\x64")), SNIFF_UNKNOWN);
	/* reserved version 01 */
	ck_assert_int_eq(type_of(B("\xff\xeb\x90\x64")), SNIFF_UNKNOWN);
	/* reserved layer 00 (ADTS AAC looks like this) */
	ck_assert_int_eq(type_of(B("\xff\xf1\x50\x80")), SNIFF_UNKNOWN);
	/* reserved emphasis */
	ck_assert_int_eq(type_of(B("\xff\xfb\x90\x66")), SNIFF_UNKNOWN);
	/* ID3 with a size byte over 0x7f */
	ck_assert_int_eq(type_of(B("ID3\x04\0\0\0\0\x80\0")), SNIFF_UNKNOWN);
}
END_TEST

START_TEST(sniff_mp4_by_ftyp_box)
{
	struct sniff	 r;

	sniff_buf(B(mp4), &r);
	ck_assert_int_eq(r.type, SNIFF_MP4);
	ck_assert_str_eq(r.name, "mp4");
	ck_assert_str_eq(r.mime, "video/mp4");
	sniff_buf(B(m4a), &r);
	ck_assert_int_eq(r.type, SNIFF_MP4);
	ck_assert_str_eq(r.mime, "audio/mp4");
	ck_assert_int_eq(type_of(B(heic)), SNIFF_UNKNOWN);
	ck_assert_int_eq(type_of(B("\0\0\0\x04" "ftypisom")), SNIFF_UNKNOWN);
}
END_TEST

START_TEST(sniff_text_utf8)
{
	struct sniff	 r;

	sniff_buf(B("hello\nworld\r\n\ttabs\n"), &r);
	ck_assert_int_eq(r.type, SNIFF_TEXT);
	ck_assert_str_eq(r.name, "text");
	ck_assert_str_eq(r.mime, "text/plain; charset=utf-8");
	ck_assert_int_eq(type_of(B("R\xc3\xa9sum\xc3\xa9 \xe2\x82\xac "
	    "\xf0\x9f\x98\x80")), SNIFF_TEXT);
	ck_assert_int_eq(type_of(B("\xef\xbb\xbf" "BOM first")), SNIFF_TEXT);
}
END_TEST

START_TEST(sniff_text_with_nul_is_not_text)
{
	ck_assert_int_eq(type_of(B("hello\0world")), SNIFF_UNKNOWN);
	/* UTF-16 has NULs: not text for us. */
	ck_assert_int_eq(type_of(B("\xff\xfeh\0i\0")), SNIFF_UNKNOWN);
}
END_TEST

START_TEST(sniff_invalid_utf8_is_not_text)
{
	ck_assert_int_eq(type_of(B("caf\xe9")), SNIFF_UNKNOWN);	/* Latin-1 */
	ck_assert_int_eq(type_of(B("\xc0\xaf")), SNIFF_UNKNOWN);	/* overlong */
	ck_assert_int_eq(type_of(B("\xed\xa0\x80")), SNIFF_UNKNOWN); /* surrogate */
	ck_assert_int_eq(type_of(B("\xf4\x90\x80\x80")), SNIFF_UNKNOWN);
	ck_assert_int_eq(type_of(B("ends in \xe2\x82")), SNIFF_UNKNOWN);
	ck_assert_int_eq(type_of(B("\x80 lone")), SNIFF_UNKNOWN);
}
END_TEST

START_TEST(sniff_empty_file)
{
	struct sniff	 r;

	sniff_buf("", 0, &r);
	ck_assert_int_eq(r.type, SNIFF_EMPTY);
	ck_assert_str_eq(r.name, "empty");
	ck_assert(!sniff_allowed(SNIFF_KIND_PRODUCT, &r, ~0u));
}
END_TEST

START_TEST(sniff_truncated_headers_are_not_recognised)
{
	ck_assert_int_eq(type_of(png, 8), SNIFF_UNKNOWN);
	ck_assert_int_eq(type_of(png, 15), SNIFF_UNKNOWN);
	ck_assert_int_eq(type_of(jpeg, 2), SNIFF_UNKNOWN);
	ck_assert_int_eq(type_of(webp, 12), SNIFF_UNKNOWN);
	ck_assert_int_eq(type_of(B("PK\x03\x04\x0a\0\0\0")), SNIFF_UNKNOWN);
	ck_assert_int_eq(type_of(zip_empty, 21), SNIFF_UNKNOWN);
	ck_assert_int_eq(type_of(mp4, 11), SNIFF_UNKNOWN);
	ck_assert_int_eq(type_of(mp3_frame, 3), SNIFF_UNKNOWN);
	ck_assert_int_eq(type_of(mp3_id3, 9), SNIFF_UNKNOWN);
	/* A cut magic that is plain ASCII is just text. */
	ck_assert_int_eq(type_of(B("%PDF")), SNIFF_TEXT);
	ck_assert_int_eq(type_of(B("%PDF-")), SNIFF_TEXT);
}
END_TEST

START_TEST(sniff_png_named_pdf_is_png)
{
	struct sniff	 r;
	const char	*path;

	path = put("invoice.pdf", B(png));
	ck_assert_int_eq(sniff_file(path, &r), 0);
	ck_assert_int_eq(r.type, SNIFF_PNG);
	ck_assert(!sniff_allowed(SNIFF_KIND_PRODUCT, &r, 0));
	unlink(path);
}
END_TEST

START_TEST(sniff_file_missing_fails)
{
	struct sniff	 r;

	ck_assert_int_eq(sniff_file("/nonexistent/x", &r), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(r.type, SNIFF_UNKNOWN);
}
END_TEST

START_TEST(sniff_fd_checks_whole_text_and_keeps_offset)
{
	struct sniff	 r;
	char		*big, *path;
	size_t		 n = 300000, i;
	int		 fd;

	big = malloc(n);
	ck_assert_ptr_nonnull(big);
	for (i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	/* A euro sign across the head boundary, one across a chunk boundary. */
	memcpy(big + SNIFF_HEAD - 1, "\xe2\x82\xac", 3);
	memcpy(big + SNIFF_HEAD + 65536 - 2, "\xe2\x82\xac", 3);
	path = put("big.txt", big, n);
	ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
	ck_assert_int_eq(sniff_fd(fd, &r), 0);
	ck_assert_int_eq(r.type, SNIFF_TEXT);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 0);
	close(fd);

	/* One NUL near the end spoils it. */
	big[n - 10] = '\0';
	path = put("big.txt", big, n);
	ck_assert_int_eq(sniff_file(path, &r), 0);
	ck_assert_int_eq(r.type, SNIFF_UNKNOWN);

	/* So does a sequence cut by the end of the file. */
	big[n - 10] = 'x';
	big[n - 1] = '\xe2';
	path = put("big.txt", big, n);
	ck_assert_int_eq(sniff_file(path, &r), 0);
	ck_assert_int_eq(r.type, SNIFF_UNKNOWN);
	unlink(path);
	free(big);
}
END_TEST

START_TEST(sniff_file_epub_with_largest_extra_field)
{
	unsigned char	*z;
	struct sniff	 r;
	const char	*path;
	size_t		 n;

	z = malloc(SNIFF_HEAD + 100);
	ck_assert_ptr_nonnull(z);
	n = zip_entry(z, "mimetype", 0, "application/epub+zip", 65535);
	ck_assert_uint_eq(n, SNIFF_HEAD);
	memcpy(z + n, "PK\x03\x04 more entries", 18);
	path = put("book.bin", z, n + 18);
	ck_assert_int_eq(sniff_file(path, &r), 0);
	ck_assert_int_eq(r.type, SNIFF_EPUB);
	unlink(path);
	free(z);
}
END_TEST

START_TEST(sniff_file_small_types)
{
	struct sniff	 r;
	const char	*path;

	path = put("a", B(pdf));
	ck_assert_int_eq(sniff_file(path, &r), 0);
	ck_assert_int_eq(r.type, SNIFF_PDF);
	path = put("a", "", 0);
	ck_assert_int_eq(sniff_file(path, &r), 0);
	ck_assert_int_eq(r.type, SNIFF_EMPTY);
	path = put("a", B("plain words\n"));
	ck_assert_int_eq(sniff_file(path, &r), 0);
	ck_assert_int_eq(r.type, SNIFF_TEXT);
	unlink(path);
}
END_TEST

START_TEST(sniff_extras_parse_valid_lists)
{
	unsigned int	 m;
	const char	*errstr;

	ck_assert_int_eq(sniff_extras_parse("epub,mp3,mp4", &m, &errstr), 0);
	ck_assert_uint_eq(m, 1u << SNIFF_EPUB | 1u << SNIFF_MP3 |
	    1u << SNIFF_MP4);
	ck_assert_ptr_null(errstr);
	ck_assert_int_eq(sniff_extras_parse(" EPUB , Mp3 ", &m, &errstr), 0);
	ck_assert_uint_eq(m, 1u << SNIFF_EPUB | 1u << SNIFF_MP3);
	ck_assert_int_eq(sniff_extras_parse("", &m, &errstr), 0);
	ck_assert_uint_eq(m, 0);
	ck_assert_int_eq(sniff_extras_parse("  ", &m, &errstr), 0);
	ck_assert_uint_eq(m, 0);
	ck_assert_int_eq(sniff_extras_parse(NULL, &m, &errstr), 0);
	ck_assert_uint_eq(m, 0);
	ck_assert_int_eq(sniff_extras_parse("png", &m, &errstr), 0);
	ck_assert_uint_eq(m, 1u << SNIFF_PNG);
}
END_TEST

START_TEST(sniff_extras_parse_refuses_bad_lists)
{
	unsigned int	 m;
	const char	*errstr;

	ck_assert_int_eq(sniff_extras_parse("epub,exe", &m, &errstr), -1);
	ck_assert_ptr_nonnull(strstr(errstr, "unknown"));
	ck_assert_int_eq(sniff_extras_parse("epub,,mp3", &m, &errstr), -1);
	ck_assert_ptr_nonnull(strstr(errstr, "empty"));
	ck_assert_int_eq(sniff_extras_parse("epub,", &m, &errstr), -1);
	ck_assert_int_eq(sniff_extras_parse("unknown", &m, &errstr), -1);
	ck_assert_int_eq(sniff_extras_parse("empty", &m, &errstr), -1);
	ck_assert_int_eq(sniff_extras_parse("mp\x13", &m, &errstr), -1);
	ck_assert_int_eq(sniff_extras_parse("epub mp3", &m, &errstr), -1);
}
END_TEST

START_TEST(sniff_allowed_images)
{
	struct sniff	 r;

	sniff_buf(B(png), &r);
	ck_assert(sniff_allowed(SNIFF_KIND_IMAGE, &r, 0));
	sniff_buf(B(jpeg), &r);
	ck_assert(sniff_allowed(SNIFF_KIND_IMAGE, &r, 0));
	sniff_buf(B(webp), &r);
	ck_assert(sniff_allowed(SNIFF_KIND_IMAGE, &r, 0));
	sniff_buf(B(pdf), &r);
	ck_assert(!sniff_allowed(SNIFF_KIND_IMAGE, &r, ~0u));
	sniff_buf(B("text"), &r);
	ck_assert(!sniff_allowed(SNIFF_KIND_IMAGE, &r, ~0u));
}
END_TEST

START_TEST(sniff_allowed_products_and_extras)
{
	struct sniff	 r;
	unsigned char	 z[128];
	unsigned int	 ex;
	const char	*errstr;

	sniff_buf(B(pdf), &r);
	ck_assert(sniff_allowed(SNIFF_KIND_PRODUCT, &r, 0));
	sniff_buf(B(zip_empty), &r);
	ck_assert(sniff_allowed(SNIFF_KIND_PRODUCT, &r, 0));
	sniff_buf(B("words"), &r);
	ck_assert(sniff_allowed(SNIFF_KIND_PRODUCT, &r, 0));

	sniff_buf(z, zip_entry(z, "mimetype", 0, "application/epub+zip", 0),
	    &r);
	ck_assert(!sniff_allowed(SNIFF_KIND_PRODUCT, &r, 0));
	ck_assert_int_eq(sniff_extras_parse("epub", &ex, &errstr), 0);
	ck_assert(sniff_allowed(SNIFF_KIND_PRODUCT, &r, ex));
	sniff_buf(B(mp3_frame), &r);
	ck_assert(!sniff_allowed(SNIFF_KIND_PRODUCT, &r, ex));
	sniff_buf(B("\x01\x02\0"), &r);
	ck_assert(!sniff_allowed(SNIFF_KIND_PRODUCT, &r, ~0u));
}
END_TEST

START_TEST(sniff_refusal_names_the_type_and_the_list)
{
	struct sniff	 r;
	unsigned int	 ex;
	const char	*errstr;

	ck_assert_int_eq(sniff_extras_parse("epub", &ex, &errstr), 0);
	sniff_buf(B(png), &r);
	ck_assert_str_eq(sniff_refusal(a, SNIFF_KIND_PRODUCT, &r, ex),
	    "the file is a PNG image; product files may be PDF, ZIP, "
	    "plain text, EPUB");
	sniff_buf(B(pdf), &r);
	ck_assert_str_eq(sniff_refusal(a, SNIFF_KIND_IMAGE, &r, ex),
	    "the file is a PDF document; images may be JPEG, PNG, WebP");
	sniff_buf(B("\x01\x02\0"), &r);
	ck_assert_str_eq(sniff_refusal(a, SNIFF_KIND_PRODUCT, &r, 0),
	    "the file's type is not recognised; product files may be PDF, "
	    "ZIP, plain text");
	sniff_buf("", 0, &r);
	ck_assert_str_eq(sniff_refusal(a, SNIFF_KIND_PRODUCT, &r, ~0u),
	    "the file is empty; product files may be PDF, ZIP, plain text, "
	    "EPUB, MP3, MP4, JPEG, PNG, WebP");
}
END_TEST

START_TEST(sniff_type_names)
{
	ck_assert_str_eq(sniff_type_name(SNIFF_EPUB), "epub");
	ck_assert_str_eq(sniff_type_name(SNIFF_TEXT), "text");
	ck_assert_str_eq(sniff_type_name(SNIFF__MAX), "unknown");
}
END_TEST

static Suite *
sniff_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("sniff");
	tc = tcase_create("magic");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sniff_jpeg_png_webp);
	tcase_add_test(tc, sniff_riff_that_is_not_webp_is_unknown);
	tcase_add_test(tc, sniff_pdf);
	tcase_add_test(tc, sniff_zip_and_empty_zip);
	tcase_add_test(tc, sniff_epub_is_epub_not_just_zip);
	tcase_add_test(tc, sniff_epub_lookalikes_are_zip);
	tcase_add_test(tc, sniff_mp3_id3_and_frame_sync);
	tcase_add_test(tc, sniff_mp3_second_frame_must_follow);
	tcase_add_test(tc, sniff_mp3_reserved_bits_are_refused);
	tcase_add_test(tc, sniff_mp4_by_ftyp_box);
	tcase_add_test(tc, sniff_text_utf8);
	tcase_add_test(tc, sniff_text_with_nul_is_not_text);
	tcase_add_test(tc, sniff_invalid_utf8_is_not_text);
	tcase_add_test(tc, sniff_empty_file);
	tcase_add_test(tc, sniff_truncated_headers_are_not_recognised);
	tcase_add_test(tc, sniff_type_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sniff_png_named_pdf_is_png);
	tcase_add_test(tc, sniff_file_missing_fails);
	tcase_add_test(tc, sniff_fd_checks_whole_text_and_keeps_offset);
	tcase_add_test(tc, sniff_file_epub_with_largest_extra_field);
	tcase_add_test(tc, sniff_file_small_types);
	suite_add_tcase(s, tc);

	tc = tcase_create("allow");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sniff_extras_parse_valid_lists);
	tcase_add_test(tc, sniff_extras_parse_refuses_bad_lists);
	tcase_add_test(tc, sniff_allowed_images);
	tcase_add_test(tc, sniff_allowed_products_and_extras);
	tcase_add_test(tc, sniff_refusal_names_the_type_and_the_list);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(sniff_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
