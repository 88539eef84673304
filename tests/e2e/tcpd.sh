#!/bin/bash
# tcpd end to end: socat plays inetd (the connection on fd 0, argv[0] the daemon), BusyBox
# syslogd catches the log. Allowed clients reach the real server, denied ones are dropped
# and logged; twist, spawn, banners, setenv, user with sanitised expansions; and where
# Debian's tcpd gives the same verdict it is run on the same rules side by side.
# Private mount and network namespaces: own /dev/log, own /etc/hosts.{allow,deny}, own ports.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
optional TCPD
if [ -n "$_gb_optional_missing" ]; then skip all "needs$_gb_optional_missing"; exit 0; fi
for c in socat busybox; do command -v $c >/dev/null || { skip all "needs $c"; exit 0; }; done
# shellcheck disable=SC2016
ns_enter "$NS_DEV_LOG"' && : > "$GB_OUTER_T/allow" && : > "$GB_OUTER_T/deny" &&
	: > "$GB_OUTER_T/hosts" && touch /etc/hosts.allow /etc/hosts.deny &&
	mount --bind "$GB_OUTER_T/allow" /etc/hosts.allow && mount --bind "$GB_OUTER_T/deny" /etc/hosts.deny &&
	printf "127.0.0.1 localhost\n127.0.0.7 evil\$x;y.example.test\n::1 localhost\n" > "$GB_OUTER_T/hosts" &&
	mount --bind "$GB_OUTER_T/hosts" /etc/hosts' net
start_syslogd || { fail "syslogd starts"; exit 0; }

mkdir -p "$T/d" "$T/bin" "$T/banners"
cat > "$T/d/in.echod" <<'SH'
#!/bin/sh
echo "served $(basename "$0") uid=$(id -u) env=${GB_TEST_VAR:-none} args=$*"
SH
cat > "$T/d/in.umaskd" <<'SH'
#!/bin/sh
echo "umask=$(umask)"
SH
chmod 755 "$T/d/in.umaskd"
chmod 755 "$T/d/in.echod"
printf 'Welcome to %%d, %%a\nbye\n' > "$T/banners/in.echod"
ln -s "$GATEBOX" "$T/bin/tcpd"
chmod 755 "$T" # the daemon may run as nobody

port=7000
listen() { # listen IMPL [PROTO] [ARGV0]: a socat "inetd" on 127.0.0.1 (or ::1) running IMPL
	local impl=$1 proto=${2:-TCP4} argv0=${3:-$T/d/in.echod} bind=127.0.0.1
	port=$((port + 1))
	[ "$proto" = TCP6 ] && bind='[::1]'
	# inetd execs tcpd with argv[0] naming the daemon: a wrapper does the same for socat
	printf '#!/bin/bash\nexec -a "%s" "%s" "$@"\n' "$argv0" "$impl" > "$T/bin/run-$port"
	chmod 755 "$T/bin/run-$port"
	socat "$proto-LISTEN:$port,bind=$bind,reuseaddr,fork" EXEC:"$T/bin/run-$port a1 a2",nofork 2>/dev/null &
	track_pid $!
	wait_for 50 bash -c "exec 3<>/dev/tcp/${bind//[\[\]]/}/$port" 2>/dev/null
}
ask() { # ask [HOST]: connect, print what the service says (CR stripped)
	local to="TCP:${1:-127.0.0.1}:$port"
	[ "${1:-}" = ::1 ] && to="TCP6:[::1]:$port"
	timeout 20 socat -t 15 - "$to" </dev/null 2>/dev/null | tr -d '\r'
}
rules() { printf '%b' "$1" > "$T/allow"; printf '%b' "$2" > "$T/deny"; }
logged() { wait_for 30 grep -qF "$1" "$T/syslog"; }

for impl in gatebox debian; do
	case $impl in
	gatebox) bin="$T/bin/tcpd" ;;
	debian) bin=/usr/sbin/tcpd; [ -x $bin ] || { skip "debian tcpd" "not installed"; continue; } ;;
	esac
	listen "$bin"
	rules 'in.echod : 127.0.0.1\n' 'ALL : ALL\n'
	testing "$impl: allowed client reaches the real server with its arguments" \
		"$(declare -f ask); port=$port; ask" "served in.echod uid=0 env=none args=a1 a2\n" "" ""
	rules 'in.echod : 10.0.0.1\n' 'ALL : ALL\n'
	testing "$impl: denied client is dropped without a byte" \
		"$(declare -f ask); port=$port; ask | wc -c" "0\n" "" ""
	check "$impl: refusal logged as 'refused connect from 127.0.0.1 (127.0.0.1)'" \
		logged "in.echod[" && check "$impl: ... with the client" logged "refused connect from 127.0.0.1"
	rules 'in.echod : ALL : twist echo twisted %d for %a\n' ''
	testing "$impl: twist replaces the server" \
		"$(declare -f ask); port=$port; ask" "twisted in.echod for 127.0.0.1\n" "" ""
	rules 'in.echod : ALL : banners '"$T"'/banners : deny\n' ''
	testing "$impl: banners are sent, CRLF and expanded, before a deny" \
		"$(declare -f ask); port=$port; timeout 20 socat -t 15 - TCP:127.0.0.1:\$port </dev/null | tr '\\r' '#'" \
		"Welcome to in.echod, 127.0.0.1#\nbye#\n" "" ""
	rules 'in.echod : ALL : setenv GB_TEST_VAR from-%d : allow\n' ''
	testing "$impl: setenv reaches the server" \
		"$(declare -f ask); port=$port; ask" "served in.echod uid=0 env=from-in.echod args=a1 a2\n" "" ""
	rm -f "$T/spawned"
	rules 'in.echod : ALL : spawn echo %d %a %u > '"$T"'/spawned\n' ''
	testing "$impl: spawn runs and the server still runs" \
		"$(declare -f ask); port=$port; ask; cat $T/spawned" \
		"served in.echod uid=0 env=none args=a1 a2\nin.echod 127.0.0.1 unknown\n" "" ""
	rules 'in.echod : ALL : bogus_option\n' ''
	testing "$impl: an option error in hosts.allow denies" \
		"$(declare -f ask); port=$port; ask | wc -c" "0\n" "" ""
	check "$impl: the option error is logged with file and line" \
		logged 'error: /etc/hosts.allow, line 1: bad option name: "bogus_option"'
	rules 'in.echod : ALL' 'ALL : ALL\n'
	testing "$impl: a last line without newline is ignored (then denied)" \
		"$(declare -f ask); port=$port; ask | wc -c" "0\n" "" ""
	check "$impl: ... and that is logged" logged "missing newline or line too long"
done

# gatebox only: what Debian gets wrong or lacks
listen "$T/bin/tcpd"
rules 'in.echod : ALL : user nobody\n' ''
testing "user nobody: the server runs as nobody (Debian's inverted check never switches)" \
	"$(declare -f ask); port=$port; ask" "served in.echod uid=$(id -u nobody) env=none args=a1 a2\n" "" ""
rules 'in.echod : ALL : user no_such_user_x\n' ''
testing "user with an unknown name denies" "$(declare -f ask); port=$port; ask | wc -c" "0\n" "" ""
check "connect lines carry the daemon's name and pid" logged "in.echod["
rules 'in.echod : ALL\n' ''
check "grant is logged as 'connect from 127.0.0.1 (127.0.0.1)'" \
	bash -c "$(declare -f ask); port=$port; ask >/dev/null; $(declare -f wait_for); wait_for 30 grep -q 'connect from 127.0.0.1 (127.0.0.1)' $T/syslog"

# ident: a user name full of shell metacharacters reaches spawn only sanitised
# shellcheck disable=SC2016
printf '%s\r\n' ' : USERID : UNIX : b$o;b`touch${IFS}'"$T"'/pwned`' > "$T/ident.reply"
cat > "$T/bin/identd" <<SH
#!/bin/bash
read -r l
printf '%s' "\${l%\$'\\r'}"
cat "$T/ident.reply"
SH
chmod 755 "$T/bin/identd"
socat TCP-LISTEN:113,bind=127.0.0.1,reuseaddr,fork EXEC:"$T/bin/identd" 2>/dev/null &
track_pid $!
wait_for 50 bash -c 'exec 3<>/dev/tcp/127.0.0.1/113' 2>/dev/null
rm -f "$T/spawned"
rules 'in.echod : ALL : spawn echo %u@%h > '"$T"'/spawned\n' ''
testing "ident user with metacharacters is sanitised before the shell" \
	"$(declare -f ask); port=$port; ask >/dev/null; cat $T/spawned; ls $T/pwned 2>/dev/null | wc -l" \
	"b_o_b_touch__IFS_$T/pwned_@127.0.0.1\n0\n" "" ""
rules 'ALL@ALL : b_o_b*@ALL : twist echo matched user %u\n' ''
testing "user@host pattern matches the (sanitised) ident user" \
	"$(declare -f ask); port=$port; ask" "matched user b_o_b_touch__IFS_$T/pwned_\n" "" ""

rules 'in.echod : ALL : twist echo name=%n\n' ''
listen "$T/bin/tcpd"
testing "a host name with metacharacters is sanitised (%n)" \
	"$(declare -f ask); port=$port; ip addr add 127.0.0.7/8 dev lo 2>/dev/null; timeout 20 socat -t 15 - TCP:127.0.0.1:\$port,bind=127.0.0.7 </dev/null | tr -d '\r'" \
	"name=evil_x_y.example.test\n" "" ""

listen "$T/bin/tcpd" TCP6
rules 'in.echod : [::1]\n' 'ALL : ALL\n'
testing "IPv6 client ::1 matches [::1]" "$(declare -f ask); port=$port; ask ::1" \
	"served in.echod uid=0 env=none args=a1 a2\n" "" ""

rules 'in.nothere : ALL\n' ''
listen "$T/bin/tcpd" TCP4 in.nothere
testing "a bare daemon name is looked up in the real daemon directory" \
	"$(declare -f ask); port=$port; ask | wc -c" "0\n" "" ""
check "exec failure is logged" logged "error: cannot execute /usr/sbin/in.nothere"
port=$((port + 1))
socat "TCP4-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" EXEC:"$GATEBOX tcpd $T/d/in.echod z",nofork 2>/dev/null &
track_pid $!
wait_for 50 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
rules 'in.echod : 127.0.0.1\n' 'ALL : ALL\n'
testing "'gatebox tcpd DAEMON ARGS' form" "$(declare -f ask); port=$port; ask" \
	"served in.echod uid=0 env=none args=z\n" "" ""

# more options, for real: aclexec, umask, severity
listen "$T/bin/tcpd"
rules 'in.echod : ALL : aclexec /bin/false\n' 'in.echod : ALL : twist echo fell through to deny\n'
testing "aclexec failing: the allow rule does not match, the deny table decides" \
	"$(declare -f ask); port=$port; ask" "fell through to deny\n" "" ""
rules 'in.echod : ALL : aclexec /bin/true\n' 'ALL : ALL\n'
testing "aclexec succeeding: the rule matches" "$(declare -f ask); port=$port; ask" \
	"served in.echod uid=0 env=none args=a1 a2\n" "" ""
rules 'in.echod : ALL : severity auth.notice\n' ''
check "severity changes the log priority" bash -c "$(declare -f ask); port=$port; ask >/dev/null;
	$(declare -f wait_for); wait_for 30 grep -q 'auth.notice in.echod.*connect from 127.0.0.1' $T/syslog"
listen "$T/bin/tcpd" TCP4 "$T/d/in.umaskd"
rules 'in.umaskd : ALL : umask 077\n' ''
testing "umask reaches the server (tcpd's own default is 022)" "$(declare -f ask); port=$port; ask" \
	"umask=0077\n" "" ""
rules '' ''
testing "no rule at all: granted, with tcpd's umask 022" "$(declare -f ask); port=$port; ask" \
	"umask=0022\n" "" ""

# UDP: inetd's dgram/wait style hands tcpd the socket with the datagram still queued
rules "in.echod : 127.0.0.1 : twist echo udp client %a port %r > $T/udp.out\\n" 'ALL : ALL\n'
cat > "$T/udp.py" <<'PY'
import os, socket, sys
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv.bind(("127.0.0.1", 0))
cli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
cli.bind(("127.0.0.1", 0))
cli.sendto(b"hello", srv.getsockname())
pid = os.fork()
if pid == 0:
    os.dup2(srv.fileno(), 0)
    os.execv(sys.argv[1], [os.path.join(sys.argv[3], "in.echod")])
os.waitpid(pid, 0)
print(open(sys.argv[2]).read().strip().replace(str(cli.getsockname()[1]), "PORT"))
PY
testing "UDP: the client is the sender of the queued datagram" \
	"timeout 20 /usr/bin/python3 $T/udp.py $T/bin/tcpd $T/udp.out $T/d" \
	"udp client 127.0.0.1 port PORT\n" "" ""

# xinetd in front (flags = NAMEINARGS: server_args starts with the daemon's argv[0])
if command -v xinetd >/dev/null; then
	port=$((port + 1))
	cat > "$T/xinetd.conf" <<XC
defaults
{
	log_type = SYSLOG daemon info
}
service in.echod
{
	type = UNLISTED
	socket_type = stream
	protocol = tcp
	port = $port
	bind = 127.0.0.1
	wait = no
	user = root
	flags = NAMEINARGS
	server = $T/bin/tcpd
	server_args = $T/d/in.echod x1
}
XC
	xinetd -dontfork -f "$T/xinetd.conf" -pidfile "$T/xinetd.pid" 2>/dev/null &
	track_pid $!
	wait_for 50 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
	rules 'in.echod : 127.0.0.1\n' 'ALL : ALL\n'
	testing "under xinetd: an allowed client reaches the server" "$(declare -f ask); port=$port; ask" \
		"served in.echod uid=0 env=none args=x1\n" "" ""
	rules 'in.echod : 10.0.0.0/8\n' 'ALL : ALL\n'
	testing "under xinetd: a denied client gets nothing" "$(declare -f ask); port=$port; ask | wc -c" \
		"0\n" "" ""
else
	skip "under xinetd" "xinetd is not installed"
fi
