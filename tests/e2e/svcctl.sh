#!/bin/bash
# svcctl's unit-file verbs against the real systemctl 252 (`systemctl --root=`) on twin
# roots: the same commands, the same stdout, stderr, exit codes and resulting symlinks.
# (svcctl runs with its unit dir set to /etc/systemd/system for the comparison.)
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
optional SVCCTL
if [ -n "$_gb_optional_missing" ]; then skip all "needs$_gb_optional_missing"; exit 0; fi

D=/etc/systemd/system
mkroot() {
	mkdir -p "$1$D"
	printf '[Unit]\nDescription=ssh socket\n[Socket]\nListenStream=22\nAccept=yes\n[Install]\nWantedBy=sockets.target\nAlias=ssh2.socket\n' > "$1$D/sshd.socket"
	printf '[Service]\nExecStart=/usr/sbin/sshd -D\n[Install]\nWantedBy=multi-user.target\n' > "$1$D/sshd.service"
	printf '[Service]\nExecStart=/usr/sbin/sshd -i\n' > "$1$D/sshd@.service"
	printf '[Service]\nExecStart=/bin/true\n[Install]\nAlso=sshd.socket\n' > "$1$D/also.service"
	printf '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=a.target b.target\nRequiredBy=c.target\n' > "$1$D/multi.service"
	printf '[Socket]\nListenStream=80\n' > "$1$D/static.socket"
}
norm() { # keep the lines that carry meaning, with the root replaced
	sed -e "s|$1|ROOT|g" | grep -E '^(Created symlink|Removed|Failed|The unit files have no|[a-z-]+$|UNIT FILE|[a-z@.0-9-]+\.(service|socket) |[0-9]+ unit files listed|rc=)' |
		sed 's/^\(The unit files have no installation config\).*/\1/'
}
tree() { (cd "$1" && find . | sort | while read -r f; do [ -L "$f" ] && echo "$f -> $(readlink "$f")" || echo "$f"; done); }

if command -v systemctl >/dev/null && systemctl --version | grep -q '^systemd 25'; then
	A="$T/sysd" B="$T/gb"
	mkroot "$A"
	mkroot "$B"
	n=0
	while read -r cmd; do
		[ -z "$cmd" ] && continue
		n=$((n + 1))
		# shellcheck disable=SC2086
		# stdout, then stderr: their interleaving depends on each libc's stdout buffering
		want=$(cd "$T" && systemctl --root="$A" $cmd 2>"$T/err"; echo "rc=$?"; cat "$T/err")
		# shellcheck disable=SC2086
		got=$(cd "$T" && GATEBOX_UNIT_DIR=$D "$GATEBOX" svcctl --root="$B" $cmd 2>"$T/err"; echo "rc=$?"; cat "$T/err")
		want=$(norm "$A" <<<"$want")
		got=$(norm "$B" <<<"$got")
		if [ "$want" = "$got" ] && [ "$(tree "$A")" = "$(tree "$B")" ]; then
			pass "like systemctl: $cmd"
		else
			fail "like systemctl: $cmd" "$(diff <(echo "$want"; tree "$A") <(echo "$got"; tree "$B") | sed 's/^</systemctl:/; s/^>/svcctl:/')"
		fi
	done <<'CMDS'
is-enabled sshd.socket
is-enabled sshd.service sshd@.service static.socket also.service nosuch.service
is-enabled -q sshd.service
list-unit-files
enable sshd.socket
enable sshd.socket
is-enabled sshd.socket ssh2.socket
list-unit-files
enable sshd
is-enabled sshd
enable multi.service
is-enabled multi
disable multi
disable sshd.socket
is-enabled sshd.socket
enable also.service
is-enabled also.service sshd.socket
disable also.service
enable nosuch.service
enable static.socket
enable sshd@.service
mask sshd.service
mask sshd@.service
disable sshd.service
unmask sshd.service
is-enabled sshd.service
list-unit-files
CMDS
	[ "$n" -ge 25 ] || fail "enough systemctl comparisons" "$n"
else
	skip "comparison with systemctl --root" "systemctl 25x not installed"
fi

# without the reference: what only svcctl does
U="$T/units"
mkdir -p "$U"
printf '[Socket]\nListenStream=22\n[Install]\nWantedBy=sockets.target\n' > "$U/web.socket"
export GATEBOX_UNIT_DIR="$U" GATEBOX_RUN_DIR="$T/run"
testing "enable creates the .wants link socketd starts from" \
	'"$GATEBOX" svcctl enable web.socket 2>&1; readlink '"$U"'/sockets.target.wants/web.socket' \
	"Created symlink $U/sockets.target.wants/web.socket → $U/web.socket.\n$U/web.socket\n" "" ""
testing "cat prints the file with its path" '"$GATEBOX" svcctl cat web.socket | head -2' \
	"# $U/web.socket\n[Socket]\n" "" ""
testing "manager verbs without socketd: a clear message, exit 1" \
	'"$GATEBOX" svcctl start web.socket 2>&1; echo rc=$?' \
	"Failed to connect to socketd at $T/run/socketd.ctl: No such file or directory\n(socketd is not running, or cannot be reached: can't operate)\nrc=1\n" "" ""
testing "enable --now enables, then needs socketd for the start" \
	'"$GATEBOX" svcctl disable web.socket >/dev/null 2>&1; "$GATEBOX" svcctl enable --now web.socket 2>&1 | head -1; ls '"$U"'/sockets.target.wants' \
	"Created symlink $U/sockets.target.wants/web.socket → $U/web.socket.\nweb.socket\n" "" ""
testing "an unknown verb" '"$GATEBOX" svcctl frobnicate x 2>&1; echo rc=$?' "Unknown command verb frobnicate.\nrc=1\n" "" ""
