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

FINISHED=1
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
