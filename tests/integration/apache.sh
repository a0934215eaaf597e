#!/usr/bin/env bash
# apache.sh: the shipped conf/apache.conf (Apache 2.4 + mod_fcgid) in front of
# the real programs and the test database: routing, the JSON envelope for odd
# URLs (long, %00, invalid UTF-8), ETag/304, CORS, HEAD, static files, no path
# traversal, a clean stop of the programs, and no sanitizer report in Apache's
# error log. The programs run without prepared statements or the answer
# cache, as behind PgBouncer in transaction mode. Starts its own Apache on a
# free 127.0.0.1 port and stops it.
set -u
. "${COLMENA_TEST_SRCDIR:?}/tests/lib/harness.sh"
build=${COLMENA_TEST_BUILDDIR:?}
pass=0 fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/colmena-apache.XXXXXX")
apache_pid=

check() # NAME STATUS DETAIL
{
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $1: $3"
	fi
}

cleanup()
{
	if [ -n "$apache_pid" ] && kill -0 "$apache_pid" 2>/dev/null; then
		kill -TERM "$apache_pid"
		for _ in $(seq 1 50); do
			kill -0 "$apache_pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

modules=/usr/lib/apache2/modules
if ! command -v apache2 >/dev/null || [ ! -f "$modules/mod_fcgid.so" ] ||
    [ ! -f "$modules/mod_xsendfile.so" ]; then
	echo "FAIL: apache2, libapache2-mod-fcgid and libapache2-mod-xsendfile are not installed"
	echo "0 passed, 1 failed"
	exit 1
fi

# The programs run as www-data: give them a readable copy of the config.
# It is the configuration for PgBouncer in transaction mode (no prepared
# statements, no answer cache), so that path is tested end to end too.
chmod 755 "$tmp"
printf 'db_url = %s\ndb_prepare = 0\ncache_ttl = 0\n' "$COLMENA_TEST_DB_URL" \
    >"$tmp/colmena.conf"
printf '%s\n' 'jwt_secret = apache-suite-jwt-secret-0123456789abcdef' \
    "ratelimit_file = $tmp/fcgid/ratelimit" 'ratelimit_public = 100000' \
    'ratelimit_admin = 100000' "storage_root = $tmp/fcgid/files" \
    "template_dir = $COLMENA_TEST_SRCDIR/templates" >>"$tmp/colmena.conf"
chmod 644 "$tmp/colmena.conf"
mkdir -p "$tmp/fcgid/files" && chown -R www-data "$tmp/fcgid"
port=$(harness_free_port) || exit 1
cat >"$tmp/httpd.conf" <<CONF
ServerRoot /etc/apache2
Listen 127.0.0.1:$port
PidFile $tmp/httpd.pid
ErrorLog $tmp/error.log
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule alias_module $modules/mod_alias.so
LoadModule mime_module $modules/mod_mime.so
LoadModule fcgid_module $modules/mod_fcgid.so
LoadModule xsendfile_module $modules/mod_xsendfile.so
TypesConfig /etc/mime.types
FcgidIPCDir $tmp/fcgid
FcgidProcessTableFile $tmp/fcgid/shm
ServerName localhost
Define COLMENA_CGIBIN $build/cgi-bin
Define COLMENA_HTDOCS $COLMENA_TEST_SRCDIR/htdocs
Define COLMENA_CONFIG $tmp/colmena.conf
Define COLMENA_FILES $tmp/fcgid/files
Include $COLMENA_TEST_SRCDIR/conf/apache.conf
CONF
apache2 -f "$tmp/httpd.conf" -DFOREGROUND </dev/null >>"$tmp/error.log" 2>&1 &
apache_pid=$!
for _ in $(seq 1 100); do
	harness_port_answers "$port" && break
	sleep 0.1
done
base=http://127.0.0.1:$port

fetch() # PATH [CURL ARGS...] -> code, headers, body
{
	local p=$1
	shift
	rm -f "$tmp/h" "$tmp/b"
	: >"$tmp/b"
	code=$(curl -s --path-as-is -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' "$@" "$base$p")
	headers=$(tr -d '\r' <"$tmp/h")
	body=$(cat "$tmp/b")
}

fetch /api/health
[ "$code" = 200 ] && [[ $body == *'"database":"ok"'* ]]
check "health" $? "$code $body $(tail -n 5 "$tmp/error.log")"

fetch "/api/v1/stores/fx/products?limit=2"
[ "$code" = 200 ] && [[ $body == *'"total":6'* ]]
check "product list" $? "$code ${body:0:200}"

fetch /api/v1/stores/fx/products/honey-bee-handbook
[ "$code" = 200 ] && [[ $body == *'"price":12.99,'* ]]
check "single product" $? "$code ${body:0:200}"
etag=$(sed -n 's/^ETag: //Ip' <<<"$headers")
fetch /api/v1/stores/fx/products/honey-bee-handbook -H "If-None-Match: $etag"
[ -n "$etag" ] && [ "$code" = 304 ] && [ -z "$body" ]
check "ETag and 304" $? "$code etag=$etag"

fetch "/api/v1/stores/fx/products?q=honey&min_price=10&max_price=15"
[ "$code" = 200 ] && [[ $body == *'"slug":"honey-bee-handbook"'* ]] && [[ $body == *'"total":1'* ]]
check "search with a price range, unprepared" $? "$code ${body:0:200}"
fetch "/api/v1/stores/fx/categories"
[ "$code" = 200 ] && [[ $body == *'"slug":"scifi"'* ]]
check "category tree" $? "$code ${body:0:200}"

fetch /api/v1/stores/fx/products -H "Origin: https://shop.fx.test"
grep -qi '^access-control-allow-origin: https://shop.fx.test$' <<<"$headers"
check "CORS for an allowed origin" $? "$headers"
fetch /api/v1/stores/fx/products -H "Origin: https://evil.test"
! grep -qi '^access-control-allow-origin' <<<"$headers"
check "no CORS for another origin" $? "$headers"

# curl -I writes the headers where the body would go: no JSON may follow.
fetch /api/v1/stores/fx/products -I
[ "$code" = 200 ] && [[ $body != *'"success"'* ]] &&
    grep -qi '^content-length: [1-9]' <<<"$headers"
check "HEAD" $? "$code $headers"

fetch "/api/v1/stores/fx/products?q=$(head -c 10000 /dev/zero | tr '\0' a)"
[ "$code" = 400 ] && [[ $body == *'"q"'* ]]
check "10 KB search reaches the program" $? "$code ${body:0:200}"
fetch "/api/v1/stores/fx/products?q=a%00b"
[ "$code" = 400 ] && [[ $body == *'NUL'* ]]
check "NUL in the query" $? "$code ${body:0:200}"
fetch "/api/v1/stores/%ff/products"
[ "$code" = 400 ] && [[ $body == *'"path"'* ]]
check "invalid UTF-8 in the path" $? "$code ${body:0:200}"
fetch /api/v1/nothing-here
[ "$code" = 404 ] && [[ $body == *'"NOT_FOUND"'* ]]
check "unknown API path" $? "$code ${body:0:200}"
fetch /api/v1/stores/fx/products -X POST -H 'Content-Length: 0'
[ "$code" = 405 ] && grep -qi '^allow: GET, HEAD, OPTIONS$' <<<"$headers"
check "405 with Allow" $? "$code $headers"

# The admin program, and the Authorization header through mod_fcgid
# (CGIPassAuth in conf/apache.conf).
fetch /api/v1/admin/auth/token -H 'Content-Type: application/json' \
    -d '{"email":"editor@demo.test","password":"Colmena-demo-1"}'
token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' <<<"$body")
[ "$code" = 200 ] && [ -n "$token" ]
check "admin sign-in" $? "$code ${body:0:200}"
fetch /api/v1/admin/me -H "Authorization: Bearer $token"
[ "$code" = 200 ] && [[ $body == *'"email":"editor@demo.test"'* ]] && [[ $body == *'"role":"editor"'* ]]
check "Authorization reaches the admin program" $? "$code ${body:0:200}"
fetch /api/v1/admin/users -H "Authorization: Bearer $token"
[ "$code" = 403 ] && [[ $body == *'"FORBIDDEN"'* ]]
check "an editor may not manage staff" $? "$code ${body:0:200}"
fetch /api/v1/admin/me
[ "$code" = 401 ] && grep -qi '^www-authenticate: Bearer' <<<"$headers"
check "no credential: 401 with WWW-Authenticate" $? "$code $headers"

# A product file uploaded through Apache, then downloaded: mod_xsendfile
# sends it (XSendFilePath is the storage root), Range included.
fetch "/api/v1/admin/auth/token" -H 'Content-Type: application/json' \
    -d '{"email":"owner@demo.test","password":"Colmena-demo-1"}'
otoken=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' <<<"$body")
fetch "/api/v1/admin/products?limit=1" -H "Authorization: Bearer $otoken"
product=$(grep -o '"id":"[0-9a-f-]*"' <<<"$body" | head -n 1 | cut -d'"' -f4)
printf '%%PDF-1.4\n%% apache suite %s\n%%%%EOF\n' "$(date +%s%N)" >"$tmp/up.pdf"
fetch "/api/v1/admin/products/$product/file" -H "Authorization: Bearer $otoken" \
    -F "file=@$tmp/up.pdf;filename=Apache file.pdf"
[ "$code" = 201 ] && [[ $body == *'"storage":"local"'* ]]
check "upload through Apache" $? "$code ${body:0:300}"
raw=apacheSuiteToken$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c 27)
psql_bin=$(command -v psql || ls -d /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)
"$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "${COLMENA_TEST_DB_OWNER_URL:?}" >/dev/null <<SQL
BEGIN;
SELECT set_config('app.store_id', (SELECT id::text FROM stores WHERE slug = 'demo'), true);
INSERT INTO orders (id, store_id, customer_email, status, currency)
VALUES ('a9a9a9a9-0000-4000-8000-000000000001', current_store_id(), 'apache@buyer.test', 'paid', 'USD');
INSERT INTO download_tokens (store_id, order_id, product_id, token_hash, expires_at, max_downloads, file_id)
SELECT current_store_id(), 'a9a9a9a9-0000-4000-8000-000000000001', id, sha256('$raw'),
       now() + interval '1 day', 5, file_id FROM products WHERE id = '$product';
COMMIT;
SQL
rm -f "$tmp/down.pdf"
code=$(curl -s -o "$tmp/down.pdf" -D "$tmp/h" -w '%{http_code}' "$base/download/$raw")
[ "$code" = 200 ] && cmp -s "$tmp/up.pdf" "$tmp/down.pdf" &&
    grep -qi '^content-disposition: attachment; filename="Apache file.pdf"' "$tmp/h"
check "download through mod_xsendfile" $? "$code $(tr -d '\r' <"$tmp/h")"
code=$(curl -s -o "$tmp/part" -D "$tmp/h" -w '%{http_code}' -H 'Range: bytes=0-3' "$base/download/$raw")
[ "$code" = 206 ] && [ "$(cat "$tmp/part")" = "%PDF" ]
check "a range through mod_xsendfile" $? "$code $(cat "$tmp/part")"

fetch /openapi.json
[ "$code" = 200 ] && [[ $body == *'"openapi"'* ]]
check "static files from htdocs" $? "$code"
for p in "/../../etc/passwd" "/%2e%2e/%2e%2e/etc/passwd" "/api/../../etc/passwd"; do
	fetch "$p"
	[ "$code" != 200 ] && [[ $body != *root:* ]]
	check "no traversal: $p" $? "$code"
done

kill -TERM "$apache_pid"
for _ in $(seq 1 100); do
	kill -0 "$apache_pid" 2>/dev/null || break
	sleep 0.1
done
! kill -0 "$apache_pid" 2>/dev/null
check "Apache stops" $? "still running"
apache_pid=
sleep 0.5
# Apache's programs run as www-data (the harness's lighttpd ones as root).
! pgrep -u www-data -f "^$build/cgi-bin/(products|admin|download)" >/dev/null
check "the programs stop with Apache" $? "$(pgrep -u www-data -af "$build/cgi-bin/(products|admin|download)")"
! grep -E 'AddressSanitizer|LeakSanitizer|runtime error' "$tmp/error.log"
check "no sanitizer report in Apache's error log" $? "see above"
grep -q 'stopping after' "$tmp/error.log"
check "the programs' log lines reach Apache's error log" $? "$(tail -n 5 "$tmp/error.log")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
