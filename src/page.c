/*
 * page.c: render one template into a request's answer as an HTML page.
 * The page replaces whatever the answer held only when rendering worked,
 * so a failure can still be answered as an error.
 */
#include "config.h"

#include "buf.h"
#include "log.h"
#include "page.h"
#include "req.h"
#include "tmpl.h"

/*
 * Answer status with template name rendered with v: text/html, no
 * caching, a Content-Security-Policy allowing inline styles and forms
 * to this site only, never framed. Returns 0, or -1 (logged, the answer
 * untouched) when rendering fails.
 */
int
page_render(struct req *r, int status, const char *name,
    const struct tmpl_val *v)
{
	struct buf	 b;
	char		 err[256];
	int		 rc;

	buf_init(&b, PAGE_MAX);
	if ((rc = tmpl_render(&b, name, v, err, sizeof(err))) == -1)
		log_errx("page %s: %s", name, err);
	else {
		req_nocache(r);
		req_del_header(r, "Content-Type");
		req_set_header(r, "Content-Type", "text/html; charset=utf-8");
		req_set_header(r, "Content-Security-Policy",
		    "default-src 'none'; style-src 'unsafe-inline'; "
		    "form-action 'self'; frame-ancestors 'none'");
		buf_reset(r->body);
		buf_add(r->body, b.data, b.len);
		r->status = status;
	}
	buf_clear(&b);
	return rc;
}
