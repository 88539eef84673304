#!/bin/bash
# Benchmark: TCP wrappers decisions, gatebox against Debian's tcpdmatch in the same run.
# hosts.deny of 1k, 10k, 100k lines (single addresses, and CIDR /24s), client matching none.
#   whole-process: one `tcpdmatch -d sshd 192.168.255.1` per run, median of RUNS
#   in-process: bench_rules (cached and linear) per decision
# Prints a table; asserts nothing. Bounded by RUNS and by the sizes.
set -eu
GATEBOX=${GATEBOX:-build/gatebox}
BENCH=${BENCH:-build/tests/bench/bench_rules}
RUNS=${RUNS:-30}
REF=/usr/sbin/tcpdmatch
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
[ -x "$REF" ] || { echo "bench: Debian's tcpdmatch is missing (apt-get install tcpd)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (scripts/setup-deps)" >&2; exit 1; }

median_ms() { # median wall time in ms of RUNS runs of "$@" (hyperfine, no shell between)
	hyperfine -N --warmup 3 -r "$RUNS" --export-json "$T/h.json" "$*" >/dev/null 2>&1
	/usr/bin/python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1e3))' "$T/h.json"
}

printf '%-7s %-7s %12s %12s %8s %12s %12s\n' lines kind debian_ms gatebox_ms ratio cached_us linear_us
for n in 1000 10000 100000; do
	for kind in addr cidr; do
		d="$T/$kind-$n"
		mkdir -p "$d"
		: > "$d/hosts.allow"
		awk -v n="$n" -v k="$kind" 'BEGIN {
			for (i = 0; i < n; i++) {
				a = int(i / 65536) % 256; b = int(i / 256) % 256; c = i % 256
				if (k == "addr") printf "ALL : 10.%d.%d.%d\n", a, b, c
				else printf "ALL : %d.%d.%d.0/24\n", 10 + a, b, c
			}
		}' > "$d/hosts.deny"
		deb=$(cd "$d" && median_ms "$REF" -d sshd 192.168.255.1)
		gb=$(cd "$d" && median_ms "$(cd "$OLDPWD" && realpath "$GATEBOX")" tcpdmatch -d sshd 192.168.255.1)
		inproc=$("$BENCH" "$d/hosts.allow" "$d/hosts.deny" 192.168.255.1 200000)
		cached=$(echo "$inproc" | sed 's/.*cached_us=\([0-9.]*\).*/\1/')
		linear=$(echo "$inproc" | sed 's/.*linear_us=\([0-9.]*\).*/\1/')
		printf '%-7s %-7s %12s %12s %7.1fx %12s %12s\n' "$n" "$kind" "$deb" "$gb" \
			"$(echo "$deb $gb" | awk '{print ($2 > 0) ? $1 / $2 : 0}')" "$cached" "$linear"
	done
done
