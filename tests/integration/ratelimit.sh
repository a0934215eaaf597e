#!/usr/bin/env bash
# ratelimit.sh: the host-wide rate limits, through a second lighttpd whose
# config sets low limits (public 5/minute per IP, admin 8/minute per
# credential). Concurrent requests spread over every process of a program
# still get exactly the allowance in all; a refusal is 429 RATE_LIMITED with
# Retry-After and the X-RateLimit-* headers; admin credentials are counted
# apart from each other and from the public address.
set -u
. "${COLMENA_TEST_SRCDIR:?}/tests/lib/harness.sh"
pass=0 fail=0

check() # NAME STATUS DETAIL
{
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $1: $3"
	fi
}

harness_init
# A lighttpd of our own, on its own port, run dir and limits table.
unset COLMENA_PORT
export COLMENA_RUN=$HARNESS_TMP/run
export HARNESS_RATELIMIT_PUBLIC=5 HARNESS_RATELIMIT_ADMIN=8
export HARNESS_RATELIMIT_FILE=$HARNESS_TMP/ratelimit
harness_write_config "$HARNESS_TMP/colmena.conf"
harness_lighttpd_start
base=$COLMENA_TEST_URL
url="$base/api/v1/stores/fx/products?limit=1"
codes=$HARNESS_TMP/codes

# The start-up's health checks counted against 127.0.0.1 too: ask what is
# left (5 a minute is one more every 12 s, far longer than this takes).
hdr=$HARNESS_TMP/hdr
curl -s -D "$hdr" -o /dev/null "$url"
left=$(sed -n 's/^X-RateLimit-Remaining: *\([0-9]*\).*/\1/Ip' "$hdr")
[ -n "$left" ] && [ "$left" -le 4 ]
check "a public answer says what is left (X-RateLimit-Remaining)" $? "'$left'"
left=${left:-0}

# 1. Twenty concurrent requests over the four products processes: exactly
# what was left is served.
seq 1 20 | xargs -P 10 -I{} curl -s -o /dev/null -w '%{http_code}\n' "$url" >"$codes"
ok=$(grep -c '^200$' "$codes")
limited=$(grep -c '^429$' "$codes")
[ "$ok" -eq "$left" ] && [ "$limited" -eq $((20 - left)) ]
check "20 concurrent requests, $left left of 5: $left served, the rest refused" $? \
    "served $ok, refused $limited ($(sort "$codes" | uniq -c | tr '\n' ' '))"
pids=$(pgrep -f "$COLMENA_CGIBIN/products" | wc -l)
[ "$pids" -ge 2 ]
check "several products processes share the count" $? "$pids processes"

# 2. The refusal itself.
body=$(curl -s -D "$hdr" "$url")
grep -qi '^HTTP/1.1 429' "$hdr"
check "over the limit: 429" $? "$(head -n 1 "$hdr")"
[[ $body == *'"success":false'*'"code":"RATE_LIMITED"'* ]]
check "over the limit: the RATE_LIMITED envelope" $? "$body"
ra=$(sed -n 's/^Retry-After: *\([0-9]*\).*/\1/Ip' "$hdr")
[ -n "$ra" ] && [ "$ra" -ge 1 ] && [ "$ra" -le 60 ]
check "Retry-After in 1..60 s" $? "Retry-After: '$ra'"
grep -qi '^X-RateLimit-Limit: 5' "$hdr" && grep -qi '^X-RateLimit-Remaining: 0' "$hdr" &&
    grep -qi '^X-RateLimit-Reset: [0-9]' "$hdr"
check "X-RateLimit-Limit 5, Remaining 0, Reset" $? "$(grep -i '^X-RateLimit' "$hdr" | tr '\r\n' '  ')"

# 3. After Retry-After seconds one more request is served, and counts down.
sleep "$ra"
curl -s -D "$hdr" -o /dev/null "$url"
grep -qi '^HTTP/1.1 200' "$hdr" && grep -qi '^X-RateLimit-Remaining: 0' "$hdr"
check "after Retry-After one more is served" $? "$(head -n 1 "$hdr")"

# 4. Admin: counted per credential. A bad credential counts against the
# address; two people's tokens have an allowance each.
token() # EMAIL
{
	curl -s "$base/api/v1/admin/auth/token" -H 'Content-Type: application/json' \
	    -d "{\"email\":\"$1\",\"password\":\"Colmena-demo-1\"}" |
	    sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}
t1=$(token owner@demo.test)
t2=$(token editor@demo.test)
[ -n "$t1" ] && [ -n "$t2" ]
check "sign-in for the admin limit" $? "no tokens"
seq 1 12 | xargs -P 6 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
    -H "Authorization: Bearer $t1" "$base/api/v1/admin/products?limit=1" >"$codes"
ok=$(grep -c '^200$' "$codes")
limited=$(grep -c '^429$' "$codes")
[ "$ok" -eq 8 ] && [ "$limited" -eq 4 ]
check "admin limit 8 for one credential: 8 served, 4 refused" $? \
    "$(sort "$codes" | uniq -c | tr '\n' ' ')"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t2" \
    "$base/api/v1/admin/products?limit=1")
[ "$code" = 200 ]
check "another person's token has its own allowance" $? "got $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/admin/me")
[ "$code" = 401 ]
check "no credential: counted against the address, not the token (401)" $? "got $code"

harness_lighttpd_stop
[ "$HARNESS_STOP_PROBLEMS" -eq 0 ]
check "the second lighttpd's programs stop on SIGTERM" $? "$HARNESS_STOP_PROBLEMS did not"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
