/*
 * seed.c: the write side of the command-line tool. Each operation is one
 * transaction acting for one store (app.store_id), so row-level security
 * and the audit triggers apply as they do for the programs. Demo data is
 * generated from word lists with a fixed pseudo-random sequence, so every
 * run produces the same catalog.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "db.h"
#include "log.h"
#include "password.h"
#include "seed.h"
#include "store.h"
#include "str.h"
#include "tx.h"
#include "valid.h"

#define SEED_BATCH	100	/* products per transaction (<= TX_MAX) */

enum stmt {
	STMT_NEW_ID,
	STMT_STORE_INSERT,
	STMT_USER_INSERT,
	STMT_MEMBER_UPSERT,
	STMT_DEMO_EXISTS,
	STMT_CATEGORY_INSERT,
	STMT_PRODUCT_INSERT,
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
	"SELECT 1 FROM stores WHERE slug = 'demo'",		/* STMT_DEMO_EXISTS */
	"INSERT INTO categories (store_id, parent_id, name, slug, description,"
	" position) VALUES (current_store_id(), $1, $2, $3, $4, $5)"
	" RETURNING id",					/* STMT_CATEGORY_INSERT */
	"INSERT INTO products (store_id, category_id, name, slug, description,"
	" price_minor, currency, featured, is_active, max_downloads,"
	" download_expiry_hours, created_at) VALUES (current_store_id(), $1,"
	" $2, $3, $4, $5, $6, $7, $8, $9, $10,"
	" now() - make_interval(mins => $11::int))",		/* STMT_PRODUCT_INSERT */
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
static const char *const adjectives[] = {
	"Amber", "Silent", "Golden", "Wild", "Urban", "Midnight", "Honeyed",
	"Northern", "Electric", "Gentle", "Hidden", "Radiant", "Curious",
	"Modern", "Ancient", "Quiet", "Bold", "Velvet", "Crystal", "Rustic",
};
static const char *const nouns[] = {
	"Hive", "Garden", "Meadow", "Harbor", "Forest", "River", "Orchard",
	"Canyon", "Lantern", "Compass", "Atlas", "Workshop", "Studio",
	"Kitchen", "Observatory", "Library", "Market", "Island", "Valley",
	"Summit",
};
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
};

static const struct seed_cat cats[] = {
	{ "ebooks", "Ebooks", -1, { "Handbook", "Field Guide", "Workbook" } },
	{ "fiction", "Fiction", 0, { "Novel", "Novella", "Story Collection" } },
	{ "non-fiction", "Non-fiction", 0, { "Handbook", "Guide", "Essays" } },
	{ "history", "History", 2, { "Chronicle", "History", "Atlas" } },
	{ "science", "Science", 2, { "Primer", "Field Notes", "Guide" } },
	{ "music", "Music", -1, { "Album", "EP", "Soundtrack" } },
	{ "albums", "Albums", 5, { "Album", "Live Album", "Anthology" } },
	{ "sample-packs", "Sample packs", 5, { "Sample Pack", "Drum Kit", "Loop Pack" } },
	{ "software", "Software", -1, { "Toolkit", "App", "Utility" } },
	{ "templates", "Themes & templates", 8, { "Theme", "Template Kit", "UI Kit" } },
	{ "plugins", "Plugins", 8, { "Plugin", "Extension", "Preset Pack" } },
	{ "courses", "Courses", -1, { "Course", "Masterclass", "Workshop" } },
};

static uint64_t
seed_rand(uint64_t *s)
{
	/* xorshift64*: small, fast and the same on every machine. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

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
	const char		*cat_ids[nitems(cats)], *actor = "cli:seed-demo";
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
 * Create the demo: stores "demo" (USD, allowing the demo's own origin),
 * "acme" (EUR) and shop-3... (cycling USD, EUR, GBP, JPY), each with the
 * category tree and products (per store), and the demo store's three
 * staff accounts. Does nothing if store "demo" exists. Returns 0 or -1.
 */
int
seed_demo(struct db *db, struct arena *a, int nstores, int nproducts)
{
	static const char *const currencies[] = { "USD", "EUR", "GBP", "JPY" };
	static const char *const demo_origins[] = {
		"http://127.0.0.1:8080", "http://localhost:8080"
	};
	static const char *const acme_origins[] = { "https://acme.example" };
	static const char *const roles[] = { "owner", "admin", "editor" };
	struct seed_store	 s;
	struct pg_result	*res;
	char			 id[64];
	int			 i;
	size_t			 r;

	if (db_exec(db, a, stmts[STMT_DEMO_EXISTS], 0, NULL, &res) != ERR_OK)
		return seed_fail(db, "demo lookup");
	if (db_ntuples(res) > 0) {
		printf("already seeded (store demo exists)\n");
		return 0;
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
			return -1;
		if (seed_catalog(db, a, id, s.currency,
		    strcmp(s.currency, "JPY") == 0 ? 0 : 2, nproducts,
		    UINT64_C(0x9e3779b97f4a7c15) + (uint64_t)i) == -1)
			return -1;
		printf("seeded store %s: %d products\n", s.slug, nproducts);
		arena_reset(a);
	}
	for (r = 0; r < nitems(roles); r++)
		if (seed_user_create(db, a, "demo",
		    arena_printf(a, "%s@demo.test", roles[r]), NULL, roles[r],
		    "Colmena-demo-1") == -1)
			return -1;
	return 0;
}
