"""The benchmark's query shapes and, for each, the three ways of answering it.

(a) ours      prefect.deployments_filter / _paginate / _count(body)            -- one statement
(b) optimal   hand-written SQL giving the same answer and the same JSON text,
              as a prepared statement (string concatenation; the physical limit of SQL)
(c) prefect   the statements Prefect's server sends for that body (models/deployments.py
              read_deployments / count_deployments + the ORM's selectin loads), rows fetched
              into the client, no JSON

Values are chosen against data/generate.sql's deterministic data (t0 = 2025-06-01 12:00 UTC),
so every shape matches rows at every size of the sweep (flow names etl-orders / ingest-customers
exist as soon as there are 14 flows; pools k8s-prod / docker-dev always exist).

Also here: DBA_INDEXES (the indexes bench.py makes before timing, so that (b) is the fair (b)) and
PAIRS (a selective and an unselective shape for every sub-filter, each as a page and a count).
"""

from dataclasses import dataclass, field
from typing import Optional

T0 = "2025-06-01T12:00:00Z"
DAY_BEFORE_T0 = "2025-05-31T12:00:00Z"
WEEK_BEFORE_T0 = "2025-05-25T12:00:00Z"
HOUR_BEFORE_T0 = "2025-06-01T11:00:00Z"
FIVE_MIN_BEFORE_T0 = "2025-06-01T11:55:00Z"

# ------------------------------------------------------------------------------------------------
# The DBA's indexes. Issue 5: "a fair (b) may use any index the extension could create, plus
# whatever a DBA would add for that query". bench.py creates these on the benchmark database
# after generation and before timing (CREATE INDEX IF NOT EXISTS, then ANALYZE of the tables
# touched), so (a), (b) and (c) all run against the same indexes; the report lists them with the
# extension's own (pf_ix_*, trgm_ix_*). Only indexes that some shape's (b) plan uses are listed
# (checked with EXPLAIN of every (b) statement on 10 k deployments / 100 k flow runs; (c) uses the
# same ones). Not listed because no (b) plan needs them: flow (name), work_pool (name) (Prefect's
# unique constraints already index them), work_queue (name) (69 rows at M: read whole),
# flow_run (deployment_id, start_time) (the extension's (deployment_id, state_type, COALESCE(...))
# serves the per-deployment probes).
# An entry with "extension" names the extension version that creates the same index itself:
# bench.py skips it when an index of that name already exists (pg_class) and the report says
# "created by the extension".

DBA_INDEXES = [
    {"name": "pf_ix_flow_run__state_type_start_deployment_id", "table": "flow_run", "extension": "0.4.0",
     "sql": "CREATE INDEX IF NOT EXISTS pf_ix_flow_run__state_type_start_deployment_id ON prefect.flow_run "
            "(state_type, (COALESCE(start_time, expected_start_time)), deployment_id) "
            "INCLUDE (start_time, expected_start_time)",
     "reason": "flow-run state + start-time windows read once, index-only, giving the deployment ids: "
               "the window counts (count_fr, count_fr_1h, count_fr_crashed_5m, count_fr_window_7d) and "
               "the selective window page (fr_crashed_5m)"},
    {"name": "pf_ix_task_run__state_type_flow_run_id", "table": "task_run", "extension": "0.4.0",
     "sql": "CREATE INDEX IF NOT EXISTS pf_ix_task_run__state_type_flow_run_id ON prefect.task_run "
            "(state_type, flow_run_id)",
     "reason": "the flow runs holding a task run of a state, index-only (count_tr_state)"},
    {"name": "pf_ix_flow_run__deployment_id_id", "table": "flow_run", "extension": "0.5.0",
     "sql": "CREATE INDEX IF NOT EXISTS pf_ix_flow_run__deployment_id_id ON prefect.flow_run "
            "(deployment_id, id)",
     "reason": "a deployment's flow runs, index-only, in the per-deployment probe of a page that walks "
               "deployments in name order (tr_state)"},
    {"name": "dba_ix_task_run__flow_run_id_state_type", "table": "task_run",
     "sql": "CREATE INDEX IF NOT EXISTS dba_ix_task_run__flow_run_id_state_type ON prefect.task_run "
            "(flow_run_id, state_type)",
     "reason": "a flow run's task runs of a state, probed index-only while the page walks deployments "
               "in name order (tr_state)"},
    {"name": "dba_ix_flow_run__id_deployment_id", "table": "flow_run",
     "sql": "CREATE INDEX IF NOT EXISTS dba_ix_flow_run__id_deployment_id ON prefect.flow_run "
            "(id, deployment_id)",
     "reason": "task runs' flow runs resolved to their deployment index-only instead of a sequential "
               "scan of flow_run (count_tr_state: 2x faster at 100 k flow runs)"},
    {"name": "dba_ix_deployment__tags", "table": "deployment",
     "sql": "CREATE INDEX IF NOT EXISTS dba_ix_deployment__tags ON prefect.deployment USING gin (tags)",
     "reason": "tags ?& / ?| (jsonb_ops, the default opclass): dep_tags_all, count_dep_tags_all, "
               "combo4 (?|)"},
    {"name": "dba_ix_deployment__paused_name_id", "table": "deployment",
     "sql": "CREATE INDEX IF NOT EXISTS dba_ix_deployment__paused_name_id ON prefect.deployment "
            "(paused, name, id)",
     "reason": "paused / not-paused pages read in name order from the index (dep_paused, dep_not_paused)"},
]

# The extension's own indexes beyond Prefect's (prefect_filter--0.1.0.sql), for the report.
EXTENSION_INDEX_REASONS = {
    "pf_ix_deployment__name_id": "name-ordered pages read in order (all_name_asc/desc, ui_page, deep_offset and "
                                 "every filter shape, name-ordered by default)",
    "pf_ix_flow_run__deployment_id_state_type_start": "per-deployment probe of flow-run state + start-time window "
                                                      "(pages walking deployments in name order: fr_state_window, "
                                                      "fr_window_7d, combo4)",
    "pf_ix_flow_run__state_type_start_deployment_id": "(0.4.0) flow-run state + start-time windows read once, "
                                                      "index-only",
    "pf_ix_task_run__state_type_flow_run_id": "(0.4.0) task-run state filters: the matching task runs' flow "
                                              "runs, index-only",
    "pf_ix_flow_run__deployment_id_id": "(0.5.0) a deployment's flow runs, index-only: the task-run probe of "
                                        "pages walking deployments in name order (tr_state)",
    "trgm_ix_deployment_name": "ILIKE '%...%' on deployment names (pg_trgm): dep_name_like, "
                               "dep_flow_or_name_like, or_combo",
    "trgm_ix_flow_name": "ILIKE '%...%' on flow names (pg_trgm): dep_flow_or_name_like, combo4",
    "trgm_ix_": "ILIKE '%...%' on this table's names (pg_trgm, prefect.create_trigram_indexes()); "
                "no shape filters on them",
}

# ------------------------------------------------------------------------------------------------
# (b): rendering DeploymentResponse JSON text in SQL, byte-identical to Prefect's
# (doc/serialisation.md, /work/shared/spec/response.md). Every piece is plain string
# concatenation: json_build_object / json_agg put " : " and ", " between items, and jsonb::text
# puts a space after every ":" and ",", so neither gives Prefect's compact text.

def ts(x: str, nullable: bool = True) -> str:
    """timestamptz -> "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (fraction only when non-zero). The colons
    are quoted literals in the to_char format so that pgbench does not read ':MI' as a variable."""
    body = (f"'\"' || to_char({x} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24\":\"MI\":\"SS') || "
            f"CASE WHEN date_trunc('second', {x}) = {x} THEN 'Z\"' ELSE to_char({x}, '.US') || 'Z\"' END")
    return f"CASE WHEN {x} IS NULL THEN 'null' ELSE {body} END" if nullable else f"({body})"


def s(x: str) -> str:
    """text -> JSON string or null (to_json escapes exactly like pydantic: \\n, \\u001f, raw UTF-8)."""
    return f"coalesce(to_json({x})::text, 'null')"


def u(x: str) -> str:
    """uuid -> "..." or null"""
    return f"coalesce('\"' || {x} || '\"', 'null')"


def jb(x: str) -> str:
    """jsonb -> compact JSON text. jsonb::text writes ': ' after keys and ', ' between items;
    drop those spaces. Outside strings a ', ' is followed by '"', '{', '[', a number or a literal;
    inside strings a '"' is always escaped, so '": ' and ', "' never occur there. (A string with
    ', 5' or ', null' in prose would be changed too: not general, but exact on this data, and
    the benchmark checks (a) = (b) byte for byte on every shape.) NULL stays NULL."""
    return ("regexp_replace(replace(replace(replace(replace("
            f"{x}::text, '\": ', '\":'), ', \"', ',\"'), ', {{', ',{{'), ', [', ',['), "
            "', (?=-?[0-9]|true|false|null)', ',', 'g')")


def jb_strings(x: str) -> str:
    """jsonb array of strings (tags) -> compact text."""
    return f"replace({x}::text, ', \"', ',\"')"


def py_float(x: str) -> str:
    """float8 / numeric text -> Python's float repr for the values that occur (3600 -> 3600.0)."""
    return (f"CASE WHEN strpos({x}, '.') = 0 AND strpos({x}, 'e') = 0 AND strpos({x}, 'n') = 0 "
            f"THEN {x} || '.0' ELSE {x} END")


def by(x: str) -> str:
    """created_by / updated_by: exactly id, type, display_value."""
    return (f"CASE WHEN {x} IS NULL THEN 'null' ELSE '{{\"id\":' || {s(f'lower({x}->>' + chr(39) + 'id' + chr(39) + ')')}"
            f" || ',\"type\":' || {s(f'{x}->>' + chr(39) + 'type' + chr(39))}"
            f" || ',\"display_value\":' || {s(f'{x}->>' + chr(39) + 'display_value' + chr(39))} || '}}' END")


SCHEDULE_OBJ = (
    "CASE WHEN s.schedule ? 'interval' THEN '{\"interval\":' || "
    + py_float("(s.schedule->>'interval')")
    + " || ',\"anchor_date\":' || " + s("s.schedule->>'anchor_date'")
    + " || ',\"timezone\":' || coalesce(to_json(s.schedule->>'timezone')::text, '\"UTC\"') || '}'"
    " WHEN s.schedule ? 'cron' THEN '{\"cron\":' || " + s("s.schedule->>'cron'")
    + " || ',\"timezone\":' || " + s("s.schedule->>'timezone'")
    + " || ',\"day_or\":' || coalesce(s.schedule->>'day_or', 'true') || '}'"
    " ELSE '{\"rrule\":' || " + s("s.schedule->>'rrule'")
    + " || ',\"timezone\":' || coalesce(to_json(s.schedule->>'timezone')::text, '\"UTC\"') || '}' END"
)

SCHEDULE = (
    "'{\"id\":\"' || s.id || '\",\"created\":' || " + ts("s.created", False)
    + " || ',\"updated\":' || " + ts("s.updated", False)
    + " || ',\"deployment_id\":' || " + u("s.deployment_id")
    + " || ',\"schedule\":' || " + SCHEDULE_OBJ
    + " || ',\"active\":' || s.active"
    " || ',\"max_scheduled_runs\":' || coalesce(s.max_scheduled_runs::text, 'null')"
    " || ',\"parameters\":' || " + jb("s.parameters")
    + " || ',\"slug\":' || " + s("s.slug") + " || '}'"
)

GCL = (
    "CASE WHEN cl.id IS NULL THEN 'null' ELSE '{\"id\":\"' || cl.id || '\",\"created\":' || "
    + ts("cl.created", False) + " || ',\"updated\":' || " + ts("cl.updated", False)
    + " || ',\"active\":' || cl.active || ',\"name\":' || to_json(cl.name)::text"
    " || ',\"limit\":' || cl.\"limit\" || ',\"active_slots\":' || cl.active_slots"
    " || ',\"slot_decay_per_second\":' || " + py_float("cl.slot_decay_per_second::text") + " || '}' END"
)

CONCURRENCY_OPTIONS = (
    "CASE WHEN d.concurrency_options IS NULL THEN 'null' ELSE '{\"collision_strategy\":' || "
    + s("d.concurrency_options->>'collision_strategy'")
    + " || ',\"grace_period_seconds\":' || coalesce(d.concurrency_options->>'grace_period_seconds', 'null') || '}' END"
)

DEPLOYMENT = (
    "'{\"id\":\"' || d.id || '\",\"created\":' || " + ts("d.created")
    + " || ',\"updated\":' || " + ts("d.updated")
    + " || ',\"name\":' || to_json(d.name)::text"
    " || ',\"version\":' || " + s("d.version")
    + " || ',\"description\":' || " + s("d.description")
    + " || ',\"flow_id\":\"' || d.flow_id || '\",\"paused\":' || d.paused"
    " || ',\"schedules\":' || coalesce(sch.j, '[]')"
    " || ',\"concurrency_limit\":' || 'null,\"global_concurrency_limit\":' || " + GCL
    + " || ',\"concurrency_options\":' || " + CONCURRENCY_OPTIONS
    + " || ',\"job_variables\":' || coalesce(" + jb("d.infra_overrides") + ", 'null')"
    " || ',\"parameters\":' || coalesce(" + jb("d.parameters") + ", 'null')"
    " || ',\"tags\":' || coalesce(" + jb_strings("d.tags") + ", 'null')"
    " || ',\"labels\":' || coalesce(" + jb("d.labels") + ", '{}')"
    " || ',\"work_queue_name\":' || " + s("coalesce(wq.name, d.work_queue_name)")
    + " || ',\"work_queue_id\":' || " + u("d.work_queue_id")
    + " || ',\"last_polled\":' || " + ts("d.last_polled")
    + " || ',\"parameter_openapi_schema\":' || coalesce(" + jb("d.parameter_openapi_schema") + ", 'null')"
    " || ',\"path\":' || " + s("d.path")
    + " || ',\"pull_steps\":' || coalesce(" + jb("d.pull_steps") + ", 'null')"
    " || ',\"entrypoint\":' || " + s("d.entrypoint")
    + " || ',\"storage_document_id\":' || " + u("d.storage_document_id")
    + " || ',\"infrastructure_document_id\":' || " + u("d.infrastructure_document_id")
    + " || ',\"created_by\":' || " + by("d.created_by")
    + " || ',\"updated_by\":' || " + by("d.updated_by")
    + " || ',\"work_pool_name\":' || " + s("wp.name")
    + " || ',\"status\":\"' || d.status || '\",\"enforce_parameter_schema\":' || d.enforce_parameter_schema || '}'"
)

SORTS = {
    # sort -> (page column, ORDER BY on p for the page, Prefect's ORDER BY)
    "NAME_ASC": ("d.name", "p.k ASC, p.id ASC", "deployment.name ASC"),
    "NAME_DESC": ("d.name", "p.k DESC, p.id DESC", "deployment.name DESC"),
    "CREATED_DESC": ("d.created", "p.k DESC, p.id DESC", "deployment.created DESC"),
    "UPDATED_DESC": ("d.updated", "p.k DESC, p.id DESC", "deployment.updated DESC"),
}
# id ASC as the last key, exactly as the extension orders (README: "id as a final tiebreak")
PAGE_ORDER = {
    "NAME_ASC": "d.name ASC, d.id ASC",
    "NAME_DESC": "d.name DESC, d.id DESC",
    "CREATED_DESC": "d.created DESC, d.id DESC",
    "UPDATED_DESC": "d.updated DESC, d.id DESC",
}


def rows_sql(where: str, sort: str, lim: str, off: str) -> str:
    """The page, rendered: one json text value."""
    col, outer_order, _ = SORTS[sort]
    return (
        "SELECT coalesce('[' || string_agg(" + DEPLOYMENT + ", ',' ORDER BY " + outer_order + ") || ']', '[]')"
        f" FROM (SELECT d.id, {col} AS k FROM prefect.deployment d WHERE {where}"
        f" ORDER BY {PAGE_ORDER[sort]} LIMIT {lim} OFFSET {off}) p"
        " JOIN prefect.deployment d ON d.id = p.id"
        " LEFT JOIN prefect.work_queue wq ON wq.id = d.work_queue_id"
        " LEFT JOIN prefect.work_pool wp ON wp.id = wq.work_pool_id"
        " LEFT JOIN prefect.concurrency_limit_v2 cl ON cl.id = d.concurrency_limit_id"
        " LEFT JOIN LATERAL (SELECT '[' || string_agg(" + SCHEDULE + ", ',' ORDER BY s.updated DESC, s.id) || ']' AS j"
        " FROM prefect.deployment_schedule s WHERE s.deployment_id = d.id) sch ON true"
    )


# ------------------------------------------------------------------------------------------------
# (c): Prefect's statements. Column lists as SQLAlchemy emits them for the mapped classes
# (orm_models.py; Base contributes id, created, updated). Unqualified table names: the (c)
# connection runs with search_path = prefect, as Prefect's runs with its own schema.

DEPLOYMENT_COLS = ", ".join("deployment." + c for c in (
    "name", "version", "description", "work_queue_name", "infra_overrides", "path", "entrypoint",
    "last_polled", "status", "flow_id", "work_queue_id", "paused", "concurrency_limit",
    "concurrency_limit_id", "concurrency_options", "tags", "labels", "parameters", "pull_steps",
    "parameter_openapi_schema", "enforce_parameter_schema", "created_by", "updated_by",
    "infrastructure_document_id", "storage_document_id", "id", "created", "updated"))

C_SCHEDULES = ("SELECT deployment_schedule.deployment_id AS deployment_schedule_deployment_id, "
               "deployment_schedule.schedule, deployment_schedule.active, deployment_schedule.max_scheduled_runs, "
               "deployment_schedule.parameters, deployment_schedule.slug, deployment_schedule.deployment_id, "
               "deployment_schedule.id, deployment_schedule.created, deployment_schedule.updated "
               "FROM deployment_schedule WHERE deployment_schedule.deployment_id IN ({in_list}) "
               "ORDER BY deployment_schedule.updated DESC")
C_GCL = ("SELECT concurrency_limit_v2.active, concurrency_limit_v2.name, concurrency_limit_v2.\"limit\", "
         "concurrency_limit_v2.active_slots, concurrency_limit_v2.denied_slots, "
         "concurrency_limit_v2.slot_decay_per_second, concurrency_limit_v2.avg_slot_occupancy_seconds, "
         "concurrency_limit_v2.id, concurrency_limit_v2.created, concurrency_limit_v2.updated "
         "FROM concurrency_limit_v2 WHERE concurrency_limit_v2.id IN ({in_list})")
C_WORK_QUEUE = ("SELECT work_queue.name, work_queue.filter, work_queue.description, work_queue.is_paused, "
                "work_queue.concurrency_limit, work_queue.priority, work_queue.last_polled, work_queue.status, "
                "work_queue.work_pool_id, work_queue.id, work_queue.created, work_queue.updated "
                "FROM work_queue WHERE work_queue.id IN ({in_list})")
C_WORK_POOL = ("SELECT work_pool.name, work_pool.description, work_pool.type, work_pool.base_job_template, "
               "work_pool.is_paused, work_pool.default_queue_id, work_pool.concurrency_limit, work_pool.status, "
               "work_pool.last_transitioned_status_at, work_pool.last_status_event_id, "
               "work_pool.storage_configuration, work_pool.id, work_pool.created, work_pool.updated "
               "FROM work_pool WHERE work_pool.id IN ({in_list})")


@dataclass
class Shape:
    key: str
    title: str
    endpoint: str                 # filter | paginate | count
    body: dict
    b_where: str = "true"         # predicate on d, $1.. = b_params
    b_params: list = field(default_factory=list)   # [(pg type, value)]
    c_where: Optional[str] = None  # Prefect's WHERE on deployment, $1.. = c_params (None: no WHERE)
    c_params: list = field(default_factory=list)
    selective: bool = False       # for the sweep: index-driven, and its result does not grow with
                                  # the number of deployments in the sweep (flows = deployments / 20
                                  # there), so its latency must stay flat (<= 1.5x from 1 k to 100 k)
    note: str = ""
    pair: Optional[tuple] = None  # (sub-filter, "selective" | "unselective"): this shape is one of the
                                  # selective / unselective pairs (PAIRS below), page or count

    @property
    def sort(self) -> str:
        return self.body.get("sort", "NAME_ASC")

    @property
    def limit(self) -> int:
        return int(self.body.get("limit", 200))

    @property
    def offset(self) -> int:
        if self.endpoint == "paginate":
            return (int(self.body.get("page", 1)) - 1) * self.limit
        return int(self.body.get("offset", 0))

    # -- (b)
    def b_statement(self):
        """(sql with $n, [pg types], [values])"""
        types = [t for t, _ in self.b_params]
        vals = [v for _, v in self.b_params]
        n = len(types)
        if self.endpoint == "count":
            return f"SELECT count(*) FROM prefect.deployment d WHERE {self.b_where}", types, vals
        lim, off = f"${n + 1}", f"${n + 2}"
        types += ["bigint", "bigint"]
        vals += [self.limit, self.offset]
        rows = rows_sql(self.b_where, self.sort, lim, off)
        if self.endpoint == "filter":
            return rows, types, vals
        page = f"${n + 3}"
        types.append("bigint")
        vals.append(int(self.body.get("page", 1)))
        sql = ("SELECT '{\"results\":' || r.j || ',\"count\":' || c.n || ',\"limit\":' || " + lim
               + " || ',\"pages\":' || CASE WHEN " + lim + " > 0 THEN (c.n + " + lim + " - 1) / " + lim
               + " ELSE 0 END || ',\"page\":' || " + page + " || '}'"
               f" FROM (SELECT count(*) AS n FROM prefect.deployment d WHERE {self.b_where}) c,"
               f" ({rows}) r(j)")
        return sql, types, vals

    # -- (c)
    def c_main(self):
        """Prefect's main statement: (sql, [pg types], [values])."""
        types = [t for t, _ in self.c_params]
        vals = [v for _, v in self.c_params]
        n = len(types)
        where = f" WHERE {self.c_where}" if self.c_where else ""
        if self.endpoint == "count":
            return f"SELECT count(*) AS count_1 FROM deployment{where}", types, vals
        order = SORTS[self.sort][2]
        sql = (f"SELECT {DEPLOYMENT_COLS} FROM deployment{where} ORDER BY {order} "
               f"LIMIT ${n + 1}::INTEGER OFFSET ${n + 2}::INTEGER")
        return sql, types + ["integer", "integer"], vals + [self.limit, self.offset]

    def c_count(self):
        types = [t for t, _ in self.c_params]
        vals = [v for _, v in self.c_params]
        where = f" WHERE {self.c_where}" if self.c_where else ""
        return f"SELECT count(*) AS count_1 FROM deployment{where}", types, vals


def arr(values):
    """A PostgreSQL array literal for text / uuid / enum arrays."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _in(first: int, n: int, cast: str) -> str:
    return ", ".join(f"${i}::{cast}" for i in range(first, first + n))


# Prefect's flow-run EXISTS (models/deployments.py): select(FlowRun).where(Deployment.id == FlowRun.deployment_id)
FR_EXISTS_C = "EXISTS (SELECT flow_run.id FROM flow_run WHERE deployment.id = flow_run.deployment_id AND {p})"

FR_WINDOW_STATES = ["FAILED", "CRASHED"]


def shapes() -> list:
    out = []
    for sort in ("NAME_ASC", "NAME_DESC", "CREATED_DESC", "UPDATED_DESC"):
        out.append(Shape(f"all_{sort.lower()}", f"{{}} sort {sort}", "filter",
                         {"sort": sort} if sort != "NAME_ASC" else {}))
    out.append(Shape("all_limit1", "{} limit 1 (page-size check)", "filter", {"limit": 1}))
    out.append(Shape("all_limit100", "{} limit 100 (page-size check)", "filter", {"limit": 100}))

    names = ["prod", "nightly-1"]
    out.append(Shape(
        "dep_name_any", "deployments.name.any_", "filter",
        {"deployments": {"name": {"any_": names}}},
        b_where="d.name = ANY($1)", b_params=[("text[]", arr(names))],
        c_where=f"deployment.name IN ({_in(1, 2, 'VARCHAR')})", c_params=[("varchar", v) for v in names]))
    out.append(Shape(
        "dep_name_like", "deployments.name.like_", "filter",
        {"deployments": {"name": {"like_": "report"}}},
        b_where="d.name ILIKE $1", b_params=[("text", "%report%")],
        c_where="deployment.name ILIKE $1::VARCHAR", c_params=[("varchar", "%report%")]))
    out.append(Shape(
        "dep_flow_or_name_like", "deployments.flow_or_deployment_name.like_", "filter",
        {"deployments": {"flow_or_deployment_name": {"like_": "invoices"}}},
        b_where="(d.name ILIKE $1 OR d.flow_id IN (SELECT f.id FROM prefect.flow f WHERE f.name ILIKE $1))",
        b_params=[("text", "%invoices%")],
        c_where=("(deployment.name ILIKE $1::VARCHAR OR EXISTS (SELECT 1 FROM flow "
                 "WHERE flow.id = deployment.flow_id AND flow.name ILIKE $2::VARCHAR))"),
        c_params=[("varchar", "%invoices%"), ("varchar", "%invoices%")]))
    tags = ["prod", "critical"]
    out.append(Shape(
        "dep_tags_all", "deployments.tags.all_ [prod, critical] (selective: 1.6 % on M)", "filter",
        {"deployments": {"tags": {"all_": tags}}},
        b_where="d.tags ?& $1", b_params=[("text[]", arr(tags))],
        c_where=f"deployment.tags ?& CAST(ARRAY[{_in(1, 2, 'VARCHAR')}] AS VARCHAR[])",
        c_params=[("varchar", v) for v in tags]))
    out.append(Shape(
        "dep_paused", "deployments.paused.eq_ true", "filter",
        {"deployments": {"paused": {"eq_": True}}},
        b_where="d.paused", c_where="deployment.paused IS true"))
    flows = ["etl-orders", "ingest-customers"]
    out.append(Shape(
        "flows_name_any", "flows.name.any_ [etl-orders, ingest-customers] (selective: ~45 deployments at every size)", "filter",
        {"flows": {"name": {"any_": flows}}},
        b_where="d.flow_id IN (SELECT f.id FROM prefect.flow f WHERE f.name = ANY($1))",
        b_params=[("text[]", arr(flows))],
        c_where=("EXISTS (SELECT deployment.id FROM flow WHERE deployment.flow_id = flow.id "
                 f"AND flow.name IN ({_in(1, 2, 'VARCHAR')}))"),
        c_params=[("varchar", v) for v in flows], selective=True))
    fr_body = {"state": {"type": {"any_": FR_WINDOW_STATES}},
               "start_time": {"after_": DAY_BEFORE_T0, "before_": T0}}
    out.append(Shape(
        "fr_state_window", "flow_runs FAILED/CRASHED, start_time in a 1-day window (48 % on M)", "filter",
        {"flow_runs": fr_body},
        b_where=("EXISTS (SELECT 1 FROM prefect.flow_run fr WHERE fr.deployment_id = d.id"
                 " AND fr.state_type = ANY($1) AND coalesce(fr.start_time, fr.expected_start_time) >= $2"
                 " AND coalesce(fr.start_time, fr.expected_start_time) <= $3)"),
        b_params=[("prefect.state_type[]", arr(FR_WINDOW_STATES)), ("timestamptz", DAY_BEFORE_T0),
                  ("timestamptz", T0)],
        c_where=FR_EXISTS_C.format(p=(   # Prefect: before_ (<=) first, then after_ (>=)
            f"flow_run.state_type IN ({_in(1, 2, 'state_type')}) "
            "AND coalesce(flow_run.start_time, flow_run.expected_start_time) <= $3::TIMESTAMP WITH TIME ZONE "
            "AND coalesce(flow_run.start_time, flow_run.expected_start_time) >= $4::TIMESTAMP WITH TIME ZONE")),
        c_params=[("prefect.state_type", v) for v in FR_WINDOW_STATES]
        + [("timestamptz", T0), ("timestamptz", DAY_BEFORE_T0)], selective=True))
    out.append(Shape(
        "tr_state", "task_runs state.type.any_ [FAILED] (unselective: 89 % on M)", "filter",
        {"task_runs": {"state": {"type": {"any_": ["FAILED"]}}}},
        b_where=("EXISTS (SELECT 1 FROM prefect.flow_run fr JOIN prefect.task_run tr ON tr.flow_run_id = fr.id"
                 " WHERE fr.deployment_id = d.id AND tr.state_type = ANY($1))"),
        b_params=[("prefect.state_type[]", arr(["FAILED"]))],
        c_where=("EXISTS (SELECT flow_run.id FROM flow_run JOIN task_run ON task_run.flow_run_id = flow_run.id "
                 "WHERE deployment.id = flow_run.deployment_id AND task_run.state_type IN ($1::state_type))"),
        c_params=[("prefect.state_type", "FAILED")]))
    out.append(Shape(
        "wp_name_any", "work_pools.name.any_", "filter",
        {"work_pools": {"name": {"any_": ["k8s-prod"]}}},
        b_where=("d.work_queue_id IN (SELECT q.id FROM prefect.work_queue q JOIN prefect.work_pool p"
                 " ON p.id = q.work_pool_id WHERE p.name = ANY($1))"),
        b_params=[("text[]", arr(["k8s-prod"]))],
        c_where=("EXISTS (SELECT work_queue.id FROM work_queue JOIN work_pool ON work_pool.id = work_queue.work_pool_id "
                 "WHERE deployment.work_queue_id = work_queue.id AND work_pool.name IN ($1::VARCHAR))"),
        c_params=[("varchar", "k8s-prod")]))
    out.append(Shape(
        "wq_name_any", "work_pool_queues.name.any_", "filter",
        {"work_pool_queues": {"name": {"any_": ["gpu"]}}},
        b_where="d.work_queue_id IN (SELECT q.id FROM prefect.work_queue q WHERE q.name = ANY($1))",
        b_params=[("text[]", arr(["gpu"]))],
        c_where=("EXISTS (SELECT work_queue.id FROM work_queue WHERE deployment.work_queue_id = work_queue.id "
                 "AND work_queue.name IN ($1::VARCHAR))"),
        c_params=[("varchar", "gpu")]))
    out.append(Shape(
        "combo4", "4 filters: deployments tags+paused, flows name like, work_pools type, flow_runs state",
        "filter",
        {"deployments": {"tags": {"any_": ["prod"]}, "paused": {"eq_": False}},
         "flows": {"name": {"like_": "etl"}},
         "work_pools": {"type": {"any_": ["kubernetes", "docker"]}},
         "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}},
        b_where=("d.tags ?| $1 AND NOT d.paused"
                 " AND d.flow_id IN (SELECT f.id FROM prefect.flow f WHERE f.name ILIKE $2)"
                 " AND d.work_queue_id IN (SELECT q.id FROM prefect.work_queue q JOIN prefect.work_pool p"
                 " ON p.id = q.work_pool_id WHERE p.type = ANY($3))"
                 " AND EXISTS (SELECT 1 FROM prefect.flow_run fr WHERE fr.deployment_id = d.id AND fr.state_type = ANY($4))"),
        b_params=[("text[]", arr(["prod"])), ("text", "%etl%"), ("text[]", arr(["kubernetes", "docker"])),
                  ("prefect.state_type[]", arr(["COMPLETED"]))],
        c_where=("(deployment.tags ?| CAST(ARRAY[$1::VARCHAR] AS VARCHAR[]) AND deployment.paused IS false)"
                 " AND EXISTS (SELECT deployment.id FROM flow WHERE deployment.flow_id = flow.id AND flow.name ILIKE $2::VARCHAR)"
                 " AND " + FR_EXISTS_C.format(p="flow_run.state_type IN ($3::state_type)")
                 + " AND EXISTS (SELECT work_queue.id FROM work_queue JOIN work_pool ON work_pool.id = work_queue.work_pool_id"
                 " WHERE deployment.work_queue_id = work_queue.id AND work_pool.type IN ($4::VARCHAR, $5::VARCHAR))"),
        c_params=[("varchar", "prod"), ("varchar", "%etl%"), ("prefect.state_type", "COMPLETED"),
                  ("varchar", "kubernetes"), ("varchar", "docker")]))
    out.append(Shape(
        "or_combo", "deployments or_: name like nightly | tags all critical | paused", "filter",
        {"deployments": {"operator": "or_", "name": {"like_": "nightly"}, "tags": {"all_": ["critical"]},
                         "paused": {"eq_": True}}},
        b_where="(d.name ILIKE $1 OR d.tags ?& $2 OR d.paused)",
        b_params=[("text", "%nightly%"), ("text[]", arr(["critical"]))],
        c_where=("(deployment.name ILIKE $1::VARCHAR OR deployment.tags ?& CAST(ARRAY[$2::VARCHAR] AS VARCHAR[])"
                 " OR deployment.paused IS true)"),
        c_params=[("varchar", "%nightly%"), ("varchar", "critical")]))
    out.append(Shape("deep_offset", "{} offset 9800 (NAME_ASC)", "filter", {"offset": 9800}))
    out.append(Shape("ui_page", "UI default page: paginate NAME_ASC limit 100 page 1", "paginate",
                     {"sort": "NAME_ASC", "limit": 100, "page": 1}))
    out.append(Shape("count_all", "count {}", "count", {}))
    cnt_fr = {"state": {"type": {"any_": ["FAILED"]}}, "start_time": {"after_": WEEK_BEFORE_T0}}
    out.append(Shape(
        "count_fr", "count with flow_runs state FAILED + start_time after 7 days ago", "count",
        {"flow_runs": cnt_fr},
        b_where=("EXISTS (SELECT 1 FROM prefect.flow_run fr WHERE fr.deployment_id = d.id"
                 " AND fr.state_type = ANY($1) AND coalesce(fr.start_time, fr.expected_start_time) >= $2)"),
        b_params=[("prefect.state_type[]", arr(["FAILED"])), ("timestamptz", WEEK_BEFORE_T0)],
        c_where=FR_EXISTS_C.format(p=(
            "flow_run.state_type IN ($1::state_type) "
            "AND coalesce(flow_run.start_time, flow_run.expected_start_time) >= $2::TIMESTAMP WITH TIME ZONE")),
        c_params=[("prefect.state_type", "FAILED"), ("timestamptz", WEEK_BEFORE_T0)]))
    out.append(Shape(
        "count_fr_1h", "count with flow_runs state CRASHED + start_time in the last hour", "count",
        {"flow_runs": {"state": {"type": {"any_": ["CRASHED"]}}, "start_time": {"after_": HOUR_BEFORE_T0}}},
        b_where=("EXISTS (SELECT 1 FROM prefect.flow_run fr WHERE fr.deployment_id = d.id"
                 " AND fr.state_type = ANY($1) AND coalesce(fr.start_time, fr.expected_start_time) >= $2)"),
        b_params=[("prefect.state_type[]", arr(["CRASHED"])), ("timestamptz", HOUR_BEFORE_T0)],
        c_where=FR_EXISTS_C.format(p=(
            "flow_run.state_type IN ($1::state_type) "
            "AND coalesce(flow_run.start_time, flow_run.expected_start_time) >= $2::TIMESTAMP WITH TIME ZONE")),
        c_params=[("prefect.state_type", "CRASHED"), ("timestamptz", HOUR_BEFORE_T0)]))
    out += pair_shapes(out)
    by_key = {s.key: s for s in out}
    for sub, kind, page, count, _ in PAIRS:
        by_key[page].pair = (sub, kind)
        by_key[count].pair = (sub, kind)
    return out


# ------------------------------------------------------------------------------------------------
# Selective and unselective shapes for every sub-filter, each as a page and as a count (the targets:
# "so that a plan that only works on one side cannot hide"). Selective: few deployments (< 2 % on
# M, a few dozen to ~150); unselective: most deployments (> 50 % on M). The values are chosen
# against data/generate.sql; the expected figures on M (scale 25, 10 000 deployments, 90 runs per
# deployment, 2 task runs per run) come from the generator's own deployment / flow-run tables
# (deployment-level filters: M has the same deployments, flows, pools and queues as any
# scale = 25, deployments = 10000 database; flow-run and task-run filters: computed from the
# generator's run table at M's knobs). The report measures them on every dataset (the count
# shape's result over count_all).
#   (sub-filter, kind, page shape, count shape, expected on M)
PAIRS = [
    ("deployments", "selective", "dep_tags_all", "count_dep_tags_all", "155 (1.6 %)"),
    ("deployments", "unselective", "dep_not_paused", "count_dep_not_paused", "9 014 (90 %)"),
    ("flows", "selective", "flows_name_any", "count_flows_name_any", "46 (0.5 %)"),
    ("flows", "unselective", "flows_tagged", "count_flows_tagged", "8 930 (89 %)"),
    ("flow_runs", "selective", "fr_crashed_5m", "count_fr_crashed_5m", "~182 (1.8 %)"),
    ("flow_runs", "unselective", "fr_window_7d", "count_fr_window_7d", "~7 124 (71 %)"),
    ("task_runs", "selective", "tr_name_any", "count_tr_name_any", "~52 (0.5 %)"),
    ("task_runs", "unselective", "tr_state", "count_tr_state", "~8 933 (89 %)"),
    ("work_pools", "selective", "wp_agent_pool", "count_wp_agent_pool", "95 (1.0 %)"),
    ("work_pools", "unselective", "wp_type_any", "count_wp_type_any", "6 409 (64 %)"),
    ("work_pool_queues", "selective", "wq_id_any", "count_wq_id_any", "87 (0.9 %)"),
    ("work_pool_queues", "unselective", "wq_names_any", "count_wq_names_any", "6 218 (62 %)"),
]

# task runs that track a subflow run are named after the subflow's flow and their index in the
# run ("etl-orders-0" ...; generate.sql gen_parent): flow 1 (etl-orders) exists at every size,
# and these task runs are ~1.5 % of the task runs spread over all flows, so their number stays
# the same when deployments and flows grow together (the sweep)
TR_NAMES = ["etl-orders-0", "etl-orders-1", "etl-orders-2"]
# every work-pool type but the agent pool's (prefect-agent): the deployments with a queue (65 %)
# except those in default-agent-pool
WP_TYPES = ["kubernetes", "docker", "ecs", "cloud-run", "process"]
# the "gpu" queue of pool 3 (docker-dev): pg_temp.uid('work_queue', 3 * 10 + 4) in generate.sql,
# a pure function of (kind, key), so the same uuid at every scale (pool 3 always has >= 4 queues)
WQ_GPU_DOCKER_DEV = "e6e712b8-9370-4b78-b64d-82014896979b"
WQ_NAMES = ["default", "high-priority", "low-priority", "gpu"]


def _fr_window(key, title, endpoint, states, after, before, selective=False):
    """flow_runs state.type.any_ + start_time window, as Prefect filters it:
    COALESCE(start_time, expected_start_time) between the bounds (FlowRunFilterStartTime)."""
    n = len(states)
    return Shape(
        key, title, endpoint,
        {"flow_runs": {"state": {"type": {"any_": states}}, "start_time": {"after_": after, "before_": before}}},
        b_where=("EXISTS (SELECT 1 FROM prefect.flow_run fr WHERE fr.deployment_id = d.id"
                 " AND fr.state_type = ANY($1) AND coalesce(fr.start_time, fr.expected_start_time) >= $2"
                 " AND coalesce(fr.start_time, fr.expected_start_time) <= $3)"),
        b_params=[("prefect.state_type[]", arr(states)), ("timestamptz", after), ("timestamptz", before)],
        # Prefect's FlowRunFilterStartTime appends before_ (<=) first, then after_ (>=)
        c_where=FR_EXISTS_C.format(p=(
            f"flow_run.state_type IN ({_in(1, n, 'state_type')}) "
            f"AND coalesce(flow_run.start_time, flow_run.expected_start_time) <= ${n + 1}::TIMESTAMP WITH TIME ZONE "
            f"AND coalesce(flow_run.start_time, flow_run.expected_start_time) >= ${n + 2}::TIMESTAMP WITH TIME ZONE")),
        c_params=[("prefect.state_type", v) for v in states] + [("timestamptz", before), ("timestamptz", after)],
        selective=selective)


def count_twin(page: Shape, key: str, title: str, selective: bool = False) -> Shape:
    """The count of a page shape: same body without sort / limit / offset, same WHERE."""
    body = {k: v for k, v in page.body.items() if k not in ("sort", "limit", "offset", "page")}
    return Shape(key, title, "count", body, b_where=page.b_where, b_params=list(page.b_params),
                 c_where=page.c_where, c_params=list(page.c_params), selective=selective)


def pair_shapes(existing: list) -> list:
    """The new shapes of the pairs (PAIRS); the pages that already existed are reused."""
    by_key = {s.key: s for s in existing}
    out = []
    # deployments
    out.append(count_twin(by_key["dep_tags_all"], "count_dep_tags_all",
                          "count, deployments.tags.all_ [prod, critical] (selective: 1.6 % on M)"))
    page = Shape(
        "dep_not_paused", "deployments.paused.eq_ false (unselective: 90 % on M)", "filter",
        {"deployments": {"paused": {"eq_": False}}},
        b_where="NOT d.paused", c_where="deployment.paused IS false")
    out += [page, count_twin(page, "count_dep_not_paused", "count, deployments.paused.eq_ false (unselective: 90 % on M)")]
    # flows
    out.append(count_twin(by_key["flows_name_any"], "count_flows_name_any",
                          "count, flows.name.any_ [etl-orders, ingest-customers] (selective: ~45 deployments at every size)",
                          selective=True))
    page = Shape(
        "flows_tagged", "flows.tags.is_null_ false: flows with tags (unselective: 89 % on M)", "filter",
        {"flows": {"tags": {"is_null_": False}}},
        b_where="d.flow_id IN (SELECT f.id FROM prefect.flow f WHERE f.tags <> '[]'::jsonb)",
        c_where="EXISTS (SELECT deployment.id FROM flow WHERE deployment.flow_id = flow.id AND flow.tags != $1::JSONB)",
        c_params=[("jsonb", "[]")])
    out += [page, count_twin(page, "count_flows_tagged", "count, flows.tags.is_null_ false (unselective: 89 % on M)")]
    # flow_runs
    page = _fr_window("fr_crashed_5m", "flow_runs CRASHED, start_time in the last 5 minutes (selective: 1.8 % on M)",
                      "filter", ["CRASHED"], FIVE_MIN_BEFORE_T0, T0)
    out += [page, count_twin(page, "count_fr_crashed_5m",
                             "count, flow_runs CRASHED, start_time in the last 5 minutes (selective: 1.8 % on M)")]
    page = _fr_window("fr_window_7d", "flow_runs FAILED/CRASHED, start_time in a 7-day window (unselective: 71 % on M)",
                      "filter", FR_WINDOW_STATES, WEEK_BEFORE_T0, T0)
    out += [page, count_twin(page, "count_fr_window_7d",
                             "count, flow_runs FAILED/CRASHED, start_time in a 7-day window (unselective: 71 % on M)")]
    # task_runs
    page = Shape(
        "tr_name_any", "task_runs.name.any_ etl-orders-0/1/2: subflow tasks of one flow (selective: 0.5 % on M)", "filter",
        {"task_runs": {"name": {"any_": TR_NAMES}}},
        b_where=("EXISTS (SELECT 1 FROM prefect.flow_run fr JOIN prefect.task_run tr ON tr.flow_run_id = fr.id"
                 " WHERE fr.deployment_id = d.id AND tr.name = ANY($1))"),
        b_params=[("text[]", arr(TR_NAMES))],
        c_where=("EXISTS (SELECT flow_run.id FROM flow_run JOIN task_run ON task_run.flow_run_id = flow_run.id "
                 f"WHERE deployment.id = flow_run.deployment_id AND task_run.name IN ({_in(1, len(TR_NAMES), 'VARCHAR')}))"),
        c_params=[("varchar", v) for v in TR_NAMES], selective=True)
    out += [page, count_twin(page, "count_tr_name_any",
                             "count, task_runs.name.any_ etl-orders-0/1/2 (selective: 0.5 % on M)", selective=True)]
    out.append(count_twin(by_key["tr_state"], "count_tr_state",
                          "count, task_runs state.type.any_ [FAILED] (unselective: 89 % on M)"))
    # work_pools
    page = Shape(
        "wp_agent_pool", "work_pools.name.any_ [default-agent-pool]: one pool, one queue (selective: 1 % on M)", "filter",
        {"work_pools": {"name": {"any_": ["default-agent-pool"]}}},
        b_where=("d.work_queue_id IN (SELECT q.id FROM prefect.work_queue q JOIN prefect.work_pool p"
                 " ON p.id = q.work_pool_id WHERE p.name = ANY($1))"),
        b_params=[("text[]", arr(["default-agent-pool"]))],
        c_where=("EXISTS (SELECT work_queue.id FROM work_queue JOIN work_pool ON work_pool.id = work_queue.work_pool_id "
                 "WHERE deployment.work_queue_id = work_queue.id AND work_pool.name IN ($1::VARCHAR))"),
        c_params=[("varchar", "default-agent-pool")])
    out += [page, count_twin(page, "count_wp_agent_pool", "count, work_pools.name.any_ [default-agent-pool] (selective: 1 % on M)")]
    page = Shape(
        "wp_type_any", "work_pools.type.any_ every type but prefect-agent (unselective: 64 % on M)", "filter",
        {"work_pools": {"type": {"any_": WP_TYPES}}},
        b_where=("d.work_queue_id IN (SELECT q.id FROM prefect.work_queue q JOIN prefect.work_pool p"
                 " ON p.id = q.work_pool_id WHERE p.type = ANY($1))"),
        b_params=[("text[]", arr(WP_TYPES))],
        c_where=("EXISTS (SELECT work_queue.id FROM work_queue JOIN work_pool ON work_pool.id = work_queue.work_pool_id "
                 f"WHERE deployment.work_queue_id = work_queue.id AND work_pool.type IN ({_in(1, len(WP_TYPES), 'VARCHAR')}))"),
        c_params=[("varchar", v) for v in WP_TYPES])
    out += [page, count_twin(page, "count_wp_type_any", "count, work_pools.type.any_ every type but prefect-agent (unselective: 64 % on M)")]
    # work_pool_queues
    page = Shape(
        "wq_id_any", "work_pool_queues.id.any_ [docker-dev's gpu queue] (selective: 0.9 % on M)", "filter",
        {"work_pool_queues": {"id": {"any_": [WQ_GPU_DOCKER_DEV]}}},
        b_where="d.work_queue_id = ANY($1)",   # = EXISTS (work_queue ...): work_queue_id has a foreign key
        b_params=[("uuid[]", arr([WQ_GPU_DOCKER_DEV]))],
        c_where=("EXISTS (SELECT work_queue.id FROM work_queue WHERE deployment.work_queue_id = work_queue.id "
                 "AND work_queue.id IN ($1::UUID))"),
        c_params=[("uuid", WQ_GPU_DOCKER_DEV)])
    out += [page, count_twin(page, "count_wq_id_any", "count, work_pool_queues.id.any_ [docker-dev's gpu queue] (selective: 0.9 % on M)")]
    page = Shape(
        "wq_names_any", "work_pool_queues.name.any_ default/high-priority/low-priority/gpu (unselective: 62 % on M)", "filter",
        {"work_pool_queues": {"name": {"any_": WQ_NAMES}}},
        b_where="d.work_queue_id IN (SELECT q.id FROM prefect.work_queue q WHERE q.name = ANY($1))",
        b_params=[("text[]", arr(WQ_NAMES))],
        c_where=("EXISTS (SELECT work_queue.id FROM work_queue WHERE deployment.work_queue_id = work_queue.id "
                 f"AND work_queue.name IN ({_in(1, len(WQ_NAMES), 'VARCHAR')}))"),
        c_params=[("varchar", v) for v in WQ_NAMES])
    out += [page, count_twin(page, "count_wq_names_any",
                             "count, work_pool_queues.name.any_ default/high-priority/low-priority/gpu (unselective: 62 % on M)")]
    return out
