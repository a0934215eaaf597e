/*
 * http.h: the integration tests' HTTP client (libcurl): one request, the
 * status, raw headers and body, and the body parsed as JSON when it is.
 */
#ifndef COLMENA_TEST_HTTP_H
#define COLMENA_TEST_HTTP_H

#include <stddef.h>

#include <json.h>

struct http_res {
	long			 status;
	char			*headers;	/* raw, CRLF-separated */
	char			*body;
	size_t			 body_len;
	struct json_object	*json;		/* NULL unless the body is JSON */
};

const char	*http_base(void);
int		 http_do(const char *method, const char *path,
		    const char *const *headers, const char *body,
		    struct http_res *);
int		 http_get(const char *path, struct http_res *);
char		*http_header(const struct http_res *, const char *name);
void		 http_free(struct http_res *);
struct json_object *http_path(struct json_object *, const char *path);
const char	*http_str(struct json_object *, const char *path);

#endif
