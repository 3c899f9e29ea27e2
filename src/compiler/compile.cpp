// Typed filter tree (filter_tree.hpp, built by read_request.cpp) -> the parameterised SQL
// statements of a request: the page, its related loads, the count.
//
// Semantics follow Prefect's server at ce79dd3d6cfa:
//   src/prefect/server/api/deployments.py      (body keys, defaults, limit rules, paginate)
//   src/prefect/server/models/deployments.py   (_apply_deployment_filters: the EXISTS parts)
//   src/prefect/server/schemas/filters.py      (each class's _get_filter_list and as_sql_filter)
// A filter class builds a list of predicates; an empty list is TRUE; otherwise the list is
// combined with AND (or the class's `operator`). SQLAlchemy drops empty clause lists, which only
// WorkQueueFilterName.startswith_ = [] produces: we model that as Expr::kEmpty ("no clause"),
// distinct from TRUE because under or_ TRUE would match everything while "no clause" vanishes.
//
// Every user value becomes a typed bound parameter; a list is one array parameter, or one scalar
// when it holds one value (AnyOf), so the SQL text depends only on the body's shape and on which
// lists hold exactly one value. Identifiers are compiled in; the schema is quoted.
#include "compiler/query.hpp"

#include "compiler/error.hpp"
#include "compiler/filter_spec.hpp"
#include "compiler/filter_tree.hpp"
#include "compiler/render_columns.hpp"

#include <limits>
#include <optional>
#include "formats/cpp_only.hpp"  // last: proves no PostgreSQL header came in

namespace prefect_filter {

const char *ParamTypeSqlName(ParamType type) {
    switch (type) {
        case ParamType::kUuidArray: return "uuid[]";
        case ParamType::kTextArray: return "text[]";
        case ParamType::kStateTypeArray: return "state_type[]";
        case ParamType::kUuid: return "uuid";
        case ParamType::kStateType: return "state_type";
        case ParamType::kText: return "text";
        case ParamType::kTimestampTz: return "timestamptz";
        case ParamType::kBool: return "boolean";
        case ParamType::kInt8: return "bigint";
    }
    return "text";
}

std::string QuoteIdentifier(std::string_view name) {
    if (name.empty() || name.find('\0') != std::string_view::npos)
        throw FilterError(sqlstate::kInvalidParameterValue, JsonPath(), "invalid identifier");
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

namespace {

// A predicate: SQL text, the constant TRUE, or "no clause at all" (see the file comment).
struct Expr {
    enum Kind { kEmpty, kTrue, kSql } kind = kTrue;
    std::string sql;

    static Expr Sql(std::string text) { return Expr{kSql, std::move(text)}; }
};

// Result of one filter class: its predicate and how many entries Prefect's list had (the state
// filters keep a sub-filter only when it is a single comparison).
struct ClassResult {
    Expr expr;
    size_t list_size = 0;
};

// Holds the parameter list and renders $n placeholders and qualified table names.
class Builder {
public:
    explicit Builder(const CompileOptions &options) : schema_(QuoteIdentifier(options.schema)) {}

    std::string Placeholder(Param param) {
        params_.push_back(std::move(param));
        std::string ph = "$" + std::to_string(params_.size()) + "::";
        // The enum lives in Prefect's schema: the parameter is bound with that type, so the
        // planner sees the state types themselves (statistics, index conditions).
        if (params_.back().type == ParamType::kStateTypeArray) return ph + schema_ + ".\"state_type\"[]";
        if (params_.back().type == ParamType::kStateType) return ph + schema_ + ".\"state_type\"";
        return ph + ParamTypeSqlName(params_.back().type);
    }
    std::string Table(const char *name) const { return schema_ + ".\"" + name + "\""; }
    const std::string &Schema() const { return schema_; }
    std::vector<Param> &Params() { return params_; }

    // How much the values decide the best plan (see PlanMode); a filter raises it, never lowers
    // it. Values: every statement is planned with them. Join order: only pages are (a count over
    // the small flow, work pool and queue tables costs microseconds in its generic plan, less
    // than planning it).
    enum class Sensitivity { kNone, kJoinOrder, kValues };
    void MarkValueSensitive() { sensitivity_ = Sensitivity::kValues; }
    void MarkJoinOrderSensitive() {
        if (sensitivity_ == Sensitivity::kNone) sensitivity_ = Sensitivity::kJoinOrder;
    }
    PlanMode PageMode() const { return sensitivity_ == Sensitivity::kNone ? PlanMode::kGeneric : PlanMode::kCustom; }
    PlanMode CountMode() const { return sensitivity_ == Sensitivity::kValues ? PlanMode::kCustom : PlanMode::kGeneric; }

private:
    std::string schema_;
    std::vector<Param> params_;
    Sensitivity sensitivity_ = Sensitivity::kNone;
};

Expr Combine(const std::vector<Expr> &list, bool use_or) {
    if (list.empty()) return Expr{};  // TRUE
    std::vector<const Expr *> parts;
    bool any_true = false;
    for (const Expr &e : list) {
        if (e.kind == Expr::kEmpty) continue;
        if (e.kind == Expr::kTrue) {
            any_true = true;
            continue;
        }
        parts.push_back(&e);
    }
    if (parts.empty() && !any_true) return Expr{Expr::kEmpty, {}};
    if (use_or && any_true) return Expr{};  // TRUE OR x = TRUE
    if (parts.empty()) return Expr{};       // TRUE AND TRUE
    if (parts.size() == 1) return *parts[0];
    std::string sql = "(";
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i) sql += use_or ? " OR " : " AND ";
        sql += parts[i]->sql;
    }
    sql += ")";
    return Expr::Sql(std::move(sql));
}

Param TextParam(std::string text) {
    return Param{ParamType::kText, {}, std::move(text), 0, false};
}
Param BoolParam(bool b) {
    return Param{ParamType::kBool, {}, {}, 0, b};
}
Param TimestampParam(int64_t usec) {
    return Param{ParamType::kTimestampTz, {}, {}, usec, false};
}
Param Int8Param(int64_t v) {
    return Param{ParamType::kInt8, {}, {}, v, false};
}

Param ItemsParam(ParamType type, const std::vector<std::string> &items, const char *suffix = "") {
    Param p{type, {}, {}, 0, false};
    p.items.reserve(items.size());
    for (const std::string &item : items) p.items.push_back(item + suffix);
    return p;
}

// `col IN (items)`, as Prefect's SQLAlchemy renders it: one value is `col = $n` (SQLAlchemy's
// expanding IN of one bound value gives `IN ($1)`, which PostgreSQL reads as `=`), any other
// number `col = ANY($n)` over one array parameter. The difference is the plan's: an index range
// on `=` returns its rows in key order, so a join can merge them without sorting, while `= ANY`
// of a one-element array is read as a list of ranges, in no order the planner can use
// (doc/design.md, "Plans").
Expr AnyOf(const std::string &col, ParamType scalar, ParamType array, const std::vector<std::string> &items,
           Builder &b) {
    if (items.size() == 1) {
        Param one{scalar, {}, items.front(), 0, false};
        return Expr::Sql("(" + col + " = " + b.Placeholder(std::move(one)) + ")");
    }
    return Expr::Sql("(" + col + " = ANY(" + b.Placeholder(ItemsParam(array, items)) + "))");
}

// One leaf field of a filter object. Returns nullopt when Prefect would not append anything to
// its list for this value.
std::optional<Expr> LeafSql(const FieldSpec &field, const LeafValue &value, Builder &b) {
    const std::string col = field.column ? field.column : "";
    const std::vector<std::string> &items = value.items;
    switch (field.kind) {
        case FieldKind::kUuidAny: return AnyOf(col, ParamType::kUuid, ParamType::kUuidArray, items, b);
        case FieldKind::kUuidNotAny:
            if (items.empty()) return std::nullopt;
            return Expr::Sql("(" + col + " <> ALL(" + b.Placeholder(ItemsParam(ParamType::kUuidArray, items)) + "))");
        case FieldKind::kTextAny: return AnyOf(col, ParamType::kText, ParamType::kTextArray, items, b);
        case FieldKind::kTextNotAny:
            if (items.empty()) return std::nullopt;
            return Expr::Sql("(" + col + " <> ALL(" + b.Placeholder(ItemsParam(ParamType::kTextArray, items)) + "))");
        case FieldKind::kStateTypeAny: return AnyOf(col, ParamType::kStateType, ParamType::kStateTypeArray, items, b);
        case FieldKind::kStateTypeNotAny:
            if (items.empty()) return std::nullopt;
            return Expr::Sql("(" + col + " <> ALL(" + b.Placeholder(ItemsParam(ParamType::kStateTypeArray, items)) +
                             "))");
        case FieldKind::kLike:
            if (value.text.empty()) return std::nullopt;
            b.MarkValueSensitive();
            return Expr::Sql("(" + col + " ILIKE " + b.Placeholder(TextParam("%" + value.text + "%")) + ")");
        case FieldKind::kTagsAll:
            if (items.empty()) return std::nullopt;
            return Expr::Sql("(" + col + " ?& " + b.Placeholder(ItemsParam(ParamType::kTextArray, items)) + ")");
        case FieldKind::kTagsAny:
            return Expr::Sql("(" + col + " ?| " + b.Placeholder(ItemsParam(ParamType::kTextArray, items)) + ")");
        case FieldKind::kTagsIsNull: return Expr::Sql("(" + col + (value.flag ? " = " : " <> ") + "'[]'::jsonb)");
        case FieldKind::kIsNull: return Expr::Sql("(" + col + (value.flag ? " IS NULL)" : " IS NOT NULL)"));
        case FieldKind::kBefore:
            return Expr::Sql("(" + col + " <= " + b.Placeholder(TimestampParam(value.number)) + ")");
        case FieldKind::kAfter:
            return Expr::Sql("(" + col + " >= " + b.Placeholder(TimestampParam(value.number)) + ")");
        case FieldKind::kBoolEq: return Expr::Sql("(" + col + " = " + b.Placeholder(BoolParam(value.flag)) + ")");
        case FieldKind::kIgnoredInt:
        case FieldKind::kIgnoredBool: return std::nullopt;
        case FieldKind::kFlowDeploymentIsNull:
            return Expr::Sql(std::string(value.flag ? "(NOT EXISTS" : "(EXISTS") + " (SELECT 1 FROM " +
                             b.Table("deployment") + " fd WHERE fd.flow_id = " + col + "))");
        case FieldKind::kParentFlowRunAny:
            // Prefect: fr.id IN (SELECT fr2.id FROM flow_run fr2 JOIN task_run tr2 ON tr2.id =
            // fr2.parent_task_run_id WHERE tr2.flow_run_id IN (...)); the same set as this
            // semi-join on fr's own parent task run, since flow_run.id is the primary key.
            return Expr::Sql("(EXISTS (SELECT 1 FROM " + b.Table("task_run") + " ptr WHERE ptr.id = " + col + " AND " +
                             AnyOf("ptr.flow_run_id", ParamType::kUuid, ParamType::kUuidArray, items, b).sql + "))");
        case FieldKind::kSubflowRunsExists:
            return Expr::Sql(std::string(value.flag ? "(EXISTS" : "(NOT EXISTS") + " (SELECT 1 FROM " +
                             b.Table("flow_run") + " sfr WHERE sfr.parent_task_run_id = " + col + "))");
        case FieldKind::kStartsWith:
            if (items.empty()) return Expr{Expr::kEmpty, {}};  // sa.or_() with no clauses
            b.MarkValueSensitive();
            return Expr::Sql("(" + col + " ILIKE ANY(" + b.Placeholder(ItemsParam(ParamType::kTextArray, items, "%")) +
                             "))");
        case FieldKind::kCreatedByIdAny:  // compared as text: created_by ->> 'id'
            return AnyOf(col, ParamType::kText, ParamType::kTextArray, items, b);
        case FieldKind::kFlowOrDeploymentLike: {
            if (value.text.empty()) return std::nullopt;
            b.MarkValueSensitive();
            std::string ph = b.Placeholder(TextParam("%" + value.text + "%"));
            return Expr::Sql("(" + col + " ILIKE " + ph + " OR EXISTS (SELECT 1 FROM " + b.Table("flow") +
                             " fn WHERE fn.id = d.flow_id AND fn.name ILIKE " + ph + "))");
        }
        case FieldKind::kTaskRunFlowRunIdIsNull:
        case FieldKind::kChild: break;
    }
    throw FilterError(sqlstate::kInternalError, JsonPath(), "unhandled filter field kind");
}

// TaskRunFilterFlowRunId: is_null_ defaults to false (not None), so an object without it still
// filters. Prefect's decision table: is_null_ true -> IS NULL; false with no any_ -> IS NOT NULL;
// otherwise any_ (when given) -> IN.
void TaskRunFlowRunIdList(const FilterNode &node, Builder &b, std::vector<Expr> *list) {
    const FieldSpec &null_field = node.cls->fields[1];
    const FieldNode *any = node.Find(node.cls->fields[0].key);
    const FieldNode *is_null_node = node.Find(null_field.key);
    std::optional<bool> is_null = false;
    if (is_null_node) {
        if (is_null_node->value.none)
            is_null.reset();
        else
            is_null = is_null_node->value.flag;
    }
    const std::string col = null_field.column;
    if (is_null == true)
        list->push_back(Expr::Sql("(" + col + " IS NULL)"));
    else if (is_null == false && !any)
        list->push_back(Expr::Sql("(" + col + " IS NOT NULL)"));
    else if (any)
        list->push_back(AnyOf(col, ParamType::kUuid, ParamType::kUuidArray, any->value.items, b));
}

ClassResult ClassSql(const FilterNode &node, Builder &b) {
    std::vector<Expr> list;
    if (node.cls->rule == ClassRule::kTaskRunFlowRunId) {
        TaskRunFlowRunIdList(node, b, &list);
    } else {
        for (const FieldNode &field : node.fields) {
            if (field.spec->kind == FieldKind::kChild) {
                ClassResult child = ClassSql(*field.child, b);
                if (field.spec->child->rule == ClassRule::kIgnored) continue;  // deprecated: never appended
                // FlowRunFilterState / TaskRunFilterState keep a sub-filter only when it is a
                // single comparison (SQLAlchemy BinaryExpression): one active field.
                if (node.cls->rule == ClassRule::kStateDropRule && child.list_size != 1) continue;
                list.push_back(std::move(child.expr));
            } else if (std::optional<Expr> leaf = LeafSql(*field.spec, field.value, b)) {
                list.push_back(std::move(*leaf));
            }
        }
    }
    ClassResult result;
    result.list_size = list.size();
    result.expr = Combine(list, node.use_or);
    return result;
}

// ---------------------------------------------------------------- the request

// A filter on one of the small tables a deployment points at: its flow (`flows`), or its work
// queue and that queue's pool (`work_pool_queues`, `work_pools`). `from` is the table (and its
// join) under the alias the classes' columns use, `id` the key the deployment's `column` holds.
//
// With a condition, the ids of the rows it matches are found by a statement of their own
// (appended to `resolve`, with its own parameters) and the page and the count test
// `column = ANY(...)` over them: their planner sees how many and which rows match, so it reads
// the deployments of a few flows or queues through the column's index and walks the page's order
// when most match. As a semi-join inside the page statement, a nested loop over the matching
// flows re-ran every other index condition of the deployment (a GIN scan of its tags) once per
// flow (doc/design.md, "Small tables are resolved first"). Without a condition (`"flows": {}`),
// every deployment that points at a row: the semi-join, nothing to resolve.
std::string PointedConjunct(const std::string &from, const char *id, const char *column,
                            std::initializer_list<const FilterNode *> classes, const CompileOptions &options,
                            Builder &b, std::vector<Statement> *resolve) {
    Builder own(options);
    std::vector<Expr> conditions;
    for (const FilterNode *node : classes)
        if (node) conditions.push_back(ClassSql(*node, own).expr);
    // Prefect ANDs the classes; an empty list (kEmpty) adds no clause.
    Expr condition = Combine(conditions, /*use_or=*/false);
    // The ids decide the page's plan (walk its order, or read the few rows' deployments and sort
    // them); a count's generic plan reads them through the column's index, whatever their
    // number, in about the time a custom plan takes to plan it.
    b.MarkJoinOrderSensitive();
    if (condition.kind != Expr::kSql) return "EXISTS (SELECT 1 FROM " + from + " WHERE " + id + " = " + column + ")";
    Statement ids;
    ids.sql = "SELECT coalesce(array_agg(" + std::string(id) + "), '{}') FROM " + from + " WHERE " + condition.sql;
    ids.params = std::move(own.Params());
    ids.plan_mode = own.CountMode();  // an ILIKE pattern: planned with it (a trigram index or not)
    Param found{ParamType::kUuidArray, {}, {}, 0, false};
    found.resolved = static_cast<int>(resolve->size());
    resolve->push_back(std::move(ids));
    return "(" + std::string(column) + " = ANY(" + b.Placeholder(std::move(found)) + "))";
}

// The WHERE clause of Prefect's _apply_deployment_filters over outer alias d. Empty when no
// filter is present. Statements to run first go to `resolve` (PointedConjunct).
std::string WhereClause(const RequestTree &tree, const CompileOptions &options, Builder &b,
                        std::vector<Statement> *resolve) {
    std::vector<std::string> conjuncts;
    auto and_sql = [](const Expr &e) { return e.kind == Expr::kSql ? " AND " + e.sql : std::string(); };

    if (tree.deployments) {
        Expr e = ClassSql(*tree.deployments, b).expr;
        if (e.kind == Expr::kSql) conjuncts.push_back(e.sql);
    }
    if (tree.flows)
        conjuncts.push_back(
            PointedConjunct(b.Table("flow") + " f", "f.id", "d.flow_id", {tree.flows.get()}, options, b, resolve));
    if (tree.flow_runs || tree.task_runs) {
        b.MarkValueSensitive();
        std::string sql = "EXISTS (SELECT 1 FROM " + b.Table("flow_run") + " fr";
        if (tree.task_runs) sql += " JOIN " + b.Table("task_run") + " tr ON tr.flow_run_id = fr.id";
        sql += " WHERE fr.deployment_id = d.id";
        if (tree.flow_runs) sql += and_sql(ClassSql(*tree.flow_runs, b).expr);
        if (tree.task_runs) sql += and_sql(ClassSql(*tree.task_runs, b).expr);
        conjuncts.push_back(sql + ")");
    }
    if (tree.work_pools || tree.work_pool_queues) {
        std::string from = b.Table("work_queue") + " wq";
        if (tree.work_pools) from += " JOIN " + b.Table("work_pool") + " wp ON wp.id = wq.work_pool_id";
        conjuncts.push_back(PointedConjunct(from, "wq.id", "d.work_queue_id",
                                            {tree.work_pool_queues.get(), tree.work_pools.get()}, options, b, resolve));
    }
    std::string where;
    for (size_t i = 0; i < conjuncts.size(); ++i) where += (i ? " AND " : " WHERE ") + conjuncts[i];
    return where;
}

// ORDER BY for a sort over alias `a`: Prefect's key plus id as the tiebreak, same direction.
std::string OrderBy(Sort sort, const char *a) {
    const SortSpec &spec = SortOf(sort);
    const std::string x = a, dir = spec.descending ? " DESC" : " ASC";
    return x + "." + spec.column + dir + ", " + x + ".id" + dir;
}

// The page statement, keyed form: the inner query finds the page (ids and sort keys only, so
// only narrow rows are sorted), the outer one fetches each deployment (its related rows are
// loaded per page afterwards: render_columns.hpp). The deployment is fetched through a LATERAL
// subquery with OFFSET 0 (an optimisation fence): one primary-key lookup per page row, even in a
// generic plan, where the unknown LIMIT would otherwise make a hash join over every deployment
// look cheaper. The outer ORDER BY repeats the inner one over the page's own columns: the nested
// loop keeps the page's order, so the planner needs no sort of the wide rows, and the renderer
// receives them in page order.
std::string KeyedRowsSql(const std::string &where, Sort sort, const std::string &limit, const std::string &offset,
                         Builder &b) {
    return "SELECT " + RenderSelectList() + " FROM (SELECT d.id, d." + SortOf(sort).column + " FROM " +
           b.Table("deployment") + " d" + where + " ORDER BY " + OrderBy(sort, "d") + " LIMIT " + limit + " OFFSET " +
           offset + ") p CROSS JOIN LATERAL (SELECT * FROM " + b.Table("deployment") +
           " d WHERE d.id = p.id OFFSET 0) d ORDER BY " + OrderBy(sort, "p");
}

// The page statement, direct form: the rows themselves in the sort's index order, no
// primary-key lookup (doc/design.md "The page statement").
std::string DirectRowsSql(Sort sort, const std::string &limit, const std::string &offset, Builder &b) {
    return "SELECT " + RenderSelectList() + " FROM " + b.Table("deployment") + " d ORDER BY " + OrderBy(sort, "d") +
           " LIMIT " + limit + " OFFSET " + offset;
}

// Only for a page without filters (nothing for the planner to join or to misjudge), whose sort
// an index serves (else every wide row would go through the sort), and that skips at most one
// page's worth of rows (each skipped row is read whole).
bool UsesDirectForm(const std::string &where, Sort sort, int64_t limit, int64_t offset, const CompileOptions &options) {
    return where.empty() && (options.indexed_sorts & SortBit(sort)) != 0 && offset <= limit;
}

std::string RowsSql(const std::string &where, Sort sort, bool direct, Builder &b) {
    const std::string limit = b.Placeholder(Int8Param(0));
    const std::string offset = b.Placeholder(Int8Param(0));
    return direct ? DirectRowsSql(sort, limit, offset, b) : KeyedRowsSql(where, sort, limit, offset, b);
}

// The statements for a validated request.
CompiledRequest WriteStatements(const RequestTree &tree, const CompileOptions &options) {
    CompiledRequest out;
    out.limit = tree.limit;
    out.page = tree.page;
    int64_t offset = tree.offset;
    if (tree.endpoint == Endpoint::kPaginate) {
        // offset = (page - 1) * limit, saturating: a page beyond int64 rows is simply empty.
        if (out.limit > 0 && out.page - 1 > std::numeric_limits<int64_t>::max() / out.limit)
            offset = std::numeric_limits<int64_t>::max();
        else
            offset = (out.page - 1) * out.limit;
    }
    out.offset = offset;
    out.reads_now = tree.reads_now;
    Builder b(options);
    std::string where = WhereClause(tree, options, b, &out.resolve);
    std::vector<Param> filter_params = b.Params();
    if (tree.endpoint != Endpoint::kFilter) {
        out.count.sql = "SELECT count(*) FROM " + b.Table("deployment") + " d" + where;
        out.count.params = filter_params;
        out.count.plan_mode = b.CountMode();
        out.count.parallel_ok = b.CountMode() == PlanMode::kCustom;
    }
    if (tree.endpoint != Endpoint::kCount) {
        out.rows.plan_mode = b.PageMode();
        out.rows.sql = RowsSql(where, tree.sort, UsesDirectForm(where, tree.sort, out.limit, offset, options), b);
        out.rows.params = std::move(b.Params());
        out.rows.params[filter_params.size()].int_value = out.limit;
        out.rows.params[filter_params.size() + 1].int_value = offset;
        out.related.schedules = SchedulesSql(b.Schema());
        out.related.limits = LimitsSql(b.Schema());
        out.related.queues = QueuesSql(b.Schema());
    } else {
        out.limit = 0;
    }
    return out;
}

}  // namespace

CompiledRequest Compile(std::string_view body_json, Endpoint endpoint, const CompileOptions &options) {
    Issues issues(/*stop_at_first=*/true);  // throws the first Issue as a FilterError
    Json body;
    RequestTree tree;
    ReadRequest(body_json, endpoint, options, issues, &body, &tree);
    return WriteStatements(tree, options);
}

}  // namespace prefect_filter
