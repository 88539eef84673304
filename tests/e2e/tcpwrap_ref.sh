#!/bin/bash
# Differential test: gatebox tcpdmatch and tcpdchk against Debian's (package tcpd) on the
# cases in tcpdmatch.cases and tcpdchk.cases: same stdout+stderr, same exit status. Both run
# with argv[0] = the bare tool name, so usage lines compare too. Debian's messages are captured
# with syslog_shim.c. Runs in a private mount namespace whose /etc is a copy with its own
# hosts, nsswitch.conf and netgroup, so host-name cases never touch the machine's /etc.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
optional TCPDMATCH TCPDCHK
if [ -n "$_gb_optional_missing" ]; then skip all "needs$_gb_optional_missing"; exit 0; fi
if [ ! -x /usr/sbin/tcpdmatch ] || [ ! -x /usr/sbin/tcpdchk ] || ! command -v gcc >/dev/null || ! command -v unshare >/dev/null; then
	skip all "needs Debian's tcpd, gcc and unshare (scripts/setup-deps installs them)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then skip all "needs root for a private mount namespace"; exit 0; fi

if [ -z "${GB_IN_NS:-}" ]; then
	# the fixture /etc: a copy of the real one plus test names
	mkdir -p "$T/etc"
	cp -a /etc/. "$T/etc/" 2>/dev/null
	cat > "$T/etc/hosts" <<'HOSTS'
127.0.0.1	localhost
127.0.0.2	good.example.test good
127.0.0.3	other.example.test
127.0.0.9	127.0.0.10
127.0.1.1	local-box
10.1.2.3	ten.example.test
::1	localhost ip6-localhost
fd00::2	six.example.test
HOSTS
	printf 'hosts: files\nnetgroup: files\npasswd: files\ngroup: files\n' > "$T/etc/nsswitch.conf"
	printf 'trusted (good.example.test,,) (local-box,,)\neveryone (,,)\nnested trusted (other.example.test,,)\n' > "$T/etc/netgroup"
	GB_IN_NS=1 GB_OUTER_T=$T GB_FIXTURE_ETC="$T/etc" unshare -m bash -c \
		'mount --make-rprivate / && mount --bind "$GB_FIXTURE_ETC" /etc && exec bash "$0"' "$0"
	exit $?
fi

export GB_BIN="$T/bin"
gcc -shared -fPIC -o "$T/shim.so" "$TOP/tests/e2e/syslog_shim.c" || { fail "build the syslog shim"; exit 0; }
# fixtures that cases refer to as @T@/...
mkdir -p "$T/banners" "$T/w"
printf 'Hello %%d from %%a\nsecond line\n' > "$T/banners/sshd"
printf '10.0.0.1\n.example.test\n  192.168.\n' > "$T/list.hosts"
printf '@T@/list.hosts 172.16.0.0/12\n' | sed "s|@T@|$T|g" > "$T/nested.hosts"
printf 'telnet stream tcp nowait root /usr/sbin/tcpd in.telnetd\nftp stream tcp nowait root /usr/sbin/tcpd /usr/sbin/in.ftpd -l\nfinger stream tcp nowait nobody /usr/sbin/in.fingerd in.fingerd\nsmtp stream tcp nowait root\n' > "$T/inetd.conf"

mkdir -p "$T/bin"
ln -sf "$GATEBOX" "$T/bin/tcpdmatch"
ln -sf "$GATEBOX" "$T/bin/tcpdchk"
for tool in tcpdmatch tcpdchk; do
	n=0
	while IFS=$'\t' read -r name allow deny args; do
		case "$name" in ''|'#'*) continue ;; esac
		n=$((n + 1))
		allow=${allow//@T@/$T} deny=${deny//@T@/$T} args=${args//@T@/$T}
		rm -f "$T/w/hosts.allow" "$T/w/hosts.deny"
		[ "$allow" = "-" ] || printf '%b' "$allow" > "$T/w/hosts.allow"
		[ "$deny" = "-" ] || printf '%b' "$deny" > "$T/w/hosts.deny"
		eval "set -- $args"
		want=$(cd "$T/w" && LD_PRELOAD="$T/shim.so" timeout 20 bash -c 'exec -a "$0" "/usr/sbin/$0" "$@"' "$tool" "$@" 2>&1; echo "rc=$?")
		got=$(cd "$T/w" && timeout 20 bash -c 'exec -a "$0" "$GB_BIN/$0" "$@"' "$tool" "$@" 2>&1; echo "rc=$?")
		if [ "$want" = "$got" ]; then
			pass "$tool $name"
		else
			fail "$tool $name" "$(diff <(echo "$want") <(echo "$got") | sed 's/^</debian:/; s/^>/gatebox:/')"
		fi
	done < "$TOP/tests/e2e/$tool.cases"
	min=200
	[ $tool = tcpdchk ] && min=50
	[ "$n" -ge $min ] || fail "$tool: at least $min reference cases" "only $n"
done
