#!/usr/bin/env bash
# mail.sh: `colmena outbox-deliver` against a real SMTP server (npm
# smtp-server via tests/node/mail.mjs, AUTH PLAIN, no TLS, one address
# refused with 550): delivery off leaves rows alone; an ASCII, a UTF-8 and
# a text+HTML (multipart/alternative) message arrive with the right
# envelope, From, To, decoded Subject, text, Date and Message-ID and their
# rows get sent_at; the 550 row fails for good with the reply in
# last_error; a second run sends nothing again; two runs at once send each
# row once; with the server gone a new row waits for a retry (attempts 1,
# next_attempt_at ahead, no failed_at). Rows are inserted (and removed at
# exit) with psql as the owner role; other due rows in the database are
# delivered too, as in production.
set -u
src=${COLMENA_TEST_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
colmena=${COLMENA_TEST_BUILDDIR:?}/tools/colmena
owner_url=${COLMENA_TEST_DB_OWNER_URL:?}
pass=0 fail=0

. "$src/tests/lib/harness.sh"

check() # NAME STATUS DETAIL
{
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $1: $3"
	fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/colmena-mail.XXXXXX") || exit 1
tag=$$x$RANDOM
smtp_pid=

cleanup()
{
	if [ -n "$smtp_pid" ]; then
		kill -TERM "$smtp_pid" 2>/dev/null
		wait "$smtp_pid" 2>/dev/null
	fi
	sql "DELETE FROM outbox WHERE recipient LIKE '%.$tag@colmena.test'" \
	    >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sql()
{
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$owner_url" -c "$1"
}

# field FILE RCPT EXPR: EXPR (JavaScript over m) for the message to RCPT;
# "count" prints how many arrived.
field()
{
	node -e '
const [file, rcpt, expr] = process.argv.slice(1);
let lines = [];
try { lines = require("fs").readFileSync(file, "utf8").split("\n").filter(Boolean); } catch {}
const ms = lines.map((l) => JSON.parse(l)).filter((m) => m.envelopeTo.includes(rcpt));
if (expr === "count") { console.log(ms.length); process.exit(0); }
if (ms.length !== 1) { console.log("(" + ms.length + " messages)"); process.exit(0); }
const m = ms[0];
console.log(String(eval(expr)));
' "$1" "$2" "$3"
}

start_smtp()
{
	local try i

	for try in 1 2 3; do
		port=$(harness_free_port) || return 1
		: >"$work/smtp.out"
		node "$src/tests/node/mail.mjs" "$port" "$work/mail.jsonl" \
		    "nobody.$tag@colmena.test" smtpuser 'smtp pass' \
		    >"$work/smtp.out" 2>&1 &
		smtp_pid=$!
		for i in $(seq 1 100); do
			grep -q '^ready' "$work/smtp.out" && return 0
			harness_alive "$smtp_pid" || break
			sleep 0.1
		done
		kill -TERM "$smtp_pid" 2>/dev/null
		wait "$smtp_pid" 2>/dev/null
		smtp_pid=
	done
	cat "$work/smtp.out"
	return 1
}

deliver()
{
	COLMENA_SMTP_URL=smtp://127.0.0.1:$port COLMENA_SMTP_STARTTLS=0 \
	    COLMENA_SMTP_FROM='Colmena <no-reply@colmena.test>' \
	    COLMENA_SMTP_USER=smtpuser COLMENA_SMTP_PASSWORD='smtp pass' \
	    COLMENA_LOG_LEVEL=warn "$colmena" outbox-deliver "$@" 2>&1
}

row() # RCPT COLUMNS
{
	sql "SELECT $2 FROM outbox WHERE recipient = '$1'"
}

if [ ! -x "$colmena" ]; then
	echo "FAIL: $colmena is not built"
	echo "0 passed, 1 failed"
	exit 1
fi
harness_node_modules

ascii=ana.$tag@colmena.test
utf8=nino.$tag@colmena.test
bad=nobody.$tag@colmena.test
later=later.$tag@colmena.test
html=html.$tag@colmena.test
subj='Ñandú – café ☕'
long=$(printf 'línea %.0s' $(seq 1 30))
body=$(printf 'Hola Ñandú,\n\nsu código: 123456 ☕\n%s\n= fin' "$long")
sql "INSERT INTO outbox (kind, recipient, subject, body_text) VALUES
    ('mfa_code', '$ascii', 'Your sign-in code', 'Your code is 654321.'),
    ('password_reset', '$utf8', '$subj', \$b\$$body\$b\$),
    ('invite', '$bad', 'You are invited', 'Welcome.')" >/dev/null &&
sql "INSERT INTO outbox (kind, recipient, subject, body_text, body_html) VALUES
    ('download_links', '$html', 'Links', 'Plain é', '<p>Rich <b>é</b></p>')" >/dev/null
check "insert outbox rows" $? "psql failed"

# Delivery off: a sentence, exit 0, rows untouched.
out=$(COLMENA_SMTP_URL= "$colmena" outbox-deliver --once 2>&1)
rc=$?
[ $rc -eq 0 ] && [[ $out == *"delivery is off"* ]] &&
    [ "$(row "$ascii" "attempts, sent_at IS NULL, next_attempt_at <= now()")" = "0|t|t" ]
check "smtp_url empty: delivery off, rows untouched" $? "exit $rc: $out"

out=$("$colmena" outbox-deliver --bogus 2>&1)
[ $? -eq 2 ] && [[ $out == *"outbox-deliver [--once]"* ]]
check "bad argument shows usage" $? "$out"

if ! start_smtp; then
	check "smtp-server starts" 1 "see above"
	echo "$pass passed, $fail failed"
	exit 1
fi

out=$(deliver --once)
rc=$?
[ $rc -eq 0 ] && [[ $out =~ sent\ [0-9]+,\ retry\ [0-9]+,\ failed\ [0-9]+ ]]
check "first run: exit 0 and a summary" $? "exit $rc: $out"
f=$work/mail.jsonl

check "ASCII message arrived once" "$([ "$(field "$f" "$ascii" count)" = 1 ]; echo $?)" \
    "$(field "$f" "$ascii" count) copies"
v=$(field "$f" "$ascii" 'm.subject + "|" + m.text.trim() + "|" + m.to + "|" + m.fromAddress + "|" + m.envelopeFrom + "|" + m.user')
[ "$v" = "Your sign-in code|Your code is 654321.|$ascii|no-reply@colmena.test|no-reply@colmena.test|smtpuser" ]
check "ASCII message: subject, text, To, From, envelope, AUTH" $? "$v"
v=$(field "$f" "$ascii" 'm.from')
[[ $v == *Colmena* ]]
check "From carries the display name" $? "$v"

check "UTF-8 message arrived once" "$([ "$(field "$f" "$utf8" count)" = 1 ]; echo $?)" \
    "$(field "$f" "$utf8" count) copies"
v=$(field "$f" "$utf8" 'm.subject')
[ "$v" = "$subj" ]
check "UTF-8 subject decodes" $? "got '$v'"
v=$(field "$f" "$utf8" 'm.text.replace(/\r\n/g, "\n").replace(/\n$/, "")')
[ "$v" = "$body" ]
check "UTF-8 body decodes (long line unwrapped)" $? "got '$v'"
v=$(field "$f" "$utf8" 'm.to')
[ "$v" = "$utf8" ]
check "UTF-8 message: To" $? "$v"

for r in "$ascii" "$utf8"; do
	v=$(field "$f" "$r" 'm.rawDate')
	[[ $v =~ ^(Mon|Tue|Wed|Thu|Fri|Sat|Sun),\ [0-9]{2}\ [A-Z][a-z]{2}\ [0-9]{4}\ [0-9]{2}:[0-9]{2}:[0-9]{2}\ \+0000$ ]]
	check "Date is RFC 5322 ($r)" $? "$v"
	v=$(field "$f" "$r" 'Math.abs(Date.now() - Date.parse(m.date)) < 300000')
	[ "$v" = true ]
	check "Date is now ($r)" $? "$v"
	v=$(field "$f" "$r" 'm.messageId')
	[[ $v =~ ^\<[0-9a-f]{32}@colmena\.test\>$ ]]
	check "Message-ID well formed ($r)" $? "$v"
	v=$(field "$f" "$r" 'm.mimeVersion')
	[ "$v" = "1.0" ]
	check "MIME-Version ($r)" $? "$v"
	v=$(row "$r" "sent_at IS NOT NULL, failed_at IS NULL, attempts, last_error IS NULL")
	[ "$v" = "t|t|0|t" ]
	check "row marked sent ($r)" $? "$v"
done

v=$(field "$f" "$html" 'm.text.trim() + "|" + m.html.trim()')
[ "$v" = "Plain é|<p>Rich <b>é</b></p>" ]
check "HTML row: multipart/alternative with both parts" $? "$v"

check "550 address got nothing" "$([ "$(field "$f" "$bad" count)" = 0 ]; echo $?)" \
    "$(field "$f" "$bad" count) copies"
v=$(row "$bad" "failed_at IS NOT NULL, sent_at IS NULL, attempts, last_error")
[[ $v == "t|t|1|"*550* ]]
check "550 row failed for good with the reply" $? "$v"

# Exactly once: nothing of ours goes again.
n=$(wc -l <"$f")
out=$(deliver --once)
rc=$?
[ $rc -eq 0 ] && [[ $out == *"sent 0,"* ]]
check "second run sends nothing" $? "exit $rc: $out"
[ "$(field "$f" "$ascii" count)" = 1 ] && [ "$(field "$f" "$utf8" count)" = 1 ] &&
    [ "$(field "$f" "$bad" count)" = 0 ]
check "second run: no message twice" $? "$(wc -l <"$f") lines, was $n"

# Two runs at once (two crons): each of 12 rows goes exactly once.
sql "INSERT INTO outbox (kind, recipient, subject, body_text)
    SELECT 'invite', 'many' || i || '.$tag@colmena.test', 'Many ' || i, 'x'
    FROM generate_series(1, 12) i" >/dev/null
deliver --once >"$work/run1.out" &
p1=$!
deliver --once >"$work/run2.out" &
p2=$!
wait "$p1"; r1=$?
wait "$p2"; r2=$?
dup=0
for i in $(seq 1 12); do
	[ "$(field "$f" "many$i.$tag@colmena.test" count)" = 1 ] || dup=$((dup + 1))
done
[ $r1 -eq 0 ] && [ $r2 -eq 0 ] && [ $dup -eq 0 ] &&
    [ "$(sql "SELECT count(*) FROM outbox WHERE recipient LIKE 'many%.$tag@colmena.test' AND sent_at IS NOT NULL")" = 12 ]
check "two concurrent runs send each row exactly once" $? \
    "exit $r1/$r2, $dup rows not once: $(cat "$work/run1.out" "$work/run2.out")"

# Server gone: a temporary failure, kept for a retry.
kill -TERM "$smtp_pid" 2>/dev/null
wait "$smtp_pid" 2>/dev/null
smtp_pid=
sql "INSERT INTO outbox (kind, recipient, subject, body_text)
    VALUES ('staff_added', '$later', 'Later', 'Later.')" >/dev/null
out=$(deliver --once)
rc=$?
[ $rc -eq 0 ] && [[ $out =~ retry\ [1-9] ]]
check "server down: exit 0, counted as retry" $? "exit $rc: $out"
v=$(row "$later" "attempts, next_attempt_at > now() + interval '30 seconds', failed_at IS NULL, sent_at IS NULL, last_error IS NOT NULL")
[ "$v" = "1|t|t|t|t" ]
check "server down: row left for retry" $? "$v ($(row "$later" last_error))"
out=$(deliver --once)
v=$(row "$later" "attempts")
[ "$v" = 1 ]
check "not retried before next_attempt_at" $? "attempts $v: $out"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
