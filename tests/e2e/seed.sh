#!/bin/bash
# The seed scenario end to end (issue 8), with Debian's real OpenSSH on loopback: an admin
# moves sshd from an always-on service to an on-demand socket with an at job, without losing
# the session they work in, makes it permanent, and locks the host down with TCP wrappers.
#   1. socketd runs sshd.service (sshd -D, KillMode=process) enabled and active; sshd.socket
#      (Accept=yes, TCPWrap=yes) and sshd@.service (sshd -i) exist, disabled.
#   2. an ssh session is opened and kept open (a remote cat fed through a fifo).
#   3. `at now + 1 minute` gets `svcctl stop sshd.service` and `svcctl start sshd.socket`.
#   4. after the job: the service inactive, the socket listening, the session still answers,
#      a new ssh connects through the socket.
#   5. enable the socket, disable the service, restart socketd: listening, service not started.
#   6. hosts.allow `sshd2 sshd : ALL`, hosts.deny `ALL : ALL`: ssh still connects, an echo
#      socket behind TCPWrap is refused and logged with the rule, tcpdmatch explains both.
#   7. log out, log back in.
# Variants, in the same minute (the script waits for at once): the job submitted by a
# non-root user whose group socketd -g names, and a job whose `svcctl start` fails (the port
# is in use): its result (at -s) records the failure.
# Private mount, network and PID namespaces: the ports collide with nothing, and every
# process the test started (sshd's sessions rename themselves, so no command line finds them)
# ends with the namespace. The checks are shell conditions in single quotes, evaluated by ok
# (SC2016); the variables they read are set around them (SC2034).
# shellcheck disable=SC2016,SC2034
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh" || exit 1
optional SOCKETD SVCCTL ATQ_LITE TCPDMATCH
if [ -n "$_gb_optional_missing" ]; then skip all "needs$_gb_optional_missing"; exit 0; fi
for f in /usr/sbin/sshd /usr/bin/ssh /usr/bin/ssh-keygen; do
	[ -x "$f" ] || { skip all "needs $f (openssh-server, openssh-client: scripts/setup-deps)"; exit 0; }
done
if [ -z "${GB_IN_NS:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || ! command -v setpriv >/dev/null; then
		skip all "needs root, unshare and setpriv"
		exit 0
	fi
	GB_IN_NS=1 GB_OUTER_T=$T unshare -m -n -p -f --mount-proc bash -c \
		'mount --make-rprivate / && ip link set lo up && exec bash "$0"' "$0"
	exit $?
fi
# the namespace's init ignores signals it has no handler for: SIGTERM (tests/run's timeout)
# ends it, and with it every process of the namespace
trap 'exit 143' TERM INT
started=$(date +%s)

# bounds (never expected durations): qemu-user runs the gatebox side slower
if [ "$FLAVOUR" = aarch64 ]; then W=300 TMO=60; else W=100 TMO=30; fi
U="$T/units" B="$T/bin" E="$T/etc" S="$T/spool"
P=2222 PA=2223 PB=2224 PX=2225 PE=2007 # sshd, variant a, variant b, the port in use, echo
mkdir -p "$U" "$B" "$E" "$T/run" "$T/w"
chmod 755 "$T" "$T/w" "$T/run"
export GATEBOX_UNIT_DIR="$U" GATEBOX_RUN_DIR="$T/run" GATEBOX_SPOOL_DIR="$S" TZ=UTC
export GATEBOX_HOSTS_ALLOW="$E/hosts.allow" GATEBOX_HOSTS_DENY="$E/hosts.deny"
export GATEBOX_AT_ALLOW="$E/at.allow" GATEBOX_AT_DENY="$E/at.deny"
: >"$E/at.deny" # everyone may use at
# the admin's bin dir: gatebox and its links, reachable by nobody (the tree may sit in /root)
cp "$GATEBOX" "$B/gatebox"
"$B/gatebox" --install -s "$B" >/dev/null
chmod -R a+rX "$B" "$E"
ADMIN_PATH="$B:$PATH"

# variant a's operators: a group socketd -g names, nobody a member (this namespace's
# /etc/group only)
gid=64100
while getent group "$gid" >/dev/null; do gid=$((gid + 1)); done
{ cat /etc/group; echo "gbseedops:x:$gid:nobody"; } >"$T/group"
mount --bind "$T/group" /etc/group
NOGROUP=$(id -gn nobody)
OPS="setpriv --reuid=nobody --regid=$NOGROUP --init-groups"
# qemu-user does not emulate getsockopt(SO_PEERGROUPS) (socketd and atd then see no
# supplementary groups): there the operators' group is nobody's primary group
case "$FLAVOUR" in aarch64 | armhf) OPS="setpriv --reuid=nobody --regid=gbseedops --clear-groups" ;; esac
NOOPS="setpriv --reuid=nobody --regid=$NOGROUP --clear-groups"
HAVE_G=
"$GATEBOX" socketd --help 2>&1 | grep -q -- '-g GROUP' && HAVE_G=1

# sshd: its privilege separation directory, a host key, a client key, a config of the test's
[ -d /run/sshd ] || mkdir -m 755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh_host_ed25519_key"
ssh-keygen -q -t ed25519 -N '' -f "$T/id_ed25519"
cp "$T/id_ed25519.pub" "$T/authorized_keys"
echo "gbseed $(cat "$T/ssh_host_ed25519_key.pub")" >"$T/known_hosts"
cat >"$T/sshd_config" <<EOF
ListenAddress 127.0.0.1
HostKey $T/ssh_host_ed25519_key
PidFile none
UsePAM no
StrictModes no
AuthorizedKeysFile $T/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UseDNS no
PrintMotd no
PrintLastLog no
LogLevel VERBOSE
EOF
cat >"$T/ssh_config" <<EOF
Host *
	User root
	HostName 127.0.0.1
	IdentityFile $T/id_ed25519
	IdentitiesOnly yes
	BatchMode yes
	HostKeyAlias gbseed
	UserKnownHostsFile $T/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	CheckHostIP no
	ConnectTimeout 10
	LogLevel ERROR
EOF
# sshto PORT CMD...: one ssh command (bounded)
sshto() {
	local port=$1
	shift
	timeout "$TMO" ssh -F "$T/ssh_config" -p "$port" gbseed "$@" </dev/null 2>>"$T/ssh.err"
}
# echoes PORT WORD: ssh to PORT runs echo WORD; sshd_up PORT: the same, retried while a
# just started sshd -D gets to listen (Type=simple is started once exec'd)
echoes() { [ "$(sshto "$1" echo "$2")" = "$2" ]; }
sshd_up() { wait_for "$W" echoes "$1" up; }

# --- the units (ssha.* and sshb.* are the variants' copies)
unit() { cat >"$U/$1"; } # unit NAME <<EOF ... EOF
ssh_units() { # ssh_units NAME PORT [SOCKET_PORT]
	unit "$1.service" <<EOF
[Unit]
Description=OpenBSD Secure Shell server
After=network.target

[Service]
ExecStartPre=/usr/sbin/sshd -t -f $T/sshd_config
ExecStart=/usr/sbin/sshd -D -e -p $2 -f $T/sshd_config
KillMode=process
Restart=on-failure

[Install]
WantedBy=multi-user.target
EOF
	unit "$1.socket" <<EOF
[Unit]
Description=OpenBSD Secure Shell server socket

[Socket]
ListenStream=127.0.0.1:${3:-$2}
Accept=yes
TCPWrap=yes

[Install]
WantedBy=sockets.target
EOF
	unit "$1@.service" <<EOF
[Unit]
Description=OpenBSD Secure Shell server per-connection daemon

[Service]
ExecStart=-/usr/sbin/sshd -i -e -f $T/sshd_config
StandardInput=socket
StandardError=journal
EOF
}
ssh_units sshd "$P"
ssh_units ssha "$PA"
ssh_units sshb "$PB" "$PX"
unit echo.socket <<EOF
[Unit]
Description=Echo behind TCP wrappers

[Socket]
ListenStream=127.0.0.1:$PE
Accept=yes
TCPWrap=yes

[Install]
WantedBy=sockets.target
EOF
unit echo@.service <<EOF
[Service]
ExecStart=/bin/cat
StandardInput=socket
EOF

sc() { timeout "$TMO" "$B/svcctl" "$@"; }
# run ARGS...: svcctl ARGS; its stdout, stderr and exit code in OUT, ERR and RC
run() {
	LAST="svcctl $*"
	sc "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(<"$T/out") ERR=$(<"$T/err")
}
rc() { [ "$RC" = "$1" ]; }
# out TEXT, err TEXT: a fixed string in OUT, in ERR; outl ERE: a whole line of OUT
out() { grep -qF -- "$1" <<<"$OUT"; }
err() { grep -qF -- "$1" <<<"$ERR"; }
outl() { grep -qxE -- "$1" <<<"$OUT"; }
ok() { # ok NAME CONDITION: a pass when the shell condition holds; else what was seen
	local name=$1
	shift
	if eval "$*"; then
		pass "$name"
	else
		fail "$name" "$(printf 'condition: %s\nlast: %s\nrc=%s\n--- stdout\n%s\n--- stderr\n%s\n--- socketd log\n%s' \
			"$*" "$LAST" "$RC" "$OUT" "$ERR" "$(tail -n 8 "$T/sd.log" 2>/dev/null)")"
	fi
}
st() { sc is-active "$1" 2>/dev/null; }
is() { [ "$(st "$1")" = "$2" ]; } # is UNIT STATE

SD_PID=
start_socketd() {
	rm -f "$T/run/socketd.ctl"
	# shellcheck disable=SC2086
	"$B/socketd" -f ${HAVE_G:+-g gbseedops} 2>>"$T/sd.log" &
	SD_PID=$!
	track_pid "$SD_PID"
	wait_for "$W" test -S "$T/run/socketd.ctl" && wait_for "$W" answers
}
answers() { "$B/svcctl" list-units >/dev/null 2>&1; }
stop_socketd() { kill "$SD_PID" 2>/dev/null; wait "$SD_PID" 2>/dev/null; SD_PID=; }

# a session kept open: a remote cat fed through a fifo whose writer is a sleep (killing it
# is the logout); open_session NAME PORT, say NAME WORD (echoed back?), close_session NAME
open_session() {
	mkfifo "$T/$1.in"
	sleep 600 1<>"$T/$1.in" &
	eval "HOLD_$1=\$!"
	track_pid "$!"
	: >"$T/$1.out"
	timeout 300 ssh -F "$T/ssh_config" -p "$2" gbseed cat <"$T/$1.in" >"$T/$1.out" 2>"$T/$1.err" &
	eval "SSH_$1=\$!"
	track_pid "$!"
}
say() {
	timeout 5 sh -c 'echo "$1" >"$2"' _ "$2" "$T/$1.in" && wait_for "$W" grep -qx -- "$2" "$T/$1.out"
}
close_session() {
	local h s
	eval "h=\$HOLD_$1 s=\$SSH_$1"
	kill "$h" 2>/dev/null
	wait "$h" 2>/dev/null
	wait "$s"
}

# ---------------------------------------------------------------- 1. the starting point
for n in sshd ssha sshb; do sc enable "$n.service" 2>/dev/null; done
sc enable echo.socket 2>/dev/null
start_socketd || fail "socketd starts and answers on its control socket" "$(tail -20 "$T/sd.log")"
ok "1: sshd.service (enabled) is active after socketd starts" 'wait_for "$W" is sshd.service active'
run is-enabled sshd.service sshd.socket
ok "1: is-enabled: sshd.service enabled, sshd.socket disabled" 'rc 0 && [ "$(echo $OUT)" = "enabled disabled" ]'
run status sshd.service
ok "1: status sshd.service: active (running), Main PID is sshd" \
	'rc 0 && outl "     Active: active \(running\) since .*" && outl "   Main PID: [0-9]+ \(sshd\)"'
run status sshd.socket
ok "1: status sshd.socket: inactive (dead), exit 3" 'rc 3 && outl "     Active: inactive \(dead\)( since .*)?"'
ok "1: an ssh command through sshd.service" 'sshd_up "$P" && echoes "$P" hello'
ok "1: the variants' services are active too" 'wait_for "$W" is ssha.service active && wait_for "$W" is sshb.service active'
echo_try() { timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && echo ping >&3 && read -r l <&3 && echo "$l"' _ "$PE" 2>/dev/null; }
ok "1: the echo socket answers (no tables yet: everything allowed)" '[ "$(echo_try)" = ping ]'

# ---------------------------------------------------------------- 2. the admin's session
open_session s1 "$P"
ok "2: a session kept open (remote cat) answers" 'say s1 one'
S1_SSHD=$(sc show -p MainPID --value sshd.service)

# ---------------------------------------------------------------- 3. the at jobs
ATD_PID=
"$B/atd" -d 2>>"$T/atd.log" &
ATD_PID=$!
track_pid "$ATD_PID"
wait_for "$W" test -S "$T/run/atd.ctl" || fail "atd starts" "$(cat "$T/atd.log")"
# the three jobs must fall in one minute: not in its last seconds
[ "$(date +%-S)" -lt 50 ] || sleep $((61 - $(date +%-S)))
job_id() { sed -n 's/^job \([0-9]*\) at .*/\1/p'; }
submit() { # submit WHO-PREFIX UNIT-NAME: the admin's two lines, as typed
	(cd "$T/w" && printf 'svcctl stop %s.service\nsvcctl start %s.socket\n' "$2" "$2" |
		$1 env PATH="$ADMIN_PATH" "$B/at" now + 1 minute 2>&1)
}
OUT=$(submit "" sshd)
J=$(job_id <<<"$OUT")
ok "3: at now + 1 minute as root: Debian's lines" \
	'[ -n "$J" ] && outl "warning: commands will be executed using /bin/sh" && outl "job $J at [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [0-9]{4}"'
if [ -n "$HAVE_G" ]; then
	OUT=$(submit "$OPS" ssha)
	JA=$(job_id <<<"$OUT")
	ok "3a: nobody, a member of socketd -g's group, submits through atd" '[ -n "$JA" ]'
	OUT=$($NOOPS "$B/svcctl" stop ssha.service 2>&1)
	RC=$?
	ok "3a: nobody without the group may not stop a unit (exit 4)" 'rc 4 && out "Access denied"'
else
	JA=
	skip "3a: the job as a member of socketd's control group" "socketd has no -g GROUP"
fi
OUT=$(submit "" sshb)
JB=$(job_id <<<"$OUT")
ok "3b: the job for sshb, whose socket's port is in use, is queued" '[ -n "$JB" ]'
# the port sshb.socket names is held by another program
python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", '"$PX"')); s.listen(); time.sleep(600)' &
track_pid $!
wait_for "$W" bash -c ": 2>/dev/null </dev/tcp/127.0.0.1/$PX"
NJOBS=2
[ -z "$JA" ] || NJOBS=3
OUT=$("$B/atq" 2>&1)
ok "3: atq lists the $NJOBS jobs, all due in the same minute" \
	'[ "$(cut -f2 <<<"$OUT" | cut -c1-24 | sort -u | wc -l)" = 1 ] && [ "$(wc -l <<<"$OUT")" = "$NJOBS" ]'

# ---------------------------------------------------------------- 4. after the job
file_of() { # the spool file of job $1 (its name says the state and the due time)
	local f
	for f in "$S"/?.?."$1".*; do [ -e "$f" ] && echo "${f##*/}" && return; done
}
is_done() { local f; f=$(file_of "$1"); [ "${f%%.*}" = d ]; }
all_done() { is_done "$J" && is_done "$JB" && { [ -z "$JA" ] || is_done "$JA"; }; }
due=$(file_of "$J" | cut -d. -f4)
wait_s=$((due - $(date +%s) + 15))
ok "4: the jobs ran at their time (waited at most $wait_s s)" 'wait_for $((wait_s * 10)) all_done'
OUT=$("$B/at" -s "$J" 2>&1)
ok "4: at -s: the admin's job exited 0" 'grep -q ": exit 0$" <<<"$OUT"'
run is-active sshd.service
ok "4: sshd.service is inactive" 'rc 3 && [ "$OUT" = inactive ]'
run status sshd.socket
ok "4: sshd.socket is active (listening) on 127.0.0.1:$P" \
	'rc 0 && outl "     Active: active \(listening\) since .*" && outl "     Listen: 127.0.0.1:$P \(Stream\)"'
ok "4: the first session is still alive and answers" 'say s1 two'
ok "4: ... while the service's main sshd is gone (KillMode=process)" '[ -n "$S1_SSHD" ] && ! [ -e "/proc/$S1_SSHD" ]'
ok "4: a new ssh connects through the socket" '[ "$(sshto "$P" echo through-the-socket)" = through-the-socket ]'
run status sshd.socket
ok "4: status sshd.socket counts it: Accepted: 1" 'out "Accepted: 1;"'

if [ -n "$JA" ]; then
	OUT=$($OPS "$B/at" -s "$JA" 2>&1)
	ok "4a: nobody's job exited 0 (at -s as nobody)" 'grep -q ": exit 0$" <<<"$OUT"'
	ok "4a: its svcctl switched ssha: service inactive, socket active" 'is ssha.service inactive && is ssha.socket active'
	ok "4a: ssh through ssha.socket" 'echoes "$PA" a && sc status ssha.socket | grep -q "Accepted: 1;"'
fi

OUT=$("$B/at" -s "$JB" 2>&1)
ok "4b: at -s: the failed start is recorded: exit 1 and svcctl's message" \
	'grep -q ": exit 1$" <<<"$OUT" && grep -q "sshb.socket" <<<"$OUT"'
OUT=$("$B/at" -s 2>&1)
ok "4b: at -s lists it among the finished jobs as exit 1" 'grep -q "^$JB	.*	exit 1" <<<"$OUT"'
ok "4b: atd logged it" 'grep -q "job $JB (root) finished: exited 1" "$T/atd.log"'
run status sshb.socket
ok "4b: status sshb.socket: failed (Result: resources), exit 3" 'rc 3 && outl "     Active: failed \(Result: resources\) since .*"'
ok "4b: ... and its journal says why" 'outl ".* socketd\[[0-9]+\]: Failed to listen on 127.0.0.1:$PX: Address (already )?in use"'
run start sshb.service
ok "4b: the admin starts sshb.service again; ssh works" 'rc 0 && sshd_up "$PB"'

# ---------------------------------------------------------------- 5. made permanent
run enable sshd.socket
ok "5: enable sshd.socket: Created symlink" 'rc 0 && err "Created symlink $U/sockets.target.wants/sshd.socket"'
run disable sshd.service
ok "5: disable sshd.service: Removed" 'rc 0 && err "Removed \"$U/multi-user.target.wants/sshd.service\"."'
open_session s2 "$P"
ok "5: a second session, through the socket, answers" 'say s2 one'
stop_socketd
start_socketd || fail "5: socketd starts again" "$(tail -20 "$T/sd.log")"
run status sshd.socket
ok "5: after the restart sshd.socket is active (listening), enabled" \
	'rc 0 && outl "     Active: active \(listening\) since .*" && out "sshd.socket; enabled;"'
run status sshd.service
ok "5: ... and sshd.service is not started, disabled" 'rc 3 && outl "     Active: inactive \(dead\)( since .*)?" && out "sshd.service; disabled;"'
ok "5: the first session survived the restart" 'say s1 three'
ok "5: the session through the socket survived the restart" 'say s2 two'
ok "5: a new ssh connects" '[ "$(sshto "$P" echo after-restart)" = after-restart ]'

# ---------------------------------------------------------------- 6. TCP wrappers
printf 'sshd2 sshd : ALL\n' >"$E/hosts.allow"
printf 'ALL : ALL\n' >"$E/hosts.deny"
ok "6: with hosts.allow 'sshd2 sshd : ALL' and hosts.deny 'ALL : ALL' ssh still connects" \
	'[ "$(sshto "$P" echo allowed)" = allowed ]'
ok "6: the echo socket is refused" '[ -z "$(echo_try)" ]'
ok "6: ... logged with the rule that refused it" \
	'wait_for "$W" grep -qF "echo.socket: refused connect from 127.0.0.1 (127.0.0.1) by $E/hosts.deny:1" "$T/sd.log"'
run status echo.socket
ok "6: status echo.socket counts it: Refused: 1" 'out "Refused: 1"'
OUT=$("$B/tcpdmatch" sshd 127.0.0.1 2>&1)
ok "6: tcpdmatch sshd 127.0.0.1: hosts.allow line 1, granted" \
	'outl "matched:  $E/hosts.allow line 1" && outl "access:   granted"'
OUT=$("$B/tcpdmatch" cat 127.0.0.1 2>&1)
ok "6: tcpdmatch cat 127.0.0.1 (the echo service's program): hosts.deny line 1, denied" \
	'outl "matched:  $E/hosts.deny line 1" && outl "access:   denied"'
OUT=$("$B/tcpdchk" -i "$U" 2>&1)
ok "6: tcpdchk -i UNITDIR: sshd is wrapped (TCPWrap=yes), only sshd2 is unknown" \
	'[ "$OUT" = "warning: $E/hosts.allow, line 1: sshd2: no such process name in $U" ]'
OUT=$("$B/gatebox" --list)
ok "6: gatebox --list: socketd (TCPWrap=), tcpd, tcpdmatch, tcpdchk compiled in" \
	'outl socketd && outl tcpd && outl tcpdmatch && outl tcpdchk'
OUT=$("$B/socketd" -n -v 2>&1)
ok "6: socketd -n -v: sshd.socket and echo.socket are checked as TCPWrap=sshd and =cat" \
	'[ "$(grep -A5 "^sshd.socket " <<<"$OUT" | grep -x "  TCPWrap=sshd")" ] &&
	 [ "$(grep -A5 "^echo.socket " <<<"$OUT" | grep -x "  TCPWrap=cat")" ]'

# ---------------------------------------------------------------- 7. log out, log in
ok "7: log out: the session ends cleanly (exit 0), it saw every line" \
	'close_session s1 && [ "$(echo $(cat "$T/s1.out"))" = "one two three" ]'
ok "7: log back in: works" '[ "$(sshto "$P" echo back)" = back ]'
ok "7: the other session logs out cleanly too" 'close_session s2'
stop_socketd
stop_atd() { kill "$ATD_PID" 2>/dev/null; wait "$ATD_PID" 2>/dev/null; }
stop_atd
ok "the whole scenario took $(($(date +%s) - started)) s (bound: 150)" '[ $(($(date +%s) - started)) -le 150 ]'
