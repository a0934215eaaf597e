/*
 * ratelimit.h: the host-wide rate limiter. Every process that opens the same
 * file (under /dev/shm) shares one table of per-client counters, so all the
 * FastCGI programs on a host agree on how many requests a client has left.
 */
#ifndef COLMENA_RATELIMIT_H
#define COLMENA_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ratelimit;

struct rl_result {
	bool	 allowed;
	int64_t	 limit;		/* requests per period */
	int64_t	 remaining;	/* after this request (0 when refused) */
	int64_t	 reset;		/* seconds until the full allowance is back */
	int64_t	 retry_after;	/* seconds until one more is allowed; 0 if allowed */
};

struct ratelimit *ratelimit_open(const char *path, size_t slots);
void	 ratelimit_close(struct ratelimit *);
void	 ratelimit_take(struct ratelimit *, const char *cls,
	    const char *client, int64_t limit, int64_t period_s,
	    struct rl_result *);
void	 ratelimit_take_at(struct ratelimit *, const char *cls,
	    const char *client, int64_t limit, int64_t period_s, int64_t now_ms,
	    struct rl_result *);

/* For tests only: take the table's lock and never release it. */
void	 ratelimit_test_lock(struct ratelimit *);

#endif
