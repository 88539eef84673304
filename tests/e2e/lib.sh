#!/bin/bash
# Sourced by every tests/e2e/*.sh: the BusyBox/toybox-style `testing` helper and friends.
# Environment (set by tests/run): GATEBOX (the binary under test), GB_BUILD (its build dir),
# GB_CONFIG (its .config), FLAVOUR (musl, asan, aarch64, ...), TOP (source tree).
# Each result is one line: "PASS: [flavour] script: name" (or FAIL/SKIP), nothing else counts.
# shellcheck shell=bash

: "${GATEBOX:?}" "${GB_BUILD:?}" "${GB_CONFIG:?}" "${FLAVOUR:?}" "${TOP:?}"
SCRIPT=$(basename "$0" .sh)
# A script that re-runs itself in a namespace passes its directory on (GB_OUTER_T): the
# outer run owns it and removes it.
if [ -n "${GB_OUTER_T:-}" ]; then T=$GB_OUTER_T; else T=$(mktemp -d "${TMPDIR:-/tmp}/gb-$SCRIPT.XXXXXX"); fi
_gb_pids=""
_gb_optional_missing=""
trap '_gb_cleanup' EXIT

_gb_cleanup() {
	local p
	for p in $_gb_pids; do kill "$p" 2>/dev/null; done
	for p in $_gb_pids; do wait "$p" 2>/dev/null; done
	[ -n "${GB_OUTER_T:-}" ] || rm -rf "$T"
}

# remember a background pid so cleanup kills exactly it (never pkill by name)
track_pid() { _gb_pids="$_gb_pids $1"; }

pass() { echo "PASS: [$FLAVOUR] $SCRIPT: $1"; }
skip() { echo "SKIP: [$FLAVOUR] $SCRIPT: $1${2:+ ($2)}"; }
fail() {
	echo "FAIL: [$FLAVOUR] $SCRIPT: $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/    | /' | head -40
	return 0
}

config_has() { grep -qx "CONFIG_$1=y" "$GB_CONFIG"; }

# optional SYM...: the following tests run only when every CONFIG_SYM=y; `optional` alone resets
optional() {
	local s
	_gb_optional_missing=""
	for s in "$@"; do config_has "$s" || _gb_optional_missing="$_gb_optional_missing CONFIG_$s"; done
}

# only_flavour F...: skip the whole script (with one SKIP line) unless FLAVOUR is one of F
only_flavour() {
	local f
	for f in "$@"; do [ "$f" = "$FLAVOUR" ] && return 0; done
	skip "all" "runs in flavour $* only"
	exit 0
}

# testing NAME COMMAND EXPECTED_STDOUT INPUT_FILE_CONTENT STDIN
# Runs COMMAND with sh in $T/w (a fresh dir holding file "input"); EXPECTED and STDIN are
# printf %b strings, as in BusyBox's testing.sh. Exit status is not checked: append
# `; echo rc=$?` to the command to assert it.
testing() {
	local name=$1 cmd=$2 expected=$3 input=$4 stdin=$5 out
	if [ -n "$_gb_optional_missing" ]; then
		skip "$name" "needs$_gb_optional_missing"
		return 0
	fi
	rm -rf "$T/w" && mkdir -p "$T/w"
	printf '%b' "$input" > "$T/w/input"
	out=$(cd "$T/w" && printf '%b' "$stdin" | GATEBOX="$GATEBOX" sh -c "$cmd" 2>&1; echo x)
	out=${out%x}
	if [ "$out" = "$(printf '%b' "$expected")" ] || [ "$out" = "$(printf '%b' "$expected")
" ]; then
		pass "$name"
	else
		fail "$name" "$(printf -- '--- expected\n%b\n--- got\n%s' "$expected" "$out")"
	fi
}

# check NAME COMMAND...: passes when COMMAND exits 0 (its output is shown on failure)
check() {
	local name=$1 out
	shift
	if [ -n "$_gb_optional_missing" ]; then
		skip "$name" "needs$_gb_optional_missing"
		return 0
	fi
	if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$out"; fi
}

# ns_enter SETUP [net]: re-run this script in a private mount namespace (and with "net", a
# private network namespace whose loopback is up: its ports collide with nothing), after
# SETUP (shell code run inside it as root: bind mounts over /etc files and the like).
# Returns at once when already inside.
ns_enter() {
	local flags=-m
	[ -n "${GB_IN_NS:-}" ] && return 0
	if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
		skip all "needs root and unshare for a private mount namespace"
		exit 0
	fi
	[ "${2:-}" = net ] && flags="-m -n"
	# shellcheck disable=SC2086
	GB_IN_NS=1 GB_OUTER_T=$T GB_NS_SETUP=$1 GB_NS_NET=${2:-} unshare $flags bash -c \
		'mount --make-rprivate / && { [ "$GB_NS_NET" != net ] || ip link set lo up; } &&
		 eval "$GB_NS_SETUP" && exec bash "$0"' "$0"
	exit $?
}

# Setup code for ns_enter: a private /dev (the real nodes bound in) with a syslog daemon on
# /dev/log writing to $T/syslog, so daemons' syslog lines can be asserted.
# shellcheck disable=SC2016
export NS_DEV_LOG='mkdir -p "$GB_OUTER_T/dev" && mount -t tmpfs tmpfs "$GB_OUTER_T/dev" &&
	for n in null zero full random urandom tty; do : > "$GB_OUTER_T/dev/$n"; mount --bind /dev/$n "$GB_OUTER_T/dev/$n"; done &&
	ln -s /proc/self/fd "$GB_OUTER_T/dev/fd" && ln -s fd/0 "$GB_OUTER_T/dev/stdin" &&
	ln -s fd/1 "$GB_OUTER_T/dev/stdout" && ln -s fd/2 "$GB_OUTER_T/dev/stderr" &&
	mkdir -p "$GB_OUTER_T/dev/pts" "$GB_OUTER_T/dev/shm" && mount --bind "$GB_OUTER_T/dev" /dev'

# start_syslogd: BusyBox syslogd on /dev/log (inside NS_DEV_LOG) logging to $T/syslog
start_syslogd() {
	busybox syslogd -n -O "$T/syslog" &
	track_pid $!
	for _ in $(seq 50); do [ -S /dev/log ] && return 0; sleep 0.1; done
	return 1
}

# wait_for COUNT CMD...: retry CMD every 0.1 s up to COUNT times (a bounded wait, no timing)
wait_for() {
	local n=$1
	shift
	for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
	return 1
}
