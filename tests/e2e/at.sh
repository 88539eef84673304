#!/bin/bash
# atq-lite end to end, in a private mount namespace (Debian's at, the reference, gets a
# private /var/spool/cron and /run there): submission as root and as nobody through atd's
# socket, atq/atrm/at -c permissions, at.allow/at.deny, a job run by atd's timer with its
# result kept, the captured environment, kill -9 of atd during submissions and runs,
# interrupted and re-run jobs, late jobs, clock steps (atd's test clock offset), corrupted
# files quarantined. The spool and the socket live in $T (GATEBOX_SPOOL_DIR, _RUN_DIR).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
optional ATQ_LITE
if [ -n "$_gb_optional_missing" ]; then skip all "needs$_gb_optional_missing"; exit 0; fi
# shellcheck disable=SC2016
ns_enter 'for d in /var/spool/cron/atjobs /var/spool/cron/atspool /run; do
	mkdir -p "$GB_OUTER_T/ref$d" && mount --bind "$GB_OUTER_T/ref$d" "$d"; done'

# nobody must reach the binary and the directories: copies in the test's own (755) directory
B="$T/bin"
mkdir -p "$B" "$T/w" "$T/run" "$T/home"
cp "$GATEBOX" "$B/gatebox"
for n in at atq atrm batch atd; do ln -s gatebox "$B/$n"; done
chmod 755 "$T" "$T/w" "$T/run" "$T/home"
chmod -R a+rX "$B"
export GATEBOX_SPOOL_DIR="$T/spool" GATEBOX_RUN_DIR="$T/run" TZ=UTC
export GATEBOX_AT_ALLOW="$T/at.allow" GATEBOX_AT_DENY="$T/at.deny"
export GATEBOX_ATD_CLOCK_OFFSET_FILE="$T/offset"
: > "$T/at.deny"
echo 0 > "$T/offset"
S=$GATEBOX_SPOOL_DIR
NOBODY=$(id -u nobody)
NB="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
export B S T NB

ATD_PID=
start_atd() { # atd -d, logging to $T/atd.log; waits for its socket
	rm -f "$T/run/atd.ctl"
	setsid "$B/atd" -d -l 1000 2>>"$T/atd.log" &
	ATD_PID=$!
	track_pid $ATD_PID
	wait_for 100 test -S "$T/run/atd.ctl"
}
stop_atd() { kill "$ATD_PID" 2>/dev/null; wait "$ATD_PID" 2>/dev/null; ATD_PID=; }
kill9_atd() { kill -9 "$ATD_PID" 2>/dev/null; wait "$ATD_PID" 2>/dev/null; ATD_PID=; }
logged() { wait_for "${2:-100}" grep -qF -- "$1" "$T/atd.log"; }
job_id() { sed -n 's/^job \([0-9]*\) at .*/\1/p'; }
file_of() { (cd "$S" && ls -- ?.?."$1".* 2>/dev/null | head -1); }
state_of() { local f; f=$(file_of "$1"); echo "${f%%.*}"; }
is_state() { test "$(state_of "$1")" = "$2"; }
done_wait() { wait_for "${2:-300}" is_state "$1" d; }

# --- the dry run the differential test stands on
testing "at --dry-run: ISO 8601 with the offset, GATEBOX_AT_NOW fixes now" \
	'GATEBOX_AT_NOW=1796403780 TZ=Europe/Berlin "$GATEBOX" at --dry-run now + 3 minutes; echo rc=$?' \
	"2026-12-04T18:06:00+01:00\nrc=0\n" "" ""
testing "at --dry-run: Debian's messages, exit 1" \
	'GATEBOX_AT_NOW=1796403780 "$GATEBOX" at --dry-run now + 3 mins; echo rc=$?; "$GATEBOX" at --dry-run -t 203001011200 now; echo rc=$?' \
	"syntax error. Last token seen: s\nGarbled time\nrc=1\nCannot give time twice.\nrc=1\n" "" ""

# --- root queues without atd, straight into the spool
testing "at as root without atd: Debian's lines, the job is queued" \
	'echo "echo one" | "$B/at" -t 203001011200; echo rc=$?' \
	"warning: commands will be executed using /bin/sh\njob 1 at Tue Jan  1 12:00:00 2030\nCan't connect to $T/run/atd.ctl to wake atd. No atd running?\nrc=0\n" "" ""
testing "atq: Debian's line format" '"$B/atq"' "1\tTue Jan  1 12:00:00 2030 a root\n" "" ""
check "the spool is root's alone (0700)" test "$(stat -c %a "$S")" = 700
check "job file: written once, complete, parses (atd -n)" "$B/atd" -n
testing "a user without atd: a clear error" \
	'cd "$T/w" && echo true | $NB "$B/at" now + 1 hour; echo rc=$?; $NB "$B/atq"; echo rc=$?' \
	"warning: commands will be executed using /bin/sh\nat: cannot reach atd ($T/run/atd.ctl: No such file or directory): it must run for users other than root\nrc=1\natq: cannot reach atd ($T/run/atd.ctl: No such file or directory): it must run for users other than root\nrc=1\n" "" ""

start_atd
check "atd started, sleeps until the job" logged "sleeping until 2030-01-01T12:00:00+00:00"

# --- users through the socket
out=$(cd "$T/w" && echo 'id -u' | $NB "$B/at" -t 203001021200 2>&1)
NJ=$(job_id <<<"$out")
check "nobody queues through atd" test -n "$NJ"
check "the job file carries nobody's uid" test -n "$(cd "$S" && ls "w.a.$NJ."*".$NOBODY")"
testing "atq: a user sees only their jobs" 'cd "$T/w" && $NB "$B/atq"' \
	"$NJ\tWed Jan  2 12:00:00 2030 a nobody\n" "" ""
testing "atq: root sees all" '"$B/atq"' \
	"1\tTue Jan  1 12:00:00 2030 a root\n$NJ\tWed Jan  2 12:00:00 2030 a nobody\n" "" ""
testing "atq -q and -o" '"$B/atq" -q a -o %Y-%m-%d; "$B/atq" -q b' \
	"1\t2030-01-01 a root\n$NJ\t2030-01-02 a nobody\n" "" ""
testing "atrm: another user's job is not theirs" 'cd "$T/w" && $NB "$B/atrm" 1; echo rc=$?' \
	"1: Not owner\nrc=1\n" "" ""
testing "atrm: unknown and malformed job ids" \
	'cd "$T/w" && $NB "$B/atrm" 999; echo rc=$?; $NB "$B/atrm" abc; echo rc=$?' \
	"Cannot find jobid 999\nrc=1\nat: unknown jobid: abc\nrc=1\n" "" ""
testing "at -c: own job yes, another's no" \
	'cd "$T/w" && $NB "$B/at" -c '"$NJ"' | tail -n 2; $NB "$B/at" -c 1; echo rc=$?' \
	"id -u\n\nCannot find jobid 1\nrc=1\n" "" ""
echo nobody > "$T/at.deny"
testing "at.deny: a listed user may not use at, atq, atrm" \
	'cd "$T/w" && echo true | $NB "$B/at" -t 203001011200 2>&1 | tail -n 1; $NB "$B/atq"; $NB "$B/atrm" 1; echo rc=$?' \
	"You do not have permission to use at.\nYou do not have permission to use atq.\nYou do not have permission to use atrm.\nrc=1\n" "" ""
: > "$T/at.deny"
echo root > "$T/at.allow"
testing "at.allow: only the listed users (root always)" \
	'cd "$T/w" && $NB "$B/atq"; echo rc=$?; "$B/atq" | wc -l' \
	"You do not have permission to use atq.\nrc=1\n2\n" "" ""
rm -f "$T/at.allow"

# --- what one client may cost atd: a job, an answer, connections
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "# %096d\n", i }' > "$T/big.sh" # 300 kB
awk 'BEGIN { for (i = 0; i < 2000; i++) printf "# %096d\n", i }' > "$T/mid.sh" # 200 kB
chmod 644 "$T/big.sh" "$T/mid.sh"
testing "a job over CONFIG_AT_MAX_JOB (256 KiB): 'at: job too large', exit 1, nothing queued" \
	'cd "$T/w" && $NB "$B/at" -f "$T/big.sh" -t 203001051200 2>"$T/err"; echo rc=$?; tail -n 1 "$T/err"; $NB "$B/atq" | wc -l' \
	"rc=1\nat: job too large\n1\n" "" ""
out=$(cd "$T/w" && $NB "$B/at" -f "$T/mid.sh" -t 203001051200 2>&1)
MJ=$(job_id <<<"$out")
testing "at -c of one 200 kB job: served" 'cd "$T/w" && $NB "$B/at" -c '"$MJ"' | grep -c "^# 0"' "2000\n" "" ""
testing "at -c naming it three times (600 kB): 'at: answer too large', exit 1" \
	'cd "$T/w" && $NB "$B/at" -c '"$MJ $MJ $MJ"' 2>"$T/err"; echo rc=$?; cat "$T/err"' \
	"rc=1\nat: answer too large\n" "" ""
"$B/atrm" "$MJ"
# nobody holds two idle connections: a third of theirs is refused, another user is served
for _ in 1 2; do
	$NB socat -T 4 UNIX-CONNECT:"$T/run/atd.ctl" SYSTEM:"sleep 3" >/dev/null 2>&1 &
	track_pid $!
done
sleep 0.5
testing "a user holding two connections to atd gets no third; another user is served" \
	'cd "$T/w" && $NB "$B/atq" 2>&1 | sed "s/(.*)/(...)/"; setpriv --reuid=daemon --regid=daemon --clear-groups "$B/atq"; echo rc=$?' \
	"atq: cannot reach atd (...): it must run for users other than root\nrc=0\n" "" ""
wait_for 100 sh -c '! pgrep -u nobody -x socat >/dev/null'
testing "atrm: own job" 'cd "$T/w" && $NB "$B/atrm" '"$NJ"'; echo rc=$?; "$B/atq"' \
	"rc=0\n1\tTue Jan  1 12:00:00 2030 a root\n" "" ""

# --- a job runs at its time (atd's timer; the test clock puts the due time 2 s away)
mkdir -p "$T/home/sub"
chmod 777 "$T/home/sub"
out=$(cd "$T/home/sub" && umask 027 && printf 'echo "uid=$(id -u) gid=$(id -g) umask=$(umask) cwd=$(pwd) keep=$GB_KEEP secret=${GB_PASSWORD:-none} shell=${SHELL:-unset}"\necho to-stderr >&2\nexit 3\n' |
	GB_KEEP="a b'c" GB_PASSWORD=hunter2 $NB "$B/at" now + 5 minutes 2>&1)
RJ=$(job_id <<<"$out")
due=$(file_of "$RJ" | cut -d. -f4)
echo $((due - $(date +%s) - 2)) > "$T/offset"
kill -HUP "$ATD_PID"
check "the job ran at its time (timer)" done_wait "$RJ"
testing "at -s JOB: output and exit status kept, environment as captured, secrets not" \
	'cd "$T/w" && $NB "$B/at" -s '"$RJ"' | sed "1d;2s/.*: //;3d"' \
	"exit 3\nuid=$NOBODY gid=$(id -g nobody) umask=0027 cwd=$T/home/sub keep=a b'c secret=none shell=unset\nto-stderr\n" "" ""
testing "at -s: the finished job's line" 'cd "$T/w" && $NB "$B/at" -s | cut -f3 | cut -d, -f1' \
	"exit 3\n" "" ""
check "the result went to the log too" logged "job $RJ (nobody) finished: exited 3"
check "the job file's secret never reached the spool" sh -c "! grep -rq hunter2 '$S'"
echo 0 > "$T/offset"

# --- the output tail is capped; a vanished working directory fails like Debian's
mkdir -p "$T/home/gone"
out=$(cd "$T/home/gone" && echo 'head -c 10000 /dev/zero | tr "\0" x; echo' | "$B/at" now 2>&1)
J1=$(job_id <<<"$out")
check "large output: job done" done_wait "$J1"
testing "large output: only the tail is kept" '"$B/at" -s '"$J1"' | sed -n 3p' \
	"output: 10001 bytes, the last 4096 kept:\n" "" ""
stop_atd
out=$(cd "$T/home/gone" && echo 'echo ran' | "$B/at" now 2>&1)
J2=$(job_id <<<"$out")
rmdir "$T/home/gone"
start_atd
check "cwd gone: job done" done_wait "$J2"
check "cwd gone: Debian's message, exit 1, the body never ran" sh -c \
	"'$B/at' -s $J2 | grep -q ': exit 1\$' && '$B/at' -s $J2 | grep -qx 'Execution directory inaccessible' && ! '$B/at' -s $J2 | grep -q ran"

# --- late jobs, ids never reused
stop_atd
out=$(echo 'echo late' | "$B/at" -t 202001010000 2>&1)
LJ=$(job_id <<<"$out")
start_atd
check "a job due while atd was down runs at start-up" done_wait "$LJ"
check "... logged as late" logged "job $LJ is late by"
"$B/atq" | cut -f1 | xargs -r "$B/atrm" 2>/dev/null
for f in "$S"/d.*; do rm -f "$f"; done
stop_atd
start_atd
out=$(echo true | "$B/at" -t 203001011200 2>&1)
check "job ids increase across restarts, never reused" test "$(job_id <<<"$out")" -eq $((LJ + 1))

# --- batch: runs when the load is below the limit (-l 1000 here)
out=$(echo 'echo batch' | "$B/batch" 2>&1)
BJ=$(job_id <<<"$out")
check "batch: job done" done_wait "$BJ"
testing "batch accepts no parameters" '"$B/batch" now; echo rc=$?' \
	"batch accepts no parameters\nrc=1\n" "" ""

# --- clock steps (atd's test offset; due times are wall-clock times)
now=$(date +%s)
t1=$(date -d "@$((now + 600))" +%Y%m%d%H%M)
t2=$(date -d "@$((now + 7200))" +%Y%m%d%H%M)
A=$(echo 'echo A' | "$B/at" -t "$t1" 2>&1 | job_id)
C=$(echo 'echo C' | "$B/at" -t "$t2" 2>&1 | job_id)
dueC=$(file_of "$C" | cut -d. -f4)
echo 900 > "$T/offset" # forward past A, not C
kill -HUP "$ATD_PID"
check "clock step forward: the job now due runs" done_wait "$A"
check "... the later one waits" test "$(state_of "$C")" = w
echo -86400 > "$T/offset" # back a day: C is further away again
kill -HUP "$ATD_PID"
check "clock step back: atd sleeps until the same wall-clock time" \
	logged "sleeping until $(date -d "@$dueC" +%Y-%m-%dT%H:%M:%S+00:00) ($dueC)"
check "... and C still waits" test "$(state_of "$C")" = w
echo 0 > "$T/offset"
"$B/atrm" "$C"

# --- corrupted and truncated files: reported, quarantined, atd goes on
out=$(echo 'echo should-not-run' | "$B/at" -t 203001011200 2>&1)
K1=$(job_id <<<"$out")
out=$(echo 'echo should-not-run' | "$B/at" -t 203001011200 2>&1)
K2=$(job_id <<<"$out")
f1=$(file_of "$K1")
f2=$(file_of "$K2")
sed -i 's/should-not-run/should-not-RUN/' "$S/$f1"
truncate -s 100 "$S/$f2"
echo junk > "$S/not-a-job"
testing "atd -n: names the damaged files" '"$B/atd" -n > out; echo rc=$?; sed "s|$S/||" out | LC_ALL=C sort' \
	"rc=1\nnot-a-job: not a job file name\n$f1:2: checksum mismatch (damaged)\n$f2:2: truncated header\n" "" ""
echo 1000000000 > "$T/offset"
kill -HUP "$ATD_PID"
check "damaged jobs quarantined (x.NAME)" wait_for 100 test -f "$S/x.$f2" -a -f "$S/x.not-a-job"
check "... and logged with file and line" logged "$f2: line 2: truncated header: quarantined"
check "... atd still runs" kill -0 "$ATD_PID"
check "... nothing of them ran" sh -c "! grep -rq should-not-run '$S'/d.* 2>/dev/null"
echo 0 > "$T/offset"
rm -f "$S"/x.* "$S"/w.*

# --- the running jobs: atq -q = (Debian's queue of running jobs)
out=$(echo "touch $T/q.running; sleep 3" | "$B/at" now 2>&1)
QJ=$(job_id <<<"$out")
wait_for 100 test -e "$T/q.running"
testing "atq -q = lists the running job, atq -q a leaves it out" \
	'"$B/atq" -q = | cut -f1; "$B/atq" -q a | grep -c "^'"$QJ"'	"' "$QJ\n0\n" "" ""
testing "at -q = queues nothing (Debian's job would never run): usage, exit 1" \
	'echo true | "$B/at" -q = now >/dev/null 2>&1; echo rc=$?; "$B/atq" | grep -c -v "^'"$QJ"'	"' "rc=1\n0\n" "" ""
check "... the running job ends" done_wait "$QJ"
rm -f "$T/q.running"

# --- interrupted (the runner dies with atd) and re-run on request
run_and_crash() { # run_and_crash [-R]: a job started, then atd and its runner killed
	out=$(echo "if [ -e $T/ran.once ]; then echo again; exit 0; fi; touch $T/ran.once; sleep 30" | "$B/at" "$@" now 2>&1)
	IJ=$(job_id <<<"$out")
	logged "job $IJ started (pid"
	rp=$(sed -n "s/.*job $IJ started (pid \([0-9]*\)).*/\1/p" "$T/atd.log" | tail -n 1)
	wait_for 100 test -e "$T/ran.once"
	kill9_atd
	kill -9 -- "-$rp" 2>/dev/null
	wait_for 50 sh -c "! kill -0 $rp 2>/dev/null"
	start_atd
}
run_and_crash
check "a job a crash interrupted is not run again" logged "job $IJ was interrupted"
testing "... atq lists it in queue '!', at -s says interrupted" \
	'"$B/atq" | cut -f2 | cut -c26-; "$B/at" -s | grep "^'"$IJ"'	" | cut -f3' "! root\ninterrupted\n" "" ""
"$B/atrm" "$IJ"
rm -f "$T/ran.once"
run_and_crash -R
check "at -R: an interrupted job runs again" logged "job $IJ was interrupted (atd or the system stopped while it ran): running it again"
check "... to its end" done_wait "$IJ"
testing "... its result" '"$B/at" -s '"$IJ"' | tail -n 1' "again\n" "" ""
"$B/atq" | cut -f1 | xargs -r "$B/atrm" 2>/dev/null
stop_atd
rm -f "$S"/d.* "$S"/i.* "$T"/ran.*

# --- kill -9 of atd at many points during submissions and runs: nothing lost, nothing
# run twice unnoticed, the spool always parses
: > "$T/submitted"
: > "$T/ran"
chmod 666 "$T/ran"
bad=0
for i in $(seq 200); do
	start_atd
	( cd "$T/w" && echo "echo $i >> $T/ran" | $NB "$B/at" now 2>&1 | job_id >> "$T/submitted" ) &
	sub=$!
	sleep "0.0$((RANDOM % 10))"
	kill9_atd
	wait "$sub"
	"$B/atd" -n >/dev/null || { bad=$((bad + 1)); "$B/atd" -n | head -3 >> "$T/badspool"; }
done
start_atd
for _ in $(seq 600); do [ -z "$(cd "$S" && ls w.* r.* 2>/dev/null)" ] && break; sleep 0.1; done
check "kill -9 loop: the spool parsed after every kill" sh -c "test $bad -eq 0 || { cat '$T/badspool'; false; }"
# a result may have been pruned (CONFIG_AT_KEEP_RESULTS): then atd's log has its end
accounted() { [ -n "$(file_of "$1")" ] || grep -q "job $1 (nobody) finished" "$T/atd.log"; }
lost=0
while read -r id; do accounted "$id" || lost=$((lost + 1)); done < "$T/submitted"
check "kill -9 loop: every acknowledged job is in the spool or finished ($(wc -l < "$T/submitted") acknowledged)" test "$lost" -eq 0
check "kill -9 loop: no job ran twice" test -z "$(sort "$T/ran" | uniq -d)"
nend=$(grep -o "job [0-9]* (nobody) finished" "$T/atd.log" | sort -u | wc -l)
check "kill -9 loop: every job that ran finished or is listed as interrupted" \
	test "$(sort -u "$T/ran" | wc -l)" -le "$(( nend + $(cd "$S" && ls i.* 2>/dev/null | wc -l) ))"
check "kill -9 loop: nothing left waiting or running" test -z "$(cd "$S" && ls w.* r.* 2>/dev/null)"
stop_atd

# --- a job whose result cannot be written (a full disk): interrupted, never run again,
# even with at -R (left as running, the next atd took it for one a crash cut short)
mkdir -p "$T/small"
if mount -t tmpfs -o size=256k tmpfs "$T/small" 2>/dev/null; then
	(
		export GATEBOX_SPOOL_DIR="$T/small/spool"
		S=$GATEBOX_SPOOL_DIR
		start_atd
		out=$(echo "echo ran >> $T/fullruns; head -c 1M /dev/zero > $T/small/fill; seq 1 5000" | "$B/at" -R now 2>&1)
		FJ=$(job_id <<<"$out")
		check "full disk: the job ran, its result could not be written" \
			logged "job $FJ: cannot write its result" 300
		check "... it is marked interrupted" wait_for 50 is_state "$FJ" i
		rm -f "$T/small/fill"
		kill9_atd
		start_atd
		sleep 2
		testing "... and after atd's restart it has run once, not again (at -R)" \
			"cat $T/fullruns; \"$B/atq\" | cut -f2 | cut -c26-" "ran\n! root\n" "" ""
		stop_atd
	)
	umount "$T/small"
else
	skip "a job whose result cannot be written" "cannot mount a tmpfs here"
fi

# --- atd's start-up removes abandoned temp files only: a young one may be a write in progress
# (a runner that outlived the previous atd writing its result, root's at without atd)
stop_atd
: > "$S/.tmp.w.a.9990.1893499200.0"
: > "$S/.tmp.d.a.9991.1893499200.0"
touch -d '-5 minutes' "$S/.tmp.d.a.9991.1893499200.0"
start_atd
check "atd's start-up: an abandoned temp file (5 minutes old) is removed" \
	test ! -e "$S/.tmp.d.a.9991.1893499200.0"
check "... a young one (a write in progress) is left alone" test -e "$S/.tmp.w.a.9990.1893499200.0"
stop_atd
rm -f "$S/.tmp.w.a.9990.1893499200.0"

# --- .seq behind the spool (a backup restored): the next id is still a new one
max_id=$(cd "$S" && ls -- ?.?.* 2>/dev/null | cut -d. -f3 | sort -n | tail -1)
ln -sfn 1 "$S/.seq"
new_id=$(echo true | "$B/at" -t 203001011200 2>&1 | job_id)
check "a .seq behind the spool (1, jobs up to ${max_id:-none}): the next job is ${max_id:-?} + 1, no number is reused" \
	test -n "$max_id" -a "$new_id" = "$((max_id + 1))"
[ -n "$new_id" ] && "$B/atrm" "$new_id"

# --- Debian's at (a non-setuid copy, root, its spool private to this namespace)
if [ -x /usr/bin/at ]; then
	mkdir -p "$T/deb"
	cp /usr/bin/at "$T/deb/at"
	ln -s at "$T/deb/atq"
	ln -s at "$T/deb/atrm"
	chown daemon:daemon /var/spool/cron/atjobs /var/spool/cron/atspool
	chmod 1770 /var/spool/cron/atjobs /var/spool/cron/atspool
	touch /var/spool/cron/atjobs/.SEQ
	chown daemon:daemon /var/spool/cron/atjobs/.SEQ
	chmod 600 /var/spool/cron/atjobs/.SEQ
	rm -rf "$S"
	cmp_debian() { # cmp_debian NAME SCRIPT: the same commands, the same output
		local ours theirs
		ours=$(cd "$T/w" && P="$B" bash -c "$2" 2>&1 | grep -v "No atd running")
		theirs=$(cd "$T/w" && P="$T/deb" bash -c "$2" 2>&1 | grep -v "No atd running")
		if [ "$ours" = "$theirs" ]; then pass "as Debian: $1"; else
			fail "as Debian: $1" "$(diff <(echo "$theirs") <(echo "$ours"))"; fi
	}
	cmp_debian "submission messages and atq" \
		'echo true | $P/at -t 203001011200; echo true | $P/at -q c -t 203106151830.45; $P/atq; $P/atq -q c'
	cmp_debian "atrm messages" '$P/atrm 77; echo $?; $P/atrm x1; echo $?; $P/atrm 1 2; echo $?; $P/atq'
	cmp_debian "time errors" '$P/at 25:00 </dev/null; echo $?; $P/at -t 2030 </dev/null; echo $?; $P/at now + 1 mins </dev/null; echo $?'
else
	skip "as Debian" "/usr/bin/at not installed"
fi
