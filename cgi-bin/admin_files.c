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
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "arena.h"
#include "clamd.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "fcrypt.h"
#include "fname.h"
#include "jw.h"
#include "localstore.h"
#include "log.h"
#include "multipart.h"
#include "req.h"
#include "s3.h"
#include "sniff.h"
#include "str.h"

#define FORM_OVERHEAD	(64 * 1024)	/* multipart headers around the file */

enum stmt {
	STMT_PRODUCT,
	STMT_FILE_ADD,
	STMT_PRODUCT_FILE,
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
file_keep(struct req *r, const struct principal *p, const char *path,
    const char *type, char key[LOCALSTORE_KEY_MAX], const char **backend,
    const char **key_id, char sha256[65], uint64_t *size)
{
	struct fcrypt_info	 info;
	struct s3_conf		 sc;
	struct s3		*s3;
	int			 fd, rc;

	if (localstore_key_new(key, LOCALSTORE_KEY_MAX, p->store_id,
	    LOCALSTORE_FILE) == -1)
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
	    store.encrypt, &store.keys, &info) != ERR_OK)
		return -1;
	memcpy(sha256, info.sha256_hex, 65);
	*size = info.size;
	*backend = "local";
	*key_id = info.encrypted ? arena_strdup(r->arena, info.key_id) : NULL;
	return 0;
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

/*
 * POST /api/v1/admin/products/{product}/file: multipart/form-data with one
 * file in the field "file". Answers 201 with the new version.
 */
void
admin_products_file(struct req *r)
{
	struct principal	 p;
	struct multipart	*mp;
	struct mp_file		*f;
	struct sniff		 sn;
	struct dbq		 qs[2];
	struct pg_result	*res[2];
	struct jw		 w;
	enum mp_status		 ms;
	const char		*id, *name, *backend, *key_id, *add[8], *upd[6];
	char			 key[LOCALSTORE_KEY_MAX], sha[65], tmp[LOCALSTORE_PATH_MAX];
	char			*refusal;
	unsigned int		 extras = 0;
	uint64_t		 max, size;
	enum err		 rc;

	if (admin_begin(r, &p) == -1 || (id = admin_param_uuid(r,
	    "product")) == NULL)
		return;
	qs[0] = (struct dbq){ stmts[STMT_PRODUCT], 1, &id };
	if ((rc = admin_tx(r, &p, qs, 1, res)) != ERR_OK) {
		admin_fail(r, rc);
		return;
	}
	if (db_ntuples(res[0]) != 1) {
		req_fail(r, ERR_NOT_FOUND, "No such product.");
		return;
	}
	if (strcmp(conf_get(CONF_STORAGE_BACKEND), "s3") != 0 &&
	    store_ready() == -1) {
		req_fail(r, ERR_UNAVAILABLE, "File storage is not configured.");
		return;
	}
	if (localstore_temp_dir(tmp, sizeof(tmp), store_state == 1 ?
	    store.root : conf_get(CONF_STORAGE_ROOT)) != ERR_OK) {
		req_fail(r, ERR_INTERNAL, NULL);
		return;
	}
	max = (uint64_t)conf_int(CONF_UPLOAD_FILE_MAX);
	mp = multipart_new(r->arena, arena_strdup(r->arena, tmp), max);
	ms = multipart_parse_req(mp, r, max + FORM_OVERHEAD);
	switch (ms) {
	case MP_OK:
		break;
	case MP_TOO_LARGE:
		req_fail(r, ERR_PAYLOAD_TOO_LARGE, arena_printf(r->arena,
		    "The file may be at most %llu bytes.",
		    (unsigned long long)max));
		return;
	case MP_BAD:
		if (strncasecmp(req_header(r, "Content-Type") != NULL ?
		    req_header(r, "Content-Type") : "", "multipart/form-data",
		    19) != 0)
			req_fail(r, ERR_UNSUPPORTED_MEDIA_TYPE,
			    "Send the file as multipart/form-data.");
		else
			req_fail_field(r, "body", mp->error != NULL ?
			    mp->error : "is not a valid multipart form");
		return;
	default:
		req_fail(r, ERR_BAD_REQUEST, "The upload was interrupted.");
		return;
	}
	if ((f = multipart_file(mp, "file")) == NULL) {
		req_fail_field(r, "file", "is required (a file in the form field \"file\")");
		return;
	}
	name = fname_sanitise(r->arena, f->filename, f->filename_len);
	if (sniff_file(f->path, &sn) == -1) {
		req_fail(r, ERR_INTERNAL, NULL);
		return;
	}
	if (sniff_extras_parse(conf_get(CONF_UPLOAD_TYPES), &extras,
	    &(const char *){ NULL }) == -1)
		log_warnx("upload_types is not valid: only PDF, ZIP and text");
	if (!sniff_allowed(SNIFF_KIND_PRODUCT, &sn, extras)) {
		refusal = sniff_refusal(r->arena, SNIFF_KIND_PRODUCT, &sn, extras);
		req_fail(r, ERR_UNSUPPORTED_MEDIA_TYPE, refusal);
		return;
	}
	if (file_scan(r, f->path, name) == -1)
		return;
	if (file_keep(r, &p, f->path, sn.mime, key, &backend, &key_id, sha,
	    &size) == -1) {
		req_fail(r, ERR_INTERNAL, NULL);
		return;
	}
	(void)multipart_take(mp, f);
	add[0] = id;
	add[1] = key;
	add[2] = backend;
	add[3] = key_id;
	add[4] = name;
	add[5] = sn.mime;
	add[6] = arena_printf(r->arena, "%llu", (unsigned long long)size);
	add[7] = sha;
	upd[0] = id;
	upd[1] = key;
	upd[2] = name;
	upd[3] = add[6];
	upd[4] = sn.mime;
	upd[5] = sha;
	qs[0] = (struct dbq){ stmts[STMT_FILE_ADD], 8, add };
	qs[1] = (struct dbq){ stmts[STMT_PRODUCT_FILE], 6, upd };
	if ((rc = admin_tx(r, &p, qs, 2, res)) != ERR_OK) {
		file_forget(backend, key);
		admin_fail(r, rc);
		return;
	}
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "id", db_val(res[0], 0, 0));
	jw_str(&w, "productId", id);
	jw_str(&w, "fileName", name);
	jw_str(&w, "contentType", sn.mime);
	jw_int(&w, "size", (int64_t)size);
	jw_str(&w, "sha256", sha);
	jw_bool(&w, "encrypted", key_id != NULL);
	jw_str(&w, "storage", backend);
	jw_str(&w, "createdAt", db_val(res[0], 0, 1));
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
	r->status = 201;
}
