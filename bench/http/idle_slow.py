#!/usr/bin/python3
"""Idle and slow connections against prefect-filter-http, and what they cost a normal request.

  idle_slow.py --port P --pid SERVER_PID [--idle 2000] [--slow 64] [--probe 1000] --out FILE.json

1. quiet probe: --probe sequential `POST /api/deployments/count {}` on one keep-alive connection
   (after 100 warm-up requests): p50/p99;
2. the server's VmRSS and open sockets (/proc/PID), then --idle connections opened and left
   silent (nothing sent), VmRSS again; then each sends one `GET /api/health` and reads the answer
   (so they are idle keep-alive connections, as a proxy or browser leaves them), VmRSS again;
3. --slow connections that send one byte of a never-ending request header every second;
4. loaded probe: the same as 1 while all of the above are held open;
5. how many idle/slow connections the server closed meanwhile; everything closed; a last probe
   ("after").
The holders do not reconnect: run the server with keep-alive and request timeouts longer than the
test (about 40 s), e.g. --keep-alive-timeout-s 120 --request-timeout-s 120.
"""
import argparse
import errno
import json
import os
import selectors
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httpc import probe  # noqa: E402


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def server_sockets(pid):
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n


def open_many(host, port, n, deadline_s):
    """Non-blocking connects; returns the connected sockets (others are closed) and the time."""
    sel = selectors.DefaultSelector()
    pending, done, failed = {}, [], 0
    t0 = time.monotonic()
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        rc = s.connect_ex((host, port))
        if rc == 0:
            done.append(s)
        elif rc in (errno.EINPROGRESS, errno.EAGAIN):
            pending[s.fileno()] = s
            sel.register(s, selectors.EVENT_WRITE)
        else:
            failed += 1
            s.close()
    stop = t0 + deadline_s
    while pending and time.monotonic() < stop:
        for key, _ in sel.select(timeout=max(0.0, min(0.5, stop - time.monotonic()))):
            s = key.fileobj
            sel.unregister(s)
            del pending[s.fileno()]
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                done.append(s)
            else:
                failed += 1
                s.close()
    for s in pending.values():
        sel.unregister(s)
        s.close()
    sel.close()
    return done, {"connected": len(done), "failed": failed, "timed_out": len(pending),
                  "seconds": round(time.monotonic() - t0, 3)}


def health_each(socks, host, port, deadline_s):
    """Sends GET /api/health on every socket and waits for complete answers."""
    req = f"GET /api/health HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    sel = selectors.DefaultSelector()
    bufs = {}
    send_failed = 0
    for s in socks:
        try:
            s.send(req)
            bufs[s] = b""
            sel.register(s, selectors.EVENT_READ)
        except OSError:
            send_failed += 1
    answered, statuses, closed = 0, {}, 0
    t0 = time.monotonic()
    stop = t0 + deadline_s
    while bufs and time.monotonic() < stop:
        for key, _ in sel.select(timeout=max(0.0, min(0.5, stop - time.monotonic()))):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                closed += 1
                sel.unregister(s)
                del bufs[s]
                continue
            bufs[s] += data
            b = bufs[s]
            if b"\r\n\r\n" in b:
                head, _, rest = b.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if len(rest) >= length:
                    status = int(head.split()[1])
                    statuses[status] = statuses.get(status, 0) + 1
                    answered += 1
                    sel.unregister(s)
                    del bufs[s]
    for s in bufs:
        sel.unregister(s)
    sel.close()
    return {"answered": answered, "statuses": {str(k): v for k, v in statuses.items()},
            "closed_by_server": closed, "unanswered": len(bufs), "send_failed": send_failed,
            "seconds": round(time.monotonic() - t0, 3)}


def still_open(socks):
    """Counts sockets the server has neither closed nor answered (peek, non-blocking)."""
    open_, closed, got_data = 0, 0, 0
    for s in socks:
        try:
            data = s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            if data:
                got_data += 1
            else:
                closed += 1
        except BlockingIOError:
            open_ += 1
        except OSError:
            closed += 1
    return {"open": open_, "closed": closed, "answered": got_data}


class SlowSender(threading.Thread):
    """Sends one more byte of an endless request header on every slow socket each second."""
    HEADER = b"POST /api/deployments/count HTTP/1.1\r\nHost: bench\r\nX-Slow: "

    def __init__(self, socks):
        super().__init__(daemon=True)
        self.socks = list(socks)
        self.sent = [0] * len(self.socks)
        self.dead = [False] * len(self.socks)
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(1.0):
            for i, s in enumerate(self.socks):
                if self.dead[i]:
                    continue
                k = self.sent[i]
                byte = self.HEADER[k:k + 1] if k < len(self.HEADER) else b"a"
                try:
                    s.send(byte)
                    self.sent[i] += 1
                except OSError:
                    self.dead[i] = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--idle", type=int, default=2000)
    ap.add_argument("--slow", type=int, default=64)
    ap.add_argument("--probe", type=int, default=1000)
    ap.add_argument("--slow-warmup-s", type=float, default=3.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    r = {"idle": a.idle, "slow": a.slow, "probe_n": a.probe}
    log = lambda *x: print("  idle_slow:", *x, flush=True)  # noqa: E731

    probe(a.host, a.port, 100)
    r["quiet"] = probe(a.host, a.port, a.probe)
    log("quiet", r["quiet"])

    r["rss0_kib"], r["sockets0"] = rss_kib(a.pid), server_sockets(a.pid)
    idle, r["idle_connect"] = open_many(a.host, a.port, a.idle, 10.0)
    time.sleep(1.0)
    r["rss1_kib"], r["sockets1"] = rss_kib(a.pid), server_sockets(a.pid)
    log("idle connect", r["idle_connect"], "rss", r["rss0_kib"], "->", r["rss1_kib"],
        "server sockets", r["sockets0"], "->", r["sockets1"])
    r["idle_health"] = health_each(idle, a.host, a.port, 15.0)
    time.sleep(0.5)
    r["rss2_kib"], r["sockets2"] = rss_kib(a.pid), server_sockets(a.pid)
    log("idle health", r["idle_health"], "rss", r["rss2_kib"], "server sockets", r["sockets2"])

    slow, r["slow_connect"] = open_many(a.host, a.port, a.slow, 5.0)
    sender = SlowSender(slow)
    sender.start()
    time.sleep(a.slow_warmup_s)
    r["rss3_kib"], r["sockets3"] = rss_kib(a.pid), server_sockets(a.pid)

    r["loaded"] = probe(a.host, a.port, a.probe)
    log("loaded", r["loaded"])
    r["idle_after"] = still_open(idle)
    r["slow_after"] = still_open(slow)
    r["slow_bytes_sent_max"] = max(sender.sent) if sender.sent else 0
    r["slow_send_failed"] = sum(sender.dead)
    log("after the probe: idle", r["idle_after"], "slow", r["slow_after"])
    sender.stop.set()
    sender.join()
    for s in idle + slow:
        s.close()
    time.sleep(1.0)
    r["after"] = probe(a.host, a.port, a.probe)
    r["rss4_kib"], r["sockets4"] = rss_kib(a.pid), server_sockets(a.pid)
    log("after closing them", r["after"], "rss", r["rss4_kib"])
    with open(a.out, "w") as f:
        json.dump(r, f, indent=1)


if __name__ == "__main__":
    main()
