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
    " payload) VALUES ($1::uuid, $2, $3, $4, $5, coalesce($6, '{}')::jsonb)";

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
	const char	**p;

	p = arena_alloc(a, 6 * sizeof(*p));
	p[0] = store_id;
	p[1] = kind;
	p[2] = to;
	p[3] = subject;
	p[4] = body_text;
	p[5] = payload_json;
	q->sql = outbox_sql;
	q->nparams = 6;
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
