#!/usr/bin/python3
"""Property-based differential test of prefect.deployments_filter / _count / _paginate.

For each of several random datasets (written straight into the prefect.* tables with
Prefect's column names) thousands of random request bodies are generated. Every body is
evaluated twice:

  * by the extension (one SQL round trip: deployments_filter + deployments_count, and for a
    share of the bodies deployments_paginate), and
  * by an independent in-memory evaluator written here in Python from Prefect's semantics
    (/work/shared/spec/filters.md, query.md; PrefectHQ/prefect src/prefect/server/schemas/
    filters.py and src/prefect/server/models/deployments.py are the final word).

The evaluator never looks at the extension's sources. It models:
  * SQL three-valued logic (NULL inside AND/OR, NOT IN with NULL columns, comparisons with
    NULL timestamps),
  * SQLAlchemy's construction of and_/or_ (TRUE is dropped from AND and absorbs OR; a
    sub-filter without active criteria is the constant TRUE; `startswith_: []` is an empty
    clause list that renders to nothing),
  * the FlowRunFilterState / TaskRunFilterState `isinstance(..., BinaryExpression)` drop rule,
  * TaskRunFilterFlowRunId's non-null `is_null_` default,
  * ILIKE with user `%`/`_` as wildcards and `\\` as escape, lower()-folded,
  * EXISTS semantics of the six top-level filters (presence, not emptiness, matters),
  * sort order NAME_ASC/NAME_DESC/CREATED_DESC/UPDATED_DESC with id as tiebreak; names
    compare by code point (= UTF-8 bytes, the order of the C.UTF-8 collation; checked).

Usage: property_test.py [--seed N] [--bodies N] [--datasets N] [--only D:B] [--dump-sql D]
Connection parameters come from the libpq environment (PGHOST, PGPORT, PGDATABASE, ...).
The database must have pg_trgm and prefect_filter installed; the prefect.* tables are
TRUNCATEd and refilled for every dataset.
"""

import argparse
import json
import math
import random
import re
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

import os

import psycopg2
import psycopg2.extras

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "vocabulary"))
import vocabulary  # noqa: E402  (the compiler's table, for the drift check only)

UTC = timezone.utc
STATE_TYPES = ["SCHEDULED", "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED",
               "CRASHED", "PAUSED", "CANCELLING"]
SORTS = ["NAME_ASC", "NAME_DESC", "CREATED_DESC", "UPDATED_DESC"]
DEFAULT_LIMIT = 200


class _JsonNull:
    """created_by stored as the JSON value null (not SQL NULL)."""

    def __repr__(self):
        return "JSON_NULL"


JSON_NULL = _JsonNull()

# ============================================================================================
# Awkward value pools
# ============================================================================================

# Every character used in names/patterns; lower() of each must agree between Python and the
# server (checked at start-up). Non-ASCII letters kept to ones whose lower-casing agrees.
BASE_NAMES = [
    "default", "Default", "DEFAULT", "etl", "ETL-nightly", "my_flow", "my%flow", "myXflow",
    "100%", "50% off", "a\\b", "a\\\\b", "it's", 'say "hi"', "naïve", "NAÏVE", "Ünïcode",
    "ünïcode", "日本語", "🚀 launch", "x_y", "xAy", "x%y", "under_score", "UNDER_SCORE",
    "trailing\\", "%", "_", "\\", "  spaced  ", "tab\tname", "Straße", "STRASSE", "øre",
    "ØRE", "ñandú", "Ñandú", "a.b*c", "[brackets]", "q?", "$dollar",
]
FRAGMENTS = [
    "etl", "ETL", "Etl", "load", "LOAD", "data", "a", "A", "b", "x", "X", "_", "%", "\\",
    "'", '"', " ", "-", ".", "é", "É", "ü", "Ü", "ß", "日本", "🚀", "ñ", "Ñ", "ä", "ø", "Ø",
    "0", "9", "*", "[", "]", "?", "$",
]
TAGS = ["prod", "Prod", "PROD", "dev", "test", "a%b", "a_b", "x\\y", "it's", "ünï", "日本",
        "", " ", "auto-scheduled", "🚀"]
POOL_TYPES = ["process", "Process", "docker", "kubernetes", "k8s_%", "ecs\\push"]
QUEUE_NAMES = ["default", "Default", "high-priority", "high_priority", "low%", "gpu\\a100",
               "ünï", "日本", "q_1", "Q_1", "prod", "it's"]
STATE_NAMES = ["Scheduled", "Late", "AwaitingRetry", "Pending", "Running", "Retrying",
               "Completed", "Cached", "Failed", "Crashed", "crashed", "Cancelled", "Paused",
               "Suspended", "TimedOut", "Weird 'name'", "ünï%"]
FLOW_VERSIONS = ["1.0", "1.0.0", "2.0", "v2", "abc123", "ABC123", "%"]
IDEM_KEYS = ["key-1", "key-2", "KEY-1", "k%", "k_", "scheduled deploy 1", "ünï", "k\\"]
TASK_NAMES = ["extract", "Extract", "transform-1", "load_%", "t\\1", "ünï", "task", "TASK"]
RUN_NAMES = ["amazing-fox", "Amazing-Fox", "sad_marvin", "sad%marvin", "run\\1", "日本",
             "🚀-run", "brave-owl"]
CREATOR_TYPES = ["DEPLOYMENT", "AUTOMATION", "USER", "deployment", "SCHEDULE"]
JUNK_STRINGS = ["", " ", "nope", "NOPE", "%", "_", "\\", "'", "ü", "日本語x", "default ",
                " default"]

ALPHABET = set("".join(BASE_NAMES + FRAGMENTS + TAGS + POOL_TYPES + QUEUE_NAMES + STATE_NAMES
                       + FLOW_VERSIONS + IDEM_KEYS + TASK_NAMES + RUN_NAMES + CREATOR_TYPES
                       + JUNK_STRINGS))
ALPHABET |= {c.swapcase() for c in ALPHABET if len(c.swapcase()) == 1}


# ============================================================================================
# Dataset generation
# ============================================================================================

class Dataset:
    pass


def gen_name(rng):
    if rng.random() < 0.5:
        return rng.choice(BASE_NAMES)
    return "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 4)))


def gen_tags(rng):
    if rng.random() < 0.3:
        return []
    tags = rng.sample(TAGS, rng.randint(1, 3))
    if rng.random() < 0.05:
        tags.append(rng.choice(tags))  # duplicate element
    return tags


def gen_dataset(rng, n_deployments, run_factor=2.2):
    def new_id():
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    base = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    ts_pool = sorted({base + timedelta(minutes=rng.choice([0, 0, 1, 5, 60, 61, 1440, -30,
                                                           -1440, -2880]),
                                       microseconds=rng.choice([0, 0, 0, 1, 500000, 999999]))
                      for _ in range(10)})

    def ts(null_p=0.0):
        return None if rng.random() < null_p else rng.choice(ts_pool)

    ds = Dataset()
    ds.ts_pool = ts_pool

    # flows (name unique)
    ds.flows = []
    used = set()
    for _ in range(rng.randint(4, 8)):
        name = gen_name(rng)
        if name in used:
            continue
        used.add(name)
        ds.flows.append(dict(id=new_id(), name=name, tags=gen_tags(rng), created=ts(),
                             updated=ts()))

    # work pools (name unique) and queues (name unique per pool)
    ds.work_pools = []
    used = set()
    for _ in range(rng.randint(2, 4)):
        name = gen_name(rng)
        if name in used:
            continue
        used.add(name)
        ds.work_pools.append(dict(id=new_id(), name=name, type=rng.choice(POOL_TYPES)))
    ds.work_queues = []
    for wp in ds.work_pools:
        for qn in rng.sample(QUEUE_NAMES, rng.randint(1, 3)):
            ds.work_queues.append(dict(id=new_id(), name=qn, work_pool_id=wp["id"]))

    # deployments (name unique per flow; duplicates across flows on purpose)
    ds.deployments = []
    used = set()
    name_pool = [gen_name(rng) for _ in range(max(6, n_deployments // 2))]
    attempts = 0
    while len(ds.deployments) < n_deployments and attempts < n_deployments * 20:
        attempts += 1
        flow = rng.choice(ds.flows)
        name = rng.choice(name_pool) if rng.random() < 0.8 else gen_name(rng)
        if (flow["id"], name) in used:
            continue
        used.add((flow["id"], name))
        wq = rng.choice(ds.work_queues) if rng.random() < 0.8 else None
        r = rng.random()
        if wq is not None:
            wqn = wq["name"] if r < 0.7 else (rng.choice(QUEUE_NAMES) if r < 0.85 else None)
        else:
            wqn = None if r < 0.5 else rng.choice(QUEUE_NAMES)
        created = ts()
        ds.deployments.append(dict(
            id=new_id(), name=name, flow_id=flow["id"], tags=gen_tags(rng),
            paused=rng.random() < 0.3, work_queue_id=wq["id"] if wq else None,
            work_queue_name=wqn, created=created,
            updated=created if rng.random() < 0.3 else ts(),
            concurrency_limit=rng.choice([None, None, 0, 1, 5])))

    # flow runs
    creator_ids = [str(d["id"]) for d in rng.sample(ds.deployments, min(4, len(ds.deployments)))]
    creator_ids += [str(new_id()) for _ in range(2)]
    ds.flow_runs = []
    idem_used = set()
    weights = [rng.choice([0, 0, 1, 1, 2, 4]) for _ in ds.deployments]
    if not any(weights):
        weights[0] = 1
    for i in range(int(n_deployments * run_factor)):
        r = rng.random()
        if r < 0.75:
            dep = rng.choices(ds.deployments, weights)[0]
            dep_id = dep["id"]
            flow_id = dep["flow_id"] if rng.random() < 0.9 else rng.choice(ds.flows)["id"]
        elif r < 0.9:
            dep_id, flow_id = None, rng.choice(ds.flows)["id"]
        else:
            dep_id, flow_id = new_id(), rng.choice(ds.flows)["id"]  # dangling (no FK)
        idem = None
        if rng.random() < 0.4:
            k = rng.choice(IDEM_KEYS)
            if (flow_id, k) not in idem_used:
                idem_used.add((flow_id, k))
                idem = k
        r = rng.random()
        if r < 0.2:
            created_by = None
        elif r < 0.25:
            created_by = JSON_NULL
        elif r < 0.3:
            created_by = {"type": rng.choice(CREATOR_TYPES), "display_value": "no id"}
        elif r < 0.42:
            created_by = {"id": rng.choice(creator_ids).upper(), "type": "AUTOMATION",
                          "display_value": "upper-case id"}
        elif r < 0.45:
            created_by = {"id": "not-a-uuid", "type": "USER", "display_value": "x"}
        else:
            created_by = {"id": rng.choice(creator_ids), "type": rng.choice(CREATOR_TYPES),
                          "display_value": gen_name(rng)}
        st = rng.choice(STATE_TYPES) if rng.random() < 0.85 else None
        sn = rng.choice(STATE_NAMES) if rng.random() < 0.85 else None
        wq = rng.choice(ds.work_queues) if rng.random() < 0.6 else None
        ds.flow_runs.append(dict(
            id=new_id(), name=rng.choice(RUN_NAMES) if rng.random() < 0.7 else gen_name(rng),
            flow_id=flow_id, deployment_id=dep_id, state_type=st, state_name=sn,
            expected_start_time=ts(0.15), start_time=ts(0.4), end_time=ts(0.5),
            next_scheduled_start_time=ts(0.6),
            flow_version=rng.choice(FLOW_VERSIONS) if rng.random() < 0.7 else None,
            idempotency_key=idem, tags=gen_tags(rng),
            work_queue_name=(rng.choice(QUEUE_NAMES) if rng.random() < 0.7 else None),
            work_queue_id=wq["id"] if wq else None, created_by=created_by,
            parent_task_run_id=None))

    # task runs
    ds.task_runs = []
    for i in range(int(len(ds.flow_runs) * 2)):
        fr = rng.choice(ds.flow_runs) if rng.random() < 0.92 else None
        ds.task_runs.append(dict(
            id=new_id(), name=rng.choice(TASK_NAMES) if rng.random() < 0.7 else gen_name(rng),
            flow_run_id=fr["id"] if fr else None, task_key="key-%d" % i, dynamic_key=str(i),
            state_type=rng.choice(STATE_TYPES) if rng.random() < 0.85 else None,
            state_name=rng.choice(STATE_NAMES) if rng.random() < 0.85 else None,
            start_time=ts(0.4), end_time=ts(0.5), expected_start_time=ts(0.2),
            tags=gen_tags(rng)))

    # subflow links
    if ds.task_runs:
        for fr in ds.flow_runs:
            if rng.random() < 0.3:
                fr["parent_task_run_id"] = rng.choice(ds.task_runs)["id"]

    index_dataset(ds)
    return ds


def index_dataset(ds):
    ds.flow_by_id = {f["id"]: f for f in ds.flows}
    ds.wq_by_id = {q["id"]: q for q in ds.work_queues}
    ds.wp_by_id = {p["id"]: p for p in ds.work_pools}
    ds.tr_by_id = {t["id"]: t for t in ds.task_runs}
    ds.runs_by_dep = {}
    for fr in ds.flow_runs:
        if fr["deployment_id"] is not None:
            ds.runs_by_dep.setdefault(fr["deployment_id"], []).append(fr)
    ds.tasks_by_run = {}
    for tr in ds.task_runs:
        if tr["flow_run_id"] is not None:
            ds.tasks_by_run.setdefault(tr["flow_run_id"], []).append(tr)
    ds.deployed_flow_ids = {d["flow_id"] for d in ds.deployments}
    ds.subflow_parent_tr_ids = {fr["parent_task_run_id"] for fr in ds.flow_runs
                                if fr["parent_task_run_id"] is not None}
    ds.dep_by_id = {d["id"]: d for d in ds.deployments}

    def uniq(values):
        out, seen = [], set()
        for v in values:
            if v is not None and v not in seen:
                seen.add(v)
                out.append(v)
        return out

    def tagvals(rows):
        return uniq(t for r in rows for t in r["tags"])

    creator = []
    for fr in ds.flow_runs:
        cb = fr["created_by"]
        if isinstance(cb, dict) and isinstance(cb.get("id"), str):
            try:
                creator.append(uuid.UUID(cb["id"]))
            except ValueError:
                pass
    ds.vocab = {
        "flow_id": [f["id"] for f in ds.flows],
        "flow_name": [f["name"] for f in ds.flows],
        "flow_tags": tagvals(ds.flows),
        "fr_id": [r["id"] for r in ds.flow_runs],
        "fr_name": uniq(r["name"] for r in ds.flow_runs),
        "fr_tags": tagvals(ds.flow_runs),
        "dep_id": uniq([d["id"] for d in ds.deployments]
                       + [r["deployment_id"] for r in ds.flow_runs]),
        "fr_wqn": uniq([r["work_queue_name"] for r in ds.flow_runs]
                       + [q["name"] for q in ds.work_queues]),
        "fr_state_name": uniq(r["state_name"] for r in ds.flow_runs),
        "fr_version": uniq(r["flow_version"] for r in ds.flow_runs),
        "fr_idem": uniq(r["idempotency_key"] for r in ds.flow_runs),
        "creator_id": uniq(creator),
        "creator_type": uniq([cb.get("type") for cb in (r["created_by"] for r in ds.flow_runs)
                              if isinstance(cb, dict)] + ["NOBODY"]),
        "tr_id": [t["id"] for t in ds.task_runs],
        "tr_name": uniq(t["name"] for t in ds.task_runs),
        "tr_tags": tagvals(ds.task_runs),
        "tr_state_name": uniq(t["state_name"] for t in ds.task_runs),
        "dep_name": uniq(d["name"] for d in ds.deployments),
        "dep_tags": tagvals(ds.deployments),
        "dep_wqn": uniq(d["work_queue_name"] for d in ds.deployments),
        "dep_or_flow_name": uniq([d["name"] for d in ds.deployments]
                                 + [f["name"] for f in ds.flows]),
        "wp_id": [p["id"] for p in ds.work_pools],
        "wp_name": [p["name"] for p in ds.work_pools],
        "wp_type": uniq(p["type"] for p in ds.work_pools),
        "wq_id": [q["id"] for q in ds.work_queues],
        "wq_name": uniq(q["name"] for q in ds.work_queues),
    }
    ds.all_ids = (ds.vocab["flow_id"] + ds.vocab["fr_id"] + ds.vocab["dep_id"]
                  + ds.vocab["tr_id"] + ds.vocab["wp_id"] + ds.vocab["wq_id"])


def jsonb(v):
    if v is None:
        return None
    if v is JSON_NULL:
        return psycopg2.extras.Json(None)
    return psycopg2.extras.Json(v)


TABLE_ROWS = [
    ("flow", "flows", ["id", "name", "tags", "created", "updated"]),
    ("work_pool", "work_pools", ["id", "name", "type"]),
    ("work_queue", "work_queues", ["id", "name", "work_pool_id"]),
    ("deployment", "deployments", ["id", "name", "flow_id", "tags", "paused", "work_queue_id",
                                   "work_queue_name", "created", "updated",
                                   "concurrency_limit"]),
    ("flow_run", "flow_runs", ["id", "name", "flow_id", "deployment_id", "state_type",
                               "state_name", "expected_start_time", "start_time", "end_time",
                               "next_scheduled_start_time", "flow_version", "idempotency_key",
                               "tags", "work_queue_name", "work_queue_id", "created_by"]),
    ("task_run", "task_runs", ["id", "name", "flow_run_id", "task_key", "dynamic_key",
                               "state_type", "state_name", "start_time", "end_time",
                               "expected_start_time", "tags"]),
]
JSONB_COLS = {"tags", "created_by"}


def dataset_statements(ds):
    """(sql, rows) pairs that load the dataset (parent_task_run_id set by a final UPDATE)."""
    out = []
    for table, attr, cols in TABLE_ROWS:
        rows = []
        for r in getattr(ds, attr):
            rows.append(tuple(jsonb(r[c]) if c in JSONB_COLS else r[c] for c in cols))
        out.append(("INSERT INTO prefect.%s (%s) VALUES %%s" % (table, ", ".join(cols)), rows))
    links = [(fr["parent_task_run_id"], fr["id"]) for fr in ds.flow_runs
             if fr["parent_task_run_id"] is not None]
    out.append(("UPDATE prefect.flow_run f SET parent_task_run_id = v.p::uuid "
                "FROM (VALUES %s) AS v(p, id) WHERE f.id = v.id::uuid", links))
    return out


TRUNCATE = ("TRUNCATE prefect.task_run, prefect.flow_run, prefect.deployment_schedule, "
            "prefect.deployment, prefect.work_queue, prefect.work_pool, prefect.flow "
            "CASCADE")


def load_dataset(cur, ds):
    cur.execute(TRUNCATE)
    for sql, rows in dataset_statements(ds):
        if rows:
            psycopg2.extras.execute_values(cur, sql, rows, page_size=1000)
    cur.execute("ANALYZE prefect.flow, prefect.deployment, prefect.flow_run, prefect.task_run,"
                " prefect.work_queue, prefect.work_pool")


def dump_sql(cur, ds):
    lines = [TRUNCATE + ";"]
    for sql, rows in dataset_statements(ds):
        for row in rows:
            values = cur.mogrify("(" + ",".join(["%s"] * len(row)) + ")", row).decode()
            lines.append(sql.replace("%s", values) + ";")
    return "\n".join(lines)


# ============================================================================================
# Independent evaluator
# ============================================================================================
# A compiled clause is one of:
#   TRUE                 sqlalchemy.true() (what an object with no active criteria yields)
#   EMPTY                an empty BooleanClauseList (or_() over an empty list): renders nothing
#   ("leaf", fn)         a simple comparison / EXISTS; fn(row) -> True | False | None (NULL)
#   ("and"|"or", [...])  a BooleanClauseList with >= 2 members

TRUE = "TRUE"
EMPTY = "EMPTY"


def leaf(fn):
    return ("leaf", fn)


def combine(op, clauses):
    """sqlalchemy and_(*clauses) / or_(*clauses) (BooleanClauseList._construct)."""
    cont, skip = (TRUE, "FALSE") if op == "and" else ("FALSE", TRUE)
    conv, has_cont = [], False
    for c in clauses:
        if c is cont:
            has_cont = True
        elif c is skip:
            return skip
        else:
            conv.append(c)
    if not conv:
        return cont if has_cont else EMPTY
    if len(conv) == 1:
        return conv[0]
    return (op, conv)


def as_sql_filter(filters, operator="and_"):
    """PrefectFilterBaseModel / PrefectOperatorFilterBaseModel.as_sql_filter."""
    if not filters:
        return TRUE
    return combine("and" if operator == "and_" else "or", filters)


def and3(vals):
    res = True
    for v in vals:
        if v is False:
            return False
        if v is None:
            res = None
    return res


def or3(vals):
    res = False
    for v in vals:
        if v is True:
            return True
        if v is None:
            res = None
    return res


def ev(clause, row):
    if clause is TRUE:
        return True
    if clause == "FALSE":
        return False
    if clause is EMPTY:
        return EMPTY
    if clause[0] == "leaf":
        return clause[1](row)
    vals = [v for v in (ev(c, row) for c in clause[1]) if v is not EMPTY]
    if not vals:
        return EMPTY
    return and3(vals) if clause[0] == "and" else or3(vals)


def holds(clause, row):
    """WHERE semantics: NULL and FALSE reject; an empty clause is no clause at all."""
    v = ev(clause, row)
    return v is True or v is EMPTY


_like_cache = {}


def like_match(value, pattern):
    """PostgreSQL LIKE with the default escape character backslash."""
    rx = _like_cache.get(pattern)
    if rx is None:
        out, i = [], 0
        while i < len(pattern):
            c = pattern[i]
            if c == "\\":
                i += 1
                if i >= len(pattern):
                    raise ValueError("LIKE pattern must not end with escape character")
                out.append(re.escape(pattern[i]))
            elif c == "%":
                out.append(".*")
            elif c == "_":
                out.append(".")
            else:
                out.append(re.escape(c))
            i += 1
        rx = re.compile("".join(out), re.DOTALL)
        _like_cache[pattern] = rx
    return rx.fullmatch(value) is not None


def ilike(value, pattern):
    # ILIKE in a multibyte database: lower() both sides, then LIKE.
    return like_match(value.lower(), pattern.lower())


def parse_dt(s):
    d = datetime.fromisoformat(s.replace("Z", "+00:00"))
    if d.tzinfo is None:
        d = d.replace(tzinfo=UTC)  # pydantic/Prefect: naive means UTC
    return d


def col(name):
    return lambda row: row[name]


# pydantic lax mode (FastAPI validates bodies in lax mode): what a JSON value means for a
# `bool` / `int` field.
_TRUE_STR = {"1", "on", "t", "true", "y", "yes"}
_FALSE_STR = {"0", "off", "f", "false", "n", "no"}


def lax_bool(v):
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    if isinstance(v, str) and v.lower() in _TRUE_STR:
        return True
    if isinstance(v, str) and v.lower() in _FALSE_STR:
        return False
    raise ValueError("not a valid boolean: %r" % (v,))


def lax_int(v):
    if v is None or (isinstance(v, int) and not isinstance(v, bool)):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        return int(v)
    raise ValueError("not a valid integer: %r" % (v,))


def tag_strings(tags):
    return {t for t in tags if isinstance(t, str)}


# ---- leaf predicate builders: each returns a clause or None (field not active) -------------

def f_in(getter, conv=None):          # `any_`: active when not null
    def build(v):
        if v is None:
            return None
        vals = {conv(x) for x in v} if conv else set(v)

        def fn(row):
            if not vals:
                return False      # col IN () -> always false, even for NULL col
            x = getter(row)
            if x is None:
                return None
            return x in vals
        return leaf(fn)
    return build


def f_not_in(getter, conv=None):      # `not_any_`: active when non-empty
    def build(v):
        if not v:
            return None
        vals = {conv(x) for x in v} if conv else set(v)

        def fn(row):
            x = getter(row)
            if x is None:
                return None
            return x not in vals
        return leaf(fn)
    return build


def f_ilike_contains(getter):         # `like_`: active when a non-empty string
    def build(v):
        if not v:
            return None
        pat = "%" + v + "%"
        return leaf(lambda row: None if getter(row) is None else ilike(getter(row), pat))
    return build


def f_tags_all(getter):               # active when non-empty
    def build(v):
        if not v:
            return None
        want = set(v)
        return leaf(lambda row: want <= tag_strings(getter(row)))
    return build


def f_tags_any(getter):               # active when not null; [] -> FALSE
    def build(v):
        if v is None:
            return None
        want = set(v)
        return leaf(lambda row: bool(want & tag_strings(getter(row))))
    return build


def f_tags_is_null(getter):           # "is_null" = empty list
    def build(v):
        v = lax_bool(v)
        if v is None:
            return None
        return leaf(lambda row: (getter(row) == []) == v)
    return build


def f_is_null(getter):
    def build(v):
        v = lax_bool(v)
        if v is None:
            return None
        return leaf(lambda row: (getter(row) is None) == v)
    return build


def f_before(getter):
    def build(v):
        if v is None:
            return None
        t = parse_dt(v)
        return leaf(lambda row: None if getter(row) is None else getter(row) <= t)
    return build


def f_after(getter):
    def build(v):
        if v is None:
            return None
        t = parse_dt(v)
        return leaf(lambda row: None if getter(row) is None else getter(row) >= t)
    return build


def f_is_bool(getter):                # `col IS true/false`
    def build(v):
        v = lax_bool(v)
        if v is None:
            return None
        return leaf(lambda row: getter(row) is v)
    return build


def leaf_class(obj, fields, operator_class=False):
    """A filter class whose fields are leaf criteria."""
    filters = []
    for key, build in fields:
        c = build(obj.get(key))
        if c is not None:
            filters.append(c)
    return as_sql_filter(filters, obj.get("operator", "and_") if operator_class else "and_")


def container_class(obj, fields, operator_class=True):
    """A filter class whose fields are sub-filter objects (present -> its as_sql_filter)."""
    filters = []
    for key, compile_sub in fields:
        sub = obj.get(key)
        if sub is not None:
            filters.append(compile_sub(sub))
    return as_sql_filter(filters, obj.get("operator", "and_") if operator_class else "and_")


def state_class(obj, fields):
    """FlowRunFilterState / TaskRunFilterState: keep a sub-filter only when its predicate is
    a single BinaryExpression (exactly one active comparison)."""
    filters = []
    for key, compile_sub in fields:
        sub = obj.get(key)
        if sub is not None:
            c = compile_sub(sub)
            if isinstance(c, tuple) and c[0] == "leaf":
                filters.append(c)
    return as_sql_filter(filters, obj.get("operator", "and_"))


U = uuid.UUID


class Evaluator:
    def __init__(self, ds):
        self.ds = ds

    # ---- flows ----------------------------------------------------------------------------
    def flow_filter(self, o):
        ds = self.ds

        def deployment(sub):
            def build(v):
                if v is None:
                    return None
                if lax_bool(v):   # flow.id NOT IN (SELECT DISTINCT flow_id FROM deployment)
                    return leaf(lambda row: row["id"] not in ds.deployed_flow_ids)
                return leaf(lambda row: row["id"] in ds.deployed_flow_ids)
            return leaf_class(sub, [("is_null_", build)], True)

        return container_class(o, [
            ("id", lambda s: leaf_class(s, [("any_", f_in(col("id"), U)),
                                            ("not_any_", f_not_in(col("id"), U))])),
            ("deployment", deployment),
            ("name", lambda s: leaf_class(s, [("any_", f_in(col("name"))),
                                              ("like_", f_ilike_contains(col("name")))])),
            ("tags", lambda s: leaf_class(s, [("all_", f_tags_all(col("tags"))),
                                              ("is_null_", f_tags_is_null(col("tags")))], True)),
        ])

    # ---- flow runs ------------------------------------------------------------------------
    def flow_run_filter(self, o):
        ds = self.ds

        def start_coalesce(row):
            return row["start_time"] if row["start_time"] is not None \
                else row["expected_start_time"]

        def parent_flow_run(sub):
            def build(v):
                if v is None:
                    return None
                parents = {U(x) for x in v}
                # flow_run.id IN (SELECT fr.id FROM flow_run fr JOIN task_run tr
                #                 ON tr.id = fr.parent_task_run_id WHERE tr.flow_run_id IN (...))
                ids = set()
                for fr in ds.flow_runs:
                    tr = ds.tr_by_id.get(fr["parent_task_run_id"])
                    if tr is not None and tr["flow_run_id"] in parents:
                        ids.add(fr["id"])
                return leaf(lambda row: row["id"] in ids)
            return leaf_class(sub, [("any_", build)], True)

        def cb_field(name):
            def get(row):
                cb = row["created_by"]
                if not isinstance(cb, dict):        # SQL NULL or JSON null -> ->> is NULL
                    return None
                x = cb.get(name)
                if x is None:
                    return None
                return x if isinstance(x, str) else json.dumps(x)
            return get

        def created_by(sub):
            return leaf_class(sub, [
                ("id_", f_in(cb_field("id"), lambda x: str(U(x)))),
                ("type_", f_in(cb_field("type"))),
                ("is_null_", f_is_null(lambda row: None if row["created_by"] is None else 1)),
            ], True)

        def state(sub):
            return state_class(sub, [
                ("type", lambda s: leaf_class(s, [("any_", f_in(col("state_type"))),
                                                  ("not_any_", f_not_in(col("state_type")))])),
                ("name", lambda s: leaf_class(s, [("any_", f_in(col("state_name"))),
                                                  ("not_any_", f_not_in(col("state_name")))])),
            ])

        return container_class(o, [
            ("id", lambda s: leaf_class(s, [("any_", f_in(col("id"), U)),
                                            ("not_any_", f_not_in(col("id"), U))])),
            ("name", lambda s: leaf_class(s, [("any_", f_in(col("name"))),
                                              ("like_", f_ilike_contains(col("name")))])),
            ("tags", lambda s: leaf_class(s, [("all_", f_tags_all(col("tags"))),
                                              ("any_", f_tags_any(col("tags"))),
                                              ("is_null_", f_tags_is_null(col("tags")))], True)),
            ("deployment_id", lambda s: leaf_class(s, [
                ("any_", f_in(col("deployment_id"), U)),
                ("is_null_", f_is_null(col("deployment_id")))], True)),
            ("work_queue_name", lambda s: leaf_class(s, [
                ("any_", f_in(col("work_queue_name"))),
                ("is_null_", f_is_null(col("work_queue_name")))], True)),
            ("flow_version", lambda s: leaf_class(s, [("any_", f_in(col("flow_version")))])),
            ("state", state),
            ("start_time", lambda s: leaf_class(s, [
                ("before_", f_before(start_coalesce)), ("after_", f_after(start_coalesce)),
                ("is_null_", f_is_null(col("start_time")))])),
            ("end_time", lambda s: leaf_class(s, [
                ("before_", f_before(col("end_time"))), ("after_", f_after(col("end_time"))),
                ("is_null_", f_is_null(col("end_time")))])),
            ("expected_start_time", lambda s: leaf_class(s, [
                ("before_", f_before(col("expected_start_time"))),
                ("after_", f_after(col("expected_start_time")))])),
            ("next_scheduled_start_time", lambda s: leaf_class(s, [
                ("before_", f_before(col("next_scheduled_start_time"))),
                ("after_", f_after(col("next_scheduled_start_time")))])),
            ("parent_flow_run_id", parent_flow_run),
            ("parent_task_run_id", lambda s: leaf_class(s, [
                ("any_", f_in(col("parent_task_run_id"), U)),
                ("is_null_", f_is_null(col("parent_task_run_id")))], True)),
            ("idempotency_key", lambda s: leaf_class(s, [
                ("any_", f_in(col("idempotency_key"))),
                ("not_any_", f_not_in(col("idempotency_key")))])),
            ("created_by", created_by),
        ])

    # ---- task runs ------------------------------------------------------------------------
    def task_run_filter(self, o):
        ds = self.ds

        def subflow_runs(sub):
            def build(v):
                v = lax_bool(v)
                if v is None:
                    return None
                if v:
                    return leaf(lambda row: row["id"] in ds.subflow_parent_tr_ids)
                return leaf(lambda row: row["id"] not in ds.subflow_parent_tr_ids)
            return leaf_class(sub, [("exists_", build)])

        def flow_run_id(sub):
            is_null = lax_bool(sub["is_null_"]) if "is_null_" in sub else False  # default
            any_ = sub.get("any_")
            filters = []
            if is_null is True:
                filters.append(f_is_null(col("flow_run_id"))(True))
            elif is_null is False and any_ is None:
                filters.append(f_is_null(col("flow_run_id"))(False))
            elif any_ is not None:
                filters.append(f_in(col("flow_run_id"), U)(any_))
            return as_sql_filter(filters, sub.get("operator", "and_"))

        def state(sub):
            return state_class(sub, [
                ("type", lambda s: leaf_class(s, [("any_", f_in(col("state_type")))])),
                ("name", lambda s: leaf_class(s, [("any_", f_in(col("state_name")))])),
            ])

        return container_class(o, [
            ("id", lambda s: leaf_class(s, [("any_", f_in(col("id"), U))])),
            ("name", lambda s: leaf_class(s, [("any_", f_in(col("name"))),
                                              ("like_", f_ilike_contains(col("name")))])),
            ("tags", lambda s: leaf_class(s, [("all_", f_tags_all(col("tags"))),
                                              ("is_null_", f_tags_is_null(col("tags")))], True)),
            ("state", state),
            ("start_time", lambda s: leaf_class(s, [
                ("before_", f_before(col("start_time"))), ("after_", f_after(col("start_time"))),
                ("is_null_", f_is_null(col("start_time")))])),
            ("end_time", lambda s: leaf_class(s, [
                ("before_", f_before(col("end_time"))), ("after_", f_after(col("end_time"))),
                ("is_null_", f_is_null(col("end_time")))])),
            ("expected_start_time", lambda s: leaf_class(s, [
                ("before_", f_before(col("expected_start_time"))),
                ("after_", f_after(col("expected_start_time")))])),
            ("subflow_runs", subflow_runs),
            ("flow_run_id", flow_run_id),
        ])

    # ---- deployments ----------------------------------------------------------------------
    def deployment_filter(self, o):
        ds = self.ds

        def flow_or_deployment_name(sub):
            def build(v):
                if not v:
                    return None
                pat = "%" + v + "%"
                return ("or", [
                    leaf(lambda row: ilike(row["name"], pat)),
                    leaf(lambda row: ilike(ds.flow_by_id[row["flow_id"]]["name"], pat)),
                ])
            return leaf_class(sub, [("like_", build)])

        # concurrency_limit: deprecated, never appended to the list (not even TRUE)
        return container_class(o, [
            ("id", lambda s: leaf_class(s, [("any_", f_in(col("id"), U)),
                                            ("not_any_", f_not_in(col("id"), U))])),
            ("name", lambda s: leaf_class(s, [("any_", f_in(col("name"))),
                                              ("like_", f_ilike_contains(col("name")))])),
            ("flow_or_deployment_name", flow_or_deployment_name),
            ("paused", lambda s: leaf_class(s, [("eq_", f_is_bool(col("paused")))])),
            ("tags", lambda s: leaf_class(s, [("all_", f_tags_all(col("tags"))),
                                              ("any_", f_tags_any(col("tags"))),
                                              ("is_null_", f_tags_is_null(col("tags")))], True)),
            ("work_queue_name", lambda s: leaf_class(s, [
                ("any_", f_in(col("work_queue_name")))])),
        ])

    # ---- work pools / queues --------------------------------------------------------------
    def work_pool_filter(self, o):
        return container_class(o, [
            ("id", lambda s: leaf_class(s, [("any_", f_in(col("id"), U))])),
            ("name", lambda s: leaf_class(s, [("any_", f_in(col("name")))])),
            ("type", lambda s: leaf_class(s, [("any_", f_in(col("type")))])),
        ])

    def work_queue_filter(self, o):
        def startswith(v):
            if v is None:
                return None
            # sa.or_(*[]) is an empty clause list: no clause at all
            return combine("or", [leaf(lambda row, p=item + "%": ilike(row["name"], p))
                                  for item in v])

        return container_class(o, [
            ("id", lambda s: leaf_class(s, [("any_", f_in(col("id"), U))])),
            ("name", lambda s: leaf_class(s, [("any_", f_in(col("name"))),
                                              ("startswith_", startswith)])),
        ])

    # ---- whole query ----------------------------------------------------------------------
    def matches(self, body):
        """Deployments satisfying the WHERE clause of /filter and /count (unordered)."""
        ds = self.ds
        g = body.get
        D = self.deployment_filter(g("deployments")) if g("deployments") is not None else None
        F = self.flow_filter(g("flows")) if g("flows") is not None else None
        FR = self.flow_run_filter(g("flow_runs")) if g("flow_runs") is not None else None
        TR = self.task_run_filter(g("task_runs")) if g("task_runs") is not None else None
        need_runs = g("flow_runs") is not None or g("task_runs") is not None
        WQ = self.work_queue_filter(g("work_pool_queues")) \
            if g("work_pool_queues") is not None else None
        WP = self.work_pool_filter(g("work_pools")) if g("work_pools") is not None else None
        need_queue = g("work_pools") is not None or g("work_pool_queues") is not None

        out = []
        for d in ds.deployments:
            if D is not None and not holds(D, d):
                continue
            if F is not None and not holds(F, ds.flow_by_id[d["flow_id"]]):
                continue
            if need_runs:
                found = False
                for fr in ds.runs_by_dep.get(d["id"], ()):
                    if FR is not None and not holds(FR, fr):
                        continue
                    if TR is not None:
                        if not any(holds(TR, tr) for tr in ds.tasks_by_run.get(fr["id"], ())):
                            continue
                    found = True
                    break
                if not found:
                    continue
            if need_queue:
                wq = ds.wq_by_id.get(d["work_queue_id"])
                if wq is None:
                    continue
                if WQ is not None and not holds(WQ, wq):
                    continue
                if WP is not None and not holds(WP, ds.wp_by_id[wq["work_pool_id"]]):
                    continue
            out.append(d)
        return out


def sort_deployments(deps, sort):
    if sort == "NAME_ASC":
        return sorted(deps, key=lambda d: (d["name"], d["id"]))   # code point = UTF-8 bytes
    if sort == "NAME_DESC":
        return sorted(deps, key=lambda d: (d["name"], d["id"]), reverse=True)
    if sort == "CREATED_DESC":
        return sorted(deps, key=lambda d: (d["created"], d["id"]), reverse=True)
    if sort == "UPDATED_DESC":
        return sorted(deps, key=lambda d: (d["updated"], d["id"]), reverse=True)
    raise ValueError(sort)


def expected_filter(ev_, body):
    matched = ev_.matches(body)
    sort = body.get("sort") or "NAME_ASC"
    offset = lax_int(body.get("offset")) or 0
    limit = lax_int(body.get("limit"))
    limit = DEFAULT_LIMIT if limit is None else limit
    ordered = sort_deployments(matched, sort)
    return [str(d["id"]) for d in ordered[offset:offset + limit]], len(matched)


def expected_paginate(ev_, body):
    matched = ev_.matches(body)
    sort = body.get("sort") or "NAME_ASC"
    limit = lax_int(body.get("limit"))
    limit = DEFAULT_LIMIT if limit is None else limit
    page = lax_int(body.get("page"))
    page = 1 if page is None else page
    offset = (page - 1) * limit
    ordered = sort_deployments(matched, sort)
    count = len(matched)
    return {"results": [str(d["id"]) for d in ordered[offset:offset + limit]], "count": count,
            "limit": limit, "pages": (count + limit - 1) // limit if limit > 0 else 0,
            "page": page}


# ============================================================================================
# Body generation
# ============================================================================================
# Generation only (the evaluator above is written independently of this table).
# class -> (accepts operator, {key: sub-class name | leaf kind tuple})
SCHEMA = {}


def _cls(cname, op, **fields):
    SCHEMA[cname] = (op, fields)


_DT = ("dt",)
_BOOL = ("bool",)
_cls("FlowFilter", True, id="FlowFilterId", deployment="FlowFilterDeployment",
     name="FlowFilterName", tags="FlowFilterTags")
_cls("FlowFilterId", False, any_=("uuids", "flow_id"), not_any_=("uuids", "flow_id"))
_cls("FlowFilterDeployment", True, is_null_=_BOOL)
_cls("FlowFilterName", False, any_=("strs", "flow_name"), like_=("like", "flow_name"))
_cls("FlowFilterTags", True, all_=("strs", "flow_tags"), is_null_=_BOOL)

_cls("FlowRunFilter", True, id="FlowRunFilterId", name="FlowRunFilterName",
     tags="FlowRunFilterTags", deployment_id="FlowRunFilterDeploymentId",
     work_queue_name="FlowRunFilterWorkQueueName", state="FlowRunFilterState",
     flow_version="FlowRunFilterFlowVersion", start_time="FlowRunFilterStartTime",
     end_time="FlowRunFilterEndTime", expected_start_time="FlowRunFilterExpectedStartTime",
     next_scheduled_start_time="FlowRunFilterNextScheduledStartTime",
     parent_flow_run_id="FlowRunFilterParentFlowRunId",
     parent_task_run_id="FlowRunFilterParentTaskRunId",
     idempotency_key="FlowRunFilterIdempotencyKey", created_by="FlowRunFilterCreatedBy")
_cls("FlowRunFilterId", False, any_=("uuids", "fr_id"), not_any_=("uuids", "fr_id"))
_cls("FlowRunFilterName", False, any_=("strs", "fr_name"), like_=("like", "fr_name"))
_cls("FlowRunFilterTags", True, all_=("strs", "fr_tags"), any_=("strs", "fr_tags"),
     is_null_=_BOOL)
_cls("FlowRunFilterDeploymentId", True, any_=("uuids", "dep_id"), is_null_=_BOOL)
_cls("FlowRunFilterWorkQueueName", True, any_=("strs", "fr_wqn"), is_null_=_BOOL)
_cls("FlowRunFilterState", True, type="FlowRunFilterStateType", name="FlowRunFilterStateName")
_cls("FlowRunFilterStateType", False, any_=("states",), not_any_=("states",))
_cls("FlowRunFilterStateName", False, any_=("strs", "fr_state_name"),
     not_any_=("strs", "fr_state_name"))
_cls("FlowRunFilterFlowVersion", False, any_=("strs", "fr_version"))
_cls("FlowRunFilterStartTime", False, before_=_DT, after_=_DT, is_null_=_BOOL)
_cls("FlowRunFilterEndTime", False, before_=_DT, after_=_DT, is_null_=_BOOL)
_cls("FlowRunFilterExpectedStartTime", False, before_=_DT, after_=_DT)
_cls("FlowRunFilterNextScheduledStartTime", False, before_=_DT, after_=_DT)
_cls("FlowRunFilterParentFlowRunId", True, any_=("uuids", "fr_id"))
_cls("FlowRunFilterParentTaskRunId", True, any_=("uuids", "tr_id"), is_null_=_BOOL)
_cls("FlowRunFilterIdempotencyKey", False, any_=("strs", "fr_idem"),
     not_any_=("strs", "fr_idem"))
_cls("FlowRunFilterCreatedBy", True, id_=("uuids", "creator_id"),
     type_=("strs", "creator_type"), is_null_=_BOOL)

_cls("TaskRunFilter", True, id="TaskRunFilterId", name="TaskRunFilterName",
     tags="TaskRunFilterTags", state="TaskRunFilterState", start_time="TaskRunFilterStartTime",
     end_time="TaskRunFilterEndTime", expected_start_time="TaskRunFilterExpectedStartTime",
     subflow_runs="TaskRunFilterSubFlowRuns", flow_run_id="TaskRunFilterFlowRunId")
_cls("TaskRunFilterId", False, any_=("uuids", "tr_id"))
_cls("TaskRunFilterName", False, any_=("strs", "tr_name"), like_=("like", "tr_name"))
_cls("TaskRunFilterTags", True, all_=("strs", "tr_tags"), is_null_=_BOOL)
_cls("TaskRunFilterState", True, type="TaskRunFilterStateType", name="TaskRunFilterStateName")
_cls("TaskRunFilterStateType", False, any_=("states",))
_cls("TaskRunFilterStateName", False, any_=("strs", "tr_state_name"))
_cls("TaskRunFilterStartTime", False, before_=_DT, after_=_DT, is_null_=_BOOL)
_cls("TaskRunFilterEndTime", False, before_=_DT, after_=_DT, is_null_=_BOOL)
_cls("TaskRunFilterExpectedStartTime", False, before_=_DT, after_=_DT)
_cls("TaskRunFilterSubFlowRuns", False, exists_=_BOOL)
_cls("TaskRunFilterFlowRunId", True, any_=("uuids", "fr_id"), is_null_=_BOOL)

_cls("DeploymentFilter", True, id="DeploymentFilterId", name="DeploymentFilterName",
     flow_or_deployment_name="DeploymentOrFlowNameFilter", paused="DeploymentFilterPaused",
     tags="DeploymentFilterTags", work_queue_name="DeploymentFilterWorkQueueName",
     concurrency_limit="DeploymentFilterConcurrencyLimit")
_cls("DeploymentFilterId", False, any_=("uuids", "dep_id"), not_any_=("uuids", "dep_id"))
_cls("DeploymentFilterName", False, any_=("strs", "dep_name"), like_=("like", "dep_name"))
_cls("DeploymentOrFlowNameFilter", False, like_=("like", "dep_or_flow_name"))
_cls("DeploymentFilterPaused", False, eq_=_BOOL)
_cls("DeploymentFilterTags", True, all_=("strs", "dep_tags"), any_=("strs", "dep_tags"),
     is_null_=_BOOL)
_cls("DeploymentFilterWorkQueueName", False, any_=("strs", "dep_wqn"))
_cls("DeploymentFilterConcurrencyLimit", False, ge_=("int",), le_=("int",), is_null_=_BOOL)

_cls("WorkPoolFilter", True, id="WorkPoolFilterId", name="WorkPoolFilterName",
     type="WorkPoolFilterType")
_cls("WorkPoolFilterId", False, any_=("uuids", "wp_id"))
_cls("WorkPoolFilterName", False, any_=("strs", "wp_name"))
_cls("WorkPoolFilterType", False, any_=("strs", "wp_type"))
_cls("WorkQueueFilter", True, id="WorkQueueFilterId", name="WorkQueueFilterName")
_cls("WorkQueueFilterId", False, any_=("uuids", "wq_id"))
_cls("WorkQueueFilterName", False, any_=("strs", "wq_name"),
     startswith_=("startswith", "wq_name"))

TOP = [("flows", "FlowFilter"), ("flow_runs", "FlowRunFilter"), ("task_runs", "TaskRunFilter"),
       ("deployments", "DeploymentFilter"), ("work_pools", "WorkPoolFilter"),
       ("work_pool_queues", "WorkQueueFilter")]


def _leaf_paths():
    """Every leaf field as (top-level key, [(class, key), ...] chain from the top class)."""
    out = []

    def walk(top, cname, chain):
        for k, spec in SCHEMA[cname][1].items():
            if isinstance(spec, str):
                walk(top, spec, chain + [(cname, k)])
            else:
                out.append((top, chain + [(cname, k)]))
    for top, cname in TOP:
        walk(top, cname, [])
    return out


LEAF_PATHS = _leaf_paths()
LEAF_PATHS_BY_TOP = {top: [p for p in LEAF_PATHS if p[0] == top] for top, _ in TOP}
ALL_PATHS = {"%s.%s" % (c, k) for c, (_, fields) in SCHEMA.items() for k in fields} | \
    {"%s.operator" % c for c, (op, _) in SCHEMA.items() if op} | \
    {"edge.%d" % i for i in range(16)}


class Gen:
    def __init__(self, rng, ds, coverage):
        self.rng, self.ds, self.cover = rng, ds, coverage

    def fmt_uuid(self, u):
        r = self.rng.random()
        if r < 0.85:
            return str(u)
        if r < 0.95:
            return str(u).upper()
        # other spellings uuid.UUID / pydantic accept
        return self.rng.choice([u.hex, u.hex.upper(), "{%s}" % u, "urn:uuid:%s" % u])

    def uuids(self, key):
        rng, vocab = self.rng, self.ds.vocab[key]
        n = rng.choice([0, 1, 1, 1, 2, 2, 3]) if rng.random() > 0.03 else rng.randint(30, 300)
        out = []
        for _ in range(n):
            r = rng.random()
            if vocab and r < 0.8:
                u = rng.choice(vocab)
            elif r < 0.93:
                u = rng.choice(self.ds.all_ids)
            else:
                u = uuid.UUID(int=rng.getrandbits(128), version=4)
            out.append(self.fmt_uuid(u))
        return out

    def mutate_case(self, s):
        rng = self.rng
        r = rng.random()
        if r < 0.4:
            return s.swapcase()
        if r < 0.7:
            return s.upper()
        return s.lower()

    def strs(self, key):
        rng, vocab = self.rng, self.ds.vocab[key]
        n = rng.choice([0, 1, 1, 1, 2, 2, 3, 4]) if rng.random() > 0.03 else rng.randint(30, 300)
        out = []
        for _ in range(n):
            r = rng.random()
            if vocab and r < 0.75:
                out.append(rng.choice(vocab))
            elif vocab and r < 0.85:
                out.append(self.mutate_case(rng.choice(vocab)))
            else:
                out.append(rng.choice(JUNK_STRINGS + [gen_name(rng)]))
        return out

    def fragment(self, key):
        """A substring of a dataset value, mutated with case changes and wildcards."""
        rng, vocab = self.rng, self.ds.vocab[key]
        s = rng.choice(vocab) if vocab else gen_name(rng)
        if not s:
            s = gen_name(rng) or "x"
        i = rng.randrange(len(s))
        j = rng.randint(i + 1, len(s))
        sub = s[i:j] if rng.random() < 0.85 else s
        if rng.random() < 0.35:
            sub = self.mutate_case(sub)
        if rng.random() < 0.2 and sub:
            k = rng.randrange(len(sub))
            sub = sub[:k] + "_" + sub[k + 1:]
        if rng.random() < 0.12:
            k = rng.randint(0, len(sub))
            sub = sub[:k] + "%" + sub[k:]
        if rng.random() < 0.12 and sub:
            k = rng.randrange(len(sub))
            sub = sub[:k] + "\\" + sub[k:]
        if rng.random() < 0.05:
            sub += "\\"
        return sub

    def like(self, key):
        rng = self.rng
        r = rng.random()
        if r < 0.05:
            return ""
        if r < 0.13:
            return rng.choice(["%", "_", "\\", "\\%", "\\_", "%%", "__", "'", '"', "\\\\", "ü",
                               "Ü", "ß", " "])
        return self.fragment(key)

    def startswith(self, key):
        rng = self.rng
        n = rng.choice([0, 0, 1, 1, 1, 2, 3])
        out = []
        for _ in range(n):
            r = rng.random()
            if r < 0.1:
                out.append(rng.choice(["", "%", "_", "\\", "\\%", "nope"]))
            else:
                s = self.fragment(key)
                vocab = self.ds.vocab[key]
                if vocab and rng.random() < 0.5:   # a real prefix
                    v = rng.choice(vocab)
                    s = v[:rng.randint(1, len(v))]
                    if rng.random() < 0.3:
                        s = self.mutate_case(s)
                out.append(s)
        return out

    def dt(self):
        rng = self.rng
        r = rng.random()
        if r < 0.08:
            t = rng.choice([datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)])
        else:
            t = rng.choice(self.ds.ts_pool)
            if r > 0.55:
                t += rng.choice([timedelta(microseconds=1), timedelta(microseconds=-1),
                                 timedelta(seconds=1), timedelta(hours=-1),
                                 timedelta(minutes=30)])
        f = rng.random()
        if f < 0.05 and t.microsecond % 1000 == 0:
            return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if f < 0.35:
            return t.astimezone(UTC).isoformat().replace("+00:00", "Z")
        if f < 0.6:
            return t.astimezone(UTC).isoformat()
        if f < 0.75:
            return t.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat()
        if f < 0.88:
            return t.astimezone(timezone(timedelta(hours=-3))).isoformat()
        return t.astimezone(UTC).replace(tzinfo=None).isoformat()   # naive = UTC

    def leaf_value(self, spec):
        kind = spec[0]
        rng = self.rng
        if kind == "uuids":
            return self.uuids(spec[1])
        if kind == "strs":
            return self.strs(spec[1])
        if kind == "like":
            return self.like(spec[1])
        if kind == "startswith":
            return self.startswith(spec[1])
        if kind == "bool":
            b = rng.random() < 0.5
            if rng.random() < 0.1:     # lax-mode spellings
                return rng.choice([["true", "True", "t", "yes", "Y", "on", "1", 1],
                                   ["false", "FALSE", "f", "no", "N", "off", "0", 0]][not b])
            return b
        if kind == "dt":
            return self.dt()
        if kind == "states":
            return rng.sample(STATE_TYPES, rng.choice([0, 1, 1, 2, 3]))
        if kind == "int":
            return rng.randint(-3, 10)
        raise ValueError(kind)

    def obj(self, cname, force=None):
        """A random object of filter class `cname`. `force` is a chain [(class, key), ...]
        naming a field that must be present (with a non-null value) down to a leaf."""
        rng = self.rng
        op, fields = SCHEMA[cname]
        keys = list(fields)
        leafy = all(not isinstance(v, str) for v in fields.values())
        p = 0.55 if leafy else min(0.6, 1.8 / len(keys))
        o = {}
        if op and rng.random() < 0.15:
            o["operator"] = rng.choice(["and_", "or_", "or_"])
        for k in keys:
            forced = bool(force) and force[0][1] == k
            if not forced and rng.random() >= p:
                continue
            spec = fields[k]
            r = rng.random()
            self.cover.add("%s.%s" % (cname, k))
            if forced:
                o[k] = self.obj(spec, force[1:]) if isinstance(spec, str) \
                    else self.leaf_value(spec)
            elif r < 0.07:
                o[k] = None
            elif isinstance(spec, str):
                o[k] = {} if r < 0.15 else self.obj(spec)
            else:
                o[k] = self.leaf_value(spec)
        if op and "operator" not in o and rng.random() < 0.4:
            o["operator"] = rng.choice(["and_", "or_", "or_"])
        if "operator" in o:
            self.cover.add("%s.operator" % cname)
        if rng.random() < 0.3:
            items = list(o.items())
            rng.shuffle(items)
            o = dict(items)
        return o

    def filters(self, focus=None):
        """Random top-level filters; `focus` (an entry of LEAF_PATHS) is always included."""
        rng = self.rng
        body = {}
        for key, cname in TOP:
            r = rng.random()
            if focus and focus[0] == key:
                body[key] = self.obj(cname, focus[1])
            elif r < 0.27:
                body[key] = self.obj(cname)
            elif r < 0.33:
                body[key] = {}
            elif r < 0.37:
                body[key] = None
        return body

    # ---- hand-written shapes aimed at the documented edge rules ----------------------------
    def op(self):
        return self.rng.choice(["and_", "or_", "or_"])

    def empty_criteria(self, cname):
        """A present sub-object of class `cname` with no active criteria."""
        _, fields = SCHEMA[cname]
        cands = [{}]
        for k, spec in fields.items():
            if isinstance(spec, str):
                continue
            kind = spec[0]
            cands.append({k: None})
            if kind == "like":
                cands.append({k: ""})
            if k in ("not_any_", "all_"):
                cands.append({k: []})
            if kind == "startswith":
                cands.append({k: []})
        return self.rng.choice(cands)

    def edge_filters(self):
        rng = self.rng
        t = rng.randrange(16)
        self.cover.add("edge.%d" % t)
        v = self.leaf_value
        if t == 0:   # startswith_: [] contributes no clause, even under or_
            name = {"startswith_": []}
            if rng.random() < 0.4:
                name["any_"] = v(("strs", "wq_name"))
            wq = {"operator": self.op(), "name": name}
            if rng.random() < 0.8:
                wq["id"] = rng.choice([{"any_": v(("uuids", "wq_id"))}, {}])
            body = {"work_pool_queues": wq}
            if rng.random() < 0.3:
                body["work_pools"] = self.obj("WorkPoolFilter")
            return body
        if t == 1:   # state drop rule
            st = {"operator": self.op()}
            ty = {"any_": v(("states",))}
            if rng.random() < 0.6:
                ty["not_any_"] = v(("states",))
            nm = rng.choice([{"any_": v(("strs", "fr_state_name"))},
                             {"not_any_": v(("strs", "fr_state_name"))},
                             {"any_": v(("strs", "fr_state_name")),
                              "not_any_": v(("strs", "fr_state_name"))}, {}])
            if rng.random() < 0.8:
                st["type"] = ty
            if rng.random() < 0.8:
                st["name"] = nm
            fr = {"operator": self.op(), "state": st}
            if rng.random() < 0.5:
                fr["name"] = {"like_": v(("like", "fr_name"))}
            return {"flow_runs": fr}
        if t == 2:   # task-run state drop rule
            st = {"operator": self.op()}
            if rng.random() < 0.8:
                st["type"] = rng.choice([{"any_": v(("states",))}, {}, {"any_": None}])
            if rng.random() < 0.8:
                st["name"] = rng.choice([{"any_": v(("strs", "tr_state_name"))}, {}])
            tr = {"operator": self.op(), "state": st}
            if rng.random() < 0.5:
                tr["name"] = {"any_": v(("strs", "tr_name"))}
            return {"task_runs": tr}
        if t == 3:   # deprecated concurrency_limit is not even TRUE
            dep = {"operator": self.op(),
                   "concurrency_limit": rng.choice([{}, {"ge_": 1}, {"le_": 0, "is_null_": True},
                                                    {"is_null_": False}])}
            if rng.random() < 0.7:
                k = rng.choice(["name", "tags", "id", "paused"])
                dep[k] = self.obj(SCHEMA["DeploymentFilter"][1][k])
            return {"deployments": dep}
        if t == 4:   # present-but-empty sub-object under or_ makes the group TRUE
            top, cname = rng.choice(TOP)
            _, fields = SCHEMA[cname]
            subs = [k for k, s in fields.items() if isinstance(s, str)]
            o = {"operator": "or_"}
            k1 = rng.choice(subs)
            o[k1] = self.empty_criteria(fields[k1])
            k2 = rng.choice(subs)
            if k2 != k1:
                o[k2] = self.obj(fields[k2])
            return {top: o}
        if t == 5:   # existence of related rows
            return {k: {} for k, _ in TOP if rng.random() < 0.4}
        if t == 6:   # created_by: text comparison against the canonical lower-case uuid
            cb = {"id_": v(("uuids", "creator_id"))}
            if rng.random() < 0.4:
                cb["operator"] = self.op()
                if rng.random() < 0.5:
                    cb["type_"] = v(("strs", "creator_type"))
                else:
                    cb["is_null_"] = rng.random() < 0.5
            return {"flow_runs": {"created_by": cb}}
        if t == 7:   # TaskRunFilterFlowRunId decision table
            f = {}
            r = rng.random()
            if r < 0.3:
                f["is_null_"] = None
            elif r < 0.5:
                f["is_null_"] = rng.random() < 0.5
            r = rng.random()
            if r < 0.3:
                f["any_"] = v(("uuids", "fr_id"))
            elif r < 0.45:
                f["any_"] = []
            elif r < 0.55:
                f["any_"] = None
            if rng.random() < 0.3:
                f["operator"] = self.op()
            tr = {"flow_run_id": f}
            if rng.random() < 0.5:
                tr["operator"] = self.op()
                tr["name"] = {"any_": v(("strs", "tr_name"))}
            return {"task_runs": tr}
        if t == 8:   # start_time: COALESCE for ranges, raw column for is_null_
            st = {}
            for k in ("before_", "after_", "is_null_"):
                if rng.random() < 0.5:
                    st[k] = v(_BOOL) if k == "is_null_" else v(_DT)
            return {"flow_runs": {"start_time": st}}
        if t == 9:   # NOT IN excludes NULL columns
            k = rng.choice(["state", "idempotency_key", "id"])
            if k == "state":
                fr = {"state": rng.choice([{"type": {"not_any_": v(("states",))}},
                                           {"name": {"not_any_": v(("strs", "fr_state_name"))}}])}
            elif k == "idempotency_key":
                fr = {"idempotency_key": {"not_any_": v(("strs", "fr_idem"))}}
            else:
                fr = {"id": {"not_any_": v(("uuids", "fr_id"))}}
            return {"flow_runs": fr}
        if t == 10:  # ILIKE wildcards and escapes
            k = rng.choice(["name", "flow_or_deployment_name"])
            like = rng.choice(["%", "_", "\\", "\\%", "\\_", "a_b", "%_%", "x\\_y",
                               "trailing\\", "\\\\", "_%_", self.like("dep_or_flow_name")])
            body = {"deployments": {k: {"like_": like}}}
            if rng.random() < 0.3:
                body["flows"] = {"name": {"like_": self.like("flow_name")}}
            return body
        if t == 11:  # any_: [] matches nothing, even under or_
            dep = {"operator": self.op()}
            for k in rng.sample(["id", "name", "tags", "work_queue_name"], rng.randint(1, 3)):
                dep[k] = rng.choice([{"any_": []}, self.obj(SCHEMA["DeploymentFilter"][1][k])])
            return {"deployments": dep}
        if t == 12:  # tags is_null_ means "empty list"; any_/all_ combinations
            top, cname = rng.choice([("deployments", "DeploymentFilterTags"),
                                     ("flow_runs", "FlowRunFilterTags"),
                                     ("flows", "FlowFilterTags"),
                                     ("task_runs", "TaskRunFilterTags")])
            tags = {"is_null_": rng.random() < 0.5, "operator": self.op()}
            _, fields = SCHEMA[cname]
            for k in ("any_", "all_"):
                if k in fields and rng.random() < 0.5:
                    tags[k] = v(fields[k])
            return {top: {"tags": tags}}
        if t == 13:  # subflows
            r = rng.random()
            if r < 0.35:
                return {"flow_runs": {"parent_flow_run_id": {"any_": v(("uuids", "fr_id"))}}}
            if r < 0.7:
                return {"task_runs": {"subflow_runs": {"exists_": rng.random() < 0.5}},
                        "flow_runs": rng.choice([None, {}, self.obj("FlowRunFilter")])}
            return {"flow_runs": {"parent_task_run_id": {
                "operator": self.op(), "any_": v(("uuids", "tr_id")),
                "is_null_": rng.random() < 0.5}}}
        if t == 14:  # FlowFilterDeployment.is_null_ (uncorrelated subquery)
            return {"flows": {"operator": self.op(),
                              "deployment": {"is_null_": rng.random() < 0.5},
                              "name": self.obj("FlowFilterName")}}
        # t == 15: flow_runs and task_runs must be satisfied by the same flow run
        return {"flow_runs": self.obj("FlowRunFilter", rng.choice(LEAF_PATHS_BY_TOP["flow_runs"])[1]),
                "task_runs": self.obj("TaskRunFilter",
                                      rng.choice(LEAF_PATHS_BY_TOP["task_runs"])[1])}

    def sort(self, body):
        r = self.rng.random()
        if r < 0.05:
            body["sort"] = None
        elif r < 0.6:
            body["sort"] = self.rng.choice(SORTS)

    def limit(self, body, choices):
        r = self.rng.random()
        if r < 0.05:
            body["limit"] = None
        elif r < 0.55:
            body["limit"] = self.lax_int(self.rng.choice(choices))

    def lax_int(self, n):
        r = self.rng.random()
        if r < 0.04:
            return str(n)           # pydantic lax mode: "5" is 5
        if r < 0.08:
            return float(n)         # and so is 5.0
        return n

    def filter_body(self):
        rng = self.rng
        r = rng.random()
        if r < 0.2:
            body = self.edge_filters()
        elif r < 0.65:
            body = self.filters(rng.choice(LEAF_PATHS))
        else:
            body = self.filters()
        self.sort(body)
        self.limit(body, [0, 1, 2, 3, 5, 7, 10, 25, 200])
        r = rng.random()
        if r < 0.05:
            body["offset"] = None
        elif r < 0.4:
            body["offset"] = self.lax_int(rng.choice([0, 1, 2, 3, 5, 10, 20, 35]))
        elif r < 0.42:      # past the 32-bit range (offset is unbounded in Prefect)
            body["offset"] = rng.choice([2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53])
        if rng.random() < 0.05:
            body[rng.choice(["page", "unknown_key", "labels"])] = rng.choice([3, "x", None, {}])
        items = list(body.items())
        rng.shuffle(items)
        return dict(items)

    def paginate_body(self, filters):
        rng = self.rng
        body = dict(filters)
        self.sort(body)
        self.limit(body, [0, 1, 2, 3, 5, 7, 10, 200])
        r = rng.random()
        if r < 0.05:
            body["page"] = None
        elif r < 0.7:
            body["page"] = self.lax_int(rng.choice([1, 1, 2, 2, 3, 4, 7, 50]))
        elif r < 0.72:
            body["page"] = rng.choice([2 ** 31 - 1, 2 ** 31, 10 ** 9])
        if rng.random() < 0.1:
            body["offset"] = rng.choice([1, 5])    # not a paginate parameter: ignored
        return body


# ============================================================================================
# Drift check against the compiler's table
# ============================================================================================
# The model above and the generator's SCHEMA stay written by hand from Prefect's sources on
# purpose; this only compares what they cover with src/compiler/filter_spec.cpp (pf_vocabulary,
# test/vocabulary), so that a field added to one side cannot go untested on the other.

# Fields the evaluator does not read on purpose: Prefect validates and then ignores them.
MODEL_IGNORES = {"DeploymentFilter.concurrency_limit"}


class _Reads(dict):
    """A body object that records each key the evaluator asks it for, as (path, key)."""

    def __init__(self, d, path, log):
        super().__init__({k: _Reads(v, path + (k,), log) if isinstance(v, dict) else v
                          for k, v in d.items()})
        self._path, self._log = path, log

    def get(self, k, default=None):
        self._log.add((self._path, k))
        return super().get(k, default)

    def __getitem__(self, k):
        self._log.add((self._path, k))
        return super().__getitem__(k)

    def __contains__(self, k):
        self._log.add((self._path, k))
        return super().__contains__(k)


def model_reads(vocab):
    """The (class, key) pairs the evaluator reads from a body where every filter class is present
    (an empty object at each leaf class). Classes are named through the compiler's table; a key
    at a path the table does not know is named "path.key"."""
    classes = vocab["classes"]

    def probe(cname):
        return {f["key"]: probe(f["child"]) for f in classes[cname]["fields"] if f["kind"] == "kChild"}
    body = {t["key"]: probe(t["class"]) for t in vocab["top_level"]}
    log = set()
    Evaluator(gen_dataset(random.Random(0), 3)).matches(_Reads(body, (), log))

    def class_at(path):
        cname = {t["key"]: t["class"] for t in vocab["top_level"]}.get(path[0]) if path else None
        for k in path[1:]:
            f = next((f for f in classes[cname]["fields"] if f["key"] == k), None) if cname else None
            cname = f["child"] if f and f["kind"] == "kChild" else None
        return cname
    return {"%s.%s" % (class_at(path) or ".".join(path), k) if path else "(body).%s" % k
            for path, k in log}


def _below(spec, path):
    """"Class.key" and, for a sub-filter, every field of the classes under it."""
    cname, key = path.split(".")
    f = next((f for f in spec.get(cname, {}).get("fields", []) if f["key"] == key), None)
    out, stack = {path}, [f["child"]] if f and f["kind"] == "kChild" else []
    while stack:
        c = stack.pop()
        out |= {"%s.%s" % (c, f["key"]) for f in spec[c]["fields"]} | {"%s.operator" % c}
        stack += [f["child"] for f in spec[c]["fields"] if f["kind"] == "kChild"]
    return out


def spec_paths(vocab):
    """"Class.key" of every field (and `operator`) of the compiler's table."""
    return {"%s.%s" % pair for pair in vocabulary.field_pairs(vocab)}


def check_vocabulary(vocab):
    """Problems (strings) where the generator's SCHEMA/TOP, the evaluator or STATE_TYPES differ
    from the compiler's table."""
    problems = []
    spec = vocab["classes"]
    top_cpp = [(t["key"], t["class"]) for t in vocab["top_level"]]
    if TOP != top_cpp:
        problems.append("top-level filters: generator %s, compiler %s" % (TOP, top_cpp))
    for cname in sorted(set(SCHEMA) | set(spec)):
        if cname not in spec:
            problems.append("generator class %s is not in the compiler's table" % cname)
            continue
        if cname not in SCHEMA:
            problems.append("class %s is never generated (not in SCHEMA)" % cname)
            continue
        op, fields = SCHEMA[cname]
        c = spec[cname]
        if op != c["has_operator"]:
            problems.append("%s: operator is %s in the generator, %s in the compiler"
                            % (cname, op, c["has_operator"]))
        cpp = {f["key"]: f for f in c["fields"]}
        for k in sorted(set(fields) - set(cpp)):
            problems.append("generator field %s.%s is not in the compiler's table" % (cname, k))
        for k in sorted(set(cpp) - set(fields)):
            problems.append("field %s.%s (%s) is never generated (not in SCHEMA)"
                            % (cname, k, cpp[k]["kind"]))
        for k in sorted(set(fields) & set(cpp)):
            want = cpp[k].get("child") if cpp[k]["kind"] == "kChild" else None
            got = fields[k] if isinstance(fields[k], str) else None
            if got != want:
                problems.append("%s.%s: the generator has %s, the compiler %s"
                                % (cname, k, got or "a leaf", want or "a leaf (%s)" % cpp[k]["kind"]))
    reads = model_reads(vocab)
    ignored = set().union(*(_below(spec, p) for p in MODEL_IGNORES))
    top_keys = {"(body).%s" % t["key"] for t in vocab["top_level"]}
    for p in sorted((spec_paths(vocab) | top_keys) - ignored - reads):
        problems.append("the evaluator never reads %s" % p)
    for p in sorted(reads - spec_paths(vocab) - top_keys):
        problems.append("the evaluator reads %s, which is not in the compiler's table" % p)
    if STATE_TYPES != vocab["state_types"]:
        problems.append("STATE_TYPES %s != the compiler's %s" % (STATE_TYPES, vocab["state_types"]))
    return problems


# ============================================================================================
# Driver
# ============================================================================================

class Runner:
    def __init__(self, conn, args):
        self.conn = conn
        self.cur = conn.cursor()
        self.args = args
        self.bodies = 0
        self.comparisons = 0
        self.mismatches = 0
        self.reported = 0
        self.nonempty = 0
        self.coverage = set()
        self.shrunk = []
        self.sql_seconds = 0.0
        self.slowest = (0.0, None)
        self.where = None

    # -- calls into the extension --------------------------------------------------------
    def call(self, sql, body):
        t = time.time()
        try:
            self.cur.execute(sql, (json.dumps(body, ensure_ascii=False),))
            return self.cur.fetchone()[0], None
        except psycopg2.Error as e:
            return None, ("%s: %s" % (type(e).__name__, str(e).strip()))
        finally:
            t = time.time() - t
            self.sql_seconds += t
            if t > self.slowest[0]:
                self.slowest = (t, self.where)

    def actual_filter(self, body, ds=None, problems=None):
        res, err = self.call("SELECT prefect.deployments_filter(%s::jsonb)", body)
        if err:
            return err
        if ds is not None:      # each returned object must be that deployment (by name)
            for o in res:
                try:
                    d = ds.dep_by_id.get(uuid.UUID(o["id"]))
                except (KeyError, ValueError, TypeError, AttributeError):
                    d = None
                if d is None or o.get("name") != d["name"]:
                    problems.append(("response object", o.get("id"), o.get("name")))
                    break
        return [o.get("id") for o in res]

    def actual_count(self, body):
        res, err = self.call("SELECT prefect.deployments_count(%s::jsonb)", body)
        return err if err else res

    def actual_paginate(self, body):
        res, err = self.call("SELECT prefect.deployments_paginate(%s::jsonb)", body)
        if err:
            return err
        if isinstance(res, dict) and isinstance(res.get("results"), list):
            res = dict(res)
            res["results"] = [o.get("id") for o in res["results"]]
        return res

    # -- checks (each returns list of (kind, actual, expected)) -----------------------------
    def check_filter(self, ds, ev_, body):
        exp_ids, exp_count = expected_filter(ev_, body)
        problems = []
        act = self.actual_filter(body, ds, problems)
        if act != exp_ids:
            problems.append(("filter", act, exp_ids))
        act_c = self.actual_count(body)
        if act_c != exp_count:
            problems.append(("count", act_c, exp_count))
        return problems, exp_count

    def check_paginate(self, ds, ev_, body):
        exp = expected_paginate(ev_, body)
        act = self.actual_paginate(body)
        if act != exp:
            return [("paginate", act, exp)]
        return []

    def describe_ids(self, ds, ids):
        if not isinstance(ids, list):
            return ids
        out = []
        for i in ids:
            try:
                d = ds.dep_by_id.get(uuid.UUID(i))
            except (ValueError, TypeError, AttributeError):
                d = None
            out.append("%s(%r)" % (str(i)[:8], d["name"] if d else "?"))
        if len(out) > 15:
            out = out[:15] + ["... %d in all" % len(out)]
        return out

    def shrink(self, body, still_fails):
        """Greedy removal of keys / list elements while the mismatch persists."""
        budget = [250]

        def attempt(candidate):
            if budget[0] <= 0:
                return False
            budget[0] -= 1
            return still_fails(candidate)

        def shrink_node(root, path):
            node = root
            for p in path:
                node = node[p]
            changed = True
            while changed:
                changed = False
                keys = list(node.keys()) if isinstance(node, dict) else \
                    list(range(len(node) - 1, -1, -1)) if isinstance(node, list) else []
                for k in keys:
                    cand = json.loads(json.dumps(root))
                    target = cand
                    for p in path:
                        target = target[p]
                    if isinstance(target, dict) and k in target:
                        del target[k]
                    elif isinstance(target, list) and k < len(target):
                        del target[k]
                    else:
                        continue
                    if attempt(cand):
                        root = cand
                        node = root
                        for p in path:
                            node = node[p]
                        changed = True
                        break
            if isinstance(node, dict):
                for k in list(node.keys()):
                    if isinstance(node.get(k), (dict, list)):
                        root = shrink_node(root, path + [k])
                        node = root
                        for p in path:
                            node = node[p]
            return root

        return shrink_node(json.loads(json.dumps(body)), [])

    def report(self, seed, di, bi, ds, body, problems, ev_, paginate=False):
        self.mismatches += 1
        self.reported += 1
        if self.reported > self.args.max_report:
            if self.reported == self.args.max_report + 1:
                print("... further mismatches are counted but not printed")
            return
        print("MISMATCH seed=%d dataset=%d body=%d (rerun: --seed %d --only %d:%d)"
              % (seed, di, bi, seed, di, bi))
        print("  body: %s" % json.dumps(body, ensure_ascii=False))
        for kind, act, exp in problems:
            if kind == "filter":
                print("  %s extension: %s" % (kind, self.describe_ids(ds, act)))
                print("  %s expected:  %s" % (kind, self.describe_ids(ds, exp)))
            elif kind == "paginate" and isinstance(act, dict):
                a = dict(act)
                e = dict(exp)
                a["results"] = self.describe_ids(ds, a.get("results"))
                e["results"] = self.describe_ids(ds, e["results"])
                print("  %s extension: %s" % (kind, a))
                print("  %s expected:  %s" % (kind, e))
            else:
                print("  %s extension: %s" % (kind, act))
                print("  %s expected:  %s" % (kind, exp))
        if self.reported <= self.args.shrink:
            if paginate:
                def fails(b):
                    return bool(self.check_paginate(ds, ev_, b))
            else:
                def fails(b):
                    return bool(self.check_filter(ds, ev_, b)[0])
            small = self.shrink(body, fails)
            print("  shrunk body: %s" % json.dumps(small, ensure_ascii=False))
            if paginate:
                exp = expected_paginate(ev_, small)
                act = self.actual_paginate(small)
                print("    extension: %s\n    expected:  %s" % (act, exp))
            else:
                exp_ids, exp_count = expected_filter(ev_, small)
                print("    extension: %s count=%s"
                      % (self.describe_ids(ds, self.actual_filter(small)),
                         self.actual_count(small)))
                print("    expected:  %s count=%s" % (self.describe_ids(ds, exp_ids), exp_count))
            self.shrunk.append(small)
        sys.stdout.flush()

    def check_null_body(self, seed, di, ds, ev_):
        """A SQL NULL body behaves like the empty body (the functions' documented contract)."""
        exp_ids, exp_count = expected_filter(ev_, {})
        exp_page = expected_paginate(ev_, {})
        got = []
        for fn in ("deployments_filter", "deployments_count", "deployments_paginate"):
            try:
                self.cur.execute("SELECT prefect.%s(NULL)" % fn)
                got.append(self.cur.fetchone()[0])
            except psycopg2.Error as e:
                got.append("%s: %s" % (type(e).__name__, str(e).strip()))
        self.comparisons += 3
        if isinstance(got[0], list):
            got[0] = [o.get("id") for o in got[0]]
        if isinstance(got[2], dict) and isinstance(got[2].get("results"), list):
            got[2] = dict(got[2], results=[o.get("id") for o in got[2]["results"]])
        if got != [exp_ids, exp_count, exp_page]:
            self.mismatches += 1
            print("MISMATCH seed=%d dataset=%d: NULL body\n  extension: %s\n  expected:  %s"
                  % (seed, di, got, [exp_ids, exp_count, exp_page]))

    # -- environment checks -------------------------------------------------------------------
    def check_environment(self):
        ok = True
        self.cur.execute("SHOW lc_collate")
        coll = self.cur.fetchone()[0]
        chars = sorted(ALPHABET)
        self.cur.execute("SELECT array_agg(lower(c) ORDER BY o) FROM unnest(%s::text[]) "
                         "WITH ORDINALITY AS t(c, o)", (chars,))
        lowered = self.cur.fetchone()[0]
        bad = [(c, l) for c, l in zip(chars, lowered) if c.lower() != l]
        if bad:
            print("ENVIRONMENT: server lower() differs from Python for %r" % bad)
            ok = False
        return coll, ok

    def check_dataset_order(self, ds):
        """The server's ORDER BY name must be code-point order (C / C.UTF-8 collation)."""
        self.cur.execute("SELECT name FROM prefect.deployment ORDER BY name, id")
        got = [r[0] for r in self.cur.fetchall()]
        want = [d["name"] for d in sorted(ds.deployments, key=lambda d: (d["name"], d["id"]))]
        if got != want:
            print("ENVIRONMENT: the database collation does not sort names by code point; "
                  "NAME_* comparisons would be meaningless")
            return False
        return True

    # -- main loop ------------------------------------------------------------------------------
    def run(self):
        args = self.args
        seed = args.seed
        problems = check_vocabulary(vocabulary.load())
        for p in problems:
            print("VOCABULARY: %s" % p)
        if problems:
            return 2
        coll, env_ok = self.check_environment()
        if not env_ok:
            return 2
        only = None
        if args.only:
            d, b = args.only.split(":")
            only = (int(d), int(b))
        per_ds = max(1, math.ceil(args.bodies / args.datasets))
        t0 = time.time()
        for di in range(args.datasets):
            if only and only[0] != di:
                continue
            ds_rng = random.Random("%d:dataset:%d" % (seed, di))
            # dataset 0 is tiny, 1 is large, 2 has no flow/task runs at all; the rest vary
            kind = di % 10
            ds = gen_dataset(ds_rng, {0: 3, 1: 150}.get(kind, ds_rng.randint(20, 36)),
                             0 if kind == 2 else 2.2)
            if args.dump_sql is not None:
                if args.dump_sql == di:
                    print(dump_sql(self.cur, ds))
                    return 0
                continue
            load_dataset(self.cur, ds)
            if not self.check_dataset_order(ds):
                return 2
            ev_ = Evaluator(ds)
            if not only:
                self.check_null_body(seed, di, ds, ev_)
            for bi in range(per_ds):
                if only and only[1] != bi:
                    continue
                rng = random.Random("%d:body:%d:%d" % (seed, di, bi))
                self.where = "%d:%d" % (di, bi)
                gen = Gen(rng, ds, self.coverage)
                body = gen.filter_body()
                self.bodies += 1
                problems, n = self.check_filter(ds, ev_, body)
                self.comparisons += 2
                if n:
                    self.nonempty += 1
                if only:
                    print("body: %s" % json.dumps(body, ensure_ascii=False))
                    exp_ids, exp_count = expected_filter(ev_, body)
                    print("expected: %s count=%d" % (self.describe_ids(ds, exp_ids), exp_count))
                    print("extension: %s count=%s" % (
                        self.describe_ids(ds, self.actual_filter(body)),
                        self.actual_count(body)))
                if problems:
                    self.report(seed, di, bi, ds, body, problems, ev_)
                if rng.random() < args.paginate_share:
                    pbody = gen.paginate_body({k: body[k] for k, _ in TOP if k in body})
                    self.comparisons += 1
                    problems = self.check_paginate(ds, ev_, pbody)
                    if only:
                        print("paginate body: %s" % json.dumps(pbody, ensure_ascii=False))
                        print("expected: %s" % expected_paginate(ev_, pbody))
                        print("extension: %s" % self.actual_paginate(pbody))
                    if problems:
                        self.report(seed, di, bi, ds, pbody, problems, ev_, paginate=True)
        if args.dump_sql is not None:
            print("no dataset %d" % args.dump_sql, file=sys.stderr)
            return 2
        elapsed = time.time() - t0
        # every field of the compiler's table and every edge shape must have been generated
        missing = sorted((ALL_PATHS | spec_paths(vocabulary.load())) - self.coverage)
        if missing and not only:
            print("coverage: FAIL: never generated: %s" % ", ".join(missing))
        print("property test: seed=%d datasets=%d bodies=%d comparisons=%d mismatches=%d "
              "nonempty=%d%% seconds=%.1f (in SQL calls %.1f, slowest call %.0f ms at --only %s;"
              " lc_collate=%s)"
              % (seed, args.datasets if not only else 1, self.bodies, self.comparisons,
                 self.mismatches, 100 * self.nonempty // max(1, self.bodies), elapsed,
                 self.sql_seconds, self.slowest[0] * 1000, self.slowest[1], coll))
        return 1 if self.mismatches or (missing and not only) else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--bodies", type=int, default=4000, help="total request bodies")
    ap.add_argument("--datasets", type=int, default=10)
    ap.add_argument("--paginate-share", type=float, default=0.3,
                    help="share of bodies also checked through deployments_paginate")
    ap.add_argument("--only", help="D:B  run only body B of dataset D, verbosely")
    ap.add_argument("--dump-sql", type=int, metavar="D",
                    help="print the SQL that loads dataset D and exit")
    ap.add_argument("--max-report", type=int, default=40,
                    help="print at most this many mismatches in full")
    ap.add_argument("--shrink", type=int, default=15,
                    help="shrink the body of the first N reported mismatches")
    ap.add_argument("--check-vocabulary", action="store_true",
                    help="only compare the generator, the evaluator and STATE_TYPES with the "
                         "compiler's table (pf_vocabulary; no database) and exit")
    args = ap.parse_args()
    if args.check_vocabulary:
        problems = check_vocabulary(vocabulary.load())
        for p in problems:
            print("VOCABULARY: %s" % p)
        print("property test vocabulary: %s" % ("%d problem(s)" % len(problems) if problems else
                                                "generator, evaluator and STATE_TYPES cover "
                                                "the compiler's table"))
        return 1 if problems else 0
    conn = psycopg2.connect("")
    conn.autocommit = True
    psycopg2.extras.register_uuid(conn_or_curs=conn)
    try:
        return Runner(conn, args).run()
    finally:
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
