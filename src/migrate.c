/*
 * migrate.c: read the migration directory, compare with schema_migrations
 * and apply what is missing. Concurrent runs are serialised by an advisory
 * lock, so two deploys at once cannot apply a file twice.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "arena.h"
#include "buf.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "str.h"

#define MIGRATION_MAX		512
#define MIGRATION_FILE_MAX	(4 * 1024 * 1024)

enum stmt {
	STMT_LOCK,
	STMT_TABLE,
	STMT_APPLIED,
	STMT_RECORD,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	"SELECT pg_advisory_lock(hashtext('colmena migrate'))",	/* STMT_LOCK */
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version integer PRIMARY KEY, name text NOT NULL,"
	" checksum text NOT NULL,"
	" applied_at timestamptz NOT NULL DEFAULT now())",	/* STMT_TABLE */
	"SELECT checksum FROM schema_migrations WHERE version = $1", /* STMT_APPLIED */
	"INSERT INTO schema_migrations (version, name, checksum)"
	" VALUES ($1, $2, $3)",					/* STMT_RECORD */
};

static int
migrate_name_ok(const char *name)
{
	size_t	 i, n = strlen(name);

	if (n < 9 || strcmp(name + n - 4, ".sql") != 0 || name[3] != '_')
		return 0;
	for (i = 0; i < 3; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	for (i = 4; i < n - 4; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
			return 0;
	return 1;
}

static int
migrate_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
migrate_read(const char *path, struct buf *b)
{
	FILE	*f;
	char	 chunk[8192];
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL) {
		log_errx("%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
	if (b->err) {
		log_errx("%s: larger than %d bytes", path, MIGRATION_FILE_MAX);
		return -1;
	}
	if (memchr(b->data, '\0', b->len) != NULL) {
		log_errx("%s: holds a NUL byte", path);
		return -1;
	}
	return 0;
}

static int
migrate_one(struct db *db, struct arena *a, const char *dir, const char *name,
    int *applied)
{
	struct buf		 sql;
	struct pg_result	*res;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen;
	char			 sum[65], version[4];
	const char		*params[3], *path;
	int			 rc = -1;

	path = arena_printf(a, "%s/%s", dir, name);
	buf_init(&sql, MIGRATION_FILE_MAX);
	if (migrate_read(path, &sql) == -1)
		goto out;
	if (!EVP_Digest(sql.data, sql.len, md, &mdlen, EVP_sha256(), NULL))
		fatalx("EVP_Digest");
	str_hex(sum, md, 32);
	memcpy(version, name, 3);
	version[3] = '\0';
	params[0] = version;
	params[1] = name;
	params[2] = sum;
	if (db_exec(db, a, stmts[STMT_APPLIED], 1, params, &res) != ERR_OK)
		goto out;
	if (db_ntuples(res) > 0) {
		if (strcmp(db_val(res, 0, 0), sum) != 0) {
			log_errx("%s was changed after it was applied; add a new "
			    "migration instead of editing this one", name);
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (db_script(db, "BEGIN") != ERR_OK)
		goto out;
	if (db_script(db, sql.data) != ERR_OK ||
	    db_exec(db, a, stmts[STMT_RECORD], 3, params, NULL) != ERR_OK ||
	    db_script(db, "COMMIT") != ERR_OK) {
		log_errx("%s failed; nothing of it was applied", name);
		db_script(db, "ROLLBACK");
		goto out;
	}
	printf("applied %s\n", name);
	(*applied)++;
	rc = 0;
out:
	buf_clear(&sql);
	arena_reset(a);
	return rc;
}

/*
 * Apply the migrations in dir that are not yet recorded, in name order.
 * Sets *applied to how many were. Returns 0, or -1 after logging why (the
 * failed file is rolled back; earlier ones stay).
 */
int
migrate_run(struct db *db, const char *dir, int *applied)
{
	DIR		*d;
	struct dirent	*de;
	struct arena	*a;
	char		*names[MIGRATION_MAX];
	size_t		 n = 0, i;
	int		 rc = -1;

	*applied = 0;
	if ((d = opendir(dir)) == NULL) {
		log_errx("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!migrate_name_ok(de->d_name))
			continue;
		if (n == MIGRATION_MAX) {
			log_errx("%s: more than %d migrations", dir, MIGRATION_MAX);
			break;
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), migrate_cmp);
	for (i = 1; i < n; i++)
		if (strncmp(names[i - 1], names[i], 3) == 0) {
			log_errx("%s and %s share a number", names[i - 1], names[i]);
			goto out;
		}
	a = arena_new();
	if (db_exec(db, a, stmts[STMT_LOCK], 0, NULL, NULL) != ERR_OK ||
	    db_exec(db, a, stmts[STMT_TABLE], 0, NULL, NULL) != ERR_OK) {
		arena_free(a);
		goto out;
	}
	arena_reset(a);
	for (i = 0; i < n; i++)
		if (migrate_one(db, a, dir, names[i], applied) == -1)
			break;
	arena_free(a);
	if (i == n)
		rc = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	return rc;
}
