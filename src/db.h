/*
 * db.h: the process's PostgreSQL connection. Parameterized statements only,
 * sent as one libpq pipeline per call: every statement of a call runs in one
 * implicit transaction and costs one network round trip. Results are owned
 * by the arena (PQclear at reset). Safe under PgBouncer transaction pooling:
 * no named statements, no session state.
 */
#ifndef COLMENA_DB_H
#define COLMENA_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct arena;
struct db;
struct pg_result;

#define DB_BATCH_MAX	128

struct dbq {
	const char		*sql;
	int			 nparams;
	const char *const	*params;	/* NULL entries are SQL NULL */
};

struct db	*db_new(const char *conninfo, const char *appname, bool prepare);
void		 db_free(struct db *);
enum err	 db_run(struct db *, struct arena *, const struct dbq *, size_t,
		    struct pg_result **, bool retry_read);
enum err	 db_exec(struct db *, struct arena *, const char *sql, int,
		    const char *const *, struct pg_result **);
enum err	 db_script(struct db *, const char *sql);
void		 db_rollback(struct db *);
const char	*db_sqlstate(const struct db *);
const char	*db_message(const struct db *);
void		 db_listen(struct db *, const char *channel);
bool		 db_notifications(struct db *, void (*)(const char *, void *),
		    void *, uint64_t *generation);

int		 db_ntuples(const struct pg_result *);
const char	*db_cmd_tuples(const struct pg_result *);
int		 db_col(const struct pg_result *, const char *name);
const char	*db_val(const struct pg_result *, int row, int col);
bool		 db_isnull(const struct pg_result *, int row, int col);

#endif
