#!/usr/bin/python3
"""Bodies exactly as Prefect's own clients send them, checked against prefect-filter-http.

  client_shapes.py --url http://127.0.0.1:P --dsn DSN [--headers-json '{"Prefect-Csrf-Token": ...}']
                   [--base /api] [--schema prefect] [--default-limit 200] [-v]

For every body: POST it over HTTP (with the headers that client sends, plus --headers-json) and
check that the answer is 200 and that its (gzip-decoded) body is byte for byte the SQL function's
text for the same body (as checks.py's sql_text); then, where it is cheap, that the answer means
what the filter asks for, against an independent query of Prefect's tables (--schema) written from
Prefect's server code (src/prefect/server/schemas/filters.py, models/deployments.py
_apply_deployment_filters). The Python client's one body Prefect refuses (a DeploymentSort member
the server does not have) must get Prefect's own 422.

Where the bodies come from (Prefect at /work/.mirror/PrefectHQ+prefect/repo):
  [py]     src/prefect/client/orchestration/_deployments/client.py read_deployments (sync and async
           build the same dict) -> httpx json= (httpx >= 0.28: json.dumps(ensure_ascii=False,
           separators=(",", ":"), allow_nan=False)); callers: prefect/cli/deployment.py (ls,
           schedule --all paging), prefect/_sdk/fetcher.py, prefect/cli/_transfer_utils.py.
           The filter objects are model_dump(mode="json") (flow_runs: exclude_unset=True) of the
           classes in src/prefect/client/schemas/filters.py, mirrored by hand below (no pydantic here).
  [ui-v2]  ui-v2/src/api/deployments/index.ts (openapi-fetch: JSON.stringify(body); undefined
           members vanish) and the call sites that build the bodies (routes/deployments/index.tsx,
           routes/flows/flow.$id.tsx, routes/work-pools/work-pool.$workPoolName.tsx,
           components/work-pools/work-pool-deployments-tab, dashboard, automations, comboboxes).
  [ui]     the older Vue UI (ui/, @prefecthq/prefect-ui-library 3.15.0): src/maps/filters.ts
           mapDeploymentsFilter / mapDeploymentsPaginationFilter with removeEmptyObjects,
           src/services/WorkspaceDeploymentsApi.ts (getDeployments, getDeploymentsPaginated,
           getDeploymentsCount), components/DeploymentList.vue (limit 10, page 1, sort NAME_ASC).

Each check prints "ok   ..." or "FAIL ..."; the last line is "N passed, M failed"; exit 1 on failure.
"""
import argparse
import datetime as dt
import enum
import gzip

import brotli
import zstandard
import http.client
import json
import os
import sys
import urllib.parse
import uuid

import psycopg2

from verdicts import check, finish  # test/http/verdicts.py: the one way to report

VERBOSE = False


# ================================================================ pydantic-lite
# Just enough of pydantic v2's model_dump(mode="json") to write Prefect's client models out:
#  - fields in pydantic's order: annotations collected over the reversed MRO, so the
#    `operator` of OperatorMixin (a plain mixin after PrefectBaseModel) comes first;
#  - every field present with its default (None -> null) unless exclude_unset=True, which keeps
#    only the fields given to the constructor, recursively in nested models;
#  - enums as their values, UUIDs as canonical strings, datetimes as pydantic-core prints them
#    (YYYY-MM-DDTHH:MM:SS, ".ffffff" only when microseconds are non-zero, "Z" for UTC, else
#    "+HH:MM"; a naive datetime gets no suffix).

class _Model:
    FIELDS = ()  # ((name, default), ...) in pydantic's field order

    def __init__(self, **kw):
        names = [n for n, _ in self.FIELDS]
        for k in kw:
            if k not in names:
                raise TypeError(f"{type(self).__name__} has no field {k}")
        self._values = {n: kw.get(n, d) for n, d in self.FIELDS}
        self._set = set(kw)

    def model_dump(self, mode="json", exclude_unset=False):
        assert mode == "json"
        return {n: _to_json(self._values[n], exclude_unset) for n, _ in self.FIELDS
                if not exclude_unset or n in self._set}


def pydantic_datetime(value):
    s = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        s += ".%06d" % value.microsecond
    off = value.utcoffset()
    if off is None:
        return s
    if off == dt.timedelta(0):
        return s + "Z"
    sign = "+" if off >= dt.timedelta(0) else "-"
    minutes = abs(int(off.total_seconds())) // 60
    return s + "%s%02d:%02d" % (sign, minutes // 60, minutes % 60)


def _to_json(value, exclude_unset):
    if isinstance(value, _Model):
        return value.model_dump(mode="json", exclude_unset=exclude_unset)
    if isinstance(value, (list, tuple)):
        return [_to_json(v, exclude_unset) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return pydantic_datetime(value)
    return value


# src/prefect/utilities/collections.py AutoEnum: str Enum whose values are the member names.
# src/prefect/client/schemas/filters.py Operator
class Operator(str, enum.Enum):
    and_ = "and_"
    or_ = "or_"


# src/prefect/client/schemas/objects.py StateType
class StateType(str, enum.Enum):
    SCHEDULED = "SCHEDULED"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    CRASHED = "CRASHED"
    PAUSED = "PAUSED"
    CANCELLING = "CANCELLING"


# src/prefect/client/schemas/sorting.py DeploymentSort (the client's has two members the OSS
# server's src/prefect/server/schemas/sorting.py DeploymentSort does not: CONCURRENCY_LIMIT_*)
class DeploymentSort(str, enum.Enum):
    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
    CONCURRENCY_LIMIT_ASC = "CONCURRENCY_LIMIT_ASC"
    CONCURRENCY_LIMIT_DESC = "CONCURRENCY_LIMIT_DESC"


OP = (("operator", Operator.and_),)  # filters.py OperatorMixin: operator = Operator.and_


# ---- flows: src/prefect/client/schemas/filters.py
class FlowFilterId(_Model):  # filters.py FlowFilterId
    FIELDS = (("any_", None),)


class FlowFilterName(_Model):  # filters.py FlowFilterName
    FIELDS = (("any_", None), ("like_", None))


class FlowFilterTags(_Model):  # filters.py FlowFilterTags(PrefectBaseModel, OperatorMixin)
    FIELDS = OP + (("all_", None), ("is_null_", None))


class FlowFilter(_Model):  # filters.py FlowFilter(PrefectBaseModel, OperatorMixin)
    FIELDS = OP + (("id", None), ("name", None), ("tags", None))


# ---- flow runs: filters.py, all on _FlowRunFilterBaseModel (extra="forbid")
class FlowRunFilterId(_Model):  # filters.py FlowRunFilterId
    FIELDS = (("any_", None), ("not_any_", None))


class FlowRunFilterName(_Model):  # filters.py FlowRunFilterName
    FIELDS = (("any_", None), ("like_", None))


class FlowRunFilterTags(_Model):  # filters.py FlowRunFilterTags (+ OperatorMixin)
    FIELDS = OP + (("all_", None), ("any_", None), ("is_null_", None))


class FlowRunFilterDeploymentId(_Model):  # filters.py FlowRunFilterDeploymentId (+ OperatorMixin)
    FIELDS = OP + (("any_", None), ("is_null_", None))


class FlowRunFilterWorkQueueName(_Model):  # filters.py FlowRunFilterWorkQueueName (+ OperatorMixin)
    FIELDS = OP + (("any_", None), ("is_null_", None))


class FlowRunFilterStateType(_Model):  # filters.py FlowRunFilterStateType
    FIELDS = (("any_", None), ("not_any_", None))


class FlowRunFilterStateName(_Model):  # filters.py FlowRunFilterStateName
    FIELDS = (("any_", None), ("not_any_", None))


class FlowRunFilterState(_Model):  # filters.py FlowRunFilterState (+ OperatorMixin)
    FIELDS = OP + (("type", None), ("name", None))


class FlowRunFilterFlowVersion(_Model):  # filters.py FlowRunFilterFlowVersion
    FIELDS = (("any_", None),)


class FlowRunFilterStartTime(_Model):  # filters.py FlowRunFilterStartTime
    FIELDS = (("before_", None), ("after_", None), ("is_null_", None))


class FlowRunFilterEndTime(_Model):  # filters.py FlowRunFilterEndTime
    FIELDS = (("before_", None), ("after_", None), ("is_null_", None))


class FlowRunFilterExpectedStartTime(_Model):  # filters.py FlowRunFilterExpectedStartTime
    FIELDS = (("before_", None), ("after_", None))


class FlowRunFilterNextScheduledStartTime(_Model):  # filters.py FlowRunFilterNextScheduledStartTime
    FIELDS = (("before_", None), ("after_", None))


class FlowRunFilterParentFlowRunId(_Model):  # filters.py FlowRunFilterParentFlowRunId (+ OperatorMixin)
    FIELDS = OP + (("any_", None),)


class FlowRunFilterParentTaskRunId(_Model):  # filters.py FlowRunFilterParentTaskRunId (+ OperatorMixin)
    FIELDS = OP + (("any_", None), ("is_null_", None))


class FlowRunFilterIdempotencyKey(_Model):  # filters.py FlowRunFilterIdempotencyKey
    FIELDS = (("any_", None), ("not_any_", None))


class FlowRunFilterCreatedBy(_Model):  # filters.py FlowRunFilterCreatedBy (+ OperatorMixin)
    FIELDS = OP + (("id_", None), ("type_", None), ("is_null_", None))


class FlowRunFilter(_Model):  # filters.py FlowRunFilter(_FlowRunFilterBaseModel, OperatorMixin)
    FIELDS = OP + (("id", None), ("name", None), ("tags", None), ("deployment_id", None),
                   ("work_queue_name", None), ("state", None), ("flow_version", None),
                   ("start_time", None), ("end_time", None), ("expected_start_time", None),
                   ("next_scheduled_start_time", None), ("parent_flow_run_id", None),
                   ("parent_task_run_id", None), ("idempotency_key", None), ("created_by", None))


# ---- task runs: filters.py
class TaskRunFilterFlowRunId(_Model):  # filters.py TaskRunFilterFlowRunId: is_null_: bool = False (not Optional)
    FIELDS = (("any_", None), ("is_null_", False))


class TaskRunFilterId(_Model):  # filters.py TaskRunFilterId
    FIELDS = (("any_", None),)


class TaskRunFilterName(_Model):  # filters.py TaskRunFilterName
    FIELDS = (("any_", None), ("like_", None))


class TaskRunFilterTags(_Model):  # filters.py TaskRunFilterTags (+ OperatorMixin)
    FIELDS = OP + (("all_", None), ("is_null_", None))


class TaskRunFilterStateType(_Model):  # filters.py TaskRunFilterStateType
    FIELDS = (("any_", None),)


class TaskRunFilterStateName(_Model):  # filters.py TaskRunFilterStateName
    FIELDS = (("any_", None),)


class TaskRunFilterState(_Model):  # filters.py TaskRunFilterState (+ OperatorMixin)
    FIELDS = OP + (("type", None), ("name", None))


class TaskRunFilterSubFlowRuns(_Model):  # filters.py TaskRunFilterSubFlowRuns
    FIELDS = (("exists_", None),)


class TaskRunFilterStartTime(_Model):  # filters.py TaskRunFilterStartTime
    FIELDS = (("before_", None), ("after_", None), ("is_null_", None))


class TaskRunFilterEndTime(_Model):  # filters.py TaskRunFilterEndTime
    FIELDS = (("before_", None), ("after_", None), ("is_null_", None))


class TaskRunFilter(_Model):  # filters.py TaskRunFilter(PrefectBaseModel, OperatorMixin) (no expected_start_time on the client)
    FIELDS = OP + (("id", None), ("name", None), ("tags", None), ("state", None), ("start_time", None),
                   ("end_time", None), ("subflow_runs", None), ("flow_run_id", None))


# ---- deployments: filters.py (the client's DeploymentFilter has no paused / flow_or_deployment_name)
class DeploymentFilterId(_Model):  # filters.py DeploymentFilterId
    FIELDS = (("any_", None), ("not_any_", None))


class DeploymentFilterName(_Model):  # filters.py DeploymentFilterName
    FIELDS = (("any_", None), ("like_", None))


class DeploymentFilterWorkQueueName(_Model):  # filters.py DeploymentFilterWorkQueueName
    FIELDS = (("any_", None),)


class DeploymentFilterTags(_Model):  # filters.py DeploymentFilterTags (+ OperatorMixin)
    FIELDS = OP + (("all_", None), ("any_", None), ("is_null_", None))


class DeploymentFilterConcurrencyLimit(_Model):  # filters.py DeploymentFilterConcurrencyLimit (deprecated, ignored by the server)
    FIELDS = (("ge_", None), ("le_", None), ("is_null_", None))


class DeploymentFilter(_Model):  # filters.py DeploymentFilter(PrefectBaseModel, OperatorMixin)
    FIELDS = OP + (("id", None), ("name", None), ("tags", None), ("work_queue_name", None),
                   ("concurrency_limit", None))


# ---- work pools and queues: filters.py
class WorkQueueFilterId(_Model):  # filters.py WorkQueueFilterId
    FIELDS = (("any_", None),)


class WorkQueueFilterName(_Model):  # filters.py WorkQueueFilterName
    FIELDS = (("any_", None), ("startswith_", None))


class WorkQueueFilter(_Model):  # filters.py WorkQueueFilter(PrefectBaseModel, OperatorMixin)
    FIELDS = OP + (("id", None), ("name", None))


class WorkPoolFilterId(_Model):  # filters.py WorkPoolFilterId
    FIELDS = (("any_", None),)


class WorkPoolFilterName(_Model):  # filters.py WorkPoolFilterName
    FIELDS = (("any_", None),)


class WorkPoolFilterType(_Model):  # filters.py WorkPoolFilterType
    FIELDS = (("any_", None),)


class WorkPoolFilter(_Model):  # filters.py WorkPoolFilter(PrefectBaseModel, OperatorMixin)
    FIELDS = OP + (("id", None), ("name", None), ("type", None))


def read_deployments_body(*, flow_filter=None, flow_run_filter=None, task_run_filter=None,
                          deployment_filter=None, work_pool_filter=None, work_queue_filter=None,
                          limit=None, sort=None, offset=0):
    """_deployments/client.py DeploymentClient.read_deployments / DeploymentAsyncClient.read_deployments:
    the dict handed to httpx as json= (sort goes in as the enum itself; json.dumps writes a str
    enum as its value)."""
    return {
        "flows": flow_filter.model_dump(mode="json") if flow_filter else None,
        "flow_runs": (flow_run_filter.model_dump(mode="json", exclude_unset=True)
                      if flow_run_filter else None),
        "task_runs": task_run_filter.model_dump(mode="json") if task_run_filter else None,
        "deployments": deployment_filter.model_dump(mode="json") if deployment_filter else None,
        "work_pools": work_pool_filter.model_dump(mode="json") if work_pool_filter else None,
        "work_pool_queues": work_queue_filter.model_dump(mode="json") if work_queue_filter else None,
        "limit": limit,
        "offset": offset,
        "sort": sort,
    }


def httpx_json(body):
    """httpx >= 0.28 _content.encode_json (Prefect pins httpx[http2] >= 0.23; older httpx used
    json.dumps(body) with the default separators and ensure_ascii=True: the same JSON value)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def httpx_json_old(body):
    """httpx < 0.28 _content.encode_json: json.dumps(body) (", " / ": ", non-ASCII as \\uXXXX)."""
    return json.dumps(body).encode("utf-8")


def js_stringify(body):
    """JSON.stringify as openapi-fetch's default body serializer (undefined members are simply
    not in our dicts; non-ASCII stays raw)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


PY_HEADERS = {  # PrefectClient / SyncPrefectClient (client/orchestration/__init__.py, client/base.py) over httpx
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
    "User-Agent": "prefect/3.4.0 (API 0.8.4)",
    "X-PREFECT-API-VERSION": "0.8.4",  # client/constants.py SERVER_API_VERSION
    "Content-Type": "application/json",
}
UI_HEADERS = {  # a browser's fetch() from openapi-fetch
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate, br, zstd",
    "Content-Type": "application/json",
    "Origin": "http://127.0.0.1:4200",
}


# ================================================================ HTTP and SQL
class Client:
    def __init__(self, url, base, extra_headers):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port or 80
        self.base = base.rstrip("/")
        self.extra = extra_headers

    def post(self, endpoint, raw, headers):
        h = dict(headers)
        h.update(self.extra)
        h["Content-Length"] = str(len(raw))
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.putrequest("POST", f"{self.base}/deployments/{endpoint}", skip_accept_encoding=True)
            for k, v in h.items():
                conn.putheader(k, v)
            conn.endheaders()
            conn.send(raw)
            r = conn.getresponse()
            data = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            encoding = hdrs.get("content-encoding")
            if encoding == "gzip":
                data = gzip.decompress(data)
            elif encoding == "zstd":
                data = zstandard.ZstdDecompressor().decompress(data)
            elif encoding == "br":
                data = brotli.decompress(data)
            return r.status, hdrs, data
        finally:
            conn.close()


class Db:
    def __init__(self, dsn, schema):
        self.conn = psycopg2.connect(dsn)
        self.conn.autocommit = True
        self.s = schema

    def sql_text(self, endpoint, raw):
        """The function's text for the body, or ("error", sqlstate, message)."""
        with self.conn.cursor() as cur:
            try:
                cur.execute(f"SELECT prefect.deployments_{endpoint}(%s::jsonb)::text", (raw.decode("utf-8"),))
                return cur.fetchone()[0].encode("utf-8")
            except psycopg2.Error as e:
                return ("error", e.pgcode, (e.pgerror or "").strip())

    def rows(self, sql, params=()):
        with self.conn.cursor() as cur:
            cur.execute(sql.replace("{s}", self.s), params)
            return cur.fetchall()


# ================================================================ independent semantics
SORT_KEY = {
    "NAME_ASC": ("d.name", "name", False),
    "NAME_DESC": ("d.name DESC", "name", False),
    "CREATED_DESC": ("d.created DESC", "created", True),
    "UPDATED_DESC": ("d.updated DESC", "updated", True),
}


def _key(value, is_time):
    if is_time:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


class Where:
    """An independent WHERE over `{s}.deployment d`, written from Prefect's server filter code."""

    def __init__(self, sql="true", params=(), why=""):
        self.sql, self.params, self.why = sql, tuple(params), why

    def __and__(self, other):
        return Where(f"({self.sql}) AND ({other.sql})", self.params + other.params, f"{self.why}; {other.why}".strip("; "))


def semantic_check(db, name, endpoint, body, data, where, default_limit):
    """The answer against the independent query: the same rows (by id), in the sort's key order,
    with limit/offset/page and count/pages as Prefect computes them."""
    ids = [r[0] for r in db.rows(f"SELECT d.id::text FROM {{s}}.deployment d WHERE {where.sql}", where.params)]
    total = len(ids)
    if endpoint == "count":
        got = json.loads(data)
        check(f"{name}: count = {total} ({where.why})", got == total, f"got {got}, want {total}")
        return
    limit = body.get("limit") if body.get("limit") is not None else default_limit
    sort = body.get("sort") or "NAME_ASC"
    order_sql, field, is_time = SORT_KEY[sort]
    if endpoint == "paginate":
        page = body.get("page") if body.get("page") is not None else 1
        offset = (page - 1) * limit
        answer = json.loads(data)
        results = answer["results"]
        want_meta = {"count": total, "limit": limit, "pages": (total + limit - 1) // limit if limit > 0 else 0, "page": page}
        got_meta = {k: answer.get(k) for k in want_meta}
        check(f"{name}: count/limit/pages/page {want_meta}", got_meta == want_meta, f"got {got_meta}")
    else:
        offset = body.get("offset") or 0
        results = json.loads(data)
    want_keys = [r[0] for r in db.rows(
        f"SELECT d.{field} FROM {{s}}.deployment d WHERE {where.sql} ORDER BY {order_sql} LIMIT %s OFFSET %s",
        where.params + (limit, offset))]
    got_ids = [r["id"] for r in results]
    got_keys = [_key(r[field], is_time) for r in results]
    problems = []
    if len(set(got_ids)) != len(got_ids):
        problems.append("duplicate ids")
    stray = set(got_ids) - set(ids)
    if stray:
        problems.append(f"{len(stray)} rows the filter excludes, e.g. {sorted(stray)[:2]}")
    if got_keys != want_keys:
        problems.append(f"{sort} keys differ: got {got_keys[:4]}... ({len(got_keys)}), want {want_keys[:4]}... ({len(want_keys)})")
    if offset == 0 and total <= limit and set(got_ids) != set(ids):
        problems.append(f"missing {len(set(ids) - set(got_ids))} rows")
    check(f"{name}: {len(results)} rows of {total} ({where.why})", not problems, "; ".join(problems))


# ================================================================ the cases
class Case:
    def __init__(self, source, label, endpoint, body, headers, serialize, where=None, same_as=None,
                 prefect_422=None):
        self.source, self.label, self.endpoint, self.body = source, label, endpoint, body
        self.headers, self.serialize = headers, serialize
        self.where, self.same_as, self.prefect_422 = where, same_as, prefect_422


def samples(db):
    one = lambda sql, p=(): db.rows(sql, p)[0]  # noqa: E731
    # two deployment names; the first one shared by several flows if the data has such a tie
    names = [r[0] for r in db.rows("SELECT name FROM {s}.deployment GROUP BY name ORDER BY count(*) DESC, name LIMIT 2")]
    ids = [r[0] for r in db.rows("SELECT id::text FROM {s}.deployment ORDER BY md5(id::text) LIMIT 3")]
    tag_a, tag_b = one("SELECT tags->>0, tags->>1 FROM {s}.deployment WHERE jsonb_array_length(tags) >= 2 "
                       "ORDER BY jsonb_array_length(tags), name, id LIMIT 1")
    # flow names: one with non-ASCII characters (httpx and JSON.stringify send it raw) + the first
    flow_names = [r[0] for r in db.rows("SELECT name FROM {s}.flow WHERE name !~ '^[ -~]*$' ORDER BY name LIMIT 1")]
    flow_names += [r[0] for r in db.rows("SELECT name FROM {s}.flow WHERE name ~ '^[ -~]*$' ORDER BY name LIMIT 1")]
    flow_id = one("SELECT flow_id::text FROM {s}.deployment GROUP BY flow_id ORDER BY count(*) DESC, flow_id LIMIT 1")[0]
    pools = [r[0] for r in db.rows(
        "SELECT wp.name FROM {s}.deployment d JOIN {s}.work_queue wq ON wq.id = d.work_queue_id "
        "JOIN {s}.work_pool wp ON wp.id = wq.work_pool_id GROUP BY wp.name ORDER BY count(*) DESC, wp.name LIMIT 2")]
    queue = one("SELECT wq.name FROM {s}.deployment d JOIN {s}.work_queue wq ON wq.id = d.work_queue_id "
                "GROUP BY wq.name ORDER BY count(*) DESC, wq.name LIMIT 1")[0]
    wq_names = [r[0] for r in db.rows("SELECT work_queue_name FROM {s}.deployment WHERE work_queue_name IS NOT NULL "
                                      "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2")]
    flow_run_tag = (db.rows("SELECT t FROM {s}.flow_run, jsonb_array_elements_text(tags) t "
                            "GROUP BY t ORDER BY count(*) DESC, t LIMIT 1") or [("auto-scheduled",)])[0][0]
    run_ids = [r[0] for r in db.rows("SELECT DISTINCT tr.flow_run_id::text FROM {s}.task_run tr JOIN {s}.flow_run fr "
                                     "ON fr.id = tr.flow_run_id WHERE fr.deployment_id IS NOT NULL ORDER BY 1 LIMIT 3")]
    return dict(run_ids=run_ids, names=names, ids=ids, tag_a=tag_a, tag_b=tag_b, flow_names=flow_names, flow_id=flow_id,
                pools=pools, queue=queue, queue_prefix=queue[:3].upper(), wq_names=wq_names,
                flow_run_tag=flow_run_tag, like=names[0][1:4].upper())


# independent predicates (Prefect's server: schemas/filters.py + models/deployments.py)
def w_flow_exists(extra="true", params=(), why="a flow"):
    return Where(f"EXISTS (SELECT 1 FROM {{s}}.flow f WHERE f.id = d.flow_id AND {extra})", params, why)


def w_run_exists(extra="true", params=(), why="a flow run"):
    return Where(f"EXISTS (SELECT 1 FROM {{s}}.flow_run fr WHERE fr.deployment_id = d.id AND {extra})", params, why)


def w_run_task_exists(extra="true", params=(), why="a flow run with a task run"):
    return Where("EXISTS (SELECT 1 FROM {s}.flow_run fr JOIN {s}.task_run tr ON tr.flow_run_id = fr.id "
                 f"WHERE fr.deployment_id = d.id AND {extra})", params, why)


def w_queue_exists(extra="true", params=(), why="a work queue"):
    return Where(f"EXISTS (SELECT 1 FROM {{s}}.work_queue wq WHERE wq.id = d.work_queue_id AND {extra})", params, why)


def w_pool_exists(extra="true", params=(), why="a work queue in a work pool"):
    return Where("EXISTS (SELECT 1 FROM {s}.work_queue wq JOIN {s}.work_pool wp ON wp.id = wq.work_pool_id "
                 f"WHERE wq.id = d.work_queue_id AND {extra})", params, why)


ALL = Where("true", (), "every deployment")


def python_cases(S):
    """Bodies of read_deployments(...) as Prefect's Python client builds them."""
    c = []
    utc = dt.timezone.utc
    after = dt.datetime(2025, 5, 25, 0, 0, 0, 123456, tzinfo=utc)          # -> 2025-05-25T00:00:00.123456Z
    before = dt.datetime(2025, 6, 1, 12, 0, 0, tzinfo=utc)                 # -> 2025-06-01T12:00:00Z
    before_cest = dt.datetime(2025, 5, 31, 14, 0, 0, 500000, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # +02:00
    future = dt.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=utc)          # -> 2026-01-02T03:04:05.123456Z

    def py(label, where=None, same_as=None, **kw):
        c.append(Case("py", label, "filter", read_deployments_body(**kw), PY_HEADERS, httpx_json,
                      where=where, same_as=same_as))

    # no filters: every top-level key present, null filters, limit null, offset 0, sort null
    py("read_deployments()  [cli deployment delete --all, _transfer_utils]", where=ALL, same_as={})
    # each filter as Model(): every field present, null, operator "and_"
    py("read_deployments(flow_filter=FlowFilter())", flow_filter=FlowFilter(), where=w_flow_exists())
    py("read_deployments(flow_run_filter=FlowRunFilter())  [exclude_unset: {}]", flow_run_filter=FlowRunFilter(),
       where=w_run_exists())
    py("read_deployments(task_run_filter=TaskRunFilter())", task_run_filter=TaskRunFilter(), where=w_run_task_exists())
    py("read_deployments(deployment_filter=DeploymentFilter(), limit=200, offset=0)  [cli schedule --all]",
       deployment_filter=DeploymentFilter(), limit=200, offset=0, where=ALL, same_as={})
    py("read_deployments(work_pool_filter=WorkPoolFilter())", work_pool_filter=WorkPoolFilter(), where=w_pool_exists())
    py("read_deployments(work_queue_filter=WorkQueueFilter())", work_queue_filter=WorkQueueFilter(), where=w_queue_exists())
    py("read_deployments(every filter = Model())", flow_filter=FlowFilter(), flow_run_filter=FlowRunFilter(),
       task_run_filter=TaskRunFilter(), deployment_filter=DeploymentFilter(), work_pool_filter=WorkPoolFilter(),
       work_queue_filter=WorkQueueFilter(),
       where=w_flow_exists() & w_run_task_exists() & w_pool_exists())
    # sort / limit / offset as the enum and ints
    py("read_deployments(limit=5, offset=3, sort=DeploymentSort.CREATED_DESC)", limit=5, offset=3,
       sort=DeploymentSort.CREATED_DESC, where=ALL, same_as={"limit": 5, "offset": 3, "sort": "CREATED_DESC"})
    py("read_deployments(sort=DeploymentSort.UPDATED_DESC)", sort=DeploymentSort.UPDATED_DESC, where=ALL)
    py("read_deployments(sort=DeploymentSort.NAME_DESC, limit=0)", sort=DeploymentSort.NAME_DESC, limit=0, where=ALL)
    for off in (0, 40, 80):
        py(f"read_deployments(deployment_filter=DeploymentFilter(), limit=40, offset={off})  [paging]",
           deployment_filter=DeploymentFilter(), limit=40, offset=off, where=ALL)
    # filled-in filters
    py("read_deployments(deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[2 names])))",
       deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=S["names"])),
       where=Where("d.name = ANY(%s)", (S["names"],), f"name in {S['names']}"))
    py("DeploymentFilter(name=DeploymentFilterName(like_=...))",
       deployment_filter=DeploymentFilter(name=DeploymentFilterName(like_=S["like"])),
       where=Where("d.name ILIKE %s", (f"%{S['like']}%",), f"name ILIKE %{S['like']}%"))
    py("DeploymentFilter(id=DeploymentFilterId(any_=[3 UUIDs]))",
       deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[uuid.UUID(i) for i in S["ids"]])),
       where=Where("d.id = ANY(%s::uuid[])", (S["ids"],), "id in 3 ids"))
    py("DeploymentFilter(id=DeploymentFilterId(any_=[]))  [empty list: IN () is false]",
       deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[])), where=Where("false", (), "nothing"))
    py("DeploymentFilter(id=DeploymentFilterId(not_any_=[3 UUIDs]))",
       deployment_filter=DeploymentFilter(id=DeploymentFilterId(not_any_=[uuid.UUID(i) for i in S["ids"]])),
       where=Where("NOT (d.id = ANY(%s::uuid[]))", (S["ids"],), "id not in 3 ids"))
    py("DeploymentFilter(tags=DeploymentFilterTags(all_=[2 tags]))",
       deployment_filter=DeploymentFilter(tags=DeploymentFilterTags(all_=[S["tag_a"], S["tag_b"]])),
       where=Where("d.tags @> %s::jsonb", (json.dumps([S["tag_a"], S["tag_b"]]),), f"tags ⊇ {[S['tag_a'], S['tag_b']]}"))
    py("DeploymentFilter(tags=DeploymentFilterTags(is_null_=True))",
       deployment_filter=DeploymentFilter(tags=DeploymentFilterTags(is_null_=True)),
       where=Where("d.tags = '[]'::jsonb", (), "no tags"))
    py("DeploymentFilter(operator=or_, tags=any_, work_queue_name=any_)",
       deployment_filter=DeploymentFilter(operator=Operator.or_, tags=DeploymentFilterTags(any_=[S["tag_a"]]),
                                          work_queue_name=DeploymentFilterWorkQueueName(any_=S["wq_names"])),
       where=Where("d.tags ?| %s OR d.work_queue_name = ANY(%s)", ([S["tag_a"]], S["wq_names"]),
                   f"tag {S['tag_a']} or work_queue_name in {S['wq_names']}"))
    py("DeploymentFilter(concurrency_limit=DeploymentFilterConcurrencyLimit(ge_=1))  [deprecated: ignored]",
       deployment_filter=DeploymentFilter(concurrency_limit=DeploymentFilterConcurrencyLimit(ge_=1)), where=ALL,
       same_as={})
    py("read_deployments(flow_filter=FlowFilter(name=FlowFilterName(any_=[...])))  [cli deployment ls --flow-name]",
       flow_filter=FlowFilter(name=FlowFilterName(any_=S["flow_names"])),
       where=w_flow_exists("f.name = ANY(%s)", (S["flow_names"],), f"flow name in {S['flow_names']}"))
    c.append(Case("py", "the same with httpx < 0.28's json.dumps (\\u00e9 escapes, ', ' separators)", "filter",
                  read_deployments_body(flow_filter=FlowFilter(name=FlowFilterName(any_=S["flow_names"]))),
                  PY_HEADERS, httpx_json_old,
                  where=w_flow_exists("f.name = ANY(%s)", (S["flow_names"],), f"flow name in {S['flow_names']}")))
    py("_sdk/fetcher: FlowFilter(id=any_) + DeploymentFilter(name=any_), limit=200, offset=0",
       flow_filter=FlowFilter(id=FlowFilterId(any_=[uuid.UUID(S["flow_id"])])),
       deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=S["names"])), limit=200, offset=0,
       where=w_flow_exists("f.id = %s::uuid", (S["flow_id"],), "flow id") & Where("d.name = ANY(%s)", (S["names"],), "names"))
    py("FlowFilter(tags=FlowFilterTags(all_=[tag]))",
       flow_filter=FlowFilter(tags=FlowFilterTags(all_=[S["tag_a"]])),
       where=w_flow_exists("f.tags @> %s::jsonb", (json.dumps([S["tag_a"]]),), "flow tags"))
    # flow runs: exclude_unset, so only what was set (no operator unless given)
    py("FlowRunFilter(state type any_ [FAILED, CRASHED], start_time after_/before_ (pydantic Z datetimes))",
       flow_run_filter=FlowRunFilter(
           state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.FAILED, StateType.CRASHED])),
           start_time=FlowRunFilterStartTime(after_=after, before_=before)),
       where=w_run_exists("fr.state_type::text = ANY(%s) AND coalesce(fr.start_time, fr.expected_start_time) >= %s::timestamptz "
                          "AND coalesce(fr.start_time, fr.expected_start_time) <= %s::timestamptz",
                          (["FAILED", "CRASHED"], pydantic_datetime(after), pydantic_datetime(before)),
                          "a FAILED/CRASHED run in the window"))
    py("FlowRunFilter(start_time before_ with +02:00 offset)",
       flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(before_=before_cest)),
       where=w_run_exists("coalesce(fr.start_time, fr.expected_start_time) <= %s::timestamptz",
                          (pydantic_datetime(before_cest),), "a run starting by 2025-05-31T12:00:00.5Z"))
    py("FlowRunFilter(start_time after_ 2026-01-02T03:04:05.123456Z)",
       flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=future)),
       where=w_run_exists("coalesce(fr.start_time, fr.expected_start_time) >= %s::timestamptz",
                          (pydantic_datetime(future),), "a run starting after 2026-01-02"))
    py("FlowRunFilter(operator=or_, tags all_, state name any_ [Late])",
       flow_run_filter=FlowRunFilter(operator=Operator.or_, tags=FlowRunFilterTags(all_=[S["flow_run_tag"]]),
                                     state=FlowRunFilterState(name=FlowRunFilterStateName(any_=["Late"]))),
       where=w_run_exists("(fr.tags ?& %s OR fr.state_name = ANY(%s))", ([S["flow_run_tag"]], ["Late"]),
                          "a run tagged or Late"))
    py("FlowRunFilter(deployment_id any_, expected_start_time after_, state type not_any_)",
       flow_run_filter=FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(any_=[uuid.UUID(i) for i in S["ids"]]),
                                     expected_start_time=FlowRunFilterExpectedStartTime(after_=after),
                                     state=FlowRunFilterState(type=FlowRunFilterStateType(not_any_=[StateType.SCHEDULED]))),
       where=w_run_exists("fr.deployment_id = ANY(%s::uuid[]) AND fr.expected_start_time >= %s::timestamptz "
                          "AND fr.state_type::text <> ALL(%s)",
                          (S["ids"], pydantic_datetime(after), ["SCHEDULED"]), "3 deployments' recent non-scheduled runs"))
    # task runs: the client's TaskRunFilterFlowRunId writes is_null_: false
    py("TaskRunFilter(state type any_ [COMPLETED], flow_run_id=TaskRunFilterFlowRunId())  [is_null_: false]",
       task_run_filter=TaskRunFilter(state=TaskRunFilterState(type=TaskRunFilterStateType(any_=[StateType.COMPLETED])),
                                     flow_run_id=TaskRunFilterFlowRunId()),
       where=w_run_task_exists("tr.state_type::text = ANY(%s) AND tr.flow_run_id IS NOT NULL", (["COMPLETED"],),
                               "a run with a COMPLETED task run"))
    py("TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[3 flow run ids]))  [any_ + is_null_: false]",
       task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[uuid.UUID(i) for i in S["run_ids"]])),
       where=w_run_task_exists("tr.flow_run_id = ANY(%s::uuid[])", (S["run_ids"],), "task runs of 3 flow runs"))
    # FlowRunFilterState applies a sub-filter only when it is one SQLAlchemy BinaryExpression: a state
    # type with both any_ and not_any_ is an and_() of two, which Prefect's server silently drops
    py("FlowRunFilter(state type any_ [FAILED] + not_any_ [COMPLETED])  [Prefect drops the pair]",
       flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
           type=FlowRunFilterStateType(any_=[StateType.FAILED], not_any_=[StateType.COMPLETED]))),
       where=w_run_exists(why="a flow run (state type filter dropped, as Prefect does)"))
    # work pools and queues
    py("WorkPoolFilter(name=WorkPoolFilterName(any_=[pool]))",
       work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=S["pools"][:1])),
       where=w_pool_exists("wp.name = ANY(%s)", (S["pools"][:1],), f"pool {S['pools'][:1]}"),
       )
    py("WorkQueueFilter(name=WorkQueueFilterName(startswith_=[PREFIX]))",
       work_queue_filter=WorkQueueFilter(name=WorkQueueFilterName(startswith_=[S["queue_prefix"]])),
       where=w_queue_exists("wq.name ILIKE %s", (S["queue_prefix"] + "%",), f"queue ILIKE {S['queue_prefix']}%"))
    py("WorkPoolFilter(name any_) + WorkQueueFilter(name any_)",
       work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=S["pools"])),
       work_queue_filter=WorkQueueFilter(name=WorkQueueFilterName(any_=[S["queue"]])),
       where=w_pool_exists("wp.name = ANY(%s) AND wq.name = ANY(%s)", (S["pools"], [S["queue"]]), "pool and queue"))
    # the one the OSS server refuses: the client's DeploymentSort has CONCURRENCY_LIMIT_ASC
    body = read_deployments_body(sort=DeploymentSort.CONCURRENCY_LIMIT_ASC)
    expected = "'CREATED_DESC', 'UPDATED_DESC', 'NAME_ASC' or 'NAME_DESC'"
    c.append(Case("py", "read_deployments(sort=DeploymentSort.CONCURRENCY_LIMIT_ASC)  [not in the server's enum]",
                  "filter", body, PY_HEADERS, httpx_json, prefect_422={
                      "exception_message": "Invalid request received.",
                      "exception_detail": [{"type": "enum", "loc": ["body", "sort"], "msg": "Input should be " + expected,
                                            "input": "CONCURRENCY_LIMIT_ASC", "ctx": {"expected": expected}}],
                      "request_body": json.loads(httpx_json(body))}))
    return c


def ui_v2_cases(S):
    c = []

    def ui(label, endpoint, body, where=None, same_as=None):
        c.append(Case("ui-v2", label, endpoint, body, UI_HEADERS, js_stringify, where=where, same_as=same_as))

    pool = S["pools"][0]
    # routes/deployments/index.tsx
    ui("deployments page: buildCountDeploymentsQuery()", "count", {"offset": 0, "sort": "NAME_ASC"}, where=ALL, same_as={})
    default_page = {"page": 1, "limit": 10, "sort": "NAME_ASC",
                    "deployments": {"operator": "and_", "flow_or_deployment_name": {"like_": ""},
                                    "tags": {"operator": "and_", "all_": []}}}
    ui("deployments page: buildPaginationBody(default search)", "paginate", default_page, where=ALL,
       same_as={"page": 1, "limit": 10, "sort": "NAME_ASC"})
    ui("deployments page: search 'ORDERS' + tag + page 2, UPDATED_DESC", "paginate",
       {"page": 2, "limit": 5, "sort": "UPDATED_DESC",
        "deployments": {"operator": "and_", "flow_or_deployment_name": {"like_": "ORDERS"},
                        "tags": {"operator": "and_", "all_": [S["tag_a"]]}}},
       where=Where("(d.name ILIKE %s OR EXISTS (SELECT 1 FROM {s}.flow f WHERE f.id = d.flow_id AND f.name ILIKE %s)) "
                   "AND d.tags @> %s::jsonb", ("%ORDERS%", "%ORDERS%", json.dumps([S["tag_a"]])),
                   f"flow or deployment name ILIKE %ORDERS% and tag {S['tag_a']}"))
    # routes/flows/flow.$id.tsx: deployments.nameLike is optional -> like_ undefined -> {}
    ui("flow page: paginate (nameLike undefined -> flow_or_deployment_name: {})", "paginate",
       {"sort": "NAME_ASC", "page": 1, "limit": 10, "flows": {"operator": "and_", "id": {"any_": [S["flow_id"]]}},
        "deployments": {"operator": "and_", "flow_or_deployment_name": {}, "tags": {"operator": "and_", "all_": []}}},
       where=Where("d.flow_id = %s::uuid", (S["flow_id"],), "the flow's deployments"))
    # routes/work-pools/work-pool.$workPoolName.tsx loader
    ui("work pool page: prefetch paginate", "paginate",
       {"page": 1, "limit": 50, "sort": "CREATED_DESC", "work_pools": {"operator": "and_", "name": {"any_": [pool]}}},
       where=w_pool_exists("wp.name = %s", (pool,), f"pool {pool}"))
    # components/work-pools/work-pool-deployments-tab
    ui("work pool deployments tab: paginate", "paginate",
       {"page": 1, "limit": 10, "sort": "CREATED_DESC", "work_pools": {"operator": "and_", "name": {"any_": [pool]}},
        "deployments": {"operator": "and_", "flow_or_deployment_name": {"like_": ""}, "tags": {"operator": "and_", "all_": []}}},
       where=w_pool_exists("wp.name = %s", (pool,), f"pool {pool}"))
    ui("work pool deployments tab: count", "count",
       {"offset": 0, "sort": "CREATED_DESC", "work_pools": {"operator": "and_", "name": {"any_": [pool]}}},
       where=w_pool_exists("wp.name = %s", (pool,), f"pool {pool}"))
    # use-list-deployments-with-flows default
    ui("useListDeploymentsWithFlows() default", "paginate", {"page": 1, "limit": 100, "sort": "NAME_ASC"}, where=ALL)
    # buildFilterDeploymentsQuery() default (events resource filter)
    ui("events resource filter: buildFilterDeploymentsQuery()", "filter", {"offset": 0, "sort": "CREATED_DESC"}, where=ALL)
    # deployment comboboxes (flow runs filter, automations): deployments undefined when no search
    ui("deployment combobox: no search (deployments undefined)", "filter", {"limit": 100, "offset": 0, "sort": "NAME_ASC"},
       where=ALL)
    ui("deployment combobox: search", "filter",
       {"deployments": {"operator": "and_", "name": {"like_": S["like"].lower()}}, "limit": 100, "offset": 0, "sort": "NAME_ASC"},
       where=Where("d.name ILIKE %s", (f"%{S['like'].lower()}%",), "name ILIKE"))
    ui("deployment combobox: selected ids", "filter",
       {"deployments": {"operator": "and_", "id": {"any_": S["ids"]}}, "limit": 3, "offset": 0, "sort": "NAME_ASC"},
       where=Where("d.id = ANY(%s::uuid[])", (S["ids"],), "3 ids"))
    # dashboard flow-runs card / dashboard loader / automation action resources
    ui("dashboard: deployments of the flow runs shown", "filter",
       {"deployments": {"operator": "and_", "id": {"any_": S["ids"]}}, "offset": 0, "sort": "CREATED_DESC"},
       where=Where("d.id = ANY(%s::uuid[])", (S["ids"],), "3 ids"))
    ui("automation action resources", "filter",
       {"offset": 0, "sort": "CREATED_DESC", "deployments": {"id": {"any_": S["ids"]}, "operator": "and_"}},
       where=Where("d.id = ANY(%s::uuid[])", (S["ids"],), "3 ids"))
    return c


def ui_old_cases(S):
    """prefect-ui-library 3.15.0 (ui/): removeEmptyObjects drops empty objects; no operator unless set."""
    c = []

    def ui(label, endpoint, body, where=None, same_as=None):
        c.append(Case("ui", label, endpoint, body, UI_HEADERS, js_stringify, where=where, same_as=same_as))

    pool = S["pools"][0]
    ui("Deployments.vue: getDeploymentsCount()", "count", {}, where=ALL)
    ui("DeploymentList: getDeploymentsPaginated (no filter)", "paginate", {"sort": "NAME_ASC", "limit": 10, "page": 1},
       where=ALL)
    ui("Flow.vue DeploymentList: flows.id", "paginate",
       {"flows": {"id": {"any_": [S["flow_id"]]}}, "sort": "NAME_ASC", "limit": 10, "page": 1},
       where=Where("d.flow_id = %s::uuid", (S["flow_id"],), "the flow's deployments"))
    ui("WorkPool.vue DeploymentList: work_pools.name", "paginate",
       {"work_pools": {"name": {"any_": [pool]}}, "sort": "NAME_ASC", "limit": 10, "page": 1},
       where=w_pool_exists("wp.name = %s", (pool,), f"pool {pool}"))
    ui("DeploymentList: tags + search + paused (mapDeploymentFilter order)", "paginate",
       {"deployments": {"tags": {"all_": [S["tag_a"]]}, "flow_or_deployment_name": {"like_": "orders"},
                        "paused": {"eq_": False}}, "sort": "CREATED_DESC", "limit": 10, "page": 1},
       where=Where("d.tags @> %s::jsonb AND (d.name ILIKE %s OR EXISTS (SELECT 1 FROM {s}.flow f WHERE f.id = d.flow_id "
                   "AND f.name ILIKE %s)) AND d.paused = false", (json.dumps([S["tag_a"]]), "%orders%", "%orders%"),
                   "tag, name ILIKE %orders%, not paused"))
    ui("getDeployments: paused eq_ true", "filter", {"deployments": {"paused": {"eq_": True}}, "sort": "NAME_ASC"},
       where=Where("d.paused", (), "paused"))
    ui("getDeployments: flow runs state + expected_start_time (toISOString ms)", "filter",
       {"flow_runs": {"state": {"type": {"any_": ["FAILED"]}}, "expected_start_time": {"after_": "2025-05-25T00:00:00.000Z"}},
        "sort": "NAME_ASC", "limit": 50, "offset": 0},
       where=w_run_exists("fr.state_type = 'FAILED' AND fr.expected_start_time >= '2025-05-25T00:00:00Z'", (),
                          "a FAILED run expected after 2025-05-25"))
    ui("getDeploymentsCount: deployments operator or_ (paused, work_queue_name)", "count",
       {"deployments": {"operator": "or_", "paused": {"eq_": True}, "work_queue_name": {"any_": S["wq_names"][:1]}}},
       where=Where("d.paused OR d.work_queue_name = ANY(%s)", (S["wq_names"][:1],), "paused or work_queue_name"))
    return c


# ================================================================ running
def run_case(cl, db, case, default_limit):
    raw = case.serialize(case.body)
    name = f"[{case.source}] {case.endpoint} {case.label}"
    try:
        status, headers, data = cl.post(case.endpoint, raw, case.headers)
    except OSError as e:
        check(f"{name}: answered", False, repr(e))
        return
    want = db.sql_text(case.endpoint, raw)
    if VERBOSE:
        print(f"     body: {raw.decode()}")
    if case.prefect_422 is not None:
        got = json.loads(data) if data else None
        check(f"{name}: 422 as Prefect", status == 422 and got == case.prefect_422,
              f"status={status} got={data[:600]!r} want={json.dumps(case.prefect_422)[:600]}")
        check(f"{name}: the SQL function refuses it too", isinstance(want, tuple) and want[1] == "22023",
              f"sql={want if isinstance(want, tuple) else want[:200]!r}")
        return
    same = isinstance(want, bytes) and status == 200 and data == want
    check(f"{name}: 200, body = SQL text", same,
          f"status={status} body={raw.decode()[:700]} got={data[:400]!r} want={want[:400] if isinstance(want, bytes) else want!r}")
    if status != 200:
        return
    if case.same_as is not None:
        other = db.sql_text(case.endpoint, json.dumps(case.same_as).encode())
        check(f"{name}: same answer as {json.dumps(case.same_as)}", data == other,
              f"got={data[:200]!r} want={other[:200] if isinstance(other, bytes) else other!r}")
    if case.where is not None:
        try:
            semantic_check(db, name, case.endpoint, case.body, data, case.where, default_limit)
        except (ValueError, KeyError, TypeError) as e:
            check(f"{name}: semantics", False, repr(e))


def main():
    global VERBOSE
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True, help="server root, e.g. http://127.0.0.1:4300")
    p.add_argument("--dsn", required=True, help="libpq DSN of the database the server uses")
    p.add_argument("--headers-json", default=os.environ.get("PF_TEST_HEADERS_JSON", "{}"),
                   help="extra headers for every request (auth, CSRF); default $PF_TEST_HEADERS_JSON, "
                        "which keeps credentials off the command line")
    p.add_argument("--base", default="/api", help="API base path (PREFECT_SERVER_API_BASE_PATH)")
    p.add_argument("--schema", default="prefect", help="schema of Prefect's tables for the independent queries")
    p.add_argument("--default-limit", type=int, default=200, help="the server's default limit")
    p.add_argument("-v", "--verbose", action="store_true", help="print every body sent")
    args = p.parse_args()
    VERBOSE = args.verbose
    extra = json.loads(args.headers_json)
    if not isinstance(extra, dict):
        sys.exit("--headers-json must be a JSON object")
    cl = Client(args.url, args.base, {str(k): str(v) for k, v in extra.items()})
    db = Db(args.dsn, args.schema)
    S = samples(db)
    # the mirrored dumps themselves, against the shapes Prefect's own tests and docs show
    check("model_dump: FlowFilter() = {operator: and_, id/name/tags: null}",
          FlowFilter().model_dump(mode="json") == {"operator": "and_", "id": None, "name": None, "tags": None})
    check("model_dump: FlowRunFilter(...) exclude_unset keeps only set fields",
          FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.FAILED])))
          .model_dump(mode="json", exclude_unset=True) == {"state": {"type": {"any_": ["FAILED"]}}})
    check("pydantic datetime: 2026-01-02T03:04:05.123456Z / ...05Z / +02:00",
          [pydantic_datetime(dt.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=dt.timezone.utc)),
           pydantic_datetime(dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)),
           pydantic_datetime(dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))))]
          == ["2026-01-02T03:04:05.123456Z", "2026-01-02T03:04:05Z", "2026-01-02T03:04:05+02:00"])
    for case in python_cases(S) + ui_v2_cases(S) + ui_old_cases(S):
        run_case(cl, db, case, args.default_limit)
    finish()


if __name__ == "__main__":
    main()
