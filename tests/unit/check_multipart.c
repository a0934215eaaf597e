/*
 * check_multipart.c: the streaming multipart/form-data parser fed from
 * memory in reads of every size: fields and files, binary content close to
 * the delimiter, every split point, limits (file size, parts, field and
 * header size) with no temporary file left behind, malformed and truncated
 * bodies, boundaries, RFC 5987 file names, and the CGI request reader.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "arena.h"
#include "buf.h"
#include "multipart.h"
#include "req.h"

#define BND	"----colmenaTestBoundary7MA4YWxk"
#define CT	"multipart/form-data; boundary=" BND

static struct arena	*a;
static char		 dir[] = "/tmp/check_mp.XXXXXX";
static struct buf	 body;

/* A body in memory handed out chunk bytes at a time. */
struct memsrc {
	const char	*p;
	size_t		 n;
	size_t		 off;
	size_t		 chunk;
	size_t		 first;	/* size of the first read, if not 0 */
	size_t		 fail_at;	/* -1 from here on, if not 0 */
};

static void
setup(void)
{
	a = arena_new();
	memcpy(dir, "/tmp/check_mp.XXXXXX", sizeof(dir));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	buf_init(&body, 8 << 20);
}

static size_t
dir_count(void)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0;

	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
teardown(void)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[512];

	arena_free(a);
	buf_clear(&body);
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

static int
mem_read(void *arg, char *out, size_t n)
{
	struct memsrc	*m = arg;
	size_t		 k;

	if (m->fail_at != 0 && m->off >= m->fail_at)
		return -1;
	k = m->off == 0 && m->first != 0 ? m->first : m->chunk;
	if (k > n)
		k = n;
	if (k > m->n - m->off)
		k = m->n - m->off;
	memcpy(out, m->p + m->off, k);
	m->off += k;
	return (int)k;
}

/* Parse body with reads of chunk bytes, into a new struct multipart. */
static enum mp_status
parse_ct(struct multipart **mpp, const char *ct, size_t chunk,
    uint64_t file_max, struct memsrc *src)
{
	struct memsrc	 local;

	if (src == NULL)
		src = &local;
	memset(src, 0, sizeof(*src));
	src->p = body.data;
	src->n = body.len;
	src->chunk = chunk;
	*mpp = multipart_new(a, dir, file_max);
	return multipart_parse(*mpp, ct, mem_read, src);
}

static enum mp_status
parse(struct multipart **mpp, size_t chunk)
{
	return parse_ct(mpp, CT, chunk, 1 << 20, NULL);
}

static void
add_field(const char *name, const char *value)
{
	buf_printf(&body, "--%s\r\nContent-Disposition: form-data; "
	    "name=\"%s\"\r\n\r\n%s\r\n", BND, name, value);
}

static void
add_file(const char *name, const char *filename, const char *ctype,
    const void *data, size_t n)
{
	buf_printf(&body, "--%s\r\nContent-Disposition: form-data; "
	    "name=\"%s\"; filename=\"%s\"\r\n", BND, name, filename);
	if (ctype != NULL)
		buf_printf(&body, "Content-Type: %s\r\n", ctype);
	buf_puts(&body, "\r\n");
	buf_add(&body, data, n);
	buf_puts(&body, "\r\n");
}

static void
add_end(void)
{
	buf_printf(&body, "--%s--\r\n", BND);
}

/* The bytes of a file, which must hold exactly want[0..n). */
static void
check_file(const struct mp_file *f, const void *want, size_t n)
{
	char		*got;
	struct stat	 st;
	int		 fd;

	ck_assert_int_eq(stat(f->path, &st), 0);
	ck_assert_uint_eq((size_t)st.st_size, n);
	ck_assert_uint_eq(f->size, n);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	got = malloc(n + 1);
	ck_assert_ptr_nonnull(got);
	ck_assert_int_ge(fd = open(f->path, O_RDONLY), 0);
	ck_assert_int_eq(read(fd, got, n + 1), (ssize_t)n);
	close(fd);
	ck_assert(memcmp(got, want, n) == 0);
	free(got);
}

/* The standard form: a title field and a PDF file. */
static void
standard_form(void)
{
	add_field("title", "Hello, world");
	add_file("file", "report.pdf", "application/pdf", "%PDF-1.7 data", 13);
	add_end();
}

static void
check_standard_form(struct multipart *mp)
{
	const struct mp_field	*fl;
	struct mp_file		*f;

	ck_assert_uint_eq(mp->nfields, 1);
	ck_assert_uint_eq(mp->nfiles, 1);
	ck_assert_ptr_nonnull(fl = multipart_field(mp, "title"));
	ck_assert_str_eq(fl->value, "Hello, world");
	ck_assert_uint_eq(fl->len, 12);
	ck_assert_ptr_nonnull(f = multipart_file(mp, "file"));
	ck_assert_str_eq(f->filename, "report.pdf");
	ck_assert_uint_eq(f->filename_len, 10);
	ck_assert_str_eq(f->content_type, "application/pdf");
	check_file(f, "%PDF-1.7 data", 13);
}

START_TEST(mp_field_and_file)
{
	struct multipart	*mp;
	struct mp_file		*f;

	standard_form();
	ck_assert_int_eq(parse(&mp, 4096), MP_OK);
	check_standard_form(mp);
	f = multipart_file(mp, "file");
	ck_assert(strncmp(f->path, dir, strlen(dir)) == 0);
	ck_assert_ptr_null(multipart_field(mp, "file"));
	ck_assert_ptr_null(multipart_file(mp, "title"));
	ck_assert_uint_eq(dir_count(), 1);
	multipart_free(mp);
	ck_assert_uint_eq(dir_count(), 0);
}
END_TEST

START_TEST(mp_read_sizes_1_2_7_4096)
{
	static const size_t	 sizes[] = { 1, 2, 7, 4096, 1 << 20 };
	struct multipart	*mp;
	size_t			 i;

	standard_form();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ck_assert_int_eq(parse(&mp, sizes[i]), MP_OK);
		check_standard_form(mp);
		multipart_free(mp);
		ck_assert_uint_eq(dir_count(), 0);
	}
}
END_TEST

START_TEST(mp_two_files)
{
	struct multipart	*mp;

	add_file("a", "one.txt", "text/plain", "first", 5);
	add_file("b", "two.bin", NULL, "second!", 7);
	add_end();
	ck_assert_int_eq(parse(&mp, 7), MP_OK);
	ck_assert_uint_eq(mp->nfiles, 2);
	ck_assert_uint_eq(mp->nfields, 0);
	ck_assert_str_eq(mp->files[0].name, "a");
	ck_assert_str_eq(mp->files[1].name, "b");
	ck_assert_str_eq(mp->files[1].filename, "two.bin");
	ck_assert_ptr_null(mp->files[1].content_type);
	ck_assert_str_ne(mp->files[0].path, mp->files[1].path);
	check_file(&mp->files[0], "first", 5);
	check_file(&mp->files[1], "second!", 7);
	ck_assert_uint_eq(dir_count(), 2);
}
END_TEST

/* Content that looks like delimiters but is not one. */
static size_t
tricky(char *out)
{
	static const char *const bits[] = {
		"--", "\r\n", "\r\n--", "\r\n-", "\r\r\n\n", "--" BND,
		"\r\n--" "----colmenaTestBoundary7MA4YWx",	/* one short */
		"\n--" BND, "\r--" BND, "\r\n-" "-" "--colmenaTest", "\r\n\r\n",
		"\r", "-",
	};
	size_t	 i, o = 0;

	for (i = 0; i < 256; i++)
		out[o++] = (char)i;
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		memcpy(out + o, bits[i], strlen(bits[i]));
		o += strlen(bits[i]);
		out[o++] = (char)(0xf0 + i);
	}
	/* Ends in a near-delimiter right before the real one. */
	memcpy(out + o, "\r\n--" BND, strlen(BND) + 3);
	o += strlen(BND) + 3;
	return o;
}

START_TEST(mp_binary_content_near_the_boundary)
{
	static const size_t	 sizes[] = { 1, 2, 7, 4096 };
	struct multipart	*mp;
	char			 data[1024];
	size_t			 n, i;

	n = tricky(data);
	add_file("f", "bin.dat", "application/octet-stream", data, n);
	add_file("g", "crlf.dat", NULL, "\r\n", 2);
	add_file("h", "empty.dat", NULL, "", 0);
	add_end();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ck_assert_int_eq(parse(&mp, sizes[i]), MP_OK);
		ck_assert_uint_eq(mp->nfiles, 3);
		check_file(&mp->files[0], data, n);
		check_file(&mp->files[1], "\r\n", 2);
		check_file(&mp->files[2], "", 0);
		multipart_free(mp);
	}
}
END_TEST

START_TEST(mp_split_at_every_position)
{
	struct multipart	*mp;
	struct memsrc		 src;
	char			 data[1024];
	size_t			 n, k;

	n = tricky(data);
	add_field("title", "x");
	add_file("f", "bin.dat", NULL, data, n);
	add_end();
	for (k = 1; k < body.len; k++) {
		memset(&src, 0, sizeof(src));
		src.p = body.data;
		src.n = body.len;
		src.first = k;
		src.chunk = 1 << 20;
		mp = multipart_new(a, dir, 1 << 20);
		ck_assert_int_eq(multipart_parse(mp, CT, mem_read, &src),
		    MP_OK);
		ck_assert_str_eq(multipart_field(mp, "title")->value, "x");
		check_file(&mp->files[0], data, n);
		multipart_free(mp);
		if (k % 64 == 0)
			arena_reset(a);
	}
	/* And one byte per read throughout. */
	ck_assert_int_eq(parse(&mp, 1), MP_OK);
	check_file(&mp->files[0], data, n);
}
END_TEST

START_TEST(mp_too_large_file_leaves_no_temp_file)
{
	struct multipart	*mp;
	char			 big[11];

	memset(big, 'z', sizeof(big));
	add_file("first", "ok.txt", NULL, "tiny", 4);
	add_file("second", "big.txt", NULL, big, sizeof(big));
	add_end();
	ck_assert_int_eq(parse_ct(&mp, CT, 3, 10, NULL), MP_TOO_LARGE);
	ck_assert_ptr_nonnull(strstr(mp->error, "10 bytes"));
	ck_assert_uint_eq(mp->nfiles, 0);
	ck_assert_uint_eq(dir_count(), 0);
}
END_TEST

START_TEST(mp_file_at_exactly_the_limit_is_accepted)
{
	struct multipart	*mp;

	add_file("f", "ten.txt", NULL, "0123456789", 10);
	add_end();
	ck_assert_int_eq(parse_ct(&mp, CT, 1, 10, NULL), MP_OK);
	check_file(&mp->files[0], "0123456789", 10);
}
END_TEST

START_TEST(mp_too_large_stops_reading)
{
	struct multipart	*mp;
	struct memsrc		 src;
	char			*big;
	size_t			 n = 4 << 20;

	big = malloc(n);
	ck_assert_ptr_nonnull(big);
	memset(big, 'q', n);
	add_file("f", "huge.bin", NULL, big, n);
	add_end();
	free(big);
	ck_assert_int_eq(parse_ct(&mp, CT, 4096, 1000, &src), MP_TOO_LARGE);
	ck_assert_uint_lt(src.off, 16 * 1024);
	ck_assert_uint_eq(dir_count(), 0);
}
END_TEST

START_TEST(mp_truncated_bodies_are_bad)
{
	struct multipart	*mp;
	size_t			 full, cut;
	const char		*p;

	standard_form();
	full = body.len;
	/* Cut inside the file content, in headers, after a delimiter, and
	 * before the closing "--". */
	for (cut = 1; cut < full - 4; cut += 5) {
		buf_truncate(&body, cut);
		ck_assert_int_eq(parse(&mp, 7), MP_BAD);
		ck_assert_uint_eq(dir_count(), 0);
		ck_assert_uint_eq(mp->nfiles, 0);
		buf_reset(&body);
		standard_form();
	}
	p = strstr(body.data, "%PDF");
	buf_truncate(&body, (size_t)(p - body.data) + 5);
	ck_assert_int_eq(parse(&mp, 4096), MP_BAD);
	ck_assert_str_eq(mp->error, "the body ends inside a part");
	ck_assert_uint_eq(dir_count(), 0);
}
END_TEST

START_TEST(mp_body_without_boundary_is_bad)
{
	struct multipart	*mp;

	buf_puts(&body, "just some text, no parts at all\r\n");
	ck_assert_int_eq(parse(&mp, 4096), MP_BAD);
	buf_reset(&body);
	ck_assert_int_eq(parse(&mp, 4096), MP_BAD);	/* empty body */
}
END_TEST

START_TEST(mp_missing_or_invalid_boundary_is_bad)
{
	static const char *const bad[] = {
		"multipart/form-data",
		"multipart/form-data;",
		"multipart/form-data; boundary=",
		"multipart/form-data; boundary=\"\"",
		"multipart/form-data; charset=utf-8",
		"multipart/mixed; boundary=abc",
		"text/plain; boundary=abc",
		"multipart/form-data; boundary=a@b",
		"multipart/form-data; boundary=\"abc \"",
		"multipart/form-data; boundary=\"abc",
		"multipart/form-data; boundary=abc; boundary=abd",
		"multipart/form-data boundary=abc",
		"multipart/form-data; boundary=0123456789012345678901234567890"
		    "12345678901234567890123456789012345678901",	/* 71 */
	};
	struct multipart	*mp;
	size_t			 i;

	standard_form();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse_ct(&mp, bad[i], 4096, 100, NULL) == MP_BAD,
		    "accepted %s", bad[i]);
		ck_assert_ptr_nonnull(mp->error);
	}
	ck_assert_int_eq(parse_ct(&mp, NULL, 4096, 100, NULL), MP_BAD);
	ck_assert_uint_eq(dir_count(), 0);
}
END_TEST

START_TEST(mp_boundary_forms)
{
	char		 out[MP_BOUNDARY_MAX + 1];
	const char	*errstr;

	ck_assert_int_eq(multipart_boundary("multipart/form-data; "
	    "boundary=\"a b:c?d\"", out, &errstr), MP_OK);
	ck_assert_str_eq(out, "a b:c?d");
	ck_assert_int_eq(multipart_boundary("Multipart/Form-Data ; "
	    "charset=utf-8;BOUNDARY=xyz", out, &errstr), MP_OK);
	ck_assert_str_eq(out, "xyz");
	ck_assert_int_eq(multipart_boundary("multipart/form-data; "
	    "boundary=0123456789012345678901234567890123456789012345678901234"
	    "567890123456789", out, &errstr), MP_OK);
	ck_assert_uint_eq(strlen(out), 70);
	ck_assert_int_eq(multipart_boundary("multipart/form-data; "
	    "boundary=\"q\\\"x\"", out, &errstr), MP_BAD);	/* '"' not bchar */
	ck_assert_ptr_nonnull(errstr);
}
END_TEST

START_TEST(mp_quoted_boundary)
{
	struct multipart	*mp;

	standard_form();
	ck_assert_int_eq(parse_ct(&mp, "multipart/form-data; boundary=\""
	    BND "\"", 7, 1 << 20, NULL), MP_OK);
	check_standard_form(mp);
}
END_TEST

START_TEST(mp_boundary_with_space_quoted)
{
	struct multipart	*mp;

	buf_puts(&body, "--a b\r\nContent-Disposition: form-data; name=x\r\n"
	    "\r\nv\r\n--a b--");
	ck_assert_int_eq(parse_ct(&mp, "multipart/form-data; "
	    "boundary=\"a b\"", 1, 100, NULL), MP_OK);
	ck_assert_str_eq(multipart_field(mp, "x")->value, "v");
}
END_TEST

START_TEST(mp_filename_star_is_decoded)
{
	struct multipart	*mp;

	buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=\"f\"; "
	    "filename*=UTF-8''%%E2%%82%%AC.txt\r\n\r\neuro\r\n", BND);
	buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=\"g\"; "
	    "filename=\"fallback.txt\"; filename*=utf-8'en'r%%C3%%A9sum"
	    "%%C3%%A9.pdf\r\n\r\nresume\r\n", BND);
	buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=\"h\"; "
	    "filename*=ISO-8859-1''caf%%E9.txt\r\n\r\ncafe\r\n", BND);
	buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=\"i\"; "
	    "filename*=koi8-r''%%C1.txt; filename=\"plain.txt\"\r\n\r\n"
	    "koi\r\n", BND);
	add_end();
	ck_assert_int_eq(parse(&mp, 2), MP_OK);
	ck_assert_uint_eq(mp->nfiles, 4);
	ck_assert_str_eq(mp->files[0].filename, "\xe2\x82\xac.txt");
	ck_assert_uint_eq(mp->files[0].filename_len, 7);
	ck_assert_str_eq(mp->files[1].filename, "r\xc3\xa9sum\xc3\xa9.pdf");
	ck_assert_str_eq(mp->files[2].filename, "caf\xc3\xa9.txt");
	ck_assert_str_eq(mp->files[3].filename, "plain.txt");
	check_file(&mp->files[0], "euro", 4);
}
END_TEST

START_TEST(mp_bad_filename_star_is_bad)
{
	static const char *const bad[] = {
		"filename*=UTF-8''%E2%8", "filename*=UTF-8''%G1.txt",
		"filename*=UTF-8''a b", "filename*=UTF-8%E2", "filename*=\"x\"",
		"filename*=UTF-8''a.txt; filename*=UTF-8''b.txt",
	};
	struct multipart	*mp;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&body);
		buf_printf(&body, "--%s\r\nContent-Disposition: form-data; "
		    "name=\"f\"; %s\r\n\r\nx\r\n", BND, bad[i]);
		add_end();
		ck_assert_msg(parse(&mp, 4096) == MP_BAD, "accepted %s",
		    bad[i]);
		ck_assert_uint_eq(dir_count(), 0);
	}
}
END_TEST

START_TEST(mp_raw_filename_is_kept_as_sent)
{
	struct multipart	*mp;

	add_file("a", "C:\\x\\y.pdf", NULL, "1", 1);
	add_file("b", "../../etc/passwd", NULL, "2", 1);
	add_file("c", "say \\\"hi\\\".txt", NULL, "3", 1);
	add_file("d", "R\xe9sum\xe9.pdf", NULL, "4", 1);
	add_end();
	ck_assert_int_eq(parse(&mp, 4096), MP_OK);
	ck_assert_str_eq(mp->files[0].filename, "C:\\x\\y.pdf");
	ck_assert_str_eq(mp->files[1].filename, "../../etc/passwd");
	ck_assert_str_eq(mp->files[2].filename, "say \"hi\".txt");
	ck_assert_str_eq(mp->files[3].filename, "R\xe9sum\xe9.pdf");
	/* Temporary names never come from the client. */
	ck_assert_ptr_null(strstr(mp->files[1].path, "passwd"));
	ck_assert(strncmp(mp->files[1].path, dir, strlen(dir)) == 0);
	ck_assert_ptr_nonnull(strstr(mp->files[1].path, "/colmena-upload-"));
	ck_assert_uint_eq(dir_count(), 4);
}
END_TEST

START_TEST(mp_sixteen_parts_pass_seventeen_are_refused)
{
	struct multipart	*mp;
	char			 name[16];
	int			 i;

	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		add_field(name, "v");
		snprintf(name, sizeof(name), "u%d", i);
		add_file(name, "x.txt", NULL, "data", 4);
	}
	add_end();
	ck_assert_int_eq(parse(&mp, 4096), MP_OK);
	ck_assert_uint_eq(mp->nfields, 8);
	ck_assert_uint_eq(mp->nfiles, 8);
	multipart_free(mp);

	buf_truncate(&body, body.len - strlen(BND) - 6);
	add_file("extra", "x.txt", NULL, "data", 4);
	add_end();
	ck_assert_int_eq(parse(&mp, 4096), MP_TOO_LARGE);
	ck_assert_ptr_nonnull(strstr(mp->error, "16 parts"));
	ck_assert_uint_eq(dir_count(), 0);
}
END_TEST

START_TEST(mp_lowered_parts_max)
{
	struct multipart	*mp;
	struct memsrc		 src;

	add_field("a", "1");
	add_field("b", "2");
	add_end();
	memset(&src, 0, sizeof(src));
	src.p = body.data;
	src.n = body.len;
	src.chunk = 4096;
	mp = multipart_new(a, dir, 100);
	mp->parts_max = 1;
	ck_assert_int_eq(multipart_parse(mp, CT, mem_read, &src),
	    MP_TOO_LARGE);
}
END_TEST

START_TEST(mp_field_limit)
{
	struct multipart	*mp;
	char			 v[MP_FIELD_MAX + 2];

	memset(v, 'v', MP_FIELD_MAX);
	v[MP_FIELD_MAX] = '\0';
	add_field("long", v);
	add_end();
	ck_assert_int_eq(parse(&mp, 4096), MP_OK);
	ck_assert_uint_eq(multipart_field(mp, "long")->len, MP_FIELD_MAX);

	buf_reset(&body);
	v[MP_FIELD_MAX] = 'v';
	v[MP_FIELD_MAX + 1] = '\0';
	add_field("long", v);
	add_end();
	ck_assert_int_eq(parse(&mp, 4096), MP_TOO_LARGE);
}
END_TEST

START_TEST(mp_field_value_may_hold_binary)
{
	struct multipart	*mp;
	const struct mp_field	*fl;

	buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=b\r\n"
	    "\r\n", BND);
	buf_add(&body, "a\0b\r\nc", 6);
	buf_puts(&body, "\r\n");
	add_end();
	ck_assert_int_eq(parse(&mp, 1), MP_OK);
	ck_assert_ptr_nonnull(fl = multipart_field(mp, "b"));
	ck_assert_uint_eq(fl->len, 6);
	ck_assert(memcmp(fl->value, "a\0b\r\nc", 7) == 0);
}
END_TEST

START_TEST(mp_header_limit)
{
	struct multipart	*mp;
	char			 pad[MP_HEADER_MAX + 1];

	memset(pad, 'p', MP_HEADER_MAX);
	pad[MP_HEADER_MAX] = '\0';
	buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=x\r\n"
	    "X-Pad: %s\r\n\r\nv\r\n", BND, pad);
	add_end();
	ck_assert_int_eq(parse(&mp, 4096), MP_TOO_LARGE);
	buf_reset(&body);
	/* An endless header line with no LF at all. */
	buf_printf(&body, "--%s\r\nX-Pad: %s%s", BND, pad, pad);
	ck_assert_int_eq(parse(&mp, 4096), MP_TOO_LARGE);
}
END_TEST

START_TEST(mp_part_without_blank_line_is_bad)
{
	struct multipart	*mp;

	buf_printf(&body, "--%s\r\nContent-Disposition: form-data; "
	    "name=\"x\"\r\nvalue\r\n--%s--\r\n", BND, BND);
	ck_assert_int_eq(parse(&mp, 4096), MP_BAD);
	buf_reset(&body);
	buf_printf(&body, "--%s\r\nContent-Disposition: form-data; "
	    "name=\"x\"; filename=\"a\"\r\n--%s--\r\n", BND, BND);
	ck_assert_int_eq(parse(&mp, 4096), MP_BAD);
	ck_assert_uint_eq(dir_count(), 0);
}
END_TEST

START_TEST(mp_lf_only_line_endings_are_bad)
{
	struct multipart	*mp;

	buf_printf(&body, "--%s\nContent-Disposition: form-data; name=\"x\"\n"
	    "\nv\n--%s--\n", BND, BND);
	ck_assert_int_eq(parse(&mp, 4096), MP_BAD);
	ck_assert_ptr_nonnull(strstr(mp->error, "LF"));
	buf_reset(&body);
	buf_printf(&body, "--%s\r\nContent-Disposition: form-data; "
	    "name=\"x\"\n\r\nv\r\n--%s--\r\n", BND, BND);
	ck_assert_int_eq(parse(&mp, 4096), MP_BAD);
	ck_assert_ptr_nonnull(strstr(mp->error, "LF"));
}
END_TEST

START_TEST(mp_bad_part_headers)
{
	static const char *const bad[] = {
		"Content-Type: text/plain",		/* no disposition */
		"Content-Disposition: attachment; name=\"x\"",
		"Content-Disposition: form-data",	/* no name */
		"Content-Disposition: form-data; filename=\"a\"",
		"Content-Disposition: form-data; name=\"x\"; name=\"y\"",
		"Content-Disposition: form-data; name=\"x",
		"Content-Disposition: form-data; name",
		"Content-Disposition: form-data; name=x\r\n"
		    "Content-Disposition: form-data; name=y",
		"Content-Disposition: form-data; name=x\r\n folded",
		"Content-Disposition: form-data; name=x\r\n: empty name",
		"Content-Disposition: form-data; name=x\r\nBad Name: v",
		"Content-Disposition: form-data; name=x\rY",
		"Content-Disposition: form-data; name=x\r\n"
		    "Content-Type: a\r\nContent-Type: b",
	};
	struct multipart	*mp;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&body);
		buf_printf(&body, "--%s\r\n%s\r\n\r\nv\r\n", BND, bad[i]);
		add_end();
		ck_assert_msg(parse(&mp, 4096) == MP_BAD, "accepted %s",
		    bad[i]);
	}
}
END_TEST

START_TEST(mp_lenient_header_forms)
{
	struct multipart	*mp;

	buf_printf(&body, "--%s\r\ncontent-disposition:form-data;name=plain;"
	    "  x-other=\"y\" ;\r\nContent-Transfer-Encoding: 8bit\r\n"
	    "X-Ignored: yes\r\n\r\nv\r\n", BND);
	add_end();
	ck_assert_int_eq(parse(&mp, 4096), MP_OK);
	ck_assert_str_eq(multipart_field(mp, "plain")->value, "v");
}
END_TEST

START_TEST(mp_preamble_padding_and_epilogue)
{
	struct multipart	*mp;

	buf_puts(&body, "This is the preamble.\r\n--not the boundary\r\n");
	buf_printf(&body, "--%s \t\r\nContent-Disposition: form-data; "
	    "name=a\r\n\r\n1\r\n", BND);
	buf_printf(&body, "--%s--\r\nThe epilogue, ignored.\r\n--%s\r\n"
	    "garbage", BND, BND);
	ck_assert_int_eq(parse(&mp, 1), MP_OK);
	ck_assert_uint_eq(mp->nfields, 1);
	ck_assert_str_eq(multipart_field(mp, "a")->value, "1");
}
END_TEST

START_TEST(mp_close_delimiter_without_crlf)
{
	struct multipart	*mp;

	add_field("a", "1");
	buf_printf(&body, "--%s--", BND);
	ck_assert_int_eq(parse(&mp, 3), MP_OK);
	ck_assert_str_eq(multipart_field(mp, "a")->value, "1");
}
END_TEST

START_TEST(mp_delimiter_followed_by_text_is_bad)
{
	struct multipart	*mp;

	add_file("f", "a.bin", NULL, "x\r\n--" BND "X tail",
	    strlen("x\r\n--" BND "X tail"));
	add_end();
	ck_assert_int_eq(parse(&mp, 4096), MP_BAD);
	ck_assert_uint_eq(dir_count(), 0);
}
END_TEST

START_TEST(mp_empty_file_input)
{
	struct multipart	*mp;

	/* What a browser sends when no file was chosen. */
	add_file("f", "", "application/octet-stream", "", 0);
	add_end();
	ck_assert_int_eq(parse(&mp, 4096), MP_OK);
	ck_assert_uint_eq(mp->nfiles, 1);
	ck_assert_uint_eq(mp->files[0].filename_len, 0);
	ck_assert_uint_eq(mp->files[0].size, 0);
}
END_TEST

START_TEST(mp_read_error_is_io_and_cleans_up)
{
	struct multipart	*mp;
	struct memsrc		 src;
	char			 data[5000];

	memset(data, 'd', sizeof(data));
	add_file("f", "a.bin", NULL, data, sizeof(data));
	add_end();
	memset(&src, 0, sizeof(src));
	src.p = body.data;
	src.n = body.len;
	src.chunk = 1000;
	src.fail_at = 3000;
	mp = multipart_new(a, dir, 1 << 20);
	ck_assert_int_eq(multipart_parse(mp, CT, mem_read, &src), MP_IO);
	ck_assert_uint_eq(dir_count(), 0);
}
END_TEST

START_TEST(mp_missing_tmpdir_is_io)
{
	struct multipart	*mp;
	struct memsrc		 src;

	standard_form();
	memset(&src, 0, sizeof(src));
	src.p = body.data;
	src.n = body.len;
	src.chunk = 4096;
	mp = multipart_new(a, "/nonexistent/colmena", 1 << 20);
	ck_assert_int_eq(multipart_parse(mp, CT, mem_read, &src), MP_IO);
}
END_TEST

START_TEST(mp_take_keeps_the_file)
{
	struct multipart	*mp;
	const char		*path;
	char			*kept;

	add_file("a", "keep.txt", NULL, "keep", 4);
	add_file("b", "drop.txt", NULL, "drop", 4);
	add_end();
	ck_assert_int_eq(parse(&mp, 4096), MP_OK);
	path = multipart_take(mp, multipart_file(mp, "a"));
	ck_assert_str_eq(path, mp->files[0].path);
	kept = strdup(path);
	multipart_free(mp);
	multipart_free(mp);
	ck_assert_int_eq(access(kept, F_OK), 0);
	ck_assert_int_ne(access(mp->files[1].path, F_OK), 0);
	ck_assert_uint_eq(dir_count(), 1);
	arena_reset(a);
	ck_assert_int_eq(access(kept, F_OK), 0);
	unlink(kept);
	free(kept);
}
END_TEST

START_TEST(mp_arena_reset_unlinks_unclaimed_files)
{
	struct multipart	*mp;

	standard_form();
	ck_assert_int_eq(parse(&mp, 4096), MP_OK);
	ck_assert_uint_eq(dir_count(), 1);
	arena_reset(a);
	ck_assert_uint_eq(dir_count(), 0);
}
END_TEST

/* Point stdin at data and set CONTENT_LENGTH to cl. */
static void
cgi_body(const char *cl)
{
	char	 path[] = "/tmp/check_mp_in.XXXXXX";
	int	 fd;

	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_int_eq(write(fd, body.data, body.len), (ssize_t)body.len);
	close(fd);
	ck_assert_ptr_nonnull(freopen(path, "r", stdin));
	unlink(path);
	if (cl != NULL)
		setenv("CONTENT_LENGTH", cl, 1);
	else
		unsetenv("CONTENT_LENGTH");
	setenv("CONTENT_TYPE", CT, 1);
}

START_TEST(mp_parse_req_under_cgi)
{
	struct multipart	*mp;
	struct req		 r;
	char			 cl[32];

	standard_form();
	buf_puts(&body, "epilogue not read");
	snprintf(cl, sizeof(cl), "%zu", body.len);
	cgi_body(cl);
	memset(&r, 0, sizeof(r));
	r.arena = a;
	mp = multipart_new(a, dir, 1 << 20);
	ck_assert_int_eq(multipart_parse_req(mp, &r, 1 << 20), MP_OK);
	check_standard_form(mp);
}
END_TEST

START_TEST(mp_parse_req_checks_content_length)
{
	struct multipart	*mp;
	struct req		 r;
	char			 cl[32];

	memset(&r, 0, sizeof(r));
	r.arena = a;
	standard_form();

	cgi_body(NULL);
	mp = multipart_new(a, dir, 1 << 20);
	ck_assert_int_eq(multipart_parse_req(mp, &r, 0), MP_BAD);

	cgi_body("12x");
	ck_assert_int_eq(multipart_parse_req(mp, &r, 0), MP_BAD);

	snprintf(cl, sizeof(cl), "%zu", body.len);
	cgi_body(cl);
	ck_assert_int_eq(multipart_parse_req(mp, &r, body.len - 1),
	    MP_TOO_LARGE);

	/* A Content-Length short of the closing delimiter. */
	snprintf(cl, sizeof(cl), "%zu", body.len - 10);
	cgi_body(cl);
	ck_assert_int_eq(multipart_parse_req(mp, &r, 0), MP_BAD);
	ck_assert_uint_eq(dir_count(), 0);

	/* A body shorter than its Content-Length. */
	snprintf(cl, sizeof(cl), "%zu", body.len + 100);
	buf_truncate(&body, body.len - 10);
	cgi_body(cl);
	ck_assert_int_eq(multipart_parse_req(mp, &r, 0), MP_BAD);
	ck_assert_uint_eq(dir_count(), 0);
}
END_TEST

static Suite *
multipart_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("multipart");
	tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mp_field_and_file);
	tcase_add_test(tc, mp_read_sizes_1_2_7_4096);
	tcase_add_test(tc, mp_two_files);
	tcase_add_test(tc, mp_binary_content_near_the_boundary);
	tcase_add_test(tc, mp_split_at_every_position);
	tcase_add_test(tc, mp_field_value_may_hold_binary);
	tcase_add_test(tc, mp_raw_filename_is_kept_as_sent);
	tcase_add_test(tc, mp_filename_star_is_decoded);
	tcase_add_test(tc, mp_quoted_boundary);
	tcase_add_test(tc, mp_boundary_with_space_quoted);
	tcase_add_test(tc, mp_boundary_forms);
	tcase_add_test(tc, mp_lenient_header_forms);
	tcase_add_test(tc, mp_preamble_padding_and_epilogue);
	tcase_add_test(tc, mp_close_delimiter_without_crlf);
	tcase_add_test(tc, mp_empty_file_input);
	tcase_add_test(tc, mp_take_keeps_the_file);
	tcase_add_test(tc, mp_arena_reset_unlinks_unclaimed_files);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mp_too_large_file_leaves_no_temp_file);
	tcase_add_test(tc, mp_file_at_exactly_the_limit_is_accepted);
	tcase_add_test(tc, mp_too_large_stops_reading);
	tcase_add_test(tc, mp_sixteen_parts_pass_seventeen_are_refused);
	tcase_add_test(tc, mp_lowered_parts_max);
	tcase_add_test(tc, mp_field_limit);
	tcase_add_test(tc, mp_header_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mp_truncated_bodies_are_bad);
	tcase_add_test(tc, mp_body_without_boundary_is_bad);
	tcase_add_test(tc, mp_missing_or_invalid_boundary_is_bad);
	tcase_add_test(tc, mp_bad_filename_star_is_bad);
	tcase_add_test(tc, mp_part_without_blank_line_is_bad);
	tcase_add_test(tc, mp_lf_only_line_endings_are_bad);
	tcase_add_test(tc, mp_bad_part_headers);
	tcase_add_test(tc, mp_delimiter_followed_by_text_is_bad);
	tcase_add_test(tc, mp_read_error_is_io_and_cleans_up);
	tcase_add_test(tc, mp_missing_tmpdir_is_io);
	suite_add_tcase(s, tc);

	tc = tcase_create("request");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mp_parse_req_under_cgi);
	tcase_add_test(tc, mp_parse_req_checks_content_length);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(multipart_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
