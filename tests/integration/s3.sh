#!/usr/bin/env bash
# tests/integration/s3.sh: src/s3.c, through tests/integration/s3tool, against
# a real S3-speaking server that checks signatures: OpenStack Swift's s3api
# with tempauth, started on 127.0.0.1 by harness_swift_start. Exercises:
# bucket creation; a small PUT and a 20 MiB multipart upload (threshold and
# part size lowered to 5 MiB); a key with spaces, UTF-8 and reserved
# characters; HEAD (size, type, multipart ETag); GET whole and a byte range
# across a part boundary (sha256 compared); presigned GET with curl (body,
# file name, type), and refused (403) with a tampered signature, a past
# expiry or another key; a wrong secret key (403 SignatureDoesNotMatch on
# GET and PUT); DELETE, then HEAD 404 and GET NoSuchKey.
# Then end to end, through a lighttpd of the suite's own whose config says
# storage_backend = s3 (bucket colmena-shop, presigned URLs valid 60 s): a
# product file uploaded through the admin API is in the bucket, byte for
# byte, under product_files.storage_key, nothing left on local disk; a
# buyer's /download/ link (a paid order and its token made in SQL) answers
# 302 to a presigned URL naming the file, which Swift serves (whole, a
# range; 403 tampered), each device's download counted up to the limit
# (then 410), the link keeping the version bought after a new upload, a
# long (230-byte) file name still downloadable; a PNG image's /media/ URL
# answers 302 to a presigned URL that serves it, a redirect not cached
# past the URL's life; deleting the image takes it out of the bucket.
# Run by tests/run from the build dir (COLMENA_TEST_BUILDDIR); stops what it
# started, by pid, however it ends. Ends with "N passed, N failed".

set -u -o pipefail
SRC=${COLMENA_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"

BUILD=${COLMENA_TEST_BUILDDIR:-$PWD}
TOOL=$BUILD/tests/integration/s3tool
MIB=1048576
PASSED=0
FAILED=0
FINISHED=0

# s3_on_exit RC: stop Swift; if the suite died early, still print totals.
s3_on_exit()
{
	harness_lighttpd_stop
	harness_swift_stop
	[ "$FINISHED" = 1 ] && return
	echo "FAIL: s3.sh stopped early (exit $1)"
	echo "$PASSED passed, $((FAILED + 1)) failed"
}

pass() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - $1"; [ -s "$W/err" ] && sed 's/^/  | /' "$W/err"; }

# check DESC CMD...: one test: CMD's exit status decides.
check()
{
	local desc=$1

	shift
	if "$@" 2>"$W/err"; then pass "$desc"; else fail "$desc"; fi
}

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# refused DESC STATUS CODE CMD...: CMD fails, naming HTTP STATUS and CODE.
refused()
{
	local desc=$1 status=$2 code=$3

	shift 3
	if "$@" >/dev/null 2>"$W/err"; then
		fail "$desc (succeeded)"
	elif grep -q "HTTP $status${code:+ $code}" "$W/err"; then
		pass "$desc"
	else
		fail "$desc (wrong failure)"
	fi
}

# fetch URL FILE: GET URL with curl into FILE (headers in FILE.h); prints
# the HTTP status.
fetch()
{
	curl -s --max-time 20 -o "$2" -D "$2.h" -w '%{http_code}' "$1"
}

HARNESS_ON_EXIT=s3_on_exit
harness_init
W=$HARNESS_TMP
[ -x "$TOOL" ] || harness_die "$TOOL is missing (make check builds it)"
harness_swift_start "$W/swift" || exit 1

export COLMENA_S3_ENDPOINT=$COLMENA_TEST_S3_ENDPOINT
export COLMENA_S3_REGION=$COLMENA_TEST_S3_REGION
export COLMENA_S3_ACCESS_KEY=$COLMENA_TEST_S3_ACCESS_KEY
export COLMENA_S3_SECRET_KEY=$COLMENA_TEST_S3_SECRET_KEY
export COLMENA_S3_BUCKET=colmena-test
export COLMENA_S3_PATH_STYLE=1
unset COLMENA_S3_SSE COLMENA_S3_PRESIGN_TTL

printf 'hello, world\n' >"$W/small.txt"
head -c $((20 * MIB)) /dev/urandom >"$W/big.bin"
# 300000 bytes from 5000000: across the first part boundary (5 MiB).
dd if="$W/big.bin" of="$W/big.range" bs=100000 skip=50 count=3 2>/dev/null
printf 'odd key\n' >"$W/odd.txt"
ODD='dir one/Guía +&=?#%;,@$ü.txt'

check "create the bucket" "$TOOL" mkbucket
check "PUT a small file" "$TOOL" put docs/small.txt "$W/small.txt" text/plain
check "HEAD it: size and type" eval \
    '[ "$("$TOOL" head docs/small.txt | grep -E "^(size|type) ")" = \
    "$(printf "size 13\ntype text/plain")" ]'
check "GET it whole" eval \
    '"$TOOL" get docs/small.txt "$W/small.out" &&
    cmp -s "$W/small.txt" "$W/small.out"'

check "PUT 20 MiB as a multipart upload (4 parts)" "$TOOL" \
    -t $((5 * MIB)) -p $((5 * MIB)) put media/big.bin "$W/big.bin"
check "HEAD it: size and a 4-part ETag" eval \
    '"$TOOL" head media/big.bin >"$W/head" &&
    grep -qx "size $((20 * MIB))" "$W/head" && grep -qE "^etag [0-9a-f]{32}-4$" "$W/head"'
check "GET it whole (sha256)" eval \
    '"$TOOL" get media/big.bin "$W/big.out" &&
    [ "$(sha "$W/big.out")" = "$(sha "$W/big.bin")" ]'
check "GET a byte range across a part boundary (sha256)" eval \
    '"$TOOL" get media/big.bin "$W/range.out" 5000000 300000 &&
    [ "$(sha "$W/range.out")" = "$(sha "$W/big.range")" ]'
check "PUT below the threshold is one PUT (plain ETag)" eval \
    '"$TOOL" -t $((21 * MIB)) put media/single.bin "$W/big.bin" &&
    "$TOOL" head media/single.bin | grep -qE "^etag [0-9a-f]{32}$"'

check "PUT, HEAD and GET a key with spaces, UTF-8 and reserved characters" \
    eval '"$TOOL" put "$ODD" "$W/odd.txt" &&
    "$TOOL" head "$ODD" | grep -qx "size 8" &&
    "$TOOL" get "$ODD" "$W/odd.out" && cmp -s "$W/odd.txt" "$W/odd.out"'

URL=$("$TOOL" presign media/big.bin 120 "Guía 2026.bin" application/x-colmena 2>"$W/err")
check "presigned GET with curl: 200 and the whole file" eval \
    '[ "$(fetch "$URL" "$W/p.out")" = 200 ] &&
    [ "$(sha "$W/p.out")" = "$(sha "$W/big.bin")" ]'
DISP="content-disposition: attachment; filename=\"Gu_a 2026.bin\"; filename*=UTF-8''Gu%C3%ADa%202026.bin"
check "presigned GET names the file and sets the type" eval \
    'grep -qiF "$DISP" "$W/p.out.h" &&
    grep -qi "^content-type: application/x-colmena" "$W/p.out.h"'
check "presigned GET of the odd key" eval \
    'U=$("$TOOL" presign "$ODD" 60) && [ "$(fetch "$U" "$W/po.out")" = 200 ] &&
    cmp -s "$W/odd.txt" "$W/po.out"'
SIG=${URL##*X-Amz-Signature=}
BAD=${URL%"$SIG"}$(printf '%s' "$SIG" | tr '0-9a-f' '1-9a-f0')
check "presigned GET with a tampered signature: 403" eval \
    '[ "$(fetch "$BAD" "$W/bad.out")" = 403 ] &&
    grep -q SignatureDoesNotMatch "$W/bad.out"'
check "presigned GET of another key with the same signature: 403" eval \
    '[ "$(fetch "${URL/media\/big.bin/media\/single.bin}" "$W/bad.out")" = 403 ]'
OLD=$("$TOOL" presign media/big.bin 60 "" "" $(($(date +%s) - 3600)))
check "presigned GET past its expiry: 403" eval \
    '[ "$(fetch "$OLD" "$W/old.out")" = 403 ] && grep -q AccessDenied "$W/old.out"'

refused "a wrong secret key: GET is refused, SignatureDoesNotMatch" \
    403 SignatureDoesNotMatch \
    env COLMENA_S3_SECRET_KEY=not-the-secret "$TOOL" get docs/small.txt -
refused "a wrong secret key: PUT is refused, SignatureDoesNotMatch" \
    403 SignatureDoesNotMatch \
    env COLMENA_S3_SECRET_KEY=not-the-secret "$TOOL" put docs/x.txt "$W/small.txt"
refused "an unknown access key is refused" 403 '' \
    env COLMENA_S3_ACCESS_KEY=test:nobody "$TOOL" get docs/small.txt -

check "DELETE the objects" eval \
    '"$TOOL" rm docs/small.txt && "$TOOL" rm media/big.bin &&
    "$TOOL" rm media/single.bin && "$TOOL" rm "$ODD"'
refused "HEAD after DELETE: 404" 404 '' "$TOOL" head docs/small.txt
refused "GET after DELETE: 404 NoSuchKey" 404 NoSuchKey \
    "$TOOL" get media/big.bin -

# ---- End to end: the shop with storage_backend = s3 ----------------------
# A lighttpd of this suite's own, whose config keeps files in a bucket of
# this Swift: uploads through the admin API land in the bucket, a buyer's
# /download/ link and a /media/ URL answer 302 to a presigned URL that
# Swift serves. Needs the database tests/run prepared (migrated, demo
# seeded).

SHOP=colmena-shop
OWNER_DB=${COLMENA_TEST_DB_OWNER_URL:?needs the database of tests/run}
export COLMENA_DB_URL=${COLMENA_TEST_DB_URL:?needs the database of tests/run}
export COLMENA_DB_OWNER_URL=$OWNER_DB
PSQL=$(command -v psql 2>/dev/null || echo "$(harness_pg_bindir)/psql")
MARK=colmena-s3-e2e-$(date +%s%N)-$RANDOM

# show FILE...: print FILE(s) as a failure's detail; false.
show()
{
	local f

	for f; do cat "$f" 2>/dev/null; echo; done >&2
	return 1
}

# sql SQL: as the owner role in the demo store (row-level security is
# FORCE'd); unaligned rows, '|' between columns.
sql()
{
	printf "SELECT set_config('app.store_id', (SELECT id::text FROM stores WHERE slug = 'demo'), false) \\\\gset\n%s\n" \
	    "$1" | "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$OWNER_DB"
}

# qparam URL NAME: the value of query parameter NAME, percent-decoded.
qparam()
{
	local v

	v=$(printf '%s' "${1#*\?}" | tr '&' '\n' | sed -n "s/^$2=//p" | head -n 1)
	v=${v//+/ }
	printf '%b' "${v//%/\\x}"
}

# location FILE.h: the Location of a saved answer's headers.
location() { sed -n 's/^[Ll]ocation: *//p' "$1" | tr -d '\r'; }

# header FILE.h NAME: a header's value from a saved answer.
header() { grep -i "^$2:" "$1" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'; }

# rawtoken: a fresh 43-character base64url download token.
rawtoken() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

# link ORDER: a download token (3 downloads, expiring tomorrow) for the
# product's current file; prints the raw token.
link()
{
	local raw

	raw=$(rawtoken)
	sql "INSERT INTO download_tokens (store_id, order_id, product_id,
	    token_hash, expires_at, max_downloads, file_id)
	    SELECT current_store_id(), '$1', p.id,
	    sha256(convert_to('$raw', 'UTF8')), now() + interval '1 day', 3,
	    p.file_id FROM products p WHERE p.id = '$PRODUCT' RETURNING id" \
	    >/dev/null || return 1
	echo "$raw"
}

# count RAW: the token's download_count.
count()
{
	sql "SELECT download_count FROM download_tokens
	    WHERE token_hash = sha256(convert_to('$1', 'UTF8'))"
}

# download NAME RAW UA: GET /download/RAW as user agent UA into $W/NAME
# (headers in $W/NAME.h); prints the HTTP status.
download()
{
	curl -s --max-time 20 -A "$3" -o "$W/$1" -D "$W/$1.h" \
	    -w '%{http_code}' "$BASE/download/$2"
}

# presigned URL KEY TYPE DISPOSITION: URL is a presigned GET of KEY in the
# shop's bucket, valid 60 s, with that response type and disposition
# (none when DISPOSITION is empty, any when it is "*").
presigned()
{
	local url=$1 key=$2 type=$3 disp=$4 v

	case $url in
	"$COLMENA_TEST_S3_ENDPOINT/$SHOP/$key?"*) ;;
	*) echo "not a URL of $key in $SHOP: $url" >&2; return 1 ;;
	esac
	[ "$(qparam "$url" X-Amz-Algorithm)" = AWS4-HMAC-SHA256 ] &&
	    [ "$(qparam "$url" X-Amz-Expires)" = 60 ] &&
	    [[ $(qparam "$url" X-Amz-Signature) =~ ^[0-9a-f]{64}$ ]] &&
	    [[ $(qparam "$url" X-Amz-Credential) =~ ^test:tester/[0-9]{8}/us-east-1/s3/aws4_request$ ]] &&
	    [ "$(qparam "$url" response-content-type)" = "$type" ] &&
	    { [ "$disp" = "*" ] ||
	    [ "$(qparam "$url" response-content-disposition)" = "$disp" ]; } ||
	    { echo "$url" >&2; return 1; }
}

check "create the shop's bucket" env COLMENA_S3_BUCKET=$SHOP "$TOOL" mkbucket

# The suite's own lighttpd, run dir and storage root; the programs see only
# the config (lighttpd hands them COLMENA_CONFIG, not the COLMENA_S3_*
# above, whose bucket is another).
unset COLMENA_PORT
export COLMENA_RUN=$W/run COLMENA_FILES=$W/files
export COLMENA_CGIBIN=${COLMENA_CGIBIN:-$BUILD/cgi-bin}
harness_write_config "$W/colmena.conf"
cat >>"$COLMENA_CONFIG" <<EOC
storage_backend = s3
s3_endpoint = $COLMENA_TEST_S3_ENDPOINT
s3_region = us-east-1
s3_bucket = $SHOP
s3_access_key = $COLMENA_TEST_S3_ACCESS_KEY
s3_secret_key = $COLMENA_TEST_S3_SECRET_KEY
s3_path_style = 1
s3_presign_ttl = 60
EOC
harness_lighttpd_start
BASE=$COLMENA_TEST_URL

JWT=$(curl -s --max-time 20 "$BASE/api/v1/admin/auth/token" \
    -H 'Content-Type: application/json' \
    -d '{"email":"owner@demo.test","password":"Colmena-demo-1"}' |
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
check "sign in as the demo store's owner" test -n "$JWT"
AUTH="Authorization: Bearer $JWT"
PRODUCT=$(curl -s --max-time 20 -H "$AUTH" "$BASE/api/v1/admin/products?limit=1" |
    sed -n 's/.*"data":\[{"id":"\([0-9a-f-]\{36\}\)".*/\1/p')
check "a demo product to sell" test -n "$PRODUCT"

# upload NAME FILE FILENAME TYPE WHAT: POST FILE to the product's WHAT
# (file or images) into $W/NAME; prints the HTTP status.
upload()
{
	curl -s --max-time 30 -H "$AUTH" -o "$W/$1" -w '%{http_code}' \
	    -F "file=@$2;filename=$3;type=$4" \
	    "$BASE/api/v1/admin/products/$PRODUCT/$5"
}

# -- The product file.
printf '%%PDF-1.4\n%% %s\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%%%EOF\n' \
    "$MARK" >"$W/guide.pdf"
PDF_SIZE=$(wc -c <"$W/guide.pdf" | tr -d ' ')
PDF_NAME='Guía de abejas.pdf'
PDF_DISP="attachment; filename=\"Gu_a de abejas.pdf\"; filename*=UTF-8''Gu%C3%ADa%20de%20abejas.pdf"
code=$(upload up1.json "$W/guide.pdf" "$PDF_NAME" application/pdf file)
check "upload the product file: 201, kept in S3, not encrypted" eval \
    '[ "$code" = 201 ] && grep -q "\"storage\":\"s3\"" "$W/up1.json" &&
    grep -q "\"encrypted\":false" "$W/up1.json" &&
    grep -qF "\"fileName\":\"$PDF_NAME\"" "$W/up1.json" &&
    grep -q "\"size\":$PDF_SIZE," "$W/up1.json" &&
    grep -q "\"sha256\":\"$(sha "$W/guide.pdf")\"" "$W/up1.json" || show "$W/up1.json"'
ROW=$(sql "SELECT f.storage_key, f.backend, f.key_id IS NULL, f.size, f.sha256
    FROM products p JOIN product_files f ON f.id = p.file_id
    WHERE p.id = '$PRODUCT'" 2>"$W/err")
KEY1=${ROW%%|*}
check "product_files: the product's current file, backend s3" eval \
    '[[ $KEY1 =~ ^stores/[0-9a-f-]{36}/products/files/[0-9a-f-]{36}$ ]] &&
    [ "${ROW#*|}" = "s3|t|$PDF_SIZE|$(sha "$W/guide.pdf")" ] ||
    { echo "row: $ROW" >&2; false; }'
check "the object is in the bucket under its storage key: size and type" eval \
    'COLMENA_S3_BUCKET=$SHOP "$TOOL" head "$KEY1" >"$W/head1" &&
    grep -qx "size $PDF_SIZE" "$W/head1" &&
    grep -qx "type application/pdf" "$W/head1" || show "$W/head1"'
check "the object holds exactly the uploaded bytes" eval \
    'COLMENA_S3_BUCKET=$SHOP "$TOOL" get "$KEY1" "$W/obj1" &&
    cmp "$W/guide.pdf" "$W/obj1" >&2'
check "no copy is left on local disk" eval \
    '[ -z "$(find "$W/files" -type f 2>/dev/null)" ] ||
    { find "$W/files" -type f >&2; false; }'

# -- A paid order and its link: 3 downloads, expiring tomorrow.
ORDER=$(sql "INSERT INTO orders (store_id, customer_email, status, currency,
    subtotal_minor, total_minor, paid_at)
    SELECT current_store_id(), 'buyer-s3@demo.test', 'paid', p.currency,
    p.price_minor, p.price_minor, now() FROM products p WHERE p.id = '$PRODUCT'
    RETURNING id" 2>"$W/err")
T1=$(link "$ORDER" 2>>"$W/err")
check "a paid order and a download link (SQL)" eval \
    '[[ $ORDER =~ ^[0-9a-f-]{36}$ ]] && [ ${#T1} = 43 ]'

code=$(download dl1 "$T1" 'colmena-buyer/1.0 (first)')
URL1=$(location "$W/dl1.h")
check "the buyer's link: 302 to a presigned URL of the object (60 s, named)" \
    eval '[ "$code" = 302 ] &&
    presigned "$URL1" "$KEY1" application/pdf "$PDF_DISP" || show "$W/dl1.h"'
check "the redirect is not cached (Cache-Control: private, no-store)" eval \
    '[ "$(header "$W/dl1.h" Cache-Control)" = "private, no-store" ] ||
    show "$W/dl1.h"'
check "following it, Swift serves exactly the uploaded bytes (200)" eval \
    '[ "$(fetch "$URL1" "$W/got1")" = 200 ] && cmp "$W/guide.pdf" "$W/got1" >&2 ||
    show "$W/got1.h"'
check "... as an attachment named after the file, of type application/pdf" eval \
    '[ "$(header "$W/got1.h" Content-Disposition)" = "$PDF_DISP" ] &&
    [ "$(header "$W/got1.h" Content-Type)" = application/pdf ] ||
    show "$W/got1.h"'
check "... and resumes from a byte range (206)" eval \
    '[ "$(curl -s --max-time 20 -r 5-7 -o "$W/part1" -w "%{http_code}" "$URL1")" = 206 ] &&
    [ "$(cat "$W/part1")" = 1.4 ]'
SIG=$(qparam "$URL1" X-Amz-Signature)
BAD=${URL1/X-Amz-Signature=$SIG/X-Amz-Signature=$(printf '%s' "$SIG" | tr '0-9a-f' '1-9a-f0')}
check "the presigned URL with a tampered signature: 403 from Swift" eval \
    '[ "$BAD" != "$URL1" ] && [ "$(fetch "$BAD" "$W/bad1")" = 403 ] &&
    grep -q SignatureDoesNotMatch "$W/bad1" || show "$W/bad1"'
EVENTS=$(sql "SELECT string_agg(e.outcome, ',' ORDER BY e.id)
    FROM download_events e JOIN download_tokens d ON d.id = e.token_id
    WHERE d.token_hash = sha256(convert_to('$T1', 'UTF8'))" 2>"$W/err")
check "the download counted once (download_count 1, one served event)" eval \
    '[ "$(count "$T1")" = 1 ] && [ "$EVENTS" = served ] ||
    { echo "count $(count "$T1"), events $EVENTS" >&2; false; }'
code=$(download dl2 "$T1" 'colmena-buyer/1.0 (another device)')
check "a second GET from another user agent: 302, counted (2)" eval \
    '[ "$code" = 302 ] && presigned "$(location "$W/dl2.h")" "$KEY1" \
    application/pdf "$PDF_DISP" && [ "$(count "$T1")" = 2 ] ||
    show "$W/dl2.h"'

# -- A new version: past buyers keep the one they bought. Its name is long
# (230 bytes; file names may have up to 255).
LONG_NAME=$(printf 'b%.0s' $(seq 1 226)).pdf
sed "s/$MARK/$MARK-v2/" "$W/guide.pdf" >"$W/guide2.pdf"
code=$(upload up2.json "$W/guide2.pdf" "$LONG_NAME" application/pdf file)
KEY2=$(sql "SELECT f.storage_key FROM products p
    JOIN product_files f ON f.id = p.file_id WHERE p.id = '$PRODUCT'" 2>"$W/err")
check "upload a second version with a 230-byte name: 201, a new key in S3" eval \
    '[ "$code" = 201 ] && grep -qF "\"fileName\":\"$LONG_NAME\"" "$W/up2.json" &&
    [ -n "$KEY2" ] && [ "$KEY2" != "$KEY1" ] &&
    COLMENA_S3_BUCKET=$SHOP "$TOOL" head "$KEY2" >/dev/null &&
    COLMENA_S3_BUCKET=$SHOP "$TOOL" head "$KEY1" >/dev/null || show "$W/up2.json"'
code=$(download dl3 "$T1" 'colmena-buyer/1.0 (third)')
check "the first link still leads to the version bought (3rd download)" eval \
    '[ "$code" = 302 ] && presigned "$(location "$W/dl3.h")" "$KEY1" \
    application/pdf "$PDF_DISP" && [ "$(count "$T1")" = 3 ] ||
    show "$W/dl3.h"'
code=$(download dl4 "$T1" 'colmena-buyer/1.0 (fourth)')
check "a 4th download of 3: 410, no redirect" eval \
    '[ "$code" = 410 ] && [ -z "$(location "$W/dl4.h")" ] &&
    [ "$(count "$T1")" = 3 ] || show "$W/dl4.h"'
T2=$(link "$ORDER" 2>"$W/err")
code=$(download dl5 "$T2" 'colmena-buyer/1.0')
URL2=$(location "$W/dl5.h")
check "a link to the new version: 302, the whole 230-byte name in the disposition" \
    eval '[ "$code" = 302 ] && presigned "$URL2" "$KEY2" application/pdf \
    "attachment; filename=\"$LONG_NAME\"; filename*=UTF-8'"''"'$LONG_NAME" &&
    [ "$(fetch "$URL2" "$W/got2")" = 200 ] && cmp "$W/guide2.pdf" "$W/got2" >&2 ||
    { show "$W/dl5.h" "$W/dl5";
    grep "no presigned URL" "$COLMENA_RUN/lighttpd-error.log" | tail -n 1 >&2; false; }'

# -- A product image: public, under /media/, by its content's SHA-256.
if command -v python3 >/dev/null 2>&1; then
	python3 - "$W/pixel.png" "$MARK" <<'PY'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + \
        struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
png = b'\x89PNG\r\n\x1a\n' + \
    chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0)) + \
    chunk(b'tEXt', b'Comment\0' + sys.argv[2].encode()) + \
    chunk(b'IDAT', zlib.compress(b'\x00\xff\xc0\x00')) + chunk(b'IEND', b'')
open(sys.argv[1], 'wb').write(png)
PY
else	# the same 1x1 orange pixel without the marker
	printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\000\000\001\000\000\000\001\010\002\000\000\000\220wS\336\000\000\000\014IDATx\234c\370\177\200\001\000\004\201\001\300w\331\003\035\000\000\000\000IEND\256B`\202' \
	    >"$W/pixel.png"
fi
PNG_SHA=$(sha "$W/pixel.png")
code=$(upload img.json "$W/pixel.png" pixel.png image/png images)
MEDIA=$(grep -o "\"url\": *\"/media/[0-9a-f-]*/$PNG_SHA\.png\"" "$W/img.json" |
    sed 's/^"url": *"//; s/"$//')
IMAGE_ID=$(sed -n 's/.*"imageId":"\([0-9a-f-]\{36\}\)".*/\1/p' "$W/img.json")
IMG_KEY=$(sql "SELECT storage_key || '|' || backend FROM product_images
    WHERE id = '$IMAGE_ID'" 2>"$W/err")
check "upload a PNG image: 201, its /media/ URL, kept in S3" eval \
    '[ "$code" = 201 ] && [ -n "$MEDIA" ] && [ "${IMG_KEY#*|}" = s3 ] &&
    COLMENA_S3_BUCKET=$SHOP "$TOOL" head "${IMG_KEY%|*}" >"$W/headi" &&
    grep -qx "type image/png" "$W/headi" || show "$W/img.json"'
IMG_KEY=${IMG_KEY%|*}
code=$(curl -s --max-time 20 -o "$W/media" -D "$W/media.h" -w '%{http_code}' "$BASE$MEDIA")
URLI=$(location "$W/media.h")
check "GET the /media/ URL: 302 to a presigned URL of the image" eval \
    '[ "$code" = 302 ] && presigned "$URLI" "$IMG_KEY" image/png "*" ||
    show "$W/media.h"'
check "following it, Swift serves the PNG (200, image/png)" eval \
    '[ "$(fetch "$URLI" "$W/goti")" = 200 ] && cmp "$W/pixel.png" "$W/goti" >&2 &&
    [ "$(header "$W/goti.h" Content-Type)" = image/png ] || show "$W/goti.h"'
# The redirect names a URL that stops working after s3_presign_ttl: a
# browser or CDN must not keep the redirect longer than that.
CC=$(header "$W/media.h" Cache-Control)
MAXAGE=$(printf '%s' "$CC" | sed -n 's/.*max-age=\([0-9]*\).*/\1/p')
check "the redirect is not cached past the presigned URL's 60 s" eval \
    '[[ $CC == *no-store* ]] ||
    { [ -n "$MAXAGE" ] && [ "$MAXAGE" -le 60 ] && [[ $CC != *immutable* ]]; } ||
    { echo "Cache-Control: $CC" >&2; false; }'
code=$(curl -s --max-time 20 -o "$W/idel.json" -w '%{http_code}' -X DELETE \
    -H "$AUTH" "$BASE/api/v1/admin/products/$PRODUCT/images/$IMAGE_ID")
check "delete the image: 200, it leaves the bucket" eval \
    '[ "$code" = 200 ] &&
    ! COLMENA_S3_BUCKET=$SHOP "$TOOL" head "$IMG_KEY" >/dev/null 2>&1 ||
    show "$W/idel.json"'
check "its /media/ URL is gone (404)" eval \
    '[ "$(curl -s --max-time 20 -o /dev/null -w "%{http_code}" "$BASE$MEDIA")" = 404 ]'

harness_lighttpd_stop
check "the suite's lighttpd and programs stop on SIGTERM" \
    test "$HARNESS_STOP_PROBLEMS" -eq 0

FINISHED=1
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
