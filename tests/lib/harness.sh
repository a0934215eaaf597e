# tests/lib/harness.sh: shell library sourced (by bash) from tests/run, tools/demo
# and bench/: installs missing Debian packages, builds, starts a private PostgreSQL
# and conf/lighttpd.conf on 127.0.0.1, and stops what it started (by pid) on exit.
#
# Typical use:
#   . tests/lib/harness.sh
#   harness_deps                       # apt-get what is missing (root) or exit 1
#   harness_init                       # temp dir + cleanup traps (or: harness_init DIR)
#   harness_build "$HARNESS_SRCDIR/build" [configure args]
#   harness_pg_start "$HARNESS_TMP/pg" # exports PGHOST PGPORT COLMENA_DB_URL COLMENA_DB_OWNER_URL
#   harness_write_config "$HARNESS_TMP/colmena.conf"   # exports COLMENA_CONFIG
#   harness_lighttpd_start             # exports COLMENA_PORT COLMENA_TEST_URL
#
# Knobs (environment): HARNESS_KEEP=1 keeps the temp dir; HARNESS_PG_FAST=0 keeps
# fsync on; COLMENA_PORT fixes the web port (fails if taken); COLMENA_RUN,
# COLMENA_ROOT, COLMENA_CGIBIN override where lighttpd finds its pieces;
# HARNESS_HEALTH_TIMEOUT / HARNESS_STOP_TIMEOUT (s, default 30 / 10);
# HARNESS_LOG_LEVEL, HARNESS_BODY_MAX, HARNESS_CACHE_MAX_AGE, HARNESS_CACHE_SWR,
# HARNESS_JWT_SECRET(_PREVIOUS), HARNESS_PUBLIC_URL, HARNESS_COOKIE_SECURE,
# HARNESS_RATELIMIT_FILE,
# HARNESS_RATELIMIT_{PUBLIC,ADMIN,UPLOADS,WEBHOOKS} (requests a minute; the
# defaults are high so suites are not throttled), HARNESS_TOKEN_SECRET,
# HARNESS_STRIPE_{SECRET_KEY,PUBLISHABLE_KEY,API_BASE,WEBHOOK_SECRET,
# WEBHOOK_SECRET_PREVIOUS,CONNECT_WEBHOOK_SECRET,TIMEOUT,FEE_BPS} and
# HARNESS_SMTP_{URL,FROM,STARTTLS} and HARNESS_STORE_SMTP go into the
# written config; HARNESS_ON_EXIT names a function the cleanup
# trap calls first, with the exit status.

HARNESS_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HARNESS_PACKAGES=(build-essential autoconf automake libtool pkg-config
	libfcgi-dev libpq-dev libjson-c-dev libcurl4-openssl-dev libssl-dev
	libscrypt-dev check postgresql lighttpd curl util-linux coreutils)
HARNESS_TMP=
HARNESS_TMP_OWNED=0
HARNESS_BUILDDIR=
HARNESS_PG_DIR=
HARNESS_PG_BIN=
HARNESS_PG_STARTED=0
HARNESS_LIGHTTPD_PID=
HARNESS_BG_PIDS=()
HARNESS_POLICY_RC=0
HARNESS_STOP_PROBLEMS=0

harness_log() { printf 'harness: %s\n' "$*" >&2; }
harness_die() { printf 'harness: error: %s\n' "$*" >&2; exit 1; }

# Run a command as the PostgreSQL user: postgres refuses to run as root.
harness_as_pg()
{
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# Install the Debian packages the build and tests need, plus any given as
# arguments (e.g. harness_deps wrk). As root: one apt-get update, then install,
# with service start-up blocked so apt does not launch a system lighttpd or
# PostgreSQL. As another user: print the apt command and exit 1.
harness_deps()
{
	local p missing=()

	if ! command -v dpkg-query >/dev/null 2>&1; then
		harness_log "no dpkg: not checking packages (need ${HARNESS_PACKAGES[*]} $*)"
		return 0
	fi
	for p in "${HARNESS_PACKAGES[@]}" "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q '^install ok installed$' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		printf 'missing Debian packages: %s\n' "${missing[*]}" >&2
		printf 'install them with:\n  sudo apt-get update && sudo apt-get install -y %s\n' \
		    "${missing[*]}" >&2
		exit 1
	fi
	harness_log "installing ${missing[*]}"
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\n# written by tests/lib/harness.sh during apt-get install\nexit 101\n' \
		    >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d &&
		    HARNESS_POLICY_RC=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -q ||
	    harness_die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends "${missing[@]}" ||
	    harness_die "apt-get install ${missing[*]} failed"
	harness_policy_rc_restore
}

harness_policy_rc_restore()
{
	if [ "$HARNESS_POLICY_RC" = 1 ]; then
		rm -f /usr/sbin/policy-rc.d
		HARNESS_POLICY_RC=0
	fi
}

# Create the work directory (a fresh temp dir under ${TMPDIR:-/tmp}, removed at
# exit unless HARNESS_KEEP=1; or DIR, kept) and install the cleanup traps.
harness_init()
{
	if [ -n "${1:-}" ]; then
		mkdir -p "$1" || harness_die "cannot create $1"
		HARNESS_TMP=$(cd "$1" && pwd)
		HARNESS_TMP_OWNED=0
	else
		HARNESS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/colmena.XXXXXX") ||
		    harness_die "mktemp failed"
		HARNESS_TMP_OWNED=1
	fi
	chmod 0711 "$HARNESS_TMP"	# postgres (when we are root) must traverse it
	trap harness_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# Stop everything this shell started (HARNESS_BG_PIDS: other background jobs
# to SIGTERM first), then lighttpd and PostgreSQL, then drop the temp dir.
# Runs $HARNESS_ON_EXIT (a function name, given the exit status) first, if set.
harness_cleanup()
{
	local rc=$? p

	trap - EXIT INT TERM HUP
	[ -n "${HARNESS_ON_EXIT:-}" ] && "$HARNESS_ON_EXIT" "$rc"
	for p in "${HARNESS_BG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	HARNESS_BG_PIDS=()
	harness_lighttpd_stop
	harness_pg_stop
	harness_policy_rc_restore
	if [ "$HARNESS_TMP_OWNED" = 1 ] && [ -d "$HARNESS_TMP" ]; then
		if [ "${HARNESS_KEEP:-0}" = 1 ]; then
			harness_log "kept $HARNESS_TMP"
		else
			rm -rf "$HARNESS_TMP"
		fi
	fi
	exit "$rc"
}

# Print a free TCP port on 127.0.0.1 (below the ephemeral range, not bound per
# /proc/net/tcp{,6}, nothing answering). Racy by nature: starters retry.
harness_free_port()
{
	local used i p

	used=" $(for f in /proc/net/tcp /proc/net/tcp6; do
		[ -r "$f" ] || continue
		while read -r _ local _; do
			case $local in *:*) printf '%d ' "0x${local##*:}" ;; esac
		done <"$f"
	done) "
	for i in $(seq 1 200); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		case $used in *" $p "*) continue ;; esac
		harness_port_answers "$p" && continue
		echo "$p"
		return 0
	done
	harness_log "no free port found"
	return 1
}

# True if something accepts TCP connections on 127.0.0.1:PORT.
harness_port_answers()
{
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Print the newest PostgreSQL server bin directory.
harness_pg_bindir()
{
	local d

	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	if [ -z "$d" ] && command -v pg_ctl >/dev/null 2>&1; then
		d=$(dirname "$(command -v pg_ctl)")
	fi
	[ -x "$d/postgres" ] || { harness_log "no PostgreSQL server (apt-get install postgresql)"; return 1; }
	echo "$d"
}

# harness_pg_start DIR: create (initdb, if DIR holds no cluster) or reuse a
# private cluster in DIR, start it on a free 127.0.0.1 port (unix socket in DIR,
# trust auth), create roles colmena (owner of database colmena) and colmena_app
# (plain login, no BYPASSRLS). Exports PGHOST PGPORT COLMENA_DB_URL
# COLMENA_DB_OWNER_URL and HARNESS_PG_SUPER_URL (the postgres superuser).
harness_pg_start()
{
	local dir=$1 port try sockdir settings log

	HARNESS_PG_BIN=$(harness_pg_bindir) || exit 1
	mkdir -p "$(dirname "$dir")" || harness_die "cannot create $(dirname "$dir")"
	dir=$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 ||
		    harness_die "no postgres user (apt-get install postgresql)"
	fi
	if harness_as_pg "$HARNESS_PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
		harness_die "a PostgreSQL server is already running on $dir (another demo or test?)"
	fi
	if [ ! -s "$dir/PG_VERSION" ]; then
		mkdir -p "$dir" || harness_die "cannot create $dir"
		chmod 0700 "$dir"
		[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
		harness_as_pg test -w "$dir" ||
		    harness_die "user postgres cannot reach $dir: its parent directories must be traversable (chmod o+x) or choose another place"
		log=$(harness_as_pg "$HARNESS_PG_BIN/initdb" -D "$dir" -U postgres \
		    -A trust -E UTF8 --locale=C.UTF-8 --no-instructions 2>&1) ||
		    { printf '%s\n' "$log" >&2; harness_die "initdb $dir failed"; }
		harness_pg_write "$dir/pg_hba.conf" "$(printf '%s\n' \
		    '# written by tests/lib/harness.sh: trust, loopback and unix socket only' \
		    'local all all trust' \
		    'host  all all 127.0.0.1/32 trust')"
		printf "\ninclude_if_exists = 'colmena-harness.conf'\n" |
		    harness_as_pg tee -a "$dir/postgresql.conf" >/dev/null
	fi
	# A unix socket path must fit in sun_path (108 bytes); else TCP only.
	sockdir=$dir
	[ ${#dir} -gt 85 ] && sockdir=
	for try in 1 2 3; do
		port=$(harness_free_port) || exit 1
		settings="# written by tests/lib/harness.sh at each start
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
ssl = off
max_connections = 100
shared_buffers = 32MB
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '"
		if [ "${HARNESS_PG_FAST:-1}" = 1 ]; then
			settings="$settings
fsync = off
synchronous_commit = off
full_page_writes = off"
		fi
		harness_pg_write "$dir/colmena-harness.conf" "$settings"
		if harness_as_pg "$HARNESS_PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" \
		    -w -t 60 start >/dev/null 2>&1; then
			HARNESS_PG_STARTED=1
			break
		fi
		if ! grep -q 'already in use\|could not bind' "$dir/server.log" 2>/dev/null ||
		    [ "$try" = 3 ]; then
			tail -n 30 "$dir/server.log" >&2
			harness_die "PostgreSQL did not start on $dir"
		fi
	done
	HARNESS_PG_DIR=$dir
	export PGHOST=127.0.0.1 PGPORT=$port
	export HARNESS_PG_SUPER_URL="postgresql://postgres@127.0.0.1:$port/postgres"
	export COLMENA_DB_OWNER_URL="postgresql://colmena@127.0.0.1:$port/colmena"
	export COLMENA_DB_URL="postgresql://colmena_app@127.0.0.1:$port/colmena"
	"$HARNESS_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$HARNESS_PG_SUPER_URL" <<'SQL' ||
SELECT 'CREATE ROLE colmena LOGIN'
    WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'colmena') \gexec
SELECT 'CREATE ROLE colmena_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'
    WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'colmena_app') \gexec
SELECT 'CREATE DATABASE colmena OWNER colmena'
    WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'colmena') \gexec
SQL
	    harness_die "creating roles and database failed"
	harness_log "PostgreSQL $dir on 127.0.0.1:$port"
}

# harness_pg_write FILE TEXT: write a file the postgres user owns.
harness_pg_write()
{
	printf '%s\n' "$2" | harness_as_pg tee "$1" >/dev/null ||
	    harness_die "cannot write $1"
}

# Stop the cluster harness_pg_start started (fast shutdown; then by pid).
harness_pg_stop()
{
	local pid

	[ "$HARNESS_PG_STARTED" = 1 ] || return 0
	HARNESS_PG_STARTED=0
	if ! harness_as_pg "$HARNESS_PG_BIN/pg_ctl" -D "$HARNESS_PG_DIR" -m fast \
	    -w -t 30 stop >/dev/null 2>&1; then
		pid=$(head -1 "$HARNESS_PG_DIR/postmaster.pid" 2>/dev/null)
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			harness_log "pg_ctl stop failed; sending SIGQUIT to postmaster $pid"
			kill -QUIT "$pid" 2>/dev/null
		fi
	fi
}

# harness_build DIR [configure args]: autoreconf the source tree when needed,
# configure DIR out of tree (again when the args change) and make. Returns
# non-zero, with the tail of the failing output printed, on failure.
harness_build()
{
	local b=$1 out

	shift
	if [ -e "$HARNESS_SRCDIR/config.status" ]; then
		harness_log "the source tree is configured in place; run 'make distclean' there first"
		return 1
	fi
	mkdir -p "$b" || return 1
	HARNESS_BUILDDIR=$(cd "$b" && pwd)
	if [ ! -x "$HARNESS_SRCDIR/configure" ] ||
	    [ "$HARNESS_SRCDIR/configure.ac" -nt "$HARNESS_SRCDIR/configure" ]; then
		harness_log "autoreconf -fi"
		out=$(cd "$HARNESS_SRCDIR" && autoreconf -fi 2>&1) ||
		    { printf '%s\n' "$out" >&2; harness_log "autoreconf failed"; return 1; }
	fi
	if [ ! -f "$b/Makefile" ] ||
	    [ "$(cat "$b/.harness-configure-args" 2>/dev/null)" != "$*" ] ||
	    [ "$HARNESS_SRCDIR/configure" -nt "$b/config.status" ]; then
		harness_log "configure $* (in $b)"
		rm -f "$b/.harness-configure-args"
		if ! (cd "$b" && "$HARNESS_SRCDIR/configure" "$@") >"$b/configure.out" 2>&1; then
			tail -n 30 "$b/configure.out" >&2
			harness_log "configure failed (full output: $b/configure.out)"
			return 1
		fi
		printf '%s' "$*" >"$b/.harness-configure-args"
	fi
	harness_log "make (in $b)"
	make -C "$b" -j"$(nproc 2>/dev/null || echo 2)" || { harness_log "make failed"; return 1; }
}

# harness_write_config FILE: write the programs' config from the environment
# (needs COLMENA_DB_URL and COLMENA_DB_OWNER_URL) and export COLMENA_CONFIG.
harness_write_config()
{
	local f=$1

	mkdir -p "$(dirname "$f")" || harness_die "cannot create $(dirname "$f")"
	cat >"$f" <<EOF || harness_die "cannot write $f"
# ColmenaCommerce config written by tests/lib/harness.sh; rewritten at each start.
db_url = ${COLMENA_DB_URL:?}
db_owner_url = ${COLMENA_DB_OWNER_URL:?}
sql_dir = $HARNESS_SRCDIR/sql
body_max = ${HARNESS_BODY_MAX:-1048576}
log_level = ${HARNESS_LOG_LEVEL:-info}
cache_max_age = ${HARNESS_CACHE_MAX_AGE:-60}
cache_swr = ${HARNESS_CACHE_SWR:-300}
jwt_secret = ${HARNESS_JWT_SECRET:-harness-jwt-secret-0123456789abcdefghijkl}
jwt_secret_previous = ${HARNESS_JWT_SECRET_PREVIOUS:-}
public_url = ${HARNESS_PUBLIC_URL:-http://127.0.0.1:8080}
cookie_secure = ${HARNESS_COOKIE_SECURE:-1}
storage_root = ${COLMENA_FILES:-${HARNESS_TMP:-/tmp}/files}
template_dir = $HARNESS_SRCDIR/templates
ratelimit_file = ${HARNESS_RATELIMIT_FILE:-${HARNESS_TMP:-/tmp}/ratelimit}
ratelimit_public = ${HARNESS_RATELIMIT_PUBLIC:-1000000}
ratelimit_admin = ${HARNESS_RATELIMIT_ADMIN:-1000000}
ratelimit_uploads = ${HARNESS_RATELIMIT_UPLOADS:-10}
ratelimit_webhooks = ${HARNESS_RATELIMIT_WEBHOOKS:-1000000}
token_secret = ${HARNESS_TOKEN_SECRET:-harness-token-secret-0123456789abcdefghijkl}
stripe_secret_key = ${HARNESS_STRIPE_SECRET_KEY:-}
stripe_publishable_key = ${HARNESS_STRIPE_PUBLISHABLE_KEY:-}
stripe_api_base = ${HARNESS_STRIPE_API_BASE:-https://api.stripe.com}
stripe_webhook_secret = ${HARNESS_STRIPE_WEBHOOK_SECRET:-}
stripe_webhook_secret_previous = ${HARNESS_STRIPE_WEBHOOK_SECRET_PREVIOUS:-}
stripe_connect_webhook_secret = ${HARNESS_STRIPE_CONNECT_WEBHOOK_SECRET:-}
stripe_timeout = ${HARNESS_STRIPE_TIMEOUT:-20}
stripe_fee_bps = ${HARNESS_STRIPE_FEE_BPS:-0}
smtp_url = ${HARNESS_SMTP_URL:-}
smtp_from = ${HARNESS_SMTP_FROM:-}
smtp_starttls = ${HARNESS_SMTP_STARTTLS:-1}
store_smtp = ${HARNESS_STORE_SMTP:-1}
EOF
	export COLMENA_CONFIG
	COLMENA_CONFIG=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
	export COLMENA_FILES=${COLMENA_FILES:-${HARNESS_TMP:-/tmp}/files}
	mkdir -p "$COLMENA_FILES" || harness_die "cannot create $COLMENA_FILES"
}

# Start lighttpd -D with conf/lighttpd.conf in the background and wait until
# GET /api/health answers 200. Uses (and exports) COLMENA_CONFIG (required),
# COLMENA_PORT (a free port unless set; fails if a set port is taken),
# COLMENA_RUN (default $HARNESS_TMP/run), COLMENA_ROOT (default htdocs/),
# COLMENA_CGIBIN (default $HARNESS_BUILDDIR/cgi-bin). Exports COLMENA_TEST_URL.
# lighttpd's stderr, which the programs inherit, goes to its error log too.
harness_lighttpd_start()
{
	local conf=$HARNESS_SRCDIR/conf/lighttpd.conf fixed=0 try out code i log

	[ -n "${COLMENA_CONFIG:-}" ] || harness_die "COLMENA_CONFIG is not set"
	command -v lighttpd >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
	export COLMENA_RUN=${COLMENA_RUN:-$HARNESS_TMP/run}
	export COLMENA_ROOT=${COLMENA_ROOT:-$HARNESS_SRCDIR/htdocs}
	export COLMENA_CGIBIN=${COLMENA_CGIBIN:-$HARNESS_BUILDDIR/cgi-bin}
	mkdir -p "$COLMENA_RUN" || harness_die "cannot create $COLMENA_RUN"
	COLMENA_RUN=$(cd "$COLMENA_RUN" && pwd)
	[ ${#COLMENA_RUN} -le 80 ] ||
	    harness_die "COLMENA_RUN=$COLMENA_RUN is too long for unix socket paths (max 80 chars)"
	if [ ! -d "$COLMENA_ROOT" ]; then
		COLMENA_ROOT=$COLMENA_RUN/htdocs
		mkdir -p "$COLMENA_ROOT"
	fi
	log=$COLMENA_RUN/lighttpd-error.log
	[ -n "${COLMENA_PORT:-}" ] && fixed=1
	for try in 1 2 3; do
		if [ "$fixed" = 1 ]; then
			harness_port_answers "$COLMENA_PORT" &&
			    harness_die "port 127.0.0.1:$COLMENA_PORT is already in use (set COLMENA_PORT to another)"
		else
			COLMENA_PORT=$(harness_free_port) || exit 1
		fi
		export COLMENA_PORT
		out=$(lighttpd -tt -f "$conf" 2>&1) ||
		    { printf '%s\n' "$out" >&2; harness_die "lighttpd rejects $conf"; }
		: >>"$log"
		# Its own session (so a terminal's Ctrl-C reaches only this shell,
		# which then stops lighttpd and the programs in order). Without job
		# control the child is no group leader, so setsid execs, not forks.
		if [[ $- != *m* ]] && command -v setsid >/dev/null 2>&1; then
			setsid lighttpd -D -f "$conf" </dev/null >>"$log" 2>&1 &
		else
			lighttpd -D -f "$conf" </dev/null >>"$log" 2>&1 &
		fi
		HARNESS_LIGHTTPD_PID=$!
		code=000
		for i in $(seq 1 "$((${HARNESS_HEALTH_TIMEOUT:-30} * 5))"); do
			kill -0 "$HARNESS_LIGHTTPD_PID" 2>/dev/null || break
			code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
			    "http://127.0.0.1:$COLMENA_PORT/api/health" 2>/dev/null)
			[ "$code" = 200 ] && break
			sleep 0.2
		done
		if [ "$code" = 200 ]; then
			export COLMENA_TEST_URL=http://127.0.0.1:$COLMENA_PORT
			harness_log "lighttpd on $COLMENA_TEST_URL (pid $HARNESS_LIGHTTPD_PID, log $log)"
			return 0
		fi
		if kill -0 "$HARNESS_LIGHTTPD_PID" 2>/dev/null; then
			harness_lighttpd_stop
			break	# up but unhealthy: retrying will not help
		fi
		wait "$HARNESS_LIGHTTPD_PID" 2>/dev/null
		HARNESS_LIGHTTPD_PID=
		if [ "$fixed" = 1 ] || ! grep -q 'Address already in use' "$log"; then
			break	# only a lost race for a free port is worth a retry
		fi
	done
	harness_log "lighttpd did not answer GET /api/health with 200 (last: $code); $log:"
	tail -n 40 "$log" >&2
	exit 1
}

# harness_children PID: print the pids of PID's child processes (from /proc).
harness_children()
{
	local f s

	for f in /proc/[0-9]*/stat; do
		read -r s 2>/dev/null <"$f" || continue
		s=${s##*) }	# state ppid ...
		s=${s#* }
		[ "${s%% *}" = "$1" ] && { f=${f#/proc/}; echo "${f%/stat}"; }
	done
}

# harness_alive PID: true while PID exists and is not a zombie.
harness_alive()
{
	local s

	read -r s 2>/dev/null <"/proc/$1/stat" || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}

# Stop lighttpd (SIGTERM; it SIGTERMs its FastCGI programs) and wait for it
# and for those programs to exit, so sanitizer reports are complete. A program
# still alive after HARNESS_STOP_TIMEOUT (10 s) is killed and counted in
# HARNESS_STOP_PROBLEMS.
harness_lighttpd_stop()
{
	local pid=$HARNESS_LIGHTTPD_PID kids left='' c i

	[ -n "$pid" ] || return 0
	HARNESS_LIGHTTPD_PID=
	kids=$(harness_children "$pid")
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 "$((${HARNESS_STOP_TIMEOUT:-10} * 10))"); do
		harness_alive "$pid" || break
		sleep 0.1
	done
	if harness_alive "$pid"; then
		harness_log "lighttpd $pid ignored SIGTERM; killing it"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	for i in $(seq 1 "$((${HARNESS_STOP_TIMEOUT:-10} * 10))"); do
		left=
		for c in $kids; do
			harness_alive "$c" && left="$left $c"
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	for c in $left; do
		if harness_alive "$c"; then
			harness_log "FastCGI program $c did not exit on SIGTERM; killing it"
			kill -KILL "$c" 2>/dev/null
			HARNESS_STOP_PROBLEMS=$((HARNESS_STOP_PROBLEMS + 1))
		fi
	done
}

# Install tests/node's npm packages (jose and otplib, which crosscheck.sh
# compares the C code with) exactly as package-lock.json pins them, with
# npm ci, when node_modules is missing or older than the lock file. Quiet
# unless it fails; dies with npm's output then.
harness_node_modules()
{
	local dir=$HARNESS_SRCDIR/tests/node out

	command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
	    harness_die "node and npm are needed for tests/node (apt-get install nodejs npm)"
	if [ -d "$dir/node_modules" ] &&
	    ! [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
		return 0
	fi
	harness_log "npm ci in $dir"
	out=$(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error 2>&1) ||
	    { printf '%s\n' "$out" >&2; harness_die "npm ci in $dir failed (is the npm registry reachable?)"; }
	touch "$dir/node_modules"
}

# harness_clamd_start DIR: start a private clamd (Debian clamav-daemon,
# installed through harness_deps when missing) on the unix socket
# DIR/clamd.sock, with a database of test signatures only: an .hdb for the
# 68-byte EICAR test file (its MD5 computed here; the file is written to
# DIR/eicar.com) and tests/data/clamd/*.ndb. StreamMaxLength is
# HARNESS_CLAMD_STREAM_MAX (default 2M) so the size-limit error is testable.
# As root, clamd runs as user clamav and DIR is handed to it. Waits up to
# HARNESS_CLAMD_TIMEOUT s (60) for the socket and, when the build has
# tests/integration/clamscan_tool, for a PONG. Exports COLMENA_TEST_CLAMD,
# HARNESS_CLAMD_EICAR and HARNESS_CLAMD_PID; returns 1 (clamd stopped, its
# log printed) if it does not come up. harness_clamd_stop stops it.
harness_clamd_start()
{
	local dir=$1 clamd tool i sum t0 eicar

	clamd=$(PATH=$PATH:/usr/sbin command -v clamd 2>/dev/null)
	if [ -z "$clamd" ]; then
		harness_deps clamav-daemon
		clamd=$(PATH=$PATH:/usr/sbin command -v clamd 2>/dev/null) ||
		    { harness_log "no clamd (apt-get install clamav-daemon)"; return 1; }
	fi
	[ -z "${HARNESS_CLAMD_PID:-}" ] ||
	    { harness_log "clamd already started (pid $HARNESS_CLAMD_PID)"; return 1; }
	mkdir -p "$dir/db" "$dir/tmp" || { harness_log "cannot create $dir"; return 1; }
	dir=$(cd "$dir" && pwd)
	[ ${#dir} -le 90 ] ||
	    { harness_log "$dir is too long for a unix socket path"; return 1; }
	rm -f "$dir/clamd.sock" "$dir/clamd.pid" "$dir"/db/*

	# The EICAR test file, spelt in two halves so this script is no match.
	eicar='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-'
	eicar="${eicar}STANDARD-ANTIVIRUS-TEST-FILE!\$H+H*"
	printf '%s' "$eicar" >"$dir/eicar.com"
	sum=$(md5sum <"$dir/eicar.com") && sum=${sum%% *} && [ ${#sum} -eq 32 ] ||
	    { harness_log "md5sum failed"; return 1; }
	printf '%s:%s:Eicar-Test-Signature\n' "$sum" \
	    "$(wc -c <"$dir/eicar.com" | tr -d ' ')" >"$dir/db/eicar.hdb"
	cp "$HARNESS_SRCDIR"/tests/data/clamd/*.ndb "$dir/db/" 2>/dev/null

	cat >"$dir/clamd.conf" <<EOF || { harness_log "cannot write $dir/clamd.conf"; return 1; }
# written by tests/lib/harness.sh: a private clamd with test signatures only
Foreground yes
LocalSocket $dir/clamd.sock
DatabaseDirectory $dir/db
TemporaryDirectory $dir/tmp
LogFile $dir/clamd.log
LogTime yes
PidFile $dir/clamd.pid
StreamMaxLength ${HARNESS_CLAMD_STREAM_MAX:-2M}
MaxThreads 2
ReadTimeout 10
CommandReadTimeout 5
SelfCheck 3600
Bytecode no
EOF
	if [ "$(id -u)" -eq 0 ]; then
		id clamav >/dev/null 2>&1 ||
		    { harness_log "no clamav user (apt-get install clamav-daemon)"; return 1; }
		echo "User clamav" >>"$dir/clamd.conf"
		chown -R clamav: "$dir"
		runuser -u clamav -- test -w "$dir" ||
		    { harness_log "user clamav cannot reach $dir: its parents must be traversable (chmod o+x)"; return 1; }
	fi

	t0=$(date +%s%N)
	if [[ $- != *m* ]] && command -v setsid >/dev/null 2>&1; then
		setsid "$clamd" -c "$dir/clamd.conf" </dev/null >>"$dir/clamd.out" 2>&1 &
	else
		"$clamd" -c "$dir/clamd.conf" </dev/null >>"$dir/clamd.out" 2>&1 &
	fi
	HARNESS_CLAMD_PID=$!
	HARNESS_BG_PIDS+=("$HARNESS_CLAMD_PID")
	tool=${COLMENA_TEST_BUILDDIR:-${HARNESS_BUILDDIR:-/nonexistent}}/tests/integration/clamscan_tool
	for i in $(seq 1 "$((${HARNESS_CLAMD_TIMEOUT:-60} * 10))"); do
		harness_alive "$HARNESS_CLAMD_PID" || break
		if [ -S "$dir/clamd.sock" ]; then
			if [ ! -x "$tool" ] ||
			    "$tool" ping "$dir/clamd.sock" 2 >/dev/null 2>&1; then
				export COLMENA_TEST_CLAMD=$dir/clamd.sock
				export HARNESS_CLAMD_EICAR=$dir/eicar.com
				export HARNESS_CLAMD_PID
				harness_log "clamd on $COLMENA_TEST_CLAMD (pid $HARNESS_CLAMD_PID, up in $((($(date +%s%N) - t0) / 1000000)) ms)"
				return 0
			fi
		fi
		sleep 0.1
	done
	harness_log "clamd did not come up on $dir/clamd.sock; $dir/clamd.log:"
	tail -n 30 "$dir/clamd.log" "$dir/clamd.out" >&2 2>/dev/null
	harness_clamd_stop
	return 1
}

# Stop the clamd harness_clamd_start started: SIGTERM to its pid, then
# SIGKILL after HARNESS_STOP_TIMEOUT (10 s), and wait for it.
harness_clamd_stop()
{
	local pid=${HARNESS_CLAMD_PID:-} i p rest=()

	[ -n "$pid" ] || return 0
	HARNESS_CLAMD_PID=
	for p in "${HARNESS_BG_PIDS[@]}"; do
		[ "$p" = "$pid" ] || rest+=("$p")
	done
	HARNESS_BG_PIDS=("${rest[@]}")
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 "$((${HARNESS_STOP_TIMEOUT:-10} * 10))"); do
		harness_alive "$pid" || break
		sleep 0.1
	done
	if harness_alive "$pid"; then
		harness_log "clamd $pid ignored SIGTERM; killing it"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# harness_swift_start DIR: start OpenStack Swift with its S3 API on free
# 127.0.0.1 ports, everything (rings of one replica, a plain directory as
# the device, configs, logs) in DIR: account, container and object servers,
# memcached (tempauth keeps nothing without it) and a proxy whose pipeline
# has s3api (location us-east-1) before tempauth (user test:tester, key
# "testing"), so S3 signatures are checked for real. Installs the Debian
# packages through harness_deps when missing. As root every process runs as
# user swift. Waits up to HARNESS_SWIFT_TIMEOUT s (30) for the proxy's
# /healthcheck and the servers' ports. Exports COLMENA_TEST_S3_ENDPOINT,
# COLMENA_TEST_S3_REGION, COLMENA_TEST_S3_ACCESS_KEY (tempauth's
# "account:user") and COLMENA_TEST_S3_SECRET_KEY; returns 1 (what started
# stopped, the logs printed) if Swift does not come up. Stop it with
# harness_swift_stop (harness_cleanup's SIGTERM to HARNESS_BG_PIDS is the
# fallback).
HARNESS_SWIFT_PIDS=()

harness_swift_start()
{
	local dir=$1 user run=() n p i code up ports=() out t0
	local names=(account container object proxy memcached)

	harness_deps swift swift-proxy swift-account swift-container \
	    swift-object memcached
	[ ${#HARNESS_SWIFT_PIDS[@]} -eq 0 ] ||
	    { harness_log "Swift already started"; return 1; }
	# The servers read the hash path prefix and the storage policies from
	# here, whatever swift_dir says; the swift package installs it.
	[ -r /etc/swift/swift.conf ] ||
	    { harness_log "no /etc/swift/swift.conf (apt-get install swift)"; return 1; }
	mkdir -p "$dir/devices/d1" "$dir/log" || { harness_log "cannot create $dir"; return 1; }
	dir=$(cd "$dir" && pwd)
	if [ "$(id -u)" -eq 0 ]; then
		id swift >/dev/null 2>&1 ||
		    { harness_log "no swift user (apt-get install swift)"; return 1; }
		user=swift
		run=(setpriv --reuid=swift --regid=swift --init-groups)
	else
		user=$(id -un)
	fi
	for n in "${names[@]}"; do
		for i in 1 2 3 4 5; do
			p=$(harness_free_port) || return 1
			case " ${ports[*]} " in *" $p "*) continue ;; esac
			break
		done
		ports+=("$p")
	done

	for i in 0 1 2; do
		n=${names[$i]}
		out=$(cd "$dir" && rm -f "$n.builder" "$n.ring.gz" &&
		    swift-ring-builder "$n.builder" create 10 1 1 &&
		    swift-ring-builder "$n.builder" add \
		    "r1z1-127.0.0.1:${ports[$i]}/d1" 100 &&
		    swift-ring-builder "$n.builder" rebalance 2>&1) ||
		    { printf '%s\n' "$out" >&2; harness_log "swift-ring-builder $n failed"; return 1; }
		cat >"$dir/$n-server.conf" <<EOC || { harness_log "cannot write $dir/$n-server.conf"; return 1; }
# written by tests/lib/harness.sh
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${ports[$i]}
workers = 0
user = $user
swift_dir = $dir
devices = $dir/devices
mount_check = false
disable_fallocate = true
# Logs go to stderr (-v); the syslog copy to the discard port.
log_udp_host = 127.0.0.1
log_udp_port = 9

[pipeline:main]
pipeline = $n-server

[app:$n-server]
use = egg:swift#$n
EOC
	done
	cat >"$dir/proxy-server.conf" <<EOC || { harness_log "cannot write $dir/proxy-server.conf"; return 1; }
# written by tests/lib/harness.sh
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${ports[3]}
workers = 0
user = $user
swift_dir = $dir
log_udp_host = 127.0.0.1
log_udp_port = 9

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo versioned_writes proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:${ports[4]}

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
EOC
	if [ "$(id -u)" -eq 0 ]; then
		chown -R swift: "$dir"
		"${run[@]}" test -w "$dir" ||
		    { harness_log "user swift cannot reach $dir: its parents must be traversable (chmod o+x)"; return 1; }
	fi

	t0=$(date +%s%N)
	for i in 0 1 2 3 4; do
		n=${names[$i]}
		if [ "$n" = memcached ]; then
			set -- memcached -l 127.0.0.1 -p "${ports[4]}" -U 0 -m 16 -t 1
		else
			set -- "swift-$n-server" "$dir/$n-server.conf" -v
		fi
		# Own session, as lighttpd's: without job control setsid execs.
		if [[ $- != *m* ]] && command -v setsid >/dev/null 2>&1; then
			setsid "${run[@]}" "$@" </dev/null >"$dir/log/$n.log" 2>&1 &
		else
			"${run[@]}" "$@" </dev/null >"$dir/log/$n.log" 2>&1 &
		fi
		HARNESS_SWIFT_PIDS+=("$!")
		HARNESS_BG_PIDS+=("$!")
	done
	for i in $(seq 1 "$((${HARNESS_SWIFT_TIMEOUT:-30} * 10))"); do
		up=1
		for p in "${HARNESS_SWIFT_PIDS[@]}"; do
			harness_alive "$p" || { up=dead; break; }
		done
		[ "$up" = dead ] && break
		for p in "${ports[@]:0:3}"; do
			harness_port_answers "$p" || up=0
		done
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		    "http://127.0.0.1:${ports[3]}/healthcheck" 2>/dev/null)
		if [ "$up" = 1 ] && [ "$code" = 200 ]; then
			export COLMENA_TEST_S3_ENDPOINT=http://127.0.0.1:${ports[3]}
			export COLMENA_TEST_S3_REGION=us-east-1
			export COLMENA_TEST_S3_ACCESS_KEY=test:tester
			export COLMENA_TEST_S3_SECRET_KEY=testing
			harness_log "Swift S3 API on $COLMENA_TEST_S3_ENDPOINT (pids ${HARNESS_SWIFT_PIDS[*]}, up in $((($(date +%s%N) - t0) / 1000000)) ms, logs $dir/log)"
			return 0
		fi
		sleep 0.1
	done
	harness_log "Swift did not come up (proxy /healthcheck: $code); logs in $dir/log:"
	for n in "${names[@]}"; do
		echo "--- $n" >&2
		tail -n 20 "$dir/log/$n.log" >&2
	done
	harness_swift_stop
	return 1
}

# Stop what harness_swift_start started: SIGTERM to each pid, SIGKILL to
# any left after HARNESS_STOP_TIMEOUT (10 s), and wait for them all.
harness_swift_stop()
{
	local p q i left rest=()

	[ ${#HARNESS_SWIFT_PIDS[@]} -gt 0 ] || return 0
	for p in "${HARNESS_BG_PIDS[@]}"; do
		for q in "${HARNESS_SWIFT_PIDS[@]}"; do
			[ "$p" = "$q" ] && continue 2
		done
		rest+=("$p")
	done
	HARNESS_BG_PIDS=("${rest[@]}")
	for p in "${HARNESS_SWIFT_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for i in $(seq 1 "$((${HARNESS_STOP_TIMEOUT:-10} * 10))"); do
		left=
		for p in "${HARNESS_SWIFT_PIDS[@]}"; do
			harness_alive "$p" && left="$left $p"
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	for p in $left; do
		harness_log "Swift process $p ignored SIGTERM; killing it"
		kill -KILL "$p" 2>/dev/null
	done
	for p in "${HARNESS_SWIFT_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	HARNESS_SWIFT_PIDS=()
	return 0
}

# harness_stripe_start DIR [ARGS...]: start the Stripe stand-in
# (tests/stripe/standin.mjs, Node built-ins only) on a free 127.0.0.1 port,
# its log in DIR/standin.log, extra ARGS passed on (--webhook-url,
# --webhook-secret, --connect-webhook-secret, --secret-key, ...). Waits
# for its "ready PORT" line (HARNESS_STRIPE_TIMEOUT s, 15). Exports
# HARNESS_STRIPE_URL (its base URL: the programs' stripe_api_base) and
# HARNESS_STRIPE_PID; returns 1 (log printed) if it does not come up.
# harness_stripe_stop stops it.
harness_stripe_start()
{
	local dir=$1 i port
	local out

	shift
	command -v node >/dev/null 2>&1 ||
	    { harness_log "node is needed for the Stripe stand-in (apt-get install nodejs)"; return 1; }
	[ -z "${HARNESS_STRIPE_PID:-}" ] ||
	    { harness_log "Stripe stand-in already started (pid $HARNESS_STRIPE_PID)"; return 1; }
	mkdir -p "$dir" || { harness_log "cannot create $dir"; return 1; }
	out=$dir/standin.out
	: >"$out"
	if [[ $- != *m* ]] && command -v setsid >/dev/null 2>&1; then
		setsid node "$HARNESS_SRCDIR/tests/stripe/standin.mjs" --port 0 "$@" \
		    </dev/null >"$out" 2>"$dir/standin.log" &
	else
		node "$HARNESS_SRCDIR/tests/stripe/standin.mjs" --port 0 "$@" \
		    </dev/null >"$out" 2>"$dir/standin.log" &
	fi
	HARNESS_STRIPE_PID=$!
	HARNESS_BG_PIDS+=("$HARNESS_STRIPE_PID")
	for i in $(seq 1 "$((${HARNESS_STRIPE_TIMEOUT:-15} * 10))"); do
		harness_alive "$HARNESS_STRIPE_PID" || break
		port=$(sed -n 's/^ready \([0-9][0-9]*\)$/\1/p' "$out" | head -1)
		if [ -n "$port" ]; then
			export HARNESS_STRIPE_URL=http://127.0.0.1:$port
			export HARNESS_STRIPE_PID
			harness_log "Stripe stand-in on $HARNESS_STRIPE_URL (pid $HARNESS_STRIPE_PID)"
			return 0
		fi
		sleep 0.1
	done
	harness_log "the Stripe stand-in did not come up; $dir/standin.log:"
	tail -n 30 "$dir/standin.log" >&2
	harness_stripe_stop
	return 1
}

# Stop the stand-in harness_stripe_start started (SIGTERM, then SIGKILL
# after HARNESS_STOP_TIMEOUT s) and wait for it.
harness_stripe_stop()
{
	local pid=${HARNESS_STRIPE_PID:-} i p rest=()

	[ -n "$pid" ] || return 0
	HARNESS_STRIPE_PID=
	for p in "${HARNESS_BG_PIDS[@]}"; do
		[ "$p" = "$pid" ] || rest+=("$p")
	done
	HARNESS_BG_PIDS=("${rest[@]}")
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 "$((${HARNESS_STOP_TIMEOUT:-10} * 10))"); do
		harness_alive "$pid" || break
		sleep 0.1
	done
	harness_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}
