/*
 * s3.h: a small S3 client over libcurl, signed with sigv4.c: upload a file
 * (one PUT, or a multipart upload past a threshold), download, HEAD, DELETE,
 * and presigned GET URLs that hand buyers their file under its own name.
 */
#ifndef COLMENA_S3_H
#define COLMENA_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct arena;
struct s3;

#define S3_MULTIPART_THRESHOLD	(16 * 1024 * 1024)
#define S3_PART_SIZE		(16 * 1024 * 1024)
#define S3_PART_MIN		(5 * 1024 * 1024)	/* S3's floor */
#define S3_PARTS_MAX		10000
#define S3_PUT_MAX		(UINT64_C(5) << 30)	/* one PUT: 5 GiB */
#define S3_OBJECT_MAX		(UINT64_C(5) << 40)	/* 5 TiB */
#define S3_KEY_MAX		1024
#define S3_ERROR_MAX		256

/*
 * Settings: fill with s3_conf_init() (defaults) and s3_conf_load() (the
 * config file), or by hand (tests). s3_new() copies what it needs.
 */
struct s3_conf {
	const char	*endpoint;	/* "https://s3.eu-west-1.amazonaws.com",
					   "http://127.0.0.1:9000": scheme and
					   host[:port] only */
	const char	*region;	/* "us-east-1" */
	const char	*bucket;
	const char	*access_key;
	const char	*secret_key;
	const char	*session_token;	/* temporary credentials; NULL if none */
	const char	*sse;		/* x-amz-server-side-encryption
					   ("AES256", "aws:kms"); NULL or "" */
	bool		 path_style;	/* host/bucket/key, not bucket.host/key */
	long		 presign_ttl;	/* s3_presign_get() ttl 0: seconds */
	long		 connect_timeout; /* seconds */
	long		 timeout;	/* seconds for one request, 0: none */
	long		 low_speed_time; /* seconds under 1 KiB/s that abort */
	uint64_t	 multipart_threshold; /* bytes: larger goes multipart */
	uint64_t	 part_size;	/* bytes per part, >= S3_PART_MIN */
};

/* What s3_head() reports. */
struct s3_object {
	uint64_t	 size;
	char		 etag[128];		/* without the quotes */
	char		 content_type[128];
};

void		 s3_conf_init(struct s3_conf *);
void		 s3_conf_load(struct s3_conf *);
struct s3	*s3_new(const struct s3_conf *);
void		 s3_free(struct s3 *);
const char	*s3_error(const struct s3 *);
long		 s3_status(const struct s3 *);
int		 s3_bucket_create(struct s3 *);
int		 s3_put_file(struct s3 *, const char *key, const char *path,
		    const char *content_type);
int		 s3_get(struct s3 *, const char *key, uint64_t offset,
		    uint64_t length, size_t (*write)(const void *, size_t,
		    void *), void *arg);
int		 s3_head(struct s3 *, const char *key, struct s3_object *);
int		 s3_delete(struct s3 *, const char *key);
char		*s3_presign_get(struct s3 *, struct arena *, const char *key,
		    long ttl, const char *filename, const char *content_type,
		    time_t now);

#endif
