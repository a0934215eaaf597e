/*
 * download.c: the buyers' download program. GET or HEAD /download/{token}
 * checks and counts the link in one atomic UPDATE (download_take() in
 * sql/003_files.sql), records the attempt, and serves the version of the
 * file the buyer bought: through the web server (X-Sendfile) for plain
 * local files, streamed and decrypted chunk by chunk for encrypted ones,
 * or by a redirect to a short-lived presigned URL for S3. Byte ranges are
 * served for resumed downloads. A link that cannot be used gets an HTML
 * page saying why.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "arena.h"
#include "buf.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "download.h"
#include "fcrypt.h"
#include "log.h"
#include "range.h"
#include "req.h"
#include "str.h"

#define TOKEN_LEN	43	/* base64url of 256 bits */
#define RESUME_WINDOW	3600	/* seconds a resumed download is free */

static void	download_get(struct req *);
static void	download_resend(struct req *);
static void	download_media(struct req *);

static const struct route routes[] = {
	{ METHOD_GET, "/api/health", app_health, NULL },
	{ METHOD_GET, "/download/{token}", download_get, NULL },
	{ METHOD_POST, "/download/{token}/resend", download_resend, NULL },
	{ METHOD_GET, "/media/{store}/{file}", download_media, NULL },
};

static const char media_sql[] =
    "SELECT set_config('app.store_id', $1::uuid::text, true),"
    " (SELECT storage_key FROM product_images WHERE store_id = $1::uuid"
    "  AND sha256 = $2 LIMIT 1),"
    " (SELECT backend FROM product_images WHERE store_id = $1::uuid"
    "  AND sha256 = $2 LIMIT 1)";

static const char take_sql[] =
    "WITH d AS (SELECT * FROM download_take($1, decode($2, 'hex'),"
    " $3::boolean, $4::boolean, $5::integer, $6::integer, $10::bigint)),"
    " e AS (INSERT INTO download_events (store_id, token_id, order_id,"
    "  file_id, outcome, range, ip, user_agent)"
    "  SELECT d.store_id, d.token_id, d.order_id, d.file_id,"
    "  CASE WHEN d.outcome = 'served' AND NOT $3::boolean THEN 'repeat'"
    "  ELSE d.outcome END, $7, $8, left($9, 512) FROM d)"
    " SELECT outcome, store_id, file_id, storage_key, backend, key_id,"
    " file_name, content_type, size, sha256, downloads_left,"
    " to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"')"
    " FROM d";

/* What the link leads to, from download_take(). */
struct grant {
	const char	*outcome;
	const char	*store_id;
	const char	*key;		/* storage key */
	const char	*backend;	/* local | s3 */
	const char	*key_id;	/* NULL: not encrypted */
	const char	*name;
	const char	*type;
	int64_t		 size;
	const char	*sha256;
	int64_t		 left;
	const char	*expires;
};

static bool
token_ok(const char *t)
{
	size_t	 i;

	if (t == NULL || strlen(t) != TOKEN_LEN)
		return false;
	for (i = 0; i < TOKEN_LEN; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') ||
		    (t[i] >= '0' && t[i] <= '9') || t[i] == '-' || t[i] == '_'))
			return false;
	return true;
}

/*
 * The page a buyer sees when a link cannot be used: what happened, and a
 * form to have a fresh link sent to the order's address.
 */
static void
download_page(struct req *r, int status, const char *outcome,
    const char *token, const char *expires)
{
	req_nocache(r);
	if (dlserve_page(r, status, outcome, token, expires) == -1)
		req_fail(r, ERR_INTERNAL, NULL);
}

static int
write_out(void *arg, const void *p, size_t n)
{
	return req_stream_write(arg, p, n);
}

/*
 * Stream bytes [start, end] of a local file, decrypting it when key_id is
 * set. A tampered chunk stops the download (the client sees a short
 * body) and is logged.
 */
static void
serve_stream(struct req *r, const struct grant *g, int status,
    int64_t start, int64_t end)
{
	struct fcrypt_reader	*rd = NULL;
	char			 err[FCRYPT_ERR_MAX], buf[65536];
	int64_t			 off, len = end - start + 1;
	ssize_t			 n;
	int			 fd;

	if ((fd = dlserve_open(g->key)) == -1) {
		log_errx("download: cannot open %s: %s", g->key, strerror(errno));
		req_fail(r, ERR_INTERNAL, NULL);
		return;
	}
	if (g->key_id != NULL) {
		if ((rd = fcrypt_open(fd, dlserve_keys(), err,
		    sizeof(err))) == NULL) {
			log_errx("download: %s: %s", g->key, err);
			close(fd);
			req_fail(r, ERR_INTERNAL, NULL);
			return;
		}
		if ((int64_t)fcrypt_plain_size(rd) != g->size) {
			log_errx("download: %s: size %llu, the database says %lld",
			    g->key, (unsigned long long)fcrypt_plain_size(rd),
			    (long long)g->size);
			fcrypt_close(rd);
			close(fd);
			req_fail(r, ERR_INTERNAL, NULL);
			return;
		}
	}
	if (req_stream_begin(r, status, len) == -1 ||
	    r->method == METHOD_HEAD || len == 0)
		goto done;
	if (rd != NULL) {
		if (fcrypt_read_range(rd, (uint64_t)start, (uint64_t)len,
		    write_out, r) == -1)
			log_errx("download: %s stopped: %s", g->key,
			    fcrypt_error(rd));
		goto done;
	}
	for (off = start; off <= end; off += n) {
		n = pread(fd, buf, (size_t)(end - off + 1 < (int64_t)sizeof(buf) ?
		    end - off + 1 : (int64_t)sizeof(buf)), off);
		if (n <= 0) {
			log_errx("download: %s: short read at %lld", g->key,
			    (long long)off);
			break;
		}
		if (req_stream_write(r, buf, (size_t)n) == -1)
			break;		/* the client has gone */
	}
done:
	if (rd != NULL)
		fcrypt_close(rd);
	close(fd);
}

/*
 * GET and HEAD /download/{token}.
 */
static void
download_get(struct req *r)
{
	struct pg_result	*res;
	struct dbq		 one;
	struct grant		 g;
	enum range_result	 rr;
	const char		*token = req_param(r, "token"), *range, *ua, *ifr;
	const char		*prm[10], *hex, *client;
	int64_t			 start = 0, end = -1;
	enum err		 rc;
	int			 status;

	if (app_limit(r, "public", r->client_addr != NULL ? r->client_addr : "-",
	    conf_int(CONF_RATELIMIT_PUBLIC)) == -1)
		return;
	if (!token_ok(token)) {
		download_page(r, 404, "unknown", NULL, NULL);
		return;
	}
	range = req_header(r, "Range");
	ifr = req_header(r, "If-Range");
	ua = req_header(r, "User-Agent");
	if (ua != NULL && !str_utf8_valid(ua, strlen(ua)))
		ua = NULL;
	hex = crypto_sha256_hex(r->arena, token, TOKEN_LEN);
	client = arena_printf(r->arena, "%s\n%s",
	    r->client_addr != NULL ? r->client_addr : "", ua != NULL ? ua : "");
	prm[0] = hex;
	prm[1] = crypto_sha256_hex(r->arena, client, strlen(client));
	prm[2] = r->method == METHOD_HEAD ? "false" : "true";
	/* A resumed download: a byte range from a given byte past the first. */
	prm[3] = range_resumes(range) ? "true" : "false";
	prm[4] = arena_printf(r->arena, "%lld",
	    (long long)conf_int(CONF_DOWNLOAD_REPEAT_WINDOW));
	prm[5] = arena_printf(r->arena, "%d", RESUME_WINDOW);
	prm[6] = range != NULL && strlen(range) <= 200 &&
	    str_utf8_valid(range, strlen(range)) ? range : NULL;
	prm[7] = r->client_addr;
	prm[8] = ua;
	/* The first byte asked for, so a range past the end is not counted. */
	prm[9] = range_parse(range, INT64_MAX, &start, &end) == RANGE_OK &&
	    start < INT64_MAX / 2 ?	/* not a suffix range ("bytes=-500") */
	    arena_printf(r->arena, "%lld", (long long)start) : NULL;
	start = 0;
	end = -1;
	one = (struct dbq){ take_sql, 10, prm };
	if ((rc = db_run(r->db, r->arena, &one, 1, &res, false)) != ERR_OK) {
		req_fail(r, rc, NULL);
		return;
	}
	if (db_ntuples(res) != 1) {
		download_page(r, 404, "unknown", NULL, NULL);
		return;
	}
	memset(&g, 0, sizeof(g));
	g.outcome = db_val(res, 0, 0);
	if (strcmp(g.outcome, "bad_range") == 0) {
		req_set_header(r, "Content-Range", arena_printf(r->arena,
		    "bytes */%s", db_val(res, 0, 8)));
		req_fail(r, ERR_RANGE, NULL);
		return;
	}
	if (strcmp(g.outcome, "served") != 0 && strcmp(g.outcome, "repeat") != 0) {
		download_page(r, strcmp(g.outcome, "no_file") == 0 ? 404 : 410,
		    g.outcome, token, strcmp(g.outcome, "expired") == 0 &&
		    !db_isnull(res, 0, 11) ? db_val(res, 0, 11) : NULL);
		return;
	}
	g.store_id = db_val(res, 0, 1);
	g.key = db_val(res, 0, 3);
	g.backend = db_val(res, 0, 4);
	g.key_id = db_isnull(res, 0, 5) ? NULL : db_val(res, 0, 5);
	g.name = db_val(res, 0, 6);
	g.type = db_val(res, 0, 7);
	g.size = strtoll(db_val(res, 0, 8), NULL, 10);
	g.sha256 = db_val(res, 0, 9);
	g.left = strtoll(db_val(res, 0, 10), NULL, 10);
	g.expires = db_val(res, 0, 11);

	req_nocache(r);
	req_del_header(r, "Cache-Control");
	req_set_header(r, "Cache-Control", "private, no-store");
	req_set_header(r, "Content-Type", g.type);
	req_set_header(r, "Content-Disposition",
	    dlserve_disposition(r->arena, g.name));
	req_set_header(r, "ETag", arena_printf(r->arena, "\"%s\"", g.sha256));
	req_set_header(r, "Accept-Ranges", "bytes");
	req_set_header(r, "X-Downloads-Left",
	    arena_printf(r->arena, "%lld", (long long)g.left));

	if (strcmp(g.backend, "s3") == 0) {
		dlserve_redirect_s3(r, g.key, g.name, g.type);
		return;
	}
	/* Plain local files: the web server sends them, Range and all. */
	if (g.key_id == NULL && conf_int(CONF_DOWNLOAD_SENDFILE)) {
		if (dlserve_sendfile(r, g.key) == -1)
			req_fail(r, ERR_INTERNAL, NULL);
		return;
	}
	/* An If-Range naming another version: the whole (new) file. */
	if (ifr != NULL && strcmp(ifr, arena_printf(r->arena, "\"%s\"",
	    g.sha256)) != 0)
		range = NULL;
	rr = range_parse(range, g.size, &start, &end);
	switch (rr) {
	case RANGE_UNSATISFIABLE:
		req_set_header(r, "Content-Range", arena_printf(r->arena,
		    "bytes */%lld", (long long)g.size));
		req_fail(r, ERR_RANGE, NULL);
		return;
	case RANGE_OK:
		status = 206;
		req_set_header(r, "Content-Range", arena_printf(r->arena,
		    "bytes %lld-%lld/%lld", (long long)start, (long long)end,
		    (long long)g.size));
		break;
	default:
		status = 200;
		start = 0;
		end = g.size - 1;
		break;
	}
	serve_stream(r, &g, status, start, end);
}

/*
 * POST /download/{token}/resend: email=... from the page's form. The answer
 * is the same whatever the address (no order is revealed); when it is the
 * order's address and the order is paid, fresh links go to it.
 */
static void
download_resend(struct req *r)
{
	const char	*token = req_param(r, "token");

	if (app_limit(r, "public", r->client_addr != NULL ? r->client_addr : "-",
	    conf_int(CONF_RATELIMIT_PUBLIC)) == -1)
		return;
	if (!token_ok(token)) {
		download_page(r, 404, "unknown", NULL, NULL);
		return;
	}
	if (dlserve_resend(r, token) == -1)
		return;
	download_page(r, 200, "resent", token, NULL);
}

/*
 * GET /media/{store}/{sha256}.{jpg|png|webp}: a product image. The name is
 * its content's SHA-256, so the answer never changes: cached for a year,
 * immutable. Not rate limited (a catalog page shows many).
 */
static void
download_media(struct req *r)
{
	static const struct {
		const char	*ext;
		const char	*type;
	} exts[] = {
		{ "jpg", "image/jpeg" }, { "png", "image/png" },
		{ "webp", "image/webp" },
	};
	struct pg_result	*res;
	struct dbq		 one;
	const char		*store = req_param(r, "store");
	const char		*file = req_param(r, "file"), *prm[2], *dot;
	const char		*type = NULL;
	size_t			 i;
	enum err		 rc;

	dot = file != NULL ? strchr(file, '.') : NULL;
	for (i = 0; dot != NULL && i < nitems(exts); i++)
		if (strcmp(dot + 1, exts[i].ext) == 0)
			type = exts[i].type;
	if (store == NULL || !str_is_uuid(store) || type == NULL ||
	    dot - file != 64 || strspn(file, "0123456789abcdef") != 64) {
		req_fail(r, ERR_NOT_FOUND, "No such image.");
		return;
	}
	prm[0] = store;
	prm[1] = arena_strndup(r->arena, file, 64);
	one = (struct dbq){ media_sql, 2, prm };
	if ((rc = db_run(r->db, r->arena, &one, 1, &res, true)) != ERR_OK) {
		req_fail(r, rc, NULL);
		return;
	}
	if (db_isnull(res, 0, 1)) {
		req_fail(r, ERR_NOT_FOUND, "No such image.");
		return;
	}
	req_del_header(r, "Cache-Control");
	req_set_header(r, "Cache-Control", "public, max-age=31536000, immutable");
	req_set_header(r, "Content-Type", type);
	req_set_header(r, "ETag", arena_printf(r->arena, "\"%s\"", prm[1]));
	if (strcmp(db_val(res, 0, 2), "s3") == 0) {
		/* The redirect lives as long as half its presigned URL. */
		req_del_header(r, "Cache-Control");
		req_set_header(r, "Cache-Control", arena_printf(r->arena,
		    "public, max-age=%lld",
		    (long long)conf_int(CONF_S3_PRESIGN_TTL) / 2));
		/* No file name: an image is shown, not saved. */
		dlserve_redirect_s3(r, db_val(res, 0, 1), NULL, type);
		return;
	}
	if (dlserve_sendfile(r, db_val(res, 0, 1)) == -1)
		req_fail(r, ERR_INTERNAL, NULL);
}

static void
download_setup(struct db *db)
{
	(void)db;
	dlserve_setup();
}

int
main(int argc, char *argv[])
{
	static const struct app app = {
		"download", routes, nitems(routes), NULL,
		download_setup, dlserve_teardown, NULL, CONF__MAX
	};

	return app_main(argc, argv, &app);
}
