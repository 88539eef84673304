#!/bin/bash
# svcctl's unit-file verbs against the real systemctl 252 (`systemctl --root=`) on twin
# roots: the same commands, the same stdout, stderr, exit codes and resulting symlinks.
# (svcctl runs with its unit dir set to /etc/systemd/system for the comparison.)
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
optional SVCCTL
if [ -n "$_gb_optional_missing" ]; then skip all "needs$_gb_optional_missing"; exit 0; fi
ns_enter ":" net # own ports and loopback for the part with socketd

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

# --- with socketd: the manager verbs on socket units, over the control socket
optional SOCKETD SVCCTL
if [ -z "$_gb_optional_missing" ] && [ "$(id -u)" = 0 ]; then
	printf '[Unit]\nDescription=Echo (test)\n[Socket]\nListenStream=127.0.0.1:7410\nAccept=yes\n[Install]\nWantedBy=sockets.target\n' > "$U/echo.socket"
	printf '[Service]\nExecStart=/bin/echo hello\n' > "$U/echo@.service"
	printf '[Socket]\nListenStream=127.0.0.1:7411\nAccept=yes\n' > "$U/busy.socket"
	printf '[Service]\nExecStart=/bin/echo busy\n' > "$U/busy@.service"
	mkdir -p "$T/run"
	chmod 755 "$T" # nobody must reach the control socket to be told no
	rm -f "$U"/sockets.target.wants/*
	"$GATEBOX" socketd -f 2>>"$T/sd.log" &
	sd=$!
	track_pid $sd
	wait_for 50 test -S "$T/run/socketd.ctl"
	# a journal line's date and host: "Dec 04 18:03:00 host socketd[12]: ..." -> "J socketd[12]: ..."
	export JOURNAL='s/^[A-Z][a-z][a-z] [0-9][0-9] [0-9:]* [^ ]* /J /'
	testing "status of a disabled, inactive socket: exit 3" '"$GATEBOX" svcctl status echo.socket; echo rc=$?' \
		"○ echo.socket - Echo (test)\n     Loaded: loaded ($U/echo.socket; disabled; preset: enabled)\n     Active: inactive (dead)\nrc=3\n" "" ""
	testing "is-active of an inactive socket: inactive, exit 3" '"$GATEBOX" svcctl is-active echo.socket; echo rc=$?' "inactive\nrc=3\n" "" ""
	testing "start binds it: exit 0, silent" '"$GATEBOX" svcctl start echo.socket 2>&1; echo rc=$?' "rc=0\n" "" ""
	testing "is-active: active, exit 0" '"$GATEBOX" svcctl is-active echo.socket; echo rc=$?' "active\nrc=0\n" "" ""
	testing "the started socket serves" "timeout 10 socat -t 5 - TCP4:127.0.0.1:7410 </dev/null" "hello\n" "" ""
	testing "status of a socket: Loaded, Active (listening), Listen, Accepted/Connected/Refused, its journal" \
		'"$GATEBOX" svcctl status echo.socket | sed "s/since .*/since TS/; $JOURNAL"; echo rc=$?' \
		"● echo.socket - Echo (test)\n     Loaded: loaded ($U/echo.socket; disabled; preset: enabled)\n     Active: active (listening) since TS\n     Listen: 127.0.0.1:7410 (Stream)\n   Accepted: 1; Connected: 0; Refused: 0\n\nJ socketd[$sd]: Listening on Echo (test).\nrc=0\n" "" ""
	testing "... status -n 0: without the journal" \
		'"$GATEBOX" svcctl status -n 0 echo.socket | tail -1' "   Accepted: 1; Connected: 0; Refused: 0\n" "" ""
	testing "list-sockets" '"$GATEBOX" svcctl list-sockets' \
		"LISTEN         UNIT        ACTIVATES\n127.0.0.1:7410 echo.socket -\n\n1 sockets listed.\nPass --all to see loaded but inactive sockets, too.\n" "" ""
	if command -v setpriv >/dev/null; then
		testing "an unprivileged user may read status" \
			'setpriv --reuid=nobody --regid=nogroup --clear-groups "$GATEBOX" svcctl is-active echo.socket; echo rc=$?' "active\nrc=0\n" "" ""
		testing "... without the unit's log lines (systemctl shows the journal to its readers only)" \
			'setpriv --reuid=nobody --regid=nogroup --clear-groups "$GATEBOX" svcctl status echo.socket | grep -c "Listening on"; "$GATEBOX" svcctl status echo.socket | grep -c "Listening on"' \
			"0\n1\n" "" ""
		# nobody holds idle connections to the control socket: their own are capped,
		# root still gets in
		for _ in 1 2 3 4 5 6; do
			setpriv --reuid=nobody --regid=nogroup --clear-groups socat -T 4 UNIX-CONNECT:"$T/run/socketd.ctl" SYSTEM:"sleep 3" >/dev/null 2>&1 &
			track_pid $!
		done
		sleep 0.5
		testing "a user holding 4 connections to socketd gets no fifth; root is served" \
			'setpriv --reuid=nobody --regid=nogroup --clear-groups "$GATEBOX" svcctl is-active echo.socket >/dev/null 2>&1; echo rc=$?; "$GATEBOX" svcctl is-active echo.socket' \
			"rc=1\nactive\n" "" ""
		wait_for 100 sh -c '! pgrep -u nobody -x socat >/dev/null' 
		testing "... but not stop: exit 4 (identified by SO_PEERCRED)" \
			'setpriv --reuid=nobody --regid=nogroup --clear-groups "$GATEBOX" svcctl stop echo.socket 2>&1; echo rc=$?' \
			"Failed to stop echo.socket: Access denied\nrc=4\n" "" ""
	else
		skip "unprivileged status and stop" "setpriv missing"
	fi
	# a client that connects and says nothing holds nothing up
	timeout 8 socat - UNIX-CONNECT:"$T/run/socketd.ctl" </dev/null >/dev/null 2>&1 &
	slow=$!
	sleep 0.2
	testing "a silent client does not stall socketd" '"$GATEBOX" svcctl is-active echo.socket; echo rc=$?' "active\nrc=0\n" "" ""
	wait "$slow" 2>/dev/null
	testing "an oversized request gets an error and is closed" \
		"head -c 6000 /dev/zero | timeout 5 socat -t 3 - UNIX-CONNECT:$T/run/socketd.ctl 2>/dev/null | head -2" \
		"2 Request too long or malformed.\nX 1\n" "" ""
	testing "stop closes it; stopping again is silent: exit 0" \
		'"$GATEBOX" svcctl stop echo.socket; "$GATEBOX" svcctl stop echo.socket; echo rc=$?; "$GATEBOX" svcctl is-active echo.socket' "rc=0\ninactive\n" "" ""
	socat TCP4-LISTEN:7411,bind=127.0.0.1,reuseaddr,fork SYSTEM:true 2>/dev/null &
	track_pid $!
	wait_for 50 bash -c 'exec 3<>/dev/tcp/127.0.0.1/7411' 2>/dev/null
	testing "start of a socket whose port is taken fails clearly, exit 1, nothing half-started" \
		'"$GATEBOX" svcctl start busy.socket 2>&1; echo rc=$?; "$GATEBOX" svcctl list-sockets | tail -2 | head -1' \
		"Job for busy.socket failed because of unavailable resources or another system error.\nSee \"svcctl status busy.socket\" and socketd's log for details.\nrc=1\n0 sockets listed.\n" "" ""
	testing "... and status says failed (Result: resources), exit 3" \
		'"$GATEBOX" svcctl status busy.socket | sed -n 3p | sed "s/ since .*//"; "$GATEBOX" svcctl status busy.socket >/dev/null; echo rc=$?' \
		"     Active: failed (Result: resources)\nrc=3\n" "" ""
	testing "... with why in its journal (as systemctl shows the journal)" \
		'"$GATEBOX" svcctl status busy.socket | sed -n "4,\$p" | sed "$JOURNAL; s/Address already in use/Address in use/"' \
		"\nJ socketd[$sd]: Failed to listen on 127.0.0.1:7411: Address in use\nJ socketd[$sd]: Failed with result 'resources'.\nJ socketd[$sd]: Failed to listen on busy.socket.\n" "" ""
	testing "status of a unit that does not exist: exit 4" '"$GATEBOX" svcctl status nosuch.socket 2>&1; echo rc=$?' \
		"Unit nosuch.socket could not be found.\nrc=4\n" "" ""
	# a name is never a path: status, show, is-active need no privilege, start only a
	# -g member's (socketd ran ../../tmp/x.service as root, or read /dev/zero forever)
	printf '[Service]\nExecStart=/bin/true\n' > "$T/outside.service"
	testing "unit names with '/' are refused, whoever asks: exit 1" \
		'"$GATEBOX" svcctl show -p LoadState ../../../../../../dev/zero 2>&1; echo rc=$?; "$GATEBOX" svcctl start ../outside.service 2>&1; echo rc=$?; "$GATEBOX" svcctl is-active ./echo.socket; echo rc=$?' \
		"Unit name ../../../../../../dev/zero.service is not valid.\nrc=1\nUnit name ../outside.service is not valid.\nrc=1\nUnit name ./echo.socket is not valid.\nrc=1\n" "" ""
	mkfifo "$U/fifo.service"
	testing "a FIFO in the unit directory is not read (it would block socketd): bad-setting" \
		'timeout 5 "$GATEBOX" svcctl show -p LoadState fifo.service; timeout 5 "$GATEBOX" svcctl is-active echo.socket' \
		"LoadState=bad-setting\ninactive\n" "" ""
	rm -f "$U/fifo.service"
	"$GATEBOX" svcctl enable echo.socket 2>/dev/null
	kill "$sd"
	wait "$sd" 2>/dev/null
	"$GATEBOX" socketd -f >/dev/null 2>>"$T/sd.log" &
	sd=$!
	track_pid $sd
	wait_for 50 bash -c '"$GATEBOX" svcctl is-active echo.socket >/dev/null 2>&1'
	testing "svcctl enable, then socketd restarts with it listening" \
		'"$GATEBOX" svcctl is-active echo.socket' "active\n" "" ""
	kill "$sd"
else
	skip "manager verbs with socketd" "needs root, socketd and svcctl"
fi
