#!/usr/bin/python3
"""Hostile bodies through all four functions, in one backend.

  hostile.py DBNAME [--bodies N] [--seed S] [--no-fixed] [--verbose]

Sends a fixed list of limit-sized and boundary bodies; a valid body that sets every field of every
filter class, then the same body with each of its nodes in turn replaced by {}, [], null, "", [{}]
and 0; and N generated bodies (valid ones from Prefect's filter grammar and the regress tests, then
mutated: type confusion, deleted/renamed/unknown keys, wrapped values, odd scalars such as 1e400,
123456789012345678901234567890, "NaN", long and non-ASCII strings, deep nests, empty objects and
lists; truncated JSON text; valid-but-odd JSON text). Each body is first cast to jsonb on its
own: what PostgreSQL's jsonb input rejects (truncated text, \\u0000, lone surrogates) must fail
there with a data-exception SQLSTATE and is not sent further. Every accepted body goes through
deployments_filter, _count, _paginate and _filter_sql; each call must return a well-formed result
or an ERROR with SQLSTATE 22023 / 22P02 / 54000 whose message starts with the JSON path. Results
must agree with each other (paginate's count = count; page sizes follow from count, limit and
page; filter and filter_sql fail alike).
A fifth of the bodies run inside a transaction with a savepoint around each call. The backend pid
must stay the same and the server log must show no crash. Any failure prints the body.
"""
import argparse
import copy
import json
import os
import random
import re
import sys
import time

import psycopg2

import lib
from lib import log

sys.path.insert(0, os.path.join(lib.ROOT, "test", "vocabulary"))
import vocabulary  # noqa: E402

OP = "operator"
UUIDS, TEXTS, LIKE, STATES, BOOL, DT, INT = "uuids", "texts", "like", "states", "bool", "datetime", "int"

# The filter classes come from the compiler's own table (src/compiler/filter_spec.cpp, printed by
# pf_vocabulary: test/vocabulary/vocabulary.py). Each FieldKind maps to the value generator that
# exercises it; a kind missing here stops the run (a new kind needs its generator).
GEN_BY_KIND = {
    "kUuidAny": UUIDS, "kUuidNotAny": UUIDS, "kParentFlowRunAny": UUIDS, "kCreatedByIdAny": UUIDS,
    "kTextAny": TEXTS, "kTextNotAny": TEXTS, "kTagsAll": TEXTS, "kTagsAny": TEXTS, "kStartsWith": TEXTS,
    "kStateTypeAny": STATES, "kStateTypeNotAny": STATES,
    "kLike": LIKE, "kFlowOrDeploymentLike": LIKE,
    "kTagsIsNull": BOOL, "kIsNull": BOOL, "kBoolEq": BOOL, "kIgnoredBool": BOOL, "kFlowDeploymentIsNull": BOOL,
    "kSubflowRunsExists": BOOL, "kTaskRunFlowRunIdIsNull": BOOL,
    "kBefore": DT, "kAfter": DT,
    "kIgnoredInt": INT,
}
# The value pool (lib.value_pools) that makes a matching value likely, from the field's column;
# these kinds take values of another table than their column's.
POOL_BY_KIND = {"kParentFlowRunAny": "flow_run_id", "kCreatedByIdAny": "deployment_id",
                "kFlowOrDeploymentLike": "flow_name"}
TABLE_BY_ALIAS = {"f": "flow", "fr": "flow_run", "tr": "task_run", "d": "deployment", "wp": "work_pool",
                  "wq": "work_queue"}


def value_pool(kind, column):
    if kind in POOL_BY_KIND:
        return POOL_BY_KIND[kind]
    m = re.fullmatch(r"(\w+)\.(\w+)", column or "")
    if m:
        alias, col = m.groups()
        if col in ("id", "name", "type"):
            return "%s_%s" % (TABLE_BY_ALIAS.get(alias, alias), col)
        return {"tags": "tag", "parent_task_run_id": "task_run_id"}.get(col, col)
    m = re.search(r"->> '(\w+)'", column or "")
    return "created_by_%s" % m.group(1) if m else None   # created_by ->> 'type'


def build_spec(vocab):
    """{top-level key: {key: nested dict | leaf kind}} with OP where the class takes `operator`;
    a leaf kind is BOOL, DT, INT, STATES or (UUIDS | TEXTS | LIKE, pool)."""
    classes = vocab["classes"]

    def cls(name):
        c = classes[name]
        out = {OP: OP} if c["has_operator"] else {}
        for f in c["fields"]:
            kind = f["kind"]
            if kind == "kChild":
                out[f["key"]] = cls(f["child"])
            elif kind not in GEN_BY_KIND:
                lib.fail("%s.%s has FieldKind %s, which hostile.py has no value generator for (GEN_BY_KIND)"
                         % (name, f["key"], kind))
            elif GEN_BY_KIND[kind] in (UUIDS, TEXTS, LIKE):
                out[f["key"]] = (GEN_BY_KIND[kind], value_pool(kind, f.get("column")))
            else:
                out[f["key"]] = GEN_BY_KIND[kind]
        return out
    return {t["key"]: cls(t["class"]) for t in vocab["top_level"]}


VOCABULARY = vocabulary.load()
SPEC = build_spec(VOCABULARY)
STATE_TYPES = VOCABULARY["state_types"]
SORTS = ["NAME_ASC", "NAME_DESC", "CREATED_DESC", "UPDATED_DESC"]


class Raw(str):
    """JSON text emitted verbatim (numbers Python's json cannot write, odd escapes)."""


def to_text(v, ascii_only=True):
    """JSON text of v; non-ASCII as \\u escapes or as raw UTF-8."""
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, dict):
        return "{" + ", ".join(json.dumps(k, ensure_ascii=ascii_only) + ": " + to_text(x, ascii_only)
                               for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(to_text(x, ascii_only) for x in v) + "]"
    return json.dumps(v, ensure_ascii=ascii_only)


def deep(depth, kind):
    if kind == "list":
        return Raw("[" * depth + "1" + "]" * depth)
    if kind == "object":
        return Raw('{"a": ' * depth + "1" + "}" * depth)
    return Raw('[{"x": ' * (depth // 2) + "[]" + "}]" * (depth // 2))


ODD_SCALARS = [
    Raw("1e400"), Raw("-1e400"), Raw("1e-400"), Raw("123456789012345678901234567890"), Raw("-0"), Raw("0.0"),
    Raw("1.5"), Raw("1E+2"), Raw("9223372036854775807"), Raw("9223372036854775808"), Raw("-9223372036854775809"),
    Raw("18446744073709551616"), Raw("2147483648"), Raw("0.1e1"), Raw("1e308"), Raw("4.9e-324"), Raw("1e19"),
    Raw("253402300799"), Raw("253402300800"), Raw("-62135596801"), Raw("20000000001"), Raw("1e100000"),
    "NaN", "nan", "Infinity", "-Infinity", "inf", "+inf", "1e400", "-0", "  5 ", "0x10", "1_000", "", " ", "null",
    "true", "None", "undefined", "[]", "{}", "9999-12-31T23:59:59.999999Z", "0000-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-01-01T25:00:00Z", "2024-01-01T00:00:00+25:00",
    "2024-01-01T00:00:00.1234567890123Z", "2024-01-01", "2024-01-01T00:00", "-infinity", "epoch", "now",
    "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "{00000000-0000-0000-0000-000000000000}",
    "00000000000000000000000000000000", "0000000-0000-0000-0000-0000000000000", "g0000000-0000-0000-0000-000000000000",
    "ü✓🚀", "\u202eevil", "\u2028\u2029", "e\u0301", "\U0001F600" * 50, "\uffff", "\ufeffBOM", "\x01\x1f",
    "'; DROP TABLE prefect.flow; --", "$1", "%", "_", "\\", "%_%", "*/", "/*", "AND", "or_", "and_",
    Raw('"\\ud83d\\ude00"'), Raw('"\\ud800"'), Raw('"\\udc00x"'), Raw('"\\u0000"'), Raw('"a\\u0000b"'),
    True, False, None, 0, 1, -1, 2, 200, 201, -200, 2 ** 31, 2 ** 53 + 1, 2 ** 63 - 1, 0.5, -0.0, 1e-7,
    {}, [], [[]], [{}], {"": None}, {"any_": []}, [None], [True], [1, "a"], [[["x"]]],
]
EMPTY_VALUES = [{}, [], None, "", [{}], {"": {}}]


class Gen:
    def __init__(self, rng, pools):
        self.r = rng
        self.p = dict(pools)
        self.p["created_by_type"] = ["SCHEDULE", "DEPLOYMENT", "USER", "AUTOMATION"]
        self.regress = lib.regress_bodies()

    # ----------------------------------------------------------- valid values
    def long_string(self):
        r = self.r
        n = r.choice([300, 2000, 5000, 20000])
        unit = r.choice(["a", "é", "🚀", "%", "_", "ab%", "\\"])
        return (unit * n)[:n]

    def text_value(self, pool):
        r = self.r
        x = r.random()
        if x < 0.6:
            v = r.choice(self.p.get(pool, ["x"]))
        elif x < 0.8:
            v = "".join(r.choice("abcdeéü_%-.🚀 ") for _ in range(r.randint(0, 12)))
        elif x < 0.97:
            v = r.choice([s for s in ODD_SCALARS if isinstance(s, str) and not isinstance(s, Raw)])
        else:
            v = self.long_string()
        return v

    def datetime_value(self):
        r = self.r
        x = r.random()
        if x < 0.5:
            return "20%02d-%02d-%02dT%02d:%02d:%02d%s" % (
                r.randint(0, 30), r.randint(1, 12), r.randint(1, 28), r.randint(0, 23), r.randint(0, 59),
                r.randint(0, 59), r.choice(["Z", "+00:00", "-05:30", ".123456Z", ".5+14:00", "", "z"]))
        if x < 0.7:
            return r.choice([0, 1700000000, 1700000000123, -1, 2.5e10, r.uniform(-1e11, 1e11)])
        return r.choice(ODD_SCALARS)

    def leaf(self, kind):
        r = self.r
        if kind == OP:
            return r.choice(["and_", "or_"]) if r.random() < 0.95 else r.choice(["AND", "or", None, 1, "_or"])
        if kind == BOOL:
            return r.choice([True, False, True, False, 1, 0, "yes", "off", "T", "n"])
        if kind == DT:
            return self.datetime_value()
        if kind == INT:
            return r.choice([0, 1, 5, -3, "7", 2 ** 40])
        if kind == STATES:
            return r.sample(STATE_TYPES, r.randint(0, 4))
        kind, pool = kind
        if kind == UUIDS:
            n = r.choice([0, 1, 2, 3, 10, 50])
            src = self.p.get(pool, [])
            vals = [r.choice(src) for _ in range(n)] if src else []
            if r.random() < 0.2:
                vals.append("%08x-0000-4000-8000-%012x" % (r.getrandbits(32), r.getrandbits(48)))
            return vals
        if kind == TEXTS:
            return [self.text_value(pool) for _ in range(r.choice([0, 1, 1, 2, 3, 8]))]
        if kind == LIKE:
            v = self.text_value(pool)
            if self.r.random() < 0.5 and len(v) > 3:
                i = self.r.randrange(len(v) - 2)
                v = v[i:i + self.r.randint(1, 4)]
            return v
        raise AssertionError(kind)

    def filter_obj(self, spec, depth=0):
        r = self.r
        keys = [k for k in spec]
        chosen = r.sample(keys, min(len(keys), r.choice([0, 1, 1, 2, 3])))
        out = {}
        for k in chosen:
            s = spec[k]
            out[k] = self.filter_obj(s, depth + 1) if isinstance(s, dict) else self.leaf(s)
        return out

    def full_body(self):
        """Every class with every field set (a valid body that exercises the whole grammar)."""
        def clean(kind):
            if kind == OP:
                return "or_"
            if kind == BOOL:
                return False
            if kind == DT:
                return "2025-05-20T10:00:00+00:00"
            if kind == INT:
                return 3
            if kind == STATES:
                return ["COMPLETED", "FAILED"]
            kind, pool = kind
            values = self.p.get(pool, ["x"])
            if kind == LIKE:
                return values[0][:3]
            if kind == UUIDS and not values:
                return []
            return values[:2]

        def fill(spec):
            return {k: fill(v) if isinstance(v, dict) else clean(v) for k, v in spec.items()}
        body = {top: fill(spec) for top, spec in SPEC.items()}
        body.update({"limit": 3, "offset": 1, "page": 2, "sort": "UPDATED_DESC"})
        return body

    def every_position(self):
        """The full body with each node in turn replaced by {}, [], null, "", [{}] and 0."""
        base = self.full_body()
        out = []
        for path in self.paths(base):
            if not path:
                continue
            for empty in ({}, [], None, "", [{}], 0):
                body = copy.deepcopy(base)
                self.get(body, path[:-1])[path[-1]] = copy.deepcopy(empty)
                out.append(("%s = %s" % (".".join(map(str, path)), json.dumps(empty)), to_text(body)))
        return out

    def valid_body(self):
        r = self.r
        if self.regress and r.random() < 0.15:
            return json.loads(json.dumps(r.choice(self.regress)))
        body = {}
        for top in r.sample(list(SPEC), r.choice([0, 1, 1, 1, 2, 3])):
            body[top] = self.filter_obj(SPEC[top])
        if r.random() < 0.7:
            body["limit"] = r.choice([0, 1, 2, 5, 10, 50, 200])
        if r.random() < 0.3:
            body["offset"] = r.choice([0, 1, 3, 99, 2 ** 31, 2 ** 63 - 1])
        if r.random() < 0.3:
            body["page"] = r.choice([1, 2, 3, 1000, 2 ** 40])
        if r.random() < 0.5:
            body["sort"] = r.choice(SORTS)
        if r.random() < 0.05:
            body[r.choice(["unknown", "Limit", "flows ", ""])] = r.choice(ODD_SCALARS)
        return body

    # ----------------------------------------------------------- mutations
    def paths(self, v, prefix=()):
        """Every (container path) in the value tree, for mutation targets."""
        out = [prefix]
        if isinstance(v, dict) and not isinstance(v, Raw):
            for k, x in v.items():
                out += self.paths(x, prefix + (k,))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                out += self.paths(x, prefix + (i,))
        return out

    @staticmethod
    def get(v, path):
        for p in path:
            v = v[p]
        return v

    def odd_value(self):
        return copy.deepcopy(self._odd_value())  # the pools hold mutable {} and []: never share them

    def _odd_value(self):
        r = self.r
        x = r.random()
        if x < 0.55:
            return r.choice(ODD_SCALARS)
        if x < 0.7:
            return r.choice(EMPTY_VALUES)
        if x < 0.8:
            return deep(r.choice([2, 8, 31, 32, 33, 64, 200]), r.choice(["list", "object", "mixed"]))
        if x < 0.9:
            return self.long_string()
        return [r.choice(ODD_SCALARS) for _ in range(r.randint(1, 5))]

    def mutate(self, body):
        r = self.r
        for _ in range(r.randint(1, 3)):
            paths = self.paths(body)
            path = r.choice(paths)
            if not path:
                if r.random() < 0.1:
                    return r.choice([[], [body], "x", 1, None, Raw("1e400"), True])
                body[r.choice(list(SPEC) + ["limit", "offset", "page", "sort"])] = self.odd_value()
                continue
            parent = self.get(body, path[:-1])
            key = path[-1]
            op = r.random()
            if op < 0.45:
                parent[key] = self.odd_value()                    # type confusion / odd scalar
            elif op < 0.55:
                parent[key] = [parent[key]]                       # wrapped in a list
            elif op < 0.6:
                parent[key] = {"any_": parent[key]}               # wrapped in an object
            elif op < 0.7 and isinstance(parent, dict):
                del parent[key]                                   # deleted key
            elif op < 0.8 and isinstance(parent, dict):
                v = parent.pop(key)                               # renamed / unknown key
                parent[r.choice([key + "_", key.upper(), "", " " + str(key), "operator", "any_", "__proto__",
                                 "ü", str(key) * 50])] = v
            elif op < 0.9 and isinstance(parent, dict):
                parent[r.choice(["operator", "any_", "is_null_", "extra", "like_"])] = self.odd_value()
            elif isinstance(parent, list):
                parent.append(self.odd_value())
            else:
                parent[key] = copy.deepcopy(r.choice(EMPTY_VALUES))
        return body

    def text_variant(self, text):
        """Mangled JSON text: truncated (PostgreSQL's jsonb input rejects it), duplicate keys,
        odd whitespace, escapes."""
        r = self.r
        x = r.random()
        if x < 0.5 and len(text) > 1:
            return text[:r.randrange(1, len(text))]
        if x < 0.6:
            return text.replace("{", '{"limit": 1, "limit": 500, ', 1) if text.startswith("{") else text
        if x < 0.7:
            return " \t\r\n" + text.replace(":", " :\n ") + "\n"
        if x < 0.8:
            return text.replace('"', '"\\u0041', 1)
        if x < 0.9:
            return text + r.choice(["}", "]", ",", " x", "{}"])
        return text.replace(",", ",,", 1)

    def body_text(self):
        r = self.r
        body = self.valid_body()
        x = r.random()
        ascii_only = r.random() < 0.5
        if x < 0.3:
            return to_text(body, ascii_only), "valid"
        body = self.mutate(body)
        text = to_text(body, ascii_only)
        if x < 0.85:
            return text, "mutated"
        return self.text_variant(text), "text"


def fixed_bodies():
    """Limit-sized and boundary bodies, sent once each: (label, text, functions). The costliest
    valid ones go through a subset of the functions to keep the run short (see doc/robustness.md:
    PostgreSQL's planner walks a 100 k-element array for every statement, and ILIKE lower-cases a
    1 MB pattern for every row it tests)."""
    n = 100000  # kMaxListLength
    strings = '["' + '","'.join("n%d" % i for i in range(n)) + '"]'
    every = lib.FUNCTIONS
    count_sql = ("deployments_count", "deployments_filter_sql")
    return [
        ("SQL NULL", None, every),
        ("empty object", "{}", every),
        ("top-level null", "null", every),
        ("top-level list", "[]", every),
        ("top-level string", '"{}"', every),
        ("top-level number", "1e400", every),
        ("depth 31", '{"x": ' + "[" * 30 + "]" * 30 + "}", every),
        ("depth 32", '{"x": ' + "[" * 31 + "]" * 31 + "}", every),
        ("depth 33", '{"x": ' + "[" * 32 + "]" * 32 + "}", every),
        ("depth 1000", '{"flows": ' + '{"a": ' * 999 + "1" + "}" * 999 + "}", every),
        ("depth 5000 list", "[" * 5000 + "]" * 5000, every),
        ("1 MB like_", json.dumps({"deployments": {"name": {"like_": "x" * (1 << 20)}}}), ("deployments_count",)),
        ("1 MB startswith_", json.dumps({"work_pool_queues": {"name": {"startswith_": ["%_" * (1 << 19)]}}}), every),
        ("16 KB like_ of %_", json.dumps({"flow_runs": {"name": {"like_": "%_" * (1 << 13)}}, "limit": 1}), every),
        ("100 k ids", json.dumps({"deployments": {"id": {"any_": ["%08x-0000-4000-8000-000000000000" % i
                                                                for i in range(100000)]}}}), every),
        ("100 k strings (the limit)", '{"deployments": {"name": {"any_": %s}}, "limit": 3}' % strings, count_sql),
        ("100 k + 1 strings", '{"flows": {"name": {"any_": %s}}}' % strings.replace('["', '["extra","', 1), every),
        ("100 k + 1 tags", '{"flow_runs": {"tags": {"all_": %s}}}' % strings.replace('["', '["extra","', 1),
         ("deployments_count",)),
        ("17 MiB unknown key", '{"padding": "%s", "limit": 1}' % ("p" * (17 << 20)), every),
        ("16 MiB - 100 body", '{"padding": "%s", "limit": 1}' % ("p" * ((16 << 20) - 100)), every),
        ("offset 2^31", '{"offset": 2147483648, "limit": 5}', every),
        ("offset 2^63-1", '{"offset": 9223372036854775807}', every),
        ("offset 2^64", '{"offset": 18446744073709551616, "page": 18446744073709551616}', every),
        ("offset 1e400", '{"offset": 1e400, "page": 1e400}', every),
        ("page 2^62 limit 200", '{"page": 4611686018427387904, "limit": 200}', every),
        ("limit 123456789012345678901234567890", '{"limit": 123456789012345678901234567890}', every),
    ]


class Runner:
    def __init__(self, db, timeout_ms):
        self.conn = lib.connect(db)
        self.cur = self.conn.cursor()
        self.cur.execute("SET statement_timeout = %s", (timeout_ms,))
        self.pid = lib.backend_pid(self.cur)
        self.calls = 0
        self.outcomes = {}
        self.cast_rejected = 0
        self.in_tx = False

    def problem(self, what, label, text):
        log("FAIL: %s" % what)
        log("body (%s): %s" % (label, lib.shorten(text if text is not None else "SQL NULL")))
        sys.exit(1)

    def run_body(self, text, label, functions=lib.FUNCTIONS):
        cur = self.cur
        try:
            if text is not None:
                try:
                    cur.execute("SELECT %s::jsonb IS NULL", (text,))
                    cur.fetchone()
                except psycopg2.Error as e:
                    if lib.lost(cur, e):
                        raise
                    if e.pgcode not in lib.CAST_SQLSTATES:
                        self.problem("jsonb input raised SQLSTATE %s: %s" % (e.pgcode, e), label, text)
                    self.cast_rejected += 1
                    if self.in_tx:
                        cur.execute("ROLLBACK")
                        self.in_tx = False
                    return
            results = {}
            for fn in functions:
                if self.in_tx:
                    cur.execute("SAVEPOINT s")
                res = lib.call(cur, fn, text)
                self.calls += 1
                if self.in_tx:
                    cur.execute("ROLLBACK TO SAVEPOINT s" if res[0] == "error" else "RELEASE SAVEPOINT s")
                key = res[1] if res[0] == "error" else "ok"
                self.outcomes[(fn, key)] = self.outcomes.get((fn, key), 0) + 1
                if res[0] == "error":
                    if res[1] not in lib.ALLOWED_SQLSTATES:
                        self.problem("%s raised SQLSTATE %s: %s" % (fn, res[1], res[2]), label, text)
                    if not lib.starts_with_path(res[2]):
                        self.problem("%s: message does not start with a JSON path: %r" % (fn, res[2][:300]),
                                     label, text)
                results[fn] = res
            if len(results) == 4:
                self.check_consistency(results, text, label)
                self.check_validation_errors(results["deployments_filter"], text, label)
        except psycopg2.Error as e:
            if not lib.lost(cur, e):
                raise
            self.problem("connection lost (backend crash?): %s" % e, label, text)

    def check_validation_errors(self, filter_result, text, label):
        """prefect.deployments_validation_errors lists nothing for a body deployments_filter takes,
        and, for one it rejects, a list holding the rejected path (the SQL error is the first in
        jsonb's key order, the list is in the order sent, so only membership is checked)."""
        cur = self.cur
        if self.in_tx:
            cur.execute("SAVEPOINT v")
        try:
            cur.execute("SELECT prefect.deployments_validation_errors(%s::json, 'filter')::text", (text,))
            detail = json.loads(cur.fetchone()[0])["detail"]
        except psycopg2.Error as e:
            if lib.lost(cur, e):
                raise
            if self.in_tx:
                cur.execute("ROLLBACK TO SAVEPOINT v")
            # json accepts what jsonb refuses only for \u0000, which never got here; a body the
            # compiler's own limits refuse (size, depth) is still listed, as a value_error
            self.problem("deployments_validation_errors raised %s: %s" % (e.pgcode, e), label, text)
            return
        if self.in_tx:
            cur.execute("RELEASE SAVEPOINT v")
        if filter_result[0] == "ok":
            if detail != []:
                self.problem("deployments_filter answered but validation_errors lists %s" % str(detail)[:300],
                             label, text)
            return
        if isinstance(detail, str):
            if not filter_result[2].startswith("limit: " + detail):
                self.problem("validation_errors says %r, deployments_filter %r" % (detail, filter_result[2][:200]),
                             label, text)
            return
        if not detail:
            self.problem("deployments_filter refused the body but validation_errors lists nothing", label, text)
        def shown_key(key):  # JsonPath::ToString shortens keys past 64 bytes
            raw = key.encode("utf-8", "surrogatepass")
            if len(raw) <= 64:
                return key
            cut = 64
            while cut > 0 and (raw[cut] & 0xC0) == 0x80:
                cut -= 1
            return raw[:cut].decode("utf-8", "surrogatepass") + "..."

        paths = set()
        for e in detail:
            path = ""
            for seg in e["loc"][1:]:
                path += "[%d]" % seg if isinstance(seg, int) else ("." if path else "") + shown_key(seg)
            paths.add(path or "(body)")
        message = filter_result[2]
        if not any(message.startswith(p + ": ") or (len(message.encode()) >= 1000 and p.startswith(message[:200]))
                   for p in paths) and not message.startswith("(body): "):
            self.problem("the SQL error %r is not among the listed errors %s" % (message[:200], sorted(paths)[:10]),
                         label, text)

    def check_consistency(self, res, text, label):
        f, c, p, s = (res[fn] for fn in lib.FUNCTIONS)
        if (f[0], f[1] if f[0] == "error" else None) != (s[0], s[1] if s[0] == "error" else None):
            self.problem("deployments_filter and deployments_filter_sql disagree: %s vs %s"
                         % (f[:2], s[:2]), label, text)
        if f[0] == "ok":
            v = json.loads(f[1])
            if not isinstance(v, list) or len(v) > 200:
                self.problem("deployments_filter did not return an array of <= 200", label, text)
        if s[0] == "ok":
            v = json.loads(s[1])
            # "resolve": the statements that find a flows or work pool/queue filter's ids first
            if set(v) - {"resolve"} != {"sql", "params", "count_sql", "count_params", "related_sql"}:
                self.problem("deployments_filter_sql result is not {sql, params, count_sql, count_params, "
                             "related_sql[, resolve]}", label, text)
            elif "resolve" in v and (not v["resolve"] or any(set(r) != {"sql", "params"} for r in v["resolve"])):
                self.problem("deployments_filter_sql's resolve is not a non-empty list of {sql, params}", label, text)
        if c[0] == "ok" and int(c[1]) < 0:
            self.problem("negative count", label, text)
        if p[0] == "ok":
            v = json.loads(p[1])
            if set(v) != {"results", "count", "limit", "pages", "page"}:
                self.problem("paginate keys %s" % sorted(v), label, text)
            count, limit, page, n = v["count"], v["limit"], v["page"], len(v["results"])
            pages = (count + limit - 1) // limit if limit > 0 else 0
            expect_n = max(0, min(limit, count - (page - 1) * limit)) if limit > 0 else 0
            if v["pages"] != pages or n != expect_n:
                self.problem("paginate inconsistent: count %d limit %d page %d pages %d results %d"
                             % (count, limit, page, v["pages"], n), label, text)
            if c[0] == "ok" and int(c[1]) != count:
                self.problem("paginate count %d != deployments_count %s" % (count, c[1]), label, text)

    def maybe_transaction(self, rng):
        if self.in_tx:
            self.cur.execute("COMMIT")
            self.in_tx = False
        if rng.random() < 0.2:
            self.cur.execute("BEGIN")
            self.in_tx = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--bodies", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=20250601)
    ap.add_argument("--timeout-ms", type=int, default=60000, help="statement_timeout: no call may run longer")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--no-fixed", action="store_true", help="skip the limit-sized fixed bodies")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    admin = lib.connect(args.db)
    watch = lib.LogWatch(lib.server_log_path(admin.cursor()))
    pools = lib.value_pools(admin.cursor())
    admin.close()
    gen = Gen(rng, pools)
    run = Runner(args.db, args.timeout_ms)
    log("hostile bodies: seed %d, %d generated bodies + %d fixed ones, backend pid %d"
        % (args.seed, args.bodies, len(fixed_bodies()), run.pid))
    t0 = time.monotonic()
    kinds = {}
    for label, text, fns in ([] if args.no_fixed else fixed_bodies()):
        t = time.monotonic()
        run.run_body(text, "fixed: " + label, fns)
        kinds["fixed"] = kinds.get("fixed", 0) + 1
        dt = time.monotonic() - t
        if dt > 2:
            log("  fixed body %-28s %.1f s for the cast + %d calls" % (label, dt, len(fns)))
    positions = gen.every_position()
    t = time.monotonic()
    run.run_body(to_text(gen.full_body()), "full body")
    for label, text in positions:
        run.run_body(text, "every position: " + label)
    kinds["every position"] = len(positions) + 1
    log("  the full body with each of its nodes replaced by {}, [], null, \"\", [{}] or 0: %d bodies in %.1f s"
        % (len(positions) + 1, time.monotonic() - t))
    slow = []
    for i in range(args.bodies):
        text, kind = gen.body_text()
        kinds[kind] = kinds.get(kind, 0) + 1
        run.maybe_transaction(rng)
        t = time.monotonic()
        run.run_body(text, "%s #%d" % (kind, i))
        slow.append((time.monotonic() - t, i, text))
    slow.sort(reverse=True)
    log("slowest generated bodies (cast + 4 calls): " + "; ".join("#%d %.2f s" % (i, t) for t, i, _ in slow[:5]))
    if args.verbose:
        for t, i, text in slow[:5]:
            log("  #%d %.2f s: %s" % (i, t, lib.shorten(text, 300)))
    if run.in_tx:
        run.cur.execute("COMMIT")
    pid = lib.backend_pid(run.cur)
    if pid != run.pid:
        lib.fail("backend pid changed from %d to %d" % (run.pid, pid))
    elapsed = time.monotonic() - t0
    log("hostile bodies: %s; %d rejected by PostgreSQL's jsonb input; %d function calls in %.1f s, same "
        "backend (pid %d) throughout" % (", ".join("%d %s" % (v, k) for k, v in sorted(kinds.items())),
                                         run.cast_rejected, run.calls, elapsed, pid))
    for fn in lib.FUNCTIONS:
        parts = ["%s %d" % (k, v) for (f, k), v in sorted(run.outcomes.items()) if f == fn]
        log("  %-24s %s" % (fn, ", ".join(parts)))
    watch.check("hostile bodies")


if __name__ == "__main__":
    main()
