#!/bin/bash
# cgi.sh: runs cgi-bin/products as a plain CGI, one request per run (cgit
# style), for answers that need no database: --routes, 404, 405 with Allow,
# query validation before any database access, hostile and invalid-UTF-8
# path segments, X-Request-Id matching meta.requestId, and a 503 without
# detail when the database is unreachable. Plain bash and grep, no jq.
top_srcdir=${top_srcdir:-$(dirname "$0")/../..}
top_builddir=${top_builddir:-$top_srcdir}
prog=$top_builddir/cgi-bin/products

if [ ! -x "$prog" ]; then
	echo "cgi.sh: $prog not built" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cgi.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
hdrs=$tmp/hdrs
body=$tmp/body
errlog=$tmp/err
failures=0
name=
shown=

fail() {
	echo "FAIL: $name: $*"
	if [ "$shown" != "$name" ]; then
		shown=$name
		echo "--- output"
		cat "$out"
		echo
		echo "--- stderr"
		cat "$errlog"
		echo "---"
	fi
	failures=$((failures + 1))
}

# run NAME METHOD URI QUERY [VAR=value ...]: one CGI request; splits the
# answer into $hdrs (CR removed) and $body. An empty URI leaves REQUEST_URI
# unset, so the program falls back to PATH_INFO.
run() {
	local method=$2 uri=$3 qs=$4
	local -a vars

	name=$1
	shift 4
	vars=(PATH="$PATH" COLMENA_CONFIG=/dev/null
	    COLMENA_DB_URL="host=127.0.0.1 port=1 connect_timeout=1"
	    GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD="$method"
	    QUERY_STRING="$qs" REMOTE_ADDR=127.0.0.1)
	[ -n "$uri" ] && vars+=(REQUEST_URI="$uri${qs:+?$qs}")
	[ -n "${ASAN_OPTIONS-}" ] && vars+=(ASAN_OPTIONS="$ASAN_OPTIONS")
	[ -n "${UBSAN_OPTIONS-}" ] && vars+=(UBSAN_OPTIONS="$UBSAN_OPTIONS")
	env -i "${vars[@]}" "$@" "$prog" </dev/null >"$out" 2>"$errlog"
	rc=$?
	tr -d '\r' <"$out" | sed '/^$/q' >"$hdrs"
	tr -d '\r' <"$out" | sed '1,/^$/d' >"$body"
	if [ $rc -ne 0 ]; then
		fail "exit status $rc"
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$errlog"; then
		fail "sanitizer report"
	fi
}

status_is() {
	grep -q "^Status: $1 " "$hdrs" || fail "want Status: $1"
}

header_is() {
	grep -qxF "$1" "$hdrs" || fail "want header '$1'"
}

body_has() {
	grep -qF -- "$1" "$body" || fail "body lacks '$1'"
}

body_lacks() {
	! grep -qF -- "$1" "$body" || fail "body has '$1'"
}

# --routes prints the table and serves nothing.
name=routes
"$prog" --routes >"$out" 2>"$errlog" || fail "--routes exit status"
cp "$out" "$body"
body_has "GET /api/v1/stores/{store}/products"
body_has "GET /api/v1/stores/{store}/products/{product}"
body_has "GET /api/health"
name=usage
"$prog" --bogus >"$out" 2>"$errlog"
[ $? -eq 2 ] || fail "unknown option should exit 2"

run unknown_path GET /api/v1/nowhere ""
status_is 404
header_is "Content-Type: application/json; charset=utf-8"
body_has '"success":false'
body_has '"code":"NOT_FOUND"'

run head_unknown_path HEAD /api/v1/nowhere ""
status_is 404
[ ! -s "$body" ] || fail "HEAD answer has a body"

run post_get_only POST /api/v1/stores/demo/products ""
status_is 405
header_is "Allow: GET, HEAD, OPTIONS"
body_has '"code":"METHOD_NOT_ALLOWED"'

run delete_store DELETE /api/v1/stores/demo ""
status_is 405
header_is "Allow: GET, HEAD, OPTIONS"

run unknown_method BREW /api/health ""
status_is 405

run options_health OPTIONS /api/health ""
status_is 204
header_is "Allow: GET, HEAD, OPTIONS"
[ ! -s "$body" ] || fail "204 answer has a body"

run limit_zero GET /api/v1/stores/demo/products "limit=0"
status_is 400
body_has '"code":"VALIDATION_ERROR"'
body_has '"details":{"limit":'

run limit_huge GET /api/v1/stores/demo/products "limit=99999999999999999999"
status_is 400
body_has '"limit":"must be a whole number from 1 to 100"'

run limit_twice GET /api/v1/stores/demo/products "limit=5&limit=6"
status_is 400
body_has '"limit":"is given more than once"'

run many_bad_params GET /api/v1/stores/demo/products \
    "limit=abc&offset=-1&featured=maybe&sort=cheapest&min_price=1e3"
status_is 400
for f in limit offset featured sort min_price; do
	body_has "\"$f\":"
done

run price_range_inverted GET /api/v1/stores/demo/products \
    "min_price=20&max_price=10"
status_is 400
body_has '"min_price":'

# 9223372036854776 thousandths overflow int64 inside str_money_parse: the
# answer must be a 400, not a crash (or, without sanitizers, a wrapped value).
run min_price_near_int64_max GET /api/v1/stores/demo/products \
    "min_price=9223372036854776"
status_is 400
body_has '"min_price":'

run relevance_without_q GET /api/v1/stores/demo/products "sort=relevance"
status_is 400
body_has '"sort":'

run q_with_nul GET /api/v1/stores/demo/products "q=a%00b"
status_is 400
body_has '"q":"must not contain NUL bytes"'

run q_invalid_utf8 GET /api/v1/stores/demo/products "q=%C3%28"
status_is 400
body_has '"q":"must be valid UTF-8"'

run unknown_param_ignored_still_validates GET /api/v1/stores/demo/products \
    "utm_source=x&limit=0"
status_is 400
body_has '"limit":'
body_lacks '"utm_source"'

run script_store GET /api/v1/stores/%3Cscript%3E/products ""
status_is 404
body_lacks "<script>"
body_lacks "<"
body_has '"code":"NOT_FOUND"'

run script_store_get GET /api/v1/stores/%3Cscript%3E ""
status_is 404
body_lacks "<script>"

run script_product GET /api/v1/stores/demo/products/%3Cimg%20src%3Dx%3E ""
status_is 404
body_lacks "<img"

run uppercase_store GET /api/v1/stores/Demo/products ""
status_is 404

run invalid_utf8_path GET /api/v1/stores/%ff/products ""
status_is 400
body_has '"code":"VALIDATION_ERROR"'
body_has '"path":'

run overlong_utf8_path GET /api/v1/stores/%c0%ae%c0%ae/products ""
status_is 400
body_has '"path":'

run nul_in_path GET /api/v1/stores/demo%00x/products ""
status_is 400
body_has '"path":'

run too_deep_path GET /a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r ""
status_is 400
body_has '"path":'

run path_info_only GET "" "limit=0" PATH_INFO=/api/v1/stores/demo/products
status_is 400
body_has '"limit":'

run request_id GET /api/v1/nowhere ""
hid=$(sed -n 's/^X-Request-Id: //p' "$hdrs")
bid=$(grep -o '"requestId":"[^"]*"' "$body" | sed 's/.*:"\(.*\)"/\1/')
[ -n "$hid" ] || fail "no X-Request-Id header"
[ "$hid" = "$bid" ] || fail "X-Request-Id '$hid' != meta.requestId '$bid'"
echo "$hid" | grep -qE '^[0-9a-f]{32}$' || fail "request id '$hid' not 32 hex"
first=$hid
run request_id_fresh GET /api/v1/nowhere ""
hid=$(sed -n 's/^X-Request-Id: //p' "$hdrs")
[ "$hid" != "$first" ] || fail "request id repeated: $hid"

run request_id_from_proxy GET /api/v1/nowhere "" \
    HTTP_X_REQUEST_ID=edge-4711-abcd
header_is "X-Request-Id: edge-4711-abcd"
body_has '"requestId":"edge-4711-abcd"'

run request_id_unsafe_replaced GET /api/v1/nowhere "" \
    HTTP_X_REQUEST_ID='abc"<x>defgh'
hid=$(sed -n 's/^X-Request-Id: //p' "$hdrs")
echo "$hid" | grep -qE '^[0-9a-f]{32}$' || fail "unsafe id kept: '$hid'"
body_lacks '<x>'

run no_database GET /api/v1/stores/demo/products ""
status_is 503
body_has '"code":"SERVICE_UNAVAILABLE"'
body_lacks "127.0.0.1"
body_lacks "onnect"
header_is "Cache-Control: no-store"

if [ $failures -gt 0 ]; then
	echo "cgi.sh: $failures failure(s)"
	exit 1
fi
exit 0
