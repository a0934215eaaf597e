/*
 * smtp.h: hand one message to an SMTP server with libcurl (smtp:// or
 * smtps://, STARTTLS per configuration, TLS verified) and say whether a
 * failure is worth retrying.
 */
#ifndef COLMENA_SMTP_H
#define COLMENA_SMTP_H

#include <stdbool.h>

struct buf;

enum smtp_tls {
	SMTP_TLS_NEVER,		/* plain, or smtps:// */
	SMTP_TLS_TRY,		/* STARTTLS when offered */
	SMTP_TLS_REQUIRED,	/* STARTTLS or fail */
	SMTP_TLS__MAX
};

struct smtp_conf {
	const char	*url;		/* smtp://host:port or smtps://host:465 */
	const char	*user;		/* "" or NULL: no AUTH */
	const char	*password;
	enum smtp_tls	 tls;
	long		 connect_timeout;	/* seconds */
	long		 timeout;		/* seconds, whole exchange */
};

struct smtp_result {
	long	 code;		/* the server's last reply code, 0 if none */
	bool	 permanent;	/* a 5xx reply: do not retry */
	char	 error[256];	/* one line, no secrets */
};

int	 smtp_send(const struct smtp_conf *, const char *mail_from,
	    const char *rcpt, const struct buf *msg, struct smtp_result *);

#endif
