#!/usr/bin/env bash
# standin.sh: the Stripe stand-in's own checks (tests/stripe/selftest.mjs):
# that tests/stripe/standin.mjs speaks Stripe's wire protocol as the other
# suites rely on (form decoding, idempotent replays, Stripe-Account,
# error shapes, failure modes, the pay and onboarding pages, signed
# events). Needs only node; no database or web server.
set -u
src=${COLMENA_TEST_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
exec node "$src/tests/stripe/selftest.mjs"
