#!/usr/bin/env bash
# admin.sh: the admin JSON API (cgi-bin/admin, /api/v1/admin/...) over real
# HTTP: the role matrix of every route, sign-in and lockout, JWT and API-key
# checks (tokens verified and forged with npm jose), sessions and CSRF, store
# switching, TOTP (codes from otplib) and emailed MFA, password reset,
# catalog, staff, settings and API keys, with the outbox, login_throttle and
# audit_logs rows read as the owner role. The checks are in
# tests/node/admin.mjs; this wrapper installs its npm packages and runs it
# with the harness's environment (COLMENA_TEST_URL, COLMENA_TEST_DB_OWNER_URL,
# COLMENA_TEST_SRCDIR, COLMENA_TEST_BUILDDIR, COLMENA_CONFIG).
set -u
src=${COLMENA_TEST_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

. "$src/tests/lib/harness.sh"

for v in COLMENA_TEST_URL COLMENA_TEST_DB_OWNER_URL COLMENA_TEST_BUILDDIR; do
	if [ -z "${!v:-}" ]; then
		echo "FAIL: $v is not set (run through tests/run)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done
harness_node_modules
export COLMENA_TEST_SRCDIR=$HARNESS_SRCDIR
exec node "$HARNESS_SRCDIR/tests/node/admin.mjs"
