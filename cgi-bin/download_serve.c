/*
 * download_serve.c: how the download program hands a file over (the web
 * server's X-Sendfile for plain local files, a presigned S3 URL), the HTML
 * pages buyers see when a link cannot be used, and fresh links emailed to
 * the order's address from those pages.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "app.h"
#include "arena.h"
#include "buf.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "download.h"
#include "fcrypt.h"
#include "fname.h"
#include "localstore.h"
#include "link.h"
#include "log.h"
#include "page.h"
#include "req.h"
#include "s3.h"
#include "str.h"
#include "tmpl.h"
#include "valid.h"

#define RESEND_PER_MINUTE	5	/* per address: each may send mail */
#define RESEND_LINKS_MAX	20	/* fresh links one request may issue */

static struct localstore_conf	 store;
static bool			 store_ok;
static struct s3		*s3;
static bool			 pages_ok;

/* What each outcome tells the buyer. */
static const struct outcome_text {
	const char	*outcome;
	const char	*title;
	const char	*message;
	bool		 form;		/* offer a fresh link by email */
} texts[] = {
	{ "unknown", "Link not found", "This download link is not valid. "
	    "Check that it was copied whole from your email, or use the "
	    "newest email from the store.", false },
	{ "expired", "Link expired", "This download link has expired.",
	    true },
	{ "used_up", "No downloads left", "This download link has been used "
	    "as many times as it allows. Other links of the same order that "
	    "have expired with downloads left can be sent to you again.",
	    true },
	{ "revoked", "Link withdrawn", "This download link was withdrawn, "
	    "for example after a refund or a payment dispute; contact the "
	    "store if you think this is a mistake. Other links of the order "
	    "that have expired can be sent to you again.", true },
	{ "unpaid", "Order not paid", "The order for this link has not been "
	    "paid (or its payment was reversed), so the file cannot be "
	    "downloaded.", false },
	{ "no_file", "File not available", "The store has not attached the "
	    "file to this product yet. Try the link again later.", false },
	{ "resent", "Check your email", "If that is the address of the order, "
	    "and the order is paid with downloads left, fresh links are on "
	    "their way to it.",
	    false },
};

void
dlserve_setup(void)
{
	struct s3_conf	 sc;
	char		 err[512];

	if (localstore_conf_load(&store, err, sizeof(err)) == -1)
		log_warnx("file storage: %s: local files cannot be served", err);
	else
		store_ok = true;
	if (*conf_get(CONF_S3_BUCKET) != '\0') {
		s3_conf_init(&sc);
		s3_conf_load(&sc);
		s3 = s3_new(&sc);
	}
	if (tmpl_load_dir(conf_get(CONF_TEMPLATE_DIR), err, sizeof(err)) == -1)
		log_errx("templates: %s", err);
	else
		pages_ok = true;
}

void
dlserve_teardown(void)
{
	localstore_conf_clear(&store);
	s3_free(s3);
	s3 = NULL;
	tmpl_free();
}

int
dlserve_open(const char *key)
{
	return store_ok ? localstore_open(store.root, key) : -1;
}

const struct fcrypt_keys *
dlserve_keys(void)
{
	return &store.keys;
}

const char *
dlserve_disposition(struct arena *a, const char *name)
{
	return fname_disposition(a, name, "attachment");
}

/*
 * Send a whole plain file from the program (no X-Sendfile in front).
 */
static int
dlserve_stream_plain(struct req *r, const char *path)
{
	struct stat	 st;
	char		 buf[65536];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		log_errx("download: %s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (req_stream_begin(r, 200, (int64_t)st.st_size) == 0 &&
	    r->method != METHOD_HEAD)
		while ((n = read(fd, buf, sizeof(buf))) > 0 &&
		    req_stream_write(r, buf, (size_t)n) == 0)
			continue;
	close(fd);
	return 0;
}

/*
 * Let the web server send a plain local file (lighttpd's fastcgi
 * "x-sendfile", Apache's mod_xsendfile): the program is free at once, and
 * the server answers Range and HEAD itself.
 */
int
dlserve_sendfile(struct req *r, const char *key)
{
	char	 path[LOCALSTORE_PATH_MAX];

	if (!store_ok || localstore_path(path, sizeof(path), store.root,
	    key) == -1) {
		log_errx("download: no path for %s", key);
		return -1;
	}
	if (conf_int(CONF_DOWNLOAD_SENDFILE)) {
		req_set_header(r, "X-Sendfile", arena_strdup(r->arena, path));
		return req_stream_begin(r, 200, -1);
	}
	return dlserve_stream_plain(r, path);
}

/*
 * S3: a redirect to a presigned URL valid s3_presign_ttl seconds, naming
 * the file and its type.
 */
void
dlserve_redirect_s3(struct req *r, const char *key, const char *name,
    const char *type)
{
	char	*url;

	if (s3 == NULL || (url = s3_presign_get(s3, r->arena, key,
	    (long)conf_int(CONF_S3_PRESIGN_TTL), name, type,
	    time(NULL))) == NULL) {
		log_errx("download: no presigned URL for %s%s%s", key,
		    s3 != NULL ? ": " : " (S3 is not configured)",
		    s3 != NULL ? s3_error(s3) : "");
		req_fail(r, ERR_INTERNAL, NULL);
		return;
	}
	req_set_header(r, "Location", url);
	req_empty(r, 302);
}

/*
 * The page for outcome (see texts[]), from templates/download.html.
 */
int
dlserve_page(struct req *r, int status, const char *outcome,
    const char *token, const char *expires)
{
	struct tmpl_val		*v;
	const struct outcome_text *t = &texts[0];
	size_t			 i;

	for (i = 0; i < nitems(texts); i++)
		if (strcmp(texts[i].outcome, outcome) == 0)
			t = &texts[i];
	if (!pages_ok)
		return -1;
	v = tmpl_obj_new(r->arena);
	tmpl_set_str(v, "title", t->title);
	tmpl_set_str(v, "message", t->message);
	tmpl_set_str(v, "outcome", t->outcome);
	tmpl_set_bool(v, "form", t->form && token != NULL);
	tmpl_set_str(v, "action", token != NULL ?
	    arena_printf(r->arena, "/download/%s/resend", token) : "");
	tmpl_set_str(v, "expires", expires != NULL ? expires : "");
	return page_render(r, status, "download.html", v);
}

static const char resend_sql[] =
    "SELECT download_resend($1, $2, string_to_array($3, ' ')::uuid[],"
    " string_to_array($4, ' '), $5)";

/*
 * The email=... of the page's form, from an urlencoded body. NULL if
 * missing or not an address.
 */
static const char *
resend_email(struct req *r)
{
	const char	*body, *p, *amp;
	char		*v;
	size_t		 len, n;

	if (req_body(r, 4096, &body, &len) != ERR_OK)
		return NULL;
	for (p = body; p < body + len; p = amp + 1) {
		amp = memchr(p, '&', (size_t)(body + len - p));
		if (amp == NULL)
			amp = body + len;
		if ((size_t)(amp - p) > 6 && strncmp(p, "email=", 6) == 0) {
			v = arena_strndup(r->arena, p + 6, (size_t)(amp - p - 6));
			n = str_pct_decode(v, strlen(v), true);
			if (memchr(v, '\0', n) != NULL || !valid_email(v, n))
				return NULL;
			return v;
		}
	}
	return NULL;
}

/*
 * POST /download/{token}/resend: issue fresh links for the order of the
 * link when email is its address and it is paid, and queue them in the
 * outbox; the answer never says which happened. Returns 0 (the caller
 * shows the "resent" page), or -1 having answered.
 */
int
dlserve_resend(struct req *r, const char *token)
{
	struct dbq	 one;
	const char	*prm[5], *email;
	enum err	 rc;

	if (app_limit(r, "resend", r->client_addr != NULL ?
	    r->client_addr : "-", RESEND_PER_MINUTE) == -1)
		return -1;
	if ((email = resend_email(r)) == NULL) {
		/* Not an address: the same page, nothing sent. */
		return 0;
	}
	/* Fresh links made here; the database uses as many as it needs. */
	prm[0] = crypto_sha256_hex(r->arena, token, strlen(token));
	prm[1] = email;
	link_download_batch(r->arena, RESEND_LINKS_MAX, &prm[2], &prm[3]);
	prm[4] = conf_get(CONF_PUBLIC_URL);
	one = (struct dbq){ resend_sql, 5, prm };
	if ((rc = db_run(r->db, r->arena, &one, 1, NULL, false)) != ERR_OK) {
		req_fail(r, rc, NULL);
		return -1;
	}
	return 0;
}
