#!/bin/bash
# socketd end to end, in private mount and network namespaces: unit checking with file:line
# diagnostics, Accept=yes on IPv4, IPv6 and AF_UNIX with the systemd and tcpserver
# environment, Accept=no with the sd_listen_fds protocol (stream and datagram), TCPWrap,
# a flood under MaxConnections, reload under load, trigger limits, fd exhaustion, readiness.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
optional SOCKETD
if [ -n "$_gb_optional_missing" ]; then skip all "needs$_gb_optional_missing"; exit 0; fi
ns_enter ":" net
# the helpers run as services, some as nobody: copies in the test's own (755) directory,
# since the source tree may sit where nobody cannot reach it (/root)
mkdir -p "$T/helpers"
cp "$TOP"/tests/e2e/helpers/* "$T/helpers/"
chmod -R a+rX "$T/helpers"
H="$T/helpers"
U="$T/units"
export GATEBOX_RUN_DIR="$T/run" # the control socket stays in the test's directory
mkdir -p "$U/sockets.target.wants" "$T/bad"
chmod 755 "$T"

unit() { # unit NAME CONTENT (printf %b) [enable]
	printf '%b' "$2" > "$U/$1"
	[ "${3:-}" = enable ] && ln -sf "../$1" "$U/sockets.target.wants/$1"
	return 0
}

SD_PID=
start_socketd() { # start_socketd [ENV=VAL...]: socketd -f on $U, waits for its readiness line
	rm -f "$T/ready"
	mkfifo "$T/ready"
	env "$@" "$GATEBOX" socketd -f -u "$U" -r 3 3>"$T/ready" 2>>"$T/log" &
	SD_PID=$!
	track_pid $SD_PID
	# to EOF: socketd closes the fd after the newline, and a count of its fds taken
	# between the two would count it
	timeout 10 cat "$T/ready" >/dev/null
}
stop_socketd() { kill "$SD_PID" 2>/dev/null; wait "$SD_PID" 2>/dev/null; SD_PID=; }
ask() { timeout 10 socat -t 5 - "$1" 2>/dev/null <<<"${2:-hello}"; }
logged() { wait_for 30 grep -qF -- "$1" "$T/log"; }

# --- check mode: a malformed unit directory
printf '[Socket]\nListenStream=127.0.0.1:7001\nAccept=yes\nFrobnicate=yes\n' > "$T/bad/good.socket"
printf '[Service]\nExecStart=/bin/cat\n' > "$T/bad/good@.service"
printf '[Socket]\nListenStream=7002\nAccept=maybe\n' > "$T/bad/badaccept.socket"
printf '[Socket]\nListenStream=not-an-address\n' > "$T/bad/badaddr.socket"
printf '[Service]\nExecStart=/bin/true\n' > "$T/bad/badaddr.service"
printf '[Socket]\nAccept=no\n' > "$T/bad/nolisten.socket"
printf '[Socket]\nListenStream=7003\n' > "$T/bad/noservice.socket"
printf '[Socket\nListenStream=7004\n' > "$T/bad/header.socket"
testing "socketd -n: file:line diagnostics, other units still load, exit 1" \
	'"$GATEBOX" socketd -n -u '"$T/bad"' 2>&1 | sed "s|'"$T/bad/"'||" | sort; "$GATEBOX" socketd -n -u '"$T/bad"' >/dev/null 2>&1; echo rc=$?' \
	"$(printf '%s\n' \
		"1 socket unit loaded, 10 errors" \
		"socketd: badaccept.socket: Failed to load badaccept.service: No such file or directory" \
		"socketd: badaccept.socket: unit not loaded" \
		"socketd: badaccept.socket:3: Failed to parse Accept= value 'maybe'" \
		"socketd: badaddr.socket: Unit has no Listen setting (ListenStream=, ListenDatagram=, ...). Refusing." \
		"socketd: badaddr.socket: unit not loaded" \
		"socketd: badaddr.socket:2: Failed to parse ListenStream= value 'not-an-address': not an address (port, ADDR:PORT, [V6]:PORT, /path or @abstract)" \
		"socketd: good.socket:4: Unknown key name 'Frobnicate' in section 'Socket', ignoring." \
		"socketd: header.socket: Failed to load header.service: No such file or directory" \
		"socketd: header.socket: Unit has no Listen setting (ListenStream=, ListenDatagram=, ...). Refusing." \
		"socketd: header.socket: unit not loaded" \
		"socketd: header.socket:1: Invalid section header '[Socket'" \
		"socketd: header.socket:2: Assignment outside of section. Ignoring." \
		"socketd: nolisten.socket: Failed to load nolisten.service: No such file or directory" \
		"socketd: nolisten.socket: Unit has no Listen setting (ListenStream=, ListenDatagram=, ...). Refusing." \
		"socketd: nolisten.socket: unit not loaded" \
		"socketd: noservice.socket: Failed to load noservice.service: No such file or directory" \
		"socketd: noservice.socket: unit not loaded" | sort)\nrc=1\n" "" ""
testing "socketd -n on a good directory: exit 0" \
	'rm -f '"$T/bad"'/bad* '"$T/bad"'/nolisten* '"$T/bad"'/noservice* '"$T/bad"'/header*; "$GATEBOX" socketd -n -u '"$T/bad"' 2>/dev/null; echo rc=$?' \
	"1 socket unit loaded, 0 errors\nrc=0\n" "" ""
mkdir -p "$T/wrapname"
printf '[Socket]\nListenStream=127.0.0.1:7099\nAccept=yes\nTCPWrap=yes\n' >"$T/wrapname/w.socket"
printf '[Service]\nExecStart=/usr/sbin/in.fingerd -w -u "a b"\n' >"$T/wrapname/w@.service"
testing "TCPWrap=yes names the daemon after the program, whatever its arguments" \
	'"$GATEBOX" socketd -n -v -u '"$T/wrapname"' 2>/dev/null | grep TCPWrap=' \
	"  TCPWrap=in.fingerd\n" "" ""

# --- Accept=yes: three listeners, the environment of the instance
unit echo.socket '[Socket]\nListenStream=127.0.0.1:7010\nListenStream=[::1]:7010\nListenStream='"$T"'/echo.sock\nAccept=yes\n' enable
unit echo@.service '[Service]\nExecStart='"$H"'/env_dump.sh %p %i\nEnvironment="GB_VAR=a b"\nUser=nobody\nUMask=0077\nWorkingDirectory=/tmp\n'
unit fd3.socket '[Socket]\nListenStream=127.0.0.1:7011\nAccept=yes\n' enable
unit fd3@.service '[Service]\nExecStart='"$H"'/env_dump.sh\nStandardInput=null\n'
unit acceptno.socket '[Socket]\nListenStream=127.0.0.1:7020\nListenStream=127.0.0.1:7021\nFileDescriptorName=web\n' enable
unit acceptno.service '[Service]\nExecStart=/usr/bin/python3 '"$H"'/listen_check.py 2\n'
unit dgram.socket '[Socket]\nListenDatagram=127.0.0.1:7030\n' enable
unit dgram.service '[Service]\nExecStart=/usr/bin/python3 '"$H"'/listen_check.py 1\n'
printf 'echo-wrapped : 127.0.0.1\n' > "$T/allow"
printf 'ALL : ALL\n' > "$T/deny"
unit wrapped.socket '[Socket]\nListenStream=127.0.0.1:7040\nListenStream=[::1]:7040\nAccept=yes\nTCPWrap=echo-wrapped\n' enable
unit wrapped@.service '[Service]\nExecStart=/bin/echo served\n'
start_socketd GATEBOX_HOSTS_ALLOW="$T/allow" GATEBOX_HOSTS_DENY="$T/deny" || fail "socketd signals readiness"

out=$(ask TCP4:127.0.0.1:7010 line1)
check "Accept=yes IPv4: REMOTE_ADDR" grep -qx "REMOTE_ADDR=127.0.0.1" <<<"$out"
check "Accept=yes: REMOTE_PORT and TCPREMOTEPORT agree" bash -c '[ "$(sed -n "s/^REMOTE_PORT=//p" <<<"$1")" = "$(sed -n "s/^TCPREMOTEPORT=//p" <<<"$1")" ] && grep -q "^REMOTE_PORT=[0-9]" <<<"$1"' _ "$out"
check "Accept=yes: tcpserver's PROTO, TCPLOCALIP, TCPLOCALPORT" bash -c 'grep -qx PROTO=TCP <<<"$1" && grep -qx TCPLOCALIP=127.0.0.1 <<<"$1" && grep -qx TCPLOCALPORT=7010 <<<"$1"' _ "$out"
check "Environment= with quotes" grep -qx "GB_VAR=a b" <<<"$out"
check "User=, UMask=, WorkingDirectory=" grep -qx "uid=$(id -u nobody) umask=0077 cwd=/tmp" <<<"$out"
check "an instance leads its own process group (KillMode= signals it)" grep -qx "pgrp-is-pid=yes sid=.*" <<<"$out"
if (exec 9</dev/tty) 2>/dev/null; then # socketd shares the terminal run from: its own session
	check "... and its own session when socketd has a terminal" bash -c \
		'pid=$(sed -n "s/^pid=//p" <<<"$1"); grep -qx "pgrp-is-pid=yes sid=$pid" <<<"$1"' _ "$out"
else
	check "... in socketd's session when socketd has no terminal (no new session, no autogroup)" \
		grep -qx "pgrp-is-pid=yes sid=$(ps -o sid= -p "$SD_PID" | tr -d ' ')" <<<"$out"
fi
check "specifiers %p %i: the instance name systemd would give" grep -qE "^args=echo 0-127\.0\.0\.1:7010-127\.0\.0\.1:[0-9]+$" <<<"$out"
check "the connection is stdin and stdout" grep -qx "got=line1" <<<"$out"
check "a clean environment with systemd's default PATH" grep -qx "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" <<<"$out"
out=$(ask TCP6:[::1]:7010)
check "Accept=yes IPv6: REMOTE_ADDR=::1" grep -qx "REMOTE_ADDR=::1" <<<"$out"
out=$(ask UNIX-CONNECT:"$T"/echo.sock)
check "Accept=yes AF_UNIX: PROTO=UNIX, no REMOTE_ADDR" bash -c 'grep -qx PROTO=UNIX <<<"$1" && grep -qx REMOTE_ADDR=unset <<<"$1"' _ "$out"
check "AF_UNIX instance named after the peer's pid and uid" grep -qE "^args=echo 2-[0-9]+-0$" <<<"$out"
out=$(ask TCP4:127.0.0.1:7011 viafd3)
check "StandardInput=null: the connection is fd 3, LISTEN_FDS=1, names 'connection', LISTEN_PID ok" \
	grep -qx "LISTEN_FDS=1 LISTEN_FDNAMES=connection pid-ok=yes" <<<"$out"
check "... and the service still talks on it" grep -qx "got=viafd3" <<<"$out"

out=$(ask TCP4:127.0.0.1:7020)
check "Accept=no: LISTEN_PID, LISTEN_FDS=2, FileDescriptorName= names, blocking, inherited" \
	grep -qx "pid-ok fds=2 names=web:web fd=3 name=web" <<<"$out"
out=$(ask TCP4:127.0.0.1:7021)
check "Accept=no: the second listener is fd 4, served by the same process" \
	grep -qx "pid-ok fds=2 names=web:web fd=4 name=web" <<<"$out"
wait_for 50 bash -c "! pgrep -f 'listen_check.py 2' >/dev/null"
out=$(ask TCP4:127.0.0.1:7020)
check "Accept=no: after the service exits, socketd watches again and restarts it" \
	grep -qx "pid-ok fds=2 names=web:web fd=3 name=web" <<<"$out"
out=$(timeout 10 socat -t 5 - UDP4:127.0.0.1:7030 <<<"dg1" 2>/dev/null)
check "Accept=no datagram: the service gets the socket and answers" \
	grep -qx "pid-ok fds=1 names=dgram.socket fd=3 name=dgram.socket dgram=dg1" <<<"$out"

testing "TCPWrap: an allowed client is served" "timeout 10 socat -t 5 - TCP4:127.0.0.1:7040 </dev/null" "served\n" "" ""
testing "TCPWrap: a denied client (::1) gets nothing and nothing is spawned" \
	"timeout 10 socat -t 5 - TCP6:[::1]:7040 </dev/null | wc -c" "0\n" "" ""
check "TCPWrap: the refusal is logged with the rule that refused it" \
	logged "wrapped.socket: refused connect from ::1 (::1) by $T/deny:1"
printf 'echo-wrapped : 127.0.0.1 [::1]\n' > "$T/allow"
testing "TCPWrap: an edited hosts.allow takes effect at once" \
	"timeout 10 socat -t 5 - TCP6:[::1]:7040 </dev/null" "served\n" "" ""
# socketd watches the tables (inotify) instead of stat'ing them per connection: every way
# of changing them must still be seen by the very next connection
printf 'echo-wrapped : 127.0.0.1\n' > "$T/allow.new"
mv "$T/allow.new" "$T/allow"
testing "TCPWrap: a hosts.allow replaced by rename takes effect at once" \
	"timeout 10 socat -t 5 - TCP6:[::1]:7040 </dev/null | wc -c" "0\n" "" ""
mkdir -p "$T/elsewhere"
printf 'ALL : ALL\n' > "$T/elsewhere/deny"
ln -sf "$T/elsewhere/deny" "$T/deny"
testing "TCPWrap: hosts.deny made a symbolic link elsewhere: still refused" \
	"timeout 10 socat -t 5 - TCP6:[::1]:7040 </dev/null | wc -c" "0\n" "" ""
printf '# nothing denied\n' > "$T/elsewhere/deny"
testing "TCPWrap: an edit of the link's target (another directory) takes effect at once" \
	"timeout 10 socat -t 5 - TCP6:[::1]:7040 </dev/null" "served\n" "" ""
rm "$T/deny" "$T/elsewhere/deny"
printf 'ALL : [::1]\n' > "$T/deny"
testing "TCPWrap: a hosts.deny removed and created again takes effect at once" \
	"timeout 10 socat -t 5 - TCP6:[::1]:7040 </dev/null | wc -c" "0\n" "" ""
# what tcpd would decide by running something (aclexec, twist) or asking identd (user@)
# cannot be decided in socketd's loop: refused, never granted where tcpd would refuse
printf 'echo-wrapped : 127.0.0.1 : aclexec /bin/false\n' > "$T/allow"
testing "TCPWrap: a rule with aclexec (tcpd would run it): refused, not granted" \
	"timeout 10 socat -t 5 - TCP4:127.0.0.1:7040 </dev/null | wc -c" "0\n" "" ""
check "... and logged as tcpd's to decide" logged "wrapped.socket: refused connect from 127.0.0.1 (127.0.0.1): the tables need aclexec"
printf 'ALL : ALL EXCEPT guest@ALL\n' > "$T/allow"
testing "TCPWrap: a user@ pattern (an ident lookup): refused" \
	"timeout 10 socat -t 5 - TCP4:127.0.0.1:7040 </dev/null | wc -c" "0\n" "" ""
printf 'echo-wrapped : 127.0.0.1\n' > "$T/allow"
testing "TCPWrap: ... a plain rule again: served" "timeout 10 socat -t 5 - TCP4:127.0.0.1:7040 </dev/null" "served\n" "" ""
umask_before=$(awk '/^Umask:/ { print $2 }' "/proc/$SD_PID/status")
printf 'echo-wrapped : 127.0.0.1 : umask 0777\n' > "$T/allow"
testing "TCPWrap: a rule with a umask option serves" "timeout 10 socat -t 5 - TCP4:127.0.0.1:7040 </dev/null" "served\n" "" ""
check "... and leaves socketd's own umask alone ($umask_before)" \
	test "$(awk '/^Umask:/ { print $2 }' "/proc/$SD_PID/status")" = "$umask_before"
printf 'echo-wrapped : 127.0.0.1\n' > "$T/allow"
# rules that need the client's host name: looked up in a process of the connection's own,
# never in socketd's loop. In this mount namespace: a hosts file that names 127.0.0.2 only,
# and a name server on 127.0.0.1 that never answers (it notes each query), so a lookup for
# 127.0.0.3 waits out the resolver's timeout
printf '127.0.0.1 localhost\n127.0.0.2 client.example.com\n' > "$T/hosts"
printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:1\n' > "$T/resolv.conf"
chmod 644 "$T/hosts" "$T/resolv.conf"
if mount --bind "$T/hosts" /etc/hosts && mount --bind "$T/resolv.conf" /etc/resolv.conf; then
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
open(sys.argv[1] + ".up", "w").close()
while True:
    s.recvfrom(512)
    with open(sys.argv[1], "a") as f:
        f.write("query\n")' "$T/dnsq" &
	track_pid $!
	wait_for 50 test -e "$T/dnsq.up"
	printf 'echo-wrapped : .example.com\n' > "$T/allow"
	# refused by a list only root may read: the decision stays root's (socketd's), only
	# the lookup runs unprivileged
	printf '127.0.0.3\n' > "$T/blocklist"
	chmod 600 "$T/blocklist"
	printf 'ALL : %s\n' "$T/blocklist" > "$T/deny"
	testing "TCPWrap by name: a client whose name matches .example.com is served" \
		"timeout 10 socat -t 5 - TCP4:127.0.0.1:7040,bind=127.0.0.2 </dev/null" "served\n" "" ""
	# decided without names, the first rule stops the scan (the client's name wanted); on
	# the real name it does not match, and the second needs the server's name too
	printf 'echo-wrapped : UNKNOWN : deny\necho-wrapped@localhost : ALL\n' > "$T/allow"
	testing "TCPWrap by name: a rule reached only once the client's name is known gets the server's name too" \
		"timeout 10 socat -t 5 - TCP4:127.0.0.1:7040,bind=127.0.0.2 </dev/null" "served\n" "" ""
	printf 'echo-wrapped : .example.com\n' > "$T/allow"
	timeout 30 socat -t 20 - TCP4:127.0.0.1:7040,bind=127.0.0.3 </dev/null >"$T/stalled.out" 2>&1 &
	stalled=$!
	wait_for 50 test -s "$T/dnsq" # its lookup is under way
	out=$(ask TCP4:127.0.0.1:7010 during)
	active=$(timeout 5 "$GATEBOX" svcctl is-active wrapped.socket 2>&1)
	if kill -0 "$stalled" 2>/dev/null; then waiting=yes; else waiting=no; fi
	procs=$(ps -o user=,args= --ppid "$SD_PID")
	check "TCPWrap by name: while a lookup waits on a dead name server, another socket is served" \
		grep -qx "got=during" <<<"$out"
	check "... and svcctl answers" test "$active" = active
	check "... while that client still waits (socketd's loop did not)" test "$waiting" = yes
	wait "$stalled"
	check "TCPWrap by name: a client without a name, in a root-only deny list, is refused once its lookup fails" \
		test ! -s "$T/stalled.out"
	check "... and socketd logs the refusal with the rule" \
		logged "wrapped.socket: refused connect from 127.0.0.3 (127.0.0.3) by $T/deny:1"
	check "... the lookup ran in a process of socketd's own, as nobody" \
		grep -q "^nobody .*socketd" <<<"$procs"
	# a lookup in flight across daemon-reexec: its connection is carried over and decided
	# by the new process (no name: UNKNOWN)
	printf 'echo-wrapped : .example.com UNKNOWN\n' > "$T/allow"
	queries=$(wc -l <"$T/dnsq")
	timeout 30 socat -t 20 - TCP4:127.0.0.1:7040,bind=127.0.0.4 </dev/null >"$T/reexec-lookup.out" 2>&1 &
	pending=$!
	wait_for 50 bash -c "[ \$(wc -l <'$T/dnsq') -gt $queries ]"
	"$GATEBOX" svcctl daemon-reexec >>"$T/reexec-out" 2>&1
	wait "$pending"
	check "TCPWrap by name: a connection whose lookup spans daemon-reexec is served after it" \
		grep -qx served "$T/reexec-lookup.out"
	umount /etc/resolv.conf /etc/hosts
else
	skip "TCPWrap by name" "cannot bind-mount over /etc/hosts and /etc/resolv.conf"
fi
printf 'echo-wrapped : 127.0.0.1\n' > "$T/allow"
printf 'ALL : [::1]\n' > "$T/deny"
stop_socketd
mkdir -p "$T/wrapno"
printf '[Socket]\nListenStream=127.0.0.1:7098\nAccept=no\nTCPWrap=yes\n' > "$T/wrapno/n.socket"
printf '[Service]\nExecStart=/bin/true\n' > "$T/wrapno/n.service"
printf '[Socket]\nListenDatagram=127.0.0.1:7098\nAccept=yes\nTCPWrap=yes\n' > "$T/wrapno/d.socket"
printf '[Service]\nExecStart=/bin/true\n' > "$T/wrapno/d@.service"
testing "TCPWrap= on Accept=no or a datagram socket fails the unit (the rules would not apply)" \
	'"$GATEBOX" socketd -n -u '"$T/wrapno"' 2>&1 | grep -c "TCPWrap= is supported with Accept=yes on stream sockets only"; "$GATEBOX" socketd -n -u '"$T/wrapno"' >/dev/null 2>&1; echo rc=$?' \
	"2\nrc=1\n" "" ""

# --- a real inetd-style server: BusyBox httpd in inetd mode (-i), one per connection
mkdir -p "$T/www"
echo "served by busybox httpd under socketd" > "$T/www/index.html"
chmod -R a+rX "$T/www"
unit httpd.socket '[Socket]\nListenStream=127.0.0.1:7090\nAccept=yes\n' enable
unit httpd@.service '[Service]\nExecStart=/bin/busybox httpd -i -h '"$T"'/www\nStandardInput=socket\n'
mkdir -p "$T/bin"
ln -sf "$GATEBOX" "$T/bin/tcpd"
unit tcpd.socket '[Socket]\nListenStream=127.0.0.1:7091\nAccept=yes\n' enable
unit tcpd@.service '[Service]\nExecStart='"$T"'/bin/tcpd /bin/echo served through tcpd\nStandardInput=socket\nEnvironment=GATEBOX_HOSTS_ALLOW='"$T"'/allow2 GATEBOX_HOSTS_DENY='"$T"'/deny2\n'
printf 'echo : 127.0.0.1\n' > "$T/allow2"
printf 'ALL : ALL\n' > "$T/deny2"
unit proxy.socket '[Socket]\nListenStream=127.0.0.1:7092\n' enable
unit proxy.service '[Service]\nExecStart=/lib/systemd/systemd-socket-proxyd 127.0.0.1:7090\n'
# identity and limits of an instance (the per-connection spawn works on raw system calls
# in a child that shares socketd's memory: each key must still reach the program)
cat > "$T/limits.sh" <<'EOF'
read -r st </proc/$$/stat
set -- ${st##*) }
echo "nofile=$(ulimit -n) nice=${17} groups=$(id -G) cwd=$(pwd)"
EOF
unit limits.socket '[Socket]\nListenStream=127.0.0.1:7093\nAccept=yes\n' enable
unit limits@.service '[Service]\nExecStart=/bin/sh '"$T"'/limits.sh\nUser=nobody\nSupplementaryGroups=daemon\nNice=5\nLimitNOFILE=123\nWorkingDirectory=/\n'
# systemd's variables in ExecStart=: ${VAR} one word as it is, $VAR its words, $$ a '$'
unit vars.socket '[Socket]\nListenStream=127.0.0.1:7095\nAccept=yes\n' enable
unit vars@.service '[Service]\nEnvironment="A=x  y" "B=it'"'"'s" C=\nExecStart=/bin/sh -c '"'"'printf "[%%s]" "$@"'"'"' sh ${A} $A ${B} $C q${A}q $$HOME\nStandardInput=socket\n'
unit badexec.socket '[Socket]\nListenStream=127.0.0.1:7094\nAccept=yes\n' enable
unit badexec@.service '[Service]\nExecStart='"$T"'/no-such-program\n'
chmod 755 "$T" && chmod 644 "$T/limits.sh"
start_socketd
testing "Accept=yes instance: LimitNOFILE=, Nice=, User= with SupplementaryGroups=, WorkingDirectory=" \
	"timeout 10 socat -t 5 - TCP4:127.0.0.1:7093 </dev/null" \
	"nofile=123 nice=5 groups=$(id -g nobody) $(getent group daemon | cut -d: -f3) cwd=/\n" "" ""
testing "ExecStart= variables as systemd: \${A} one word, \$A split at blanks, quotes in values kept, \$\$" \
	"timeout 10 socat -t 5 - TCP4:127.0.0.1:7095 </dev/null" "[x  y][x][y][it's][qx  yq][\$HOME]" "" ""
testing "Accept=yes instance whose program is missing: the connection is closed" \
	"timeout 10 socat -t 5 - TCP4:127.0.0.1:7094 </dev/null | wc -c" "0\n" "" ""
check "... its exit status 203 (EXEC) is logged" logged "badexec@.service: process"
check "... status=203" bash -c "grep -q 'badexec@.service: process [0-9]* exited, status=203' '$T/log'"
case $FLAVOUR in
aarch64 | armhf) # qemu-user runs vfork as a fork: the child's note of its step is its own
	skip "the failure's step and cause logged" "vfork is a fork under qemu-user" ;;
*)
	check "... the failure is logged with its step and cause" \
		logged "Failed at step EXEC spawning $T/no-such-program: No such file or directory" ;;
esac
check "... and socketd goes on" kill -0 "$SD_PID"
testing "tcpd under socketd (ExecStart=tcpd DAEMON): allowed" \
	"timeout 10 socat -t 5 - TCP4:127.0.0.1:7091 </dev/null" "served through tcpd\n" "" ""
printf 'echo : 10.0.0.1\n' > "$T/allow2"
testing "tcpd under socketd: denied, nothing served" \
	"timeout 15 socat -t 10 - TCP4:127.0.0.1:7091 </dev/null | wc -c" "0\n" "" ""
testing "Accept=yes with a real inetd-style server (busybox httpd -i)" \
	"printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | timeout 10 socat -t 5 - TCP4:127.0.0.1:7090 | tail -1" \
	"served by busybox httpd under socketd\n" "" ""
if [ -x /lib/systemd/systemd-socket-proxyd ]; then
	testing "Accept=no with a real LISTEN_FDS daemon from Debian (systemd-socket-proxyd in front of httpd)" \
		"(printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n'; sleep 1) | timeout 10 socat -t 5 - TCP4:127.0.0.1:7092 | tail -1" \
		"served by busybox httpd under socketd\n" "" ""
else
	skip "Accept=no with systemd-socket-proxyd" "/lib/systemd/systemd-socket-proxyd missing (package systemd)"
fi
stop_socketd
rm -f "$U/sockets.target.wants/httpd.socket" "$U/sockets.target.wants/tcpd.socket" "$U/sockets.target.wants/proxy.socket" \
	"$U/sockets.target.wants/limits.socket" "$U/sockets.target.wants/badexec.socket" \
	"$U/sockets.target.wants/vars.socket"

# --- a flood under MaxConnections: all served, nothing leaks
unit flood.socket '[Socket]\nListenStream=127.0.0.1:7050\nAccept=yes\nMaxConnections=16\nBacklog=4096\nTriggerLimitBurst=0\n' enable
unit flood@.service '[Service]\nExecStart=/bin/echo ok\nStandardInput=socket\n'
start_socketd
base_fds=$(ls /proc/$SD_PID/fd | wc -l)
testing "flood: 2000 connections at concurrency 64 with MaxConnections=16, all served" \
	"timeout 120 /usr/bin/python3 $H/load.py 127.0.0.1 7050 2000 64" "ok=2000 failed=0\n" "" ""
wait_for 50 bash -c "[ -z \"\$(pgrep -P $SD_PID)\" ]"
check "flood: socketd is alive" kill -0 "$SD_PID"
testing "flood: socketd's fd count is back to its baseline" "ls /proc/$SD_PID/fd | wc -l" "$base_fds\n" "" ""
testing "flood: no child left" "pgrep -P $SD_PID | wc -l" "0\n" "" ""

# --- reload under load: unchanged listeners keep their fd, nothing is refused
timeout 120 /usr/bin/python3 "$H/load.py" 127.0.0.1 7050 1500 8 > "$T/reload-load" &
loadpid=$!
for _ in 1 2 3 4 5; do
	sleep 0.3
	kill -HUP "$SD_PID"
done
unit extra.socket '[Socket]\nListenStream=127.0.0.1:7060\nAccept=yes\n' enable
unit extra@.service '[Service]\nExecStart=/bin/echo extra\n'
kill -HUP "$SD_PID"
wait "$loadpid"
testing "reload x6 under load: zero refused connections" "cat $T/reload-load" "ok=1500 failed=0\n" "" ""
check "reload: a unit enabled meanwhile is now listening" bash -c 'timeout 10 socat -t 5 - TCP4:127.0.0.1:7060 </dev/null | grep -qx extra'
# --- daemon-reexec under load: the listeners never close, the process goes on
timeout 120 /usr/bin/python3 "$H/load.py" 127.0.0.1 7050 1500 8 > "$T/reexec-load" &
loadpid=$!
for _ in 1 2 3; do
	sleep 0.3
	"$GATEBOX" svcctl daemon-reexec >>"$T/reexec-out" 2>&1
done
wait "$loadpid"
testing "daemon-reexec x3 under load: zero refused connections" "cat $T/reexec-load" "ok=1500 failed=0\n" "" ""
check "daemon-reexec: the same socketd process goes on (same pid)" kill -0 "$SD_PID"
check "daemon-reexec: logged, and the sockets taken over" logged "Reexecuted: "
check "daemon-reexec: the new process serves the unit enabled before it" bash -c 'timeout 10 socat -t 5 - TCP4:127.0.0.1:7060 </dev/null | grep -qx extra'
unit extra.socket '[Socket]\nListenStream=127.0.0.1:7061\nAccept=yes\n' enable
kill -HUP "$SD_PID"
wait_for 50 bash -c 'timeout 5 socat -t 3 - TCP4:127.0.0.1:7061 </dev/null 2>/dev/null | grep -qx extra'
check "reload: a changed listener is rebound (new port serves)" bash -c 'timeout 10 socat -t 5 - TCP4:127.0.0.1:7061 </dev/null | grep -qx extra'
check "reload: ... and the old port is closed" bash -c '! timeout 5 socat -t 3 - TCP4:127.0.0.1:7060 </dev/null 2>/dev/null'
unit extra.socket '[Socket]\nListenStream=127.0.0.1:7061\nAccept=perhaps\n' enable
kill -HUP "$SD_PID"
check "reload: a unit that no longer parses is logged" logged "extra.socket:3: Failed to parse Accept= value 'perhaps'"
check "reload: ... and keeps running as before" bash -c 'timeout 10 socat -t 5 - TCP4:127.0.0.1:7061 </dev/null | grep -qx extra'
rm -f "$U/sockets.target.wants/extra.socket"
kill -HUP "$SD_PID"
wait_for 50 bash -c '! timeout 5 socat -t 3 - TCP4:127.0.0.1:7061 </dev/null 2>/dev/null'
check "reload: a disabled unit's socket is closed" bash -c '! timeout 5 socat -t 3 - TCP4:127.0.0.1:7061 </dev/null 2>/dev/null'
stop_socketd

# --- trigger limit: a pause that recovers by itself
rm -f "$U"/sockets.target.wants/*
unit burst.socket '[Socket]\nListenStream=127.0.0.1:7070\nAccept=yes\nTriggerLimitIntervalSec=1s\nTriggerLimitBurst=5\n' enable
unit burst@.service '[Service]\nExecStart=/bin/echo ok\n'
start_socketd
testing "trigger limit: 5 served at once, the rest wait in the backlog and are served after the pause" \
	"timeout 60 /usr/bin/python3 $H/load.py 127.0.0.1 7070 12 12" "ok=12 failed=0\n" "" ""
check "trigger limit: the pause is logged" logged "burst.socket: Trigger limit hit (5 activations in 1000 ms), pausing"
check "trigger limit: ... and so is the recovery" logged "burst.socket: Trigger limit pause over, listening again."
stop_socketd

# --- out of file descriptors: shed, log, stay alive. With RLIMIT_NOFILE 6 socketd holds
# 0, 1, 2, its signalfd, the listener and its reserve: a new connection cannot be accepted.
rm -f "$U"/sockets.target.wants/*
unit tight.socket '[Socket]\nListenStream=127.0.0.1:7080\nAccept=yes\n' enable
unit tight@.service '[Service]\nExecStart=/bin/echo ok\n'
: > "$T/log"
(ulimit -n 6; exec "$GATEBOX" socketd -f -u "$U" 2>>"$T/log") &
SD_PID=$!
track_pid $SD_PID
logged "listening: 1 socket unit"
testing "EMFILE: the connection is taken off the backlog and closed" \
	"timeout 10 socat -t 5 - TCP4:127.0.0.1:7080 </dev/null | wc -c" "0\n" "" ""
check "EMFILE: ... and that is logged" logged "out of file descriptors: a connection was dropped"
check "EMFILE: socketd is alive and keeps shedding" bash -c "timeout 10 socat -t 5 - TCP4:127.0.0.1:7080 </dev/null; kill -0 $SD_PID"
stop_socketd

# --- readiness through NOTIFY_SOCKET
cat > "$T/notify.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(10)
print(s.recv(512).decode())
PY
/usr/bin/python3 "$T/notify.py" "$T/notify" > "$T/notified" &
np=$!
wait_for 50 test -S "$T/notify"
NOTIFY_SOCKET="$T/notify" "$GATEBOX" socketd -f -u "$U" 2>>"$T/log" &
SD_PID=$!
track_pid $SD_PID
wait "$np"
testing "NOTIFY_SOCKET gets READY=1 once every socket is bound" "cat $T/notified" "READY=1\n" "" ""
stop_socketd
testing "SIGTERM stops socketd cleanly" "grep -c 'socketd: Stopping.' $T/log | awk '{print (\$1 > 0)}'" "1\n" "" ""
