#!/usr/bin/env bash
# webserver.sh: what the web server in front of the programs does with hostile
# URLs: path traversal never leaves the document root, unknown /api/ paths get
# the JSON envelope, long and odd URLs reach the program and get its 400, and
# every API answer carries X-Request-Id and nosniff. Runs against
# $COLMENA_TEST_URL (tests/run starts lighttpd with conf/lighttpd.conf).
set -u
base=${COLMENA_TEST_URL:?COLMENA_TEST_URL is not set}
pass=0 fail=0

check() # NAME CONDITION-RESULT(0/1) DETAIL
{
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $1: $3"
	fi
}

fetch() # PATH -> sets code, ctype, body, headers
{
	local tmp
	tmp=$(mktemp)
	code=$(curl -s --path-as-is -D "$tmp.h" -o "$tmp" -w '%{http_code}' "$base$1")
	ctype=$(grep -i '^content-type:' "$tmp.h" | tr -d '\r' | cut -d' ' -f2-)
	headers=$(tr -d '\r' <"$tmp.h")
	body=$(cat "$tmp")
	rm -f "$tmp" "$tmp.h"
}

for p in "/../../../../etc/passwd" "/..%2f..%2f..%2fetc/passwd" \
    "/%2e%2e/%2e%2e/etc/passwd" "/openapi.json/../../../etc/passwd" \
    "/.%2e/.%2e/etc/passwd" "/api/../../etc/passwd" "/%252e%252e/etc/passwd"; do
	fetch "$p"
	case "$body" in *root:*) leaked=1 ;; *) leaked=0 ;; esac
	check "traversal $p" "$leaked" "served /etc/passwd"
	[ "$code" != 200 ] || [ "$p" = "/api/../../etc/passwd" ]
	check "traversal $p status" $? "got $code"
done

fetch "/api/v1/no-such-thing"
[ "$code" = 404 ] && [[ $ctype == application/json* ]] && [[ $body == *'"NOT_FOUND"'* ]]
check "unknown API path answers the envelope" $? "$code $ctype $body"

fetch "/api/v1/stores/fx/products?q=$(head -c 12000 /dev/zero | tr '\0' 'a')"
[ "$code" = 400 ] && [[ $body == *'"q"'* ]]
check "12 KB query reaches the program" $? "$code ${body:0:200}"

fetch "/api/v1/stores/fx/products?q=%c0%af"
[ "$code" = 400 ] && [[ $body == *'"VALIDATION_ERROR"'* ]]
check "overlong UTF-8 gets the program's 400" $? "$code ${body:0:200}"

fetch "/api/v1/stores/fx/products?q=bee%0d%0aSet-Cookie:%20x=1"
[ "$code" = 200 ] && ! grep -qi '^set-cookie' <<<"$headers"
check "CRLF in the query never becomes a header" $? "$code $headers"

fetch "/api/v1/stores/fx/products?limit=2"
grep -qi '^x-request-id: [0-9a-f]\{32\}$' <<<"$headers"
check "X-Request-Id on API answers" $? "$headers"
grep -qi '^x-content-type-options: nosniff' <<<"$headers"
check "nosniff on API answers" $? "$headers"

fetch "/openapi.json"
[ "$code" = 200 ] && [[ $body == *'"openapi"'* ]]
check "openapi.json is served from htdocs" $? "$code"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
