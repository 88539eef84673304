#!/bin/bash
# shellcheck disable=SC2016 # the bash -c checks expand their own $1, $2 ...
# The init integration of configs/examples/init/ against the real binary: the sysvinit
# script's start (returns only once socketd listens), status (LSB codes 0/1/3), stop (no
# process, no pid file), restart, reload (SIGHUP keeps the listener, picks up changed units),
# a failed start; the inittab line's options; the OpenRC script's syntax.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
optional SOCKETD
if [ -n "$_gb_optional_missing" ]; then skip all "needs$_gb_optional_missing"; exit 0; fi
INIT="$TOP/configs/examples/init"
S="$INIT/socketd.sysv"

check "OpenRC script parses (sh -n; openrc-run is not run here)" sh -n "$INIT/socketd.openrc"
check "sysvinit script parses, with an LSB header" \
	bash -c 'sh -n "$1" && grep -q "^### BEGIN INIT INFO" "$1" && grep -q "^# Provides: *socketd" "$1"' _ "$S"

mkdir -p "$T/bin" "$T/units/sockets.target.wants"
ln -s "$GATEBOX" "$T/bin/socketd" # the applet is chosen by argv[0]'s name
line=$(grep -E '^[^#]*:respawn:/usr/sbin/socketd' "$INIT/inittab")
read -r -a args <<<"${line#*:respawn:/usr/sbin/socketd}"
check "inittab: a respawn line whose socketd options are accepted" \
	"$T/bin/socketd" "${args[@]}" -n -u "$T/units"

if ! command -v start-stop-daemon >/dev/null; then
	skip "sysvinit script" "needs start-stop-daemon (Debian dpkg)"
	exit 0
fi

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
P1=$(free_port)
P2=$(free_port)
if [ -z "$P1" ] || [ -z "$P2" ] || [ "$P1" = "$P2" ]; then
	fail "two free loopback ports" "got '$P1' '$P2'"
	exit 0
fi
unit() { # unit NAME CONTENT (printf %b) [enable]
	printf '%b' "$2" > "$T/units/$1"
	[ "${3:-}" = enable ] && ln -sf "../$1" "$T/units/sockets.target.wants/$1"
	return 0
}
unit echo.socket "[Socket]\nListenStream=127.0.0.1:$P1\nAccept=yes\n" enable
unit echo@.service '[Service]\nExecStart=/bin/cat\n'

export SOCKETD="$T/bin/socketd" UNIT_DIR="$T/units" RUN_DIR="$T/run" PIDFILE="$T/socketd.pid" \
	SOCKETD_LOG="$T/socketd.log" SOCKETD_DEFAULTS="$T/no-defaults" READY_TIMEOUT=60
# qemu-user and sanitizers are slow; never hang past this
ask() { timeout 10 socat -t 5 - "TCP4:127.0.0.1:$1" 2>/dev/null <<<"${2:-hello}"; }
pid() { cat "$PIDFILE" 2>/dev/null; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
# the inode of the socket listening on 127.0.0.1:PORT (a reload must keep the same one)
listener() {
	awk -v p="$(printf '0100007F:%04X' "$1")" '$2 == p && $4 == "0A" { print $10 }' /proc/net/tcp
}

# init NAME WANT_RC ACTION [ENV=VAL...]: run the sysvinit script, assert its exit status
init() {
	local name=$1 want=$2 action=$3 rc
	shift 3
	OUT=$(env "$@" "$S" "$action" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ]; then
		pass "$name"
	else
		fail "$name" "$(printf 'exit %s, wanted %s\n%s\n--- socketd.log\n' "$rc" "$want" "$OUT"; tail -n 5 "$T/socketd.log" 2>/dev/null)"
	fi
	[ -n "$(pid)" ] && track_pid "$(pid)"
	return 0
}

init "status before start: 3 (not running)" 3 status
init "start: exit 0" 0 start
testing "start returns only once socketd listens: the first connection is served" \
	"timeout 10 socat -t 5 - TCP4:127.0.0.1:$P1" "line1\n" "" "line1\n"
PID1=$(pid)
check "the pid file holds the running socketd" bash -c '[ "$(cat /proc/$1/comm)" = socketd ]' _ "$PID1"
check "RUN_DIR reaches socketd as GATEBOX_RUN_DIR: its control socket is there" \
	bash -c 'find "$1" -maxdepth 1 -type s | grep -q .' _ "$T/run"
init "status while running: 0" 0 status
check "status names the pid" grep -qF "running (pid $PID1)" <<<"$OUT"
init "start when running: exit 0" 0 start
check "... the same socketd, no second one" \
	bash -c '[ "$(cat "$1")" = "$2" ] && kill -0 "$2" && grep -qF "already running" <<<"$3"' _ "$PIDFILE" "$PID1" "$OUT"

# reload: the service changes, a new socket unit appears; the old listener stays open
INO=$(listener "$P1")
unit echo@.service '[Service]\nExecStart=/bin/echo reloaded\n'
unit second.socket "[Socket]\nListenStream=127.0.0.1:$P2\nAccept=yes\n" enable
unit second@.service '[Service]\nExecStart=/bin/echo second\n'
init "reload: exit 0" 0 reload
check "reload: the new socket unit listens" wait_for 100 bash -c '[ "$(timeout 10 socat -t 5 - TCP4:127.0.0.1:$1 </dev/null 2>/dev/null)" = second ]' _ "$P2"
testing "reload: the changed service is used" "timeout 10 socat -t 5 - TCP4:127.0.0.1:$P1 </dev/null" "reloaded\n" "" ""
check "reload: same process, same listening socket" \
	bash -c '[ "$(cat "$1")" = "$2" ] && [ -n "$3" ] && [ "$3" = "$4" ]' _ "$PIDFILE" "$PID1" "$INO" "$(listener "$P1")"
unit echo@.service '[Service]\nExecStart=/bin/cat\n'
rm "$T/units/sockets.target.wants/second.socket"
init "reload again (second.socket disabled)" 0 reload
check "reload: the disabled unit's port is closed" wait_for 100 bash -c '[ -z "$(awk -v p="$(printf "0100007F:%04X" "$1")" "\$2 == p && \$4 == \"0A\"" /proc/net/tcp)" ]' _ "$P2"

# restart, this time logging to syslog (no SOCKETD_LOG): a new process, listening at once
init "restart (syslog mode): exit 0" 0 restart SOCKETD_LOG=
PID2=$(pid)
check "restart: the old socketd is gone, a new one runs" \
	bash -c '! kill -0 "$1" 2>/dev/null && [ -n "$2" ] && [ "$2" != "$1" ] && kill -0 "$2"' _ "$PID1" "$PID2"
testing "restart returns once listening" "timeout 10 socat -t 5 - TCP4:127.0.0.1:$P1" "again\n" "" "again\n"

init "stop: exit 0" 0 stop
check "stop waits for socketd to exit" bash -c '! kill -0 "$1" 2>/dev/null' _ "$PID2"
check "stop removes the pid file" test ! -e "$PIDFILE"
check "stop: the port is closed" bash -c '! timeout 10 socat -u /dev/null TCP4:127.0.0.1:$1 2>/dev/null' _ "$P1"
check "stop: socketd removed its control socket" bash -c '! find "$1" -maxdepth 1 -type s | grep -q .' _ "$T/run"
init "status after stop: 3" 3 status
init "stop when stopped: exit 0" 0 stop
init "reload when stopped: 7 (not running)" 7 reload
init "try-restart when stopped: 0, nothing started" 0 try-restart
check "... no pid file" test ! -e "$PIDFILE"

# socketd killed behind the script's back: LSB status 1, and start recovers
init "start again" 0 start
PID3=$(pid)
kill -9 "$PID3" 2>/dev/null
wait_for 100 bash -c '! kill -0 "$1" 2>/dev/null' _ "$PID3"
init "status of a dead socketd with its pid file: 1" 1 status
init "start over a stale pid file: exit 0" 0 start
check "... a new socketd serves" bash -c '[ "$(cat "$1")" != "$2" ] && [ "$(timeout 10 socat -t 5 - TCP4:127.0.0.1:$3 <<<ok 2>/dev/null)" = ok ]' _ "$PIDFILE" "$PID3" "$P1"
init "stop" 0 stop

# socketd exits before it is ready (an option it refuses): start fails and leaves nothing
init "start fails when socketd exits before readiness: exit 1" 1 start SOCKETD_OPTS=--no-such-option
check "... no pid file, nothing listening" bash -c '[ ! -e "$1" ] && ! timeout 10 socat -u /dev/null TCP4:127.0.0.1:$2 2>/dev/null' _ "$PIDFILE" "$P1"
init "start with a missing binary: 5 (not installed)" 5 start SOCKETD="$T/bin/none"
init "unknown action: usage, exit 2" 2 frobnicate
