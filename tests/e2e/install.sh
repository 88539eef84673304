#!/bin/bash
# shellcheck disable=SC2016 # the bash -c checks expand their own $1, $2 ...
# `make install DESTDIR=...` as a firmware builder runs it: the binary at the Kconfig
# INSTALL_BINDIR (under PREFIX), one relative symlink per enabled applet that resolves to it
# and runs that applet, /etc/gatebox/ examples only with INSTALL_EXAMPLES=1, a second install
# over the first, another INSTALL_BINDIR from a config fragment, and a cross build
# (CROSS_COMPILE=aarch64-linux-gnu-) installing an aarch64 binary. Each configuration builds
# from this source tree in its own O= directory under $T; every make is bounded.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
only_flavour musl # the builds below are the test: once is enough
for t in make musl-gcc file; do
	command -v "$t" >/dev/null || { skip all "needs $t"; exit 0; }
done

# mk NAME O ARGS...: make NO_DEPS=1 O=O ARGS..., bounded; on failure a FAIL with the output
mk() {
	local name=$1 o=$2 out
	shift 2
	if out=$(cd "$TOP" && timeout 300 make -s NO_DEPS=1 O="$o" -j2 "$@" 2>&1); then
		pass "$name"
		MKOUT=$out
		return 0
	fi
	fail "$name" "$(printf '%s\n' "$out" | tail -n 30)"
	return 1
}
cfg_bindir() { sed -n 's/^CONFIG_INSTALL_BINDIR="\(.*\)"$/\1/p' "$1/.config"; }

# tree_ok ROOT BINDIR LINKS_FILE [run]: gatebox at ROOT/BINDIR, a relative link "gatebox" per
# name of LINKS_FILE and nothing else beside it, each resolving to the binary; with "run",
# each link runs its own applet (its --help is `gatebox APPLET --help`'s)
tree_ok() {
	local d=$1$2 links=$3 run=${4:-} n real
	if [ ! -f "$d/gatebox" ] || [ -L "$d/gatebox" ] || [ ! -x "$d/gatebox" ]; then
		echo "no binary $d/gatebox"
		return 1
	fi
	[ -s "$links" ] || { echo "empty $links"; return 1; }
	real=$(readlink -f "$d/gatebox")
	while read -r n; do
		[ "$(readlink "$d/$n")" = gatebox ] || { echo "$d/$n: not a relative link to gatebox: $(ls -l "$d/$n" 2>&1)"; return 1; }
		[ "$(readlink -f "$d/$n")" = "$real" ] || { echo "$d/$n does not resolve to $real"; return 1; }
		if [ -n "$run" ] && [ "$("$d/$n" --help 2>&1 | head -n 1)" != "$("$d/gatebox" "$n" --help 2>&1 | head -n 1)" ]; then
			echo "$d/$n --help: $("$d/$n" --help 2>&1 | head -n 2)"
			return 1
		fi
	done < "$links"
	# nothing else was installed there
	[ "$(find "$d" -mindepth 1 | wc -l)" = $(($(wc -l < "$links") + 1)) ] ||
		{ echo "unexpected files in $d:"; ls -l "$d"; return 1; }
}

# --- the router configuration (configs/defconfig), native
B=$T/b-defconfig
if mk "defconfig: configure and build" "$B" defconfig && mk "defconfig: make install DESTDIR" "$B" install DESTDIR="$T/root"; then
	BIN=$(cfg_bindir "$B")
	check "defconfig: INSTALL_BINDIR is /usr/sbin (Kconfig default)" test "$BIN" = /usr/sbin
	check "defconfig: the links are gatebox --list of the installed binary" \
		bash -c 'diff <("$1" --list) "$2"' _ "$T/root$BIN/gatebox" "$B/gatebox.links"
	check "defconfig: binary + a relative link per applet, each runs its applet" tree_ok "$T/root" "$BIN" "$B/gatebox.links" run
	check "defconfig: the installed binary is the build's (static, stripped, x86_64)" \
		bash -c 'cmp -s "$1" "$2" && file -b "$1" | grep -q "x86-64.*statically linked.*stripped"' _ "$T/root$BIN/gatebox" "$B/gatebox"
	check "defconfig: make install says where it installed" grep -qF "installed $T/root$BIN/gatebox and" <<<"$MKOUT"
	check "defconfig: without INSTALL_EXAMPLES nothing goes to /etc" test ! -e "$T/root/etc"
	check "defconfig: only BINDIR's parents were created" \
		bash -c '[ "$(cd "$1" && find . -type d | sort | tr "\n" " ")" = ". ./usr ./usr/sbin " ]' _ "$T/root"
	mk "defconfig: make install again over the same root" "$B" install DESTDIR="$T/root" &&
		check "defconfig: the second install leaves the same tree" tree_ok "$T/root" "$BIN" "$B/gatebox.links"

	mk "defconfig: make install INSTALL_EXAMPLES=1" "$B" install DESTDIR="$T/ex" INSTALL_EXAMPLES=1 &&
	{
		check "examples: /etc/gatebox/units/ holds configs/examples/units" diff -r "$TOP/configs/examples/units" "$T/ex/etc/gatebox/units"
		check "examples: hosts.allow, hosts.deny and the hello program in /etc/gatebox/examples" \
			bash -c 'cmp -s "$1/hosts.allow" "$2/hosts.allow" && cmp -s "$1/hosts.deny" "$2/hosts.deny" &&
				[ -x "$2/hello-listenfds.py" ]' _ "$TOP/configs/examples" "$T/ex/etc/gatebox/examples"
		check "examples: the installed socketd accepts the installed units (socketd -n)" \
			"$T/ex$BIN/socketd" -n -u "$T/ex/etc/gatebox/units"
		check "examples: and the binary with its links" tree_ok "$T/ex" "$BIN" "$B/gatebox.links"
	}

	mk "defconfig: make install PREFIX=/opt" "$B" install DESTDIR="$T/opt" PREFIX=/opt &&
		check "PREFIX=/opt: the binary and links are in /opt/usr/sbin" tree_ok "$T/opt" "/opt$BIN" "$B/gatebox.links"
fi

# --- INSTALL_BINDIR from Kconfig (a fragment, as a firmware's config would set it), tiny
B=$T/b-bin
printf 'CONFIG_INSTALL_BINDIR="/bin"\n' > "$T/bindir.fragment"
if mk "tiny + INSTALL_BINDIR=/bin: configure and build" "$B" tiny_defconfig FRAGMENT="$T/bindir.fragment" &&
   mk "tiny + INSTALL_BINDIR=/bin: make install" "$B" install DESTDIR="$T/bin-root"; then
	bin_only() { tree_ok "$T/bin-root" /bin "$B/gatebox.links" run && [ ! -e "$T/bin-root/usr" ]; }
	check "INSTALL_BINDIR=/bin: gatebox and its links in /bin, nothing in /usr/sbin" bin_only
fi

# --- cross: aarch64, as Buildroot and OpenWrt call it
if ! command -v aarch64-linux-musl-gcc >/dev/null || ! command -v aarch64-linux-gnu-strip >/dev/null; then
	skip "cross install (aarch64)" "needs aarch64-linux-musl-gcc (musl-dev:arm64) and binutils-aarch64-linux-gnu"
else
	B=$T/b-aarch64
	if mk "aarch64: configure and build (CROSS_COMPILE=aarch64-linux-gnu-)" "$B" CROSS_COMPILE=aarch64-linux-gnu- tiny_defconfig &&
	   mk "aarch64: make install DESTDIR" "$B" CROSS_COMPILE=aarch64-linux-gnu- install DESTDIR="$T/a64"; then
		BIN=$(cfg_bindir "$B")
		check "aarch64: the installed binary is an aarch64 static executable (file)" \
			bash -c 'file -b "$1" | grep -q "ARM aarch64.*statically linked"' _ "$T/a64$BIN/gatebox"
		check "aarch64: a relative link per applet (from .config, no need to run the binary)" \
			tree_ok "$T/a64" "$BIN" "$B/gatebox.links"
		check "aarch64: the links are every applet of the config" \
			bash -c 'for a in socketd svcctl tcpd tcpdmatch tcpdchk; do grep -qx "$a" "$1" || exit 1; done' _ "$B/gatebox.links"
	fi
fi
