#!/bin/bash
# Benchmark: atq-lite against Debian's at 3.2.5 in one run, in a private mount namespace
# (Debian's spool /var/spool/cron and /run are private directories there: nothing reaches
# the system spool). Both run as root; Debian's at is a non-setuid copy.
#   submission: N jobs with `at -t` (fork+exec of the front end included), ms per job
#   atq with QUEUED jobs (10,000): median of 5 runs, ms (ours: real jobs queued with at;
#     Debian's: one real job file copied under QUEUED names, which is all its atq reads)
#   atd idle: wakeups (context switches) and CPU over IDLE seconds (20; the goal is stated
#     for a minute, 20 s keeps the run short) with the QUEUED jobs due in 2030
# Prints a markdown table with ratios; asserts nothing. Bounded (timeouts on every step,
# about a minute on 2 CPUs); no network at all. Environment: N (200), QUEUED (10000), IDLE
# (20), GATEBOX (build/gatebox when unset), KEEP=1 keeps the scratch directory.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-200}
QUEUED=${QUEUED:-10000}
IDLE=${IDLE:-20}
say() { echo "bench: $*" >&2; }

if [ -z "${_GB_BENCH_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { say "runs as root (unshare -m)"; exit 1; }
	[ -x /usr/bin/at ] && [ -x /usr/sbin/atd ] || { say "needs Debian's at (apt-get install at)"; exit 1; }
	GATEBOX=${GATEBOX:-$TOP/build/gatebox}
	[ -x "$GATEBOX" ] || make -s -C "$TOP" >&2
	W=$(mktemp -d "${TMPDIR:-/tmp}/gb-bench-at.XXXXXX")
	export _GB_BENCH_INNER=1 GATEBOX W
	rc=0
	unshare -m bash -c 'mount --make-rprivate / &&
		for d in /var/spool/cron/atjobs /var/spool/cron/atspool /run; do
			mkdir -p "$W/ref$d" && mount --bind "$W/ref$d" "$d"; done &&
		exec bash "$0"' "$0" || rc=$?
	[ "${KEEP:-}" = 1 ] && say "kept $W" || rm -rf "$W"
	exit $rc
fi

# ---------------------------------------------------------------- inside the namespace
B=$W/bin D=$W/deb
mkdir -p "$B" "$D"
cp "$GATEBOX" "$B/gatebox"
for n in at atq atd; do ln -s gatebox "$B/$n"; done
cp /usr/bin/at "$D/at" # the copy has no setuid bit
ln -s at "$D/atq"
export GATEBOX_SPOOL_DIR=$W/spool GATEBOX_RUN_DIR=$W/run TZ=UTC
J=/var/spool/cron/atjobs
chown daemon:daemon $J /var/spool/cron/atspool
chmod 1770 $J /var/spool/cron/atspool
install -o daemon -g daemon -m 600 /dev/null $J/.SEQ

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median5() { sort -n | sed -n 3p; }

submit_ms() { # submit_ms AT: ms for N submissions
	local t0
	t0=$(date +%s%N)
	for _ in $(seq "$N"); do echo true | timeout 10 "$1" -t 203001011200 2>/dev/null; done
	ms_since "$t0"
}
say "submission: $N jobs each"
ours_sub=$(submit_ms "$B/at")
deb_sub=$(submit_ms "$D/at")

say "queueing $QUEUED jobs (ours with at, Debian's by copying a job file)"
for _ in $(seq $((QUEUED - N))); do echo true | "$B/at" -t 203001011200 2>/dev/null; done
for one in "$J"/a*; do break; done
one=${one##*/}
for i in $(seq $((N + 1)) "$QUEUED"); do
	f=$(printf 'a%05x%08x' "$i" 31558320)
	cp -p "$J/$one" "$J/$f"
done
atq_ms() { # atq_ms ATQ: median of 5 runs
	for _ in 1 2 3 4 5; do
		t0=$(date +%s%N)
		timeout 60 "$1" > "$W/atq.out"
		ms_since "$t0"
	done | median5
}
ours_atq=$(atq_ms "$B/atq")
ours_lines=$(wc -l < "$W/atq.out")
deb_atq=$(atq_ms "$D/atq")
deb_lines=$(wc -l < "$W/atq.out")

idle() { # idle PID: "switches cpu_ms" over IDLE seconds
	local s0 s1 c0 c1 t
	sleep 2 # start-up done
	read_sw() { awk '/ctxt_switches/ {n += $2} END {print n}' "/proc/$1/status"; }
	read_cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
	s0=$(read_sw "$1")
	c0=$(read_cpu "$1")
	sleep "$IDLE"
	s1=$(read_sw "$1")
	c1=$(read_cpu "$1")
	t=$(getconf CLK_TCK)
	echo "$((s1 - s0)) $(( (c1 - c0) * 1000 / t ))"
}
say "atd idle for ${IDLE}s each"
timeout $((IDLE + 30)) "$B/atd" -f &
p=$!
ours_idle=$(idle $p)
kill $p
wait $p 2>/dev/null || true
timeout $((IDLE + 30)) /usr/sbin/atd -f &
p=$!
deb_idle=$(idle $p)
kill $p
wait $p 2>/dev/null || true

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print (a == 0 ? "=" : "-"); else printf "%.2f\n", a / b }'; }
echo "| measure | atq-lite | Debian at 3.2.5 | ratio (ours/Debian) |"
echo "|---|---|---|---|"
echo "| submission, ms per job ($N, with fork+exec) | $(awk -v t="$ours_sub" -v n="$N" 'BEGIN{printf "%.2f", t/n}') | $(awk -v t="$deb_sub" -v n="$N" 'BEGIN{printf "%.2f", t/n}') | $(ratio "$ours_sub" "$deb_sub") |"
echo "| atq, $QUEUED jobs queued, ms (median of 5) | $ours_atq ($ours_lines lines) | $deb_atq ($deb_lines lines) | $(ratio "$ours_atq" "$deb_atq") |"
echo "| atd idle ${IDLE}s: wakeups | ${ours_idle% *} | ${deb_idle% *} | $(ratio "${ours_idle% *}" "${deb_idle% *}") |"
echo "| atd idle ${IDLE}s: CPU ms | ${ours_idle#* } | ${deb_idle#* } | $(ratio "${ours_idle#* }" "${deb_idle#* }") |"
