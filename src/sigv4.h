/*
 * sigv4.h: AWS Signature Version 4 (AWS4-HMAC-SHA256), as S3 and every other
 * AWS-style service checks it: canonical request, string to sign, signing key,
 * and the result as an Authorization header or as a presigned query string.
 */
#ifndef COLMENA_SIGV4_H
#define COLMENA_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct arena;
struct buf;

#define SIGV4_ALGORITHM		"AWS4-HMAC-SHA256"
#define SIGV4_UNSIGNED_PAYLOAD	"UNSIGNED-PAYLOAD"
#define SIGV4_EMPTY_SHA256	\
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SIGV4_EXPIRES_MAX	604800	/* a presigned URL lives 7 days at most */
#define SIGV4_DATE_SIZE		17	/* "20150830T123600Z" and its NUL */

/* Flags for sigv4_req.flags. */
#define SIGV4_NORMALIZE		0x01	/* drop ".", ".." and empty path
					   segments (generic services; never S3) */
#define SIGV4_CONTENT_SHA256	0x02	/* header mode: send and sign
					   x-amz-content-sha256 (S3 needs it) */

enum sigv4_mode {
	SIGV4_HEADER,		/* Authorization header */
	SIGV4_QUERY,		/* presigned URL: X-Amz-* query parameters */
};

/* A header or query parameter: name and value as text, NOT percent-encoded. */
struct sigv4_pair {
	const char	*name;
	const char	*value;
};

/*
 * A request to sign. path is percent-encoded exactly once, segment by
 * segment ('/' kept): S3's rule, so pass an S3 key as it is. Other AWS
 * services sign the path encoded twice: for them pass the path as the
 * request line carries it (already encoded), and send the request there
 * rather than to canonical_uri.
 */
struct sigv4_req {
	enum sigv4_mode		 mode;
	unsigned int		 flags;		/* SIGV4_* */
	const char		*method;	/* "GET" */
	const char		*path;		/* "/bucket/a b.txt", not encoded */
	const struct sigv4_pair	*query;		/* not encoded; NULL if none */
	size_t			 nquery;
	const struct sigv4_pair	*headers;	/* all signed; must hold host */
	size_t			 nheaders;
	const char		*payload_hash;	/* hex SHA-256 or UNSIGNED-PAYLOAD */
	time_t			 date;		/* the request's time (UTC) */
	long			 expires;	/* SIGV4_QUERY: 1..SIGV4_EXPIRES_MAX s */
	const char		*region;	/* "us-east-1" */
	const char		*service;	/* "s3" */
	const char		*access_key;
	const char		*secret_key;
	const char		*session_token;	/* STS token; NULL if none */
};

/*
 * What sigv4_sign() produced; the strings live in the arena it was given.
 * Send the request to canonical_uri (it is the encoded path) with, in header
 * mode, req->headers plus the nadd headers in add[] (X-Amz-Date, the
 * payload hash, the token, Authorization); in query mode, with query as the
 * whole query string (the caller's parameters are in it, encoded).
 */
struct sigv4_result {
	const char		*canonical_uri;
	const char		*canonical_request;
	const char		*string_to_sign;
	const char		*signed_headers;	/* "host;x-amz-date" */
	char			 amz_date[SIGV4_DATE_SIZE];
	char			 signature[65];		/* lower-case hex */
	const char		*authorization;		/* SIGV4_HEADER */
	struct sigv4_pair	 add[4];		/* SIGV4_HEADER */
	size_t			 nadd;
	const char		*query;			/* SIGV4_QUERY */
};

int	 sigv4_sign(struct arena *, const struct sigv4_req *,
	    struct sigv4_result *);
void	 sigv4_signing_key(const char *secret, const char *date8,
	    const char *region, const char *service, unsigned char out[32]);
void	 sigv4_encode(struct buf *, const char *, size_t, bool keep_slash);
int	 sigv4_amz_date(time_t, char out[SIGV4_DATE_SIZE]);

#endif
