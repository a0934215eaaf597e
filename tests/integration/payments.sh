#!/usr/bin/env bash
# payments.sh: checkout, Stripe webhooks, the order lifecycle, the buyer's
# order API and page, receipts by mail, the staff's orders API, Stripe
# Connect and unsubscribe links, through the real lighttpd, PostgreSQL and
# the Stripe stand-in (tests/stripe/standin.mjs): the checkout's exact
# parameters at Stripe, bad input (field named, no order made), Stripe
# failing (402, 401, 500, hang, close: 502/503, nothing half-done),
# PaymentIntents, webhook signatures (npm stripe's generateTestHeaderString
# and a hand-rolled HMAC: altered body, old and future timestamps, wrong
# secret, missing header, v0 only, several v1, the previous and Connect
# secrets), exactly-once delivery (repeated and 8 concurrent), paid, async,
# failed, expired, refunded, partly refunded, disputed (won and lost),
# out-of-order events, an illegal event (409, not recorded), Connect
# routing by event.account, the receipt through a real SMTP server (npm
# smtp-server via tests/node/mail.mjs) down to the downloaded bytes,
# refunds, resent receipts, new links and notes with their audit rows, and
# every answer an envelope or a page (no 500, no crash in the error log).
# The checks are in tests/node/payments.mjs; this wrapper installs its npm
# packages and runs it with the harness's environment (COLMENA_TEST_URL,
# COLMENA_TEST_DB_OWNER_URL, COLMENA_TEST_BUILDDIR, COLMENA_CONFIG,
# COLMENA_TEST_STRIPE_*).
set -u
src=${COLMENA_TEST_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

. "$src/tests/lib/harness.sh"

for v in COLMENA_TEST_URL COLMENA_TEST_DB_OWNER_URL COLMENA_TEST_BUILDDIR \
    COLMENA_CONFIG COLMENA_TEST_STRIPE_URL COLMENA_TEST_STRIPE_SECRET_KEY \
    COLMENA_TEST_STRIPE_WEBHOOK_SECRET; do
	if [ -z "${!v:-}" ]; then
		echo "FAIL: $v is not set (run through tests/run)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done
harness_node_modules
export COLMENA_TEST_SRCDIR=$HARNESS_SRCDIR
exec node "$HARNESS_SRCDIR/tests/node/payments.mjs"
