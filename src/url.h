/*
 * url.h: web origins and absolute URLs (url.c): normalising a store's
 * allowed origins and finding the origin of a URL to redirect a buyer to.
 */
#ifndef COLMENA_URL_H
#define COLMENA_URL_H

struct arena;

#define URL_MAX	2048	/* bytes of a URL we accept */

const char	*url_origin(struct arena *, const char *, const char **why);
const char	*url_origin_of(struct arena *, const char *, const char **why);

#endif
