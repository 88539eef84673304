#!/bin/bash
# Sourced by every tests/e2e/*.sh: the BusyBox/toybox-style `testing` helper and friends.
# Environment (set by tests/run): GATEBOX (the binary under test), GB_BUILD (its build dir),
# GB_CONFIG (its .config), FLAVOUR (musl, asan, aarch64, ...), TOP (source tree).
# Each result is one line: "PASS: [flavour] script: name" (or FAIL/SKIP), nothing else counts.
# shellcheck shell=bash

: "${GATEBOX:?}" "${GB_BUILD:?}" "${GB_CONFIG:?}" "${FLAVOUR:?}" "${TOP:?}"
SCRIPT=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/gb-$SCRIPT.XXXXXX")
_gb_pids=""
_gb_optional_missing=""
trap '_gb_cleanup' EXIT

_gb_cleanup() {
	local p
	for p in $_gb_pids; do kill "$p" 2>/dev/null; done
	for p in $_gb_pids; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
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
