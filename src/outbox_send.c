/*
 * outbox_send.c: deliver the outbox. A batch of due rows is claimed in one
 * statement (FOR UPDATE SKIP LOCKED, next_attempt_at pushed 10 minutes on)
 * and committed before anything is sent, so two runs never send the same
 * row; each row is then sent and marked sent or failed on its own. A run
 * that dies after sending and before marking leaves the row to be sent
 * again when its claim runs out: delivery is at least once. Where the
 * installation allows it (store_smtp = 1), a store with its own SMTP
 * server sends its rows there, from its own address; everything else goes
 * through the installation's server from smtp_from (a store cannot put
 * any From on the installation's mail). A row with no server to go to
 * stays queued, untouched.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "conf.h"
#include "db.h"
#include "link.h"
#include "log.h"
#include "mime.h"
#include "outbox_send.h"
#include "smtp.h"

#define OUTBOX_BATCH		"5"
#define OUTBOX_MSG_MAX		(4 * 1024 * 1024)
#define OUTBOX_CONNECT_TIMEOUT	10L
#define OUTBOX_TIMEOUT		60L	/* a batch stays well inside its claim */
#define OUTBOX_ADDR_MAX		256
#define OUTBOX_EXTRA_MAX	3	/* Reply-To, List-Unsubscribe(-Post) */

enum stmt {
	STMT_CLAIM,
	STMT_SENT,
	STMT_FAILED,
	STMT_ANY_STORE_SMTP,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	"WITH claimed AS (UPDATE outbox"
	" SET next_attempt_at = now() + interval '10 minutes'"
	" WHERE id IN (SELECT o.id FROM outbox o"
	" LEFT JOIN stores s ON s.id = o.store_id"
	" WHERE o.sent_at IS NULL AND o.failed_at IS NULL"
	" AND o.next_attempt_at <= now()"
	" AND ($2::boolean OR ($3::boolean AND s.smtp_url IS NOT NULL))"
	" ORDER BY o.next_attempt_at, o.id LIMIT $1::int"
	" FOR UPDATE OF o SKIP LOCKED)"
	" RETURNING id, store_id, kind, recipient, subject, body_text,"
	" body_html, reply_to)"
	" SELECT c.id, c.store_id, c.kind, c.recipient, c.subject,"
	" c.body_text, c.body_html, c.reply_to, s.name AS store_name,"
	" CASE WHEN $3::boolean AND s.smtp_url IS NOT NULL THEN s.mail_from"
	"  END AS mail_from,"
	" CASE WHEN $3::boolean THEN s.smtp_url END AS smtp_url,"
	" s.smtp_user, s.smtp_password"
	" FROM claimed c LEFT JOIN stores s ON s.id = c.store_id"
	" ORDER BY c.id",				/* STMT_CLAIM */
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
	"SELECT EXISTS (SELECT 1 FROM stores WHERE smtp_url IS NOT NULL)"
	" AS any",				/* STMT_ANY_STORE_SMTP */
};

/*
 * Optional mail: a buyer may opt out of it (mail_optouts), so it carries
 * a one-click List-Unsubscribe (RFC 8058). Receipts, links and every
 * other transactional message never do.
 */
static const char *const optional_kinds[] = {
	"file_updated",		/* product update notices */
};

static bool	outbox_send_optional(const char *);
static const char *
		outbox_send_col(const struct pg_result *, int, const char *);
static enum err	outbox_send_one(struct db *, struct arena *,
		    const struct pg_result *, int, const char *,
		    struct outbox_stats *);
static enum err	outbox_send_fail(struct db *, struct arena *, const char *,
		    const char *, bool, struct outbox_stats *);

/*
 * Whether the install can deliver anything: its own smtp_url is set, or
 * (with store_smtp = 1) some store has its own SMTP server (one query
 * then). Sets *on; returns
 * ERR_OK or the database's error.
 */
enum err
outbox_send_enabled(struct db *db, struct arena *a, bool *on)
{
	struct pg_result	*res;
	enum err		 rc;

	*on = false;
	if (*conf_get(CONF_SMTP_URL) != '\0') {
		*on = true;
		return ERR_OK;
	}
	if (!conf_int(CONF_STORE_SMTP))
		return ERR_OK;
	if ((rc = db_exec(db, a, stmts[STMT_ANY_STORE_SMTP], 0, NULL,
	    &res)) != ERR_OK) {
		log_errx("looking for stores with their own SMTP server: %s",
		    db_message(db));
		return rc;
	}
	*on = db_ntuples(res) == 1 &&
	    strcmp(db_val(res, 0, db_col(res, "any")), "t") == 0;
	return ERR_OK;
}

static bool
outbox_send_optional(const char *kind)
{
	size_t	 i;

	for (i = 0; i < nitems(optional_kinds); i++)
		if (strcmp(kind, optional_kinds[i]) == 0)
			return true;
	return false;
}

/* Row i's column name, or NULL when it is SQL NULL. */
static const char *
outbox_send_col(const struct pg_result *rows, int i, const char *name)
{
	int	 c = db_col(rows, name);

	return db_isnull(rows, i, c) ? NULL : db_val(rows, i, c);
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

/*
 * Build, send and mark row i of a claimed batch. The server is the
 * store's when it has one, else the install's; From is the store's
 * mail_from when set, else smtp_from (inst_from, NULL when empty), and the
 * envelope sender follows it. A store's sender that is no address, or no
 * sender at all, is the operator's to fix: the row is retried.
 */
static enum err
outbox_send_one(struct db *db, struct arena *a, const struct pg_result *rows,
    int i, const char *inst_from, struct outbox_stats *st)
{
	struct smtp_conf	 sc;
	struct smtp_result	 sr;
	struct mime_msg		 m;
	struct mime_header	 extra[OUTBOX_EXTRA_MAX];
	struct buf		 msg;
	char			 rcpt[OUTBOX_ADDR_MAX], from[OUTBOX_ADDR_MAX];
	char			 reply[OUTBOX_ADDR_MAX], err[128];
	const char		*id, *store, *store_name, *mail_from, *url;
	const char		*reply_to;
	int			 sent;
	enum err		 rc;

	id = outbox_send_col(rows, i, "id");
	store = outbox_send_col(rows, i, "store_id");
	store_name = outbox_send_col(rows, i, "store_name");
	mail_from = outbox_send_col(rows, i, "mail_from");
	url = outbox_send_col(rows, i, "smtp_url");
	reply_to = outbox_send_col(rows, i, "reply_to");

	memset(&m, 0, sizeof(m));
	m.to = outbox_send_col(rows, i, "recipient");
	m.subject = outbox_send_col(rows, i, "subject");
	m.text = outbox_send_col(rows, i, "body_text");
	m.html = outbox_send_col(rows, i, "body_html");
	m.extra = extra;

	if (mime_addr_spec(m.to, rcpt, sizeof(rcpt)) == -1)
		return outbox_send_fail(db, a, id,
		    "the recipient is not an address", true, st);
	if (mail_from != NULL) {
		if (mime_addr_spec(mail_from, from, sizeof(from)) == -1) {
			log_warnx("outbox %s: store %s (\"%s\"): mail_from is "
			    "not an address", id, store, store_name);
			return outbox_send_fail(db, a, id,
			    "the store's mail_from is not an address", false,
			    st);
		}
		m.from = mail_from;
	} else if (inst_from != NULL) {
		snprintf(from, sizeof(from), "%s", inst_from);
		m.from = conf_get(CONF_SMTP_FROM);
	} else
		return outbox_send_fail(db, a, id, "no sender: smtp_from is "
		    "empty and the store has no mail_from", false, st);

	/* A Reply-To that is no address is left out, not sent broken. */
	if (reply_to != NULL) {
		if (mime_addr_spec(reply_to, reply, sizeof(reply)) == 0)
			extra[m.nextra++] = (struct mime_header){ "Reply-To",
			    reply };
		else
			log_warnx("outbox %s: reply_to is not an address; "
			    "left out", id);
	}
	if (store != NULL && outbox_send_optional(
	    outbox_send_col(rows, i, "kind")) && link_configured() &&
	    *conf_get(CONF_PUBLIC_URL) != '\0') {
		extra[m.nextra++] = (struct mime_header){ "List-Unsubscribe",
		    arena_printf(a, "<%s>", link_url(a,
		    link_unsubscribe(a, store, rcpt))) };
		extra[m.nextra++] = (struct mime_header){
		    "List-Unsubscribe-Post", "List-Unsubscribe=One-Click" };
	}

	buf_init(&msg, OUTBOX_MSG_MAX);
	if (mime_build(&msg, &m, err, sizeof(err)) == -1) {
		buf_clear(&msg);
		return outbox_send_fail(db, a, id, err, true, st);
	}
	if (url != NULL) {
		sc.url = url;
		sc.user = outbox_send_col(rows, i, "smtp_user");
		sc.password = outbox_send_col(rows, i, "smtp_password");
	} else {
		sc.url = conf_get(CONF_SMTP_URL);
		sc.user = conf_get(CONF_SMTP_USER);
		sc.password = conf_get(CONF_SMTP_PASSWORD);
	}
	sc.tls = (enum smtp_tls)conf_int(CONF_SMTP_STARTTLS);
	sc.connect_timeout = OUTBOX_CONNECT_TIMEOUT;
	sc.timeout = OUTBOX_TIMEOUT;
	sent = smtp_send(&sc, from, rcpt, &msg, &sr);
	buf_clear(&msg);
	if (sent == -1)
		return outbox_send_fail(db, a, id, sr.error, sr.permanent, st);
	if ((rc = db_exec(db, a, stmts[STMT_SENT], 1, (const char *[]){ id },
	    NULL)) != ERR_OK) {
		log_errx("outbox %s: sent, but marking it sent failed"
		    " (it will be sent again): %s", id, db_message(db));
		return rc;
	}
	log_info("outbox %s: sent%s", id, url != NULL ?
	    " through the store's server" : "");
	st->sent++;
	return ERR_OK;
}

/*
 * Deliver every row due now that has a server to go to (the install's
 * smtp_url, or its store's own), a small batch at a time, until none is
 * left; adds to st. The arena is reset between batches. Returns ERR_OK,
 * ERR_VALIDATION when smtp_from is set but not an address, or empty while
 * smtp_url is set (nothing is claimed), or the database's error (what was
 * claimed and not marked is retried when its claim runs out).
 */
enum err
outbox_send_due(struct db *db, struct arena *a, struct outbox_stats *st)
{
	struct pg_result	*rows;
	char			 from_addr[OUTBOX_ADDR_MAX];
	const char		*inst_from = NULL, *inst_on, *store_on;
	int			 i, n;
	enum err		 rc;

	inst_on = *conf_get(CONF_SMTP_URL) != '\0' ? "true" : "false";
	store_on = conf_int(CONF_STORE_SMTP) ? "true" : "false";
	if (*conf_get(CONF_SMTP_FROM) != '\0' || *inst_on == 't') {
		if (mime_addr_spec(conf_get(CONF_SMTP_FROM), from_addr,
		    sizeof(from_addr)) == -1) {
			log_errx("smtp_from \"%s\" is not an address",
			    conf_get(CONF_SMTP_FROM));
			return ERR_VALIDATION;
		}
		inst_from = from_addr;
	}
	for (;;) {
		arena_reset(a);
		if ((rc = db_exec(db, a, stmts[STMT_CLAIM], 3,
		    (const char *[]){ OUTBOX_BATCH, inst_on, store_on },
		    &rows)) !=
		    ERR_OK) {
			log_errx("claiming outbox rows: %s", db_message(db));
			return rc;
		}
		if ((n = db_ntuples(rows)) == 0)
			return ERR_OK;
		for (i = 0; i < n; i++)
			if ((rc = outbox_send_one(db, a, rows, i, inst_from,
			    st)) != ERR_OK)
				return rc;
	}
}
