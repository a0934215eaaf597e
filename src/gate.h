/*
 * gate.h: the staff gate (gate.c). A staff route declares what it needs in
 * its route table with GATE_R(method, path, handler, permission, flags);
 * gate_route() checks the credential, CSRF, rate limit and that need
 * before the handler runs, and the handler takes the resolved principal
 * with gate_begin(). Used by every program serving /api/v1/admin/.
 */
#ifndef COLMENA_GATE_H
#define COLMENA_GATE_H

#include <stdbool.h>
#include <stddef.h>

#include "auth.h"
#include "err.h"

struct dbq;
struct pg_result;
struct req;

/* A timestamp column as the API writes it: UTC, milliseconds, ISO 8601. */
#define TS(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* What a route asks of the caller (struct route's arg). */
#define NEED_PUBLIC	0x01	/* no credential: sign-in, password reset */
#define NEED_USER	0x02	/* a person (JWT or session), not an API key */
#define NEED_MANAGER	0x04	/* a person with role owner or admin */
#define NEED_SESSION	0x08	/* a session cookie */
#define NEED_UPLOAD	0x10	/* counts against the upload rate limit */

struct need {
	const char	*perm;	/* permission; NULL: none beyond the flags */
	unsigned	 flags;
	void		(*fn)(struct req *);	/* the handler */
};

/* A route table row whose handler runs behind the gate. */
#define GATE_R(m, path, fn, perm, flags) \
	{ (m), (path), gate_route, &(const struct need){ (perm), (flags), (fn) } }

void		 gate_route(struct req *);
int		 gate_begin(struct req *, struct principal *);
enum err	 gate_tx(struct req *, const struct principal *,
		    const struct dbq *, size_t, struct pg_result **);
void		 gate_fail(struct req *, enum err);
const char	*gate_param_uuid(struct req *, const char *name);

#endif
