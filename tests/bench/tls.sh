#!/bin/bash
# Benchmark: socketd's TLS termination against stunnel4 (Debian), side by side in one run,
# in a private network namespace (127.0.0.1 only), on the same certificate and key.
#   handshakes/s  openssl s_time -new (full handshakes, no resumption) against a service that
#                 exits at once (/bin/true), for TLS 1.3 and 1.2, ECDSA P-256 and RSA-2048,
#                 with PAR clients in parallel; both servers fork and exec the service per
#                 connection (stunnel's exec=, inetd style, as socketd's Accept=yes). s_time
#                 offers X25519 first, so that is the key exchange. Beside the rates, each
#                 server's CPU time per handshake (its own, its threads' and its reaped
#                 children's: /proc/PID/stat), which the machine's other load leaves alone
#   throughput    MB of zeros through the proxy, upload (service: wc -c) and download
#                 (service: head -c), with socat's OPENSSL client
#   size          stripped gatebox, defconfig with and without TLS, x86_64 and armhf (built
#                 here in scratch build dirs; SIZES=0 skips)
# Prints markdown tables; asserts nothing. Bounded: SECS per s_time run (3), MB per transfer
# (64), a 60 s cap on every client; about 2 minutes with the builds on 2 CPUs. Runs as root.
# Environment: GATEBOX (build/gatebox, made with `make -s` when unset), SECS, MB, PAR ("1 4"),
# SIZES (1), KEEP=1 keeps the scratch directory.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SECS=${SECS:-3}
MB=${MB:-64}
PAR=${PAR:-"1 4"}
say() { echo "bench: $*" >&2; }

if [ -z "${_GB_BENCH_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { say "runs as root (unshare -n)"; exit 1; }
	for t in openssl socat stunnel4 unshare ip; do
		command -v "$t" >/dev/null || { say "needs $t (scripts/setup-deps)"; exit 1; }
	done
	if [ -z "${GATEBOX:-}" ]; then
		make -s -C "$TOP" >&2
		GATEBOX=$TOP/build/gatebox
	fi
	grep -q 'mbedtls' <(strings "$GATEBOX") || { say "$GATEBOX is built without TLS"; exit 1; }
	GATEBOX=$(cd "$(dirname "$GATEBOX")" && pwd)/$(basename "$GATEBOX")
	export GATEBOX _GB_BENCH_INNER=1
	unshare -n bash -c 'ip link set lo up && exec bash "$0"' "$0"
	rc=$?
	# sizes: outside the namespace (make may fetch nothing, but needs no network either)
	if [ "${SIZES:-1}" = 1 ]; then
		B=$(mktemp -d "${TMPDIR:-/tmp}/gb-bench-size.XXXXXX")
		sed 's/^CONFIG_TLS=y/CONFIG_TLS=n/' "$TOP/configs/defconfig" > "$B/notls_defconfig"
		echo
		echo "| stripped gatebox (defconfig) | without TLS | with TLS | TLS adds |"
		echo "|---|---:|---:|---:|"
		for arch in x86_64 armhf; do
			cross=""
			[ "$arch" = armhf ] && cross=arm-linux-gnueabihf-
			for v in notls tls; do
				def=$TOP/configs/defconfig
				[ $v = notls ] && def=$B/notls_defconfig
				make -s -C "$TOP" NO_DEPS=1 O="$B/$arch-$v" CROSS_COMPILE=$cross defconfig DEFCONFIG="$def" >/dev/null 2>&1
				# -Wno-error: a warning elsewhere in the tree (armhf: memtrim.c) must not hide the sizes
				make -s -C "$TOP" NO_DEPS=1 O="$B/$arch-$v" CROSS_COMPILE=$cross EXTRA_CFLAGS=-Wno-error -j2 all >/dev/null 2>&1 || say "$arch $v build failed"
			done
			a=$(stat -c %s "$B/$arch-notls/gatebox" 2>/dev/null || echo 0)
			b=$(stat -c %s "$B/$arch-tls/gatebox" 2>/dev/null || echo 0)
			echo "| $arch | $a | $b | $((b - a)) ($(awk -v d=$((b - a)) 'BEGIN { printf "%.1f", d / 1024 }') KiB) |"
		done
		[ -n "${KEEP:-}" ] || rm -rf "$B"
	fi
	exit $rc
fi

# ---------------------------------------------------------------- inside the namespace
W=$(mktemp -d "${TMPDIR:-/tmp}/gb-bench-tls.XXXXXX")
pids=""
cleanup() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	[ -n "${KEEP:-}" ] && say "scratch kept: $W" || rm -rf "$W"
}
trap cleanup EXIT
cd "$W"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key 2>/dev/null
openssl req -x509 -new -key ec.key -subj /CN=localhost -days 30 -out ec.crt 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
openssl req -x509 -new -key rsa.key -subj /CN=localhost -days 30 -out rsa.crt 2>/dev/null
head -c $((MB * 1024 * 1024)) /dev/zero > zeros
printf '#!/bin/sh\nexec head -c %s /dev/zero\n' $((MB * 1024 * 1024)) > source.sh
chmod 755 source.sh
mkdir -p units/sockets.target.wants run
# port map: 84x0 socketd, 84x1 stunnel; x: 1 ECDSA, 2 RSA, 3 upload, 4 download
svc() { # svc NAME PORT CERT EXEC
	printf '[Socket]\nListenStream=127.0.0.1:%s\nAccept=yes\nMaxConnections=256\nTriggerLimitBurst=0\nTLSCertificate=%s\nTLSKey=%s\n' \
		"$2" "$W/$3.crt" "$W/$3.key" > "units/$1.socket"
	printf '[Service]\nExecStart=%s\nStandardError=null\n' "$4" > "units/$1@.service"
	ln -sf "../$1.socket" "units/sockets.target.wants/$1.socket"
	cat >> stunnel.conf <<EOF
[$1]
accept = 127.0.0.1:$(($2 + 1))
cert = $W/$3.crt
key = $W/$3.key
exec = ${4%% *}
execArgs = $(basename "${4%% *}")${4#"${4%% *}"}
EOF
}
printf 'foreground = yes\npid =\ndebug = 0\noutput = %s/stunnel.log\n' "$W" > stunnel.conf
svc ec 8410 ec /bin/true
svc rsa 8420 rsa /bin/true
svc up 8430 ec "/usr/bin/wc -c"
svc down 8440 ec "$W/source.sh"
GATEBOX_RUN_DIR=$W/run "$GATEBOX" socketd -f -u units 2>socketd.log &
sd_pid=$!
pids="$pids $!"
stunnel4 stunnel.conf 2>stunnel.err &
st_pid=$!
pids="$pids $!"
for port in 8410 8411 8420 8421 8430 8431 8440 8441; do
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		sleep 0.1
	done
done
say "gatebox: $("$GATEBOX" --version 2>&1 | head -n 1); stunnel: $(stunnel4 -version 2>&1 | grep -m1 -o 'stunnel [0-9.]*')"

# CPU seconds x100 (clock ticks) of a server, its threads and its reaped children: socketd
# reaps each connection's process, which reaps its service; stunnel reaps what it exec'd
ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }
# handshakes/s: PAR s_time clients for SECS, their connection counts summed; and the
# server's CPU per handshake (ms), which the other load on the machine does not change
hs() { # hs PORT VERSION-FLAG PAR SERVER-PID
	local i total=0 t0 t1
	t0=$(ticks "$4")
	for i in $(seq "$3"); do
		timeout 60 openssl s_time -connect "127.0.0.1:$1" -new -time "$SECS" $2 > "st.$i" 2>&1 &
	done
	wait
	sleep 0.5 # the last connections' processes reaped
	t1=$(ticks "$4")
	for i in $(seq "$3"); do
		n=$(grep -m1 -o '^[0-9]* connections in [0-9.]*s' "st.$i" | cut -d' ' -f1)
		total=$((total + ${n:-0}))
	done
	awk -v n=$total -v s="$SECS" -v t=$((t1 - t0)) 'BEGIN { printf "%.0f %.2f", n / s, n ? t * 10 / n : 0 }'
}
echo "| handshakes/s (s_time -new, service /bin/true) | clients | socketd | stunnel4 | socketd / stunnel4 | server CPU ms/handshake: socketd | stunnel4 |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for cert in ec rsa; do
	port=8410
	[ $cert = rsa ] && port=8420
	for v in "-tls1_3" "-tls1_2"; do
		for p in $PAR; do
			read -r a ca <<<"$(hs $port "$v" "$p" "$sd_pid")"
			read -r b cb <<<"$(hs $((port + 1)) "$v" "$p" "$st_pid")"
			label="TLS ${v#-tls}"
			echo "| ${label/_/.} $([ $cert = ec ] && echo 'ECDSA P-256' || echo 'RSA-2048') | $p | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b ? a / b : 0 }') | $ca | $cb |"
		done
	done
done

xfer() { # xfer PORT up|down: MB/s
	local t0 t1
	t0=$(date +%s%N)
	if [ "$2" = up ]; then
		timeout 60 socat -t 30 - "OPENSSL:127.0.0.1:$1,verify=0" < zeros > out
	else
		timeout 60 socat -u "OPENSSL:127.0.0.1:$1,verify=0" - > out
	fi
	t1=$(date +%s%N)
	if [ "$2" = up ] && [ "$(tr -d ' \n' < out)" != $((MB * 1024 * 1024)) ]; then echo "fail"; return; fi
	if [ "$2" = down ] && [ "$(stat -c %s out)" != $((MB * 1024 * 1024)) ]; then echo "fail"; return; fi
	awk -v mb="$MB" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", mb / (ns / 1e9) }'
}
cipher=$(openssl s_client -connect 127.0.0.1:8430 </dev/null 2>/dev/null | grep -m1 -o 'Cipher is .*' | cut -d' ' -f3)
echo
echo "| throughput, $MB MB, MB/s ($cipher) | socketd | stunnel4 | socketd / stunnel4 |"
echo "|---|---:|---:|---:|"
for d in up down; do
	port=8430
	[ $d = down ] && port=8440
	best_a=0 best_b=0
	for _ in 1 2 3; do
		a=$(xfer $port $d)
		b=$(xfer $((port + 1)) $d)
		[ "$a" != fail ] && [ "$a" -gt "$best_a" ] && best_a=$a
		[ "$b" != fail ] && [ "$b" -gt "$best_b" ] && best_b=$b
	done
	echo "| $([ $d = up ] && echo 'upload (client -> service)' || echo 'download (service -> client)') | $best_a | $best_b | $(awk -v a=$best_a -v b=$best_b 'BEGIN { printf "%.2f", b ? a / b : 0 }') |"
done
