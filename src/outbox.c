/*
 * outbox.c: build the statement that queues one message in the outbox,
 * and the absolute links (from public_url) that messages carry.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "conf.h"
#include "db.h"
#include "outbox.h"

static const char outbox_sql[] =
    "INSERT INTO outbox (store_id, kind, recipient, subject, body_text,"
    " payload, body_html, reply_to) VALUES ($1::uuid, $2, $3, $4, $5,"
    " coalesce($6, '{}')::jsonb, $7, $8)";

/*
 * Fill q with an INSERT of one message (store_id may be NULL: mail to a
 * person, not on behalf of a store; payload_json may be NULL). The
 * strings must live as long as the arena.
 */
void
outbox_q(struct arena *a, struct dbq *q, const char *store_id,
    const char *kind, const char *to, const char *subject,
    const char *body_text, const char *payload_json)
{
	struct outbox_mail	 m = { store_id, kind, to, subject, body_text,
	    NULL, NULL, payload_json };

	outbox_q_mail(a, q, &m);
}

/*
 * Fill q with an INSERT of message m (html, reply_to, payload_json and
 * store_id may be NULL). The strings must live as long as the arena.
 */
void
outbox_q_mail(struct arena *a, struct dbq *q, const struct outbox_mail *m)
{
	const char	**p;

	p = arena_alloc(a, 8 * sizeof(*p));
	p[0] = m->store_id;
	p[1] = m->kind;
	p[2] = m->to;
	p[3] = m->subject;
	p[4] = m->text;
	p[5] = m->payload_json;
	p[6] = m->html;
	p[7] = m->reply_to;
	q->sql = outbox_sql;
	q->nparams = 8;
	q->params = p;
}

/*
 * public_url + path + "?token=" + token (token is base64url: no escaping
 * needed), e.g. https://shop.example/admin/reset?token=...
 */
char *
outbox_link(struct arena *a, const char *path, const char *token)
{
	const char	*base = conf_get(CONF_PUBLIC_URL);
	size_t		 n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return arena_printf(a, "%.*s%s?token=%s", (int)n, base, path, token);
}
