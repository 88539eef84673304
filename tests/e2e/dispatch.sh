#!/bin/bash
# The multiplexer: by name, symlink, hard link, inetd-style argv[0], unknown names, --list,
# --install, --help, --version. Uses the hidden gbtest applet of the test build.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
optional TESTING GBTEST

testing "gatebox APPLET runs it" \
	'"$GATEBOX" gbtest a "b c"' \
	"applet=gbtest argv0=gbtest\narg=a\narg=b c\n" "" ""
ln -s "$GATEBOX" "$T/gbtest"
testing "symlink named after the applet runs it" \
	"'$T/gbtest' x; echo rc=\$?" \
	"applet=gbtest argv0=$T/gbtest\narg=x\nrc=0\n" "" ""
mkdir -p "$T/hl"
if ln "$GATEBOX" "$T/hl/gbtest" 2>/dev/null; then
	testing "hard link named after the applet runs it" \
		"'$T/hl/gbtest' y" "applet=gbtest argv0=$T/hl/gbtest\narg=y\n" "" ""
else
	fail "hard link named after the applet runs it" "cannot hard-link $GATEBOX into $T"
fi
testing "inetd style: link name is the applet, argv[0] is the daemon" \
	"bash -c 'exec -a in.telnetd \"$T/gbtest\" z'" \
	"applet=gbtest argv0=in.telnetd\narg=z\n" "" ""
testing "exit status passes through" '"$GATEBOX" gbtest exit 42; echo rc=$?' "rc=42\n" "" ""
testing "messages are 'applet: text: strerror' on stderr" \
	'"$GATEBOX" gbtest warn "open x" 2>&1 >/dev/null; echo rc=$?' \
	"gbtest: open x: No such file or directory\nrc=1\n" "" ""
optional
testing "unknown applet via gatebox: 127, named" \
	'"$GATEBOX" nosuchapplet 2>&1; echo rc=$?' \
	"gatebox: applet not found: nosuchapplet\nrc=127\n" "" ""
ln -s "$GATEBOX" "$T/frobnicate"
testing "unknown applet via link name: 127, named" \
	"'$T/frobnicate' 2>&1; echo rc=\$?" \
	"gatebox: applet not found: frobnicate\nrc=127\n" "" ""
testing "unknown option of gatebox: usage exit 100" \
	'"$GATEBOX" --frob 2>&1 | head -1; "$GATEBOX" --frob 2>/dev/null; echo rc=$?' \
	"gatebox: unknown option --frob (try --help)\nrc=100\n" "" ""
testing "no arguments: help on stderr, exit 100" \
	'"$GATEBOX" 2>/dev/null; echo rc=$?; "$GATEBOX" 2>&1 | grep -c "^Usage: gatebox"' \
	"rc=100\n1\n" "" ""

# --list must show exactly the applets the config enables (from the generated table)
want=$(awk '/^#if ENABLE_/{s=substr($2,8)} /^APPLET/{n=$0; sub(/^APPLET\("/,"",n); sub(/".*/,"",n); print s, n}' "$GB_BUILD/gen/applets.h" |
	while read -r sym name; do config_has "$sym" && echo "$name"; done)
testing "--list prints the enabled applets, one per line, sorted" \
	'"$GATEBOX" --list' "$want\n" "" ""
testing "--help names every applet" \
	'"$GATEBOX" --help | sed -n "s/^Applets: //p"' "$(echo "$want" | tr '\n' ' ')\n" "" ""
testing "--version first line" '"$GATEBOX" --version | head -1' "gatebox 0.1.0\n" "" ""
if config_has TLS; then
	testing "--version names the TLS library" '"$GATEBOX" --version | grep -o "tls=mbedtls 3\.6\.[0-9]*" | cut -c1-15' "tls=mbedtls 3.6\n" "" ""
else
	testing "--version has no TLS without CONFIG_TLS" '"$GATEBOX" --version | grep -c tls=' "0\n" "" ""
fi

optional TESTING GBTEST
testing "APPLET --help prints its usage on stdout, exit 0" \
	'"$GATEBOX" gbtest --help; echo rc=$?' \
	"Usage: gbtest [ARG...] | exit N | warn TEXT | paths\nTest-suite applet: prints how it was called.\nrc=0\n" "" ""
testing "--help through a link" "'$T/gbtest' --help | head -1" \
	"Usage: gbtest [ARG...] | exit N | warn TEXT | paths\n" "" ""

mkdir -p "$T/bin"
testing "--install -s links every applet" \
	'"$GATEBOX" --install -s '"$T/bin"'; echo rc=$?; ls '"$T/bin"' | sort' \
	"rc=0\n$want\n" "" ""
testing "an installed symlink points at gatebox and runs the applet" \
	"readlink '$T/bin/gbtest' | grep -c gatebox; '$T/bin/gbtest' q | tail -1" "1\narg=q\n" "" ""
testing "--install again replaces its own links" \
	'"$GATEBOX" --install -s '"$T/bin"'; echo rc=$?' "rc=0\n" "" ""
rm "$T/bin/gbtest"; echo "precious" > "$T/bin/gbtest"
testing "--install refuses to overwrite a file that is not gatebox" \
	'"$GATEBOX" --install -s '"$T/bin"' 2>&1; echo rc=$?; cat '"$T/bin/gbtest" \
	"gatebox: $T/bin/gbtest: exists and is not a link to gatebox; not replaced\nrc=1\nprecious\n" "" ""
rm "$T/bin/gbtest"; ln -s /bin/true "$T/bin/gbtest"
testing "--install refuses a symlink to something else" \
	'"$GATEBOX" --install -s '"$T/bin"' >/dev/null 2>&1; echo rc=$?; readlink '"$T/bin/gbtest" \
	"rc=1\n/bin/true\n" "" ""
mkdir -p "$T/hard"
testing "--install without -s makes hard links" \
	'"$GATEBOX" --install '"$T/hard"'; echo rc=$?; [ '"$T/hard/gbtest"' -ef "$GATEBOX" ] && echo same-inode' \
	"rc=0\nsame-inode\n" "" ""
testing "--install without a directory is a usage error" \
	'"$GATEBOX" --install -s 2>&1; echo rc=$?' "gatebox: usage: gatebox --install [-s] DIR\nrc=100\n" "" ""
testing "GATEBOX_* variables override the paths" \
	'GATEBOX_HOSTS_DENY=/x/deny GATEBOX_UNIT_DIR= "$GATEBOX" gbtest paths | grep -E "UNIT_DIR|HOSTS_DENY"' \
	"GATEBOX_UNIT_DIR=/etc/gatebox/units\nGATEBOX_HOSTS_DENY=/x/deny\n" "" ""
