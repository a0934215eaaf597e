/*
 * admin_catalog.c: helpers the catalog's handlers (admin_products.c,
 * admin_categories.c) share: query string and PATCH body checks, slugs,
 * SQLSTATE tests, column readers and the answer to a delete.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "admin.h"
#include "admin_catalog.h"
#include "arena.h"
#include "conf.h"
#include "db.h"
#include "jw.h"
#include "log.h"
#include "req.h"
#include "str.h"
#include "valid.h"

#define SLUG_BASE_MAX		100	/* a generated slug, before "-<suffix>" */

/*
 * Latin-1 letters (U+00C0..U+00FF) spelt in ASCII for slugs; NULL: not a
 * letter (× and ÷).
 */
static const char *const latin1_ascii[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c",	/* U+00C0 */
	"e", "e", "e", "e", "i", "i", "i", "i",		/* U+00C8 */
	"d", "n", "o", "o", "o", "o", "o", NULL,	/* U+00D0 */
	"o", "u", "u", "u", "u", "y", "th", "ss",	/* U+00D8 */
	"a", "a", "a", "a", "a", "a", "ae", "c",	/* U+00E0 */
	"e", "e", "e", "e", "i", "i", "i", "i",		/* U+00E8 */
	"d", "n", "o", "o", "o", "o", "o", NULL,	/* U+00F0 */
	"o", "u", "u", "u", "u", "y", "th", "y",	/* U+00F8 */
};

/*
 * The start of every "get one" handler: the gate, the route's {param} as
 * a UUID, no query parameters, and sql ($1 = that id) run in the
 * credential's store. Returns its result (one row), or NULL having
 * answered (the gate's 401/403, 400, or 404 with notfound).
 */
struct pg_result *
catalog_get_one(struct req *r, struct principal *pr, const char *param,
    const char *sql, const char *notfound)
{
	struct form		 f;
	struct dbq		 q;
	struct pg_result	*res;
	const char		*id;
	enum err		 rc;

	if (gate_begin(r, pr) == -1 ||
	    (id = gate_param_uuid(r, param)) == NULL ||
	    req_query(r, NULL, 0, &f) == -1)
		return NULL;
	q = (struct dbq){ sql, 1, &id };
	if ((rc = gate_tx(r, pr, &q, 1, &res)) != ERR_OK) {
		gate_fail(r, rc);
		return NULL;
	}
	if (db_ntuples(res) == 0) {
		req_fail(r, ERR_NOT_FOUND, notfound);
		return NULL;
	}
	return res;
}

/*
 * Read a PATCH body: as req_json_body() does (Content-Type, size cap, the
 * field table), and also which of the fields are given as JSON null, which
 * valid_json() treats as absent: nulls[i] is set for fields[i]. Returns 0
 * with f filled (field errors included: the caller answers them with its
 * own), or -1 having answered 415, 413 or 400 for the body as a whole.
 */
int
catalog_patch_body(struct req *r, const struct field *fields, size_t n,
    struct form *f, bool *nulls)
{
	const char		*ct, *body;
	size_t			 len, ctlen, i;
	enum err		 rc;

	for (i = 0; i < n; i++)
		nulls[i] = false;
	/*
	 * req_json_body() cannot be used: it answers field errors at once, and
	 * a PATCH adds its own checks first. The answers match
	 * req_json_body()'s.
	 */
	ct = req_header(r, "Content-Type");
	ctlen = ct != NULL ? strcspn(ct, "; \t") : 0;
	if (ct == NULL || ctlen != 16 ||
	    strncasecmp(ct, "application/json", 16) != 0) {
		req_fail(r, ERR_UNSUPPORTED_MEDIA_TYPE,
		    "Send the body as application/json.");
		return -1;
	}
	rc = req_body(r, (size_t)conf_int(CONF_BODY_MAX), &body, &len);
	if (rc == ERR_PAYLOAD_TOO_LARGE) {
		req_fail(r, rc, arena_printf(r->arena, "The body may be at most "
		    "%lld bytes.", (long long)conf_int(CONF_BODY_MAX)));
		return -1;
	}
	if (rc != ERR_OK) {
		req_fail(r, rc, "The body does not match its Content-Length.");
		return -1;
	}
	/*
	 * Field errors are kept in f for the handler to add its own checks
	 * to; a body that is no JSON object is answered now.
	 */
	if (valid_json(f, fields, n, body, len, r->arena) == -1)
		for (i = 0; i < f->nerrs; i++)
			if (strcmp(f->errs[i].field, "body") == 0) {
				req_fail_form(r, f);
				return -1;
			}
	for (i = 0; i < n; i++)
		nulls[i] = f->v[i].null;
	return 0;
}

/*
 * Fail the fields of a PATCH given as null that may not be. Returns the
 * number of fields set or cleared (0: nothing to change).
 */
size_t
catalog_patch_count(struct form *f, const struct field *fields, size_t n,
    const bool *nulls, const bool *nullable)
{
	size_t	 i, count = 0;

	for (i = 0; i < n; i++) {
		if (nulls[i] && !nullable[i])
			valid_error(f, fields[i].name, "must not be null");
		if (f->v[i].set || nulls[i])
			count++;
	}
	return count;
}

/*
 * A slug made from name: ASCII letters lowercased, Latin-1 letters spelt
 * in ASCII, digits kept, anything else one dash between words, at most
 * SLUG_BASE_MAX characters. fallback when nothing is left (or it would
 * look like a UUID). The result lives in the arena.
 */
const char *
catalog_slugify(struct arena *a, const char *name, const char *fallback)
{
	const unsigned char	*s = (const unsigned char *)name;
	const char		*add;
	char			*out, one[2];
	size_t			 n = 0, alen;
	bool			 dash = false;

	out = arena_alloc(a, SLUG_BASE_MAX + 1);
	one[1] = '\0';
	for (; *s != '\0'; s++) {
		add = NULL;
		if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')) {
			one[0] = (char)*s;
			add = one;
		} else if (*s >= 'A' && *s <= 'Z') {
			one[0] = (char)(*s - 'A' + 'a');
			add = one;
		} else if (*s == 0xc3 && s[1] >= 0x80 && s[1] <= 0xbf) {
			add = latin1_ascii[*++s - 0x80];
		}
		if (add == NULL) {
			dash = true;
			continue;
		}
		alen = strlen(add);
		if (n + (dash && n > 0) + alen > SLUG_BASE_MAX)
			break;
		if (dash && n > 0)
			out[n++] = '-';
		dash = false;
		memcpy(out + n, add, alen);
		n += alen;
	}
	out[n] = '\0';
	if (!str_is_slug(out, SLUG_MAX))
		return fallback;
	return out;
}

/* v as decimal text, for a statement parameter. Result lives in the arena. */
const char *
catalog_i64(struct arena *a, int64_t v)
{
	return arena_printf(a, "%lld", (long long)v);
}

/* Did the last statement on r's connection fail with SQLSTATE state? */
bool
catalog_sqlstate(const struct req *r, const char *state)
{
	return strcmp(db_sqlstate(r->db), state) == 0;
}

/* Is column col of row true? */
bool
catalog_bool(const struct pg_result *res, int row, const char *col)
{
	return db_val(res, row, db_col(res, col))[0] == 't';
}

/*
 * Column c of row as an integer; 0 when NULL. A value that is no integer
 * is fatal: the schema's column types rule it out.
 */
int64_t
catalog_int(const struct pg_result *res, int row, int c)
{
	const char	*errstr;
	int64_t		 v;

	if (db_isnull(res, row, c))
		return 0;
	v = str_to_i64(db_val(res, row, c), INT64_MIN, INT64_MAX, &errstr);
	if (errstr != NULL)
		fatalx("column %d %s", c, errstr);
	return v;
}

/* Column c of row, or NULL when SQL NULL; the text lives as long as res. */
const char *
catalog_str(const struct pg_result *res, int row, int c)
{
	return db_isnull(res, row, c) ? NULL : db_val(res, row, c);
}

/*
 * Answer 200 {"id", "deleted": how} and up to two counts (NULL key: none).
 */
void
catalog_deleted(struct req *r, const char *id, const char *how,
    const char *k1, int64_t v1, const char *k2, int64_t v2)
{
	struct jw	 w;

	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "id", id);
	jw_str(&w, "deleted", how);
	if (k1 != NULL)
		jw_int(&w, k1, v1);
	if (k2 != NULL)
		jw_int(&w, k2, v2);
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}
