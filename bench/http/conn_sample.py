#!/usr/bin/python3
"""Samples the loopback TCP connections to a port (from /proc/net/tcp) while wrk runs, to see
connections wrk never reports: a client whose SYN the server's full accept queue dropped stays in
SYN-SENT, and a connection the server accepted but never reads keeps its request unread; wrk
counts neither as an error (its timeouts only cover requests it has written, and only every 2 s).

  conn_sample.py --port P --seconds S [--start 1.0] [--interval 0.5]

Prints one TSV line: samples, the most server-side ESTABLISHED connections seen at once, and the
connections stuck at every sample: client SYN-SENT + server-side with unread bytes.
"""
import argparse
import time


def sample(port):
    syn, est, unread = set(), 0, set()
    hexport = f"{port:04X}"
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            p = line.split()
            local, remote, st = p[1], p[2], p[3]
            if st == "02" and remote.endswith(":" + hexport):
                syn.add((local, remote))
            elif st == "01" and local.endswith(":" + hexport):
                est += 1
                if int(p[4].split(":")[1], 16) > 0:
                    unread.add((local, remote))
    return syn, est, unread


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--start", type=float, default=1.0)
    ap.add_argument("--interval", type=float, default=0.5)
    a = ap.parse_args()
    time.sleep(a.start)
    stop = time.monotonic() + max(0.0, a.seconds - a.start)
    n, max_est = 0, 0
    syn_all = unread_all = None
    while True:
        syn, est, unread = sample(a.port)
        n += 1
        max_est = max(max_est, est)
        syn_all = syn if syn_all is None else syn_all & syn
        unread_all = unread if unread_all is None else unread_all & unread
        if time.monotonic() + a.interval > stop:
            break
        time.sleep(a.interval)
    stuck = len(syn_all or ()) + len(unread_all or ())
    print(f"{n}\t{max_est}\t{stuck}\t{len(syn_all or ())}\t{len(unread_all or ())}")


if __name__ == "__main__":
    main()
