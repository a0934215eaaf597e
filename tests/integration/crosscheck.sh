#!/usr/bin/env bash
# crosscheck.sh: the C JWT and TOTP code against independent implementations
# (npm jose and otplib, pinned in tests/node/package-lock.json): tokens
# signed here verified there and the reverse, other algorithms, alg none,
# expired and tampered tokens refused with the right status, and TOTP codes
# and the otpauth:// URI agreeing for random secrets at fixed times. Drives
# $COLMENA_TEST_BUILDDIR/tests/integration/authcheck from
# tests/node/crosscheck.mjs; needs no database or web server.
set -u
src=${COLMENA_TEST_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
authcheck=${COLMENA_TEST_BUILDDIR:?}/tests/integration/authcheck

. "$src/tests/lib/harness.sh"

if [ ! -x "$authcheck" ]; then
	echo "FAIL: $authcheck is not built (make check builds it)"
	echo "0 passed, 1 failed"
	exit 1
fi
harness_node_modules
node "$HARNESS_SRCDIR/tests/node/crosscheck.mjs" "$authcheck"
