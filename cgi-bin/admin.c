/*
 * admin.c: the staff program's main and its route table. Every route goes
 * through the staff gate first (src/gate.c: credential, CSRF, rate limit
 * and the permission the route declares). The table is the one place that
 * says who may call what; tests walk it as a matrix of roles and endpoints.
 * Handlers: admin_auth.c (sign-in, sessions, password reset), admin_me.c
 * (profile, password, MFA), admin_products.c, admin_categories.c (with
 * admin_catalog.c, their shared helpers), admin_staff.c, admin_settings.c,
 * admin_keys.c (with admin_store.c, theirs), admin_stripe.c (Stripe
 * Connect).
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "admin.h"
#include "gate.h"
#include "app.h"
#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "perm.h"
#include "req.h"
#include "str.h"
#include "stripe.h"
#include "tx.h"
#include "valid.h"

/*
 * A route of this program: every one goes through the staff gate
 * (src/gate.c), which checks what the route needs before its handler runs.
 */
#define R(...)	GATE_R(__VA_ARGS__)
#define PUBLIC		NULL, NEED_PUBLIC
#define USER		NULL, NEED_USER
#define SESSION		NULL, NEED_SESSION | NEED_USER
#define MANAGER		NULL, NEED_MANAGER | NEED_USER
#define ANY_STAFF	NULL, 0

static const struct route routes[] = {
	{ METHOD_GET, "/api/health", app_health, NULL },
	/* Sign-in, sessions, password reset. */
	R(METHOD_POST, "/api/v1/admin/auth/token",
	    admin_auth_token, PUBLIC),
	R(METHOD_POST, "/api/v1/admin/auth/session",
	    admin_auth_session_create, PUBLIC),
	R(METHOD_GET, "/api/v1/admin/auth/session",
	    admin_auth_session_get, SESSION),
	R(METHOD_DELETE, "/api/v1/admin/auth/session",
	    admin_auth_session_delete, SESSION),
	R(METHOD_PUT, "/api/v1/admin/auth/session/store",
	    admin_auth_session_switch, SESSION),
	R(METHOD_GET, "/api/v1/admin/auth/stores",
	    admin_auth_stores, USER),
	R(METHOD_POST, "/api/v1/admin/auth/password-reset",
	    admin_auth_reset_request, PUBLIC),
	R(METHOD_POST, "/api/v1/admin/auth/password-reset/confirm",
	    admin_auth_reset_confirm, PUBLIC),
	/* The signed-in person. */
	R(METHOD_GET, "/api/v1/admin/me",
	    admin_me_get, USER),
	R(METHOD_PATCH, "/api/v1/admin/me",
	    admin_me_update, USER),
	R(METHOD_POST, "/api/v1/admin/me/password",
	    admin_me_password, USER),
	R(METHOD_POST, "/api/v1/admin/me/mfa/totp",
	    admin_me_totp_begin, USER),
	R(METHOD_POST, "/api/v1/admin/me/mfa/totp/confirm",
	    admin_me_totp_confirm, USER),
	R(METHOD_POST, "/api/v1/admin/me/mfa/email",
	    admin_me_email_mfa, USER),
	R(METHOD_DELETE, "/api/v1/admin/me/mfa",
	    admin_me_mfa_disable, USER),
	R(METHOD_POST, "/api/v1/admin/me/mfa/backup-codes",
	    admin_me_backup_codes, USER),
	/* Catalog. */
	R(METHOD_GET, "/api/v1/admin/products",
	    admin_products_list, "products.read", 0),
	R(METHOD_POST, "/api/v1/admin/products",
	    admin_products_create, "products.write", 0),
	R(METHOD_GET, "/api/v1/admin/products/{product}",
	    admin_products_get, "products.read", 0),
	R(METHOD_PATCH, "/api/v1/admin/products/{product}",
	    admin_products_update, "products.write", 0),
	R(METHOD_DELETE, "/api/v1/admin/products/{product}",
	    admin_products_delete, "products.write", 0),
	R(METHOD_POST, "/api/v1/admin/products/{product}/file",
	    admin_products_file, "products.write", NEED_UPLOAD),
	R(METHOD_POST, "/api/v1/admin/products/{product}/file/notify",
	    admin_products_file_notify, "products.write", 0),
	R(METHOD_POST, "/api/v1/admin/products/{product}/images",
	    admin_products_image_add, "products.write", NEED_UPLOAD),
	R(METHOD_DELETE, "/api/v1/admin/products/{product}/images/{image}",
	    admin_products_image_delete, "products.write", 0),
	R(METHOD_GET, "/api/v1/admin/categories",
	    admin_categories_list, "products.read", 0),
	R(METHOD_POST, "/api/v1/admin/categories",
	    admin_categories_create, "products.write", 0),
	R(METHOD_GET, "/api/v1/admin/categories/{category}",
	    admin_categories_get, "products.read", 0),
	R(METHOD_PATCH, "/api/v1/admin/categories/{category}",
	    admin_categories_update, "products.write", 0),
	R(METHOD_DELETE, "/api/v1/admin/categories/{category}",
	    admin_categories_delete, "products.write", 0),
	/* Staff of the store. */
	R(METHOD_GET, "/api/v1/admin/users",
	    admin_users_list, "users.manage", 0),
	R(METHOD_POST, "/api/v1/admin/users",
	    admin_users_invite, "users.manage", 0),
	R(METHOD_PATCH, "/api/v1/admin/users/{user}",
	    admin_users_update, "users.manage", 0),
	R(METHOD_DELETE, "/api/v1/admin/users/{user}",
	    admin_users_remove, "users.manage", 0),
	/* Store settings. */
	R(METHOD_GET, "/api/v1/admin/settings",
	    admin_settings_get, ANY_STAFF),
	R(METHOD_PATCH, "/api/v1/admin/settings",
	    admin_settings_update, "settings.write", 0),
	/* Stripe Connect: the store's own Stripe account. */
	R(METHOD_POST, "/api/v1/admin/settings/stripe/connect",
	    admin_stripe_connect, "settings.write", 0),
	R(METHOD_POST, "/api/v1/admin/settings/stripe/refresh",
	    admin_stripe_refresh, "settings.write", 0),
	/* API keys: people with role owner or admin. */
	R(METHOD_GET, "/api/v1/admin/api-keys",
	    admin_keys_list, MANAGER),
	R(METHOD_POST, "/api/v1/admin/api-keys",
	    admin_keys_create, MANAGER),
	R(METHOD_DELETE, "/api/v1/admin/api-keys/{key}",
	    admin_keys_revoke, MANAGER),
};

/*
 * OPTIONS: the Allow list only. The admin API is not for other origins:
 * no CORS headers, so browsers keep other sites out of it.
 */
static void
admin_options(struct req *r, const char *allow)
{
	(void)allow;
	req_empty(r, 204);
}

static void
admin_setup(struct db *db)
{
	(void)db;
	/* Make the dummy hash now, not during the first sign-in. */
	(void)auth_password_check("", NULL);
	if (!auth_jwt_configured())
		log_warnx("jwt_secret is not set (32 characters at least): "
		    "API tokens are refused; sessions and API keys work");
}

static void
admin_teardown(void)
{
	admin_files_teardown();
	stripe_cleanup();
}

int
main(int argc, char *argv[])
{
	static const struct app app = {
		"admin", routes, nitems(routes), admin_options,
		admin_setup, admin_teardown, NULL, CONF__MAX
	};

	return app_main(argc, argv, &app);
}
