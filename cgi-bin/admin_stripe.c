/*
 * admin_stripe.c: Stripe Connect for a store. The owner connects the
 * store's own Stripe account: the server creates it (POST /v1/accounts,
 * once per store), records its id, and answers an onboarding link
 * (POST /v1/account_links) where Stripe collects the owner's details.
 * account.updated webhooks (webhook.c) keep "can take charges" current;
 * refresh asks Stripe directly, for when a webhook was missed.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "admin.h"
#include "admin_store.h"
#include "arena.h"
#include "crypto.h"
#include "db.h"
#include "jw.h"
#include "link.h"
#include "log.h"
#include "req.h"
#include "stripe.h"
#include "url.h"
#include "valid.h"

enum stmt {
	STMT_ACCOUNT_GET,
	STMT_ACCOUNT_SET,
	STMT_ACCOUNT_STATE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* STMT_ACCOUNT_GET */
	"SELECT stripe_account_id, stripe_charges_enabled,"
	" stripe_details_submitted FROM stores WHERE id = current_store_id()",
	/* STMT_ACCOUNT_SET: the first account made wins */
	"UPDATE stores SET stripe_account_id = $1,"
	" stripe_charges_enabled = $2::boolean,"
	" stripe_details_submitted = $3::boolean,"
	" stripe_account_updated_at = now()"
	" WHERE id = current_store_id() AND stripe_account_id IS NULL"
	" RETURNING stripe_account_id",
	/* STMT_ACCOUNT_STATE */
	"UPDATE stores SET stripe_charges_enabled = $2::boolean,"
	" stripe_details_submitted = $3::boolean,"
	" stripe_account_updated_at = now()"
	" WHERE id = current_store_id() AND stripe_account_id = $1"
	" RETURNING stripe_account_id",
};

enum connect_field {
	CF_RETURN,
	CF_REFRESH,
	CF__MAX
};

static const struct field connect_fields[CF__MAX] = {
	{ "returnUrl", FIELD_TEXT, false, 1, URL_MAX, NULL },	/* CF_RETURN */
	{ "refreshUrl", FIELD_TEXT, false, 1, URL_MAX, NULL },	/* CF_REFRESH */
};

static void	admin_stripe_json(struct jw *, const struct stripe_account *,
		    const struct stripe_link *);
static void	admin_stripe_fail(struct req *, enum err,
		    const struct stripe_error *);

static void
admin_stripe_json(struct jw *w, const struct stripe_account *acct,
    const struct stripe_link *lk)
{
	jw_obj_open(w, NULL);
	jw_str(w, "accountId", acct->id);
	jw_bool(w, "chargesEnabled", acct->charges_enabled);
	jw_bool(w, "detailsSubmitted", acct->details_submitted);
	if (lk != NULL) {
		jw_str(w, "onboardingUrl", lk->url);
		jw_time(w, "onboardingExpiresAt", lk->expires_at);
	}
	jw_obj_close(w);
}

static void
admin_stripe_fail(struct req *r, enum err rc, const struct stripe_error *se)
{
	log_warnx("Stripe Connect: %ld %s %s: %s", se->status, se->type,
	    se->code, se->message);
	if (rc != ERR_BAD_GATEWAY && rc != ERR_UNAVAILABLE)
		req_fail(r, ERR_INTERNAL, NULL);
	else
		req_fail_shown(r, rc, se->message);
}

/*
 * Read the store's connected account into acct (id NULL: none). Returns
 * 0, or -1 having answered.
 */
static int
admin_stripe_read(struct req *r, const struct principal *p,
    struct stripe_account *acct)
{
	struct pg_result	*res;
	struct dbq		 q;
	enum err		 rc;

	memset(acct, 0, sizeof(*acct));
	q = (struct dbq){ stmts[STMT_ACCOUNT_GET], 0, NULL };
	if ((rc = gate_tx(r, p, &q, 1, &res)) != ERR_OK) {
		gate_fail(r, rc);
		return -1;
	}
	if (db_ntuples(res) != 1) {
		req_fail(r, ERR_NOT_FOUND, "No such store.");
		return -1;
	}
	acct->id = admin_store_val(res, 0, "stripe_account_id");
	acct->charges_enabled = admin_store_bool(res, 0,
	    "stripe_charges_enabled");
	acct->details_submitted = admin_store_bool(res, 0,
	    "stripe_details_submitted");
	return 0;
}

/*
 * POST /api/v1/admin/settings/stripe/connect {returnUrl?, refreshUrl?}:
 * connect the store to its own Stripe account: made at Stripe the first
 * time (an Express account with the owner's email), then an onboarding
 * link each time (Stripe sends the owner back to returnUrl, or to
 * refreshUrl when the link has expired; both default to public_url).
 * Checkout refuses payments until Stripe says the account can take
 * charges. Needs settings.write (the account gets the person's email;
 * none for an API key). Answers {accountId,
 * chargesEnabled, detailsSubmitted, onboardingUrl, onboardingExpiresAt}.
 * Raises HTTP 400 for bad URLs; 502 when Stripe refuses; 503 when it
 * cannot be reached or payments are not set up on this server.
 */
void
admin_stripe_connect(struct req *r)
{
	struct principal	 p;
	struct form		 f;
	struct stripe_account	 acct;
	struct stripe_link	 lk;
	struct stripe_error	 se;
	struct pg_result	*res;
	struct dbq		 q;
	struct jw		 w;
	const char		*ret, *refresh, *why, *prm[3];
	char			 nonce[CRYPTO_UUID_SIZE];
	enum err		 rc;

	if (gate_begin(r, &p) == -1)
		return;
	if (req_json_body(r, connect_fields, CF__MAX, &f) == -1)
		return;
	ret = f.v[CF_RETURN].set ? f.v[CF_RETURN].s : link_url(r->arena, "/");
	refresh = f.v[CF_REFRESH].set ? f.v[CF_REFRESH].s : ret;
	if (f.v[CF_RETURN].set && url_origin_of(r->arena, ret, &why) == NULL)
		valid_error(&f, "returnUrl", why);
	if (f.v[CF_REFRESH].set && url_origin_of(r->arena, refresh,
	    &why) == NULL)
		valid_error(&f, "refreshUrl", why);
	if (f.nerrs > 0) {
		req_fail_form(r, &f);
		return;
	}
	if (!stripe_configured()) {
		req_fail_shown(r, ERR_UNAVAILABLE, "Payments are not set up on "
		    "this server yet.");
		return;
	}
	if (admin_stripe_read(r, &p, &acct) == -1)
		return;
	if (acct.id == NULL) {
		rc = stripe_account_create(r->arena, arena_printf(r->arena,
		    "colmena-account-%s", p.store_id), p.email, p.store_id,
		    &acct, &se);
		if (rc != ERR_OK) {
			admin_stripe_fail(r, rc, &se);
			return;
		}
		prm[0] = acct.id;
		prm[1] = acct.charges_enabled ? "true" : "false";
		prm[2] = acct.details_submitted ? "true" : "false";
		q = (struct dbq){ stmts[STMT_ACCOUNT_SET], 3, prm };
		if ((rc = gate_tx(r, &p, &q, 1, &res)) != ERR_OK) {
			gate_fail(r, rc);
			return;
		}
		/* Connected meanwhile by another request: use that one. */
		if (db_ntuples(res) != 1 &&
		    admin_stripe_read(r, &p, &acct) == -1)
			return;
		log_info("store %s connected to Stripe account %s", p.store_id,
		    acct.id);
	}
	/* Every onboarding link is new: a fresh key each time. */
	crypto_uuid_v4(nonce);
	rc = stripe_link_create(r->arena, arena_printf(r->arena,
	    "colmena-link-%s", nonce), acct.id, refresh, ret, &lk, &se);
	if (rc != ERR_OK) {
		admin_stripe_fail(r, rc, &se);
		return;
	}
	req_json_begin(r, &w);
	admin_stripe_json(&w, &acct, &lk);
	req_json_end(r, &w, NULL);
}

/*
 * POST /api/v1/admin/settings/stripe/refresh: ask Stripe whether the
 * store's account can take charges now, and record it. Needs
 * settings.write. Answers {accountId, chargesEnabled, detailsSubmitted}.
 * Raises HTTP 409 when the store has no connected account; 502; 503.
 */
void
admin_stripe_refresh(struct req *r)
{
	struct principal	 p;
	struct stripe_account	 acct, now;
	struct stripe_error	 se;
	struct dbq		 q;
	struct jw		 w;
	const char		*prm[3];
	enum err		 rc;

	if (gate_begin(r, &p) == -1)
		return;
	if (!stripe_configured()) {
		req_fail_shown(r, ERR_UNAVAILABLE, "Payments are not set up on "
		    "this server yet.");
		return;
	}
	if (admin_stripe_read(r, &p, &acct) == -1)
		return;
	if (acct.id == NULL) {
		req_fail(r, ERR_CONFLICT, "The store has no Stripe account yet: "
		    "connect one first.");
		return;
	}
	if ((rc = stripe_account_get(r->arena, acct.id, &now, &se)) != ERR_OK) {
		admin_stripe_fail(r, rc, &se);
		return;
	}
	prm[0] = acct.id;
	prm[1] = now.charges_enabled ? "true" : "false";
	prm[2] = now.details_submitted ? "true" : "false";
	q = (struct dbq){ stmts[STMT_ACCOUNT_STATE], 3, prm };
	if ((rc = gate_tx(r, &p, &q, 1, NULL)) != ERR_OK) {
		gate_fail(r, rc);
		return;
	}
	now.id = acct.id;
	req_json_begin(r, &w);
	admin_stripe_json(&w, &now, NULL);
	req_json_end(r, &w, NULL);
}
