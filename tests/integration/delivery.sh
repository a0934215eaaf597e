#!/usr/bin/env bash
# delivery.sh: digital delivery over real HTTP, as buyers and staff see it.
#
#  1. Plain storage, on the shared lighttpd (COLMENA_TEST_URL: X-Sendfile):
#     a PDF upload (201, sha256 and size of the bytes sent, the stored file
#     equal to them), its download whole (bytes, Content-Type, an RFC 5987
#     Content-Disposition with an ASCII fallback, nosniff, private no-store),
#     byte ranges, HEAD (headers only, not counted; recorded); uploads
#     refused by content (a PNG named .pdf: 415 naming PNG), a traversal
#     name ("../../etc/passwd": stored under a generated key, served as
#     "passwd"), a JSON body (415), a form without "file" (400); a new
#     version of the file while old links keep the version bought.
#  2. Link states: expired, used up, withdrawn, orders refunded, disputed
#     and pending: the 410 HTML page with its data-outcome and a
#     download_events row saying so (HEAD refused alike); a link without a
#     file; unknown and malformed tokens: the 404 page.
#  3. Counting: a double click counts once (X-Downloads-Left and the
#     database), another browser counts again, 8 browsers racing for the
#     last download get exactly one 200 and seven 410 used_up; events keep
#     address, User-Agent and Range. Two resend requests at once for one
#     expired link replace it once.
#  4. Encrypted storage and clamd, on a lighttpd of this suite's own
#     (storage_encrypt, clamd, upload_file_max 1 MiB, repeat window 3 s):
#     ciphertext at rest, whole and ranged downloads (64 KiB chunk
#     boundaries, a file of exactly two chunks), 416, If-Range, HEAD, the
#     repeat window and resumed ranges (a whole file asked for with a Range
#     header is no resume), a tampered chunk cutting the download short
#     (logged), ZIP accepted and binary refused by content, EICAR refused
#     with nothing kept, exactly 1 MiB accepted and a byte more 413 with no
#     temp file left, and 503 (never accepted unscanned) once clamd stops.
#  5. Fresh links by email from the page of a link: the order's address gets
#     an outbox row whose new link works (the old one is then withdrawn);
#     another address, no address, a used-up link or an unpaid order get
#     the same page and nothing.
set -u
. "${COLMENA_TEST_SRCDIR:?}/tests/lib/harness.sh"
pass=0 fail=0 finished=0

check() # NAME STATUS DETAIL
{
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $1: $3"
	fi
}

on_exit() # RC: a set-up step died: still print the totals.
{
	[ "$finished" = 1 ] && return
	echo "FAIL: delivery.sh stopped early (exit $1)"
	if [ -n "${COLMENA_RUN:-}" ] && [ -f "$COLMENA_RUN/lighttpd-error.log" ] &&
	    [ "${OWN_STARTED:-0}" = 1 ]; then
		echo "--- own lighttpd error log (last lines) ---"
		tail -n 20 "$COLMENA_RUN/lighttpd-error.log"
	fi
	echo "$pass passed, $((fail + 1)) failed"
}

harness_init
HARNESS_ON_EXIT=on_exit
T=$HARNESS_TMP
B=${COLMENA_TEST_BUILDDIR:?}
PSQL=$(command -v psql 2>/dev/null || echo "$(harness_pg_bindir)/psql")
OWNER_DB=${COLMENA_TEST_DB_OWNER_URL:?}
SHARED_URL=${COLMENA_TEST_URL:?}
SHARED_CONFIG=${COLMENA_CONFIG:?}
# The shared lighttpd's storage root (its config's storage_root).
SHARED_FILES=$(sed -n 's/^storage_root *= *//p' "$SHARED_CONFIG" | tail -n 1)
SLUG=dlv-$(date +%s)-$RANDOM
PASSWORD=Dlv-pass-$RANDOM-x1
UA=dlv-browser/1.0

# ---- helpers ----------------------------------------------------------------

# sql SQL: run as the owner role in our store (FORCE row-level security);
# prints unaligned rows.
sql()
{
	printf "SELECT set_config('app.store_id', '%s', false) \\\\gset\n%s\n" \
	    "$SID" "$1" |
	    "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$OWNER_DB"
}

# rawtoken: a fresh 43-character base64url token.
rawtoken()
{
	head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'
}

# order STATUS EMAIL: a new order of our store; prints its id.
order()
{
	sql "INSERT INTO orders (store_id, customer_email, status, currency,
	    subtotal_minor, total_minor, paid_at)
	    VALUES (current_store_id(), '$2', '$1', 'USD', 999, 999,
	    CASE WHEN '$1' <> 'pending' THEN now() END) RETURNING id"
}

# link ORDER PRODUCT MAX COUNT EXPIRES [REVOKED]: a download token for the
# product's current file; EXPIRES and REVOKED are SQL expressions. Prints
# the raw token.
link()
{
	local raw

	raw=$(rawtoken)
	sql "INSERT INTO download_tokens (store_id, order_id, product_id,
	    token_hash, expires_at, max_downloads, download_count, revoked_at,
	    file_id)
	    SELECT current_store_id(), '$1', p.id, sha256(convert_to('$raw', 'UTF8')),
	    $5, $3, $4, ${6:-NULL}, p.file_id FROM products p WHERE p.id = '$2'
	    RETURNING id" >/dev/null || return 1
	echo "$raw"
}

# tokcol RAW COLUMN: a column of the token's row.
tokcol()
{
	sql "SELECT $2 FROM download_tokens
	    WHERE token_hash = sha256(convert_to('$1', 'UTF8'))"
}

# events RAW: the outcomes of the token's download_events, oldest first,
# space separated.
events()
{
	sql "SELECT string_agg(e.outcome, ' ' ORDER BY e.id) FROM download_events e
	    JOIN download_tokens d ON d.id = e.token_id
	    WHERE d.token_hash = sha256(convert_to('$1', 'UTF8'))"
}

# get NAME URL [CURL ARGS]: GET into $T/NAME.h (headers) and $T/NAME.b
# (body); sets code (status) and crc (curl's exit status).
get()
{
	local n=$1 u=$2

	shift 2
	code=$(curl -s -A "$UA" -D "$T/$n.h" -o "$T/$n.b" -w '%{http_code}' "$@" "$u")
	crc=$?
}

# hdr NAME HEADER: a header's value from $T/NAME.h (last one), CR dropped.
hdr()
{
	sed -n "s/^$2: *//Ip" "$T/$1.h" | tr -d '\r' | tail -n 1
}

# slice FILE START LEN: bytes [START, START + LEN) of FILE on stdout.
slice()
{
	tail -c +"$(($2 + 1))" "$1" | head -c "$3"
}

# rawhead NAME BASE PATH UA: HEAD over a raw HTTP/1.0 connection, so every
# byte the server sends lands in $T/NAME.raw (curl -I would not tell a body
# from none); sets hstatus (the status line).
rawhead()
{
	local port=${2##*:}

	(exec 3<>"/dev/tcp/127.0.0.1/$port" &&
	    printf 'HEAD %s HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: %s\r\nConnection: close\r\n\r\n' \
	    "$3" "$4" >&3 && timeout 10 cat <&3) >"$T/$1.raw"
	hstatus=$(head -n 1 "$T/$1.raw" | tr -d '\r')
}

# headonly NAME: the HEAD answer in $T/NAME.raw ends with its headers.
headonly()
{
	[ "$(tail -c 4 "$T/$1.raw" | od -An -tx1 | tr -d ' \n')" = 0d0a0d0a ]
}

# mp OUT FIELD FILENAME CTYPE FILE: a multipart/form-data body with one
# file part, written byte for byte (the file name exactly as given).
BOUNDARY=dlvBoundary7MA4YWxkTrZu0gW
mp()
{
	{
		printf -- '--%s\r\n' "$BOUNDARY"
		printf 'Content-Disposition: form-data; name="%s"; filename="%s"\r\n' "$2" "$3"
		printf 'Content-Type: %s\r\n\r\n' "$4"
		cat "$5"
		printf '\r\n--%s--\r\n' "$BOUNDARY"
	} >"$1"
}

# upload BASE JWT PRODUCT NAME FILENAME FILE [CTYPE]: POST the file as the
# form field "file"; sets code and body ($T/NAME.b).
upload()
{
	mp "$T/$4.mp" file "$5" "${7:-application/octet-stream}" "$6"
	code=$(curl -s -D "$T/$4.h" -o "$T/$4.b" -w '%{http_code}' \
	    -H "Authorization: Bearer $2" \
	    -H "Content-Type: multipart/form-data; boundary=$BOUNDARY" \
	    --data-binary @"$T/$4.mp" "$1/api/v1/admin/products/$3/file")
	body=$(cat "$T/$4.b")
}

# jfield JSON KEY: a string or number field (the first one) of a JSON text.
jfield()
{
	printf '%s' "$1" | sed -n "s/.*\"$2\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" | head -n 1
}

# signin BASE: a JWT for our owner.
signin()
{
	curl -s "$1/api/v1/admin/auth/token" -H 'Content-Type: application/json' \
	    -d "{\"email\":\"owner@$SLUG.test\",\"password\":\"$PASSWORD\"}" |
	    sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}

# product BASE JWT NAME: a new product; prints its id.
product()
{
	curl -s "$1/api/v1/admin/products" -H "Authorization: Bearer $2" \
	    -H 'Content-Type: application/json' \
	    -d "{\"name\":\"$3\",\"price\":4.5}" |
	    sed -n 's/.*"data":{"id":"\([^"]*\)".*/\1/p'
}

# page_is NAME STATUS OUTCOME: the buyer's HTML page for OUTCOME.
page_is()
{
	[ "$code" = "$2" ] &&
	    [[ $(hdr "$1" Content-Type) == text/html* ]] &&
	    grep -q "data-outcome=\"$3\"" "$T/$1.b"
}

# ---- set-up: a store of our own ---------------------------------------------
cd "$B" || exit 1
out=$("$B/tools/colmena" store-create --slug "$SLUG" --name "Delivery Test" \
    --currency USD 2>&1)
check "store-create $SLUG" $? "$out"
out=$(COLMENA_PASSWORD=$PASSWORD "$B/tools/colmena" user-create --store "$SLUG" \
    --email "owner@$SLUG.test" --role owner 2>&1)
check "user-create (owner)" $? "$out"
SID=$("$PSQL" -X -q -At -d "$OWNER_DB" -c "SELECT id FROM stores WHERE slug = '$SLUG'")
JWT=$(signin "$SHARED_URL")
[ -n "$SID" ] && [ -n "$JWT" ]
check "our store and a JWT for its owner" $? "store '$SID', jwt '${JWT:0:12}'"
[ -n "$SID" ] && [ -n "$JWT" ] || exit 1
U=$SHARED_URL

# ---- 1. plain storage ---------------------------------------------------------
PDF_NAME='Résumé – 2024.pdf'
{
	printf '%%PDF-1.7\n%% delivery test DLV-PLAIN-%s\n' "$RANDOM$RANDOM"
	head -c 9000 /dev/urandom
	printf '\n%%%%EOF\n'
} >"$T/doc.pdf"
PDF_SIZE=$(stat -c %s "$T/doc.pdf")
PDF_SHA=$(sha256sum <"$T/doc.pdf" | cut -d' ' -f1)
P1=$(product "$U" "$JWT" "Guide")
[ -n "$P1" ]
check "product for the PDF" $? "no id"

upload "$U" "$JWT" "$P1" up1 "$PDF_NAME" "$T/doc.pdf" application/pdf
[ "$code" = 201 ]
check "PDF upload: 201" $? "$code $body"
[ "$(jfield "$body" sha256)" = "$PDF_SHA" ] && [ "$(jfield "$body" size)" = "$PDF_SIZE" ]
check "PDF upload: sha256 and size are those of the bytes sent" $? \
    "want $PDF_SHA/$PDF_SIZE: $body"
[ "$(jfield "$body" fileName)" = "$PDF_NAME" ] &&
    [ "$(jfield "$body" contentType)" = application/pdf ] &&
    [[ $body == *'"encrypted":false'* ]] && [[ $body == *'"storage":"local"'* ]]
check "PDF upload: name, type, plain local storage" $? "$body"
key1=$(sql "SELECT f.storage_key FROM products p JOIN product_files f ON f.id = p.file_id
    WHERE p.id = '$P1'")
[[ $key1 =~ ^stores/$SID/products/files/[0-9a-f-]{36}$ ]] &&
    cmp -s "$SHARED_FILES/$key1" "$T/doc.pdf"
check "the stored file is the upload, under a generated key" $? \
    "key '$key1' in $SHARED_FILES"

O1=$(order paid buyer1@example.test)
L1=$(link "$O1" "$P1" 50 0 "now() + interval '1 day'")
get d1 "$U/download/$L1"
[ "$code" = 200 ] && cmp -s "$T/d1.b" "$T/doc.pdf"
check "download whole: 200, the same bytes" $? "$code, $(stat -c %s "$T/d1.b") bytes"
[ "$(hdr d1 Content-Type)" = application/pdf ]
check "download: Content-Type application/pdf" $? "'$(hdr d1 Content-Type)'"
cd_val=$(hdr d1 Content-Disposition)
[[ $cd_val == attachment\;* ]] &&
    [[ $cd_val == *"filename*=UTF-8''R%C3%A9sum%C3%A9%20%E2%80%93%202024.pdf"* ]]
check "Content-Disposition: attachment, the UTF-8 name per RFC 5987" $? "'$cd_val'"
fb=$(printf '%s' "$cd_val" | sed -n 's/.*; filename="\([^"]*\)".*/\1/p')
[ -n "$fb" ] && [[ $fb == *.pdf ]] && ! printf '%s' "$fb" | LC_ALL=C grep -q '[^ -~]'
check "Content-Disposition: an ASCII filename= fallback" $? "'$cd_val'"
[ "$(hdr d1 X-Content-Type-Options)" = nosniff ]
check "download: X-Content-Type-Options nosniff" $? "'$(hdr d1 X-Content-Type-Options)'"
[ "$(hdr d1 Cache-Control)" = "private, no-store" ] &&
    [ "$(grep -ci '^Cache-Control:' "$T/d1.h")" = 1 ]
check "download: Cache-Control private, no-store (once)" $? \
    "$(grep -i '^Cache-Control' "$T/d1.h" | tr -d '\r' | tr '\n' '|')"
[ "$(hdr d1 Content-Length)" = "$PDF_SIZE" ]
check "download: Content-Length is the file's size" $? "'$(hdr d1 Content-Length)'"
left1=$(hdr d1 X-Downloads-Left)
[ "$left1" = 49 ]
check "first download counted: X-Downloads-Left 49" $? "'$left1'"

# ranges (same browser within the window: not counted again)
range_ok() # NAME RANGE START END SIZE FILE
{
	get "$1" "$U/download/$L1" -H "Range: bytes=$2"
	[ "$code" = 206 ] &&
	    [ "$(hdr "$1" Content-Range)" = "bytes $3-$4/$5" ] &&
	    cmp -s "$T/$1.b" <(slice "$6" "$3" $(($4 - $3 + 1)))
}
range_ok r1 0-0 0 0 "$PDF_SIZE" "$T/doc.pdf"
check "Range bytes=0-0: 206, Content-Range, the first byte" $? \
    "$code '$(hdr r1 Content-Range)' $(od -An -tx1 "$T/r1.b" | head -c 20)"
range_ok r2 4000-4999 4000 4999 "$PDF_SIZE" "$T/doc.pdf"
check "Range in the middle (bytes=4000-4999)" $? "$code '$(hdr r2 Content-Range)'"
range_ok r3 -1 $((PDF_SIZE - 1)) $((PDF_SIZE - 1)) "$PDF_SIZE" "$T/doc.pdf"
check "Range bytes=-1: the last byte" $? "$code '$(hdr r3 Content-Range)'"

# HEAD: headers only, never counted, even from another browser.
before=$(tokcol "$L1" download_count)
nev=$(sql "SELECT count(*) FROM download_events WHERE token_id =
    (SELECT id FROM download_tokens WHERE token_hash = sha256(convert_to('$L1', 'UTF8')))")
rawhead head "$U" "/download/$L1" dlv-head-only
hbytes=$(stat -c %s "$T/head.raw")
headonly head
check "HEAD: 200 with headers and no body" $? \
    "'$hstatus', $hbytes bytes, ends: $(tail -c 16 "$T/head.raw" | od -An -c | tr -s ' ')"
[[ $hstatus == *" 200 "* ]] && grep -qi "^Content-Length: $PDF_SIZE"$'\r' "$T/head.raw" &&
    grep -qi '^Content-Type: application/pdf' "$T/head.raw"
check "HEAD: status 200, Content-Length and Content-Type of the file" $? "$hstatus"
after=$(tokcol "$L1" download_count)
nev2=$(sql "SELECT count(*) FROM download_events WHERE token_id =
    (SELECT id FROM download_tokens WHERE token_hash = sha256(convert_to('$L1', 'UTF8')))")
[ "$before" = 1 ] && [ "$after" = 1 ] && [ "$nev2" = $((nev + 1)) ]
check "HEAD from a new browser is recorded but not counted" $? \
    "download_count $before -> $after, events $nev -> $nev2"

# A PNG named .pdf.
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0aIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\x0d\x0a\x2d\xb4\x00\x00\x00\x00IEND\xaeB`\x82' >"$T/img.png"
nfiles=$(sql "SELECT count(*) FROM product_files")
upload "$U" "$JWT" "$P1" up2 "report.pdf" "$T/img.png" application/pdf
[ "$code" = 415 ] && [[ $body == *'"code":"UNSUPPORTED_MEDIA_TYPE"'* ]] &&
    [[ $body == *PNG* ]]
check "a PNG named .pdf: 415 naming PNG" $? "$code $body"
[ "$(sql "SELECT count(*) FROM product_files")" = "$nfiles" ] &&
    [ "$(sql "SELECT storage_key FROM product_files WHERE id =
        (SELECT file_id FROM products WHERE id = '$P1')")" = "$key1" ]
check "the refused PNG left no file version" $? "product_files $nfiles -> $(sql "SELECT count(*) FROM product_files")"

# A traversal name: stored under a generated key, served as "passwd".
P2=$(product "$U" "$JWT" "Passwd")
printf 'root:x:0:0:DLV-TRAVERSAL-%s:/root:/bin/sh\n' "$RANDOM$RANDOM" >"$T/passwd.txt"
cp /etc/passwd "$T/etc-passwd.before" 2>/dev/null
upload "$U" "$JWT" "$P2" up3 "../../etc/passwd" "$T/passwd.txt" text/plain
[ "$code" = 201 ] && [ "$(jfield "$body" fileName)" = passwd ]
check "upload named ../../etc/passwd: 201, fileName passwd" $? "$code $body"
key2=$(sql "SELECT storage_key || ' ' || file_name FROM product_files WHERE product_id = '$P2'")
[[ $key2 =~ ^stores/$SID/products/files/[0-9a-f-]{36}\ passwd$ ]] &&
    cmp -s "$SHARED_FILES/${key2%% *}" "$T/passwd.txt"
check "stored under a generated key, named passwd" $? "'$key2'"
! grep -rqsF "$(cat "$T/passwd.txt")" /etc/passwd "$SHARED_FILES/../../etc" \
    "$SHARED_FILES/../etc" "$SHARED_FILES/etc" "$SHARED_FILES/temp"
check "nothing written outside the generated key" $? "found the content elsewhere"
L2=$(link "$O1" "$P2" 5 0 "now() + interval '1 day'")
get d2 "$U/download/$L2"
[ "$code" = 200 ] && cmp -s "$T/d2.b" "$T/passwd.txt" &&
    [ "$(hdr d2 Content-Disposition)" = 'attachment; filename="passwd"' ]
check "served as attachment; filename=\"passwd\"" $? \
    "$code '$(hdr d2 Content-Disposition)'"
[[ $(hdr d2 Content-Type) == text/plain* ]]
check "the text file is served as text/plain" $? "'$(hdr d2 Content-Type)'"

# A JSON body; a form without "file".
code=$(curl -s -o "$T/up4.b" -w '%{http_code}' -H "Authorization: Bearer $JWT" \
    -H 'Content-Type: application/json' -d '{"file":"JVBERi0xLjQK"}' \
    "$U/api/v1/admin/products/$P1/file")
[ "$code" = 415 ] && grep -q '"code":"UNSUPPORTED_MEDIA_TYPE"' "$T/up4.b"
check "Content-Type application/json: 415" $? "$code $(cat "$T/up4.b")"
code=$(curl -s -o "$T/up5.b" -w '%{http_code}' -H "Authorization: Bearer $JWT" \
    -F 'name=not a file' -F 'notes=@'"$T/doc.pdf" "$U/api/v1/admin/products/$P1/file")
[ "$code" = 400 ] && grep -q '"code":"VALIDATION_ERROR"' "$T/up5.b" &&
    grep -q '"details":{"file":' "$T/up5.b"
check "no \"file\" field: 400 naming it" $? "$code $(cat "$T/up5.b")"
[ "$(sql "SELECT count(*) FROM product_files")" = $((nfiles + 1)) ]
check "refused uploads stored nothing" $? "product_files count"

# ---- 2. link states -----------------------------------------------------------
state() # NAME RAW STATUS OUTCOME WHAT
{
	local ev

	get "$1" "$U/download/$2"
	page_is "$1" "$3" "$4"
	check "$5: $3 page data-outcome=$4" $? \
	    "$code '$(hdr "$1" Content-Type)' $(grep -o 'data-outcome="[^"]*"' "$T/$1.b")"
	if [ "$4" != unknown ]; then
		ev=$(events "$2")
		[ "$ev" = "$4" ]
		check "$5: a download_events row '$4'" $? "events '$ev'"
	fi
}
L_exp=$(link "$O1" "$P1" 5 1 "now() - interval '1 hour'")
state s1 "$L_exp" 410 expired "expired link"
grep -q "It was valid until 20[0-9-]* [0-9:]* UTC" "$T/s1.b" &&
    grep -q "action=\"/download/$L_exp/resend\"" "$T/s1.b"
check "expired page: when it expired, and the resend form for this link" $? \
    "$(grep -o 'action="[^"]*"' "$T/s1.b")"
L_used=$(link "$O1" "$P1" 3 3 "now() + interval '1 day'")
state s2 "$L_used" 410 used_up "used-up link"
# The link has not expired: the page must not say it was valid until a
# time still to come (download.c passes expires_at for every outcome).
! grep -q 'It was valid until' "$T/s2.b"
check "used-up page (link not expired) does not say 'It was valid until' a future time" $? \
    "$(grep -o '<p>It was valid until[^<]*</p>' "$T/s2.b")"
# HEAD is GET without the body (RFC 9110 9.3.2): a link GET refuses is
# refused to HEAD too, or a download manager probing first is misled.
rawhead hs1 "$U" "/download/$L_exp" "$UA"
[[ $hstatus == *" 410 "* ]] && headonly hs1
check "HEAD of an expired link: 410, no body" $? "'$hstatus'"
rawhead hs2 "$U" "/download/$L_used" "$UA"
[[ $hstatus == *" 410 "* ]] && headonly hs2
check "HEAD of a used-up link: 410 as for GET (not 200)" $? \
    "'$hstatus' $(grep -ai '^X-Downloads-Left' "$T/hs2.raw" | tr -d '\r')"
[ "$(tokcol "$L_used" download_count)" = 3 ]
check "HEAD of a used-up link counts nothing" $? "count $(tokcol "$L_used" download_count)"
L_rev=$(link "$O1" "$P1" 5 0 "now() + interval '1 day'" "now() - interval '1 minute'")
state s3 "$L_rev" 410 revoked "withdrawn link"
for st in refunded disputed pending; do
	o=$(order "$st" "buyer-$st@example.test")
	l=$(link "$o" "$P1" 5 0 "now() + interval '1 day'")
	state "s-$st" "$l" 410 unpaid "order $st"
done
o=$(order partially_refunded buyer-part@example.test)
l=$(link "$o" "$P1" 5 0 "now() + interval '1 day'")
get s-part "$U/download/$l"
[ "$code" = 200 ] && cmp -s "$T/s-part.b" "$T/doc.pdf"
check "order partially_refunded: the link still works" $? "$code"
[ "$(hdr s3 Cache-Control)" = no-store ] &&
    [[ $(hdr s3 Content-Security-Policy) == *"default-src 'none'"* ]]
check "the page is not cached and has a strict CSP" $? \
    "'$(hdr s3 Cache-Control)' '$(hdr s3 Content-Security-Policy)'"
L_nofile=$(link "$O1" "$P1" 5 0 "now() + interval '1 day'")
sql "UPDATE download_tokens SET file_id = NULL
    WHERE token_hash = sha256(convert_to('$L_nofile', 'UTF8'))" >/dev/null
state s7 "$L_nofile" 404 no_file "link without a file"
state s4 "$(rawtoken)" 404 unknown "unknown token"
! grep -q '<form' "$T/s4.b"
check "unknown token: no resend form" $? "$(grep -o '<form[^>]*>' "$T/s4.b")"
good=$(rawtoken)
for bad in "${good:0:42}" "${good}A" "${good:0:42}+" "${good:0:42}." "${good:0:40}%2F.." \
    "${good:0:42}="; do
	get s5 "$U/download/$bad"
	page_is s5 404 unknown
	check "malformed token '$bad': 404 page" $? "$code $(head -c 200 "$T/s5.b")"
done
get s6 "$U/download/"
[ "$code" = 404 ]
check "no token at all: 404" $? "$code"

# ---- 3. counting --------------------------------------------------------------
L3=$(link "$O1" "$P1" 3 0 "now() + interval '1 day'")
get c1 "$U/download/$L3" -A dlv-click/1
get c2 "$U/download/$L3" -A dlv-click/1
a=$(hdr c1 X-Downloads-Left) b=$(hdr c2 X-Downloads-Left)
[ "$a" = 2 ] && [ "$b" = 2 ] && [ "$(tokcol "$L3" download_count)" = 1 ] &&
    cmp -s "$T/c2.b" "$T/doc.pdf"
check "double click: served twice, counted once" $? \
    "left $a then $b, download_count $(tokcol "$L3" download_count)"
get c3 "$U/download/$L3" -A dlv-other-browser/2
[ "$(hdr c3 X-Downloads-Left)" = 1 ] && [ "$(tokcol "$L3" download_count)" = 2 ]
check "another User-Agent counts again" $? \
    "left '$(hdr c3 X-Downloads-Left)', download_count $(tokcol "$L3" download_count)"
[ "$(events "$L3")" = "served repeat served" ]
check "events: served, repeat, served" $? "'$(events "$L3")'"
ev=$(sql "SELECT e.ip || '|' || e.user_agent || '|' || coalesce(e.range, '-') FROM download_events e
    JOIN download_tokens d ON d.id = e.token_id
    WHERE d.token_hash = sha256(convert_to('$L3', 'UTF8')) ORDER BY e.id DESC LIMIT 1")
[ "$ev" = "127.0.0.1|dlv-other-browser/2|-" ]
check "an event records the address and User-Agent" $? "'$ev'"
ev=$(sql "SELECT string_agg(coalesce(e.range, '-'), ',' ORDER BY e.id) FROM download_events e
    JOIN download_tokens d ON d.id = e.token_id
    WHERE d.token_hash = sha256(convert_to('$L1', 'UTF8'))")
[ "$ev" = "-,bytes=0-0,bytes=4000-4999,bytes=-1,-" ]
check "events record the Range asked for" $? "'$ev'"

L4=$(link "$O1" "$P1" 2 1 "now() + interval '1 day'")
seq 1 8 | xargs -P 8 -I{} sh -c 'curl -s -A "dlv-racer/{}" -o "$1/race{}.b" \
    -w "%{http_code}\n" "$2"' _ "$T" "$U/download/$L4" >"$T/race.codes"
n200=$(grep -c '^200$' "$T/race.codes")
n410=$(grep -c '^410$' "$T/race.codes")
[ "$n200" = 1 ] && [ "$n410" = 7 ]
check "8 browsers race for the last download: one 200, seven 410" $? \
    "$(sort "$T/race.codes" | uniq -c | tr '\n' ' ')"
nused=0 nwin=0
for i in 1 2 3 4 5 6 7 8; do
	grep -q 'data-outcome="used_up"' "$T/race$i.b" && nused=$((nused + 1))
	cmp -s "$T/race$i.b" "$T/doc.pdf" && nwin=$((nwin + 1))
done
[ "$nused" = 7 ] && [ "$nwin" = 1 ]
check "the winner gets the file, the others the used_up page" $? \
    "$nwin files, $nused used_up pages"
[ "$(tokcol "$L4" download_count)" = 2 ] &&
    [ "$(sql "SELECT string_agg(outcome || ':' || n, ' ' ORDER BY outcome) FROM
        (SELECT e.outcome, count(*) n FROM download_events e JOIN download_tokens d
         ON d.id = e.token_id WHERE d.token_hash = sha256(convert_to('$L4', 'UTF8'))
         GROUP BY 1) x")" = "served:1 used_up:7" ]
check "the race in the database: download_count 2, 1 served and 7 used_up events" $? \
    "count $(tokcol "$L4" download_count), events '$(events "$L4")'"

# A new version: past buyers keep the one they bought, new links get the new.
{ printf '%%PDF-1.7\n%% version two\n'; head -c 3000 /dev/urandom; } >"$T/doc2.pdf"
upload "$U" "$JWT" "$P1" up6 "Second edition.pdf" "$T/doc2.pdf" application/pdf
[ "$code" = 201 ]
check "a second version of the PDF: 201" $? "$code $body"
get v1 "$U/download/$L1"
L1b=$(link "$O1" "$P1" 5 0 "now() + interval '1 day'")
get v2 "$U/download/$L1b"
cmp -s "$T/v1.b" "$T/doc.pdf" && [[ $(hdr v1 Content-Disposition) == *2024.pdf ]] &&
    cmp -s "$T/v2.b" "$T/doc2.pdf" &&
    [ "$(hdr v2 Content-Disposition)" = 'attachment; filename="Second edition.pdf"' ]
check "the old link still serves the version bought, a new link the new one" $? \
    "old: $(stat -c %s "$T/v1.b") bytes '$(hdr v1 Content-Disposition)', new: $(stat -c %s "$T/v2.b") bytes '$(hdr v2 Content-Disposition)'"

# ---- 5a. fresh links: two requests at once issue them once ----------------
# Two POSTs for the same expired link (a double click on "Email me fresh
# links"): the link must be replaced once. The row is held for 2 s so both
# requests are inside download_resend() at the same time, every run.
O9=$(order paid buyer-race@example.test)
L_race=$(link "$O9" "$P1" 5 1 "now() - interval '1 hour'")
printf "SELECT set_config('app.store_id', '%s', false) \\gset\nBEGIN;\nSELECT 1 FROM download_tokens WHERE token_hash = sha256(convert_to('%s', 'UTF8')) FOR UPDATE;\nSELECT pg_sleep(2);\nCOMMIT;\n" \
    "$SID" "$L_race" | "$PSQL" -X -q -At -d "$OWNER_DB" >/dev/null &
lockpid=$!
sleep 0.5
rpids=()
for i in 1 2; do
	curl -s -o "$T/rr$i.b" -w '%{http_code}\n' --max-time 20 \
	    --data-urlencode email=buyer-race@example.test \
	    "$U/download/$L_race/resend" >"$T/rr$i.code" &
	rpids+=($!)
done
wait "$lockpid" "${rpids[@]}"
[ "$(cat "$T/rr1.code")" = 200 ] && [ "$(cat "$T/rr2.code")" = 200 ]
check "two resend requests at once: both answered with the page" $? \
    "$(cat "$T/rr1.code" "$T/rr2.code" | tr '\n' ' ')"
nrows=$(sql "SELECT count(*) FROM outbox WHERE payload->>'orderId' = '$O9'")
live=$(sql "SELECT count(*) || ' links, ' || coalesce(sum(max_downloads - download_count), 0)
    || ' downloads' FROM download_tokens WHERE order_id = '$O9' AND revoked_at IS NULL")
[ "$nrows" = 1 ] && [ "$live" = "1 links, 4 downloads" ]
check "two resend requests at once: one email, one fresh link with the 4 downloads left" $? \
    "$nrows outbox rows; live: $live"

# ---- 4. encrypted storage and clamd, on our own lighttpd -----------------------
t0=$(date +%s)
harness_clamd_start "$T/clamd"
check "clamd starts" $? "see its log above"
[ -n "${COLMENA_TEST_CLAMD:-}" ] || { echo "$pass passed, $fail failed"; finished=1; exit 1; }
unset COLMENA_PORT
export COLMENA_RUN=$T/run COLMENA_FILES=$T/files
export COLMENA_CGIBIN=${COLMENA_CGIBIN:-$B/cgi-bin}
export HARNESS_RATELIMIT_FILE=$T/ratelimit HARNESS_RATELIMIT_UPLOADS=1000
HARNESS_BUILDDIR=$B
harness_write_config "$T/colmena.conf"
KEYHEX=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat >>"$COLMENA_CONFIG" <<EOF
storage_encrypt = 1
storage_keys = k1:$KEYHEX
storage_key_id = k1
clamd = $COLMENA_TEST_CLAMD
upload_file_max = 1048576
download_repeat_window = 3
EOF
harness_lighttpd_start
OWN_STARTED=1
E=$COLMENA_TEST_URL
LOG=$COLMENA_RUN/lighttpd-error.log
EJWT=$(signin "$E")
P3=$(product "$E" "$EJWT" "Encrypted")
[ -n "$EJWT" ] && [ -n "$P3" ]
check "own lighttpd: sign-in and a product" $? "jwt '${EJWT:0:12}', product '$P3'"

MARK=DLV-SECRET-$RANDOM$RANDOM
awk -v m="$MARK" 'BEGIN { for (i = 1; i <= 4200; i++)
    printf "line %06d %s the quick brown fox jumps over the dog\n", i, m }' >"$T/big.txt"
BIG=$(stat -c %s "$T/big.txt")
upload "$E" "$EJWT" "$P3" eup1 "notes.txt" "$T/big.txt" text/plain
[ "$code" = 201 ] && [[ $body == *'"encrypted":true'* ]] &&
    [ "$(jfield "$body" size)" = "$BIG" ] &&
    [ "$(jfield "$body" sha256)" = "$(sha256sum <"$T/big.txt" | cut -d' ' -f1)" ]
check "encrypted upload: 201, encrypted true, size and sha256 of the plaintext" $? \
    "$code $body"
ekey=$(sql "SELECT storage_key || ' ' || coalesce(key_id, '-') FROM product_files
    WHERE product_id = '$P3'")
EFILE=$COLMENA_FILES/${ekey%% *}
[ "${ekey##* }" = k1 ] && [ -f "$EFILE" ] && [ "$(head -c 4 "$EFILE")" = CLMF ]
check "stored encrypted (key_id k1, an fcrypt file)" $? "'$ekey'"
! grep -rqF "$MARK" "$COLMENA_FILES"
check "the plaintext is nowhere under the storage root" $? \
    "$(grep -rlF "$MARK" "$COLMENA_FILES" | head -n 3)"
[ -z "$(ls -A "$COLMENA_FILES/temp" 2>/dev/null)" ]
check "no temp file left after a stored upload" $? "$(ls -A "$COLMENA_FILES/temp")"

O2=$(order paid buyer2@example.test)
L5=$(link "$O2" "$P3" 100 0 "now() + interval '1 day'")
get e1 "$E/download/$L5"
[ "$code" = 200 ] && cmp -s "$T/e1.b" "$T/big.txt" &&
    [ "$(hdr e1 Content-Length)" = "$BIG" ] &&
    [[ $(hdr e1 Content-Type) == text/plain* ]] &&
    [ "$(hdr e1 Cache-Control)" = "private, no-store" ]
check "encrypted download whole: 200, the original bytes" $? \
    "$code, $(stat -c %s "$T/e1.b") of $BIG bytes, CL '$(hdr e1 Content-Length)'"
[ "$(hdr e1 Accept-Ranges)" = bytes ] &&
    [ "$(hdr e1 ETag)" = "\"$(sha256sum <"$T/big.txt" | cut -d' ' -f1)\"" ] &&
    [ "$(hdr e1 X-Content-Type-Options)" = nosniff ] &&
    [[ $(hdr e1 Content-Disposition) == 'attachment; filename="notes.txt"' ]]
check "encrypted download: Accept-Ranges, ETag (the sha256), nosniff, attachment" $? \
    "$(grep -i '^Accept-Ranges\|^ETag\|^Content-Disp' "$T/e1.h" | tr -d '\r' | tr '\n' '|')"
eget_range() # NAME RANGE START END
{
	get "$1" "$E/download/$L5" -H "Range: bytes=$2"
	[ "$code" = 206 ] &&
	    [ "$(hdr "$1" Content-Range)" = "bytes $3-$4/$BIG" ] &&
	    [ "$(hdr "$1" Content-Length)" = $(($4 - $3 + 1)) ] &&
	    cmp -s "$T/$1.b" <(slice "$T/big.txt" "$3" $(($4 - $3 + 1)))
}
eget_range e2 0-0 0 0
check "encrypted Range bytes=0-0" $? "$code '$(hdr e2 Content-Range)'"
eget_range e3 100000-100099 100000 100099
check "encrypted Range in the middle (bytes=100000-100099)" $? "$code '$(hdr e3 Content-Range)'"
eget_range e4 -1 $((BIG - 1)) $((BIG - 1))
check "encrypted Range bytes=-1" $? "$code '$(hdr e4 Content-Range)'"
eget_range e5 65500-65599 65500 65599
check "encrypted Range across the 64 KiB chunk boundary (65500-65599)" $? \
    "$code '$(hdr e5 Content-Range)'"
eget_range e6 131000- 131000 $((BIG - 1))
check "encrypted Range from the third chunk to the end (131000-)" $? \
    "$code '$(hdr e6 Content-Range)'"
before=$(tokcol "$L5" download_count)
get e7 "$E/download/$L5" -H 'Range: bytes=999999999-' -A "a client not seen before"
[ "$code" = 416 ] && [ "$(hdr e7 Content-Range)" = "bytes */$BIG" ]
check "Range bytes=999999999-: 416, Content-Range bytes */size" $? \
    "$code '$(hdr e7 Content-Range)'"
[ "$(tokcol "$L5" download_count)" = "$before" ]
check "a range past the end uses up no download, even from a new client" $? \
    "download_count $before -> $(tokcol "$L5" download_count)"
get e8 "$E/download/$L5" -H 'Range: bytes=10-19' -H 'If-Range: "0000deadbeef"'
[ "$code" = 200 ] && cmp -s "$T/e8.b" "$T/big.txt"
check "If-Range with another ETag: the whole file, 200" $? "$code $(stat -c %s "$T/e8.b") bytes"
get e9 "$E/download/$L5" -H 'Range: bytes=10-19' -H "If-Range: $(hdr e1 ETag)"
[ "$code" = 206 ] && cmp -s "$T/e9.b" <(slice "$T/big.txt" 10 10)
check "If-Range with the file's ETag: the range, 206" $? "$code"
rawhead e10 "$E" "/download/$L5" "$UA"
[[ $hstatus == *" 200 "* ]] && grep -qi "^Content-Length: $BIG"$'\r' "$T/e10.raw" &&
    headonly e10
check "encrypted HEAD: 200, Content-Length, no body" $? \
    "'$hstatus', $(stat -c %s "$T/e10.raw") bytes"
eget_range e11 65536-131071 65536 131071
check "encrypted Range of exactly the second chunk (65536-131071)" $? \
    "$code '$(hdr e11 Content-Range)'"

# A file of exactly two chunks (the last chunk full).
P4=$(product "$E" "$EJWT" "Two chunks")
head -c 131072 /dev/zero | tr '\0' 'q' >"$T/two.txt"
upload "$E" "$EJWT" "$P4" eup5 "two.txt" "$T/two.txt" text/plain
L8=$(link "$(order paid buyer9@example.test)" "$P4" 10 0 "now() + interval '1 day'")
get x1 "$E/download/$L8"
get x2 "$E/download/$L8" -H 'Range: bytes=-2'
[ "$code" = 206 ] && [ "$(hdr x2 Content-Range)" = "bytes 131070-131071/131072" ] &&
    [ "$(cat "$T/x2.b")" = qq ] && cmp -s "$T/x1.b" "$T/two.txt"
check "a file of exactly 128 KiB: whole, and its last bytes" $? \
    "$code '$(hdr x2 Content-Range)' whole $(stat -c %s "$T/x1.b")"

# The repeat window (3 s here) and resumed downloads. A resumed download
# is a range starting after byte 0, from the client counted last, within
# an hour: free, even on a used-up link. A whole file asked for with a Range
# header is no resume: bytes=-N (N >= size) starts at byte 0, and a header
# that is no byte range at all gets the whole file.
L6=$(link "$O2" "$P3" 10 0 "now() + interval '1 day'")
L6b=$(link "$O2" "$P3" 1 0 "now() + interval '1 day'")
L6c=$(link "$O2" "$P3" 1 0 "now() + interval '1 day'")
L6d=$(link "$O2" "$P3" 1 0 "now() + interval '1 day'")
get w1 "$E/download/$L6" -A dlv-window/1
get w2 "$E/download/$L6" -A dlv-window/1
[ "$(hdr w1 X-Downloads-Left)" = 9 ] && [ "$(hdr w2 X-Downloads-Left)" = 9 ]
check "own lighttpd: a double click within 3 s counts once" $? \
    "'$(hdr w1 X-Downloads-Left)' '$(hdr w2 X-Downloads-Left)'"
get wb "$E/download/$L6b" -A dlv-suffix/1
get wc "$E/download/$L6c" -A dlv-junk/1
get wd "$E/download/$L6d" -A dlv-resume/1
[ "$(hdr wb X-Downloads-Left)$(hdr wc X-Downloads-Left)$(hdr wd X-Downloads-Left)" = 000 ]
check "three one-download links used up" $? "left $(hdr wb X-Downloads-Left) $(hdr wc X-Downloads-Left) $(hdr wd X-Downloads-Left)"
sleep 3.5
get w3 "$E/download/$L6" -A dlv-window/1 -H 'Range: bytes=70000-'
[ "$code" = 206 ] && [ "$(hdr w3 X-Downloads-Left)" = 9 ] &&
    cmp -s "$T/w3.b" <(tail -c +70001 "$T/big.txt")
check "after the window, a resumed range (bytes=70000-) from the same browser is free" $? \
    "$code left '$(hdr w3 X-Downloads-Left)'"
get wd2 "$E/download/$L6d" -A dlv-resume/1 -H 'Range: bytes=70000-'
[ "$code" = 206 ] && cmp -s "$T/wd2.b" <(tail -c +70001 "$T/big.txt")
check "a used-up link's last download can be resumed (bytes=70000-): 206" $? "$code"
get wb2 "$E/download/$L6b" -A dlv-suffix/1 -H 'Range: bytes=-999999999'
page_is wb2 410 used_up
check "used up: Range bytes=-999999999 (the whole file) is no resume: 410 used_up" $? \
    "$code '$(hdr wb2 Content-Range)', $(stat -c %s "$T/wb2.b") bytes"
get wc2 "$E/download/$L6c" -A dlv-junk/1 -H 'Range: lines=0-'
page_is wc2 410 used_up
check "used up: a Range header that is no byte range is no resume: 410 used_up" $? \
    "$code, $(stat -c %s "$T/wc2.b") bytes"
get w4 "$E/download/$L6" -A dlv-window/1
[ "$(hdr w4 X-Downloads-Left)" = 8 ] && [ "$(tokcol "$L6" download_count)" = 2 ]
check "after the window, the same browser's whole download counts again" $? \
    "left '$(hdr w4 X-Downloads-Left)', count $(tokcol "$L6" download_count)"
get w5 "$E/download/$L6" -A dlv-window/other -H 'Range: bytes=70000-'
[ "$(hdr w5 X-Downloads-Left)" = 7 ]
check "a range from another browser is counted" $? "left '$(hdr w5 X-Downloads-Left)'"

# Fresh links by email (on this lighttpd: its own resend allowance).
post_resend() # NAME RAW EMAIL
{
	code=$(curl -s -A "$UA" -D "$T/$1.h" -o "$T/$1.b" -w '%{http_code}' \
	    --data-urlencode "email=$3" "$E/download/$2/resend")
}
O5=$(order paid Buyer5@Example.test)
L_old=$(link "$O5" "$P3" 5 2 "now() - interval '2 hours'")
L_usedup5=$(link "$O5" "$P3" 2 2 "now() - interval '2 hours'")
get rs0 "$E/download/$L_old"
page_is rs0 410 expired && grep -q "<form method=\"post\" action=\"/download/$L_old/resend\"" "$T/rs0.b" &&
    grep -q 'name="email"' "$T/rs0.b"
check "an expired link's page posts its form to /download/{token}/resend" $? \
    "$code $(grep -o '<form[^>]*>' "$T/rs0.b")"
nout=$(sql "SELECT count(*) FROM outbox WHERE kind = 'download_links'")
post_resend rs1 "$L_old" buyer5@example.test
page_is rs1 200 resent
check "resend with the order's email: the resent page" $? "$code $(grep -o 'data-outcome="[^"]*"' "$T/rs1.b")"
orow=$(sql "SELECT recipient || '|' || (payload->>'links') FROM outbox
    WHERE kind = 'download_links' AND payload->>'orderId' = '$O5'")
obody=$(sql "SELECT body_text FROM outbox WHERE kind = 'download_links'
    AND payload->>'orderId' = '$O5'")
[ "$orow" = "Buyer5@Example.test|1" ]
check "an outbox row download_links to the order's address, one link" $? "'$orow'"
new=$(printf '%s' "$obody" | grep -o '/download/[A-Za-z0-9_-]*' | head -n 1)
new=${new#/download/}
[ ${#new} = 43 ] && [ "$(printf '%s' "$obody" | grep -c '/download/')" = 1 ]
check "the email holds one new /download/ link" $? "$obody"
get rs2 "$E/download/$new"
[ "$code" = 200 ] && cmp -s "$T/rs2.b" "$T/big.txt" && [ "$(hdr rs2 X-Downloads-Left)" = 2 ]
check "the new link works, with the downloads that were left (3, now 2)" $? \
    "$code left '$(hdr rs2 X-Downloads-Left)'"
[ "$(tokcol "$new" "expires_at BETWEEN now() + interval '71 hours' AND now() + interval '73 hours'")" = t ] &&
    [ "$(tokcol "$new" "max_downloads || '/' || (revoked_at IS NULL)")" = "3/true" ]
check "the new link: the product's 72 hours again, 3 downloads" $? \
    "$(tokcol "$new" "expires_at || ' ' || max_downloads")"
get rs3 "$E/download/$L_old"
page_is rs3 410 revoked
check "the old link is now withdrawn (revoked)" $? "$code $(grep -o 'data-outcome="[^"]*"' "$T/rs3.b")"
[ "$(tokcol "$L_usedup5" "revoked_at IS NULL")" = t ]
check "the order's used-up expired link was not re-issued" $? "revoked_at set"

O6=$(order paid buyer6@example.test)
L_other=$(link "$O6" "$P3" 5 0 "now() - interval '2 hours'")
post_resend rs4 "$L_other" someone-else@example.test
[ "$code" = 200 ] && cmp -s "$T/rs4.b" "$T/rs1.b"
check "resend with another email: the same status and page" $? \
    "$code, $(diff "$T/rs1.b" "$T/rs4.b" | head -n 4)"
[ "$(sql "SELECT count(*) FROM outbox WHERE payload->>'orderId' = '$O6'")" = 0 ] &&
    [ "$(tokcol "$L_other" "revoked_at IS NULL")" = t ]
check "another email: no outbox row, the link untouched" $? "outbox or revoked_at"

O7=$(order paid buyer7@example.test)
L_used7=$(link "$O7" "$P3" 3 3 "now() + interval '1 day'")
get rs5 "$E/download/$L_used7"
page_is rs5 410 used_up
check "a used-up link's page" $? "$code"
post_resend rs6 "$L_used7" buyer7@example.test
[ "$code" = 200 ] && cmp -s "$T/rs6.b" "$T/rs1.b" &&
    [ "$(sql "SELECT count(*) FROM outbox WHERE payload->>'orderId' = '$O7'")" = 0 ] &&
    [ "$(tokcol "$L_used7" "revoked_at IS NULL")" = t ]
check "a used-up link is not re-issued (same page, no outbox row)" $? "$code"

post_resend rs8 "$L_other" 'not an address'
[ "$code" = 200 ] && cmp -s "$T/rs8.b" "$T/rs1.b"
check "resend with something not an address: the same page" $? "$code"

O8=$(order refunded buyer8@example.test)
L_ref=$(link "$O8" "$P3" 5 0 "now() - interval '2 hours'")
post_resend rs7 "$L_ref" buyer8@example.test
[ "$code" = 200 ] && cmp -s "$T/rs7.b" "$T/rs1.b" &&
    [ "$(sql "SELECT count(*) FROM outbox WHERE payload->>'orderId' = '$O8'")" = 0 ]
check "a refunded order's expired link is not re-issued" $? "$code"
[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'download_links'")" = $((nout + 1)) ]
check "exactly one download_links row for all of these" $? "outbox count"

# Tampering: flip a byte in the second chunk of the ciphertext.
L7=$(link "$O2" "$P3" 10 0 "now() + interval '1 day'")
esize=$(stat -c %s "$EFILE")
nch=$(((BIG + 65535) / 65536))
hlen=$((esize - BIG - 16 * nch))
off=$((hlen + 65552 + 30000))
byte=$(od -An -tu1 -j "$off" -N1 "$EFILE" | tr -d ' ')
printf "\\$(printf %03o $((byte ^ 0x20)))" |
    dd of="$EFILE" bs=1 seek="$off" conv=notrunc status=none
get tp "$E/download/$L7"
got=$(stat -c %s "$T/tp.b")
[ "$crc" = 18 ] && [ "$code" = 200 ] && [ "$got" -lt "$BIG" ]
check "a tampered chunk cuts the download short (curl exit 18)" $? \
    "curl exit $crc, $code, $got of $BIG bytes"
[ "$got" = 65536 ] && cmp -s "$T/tp.b" <(head -c 65536 "$T/big.txt")
check "only the whole chunk before the damaged one was sent" $? "$got bytes"
sleep 0.3
grep -q "download: ${ekey%% *} stopped: chunk 1 of $nch failed authentication" "$LOG"
check "the error log names the failed chunk" $? \
    "$(grep -a 'stopped\|chunk' "$LOG" | tail -n 3)"

# Types by content: a ZIP is a product file; random bytes are not.
printf 'PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' >"$T/empty.zip"
P6=$(product "$E" "$EJWT" "Archive")
upload "$E" "$EJWT" "$P6" eup7 "bundle.zip" "$T/empty.zip" application/octet-stream
[ "$code" = 201 ] && [ "$(jfield "$body" contentType)" = application/zip ]
check "a ZIP (by its content): 201 application/zip" $? "$code $body"
head -c 4096 /dev/urandom | LC_ALL=C tr '\000-\010' '\200-\210' >"$T/random.bin"
upload "$E" "$EJWT" "$P6" eup8 "notes.txt" "$T/random.bin" text/plain
[ "$code" = 415 ] && [[ $body == *UNSUPPORTED_MEDIA_TYPE* ]]
check "random bytes named .txt: 415" $? "$code $body"

# clamd: EICAR refused, nothing kept.
nfiles=$(sql "SELECT count(*) FROM product_files")
ndisk=$(find "$COLMENA_FILES/stores" -type f | wc -l)
upload "$E" "$EJWT" "$P3" eup2 "eicar.txt" "$HARNESS_CLAMD_EICAR" text/plain
[ "$code" = 400 ] && [[ $body == *Eicar-Test-Signature* ]]
check "EICAR upload: 400 naming the signature" $? "$code $body"
[ "$(sql "SELECT count(*) FROM product_files")" = "$nfiles" ] &&
    [ "$(find "$COLMENA_FILES/stores" -type f | wc -l)" = "$ndisk" ] &&
    [ -z "$(ls -A "$COLMENA_FILES/temp")" ]
check "EICAR: nothing stored, no temp file left" $? \
    "rows $nfiles -> $(sql "SELECT count(*) FROM product_files"), files $ndisk -> $(find "$COLMENA_FILES/stores" -type f | wc -l), temp: $(ls -A "$COLMENA_FILES/temp")"

# upload_file_max (1 MiB): exactly that is accepted, a byte more is not.
P5=$(product "$E" "$EJWT" "Limit")
head -c 1048576 /dev/zero | tr '\0' 'y' >"$T/max.txt"
upload "$E" "$EJWT" "$P5" eup6 "max.txt" "$T/max.txt" text/plain
[ "$code" = 201 ] && [ "$(jfield "$body" size)" = 1048576 ]
check "a file of exactly upload_file_max (1048576 bytes): 201" $? "$code $(head -c 300 "$T/eup6.b")"
ndisk=$(find "$COLMENA_FILES/stores" -type f | wc -l)
nfiles=$(sql "SELECT count(*) FROM product_files")
head -c 1048577 /dev/zero | tr '\0' 'z' >"$T/huge.txt"
upload "$E" "$EJWT" "$P3" eup3 "huge.txt" "$T/huge.txt" text/plain
[ "$code" = 413 ] && [[ $body == *PAYLOAD_TOO_LARGE* ]]
check "a file of 1048577 bytes (over 1 MiB): 413" $? "$code $(head -c 300 "$T/eup3.b")"
sleep 0.2
[ -z "$(ls -A "$COLMENA_FILES/temp")" ] &&
    [ "$(find "$COLMENA_FILES/stores" -type f | wc -l)" = "$ndisk" ] &&
    [ "$(sql "SELECT count(*) FROM product_files")" = "$nfiles" ]
check "413: nothing stored, nothing left in temp/" $? \
    "temp: $(ls -lA "$COLMENA_FILES/temp" | tail -n +2)"

# clamd stopped: a clean file is refused, never accepted unscanned.
harness_clamd_stop
printf 'A harmless note.\n' >"$T/clean.txt"
upload "$E" "$EJWT" "$P3" eup4 "clean.txt" "$T/clean.txt" text/plain
[ "$code" = 503 ]
check "clamd stopped: a clean upload gets 503" $? "$code $body"
[ "$(sql "SELECT count(*) FROM product_files")" = "$nfiles" ] &&
    [ -z "$(ls -A "$COLMENA_FILES/temp")" ]
check "clamd stopped: nothing stored" $? "product_files or temp/"

harness_lighttpd_stop
[ "$HARNESS_STOP_PROBLEMS" -eq 0 ]
check "our lighttpd's programs stop on SIGTERM" $? "$HARNESS_STOP_PROBLEMS did not"
[ "$fail" -gt 0 ] && { echo "--- own lighttpd error log (last lines) ---"; tail -n 15 "$LOG"; }
echo "(own lighttpd part: $(($(date +%s) - t0)) s)"

finished=1
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
