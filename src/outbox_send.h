/*
 * outbox_send.h: the delivery side of the outbox (DESIGN.md "Side
 * effects"): claim due rows, send each over SMTP (the install's server or
 * the row's store's own), record sent or failed. Run by `colmena
 * outbox-deliver` from cron or as a service; safe to run concurrently.
 */
#ifndef COLMENA_OUTBOX_SEND_H
#define COLMENA_OUTBOX_SEND_H

#include <stdbool.h>

#include "err.h"

struct arena;
struct db;

struct outbox_stats {
	unsigned long	 sent;
	unsigned long	 retry;		/* failed, will be tried again */
	unsigned long	 failed;	/* given up: failed_at set */
};

enum err	 outbox_send_enabled(struct db *, struct arena *, bool *on);
enum err	 outbox_send_due(struct db *, struct arena *,
		    struct outbox_stats *);

#endif
