/*
 * download.h: what download.c (the routes and the link check) shares with
 * download_serve.c (where files are, how they are handed over, the pages
 * buyers see and fresh links by email).
 */
#ifndef COLMENA_DOWNLOAD_H
#define COLMENA_DOWNLOAD_H

struct arena;
struct fcrypt_keys;
struct req;

void		 dlserve_setup(void);
void		 dlserve_teardown(void);
int		 dlserve_open(const char *key);
const struct fcrypt_keys *dlserve_keys(void);
const char	*dlserve_disposition(struct arena *, const char *name);
int		 dlserve_sendfile(struct req *, const char *key);
void		 dlserve_redirect_s3(struct req *, const char *key,
		    const char *name, const char *type);
int		 dlserve_page(struct req *, int status, const char *outcome,
		    const char *token, const char *expires);
int		 dlserve_resend(struct req *, const char *token);

#endif
