#!/bin/bash
# Benchmark: svcctl against a running socketd. Measures
#   - socketd's VmRSS (and its parts) idle with 20 units loaded: 10 socket units listening
#     on 127.0.0.1 and 10 running service units (sleep), after a warm-up of status calls;
#   - the round trip of `svcctl is-active` (process start, connect, request, reply, exit),
#     median and p90 of ROUNDS calls, against the floor of starting the same binary for
#     nothing (`gatebox --version`), so the share of the control protocol shows.
# Prints a markdown table; asserts nothing. Bounded: ROUNDS calls (default 300), each
# with a 5 s timeout. Runs in a private network namespace when root (unshare -n), so the
# ports are its own.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${ROUNDS:-300}
if [ -z "${GATEBOX:-}" ]; then
	make -s -C "$TOP" >&2
	GATEBOX=$TOP/build/gatebox
fi
if [ "$(id -u)" = 0 ] && [ -z "${_GB_BENCH_INNER:-}" ]; then
	exec env _GB_BENCH_INNER=1 GATEBOX="$GATEBOX" unshare -n sh -c 'ip link set lo up; exec bash "$0"' "$0"
fi
T=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/units/multi-user.target.wants" "$T/units/sockets.target.wants" "$T/run"
for i in $(seq 1 10); do
	printf '[Socket]\nListenStream=127.0.0.1:%d\nAccept=yes\n' $((47100 + i)) >"$T/units/s$i.socket"
	printf '[Service]\nExecStart=/bin/cat\nStandardInput=socket\n' >"$T/units/s$i@.service"
	ln -s ../s$i.socket "$T/units/sockets.target.wants/s$i.socket"
	printf '[Service]\nExecStart=/bin/sleep 3600\n' >"$T/units/d$i.service"
	ln -s ../d$i.service "$T/units/multi-user.target.wants/d$i.service"
done
export GATEBOX_RUN_DIR=$T/run
"$GATEBOX" socketd -f -u "$T/units" 2>"$T/log" &
pid=$!
for _ in $(seq 1 100); do [ -S "$T/run/socketd.ctl" ] && break; sleep 0.05; done
for i in $(seq 1 10); do "$GATEBOX" svcctl status "d$i" "s$i.socket" >/dev/null || true; done
sleep 1
rss() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$pid/status"; }

# ms timings of ROUNDS runs of a command: median and p90
timeit() {
	local i t0 t1
	for i in $(seq 1 "$ROUNDS"); do
		t0=$(date +%s%N)
		timeout 5 "$@" >/dev/null 2>&1 || true
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{a[NR] = $1} END {printf "%.3f %.3f", a[int(NR / 2) + 1] / 1000, a[int(NR * 0.9)] / 1000}'
}
active=$("$GATEBOX" svcctl is-active d1.service s1.socket | tr '\n' ' ')
read -r rt_med rt_p90 <<<"$(timeit "$GATEBOX" svcctl is-active d1.service)"
read -r st_med st_p90 <<<"$(timeit "$GATEBOX" svcctl status d1.service)"
read -r nil_med nil_p90 <<<"$(timeit "$GATEBOX" --version)"
echo "## svcctl and socketd with 20 units (10 sockets listening, 10 services running: $active)"
echo
echo "| measure | value |"
echo "|---|---|"
echo "| socketd VmRSS | $(rss VmRSS) kB |"
echo "| RssAnon / RssFile | $(rss RssAnon) / $(rss RssFile) kB |"
echo "| VmHWM | $(rss VmHWM) kB |"
echo "| \`svcctl is-active\` round trip, median / p90 of $ROUNDS | $rt_med / $rt_p90 ms |"
echo "| \`svcctl status\` round trip, median / p90 | $st_med / $st_p90 ms |"
echo "| floor: \`gatebox --version\` (exec only), median / p90 | $nil_med / $nil_p90 ms |"
