/*
 * cache.h: the per-process cache of catalog answers (the original spec's L1
 * in-memory cache). Entries are whole JSON envelopes (without meta) keyed by
 * the request URI, bounded in bytes, dropped when PostgreSQL notifies a
 * change to their store (LISTEN colmena_catalog) and after a time to live.
 */
#ifndef COLMENA_CACHE_H
#define COLMENA_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct cache_entry {
	char		*key;
	char		 store_id[40];
	char		*body;		/* envelope prefix up to meta */
	size_t		 len;
	char		**origins;
	size_t		 norigins;
	time_t		 born;
	struct cache_entry *prev, *next;	/* LRU list, newest first */
	struct cache_entry *hnext;		/* hash chain */
};

void	 cache_init(size_t max_bytes, int64_t ttl);
void	 cache_free(void);
const struct cache_entry *cache_get(const char *key, time_t now);
void	 cache_put(const char *key, const char *store_id,
	    const char *const *origins, size_t norigins, const char *body,
	    size_t len, time_t now);
void	 cache_invalidate_store(const char *store_id);
void	 cache_clear(void);
size_t	 cache_bytes(void);

#endif
