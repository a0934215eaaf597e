/*
 * seed.c: the write side of the command-line tool. Each operation is one
 * transaction acting for one store (app.store_id), so row-level security
 * and the audit triggers apply as they do for the programs. Demo data is
 * generated from word lists with a fixed pseudo-random sequence, so every
 * run produces the same catalog; seed_files.c makes the products' files.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "localstore.h"
#include "log.h"
#include "password.h"
#include "seed.h"
#include "seed_files.h"
#include "sniff.h"
#include "store.h"
#include "str.h"
#include "tx.h"
#include "valid.h"

#define SEED_BATCH	100	/* products per transaction (<= TX_MAX) */
#define SEED_ACTOR	"cli:seed-demo"
#define SEED_FILE_BATCH	40	/* products per transaction, 3 statements each */
#define SEED_IMAGES	30	/* a store's newest products that get an image */
#define SEED_SECRET_MAX	1024
#define SEED_BUYER	"buyer@demo.test"
#define SEED_LINKS	3	/* the demo order's links: PDF, ZIP, text */
#define SEED_LINK_MSG	"colmena-demo-download-"	/* + 1, 2, 3 */
#define SEED_TOKEN_LEN	43	/* base64url of an HMAC-SHA256 */

enum stmt {
	STMT_NEW_ID,
	STMT_STORE_INSERT,
	STMT_USER_INSERT,
	STMT_MEMBER_UPSERT,
	STMT_DEMO_EXISTS,
	STMT_CATEGORY_INSERT,
	STMT_PRODUCT_INSERT,
	STMT_DEMO_STORES,
	STMT_FILES_TODO,
	STMT_FILE_ADD,
	STMT_PRODUCT_FILE,
	STMT_IMAGE_ADD,
	STMT_ORDER_EXISTS,
	STMT_ORDER_PICK,
	STMT_ORDER_INSERT,
	STMT_ORDER_ITEMS,
	STMT_TOKEN_INSERT,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	"SELECT gen_random_uuid() AS id",			/* STMT_NEW_ID */
	"INSERT INTO stores (id, slug, name, currency, allowed_origins,"
	" support_email) VALUES (current_store_id(), $1, $2, $3,"
	" string_to_array($4, E'\\n'), $5)",			/* STMT_STORE_INSERT */
	"INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3)"
	" ON CONFLICT (lower(email)) DO NOTHING RETURNING id",	/* STMT_USER_INSERT */
	"INSERT INTO store_users (store_id, user_id, email, role)"
	" SELECT current_store_id(), u.id, u.email, $2 FROM users u"
	" WHERE lower(u.email) = lower($1)"
	" ON CONFLICT (store_id, user_id) DO UPDATE SET role = EXCLUDED.role",
								/* STMT_MEMBER_UPSERT */
	"SELECT id FROM stores WHERE slug = 'demo'",		/* STMT_DEMO_EXISTS */
	"INSERT INTO categories (store_id, parent_id, name, slug, description,"
	" position) VALUES (current_store_id(), $1, $2, $3, $4, $5)"
	" RETURNING id",					/* STMT_CATEGORY_INSERT */
	"INSERT INTO products (store_id, category_id, name, slug, description,"
	" price_minor, currency, featured, is_active, max_downloads,"
	" download_expiry_hours, created_at) VALUES (current_store_id(), $1,"
	" $2, $3, $4, $5, $6, $7, $8, $9, $10,"
	" now() - make_interval(mins => $11::int))",		/* STMT_PRODUCT_INSERT */
	"SELECT id FROM stores WHERE slug IN ('demo', 'acme')"
	" OR slug ~ '^shop-[0-9]+$' ORDER BY created_at, slug",	/* STMT_DEMO_STORES */
	/*
	 * STMT_FILES_TODO: the products seed-demo made (their audit record
	 * says so) that have never had a file, newest first; the first $1
	 * of the catalog's order without an image get one.
	 */
	"SELECT p.id, p.name, p.slug, p.description,"
	" coalesce(c.slug, '') AS category, s.name AS store,"
	" p.rank <= $1::int AND NOT EXISTS (SELECT 1 FROM product_images i"
	"  WHERE i.store_id = p.store_id AND i.product_id = p.id) AS image"
	" FROM (SELECT id, store_id, name, slug, description, category_id,"
	"  file_id, row_number() OVER (ORDER BY is_active DESC,"
	"  created_at DESC, id DESC) AS rank"
	"  FROM products WHERE store_id = current_store_id()) p"
	" JOIN stores s ON s.id = p.store_id"
	" LEFT JOIN categories c ON c.store_id = p.store_id"
	"  AND c.id = p.category_id"
	" WHERE p.file_id IS NULL AND NOT EXISTS (SELECT 1 FROM product_files f"
	"  WHERE f.store_id = p.store_id AND f.product_id = p.id)"
	" AND EXISTS (SELECT 1 FROM audit_logs l WHERE l.store_id = p.store_id"
	"  AND l.entity_type = 'products' AND l.entity_id = p.id"
	"  AND l.action = 'create' AND l.actor = $2)"
	" ORDER BY p.rank",
	/* STMT_FILE_ADD: as an upload (cgi-bin/admin_files.c) records it */
	"INSERT INTO product_files (store_id, product_id, storage_key, backend,"
	" key_id, file_name, content_type, size, sha256)"
	" VALUES (current_store_id(), $1::uuid, $2, 'local', $3, $4, $5,"
	" $6::bigint, $7)",
	/* STMT_PRODUCT_FILE: the version new buyers get */
	"UPDATE products SET file_id = (SELECT id FROM product_files"
	"  WHERE storage_key = $2), file_key = $2, file_name = $3,"
	" file_size = $4::bigint, file_type = $5, file_sha256 = $6"
	" WHERE store_id = current_store_id() AND id = $1::uuid",
	/* STMT_IMAGE_ADD: the product's first image (its trigger lists it) */
	"INSERT INTO product_images (store_id, product_id, storage_key, backend,"
	" content_type, size, sha256) VALUES (current_store_id(), $1::uuid, $2,"
	" 'local', $3, $4::bigint, $5)",
	"SELECT 1 FROM orders WHERE store_id = current_store_id()"
	" AND lower(customer_email) = $1",			/* STMT_ORDER_EXISTS */
	/* STMT_ORDER_PICK: the newest product on sale of each file type */
	"SELECT DISTINCT ON (file_type) id, file_type FROM products"
	" WHERE store_id = current_store_id() AND is_active"
	" AND file_id IS NOT NULL ORDER BY file_type, created_at DESC, id DESC",
	/* STMT_ORDER_INSERT: paid for the products $4 (space-separated) */
	"INSERT INTO orders (id, store_id, customer_email, customer_name,"
	" status, currency, subtotal_minor, total_minor, paid_at)"
	" SELECT $1::uuid, s.id, $2, $3, 'paid', s.currency, t.sum, t.sum, now()"
	" FROM stores s, (SELECT coalesce(sum(price_minor), 0) AS sum"
	"  FROM products WHERE store_id = current_store_id()"
	"  AND id = ANY (string_to_array($4, ' ')::uuid[])) t"
	" WHERE s.id = current_store_id()",
	"INSERT INTO order_items (store_id, order_id, product_id, product_name,"
	" quantity, price_minor) SELECT current_store_id(), $1::uuid, id, name,"
	" 1, price_minor FROM products WHERE store_id = current_store_id()"
	" AND id = ANY (string_to_array($2, ' ')::uuid[])",	/* STMT_ORDER_ITEMS */
	/* STMT_TOKEN_INSERT: a link to the current version, for years */
	"INSERT INTO download_tokens (store_id, order_id, product_id, token_hash,"
	" expires_at, max_downloads, file_id) SELECT current_store_id(),"
	" $1::uuid, id, decode($3, 'hex'), now() + interval '10 years', 1000,"
	" file_id FROM products WHERE store_id = current_store_id()"
	" AND id = $2::uuid",
};

/*
 * True for an origin as browsers send it: http(s)://host[:port], lowercase,
 * no path.
 */
static int
seed_origin_ok(const char *o)
{
	const char	*p;
	size_t		 host = 0, port = 0;

	if (strncmp(o, "https://", 8) == 0)
		p = o + 8;
	else if (strncmp(o, "http://", 7) == 0)
		p = o + 7;
	else
		return 0;
	for (; *p != '\0' && *p != ':'; p++, host++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '.' || *p == '-'))
			return 0;
	if (*p == ':')
		for (p++; *p != '\0'; p++, port++)
			if (*p < '0' || *p > '9' || port == 5)
				return 0;
	return host > 0 && host <= 253 && (port > 0 || o[strlen(o) - 1] != ':');
}

/*
 * Report a failed statement or transaction (tx_run rolled it back) by its
 * SQLSTATE. Returns -1.
 */
static int
seed_fail(struct db *db, const char *what)
{
	const char	*state = db_sqlstate(db);

	if (strcmp(state, "23503") == 0)
		fprintf(stderr, "colmena: %s: it refers to something that does "
		    "not exist (an unknown currency?)\n", what);
	else if (strcmp(state, "23505") == 0)
		fprintf(stderr, "colmena: %s: it exists already\n", what);
	else if (strncmp(state, "08", 2) == 0)
		fprintf(stderr, "colmena: %s: cannot reach the database\n", what);
	else
		fprintf(stderr, "colmena: %s failed (SQLSTATE %s, see above)\n",
		    what, state);
	return -1;
}

/*
 * Create store s after checking every field; writes its id to id.
 * Returns 0, or -1 after printing why.
 */
int
seed_store_create(struct db *db, struct arena *a, const struct seed_store *s,
    char *id, size_t idsz)
{
	struct dbq		 q;
	struct pg_result	*res;
	struct buf		 origins;
	const char		*p[5];
	size_t			 i, n;

	if (!str_is_slug(s->slug, 64)) {
		fprintf(stderr, "colmena: --slug must be 1 to 64 lowercase "
		    "letters, digits or dashes\n");
		return -1;
	}
	n = strlen(s->name);
	if (!str_utf8_valid(s->name, n) || n == 0 ||
	    str_utf8_chars(s->name, n) > 255) {
		fprintf(stderr, "colmena: --name must be 1 to 255 characters of "
		    "UTF-8\n");
		return -1;
	}
	if (strlen(s->currency) != 3 || s->currency[0] < 'A' ||
	    s->currency[0] > 'Z' || s->currency[1] < 'A' ||
	    s->currency[1] > 'Z' || s->currency[2] < 'A' || s->currency[2] > 'Z') {
		fprintf(stderr, "colmena: --currency must be an ISO 4217 code "
		    "such as USD\n");
		return -1;
	}
	if (s->support_email != NULL &&
	    !valid_email(s->support_email, strlen(s->support_email))) {
		fprintf(stderr, "colmena: --support-email is not an email "
		    "address\n");
		return -1;
	}
	buf_init(&origins, 16384);
	for (i = 0; i < s->norigins; i++) {
		if (!seed_origin_ok(s->origins[i])) {
			fprintf(stderr, "colmena: --origin %s: write it as a "
			    "browser sends it, e.g. https://shop.example.com or "
			    "http://127.0.0.1:8080 (lowercase, no path)\n",
			    s->origins[i]);
			buf_clear(&origins);
			return -1;
		}
		if (i > 0)
			buf_putc(&origins, '\n');
		buf_puts(&origins, s->origins[i]);
	}
	p[0] = s->slug;
	p[1] = s->name;
	p[2] = s->currency;
	p[3] = arena_strdup(a, origins.data);
	p[4] = s->support_email;
	buf_clear(&origins);
	/* The new store is the transaction's store: RLS lets it in. */
	if (db_exec(db, a, stmts[STMT_NEW_ID], 0, NULL, &res) != ERR_OK)
		return seed_fail(db, "store id");
	snprintf(id, idsz, "%s", db_val(res, 0, 0));
	q = (struct dbq){ stmts[STMT_STORE_INSERT], 5, p };
	if (tx_run(db, a, id, "cli", &q, 1, NULL) != ERR_OK)
		return seed_fail(db, arena_printf(a, "store %s (currency %s)",
		    s->slug, s->currency));
	return 0;
}

/*
 * Check a staff member's email and role before anything else is asked.
 * Returns 0, or -1 after printing why.
 */
int
seed_user_check(const char *email, const char *role)
{
	if (!valid_email(email, strlen(email))) {
		fprintf(stderr, "colmena: --email is not an email address\n");
		return -1;
	}
	if (strcmp(role, "owner") != 0 && strcmp(role, "admin") != 0 &&
	    strcmp(role, "editor") != 0) {
		fprintf(stderr, "colmena: --role must be owner, admin or editor\n");
		return -1;
	}
	return 0;
}

/*
 * Make email staff of store (slug) with role, creating the person with
 * password if new (an existing person keeps theirs). Returns 0 or -1.
 */
int
seed_user_create(struct db *db, struct arena *a, const char *store,
    const char *email, const char *name, const char *role,
    const char *password)
{
	struct dbq		 q[2];
	struct pg_result	*res[2];
	struct store		 st;
	const char		*failed[PASSWORD_RULES_MAX], *up[3], *mp[2];
	char			 hash[PASSWORD_HASH_MAX];
	size_t			 i, n;
	enum err		 rc;

	if (seed_user_check(email, role) == -1)
		return -1;
	if ((n = password_policy(password, failed)) > 0) {
		fprintf(stderr, "colmena: the password is too weak:\n");
		for (i = 0; i < n; i++)
			fprintf(stderr, "  - %s\n", failed[i]);
		return -1;
	}
	if (!str_is_slug(store, 64) ||
	    (rc = store_get(db, a, store, false, &st)) == ERR_NOT_FOUND) {
		fprintf(stderr, "colmena: no store with slug %s\n", store);
		return -1;
	}
	if (rc != ERR_OK)
		return seed_fail(db, "store lookup");
	if (password_hash(password, hash) == -1)
		return -1;
	up[0] = email;
	up[1] = name;
	up[2] = hash;
	mp[0] = email;
	mp[1] = role;
	q[0] = (struct dbq){ stmts[STMT_USER_INSERT], 3, up };
	q[1] = (struct dbq){ stmts[STMT_MEMBER_UPSERT], 2, mp };
	rc = tx_run(db, a, st.id, "cli", q, 2, res);
	explicit_bzero(hash, sizeof(hash));
	if (rc != ERR_OK)
		return seed_fail(db, arena_printf(a, "staff %s", email));
	if (db_ntuples(res[0]) == 0)
		printf("%s already had an account: its password is unchanged\n",
		    email);
	return 0;
}

/* The demo data's vocabulary. */
static const char *const topics[] = {
	"beekeeping", "photography", "watercolor painting", "bread baking",
	"home recording", "typography", "urban gardening", "bookbinding",
	"web design", "budget travel", "woodworking", "astronomy",
	"fermentation", "public speaking", "data visualization", "knitting",
};
/* Each sentence is written around a topic. */
static const struct { const char *before, *after; } sentences[] = {
	{ "A practical guide to ", ", written for people who learn by doing." },
	{ "Covers the essentials of ", " with clear steps and worked examples." },
	{ "Includes checklists, templates and a glossary for ", "." },
	{ "Hundreds of readers used it to start with ", " in a single weekend." },
	{ "Updated this year with new chapters on ", " and common mistakes." },
	{ "Delivered as a download you keep forever, with free updates on ", "." },
	{ "Made by practitioners who have taught ", " for over a decade." },
	{ "Perfect as a gift for anyone curious about ", "." },
};

struct seed_cat {
	const char	*slug;
	const char	*name;
	int		 parent;	/* index, -1 for a root */
	const char	*kinds[3];	/* product kinds sold here */
	enum seed_file	 file;		/* what its products deliver */
};

static const struct seed_cat cats[] = {
	{ "ebooks", "Ebooks", -1, { "Handbook", "Field Guide", "Workbook" },
	    SEED_FILE_PDF },
	{ "fiction", "Fiction", 0, { "Novel", "Novella", "Story Collection" },
	    SEED_FILE_PDF },
	{ "non-fiction", "Non-fiction", 0, { "Handbook", "Guide", "Essays" },
	    SEED_FILE_PDF },
	{ "history", "History", 2, { "Chronicle", "History", "Atlas" },
	    SEED_FILE_PDF },
	{ "science", "Science", 2, { "Primer", "Field Notes", "Guide" },
	    SEED_FILE_PDF },
	{ "music", "Music", -1, { "Album", "EP", "Soundtrack" },
	    SEED_FILE_MUSIC },
	{ "albums", "Albums", 5, { "Album", "Live Album", "Anthology" },
	    SEED_FILE_MUSIC },
	{ "sample-packs", "Sample packs", 5, { "Sample Pack", "Drum Kit", "Loop Pack" },
	    SEED_FILE_MUSIC },
	{ "software", "Software", -1, { "Toolkit", "App", "Utility" },
	    SEED_FILE_SOFTWARE },
	{ "templates", "Themes & templates", 8, { "Theme", "Template Kit", "UI Kit" },
	    SEED_FILE_SOFTWARE },
	{ "plugins", "Plugins", 8, { "Plugin", "Extension", "Preset Pack" },
	    SEED_FILE_SOFTWARE },
	{ "courses", "Courses", -1, { "Course", "Masterclass", "Workshop" },
	    SEED_FILE_TEXT },
};

/* The file a generated product delivers, and how it is checked. */
static const struct {
	const char	*ext;
	enum sniff_type	 type;	/* what sniff must make of it */
} seed_files_info[SEED_FILE__MAX] = {
	{ "pdf", SNIFF_PDF },		/* SEED_FILE_PDF */
	{ "zip", SNIFF_ZIP },		/* SEED_FILE_MUSIC */
	{ "zip", SNIFF_ZIP },		/* SEED_FILE_SOFTWARE */
	{ "txt", SNIFF_TEXT },		/* SEED_FILE_TEXT */
};

/* The demo order's links, in token order (SEED_LINK_MSG 1, 2, 3). */
static const char *const seed_link_types[SEED_LINKS] = {
	"application/pdf", "application/zip", "text/plain; charset=utf-8",
};

static const char *
seed_slugify(struct arena *a, const char *name, int n)
{
	struct buf	 b;
	const char	*p, *out;
	int		 dash = 0;

	buf_init(&b, 512);
	for (p = name; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
			if (dash && b.len > 0)
				buf_putc(&b, '-');
			buf_putc(&b, *p);
			dash = 0;
		} else if (*p >= 'A' && *p <= 'Z') {
			if (dash && b.len > 0)
				buf_putc(&b, '-');
			buf_putc(&b, (char)(*p - 'A' + 'a'));
			dash = 0;
		} else
			dash = 1;
	}
	buf_printf(&b, "-%d", n);
	out = arena_strdup(a, b.data);
	buf_clear(&b);
	return out;
}

static int
seed_catalog(struct db *db, struct arena *a, const char *store_id,
    const char *currency, int exponent, int nproducts, uint64_t rnd)
{
	struct dbq		 q[SEED_BATCH];
	struct pg_result	*res[1];
	const char		*cat_ids[nitems(cats)], *actor = SEED_ACTOR;
	const char		**p;
	struct buf		 desc;
	size_t			 c, nq, k2;
	int			 i, k, s, nsent;
	int64_t			 price;

	/* Categories: one round trip each, parents first. */
	for (c = 0; c < nitems(cats); c++) {
		p = arena_calloc(a, 5, sizeof(*p));
		p[0] = cats[c].parent < 0 ? NULL : cat_ids[cats[c].parent];
		p[1] = cats[c].name;
		p[2] = cats[c].slug;
		p[3] = arena_printf(a, "Everything in %s.", cats[c].name);
		p[4] = arena_printf(a, "%zu", c);
		q[0] = (struct dbq){ stmts[STMT_CATEGORY_INSERT], 5, p };
		if (tx_run(db, a, store_id, actor, q, 1, res) != ERR_OK)
			return seed_fail(db, "demo categories");
		cat_ids[c] = arena_strdup(a, db_val(res[0], 0, 0));
	}
	/* Products in batches, each batch one transaction and round trip. */
	buf_init(&desc, 8192);
	for (i = 0; i < nproducts; i += nsent) {
		nq = 0;
		for (nsent = 0; nsent < SEED_BATCH && i + nsent < nproducts;
		    nsent++) {
			const struct seed_cat *sc;
			const char *name, *topic;

			c = (size_t)(seed_rand(&rnd) % nitems(cats));
			sc = &cats[c];
			topic = topics[seed_rand(&rnd) % nitems(topics)];
			name = arena_printf(a, "%s %s %s",
			    adjectives[seed_rand(&rnd) % nitems(adjectives)],
			    nouns[seed_rand(&rnd) % nitems(nouns)],
			    sc->kinds[seed_rand(&rnd) % 3]);
			buf_reset(&desc);
			k2 = (size_t)seed_rand(&rnd);
			for (s = 0, k = 3 + (int)(seed_rand(&rnd) % 3); s < k; s++) {
				if (s > 0)
					buf_putc(&desc, ' ');
				k2 = (k2 + 1) % nitems(sentences);
				buf_puts(&desc, sentences[k2].before);
				buf_puts(&desc, topic);
				buf_puts(&desc, sentences[k2].after);
			}
			price = 100 + (int64_t)(seed_rand(&rnd) % 9900);
			if (exponent == 0)
				price = (price / 10 + 1) * 10;
			p = arena_calloc(a, 11, sizeof(*p));
			p[0] = cat_ids[c];
			p[1] = name;
			p[2] = seed_slugify(a, name, i + nsent + 1);
			p[3] = arena_strdup(a, desc.data);
			p[4] = arena_printf(a, "%lld", (long long)price);
			p[5] = currency;
			p[6] = seed_rand(&rnd) % 8 == 0 ? "true" : "false";
			p[7] = seed_rand(&rnd) % 20 == 0 ? "false" : "true";
			p[8] = arena_printf(a, "%d", 3 + (int)(seed_rand(&rnd) % 8));
			p[9] = arena_printf(a, "%d", 24 * (1 + (int)(seed_rand(&rnd) % 14)));
			p[10] = arena_printf(a, "%d", (nproducts - i - nsent) * 37);
			q[nq++] = (struct dbq){ stmts[STMT_PRODUCT_INSERT], 11, p };
		}
		if (tx_run(db, a, store_id, actor, q, nq, NULL) != ERR_OK) {
			buf_clear(&desc);
			return seed_fail(db, "demo products");
		}
	}
	buf_clear(&desc);
	return 0;
}

/*
 * Load the storage settings into ls and create storage_root (mkdir -p,
 * 0750) if it is missing: localstore expects it. Returns 0, or -1 after
 * printing why.
 */
static int
seed_storage(struct localstore_conf *ls)
{
	struct stat	 st;
	char		 err[512], path[LOCALSTORE_ROOT_MAX], *s, c;

	if (localstore_conf_load(ls, err, sizeof(err)) == -1) {
		fprintf(stderr, "colmena: file storage: %s\n", err);
		return -1;
	}
	snprintf(path, sizeof(path), "%s", ls->root);
	for (s = path + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(path, 0750) == -1 && errno != EEXIST) {
			fprintf(stderr, "colmena: cannot create %s: %s\n", path,
			    strerror(errno));
			localstore_conf_clear(ls);
			return -1;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	if (stat(ls->root, &st) == -1 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "colmena: storage_root %s is not a directory\n",
		    ls->root);
		localstore_conf_clear(ls);
		return -1;
	}
	return 0;
}

/*
 * Store the bytes in b as a new file of kind for store_id, through a
 * temporary file and localstore_put (encrypted when encrypt is set).
 * Writes its key and info. Returns 0, or -1 (logged) leaving nothing.
 */
static int
seed_put(const struct localstore_conf *ls, const char *store_id,
    enum localstore_kind kind, bool encrypt, const struct buf *b,
    char key[LOCALSTORE_KEY_MAX], struct fcrypt_info *info)
{
	char		 tmp[LOCALSTORE_PATH_MAX];
	ssize_t		 w;
	size_t		 off;
	int		 fd;

	if (localstore_key_new(key, LOCALSTORE_KEY_MAX, store_id, kind) == -1 ||
	    (fd = localstore_temp_create(tmp, sizeof(tmp), ls->root)) == -1)
		return -1;
	for (off = 0; off < b->len; off += (size_t)w) {
		w = write(fd, b->data + off, b->len - off);
		if (w == -1 && errno == EINTR)
			w = 0;
		else if (w == -1) {
			log_errx("%s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
	}
	if (close(fd) == -1) {
		log_errx("%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (localstore_put(ls->root, tmp, key, encrypt, &ls->keys, info) !=
	    ERR_OK) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * Make, check and store one generated file: its bytes must sniff as
 * want, as an upload's would. Returns 0, or -1 after printing why.
 */
static int
seed_store_bytes(const struct localstore_conf *ls, const char *store_id,
    enum localstore_kind kind, bool encrypt, const struct buf *b,
    enum sniff_type want, const char *what, struct sniff *sn,
    char key[LOCALSTORE_KEY_MAX], struct fcrypt_info *info)
{
	sniff_buf(b->data, b->len, sn);
	if (b->err || sn->type != want) {
		fprintf(stderr, "colmena: the generated %s is not a valid %s\n",
		    what, sniff_type_name(want));
		return -1;
	}
	if (seed_put(ls, store_id, kind, encrypt, b, key, info) == -1) {
		fprintf(stderr, "colmena: cannot store %s under %s (see above)\n",
		    what, ls->root);
		return -1;
	}
	return 0;
}

/*
 * Give every product seed-demo made in store_id that never had a file a
 * generated one, as its current version, and the newest SEED_IMAGES of
 * the catalog an image when they have none: SEED_FILE_BATCH products a
 * transaction. Adds to *nfiles and *nimages. Returns 0, or -1 after
 * printing why (the batch that failed leaves no file behind).
 */
static int
seed_files(struct db *db, struct arena *a, const struct localstore_conf *ls,
    const char *store_id, int *nfiles, int *nimages)
{
	struct dbq		 q[3 * SEED_FILE_BATCH];
	struct pg_result	*res[1];
	struct seed_item	 it;
	struct fcrypt_info	 info;
	struct sniff		 sn;
	struct buf		 b;
	const char		*p[2], **fp, **up, **ip;
	const char		*stored[2 * SEED_FILE_BATCH];
	char			 key[LOCALSTORE_KEY_MAX];
	size_t			 c, nq, nstored = 0, i;
	int			 row, nrows, end, nf, ni;
	int			 col[7];

	p[0] = arena_printf(a, "%d", SEED_IMAGES);
	p[1] = SEED_ACTOR;
	q[0] = (struct dbq){ stmts[STMT_FILES_TODO], 2, p };
	if (tx_run(db, a, store_id, SEED_ACTOR, q, 1, res) != ERR_OK)
		return seed_fail(db, "demo files lookup");
	col[0] = db_col(res[0], "id");
	col[1] = db_col(res[0], "name");
	col[2] = db_col(res[0], "slug");
	col[3] = db_col(res[0], "description");
	col[4] = db_col(res[0], "category");
	col[5] = db_col(res[0], "store");
	col[6] = db_col(res[0], "image");
	nrows = db_ntuples(res[0]);
	buf_init(&b, SEED_FILE_MAX);
	for (row = 0; row < nrows; row = end) {
		end = row + SEED_FILE_BATCH < nrows ? row + SEED_FILE_BATCH :
		    nrows;
		nq = nstored = 0;
		nf = ni = 0;
		for (; row < end; row++) {
			memset(&it, 0, sizeof(it));
			it.id = db_val(res[0], row, col[0]);
			it.name = db_val(res[0], row, col[1]);
			it.slug = db_val(res[0], row, col[2]);
			it.description = db_val(res[0], row, col[3]);
			it.store = db_val(res[0], row, col[5]);
			it.image = strcmp(db_val(res[0], row, col[6]), "t") == 0;
			it.file = SEED_FILE_TEXT;
			for (c = 0; c < nitems(cats); c++)
				if (strcmp(cats[c].slug,
				    db_val(res[0], row, col[4])) == 0)
					it.file = cats[c].file;

			buf_reset(&b);
			seed_file_make(&b, &it);
			if (seed_store_bytes(ls, store_id, LOCALSTORE_FILE,
			    ls->encrypt, &b, seed_files_info[it.file].type,
			    arena_printf(a, "file of %s", it.slug), &sn, key,
			    &info) == -1)
				goto fail;
			stored[nstored++] = arena_strdup(a, key);
			fp = arena_calloc(a, 7, sizeof(*fp));
			fp[0] = it.id;
			fp[1] = stored[nstored - 1];
			fp[2] = info.encrypted ? arena_strdup(a, info.key_id) :
			    NULL;
			fp[3] = arena_printf(a, "%s.%s", it.slug,
			    seed_files_info[it.file].ext);
			fp[4] = sn.mime;
			fp[5] = arena_printf(a, "%llu",
			    (unsigned long long)info.size);
			fp[6] = arena_strdup(a, info.sha256_hex);
			up = arena_calloc(a, 6, sizeof(*up));
			up[0] = fp[0];
			up[1] = fp[1];
			up[2] = fp[3];
			up[3] = fp[5];
			up[4] = fp[4];
			up[5] = fp[6];
			q[nq++] = (struct dbq){ stmts[STMT_FILE_ADD], 7, fp };
			q[nq++] = (struct dbq){ stmts[STMT_PRODUCT_FILE], 6, up };
			nf++;
			if (!it.image)
				continue;
			/* Images are public: stored plain, as uploads are. */
			buf_reset(&b);
			seed_png(&b, &it);
			if (seed_store_bytes(ls, store_id, LOCALSTORE_IMAGE,
			    false, &b, SNIFF_PNG, arena_printf(a,
			    "image of %s", it.slug), &sn, key, &info) == -1)
				goto fail;
			stored[nstored++] = arena_strdup(a, key);
			ip = arena_calloc(a, 5, sizeof(*ip));
			ip[0] = it.id;
			ip[1] = stored[nstored - 1];
			ip[2] = sn.mime;
			ip[3] = arena_printf(a, "%llu",
			    (unsigned long long)info.size);
			ip[4] = arena_strdup(a, info.sha256_hex);
			q[nq++] = (struct dbq){ stmts[STMT_IMAGE_ADD], 5, ip };
			ni++;
		}
		if (tx_run(db, a, store_id, SEED_ACTOR, q, nq, NULL) != ERR_OK) {
			seed_fail(db, "demo files");
			goto fail;
		}
		*nfiles += nf;
		*nimages += ni;
	}
	buf_clear(&b);
	return 0;
fail:
	for (i = 0; i < nstored; i++)
		(void)localstore_delete(ls->root, stored[i]);
	buf_clear(&b);
	return -1;
}

/*
 * Read the demo secret from path: its bytes up to a final newline, at
 * least 32, no NUL (tools/demo keeps 64 hex digits in var/demo-secret).
 * Returns 0, or -1 after printing why.
 */
static int
seed_secret_read(const char *path, char *out, size_t outsz, size_t *len)
{
	FILE	*f;
	size_t	 n;
	int	 more;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "colmena: --demo-secret %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	n = fread(out, 1, outsz - 1, f);
	more = fgetc(f) != EOF;
	if (ferror(f)) {
		fprintf(stderr, "colmena: --demo-secret %s: cannot read it\n",
		    path);
		fclose(f);
		return -1;
	}
	fclose(f);
	while (n > 0 && out[n - 1] == '\n')
		n--;
	out[n] = '\0';
	if (more || n < 32 || strlen(out) != n) {
		fprintf(stderr, "colmena: --demo-secret %s: write 32 to %d "
		    "characters (no NUL) in it, e.g. 64 hex digits\n", path,
		    SEED_SECRET_MAX - 1);
		explicit_bzero(out, outsz);
		return -1;
	}
	*len = n;
	return 0;
}

/*
 * The demo order's link number n (1 to SEED_LINKS): base64url of
 * HMAC-SHA256(secret, SEED_LINK_MSG n), so tools/demo can print the same
 * links with openssl on every start while only their hashes are stored.
 */
static void
seed_link_token(const char *secret, size_t len, int n,
    char out[SEED_TOKEN_LEN + 1])
{
	unsigned char	 mac[CRYPTO_HMAC_MAX];
	char		 msg[64];
	size_t		 maclen;

	snprintf(msg, sizeof(msg), SEED_LINK_MSG "%d", n);
	crypto_hmac("SHA256", secret, len, msg, strlen(msg), mac, &maclen);
	crypto_b64url_encode(out, SEED_TOKEN_LEN + 1, mac, maclen);
	explicit_bzero(mac, sizeof(mac));
}

/*
 * Unless the demo store (demo_id) has an order from SEED_BUYER already,
 * make one, paid, for its newest product on sale of each type in
 * seed_link_types, each with a download link (10 years, 1000 downloads)
 * whose token comes from secret. Returns 0, or -1 after printing why.
 */
static int
seed_order(struct db *db, struct arena *a, const char *demo_id,
    const char *secret, size_t secretlen)
{
	struct dbq		 q[2 + SEED_LINKS];
	struct pg_result	*res[2];
	struct buf		 ids;
	const char		*p[1], *op[4], *ip[2], *tp[SEED_LINKS][3];
	const char		*order_id;
	char			 token[SEED_TOKEN_LEN + 1];
	int			 row, k, n = 0;
	size_t			 nq;

	p[0] = SEED_BUYER;
	q[0] = (struct dbq){ stmts[STMT_ORDER_EXISTS], 1, p };
	q[1] = (struct dbq){ stmts[STMT_ORDER_PICK], 0, NULL };
	if (tx_run(db, a, demo_id, SEED_ACTOR, q, 2, res) != ERR_OK)
		return seed_fail(db, "demo order lookup");
	if (db_ntuples(res[0]) > 0)
		return 0;
	if (db_exec(db, a, stmts[STMT_NEW_ID], 0, NULL, &res[0]) != ERR_OK)
		return seed_fail(db, "order id");
	order_id = arena_strdup(a, db_val(res[0], 0, 0));
	buf_init(&ids, 4096);
	nq = 2;
	for (k = 0; k < SEED_LINKS; k++)
		for (row = 0; row < db_ntuples(res[1]); row++) {
			if (strcmp(db_val(res[1], row, 1),
			    seed_link_types[k]) != 0)
				continue;
			if (n++ > 0)
				buf_putc(&ids, ' ');
			buf_puts(&ids, db_val(res[1], row, 0));
			seed_link_token(secret, secretlen, k + 1, token);
			tp[k][0] = order_id;
			tp[k][1] = db_val(res[1], row, 0);
			tp[k][2] = crypto_sha256_hex(a, token, SEED_TOKEN_LEN);
			explicit_bzero(token, sizeof(token));
			q[nq++] = (struct dbq){ stmts[STMT_TOKEN_INSERT], 3,
			    tp[k] };
		}
	if (n == 0) {
		buf_clear(&ids);
		printf("no demo product has a file: no demo order\n");
		return 0;
	}
	op[0] = order_id;
	op[1] = SEED_BUYER;
	op[2] = "Demo Buyer";
	op[3] = arena_strdup(a, ids.data);
	buf_clear(&ids);
	q[0] = (struct dbq){ stmts[STMT_ORDER_INSERT], 4, op };
	ip[0] = order_id;
	ip[1] = op[3];
	q[1] = (struct dbq){ stmts[STMT_ORDER_ITEMS], 2, ip };
	if (tx_run(db, a, demo_id, SEED_ACTOR, q, nq, NULL) != ERR_OK)
		return seed_fail(db, "demo order");
	printf("store demo: a paid order from %s with %d download links "
	    "(tools/demo prints them)\n", SEED_BUYER, n);
	return 0;
}

/*
 * Create the demo: stores "demo" (USD, allowing the demo's own origin),
 * "acme" (EUR) and shop-3... (cycling USD, EUR, GBP, JPY), each with the
 * category tree and products (per store), every product with a generated
 * file and the newest of each store with an image, and the demo store's
 * three staff accounts. If store "demo" exists, only gives the products
 * seed-demo made and that never had a file their file. With secret_file
 * (NULL: none), also a paid order in store demo with download links made
 * from that secret (see seed_order). Returns 0 or -1.
 */
int
seed_demo(struct db *db, struct arena *a, int nstores, int nproducts,
    const char *secret_file)
{
	static const char *const currencies[] = { "USD", "EUR", "GBP", "JPY" };
	static const char *const demo_origins[] = {
		"http://127.0.0.1:8080", "http://localhost:8080"
	};
	static const char *const acme_origins[] = { "https://acme.example" };
	static const char *const roles[] = { "owner", "admin", "editor" };
	struct seed_store	 s;
	struct localstore_conf	 ls;
	struct pg_result	*res;
	char			 id[64], demo_id[64], secret[SEED_SECRET_MAX];
	size_t			 r, secretlen = 0;
	int			 i, rc = -1, nfiles = 0, nimages = 0, nf, ni;
	bool			 files;

	if (secret_file != NULL && seed_secret_read(secret_file, secret,
	    sizeof(secret), &secretlen) == -1)
		return -1;
	/* The files are written to local storage only. */
	files = strcmp(conf_get(CONF_STORAGE_BACKEND), "local") == 0;
	if (!files)
		printf("storage_backend is %s: the demo products get no "
		    "generated files (seed-demo writes local storage only)\n",
		    conf_get(CONF_STORAGE_BACKEND));
	else if (seed_storage(&ls) == -1)
		goto out;
	if (db_exec(db, a, stmts[STMT_DEMO_EXISTS], 0, NULL, &res) != ERR_OK) {
		seed_fail(db, "demo lookup");
		goto out;
	}
	if (db_ntuples(res) > 0) {
		snprintf(demo_id, sizeof(demo_id), "%s", db_val(res, 0, 0));
		printf("already seeded (store demo exists)\n");
		if (!files)
			goto order;
		/* Products left without a file (an older seed-demo, or a run
		 * that stopped half way) get theirs now. */
		if (db_exec(db, a, stmts[STMT_DEMO_STORES], 0, NULL, &res) !=
		    ERR_OK) {
			seed_fail(db, "demo stores");
			goto out;
		}
		for (i = 0; i < db_ntuples(res); i++)
			if (seed_files(db, a, &ls, db_val(res, i, 0), &nfiles,
			    &nimages) == -1)
				goto out;
		if (nfiles > 0 || nimages > 0)
			printf("added %d files and %d images to demo products "
			    "that had none, under %s\n", nfiles, nimages,
			    ls.root);
		arena_reset(a);
		goto order;
	}
	for (i = 0; i < nstores; i++) {
		memset(&s, 0, sizeof(s));
		if (i == 0) {
			s.slug = "demo";
			s.name = "Colmena Demo Store";
			s.currency = "USD";
			s.origins = (const char **)demo_origins;
			s.norigins = nitems(demo_origins);
			s.support_email = "support@demo.test";
		} else if (i == 1) {
			s.slug = "acme";
			s.name = "Acme Digital";
			s.currency = "EUR";
			s.origins = (const char **)acme_origins;
			s.norigins = nitems(acme_origins);
		} else {
			s.slug = arena_printf(a, "shop-%d", i + 1);
			s.name = arena_printf(a, "Shop %d", i + 1);
			s.currency = currencies[i % nitems(currencies)];
		}
		if (seed_store_create(db, a, &s, id, sizeof(id)) == -1)
			goto out;
		if (i == 0)
			snprintf(demo_id, sizeof(demo_id), "%s", id);
		if (seed_catalog(db, a, id, s.currency,
		    strcmp(s.currency, "JPY") == 0 ? 0 : 2, nproducts,
		    UINT64_C(0x9e3779b97f4a7c15) + (uint64_t)i) == -1)
			goto out;
		nf = nfiles;
		ni = nimages;
		if (files && seed_files(db, a, &ls, id, &nfiles,
		    &nimages) == -1)
			goto out;
		printf("seeded store %s: %d products (%d files, %d images)\n",
		    s.slug, nproducts, nfiles - nf, nimages - ni);
		arena_reset(a);
	}
	for (r = 0; r < nitems(roles); r++)
		if (seed_user_create(db, a, "demo",
		    arena_printf(a, "%s@demo.test", roles[r]), NULL, roles[r],
		    "Colmena-demo-1") == -1)
			goto out;
	if (files)
		printf("demo files are under %s%s\n", ls.root, ls.encrypt ?
		    " (encrypted at rest)" : "");
order:
	if (secret_file != NULL && files && seed_order(db, a, demo_id,
	    secret, secretlen) == -1)
		goto out;
	rc = 0;
out:
	if (files)
		localstore_conf_clear(&ls);
	explicit_bzero(secret, sizeof(secret));
	return rc;
}
