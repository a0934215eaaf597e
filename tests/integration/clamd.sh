#!/usr/bin/env bash
# clamd.sh: src/clamd.c (through tests/integration/clamscan_tool) against a
# real clamd started by harness_clamd_start with test signatures only. A clean
# file and an empty one are CLEAN; the EICAR file (a whole-file .hdb hash; from
# a file, a pipe and memory) and a file holding our .ndb test string are
# INFECTED with the signature name; a file over StreamMaxLength, a stopped
# clamd, a missing or stale socket, a refused TCP port and bad addresses are
# ERROR, never CLEAN. Fake clamds check servers that never answer or never
# read (ERROR after the timeout, no hang), short, odd and hostile replies
# (names sanitised and bounded) and the TCP path.
set -u
. "${COLMENA_TEST_SRCDIR:?}/tests/lib/harness.sh"
pass=0 fail=0
TOOL=${COLMENA_TEST_BUILDDIR:?}/tests/integration/clamscan_tool
BODY_STRING=COLMENA-CLAMD-BODY-TEST-STRING-7F3A9C	# tests/data/clamd/colmena.ndb

check() # NAME STATUS DETAIL
{
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $1: $3"
	fi
}

# scan ARGS...: run the tool; sets out (its stdout) and rc (its exit status).
scan()
{
	out=$("$TOOL" "$@" 2>>"$HARNESS_TMP/tool.err")
	rc=$?
}

# fake MODE ADDR [REPLY]: start a fake clamd in the background, wait until
# it listens; sets fake_pid (also stopped by the exit trap).
fake()
{
	local i

	: >"$HARNESS_TMP/fake.out"
	"$TOOL" "$@" >"$HARNESS_TMP/fake.out" 2>>"$HARNESS_TMP/tool.err" &
	fake_pid=$!
	HARNESS_BG_PIDS+=("$fake_pid")
	for i in $(seq 1 50); do
		grep -q listening "$HARNESS_TMP/fake.out" && return 0
		sleep 0.1
	done
	echo "fake clamd $* did not start"
	return 1
}

# fake_stop: stop the fake clamd started last.
fake_stop()
{
	local p rest=()

	kill -TERM "$fake_pid" 2>/dev/null
	wait "$fake_pid" 2>/dev/null
	for p in "${HARNESS_BG_PIDS[@]}"; do
		[ "$p" = "$fake_pid" ] || rest+=("$p")
	done
	HARNESS_BG_PIDS=("${rest[@]}")
}

# on_exit RC: stop clamd (by pid) on any exit, failures included.
on_exit()
{
	harness_clamd_stop
	if [ "$1" -ne 0 ] && [ -f "$HARNESS_TMP/tool.err" ]; then
		echo "--- tool stderr (last lines) ---"
		tail -n 20 "$HARNESS_TMP/tool.err"
	fi
}

harness_init
HARNESS_ON_EXIT=on_exit
[ -x "$TOOL" ] || { echo "FAIL: $TOOL not built"; echo "0 passed, 1 failed"; exit 1; }
export HARNESS_CLAMD_STREAM_MAX=2M
t0=$(date +%s%N)
harness_clamd_start "$HARNESS_TMP/clamd"
check "clamd starts with a database of test signatures only" $? \
    "see the clamd log above"
[ -n "${COLMENA_TEST_CLAMD:-}" ] || { echo "$pass passed, $fail failed"; exit 1; }
echo "clamd up in $((($(date +%s%N) - t0) / 1000000)) ms"
sock=$COLMENA_TEST_CLAMD
d=$HARNESS_TMP/files
mkdir -p "$d"

# 1. A real clamd: verdicts.
scan ping "$sock" 5
[ "$rc" -eq 0 ] && [ "$out" = PONG ]
check "ping: PONG" $? "rc $rc, '$out'"

printf 'Just a harmless little PDF stand-in.\n' >"$d/clean.txt"
scan scan "$sock" 5 "$d/clean.txt"
[ "$rc" -eq 0 ] && [ "$out" = CLEAN ]
check "a clean file: CLEAN, exit 0" $? "rc $rc, '$out'"

: >"$d/empty"
scan scan "$sock" 5 "$d/empty"
[ "$rc" -eq 0 ] && [ "$out" = CLEAN ]
check "an empty file: CLEAN" $? "rc $rc, '$out'"

scan scan "$sock" 5 "$HARNESS_CLAMD_EICAR"
[ "$rc" -eq 1 ] && [[ $out == 'INFECTED '*Eicar-Test-Signature* ]]
check "the EICAR file: INFECTED Eicar-Test-Signature, exit 1" $? "rc $rc, '$out'"

out=$("$TOOL" scan "$sock" 5 - <"$HARNESS_CLAMD_EICAR" 2>>"$HARNESS_TMP/tool.err")
rc=$?
[ "$rc" -eq 1 ] && [[ $out == 'INFECTED '*Eicar-Test-Signature* ]]
check "EICAR on a pipe (clamd_scan_fd): INFECTED" $? "rc $rc, '$out'"

scan scan-mem "$sock" 5 "$HARNESS_CLAMD_EICAR"
[ "$rc" -eq 1 ] && [[ $out == 'INFECTED '*Eicar-Test-Signature* ]]
check "EICAR from memory (clamd_scan_mem): INFECTED" $? "rc $rc, '$out'"

# Our .ndb body signature, deep inside a 1.5 MB file sent in many chunks.
{ head -c 1000000 /dev/zero | tr '\0' a; printf '%s' "$BODY_STRING"
  head -c 500000 /dev/zero | tr '\0' b; } >"$d/embedded.bin"
scan scan "$sock" 10 "$d/embedded.bin"
[ "$rc" -eq 1 ] && [[ $out == 'INFECTED '*Colmena-Test-Body-Signature* ]]
check "a body signature inside a 1.5 MB file: INFECTED" $? "rc $rc, '$out'"

# The .hdb is a whole-file hash: EICAR with a byte more is another file to
# it (the real daily.cvd would still catch it; this database cannot).
{ cat "$HARNESS_CLAMD_EICAR"; printf '\n'; } >"$d/eicar-plus"
scan scan "$sock" 5 "$d/eicar-plus"
[ "$rc" -eq 0 ] && [ "$out" = CLEAN ]
check "EICAR plus a byte: CLEAN under a whole-file-hash-only database" $? \
    "rc $rc, '$out'"

# Just under StreamMaxLength (2 MiB): scanned; just over: clamd refuses.
head -c 2000000 /dev/zero >"$d/under"
scan scan "$sock" 10 "$d/under"
[ "$rc" -eq 0 ] && [ "$out" = CLEAN ]
check "2,000,000 bytes (under StreamMaxLength 2M): CLEAN" $? "rc $rc, '$out'"
head -c 3000000 /dev/zero >"$d/over"
scan scan "$sock" 10 "$d/over"
[ "$rc" -eq 2 ] && [[ $out == 'ERROR '*'size limit exceeded'* ]]
check "3,000,000 bytes (over StreamMaxLength): ERROR size limit, exit 2" $? \
    "rc $rc, '$out'"
scan scan-mem "$sock" 10 "$d/over"
[ "$rc" -eq 2 ] && [[ $out == 'ERROR '* ]]
check "over StreamMaxLength from memory: ERROR" $? "rc $rc, '$out'"

scan scan "$sock" 5 "$d/no-such-file"
[ "$rc" -eq 2 ] && [[ $out == 'ERROR open: '* ]]
check "a file that cannot be opened: ERROR" $? "rc $rc, '$out'"

# 2. No clamd: errors, never clean.
scan scan "$HARNESS_TMP/nowhere.sock" 2 "$d/clean.txt"
[ "$rc" -eq 2 ] && [[ $out == 'ERROR connect: '* ]]
check "a socket path with nothing there: ERROR" $? "rc $rc, '$out'"

port=$(harness_free_port)
scan scan "127.0.0.1:$port" 2 "$d/clean.txt"
[ "$rc" -eq 2 ] && [[ $out == *'refused'* ]]
check "a TCP port nobody listens on: ERROR connection refused" $? "rc $rc, '$out'"

for a in 'nocolon' '127.0.0.1:99999' '127.0.0.1:' ':3310' \
    "/$(printf 'x%.0s' $(seq 1 120))"; do
	scan scan "$a" 2 "$d/clean.txt"
	[ "$rc" -eq 2 ] && [[ $out == 'ERROR '* ]]
	check "a bad address '${a:0:20}': ERROR" $? "rc $rc, '$out'"
done

# 3. Fake clamds: odd replies and a server that never answers.
fsock=$HARNESS_TMP/fake.sock
if fake mute "$fsock"; then
	s=$(date +%s%N)
	scan scan "$fsock" 2 "$d/clean.txt"
	ms=$((($(date +%s%N) - s) / 1000000))
	[ "$rc" -eq 2 ] && [[ $out == 'ERROR timeout'* ]] &&
	    [ "$ms" -ge 1900 ] && [ "$ms" -lt 8000 ]
	check "a clamd that never answers: ERROR after the 2 s timeout" $? \
	    "rc $rc, '$out' after $ms ms"
	s=$(date +%s%N)
	scan ping "$fsock" 1
	ms=$((($(date +%s%N) - s) / 1000000))
	[ "$rc" -eq 2 ] && [ "$ms" -lt 6000 ]
	check "ping a clamd that never answers: fails after the timeout" $? \
	    "rc $rc, '$out' after $ms ms"
	fake_stop
else
	check "fake clamd (mute)" 1 "did not start"
fi
# One that accepts but never reads: the upload stalls once buffers fill.
if fake deaf "$fsock"; then
	s=$(date +%s%N)
	scan scan "$fsock" 2 "$d/over"
	ms=$((($(date +%s%N) - s) / 1000000))
	[ "$rc" -eq 2 ] && [[ $out == 'ERROR timeout sending'* ]] &&
	    [ "$ms" -ge 1900 ] && [ "$ms" -lt 8000 ]
	check "a clamd that never reads: ERROR after the 2 s timeout" $? \
	    "rc $rc, '$out' after $ms ms"
	fake_stop
else
	check "fake clamd (deaf)" 1 "did not start"
fi

# reply_case MODE REPLY EXPECT_RC PATTERN NAME: the tool's exit status and
# output for a fake's reply (PATTERN a glob, or =TEXT for exactly TEXT).
reply_case()
{
	if fake "$1" "$fsock" "$2"; then
		scan scan "$fsock" 3 "$d/clean.txt"
		if [[ $4 == =* ]]; then
			[ "$rc" -eq "$3" ] && [ "$out" = "${4#=}" ]
		else
			[ "$rc" -eq "$3" ] && [[ $out == $4 ]]
		fi
		check "$5" $? "rc $rc, '$out'"
		fake_stop
	else
		check "$5" 1 "fake clamd did not start"
	fi
}
reply_case fake 'stream: OK' 0 'CLEAN' "fake 'stream: OK': CLEAN"
reply_case fake-raw 'stream: OK' 2 'ERROR short reply*' \
    "'stream: OK' without its NUL, then close: ERROR"
reply_case fake-raw '' 2 'ERROR no reply*' "no reply at all, then close: ERROR"
reply_case fake 'stream: O' 2 'ERROR unexpected reply*' "'stream: O': ERROR"
reply_case fake 'PONG' 2 'ERROR unexpected reply*' "'PONG' to a scan: ERROR"
reply_case fake 'stream: OK ERROR' 2 'ERROR stream: OK ERROR' \
    "'stream: OK ERROR': ERROR"
reply_case fake 'Some internal failure. ERROR' 2 'ERROR Some internal failure. ERROR' \
    "'... ERROR': ERROR with clamd's message"
reply_case fake 'stream:  FOUND' 2 'ERROR *' "an empty signature name: ERROR"
reply_case fake $'stream: Evil\x1b[31m.Name\x01 FOUND' 1 \
    '=INFECTED Evil?[31m.Name?' "control bytes in a name: replaced by '?'"
long=$(printf 'N%.0s' $(seq 1 600))
reply_case fake "stream: $long FOUND" 1 'INFECTED NNN*' "a 600-byte name: INFECTED"
[ "${#out}" -le $((9 + 127)) ]
check "a 600-byte name is cut to 127 bytes" $? "${#out} bytes"

# The TCP path, through a fake on 127.0.0.1.
port=$(harness_free_port)
if fake fake "127.0.0.1:$port" 'stream: Tcp.Test FOUND'; then
	scan scan "127.0.0.1:$port" 3 "$d/clean.txt"
	[ "$rc" -eq 1 ] && [ "$out" = 'INFECTED Tcp.Test' ]
	check "over TCP (127.0.0.1:port): the verdict arrives" $? "rc $rc, '$out'"
	fake_stop
else
	check "fake clamd on TCP" 1 "did not start"
fi

# 4. clamd stopped: its socket path now errors.
harness_clamd_stop
scan scan "$sock" 2 "$d/clean.txt"
[ "$rc" -eq 2 ] && [[ $out == 'ERROR '* ]]
check "clamd stopped: ERROR, exit 2" $? "rc $rc, '$out'"
scan scan "$sock" 2 "$HARNESS_CLAMD_EICAR"
[ "$rc" -eq 2 ]
check "clamd stopped: EICAR is ERROR too (not clean)" $? "rc $rc, '$out'"
scan ping "$sock" 2
[ "$rc" -eq 2 ]
check "clamd stopped: ping fails" $? "rc $rc, '$out'"
# A socket file left behind with no server (ECONNREFUSED).
if fake mute "$fsock"; then
	fake_stop
	scan scan "$fsock" 2 "$d/clean.txt"
	[ "$rc" -eq 2 ] && [[ $out == 'ERROR connect: '* ]]
	check "a stale socket file: ERROR connect" $? "rc $rc, '$out'"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
