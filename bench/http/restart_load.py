#!/usr/bin/python3
"""Database restart under load: --threads clients send `POST /api/deployments/count {}` back to
back on keep-alive connections (reconnecting after a failure) while --restart-cmd runs.

  restart_load.py --port P --restart-cmd 'pg_ctl ... -m fast -w restart' [--threads 8]
                  [--before 3] [--after 5] --out FILE.json

Each answer is classed: "before" = answered before the restart command started, "after" = sent
after the command returned (`pg_ctl -w` saw the database accept connections again), "during" =
the rest (including requests in flight when the restart began). After the restart every request
should be answered 200.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httpc import Conn, HttpError  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--before", type=float, default=3.0)
    ap.add_argument("--after", type=float, default=5.0)
    ap.add_argument("--restart-cmd", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    stop = threading.Event()
    records = [[] for _ in range(a.threads)]  # (sent, done, outcome)

    def client(i):
        conn = None
        out = records[i]
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                if conn is None or conn.closed:
                    conn = Conn(a.host, a.port, 5.0)
                status, _ = conn.request("POST", "/api/deployments/count", b"{}")
                out.append((t0, time.monotonic(), str(status)))
            except (HttpError, OSError) as e:
                kind = str(e) if isinstance(e, HttpError) else type(e).__name__
                out.append((t0, time.monotonic(), "error: " + kind))
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.01)
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(a.threads)]
    for t in threads:
        t.start()
    time.sleep(a.before)
    r0 = time.monotonic()
    rc = subprocess.run(a.restart_cmd, shell=True, stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE).returncode
    r1 = time.monotonic()
    time.sleep(a.after)
    stop.set()
    for t in threads:
        t.join()

    phases = {"before": {}, "during": {}, "after": {}}
    first_ok_after = None
    last_bad = None
    for rec in records:
        for sent, done, outcome in rec:
            phase = "before" if done < r0 else "after" if sent >= r1 else "during"
            phases[phase][outcome] = phases[phase].get(outcome, 0) + 1
            if outcome == "200" and sent >= r1 and (first_ok_after is None or done < first_ok_after):
                first_ok_after = done
            if outcome != "200" and sent >= r0 and (last_bad is None or done > last_bad):
                last_bad = done
    result = {
        "threads": a.threads,
        "restart_rc": rc,
        "restart_seconds": round(r1 - r0, 3),
        "phases": phases,
        "first_200_after_restart_ms": None if first_ok_after is None else round((first_ok_after - r1) * 1000, 1),
        "last_non_200_relative_to_restart_end_ms": None if last_bad is None else round((last_bad - r1) * 1000, 1),
    }
    print("  restart_load:", json.dumps(result), flush=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
