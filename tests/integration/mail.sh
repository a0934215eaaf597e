#!/usr/bin/env bash
# mail.sh: `colmena outbox-deliver` against a real SMTP server (npm
# smtp-server via tests/node/mail.mjs, AUTH PLAIN, no TLS, one address
# refused with 550): delivery off leaves rows alone; an ASCII, a UTF-8 and
# a text+HTML (multipart/alternative) message arrive with the right
# envelope, From, To, decoded Subject, text, Date and Message-ID and their
# rows get sent_at; the 550 row fails for good with the reply in
# last_error; a second run sends nothing again; two runs at once send each
# row once; with the server gone a new row waits for a retry (attempts 1,
# next_attempt_at ahead, no failed_at). Per store: a store with its own
# SMTP server (a second smtp-server, other credentials) gets its rows sent
# there with its mail_from as From and envelope sender, also when the
# install has no server, and in a continuous run with --interval 1 (a row
# queued between rounds arrives; SIGTERM ends it with exit 0); rows of a
# store without a server stay queued untouched while the install has none,
# then go through the install's server From the install's smtp_from (a
# store's mail_from only goes out through its own server); with
# store_smtp = 0 a store's own server is not used either; a row's
# reply_to becomes Reply-To (one that is no address is left out); a
# file_updated row of a store carries List-Unsubscribe (public_url
# /unsubscribe/<store>/<sha256 of the lower-cased recipient>/<proof, checked
# with node's own HMAC>) and List-Unsubscribe-Post, a receipt row, a row
# without a store, or a run without token_secret does not; a bad --interval
# or --once with --interval is refused with exit 2. Rows and stores are
# inserted (and removed at exit) with psql as the owner role; other due rows
# in the database are delivered too, as in production.
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
smtp2_pid=
loop_pid=
store_a=$(cat /proc/sys/kernel/random/uuid)
store_b=$(cat /proc/sys/kernel/random/uuid)
secret=${COLMENA_TOKEN_SECRET:-mail-suite-token-secret-0123456789abcdefgh}
public=https://shop.colmena.test

cleanup()
{
	local p

	for p in "$loop_pid" "$smtp_pid" "$smtp2_pid"; do
		[ -n "$p" ] || continue
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	sql "DELETE FROM outbox WHERE recipient LIKE '%.$tag@colmena.test'" \
	    >/dev/null 2>&1
	# Their outbox rows go with them (ON DELETE CASCADE).
	for p in "$store_a" "$store_b"; do
		store_sql "$p" "DELETE FROM stores WHERE id = '$p'" >/dev/null 2>&1
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sql()
{
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$owner_url" -c "$1"
}

# store_sql STORE SQL: SQL in one transaction as store STORE (stores are
# under FORCE'd row-level security, even for the owner role).
store_sql()
{
	sql "SELECT set_config('app.store_id', '$1', true); $2" >/dev/null
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

# smtp_start NAME USER PASS: a mail.mjs on a free port, writing
# $work/NAME.jsonl; sets started_pid and started_port.
smtp_start()
{
	local try i

	for try in 1 2 3; do
		started_port=$(harness_free_port) || return 1
		: >"$work/$1.out"
		node "$src/tests/node/mail.mjs" "$started_port" "$work/$1.jsonl" \
		    "nobody.$tag@colmena.test" "$2" "$3" \
		    >"$work/$1.out" 2>&1 &
		started_pid=$!
		for i in $(seq 1 100); do
			grep -q '^ready' "$work/$1.out" && return 0
			harness_alive "$started_pid" || break
			sleep 0.1
		done
		kill -TERM "$started_pid" 2>/dev/null
		wait "$started_pid" 2>/dev/null
		started_pid=
	done
	cat "$work/$1.out"
	return 1
}

# The install's server: AUTH smtpuser / "smtp pass", into $work/mail.jsonl.
start_smtp()
{
	smtp_start mail smtpuser 'smtp pass' || return 1
	smtp_pid=$started_pid port=$started_port
}

# wait_count FILE RCPT N: up to 20 s for N messages to RCPT in FILE.
wait_count()
{
	local i

	for i in $(seq 1 200); do
		[ "$(field "$1" "$2" count)" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

deliver()
{
	COLMENA_SMTP_URL=smtp://127.0.0.1:$port COLMENA_SMTP_STARTTLS=0 \
	    COLMENA_SMTP_FROM='Colmena <no-reply@colmena.test>' \
	    COLMENA_SMTP_USER=smtpuser COLMENA_SMTP_PASSWORD='smtp pass' \
	    COLMENA_TOKEN_SECRET=${mail_secret-$secret} COLMENA_PUBLIC_URL=$public/ \
	    COLMENA_LOG_LEVEL=warn "$colmena" outbox-deliver "$@" 2>&1
}

# untouched RCPT: the row was never claimed or tried.
untouched()
{
	[ "$(row "$1" "attempts, sent_at IS NULL, failed_at IS NULL, next_attempt_at <= now(), last_error IS NULL")" = "0|t|t|t|t" ]
}

# unsub_url STORE RCPT: the List-Unsubscribe value for RCPT at STORE, made
# here with node's HMAC (not the C code's): <public/unsubscribe/store/
# sha256(lower(rcpt)) hex/base64url(HMAC-SHA256(secret, label:store:hash))>.
unsub_url()
{
	node -e '
const c = require("crypto");
const [secret, pub, store, rcpt] = process.argv.slice(1);
const hash = c.createHash("sha256").update(rcpt.toLowerCase()).digest("hex");
const proof = c.createHmac("sha256", secret)
  .update("colmena-unsubscribe:" + store + ":" + hash).digest("base64url");
console.log("<" + pub + "/unsubscribe/" + store + "/" + hash + "/" + proof + ">");
' "$secret" "$public" "$1" "$2"
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

# Delivery off: a sentence, exit 0, rows untouched. (Should another suite
# have left a store with its own server, delivery is on, and rows without
# a store still stay untouched.)
others=$(sql "SELECT count(*) FROM stores WHERE smtp_url IS NOT NULL")
out=$(COLMENA_SMTP_URL= "$colmena" outbox-deliver --once 2>&1)
rc=$?
if [ "$others" = 0 ]; then
	[[ $out == *"delivery is off"* ]]
else
	[[ $out != *"delivery is off"* ]]
fi && [ $rc -eq 0 ] && untouched "$ascii"
check "smtp_url empty: delivery off, rows untouched" $? \
    "exit $rc ($others stores with a server): $out"

out=$("$colmena" outbox-deliver --bogus 2>&1)
[ $? -eq 2 ] && [[ $out == *"outbox-deliver [--once | --interval N]"* ]]
check "bad argument shows usage" $? "$out"

for a in "--interval 0" "--interval 3601" "--interval 5s" "--interval" \
    "--once --interval 5" "--interval 5 extra"; do
	# shellcheck disable=SC2086
	out=$(COLMENA_SMTP_URL= "$colmena" outbox-deliver $a 2>&1)
	rc=$?
	[ $rc -eq 2 ] && [[ $out == *"--interval N"* ]]
	check "outbox-deliver $a: refused with usage" $? "exit $rc: $out"
done
out=$(COLMENA_SMTP_URL= "$colmena" outbox-deliver --interval 0 2>&1)
[[ $out == *"--interval is too small (1 to 3600 seconds)"* ]]
check "--interval 0: says why" $? "$out"
untouched "$ascii"
check "refused runs touched nothing" $? "$(row "$ascii" "attempts, sent_at")"

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

# Per-store mail. Store A has its own server (other credentials) and
# sender; store B has a sender but no server.
if smtp_start store storeuser 'store pass'; then
	smtp2_pid=$started_pid port2=$started_port
else
	check "second smtp-server starts" 1 "see above"
	echo "$pass passed, $fail failed"
	exit 1
fi
f2=$work/store.jsonl
store_sql "$store_a" "INSERT INTO stores (id, slug, name, smtp_url, smtp_user,
    smtp_password, mail_from) VALUES ('$store_a', 'mail-a-$tag', 'Tienda',
    'smtp://127.0.0.1:$port2', 'storeuser', 'store pass',
    'Tienda <ventas.$tag@tienda.test>')" &&
store_sql "$store_b" "INSERT INTO stores (id, slug, name, mail_from)
    VALUES ('$store_b', 'mail-b-$tag', 'Shop B', 'Shop B <hello.$tag@b.test>')"
check "insert stores" $? "psql failed"

a_rec=arec.$tag@colmena.test
a_upd=AUpd.$tag@Colmena.test		# mixed case: the hash is of lower case
a_bad=abad.$tag@colmena.test
a_late=alate.$tag@colmena.test
a_after=aafter.$tag@colmena.test
b_rec=brec.$tag@colmena.test
b_upd=bupd.$tag@colmena.test
b_nosecret=bnosecret.$tag@colmena.test
n_upd=nupd.$tag@colmena.test
sql "INSERT INTO outbox (store_id, kind, recipient, subject, body_text, reply_to)
    VALUES ('$store_a', 'receipt', '$a_rec', 'Your order from Tienda', 'Gracias.',
            'Soporte <soporte.$tag@tienda.test>'),
           ('$store_a', 'file_updated', '$a_upd', 'Updated (Tienda)', 'New link.',
            'soporte.$tag@tienda.test'),
           ('$store_a', 'receipt', '$a_bad', 'Your order from Tienda', 'Hola.',
            'not an address'),
           ('$store_b', 'receipt', '$b_rec', 'Your order from Shop B', 'Thanks.',
            NULL),
           ('$store_b', 'file_updated', '$b_upd', 'Updated (Shop B)', 'New.',
            NULL),
           (NULL, 'file_updated', '$n_upd', 'Updated', 'New.', NULL)" >/dev/null
check "insert store rows" $? "psql failed"

# The install has no server: only store A's rows go, in a continuous run
# with a round every second.
env COLMENA_SMTP_URL= COLMENA_SMTP_FROM= COLMENA_SMTP_USER= \
    COLMENA_SMTP_PASSWORD= COLMENA_SMTP_STARTTLS=0 \
    COLMENA_TOKEN_SECRET="$secret" COLMENA_PUBLIC_URL="$public" \
    COLMENA_LOG_LEVEL=warn "$colmena" outbox-deliver --interval 1 \
    >"$work/loop.out" 2>&1 &
loop_pid=$!
wait_count "$f2" "$a_rec" 1 && wait_count "$f2" "$a_upd" 1 &&
    wait_count "$f2" "$a_bad" 1
check "store server: its rows arrive with no install server" $? \
    "$(cat "$work/loop.out" "$work/store.out")"
sql "INSERT INTO outbox (store_id, kind, recipient, subject, body_text)
    VALUES ('$store_a', 'receipt', '$a_late', 'Later', 'Later.')" >/dev/null
wait_count "$f2" "$a_late" 1 && harness_alive "$loop_pid"
check "--interval 1: a row queued between rounds goes in the next" $? \
    "$(field "$f2" "$a_late" count) copies: $(cat "$work/loop.out")"
kill -TERM "$loop_pid" 2>/dev/null
wait "$loop_pid"
rc=$?
loop_pid=
out=$(cat "$work/loop.out")
[ $rc -eq 0 ] && [ "$(grep -c '^sent [1-9]' <<<"$out")" -ge 2 ] &&
    [[ $out != *"is off"* ]]
check "--interval run: two rounds reported, SIGTERM ends it with 0" $? \
    "exit $rc: $out"

for r in "$a_rec" "$a_upd" "$a_bad" "$a_late"; do
	v=$(field "$f2" "$r" 'm.fromAddress + "|" + m.from.replace(/"/g, "") + "|" + m.envelopeFrom + "|" + m.user')
	[ "$v" = "ventas.$tag@tienda.test|Tienda <ventas.$tag@tienda.test>|ventas.$tag@tienda.test|storeuser" ]
	check "store server: From, envelope and AUTH are the store's ($r)" $? "$v"
	v=$(row "$r" "sent_at IS NOT NULL, attempts")
	[ "$v" = "t|0" ]
	check "store row marked sent ($r)" $? "$v"
done
check "store rows never reach the install's server" \
    "$([ "$(field "$f" "$a_rec" count)$(field "$f" "$a_upd" count)" = 00 ]; echo $?)" \
    "$(field "$f" "$a_rec" count) and $(field "$f" "$a_upd" count) copies"
v=$(field "$f2" "$a_rec" 'm.replyTo')
[ "$v" = "soporte.$tag@tienda.test" ]
check "reply_to becomes Reply-To (the bare address)" $? "$v"
v=$(field "$f2" "$a_bad" 'm.replyTo + "|" + m.text.trim()')
[ "$v" = "null|Hola." ]
check "a reply_to that is no address is left out, the mail still goes" $? "$v"
v=$(field "$f2" "$a_late" 'm.replyTo')
[ "$v" = null ]
check "no reply_to: no Reply-To" $? "$v"
v=$(field "$f2" "$a_rec" 'm.listUnsubscribe + "|" + m.listUnsubscribePost')
[ "$v" = "null|null" ]
check "a receipt has no List-Unsubscribe" $? "$v"
want=$(unsub_url "$store_a" "$a_upd")
v=$(field "$f2" "$a_upd" 'm.listUnsubscribe')
[ "$v" = "$want" ] &&
    [[ $v =~ ^[\<]$public/unsubscribe/$store_a/[0-9a-f]{64}/[A-Za-z0-9_-]{43}[\>]$ ]]
check "file_updated: List-Unsubscribe with the store, hash and proof" $? \
    "got $v, want $want"
v=$(field "$f2" "$a_upd" 'm.listUnsubscribePost')
[ "$v" = "List-Unsubscribe=One-Click" ]
check "file_updated: List-Unsubscribe-Post one-click" $? "$v"
for r in "$b_rec" "$b_upd" "$n_upd"; do
	untouched "$r"
	check "no server for it: row left queued, untouched ($r)" $? \
	    "$(row "$r" "attempts, sent_at, failed_at, next_attempt_at, last_error")"
done

# The install's server is back: store B's rows go there with B's sender,
# store A's still to its own.
sql "INSERT INTO outbox (store_id, kind, recipient, subject, body_text)
    VALUES ('$store_a', 'receipt', '$a_after', 'After', 'After.')" >/dev/null
out=$(deliver --once)
rc=$?
[ $rc -eq 0 ] && [ "$(field "$f2" "$a_after" count)" = 1 ] &&
    [ "$(field "$f" "$a_after" count)" = 0 ]
check "install server on: a store with its own still uses its own" $? \
    "exit $rc: $out"
for r in "$b_rec" "$b_upd"; do
	v=$(field "$f" "$r" 'm.fromAddress + "|" + m.envelopeFrom + "|" + m.user')
	[ "$v" = "no-reply@colmena.test|no-reply@colmena.test|smtpuser" ]
	check "store without a server: install's server and From, not the store's mail_from ($r)" $? "$v"
done
# The operator may keep every store on the install's server.
a_off=aoff.$tag@colmena.test
sql "INSERT INTO outbox (store_id, kind, recipient, subject, body_text)
    VALUES ('$store_a', 'receipt', '$a_off', 'Off', 'Off.')" >/dev/null
out=$(COLMENA_STORE_SMTP=0 deliver --once)
v=$(field "$f" "$a_off" 'm.fromAddress + "|" + m.user')
[ "$v" = "no-reply@colmena.test|smtpuser" ] && [ "$(field "$f2" "$a_off" count)" = 0 ]
check "store_smtp = 0: a store's own server and sender are not used" $? "$v: $out"
v=$(field "$f" "$n_upd" 'm.fromAddress + "|" + m.listUnsubscribe')
[ "$v" = "no-reply@colmena.test|null" ]
check "file_updated without a store: install From, no List-Unsubscribe" $? "$v"
v=$(field "$f" "$b_rec" 'm.listUnsubscribe + "|" + m.replyTo')
[ "$v" = "null|null" ]
check "store B receipt: no List-Unsubscribe, no Reply-To" $? "$v"
want=$(unsub_url "$store_b" "$b_upd")
v=$(field "$f" "$b_upd" 'm.listUnsubscribe + "|" + m.listUnsubscribePost')
[ "$v" = "$want|List-Unsubscribe=One-Click" ]
check "store B file_updated: its own unsubscribe link" $? "got $v, want $want"

# Without token_secret there is no proof to give: no List-Unsubscribe.
sql "INSERT INTO outbox (store_id, kind, recipient, subject, body_text)
    VALUES ('$store_b', 'file_updated', '$b_nosecret', 'Updated', 'New.')" >/dev/null
out=$(mail_secret='' deliver --once)
v=$(field "$f" "$b_nosecret" 'm.listUnsubscribe + "|" + m.listUnsubscribePost')
[ "$v" = "null|null" ]
check "no token_secret: no List-Unsubscribe" $? "$v: $out"

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
