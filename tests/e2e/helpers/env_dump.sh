#!/bin/sh
# An Accept=yes test service: prints what socketd gave it, one VAR=value per line, then the
# first line the client sent. With LISTEN_FDS=1 the connection is fd 3 instead of 0/1.
if [ -n "$LISTEN_FDS" ]; then
	exec 0<&3 1>&3
	echo "LISTEN_FDS=$LISTEN_FDS LISTEN_FDNAMES=$LISTEN_FDNAMES pid-ok=$([ "$LISTEN_PID" = "$$" ] && echo yes || echo no)"
fi
for v in REMOTE_ADDR REMOTE_PORT PROTO TCPREMOTEIP TCPREMOTEPORT TCPLOCALIP TCPLOCALPORT GB_VAR PATH; do
	eval "echo $v=\${$v-unset}"
done
echo "args=$*"
echo "uid=$(id -u) umask=$(umask) cwd=$(pwd)"
# process group and session: fields 5 and 6 of /proc/self/stat, after the ") " of the name
read -r st </proc/$$/stat
set -- ${st##*) }
echo "pid=$$"
echo "pgrp-is-pid=$([ "$3" = "$$" ] && echo yes || echo no) sid=$4"
read -r line && echo "got=$line"
