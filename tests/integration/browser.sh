#!/usr/bin/env bash
# browser.sh: the buyer's whole path in headless Chromium (Debian's
# chromium at /usr/bin/chromium, driven by npm playwright-core): a checkout
# made over the API, the Stripe stand-in's test checkout page (line items,
# total), Pay, the return to the success URL with the order's id and key,
# the order page saying Paid, a click on its download link and the bytes
# (SHA-256 = product_files.sha256); Cancel back to the cancel URL with the
# order still pending; a wrong key's not-found page. A failed check saves a
# screenshot in the suite's temp dir (kept, its path printed). The checks
# are in tests/node/browser.mjs; this wrapper installs its npm packages
# and runs it with the harness's environment (COLMENA_TEST_URL,
# COLMENA_TEST_DB_OWNER_URL, COLMENA_TEST_BUILDDIR, COLMENA_CONFIG,
# COLMENA_TEST_STRIPE_URL).
set -u
src=${COLMENA_TEST_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

. "$src/tests/lib/harness.sh"

for v in COLMENA_TEST_URL COLMENA_TEST_DB_OWNER_URL COLMENA_TEST_BUILDDIR \
    COLMENA_CONFIG COLMENA_TEST_STRIPE_URL; do
	if [ -z "${!v:-}" ]; then
		echo "FAIL: $v is not set (run through tests/run)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done
if [ ! -x /usr/bin/chromium ]; then
	echo "FAIL: /usr/bin/chromium is missing: install Debian's chromium package (tests/run does)"
	echo "0 passed, 1 failed"
	exit 1
fi
harness_node_modules
export COLMENA_TEST_SRCDIR=$HARNESS_SRCDIR
exec node "$HARNESS_SRCDIR/tests/node/browser.mjs"
