/*
 * page.h: HTML pages for buyers (download, order and unsubscribe pages):
 * a template from template_dir rendered into the answer with the headers
 * every such page carries (a strict Content-Security-Policy, no caching,
 * no framing).
 */
#ifndef COLMENA_PAGE_H
#define COLMENA_PAGE_H

struct req;
struct tmpl_val;

#define PAGE_MAX	(256 * 1024)	/* bytes of one rendered page */

int	 page_render(struct req *, int status, const char *name,
	    const struct tmpl_val *);

#endif
