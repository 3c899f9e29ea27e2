#!/usr/bin/python3
"""Write DIFF.md: Prefect's migrated schema (one catalog per alembic head) against the extension's.

usage: compare.py READS_TSV EXT_CATALOG HEADS_TSV CATALOG_DIR [ANSWERS_TSV] > DIFF.md
  READS_TSV    test/prefect_schema/reads.tsv (the tables/columns/enums the extension reads)
  EXT_CATALOG  catalog.sql output for schema prefect of CREATE EXTENSION prefect_filter
  HEADS_TSV    test/prefect_schema/heads.tsv (tag<TAB>head)
  CATALOG_DIR  where catalog-<head>.txt are
  ANSWERS_TSV  head<TAB>result of prefect_database.py answers (same rows in both layouts), optional
Catalog lines are those of test/prefect_schema/catalog.sql. Deterministic output.
"""
import collections
import os
import sys


class Catalog:
    def __init__(self, path):
        self.relations = {}
        self.columns = collections.defaultdict(dict)     # table -> name -> (pos, type, null, default)
        self.constraints = collections.defaultdict(dict)  # table -> name -> (kind, definition)
        self.indexes = collections.defaultdict(dict)      # table -> name -> definition
        self.enums = collections.defaultdict(list)        # type -> [labels]
        self.extensions = {}
        self.alembic = []
        with open(path) as f:
            for raw in f:
                line = raw.rstrip("\n")
                if not line:
                    continue
                p = line.split(" | ")
                kind = p[0]
                if kind == "relation":
                    self.relations[p[1]] = p[2]
                elif kind == "column":
                    self.columns[p[1]][p[3]] = (int(p[2]), p[4], p[5], " | ".join(p[6:])[len("default "):])
                elif kind == "constraint":
                    self.constraints[p[1]][p[2]] = (p[3], " | ".join(p[4:]))
                elif kind == "index":
                    self.indexes[p[1]][p[2]] = " | ".join(p[3:])
                elif kind == "enum":
                    self.enums[p[1]].append(p[3])
                elif kind == "extension":
                    self.extensions[p[1]] = (p[2], p[3])
                elif kind == "alembic_version":
                    self.alembic.append(p[1])

    def tables(self):
        return sorted(t for t, k in self.relations.items() if k == "table")


# Known background for index differences, appended to their DIFF.md lines.
INDEX_NOTES = {
    "ix_flow_run__deployment_id":
        "Prefect created it in its initial migration (25f4b90a7a42) and dropped it in 5d03c01be85e "
        "(2024-12-04, \"Column is no longer a FK\"); at these heads Prefect's flow_run has no index led "
        "by deployment_id except two partial ones (WHERE state_type = 'SCHEDULED'). Checked by hand at "
        "data/generate.sql scale 10 (34 k flow runs) in Prefect's layout: without the README's indexes a "
        "10-row page with a flow_runs sub-filter hash-joins all matching flow_run rows (seq scan, or "
        "bitmap on ix_flow_run__state_type); with pf_ix_flow_run__deployment_id_state_type_start created "
        "it gets the extension schema's plan (nested-loop index-only probes on deployment_id). So this "
        "index is redundant where that one exists (benchmarks on the extension's schema ran with both)",
    "pf_ix_deployment__name_id": "the extension's own index (README \"Indexes beyond Prefect's\")",
    "pf_ix_flow_run__deployment_id_state_type_start": "the extension's own index (README \"Indexes beyond Prefect's\")",
    "pf_ix_flow_run__state_type_start_deployment_id": "the extension's own index, 0.4.0 (README \"Indexes beyond Prefect's\")",
    "pf_ix_task_run__state_type_flow_run_id": "the extension's own index, 0.4.0 (README \"Indexes beyond Prefect's\")",
    "pf_ix_flow_run__deployment_id_id": "the extension's own index, 0.5.0 (README \"Indexes beyond Prefect's\")",
}


def index_body(definition, name):
    """The index definition without its name, to match indexes that differ only by name."""
    return definition.replace(" INDEX " + name + " ON ", " INDEX ON ", 1)


def read_reads(path):
    cols, enums = [], []
    with open(path) as f:
        for raw in f:
            if raw.startswith("#") or not raw.strip():
                continue
            table, column, not_null, use = raw.rstrip("\n").split("\t")
            if table == "enum":
                enums.append((column, use))
            else:
                cols.append((table, column, not_null == "y", use))
    return cols, enums


def fmt_col(c):
    pos, typ, null, default = c
    return f"{typ}, {null}, default {default}"


def compare(ext, pf, reads, read_enums):
    """Returns (answer, harmless, perf) lists of markdown bullet strings."""
    answer, harmless, perf = [], [], []
    read_tables = sorted({t for t, _, _, _ in reads})
    for table, column, assumes_not_null, use in reads:
        e = ext.columns.get(table, {}).get(column)
        p = pf.columns.get(table, {}).get(column)
        if table not in pf.relations:
            answer.append(f"`{table}.{column}`: table `{table}` missing in Prefect's schema ({use})")
            continue
        if p is None:
            answer.append(f"`{table}.{column}`: column missing in Prefect's schema ({use})")
            continue
        if e is None:
            answer.append(f"`{table}.{column}`: read by the extension but not in the extension's own schema (reads.tsv out of date?)")
            continue
        if e[1] != p[1]:
            answer.append(f"`{table}.{column}`: type `{p[1]}` in Prefect, `{e[1]}` in the extension ({use})")
        if e[2] != p[2]:
            if p[2] == "null":
                sev = "renderer reads it without a NULL check" if assumes_not_null else "NULLs possible in Prefect"
                answer.append(f"`{table}.{column}`: nullable in Prefect, NOT NULL in the extension ({sev}; {use})")
            else:
                harmless.append(f"`{table}.{column}`: NOT NULL in Prefect, nullable in the extension")
        if e[3] != p[3]:
            harmless.append(f"`{table}.{column}`: default `{p[3]}` in Prefect, `{e[3]}` in the extension (defaults only affect writes)")
    for typ, use in read_enums:
        el, pl = ext.enums.get(typ), pf.enums.get(typ)
        if pl is None:
            answer.append(f"enum `{typ}` missing in Prefect's schema ({use})")
        elif el != pl:
            added = [x for x in pl if x not in el]
            removed = [x for x in el if x not in pl]
            answer.append(f"enum `{typ}`: Prefect {pl}, extension {el} (added in Prefect: {added}, "
                          f"missing in Prefect: {removed}; {use})")
    # the extension's tables as a whole (beyond the columns it reads)
    for table in ext.tables():
        if table not in pf.relations:
            harmless.append(f"table `{table}` of the extension is not in Prefect's schema")
            continue
        read_cols = {c for t, c, _, _ in reads if t == table}
        ecols, pcols = ext.columns[table], pf.columns[table]
        extra = [c for c in sorted(pcols, key=lambda c: pcols[c][0]) if c not in ecols]
        if extra:
            harmless.append(f"`{table}`: columns only in Prefect: " +
                            ", ".join(f"`{c}` ({fmt_col(pcols[c])})" for c in extra))
        only_ext = [c for c in sorted(ecols, key=lambda c: ecols[c][0]) if c not in pcols]
        if only_ext:
            (answer if read_cols & set(only_ext) else harmless).append(
                f"`{table}`: columns only in the extension: " + ", ".join(f"`{c}`" for c in only_ext))
        for c in sorted(set(ecols) & set(pcols)):
            if c in read_cols:
                continue
            if ecols[c][1:] != pcols[c][1:]:
                harmless.append(f"`{table}.{c}` (not read): Prefect `{fmt_col(pcols[c])}`, extension `{fmt_col(ecols[c])}`")
        epos = [c for c in sorted(ecols, key=lambda c: ecols[c][0]) if c in pcols]
        ppos = [c for c in sorted(pcols, key=lambda c: pcols[c][0]) if c in ecols]
        if epos != ppos:
            harmless.append(f"`{table}`: column order differs (the extension selects by name)")
        econ, pcon = ext.constraints[table], pf.constraints[table]
        for name in sorted(set(pcon) - set(econ)):
            harmless.append(f"`{table}`: constraint only in Prefect: `{name}` {pcon[name][1]}")
        for name in sorted(set(econ) - set(pcon)):
            harmless.append(f"`{table}`: constraint only in the extension: `{name}` {econ[name][1]}")
        for name in sorted(set(econ) & set(pcon)):
            if econ[name] != pcon[name]:
                harmless.append(f"`{table}`: constraint `{name}` differs: Prefect `{pcon[name][1]}`, extension `{econ[name][1]}`")
        eix, pix = ext.indexes[table], pf.indexes[table]
        pbodies = {index_body(d, n): n for n, d in pix.items()}
        ebodies = {index_body(d, n): n for n, d in eix.items()}
        for name in sorted(set(pix) - set(eix)):
            if index_body(pix[name], name) in ebodies:
                harmless.append(f"`{table}`: index `{name}` is `{ebodies[index_body(pix[name], name)]}` in the extension (same definition)")
            else:
                harmless.append(f"`{table}`: index only in Prefect: `{pix[name]}`")
        for name in sorted(set(eix) - set(pix)):
            if index_body(eix[name], name) in pbodies:
                continue
            note = INDEX_NOTES.get(name)
            perf.append(f"`{table}`: index only in the extension: `{eix[name]}`" + (f" ({note})" if note else ""))
        for name in sorted(set(eix) & set(pix)):
            if eix[name] != pix[name]:
                perf.append(f"`{table}`: index `{name}` differs: Prefect `{pix[name]}`, extension `{eix[name]}`")
    others = sorted(set(pf.tables()) - set(ext.tables()) - {"alembic_version"})
    if others:
        harmless.append("tables only in Prefect (the extension does not read them): " + ", ".join(f"`{t}`" for t in others))
    for typ in sorted(set(pf.enums) - set(ext.enums)):
        harmless.append(f"enum only in Prefect: `{typ}` {pf.enums[typ]}")
    for typ in sorted(set(ext.enums) & set(pf.enums)):
        if typ not in {t for t, _ in read_enums} and ext.enums[typ] != pf.enums[typ]:
            harmless.append(f"enum `{typ}` (not read) differs: Prefect {pf.enums[typ]}, extension {ext.enums[typ]}")
    if "pg_trgm" not in pf.extensions:
        perf.append("pg_trgm is not installed in Prefect's database")
    return answer, harmless, perf


def catalog_delta(a, b):
    """Lines of catalog b not in a (+) and of a not in b (-), for consecutive heads."""
    with open(a) as f:
        la = set(f.read().splitlines())
    with open(b) as f:
        lb = set(f.read().splitlines())
    out = [f"- `{x}`" for x in sorted(la - lb) if not x.startswith("alembic_version")]
    out = [f"+ `{x}`" for x in sorted(lb - la) if not x.startswith("alembic_version")] + out
    return out


def main():
    reads_path, ext_path, heads_path, cat_dir = sys.argv[1:5]
    reads, read_enums = read_reads(reads_path)
    answers = {}
    if len(sys.argv) > 5:
        with open(sys.argv[5]) as f:
            for raw in f:
                h, result = raw.rstrip("\n").split("\t", 1)
                answers[h] = result
    ext = Catalog(ext_path)
    heads = collections.OrderedDict()
    with open(heads_path) as f:
        for raw in f:
            if raw.startswith("#") or not raw.strip():
                continue
            tag, head = raw.split()[:2]
            heads.setdefault(head, []).append(tag)
    w = sys.stdout.write
    w("# Prefect's migrated PostgreSQL schema vs the extension's schema\n\n")
    w("Generated by `scripts/prefect_schema.sh` (do not edit by hand): each head's catalog\n"
      "(`catalog-<head>.txt`, schema `public` after Prefect's own migrations ran at that tag) against\n"
      "`catalog-extension.txt` (schema `prefect` after `CREATE EXTENSION pg_trgm; CREATE EXTENSION\n"
      "prefect_filter;`), for the tables, columns and enums listed in `reads.tsv`, then for the\n"
      "extension's tables as a whole.\n\n")
    w("Categories:\n\n"
      "- **could change an answer**: a column or enum the extension reads is missing, has another type\n"
      "  (the writers in src/pg decode Datums by the type they expect, and only the column count is checked, so\n"
      "  a type change is also a crash risk), is nullable where the extension's is NOT NULL, or an enum\n"
      "  gained/lost labels.\n"
      "- **harmless**: extra columns, constraints, indexes or tables in Prefect; defaults; foreign keys\n"
      "  the extension's copy leaves out.\n"
      "- **plans only**: indexes the extension's schema has and Prefect's does not. Answers are the\n"
      "  same; over Prefect's own database (`prefect_filter.schema = 'public'`) those plans are not\n"
      "  available unless the indexes are created there (README, \"Indexes beyond Prefect's\").\n\n")
    w("| head | tags |\n| --- | --- |\n")
    for head, tags in heads.items():
        w(f"| `{head}` | {', '.join(tags)} |\n")
    w("\n")
    results = {}
    for head in heads:
        results[head] = compare(ext, Catalog(os.path.join(cat_dir, f"catalog-{head}.txt")), reads, read_enums)
    w("## Summary\n\n")
    bad = [h for h in heads if results[h][0]]
    if bad:
        w(f"- Differences that could change an answer at heads: {', '.join(f'`{h}`' for h in bad)} (see below).\n")
    else:
        w(f"- At every head ({len(heads)}), every column the extension reads ({len(reads)} in "
          f"{len({t for t, *_ in reads})} tables) has the same type and nullability in Prefect's migrated "
          f"schema as in the extension's, and the enums it reads ({', '.join(t for t, _ in read_enums)}) have "
          "the same labels in the same order: nothing found that could change an answer.\n")
    ext_tables = set(ext.tables())
    subsets = {}
    for head in heads:
        with open(os.path.join(cat_dir, f"catalog-{head}.txt")) as f:
            subsets[head] = [l for l in f.read().splitlines()
                             if l.split(" | ")[0] in ("column", "constraint", "index") and l.split(" | ")[1] in ext_tables]
    if len({tuple(v) for v in subsets.values()}) == 1:
        w(f"- The extension's {len(ext_tables)} tables are described identically (columns, constraints, indexes) "
          "at every head; the heads differ only in tables the extension does not have (see the end).\n")
    else:
        w("- The extension's tables are NOT described identically at every head: see each head.\n")
    perf_names = sorted({x for h in heads for x in results[h][2]})
    if perf_names:
        w(f"- Indexes the extension's schema has and Prefect's lacks: {len(perf_names)} kinds (\"Plans only\").\n")
    if answers:
        w("- Same rows, both layouts (data/generate.sql scale 1 in a stand-alone database's tables, "
          "loaded into Prefect's migrated tables of another database; `bodies.jsonl` through "
          "deployments_filter/count/paginate in both): " +
          "; ".join(f"`{h}`: {answers.get(h, 'not run')}" for h in heads) + "\n")
    w("\n")
    for head, tags in heads.items():
        pf = Catalog(os.path.join(cat_dir, f"catalog-{head}.txt"))
        answer, harmless, perf = results[head]
        w(f"## Head `{head}` ({', '.join(tags)})\n\n")
        w(f"alembic_version row: {', '.join(pf.alembic) or '(none)'}; "
          f"{len(pf.tables())} tables; {len(reads)} read columns in {len({t for t, *_ in reads})} tables checked, "
          f"{len(read_enums)} enums.\n\n")
        if head in answers:
            w(f"Same rows in both layouts (prefect_database.py answers): {answers[head]}.\n\n")
        w("### Could change an answer\n\n")
        w("".join(f"- {x}\n" for x in answer) if answer else "None: every column the extension reads exists in Prefect's schema with the same type and nullability, and the enums it reads have the same labels in the same order.\n")
        w("\n### Plans only (indexes)\n\n")
        w("".join(f"- {x}\n" for x in perf) if perf else "None.\n")
        w("\n### Harmless\n\n")
        w("".join(f"- {x}\n" for x in harmless) if harmless else "None.\n")
        w("\n")
    hs = list(heads)
    if len(hs) > 1:
        w("## Between consecutive heads\n\n")
        for a, b in zip(hs, hs[1:]):
            if a == b:
                continue
            d = catalog_delta(os.path.join(cat_dir, f"catalog-{a}.txt"), os.path.join(cat_dir, f"catalog-{b}.txt"))
            w(f"`{a}` → `{b}`:\n\n")
            w("".join(f"    {x}\n" for x in d) if d else "    (no catalog difference besides alembic_version)\n")
            w("\n")


if __name__ == "__main__":
    main()
