/*
 * jwt.h: staff access tokens as JSON Web Tokens signed with HMAC-SHA256
 * (RFC 7519, RFC 7515 compact form). Only HS256 is produced or accepted;
 * verification tries the current key, then the previous one (rotation).
 */
#ifndef COLMENA_JWT_H
#define COLMENA_JWT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct arena;

#define JWT_MAX		8192	/* longest token accepted, in bytes */
#define JWT_PERMS_MAX	32	/* entries in "permissions" */
#define JWT_LEEWAY	60	/* seconds an "iat" may be ahead of our clock */

struct jwt_claims {
	const char	 *sub;		/* user id (UUID text) */
	const char	 *store_id;	/* JSON "storeId" */
	const char	 *role;		/* owner | admin | editor */
	const char	**perms;	/* JSON "permissions": array of strings */
	size_t		  nperms;
	int64_t		  iat, exp;	/* seconds since the epoch */
};

struct jwt_key {
	const unsigned char	*key;
	size_t			 len;
};

enum jwt_status {
	JWT_OK,
	JWT_MALFORMED,
	JWT_BAD_ALG,
	JWT_BAD_SIGNATURE,
	JWT_EXPIRED,
	JWT_NOT_YET_VALID,
	JWT_BAD_CLAIMS,
	JWT__MAX
};

char		*jwt_sign(struct arena *, const struct jwt_key *,
		    const struct jwt_claims *);
enum jwt_status	 jwt_verify(struct arena *, const char *token,
		    const struct jwt_key *keys, size_t nkeys, time_t now,
		    struct jwt_claims *out);
const char	*jwt_status_message(enum jwt_status);

#endif
