#!/usr/bin/env bash
# cli.sh: the colmena command-line tool against the test database: migrate and
# seed-demo are safe to re-run, bad arguments give a clear sentence and a
# non-zero exit, staff passwords follow the policy, and a created store is
# served by the API at once. Uses $COLMENA_TEST_BUILDDIR/tools/colmena with
# the harness's COLMENA_CONFIG / COLMENA_DB_OWNER_URL.
set -u
colmena=${COLMENA_TEST_BUILDDIR:?}/tools/colmena
base=${COLMENA_TEST_URL:?}
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

# expect_fail NAME MESSAGE-PART ARGS...: exit non-zero, stderr mentions part.
expect_fail()
{
	local name=$1 part=$2 out rc
	shift 2
	out=$("$colmena" "$@" 2>&1 </dev/null)
	rc=$?
	[ $rc -ne 0 ] && [[ $out == *"$part"* ]]
	check "$name" $? "exit $rc: $out"
}

out=$("$colmena" migrate 2>&1)
[ $? -eq 0 ] && [[ $out == *"up to date"* ]]
check "migrate again changes nothing" $? "$out"

out=$("$colmena" seed-demo 2>&1)
[ $? -eq 0 ] && [[ $out == *"already seeded"* ]]
check "seed-demo again changes nothing" $? "$out"

expect_fail "unknown command" "unknown command" frobnicate
expect_fail "no arguments" "usage" store-create
expect_fail "bad slug" "--slug" store-create --slug 'Bad Slug' --name X
expect_fail "slug shaped like a UUID" "--slug" store-create \
    --slug 0f000000-0000-4000-8000-000000000001 --name X
expect_fail "unknown currency" "currency" store-create --slug cli-x --name X --currency ZZZ
expect_fail "lowercase currency" "--currency" store-create --slug cli-x --name X --currency usd
expect_fail "origin with a path" "--origin" store-create --slug cli-x --name X \
    --origin https://shop.example/path
expect_fail "duplicate slug" "exists already" store-create --slug fx --name X
expect_fail "bad email" "--email" user-create --store fx --email nope --role owner
expect_fail "bad role" "--role" user-create --store fx --email a@b.test --role god
COLMENA_PASSWORD=short expect_fail "weak password names each rule" "upper-case" \
    user-create --store fx --email a@b.test --role editor
COLMENA_PASSWORD=short expect_fail "weak password: length" "at least 8" \
    user-create --store fx --email a@b.test --role editor
COLMENA_PASSWORD='Good-pass-1' expect_fail "unknown store" "no store" \
    user-create --store no-such-store --email a@b.test --role editor
expect_fail "seed-demo bad count" "--products" seed-demo --products lots

out=$("$colmena" store-create --slug cli-shop --name "CLI Shop" --currency GBP \
    --origin https://cli.example --support-email help@cli.example 2>&1)
check "store-create" $? "$out"
body=$(curl -s "$base/api/v1/stores/cli-shop")
[[ $body == *'"currency":"GBP"'* ]] && [[ $body == *'"allowedOrigins":["https://cli.example"]'* ]]
check "a new store is served at once" $? "$body"

out=$(COLMENA_PASSWORD='Good-pass-1' "$colmena" user-create --store cli-shop \
    --email Staff@CLI.example --role admin 2>&1)
check "user-create" $? "$out"
out=$(COLMENA_PASSWORD='Other-pass-2' "$colmena" user-create --store fx \
    --email staff@cli.example --role editor 2>&1)
[ $? -eq 0 ] && [[ $out == *"password is unchanged"* ]]
check "same person joins a second store" $? "$out"

# cleanup (cron): an ended session goes, a live one stays; uploads left in
# the storage's temp/ for more than a day go, a fresh one stays.
psql_bin=$(command -v psql || ls -d /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)
owner=${COLMENA_TEST_DB_OWNER_URL:?}
"$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$owner" >/dev/null <<'SQL'
INSERT INTO sessions (user_id, store_id, token_hash, csrf_token, expires_at)
SELECT u.id, s.id, sha256(convert_to('cli-ended-' || u.id, 'UTF8')), 'x', now() - interval '1 minute'
  FROM users u, stores s WHERE u.email = 'owner@demo.test' AND s.slug = 'demo';
INSERT INTO sessions (user_id, store_id, token_hash, csrf_token, expires_at)
SELECT u.id, s.id, sha256(convert_to('cli-live-' || u.id, 'UTF8')), 'x', now() + interval '1 hour'
  FROM users u, stores s WHERE u.email = 'owner@demo.test' AND s.slug = 'demo';
SQL
tmpdir=${COLMENA_FILES:?}/temp
mkdir -p "$tmpdir"
echo old >"$tmpdir/cli-old-upload" && touch -d '2 days ago' "$tmpdir/cli-old-upload"
echo new >"$tmpdir/cli-new-upload"
out=$("$colmena" cleanup 2>&1)
rc=$?
left=$("$psql_bin" -X -q -t -A -d "$owner" -c "SELECT count(*) FILTER (WHERE token_hash = sha256(convert_to('cli-ended-' || user_id, 'UTF8'))) || ' ' || count(*) FILTER (WHERE token_hash = sha256(convert_to('cli-live-' || user_id, 'UTF8'))) FROM sessions")
[ $rc -eq 0 ] && [ "$left" = "0 1" ] && [[ $out == *"ended sessions"* ]]
check "cleanup deletes ended sessions only" $? "exit $rc, ended/live left: $left, $out"
[ ! -e "$tmpdir/cli-old-upload" ] && [ -e "$tmpdir/cli-new-upload" ] &&
    [[ $out == *"temporary uploads"* ]]
check "cleanup deletes day-old uploads in temp/ only" $? "$(ls -l "$tmpdir") $out"
rm -f "$tmpdir/cli-new-upload"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
