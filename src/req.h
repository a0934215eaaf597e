/*
 * req.h: one HTTP request and its response, under FastCGI or plain CGI.
 * Input is parsed and decoded once (method, path segments, query, cookies,
 * headers on demand, body with a size cap); the response is buffered and
 * written once by req_finish(), so an error can replace a half-built answer.
 */
#ifndef COLMENA_REQ_H
#define COLMENA_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "jw.h"

struct arena;
struct db;
struct field;
struct route;
struct form;
struct FCGX_Request;

enum method {
	METHOD_GET,
	METHOD_HEAD,
	METHOD_POST,
	METHOD_PUT,
	METHOD_PATCH,
	METHOD_DELETE,
	METHOD_OPTIONS,
	METHOD__MAX
};

struct kv {
	const char	*key;
	const char	*val;
	size_t		 len;	/* of val; it may hold NUL bytes from %00 */
};

#define REQ_SEGS_MAX	16
#define REQ_QUERY_MAX	64
#define REQ_HDRS_MAX	24

struct pagination {
	int64_t		 total;
	int64_t		 limit;
	int64_t		 offset;
};

struct req {
	struct arena		*arena;
	struct db		*db;
	struct FCGX_Request	*fcgi;		/* NULL under plain CGI */

	enum method		 method;
	const char		*method_name;
	const char		*uri;		/* path as sent, undecoded */
	const char		*segs[REQ_SEGS_MAX];	/* decoded path segments */
	size_t			 nsegs;
	bool			 bad_path;	/* undecodable or too deep */
	struct kv		 query[REQ_QUERY_MAX];
	size_t			 nquery;
	bool			 bad_query;	/* too many parameters */
	const struct route	*route;		/* the one matched, or NULL */
	struct kv		 params[REQ_SEGS_MAX];	/* {name} from the route */
	size_t			 nparams;
	const char		*client_addr;
	char			 request_id[40];
	struct timespec		 started;

	/* Response, written by req_finish(). */
	int			 status;
	struct kv		 hdrs[REQ_HDRS_MAX];
	size_t			 nhdrs;
	struct buf		*body;
	size_t			 etag_len;	/* body prefix the ETag covers */
	bool			 cacheable;
	bool			 streamed;	/* req_stream_begin() answered */
};

extern const char *const method_names[METHOD__MAX];

void		 req_init(struct req *, struct FCGX_Request *, struct arena *,
		    struct db *, struct buf *body);
void		 req_finish(struct req *);
int		 req_stream_begin(struct req *, int status, int64_t length);
int		 req_stream_write(struct req *, const void *, size_t);
const char	*req_env(const struct req *, const char *name);
const char	*req_header(const struct req *, const char *name);
const char	*req_param(const struct req *, const char *name);
const char	*req_cookie(const struct req *, const char *name);
enum err	 req_body(struct req *, size_t max, const char **, size_t *);
int		 req_json_body(struct req *, const struct field *, size_t,
		    struct form *);
int		 req_query(struct req *, const struct field *, size_t,
		    struct form *);

void		 req_set_header(struct req *, const char *name, const char *value);
void		 req_del_header(struct req *, const char *name);
void		 req_cache(struct req *, int64_t max_age, int64_t swr);
void		 req_nocache(struct req *);
void		 req_cors(struct req *, const char *const *origins, size_t n,
		    const char *methods);

struct jw	*req_json_begin(struct req *, struct jw *);
void		 req_json_end(struct req *, struct jw *, const struct pagination *);
void		 req_json_replay(struct req *, const char *, size_t);
void		 req_empty(struct req *, int status);
void		 req_fail(struct req *, enum err, const char *message);
void		 req_fail_shown(struct req *, enum err, const char *message);
void		 req_fail_details(struct req *, enum err, const char *,
		    const char *details_json);
void		 req_fail_form(struct req *, const struct form *);
void		 req_fail_field(struct req *, const char *field, const char *msg);

#endif
