/*
 * arena.c: chunked bump allocator with deferred destructors, reset at the top
 * of every request (PostgreSQL's MessageContext). The first chunk is kept
 * across resets so a typical request allocates nothing from malloc.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "log.h"

#define ARENA_CHUNK	(64 * 1024)
#define ARENA_ALIGN	16

struct chunk {
	struct chunk	*next;
	size_t		 size;	/* usable bytes after the header */
	size_t		 used;
};

struct defer {
	struct defer	*next;
	void		(*fn)(void *);
	void		*arg;
};

struct arena {
	struct chunk	*head;	/* current chunk; the last in the list is kept */
	struct defer	*defers;
	size_t		 total;
};

#define CHUNK_HDR	((sizeof(struct chunk) + ARENA_ALIGN - 1) & \
			    ~(size_t)(ARENA_ALIGN - 1))
#define CHUNK_DATA(c)	((char *)(c) + CHUNK_HDR)

static struct chunk *
chunk_new(size_t size)
{
	struct chunk	*c;

	if (size > SIZE_MAX - CHUNK_HDR)
		fatalx("allocation too large");
	c = xmalloc(CHUNK_HDR + size);
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

/*
 * Create an empty arena. Free it with arena_free().
 */
struct arena *
arena_new(void)
{
	struct arena	*a;

	a = xcalloc(1, sizeof(*a));
	a->head = chunk_new(ARENA_CHUNK);
	return a;
}

/*
 * Run the deferred destructors and free every chunk.
 */
void
arena_free(struct arena *a)
{
	struct chunk	*c, *next;

	if (a == NULL)
		return;
	arena_reset(a);
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

/*
 * Allocate n bytes aligned for any type. Never NULL; lives until reset.
 */
void *
arena_alloc(struct arena *a, size_t n)
{
	struct chunk	*c;
	size_t		 need;
	void		*p;

	if (n > SIZE_MAX - ARENA_ALIGN)
		fatalx("allocation too large");
	need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (need == 0)
		need = ARENA_ALIGN;
	c = a->head;
	if (c->size - c->used < need) {
		c = chunk_new(need > ARENA_CHUNK ? need : ARENA_CHUNK);
		c->next = a->head;
		a->head = c;
	}
	p = CHUNK_DATA(c) + c->used;
	c->used += need;
	a->total += need;
	return p;
}

/*
 * Allocate nmemb * size zeroed bytes; overflow is fatal.
 */
void *
arena_calloc(struct arena *a, size_t nmemb, size_t size)
{
	void	*p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		fatalx("allocation too large");
	p = arena_alloc(a, nmemb * size);
	memset(p, 0, nmemb * size);
	return p;
}

/*
 * Copy the first n bytes of s and NUL-terminate.
 */
char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p;

	p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * Copy a NUL-terminated string.
 */
char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

/*
 * Format into a new string from the arena.
 */
char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("vsnprintf failed");
	p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/*
 * Call fn(arg) at the next reset, after everything deferred later.
 */
void
arena_defer(struct arena *a, void (*fn)(void *), void *arg)
{
	struct defer	*d;

	d = arena_alloc(a, sizeof(*d));
	d->fn = fn;
	d->arg = arg;
	d->next = a->defers;
	a->defers = d;
}

/*
 * Run the destructors (last first), then forget every allocation, keeping
 * one chunk for the next request.
 */
void
arena_reset(struct arena *a)
{
	struct defer	*d;
	struct chunk	*c, *next;

	while ((d = a->defers) != NULL) {
		a->defers = d->next;
		d->fn(d->arg);
	}
	/* Keep the oldest, standard-sized chunk: the end of the list. */
	for (c = a->head; c->next != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = c;
	c->used = 0;
	a->total = 0;
}

/*
 * Bytes handed out since the last reset.
 */
size_t
arena_used(const struct arena *a)
{
	return a->total;
}
