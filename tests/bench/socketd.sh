#!/bin/bash
# Benchmark: socketd's Accept=yes against the other ways of running one process per TCP
# connection, side by side in one run, in a private network namespace (127.0.0.1 only).
#   socketd plain; socketd TCPWrap=yes with a 1,000-line hosts.allow; xinetd; BusyBox inetd
#   (built here from Debian's source, cached); ucspi-tcp tcpserver; systemd-socket-activate
#   -a; BusyBox inetd + `gatebox tcpd` and BusyBox inetd + Debian's tcpd (the classic chain:
#   libwrap reads /etc/hosts.*, so the tables are bind-mounted there in a private mount
#   namespace) with the same hosts.allow; and three raw accept loops
#   (tests/bench/rawloop.c: posix_spawn, vfork+exec, fork+exec) as the floor.
# Every server starts the same static service (tests/bench/hello.c: one line, exit). The
# client (tests/bench/connload.c) makes N connections at each concurrency, reads each to
# EOF, and gives conn/s, p50 and p99 latency (socket() to EOF) and failures. All servers run
# at once on their own ports; each of REPS rounds measures every (concurrency, server) in
# turn, and the round with the median conn/s is shown (failures: summed over all rounds).
# Limits are lifted alike on every server (socketd MaxConnections=256 TriggerLimitBurst=0,
# xinetd cps and instances, tcpserver -c 256): with its defaults socketd pauses a unit
# after 200 activations in 2 s (systemd's default), which caps it at 100 conn/s.
# Also: idle VmRSS of each server, socketd with 8 socket units loaded.
# Prints markdown tables; asserts nothing. Bounded: N x REPS connections per level, a 60 s
# cap per client run; about 2 minutes on 2 CPUs. Runs as root (unshare -n).
# Environment: N (2000), REPS (5), CONCS ("1 8 32"), GATEBOX (build/gatebox, made with
# `make -s` when unset), BENCH_BUILD (where BusyBox is built and cached: ../bench-build
# beside the tree), KEEP=1 keeps the scratch directory (the servers' logs).
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-2000}
REPS=${REPS:-5}
CONCS=${CONCS:-"1 8 32"}
BENCH_BUILD=${BENCH_BUILD:-$(dirname "$TOP")/bench-build}

say() { echo "bench: $*" >&2; }

# ---------------------------------------------------------------- outside the namespace
if [ -z "${_GB_BENCH_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { say "runs as root (unshare -n)"; exit 1; }
	if ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
		say "needs unshare and ip"
		exit 1
	fi
	if [ -z "${GATEBOX:-}" ]; then
		make -s -C "$TOP" >&2
		GATEBOX=$TOP/build/gatebox
	fi
	GATEBOX=$(realpath "$GATEBOX")
	"$GATEBOX" --list | grep -qx socketd || { say "$GATEBOX has no socketd"; exit 1; }
	S=$(mktemp -d "${TMPDIR:-/tmp}/gb-bench-socketd.XXXXXX")
	chmod 755 "$S"
	if [ "${KEEP:-}" = 1 ]; then trap 'say "scratch kept: $S"' EXIT; else trap 'rm -rf "$S"' EXIT; fi
	B="$TOP/tests/bench"
	gcc -O2 -pthread -o "$S/connload" "$B/connload.c"
	musl-gcc -Os -static -o "$S/rawloop" "$B/rawloop.c"
	musl-gcc -Os -static -o "$S/gbhello" "$B/hello.c"
	strip "$S/rawloop" "$S/gbhello"

	# BusyBox inetd: Debian's busybox has no inetd applet; build one from Debian's source
	# with a minimal config (inetd only, static), musl-gcc if it works, else gcc. Cached.
	BB=$BENCH_BUILD/busybox-inetd
	if [ ! -x "$BB" ]; then
		say "building BusyBox inetd in $BENCH_BUILD (once; log: $BENCH_BUILD/build.log)"
		mkdir -p "$BENCH_BUILD"
		(
			set -e
			cd "$BENCH_BUILD"
			src() { find . -maxdepth 1 -type d -name 'busybox-*' | sort | head -n 1; }
			[ -n "$(src)" ] || apt-get source -qq busybox
			cd "$(src)"
			for cc in musl-gcc gcc; do
				make -s distclean >/dev/null 2>&1 || true
				make -s allnoconfig >/dev/null
				sed -i -e 's/^# CONFIG_INETD is not set/CONFIG_INETD=y/' \
					-e 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/' .config
				yes '' | make -s oldconfig >/dev/null 2>&1 || true
				if make -s -j"$(nproc)" CC="$cc" HOSTCC=gcc && ./busybox inetd --help; then
					cp busybox "$BB.tmp"
					echo "$cc, $(sed -n 's/^# Busybox version: //p' .config), allnoconfig + INETD + STATIC" > "$BB.how"
					mv "$BB.tmp" "$BB"
					exit 0
				fi
			done
			exit 1
		) > "$BENCH_BUILD/build.log" 2>&1 || say "BusyBox inetd could not be built: its rows are skipped"
	fi
	if ! command -v tcpserver >/dev/null; then
		say "installing ucspi-tcp (tcpserver)"
		apt-get install -y -qq ucspi-tcp >/dev/null 2>&1 || say "ucspi-tcp could not be installed"
	fi
	# a private mount namespace too: Debian's tcpd reads only /etc/hosts.allow and
	# /etc/hosts.deny, so the benchmark's tables are bind-mounted over them in there
	_GB_BENCH_INNER=1 S=$S GATEBOX=$GATEBOX BB=$BB N=$N REPS=$REPS CONCS=$CONCS \
		unshare -n -m -- bash "$0"
	exit $?
fi

# ---------------------------------------------------------------- inside the namespace
ip link set lo up
SVC=$S/gbhello
mkdir -p "$S/log"
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null' EXIT

# hosts.allow: 999 rules that do not match 127.0.0.1, then the one that does; deny all else
awk 'BEGIN { for (i = 0; i < 999; i++) printf "ALL : 10.%d.%d.%d\n", int(i / 65536), int(i / 256) % 256, i % 256
	print "gbhello : 127.0.0.1" }' > "$S/hosts.allow"
echo "ALL : ALL" > "$S/hosts.deny"
WRAPENV=(GATEBOX_HOSTS_ALLOW="$S/hosts.allow" GATEBOX_HOSTS_DENY="$S/hosts.deny")

declare -A CPS P50 P99 FAIL RSS RSS2 NOTE
ORDER=()
SKIPPED=()

wait_port() { # wait_port PORT PID: listening within 10 s, the server still alive
	for _ in $(seq 100); do
		kill -0 "$2" 2>/dev/null || return 1
		[ -n "$(ss -Hltn "sport = :$1")" ] && return 0
		sleep 0.1
	done
	return 1
}
field() { # field KEY "k=v ...": the value of KEY in a connload line, 0 when absent
	local re="(^| )$1=([0-9.]+)"
	if [[ $2 =~ $re ]]; then echo "${BASH_REMATCH[2]}"; else echo 0; fi
}
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null; }

# server NAME PORT CMD...: start a server, wait until it listens, note its idle VmRSS
declare -A PID PORT
server() {
	local name=$1 port=$2 pid
	shift 2
	"$@" >> "$S/log/$name" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	if ! wait_port "$port" "$pid"; then
		SKIPPED+=("$name: did not start ($(tail -n 1 "$S/log/$name"))")
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null || true
		return 0
	fi
	ORDER+=("$name")
	PID[$name]=$pid
	PORT[$name]=$port
	RSS[$name]=$(rss "$pid")
}

# measure NAME C: one client run, kept with the others of (NAME, C)
declare -A RUNS
measure() {
	local out f
	out=$(timeout 90 "$S/connload" "${PORT[$1]}" "$N" "$2" 60 2>> "$S/log/$1.client") ||
		out="ok=0 failed=$N skipped=0 secs=0 cps=0 p50_us=0 p99_us=0"
	f=$((${FAIL[$1,$2]:-0} + $(field failed "$out") + $(field skipped "$out")))
	FAIL[$1,$2]=$f
	RUNS[$1,$2]="${RUNS[$1,$2]:-}$(field cps "$out") $(field p50_us "$out") $(field p99_us "$out")"$'\n'
}

# socketd: the benchmarked unit plus 7 idle ones, 8 socket units loaded
socketd_units() { # socketd_units DIR PORT IDLEBASE WRAP
	local d=$1 i
	mkdir -p "$d/sockets.target.wants"
	printf '[Socket]\nListenStream=127.0.0.1:%s\nAccept=yes\nMaxConnections=256\nTriggerLimitBurst=0\n%s' \
		"$2" "$([ "$4" = yes ] && echo TCPWrap=yes)" > "$d/bench.socket"
	printf '[Service]\nExecStart=%s\n' "$SVC" > "$d/bench@.service"
	ln -s ../bench.socket "$d/sockets.target.wants/bench.socket"
	for i in 1 2 3 4 5 6 7; do
		printf '[Socket]\nListenStream=127.0.0.1:%s\nAccept=yes\n' $(($3 + i)) > "$d/idle$i.socket"
		printf '[Service]\nExecStart=%s\n' "$SVC" > "$d/idle$i@.service"
		ln -s "../idle$i.socket" "$d/sockets.target.wants/idle$i.socket"
	done
}
socketd_units "$S/u-plain" 7101 7200 no
socketd_units "$S/u-wrap" 7102 7210 yes

cat > "$S/xinetd.conf" <<EOF
defaults
{
	instances = UNLIMITED
	per_source = UNLIMITED
	cps = 1000000 1
	log_type = FILE $S/log/xinetd.file
	log_on_success =
	log_on_failure =
}
service bench
{
	type = UNLISTED
	id = bench
	port = 7103
	bind = 127.0.0.1
	socket_type = stream
	protocol = tcp
	wait = no
	user = root
	server = $SVC
	flags = NOLIBWRAP REUSE
}
EOF
echo "7104 stream tcp nowait root $SVC gbhello" > "$S/inetd.conf"
echo "7107 stream tcp nowait root $GATEBOX tcpd $SVC" > "$S/inetd-tcpd.conf"
# the classic chain: Debian's tcpd (libwrap, dynamic), argv[0] absolute so it runs $SVC
echo "7111 stream tcp nowait root /usr/sbin/tcpd $SVC" > "$S/inetd-debian-tcpd.conf"
debian_tcpd=""
if [ ! -x /usr/sbin/tcpd ]; then
	debian_tcpd="Debian's tcpd not installed (apt-get install tcpd)"
elif [ ! -e /etc/hosts.allow ] || [ ! -e /etc/hosts.deny ]; then
	debian_tcpd="no /etc/hosts.allow or /etc/hosts.deny to bind the tables over"
elif ! { mount --make-rprivate / && mount --bind "$S/hosts.allow" /etc/hosts.allow &&
	mount --bind "$S/hosts.deny" /etc/hosts.deny; } 2>/dev/null; then
	debian_tcpd="could not bind-mount the tables over /etc/hosts.{allow,deny}"
fi

server socketd 7101 "$GATEBOX" socketd -f -u "$S/u-plain"
server "socketd TCPWrap" 7102 env "${WRAPENV[@]}" "$GATEBOX" socketd -f -u "$S/u-wrap"
if command -v xinetd >/dev/null; then
	server xinetd 7103 xinetd -dontfork -f "$S/xinetd.conf"
else SKIPPED+=("xinetd: not installed (apt-get install xinetd)"); fi
if [ -x "$BB" ]; then
	server "busybox inetd" 7104 "$BB" inetd -f -e -q 1024 "$S/inetd.conf"
else SKIPPED+=("busybox inetd: the build failed (see $(dirname "$BB")/build.log)"); fi
if command -v tcpserver >/dev/null; then
	server tcpserver 7105 tcpserver -R -H -l 0 -c 256 -b 1024 127.0.0.1 7105 "$SVC"
else SKIPPED+=("tcpserver: ucspi-tcp not installed"); fi
if command -v systemd-socket-activate >/dev/null; then
	server systemd-socket-activate 7106 systemd-socket-activate -l 127.0.0.1:7106 -a --inetd "$SVC"
else SKIPPED+=("systemd-socket-activate: not installed (Debian's systemd package)"); fi
if [ -x "$BB" ]; then
	server "busybox inetd + gatebox tcpd" 7107 env "${WRAPENV[@]}" "$BB" inetd -f -e -q 1024 "$S/inetd-tcpd.conf"
	if [ -z "$debian_tcpd" ]; then
		server "busybox inetd + Debian tcpd" 7111 "$BB" inetd -f -e -q 1024 "$S/inetd-debian-tcpd.conf"
	else SKIPPED+=("busybox inetd + Debian tcpd: $debian_tcpd"); fi
else SKIPPED+=("busybox inetd + tcpd: no BusyBox inetd"); fi
server "raw posix_spawn" 7108 "$S/rawloop" posix_spawn 7108 "$SVC"
server "raw vfork+exec" 7109 "$S/rawloop" vfork 7109 "$SVC"
server "raw fork+exec" 7110 "$S/rawloop" fork 7110 "$SVC"
# not among the issue's three floors: the technique socketd itself uses for instances
[ "$(uname -m)" = x86_64 ] && server "raw clone(CLONE_VM)" 7112 "$S/rawloop" clone 7112 "$SVC"
# idle: two quiet seconds after the start (socketd gives its start-up memory back after one)
sleep 2
for n in "${ORDER[@]}"; do RSS[$n]=$(rss "${PID[$n]}"); done

# Interleaved: every round runs each concurrency against each server in turn, so a drift
# of the machine's speed spreads over all of them alike.
for n in "${ORDER[@]}"; do # warm-up (page cache, first-connection costs)
	timeout 30 "$S/connload" "${PORT[$n]}" 200 8 10 > /dev/null 2>> "$S/log/$n.client" || true
done
for r in $(seq "$REPS"); do
	say "round $r of $REPS: ${#ORDER[@]} servers x concurrency $CONCS x $N connections"
	for c in $CONCS; do
		for n in "${ORDER[@]}"; do measure "$n" "$c"; done
	done
done
for n in "${ORDER[@]}"; do
	for c in $CONCS; do # the run with the median conn/s
		read -r "CPS[$n,$c]" "P50[$n,$c]" "P99[$n,$c]" < <(sort -n <<<"${RUNS[$n,$c]%$'\n'}" |
			sed -n "$(((REPS + 1) / 2))p")
	done
done
sleep 0.5
for n in "${ORDER[@]}"; do
	RSS2[$n]=$(rss "${PID[$n]}")
	if [[ $n == socketd* ]]; then
		NOTE[$n]="children left after the load: $(pgrep -P "${PID[$n]}" | wc -l), log lines beyond start/stop: $(grep -cv -e 'listening: ' "$S/log/$n" || true)"
	fi
	kill "${PID[$n]}" 2>/dev/null
	wait "${PID[$n]}" 2>/dev/null || true
done

# ---------------------------------------------------------------- tables
has() { [ -n "${CPS[$1,${2:-1}]:-}" ]; }
ratio() { awk -v a="${CPS[$1,$3]:-0}" -v b="${CPS[$2,$3]:-0}" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a / b; else printf "-" }'; }
fastest_raw() { # fastest_raw C [LOOPS...]: the raw loop with the most conn/s at C
	local best="" n c=$1
	shift
	[ $# -gt 0 ] || set -- "raw posix_spawn" "raw vfork+exec" "raw fork+exec"
	for n in "$@"; do
		has "$n" "$c" || continue
		if [ -z "$best" ] || [ "${CPS[$n,$c]}" -gt "${CPS[$best,$c]}" ]; then best=$n; fi
	done
	echo "$best"
}

echo
echo "## socketd benchmark: $N connections per concurrency level (the median of $REPS rounds), 127.0.0.1 in a private netns, $(nproc) CPUs"
echo
echo "Service: a static one-line program ($(stat -c %s "$SVC") bytes), the same for every server. \"socketd ÷ this\": socketd's conn/s over this row's."
echo
echo "| server | conc | conn/s | p50 µs | p99 µs | failed | socketd ÷ this |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in "${ORDER[@]}"; do
	for c in $CONCS; do
		echo "| $n | $c | ${CPS[$n,$c]} | ${P50[$n,$c]} | ${P99[$n,$c]} | ${FAIL[$n,$c]} | $(ratio socketd "$n" "$c") |"
	done
done

echo
echo "### Ratios of conn/s (above 1: socketd is faster)"
echo
hdr="| |"
sep="| --- |"
peers=()
for n in "${ORDER[@]}"; do
	[[ $n == socketd* || $n == raw* ]] && continue
	peers+=("$n")
	hdr="$hdr vs $n |"
	sep="$sep ---: |"
done
echo "$hdr vs fastest raw loop (the issue's three) | vs raw clone(CLONE_VM) |"
echo "$sep --- | ---: |"
for s in socketd "socketd TCPWrap"; do
	has "$s" || continue
	for c in $CONCS; do
		line="| $s, c=$c |"
		for p in "${peers[@]}"; do line="$line $(ratio "$s" "$p" "$c") |"; done
		f=$(fastest_raw "$c")
		echo "$line ${f:+$(ratio "$s" "$f" "$c") ($f)} | $(ratio "$s" "raw clone(CLONE_VM)" "$c") |"
	done
done

echo
echo "### Memory"
echo
echo "| server | VmRSS idle kB | VmRSS after the load kB |"
echo "| --- | ---: | ---: |"
for n in "${ORDER[@]}"; do
	extra=""
	[[ $n == socketd* ]] && extra=" (8 socket units loaded)"
	echo "| $n$extra | ${RSS[$n]:--} | ${RSS2[$n]:--} |"
done

echo
echo "### Notes"
echo
echo "- hosts.allow: $(wc -l < "$S/hosts.allow") lines, hosts.deny: ALL : ALL; tcpdmatch gbhello 127.0.0.1: $(env "${WRAPENV[@]}" "$GATEBOX" tcpdmatch gbhello 127.0.0.1 2>/dev/null | sed -n "s|^matched: *$S/|matched |p; s/^access: */access /p" | paste -sd ' ')"
[ -f "$BB.how" ] && echo "- BusyBox inetd: $(cat "$BB.how")"
for n in "${ORDER[@]}"; do
	[ -n "${NOTE[$n]:-}" ] && echo "- $n: ${NOTE[$n]}"
	if [ -s "$S/log/$n.client" ]; then
		echo "- $n client errors: $(sort "$S/log/$n.client" | uniq -c | sed 's/^ *//' | paste -sd ';')"
	fi
done
for k in "${SKIPPED[@]}"; do echo "- not measured: $k"; done
exit 0
