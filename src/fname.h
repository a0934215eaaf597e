/*
 * fname.h: file names a client sent, made safe to show and to hand back in
 * a Content-Disposition header (RFC 6266 with RFC 5987's filename*), so a
 * name can never carry a path, a control character or a header break.
 */
#ifndef COLMENA_FNAME_H
#define COLMENA_FNAME_H

#include <stddef.h>

struct arena;

#define FNAME_MAX	255	/* bytes, as most file systems allow */

char	*fname_sanitise(struct arena *, const char *raw, size_t len);
char	*fname_disposition(struct arena *, const char *name, const char *type);

#endif
