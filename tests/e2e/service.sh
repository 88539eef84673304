#!/bin/bash
# socketd as a service manager, end to end with svcctl, against systemd's documented
# behaviour (systemd.service(5), systemctl(1) of v252: ../shared/spec/systemd.md): the
# lifecycle of Type=simple, oneshot, notify, forking services, the Exec*= phases and their
# environment, failures and their messages, Restart= and start limits, KillMode=, sd_notify
# (a real client, tests/e2e/helpers/sdnotify.c, and Debian's systemd-notify), the watchdog,
# NotifyFd=, stop timeouts, dependencies, socket activation of a service, the port guard,
# enablement, an unprivileged client, kill/reload/restart, the table verbs, daemon-reload,
# shutdown on SIGTERM, missing units. Private mount and network namespaces.
# The checks are shell conditions in single quotes, evaluated later by ok (SC2016), and
# the helpers they call are found only there (SC2317); so are the variables they read (SC2034).
# shellcheck disable=SC2016,SC2317,SC2034
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh" || exit 1
optional SOCKETD SVCCTL
if [ -n "$_gb_optional_missing" ]; then skip all "needs$_gb_optional_missing"; exit 0; fi
ns_enter ":" net

# under qemu-user everything is slower: bounds (never expected durations) grow
if [ "$FLAVOUR" = aarch64 ]; then W=400 TMO=120; else W=150 TMO=40; fi
U="$T/units" F="$T/files" H="$T/helpers"
export GATEBOX_RUN_DIR="$T/run" GATEBOX_UNIT_DIR="$U"
mkdir -p "$U" "$F" "$H" "$T/bin"
chmod 755 "$T"
chmod 777 "$F"
cp "$TOP"/tests/e2e/helpers/*.py "$TOP"/tests/e2e/helpers/*.sh "$H/"
SDN=
if [ -x "$GB_BUILD/tests/e2e/helpers/sdnotify" ]; then
	cp "$GB_BUILD/tests/e2e/helpers/sdnotify" "$H/"
	SDN="$H/sdnotify"
fi
cp "$GATEBOX" "$T/bin/gatebox" # nobody must be able to run it (the tree may sit in /root)
chmod -R a+rX "$H" "$T/bin"
# every long-running service process runs $SLEEP: its command line names $T, so the
# leftovers of a failing run are found (by pid) and ended
SLEEP="$T/bin/sleep"
ln -s "$(command -v sleep)" "$SLEEP"

leftovers() {
	local d
	case "$T" in /?*/gb-*) ;; *) return 0 ;; esac # only ever this test's own processes
	for d in /proc/[0-9]*; do
		[ "${d#/proc/}" = $$ ] && continue
		tr '\0' ' ' 2>/dev/null <"$d/cmdline" | grep -qF "$T/" && kill -9 "${d#/proc/}" 2>/dev/null
	done
	return 0
}
trap 'leftovers; _gb_cleanup' EXIT

unit() { cat >"$U/$1"; } # unit NAME <<EOF ... EOF

SD_PID=
start_socketd() {
	rm -f "$T/run/socketd.ctl"
	"$GATEBOX" socketd -f -u "$U" 2>>"$T/sd.log" &
	SD_PID=$!
	track_pid $SD_PID
	wait_for "$W" test -S "$T/run/socketd.ctl" &&
		wait_for "$W" bash -c '"$GATEBOX" svcctl list-units >/dev/null 2>&1'
}

sc() { timeout "$TMO" "$GATEBOX" svcctl "$@"; }
# run ARGS...: svcctl ARGS, its stdout in OUT, stderr in ERR, exit code in RC
run() {
	OUT=$(sc "$@" 2>"$T/err")
	RC=$?
	ERR=$(cat "$T/err")
	LAST="svcctl $*"
}
rc() { [ "$RC" = "$1" ]; }
out() { grep -qF -- "$1" <<<"$OUT"; }     # a fixed string in stdout
outl() { grep -qxE -- "$1" <<<"$OUT"; }   # a whole stdout line (ERE)
err() { grep -qF -- "$1" <<<"$ERR"; }     # a fixed string in stderr
errl() { grep -qxE -- "$1" <<<"$ERR"; }   # a whole stderr line (ERE)
# ok NAME CONDITION: a pass when the shell condition holds; on failure, the last svcctl run
ok() {
	local name=$1
	shift
	if eval "$*"; then
		pass "$name"
	else
		fail "$name" "$(printf 'condition: %s\nlast: %s\nrc=%s\n--- stdout\n%s\n--- stderr\n%s\n--- socketd log\n%s' \
			"$*" "$LAST" "$RC" "$OUT" "$ERR" "$(tail -n 8 "$T/sd.log" 2>/dev/null)")"
	fi
}
p() { sc show -p "$2" --value "$1" 2>/dev/null; } # p UNIT PROPERTY
st() { sc is-active "$1" 2>/dev/null; }
is() { [ "$(st "$1")" = "$2" ]; }                  # is UNIT STATE
is_num() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
alive() { [ -n "$1" ] && [ -e "/proc/$1" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }
dead() { ! alive "$1"; }
lines() { tr '\n' ' ' 2>/dev/null <"$1"; } # a file's lines on one line

# --- units present from the start: an enabled one (16)
unit z.service <<EOF
[Unit]
Description=Enabled at boot
[Service]
ExecStart=$SLEEP 301
[Install]
WantedBy=multi-user.target
EOF
run enable z.service
ok "enable z.service: Created symlink in multi-user.target.wants, rc 0" \
	'rc 0 && [ -L "$U/multi-user.target.wants/z.service" ] && err "Created symlink $U/multi-user.target.wants/z.service"'

start_socketd || fail "socketd starts and answers on its control socket" "$(tail -20 "$T/sd.log")"
ok "an enabled service (multi-user.target.wants) starts with socketd" 'wait_for "$W" is z.service active'
run status z.service
ok "status of an enabled service: Loaded ... enabled; preset: enabled" \
	'rc 0 && outl "     Loaded: loaded \($U/z.service; enabled; preset: enabled\)"'
ok "status: the description on the first line" 'outl "● z.service - Enabled at boot"'

# --- 1. Type=simple
unit simple.service <<EOF
[Unit]
Description=Simple test
[Service]
ExecStart=$SLEEP 300
EOF
run start simple.service
ok "simple: start rc 0, silent" 'rc 0 && [ -z "$OUT$ERR" ]'
run is-active simple.service
ok "simple: is-active prints active, rc 0" 'rc 0 && [ "$OUT" = active ]'
pid=$(p simple.service MainPID)
ok "simple: MainPID is the running sleep" 'is_num "$pid" && alive "$pid" && [ "$(cat /proc/$pid/comm)" = sleep ]'
run status simple.service
ok "simple: status rc 0" 'rc 0'
ok "simple: status Loaded line (static: no [Install], no preset)" \
	'outl "     Loaded: loaded \($U/simple.service; static\)"'
ok "simple: status Active: active (running) since TS; REL" \
	'outl "     Active: active \(running\) since [A-Z][a-z]{2} [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [A-Z]+; .*ago"'
ok "simple: status Main PID: N (sleep)" 'outl "   Main PID: $pid \(sleep\)"'
ok "simple: status first line ● simple.service - Simple test" 'outl "● simple.service - Simple test"'
run stop simple
ok "simple: stop (name without suffix) rc 0, the process is gone" 'rc 0 && wait_for "$W" dead "$pid"'
run is-active simple.service
ok "simple: is-active after stop: inactive, rc 3" 'rc 3 && [ "$OUT" = inactive ]'
run status simple.service
ok "simple: status after stop: rc 3, inactive (dead)" 'rc 3 && outl "     Active: inactive \(dead\)( since .*)?"'
ok "simple: status after stop: glyph ○" 'outl "○ simple.service - Simple test"'
run stop simple.service
ok "simple: stop of an inactive unit: silent, rc 0" 'rc 0 && [ -z "$ERR" ]'

# --- 2. the Exec*= phases, in order, with their environment
unit phases.service <<EOF
[Service]
ExecStartPre=/bin/sh -c 'echo pre >> $F/phases'
ExecStart=$SLEEP 300
ExecStartPost=/bin/sh -c 'echo post >> $F/phases'
ExecStop=/bin/sh -c 'echo stop MAINPID=\$\$MAINPID >> $F/phases'
ExecStopPost=/bin/sh -c 'echo stoppost SERVICE_RESULT=\$\$SERVICE_RESULT EXIT_CODE=\$\$EXIT_CODE EXIT_STATUS=\$\$EXIT_STATUS >> $F/phases'
EOF
run start phases.service
ok "phases: start rc 0; ExecStartPre and ExecStartPost ran when start returns" \
	'rc 0 && [ "$(lines "$F/phases")" = "pre post " ]'
pid=$(p phases.service MainPID)
run stop phases.service
ok "phases: stop rc 0; ExecStop then ExecStopPost ran when stop returns" \
	'rc 0 && [ "$(sed -n "3s/ .*//p;4s/ .*//p" "$F/phases" | tr "\n" " ")" = "stop stoppost " ]'
ok "phases: \$MAINPID in ExecStop's environment is the main pid" 'grep -qx "stop MAINPID=$pid" "$F/phases"'
ok "phases: ExecStopPost sees SERVICE_RESULT=success" 'grep -q "^stoppost SERVICE_RESULT=success " "$F/phases"'
ok "phases: ExecStopPost sees EXIT_CODE=killed EXIT_STATUS=TERM (main killed by SIGTERM)" \
	'grep -q "EXIT_CODE=killed EXIT_STATUS=TERM$" "$F/phases"'
ok "phases: the main process is gone" 'dead "$pid"'

# --- 3. Type=oneshot
unit one.service <<EOF
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'sleep 0.3; echo one >> $F/one'
ExecStart=/bin/sh -c 'echo two >> $F/one'
EOF
run start one.service
ok "oneshot: start rc 0 returns after both ExecStart= ran, in order" 'rc 0 && [ "$(lines "$F/one")" = "one two " ]'
run is-active one.service
ok "oneshot: then inactive, rc 3" 'rc 3 && [ "$OUT" = inactive ]'
unit oneremain.service <<EOF
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'echo ran >> $F/oneremain'
EOF
run start oneremain.service
ok "oneshot RemainAfterExit=yes: start rc 0, ran once" 'rc 0 && [ "$(lines "$F/oneremain")" = "ran " ]'
run status oneremain.service
ok "oneshot RemainAfterExit=yes: status rc 0, active (exited)" 'rc 0 && outl "     Active: active \(exited\) since .*"'
run stop oneremain.service
ok "oneshot RemainAfterExit=yes: stop rc 0 -> inactive" 'rc 0 && is oneremain.service inactive'

# --- 4. a failing ExecStartPre=
unit failpre.service <<EOF
[Service]
ExecStartPre=/bin/false
ExecStart=$SLEEP 300
EOF
run start failpre.service
ok "failing ExecStartPre: start rc 1" 'rc 1'
ok "failing ExecStartPre: Job for ... failed because the control process exited with error code." \
	'errl "Job for failpre.service failed because the control process exited with error code\."'
ok "failing ExecStartPre: a See ... line" 'errl "See .*failpre\.service.*"'
run is-failed failpre.service
ok "failing ExecStartPre: is-failed prints failed, rc 0" 'rc 0 && [ "$OUT" = failed ]'
run status failpre.service
ok "failing ExecStartPre: status rc 3, failed (Result: exit-code), glyph ×" \
	'rc 3 && outl "     Active: failed \(Result: exit-code\) since .*" && outl "× failpre.service"'
ok "failing ExecStartPre: status shows the Process: line of the control process" \
	'outl "    Process: [0-9]+ ExecStartPre=/bin/false \(code=exited, status=1/FAILURE\)"'
unit ignorepre.service <<EOF
[Service]
ExecStartPre=-/bin/false
ExecStart=$SLEEP 300
EOF
run start ignorepre.service
ok "a '-' ExecStartPre= that fails is ignored: start rc 0, active" 'rc 0 && is ignorepre.service active'
sc stop ignorepre.service

# --- 5. Restart=on-failure and the start limit
unit crash.service <<EOF
[Service]
ExecStart=/bin/sh -c 'echo run >> $F/crash; exit 1'
Restart=on-failure
RestartSec=100ms
EOF
run start crash.service
ok "crash: start rc 0 (Type=simple: the job ends when it runs)" 'rc 0'
ok "crash: ends failed after its restarts" 'wait_for "$W" is crash.service failed'
ok "crash: Result=start-limit-hit" '[ "$(p crash.service Result)" = start-limit-hit ]'
ok "crash: StartLimitBurst=5 (default): 5 runs" '[ "$(lines "$F/crash")" = "run run run run run " ]'
n=$(p crash.service NRestarts)
ok "crash: show -p NRestarts --value: the 4 restarts that ran, or 5 with the refused one" '[ "$n" = 4 ] || [ "$n" = 5 ]'
run status crash.service
ok "crash: status failed (Result: start-limit-hit), rc 3" 'rc 3 && out "Active: failed (Result: start-limit-hit)"'
run start crash.service
ok "crash: start after the limit: rc 1, start of the service was attempted too often" \
	'rc 1 && errl "Job for crash\.service failed because start of the service was attempted too often\."'
ok "crash: ... and the reset-failed hint" 'err "reset-failed crash.service"'
ok "crash: ... and nothing ran" '[ "$(wc -l <"$F/crash")" = 5 ]'
run reset-failed crash.service
ok "crash: reset-failed rc 0" 'rc 0'
run is-failed crash.service
ok "crash: is-failed after reset-failed: inactive, rc 1" 'rc 1 && [ "$OUT" = inactive ]'

# --- 6. Restart=always
unit always.service <<EOF
[Service]
ExecStart=$SLEEP 300
Restart=always
RestartSec=100ms
EOF
sc start always.service
pid=$(p always.service MainPID)
is_num "$pid" && kill -9 "$pid"
newpid() { local n; n=$(p always.service MainPID); is_num "$n" && [ "$n" != "$pid" ] && alive "$n"; }
ok "Restart=always: after kill -9 of the main pid a new main pid runs" 'is_num "$pid" && wait_for "$W" newpid'
ok "Restart=always: NRestarts=1" '[ "$(p always.service NRestarts)" = 1 ]'
pid=$(p always.service MainPID)
run stop always.service
ok "Restart=always: stop is not undone by a restart" 'rc 0 && wait_for "$W" dead "$pid" && sleep 0.5 && is always.service inactive'

# --- 7. KillMode=process keeps the main process's children (SSH sessions) alive
unit kp.service <<EOF
[Service]
ExecStart=/bin/sh -c '$SLEEP 302 & echo \$\$! > $F/kp.child; exec $SLEEP 300'
KillMode=process
EOF
sc start kp.service
wait_for "$W" test -s "$F/kp.child"
child=$(cat "$F/kp.child" 2>/dev/null)
pid=$(p kp.service MainPID)
run stop kp.service
ok "KillMode=process: stop rc 0, the main process is gone" 'rc 0 && is_num "$pid" && wait_for "$W" dead "$pid"'
ok "KillMode=process: the child in its process group is still alive" 'alive "$child" && sleep 0.3 && alive "$child"'
[ -n "$child" ] && kill "$child" 2>/dev/null
unit kcg.service <<EOF
[Service]
ExecStart=/bin/sh -c '$SLEEP 302 & echo \$\$! > $F/kcg.child; exec $SLEEP 300'
EOF
sc start kcg.service
wait_for "$W" test -s "$F/kcg.child"
child=$(cat "$F/kcg.child" 2>/dev/null)
run stop kcg.service
ok "KillMode=control-group (default): stop kills the child too" 'rc 0 && is_num "$child" && wait_for "$W" dead "$child"'

# --- 8. Type=notify
if [ -n "$SDN" ]; then
	unit nt.service <<EOF
[Service]
Type=notify
ExecStart=$SDN daemon --delay-ms 500 --status 'hello there' --env-file $F/nt.env
EOF
	run start nt.service
	ok "notify: start rc 0, returns only after READY=1 (written just before it)" \
		'rc 0 && [ -s "$F/nt.env" ] && [ "$(st nt.service)" = active ]'
	ok "notify: NOTIFY_SOCKET in the environment" 'grep -qE "^NOTIFY_SOCKET=(/|@)" "$F/nt.env"'
	run status nt.service
	ok "notify: STATUS= shown as Status: \"...\"" 'rc 0 && outl "     Status: \"hello there\""'
	ok "notify: show -p StatusText" '[ "$(p nt.service StatusText)" = "hello there" ]'
	sc stop nt.service
	unit ntslow.service <<EOF
[Service]
Type=notify
ExecStart=$SDN daemon --delay-ms 3000
EOF
	run start --no-block ntslow.service
	ok "notify --no-block: start returns at once, rc 0" 'rc 0'
	run is-active ntslow.service
	ok "notify: while it starts, is-active says activating, rc 3" 'rc 3 && [ "$OUT" = activating ]'
	ok "notify: then active after READY=1" 'wait_for "$W" is ntslow.service active'
	sc stop ntslow.service
	unit ntexit.service <<EOF
[Service]
Type=notify
ExecStart=$SDN daemon --no-ready --delay-ms 100 --exit 0
EOF
	run start ntexit.service
	ok "notify: exits before READY=1: start rc 1, the service did not take the steps required" \
		'rc 1 && errl "Job for ntexit\.service failed because the service did not take the steps required by its unit configuration\."'
	run status ntexit.service
	ok "notify: exits before READY=1: failed (Result: protocol)" 'rc 3 && out "Active: failed (Result: protocol)"'
	unit ntmain.service <<EOF
[Service]
Type=notify
NotifyAccess=main
ExecStart=$SDN daemon --status main-status --child-status child-status
ExecStartPost=$SDN send STATUS=post-status
EOF
	run start ntmain.service
	ok "NotifyAccess=main: start rc 0" 'rc 0'
	sleep 0.5 # the datagrams of the child and of ExecStartPost= are sent; nothing must change
	ok "NotifyAccess=main: datagrams from other pids (a child, ExecStartPost) are rejected" \
		'[ "$(p ntmain.service StatusText)" = main-status ]'
	sc stop ntmain.service
	unit ntall.service <<EOF
[Service]
Type=notify
NotifyAccess=all
ExecStart=$SDN daemon --status main-status --child-status child-status
EOF
	run start ntall.service
	ok "NotifyAccess=all: a child's datagram is taken" 'rc 0 && wait_for "$W" eval "[ \"\$(p ntall.service StatusText)\" = child-status ]"'
	sc stop ntall.service
	# MAINPID= from an unprivileged service names a root process of another session: a
	# stop must not reach it (else any service could make socketd kill any process)
	setsid $SLEEP 300 &
	victim=$!
	unit ntpid.service <<EOF
[Service]
Type=notify
User=nobody
ExecStart=$SDN daemon --mainpid $victim
EOF
	run start ntpid.service
	ok "MAINPID= of a process outside the service, from nobody: refused, MainPID stays its own" \
		'rc 0 && is_num "$(p ntpid.service MainPID)" && [ "$(p ntpid.service MainPID)" != "$victim" ]'
	ok "... and logged" 'sc status ntpid.service | grep -q "New main PID $victim does not belong to service, refusing."'
	run stop ntpid.service
	ok "... the stop leaves that process alone" 'rc 0 && sleep 0.5 && alive "$victim"'
	kill "$victim" 2>/dev/null
else
	skip "Type=notify" "no $GB_BUILD/tests/e2e/helpers/sdnotify (make test-progs)"
fi
if command -v systemd-notify >/dev/null; then
	unit sdn.service <<EOF
[Service]
Type=notify
NotifyAccess=all
ExecStart=/bin/sh -c 'systemd-notify --ready --status=hi; exec $SLEEP 300'
EOF
	run start sdn.service
	ok "Debian's systemd-notify --ready --status=hi: start rc 0, active" 'rc 0 && is sdn.service active'
	run status sdn.service
	ok "systemd-notify: Status: \"hi\"" 'outl "     Status: \"hi\""'
	sc stop sdn.service
else
	skip "systemd-notify" "not installed"
fi

# --- 9. the watchdog
if [ -n "$SDN" ]; then
	unit wd.service <<EOF
[Service]
Type=notify
WatchdogSec=1
Restart=on-failure
RestartSec=3
ExecStart=$SDN daemon --pings 2 --env-file $F/wd.env
EOF
	run start wd.service
	ok "watchdog: start rc 0" 'rc 0'
	cp "$F/wd.env" "$F/wd.env.1" 2>/dev/null
	ok "watchdog: WATCHDOG_USEC=1000000 in the environment" 'grep -qx "WATCHDOG_USEC=1000000" "$F/wd.env.1"'
	ok "watchdog: WATCHDOG_PID is the service's own pid" \
		'[ -n "$(sed -n "s/^PID=//p" "$F/wd.env.1")" ] && grep -qx "WATCHDOG_PID=$(sed -n "s/^PID=//p" "$F/wd.env.1")" "$F/wd.env.1"'
	pid=$(sed -n "s/^PID=//p" "$F/wd.env.1")
	ok "watchdog: after the pings stop, killed with Result: watchdog" \
		'wait_for "$W" eval "[ \"\$(p wd.service Result)\" = watchdog ]" && wait_for "$W" dead "$pid"'
	run status wd.service
	ok "watchdog: waiting to restart: activating (auto-restart) (Result: watchdog)" \
		'out "Active: activating (auto-restart) (Result: watchdog)"'
	ok "watchdog: restarted (NRestarts >= 1, a new main pid)" \
		'wait_for "$W" eval "is_num \"\$(p wd.service NRestarts)\"" && wait_for "$W" is wd.service active && [ "$(p wd.service MainPID)" != "$pid" ]'
	sc stop wd.service
fi

# --- 10. NotifyFd= (s6 readiness)
unit nfd.service <<EOF
[Service]
NotifyFd=3
ExecStart=/bin/sh -c 'sleep 0.3; echo before > $F/nfd; echo >&3; exec $SLEEP 300'
EOF
run start nfd.service
ok "NotifyFd=3: start rc 0 returns after the newline on fd 3, active" \
	'rc 0 && [ -s "$F/nfd" ] && [ "$(st nfd.service)" = active ]'
sc stop nfd.service

# --- 11. Type=forking (the daemon is a grandchild: socketd must be its subreaper; under
# qemu-user 7.2, prctl(PR_SET_CHILD_SUBREAPER) fails with EINVAL, hence the bounded stops)
unit fk.service <<EOF
[Service]
Type=forking
PIDFile=$F/fk.pid
TimeoutStopSec=5
ExecStart=/bin/sh -c '$SLEEP 300 & echo \$\$! > $F/fk.pid'
EOF
run start fk.service
pid=$(cat "$F/fk.pid" 2>/dev/null)
ok "forking with PIDFile=: start rc 0, active, MainPID is the pid file's" \
	'rc 0 && is fk.service active && is_num "$pid" && [ "$(p fk.service MainPID)" = "$pid" ]'
run stop fk.service
ok "forking: stop rc 0 kills the daemon" 'rc 0 && wait_for "$W" dead "$pid"'
# a classic daemon as User=nobody: it leaves the group (setsid) and writes its own PID file
unit fkn.service <<EOF
[Service]
Type=forking
User=nobody
PIDFile=$F/fkn.pid
TimeoutStopSec=5
ExecStart=/bin/sh -c 'setsid $SLEEP 300 & echo \$\$! > $F/fkn.pid'
EOF
run start fkn.service
pid=$(cat "$F/fkn.pid" 2>/dev/null)
ok "forking as nobody, the daemon in a session of its own, its PID file nobody's: active" \
	'rc 0 && is fkn.service active && is_num "$pid" && [ "$(p fkn.service MainPID)" = "$pid" ]'
run stop fkn.service
ok "... stop kills it" 'rc 0 && wait_for "$W" dead "$pid"'
unit fk2.service <<EOF
[Service]
Type=forking
TimeoutStopSec=5
ExecStart=/bin/sh -c '$SLEEP 300 & echo \$\$! > $F/fk2.pid'
EOF
run start fk2.service
pid=$(cat "$F/fk2.pid" 2>/dev/null)
if grep -q "PR_SET_CHILD_SUBREAPER" "$T/sd.log"; then
	# qemu-user refuses the prctl (EINVAL): the daemon never becomes socketd's child
	skip "forking without PIDFile=: MainPID is the one process left" "no child subreaper here (qemu-user)"
	sc stop fk2.service
	kill "$pid" 2>/dev/null
else
	ok "forking without PIDFile=: MainPID is the one process left" \
		'rc 0 && is_num "$pid" && [ "$(p fk2.service MainPID)" = "$pid" ]'
	sc stop fk2.service
	ok "forking without PIDFile=: stop kills it" 'wait_for "$W" dead "$pid"'
fi

# --- 12. TimeoutStopSec=
unit ts.service <<EOF
[Service]
ExecStart=/bin/sh -c 'trap "" TERM; exec $SLEEP 300'
TimeoutStopSec=1
EOF
sc start ts.service
pid=$(p ts.service MainPID)
run stop ts.service
ok "TimeoutStopSec=1 with TERM ignored: stop ends (SIGKILL), the process is gone" \
	'is_num "$pid" && wait_for "$W" dead "$pid" && [ "$(st ts.service)" != deactivating ]'
run status ts.service
ok "TimeoutStopSec: then failed (Result: timeout)" 'rc 3 && out "Active: failed (Result: timeout)"'
unit tsnokill.service <<EOF
[Service]
ExecStart=/bin/sh -c 'trap "" TERM; exec $SLEEP 300'
TimeoutStopSec=1
SendSIGKILL=no
EOF
sc start tsnokill.service
pid=$(p tsnokill.service MainPID)
run stop tsnokill.service
ok "SendSIGKILL=no: stop gives up after the timeout, the process survives" \
	'is_num "$pid" && alive "$pid"'
[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null

# --- 13. dependencies
for n in b c d; do
	unit $n.service <<EOF
[Service]
ExecStart=$SLEEP 300
EOF
done
unit a.service <<EOF
[Unit]
Requires=b.service
After=b.service
Wants=c.service
Conflicts=d.service
[Service]
ExecStart=$SLEEP 300
EOF
sc start d.service
run start a.service
ok "Requires=/Wants=: start a rc 0, a, b and c active" \
	'rc 0 && is a.service active && is b.service active && is c.service active'
ok "Conflicts=d.service: starting a stopped d" 'wait_for "$W" is d.service inactive'
run stop b.service
ok "Requires=: stop b stops a too" 'rc 0 && wait_for "$W" is a.service inactive && is b.service inactive'
ok "Wants=: c keeps running" 'is c.service active'
sc stop c.service

# --- 14. Accept=no socket activation
PY=/usr/bin/python3
if [ -x "$PY" ]; then
	unit x.socket <<EOF
[Socket]
ListenStream=127.0.0.1:7514
EOF
	unit x.service <<EOF
[Service]
ExecStart=$PY $H/listen_check.py 3
EOF
	run start x.socket
	ok "x.socket: start rc 0; x.service not started yet" 'rc 0 && is x.socket active && is x.service inactive'
	got=$(timeout "$TMO" socat -t 10 - TCP4:127.0.0.1:7514 </dev/null 2>/dev/null)
	ok "x.socket: the first connection starts x.service, which gets the listener" \
		'[ "$got" = "pid-ok fds=1 names=x.socket fd=3 name=x.socket" ]'
	run status x.service
	ok "status x.service: rc 0, TriggeredBy: ● x.socket" 'rc 0 && outl "TriggeredBy: ● x.socket"'
	run status x.socket
	ok "status x.socket: Triggers: ● x.service" 'rc 0 && outl "   Triggers: ● x.service"'
	ok "status x.socket while x.service runs: active (running)" 'outl "     Active: active \(running\) since .*"'
	run list-units --type=socket
	ok "list-units: x.socket's SUB is running while its service runs" 'outl " *x\.socket +loaded +active +running .*"'
	sc stop x.socket x.service

	# --- 15. the seed scenario guard: y.service holds the port y.socket would listen on
	unit y.service <<EOF
[Service]
ExecStart=/usr/bin/socat TCP4-LISTEN:7515,bind=127.0.0.1,reuseaddr,fork EXEC:/bin/cat
EOF
	unit y.socket <<EOF
[Socket]
ListenStream=127.0.0.1:7515
EOF
	sc start y.service
	wait_for "$W" bash -c 'exec 3<>/dev/tcp/127.0.0.1/7515' 2>/dev/null
	run start y.socket
	ok "y.socket while y.service holds its port: rc 1, a message naming y.service" 'rc 1 && err "y.service"'
	run is-active y.socket
	ok "... y.socket is not active (rc 3)" 'rc 3 && [ "$OUT" != active ]'
	ok "... y.service still serves the port" 'is y.service active && [ "$(echo hi | timeout "$TMO" socat -t 3 - TCP4:127.0.0.1:7515 2>/dev/null)" = hi ]'
	sc stop y.service
	run start y.socket
	ok "after stop y.service, start y.socket works" 'rc 0 && is y.socket active'
	sc stop y.socket
else
	skip "socket activation of a service" "no $PY"
fi

# --- 18. kill, reload, try-restart, restart
unit sig.service <<EOF
[Service]
ExecStart=/bin/sh -c 'trap "echo usr1 >> $F/sig" USR1; trap "echo hup >> $F/sig" HUP; while :; do $SLEEP 0.2; done'
ExecReload=/bin/kill -HUP \$MAINPID
EOF
unit rl.service <<EOF
[Service]
ExecStart=$SLEEP 300
ExecReload=/bin/sh -c 'echo reloaded MAINPID=\$\$MAINPID >> $F/rl'
EOF
sc start sig.service rl.service
run kill -s USR1 sig.service
ok "kill -s USR1: rc 0, the service's trap ran" 'rc 0 && wait_for "$W" grep -qx usr1 "$F/sig"'
pid=$(p rl.service MainPID)
run reload rl.service
ok "reload runs ExecReload= (with \$MAINPID in its environment), rc 0" \
	'rc 0 && [ "$(lines "$F/rl")" = "reloaded MAINPID=$pid " ] && is rl.service active'
run reload sig.service
ok "ExecReload=/bin/kill -HUP \$MAINPID (systemd expands \$MAINPID): rc 0, HUP delivered" \
	'rc 0 && wait_for "$W" grep -qx hup "$F/sig"'
sc start simple.service
run reload simple.service
ok "reload without ExecReload=: rc 3, not applicable" \
	'rc 3 && err "Job type reload is not applicable for unit simple.service."'
run try-restart one.service
ok "try-restart of an inactive unit: rc 0, it stays inactive (nothing ran)" \
	'rc 0 && is one.service inactive && [ "$(wc -l <"$F/one")" = 2 ]'
pid=$(p sig.service MainPID)
run restart sig.service
ok "restart: rc 0, a new main pid, the old one gone" \
	'rc 0 && is sig.service active && is_num "$(p sig.service MainPID)" && [ "$(p sig.service MainPID)" != "$pid" ] && wait_for "$W" dead "$pid"'

# --- 19. list-units, show
sc start failpre.service 2>/dev/null
run list-units
ok "list-units: header UNIT LOAD ACTIVE SUB DESCRIPTION" 'rc 0 && outl " *UNIT +LOAD +ACTIVE +SUB +DESCRIPTION *"'
ok "list-units: a row for the running simple.service" 'outl " *simple\.service +loaded +active +running +Simple test *"'
ok "list-units: the failed unit, marked ●" 'outl "● failpre\.service +loaded +failed +failed +failpre\.service *"'
ok "list-units: no inactive units without --all" '! out "one.service"'
rows=$(grep -cE '^. [a-z0-9@.-]+\.(service|socket) ' <<<"$OUT")
ok "list-units: footer 'N loaded units listed.' with N the row count" \
	'outl "$rows loaded units listed\. Pass --all to see loaded but inactive units, too\."'
run list-units --all
ok "list-units --all: inactive units too; footer without the --all hint" \
	'outl " *one\.service +loaded +inactive +dead .*" && outl "[0-9]+ loaded units listed\."'
run list-units --type=service
ok "list-units --type=service: no socket rows" 'rc 0 && out "simple.service" && ! out ".socket "'
run list-units --state=failed
ok "list-units --state=failed: only failed units" \
	'rc 0 && out "failpre.service" && ! out "simple.service" && outl "[0-9]+ loaded units listed\."'
run show -p ActiveState --value simple.service
ok "show -p ActiveState --value" 'rc 0 && [ "$OUT" = active ]'
run show -p ActiveState,SubState simple.service
ok "show -p A,B: both, KEY=VALUE" \
	'rc 0 && [ "$(sort <<<"$OUT")" = "$(printf "ActiveState=active\nSubState=running")" ]'

# --- 20. daemon-reload
unit dr.service <<EOF
[Service]
ExecStart=/bin/sh -c 'echo v1 >> $F/dr; exec $SLEEP 300'
EOF
sc start dr.service
sed -i 's/echo v1/echo v2/' "$U/dr.service"
run daemon-reload
ok "daemon-reload rc 0" 'rc 0'
run restart dr.service
ok "after daemon-reload, restart runs the new ExecStart=" 'rc 0 && [ "$(lines "$F/dr")" = "v1 v2 " ]'

# --- 22. missing units
run start nope.service
ok "start of a missing unit: rc 5, Unit nope.service not found." \
	'rc 5 && errl "Failed to start nope.service: Unit nope.service not found\."'
run status nope.service
ok "status of a missing unit: rc 4, could not be found" 'rc 4 && errl "Unit nope.service could not be found\."'

# --- 17. an unprivileged client
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	grp=$(id -gn nobody)
	asnobody() {
		OUT=$(timeout "$TMO" setpriv --reuid=nobody --regid="$grp" --clear-groups "$T/bin/gatebox" svcctl "$@" 2>"$T/err")
		RC=$?
		ERR=$(cat "$T/err")
		LAST="(nobody) svcctl $*"
	}
	asnobody is-active simple.service
	ok "nobody: is-active works (active, rc 0)" 'rc 0 && [ "$OUT" = active ]'
	asnobody status simple.service
	ok "nobody: status works (rc 0, Active: active (running))" 'rc 0 && out "Active: active (running)"'
	pid=$(p simple.service MainPID)
	sc stop rl.service
	for v in stop start kill restart; do
		u=simple.service
		[ "$v" = start ] && u=rl.service
		asnobody "$v" "$u"
		ok "nobody: $v denied, rc 4, Access denied" 'rc 4 && err "Access denied"'
	done
	ok "nobody: nothing changed (simple still runs with the same pid, rl still stopped)" \
		'[ "$(p simple.service MainPID)" = "$pid" ] && alive "$pid" && is rl.service inactive'
else
	skip "unprivileged client" "needs setpriv and the nobody user"
fi

# systemd's exec resets every signal disposition: a service must not inherit socketd's
# (here: SIGINT and SIGQUIT ignored, as for any command started with & by a script)
unit sigign.service <<EOF
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'grep ^SigIgn: /proc/self/status > $F/sigign'
EOF
run start sigign.service
case $FLAVOUR in
aarch64 | armhf)
	# under qemu-user the host dispositions of the signals qemu keeps are not the guest's
	skip "a service starts with no signal ignored (SigIgn: 0), whatever socketd inherited" "qemu-user" ;;
*)
	ok "a service starts with no signal ignored (SigIgn: 0), whatever socketd inherited" \
		'rc 0 && grep -qx "SigIgn:[[:space:]]*0*" "$F/sigign"' ;;
esac
# --- more of systemd.service(5): exit statuses, Type=exec, timeouts, KillMode=mixed, ...
unit exit3.service <<EOF
[Service]
ExecStart=/bin/sh -c 'exit 3'
EOF
sc start exit3.service
ok "a main process exiting 3: failed" 'wait_for "$W" is exit3.service failed'
run status exit3.service
ok "status: Main PID: N (code=exited, status=3) (no LSB name: systemctl shows libc/systemd names only)" \
	'rc 3 && outl "   Main PID: [0-9]+ \(code=exited, status=3\)" && out "(Result: exit-code)"'
unit succ3.service <<EOF
[Service]
ExecStart=/bin/sh -c 'exit 3'
SuccessExitStatus=3
EOF
sc start succ3.service
ok "SuccessExitStatus=3: exit 3 is clean, inactive not failed" \
	'wait_for "$W" is succ3.service inactive && [ "$(p succ3.service Result)" = success ]'
unit clean.service <<EOF
[Service]
ExecStart=/bin/sh -c 'echo run >> $F/clean'
Restart=on-failure
RestartSec=100ms
EOF
sc start clean.service
ok "Restart=on-failure after a clean exit: no restart, inactive, NRestarts=0" \
	'wait_for "$W" is clean.service inactive && [ "$(p clean.service NRestarts)" = 0 ] && [ "$(wc -l <"$F/clean")" = 1 ]'
unit noexec.service <<EOF
[Service]
Type=exec
ExecStart=$T/bin/nosuch
EOF
run start noexec.service
ok "Type=exec with a missing binary: start rc 1, the control process exited with error code" \
	'rc 1 && errl "Job for noexec\.service failed because the control process exited with error code\."'
run status noexec.service
ok "... status: Main PID: N (code=exited, status=203/EXEC)" 'rc 3 && outl "   Main PID: [0-9]+ \(code=exited, status=203/EXEC\)"'
unit onefail.service <<EOF
[Service]
Type=oneshot
ExecStart=/bin/false
EOF
run start onefail.service
ok "Type=oneshot whose ExecStart= fails: start rc 1, exit-code" \
	'rc 1 && errl "Job for onefail\.service failed because the control process exited with error code\." && is onefail.service failed'
if [ -n "$SDN" ]; then
	unit ntto.service <<EOF
[Service]
Type=notify
TimeoutStartSec=1
ExecStart=$SDN daemon --no-ready --env-file $F/ntto.env
EOF
	run start ntto.service
	ok "Type=notify without READY=1, TimeoutStartSec=1: start rc 1, a timeout was exceeded" \
		'rc 1 && errl "Job for ntto\.service failed because a timeout was exceeded\."'
	pid=$(sed -n "s/^PID=//p" "$F/ntto.env" 2>/dev/null)
	run status ntto.service
	ok "... failed (Result: timeout), the process is gone" 'rc 3 && out "Active: failed (Result: timeout)" && is_num "$pid" && wait_for "$W" dead "$pid"'
fi
unit mixed.service <<EOF
[Service]
ExecStart=/bin/sh -c '(trap "" TERM; exec $SLEEP 303) & echo \$\$! > $F/mixed.child; exec $SLEEP 300'
KillMode=mixed
TimeoutStopSec=5
EOF
sc start mixed.service
wait_for "$W" test -s "$F/mixed.child"
child=$(cat "$F/mixed.child" 2>/dev/null)
run stop mixed.service
ok "KillMode=mixed: stop rc 0; the child that ignores SIGTERM is SIGKILLed once the main process is gone" \
	'rc 0 && is_num "$child" && wait_for "$W" dead "$child" && is mixed.service inactive'
[ -n "$child" ] && kill -9 "$child" 2>/dev/null
unit int.service <<EOF
[Service]
ExecStart=/bin/sh -c 'trap "echo int >> $F/int; exit 0" INT; while :; do $SLEEP 0.2; done'
KillSignal=SIGINT
TimeoutStopSec=5
EOF
sc start int.service
run stop int.service
ok "KillSignal=SIGINT: stop delivers SIGINT (the trap ran), inactive" \
	'rc 0 && [ "$(lines "$F/int")" = "int " ] && is int.service inactive'
unit a2.service <<EOF
[Unit]
Requires=failpre.service
After=failpre.service
[Service]
ExecStart=$SLEEP 300
EOF
run start a2.service
ok "Requires= a unit that fails to start: start rc 1, A dependency job ... failed, not active" \
	'rc 1 && err "A dependency job for a2.service failed." && ! is a2.service active'
unit out.service <<EOF
[Service]
ExecStart=/bin/sh -c 'echo hello from the service; exec $SLEEP 300'
EOF
sc start out.service
logline() { run status out.service; outl "[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [^ ]+ [^ ]+\[[0-9]+\]: hello from the service"; }
ok "status shows the service's output in its log lines (journal short format)" 'wait_for "$W" logline'
sc stop out.service
unit ar.service <<EOF
[Service]
ExecStart=/bin/sh -c 'echo run >> $F/ar; exit 1'
Restart=always
RestartSec=1
EOF
sc start ar.service
ok "Restart=always after a failure: waiting in auto-restart" 'wait_for "$W" eval "[ \"\$(p ar.service SubState)\" = auto-restart ]"'
run stop ar.service
ok "stop during auto-restart: rc 0, inactive" 'rc 0 && is ar.service inactive'
sleep 1.5
run status ar.service
ok "stop during auto-restart: no further run (RestartSec=1 later)" '[ "$(wc -l <"$F/ar")" = 1 ] && is ar.service inactive'

# the client verbs, more of systemctl(1)
run is-active simple.service nope.service
ok "is-active of two units: a state word each, rc 0 when any is active" 'rc 0 && [ "$OUT" = "$(printf "active\ninactive")" ]'
run is-active -q simple.service
ok "is-active -q: no output, rc 0" 'rc 0 && [ -z "$OUT" ]'
run is-failed failpre.service simple.service
ok "is-failed of two units: rc 0 when any failed" 'rc 0 && [ "$OUT" = "$(printf "failed\nactive")" ]'
unit en.service <<EOF
[Service]
ExecStart=$SLEEP 300
[Install]
WantedBy=multi-user.target
EOF
run enable --now en.service
ok "enable --now: the symlink, and started" 'rc 0 && [ -L "$U/multi-user.target.wants/en.service" ] && is en.service active'
run disable --now en.service
ok "disable --now: Removed the symlink, and stopped" \
	'rc 0 && err "Removed \"$U/multi-user.target.wants/en.service\"." && [ ! -e "$U/multi-user.target.wants/en.service" ] && wait_for "$W" is en.service inactive'
run restart b.service
ok "restart of an inactive unit starts it" 'rc 0 && is b.service active'
pid=$(p b.service MainPID)
run reload-or-restart b.service
ok "reload-or-restart without ExecReload=: restarted (a new main pid)" \
	'rc 0 && is b.service active && [ "$(p b.service MainPID)" != "$pid" ]'
pid=$(p b.service MainPID)
run kill b.service
ok "kill (default SIGTERM to the group): the main process ends, inactive (SIGTERM is a clean end)" \
	'rc 0 && wait_for "$W" dead "$pid" && wait_for "$W" is b.service inactive'
is rl.service active || sc start rl.service
pid=$(p rl.service MainPID)
run daemon-reload
ok "daemon-reload keeps running services running (same main pid)" 'rc 0 && is rl.service active && [ "$(p rl.service MainPID)" = "$pid" ] && alive "$pid"'

# --- 21. SIGTERM to socketd stops the services, then it exits 0
pids=""
for u in z simple sig dr; do pids="$pids $(p $u.service MainPID)"; done
all_alive() { local q; for q; do is_num "$q" && alive "$q" || return 1; done; }
all_dead() { local q; for q; do dead "$q" || return 1; done; }
# shellcheck disable=SC2086
ok "before SIGTERM: the services run" 'all_alive $pids'
kill -TERM "$SD_PID"
ok "SIGTERM: socketd exits" 'wait_for "$W" dead "$SD_PID"'
sdrc=none
if dead "$SD_PID"; then wait "$SD_PID"; sdrc=$?; fi
ok "SIGTERM: socketd's exit status is 0" '[ "$sdrc" = 0 ]'
ok "SIGTERM: the services' processes are gone" 'wait_for "$W" all_dead $pids'

# --- keys systemd's own Debian units use: '@', RuntimeDirectory=, ConditionPathExists=,
# StandardInput=socket without Accept=, and nothing of socketd's own fds in a service
start_socketd 9>"$T/inherited" || fail "socketd starts with an inherited fd" "$(tail -20 "$T/sd.log")"
unit at0.service <<EOF
[Service]
ExecStart=@/bin/sh in.fake -c 'echo \$0 > $F/argv0; ls /proc/self/fd > $F/fds; exec $SLEEP 300'
RuntimeDirectory=gb-svc-test-$$
RuntimeDirectoryMode=0710
EOF
run start at0.service
ok "'@' prefix: the second word is argv[0]" 'rc 0 && wait_for "$W" test -s "$F/argv0" && [ "$(cat "$F/argv0")" = in.fake ]'
ok "RuntimeDirectory=: /run/NAME exists with RuntimeDirectoryMode= while it runs" \
	'[ "$(stat -c %a /run/gb-svc-test-$$)" = 710 ]'
ok "a service gets its stdio and nothing else of socketd's (no inherited fd 9)" \
	'[ "$(lines "$F/fds")" = "0 1 2 3 " ]'
sc stop at0.service
ok "RuntimeDirectory=: removed when the service stops" '! test -e /run/gb-svc-test-$$'
unit cond.service <<EOF
[Unit]
ConditionPathExists=$F/absent
[Service]
ExecStart=/bin/sh -c 'echo ran > $F/cond'
EOF
run start cond.service
ok "ConditionPathExists= unmet: start rc 0, skipped, inactive, never ran" \
	'rc 0 && is cond.service inactive && ! test -e "$F/cond"'
unit wait.socket <<EOF
[Socket]
ListenStream=127.0.0.1:7557
EOF
unit wait.service <<EOF
[Service]
ExecStart=/bin/sh -c 'readlink /proc/self/fd/0 > $F/waitin; exec $SLEEP 2'
StandardInput=socket
EOF
sc start wait.socket
socat -u /dev/null TCP4:127.0.0.1:7557 2>/dev/null
ok "StandardInput=socket with Accept=no: stdin is the listening socket (inetd wait)" \
	'wait_for "$W" test -s "$F/waitin" && grep -q "^socket:" "$F/waitin"'
sc stop wait.socket wait.service
unit rtd.socket <<EOF
[Socket]
ListenStream=127.0.0.1:7558
Accept=yes
EOF
unit rtd@.service <<EOF
[Service]
ExecStart=/bin/sh -c 'stat -c %%a /run/gb-svc-acc-$$ > $F/rtd'
RuntimeDirectory=gb-svc-acc-$$
RuntimeDirectoryMode=0750
EOF
sc start rtd.socket
socat -u /dev/null TCP4:127.0.0.1:7558 2>/dev/null
ok "RuntimeDirectory= of an Accept=yes instance: made before it runs, with its mode" \
	'wait_for "$W" test -s "$F/rtd" && [ "$(cat "$F/rtd")" = 750 ]'
sc stop rtd.socket
rmdir "/run/gb-svc-acc-$$" 2>/dev/null
kill -TERM "$SD_PID"
wait_for "$W" dead "$SD_PID"

# --- daemon-reexec keeps the supervised services (a fresh socketd: z.service is enabled)
start_socketd || fail "socketd starts again" "$(tail -20 "$T/sd.log")"
sc start simple.service
pid=$(p simple.service MainPID)
zpid=$(p z.service MainPID)
run daemon-reexec
ok "daemon-reexec: rc 0" 'rc 0'
ok "daemon-reexec: socketd answers again, its services still run with the same main pids" \
	'wait_for "$W" is simple.service active && [ "$(p simple.service MainPID)" = "$pid" ] && [ "$(p z.service MainPID)" = "$zpid" ] && alive "$pid"'
run stop simple.service
ok "daemon-reexec: the re-executed socketd still stops them" 'rc 0 && is_num "$pid" && wait_for "$W" dead "$pid"'
kill -TERM "$SD_PID"
ok "daemon-reexec: SIGTERM still ends it and its services" 'wait_for "$W" dead "$SD_PID" && wait_for "$W" dead "$zpid"'

# --- sanitizers (asan flavour): socketd must have reported nothing
# (the services' own output is in the same log, as "socketd: UNIT[PID]: ...": not socketd's)
sanitizer_lines() { grep -v '^socketd: ' "$T/sd.log" | grep -E -A15 "ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|Undefined|Leak)"; }
ok "socketd's stderr shows no sanitizer report" '! sanitizer_lines >/dev/null'
sanitizer_lines | head -30 | sed 's/^/    | /'
exit 0
