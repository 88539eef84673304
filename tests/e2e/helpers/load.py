#!/usr/bin/python3
# Bounded load for socketd tests: COUNT connections at CONCURRENCY, each sends a line and
# reads the answer to EOF. Prints "ok=N failed=M" (failed: refused, reset, or no answer).
#   load.py HOST PORT COUNT CONCURRENCY [TIMEOUT_S]
import socket, sys, threading

host, port, count, conc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 20.0
lock = threading.Lock()
state = {"next": 0, "ok": 0, "failed": 0}

def worker():
    while True:
        with lock:
            if state["next"] >= count:
                return
            state["next"] += 1
        data = b""
        try:
            s = socket.create_connection((host, port), timeout=timeout)
            try:
                s.sendall(b"ping\n")
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass  # a service that answers without reading resets the connection
            s.close()
        except OSError:
            pass
        good = len(data) > 0
        with lock:
            state["ok" if good else "failed"] += 1

threads = [threading.Thread(target=worker) for _ in range(conc)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("ok=%d failed=%d" % (state["ok"], state["failed"]))
