#!/usr/bin/env bash
# stripesig.sh: src/stripesig.c against Stripe's own library: npm stripe
# signs payloads (plain, UTF-8, large) and tests/integration/stripesig_tool
# must accept them; tampered bodies, wrong secrets and stale timestamps must
# be refused. The checks are in tests/node/stripesig.mjs; this wrapper
# installs its npm packages and runs it. Needs no database or web server.
set -u
src=${COLMENA_TEST_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

. "$src/tests/lib/harness.sh"

build=${COLMENA_TEST_BUILDDIR:-$PWD}
if [ ! -x "$build/tests/integration/stripesig_tool" ]; then
	echo "FAIL: no $build/tests/integration/stripesig_tool (make check builds it)"
	echo "0 passed, 1 failed"
	exit 1
fi
harness_node_modules
COLMENA_TEST_BUILDDIR=$build exec node "$HARNESS_SRCDIR/tests/node/stripesig.mjs"
