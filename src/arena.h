/*
 * arena.h: the per-request bump allocator. Everything allocated from an arena
 * lives until arena_reset(); foreign objects (PGresult, json_object) are
 * registered with arena_defer() and released there, last registered first.
 */
#ifndef COLMENA_ARENA_H
#define COLMENA_ARENA_H

#include <stddef.h>

struct arena;

struct arena	*arena_new(void);
void		 arena_free(struct arena *);
void		*arena_alloc(struct arena *, size_t);		/* never NULL */
void		*arena_calloc(struct arena *, size_t, size_t);	/* zeroed */
char		*arena_strdup(struct arena *, const char *);
char		*arena_strndup(struct arena *, const char *, size_t);
char		*arena_printf(struct arena *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 arena_defer(struct arena *, void (*)(void *), void *);
void		 arena_reset(struct arena *);
size_t		 arena_used(const struct arena *);

#endif
