/*
 * auth.h: who is asking. Staff credentials (a JWT, a per-store API key or
 * an admin session cookie) are resolved to a principal: the person or key,
 * the store it acts for, its role and permissions. Also sign-in (password,
 * lockout, second factor) and session creation, shared by the admin API
 * and the admin pages.
 */
#ifndef COLMENA_AUTH_H
#define COLMENA_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct arena;
struct db;
struct req;

#define AUTH_COOKIE		"colmena_session"
#define AUTH_CSRF_HEADER	"X-CSRF-Token"
#define AUTH_KEY_PREFIX		"ck_"

enum cred {
	CRED_NONE,
	CRED_JWT,
	CRED_KEY,
	CRED_SESSION,
};

struct principal {
	enum cred		 kind;
	const char		*user_id;	/* NULL for an API key */
	const char		*store_id;
	const char		*store_slug;
	const char		*store_name;
	const char		*currency;	/* the store's, ISO 4217 */
	int			 exponent;	/* its decimals */
	const char		*email;		/* the person's; NULL for a key */
	const char		*name;
	int			 role;		/* enum role; -1 for an API key */
	const char *const	*perms;
	size_t			 nperms;
	const char		*key_id;	/* CRED_KEY */
	const char		*key_name;	/* CRED_KEY */
	const char		*session_id;	/* CRED_SESSION */
	const char		*csrf;		/* CRED_SESSION: its CSRF token */
	const char		*actor;		/* audit: "user:<id>" or "key:<id>" */
	const char		*client;	/* rate-limit identity */
	/* Filled by auth_peek(): */
	const char		*raw;		/* the credential as sent */
	int64_t			 jwt_iat;
};

/* A store the person is staff of. */
struct membership {
	const char	*store_id;
	const char	*slug;
	const char	*name;
	int		 role;
};

struct signin {
	const char	*email;
	const char	*password;
	const char	*mfa_code;	/* NULL: none given */
	const char	*store;		/* id wanted; NULL: the first */
};

struct signin_result {
	const char		*user_id;
	const char		*email;
	const char		*name;
	struct membership	*stores;
	size_t			 nstores;
	const struct membership	*store;		/* the one signed in to */
	int64_t			 retry_after;	/* ERR_RATE_LIMITED: seconds */
	const char		*mfa_method;	/* ERR_MFA_REQUIRED: totp|email */
	const char		*message;	/* for the answer, when not NULL */
};

enum err	 auth_peek(struct req *, struct principal *, const char **msg);
enum err	 auth_resolve(struct req *, struct principal *, const char **msg);
bool		 auth_csrf_ok(struct req *, const struct principal *,
		    const char *form_token);
enum err	 auth_signin(struct db *, struct arena *, const struct signin *,
		    struct signin_result *);
enum err	 auth_memberships(struct db *, struct arena *, const char *user,
		    struct membership **, size_t *);
enum err	 auth_session_create(struct req *, const char *user,
		    const char *store, const char **token, const char **csrf,
		    const char **expires);
enum err	 auth_session_end(struct req *, const struct principal *);
void		 auth_cookie_set(struct req *, const char *token);
void		 auth_cookie_clear(struct req *);
char		*auth_jwt(struct arena *, const char *user, const char *store,
		    int role, int64_t *exp);
bool		 auth_jwt_configured(void);
void		 auth_hash(struct arena *, const char *, const char **hex);
bool		 auth_password_check(const char *password, const char *hash);

#endif
