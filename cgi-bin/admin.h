/*
 * admin.h: what the admin program's handler files share: the staff gate
 * (gate.h: the requirement each route declares, gate_begin() that hands
 * the handler what the gate resolved, store-scoped transactions and their
 * failures) and the handlers. Handlers live in admin_*.c, the route table in admin.c;
 * admin_catalog.h and admin_store.h hold what the catalog's and the
 * store's handler files share.
 */
#ifndef COLMENA_ADMIN_H
#define COLMENA_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "auth.h"
#include "err.h"
#include "gate.h"

struct dbq;
struct field;
struct form;
struct pg_result;
struct req;

int		 admin_password_policy(struct req *, const char *field,
		    const char *password);

/* admin_files.c */
void	 admin_products_file(struct req *);
void	 admin_products_file_notify(struct req *);
void	 admin_products_image_add(struct req *);
void	 admin_products_image_delete(struct req *);
void	 admin_files_teardown(void);

/* admin_auth.c */
void	 admin_auth_token(struct req *);
void	 admin_auth_session_create(struct req *);
void	 admin_auth_session_get(struct req *);
void	 admin_auth_session_delete(struct req *);
void	 admin_auth_session_switch(struct req *);
void	 admin_auth_stores(struct req *);
void	 admin_auth_reset_request(struct req *);
void	 admin_auth_reset_confirm(struct req *);

/* admin_me.c */
void	 admin_me_get(struct req *);
void	 admin_me_update(struct req *);
void	 admin_me_password(struct req *);
void	 admin_me_totp_begin(struct req *);
void	 admin_me_totp_confirm(struct req *);
void	 admin_me_email_mfa(struct req *);
void	 admin_me_mfa_disable(struct req *);
void	 admin_me_backup_codes(struct req *);

/* admin_products.c */
void	 admin_products_list(struct req *);
void	 admin_products_get(struct req *);
void	 admin_products_create(struct req *);
void	 admin_products_update(struct req *);
void	 admin_products_delete(struct req *);

/* admin_categories.c */
void	 admin_categories_list(struct req *);
void	 admin_categories_get(struct req *);
void	 admin_categories_create(struct req *);
void	 admin_categories_update(struct req *);
void	 admin_categories_delete(struct req *);

/* admin_staff.c */
void	 admin_users_list(struct req *);
void	 admin_users_invite(struct req *);
void	 admin_users_update(struct req *);
void	 admin_users_remove(struct req *);

/* admin_settings.c */
void	 admin_settings_get(struct req *);
void	 admin_settings_update(struct req *);

/* admin_stripe.c */
void	 admin_stripe_connect(struct req *);
void	 admin_stripe_refresh(struct req *);

/* admin_keys.c */
void	 admin_keys_list(struct req *);
void	 admin_keys_create(struct req *);
void	 admin_keys_revoke(struct req *);

#endif
