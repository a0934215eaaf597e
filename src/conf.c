/*
 * conf.c: parse the configuration file, apply environment overrides and check
 * every value against the key table before any request is served.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "str.h"

enum conf_type {
	CONF_T_STRING,
	CONF_T_INT,
};

struct conf_def {
	const char	*name;
	const char	*env;
	enum conf_type	 type;
	const char	*def;
	int64_t		 min, max;
};

static const struct conf_def defs[CONF__MAX] = {
	{ "db_url", "COLMENA_DB_URL", CONF_T_STRING,
	    "dbname=colmena user=colmena_app", 0, 0 },		/* CONF_DB_URL */
	{ "db_owner_url", "COLMENA_DB_OWNER_URL", CONF_T_STRING,
	    "dbname=colmena user=colmena", 0, 0 },		/* CONF_DB_OWNER_URL */
	{ "db_prepare", "COLMENA_DB_PREPARE", CONF_T_INT,
	    "1", 0, 1 },					/* CONF_DB_PREPARE */
	{ "sql_dir", "COLMENA_SQL_DIR", CONF_T_STRING,
	    COLMENA_SQLDIR, 0, 0 },				/* CONF_SQL_DIR */
	{ "body_max", "COLMENA_BODY_MAX", CONF_T_INT,
	    "1048576", 1024, INT64_C(1) << 40 },		/* CONF_BODY_MAX */
	{ "log_level", "COLMENA_LOG_LEVEL", CONF_T_STRING,
	    "info", 0, 0 },					/* CONF_LOG_LEVEL */
	{ "cache_max_age", "COLMENA_CACHE_MAX_AGE", CONF_T_INT,
	    "60", 0, 86400 },					/* CONF_CACHE_MAX_AGE */
	{ "cache_swr", "COLMENA_CACHE_SWR", CONF_T_INT,
	    "300", 0, 86400 },					/* CONF_CACHE_SWR */
	{ "cache_ttl", "COLMENA_CACHE_TTL", CONF_T_INT,
	    "300", 0, 86400 },					/* CONF_CACHE_TTL */
	{ "cache_size", "COLMENA_CACHE_SIZE", CONF_T_INT,
	    "2097152", 0, INT64_C(1) << 30 },			/* CONF_CACHE_SIZE */
	{ "public_url", "COLMENA_PUBLIC_URL", CONF_T_STRING,
	    "http://127.0.0.1:8080", 0, 0 },			/* CONF_PUBLIC_URL */
	{ "jwt_secret", "COLMENA_JWT_SECRET", CONF_T_STRING,
	    "", 0, 0 },						/* CONF_JWT_SECRET */
	{ "jwt_secret_previous", "COLMENA_JWT_SECRET_PREVIOUS", CONF_T_STRING,
	    "", 0, 0 },					/* CONF_JWT_SECRET_PREVIOUS */
	{ "jwt_ttl", "COLMENA_JWT_TTL", CONF_T_INT,
	    "3600", 60, 86400 },				/* CONF_JWT_TTL */
	{ "cookie_secure", "COLMENA_COOKIE_SECURE", CONF_T_INT,
	    "1", 0, 1 },					/* CONF_COOKIE_SECURE */
	{ "session_ttl", "COLMENA_SESSION_TTL", CONF_T_INT,
	    "86400", 300, 30 * 86400 },				/* CONF_SESSION_TTL */
	{ "session_max", "COLMENA_SESSION_MAX", CONF_T_INT,
	    "5", 1, 100 },					/* CONF_SESSION_MAX */
	{ "login_max_failures", "COLMENA_LOGIN_MAX_FAILURES", CONF_T_INT,
	    "10", 1, 1000 },				/* CONF_LOGIN_MAX_FAILURES */
	{ "login_lock_minutes", "COLMENA_LOGIN_LOCK_MINUTES", CONF_T_INT,
	    "15", 1, 1440 },				/* CONF_LOGIN_LOCK_MINUTES */
	{ "mfa_issuer", "COLMENA_MFA_ISSUER", CONF_T_STRING,
	    "ColmenaCommerce", 0, 0 },				/* CONF_MFA_ISSUER */
	{ "ratelimit_file", "COLMENA_RATELIMIT_FILE", CONF_T_STRING,
	    "/dev/shm/colmena-ratelimit", 0, 0 },		/* CONF_RATELIMIT_FILE */
	{ "ratelimit_public", "COLMENA_RATELIMIT_PUBLIC", CONF_T_INT,
	    "100", 0, 1000000000 },	/* CONF_RATELIMIT_PUBLIC */
	{ "ratelimit_admin", "COLMENA_RATELIMIT_ADMIN", CONF_T_INT,
	    "1000", 0, 1000000000 },	/* CONF_RATELIMIT_ADMIN */
	{ "ratelimit_uploads", "COLMENA_RATELIMIT_UPLOADS", CONF_T_INT,
	    "10", 0, 1000000000 },	/* CONF_RATELIMIT_UPLOADS */
	{ "ratelimit_webhooks", "COLMENA_RATELIMIT_WEBHOOKS", CONF_T_INT,
	    "1000", 0, 1000000000 },	/* CONF_RATELIMIT_WEBHOOKS */
	{ "storage_backend", "COLMENA_STORAGE_BACKEND", CONF_T_STRING,
	    "local", 0, 0 },					/* CONF_STORAGE_BACKEND */
	{ "storage_root", "COLMENA_STORAGE_ROOT", CONF_T_STRING,
	    COLMENA_STATEDIR "/files", 0, 0 },			/* CONF_STORAGE_ROOT */
	{ "storage_encrypt", "COLMENA_STORAGE_ENCRYPT", CONF_T_INT,
	    "0", 0, 1 },					/* CONF_STORAGE_ENCRYPT */
	{ "storage_keys", "COLMENA_STORAGE_KEYS", CONF_T_STRING,
	    "", 0, 0 },						/* CONF_STORAGE_KEYS */
	{ "storage_key_id", "COLMENA_STORAGE_KEY_ID", CONF_T_STRING,
	    "", 0, 0 },						/* CONF_STORAGE_KEY_ID */
	{ "s3_endpoint", "COLMENA_S3_ENDPOINT", CONF_T_STRING,
	    "", 0, 0 },						/* CONF_S3_ENDPOINT */
	{ "s3_region", "COLMENA_S3_REGION", CONF_T_STRING,
	    "us-east-1", 0, 0 },				/* CONF_S3_REGION */
	{ "s3_bucket", "COLMENA_S3_BUCKET", CONF_T_STRING,
	    "", 0, 0 },						/* CONF_S3_BUCKET */
	{ "s3_access_key", "COLMENA_S3_ACCESS_KEY", CONF_T_STRING,
	    "", 0, 0 },						/* CONF_S3_ACCESS_KEY */
	{ "s3_secret_key", "COLMENA_S3_SECRET_KEY", CONF_T_STRING,
	    "", 0, 0 },						/* CONF_S3_SECRET_KEY */
	{ "s3_path_style", "COLMENA_S3_PATH_STYLE", CONF_T_INT,
	    "0", 0, 1 },					/* CONF_S3_PATH_STYLE */
	{ "s3_sse", "COLMENA_S3_SSE", CONF_T_STRING,
	    "", 0, 0 },						/* CONF_S3_SSE */
	{ "s3_presign_ttl", "COLMENA_S3_PRESIGN_TTL", CONF_T_INT,
	    "300", 10, 604800 },				/* CONF_S3_PRESIGN_TTL */
	{ "clamd", "COLMENA_CLAMD", CONF_T_STRING,
	    "", 0, 0 },						/* CONF_CLAMD */
	{ "clamd_timeout", "COLMENA_CLAMD_TIMEOUT", CONF_T_INT,
	    "30", 1, 3600 },					/* CONF_CLAMD_TIMEOUT */
	{ "upload_file_max", "COLMENA_UPLOAD_FILE_MAX", CONF_T_INT,
	    "10485760", 1, INT64_C(1) << 40 },			/* CONF_UPLOAD_FILE_MAX */
	{ "upload_image_max", "COLMENA_UPLOAD_IMAGE_MAX", CONF_T_INT,
	    "10485760", 1, INT64_C(1) << 30 },			/* CONF_UPLOAD_IMAGE_MAX */
	{ "upload_types", "COLMENA_UPLOAD_TYPES", CONF_T_STRING,
	    "", 0, 0 },						/* CONF_UPLOAD_TYPES */
	{ "download_sendfile", "COLMENA_DOWNLOAD_SENDFILE", CONF_T_INT,
	    "1", 0, 1 },					/* CONF_DOWNLOAD_SENDFILE */
	{ "download_repeat_window", "COLMENA_DOWNLOAD_REPEAT_WINDOW", CONF_T_INT,
	    "10", 0, 3600 },					/* CONF_DOWNLOAD_REPEAT_WINDOW */
	{ "template_dir", "COLMENA_TEMPLATE_DIR", CONF_T_STRING,
	    COLMENA_TEMPLATEDIR, 0, 0 },			/* CONF_TEMPLATE_DIR */
	{ "smtp_url", "COLMENA_SMTP_URL", CONF_T_STRING,
	    "", 0, 0 },						/* CONF_SMTP_URL */
	{ "smtp_user", "COLMENA_SMTP_USER", CONF_T_STRING,
	    "", 0, 0 },						/* CONF_SMTP_USER */
	{ "smtp_password", "COLMENA_SMTP_PASSWORD", CONF_T_STRING,
	    "", 0, 0 },						/* CONF_SMTP_PASSWORD */
	{ "smtp_from", "COLMENA_SMTP_FROM", CONF_T_STRING,
	    "", 0, 0 },						/* CONF_SMTP_FROM */
	{ "smtp_starttls", "COLMENA_SMTP_STARTTLS", CONF_T_INT,
	    "1", 0, 2 },					/* CONF_SMTP_STARTTLS */
	{ "outbox_max_attempts", "COLMENA_OUTBOX_MAX_ATTEMPTS", CONF_T_INT,
	    "8", 1, 100 },				/* CONF_OUTBOX_MAX_ATTEMPTS */
	{ "token_secret", "COLMENA_TOKEN_SECRET", CONF_T_STRING,
	    "", 0, 0 },						/* CONF_TOKEN_SECRET */
	{ "stripe_secret_key", "COLMENA_STRIPE_SECRET_KEY", CONF_T_STRING,
	    "", 0, 0 },					/* CONF_STRIPE_SECRET_KEY */
	{ "stripe_publishable_key", "COLMENA_STRIPE_PUBLISHABLE_KEY",
	    CONF_T_STRING, "", 0, 0 },			/* CONF_STRIPE_PUBLISHABLE_KEY */
	{ "stripe_api_base", "COLMENA_STRIPE_API_BASE", CONF_T_STRING,
	    "https://api.stripe.com", 0, 0 },		/* CONF_STRIPE_API_BASE */
	{ "stripe_api_version", "COLMENA_STRIPE_API_VERSION", CONF_T_STRING,
	    "2024-06-20", 0, 0 },			/* CONF_STRIPE_API_VERSION */
	{ "stripe_webhook_secret", "COLMENA_STRIPE_WEBHOOK_SECRET",
	    CONF_T_STRING, "", 0, 0 },			/* CONF_STRIPE_WEBHOOK_SECRET */
	{ "stripe_webhook_secret_previous",
	    "COLMENA_STRIPE_WEBHOOK_SECRET_PREVIOUS", CONF_T_STRING,
	    "", 0, 0 },			/* CONF_STRIPE_WEBHOOK_SECRET_PREVIOUS */
	{ "stripe_connect_webhook_secret",
	    "COLMENA_STRIPE_CONNECT_WEBHOOK_SECRET", CONF_T_STRING,
	    "", 0, 0 },			/* CONF_STRIPE_CONNECT_WEBHOOK_SECRET */
	{ "stripe_timeout", "COLMENA_STRIPE_TIMEOUT", CONF_T_INT,
	    "20", 1, 120 },				/* CONF_STRIPE_TIMEOUT */
	{ "stripe_connect_timeout", "COLMENA_STRIPE_CONNECT_TIMEOUT",
	    CONF_T_INT, "5", 1, 60 },			/* CONF_STRIPE_CONNECT_TIMEOUT */
	{ "stripe_fee_bps", "COLMENA_STRIPE_FEE_BPS", CONF_T_INT,
	    "0", 0, 5000 },				/* CONF_STRIPE_FEE_BPS */
	{ "checkout_expiry", "COLMENA_CHECKOUT_EXPIRY", CONF_T_INT,
	    "3600", 1800, 86400 },			/* CONF_CHECKOUT_EXPIRY */
	{ "store_smtp", "COLMENA_STORE_SMTP", CONF_T_INT,
	    "0", 0, 1 },				/* CONF_STORE_SMTP */
};

static char	*vals[CONF__MAX];
static int64_t	 ivals[CONF__MAX];

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
conf_set(enum conf_key k, const char *v, const char *where, char *err, size_t errsz)
{
	const char	*errstr;
	enum log_level	 lvl;

	if (defs[k].type == CONF_T_INT) {
		ivals[k] = str_to_i64(v, defs[k].min, defs[k].max, &errstr);
		if (errstr != NULL) {
			snprintf(err, errsz, "%s: %s %s (allowed %lld to %lld)",
			    where, defs[k].name, errstr, (long long)defs[k].min,
			    (long long)defs[k].max);
			return -1;
		}
	}
	if (k == CONF_LOG_LEVEL && log_level_parse(v, &lvl) == -1) {
		snprintf(err, errsz, "%s: log_level must be debug, info, warn "
		    "or error", where);
		return -1;
	}
	free(vals[k]);
	vals[k] = xstrdup(v);
	return 0;
}

/*
 * Load defaults, then the file at path (NULL or a missing file at the
 * default path is allowed: defaults and environment only), then the
 * environment. Returns 0, or -1 with a sentence in err naming the file,
 * line and key.
 */
int
conf_load(const char *path, char *err, size_t errsz)
{
	FILE		*f = NULL;
	char		 line[4096], where[512], *p, *eq, *k, *v;
	const char	*env;
	size_t		 lineno = 0;
	int		 i, found;
	enum log_level	 lvl;

	for (i = 0; i < CONF__MAX; i++)
		if (conf_set(i, defs[i].def, "default", err, errsz) == -1)
			return -1;
	if (path != NULL && (f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%zu", path, lineno);
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errsz, "%s: line too long", where);
			fclose(f);
			return -1;
		}
		p = trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		if ((eq = strchr(p, '=')) == NULL) {
			snprintf(err, errsz, "%s: expected key = value", where);
			fclose(f);
			return -1;
		}
		*eq = '\0';
		k = trim(p);
		v = trim(eq + 1);
		for (i = 0, found = 0; i < CONF__MAX; i++)
			if (strcmp(k, defs[i].name) == 0) {
				found = 1;
				break;
			}
		if (!found) {
			snprintf(err, errsz, "%s: unknown key \"%.64s\"", where, k);
			fclose(f);
			return -1;
		}
		if (conf_set(i, v, where, err, errsz) == -1) {
			fclose(f);
			return -1;
		}
	}
	if (f != NULL)
		fclose(f);
	for (i = 0; i < CONF__MAX; i++)
		if ((env = getenv(defs[i].env)) != NULL &&
		    conf_set(i, env, defs[i].env, err, errsz) == -1)
			return -1;
	if (log_level_parse(vals[CONF_LOG_LEVEL], &lvl) == 0)
		log_set_level(lvl);
	return 0;
}

/*
 * The value of key k as text; never NULL after conf_load().
 */
const char *
conf_get(enum conf_key k)
{
	return vals[k];
}

/*
 * The value of an integer key (checked against its range at load time).
 */
int64_t
conf_int(enum conf_key k)
{
	return ivals[k];
}

/*
 * The key's name as written in the file.
 */
const char *
conf_name(enum conf_key k)
{
	return defs[k].name;
}

/*
 * Release every value (at process exit, for leak checkers).
 */
void
conf_free(void)
{
	int	 i;

	for (i = 0; i < CONF__MAX; i++) {
		free(vals[i]);
		vals[i] = NULL;
	}
}
