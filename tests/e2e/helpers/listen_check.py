#!/usr/bin/python3
# A socket-activated test service speaking the sd_listen_fds protocol: checks LISTEN_PID,
# LISTEN_FDS and LISTEN_FDNAMES as sd_listen_fds_with_names() does (and that the fds are
# blocking sockets without close-on-exec), then serves COUNT requests over all its fds
# (stream: accept, answer one line; datagram: answer one datagram) and exits.
# Each answer: "pid-ok fds=N names=A:B fd=K name=X remote=...".
import fcntl, os, select, socket, sys

count = int(sys.argv[1]) if len(sys.argv) > 1 else 1
pid = os.environ.get("LISTEN_PID")
n = int(os.environ.get("LISTEN_FDS", "0"))
names = os.environ.get("LISTEN_FDNAMES", "").split(":")
problems = []
if pid != str(os.getpid()):
    problems.append("LISTEN_PID=%s is not my pid %d" % (pid, os.getpid()))
if n <= 0:
    problems.append("LISTEN_FDS=%s" % os.environ.get("LISTEN_FDS"))
if len(names) != n:
    problems.append("LISTEN_FDNAMES has %d names for %d fds" % (len(names), n))
socks = []
for fd in range(3, 3 + n):
    if fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC:
        problems.append("fd %d is close-on-exec" % fd)
    if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK:
        problems.append("fd %d is non-blocking" % fd)
    socks.append(socket.socket(fileno=fd))
status = "pid-ok" if not problems else "PROBLEM " + "; ".join(problems)
served = 0
while served < count:
    ready, _, _ = select.select(socks, [], [], 10)
    if not ready:
        break
    for s in ready:
        i = socks.index(s)
        info = "%s fds=%d names=%s fd=%d name=%s" % (status, n, ":".join(names), 3 + i, names[i] if i < len(names) else "?")
        if s.type == socket.SOCK_DGRAM:
            data, peer = s.recvfrom(512)
            s.sendto((info + " dgram=" + data.decode() + "\n").encode(), peer)
        else:
            c, peer = s.accept()
            c.sendall((info + "\n").encode())
            c.close()
        served += 1
