"""The compiler's vocabulary (src/compiler/filter_spec.*) for the Python tests, as pf_vocabulary
prints it: the Python tests read this instead of keeping their own copy of the filter classes.

Which pf_vocabulary runs:
  * $PF_VOCABULARY when set (scripts/test.sh points it at the build it has just made; the ctest
    vocabulary_drift passes its own build's);
  * otherwise build/vocabulary/pf_vocabulary, configured and (re)built here with CMake first, so
    a suite run on its own never reads a binary older than the sources.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD_DIR = os.path.join(ROOT, "build", "vocabulary")

_cache = {}


def fail(msg):
    print("vocabulary: FAIL: %s" % msg, file=sys.stderr)
    sys.exit(1)


def binary():
    path = os.environ.get("PF_VOCABULARY")
    if path:
        if not os.access(path, os.X_OK):
            fail("PF_VOCABULARY=%s is not an executable" % path)
        return path
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    steps = [["cmake", "--build", BUILD_DIR, "-j2", "--target", "pf_vocabulary"]]
    if not os.path.exists(os.path.join(BUILD_DIR, "CMakeCache.txt")):
        steps.insert(0, ["cmake", "-S", ROOT, "-B", BUILD_DIR, "-DCMAKE_BUILD_TYPE=Debug"])
    for cmd in steps:
        r = subprocess.run(cmd, **quiet)
        if r.returncode != 0:
            fail("%s failed:\n%s" % (" ".join(cmd), r.stderr.decode(errors="replace")[-3000:]))
    return os.path.join(BUILD_DIR, "pf_vocabulary")


def load():
    """{"top_level": [{key, class}], "classes": {name: {name, has_operator, rule, fields}},
    "state_types": [...]}; fields are [{key, kind, child | column}] in Prefect's order."""
    if "v" not in _cache:
        path = binary()
        r = subprocess.run([path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0:
            fail("%s exited with %d:\n%s" % (path, r.returncode, r.stderr.decode(errors="replace")))
        v = json.loads(r.stdout)
        v["classes"] = {c["name"]: c for c in v["classes"]}
        _cache["v"] = v
    return _cache["v"]


def field_pairs(v=None):
    """Every (class, key) of the spec, `operator` included where the class takes one."""
    v = v or load()
    out = set()
    for c in v["classes"].values():
        out |= {(c["name"], f["key"]) for f in c["fields"]}
        if c["has_operator"]:
            out.add((c["name"], "operator"))
    return out
