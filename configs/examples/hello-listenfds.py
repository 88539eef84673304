#!/usr/bin/python3
# Example socket-activated daemon for socketd (Accept=no): takes the listening sockets
# socketd passes (sd_listen_fds: LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES, fds from 3) and
# answers each connection with one line. It exits after a minute without connections;
# socketd then listens again and restarts it on the next one.
import os, select, socket

if os.environ.get("LISTEN_PID") != str(os.getpid()):
    raise SystemExit("not socket-activated: LISTEN_PID is not my pid")
n = int(os.environ.get("LISTEN_FDS", "0"))
names = os.environ.get("LISTEN_FDNAMES", "").split(":")
socks = [socket.socket(fileno=fd) for fd in range(3, 3 + n)]
served = 0
while True:
    ready, _, _ = select.select(socks, [], [], 60)
    if not ready:
        break
    for s in ready:
        conn, peer = s.accept()
        served += 1
        conn.sendall(("hello from pid %d (fd %d, name %s), connection %d\n"
                      % (os.getpid(), s.fileno(), names[socks.index(s)], served)).encode())
        conn.close()
