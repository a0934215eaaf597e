/*
 * cache.c: a small LRU of answers: a chained hash table over a doubly
 * linked list. Memory is bounded by max_bytes (entries larger than an
 * eighth of it are not kept); with max_bytes or ttl 0 nothing is cached.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "log.h"

#define CACHE_BUCKETS	1024

static struct cache_entry	*buckets[CACHE_BUCKETS];
static struct cache_entry	*lru_head, *lru_tail;
static size_t			 used, limit;
static int64_t			 ttl;

static uint32_t
cache_hash(const char *s)
{
	uint32_t	 h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % CACHE_BUCKETS;
}

static size_t
cache_cost(const struct cache_entry *e)
{
	size_t	 n, i;

	n = sizeof(*e) + strlen(e->key) + 1 + e->len + 1;
	for (i = 0; i < e->norigins; i++)
		n += sizeof(char *) + strlen(e->origins[i]) + 1;
	return n;
}

static void
cache_unlink(struct cache_entry *e)
{
	struct cache_entry	**pp;

	for (pp = &buckets[cache_hash(e->key)]; *pp != e; pp = &(*pp)->hnext)
		continue;
	*pp = e->hnext;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		lru_head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		lru_tail = e->prev;
}

static void
cache_drop(struct cache_entry *e)
{
	size_t	 i;

	cache_unlink(e);
	used -= cache_cost(e);
	for (i = 0; i < e->norigins; i++)
		free(e->origins[i]);
	free(e->origins);
	free(e->key);
	free(e->body);
	free(e);
}

/*
 * Configure the cache: at most max_bytes of entries, each at most ttl
 * seconds old. Either 0 turns caching off.
 */
void
cache_init(size_t max_bytes, int64_t ttl_seconds)
{
	cache_clear();
	limit = ttl_seconds > 0 ? max_bytes : 0;
	ttl = ttl_seconds;
}

/*
 * Free every entry (at exit).
 */
void
cache_free(void)
{
	cache_clear();
	limit = 0;
}

/*
 * The fresh entry for key, or NULL. The entry stays valid until the next
 * cache_put, cache_invalidate_store or cache_clear.
 */
const struct cache_entry *
cache_get(const char *key, time_t now)
{
	struct cache_entry	*e;

	if (limit == 0)
		return NULL;
	for (e = buckets[cache_hash(key)]; e != NULL; e = e->hnext)
		if (strcmp(e->key, key) == 0)
			break;
	if (e == NULL)
		return NULL;
	if (now - e->born >= ttl || now < e->born) {
		cache_drop(e);
		return NULL;
	}
	/* Move to the front of the LRU list. */
	if (e != lru_head) {
		e->prev->next = e->next;
		if (e->next != NULL)
			e->next->prev = e->prev;
		else
			lru_tail = e->prev;
		e->prev = NULL;
		e->next = lru_head;
		lru_head->prev = e;
		lru_head = e;
	}
	return e;
}

/*
 * Remember body[0..len) as the answer for key, belonging to store_id and
 * readable by origins. Evicts the least recently used entries to fit.
 */
void
cache_put(const char *key, const char *store_id, const char *const *origins,
    size_t norigins, const char *body, size_t len, time_t now)
{
	struct cache_entry	*e;
	uint32_t		 h;
	size_t			 i, cost;

	if (limit == 0 || len > limit / 8)
		return;
	for (e = buckets[cache_hash(key)]; e != NULL; e = e->hnext)
		if (strcmp(e->key, key) == 0) {
			cache_drop(e);
			break;
		}
	e = xcalloc(1, sizeof(*e));
	e->key = xstrdup(key);
	snprintf(e->store_id, sizeof(e->store_id), "%s", store_id);
	e->body = xmalloc(len + 1);
	memcpy(e->body, body, len);
	e->body[len] = '\0';
	e->len = len;
	e->origins = xcalloc(norigins + 1, sizeof(*e->origins));
	for (i = 0; i < norigins; i++)
		e->origins[i] = xstrdup(origins[i]);
	e->norigins = norigins;
	e->born = now;
	cost = cache_cost(e);
	while (used + cost > limit && lru_tail != NULL)
		cache_drop(lru_tail);
	h = cache_hash(key);
	e->hnext = buckets[h];
	buckets[h] = e;
	e->next = lru_head;
	if (lru_head != NULL)
		lru_head->prev = e;
	lru_head = e;
	if (lru_tail == NULL)
		lru_tail = e;
	used += cost;
}

/*
 * Forget every answer of store_id (its catalog changed).
 */
void
cache_invalidate_store(const char *store_id)
{
	struct cache_entry	*e, *next;

	for (e = lru_head; e != NULL; e = next) {
		next = e->next;
		if (strcmp(e->store_id, store_id) == 0)
			cache_drop(e);
	}
}

/*
 * Forget everything (e.g. after the database connection was lost, when
 * change notifications may have been missed).
 */
void
cache_clear(void)
{
	while (lru_head != NULL)
		cache_drop(lru_head);
}

/*
 * Bytes held, for tests and statistics.
 */
size_t
cache_bytes(void)
{
	return used;
}
