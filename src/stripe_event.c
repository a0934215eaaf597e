/*
 * stripe_event.c: a webhook body Stripe POSTs, parsed strictly (UTF-8,
 * json-c's strict tokener, a depth limit) into struct stripe_event: the
 * event's envelope, then the fields of its data.object by object kind.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <json.h>

#include "arena.h"
#include "log.h"
#include "str.h"
#include "stripe_event.h"

#define STRIPE_EVENT_DEPTH_MAX	32	/* Stripe's objects nest about 8 deep */
#define STRIPE_EVENT_TYPE_MAX	100
#define STRIPE_EVENT_WORD_MAX	64	/* object names, statuses */
#define STRIPE_EVENT_TEXT_MAX	1024	/* names, emails, messages (bytes) */
/* Larger than any amount Stripe accepts (12 digits), far from overflow. */
#define STRIPE_EVENT_AMOUNT_MAX	INT64_C(999999999999999)

/* The kinds of data.object the webhook reads fields from. */
enum stripe_obj {
	STRIPE_OBJ_CHECKOUT,
	STRIPE_OBJ_PI,
	STRIPE_OBJ_CHARGE,
	STRIPE_OBJ_DISPUTE,
	STRIPE_OBJ_ACCOUNT,
	STRIPE_OBJ__MAX
};

struct stripe_objdef {
	const char	*name;		/* data.object.object */
	int		(*fill)(struct arena *, struct json_object *,
			    struct stripe_event *);
};

static int	 sev_checkout(struct arena *, struct json_object *,
		    struct stripe_event *);
static int	 sev_pi(struct arena *, struct json_object *,
		    struct stripe_event *);
static int	 sev_charge(struct arena *, struct json_object *,
		    struct stripe_event *);
static int	 sev_dispute(struct arena *, struct json_object *,
		    struct stripe_event *);
static int	 sev_account(struct arena *, struct json_object *,
		    struct stripe_event *);
static struct json_object *sev_get(struct json_object *, const char *);
static struct json_object *sev_obj(struct json_object *, const char *);
static bool	 sev_id_ok(const char *, size_t);
static const char *sev_id(struct arena *, struct json_object *, const char *,
		    bool);
static const char *sev_word(struct arena *, struct json_object *,
		    const char *);
static const char *sev_text(struct arena *, struct json_object *,
		    const char *, bool);
static const char *sev_currency(struct arena *, struct json_object *);
static const char *sev_uuid(struct arena *, struct json_object *,
		    const char *);
static int	 sev_amount(struct json_object *, const char *, int64_t *);
static bool	 sev_true(struct json_object *, const char *);
static void	 sev_metadata(struct arena *, struct json_object *,
		    struct stripe_event *);

static const char *const stripe_ev_names[STRIPE_EV__MAX] = {
	"checkout.session.completed",	/* STRIPE_EV_CHECKOUT_COMPLETED */
	"checkout.session.async_payment_succeeded",
					/* STRIPE_EV_CHECKOUT_ASYNC_SUCCEEDED */
	"checkout.session.async_payment_failed",
					/* STRIPE_EV_CHECKOUT_ASYNC_FAILED */
	"checkout.session.expired",	/* STRIPE_EV_CHECKOUT_EXPIRED */
	"payment_intent.succeeded",	/* STRIPE_EV_PI_SUCCEEDED */
	"payment_intent.payment_failed",	/* STRIPE_EV_PI_FAILED */
	"charge.refunded",		/* STRIPE_EV_CHARGE_REFUNDED */
	"charge.dispute.created",	/* STRIPE_EV_DISPUTE_CREATED */
	"charge.dispute.closed",	/* STRIPE_EV_DISPUTE_CLOSED */
	"account.updated",		/* STRIPE_EV_ACCOUNT_UPDATED */
	"other",			/* STRIPE_EV_OTHER: no Stripe type */
};

static const struct stripe_objdef stripe_objs[STRIPE_OBJ__MAX] = {
	{ "checkout.session", sev_checkout },	/* STRIPE_OBJ_CHECKOUT */
	{ "payment_intent", sev_pi },		/* STRIPE_OBJ_PI */
	{ "charge", sev_charge },		/* STRIPE_OBJ_CHARGE */
	{ "dispute", sev_dispute },		/* STRIPE_OBJ_DISPUTE */
	{ "account", sev_account },		/* STRIPE_OBJ_ACCOUNT */
};

/* The member key of o; NULL if absent or JSON null. */
static struct json_object *
sev_get(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;		/* NULL for JSON null too */
}

/* The member key of o if it is an object; else NULL. */
static struct json_object *
sev_obj(struct json_object *o, const char *key)
{
	struct json_object	*v;

	v = sev_get(o, key);
	return json_object_is_type(v, json_type_object) ? v : NULL;
}

/*
 * A plausible Stripe id: a lower-case prefix, '_', then letters, digits
 * and underscores ("cs_test_a1B2", "acct_1Nv0"), at most
 * STRIPE_EVENT_ID_MAX bytes.
 */
static bool
sev_id_ok(const char *s, size_t n)
{
	size_t	 i, pre;

	if (n == 0 || n > STRIPE_EVENT_ID_MAX || strlen(s) != n)
		return false;
	for (pre = 0; pre < n && s[pre] >= 'a' && s[pre] <= 'z'; pre++)
		continue;
	if (pre == 0 || pre + 1 >= n || s[pre] != '_')
		return false;
	for (i = pre + 1; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' &&
		    s[i] <= 'Z') && !(s[i] >= '0' && s[i] <= '9') &&
		    s[i] != '_')
			return false;
	return true;
}

/*
 * The Stripe id in o's member key, copied into the arena; with expand,
 * an expanded object ({"id": ..., "object": ...}) gives its id. NULL if
 * absent, null or implausible.
 */
static const char *
sev_id(struct arena *a, struct json_object *o, const char *key, bool expand)
{
	struct json_object	*v;

	v = sev_get(o, key);
	if (expand && json_object_is_type(v, json_type_object))
		v = sev_get(v, "id");
	if (!json_object_is_type(v, json_type_string) ||
	    !sev_id_ok(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v)))
		return NULL;
	return arena_strdup(a, json_object_get_string(v));
}

/*
 * A short machine word (an object name, a status): 1..64 of [a-z0-9_.],
 * copied into the arena; NULL if absent or anything else.
 */
static const char *
sev_word(struct arena *a, struct json_object *o, const char *key)
{
	struct json_object	*v;
	const char		*s;
	size_t			 n;

	v = sev_get(o, key);
	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n == 0 || n > STRIPE_EVENT_WORD_MAX ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.") != n)
		return NULL;
	return arena_strdup(a, s);
}

/*
 * Text written by people (a name, an email, a decline message), copied
 * into the arena. Control characters make the value absent, or with
 * fold become spaces (a message may span lines; we keep one). NULL if
 * absent, empty or over STRIPE_EVENT_TEXT_MAX bytes.
 */
static const char *
sev_text(struct arena *a, struct json_object *o, const char *key, bool fold)
{
	struct json_object	*v;
	char			*s;
	size_t			 n, i;

	v = sev_get(o, key);
	if (!json_object_is_type(v, json_type_string))
		return NULL;
	n = (size_t)json_object_get_string_len(v);
	if (n == 0 || n > STRIPE_EVENT_TEXT_MAX)
		return NULL;
	s = arena_strndup(a, json_object_get_string(v), n);
	if (strlen(s) != n || !str_utf8_valid(s, n))
		return NULL;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			if (!fold)
				return NULL;
			s[i] = ' ';
		}
	return s;
}

/* A currency as Stripe writes it: three lower-case letters. */
static const char *
sev_currency(struct arena *a, struct json_object *o)
{
	struct json_object	*v;
	const char		*s;

	v = sev_get(o, "currency");
	if (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) != 3)
		return NULL;
	s = json_object_get_string(v);
	if (strspn(s, "abcdefghijklmnopqrstuvwxyz") != 3)
		return NULL;
	return arena_strdup(a, s);
}

/* A UUID (ours, round-tripped through metadata); NULL if anything else. */
static const char *
sev_uuid(struct arena *a, struct json_object *o, const char *key)
{
	struct json_object	*v;

	v = sev_get(o, key);
	if (!json_object_is_type(v, json_type_string) ||
	    !str_is_uuid(json_object_get_string(v)))
		return NULL;
	return arena_strdup(a, json_object_get_string(v));
}

/*
 * An amount in minor units into *out: -1 if absent or null. Returns 0,
 * or -1 if it is there but not an integer from 0 to
 * STRIPE_EVENT_AMOUNT_MAX.
 */
static int
sev_amount(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object	*v;
	int64_t			 n;

	*out = -1;
	if ((v = sev_get(o, key)) == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	n = json_object_get_int64(v);
	if (n < 0 || n > STRIPE_EVENT_AMOUNT_MAX)
		return -1;
	*out = n;
	return 0;
}

/* True only for JSON true. */
static bool
sev_true(struct json_object *o, const char *key)
{
	struct json_object	*v;

	v = sev_get(o, key);
	return json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v);
}

/* metadata.order_id and metadata.store_id: ours, UUIDs or nothing. */
static void
sev_metadata(struct arena *a, struct json_object *o, struct stripe_event *e)
{
	struct json_object	*md;

	md = sev_obj(o, "metadata");
	e->order_id = sev_uuid(a, md, "order_id");
	e->store_id = sev_uuid(a, md, "store_id");
}

/* A checkout.session: the order, the totals, who paid. */
static int
sev_checkout(struct arena *a, struct json_object *o, struct stripe_event *e)
{
	struct json_object	*td, *cd;

	sev_metadata(a, o, e);
	if (e->order_id == NULL)
		e->order_id = sev_uuid(a, o, "client_reference_id");
	e->payment_intent = sev_id(a, o, "payment_intent", true);
	e->payment_status = sev_word(a, o, "payment_status");
	e->currency = sev_currency(a, o);
	td = sev_obj(o, "total_details");
	if (sev_amount(o, "amount_total", &e->amount_total) == -1 ||
	    sev_amount(o, "amount_subtotal", &e->amount_subtotal) == -1 ||
	    sev_amount(td, "amount_tax", &e->amount_tax) == -1 ||
	    sev_amount(td, "amount_discount", &e->amount_discount) == -1)
		return -1;
	cd = sev_obj(o, "customer_details");
	e->customer_email = sev_text(a, cd, "email", false);
	if (e->customer_email == NULL)
		e->customer_email = sev_text(a, o, "customer_email", false);
	e->customer_name = sev_text(a, cd, "name", false);
	return 0;
}

/* A payment_intent: its own id, amount, status and why it failed. */
static int
sev_pi(struct arena *a, struct json_object *o, struct stripe_event *e)
{
	sev_metadata(a, o, e);
	e->payment_intent = e->object_id;
	e->status = sev_word(a, o, "status");
	e->currency = sev_currency(a, o);
	e->failure_message = sev_text(a, sev_obj(o, "last_payment_error"),
	    "message", true);
	return sev_amount(o, "amount", &e->amount);
}

/* A charge (charge.refunded): what was paid and how much went back. */
static int
sev_charge(struct arena *a, struct json_object *o, struct stripe_event *e)
{
	sev_metadata(a, o, e);
	e->charge = e->object_id;
	e->payment_intent = sev_id(a, o, "payment_intent", true);
	e->currency = sev_currency(a, o);
	if (sev_amount(o, "amount", &e->amount) == -1 ||
	    sev_amount(o, "amount_refunded", &e->amount_refunded) == -1)
		return -1;
	return 0;
}

/* A dispute: the charge it is about, the amount held, its status. */
static int
sev_dispute(struct arena *a, struct json_object *o, struct stripe_event *e)
{
	e->charge = sev_id(a, o, "charge", true);
	e->payment_intent = sev_id(a, o, "payment_intent", true);
	e->status = sev_word(a, o, "status");
	e->currency = sev_currency(a, o);
	return sev_amount(o, "amount", &e->amount);
}

/* A connected account: can it take payments yet. */
static int
sev_account(struct arena *a, struct json_object *o, struct stripe_event *e)
{
	e->charges_enabled = sev_true(o, "charges_enabled");
	e->details_submitted = sev_true(o, "details_submitted");
	return 0;
}

/*
 * Parse len bytes of body (a webhook's JSON, already size-checked and
 * signature-verified by the caller) into ev. The envelope must have an
 * id (evt_...), object "event", a type and an object at data.object;
 * unknown types are STRIPE_EV_OTHER, not errors. Fields the event does
 * not carry, or carries in a shape we do not trust (an implausible id,
 * metadata that is not a UUID), are NULL or -1. Strings live in the
 * arena; no JSON outlives the call. Returns 0, or -1 with a short phrase
 * in *errstr ("is not valid JSON", "has no id", "has a bad amount"); ev
 * then holds what was read before the failure (id and type, if they were
 * good, for the log) and nothing else should be trusted.
 */
int
stripe_event_parse(struct arena *a, const char *body, size_t len,
    struct stripe_event *ev, const char **errstr)
{
	struct json_tokener	*tok;
	enum json_tokener_error	 jerr;
	struct json_object	*root = NULL, *v, *data, *o;
	const char		*s;
	char			*copy;
	size_t			 n, parsed, i;
	int			 rc = -1;

	memset(ev, 0, sizeof(*ev));
	ev->amount = ev->amount_refunded = ev->amount_total = -1;
	ev->amount_subtotal = ev->amount_tax = ev->amount_discount = -1;
	ev->ev = STRIPE_EV_OTHER;

	if (len > INT32_MAX - 1 || !str_utf8_valid(body, len)) {
		*errstr = "is not valid UTF-8";
		return -1;
	}
	if ((tok = json_tokener_new_ex(STRIPE_EVENT_DEPTH_MAX)) == NULL)
		fatalx("json_tokener_new_ex");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* The NUL tells json-c the input ends (a bare number would wait). */
	copy = arena_strndup(a, body, len);
	root = json_tokener_parse_ex(tok, copy, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	parsed = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_error_depth) {
		*errstr = "is nested too deeply";
		goto fail;
	}
	if (jerr != json_tokener_success || parsed < len) {
		*errstr = "is not valid JSON";
		goto fail;
	}
	if (!json_object_is_type(root, json_type_object)) {
		*errstr = "is not a JSON object";
		goto fail;
	}

	v = sev_get(root, "id");
	if (!json_object_is_type(v, json_type_string)) {
		*errstr = "has no id";
		goto fail;
	}
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (strncmp(s, "evt_", 4) != 0 || !sev_id_ok(s, n)) {
		*errstr = "has a bad id";
		goto fail;
	}
	ev->id = arena_strdup(a, s);

	v = sev_get(root, "object");
	if (!json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "event") != 0) {
		*errstr = "is not an event";
		goto fail;
	}

	v = sev_get(root, "type");
	if (!json_object_is_type(v, json_type_string)) {
		*errstr = "has no type";
		goto fail;
	}
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n == 0 || n > STRIPE_EVENT_TYPE_MAX || strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
	    != n) {
		*errstr = "has a bad type";
		goto fail;
	}
	ev->type = arena_strdup(a, s);
	for (i = 0; i < STRIPE_EV_OTHER; i++)
		if (strcmp(s, stripe_ev_names[i]) == 0) {
			ev->ev = (enum stripe_ev)i;
			break;
		}

	if ((data = sev_obj(root, "data")) == NULL ||
	    (o = sev_obj(data, "object")) == NULL) {
		*errstr = "has no data.object";
		goto fail;
	}

	ev->account = sev_id(a, root, "account", false);
	if (ev->account != NULL && strncmp(ev->account, "acct_", 5) != 0)
		ev->account = NULL;
	v = sev_get(root, "created");
	if (json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) > 0)
		ev->created = json_object_get_int64(v);
	ev->livemode = sev_true(root, "livemode");

	ev->object = sev_word(a, o, "object");
	ev->object_id = sev_id(a, o, "id", false);
	for (i = 0; ev->object != NULL && i < STRIPE_OBJ__MAX; i++)
		if (strcmp(ev->object, stripe_objs[i].name) == 0) {
			if (stripe_objs[i].fill(a, o, ev) == -1) {
				*errstr = "has a bad amount";
				goto fail;
			}
			break;
		}
	rc = 0;
fail:
	if (root != NULL)
		json_object_put(root);
	return rc;
}

/*
 * The Stripe type string of ev ("charge.refunded"); "other" for
 * STRIPE_EV_OTHER and anything out of range. A static string.
 */
const char *
stripe_event_name(enum stripe_ev ev)
{
	if ((unsigned int)ev >= STRIPE_EV__MAX)
		return stripe_ev_names[STRIPE_EV_OTHER];
	return stripe_ev_names[ev];
}
