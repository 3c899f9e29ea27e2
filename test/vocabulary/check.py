#!/usr/bin/python3
"""Drift check of the vocabulary: the tables that must agree with the compiler's
(src/compiler/filter_spec.cpp, printed by pf_vocabulary) do. No database needed; ctest runs it
(test vocabulary_drift, so scripts/test.sh's unit-test step fails on drift).

  check.py [--vocabulary PATH]   (default: $PF_VOCABULARY, else vocabulary.py builds one)

Checks
  1. state types: kStateTypes = prefect.state_type as the install scripts make it (the released
     script's CREATE TYPE, then each upgrade step's ALTER TYPE up to the control file's
     default_version) = the golden catalog of that version (test/upgrade, which the upgrade test
     holds the installed extension to) = the state_type enum of every Prefect schema in
     test/prefect_schema (Prefect's own migrations, and the extension's catalog there);
  2. the property test: its generator (SCHEMA, TOP), its evaluator (the keys it reads) and
     STATE_TYPES cover exactly the compiler's table (property_test.check_vocabulary);
  3. the robustness test: hostile.py derives its classes from the table and has a value
     generator for every FieldKind in it (importing it builds them; it exits on an unknown kind).
Exits 1 with one line per disagreement. Run it with /usr/bin/python3 (the test modules it imports
need python3-psycopg2, as their suites do).
"""
import argparse
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ENUM = r"(?:prefect\.)?state_type"


def strip_sql_comments(text):
    return re.sub(r"--[^\n]*", "", text)


def install_script_chain():
    """[(file, text)] of the scripts CREATE EXTENSION runs for the default version, in order."""
    with open(os.path.join(ROOT, "prefect_filter.control")) as f:
        default = re.search(r"default_version\s*=\s*'([^']+)'", f.read()).group(1)
    names = [os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "prefect_filter--*.sql"))]
    bases = [n for n in names if re.fullmatch(r"prefect_filter--[^-]+\.sql", n)]
    steps = {m.group(1): (m.group(2), n) for n in names
             for m in [re.fullmatch(r"prefect_filter--([^-]+)--([^-]+)\.sql", n)] if m}
    if len(bases) != 1:
        raise SystemExit("check.py: expected one released install script, found %s" % bases)
    chain = [bases[0]]
    version = bases[0][len("prefect_filter--"):-len(".sql")]
    while version != default:
        if version not in steps:
            raise SystemExit("check.py: no upgrade step from %s towards %s" % (version, default))
        version, name = steps[version]
        chain.append(name)
    out = []
    for name in chain:
        with open(os.path.join(ROOT, name), encoding="utf-8") as f:
            out.append((name, strip_sql_comments(f.read())))
    return default, out


def labels_from_scripts(problems):
    """prefect.state_type's labels after running the install chain (ADD VALUE / RENAME VALUE
    folded in). A statement on the type this does not understand is a problem, not a guess."""
    default, chain = install_script_chain()
    labels = None
    for name, sql in chain:
        for m in re.finditer(r"CREATE\s+TYPE\s+%s\s+AS\s+ENUM\s*\(([^)]*)\)" % ENUM, sql, re.I):
            labels = re.findall(r"'([^']*)'", m.group(1))
        for m in re.finditer(r"ALTER\s+TYPE\s+%s\s+([^;]*);" % ENUM, sql, re.I):
            action = " ".join(m.group(1).split())
            add = re.fullmatch(r"ADD VALUE (?:IF NOT EXISTS )?'([^']*)'(?: (BEFORE|AFTER) '([^']*)')?", action, re.I)
            ren = re.fullmatch(r"RENAME VALUE '([^']*)' TO '([^']*)'", action, re.I)
            if labels is None:
                problems.append("%s alters state_type before any script creates it" % name)
            elif add and add.group(1) not in labels:
                at = len(labels) if not add.group(2) else \
                    labels.index(add.group(3)) + (add.group(2).upper() == "AFTER")
                labels.insert(at, add.group(1))
            elif ren:
                labels[labels.index(ren.group(1))] = ren.group(2)
            elif not add:
                problems.append("%s: ALTER TYPE state_type %s: check.py cannot follow this; teach it" % (name, action))
    if labels is None:
        problems.append("no install script creates prefect.state_type")
    return default, labels or []


def check_state_types(states, problems):
    default, labels = labels_from_scripts(problems)
    if labels != states:
        problems.append("state types: filter_spec.cpp kStateTypes %s, the install scripts (-> %s) %s"
                        % (states, default, labels))
    golden = os.path.join(ROOT, "test", "upgrade", "catalog-%s.txt" % default)
    if not os.path.exists(golden):
        problems.append("no %s for the default version %s (test/upgrade/run.sh --update-golden records it)"
                        % (os.path.relpath(golden, ROOT), default))
        got = states
    else:
        with open(golden, encoding="utf-8") as f:
            m = re.search(r"^type \| state_type \| kind e \| labels ([^|]*) \|", f.read(), re.M)
        got = [s.strip() for s in m.group(1).split(",")] if m else None
    if got != states:
        problems.append("state types: kStateTypes %s, %s %s" % (states, os.path.relpath(golden, ROOT), got))
    catalogs = sorted(glob.glob(os.path.join(ROOT, "test", "prefect_schema", "catalog-*.txt")))
    if not catalogs:
        problems.append("no test/prefect_schema/catalog-*.txt")
    for path in catalogs:
        with open(path, encoding="utf-8") as f:
            rows = re.findall(r"^enum \| state_type \| (\d+) \| (\S+)\s*$", f.read(), re.M)
        got = [label for _, label in sorted(rows, key=lambda r: int(r[0]))]
        if got != states:
            problems.append("state types: kStateTypes %s, %s %s" % (states, os.path.relpath(path, ROOT), got))
    return len(catalogs) + 2


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vocabulary", help="the pf_vocabulary binary (default: $PF_VOCABULARY or a fresh build)")
    args = ap.parse_args()
    if args.vocabulary:
        os.environ["PF_VOCABULARY"] = os.path.abspath(args.vocabulary)
    sys.path.insert(0, HERE)
    import vocabulary
    v = vocabulary.load()
    problems = []

    n = check_state_types(v["state_types"], problems)

    sys.path.insert(0, os.path.join(ROOT, "test", "property"))
    import property_test
    problems += ["property test: " + p for p in property_test.check_vocabulary(v)]

    sys.path.insert(0, os.path.join(ROOT, "test", "robustness"))
    import hostile   # noqa: F401  builds hostile.SPEC from the table; exits on a FieldKind it cannot generate

    for p in problems:
        print("DRIFT: %s" % p)
    print("vocabulary: %d classes, %d (class, key) pairs, %d state types (checked against %d sources): %s"
          % (len(v["classes"]), len(vocabulary.field_pairs(v)), len(v["state_types"]), n,
             "%d disagreement(s)" % len(problems) if problems else "the Python tables agree"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
