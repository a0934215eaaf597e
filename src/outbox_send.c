/*
 * outbox_send.c: deliver the outbox. A batch of due rows is claimed in one
 * statement (FOR UPDATE SKIP LOCKED, next_attempt_at pushed 10 minutes on)
 * and committed before anything is sent, so two runs never send the same
 * row; each row is then sent and marked sent or failed on its own. A run
 * that dies after sending and before marking leaves the row to be sent
 * again when its claim runs out: delivery is at least once.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "mime.h"
#include "outbox_send.h"
#include "smtp.h"

#define OUTBOX_BATCH		"5"
#define OUTBOX_MSG_MAX		(4 * 1024 * 1024)
#define OUTBOX_CONNECT_TIMEOUT	10L
#define OUTBOX_TIMEOUT		60L	/* a batch stays well inside its claim */

enum stmt {
	STMT_CLAIM,
	STMT_SENT,
	STMT_FAILED,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	"UPDATE outbox SET next_attempt_at = now() + interval '10 minutes'"
	" WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL"
	" AND failed_at IS NULL AND next_attempt_at <= now()"
	" ORDER BY next_attempt_at, id LIMIT $1::int FOR UPDATE SKIP LOCKED)"
	" RETURNING id, recipient, subject, body_text, body_html",
							/* STMT_CLAIM */
	"UPDATE outbox SET sent_at = now(), last_error = NULL"
	" WHERE id = $1::bigint AND sent_at IS NULL",	/* STMT_SENT */
	"UPDATE outbox SET attempts = attempts + 1, last_error = $2,"
	" next_attempt_at = now() + make_interval(mins => CASE attempts"
	" WHEN 0 THEN 1 WHEN 1 THEN 5 WHEN 2 THEN 15 WHEN 3 THEN 60"
	" WHEN 4 THEN 180 WHEN 5 THEN 360 WHEN 6 THEN 720 ELSE 1440 END),"
	" failed_at = CASE WHEN $3::boolean OR attempts + 1 >= $4::int"
	" THEN now() END"
	" WHERE id = $1::bigint AND sent_at IS NULL"
	" RETURNING failed_at IS NOT NULL AS gave_up",	/* STMT_FAILED */
};

static enum err	outbox_send_one(struct db *, struct arena *,
		    const struct pg_result *, int, const char *,
		    struct outbox_stats *);
static enum err	outbox_send_fail(struct db *, struct arena *, const char *,
		    const char *, bool, struct outbox_stats *);

/*
 * True when delivery is configured (smtp_url is set).
 */
bool
outbox_send_enabled(void)
{
	return *conf_get(CONF_SMTP_URL) != '\0';
}

/* Record one failed attempt; the row gives up when permanent or at max. */
static enum err
outbox_send_fail(struct db *db, struct arena *a, const char *id,
    const char *why, bool permanent, struct outbox_stats *st)
{
	struct pg_result	*res;
	const char		*max;
	enum err		 rc;

	max = arena_printf(a, "%lld",
	    (long long)conf_int(CONF_OUTBOX_MAX_ATTEMPTS));
	rc = db_exec(db, a, stmts[STMT_FAILED], 4, (const char *[]){ id, why,
	    permanent ? "true" : "false", max }, &res);
	if (rc != ERR_OK) {
		log_errx("outbox %s: recording the failure: %s", id,
		    db_message(db));
		return rc;
	}
	if (db_ntuples(res) == 1 &&
	    strcmp(db_val(res, 0, db_col(res, "gave_up")), "t") == 0) {
		log_warnx("outbox %s: gave up: %s", id, why);
		st->failed++;
	} else {
		log_info("outbox %s: will retry: %s", id, why);
		st->retry++;
	}
	return ERR_OK;
}

/* Build, send and mark row i of a claimed batch. */
static enum err
outbox_send_one(struct db *db, struct arena *a, const struct pg_result *rows,
    int i, const char *from_addr, struct outbox_stats *st)
{
	struct smtp_conf	 sc;
	struct smtp_result	 sr;
	struct mime_msg		 m;
	struct buf		 msg;
	char			 rcpt[256], err[128];
	const char		*id;
	int			 html, sent;
	enum err		 rc;

	id = db_val(rows, i, db_col(rows, "id"));
	memset(&m, 0, sizeof(m));
	m.from = conf_get(CONF_SMTP_FROM);
	m.to = db_val(rows, i, db_col(rows, "recipient"));
	m.subject = db_val(rows, i, db_col(rows, "subject"));
	m.text = db_val(rows, i, db_col(rows, "body_text"));
	html = db_col(rows, "body_html");
	m.html = db_isnull(rows, i, html) ? NULL : db_val(rows, i, html);

	buf_init(&msg, OUTBOX_MSG_MAX);
	if (mime_addr_spec(m.to, rcpt, sizeof(rcpt)) == -1) {
		buf_clear(&msg);
		return outbox_send_fail(db, a, id,
		    "the recipient is not an address", true, st);
	}
	if (mime_build(&msg, &m, err, sizeof(err)) == -1) {
		buf_clear(&msg);
		return outbox_send_fail(db, a, id, err, true, st);
	}
	sc.url = conf_get(CONF_SMTP_URL);
	sc.user = conf_get(CONF_SMTP_USER);
	sc.password = conf_get(CONF_SMTP_PASSWORD);
	sc.tls = (enum smtp_tls)conf_int(CONF_SMTP_STARTTLS);
	sc.connect_timeout = OUTBOX_CONNECT_TIMEOUT;
	sc.timeout = OUTBOX_TIMEOUT;
	sent = smtp_send(&sc, from_addr, rcpt, &msg, &sr);
	buf_clear(&msg);
	if (sent == -1)
		return outbox_send_fail(db, a, id, sr.error, sr.permanent, st);
	if ((rc = db_exec(db, a, stmts[STMT_SENT], 1, (const char *[]){ id },
	    NULL)) != ERR_OK) {
		log_errx("outbox %s: sent, but marking it sent failed"
		    " (it will be sent again): %s", id, db_message(db));
		return rc;
	}
	log_info("outbox %s: sent", id);
	st->sent++;
	return ERR_OK;
}

/*
 * Deliver every row due now, a small batch at a time, until none is left;
 * adds to st. The arena is reset between batches. Returns ERR_OK,
 * ERR_VALIDATION when smtp_from is not an address (nothing is claimed),
 * or the database's error (what was claimed and not marked is retried
 * when its claim runs out).
 */
enum err
outbox_send_due(struct db *db, struct arena *a, struct outbox_stats *st)
{
	struct pg_result	*rows;
	char			 from_addr[256];
	int			 i, n;
	enum err		 rc;

	if (mime_addr_spec(conf_get(CONF_SMTP_FROM), from_addr,
	    sizeof(from_addr)) == -1) {
		log_errx("smtp_from \"%s\" is not an address",
		    conf_get(CONF_SMTP_FROM));
		return ERR_VALIDATION;
	}
	for (;;) {
		arena_reset(a);
		if ((rc = db_exec(db, a, stmts[STMT_CLAIM], 1,
		    (const char *[]){ OUTBOX_BATCH }, &rows)) != ERR_OK) {
			log_errx("claiming outbox rows: %s", db_message(db));
			return rc;
		}
		if ((n = db_ntuples(rows)) == 0)
			return ERR_OK;
		for (i = 0; i < n; i++)
			if ((rc = outbox_send_one(db, a, rows, i, from_addr,
			    st)) != ERR_OK)
				return rc;
	}
}
