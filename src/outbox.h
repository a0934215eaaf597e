/*
 * outbox.h: outgoing mail as rows of the outbox table, written by the same
 * transaction as the change that causes them (DESIGN.md "Side effects").
 * A cron subcommand delivers them; nothing is sent from a request.
 */
#ifndef COLMENA_OUTBOX_H
#define COLMENA_OUTBOX_H

struct arena;
struct dbq;

/* One message for the outbox. */
struct outbox_mail {
	const char	*store_id;	/* NULL: not on behalf of a store */
	const char	*kind;		/* "receipt", "invite", ... */
	const char	*to;
	const char	*subject;
	const char	*text;
	const char	*html;		/* NULL: text only */
	const char	*reply_to;	/* NULL: none */
	const char	*payload_json;	/* NULL: {} */
};

void	 outbox_q(struct arena *, struct dbq *, const char *store_id,
	    const char *kind, const char *to, const char *subject,
	    const char *body_text, const char *payload_json);
void	 outbox_q_mail(struct arena *, struct dbq *,
	    const struct outbox_mail *);
char	*outbox_link(struct arena *, const char *path, const char *token);

#endif
