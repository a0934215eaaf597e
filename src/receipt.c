/*
 * receipt.c: the buyer's mail about an order (receipt, receipt sent again,
 * fresh links) as a subject and text and HTML parts, rendered from
 * templates/mail/receipt.{txt,html} with amounts in the order's currency.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "log.h"
#include "receipt.h"
#include "str.h"
#include "tmpl.h"

#define RECEIPT_PART_MAX	(1024 * 1024)	/* bytes in one rendered part */
#define RECEIPT_EXPONENT_MAX	4		/* ISO 4217 has 0 to 4 */

/* What each kind says where the templates do not: the subject. */
struct receipt_subject {
	const char	*before;	/* the store's name goes between */
	const char	*after;
};

static const struct receipt_subject receipt_subjects[RECEIPT__MAX] = {
	{ "Your order from ", "" },			/* RECEIPT_PAID */
	{ "Your receipt from ", " (sent again)" },	/* RECEIPT_RESENT */
	{ "Your new download links from ", "" },	/* RECEIPT_LINKS */
};

static const char *const receipt_templates[] = {
	"mail/receipt.txt",
	"mail/receipt.html",
};

static int		 receipt_fail(char *, size_t, const char *);
static bool		 receipt_url_ok(const char *);
static const char	*receipt_money(struct arena *, int64_t, int,
			    const char *);
static struct tmpl_val	*receipt_data(struct arena *, const struct receipt *,
			    const char *);
static const char	*receipt_part(struct arena *, const char *,
			    const struct tmpl_val *, char *, size_t);

static int
receipt_fail(char *err, size_t errsz, const char *msg)
{
	snprintf(err, errsz, "%s", msg);
	return -1;
}

/* An absolute http(s) link: nothing else goes into an href. */
static bool
receipt_url_ok(const char *url)
{
	return url != NULL && (strncmp(url, "https://", 8) == 0 ||
	    strncmp(url, "http://", 7) == 0) && strpbrk(url, " \t\r\n") == NULL;
}

/* "12.99 USD", "1500 JPY", "-1.234 BHD", in the arena. */
static const char *
receipt_money(struct arena *a, int64_t minor, int exponent,
    const char *currency)
{
	struct buf	 b;
	const char	*s;

	buf_init(&b, 64);
	str_money_format(&b, minor, exponent);
	buf_printf(&b, " %s", currency);
	s = arena_strdup(a, b.data);
	buf_clear(&b);
	return s;
}

/*
 * The value tree both templates get. Every name they use is set, absent
 * ones as "" or false, so tmpl_check() can walk every path.
 */
static struct tmpl_val *
receipt_data(struct arena *a, const struct receipt *r, const char *subject)
{
	struct tmpl_val	*o, *list, *it;
	size_t		 i;
	int		 e = r->exponent;

	o = tmpl_obj_new(a);
	tmpl_set_str(o, "subject", subject);
	tmpl_set_bool(o, "kind_paid", r->kind == RECEIPT_PAID);
	tmpl_set_bool(o, "kind_resent", r->kind == RECEIPT_RESENT);
	tmpl_set_bool(o, "kind_links", r->kind == RECEIPT_LINKS);
	tmpl_set_str(o, "store_name", r->store_name);
	tmpl_set_str(o, "support_email",
	    r->support_email != NULL ? r->support_email : "");
	tmpl_set_str(o, "customer_name",
	    r->customer_name != NULL ? r->customer_name : "");
	tmpl_set_str(o, "customer_email", r->customer_email);
	tmpl_set_str(o, "order_id", r->order_id);
	tmpl_set_str(o, "order_url", r->order_url);
	tmpl_set_str(o, "paid_at", r->paid_at != NULL ? r->paid_at : "");
	tmpl_set_str(o, "currency", r->currency);

	list = tmpl_set_list(o, "items");
	for (i = 0; i < r->nitems; i++) {
		it = tmpl_list_add_obj(list);
		tmpl_set_str(it, "name", r->items[i].name);
		tmpl_set_int(it, "quantity", r->items[i].quantity);
		tmpl_set_str(it, "unit", receipt_money(a,
		    r->items[i].unit_minor, e, r->currency));
		tmpl_set_str(it, "amount", receipt_money(a,
		    r->items[i].line_minor, e, r->currency));
	}
	tmpl_set_str(o, "subtotal", receipt_money(a, r->subtotal_minor, e,
	    r->currency));
	tmpl_set_bool(o, "has_discount", r->discount_minor != 0);
	tmpl_set_str(o, "discount", receipt_money(a, -r->discount_minor, e,
	    r->currency));
	tmpl_set_bool(o, "has_tax", r->tax_minor != 0);
	tmpl_set_str(o, "tax", receipt_money(a, r->tax_minor, e,
	    r->currency));
	tmpl_set_str(o, "total", receipt_money(a, r->total_minor, e,
	    r->currency));

	list = tmpl_set_list(o, "links");
	for (i = 0; i < r->nlinks; i++) {
		it = tmpl_list_add_obj(list);
		tmpl_set_str(it, "name", r->links[i].name);
		tmpl_set_str(it, "url", r->links[i].url);
		tmpl_set_str(it, "expires", r->links[i].expires);
		tmpl_set_int(it, "downloads_left", r->links[i].downloads_left);
	}
	return o;
}

/* Render one part (text or HTML by its name) into the arena; NULL on error. */
static const char *
receipt_part(struct arena *a, const char *name, const struct tmpl_val *data,
    char *err, size_t errsz)
{
	struct buf	 b;
	const char	*s = NULL;
	size_t		 n = strlen(name);
	int		 rc;

	buf_init(&b, RECEIPT_PART_MAX);
	if (n > 4 && strcmp(name + n - 4, ".txt") == 0)
		rc = tmpl_render_text(&b, name, data, err, errsz);
	else
		rc = tmpl_render(&b, name, data, err, errsz);
	if (rc == 0)
		s = arena_strndup(a, b.data, b.len);
	buf_clear(&b);
	return s;
}

/*
 * Render the mail about order r (kind, amounts in minor units of
 * r->currency with r->exponent decimals, links) into out: the subject by
 * kind and the text and HTML parts from the loaded templates
 * (tmpl_load_dir() beforehand). Every path of both templates is checked
 * against the data first, so a name the code does not give fails every
 * render, not only the one that reaches it. Returns 0 with out's strings
 * in the arena, or -1 with a sentence in err when a required field is
 * missing, the exponent is not 0 to 4, a link is not an absolute http(s)
 * URL, or a template is missing or fails.
 */
int
receipt_render(struct arena *a, const struct receipt *r,
    struct receipt_mail *out, char *err, size_t errsz)
{
	struct tmpl_val	*data;
	const char	*subject, *text, *html;
	size_t		 i;

	memset(out, 0, sizeof(*out));
	if ((unsigned)r->kind >= RECEIPT__MAX)
		return receipt_fail(err, errsz, "unknown receipt kind");
	if (r->store_name == NULL || r->order_id == NULL ||
	    r->customer_email == NULL || r->currency == NULL ||
	    (r->nitems > 0 && r->items == NULL) ||
	    (r->nlinks > 0 && r->links == NULL))
		return receipt_fail(err, errsz, "store name, order id, "
		    "customer email and currency are required");
	if (r->exponent < 0 || r->exponent > RECEIPT_EXPONENT_MAX)
		return receipt_fail(err, errsz, "the currency's exponent is "
		    "not 0 to 4");
	if (!receipt_url_ok(r->order_url))
		return receipt_fail(err, errsz, "the order page is not an "
		    "absolute http(s) link");
	for (i = 0; i < r->nitems; i++)
		if (r->items[i].name == NULL)
			return receipt_fail(err, errsz, "an item has no name");
	for (i = 0; i < r->nlinks; i++) {
		if (r->links[i].name == NULL || r->links[i].expires == NULL)
			return receipt_fail(err, errsz, "a download link has "
			    "no product name or expiry");
		if (!receipt_url_ok(r->links[i].url))
			return receipt_fail(err, errsz, "a download link is "
			    "not an absolute http(s) link");
	}

	subject = arena_printf(a, "%s%s%s", receipt_subjects[r->kind].before,
	    r->store_name, receipt_subjects[r->kind].after);
	data = receipt_data(a, r, subject);
	for (i = 0; i < nitems(receipt_templates); i++)
		if (tmpl_check(receipt_templates[i], data, err, errsz) == -1)
			return -1;
	if ((text = receipt_part(a, "mail/receipt.txt", data, err,
	    errsz)) == NULL)
		return -1;
	if ((html = receipt_part(a, "mail/receipt.html", data, err,
	    errsz)) == NULL)
		return -1;
	out->subject = subject;
	out->text = text;
	out->html = html;
	return 0;
}
