#!/bin/bash
# The build itself: Kconfig targets, generated table, static binaries for every target,
# incremental rebuilds, install layout, size report. Builds its own configs in $T, once
# (musl flavour only: the other flavours test the same Makefile).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
only_flavour musl
cd "$TOP" || exit 1
M="make -s NO_DEPS=1"

build() { # build DIR CONFIG_TARGET [VAR=VALUE...]: configure and build, log in DIR.log
	local dir=$1 target=$2
	shift 2
	$M O="$dir" "$@" "$target" > "$dir.log" 2>&1 && $M O="$dir" "$@" >> "$dir.log" 2>&1
}

is_static() { # no PT_INTERP, no dynamic section: nothing for a loader to do
	readelf -lW "$1" | grep -q 'INTERP' && return 1
	readelf -dW "$1" 2>&1 | grep -q 'There is no dynamic section'
}

printf 'CONFIG_TCPDMATCH=y\n' > "$T/one.fragment"
if KCONFIG_ALLCONFIG="$T/one.fragment" build "$T/allno" allnoconfig; then
	testing "allnoconfig + one applet lists only that applet" "'$T/allno/gatebox' --list" "tcpdmatch\n" "" ""
	testing "allnoconfig has no IPv6, no TLS and no options language" \
		"grep -E '^CONFIG_(IPV6|TLS|RULES_OPTIONS)=' '$T/allno/.config' | wc -l" "0\n" "" ""
	printf 'sshd : ALL : echo %%d from %%a\n' > "$T/allno/hosts.allow"
	testing "without the options language the third field is a shell command" \
		"cd '$T/allno' && ./gatebox tcpdmatch -d sshd 10.0.0.1 | tail -2" \
		"command: echo sshd from 10.0.0.1\naccess:   granted\n" "" ""
	testing "allnoconfig + tcpdmatch is small" "[ \$(wc -c < '$T/allno/gatebox') -lt 120000 ] && echo small" "small\n" "" ""
else
	fail "allnoconfig + one applet builds" "$(tail -20 "$T/allno.log")"
fi
if build "$T/bloat" tiny_defconfig && make -s NO_DEPS=1 O="$T/bloat" baseline >/dev/null 2>&1; then
	testing "make bloatcheck against the baseline reports the per-symbol delta" \
		"cd '$TOP' && make -s NO_DEPS=1 O='$T/bloat' bloatcheck | head -1" \
		"add/remove: 0/0 grow/shrink: 0/0 up/down: 0/0 (+0)\n" "" ""
else
	fail "make baseline" "$(tail -20 "$T/bloat.log")"
fi

if build "$T/tiny" tiny_defconfig && build "$T/full" full_defconfig; then
	testing "tiny_defconfig: no mbedtls symbol in the unstripped binary" \
		"nm '$T/tiny/gatebox_unstripped' | grep -ci mbedtls" "0\n" "" ""
	testing "full_defconfig: mbedtls symbols present (the check above can fail)" \
		"nm '$T/full/gatebox_unstripped' | grep -qi mbedtls_version && echo yes" "yes\n" "" ""
	check "tiny x86_64 binary is static" is_static "$T/tiny/gatebox"
	check "full x86_64 binary is static" is_static "$T/full/gatebox"
	testing "binary is stripped" "file '$T/tiny/gatebox' | grep -c 'stripped' ; file '$T/tiny/gatebox' | grep -c 'not stripped'" "1\n0\n" "" ""
	testing "a second make does nothing" "cd '$TOP' && make NO_DEPS=1 O='$T/tiny'" \
		"make: Nothing to be done for 'all'.\n" "" ""
	sed -i 's/^CONFIG_IPV6=y$/# CONFIG_IPV6 is not set/' "$T/tiny/.config"
	testing "changing .config rebuilds what depends on it" \
		"cd '$TOP' && make NO_DEPS=1 O='$T/tiny' | grep -c 'CC       applets/main.c'; '$T/tiny/gatebox' --version | grep -c ipv6" \
		"1\n0\n" "" ""
	# release builds are LTO: the link map says where the bytes go (gatebox, libc, mbedtls)
	testing "make size prints the binary and the bytes of our code, libc and mbedtls" \
		"cd '$TOP' && make -s NO_DEPS=1 O='$T/full' size | grep -cE '^(binary|  *text  *data  *bss  origin|  *[1-9][0-9]* .* (gatebox|libc|mbedtls)$)'" \
		"5\n" "" ""
else
	fail "tiny and full configurations build" "$(tail -20 "$T/tiny.log" "$T/full.log" 2>/dev/null)"
fi

printf 'CONFIG_IPV6=y\nCONFIG_NO_SUCH_SYMBOL=y\n' > "$T/bad_defconfig"
testing "a bad symbol in a defconfig fails, naming file and line" \
	"cd '$TOP' && make -s NO_DEPS=1 O='$T/bad' defconfig DEFCONFIG='$T/bad_defconfig' 2>&1 | grep -v '^make'; echo rc=\$?; [ -e '$T/bad/.config' ] || echo no-config-written" \
	"kconfig: $T/bad_defconfig:2: warning: attempt to assign the value 'y' to the undefined symbol NO_SUCH_SYMBOL\nrc=0\nno-config-written\n" "" ""
testing "a missing NAME_defconfig is a clear error" \
	"cd '$TOP' && make -s NO_DEPS=1 O='$T/bad' nosuch_defconfig 2>&1 | head -1" \
	"no such configuration: configs/nosuch_defconfig\n" "" ""
printf 'CONFIG_UNIT_DIR=/no/quotes\n' > "$T/badval_defconfig"
testing "an invalid value is an error too" \
	"cd '$TOP' && make -s NO_DEPS=1 O='$T/bad' defconfig DEFCONFIG='$T/badval_defconfig' >/dev/null 2>&1; echo rc=\$?" \
	"rc=2\n" "" ""
for f in configs/*_defconfig configs/defconfig; do
	testing "shipped $(basename "$f") turns no test-only symbol on" \
		"grep -c '^CONFIG_TESTING=y' '$TOP/$f'" "0\n" "" ""
done

for arch in aarch64:aarch64-linux-gnu-:qemu-aarch64-static arm:arm-linux-gnueabihf-:qemu-arm-static; do
	a=${arch%%:*} rest=${arch#*:}
	cc=${rest%%:*} qemu=${rest#*:}
	for cfg in tiny full; do
		if build "$T/$a-$cfg" "${cfg}_defconfig" CROSS_COMPILE="$cc"; then
			testing "$a $cfg: ELF machine" "readelf -h '$T/$a-$cfg/gatebox' | grep -c 'Machine:.*$( [ "$a" = arm ] && echo ARM || echo AArch64)'" "1\n" "" ""
			check "$a $cfg: binary is static" is_static "$T/$a-$cfg/gatebox"
			testing "$a $cfg: --version runs under $qemu" \
				"$qemu '$T/$a-$cfg/gatebox' --version | head -1" "gatebox 0.1.0\n" "" ""
		else
			fail "$a $cfg builds" "$(tail -20 "$T/$a-$cfg.log")"
		fi
	done
done
if [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && [ -x "$T/aarch64-tiny/gatebox" ]; then
	testing "aarch64 binary runs directly through binfmt (self-exec possible)" \
		"'$T/aarch64-tiny/gatebox' --list >/dev/null; echo rc=\$?" "rc=0\n" "" ""
else
	skip "aarch64 binary runs directly through binfmt" "binfmt_misc not registered"
fi

if [ -x "$T/full/gatebox" ]; then
	testing "make install DESTDIR: binary and relative applet links" \
		"cd '$TOP' && make -s NO_DEPS=1 O='$T/full' install DESTDIR='$T/root' >/dev/null && cd '$T/root' && find . | sort && readlink usr/sbin/\$(head -1 '$T/full/gatebox.links' 2>/dev/null || echo gatebox) 2>/dev/null | head -1" \
		"$( (echo .; echo ./usr; echo ./usr/sbin; echo ./usr/sbin/gatebox; sed 's|^|./usr/sbin/|' "$T/full/gatebox.links") | sort)\n$( [ -s "$T/full/gatebox.links" ] && echo gatebox)\n" "" ""
	testing "make install PREFIX moves the tree" \
		"cd '$TOP' && make -s NO_DEPS=1 O='$T/full' install DESTDIR='$T/root2' PREFIX=/opt >/dev/null && [ -x '$T/root2/opt/usr/sbin/gatebox' ] && echo ok" \
		"ok\n" "" ""
fi
