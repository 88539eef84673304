#!/bin/bash
# shellcheck disable=SC2016 # the bash -c checks expand their own $1, $2 ...
# gatebox on a real kernel: scripts/mkinitramfs builds an initramfs around the binary under
# test (static BusyBox, BusyBox init starting socketd from the example inittab line, an
# Accept=yes echo behind TCPWrap=yes, a service hosts.deny refuses, a control service), and
# Debian's linux-image-amd64 kernel boots it in qemu-system-x86_64 (TCG, no KVM, user-mode
# network, forwards on 127.0.0.1 only). From the host: the echo answers through the forward,
# the denied service sends nothing and the refusal is logged and counted, svcctl status and
# the applet links are read through the control service, atq when atq-lite is built in, and
# the guest powers itself off. Everything is bounded (LIMIT seconds overall); only the qemu
# started here is killed. The kernel .deb is fetched once into build/cache (GATEBOX_CACHE),
# never installed; if it cannot be fetched the script says SKIP with the reason.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
only_flavour musl
optional SOCKETD SVCCTL
if [ -n "$_gb_optional_missing" ]; then skip all "needs$_gb_optional_missing"; exit 0; fi
LIMIT=${GB_INITRAMFS_LIMIT:-110} # the whole script, boot included; the issue allows 120 s
BOOT_TIMEOUT=60
START=$SECONDS
left() { echo $((LIMIT - (SECONDS - START))); }

for t in qemu-system-x86_64:qemu-system-x86 cpio:cpio apt-get:apt dpkg-deb:dpkg socat:socat; do
	if ! command -v "${t%%:*}" >/dev/null; then
		skip all "needs ${t%%:*} (Debian package ${t#*:}; scripts/setup-deps installs it)"
		exit 0
	fi
done
if readelf -lW "$GATEBOX" | grep -q INTERP || ! file -b "$GATEBOX" | grep -q x86-64; then
	skip all "needs a static x86_64 gatebox: $(file -b "$GATEBOX")"
	exit 0
fi

# the kernel: Debian's package, downloaded and unpacked (no maintainer scripts, no hooks)
if ! KERNEL=$(timeout 120 "$TOP/scripts/mkinitramfs" --fetch-kernel 2>"$T/fetch.err"); then
	skip all "Debian's linux-image-amd64 kernel could not be fetched: $(head -n 3 "$T/fetch.err" | tr '\n' ' ')"
	exit 0
fi
check "kernel: Debian's vmlinuz, unpacked from the linux-image-amd64 package" \
	bash -c 'file -b "$1" | grep -q "Linux kernel x86 boot executable"' _ "$KERNEL"

IMG=$T/initramfs.cpio.gz
if ! timeout 120 "$TOP/scripts/mkinitramfs" --gatebox "$GATEBOX" -o "$IMG" >"$T/mk.out" 2>&1; then
	if grep -q 'apt-get download' "$T/mk.out"; then
		skip all "a package for the initramfs could not be fetched: $(head -n 3 "$T/mk.out" | tr '\n' ' ')"
	else
		fail "scripts/mkinitramfs builds the image" "$(cat "$T/mk.out")"
	fi
	exit 0
fi
pass "scripts/mkinitramfs builds the image ($(wc -c <"$IMG") bytes)"
gzip -dc "$IMG" | (mkdir -p "$T/root" && cd "$T/root" && cpio -id --quiet 2>/dev/null)
R=$T/root
check "image: /init, static gatebox and busybox, init links, the virtio-net modules" \
	bash -c 'cd "$1" && [ -x init ] && cmp -s usr/sbin/gatebox "$2" && [ -x bin/busybox ] &&
		[ "$(readlink bin/sh)" = busybox ] && [ "$(readlink bin/init)" = busybox ] &&
		! readelf -lW bin/busybox | grep -q INTERP && [ -f lib/modules/virtio_net.ko ]' _ "$R" "$GATEBOX"
line=$(grep -E '^[^#]*:respawn:/usr/sbin/socketd' "$TOP/configs/examples/init/inittab")
check "image: the inittab starts socketd with configs/examples/init/inittab's line" \
	grep -qxF "$line" "$R/etc/inittab"
check "image: socketd -n accepts its units (echo, denied, ctl: Accept=yes, TCPWrap=yes)" \
	bash -c '"$1" socketd -n -u "$2" && for u in echo denied ctl; do
		grep -qx Accept=yes "$2/$u.socket" && grep -qx TCPWrap=yes "$2/$u.socket" &&
		[ -L "$2/sockets.target.wants/$u.socket" ] || exit 1; done' _ "$GATEBOX" "$R/etc/gatebox/units"
check "image: hosts.deny is the example (ALL : ALL), hosts.allow the example plus the forward's address" \
	bash -c 'cmp -s "$1/etc/hosts.deny" "$2/hosts.deny" && grep -qx "cat : 127.0.0.1" "$1/etc/hosts.allow" &&
		grep -qx "cat gbctl : 10.0.2.2" "$1/etc/hosts.allow"' _ "$R" "$TOP/configs/examples"
HAS_AT=
if "$GATEBOX" --list | grep -qx atd && "$GATEBOX" --list | grep -qx at; then HAS_AT=1; fi

free_ports() { # three distinct free loopback ports
	python3 -c 'import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))'
}
read -r P_ECHO P_DENIED P_CTL <<<"$(free_ports)"
if [ -z "$P_CTL" ]; then fail "three free loopback ports" "got '$P_ECHO' '$P_DENIED' '$P_CTL'"; exit 0; fi

CON=$T/console.log
: >"$CON"
# timeout bounds qemu even if this script is killed; a TERM to it reaches qemu
timeout -k 5 "$(left)" qemu-system-x86_64 -accel tcg -M pc -smp 1 -m 256 -no-reboot \
	-kernel "$KERNEL" -initrd "$IMG" -append 'console=ttyS0 quiet panic=-1' \
	-display none -monitor none -serial "file:$CON" \
	-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$P_ECHO-:7,hostfwd=tcp:127.0.0.1:$P_DENIED-:23,hostfwd=tcp:127.0.0.1:$P_CTL-:9" \
	-device virtio-net-pci,romfile=,netdev=n0 </dev/null >"$T/qemu.out" 2>&1 &
QPID=$!
track_pid $QPID
BOOT0=$SECONDS
qemu_alive() { kill -0 "$QPID" 2>/dev/null; }
console_tail() { printf -- '--- console (last 25 lines)\n'; tail -n 25 "$CON"; printf -- '--- qemu\n'; cat "$T/qemu.out"; }
booted() { grep -q '^GATEBOX-GUEST-\(READY\|FAIL\)' "$CON" || ! qemu_alive; }
wait_for $((BOOT_TIMEOUT * 10)) booted
if ! grep -q '^GATEBOX-GUEST-READY' "$CON"; then
	why="no READY line within $BOOT_TIMEOUT s"
	qemu_alive || why="qemu exited early"
	grep -q '^GATEBOX-GUEST-FAIL' "$CON" && why=$(grep -m1 '^GATEBOX-GUEST-FAIL' "$CON")
	fail "boot: the guest prints GATEBOX-GUEST-READY ($why)" "$(console_tail)"
	exit 0
fi
pass "boot: READY on the console $((SECONDS - BOOT0)) s after qemu started ($(grep -m1 '^GATEBOX-GUEST-READY' "$CON" | cut -d' ' -f2) in the guest)"

links=$(grep -m1 '^GATEBOX-GUEST-LINKS' "$CON")
check "boot: gatebox --install -s /usr/sbin made a link per applet of gatebox --list" \
	bash -c 'for a in $("$1" --list); do grep -qF " $a->/usr/sbin/gatebox " <<<"$2 " || { echo "no $a in: $2"; exit 1; }; done' \
	_ "$GATEBOX" "$links"
check "boot: socketd runs as BusyBox init started it (pid 1's child, its log on the console)" \
	grep -q '^socketd: listening: 3 socket units' "$CON"

ask() { timeout 10 socat -t 5 - "TCP4:127.0.0.1:$1" 2>&1 <<<"$2"; }
tok="gatebox-$RANDOM-$$"
testing "echo: the Accept=yes service answers the host through the 127.0.0.1 forward" \
	"timeout 10 socat -t 5 - TCP4:127.0.0.1:$P_ECHO" "$tok\n" "" "$tok\n"
check "denied: hosts.deny refuses the host, nothing is started, nothing is sent" \
	bash -c 'out=$(timeout 10 socat -t 5 - "TCP4:127.0.0.1:$1" 2>/dev/null <<<hello); [ -z "$out" ] || { echo "got: $out"; exit 1; }' _ "$P_DENIED"
check "denied: socketd logs the refusal with the rule (console)" wait_for 50 \
	grep -q '^socketd: denied.socket: refused connect from [:f]*10\.0\.2\.2 .* by /etc/hosts.deny:2' "$CON"
check "denied: the service's program never ran" bash -c '! grep -q "this must never be seen" "$1"' _ "$CON"

STATUS=$(ask "$P_CTL" status)
check "svcctl status through the control service: all three sockets listening, rc 0" \
	bash -c 'for u in echo denied ctl; do grep -q "^● $u.socket - " <<<"$1" || exit 1; done
		[ "$(grep -c "Active: active (listening)" <<<"$1")" = 3 ] && grep -qx "rc=0" <<<"$1"' _ "$STATUS"
check "svcctl status: echo.socket accepted the connection, wrapped as daemon 'cat'" \
	bash -c 'grep -A4 "^● echo.socket" <<<"$1" | grep -q "Accepted: 1;" &&
		grep -A5 "^● echo.socket" <<<"$1" | grep -q "TCPWrap: cat (/etc/hosts.allow, /etc/hosts.deny)"' _ "$STATUS"
check "svcctl status: denied.socket counts one refusal" \
	bash -c 'grep -A4 "^● denied.socket" <<<"$1" | grep -q "Refused: 1$"' _ "$STATUS"
# the daemon name of TCPWrap=yes is the program's base name, whatever its arguments
check "svcctl status: denied.socket is wrapped as daemon 'echo' (ExecStart=/bin/echo with arguments)" \
	bash -c 'grep -A5 "^● denied.socket" <<<"$1" | grep -q "TCPWrap: echo (" ||
		{ grep -A5 "^● denied.socket" <<<"$1" | grep TCPWrap; exit 1; }' _ "$STATUS"
testing "svcctl show through the control service: NRefused" \
	"timeout 10 socat -t 5 - TCP4:127.0.0.1:$P_CTL | grep -c NRefused=1" "1\n" "" "show\n"

if [ -n "$HAS_AT" ]; then
	check "at: the job queued at boot was accepted (console)" grep -q '^GATEBOX-GUEST-AT job [0-9]' "$CON"
	ATQ=$(ask "$P_CTL" atq)
	check "atq through the control service lists the boot job" \
		bash -c 'grep -qE "^[0-9]+[[:space:]]" <<<"$1" && grep -qx "rc=0" <<<"$1"' _ "$ATQ"
else
	skip "at job at boot, atq through the control service" "atq-lite not merged: gatebox --list has no at/atd"
fi

# the clean way out: the guest runs poweroff -f; qemu exits by itself
ask "$P_CTL" poweroff >/dev/null
gone() { ! qemu_alive; }
if wait_for 100 gone; then
	wait "$QPID"
	rc=$?
	check "poweroff: the guest powered off, qemu exited 0 (rc $rc)" \
		bash -c '[ "$1" = 0 ] && grep -q "^GATEBOX-GUEST-POWEROFF" "$2" && grep -q "reboot: Power down" "$2"' _ "$rc" "$CON"
else
	fail "poweroff: qemu exits within 10 s of the guest's poweroff -f" "$(console_tail)"
	kill "$QPID" 2>/dev/null
fi
total=$((SECONDS - START))
check "the whole boot test took $total s (limit $LIMIT s)" test "$total" -le "$LIMIT"
