#!/usr/bin/env bash
# reconnect.sh: the programs survive losing their database connection: after
# PostgreSQL ends every application session (as a restart or failover does),
# the next requests succeed on a new connection, and the answer cache, which
# may have missed change notifications meanwhile, never serves stale data.
# Needs HARNESS_PG_SUPER_URL (tests/run exports it) and psql.
set -u
base=${COLMENA_TEST_URL:?}
super=${HARNESS_PG_SUPER_URL:?HARNESS_PG_SUPER_URL is not set}
owner=${COLMENA_TEST_DB_OWNER_URL:?}
psql_bin=$(command -v psql || ls -d /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)
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

price_sql() # MINOR: set the fixture album's price as the owner, for store fx
{
	"$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$owner" >/dev/null <<SQL
BEGIN;
SELECT set_config('app.store_id', '0f000000-0000-4000-8000-000000000001', true);
UPDATE products SET price_minor = $1 WHERE slug = 'quiet-album';
COMMIT;
SQL
}

kill_sessions()
{
	"$psql_bin" -X -q -t -d "$super" -c "SELECT count(pg_terminate_backend(pid))
	    FROM pg_stat_activity WHERE usename = 'colmena_app'" | tr -d ' \n'
}

url="$base/api/v1/stores/fx/products/quiet-album"
# Warm every process's cache.
for i in 1 2 3 4 5 6; do curl -s -o /dev/null "$url"; done

n=$(kill_sessions)
[ "${n:-0}" -ge 1 ]
check "the programs had database sessions to end" $? "ended ${n:-none}"

# While no program is connected, change the catalog: the notification
# reaches nobody, so only the reconnect logic can keep the caches honest.
price_sql 2345
ok=0
for i in 1 2 3 4 5 6 7 8; do
	body=$(curl -s -w '\n%{http_code}' "$url")
	code=${body##*$'\n'}
	if [ "$code" != 200 ] || [[ $body != *'"price":23.45,'* ]]; then
		ok=1
		echo "  request $i: $code ${body:0:160}"
	fi
done
check "requests succeed after the sessions ended and see the change" $ok ""

code=$(curl -s -o /dev/null -w '%{http_code}' "$base/api/health")
[ "$code" = 200 ]
check "health is 200 again" $? "$code"

price_sql 2000
ok=0
for i in 1 2 3 4 5 6; do
	body=$(curl -s "$url")
	[[ $body == *'"price":20.00,'* ]] || ok=1
done
check "notifications work again on the new connections" $ok "$body"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
