/*
 * db.c: connection handling (lazy connect, reset after a failure, one retry
 * for reads when the server went away) and the pipeline runner.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "arena.h"
#include "db.h"
#include "log.h"

#define DB_PREPARED_MAX	64

struct db {
	PGconn		*conn;
	char		*conninfo;
	char		*appname;
	char		 sqlstate[6];
	char		 message[160];	/* of a CC-class error raised for users */
	bool		 prepare;	/* use named prepared statements */
	/* Statements prepared on this connection, by the address of their
	 * text (it comes from the static statement tables). */
	const char	*prepared[DB_PREPARED_MAX];
	size_t		 nprepared;
	char		*listen;	/* channel to LISTEN on, or NULL */
	bool		 ended;		/* the server said it ended the session */
	uint64_t	 generation;	/* successful (re)connections */
};

/*
 * Remember how to connect; the connection is opened on first use. With
 * prepare, statements are prepared once per connection and run by name,
 * which saves PostgreSQL parsing and planning them on every request (needs
 * a direct connection or PgBouncer 1.21+ with max_prepared_statements).
 */
struct db *
db_new(const char *conninfo, const char *appname, bool prepare)
{
	struct db	*db;

	db = xcalloc(1, sizeof(*db));
	db->prepare = prepare;
	db->conninfo = xstrdup(conninfo);
	db->appname = xstrdup(appname);
	return db;
}

/*
 * Close the connection and free db.
 */
void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db->conninfo);
	free(db->appname);
	free(db->listen);
	free(db);
}

static void
db_notice(void *arg, const PGresult *res)
{
	struct db	*db = arg;
	const char	*sev;

	/*
	 * Notices (e.g. a search made only of stop words) are not errors. But
	 * a FATAL arriving while idle is the server ending this session (a
	 * restart, failover or pg_terminate_backend): whatever we cached on
	 * the strength of its notifications can no longer be trusted.
	 */
	sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	if (sev != NULL && (strcmp(sev, "FATAL") == 0 ||
	    strcmp(sev, "PANIC") == 0)) {
		log_warnx("the database ended the session: %s",
		    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
		db->ended = true;
	} else
		log_debug("%s", PQresultErrorMessage(res));
}

static int
db_connect(struct db *db)
{
	/*
	 * The configured string comes last, so its settings win. Prepared
	 * statements are planned once (generic plans): the statements are
	 * written for it, with searches apart from plain listings.
	 */
	const char *const keys[] = { "connect_timeout", "application_name",
	    "options", "dbname", NULL };
	const char *const vals[] = { "5", db->appname, db->prepare ?
	    "-c plan_cache_mode=force_generic_plan" : "", db->conninfo, NULL };

	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK &&
	    !db->ended)
		return 0;
	/* A new session has no prepared statements. */
	db->nprepared = 0;
	if (db->conn != NULL) {
		PQreset(db->conn);
	} else
		db->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		log_errx("cannot connect to the database: %s",
		    PQerrorMessage(db->conn));
		return -1;
	}
	PQsetNoticeReceiver(db->conn, db_notice, db);
	db->ended = false;
	db->generation++;
	if (db->listen != NULL) {
		PGresult	*res;
		char		*cmd;
		size_t		 n = strlen(db->listen) + 8;

		cmd = xmalloc(n);
		snprintf(cmd, n, "LISTEN %s", db->listen);
		res = PQexec(db->conn, cmd);
		free(cmd);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_errx("LISTEN %s: %s", db->listen,
			    PQresultErrorMessage(res));
			PQclear(res);
			PQfinish(db->conn);
			db->conn = NULL;
			return -1;
		}
		PQclear(res);
	}
	return 0;
}

static void
db_clear(void *p)
{
	PQclear(p);
}

static void
db_note_error(struct db *db, PGresult *res, const char *sql)
{
	const char	*state, *msg;

	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	msg = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s",
	    state != NULL ? state : "08006");
	snprintf(db->message, sizeof(db->message), "%s",
	    strncmp(db->sqlstate, "CC", 2) == 0 && msg != NULL ? msg : "");
	log_errx("SQLSTATE %s: %s (in: %.60s)", db->sqlstate,
	    msg != NULL ? msg : PQerrorMessage(db->conn), sql);
}

static enum err
db_map(const struct db *db)
{
	if (strncmp(db->sqlstate, "08", 2) == 0 ||
	    strncmp(db->sqlstate, "57P", 3) == 0)
		return ERR_UNAVAILABLE;
	if (strcmp(db->sqlstate, "23505") == 0 ||
	    strcmp(db->sqlstate, "23503") == 0 ||
	    strcmp(db->sqlstate, "40001") == 0 ||
	    strcmp(db->sqlstate, "CC409") == 0)
		return ERR_CONFLICT;
	if (strcmp(db->sqlstate, "CC404") == 0)
		return ERR_NOT_FOUND;
	if (strcmp(db->sqlstate, "CC422") == 0 ||
	    strcmp(db->sqlstate, "23514") == 0)
		return ERR_VALIDATION;
	return ERR_INTERNAL;
}

static int
db_prepared_index(const struct db *db, const char *sql)
{
	size_t	 i;

	for (i = 0; i < db->nprepared; i++)
		if (db->prepared[i] == sql)
			return (int)i;
	return -1;
}

static enum err
db_run_once(struct db *db, struct arena *a, const struct dbq *q, size_t n,
    PGresult **out)
{
	PGresult		*res;
	ExecStatusType		 st;
	size_t			 i;
	enum err		 rc = ERR_OK;
	char			 name[16];
	/* Per statement: -1 unnamed, else its prepared slot; and whether a
	 * Prepare was sent ahead of it in this pipeline. */
	int			 slot[DB_BATCH_MAX];
	bool			 sent_prep[DB_BATCH_MAX];

	if (n > DB_BATCH_MAX)
		fatalx("%zu statements in one batch (at most %d)", n, DB_BATCH_MAX);
	if (db_connect(db) == -1) {
		snprintf(db->sqlstate, sizeof(db->sqlstate), "08001");
		return ERR_UNAVAILABLE;
	}
	if (!PQenterPipelineMode(db->conn))
		goto broken;
	for (i = 0; i < n; i++) {
		sent_prep[i] = false;
		slot[i] = db->prepare ? db_prepared_index(db, q[i].sql) : -1;
		if (db->prepare && slot[i] == -1 &&
		    db->nprepared < DB_PREPARED_MAX) {
			slot[i] = (int)db->nprepared;
			db->prepared[db->nprepared++] = q[i].sql;
			snprintf(name, sizeof(name), "s%d", slot[i]);
			if (!PQsendPrepare(db->conn, name, q[i].sql,
			    q[i].nparams, NULL))
				goto broken;
			sent_prep[i] = true;
		}
		if (slot[i] >= 0) {
			snprintf(name, sizeof(name), "s%d", slot[i]);
			if (!PQsendQueryPrepared(db->conn, name, q[i].nparams,
			    q[i].params, NULL, NULL, 0))
				goto broken;
		} else if (!PQsendQueryParams(db->conn, q[i].sql, q[i].nparams,
		    NULL, q[i].params, NULL, NULL, 0))
			goto broken;
	}
	if (!PQpipelineSync(db->conn))
		goto broken;
	for (i = 0; i < n; i++) {
		if (sent_prep[i]) {
			if ((res = PQgetResult(db->conn)) == NULL)
				goto broken;
			if (PQresultStatus(res) != PGRES_COMMAND_OK) {
				/* Not prepared after all: forget the slot. */
				if (rc == ERR_OK &&
				    PQresultStatus(res) != PGRES_PIPELINE_ABORTED) {
					db_note_error(db, res, q[i].sql);
					rc = db_map(db);
				}
				db->prepared[slot[i]] = NULL;
			}
			PQclear(res);
			while ((res = PQgetResult(db->conn)) != NULL)
				PQclear(res);
		}
		if ((res = PQgetResult(db->conn)) == NULL)
			goto broken;
		st = PQresultStatus(res);
		if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
			if (rc == ERR_OK && st != PGRES_PIPELINE_ABORTED) {
				db_note_error(db, res, q[i].sql);
				rc = db_map(db);
			}
			PQclear(res);
			res = NULL;
		} else
			arena_defer(a, db_clear, res);
		if (out != NULL)
			out[i] = res;
		/* Each statement's results end with a NULL. */
		while ((res = PQgetResult(db->conn)) != NULL)
			PQclear(res);
	}
	if ((res = PQgetResult(db->conn)) == NULL ||
	    PQresultStatus(res) != PGRES_PIPELINE_SYNC) {
		PQclear(res);
		goto broken;
	}
	PQclear(res);
	if (!PQexitPipelineMode(db->conn))
		goto broken;
	return rc;
broken:
	db_note_error(db, NULL, n > 0 ? q[0].sql : "");
	/* Whatever state the connection is in, start afresh next time. */
	PQfinish(db->conn);
	db->conn = NULL;
	db->nprepared = 0;
	return ERR_UNAVAILABLE;
}

/*
 * Run q[0..n) in one round trip and one implicit transaction; a failing
 * statement aborts those after it. With retry_read (read-only statements
 * only) a connection that broke is re-opened and the batch sent once more.
 * Fills out[i] (may be NULL) with results owned by a. Returns ERR_OK,
 * ERR_UNAVAILABLE (no database), ERR_CONFLICT (unique/foreign key or
 * serialization failure) or ERR_INTERNAL; the SQLSTATE is in db_sqlstate().
 */
enum err
db_run(struct db *db, struct arena *a, const struct dbq *q, size_t n,
    PGresult **out, bool retry_read)
{
	enum err	 rc;

	db->sqlstate[0] = '\0';
	db->message[0] = '\0';
	rc = db_run_once(db, a, q, n, out);
	if (rc == ERR_UNAVAILABLE && retry_read && db->conn == NULL)
		rc = db_run_once(db, a, q, n, out);
	return rc;
}

/*
 * Run one statement (see db_run; never retried).
 */
enum err
db_exec(struct db *db, struct arena *a, const char *sql, int nparams,
    const char *const *params, PGresult **out)
{
	struct dbq	 q = { sql, nparams, params };

	return db_run(db, a, &q, 1, out, false);
}

/*
 * Run a script of several statements without parameters (migrations) with
 * the simple query protocol. Returns ERR_OK or the mapped error.
 */
enum err
db_script(struct db *db, const char *sql)
{
	PGresult	*res;
	enum err	 rc = ERR_OK;

	db->sqlstate[0] = '\0';
	db->message[0] = '\0';
	if (db_connect(db) == -1)
		return ERR_UNAVAILABLE;
	if (!PQsendQuery(db->conn, sql)) {
		db_note_error(db, NULL, sql);
		return ERR_UNAVAILABLE;
	}
	while ((res = PQgetResult(db->conn)) != NULL) {
		if (rc == ERR_OK && PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK &&
		    PQresultStatus(res) != PGRES_EMPTY_QUERY) {
			db_note_error(db, res, sql);
			rc = db_map(db);
		}
		PQclear(res);
	}
	return rc;
}

/*
 * LISTEN on channel (a fixed identifier, never input) on this and every
 * later connection, for change notifications.
 */
void
db_listen(struct db *db, const char *channel)
{
	free(db->listen);
	db->listen = xstrdup(channel);
}

/*
 * Deliver the notifications that have arrived, without waiting: fn is
 * called with each payload. Sets *generation to the connection's number:
 * when it changes, notifications may have been missed in between. Returns
 * true if the connection is up and listening, false if not (then nothing
 * is known about changes).
 */
bool
db_notifications(struct db *db, void (*fn)(const char *, void *), void *arg,
    uint64_t *generation)
{
	PGnotify	*n;
	int		 ok;

	*generation = db->generation;
	if (db->conn == NULL || db->listen == NULL ||
	    PQstatus(db->conn) != CONNECTION_OK)
		return false;
	/* PQconsumeInput only reads; PQnotifies parses, which is when a
	 * FATAL from the server reaches db_notice. So check after both. */
	ok = PQconsumeInput(db->conn);
	while ((n = PQnotifies(db->conn)) != NULL) {
		fn(n->extra, arg);
		PQfreemem(n);
	}
	if (!ok || db->ended || PQstatus(db->conn) != CONNECTION_OK) {
		log_warnx("database connection lost: %s",
		    PQerrorMessage(db->conn));
		PQfinish(db->conn);
		db->conn = NULL;
		db->nprepared = 0;
		return false;
	}
	return true;
}

/*
 * End a failed transaction block, keeping the failure's SQLSTATE. Does
 * nothing without a connection (the server ended the transaction then).
 */
void
db_rollback(struct db *db)
{
	PGresult	*res;

	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
		return;
	res = PQexec(db->conn, "ROLLBACK");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		log_warnx("ROLLBACK: %s", PQresultErrorMessage(res));
	PQclear(res);
}

/*
 * The SQLSTATE of the last failure ("" after success).
 */
/*
 * The message of the last failure when the schema raised it for users to
 * read (SQLSTATE class CC, e.g. "a store must keep at least one owner");
 * "" otherwise, so internal error text never reaches an answer.
 */
const char *
db_message(const struct db *db)
{
	return db->message;
}

const char *
db_sqlstate(const struct db *db)
{
	return db->sqlstate;
}

/*
 * The rows an INSERT, UPDATE or DELETE touched, as text ("0" if none).
 */
const char *
db_cmd_tuples(const struct pg_result *res)
{
	const char	*n = PQcmdTuples((PGresult *)res);

	return n != NULL && *n != '\0' ? n : "0";
}

int
db_ntuples(const PGresult *res)
{
	return PQntuples(res);
}

/*
 * The index of column name; a missing column is a programming error.
 */
int
db_col(const PGresult *res, const char *name)
{
	int	 c;

	if ((c = PQfnumber(res, name)) < 0)
		fatalx("result has no column %s", name);
	return c;
}

const char *
db_val(const PGresult *res, int row, int col)
{
	return PQgetvalue(res, row, col);
}

bool
db_isnull(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col);
}
