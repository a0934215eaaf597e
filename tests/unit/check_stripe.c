/*
 * check_stripe.c: the Stripe client against a stand-in HTTP server this
 * test runs on 127.0.0.1 (a thread, canned answers, every request kept):
 * the exact form bodies and headers Stripe would see, the parsed results,
 * keep-alive, the one retry, and the mapping of every kind of failure.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <check.h>
#include <curl/curl.h>

#include "arena.h"
#include "conf.h"
#include "err.h"
#include "stripe.h"

#define ORDER	"3f1c2a9e-8b4d-4e6f-9a1b-2c3d4e5f6a7b"
#define STORE	"9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
#define PROD1	"5b2e1c4d-0a9f-4e8d-9c7b-6a5f4e3d2c1b"
#define PROD2	"0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5"
#define SECRET	"sk_test_51HsEcReTkEy0123456789"
#define IKEY	"order-" ORDER "-checkout-1"

#define SRV_MAX		8		/* requests one test makes */
#define SRV_HEAD_MAX	8192
#define SRV_BODY_MAX	(64 * 1024)

/* What the stand-in does with the next request. */
enum srv_act {
	SRV_ANSWER,		/* status, extra headers, body */
	SRV_DROP,		/* read it, close without a word */
	SRV_HANG,		/* read it, never answer */
	SRV_ACT__MAX
};

struct srv_canned {
	enum srv_act	 act;
	int		 status;
	const char	*headers;	/* extra lines, each ending \r\n */
	const char	*body;
};

struct srv_req {
	char	 head[SRV_HEAD_MAX];	/* request line and headers */
	char	 body[SRV_BODY_MAX];
	size_t	 bodylen;
};

static struct {
	int			 lfd;
	int			 stop[2];	/* a pipe: readable means stop */
	int			 port;
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	struct srv_canned	 script[SRV_MAX];
	size_t			 nscript;
	struct srv_req		 req[SRV_MAX];
	size_t			 nreq;
	size_t			 nconn;
} srv;

static struct arena		*a;
static struct stripe_error	 err;
static char			*big;	/* an oversized answer */

/* Wait until fd is readable; false if told to stop. */
static bool
srv_wait(int fd)
{
	struct pollfd	 pfd[2];

	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = srv.stop[0];
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (pfd[1].revents != 0)
			return false;
		return true;
	}
}

static void
srv_send(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/*
 * Read one request from fd into r: headers up to the blank line, then
 * Content-Length bytes of body. Returns false at EOF, on error or stop.
 */
static bool
srv_read(int fd, struct srv_req *r)
{
	static char	 in[SRV_HEAD_MAX + SRV_BODY_MAX];
	const char	*eoh, *cl;
	size_t		 len = 0, hlen, blen = 0;
	ssize_t		 n;

	memset(r, 0, sizeof(*r));
	for (;;) {
		if ((eoh = memmem(in, len, "\r\n\r\n", 4)) != NULL) {
			hlen = (size_t)(eoh - in) + 4;
			if (hlen >= sizeof(r->head))
				return false;
			memcpy(r->head, in, hlen);
			r->head[hlen] = '\0';
			cl = strcasestr(r->head, "\r\nContent-Length:");
			blen = cl != NULL ? strtoul(cl + 17, NULL, 10) : 0;
			if (blen >= sizeof(r->body))
				return false;
			if (len >= hlen + blen)
				break;
		}
		if (len == sizeof(in) || !srv_wait(fd))
			return false;
		n = read(fd, in + len, sizeof(in) - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		len += (size_t)n;
	}
	memcpy(r->body, in + hlen, blen);
	r->bodylen = blen;
	return true;
}

/* Serve one connection, request by request, until the client leaves. */
static void
srv_conn(int fd)
{
	struct srv_req		 r;
	struct srv_canned	 c;
	char			 head[1024];
	size_t			 i, blen;
	int			 n;

	while (srv_read(fd, &r)) {
		pthread_mutex_lock(&srv.lock);
		i = srv.nreq;
		if (i < SRV_MAX)
			srv.req[srv.nreq++] = r;
		c = i < srv.nscript ? srv.script[i] : (struct srv_canned){
		    SRV_ANSWER, 599, NULL, "{}" };
		pthread_mutex_unlock(&srv.lock);
		switch (c.act) {
		case SRV_ANSWER:
			blen = strlen(c.body);
			n = snprintf(head, sizeof(head), "HTTP/1.1 %d Canned\r\n"
			    "Content-Type: application/json\r\n"
			    "Content-Length: %zu\r\n"
			    "Request-Id: req_Canned%zu\r\n%s\r\n", c.status,
			    blen, i, c.headers != NULL ? c.headers : "");
			srv_send(fd, head, (size_t)n);
			srv_send(fd, c.body, blen);
			break;
		case SRV_DROP:
			return;
		case SRV_HANG:
			/* Until the client gives up and closes. */
			while (srv_wait(fd) && read(fd, head, sizeof(head)) > 0)
				continue;
			return;
		default:
			return;
		}
	}
}

static void *
srv_main(void *arg)
{
	int	 fd;

	while (srv_wait(srv.lfd)) {
		if ((fd = accept(srv.lfd, NULL, NULL)) == -1)
			continue;
		pthread_mutex_lock(&srv.lock);
		srv.nconn++;
		pthread_mutex_unlock(&srv.lock);
		srv_conn(fd);
		close(fd);
	}
	return NULL;
}

/* A listening socket on 127.0.0.1 with a free port. */
static int
srv_listen(int *port, bool listening)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd, one = 1;

	ck_assert_int_ne(fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	if (listening)
		ck_assert_int_eq(listen(fd, 8), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Point the client at base and load the configuration. */
static void
configure(const char *base)
{
	char	 msg[256];

	setenv("COLMENA_STRIPE_API_BASE", base, 1);
	ck_assert_msg(conf_load(NULL, msg, sizeof(msg)) == 0, "%s", msg);
}

static void
setup(void)
{
	char	 base[64];

	memset(&srv, 0, sizeof(srv));
	pthread_mutex_init(&srv.lock, NULL);
	ck_assert_int_eq(pipe(srv.stop), 0);
	srv.lfd = srv_listen(&srv.port, true);
	ck_assert_int_eq(pthread_create(&srv.thread, NULL, srv_main, NULL),
	    0);
	setenv("COLMENA_STRIPE_SECRET_KEY", SECRET, 1);
	setenv("COLMENA_STRIPE_API_VERSION", "2024-06-20", 1);
	setenv("COLMENA_STRIPE_TIMEOUT", "5", 1);
	setenv("COLMENA_STRIPE_CONNECT_TIMEOUT", "2", 1);
	/* A trailing slash is the operator's habit, not part of the path. */
	snprintf(base, sizeof(base), "http://127.0.0.1:%d/", srv.port);
	configure(base);
	a = arena_new();
	memset(&err, 0, sizeof(err));
	big = NULL;
}

static void
teardown(void)
{
	stripe_cleanup();
	ck_assert_int_eq(write(srv.stop[1], "x", 1), 1);
	pthread_join(srv.thread, NULL);
	close(srv.lfd);
	close(srv.stop[0]);
	close(srv.stop[1]);
	pthread_mutex_destroy(&srv.lock);
	arena_free(a);
	conf_free();
	free(big);
	curl_global_cleanup();
}

/* Queue what the stand-in does with the next request. */
static void
answer(int status, const char *headers, const char *body)
{
	ck_assert_uint_lt(srv.nscript, SRV_MAX);
	srv.script[srv.nscript++] = (struct srv_canned){ SRV_ANSWER, status,
	    headers, body };
}

static void
act(enum srv_act what)
{
	ck_assert_uint_lt(srv.nscript, SRV_MAX);
	srv.script[srv.nscript++] = (struct srv_canned){ what, 0, NULL, NULL };
}

static size_t
nreq(void)
{
	size_t	 n;

	pthread_mutex_lock(&srv.lock);
	n = srv.nreq;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

/* Request i's body as a string. */
static const char *
body(size_t i)
{
	ck_assert_uint_lt(i, nreq());
	return srv.req[i].body;
}

/* Request i's line ("POST /v1/refunds HTTP/1.1"). */
static const char *
line(size_t i)
{
	ck_assert_uint_lt(i, nreq());
	return arena_strndup(a, srv.req[i].head,
	    strcspn(srv.req[i].head, "\r"));
}

/* The value of header name in request i; NULL if not sent. */
static const char *
header(size_t i, const char *name)
{
	const char	*p, *v;
	size_t		 n = strlen(name);

	ck_assert_uint_lt(i, nreq());
	for (p = strstr(srv.req[i].head, "\r\n"); p != NULL && p[2] != '\r';
	    p = strstr(p + 2, "\r\n"))
		if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
			v = p + 2 + n + 1;
			while (*v == ' ')
				v++;
			return arena_strndup(a, v, strcspn(v, "\r"));
		}
	return NULL;
}

/* Two line items, one with characters the form must escape. */
static const struct stripe_line lines[] = {
	{ "Guide to Cafés", PROD1, 1299, 1 },
	{ "Beans & Brews [2nd ed.]", PROD2, 500, 2 },
};

static void
checkout_req(struct stripe_checkout_req *q)
{
	memset(q, 0, sizeof(*q));
	q->idempotency_key = IKEY;
	q->currency = "EUR";
	q->lines = lines;
	q->nlines = 2;
	q->customer_email = "ana+test@example.com";
	q->order_id = ORDER;
	q->store_id = STORE;
	q->success_url = "https://shop.example/thanks?session="
	    "{CHECKOUT_SESSION_ID}";
	q->cancel_url = "https://shop.example/cart";
	q->expires_at = 1700003600;
}

/* A Checkout Session as Stripe answers its creation (abridged). */
#define SESSION_JSON \
	"{\n" \
	"  \"id\": \"cs_test_a1b2C3d4E5f6G7h8I9j0\",\n" \
	"  \"object\": \"checkout.session\",\n" \
	"  \"amount_subtotal\": 2299,\n" \
	"  \"amount_total\": 2299,\n" \
	"  \"client_reference_id\": \"" ORDER "\",\n" \
	"  \"currency\": \"eur\",\n" \
	"  \"expires_at\": 1700003600,\n" \
	"  \"livemode\": false,\n" \
	"  \"metadata\": {\"order_id\": \"" ORDER "\", \"store_id\": \"" \
	STORE "\"},\n" \
	"  \"mode\": \"payment\",\n" \
	"  \"payment_intent\": null,\n" \
	"  \"payment_status\": \"unpaid\",\n" \
	"  \"status\": \"open\",\n" \
	"  \"url\": \"https://checkout.stripe.com/c/pay/" \
	"cs_test_a1b2C3d4E5f6G7h8I9j0#fidkdWxOYHwnPyd1blpxYHZxWjA0\"\n" \
	"}\n"

#define CARD_DECLINED \
	"{\n" \
	"  \"error\": {\n" \
	"    \"charge\": \"ch_3MtwBwLkdIwHu7ix28a3tqPa\",\n" \
	"    \"code\": \"card_declined\",\n" \
	"    \"decline_code\": \"generic_decline\",\n" \
	"    \"doc_url\": \"https://stripe.com/docs/error-codes/card-declined\",\n" \
	"    \"message\": \"Your card was declined.\",\n" \
	"    \"request_log_url\": \"https://dashboard.stripe.com/test/logs/" \
	"req_xyz?t=1\",\n" \
	"    \"type\": \"card_error\"\n" \
	"  }\n" \
	"}\n"

START_TEST(checkout_sends_stripe_form_and_reads_session)
{
	struct stripe_checkout_req	 q;
	struct stripe_checkout		 out;

	answer(200, NULL, SESSION_JSON);
	checkout_req(&q);
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err), ERR_OK);
	ck_assert_uint_eq(nreq(), 1);
	ck_assert_str_eq(line(0), "POST /v1/checkout/sessions HTTP/1.1");
	ck_assert_str_eq(body(0),
	    "mode=payment"
	    "&line_items[0][price_data][currency]=eur"
	    "&line_items[0][price_data][unit_amount]=1299"
	    "&line_items[0][price_data][product_data][name]="
	    "Guide%20to%20Caf%C3%A9s"
	    "&line_items[0][price_data][product_data][metadata][product_id]="
	    PROD1
	    "&line_items[0][quantity]=1"
	    "&line_items[1][price_data][currency]=eur"
	    "&line_items[1][price_data][unit_amount]=500"
	    "&line_items[1][price_data][product_data][name]="
	    "Beans%20%26%20Brews%20%5B2nd%20ed.%5D"
	    "&line_items[1][price_data][product_data][metadata][product_id]="
	    PROD2
	    "&line_items[1][quantity]=2"
	    "&customer_email=ana%2Btest%40example.com"
	    "&client_reference_id=" ORDER
	    "&metadata[order_id]=" ORDER
	    "&metadata[store_id]=" STORE
	    "&payment_intent_data[metadata][order_id]=" ORDER
	    "&payment_intent_data[metadata][store_id]=" STORE
	    "&success_url=https%3A%2F%2Fshop.example%2Fthanks%3Fsession%3D"
	    "%7BCHECKOUT_SESSION_ID%7D"
	    "&cancel_url=https%3A%2F%2Fshop.example%2Fcart"
	    "&expires_at=1700003600");
	ck_assert_str_eq(header(0, "Content-Length"),
	    arena_printf(a, "%zu", strlen(body(0))));
	ck_assert_str_eq(header(0, "Authorization"), "Bearer " SECRET);
	ck_assert_str_eq(header(0, "Idempotency-Key"), IKEY);
	ck_assert_str_eq(header(0, "Stripe-Version"), "2024-06-20");
	ck_assert_str_eq(header(0, "Content-Type"),
	    "application/x-www-form-urlencoded");
	ck_assert_str_eq(header(0, "User-Agent"),
	    "ColmenaCommerce/" PACKAGE_VERSION);
	ck_assert_ptr_null(header(0, "Stripe-Account"));
	ck_assert_ptr_null(header(0, "Expect"));

	ck_assert_str_eq(out.id, "cs_test_a1b2C3d4E5f6G7h8I9j0");
	ck_assert_str_eq(out.url, "https://checkout.stripe.com/c/pay/"
	    "cs_test_a1b2C3d4E5f6G7h8I9j0#fidkdWxOYHwnPyd1blpxYHZxWjA0");
	ck_assert_int_eq(out.expires_at, 1700003600);
	ck_assert_ptr_null(out.payment_intent);
	ck_assert_int_eq(err.status, 0);
	ck_assert_str_eq(err.message, "");
}
END_TEST

START_TEST(checkout_on_connected_account_sends_header_and_fee)
{
	struct stripe_checkout_req	 q;
	struct stripe_checkout		 out;
	struct stripe_line		 one = { "Zine", NULL, 700, 3 };

	answer(200, NULL, "{\"id\": \"cs_live_9\", \"object\": "
	    "\"checkout.session\", \"url\": \"https://checkout.stripe.com/c/"
	    "pay/cs_live_9\", \"expires_at\": 1700009999, "
	    "\"payment_intent\": \"pi_3Q1\"}");
	memset(&q, 0, sizeof(q));
	q.idempotency_key = "k2";
	q.account = "acct_1Nv0FGQ9RKHgCVdK";
	q.currency = "usd";
	q.lines = &one;
	q.nlines = 1;
	q.order_id = ORDER;
	q.store_id = STORE;
	q.success_url = "https://s.example/ok";
	q.promotion_codes = true;
	q.automatic_tax = true;
	q.application_fee = 150;
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err), ERR_OK);
	ck_assert_str_eq(body(0),
	    "mode=payment"
	    "&line_items[0][price_data][currency]=usd"
	    "&line_items[0][price_data][unit_amount]=700"
	    "&line_items[0][price_data][product_data][name]=Zine"
	    "&line_items[0][quantity]=3"
	    "&client_reference_id=" ORDER
	    "&metadata[order_id]=" ORDER
	    "&metadata[store_id]=" STORE
	    "&payment_intent_data[metadata][order_id]=" ORDER
	    "&payment_intent_data[metadata][store_id]=" STORE
	    "&success_url=https%3A%2F%2Fs.example%2Fok"
	    "&allow_promotion_codes=true"
	    "&automatic_tax[enabled]=true"
	    "&payment_intent_data[application_fee_amount]=150");
	ck_assert_str_eq(header(0, "Stripe-Account"), "acct_1Nv0FGQ9RKHgCVdK");
	ck_assert_str_eq(header(0, "Idempotency-Key"), "k2");
	ck_assert_str_eq(out.payment_intent, "pi_3Q1");
	ck_assert_int_eq(out.expires_at, 1700009999);
}
END_TEST

START_TEST(checkout_refuses_bad_input_without_sending)
{
	struct stripe_checkout_req	 q;
	struct stripe_checkout		 out;

	checkout_req(&q);
	q.currency = "EURO";
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err),
	    ERR_VALIDATION);
	ck_assert_str_eq(err.param, "currency");
	checkout_req(&q);
	q.currency = "€";
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err),
	    ERR_VALIDATION);
	checkout_req(&q);
	q.nlines = 0;
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err),
	    ERR_VALIDATION);
	ck_assert_str_eq(err.param, "line_items");
	checkout_req(&q);
	q.nlines = STRIPE_LINES_MAX + 1;
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err),
	    ERR_VALIDATION);
	/* A name that is not UTF-8 cannot be encoded. */
	checkout_req(&q);
	q.customer_email = "caf\xe9@example.com";
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err),
	    ERR_VALIDATION);
	/* Nor can a connected account id that is not one. */
	checkout_req(&q);
	q.account = "acct_1\r\nX-Evil: 1";
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err),
	    ERR_VALIDATION);
	ck_assert_str_eq(err.param, "Stripe-Account");
	ck_assert_uint_eq(nreq(), 0);
	ck_assert_ptr_null(out.id);
}
END_TEST

START_TEST(pi_sends_stripe_form_and_reads_intent)
{
	struct stripe_pi_req	 q;
	struct stripe_pi	 out;

	answer(200, NULL, "{\n"
	    "  \"id\": \"pi_3MtwBwLkdIwHu7ix28a3tqPa\",\n"
	    "  \"object\": \"payment_intent\",\n"
	    "  \"amount\": 2000,\n"
	    "  \"automatic_payment_methods\": {\"enabled\": true},\n"
	    "  \"client_secret\": \"pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_"
	    "YrKJUKribcBjcG8HVhfZluoGH\",\n"
	    "  \"currency\": \"usd\",\n"
	    "  \"status\": \"requires_payment_method\"\n"
	    "}\n");
	memset(&q, 0, sizeof(q));
	q.idempotency_key = "pi-" ORDER;
	q.account = "acct_1Nv0FGQ9RKHgCVdK";
	q.currency = "USD";
	q.amount = 2000;
	q.customer_email = "ana@example.com";
	q.order_id = ORDER;
	q.store_id = STORE;
	q.description = "Order 1042 — 2 items";
	q.application_fee = 60;
	ck_assert_int_eq(stripe_pi_create(a, &q, &out, &err), ERR_OK);
	ck_assert_str_eq(line(0), "POST /v1/payment_intents HTTP/1.1");
	ck_assert_str_eq(body(0),
	    "amount=2000"
	    "&currency=usd"
	    "&automatic_payment_methods[enabled]=true"
	    "&receipt_email=ana%40example.com"
	    "&description=Order%201042%20%E2%80%94%202%20items"
	    "&metadata[order_id]=" ORDER
	    "&metadata[store_id]=" STORE
	    "&application_fee_amount=60");
	ck_assert_str_eq(header(0, "Idempotency-Key"), "pi-" ORDER);
	ck_assert_str_eq(header(0, "Stripe-Account"), "acct_1Nv0FGQ9RKHgCVdK");
	ck_assert_str_eq(out.id, "pi_3MtwBwLkdIwHu7ix28a3tqPa");
	ck_assert_str_eq(out.client_secret, "pi_3MtwBwLkdIwHu7ix28a3tqPa_"
	    "secret_YrKJUKribcBjcG8HVhfZluoGH");
	ck_assert_str_eq(out.status, "requires_payment_method");
}
END_TEST

START_TEST(refund_sends_stripe_form_and_reads_refund)
{
	struct stripe_refund_req	 q;
	struct stripe_refund		 out;

	answer(200, NULL, "{\n"
	    "  \"id\": \"re_1Nispe2eZvKYlo2Cd31jOCgZ\",\n"
	    "  \"object\": \"refund\",\n"
	    "  \"amount\": 1099,\n"
	    "  \"charge\": \"ch_1NirD82eZvKYlo2CIvbtLWuY\",\n"
	    "  \"created\": 1692942318,\n"
	    "  \"currency\": \"usd\",\n"
	    "  \"metadata\": {},\n"
	    "  \"payment_intent\": \"pi_1GszsK2eZvKYlo2CfhZyoZLp\",\n"
	    "  \"reason\": null,\n"
	    "  \"status\": \"succeeded\"\n"
	    "}\n");
	answer(200, NULL, "{\"id\": \"re_2\", \"object\": \"refund\", "
	    "\"amount\": 250, \"status\": \"pending\"}");
	memset(&q, 0, sizeof(q));
	q.idempotency_key = "refund-1";
	q.payment_intent = "pi_1GszsK2eZvKYlo2CfhZyoZLp";
	q.order_id = ORDER;
	q.refund_id = STORE;
	ck_assert_int_eq(stripe_refund_create(a, &q, &out, &err), ERR_OK);
	ck_assert_str_eq(line(0), "POST /v1/refunds HTTP/1.1");
	/* Amount 0: the whole rest, so no amount at all. */
	ck_assert_str_eq(body(0),
	    "payment_intent=pi_1GszsK2eZvKYlo2CfhZyoZLp"
	    "&metadata[order_id]=" ORDER
	    "&metadata[refund_id]=" STORE);
	ck_assert_str_eq(out.id, "re_1Nispe2eZvKYlo2Cd31jOCgZ");
	ck_assert_str_eq(out.status, "succeeded");
	ck_assert_int_eq(out.amount, 1099);

	q.idempotency_key = "refund-2";
	q.amount = 250;
	q.reason = "requested_by_customer";
	q.account = "acct_1Nv0FGQ9RKHgCVdK";
	ck_assert_int_eq(stripe_refund_create(a, &q, &out, &err), ERR_OK);
	ck_assert_str_eq(body(1),
	    "payment_intent=pi_1GszsK2eZvKYlo2CfhZyoZLp"
	    "&amount=250"
	    "&reason=requested_by_customer"
	    "&metadata[order_id]=" ORDER
	    "&metadata[refund_id]=" STORE);
	ck_assert_str_eq(header(1, "Idempotency-Key"), "refund-2");
	ck_assert_str_eq(header(1, "Stripe-Account"), "acct_1Nv0FGQ9RKHgCVdK");
	ck_assert_str_eq(out.status, "pending");
	ck_assert_int_eq(out.amount, 250);
}
END_TEST

#define ACCOUNT_JSON(details) \
	"{\n" \
	"  \"id\": \"acct_1Nv0FGQ9RKHgCVdK\",\n" \
	"  \"object\": \"account\",\n" \
	"  \"capabilities\": {\"card_payments\": \"inactive\", " \
	"\"transfers\": \"inactive\"},\n" \
	"  \"charges_enabled\": false,\n" \
	"  \"country\": \"US\",\n" \
	"  \"details_submitted\": " details ",\n" \
	"  \"email\": \"owner@store.example\",\n" \
	"  \"metadata\": {\"store_id\": \"" STORE "\"},\n" \
	"  \"type\": \"express\"\n" \
	"}\n"

START_TEST(account_create_sends_express_form)
{
	struct stripe_account	 out;

	answer(200, NULL, ACCOUNT_JSON("false"));
	ck_assert_int_eq(stripe_account_create(a, "acct-" STORE,
	    "owner@store.example", STORE, &out, &err), ERR_OK);
	ck_assert_str_eq(line(0), "POST /v1/accounts HTTP/1.1");
	ck_assert_str_eq(body(0),
	    "type=express"
	    "&email=owner%40store.example"
	    "&metadata[store_id]=" STORE
	    "&capabilities[card_payments][requested]=true"
	    "&capabilities[transfers][requested]=true");
	ck_assert_str_eq(header(0, "Idempotency-Key"), "acct-" STORE);
	ck_assert_ptr_null(header(0, "Stripe-Account"));
	ck_assert_str_eq(out.id, "acct_1Nv0FGQ9RKHgCVdK");
	ck_assert(!out.charges_enabled);
	ck_assert(!out.details_submitted);
}
END_TEST

START_TEST(account_get_is_a_plain_get)
{
	struct stripe_account	 out;

	answer(200, NULL, ACCOUNT_JSON("true"));
	ck_assert_int_eq(stripe_account_get(a, "acct_1Nv0FGQ9RKHgCVdK", &out,
	    &err), ERR_OK);
	ck_assert_str_eq(line(0), "GET /v1/accounts/acct_1Nv0FGQ9RKHgCVdK "
	    "HTTP/1.1");
	ck_assert_uint_eq(srv.req[0].bodylen, 0);
	ck_assert_ptr_null(header(0, "Idempotency-Key"));
	ck_assert_ptr_null(header(0, "Stripe-Account"));
	ck_assert_str_eq(header(0, "Authorization"), "Bearer " SECRET);
	ck_assert_str_eq(out.id, "acct_1Nv0FGQ9RKHgCVdK");
	ck_assert(out.details_submitted);
}
END_TEST

START_TEST(account_get_refuses_ids_that_are_not_accounts)
{
	static const char *const bad[] = {
		"", "acct_", "acct_1/../../v1/charges", "acct_1?expand=x",
		"acct_1 2", "cus_1Nv0FGQ9RKHgCVdK", "acct_1_2", "ACCT_1",
	};
	struct stripe_account	 out;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(stripe_account_get(a, bad[i], &out, &err),
		    ERR_VALIDATION);
		ck_assert_str_eq(err.param, "account");
	}
	ck_assert_int_eq(stripe_account_get(a, NULL, &out, &err),
	    ERR_VALIDATION);
	ck_assert_uint_eq(nreq(), 0);
}
END_TEST

START_TEST(link_sends_onboarding_form)
{
	struct stripe_link	 out;

	answer(200, NULL, "{\n"
	    "  \"object\": \"account_link\",\n"
	    "  \"created\": 1680577733,\n"
	    "  \"expires_at\": 1680578033,\n"
	    "  \"url\": \"https://connect.stripe.com/setup/c/"
	    "acct_1Nv0FGQ9RKHgCVdK/TqckGNUHg2mG\"\n"
	    "}\n");
	ck_assert_int_eq(stripe_link_create(a, "link-1",
	    "acct_1Nv0FGQ9RKHgCVdK", "https://admin.example/stripe/refresh",
	    "https://admin.example/stripe/return?store=1", &out, &err), ERR_OK);
	ck_assert_str_eq(line(0), "POST /v1/account_links HTTP/1.1");
	ck_assert_str_eq(body(0),
	    "account=acct_1Nv0FGQ9RKHgCVdK"
	    "&refresh_url=https%3A%2F%2Fadmin.example%2Fstripe%2Frefresh"
	    "&return_url=https%3A%2F%2Fadmin.example%2Fstripe%2Freturn"
	    "%3Fstore%3D1"
	    "&type=account_onboarding");
	ck_assert_str_eq(header(0, "Idempotency-Key"), "link-1");
	ck_assert_ptr_null(header(0, "Stripe-Account"));
	ck_assert_str_eq(out.url, "https://connect.stripe.com/setup/c/"
	    "acct_1Nv0FGQ9RKHgCVdK/TqckGNUHg2mG");
	ck_assert_int_eq(out.expires_at, 1680578033);
}
END_TEST

START_TEST(keep_alive_reuses_one_connection)
{
	struct stripe_account	 out;

	answer(200, NULL, ACCOUNT_JSON("true"));
	answer(200, NULL, ACCOUNT_JSON("true"));
	answer(200, NULL, ACCOUNT_JSON("true"));
	ck_assert_int_eq(stripe_account_get(a, "acct_1Nv0FGQ9RKHgCVdK", &out,
	    &err), ERR_OK);
	ck_assert_int_eq(stripe_account_create(a, "k", NULL, STORE, &out,
	    &err), ERR_OK);
	ck_assert_int_eq(stripe_account_get(a, "acct_1Nv0FGQ9RKHgCVdK", &out,
	    &err), ERR_OK);
	ck_assert_uint_eq(nreq(), 3);
	ck_assert_uint_eq(srv.nconn, 1);
	/* No email: no email key. */
	ck_assert_str_eq(body(1), "type=express&metadata[store_id]=" STORE
	    "&capabilities[card_payments][requested]=true"
	    "&capabilities[transfers][requested]=true");
}
END_TEST

START_TEST(card_error_message_is_shown)
{
	struct stripe_checkout_req	 q;
	struct stripe_checkout		 out;

	answer(402, NULL, CARD_DECLINED);
	checkout_req(&q);
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err),
	    ERR_BAD_GATEWAY);
	ck_assert_uint_eq(nreq(), 1);
	ck_assert_int_eq(err.status, 402);
	ck_assert(!err.timeout);
	ck_assert_str_eq(err.type, "card_error");
	ck_assert_str_eq(err.code, "card_declined");
	ck_assert_str_eq(err.param, "");
	ck_assert_str_eq(err.message, "Your card was declined.");
	ck_assert_ptr_null(out.id);
}
END_TEST

START_TEST(invalid_request_message_made_one_safe_line)
{
	struct stripe_refund_req	 q;
	struct stripe_refund		 out;
	char				 msg[1024];
	size_t				 i;

	answer(400, NULL, "{\"error\": {\"code\": \"parameter_invalid_integer\","
	    " \"doc_url\": \"https://stripe.com/docs/error-codes/"
	    "parameter-invalid-integer\", \"message\": \"Invalid integer:"
	    "\\n\\t 12.5\\r\\u0007\\u0085 \\u2028(amount)  \", "
	    "\"param\": \"amount\", \"type\": \"invalid_request_error\"}}");
	/* Long messages are cut at a character, never inside one. */
	i = (size_t)snprintf(msg, sizeof(msg), "{\"error\": {\"type\": "
	    "\"idempotency_error\", \"message\": \"");
	while (i < 600) {
		memcpy(msg + i, "é", 2);
		i += 2;
	}
	snprintf(msg + i, sizeof(msg) - i, "\"}}");
	answer(409, NULL, msg);
	memset(&q, 0, sizeof(q));
	q.idempotency_key = "r";
	q.payment_intent = "pi_1";
	q.amount = 12;
	ck_assert_int_eq(stripe_refund_create(a, &q, &out, &err),
	    ERR_BAD_GATEWAY);
	ck_assert_int_eq(err.status, 400);
	ck_assert_str_eq(err.type, "invalid_request_error");
	ck_assert_str_eq(err.code, "parameter_invalid_integer");
	ck_assert_str_eq(err.param, "amount");
	ck_assert_str_eq(err.message, "Invalid integer: 12.5 (amount)");

	ck_assert_int_eq(stripe_refund_create(a, &q, &out, &err),
	    ERR_BAD_GATEWAY);
	ck_assert_int_eq(err.status, 409);
	ck_assert_str_eq(err.type, "idempotency_error");
	ck_assert_uint_eq(strlen(err.message), STRIPE_MSG_MAX - 2);
	ck_assert(strncmp(err.message, "éé", 4) == 0);
}
END_TEST

START_TEST(auth_and_permission_messages_are_replaced)
{
	struct stripe_account	 out;

	answer(401, NULL, "{\"error\": {\"message\": \"Invalid API Key "
	    "provided: sk_test_****************************6789\", "
	    "\"type\": \"invalid_request_error\"}}");
	answer(403, NULL, "{\"error\": {\"code\": \"account_invalid\", "
	    "\"message\": \"The provided key 'sk_test_*********6789' does not "
	    "have access to account 'acct_1Nv0FGQ9RKHgCVdK' (or that account "
	    "does not exist).\", \"type\": \"invalid_request_error\"}}");
	ck_assert_int_eq(stripe_account_get(a, "acct_1Nv0FGQ9RKHgCVdK", &out,
	    &err), ERR_BAD_GATEWAY);
	ck_assert_int_eq(err.status, 401);
	ck_assert_str_eq(err.type, "invalid_request_error");
	ck_assert_str_eq(err.message,
	    "The payment provider refused our credentials.");
	ck_assert_int_eq(stripe_account_get(a, "acct_1Nv0FGQ9RKHgCVdK", &out,
	    &err), ERR_BAD_GATEWAY);
	ck_assert_int_eq(err.status, 403);
	ck_assert_str_eq(err.code, "account_invalid");
	ck_assert_str_eq(err.message,
	    "The payment provider refused access to the store's account.");
	ck_assert_uint_eq(nreq(), 2);
}
END_TEST

START_TEST(other_error_types_get_a_generic_message)
{
	struct stripe_account	 out;

	answer(400, NULL, "{\"error\": {\"type\": \"api_error\", "
	    "\"message\": \"Internal detail acct_1Nv0FGQ9RKHgCVdK\"}}");
	answer(429, NULL, "{\"error\": {\"type\": \"rate_limit_error\", "
	    "\"code\": \"rate_limit\", \"message\": \"Too many requests\"}}");
	answer(404, NULL, "<html>Not Found</html>");
	answer(400, NULL, "{\"error\": {\"type\": \"card error\", "
	    "\"code\": 12, \"message\": \"m\"}}");
	ck_assert_int_eq(stripe_account_get(a, "acct_1", &out, &err),
	    ERR_BAD_GATEWAY);
	ck_assert_str_eq(err.type, "api_error");
	ck_assert_str_eq(err.message,
	    "The payment provider refused the request.");
	ck_assert_int_eq(stripe_account_get(a, "acct_1", &out, &err),
	    ERR_BAD_GATEWAY);
	ck_assert_int_eq(err.status, 429);
	ck_assert_str_eq(err.code, "rate_limit");
	ck_assert_str_eq(err.message,
	    "The payment provider refused the request.");
	ck_assert_int_eq(stripe_account_get(a, "acct_1", &out, &err),
	    ERR_BAD_GATEWAY);
	ck_assert_int_eq(err.status, 404);
	ck_assert_str_eq(err.type, "");
	ck_assert_str_eq(err.message,
	    "The payment provider refused the request.");
	/* Garbled fields are not copied. */
	ck_assert_int_eq(stripe_account_get(a, "acct_1", &out, &err),
	    ERR_BAD_GATEWAY);
	ck_assert_str_eq(err.type, "");
	ck_assert_str_eq(err.code, "");
	ck_assert_str_eq(err.message,
	    "The payment provider refused the request.");
	ck_assert_uint_eq(nreq(), 4);
}
END_TEST

START_TEST(server_error_is_unavailable_after_one_retry)
{
	struct stripe_checkout_req	 q;
	struct stripe_checkout		 out;

	answer(500, NULL, "{\"error\": {\"type\": \"api_error\", "
	    "\"message\": \"Something went wrong on Stripe's end.\"}}");
	answer(500, NULL, "{\"error\": {\"type\": \"api_error\", "
	    "\"message\": \"Something went wrong on Stripe's end.\"}}");
	checkout_req(&q);
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err),
	    ERR_UNAVAILABLE);
	ck_assert_uint_eq(nreq(), 2);
	ck_assert_str_eq(header(1, "Idempotency-Key"), IKEY);
	ck_assert_str_eq(body(1), body(0));
	ck_assert_int_eq(err.status, 500);
	ck_assert(!err.timeout);
	ck_assert_str_eq(err.type, "api_error");
	ck_assert_str_eq(err.message,
	    "The payment provider is having trouble; try again shortly.");
}
END_TEST

START_TEST(server_error_then_success_is_ok)
{
	struct stripe_checkout_req	 q;
	struct stripe_checkout		 out;

	answer(503, NULL, "Service Unavailable");
	answer(200, NULL, SESSION_JSON);
	checkout_req(&q);
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err), ERR_OK);
	ck_assert_uint_eq(nreq(), 2);
	ck_assert_str_eq(header(0, "Idempotency-Key"), IKEY);
	ck_assert_str_eq(header(1, "Idempotency-Key"), IKEY);
	ck_assert_str_eq(out.id, "cs_test_a1b2C3d4E5f6G7h8I9j0");
}
END_TEST

START_TEST(no_retry_when_stripe_says_not_to_or_for_other_5xx)
{
	struct stripe_account	 out;

	answer(500, "Stripe-Should-Retry: false\r\n", "{}");
	answer(504, NULL, "{}");
	ck_assert_int_eq(stripe_account_get(a, "acct_1", &out, &err),
	    ERR_UNAVAILABLE);
	ck_assert_uint_eq(nreq(), 1);
	ck_assert_int_eq(stripe_account_get(a, "acct_1", &out, &err),
	    ERR_UNAVAILABLE);
	ck_assert_uint_eq(nreq(), 2);
	ck_assert_int_eq(err.status, 504);
}
END_TEST

START_TEST(dropped_connection_retried_with_same_key)
{
	struct stripe_checkout_req	 q;
	struct stripe_checkout		 out;

	act(SRV_DROP);
	answer(200, NULL, SESSION_JSON);
	checkout_req(&q);
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err), ERR_OK);
	ck_assert_uint_eq(nreq(), 2);
	ck_assert_str_eq(header(0, "Idempotency-Key"), IKEY);
	ck_assert_str_eq(header(1, "Idempotency-Key"), IKEY);
	ck_assert_str_eq(body(1), body(0));
	ck_assert_str_eq(out.id, "cs_test_a1b2C3d4E5f6G7h8I9j0");
}
END_TEST

START_TEST(dropped_twice_is_unavailable)
{
	struct stripe_pi_req	 q;
	struct stripe_pi	 out;

	act(SRV_DROP);
	act(SRV_DROP);
	memset(&q, 0, sizeof(q));
	q.idempotency_key = "pi-1";
	q.currency = "usd";
	q.amount = 100;
	ck_assert_int_eq(stripe_pi_create(a, &q, &out, &err), ERR_UNAVAILABLE);
	ck_assert_uint_eq(nreq(), 2);
	ck_assert_int_eq(err.status, 0);
	ck_assert(!err.timeout);
	ck_assert_str_eq(err.message,
	    "The payment provider could not be reached.");
}
END_TEST

START_TEST(connection_refused_is_unavailable_status_0)
{
	struct stripe_account	 out;
	char			 base[64];
	int			 fd, port;

	/* A port that is bound but not listening refuses connections. */
	fd = srv_listen(&port, false);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	configure(base);
	ck_assert_int_eq(stripe_account_get(a, "acct_1", &out, &err),
	    ERR_UNAVAILABLE);
	close(fd);
	ck_assert_int_eq(err.status, 0);
	ck_assert(!err.timeout);
	ck_assert_str_eq(err.message,
	    "The payment provider could not be reached.");
	ck_assert_str_eq(err.type, "");
	ck_assert_ptr_null(out.id);
}
END_TEST

START_TEST(timeout_sets_flag_and_is_not_retried)
{
	struct stripe_refund_req	 q;
	struct stripe_refund		 out;

	setenv("COLMENA_STRIPE_TIMEOUT", "1", 1);
	configure(arena_printf(a, "http://127.0.0.1:%d", srv.port));
	act(SRV_HANG);
	answer(200, NULL, "{\"id\": \"re_1\", \"status\": \"succeeded\", "
	    "\"amount\": 1}");
	memset(&q, 0, sizeof(q));
	q.idempotency_key = "r-1";
	q.payment_intent = "pi_1";
	ck_assert_int_eq(stripe_refund_create(a, &q, &out, &err),
	    ERR_UNAVAILABLE);
	ck_assert(err.timeout);
	ck_assert_int_eq(err.status, 0);
	ck_assert_str_eq(err.message,
	    "The payment provider did not answer in time.");
	ck_assert_uint_eq(nreq(), 1);
}
END_TEST

START_TEST(unreadable_2xx_is_bad_gateway)
{
	struct stripe_checkout_req	 q;
	struct stripe_checkout		 out;
	struct stripe_pi_req		 pq;
	struct stripe_pi		 pout;
	struct stripe_link		 lout;
	struct stripe_account		 aout;

	answer(200, NULL, "<html>Welcome to nginx!</html>");
	answer(200, NULL, "{\"id\": \"cs_test_1\", \"expires_at\": 1}");
	answer(200, NULL, "{\"id\": \"cs_test_1\", \"url\": "
	    "\"javascript:alert(1)\", \"expires_at\": 1}");
	answer(200, NULL, "{\"id\": \"pi_1\", \"status\": \"succeeded\", "
	    "\"client_secret\": null}");
	answer(200, NULL, "{\"url\": \"https://connect.stripe.com/x\", "
	    "\"expires_at\": \"soon\"}");
	answer(200, NULL, "{\"id\": \"acct_1\", \"charges_enabled\": "
	    "\"true\", \"details_submitted\": false}");
	answer(200, NULL, "[\"cs_test_1\"]");
	answer(201, NULL, "{\"id\": \"cs_test_1\", \"url\": "
	    "\"https://c.example/x\", \"expires_at\": 1} {");
	checkout_req(&q);
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err),
	    ERR_BAD_GATEWAY);
	ck_assert_int_eq(err.status, 200);
	ck_assert_str_eq(err.message,
	    "The payment provider sent an answer we could not read.");
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err),
	    ERR_BAD_GATEWAY);
	ck_assert_ptr_null(out.id);
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err),
	    ERR_BAD_GATEWAY);
	memset(&pq, 0, sizeof(pq));
	pq.idempotency_key = "p";
	pq.currency = "usd";
	pq.amount = 1;
	ck_assert_int_eq(stripe_pi_create(a, &pq, &pout, &err),
	    ERR_BAD_GATEWAY);
	ck_assert_ptr_null(pout.id);
	ck_assert_int_eq(stripe_link_create(a, "l", "acct_1", "https://r",
	    "https://r", &lout, &err), ERR_BAD_GATEWAY);
	ck_assert_int_eq(stripe_account_get(a, "acct_1", &aout, &err),
	    ERR_BAD_GATEWAY);
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err),
	    ERR_BAD_GATEWAY);
	ck_assert_int_eq(stripe_checkout_create(a, &q, &out, &err),
	    ERR_BAD_GATEWAY);
	ck_assert_int_eq(err.status, 201);
	ck_assert_uint_eq(nreq(), 8);
}
END_TEST

START_TEST(oversized_answer_is_bad_gateway)
{
	struct stripe_account	 out;
	size_t			 n = 300 * 1024;

	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	answer(200, NULL, big);
	ck_assert_int_eq(stripe_account_get(a, "acct_1", &out, &err),
	    ERR_BAD_GATEWAY);
	ck_assert_int_eq(err.status, 200);
	ck_assert_uint_eq(nreq(), 1);
}
END_TEST

START_TEST(redirect_is_not_followed)
{
	struct stripe_account	 out;

	answer(302, "Location: http://127.0.0.1:1/v1/elsewhere\r\n", "");
	ck_assert_int_eq(stripe_account_get(a, "acct_1", &out, &err),
	    ERR_BAD_GATEWAY);
	ck_assert_int_eq(err.status, 302);
	ck_assert_uint_eq(nreq(), 1);
}
END_TEST

START_TEST(unconfigured_sends_nothing)
{
	struct stripe_account	 out;

	ck_assert(stripe_configured());
	setenv("COLMENA_STRIPE_SECRET_KEY", "", 1);
	configure(arena_printf(a, "http://127.0.0.1:%d", srv.port));
	ck_assert(!stripe_configured());
	ck_assert_int_eq(stripe_account_get(a, "acct_1", &out, &err),
	    ERR_UNAVAILABLE);
	ck_assert_int_eq(err.status, 0);
	/* A key that cannot go in a header is no key either. */
	setenv("COLMENA_STRIPE_SECRET_KEY", "sk_test_1\r\nX-Evil: 1", 1);
	configure(arena_printf(a, "http://127.0.0.1:%d", srv.port));
	ck_assert_int_eq(stripe_account_get(a, "acct_1", &out, &err),
	    ERR_UNAVAILABLE);
	ck_assert_uint_eq(nreq(), 0);
}
END_TEST

START_TEST(no_stripe_version_header_when_unset)
{
	struct stripe_account	 out;

	setenv("COLMENA_STRIPE_API_VERSION", "", 1);
	configure(arena_printf(a, "http://127.0.0.1:%d///", srv.port));
	answer(200, NULL, ACCOUNT_JSON("true"));
	ck_assert_int_eq(stripe_account_get(a, "acct_1Nv0FGQ9RKHgCVdK", &out,
	    &err), ERR_OK);
	ck_assert_ptr_null(header(0, "Stripe-Version"));
	ck_assert_str_eq(line(0), "GET /v1/accounts/acct_1Nv0FGQ9RKHgCVdK "
	    "HTTP/1.1");
}
END_TEST

START_TEST(failure_log_names_request_id_never_the_secret)
{
	struct stripe_account	 out;
	char			 path[] = "/tmp/check_stripe.XXXXXX";
	char			 logbuf[8192];
	ssize_t			 n;
	int			 fd, saved;

	answer(401, NULL, "{\"error\": {\"message\": \"Invalid API Key "
	    "provided: " SECRET "\", \"type\": \"invalid_request_error\"}}");
	ck_assert_int_ne(fd = mkstemp(path), -1);
	unlink(path);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	ck_assert_int_eq(stripe_account_get(a, "acct_1", &out, &err),
	    ERR_BAD_GATEWAY);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, logbuf, sizeof(logbuf) - 1, 0);
	close(fd);
	ck_assert_int_gt(n, 0);
	logbuf[n] = '\0';
	ck_assert_msg(strstr(logbuf, "stripe_account_get") != NULL, "%s",
	    logbuf);
	ck_assert_msg(strstr(logbuf, "HTTP 401") != NULL, "%s", logbuf);
	ck_assert_msg(strstr(logbuf, "type=invalid_request_error") != NULL,
	    "%s", logbuf);
	ck_assert_msg(strstr(logbuf, "request_id=req_Canned0") != NULL, "%s",
	    logbuf);
	ck_assert_msg(strstr(logbuf, "sk_test") == NULL, "%s", logbuf);
	ck_assert_msg(strstr(err.message, "sk_test") == NULL, "%s",
	    err.message);
}
END_TEST

START_TEST(post_without_idempotency_key_is_fatal)
{
	struct stripe_account	 out;

	stripe_account_create(a, NULL, NULL, STORE, &out, &err);
}
END_TEST

START_TEST(post_with_unsendable_idempotency_key_is_fatal)
{
	struct stripe_link	 out;

	stripe_link_create(a, "key\r\nX-Evil: 1", "acct_1", "https://r",
	    "https://r", &out, &err);
}
END_TEST

START_TEST(error_may_be_null)
{
	struct stripe_account	 out;

	answer(402, NULL, CARD_DECLINED);
	ck_assert_int_eq(stripe_account_get(a, "acct_1", &out, NULL),
	    ERR_BAD_GATEWAY);
	ck_assert_int_eq(stripe_account_get(a, "nope", &out, NULL),
	    ERR_VALIDATION);
}
END_TEST

static Suite *
stripe_suite(void)
{
	Suite	*s = suite_create("stripe");
	TCase	*tc = tcase_create("client");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, checkout_sends_stripe_form_and_reads_session);
	tcase_add_test(tc, checkout_on_connected_account_sends_header_and_fee);
	tcase_add_test(tc, checkout_refuses_bad_input_without_sending);
	tcase_add_test(tc, pi_sends_stripe_form_and_reads_intent);
	tcase_add_test(tc, refund_sends_stripe_form_and_reads_refund);
	tcase_add_test(tc, account_create_sends_express_form);
	tcase_add_test(tc, account_get_is_a_plain_get);
	tcase_add_test(tc, account_get_refuses_ids_that_are_not_accounts);
	tcase_add_test(tc, link_sends_onboarding_form);
	tcase_add_test(tc, keep_alive_reuses_one_connection);
	tcase_add_test(tc, card_error_message_is_shown);
	tcase_add_test(tc, invalid_request_message_made_one_safe_line);
	tcase_add_test(tc, auth_and_permission_messages_are_replaced);
	tcase_add_test(tc, other_error_types_get_a_generic_message);
	tcase_add_test(tc, server_error_is_unavailable_after_one_retry);
	tcase_add_test(tc, server_error_then_success_is_ok);
	tcase_add_test(tc, no_retry_when_stripe_says_not_to_or_for_other_5xx);
	tcase_add_test(tc, dropped_connection_retried_with_same_key);
	tcase_add_test(tc, dropped_twice_is_unavailable);
	tcase_add_test(tc, connection_refused_is_unavailable_status_0);
	tcase_add_test(tc, timeout_sets_flag_and_is_not_retried);
	tcase_add_test(tc, unreadable_2xx_is_bad_gateway);
	tcase_add_test(tc, oversized_answer_is_bad_gateway);
	tcase_add_test(tc, redirect_is_not_followed);
	tcase_add_test(tc, unconfigured_sends_nothing);
	tcase_add_test(tc, no_stripe_version_header_when_unset);
	tcase_add_test(tc, failure_log_names_request_id_never_the_secret);
	tcase_add_exit_test(tc, post_without_idempotency_key_is_fatal, 1);
	tcase_add_exit_test(tc, post_with_unsendable_idempotency_key_is_fatal,
	    1);
	tcase_add_test(tc, error_may_be_null);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(stripe_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
