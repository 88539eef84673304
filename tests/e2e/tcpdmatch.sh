#!/bin/bash
# tcpdmatch/tcpdchk behaviour beyond the Debian reference: socketd unit directories with -i,
# the documented intent of user/group in a dry run (Debian's inverted check is not copied),
# path overrides, and the seed tables with their verdicts explained.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
optional TCPDMATCH TCPDCHK

mkdir -p "$T/units"
printf '[Socket]\nListenStream=22\nAccept=yes\nTCPWrap=yes\n' > "$T/units/sshd.socket"
printf '[Service]\nExecStart=-/usr/sbin/sshd -i\n' > "$T/units/sshd@.service"
printf '[Socket]\nListenStream=7\nAccept=yes\nTCPWrap=echo-svc\n' > "$T/units/echo.socket"
printf '[Socket]\nListenStream=80\n' > "$T/units/web.socket"
printf '[Service]\nExecStart=/usr/sbin/httpd -f\n' > "$T/units/web.service"
printf '[Socket]\nListenStream=23\nAccept=yes\n' > "$T/units/telnet.socket"
printf '[Service]\nExecStart=/usr/sbin/tcpd /usr/sbin/in.telnetd\n' > "$T/units/telnet@.service"
printf 'sshd httpd echo-svc in.telnetd nosuchd : ALL\n' > "$T/allow"
: > "$T/deny"
export GATEBOX_HOSTS_ALLOW="$T/allow" GATEBOX_HOSTS_DENY="$T/deny"

testing "-i DIR reads socketd units: wrapped, unwrapped and unknown daemons" \
	'"$GATEBOX" tcpdchk -i '"$T/units" \
	"warning: $T/allow, line 1: httpd: service possibly not wrapped\nwarning: $T/allow, line 1: nosuchd: no such process name in $T/units\n" "" ""
testing "-i DIR: TCPWrap=yes names the daemon after the service's program" \
	'"$GATEBOX" tcpdmatch -i '"$T/units"' sshd 127.0.0.1' \
	"client:   address  127.0.0.1\nserver:   process  sshd\nmatched:  $T/allow line 1\naccess:   granted\n" "" ""
testing "-i DIR: a unit running tcpd DAEMON counts as wrapped" \
	'"$GATEBOX" tcpdmatch -i '"$T/units"' in.telnetd 127.0.0.1 | head -1' "client:   address  127.0.0.1\n" "" ""
testing "GATEBOX_HOSTS_ALLOW/DENY move the tables (and the matched: line says so)" \
	'"$GATEBOX" tcpdmatch nosuchd 10.0.0.1 | grep matched' "matched:  $T/allow line 1\n" "" ""

printf 'ALL : ALL : user nobody : allow\n' > "$T/allow"
testing "user in a dry run only checks the name (no setuid in tcpdmatch)" \
	'"$GATEBOX" tcpdmatch sshd 10.0.0.1 2>&1 | tail -3' "option:   user nobody\noption:   allow \naccess:   granted\n" "" ""
printf 'ALL : ALL : user no_such_user_zz\n' > "$T/allow"
testing "an unknown user is an error, and denies" \
	'"$GATEBOX" tcpdmatch sshd 10.0.0.1 2>&1 | tail -2' \
	"error: $T/allow, line 1: unknown user: \"no_such_user_zz\"\naccess:   denied\n" "" ""
printf 'ALL : ALL : group no_such_group_zz\n' > "$T/allow"
testing "an unknown group is an error, and denies" \
	'"$GATEBOX" tcpdmatch sshd 10.0.0.1 2>&1 | tail -2' \
	"error: $T/allow, line 1: unknown group: \"no_such_group_zz\"\naccess:   denied\n" "" ""

# the seed: allow only sshd, deny everything else
printf 'sshd2 sshd : ALL\n' > "$T/allow"
printf 'ALL : ALL\n' > "$T/deny"
for d in sshd sshd2; do
	testing "seed tables: $d is granted by hosts.allow line 1" \
		'"$GATEBOX" tcpdmatch '"$d"' 192.0.2.7 | tail -2' "matched:  $T/allow line 1\naccess:   granted\n" "" ""
done
for d in in.telnetd vsftpd; do
	testing "seed tables: $d is denied by hosts.deny line 1" \
		'"$GATEBOX" tcpdmatch '"$d"' 192.0.2.7 | tail -2' "matched:  $T/deny line 1\naccess:   denied\n" "" ""
done
printf 'sshd2 sshd : ALL' > "$T/allow"
testing "seed trap: no final newline in hosts.allow locks sshd out, and says why" \
	'"$GATEBOX" tcpdmatch sshd 192.0.2.7 | grep -E "allow, line|access"' \
	"warning: $T/allow, line 0: missing newline or line too long\nwarning: $T/allow, line 0: all the subsequent rules will be ignored\naccess:   denied\n" "" ""
testing "tcpdchk catches the same trap before it locks anyone out" \
	'"$GATEBOX" tcpdchk | head -1' "warning: $T/allow, line 0: missing newline or line too long\n" "" ""
