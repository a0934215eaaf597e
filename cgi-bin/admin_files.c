/*
 * admin_files.c: the admin API's product file upload. The body is parsed
 * as a stream into a temporary file (never held in memory), its type is
 * decided by its content, clamd scans it when configured, and it is
 * stored under a generated key (local disk, encrypted when configured, or
 * S3) as a new version of the product's file: past buyers keep the
 * version they bought.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "admin.h"
#include "arena.h"
#include "clamd.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "fcrypt.h"
#include "fname.h"
#include "buf.h"
#include "jw.h"
#include "localstore.h"
#include "link.h"
#include "log.h"
#include "multipart.h"
#include "req.h"
#include "s3.h"
#include "sniff.h"
#include "str.h"

#define FORM_OVERHEAD	(64 * 1024)	/* multipart headers around the file */

#define NOTIFY_BATCH	200		/* orders per notify call */

enum stmt {
	STMT_PRODUCT,
	STMT_FILE_ADD,
	STMT_PRODUCT_FILE,
	STMT_IMAGE_ADD,
	STMT_IMAGE_DELETE,
	STMT_IMAGES,
	STMT_NOTIFY,
	STMT_NOTIFY_LEFT,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* STMT_PRODUCT */
	"SELECT id FROM products WHERE id = $1::uuid",
	/* STMT_FILE_ADD */
	"INSERT INTO product_files (store_id, product_id, storage_key, backend,"
	" key_id, file_name, content_type, size, sha256)"
	" VALUES (current_store_id(), $1::uuid, $2, $3, $4, $5, $6,"
	" $7::bigint, $8) RETURNING id, " TS("created_at"),
	/* STMT_PRODUCT_FILE: the version new buyers get */
	"UPDATE products SET file_id = (SELECT id FROM product_files"
	"  WHERE storage_key = $2), file_key = $2, file_name = $3,"
	" file_size = $4::bigint, file_type = $5, file_sha256 = $6"
	" WHERE id = $1::uuid",
	/* STMT_IMAGE_ADD: after the others; answers the catalog's list */
	"WITH i AS (INSERT INTO product_images (store_id, product_id,"
	"  storage_key, backend, content_type, size, sha256, position)"
	"  SELECT current_store_id(), $1::uuid, $2, $3, $4, $5::bigint, $6,"
	"  coalesce(max(position) + 1, 0) FROM product_images"
	"  WHERE product_id = $1::uuid RETURNING id)"
	" SELECT id FROM i",
	/* STMT_IMAGE_DELETE */
	"WITH d AS (DELETE FROM product_images WHERE product_id = $1::uuid"
	"  AND id = $2::uuid RETURNING storage_key, backend)"
	" SELECT d.storage_key, d.backend FROM d",
	/* STMT_IMAGES: the catalog's list, after the trigger rebuilt it */
	"SELECT images FROM products WHERE id = $1::uuid",
	/* STMT_NOTIFY */
	"SELECT product_file_notify($1::uuid, string_to_array($2, ' ')::uuid[],"
	" string_to_array($3, ' '), $4)",
	/* STMT_NOTIFY_LEFT: orders whose links still name an older version */
	"SELECT count(DISTINCT t.order_id) FROM download_tokens t"
	" JOIN products p ON p.id = t.product_id"
	" JOIN orders o ON o.id = t.order_id"
	" WHERE t.product_id = $1::uuid AND t.revoked_at IS NULL"
	" AND t.file_id IS DISTINCT FROM p.file_id AND p.file_id IS NOT NULL"
	" AND o.status IN ('paid', 'partially_refunded')",
};

static struct localstore_conf	 store;
static int			 store_state;	/* 0 unread, 1 ok, -1 bad */

static int
store_ready(void)
{
	char	 err[512];

	if (store_state == 0) {
		if (localstore_conf_load(&store, err, sizeof(err)) == -1) {
			log_errx("file storage: %s", err);
			store_state = -1;
		} else
			store_state = 1;
	}
	return store_state == 1 ? 0 : -1;
}

void
admin_files_teardown(void)
{
	if (store_state == 1)
		localstore_conf_clear(&store);
	store_state = 0;
}

/*
 * Keep the temporary file at path as a new stored file of the store:
 * local (encrypted when configured) or S3. Fills key, the backend, the
 * key id (NULL: plain), sha256 and size. Returns 0, or -1 having logged.
 */
static int
file_keep_as(struct req *r, const struct principal *p, const char *path,
    const char *type, enum localstore_kind kind, bool encrypt,
    char key[LOCALSTORE_KEY_MAX], const char **backend, const char **key_id,
    char sha256[65], uint64_t *size)
{
	struct fcrypt_info	 info;
	struct s3_conf		 sc;
	struct s3		*s3;
	int			 fd, rc;

	if (localstore_key_new(key, LOCALSTORE_KEY_MAX, p->store_id,
	    kind) == -1)
		return -1;
	if (strcmp(conf_get(CONF_STORAGE_BACKEND), "s3") == 0) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
		    crypto_sha256_fd(fd, sha256, size) == -1) {
			log_errx("upload: %s: %s", path, strerror(errno));
			if (fd != -1)
				close(fd);
			return -1;
		}
		close(fd);
		s3_conf_init(&sc);
		s3_conf_load(&sc);
		s3 = s3_new(&sc);
		rc = s3_put_file(s3, key, path, type);
		if (rc == -1)
			log_errx("upload: S3 PUT %s: %s", key, s3_error(s3));
		s3_free(s3);
		if (rc == -1)
			return -1;
		unlink(path);
		*backend = "s3";
		*key_id = NULL;
		return 0;
	}
	if (store_ready() == -1 || localstore_put(store.root, path, key,
	    encrypt && store.encrypt, &store.keys, &info) != ERR_OK)
		return -1;
	memcpy(sha256, info.sha256_hex, 65);
	*size = info.size;
	*backend = "local";
	*key_id = info.encrypted ? arena_strdup(r->arena, info.key_id) : NULL;
	return 0;
}

static int
file_keep(struct req *r, const struct principal *p, const char *path,
    const char *type, enum localstore_kind kind, char key[LOCALSTORE_KEY_MAX],
    const char **backend, const char **key_id, char sha256[65],
    uint64_t *size)
{
	return file_keep_as(r, p, path, type, kind, true, key, backend, key_id,
	    sha256, size);
}

static int
file_keep_plain(struct req *r, const struct principal *p, const char *path,
    const char *type, char key[LOCALSTORE_KEY_MAX], const char **backend,
    char sha256[65], uint64_t *size)
{
	const char	*key_id;

	return file_keep_as(r, p, path, type, LOCALSTORE_IMAGE, false, key,
	    backend, &key_id, sha256, size);
}

static void
file_forget(const char *backend, const char *key)
{
	struct s3_conf	 sc;
	struct s3	*s3;

	if (strcmp(backend, "s3") == 0) {
		s3_conf_init(&sc);
		s3_conf_load(&sc);
		s3 = s3_new(&sc);
		if (s3_delete(s3, key) == -1)
			log_errx("upload: S3 DELETE %s: %s", key, s3_error(s3));
		s3_free(s3);
	} else if (store_ready() == 0)
		(void)localstore_delete(store.root, key);
}

/*
 * Scan with clamd when it is configured. Returns 0 (clean or scanning
 * off), or -1 having answered: an infected file is refused, and so is any
 * file while clamd does not answer.
 */
static int
file_scan(struct req *r, const char *path, const char *name)
{
	struct clamd_result	 res;
	const char		*addr;
	int			 timeout;

	if (!clamd_conf(&addr, &timeout))
		return 0;
	switch (clamd_scan_file(addr, timeout, path, &res)) {
	case CLAMD_CLEAN:
		return 0;
	case CLAMD_INFECTED:
		log_warnx("upload refused: %s is infected (%s)", name,
		    res.detail);
		req_fail_field(r, "file", arena_printf(r->arena,
		    "was refused by the virus scanner: %s", res.detail));
		return -1;
	default:
		log_errx("upload refused: clamd did not scan %s: %s", name,
		    res.detail);
		req_fail(r, ERR_UNAVAILABLE, "The virus scanner is not "
		    "answering, so the file was not accepted. Try again later.");
		return -1;
	}
}

/* What an upload brought, checked. */
struct upload {
	struct multipart	*mp;
	struct mp_file		*f;
	struct sniff		 sn;
	const char		*name;	/* sanitised file name */
};

/*
 * The common part of every upload to a product: the product exists in the
 * store, the body is a multipart form with a file in "file" no larger
 * than max, of a type kind allows by its content, and clean when clamd is
 * configured. Returns 0 with u filled, or -1 having answered.
 */
static int
upload_receive(struct req *r, const struct principal *p, const char *id,
    enum sniff_kind kind, uint64_t max, struct upload *u)
{
	struct dbq		 q;
	struct pg_result	*res;
	enum mp_status		 ms;
	const char		*ct, *bad = NULL;
	char			 tmp[LOCALSTORE_PATH_MAX];
	unsigned int		 extras = 0;
	enum err		 rc;

	memset(u, 0, sizeof(*u));
	q = (struct dbq){ stmts[STMT_PRODUCT], 1, &id };
	if ((rc = gate_tx(r, p, &q, 1, &res)) != ERR_OK) {
		gate_fail(r, rc);
		return -1;
	}
	if (db_ntuples(res) != 1) {
		req_fail(r, ERR_NOT_FOUND, "No such product.");
		return -1;
	}
	if (store_ready() == -1) {
		req_fail(r, ERR_UNAVAILABLE, "File storage is not configured.");
		return -1;
	}
	if (localstore_temp_dir(tmp, sizeof(tmp), store.root) != ERR_OK) {
		req_fail(r, ERR_INTERNAL, NULL);
		return -1;
	}
	ct = req_header(r, "Content-Type");
	if (ct == NULL || strncasecmp(ct, "multipart/form-data", 19) != 0) {
		req_fail(r, ERR_UNSUPPORTED_MEDIA_TYPE,
		    "Send the file as multipart/form-data.");
		return -1;
	}
	u->mp = multipart_new(r->arena, arena_strdup(r->arena, tmp), max);
	ms = multipart_parse_req(u->mp, r, max + FORM_OVERHEAD);
	switch (ms) {
	case MP_OK:
		break;
	case MP_TOO_LARGE:
		req_fail(r, ERR_PAYLOAD_TOO_LARGE, arena_printf(r->arena,
		    "The file may be at most %llu bytes.",
		    (unsigned long long)max));
		return -1;
	case MP_BAD:
		req_fail_field(r, "body", u->mp->error != NULL ?
		    u->mp->error : "is not a valid multipart form");
		return -1;
	default:
		req_fail(r, ERR_BAD_REQUEST, "The upload was interrupted.");
		return -1;
	}
	if ((u->f = multipart_file(u->mp, "file")) == NULL) {
		req_fail_field(r, "file",
		    "is required (a file in the form field \"file\")");
		return -1;
	}
	u->name = fname_sanitise(r->arena, u->f->filename, u->f->filename_len);
	if (sniff_file(u->f->path, &u->sn) == -1) {
		req_fail(r, ERR_INTERNAL, NULL);
		return -1;
	}
	if (kind == SNIFF_KIND_PRODUCT && sniff_extras_parse(
	    conf_get(CONF_UPLOAD_TYPES), &extras, &bad) == -1)
		log_warnx("upload_types: %s: PDF, ZIP and text only", bad);
	if (!sniff_allowed(kind, &u->sn, extras)) {
		req_fail(r, ERR_UNSUPPORTED_MEDIA_TYPE,
		    sniff_refusal(r->arena, kind, &u->sn, extras));
		return -1;
	}
	return file_scan(r, u->f->path, u->name);
}

/*
 * POST /api/v1/admin/products/{product}/file: multipart/form-data with one
 * file in the field "file". Answers 201 with the new version.
 */
void
admin_products_file(struct req *r)
{
	struct principal	 p;
	struct upload		 u;
	struct dbq		 qs[2];
	struct pg_result	*res[2];
	struct jw		 w;
	const char		*id, *backend, *key_id, *add[8], *upd[6];
	char			 key[LOCALSTORE_KEY_MAX], sha[65];
	uint64_t		 size;
	enum err		 rc;

	if (gate_begin(r, &p) == -1 || (id = gate_param_uuid(r,
	    "product")) == NULL)
		return;
	if (upload_receive(r, &p, id, SNIFF_KIND_PRODUCT,
	    (uint64_t)conf_int(CONF_UPLOAD_FILE_MAX), &u) == -1)
		return;
	if (file_keep(r, &p, u.f->path, u.sn.mime, LOCALSTORE_FILE, key,
	    &backend, &key_id, sha, &size) == -1) {
		req_fail(r, ERR_INTERNAL, NULL);
		return;
	}
	(void)multipart_take(u.mp, u.f);
	add[0] = id;
	add[1] = key;
	add[2] = backend;
	add[3] = key_id;
	add[4] = u.name;
	add[5] = u.sn.mime;
	add[6] = arena_printf(r->arena, "%llu", (unsigned long long)size);
	add[7] = sha;
	upd[0] = id;
	upd[1] = key;
	upd[2] = u.name;
	upd[3] = add[6];
	upd[4] = u.sn.mime;
	upd[5] = sha;
	qs[0] = (struct dbq){ stmts[STMT_FILE_ADD], 8, add };
	qs[1] = (struct dbq){ stmts[STMT_PRODUCT_FILE], 6, upd };
	if ((rc = gate_tx(r, &p, qs, 2, res)) != ERR_OK) {
		file_forget(backend, key);
		gate_fail(r, rc);
		return;
	}
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "id", db_val(res[0], 0, 0));
	jw_str(&w, "productId", id);
	jw_str(&w, "fileName", u.name);
	jw_str(&w, "contentType", u.sn.mime);
	jw_int(&w, "size", (int64_t)size);
	jw_str(&w, "sha256", sha);
	jw_bool(&w, "encrypted", key_id != NULL);
	jw_str(&w, "storage", backend);
	jw_str(&w, "createdAt", db_val(res[0], 0, 1));
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
	r->status = 201;
}

/*
 * POST /api/v1/admin/products/{product}/images: a JPEG, PNG or WebP image
 * in the field "file", at most upload_image_max bytes, added after the
 * product's other images. Answers 201 with the product's images.
 */
void
admin_products_image_add(struct req *r)
{
	struct principal	 p;
	struct upload		 u;
	struct dbq		 q[2];
	struct pg_result	*res[2];
	struct jw		 w;
	const char		*id, *backend, *key_id, *add[6];
	char			 key[LOCALSTORE_KEY_MAX], sha[65];
	uint64_t		 size;
	enum err		 rc;

	if (gate_begin(r, &p) == -1 || (id = gate_param_uuid(r,
	    "product")) == NULL)
		return;
	if (upload_receive(r, &p, id, SNIFF_KIND_IMAGE,
	    (uint64_t)conf_int(CONF_UPLOAD_IMAGE_MAX), &u) == -1)
		return;
	/* Images are public: never encrypted. */
	if (file_keep_plain(r, &p, u.f->path, u.sn.mime, key, &backend, sha,
	    &size) == -1) {
		req_fail(r, ERR_INTERNAL, NULL);
		return;
	}
	(void)key_id;
	(void)multipart_take(u.mp, u.f);
	add[0] = id;
	add[1] = key;
	add[2] = backend;
	add[3] = u.sn.mime;
	add[4] = arena_printf(r->arena, "%llu", (unsigned long long)size);
	add[5] = sha;
	q[0] = (struct dbq){ stmts[STMT_IMAGE_ADD], 6, add };
	q[1] = (struct dbq){ stmts[STMT_IMAGES], 1, &id };
	if ((rc = gate_tx(r, &p, q, 2, res)) != ERR_OK) {
		file_forget(backend, key);
		gate_fail(r, rc);
		return;
	}
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "productId", id);
	jw_str(&w, "imageId", db_val(res[0], 0, 0));
	jw_raw(&w, "images", db_val(res[1], 0, 0));
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
	r->status = 201;
}

/*
 * DELETE /api/v1/admin/products/{product}/images/{image}: the image leaves
 * the product (and storage). Answers the product's images.
 */
void
admin_products_image_delete(struct req *r)
{
	struct principal	 p;
	struct dbq		 q[2];
	struct pg_result	*res[2];
	struct jw		 w;
	const char		*prm[2];
	enum err		 rc;

	if (gate_begin(r, &p) == -1 ||
	    (prm[0] = gate_param_uuid(r, "product")) == NULL ||
	    (prm[1] = gate_param_uuid(r, "image")) == NULL)
		return;
	q[0] = (struct dbq){ stmts[STMT_IMAGE_DELETE], 2, prm };
	q[1] = (struct dbq){ stmts[STMT_IMAGES], 1, prm };
	if ((rc = gate_tx(r, &p, q, 2, res)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	if (db_ntuples(res[0]) != 1) {
		req_fail(r, ERR_NOT_FOUND, "No such image of this product.");
		return;
	}
	file_forget(db_val(res[0], 0, 1), db_val(res[0], 0, 0));
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "productId", prm[0]);
	jw_raw(&w, "images", db_val(res[1], 0, 0));
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}

/*
 * POST /api/v1/admin/products/{product}/file/notify: buyers whose links
 * still point at an older version of the file get fresh links to the
 * current one (the downloads they had left), by email through the outbox;
 * their old links stop. At most NOTIFY_BATCH orders per call: the answer
 * says how many are left, so a caller repeats until none are.
 */
void
admin_products_file_notify(struct req *r)
{
	struct principal	 p;
	struct dbq		 q[2];
	struct pg_result	*res[2];
	struct jw		 w;
	const char		*prm[4], *cnt[1];
	enum err		 rc;

	if (gate_begin(r, &p) == -1 || (prm[0] = gate_param_uuid(r,
	    "product")) == NULL)
		return;
	link_download_batch(r->arena, NOTIFY_BATCH, &prm[1], &prm[2]);
	prm[3] = conf_get(CONF_PUBLIC_URL);
	cnt[0] = prm[0];
	q[0] = (struct dbq){ stmts[STMT_NOTIFY], 4, prm };
	q[1] = (struct dbq){ stmts[STMT_NOTIFY_LEFT], 1, cnt };
	if ((rc = gate_tx(r, &p, q, 2, res)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	if (db_isnull(res[0], 0, 0)) {
		req_fail(r, ERR_NOT_FOUND, "No such product, or it has no file.");
		return;
	}
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "productId", prm[0]);
	jw_int(&w, "linksSent", strtoll(db_val(res[0], 0, 0), NULL, 10));
	jw_int(&w, "ordersLeft", strtoll(db_val(res[1], 0, 0), NULL, 10));
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}
