/*
 * conf.h: the installation's configuration: one "key = value" file (path in
 * $COLMENA_CONFIG) and an environment override per key ($COLMENA_<KEY>).
 * Loaded once per process; values live until conf_free().
 */
#ifndef COLMENA_CONF_H
#define COLMENA_CONF_H

#include <stdint.h>

enum conf_key {
	CONF_DB_URL,
	CONF_DB_OWNER_URL,
	CONF_DB_PREPARE,
	CONF_SQL_DIR,
	CONF_BODY_MAX,
	CONF_LOG_LEVEL,
	CONF_CACHE_MAX_AGE,
	CONF_CACHE_SWR,
	CONF_CACHE_TTL,
	CONF_CACHE_SIZE,
	CONF_PUBLIC_URL,
	CONF_JWT_SECRET,
	CONF_JWT_SECRET_PREVIOUS,
	CONF_JWT_TTL,
	CONF_COOKIE_SECURE,
	CONF_SESSION_TTL,
	CONF_SESSION_MAX,
	CONF_LOGIN_MAX_FAILURES,
	CONF_LOGIN_LOCK_MINUTES,
	CONF_MFA_ISSUER,
	CONF_RATELIMIT_FILE,
	CONF_RATELIMIT_PUBLIC,
	CONF_RATELIMIT_ADMIN,
	CONF_RATELIMIT_UPLOADS,
	CONF_RATELIMIT_WEBHOOKS,
	CONF__MAX
};

int		 conf_load(const char *path, char *err, size_t errsz);
const char	*conf_get(enum conf_key);
int64_t		 conf_int(enum conf_key);
const char	*conf_name(enum conf_key);
void		 conf_free(void);

#endif
