/*
 * check_sigv4.c: AWS Signature Version 4 against the official signing test
 * suite (tests/data/aws-sigv4: every case, header and query signing) and the
 * S3 documentation's examples, including a presigned URL made by s3.c.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <json.h>

#include "arena.h"
#include "buf.h"
#include "crypto.h"
#include "s3.h"
#include "sigv4.h"
#include "str.h"

#define CASES_MAX	128
#define PAIRS_MAX	32

/* The AWS S3 documentation's example account. */
#define DOC_ACCESS	"AKIAIOSFODNN7EXAMPLE"
#define DOC_SECRET	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define DOC_HOST	"examplebucket.s3.amazonaws.com"
#define DOC_DATE	1369353600	/* 2013-05-24T00:00:00Z */

/* One request of the suite, parsed from its request.txt and context.json. */
struct suite_case {
	struct sigv4_pair	 query[PAIRS_MAX];
	struct sigv4_pair	 headers[PAIRS_MAX];
	struct sigv4_req	 req;
	char			 hash[65];
	bool			 sign_body;
};

static const char	*dir;
static char		*cases[CASES_MAX];
static int		 ncases;
static int		 nskipped;

static char	*slurp(struct arena *, const char *, const char *);
static void	 parse_case(struct arena *, const char *, struct suite_case *);
static void	 parse_request(struct arena *, char *, struct suite_case *);
static void	 parse_context(struct arena *, const char *,
		    struct suite_case *);
static const char *line_of(struct arena *, const char *, const char *);
static int	 name_cmp(const void *, const void *);
static void	 scan_cases(void);

/* The file dir/name/file as text, in the arena; fails the test if absent. */
static char *
slurp(struct arena *a, const char *name, const char *file)
{
	char	 path[1024];
	FILE	*f;
	long	 n;
	char	*s;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, name, file);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	s = arena_alloc(a, (size_t)n + 1);
	ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

/*
 * Parse request.txt: the request line (the target may hold spaces), headers
 * with folded continuation lines kept in the value, then the body. Query
 * parameters are percent-decoded: sigv4 encodes them itself.
 */
static void
parse_request(struct arena *a, char *text, struct suite_case *c)
{
	char		*line, *next, *target, *p, *q, *amp, *eq;
	size_t		 nh = 0, nq = 0;
	unsigned char	 digest[32];

	next = strchr(text, '\n');
	ck_assert_ptr_nonnull(next);
	*next++ = '\0';
	target = strchr(text, ' ');
	ck_assert_ptr_nonnull(target);
	*target++ = '\0';
	c->req.method = text;
	p = strstr(target, " HTTP/");
	ck_assert_ptr_nonnull(p);
	*p = '\0';
	if ((q = strchr(target, '?')) != NULL) {
		*q++ = '\0';
		for (; q != NULL && *q != '\0'; q = amp) {
			if ((amp = strchr(q, '&')) != NULL)
				*amp++ = '\0';
			if ((eq = strchr(q, '=')) != NULL)
				*eq++ = '\0';
			else
				eq = q + strlen(q);
			str_pct_decode(q, strlen(q), false);
			str_pct_decode(eq, strlen(eq), false);
			ck_assert_uint_lt(nq, PAIRS_MAX);
			c->query[nq].name = q;
			c->query[nq++].value = eq;
		}
	}
	c->req.path = target;
	for (line = next; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0')
			break;
		if (*line == ' ' || *line == '\t') {
			ck_assert_uint_gt(nh, 0);
			c->headers[nh - 1].value = arena_printf(a, "%s\n%s",
			    c->headers[nh - 1].value, line);
			continue;
		}
		p = strchr(line, ':');
		ck_assert_ptr_nonnull(p);
		*p++ = '\0';
		ck_assert_uint_lt(nh, PAIRS_MAX);
		c->headers[nh].name = line;
		c->headers[nh++].value = p;
	}
	/* What follows the blank line is the body. */
	p = next != NULL ? next : "";
	crypto_sha256(p, strlen(p), digest);
	str_hex(c->hash, digest, sizeof(digest));
	c->req.query = c->query;
	c->req.nquery = nq;
	c->req.headers = c->headers;
	c->req.nheaders = nh;
	c->req.payload_hash = c->hash;
}

/* Parse context.json: credentials, region, service, time and flags. */
static void
parse_context(struct arena *a, const char *text, struct suite_case *c)
{
	struct json_object	*j, *cred, *v;
	struct tm		 tm;
	const char		*end;
	bool			 omit = false;

	j = json_tokener_parse(text);
	ck_assert_ptr_nonnull(j);
	ck_assert(json_object_object_get_ex(j, "credentials", &cred));
	ck_assert(json_object_object_get_ex(cred, "access_key_id", &v));
	c->req.access_key = arena_strdup(a, json_object_get_string(v));
	ck_assert(json_object_object_get_ex(cred, "secret_access_key", &v));
	c->req.secret_key = arena_strdup(a, json_object_get_string(v));
	if (json_object_object_get_ex(j, "omit_session_token", &v))
		omit = json_object_get_boolean(v);
	/*
	 * "omit_session_token": the token is added after signing, so it is
	 * not part of what is signed: the same as signing without one.
	 */
	if (json_object_object_get_ex(cred, "token", &v) && !omit)
		c->req.session_token = arena_strdup(a,
		    json_object_get_string(v));
	ck_assert(json_object_object_get_ex(j, "region", &v));
	c->req.region = arena_strdup(a, json_object_get_string(v));
	ck_assert(json_object_object_get_ex(j, "service", &v));
	c->req.service = arena_strdup(a, json_object_get_string(v));
	ck_assert(json_object_object_get_ex(j, "expiration_in_seconds", &v));
	c->req.expires = (long)json_object_get_int64(v);
	ck_assert(json_object_object_get_ex(j, "normalize", &v));
	if (json_object_get_boolean(v))
		c->req.flags |= SIGV4_NORMALIZE;
	ck_assert(json_object_object_get_ex(j, "sign_body", &v));
	c->sign_body = json_object_get_boolean(v);
	ck_assert(json_object_object_get_ex(j, "timestamp", &v));
	memset(&tm, 0, sizeof(tm));
	end = strptime(json_object_get_string(v), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ck_assert(end != NULL && *end == '\0');
	c->req.date = timegm(&tm);
	json_object_put(j);
}

/* Parse one case of the suite into c (strings in the arena). */
static void
parse_case(struct arena *a, const char *name, struct suite_case *c)
{
	memset(c, 0, sizeof(*c));
	parse_request(a, slurp(a, name, "request.txt"), c);
	parse_context(a, slurp(a, name, "context.json"), c);
}

/* The value of the line of text starting with prefix, in the arena. */
static const char *
line_of(struct arena *a, const char *text, const char *prefix)
{
	const char	*p, *e;

	for (p = text; p != NULL; p = (e = strchr(p, '\n')) ? e + 1 : NULL)
		if (strncmp(p, prefix, strlen(prefix)) == 0) {
			p += strlen(prefix);
			e = strchr(p, '\n');
			return arena_strndup(a, p, e ? (size_t)(e - p) :
			    strlen(p));
		}
	return NULL;
}

START_TEST(sigv4_suite_is_present)
{
	ck_assert_msg(ncases == 38, "found %d SigV4 cases in %s (expected 38)",
	    ncases, dir);
	ck_assert_int_eq(nskipped, 0);
}
END_TEST

START_TEST(sigv4_suite_header_signing_matches)
{
	struct arena		*a = arena_new();
	struct suite_case	 c;
	struct sigv4_result	 res;
	const char		*name = cases[_i], *want;

	parse_case(a, name, &c);
	c.req.mode = SIGV4_HEADER;
	if (c.sign_body)
		c.req.flags |= SIGV4_CONTENT_SHA256;
	ck_assert_msg(sigv4_sign(a, &c.req, &res) == 0, "%s: sign", name);
	ck_assert_msg(strcmp(res.canonical_request,
	    slurp(a, name, "header-canonical-request.txt")) == 0,
	    "%s: canonical request\n%s", name, res.canonical_request);
	ck_assert_msg(strcmp(res.string_to_sign,
	    slurp(a, name, "header-string-to-sign.txt")) == 0,
	    "%s: string to sign\n%s", name, res.string_to_sign);
	ck_assert_msg(strcmp(res.signature,
	    slurp(a, name, "header-signature.txt")) == 0,
	    "%s: signature %s", name, res.signature);
	want = line_of(a, slurp(a, name, "header-signed-request.txt"),
	    "Authorization:");
	ck_assert_ptr_nonnull(want);
	ck_assert_str_eq(res.authorization, want);
	ck_assert_str_eq(res.add[res.nadd - 1].name, "Authorization");
	ck_assert_str_eq(res.add[0].name, "X-Amz-Date");
	ck_assert_str_eq(res.add[0].value, "20150830T123600Z");
	arena_free(a);
}
END_TEST

START_TEST(sigv4_suite_query_signing_matches)
{
	struct arena		*a = arena_new();
	struct suite_case	 c;
	struct sigv4_result	 res;
	const char		*name = cases[_i], *signature;

	parse_case(a, name, &c);
	c.req.mode = SIGV4_QUERY;
	ck_assert_msg(sigv4_sign(a, &c.req, &res) == 0, "%s: sign", name);
	ck_assert_msg(strcmp(res.canonical_request,
	    slurp(a, name, "query-canonical-request.txt")) == 0,
	    "%s: canonical request\n%s", name, res.canonical_request);
	ck_assert_msg(strcmp(res.string_to_sign,
	    slurp(a, name, "query-string-to-sign.txt")) == 0,
	    "%s: string to sign\n%s", name, res.string_to_sign);
	signature = slurp(a, name, "query-signature.txt");
	ck_assert_msg(strcmp(res.signature, signature) == 0,
	    "%s: signature %s", name, res.signature);
	ck_assert_ptr_nonnull(strstr(res.query,
	    arena_printf(a, "&X-Amz-Signature=%s", signature)));
	ck_assert_uint_eq(res.nadd, 0);
	arena_free(a);
}
END_TEST

/* S3 signs the path as it is: the suite's paths keep their dots, slashes. */
START_TEST(sigv4_s3_mode_does_not_normalize)
{
	static const char *const paths[][2] = {
		{ "/example/..", "/example/.." },
		{ "//example//", "//example//" },
		{ "/./a b/../c", "/./a%20b/../c" },
		{ "/test$file.text", "/test%24file.text" },
		{ "/k/\xe1\x88\xb4+%", "/k/%E1%88%B4%2B%25" },
	};
	struct arena		*a = arena_new();
	struct sigv4_pair	 host = { "Host", DOC_HOST };
	struct sigv4_req	 req = {
		.mode = SIGV4_HEADER, .flags = SIGV4_CONTENT_SHA256,
		.method = "GET", .headers = &host, .nheaders = 1,
		.payload_hash = SIGV4_EMPTY_SHA256, .date = DOC_DATE,
		.region = "us-east-1", .service = "s3",
		.access_key = DOC_ACCESS, .secret_key = DOC_SECRET,
	};
	struct sigv4_result	 res;
	size_t			 i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		req.path = paths[i][0];
		ck_assert_int_eq(sigv4_sign(a, &req, &res), 0);
		ck_assert_str_eq(res.canonical_uri, paths[i][1]);
	}
	req.flags |= SIGV4_NORMALIZE;
	req.path = "/./a b/../c/";
	ck_assert_int_eq(sigv4_sign(a, &req, &res), 0);
	ck_assert_str_eq(res.canonical_uri, "/c/");
	arena_free(a);
}
END_TEST

/* The S3 documentation's header-signing examples (sig-v4-header-based-auth). */
START_TEST(sigv4_s3_doc_get_object_range)
{
	struct arena		*a = arena_new();
	struct sigv4_pair	 h[] = {
		{ "Host", DOC_HOST }, { "Range", "bytes=0-9" },
	};
	struct sigv4_req	 req = {
		.mode = SIGV4_HEADER, .flags = SIGV4_CONTENT_SHA256,
		.method = "GET", .path = "/test.txt", .headers = h,
		.nheaders = 2, .payload_hash = SIGV4_EMPTY_SHA256,
		.date = DOC_DATE, .region = "us-east-1", .service = "s3",
		.access_key = DOC_ACCESS, .secret_key = DOC_SECRET,
	};
	struct sigv4_result	 res;

	ck_assert_int_eq(sigv4_sign(a, &req, &res), 0);
	ck_assert_str_eq(res.canonical_request, "GET\n/test.txt\n\n"
	    "host:" DOC_HOST "\nrange:bytes=0-9\n"
	    "x-amz-content-sha256:" SIGV4_EMPTY_SHA256 "\n"
	    "x-amz-date:20130524T000000Z\n\n"
	    "host;range;x-amz-content-sha256;x-amz-date\n"
	    SIGV4_EMPTY_SHA256);
	ck_assert_str_eq(res.string_to_sign, "AWS4-HMAC-SHA256\n"
	    "20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
	    "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
	ck_assert_str_eq(res.signature,
	    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	ck_assert_uint_eq(res.nadd, 3);
	ck_assert_str_eq(res.add[1].name, "x-amz-content-sha256");
	ck_assert_str_eq(res.add[1].value, SIGV4_EMPTY_SHA256);
	arena_free(a);
}
END_TEST

START_TEST(sigv4_s3_doc_put_object)
{
	struct arena		*a = arena_new();
	struct sigv4_pair	 h[] = {
		{ "Host", DOC_HOST },
		{ "Date", "Fri, 24 May 2013 00:00:00 GMT" },
		{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
	};
	struct sigv4_req	 req = {
		.mode = SIGV4_HEADER, .flags = SIGV4_CONTENT_SHA256,
		.method = "PUT", .path = "/test$file.text", .headers = h,
		.nheaders = 3, .date = DOC_DATE, .region = "us-east-1",
		.service = "s3", .access_key = DOC_ACCESS,
		.secret_key = DOC_SECRET,
	};
	struct sigv4_result	 res;
	unsigned char		 digest[32];
	char			 hash[65];

	crypto_sha256("Welcome to Amazon S3.", 21, digest);
	str_hex(hash, digest, sizeof(digest));
	ck_assert_str_eq(hash,
	    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	req.payload_hash = hash;
	ck_assert_int_eq(sigv4_sign(a, &req, &res), 0);
	ck_assert_str_eq(res.signed_headers,
	    "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
	ck_assert_str_eq(res.signature,
	    "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
	arena_free(a);
}
END_TEST

START_TEST(sigv4_s3_doc_list_objects_and_lifecycle)
{
	struct arena		*a = arena_new();
	struct sigv4_pair	 host = { "Host", DOC_HOST };
	struct sigv4_pair	 list[] = { { "max-keys", "2" }, { "prefix", "J" } };
	struct sigv4_pair	 lifecycle = { "lifecycle", "" };
	struct sigv4_req	 req = {
		.mode = SIGV4_HEADER, .flags = SIGV4_CONTENT_SHA256,
		.method = "GET", .path = "/", .query = list, .nquery = 2,
		.headers = &host, .nheaders = 1,
		.payload_hash = SIGV4_EMPTY_SHA256, .date = DOC_DATE,
		.region = "us-east-1", .service = "s3",
		.access_key = DOC_ACCESS, .secret_key = DOC_SECRET,
	};
	struct sigv4_result	 res;

	ck_assert_int_eq(sigv4_sign(a, &req, &res), 0);
	ck_assert_str_eq(res.signature,
	    "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
	req.query = &lifecycle;
	req.nquery = 1;
	ck_assert_int_eq(sigv4_sign(a, &req, &res), 0);
	ck_assert_ptr_nonnull(strstr(res.canonical_request, "\nlifecycle=\n"));
	ck_assert_str_eq(res.signature,
	    "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
	arena_free(a);
}
END_TEST

/* The S3 documentation's presigned URL (sigv4-query-string-auth). */
START_TEST(sigv4_s3_doc_presigned_url)
{
	struct arena		*a = arena_new();
	struct sigv4_pair	 host = { "host", DOC_HOST };
	struct sigv4_req	 req = {
		.mode = SIGV4_QUERY, .method = "GET", .path = "/test.txt",
		.headers = &host, .nheaders = 1,
		.payload_hash = SIGV4_UNSIGNED_PAYLOAD, .date = DOC_DATE,
		.expires = 86400, .region = "us-east-1", .service = "s3",
		.access_key = DOC_ACCESS, .secret_key = DOC_SECRET,
	};
	struct sigv4_result	 res;

	ck_assert_int_eq(sigv4_sign(a, &req, &res), 0);
	ck_assert_str_eq(res.canonical_request, "GET\n/test.txt\n"
	    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
	    "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
	    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
	    "&X-Amz-SignedHeaders=host\nhost:" DOC_HOST "\n\nhost\n"
	    "UNSIGNED-PAYLOAD");
	ck_assert_str_eq(res.string_to_sign, "AWS4-HMAC-SHA256\n"
	    "20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
	    "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
	ck_assert_str_eq(res.signature,
	    "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
	arena_free(a);
}
END_TEST

/* The same URL, built by the S3 client as a buyer's download link gets it. */
START_TEST(s3_presign_get_matches_doc_example)
{
	struct arena	*a = arena_new();
	struct s3_conf	 conf;
	struct s3	*s3;
	const char	*url;

	s3_conf_init(&conf);
	conf.endpoint = "https://s3.amazonaws.com";
	conf.bucket = "examplebucket";
	conf.region = "us-east-1";
	conf.access_key = DOC_ACCESS;
	conf.secret_key = DOC_SECRET;
	s3 = s3_new(&conf);
	ck_assert_ptr_nonnull(s3);
	url = s3_presign_get(s3, a, "test.txt", 86400, NULL, NULL, DOC_DATE);
	ck_assert_ptr_nonnull(url);
	ck_assert_str_eq(url, "https://" DOC_HOST "/test.txt"
	    "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
	    "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
	    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
	    "&X-Amz-SignedHeaders=host&X-Amz-Signature="
	    "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
	s3_free(s3);
	arena_free(a);
}
END_TEST

START_TEST(s3_presign_get_names_the_download)
{
	struct arena	*a = arena_new();
	struct s3_conf	 conf;
	struct s3	*s3;
	const char	*url, *want;

	s3_conf_init(&conf);
	conf.endpoint = "http://127.0.0.1:9000/";
	conf.bucket = "files";
	conf.region = "us-east-1";
	conf.access_key = "key";
	conf.secret_key = "secret";
	conf.path_style = true;
	s3 = s3_new(&conf);
	ck_assert_ptr_nonnull(s3);
	url = s3_presign_get(s3, a, "store 1/a+b.pdf", 0,
	    "Guía \"final\".pdf", "application/pdf", DOC_DATE);
	ck_assert_ptr_nonnull(url);
	want = "http://127.0.0.1:9000/files/store%201/a%2Bb.pdf"
	    "?X-Amz-Algorithm=";
	ck_assert_msg(strncmp(url, want, strlen(want)) == 0, "%s", url);
	ck_assert_ptr_nonnull(strstr(url, "&X-Amz-Expires=300&"));
	ck_assert_ptr_nonnull(strstr(url, "&response-content-disposition="
	    "attachment%3B%20filename%3D%22Gu_a%20_final_.pdf%22%3B%20"
	    "filename%2A%3DUTF-8%27%27Gu%25C3%25ADa%2520%2522final%2522.pdf&"));
	ck_assert_ptr_nonnull(strstr(url,
	    "&response-content-type=application%2Fpdf&X-Amz-Signature="));
	/* What a browser must not be handed: header injection, bad TTLs. */
	ck_assert_ptr_null(s3_presign_get(s3, a, "k", 0, "a\r\nb", NULL, 0));
	ck_assert_ptr_null(s3_presign_get(s3, a, "k", 0, NULL, "a\nb", 0));
	ck_assert_ptr_null(s3_presign_get(s3, a, "k", SIGV4_EXPIRES_MAX + 1,
	    NULL, NULL, 0));
	ck_assert_ptr_null(s3_presign_get(s3, a, "", 0, NULL, NULL, 0));
	s3_free(s3);
	arena_free(a);
}
END_TEST

START_TEST(s3_new_rejects_bad_config)
{
	struct s3_conf	 conf;

	s3_conf_init(&conf);
	conf.endpoint = "ftp://example.com";
	conf.bucket = "files";
	conf.access_key = "key";
	conf.secret_key = "secret";
	ck_assert_ptr_null(s3_new(&conf));
	conf.endpoint = "https://s3.amazonaws.com/prefix";
	ck_assert_ptr_null(s3_new(&conf));
	conf.endpoint = "https://s3.amazonaws.com";
	conf.bucket = "Bad_Bucket";
	ck_assert_ptr_null(s3_new(&conf));
	conf.bucket = "files";
	conf.secret_key = "";
	ck_assert_ptr_null(s3_new(&conf));
	conf.secret_key = "secret";
	conf.part_size = 1024;
	ck_assert_ptr_null(s3_new(&conf));
}
END_TEST

START_TEST(sigv4_signing_key_matches_aws_example)
{
	unsigned char	 key[32];
	char		 hex[65];

	/* The IAM example from the AWS General Reference. */
	sigv4_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	    "20120215", "us-east-1", "iam", key);
	str_hex(hex, key, sizeof(key));
	ck_assert_str_eq(hex,
	    "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}
END_TEST

START_TEST(sigv4_rejects_what_cannot_be_signed)
{
	struct arena		*a = arena_new();
	struct sigv4_pair	 h[] = { { "Host", DOC_HOST }, { "Bad Name", "x" } };
	struct sigv4_req	 req = {
		.mode = SIGV4_QUERY, .method = "GET", .path = "/k",
		.headers = h, .nheaders = 1,
		.payload_hash = SIGV4_UNSIGNED_PAYLOAD, .date = DOC_DATE,
		.expires = 0, .region = "us-east-1", .service = "s3",
		.access_key = DOC_ACCESS, .secret_key = DOC_SECRET,
	};
	struct sigv4_result	 res;

	ck_assert_int_eq(sigv4_sign(a, &req, &res), -1);	/* expires 0 */
	req.expires = SIGV4_EXPIRES_MAX + 1;
	ck_assert_int_eq(sigv4_sign(a, &req, &res), -1);
	req.expires = SIGV4_EXPIRES_MAX;
	ck_assert_int_eq(sigv4_sign(a, &req, &res), 0);
	req.nheaders = 2;					/* bad name */
	ck_assert_int_eq(sigv4_sign(a, &req, &res), -1);
	req.headers = h + 1;					/* no host */
	req.nheaders = 0;
	ck_assert_int_eq(sigv4_sign(a, &req, &res), -1);
	req.headers = h;
	req.nheaders = 1;
	req.path = "k";						/* relative */
	ck_assert_int_eq(sigv4_sign(a, &req, &res), -1);
	arena_free(a);
}
END_TEST

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * List the suite's cases (folders holding a context.json), sorted; those
 * that name an algorithm other than SigV4 (SigV4a) are skipped and counted.
 */
static void
scan_cases(void)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[1024], text[8192];
	FILE		*f;
	size_t		 n;

	if ((dir = getenv("COLMENA_SIGV4_DIR")) == NULL || *dir == '\0')
		dir = COLMENA_SIGV4_DIR;
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL && ncases < CASES_MAX) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/context.json", dir,
		    e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = '\0';
		fclose(f);
		if (strstr(text, "\"algorithm\"") != NULL &&
		    strstr(text, "\"SigV4\"") == NULL) {
			nskipped++;
			continue;
		}
		cases[ncases++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(cases, (size_t)ncases, sizeof(cases[0]), name_cmp);
}

static Suite *
sigv4_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("sigv4");
	tc = tcase_create("aws-suite");
	tcase_add_test(tc, sigv4_suite_is_present);
	tcase_add_loop_test(tc, sigv4_suite_header_signing_matches, 0, ncases);
	tcase_add_loop_test(tc, sigv4_suite_query_signing_matches, 0, ncases);
	suite_add_tcase(s, tc);

	tc = tcase_create("s3");
	tcase_add_test(tc, sigv4_s3_mode_does_not_normalize);
	tcase_add_test(tc, sigv4_s3_doc_get_object_range);
	tcase_add_test(tc, sigv4_s3_doc_put_object);
	tcase_add_test(tc, sigv4_s3_doc_list_objects_and_lifecycle);
	tcase_add_test(tc, sigv4_s3_doc_presigned_url);
	tcase_add_test(tc, s3_presign_get_matches_doc_example);
	tcase_add_test(tc, s3_presign_get_names_the_download);
	tcase_add_test(tc, s3_new_rejects_bad_config);
	tcase_add_test(tc, sigv4_signing_key_matches_aws_example);
	tcase_add_test(tc, sigv4_rejects_what_cannot_be_signed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures, i;

	scan_cases();
	sr = srunner_create(sigv4_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	for (i = 0; i < ncases; i++)
		free(cases[i]);
	return failures ? 1 : 0;
}
