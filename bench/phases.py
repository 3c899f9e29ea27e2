#!/usr/bin/python3
"""Where the time of a call goes, by phase, from `perf script` output of one backend.

usage: phases.py PERF_SCRIPT_TXT MS_PER_CALL ROWS_PER_CALL LABEL  -> a markdown table row block

Each sample's stack is read from the leaf up; the first frame that names a phase decides it
(so pglz inside the renderer counts as decompression, not as rendering). Phases:

  decompress    pglz / lz4 decompression of stored values
  detoast       fetching out-of-line values (TOAST index + heap), without their decompression
  render cache  the per-session cache of rendered rows: key, hash, lookup, insert
  render        writing page rows' JSON (ReceivePageRow): values, JSONB, strings, timestamps
  related       the related loads' statements (schedules, limits, queues) incl. their rendering
  page stmt     the page statement's executor work (index scans, joins, sort)
  count stmt    paginate's count
  join          filling the holes: fragments + related pieces in page order
  compile       the body through the compiler (JSON -> SQL)
  spi & checks  SPI connect/finish, plan cache lookups, the Prefect-version check
  other         the caller's loop and call overhead (plpgsql, fmgr)
"""
import sys
from collections import Counter

RULES = [  # (phase, substrings of a frame's symbol); first match from the leaf wins
    ("decompress", ("pglz_decompress", "LZ4_decompress", "lz4_decompress")),
    ("detoast", ("detoast_external_attr", "toast_fetch_datum", "heap_fetch_toast_slice", "table_relation_fetch_toast_slice",
                 "toast_decompress_datum", "detoast_attr")),
    ("render cache", ("BuildRowKey", "RenderCacheFind", "RenderCacheAdd", "hash_bytes_extended")),
    ("render", ("ReceivePageRow",)),
    ("related", ("LoadRelated", "ReceiveRelatedRow", "RunKeyedLoad")),
    ("count stmt", ("RunCount",)),
    ("page stmt", ("RunPage",)),
    ("join", ("JoinPage", "JoinRow")),
    ("compile", ("CompileBody", "CompileRequest", "ReadRequest", "prefect_filter::Compile")),
    ("spi & checks", ("SPI_connect", "SPI_finish", "ConnectToTables", "ConnectSpi", "FinishSpi", "CachedPlan",
                      "TablesSchema", "CheckPrefectHead",
                      "GetCachedPlan", "SPI_prepare")),
]
ORDER = [p for p, _ in RULES] + ["other"]


def phase_of(frames):
    for f in frames:
        for phase, names in RULES:
            if any(n in f for n in names):
                return phase
    return "other"


def samples(path):
    frames = []
    with open(path, errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip():
                if frames:
                    yield frames
                frames = []
            elif line.startswith("\t") or line.startswith(" "):
                parts = line.split(None, 1)
                frames.append(parts[1] if len(parts) > 1 else "")
    if frames:
        yield frames


def main():
    path, ms, rows, label = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    count = Counter(phase_of(f) for f in samples(path))
    total = sum(count.values()) or 1
    print(f"### {label}\n")
    print(f"{total} samples; {ms:.3f} ms per call (median of the timed loop), {rows} deployments per call.\n")
    print("| phase | share | µs per call | µs per deployment |")
    print("|---|---:|---:|---:|")
    for p in ORDER:
        share = count.get(p, 0) / total
        us = share * ms * 1000
        print(f"| {p} | {share * 100:.1f} % | {us:.0f} | {us / rows if rows else 0:.2f} |")
    print(f"| **total** | 100 % | {ms * 1000:.0f} | {ms * 1000 / rows if rows else 0:.2f} |\n")


if __name__ == "__main__":
    main()
