"""How the HTTP test scripts report, all alike (test/http/run.sh tallies the last line):
check(name, ok, detail) prints "ok   NAME" or "FAIL NAME DETAIL"; finish() prints
"N passed, M failed" and exits 1 when anything failed. Safe to call from several threads."""
import sys
import threading

_lock = threading.Lock()
_counts = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    with _lock:
        if ok:
            _counts["passed"] += 1
            print(f"ok   {name}", flush=True)
        else:
            _counts["failed"] += 1
            print(f"FAIL {name} {detail}"[:3000], flush=True)


def finish():
    print(f"{_counts['passed']} passed, {_counts['failed']} failed", flush=True)
    sys.exit(1 if _counts["failed"] else 0)
