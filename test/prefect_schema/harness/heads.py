#!/usr/bin/python3
"""Print the PostgreSQL alembic head(s) of Prefect's migrations in a directory.

usage: heads.py VERSIONS_DIR
Reads `revision` and `down_revision` from every *.py file with `ast` (nothing is imported),
follows tuple down_revisions (merge revisions), and prints the revisions that no other
revision names as a down_revision, one per line. Exits 1 unless there is exactly one head.
"""
import ast
import pathlib
import sys


def revisions(directory):
    out = {}
    for path in sorted(pathlib.Path(directory).glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        values = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                if name in ("revision", "down_revision"):
                    values[name] = ast.literal_eval(node.value)
        if "revision" not in values:
            continue
        down = values.get("down_revision")
        if down is None:
            downs = ()
        elif isinstance(down, (tuple, list)):
            downs = tuple(down)
        else:
            downs = (down,)
        if values["revision"] in out:
            sys.exit(f"duplicate revision {values['revision']} in {path}")
        out[values["revision"]] = (downs, path.name)
    return out


def main():
    revs = revisions(sys.argv[1])
    named = {d for downs, _ in revs.values() for d in downs}
    missing = sorted(named - set(revs))
    if missing:
        sys.exit(f"down_revisions with no file: {missing}")
    roots = [r for r, (downs, _) in revs.items() if not downs]
    heads = sorted(set(revs) - named)
    for h in heads:
        print(h)
    if len(roots) != 1:
        print(f"expected one root, found {roots}", file=sys.stderr)
    sys.exit(0 if len(heads) == 1 else 1)


if __name__ == "__main__":
    main()
