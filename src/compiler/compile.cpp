// JSON body -> typed filter tree -> one parameterised SQL statement (plus the count statement).
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
// Every user value becomes a typed bound parameter; lists are one array parameter, so the SQL
// text depends only on the body's shape. Identifiers are compiled in; the schema is quoted.
#include "compiler/query.hpp"

#include "compiler/error.hpp"
#include "compiler/filter_spec.hpp"
#include "compiler/render_columns.hpp"
#include "compiler/values.hpp"

#include <limits>
#include <optional>
#include "compiler/cpp_only.hpp"  // last: proves no PostgreSQL header came in

namespace prefect_filter {

const char *ParamTypeSqlName(ParamType type) {
    switch (type) {
        case ParamType::kUuidArray: return "uuid[]";
        case ParamType::kTextArray: return "text[]";
        case ParamType::kStateTypeArray: return "state_type[]";
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
    explicit Builder(const CompileOptions &options) : schema_(QuoteIdentifier(options.schema)), options_(options) {}

    // Polls for a pending cancel every so many list elements (CompileOptions::interrupted).
    void Poll(size_t index) const {
        if (options_.interrupted && index % 4096 == 4095 && options_.interrupted()) throw CompileInterrupted();
    }

    std::string Placeholder(Param param) {
        params_.push_back(std::move(param));
        std::string ph = "$" + std::to_string(params_.size()) + "::";
        // The enum lives in Prefect's schema: the parameter is bound with that type, so the
        // planner sees the state types themselves (statistics, index conditions).
        if (params_.back().type == ParamType::kStateTypeArray) return ph + schema_ + ".\"state_type\"[]";
        return ph + ParamTypeSqlName(params_.back().type);
    }
    std::string Table(const char *name) const { return schema_ + ".\"" + name + "\""; }
    const std::string &Schema() const { return schema_; }
    std::vector<Param> &Params() { return params_; }

    // Whether the values decide the best plan (see Statement::custom_plan).
    void MarkValueSensitive() { value_sensitive_ = true; }
    bool ValueSensitive() const { return value_sensitive_; }

private:
    std::string schema_;
    const CompileOptions &options_;
    std::vector<Param> params_;
    bool value_sensitive_ = false;
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

const Json &ExpectArray(const Json &value, const JsonPath &path) {
    if (!value.is_array())
        throw FilterError(sqlstate::kInvalidParameterValue, path,
                          std::string("expected a list, got ") + JsonTypeName(value));
    if (value.size() > kMaxListLength)
        throw FilterError(sqlstate::kProgramLimitExceeded, path,
                          "list has " + std::to_string(value.size()) + " elements, more than the limit of " +
                              std::to_string(kMaxListLength));
    return value;
}

Param UuidList(const Json &value, const JsonPath &path, const Builder &b) {
    Param p{ParamType::kUuidArray, {}, {}, 0, false};
    const Json &arr = ExpectArray(value, path);
    p.items.reserve(arr.size());
    for (size_t i = 0; i < arr.size(); ++i) {
        b.Poll(i);
        p.items.push_back(ParseUuid(arr[i], path.Index(i)));
    }
    return p;
}

Param TextList(const Json &value, const JsonPath &path, const Builder &b, const char *prefix = "",
               const char *suffix = "") {
    Param p{ParamType::kTextArray, {}, {}, 0, false};
    const Json &arr = ExpectArray(value, path);
    p.items.reserve(arr.size());
    for (size_t i = 0; i < arr.size(); ++i) {
        b.Poll(i);
        p.items.push_back(prefix + ExpectString(arr[i], path.Index(i)) + suffix);
    }
    return p;
}

Param StateTypeList(const Json &value, const JsonPath &path, const Builder &b) {
    Param p{ParamType::kStateTypeArray, {}, {}, 0, false};
    const Json &arr = ExpectArray(value, path);
    for (size_t i = 0; i < arr.size(); ++i) {
        b.Poll(i);
        p.items.push_back(ParseStateType(arr[i], path.Index(i)));
    }
    return p;
}

Param TextParam(std::string text) { return Param{ParamType::kText, {}, std::move(text), 0, false}; }
Param BoolParam(bool b) { return Param{ParamType::kBool, {}, {}, 0, b}; }
Param TimestampParam(int64_t usec) { return Param{ParamType::kTimestampTz, {}, {}, usec, false}; }
Param Int8Param(int64_t v) { return Param{ParamType::kInt8, {}, {}, v, false}; }

// One leaf field of a class (value is present and not JSON null). Returns nullopt when
// Prefect would not append anything to its list for this value.
std::optional<Expr> CompileLeaf(const FieldSpec &field, const Json &value, const JsonPath &path, Builder &b) {
    const std::string col = field.column ? field.column : "";
    switch (field.kind) {
        case FieldKind::kUuidAny:
            return Expr::Sql("(" + col + " = ANY(" + b.Placeholder(UuidList(value, path, b)) + "))");
        case FieldKind::kUuidNotAny: {
            Param p = UuidList(value, path, b);
            if (p.items.empty()) return std::nullopt;
            return Expr::Sql("(" + col + " <> ALL(" + b.Placeholder(std::move(p)) + "))");
        }
        case FieldKind::kTextAny:
            return Expr::Sql("(" + col + " = ANY(" + b.Placeholder(TextList(value, path, b)) + "))");
        case FieldKind::kTextNotAny: {
            Param p = TextList(value, path, b);
            if (p.items.empty()) return std::nullopt;
            return Expr::Sql("(" + col + " <> ALL(" + b.Placeholder(std::move(p)) + "))");
        }
        case FieldKind::kStateTypeAny:
            return Expr::Sql("(" + col + " = ANY(" + b.Placeholder(StateTypeList(value, path, b)) + "))");
        case FieldKind::kStateTypeNotAny: {
            Param p = StateTypeList(value, path, b);
            if (p.items.empty()) return std::nullopt;
            return Expr::Sql("(" + col + " <> ALL(" + b.Placeholder(std::move(p)) + "))");
        }
        case FieldKind::kLike: {
            const std::string &s = ExpectString(value, path);
            if (s.empty()) return std::nullopt;
            b.MarkValueSensitive();
            return Expr::Sql("(" + col + " ILIKE " + b.Placeholder(TextParam("%" + s + "%")) + ")");
        }
        case FieldKind::kTagsAll: {
            Param p = TextList(value, path, b);
            if (p.items.empty()) return std::nullopt;
            return Expr::Sql("(" + col + " ?& " + b.Placeholder(std::move(p)) + ")");
        }
        case FieldKind::kTagsAny:
            return Expr::Sql("(" + col + " ?| " + b.Placeholder(TextList(value, path, b)) + ")");
        case FieldKind::kTagsIsNull:
            return Expr::Sql("(" + col + (ParseBool(value, path) ? " = " : " <> ") + "'[]'::jsonb)");
        case FieldKind::kIsNull:
            return Expr::Sql("(" + col + (ParseBool(value, path) ? " IS NULL)" : " IS NOT NULL)"));
        case FieldKind::kBefore:
            return Expr::Sql("(" + col + " <= " + b.Placeholder(TimestampParam(ParseDatetime(value, path))) + ")");
        case FieldKind::kAfter:
            return Expr::Sql("(" + col + " >= " + b.Placeholder(TimestampParam(ParseDatetime(value, path))) + ")");
        case FieldKind::kBoolEq:
            return Expr::Sql("(" + col + " = " + b.Placeholder(BoolParam(ParseBool(value, path))) + ")");
        case FieldKind::kIgnoredInt:
            ParseInt(value, path);
            return std::nullopt;
        case FieldKind::kIgnoredBool:
            ParseBool(value, path);
            return std::nullopt;
        case FieldKind::kFlowDeploymentIsNull: {
            bool is_null = ParseBool(value, path);
            return Expr::Sql(std::string(is_null ? "(NOT EXISTS" : "(EXISTS") + " (SELECT 1 FROM " +
                             b.Table("deployment") + " fd WHERE fd.flow_id = " + col + "))");
        }
        case FieldKind::kParentFlowRunAny:
            // Prefect: fr.id IN (SELECT fr2.id FROM flow_run fr2 JOIN task_run tr2 ON tr2.id =
            // fr2.parent_task_run_id WHERE tr2.flow_run_id IN (...)); the same set as this
            // semi-join on fr's own parent task run, since flow_run.id is the primary key.
            return Expr::Sql("(EXISTS (SELECT 1 FROM " + b.Table("task_run") + " ptr WHERE ptr.id = " + col +
                             " AND ptr.flow_run_id = ANY(" + b.Placeholder(UuidList(value, path, b)) + ")))");
        case FieldKind::kSubflowRunsExists: {
            bool exists = ParseBool(value, path);
            return Expr::Sql(std::string(exists ? "(EXISTS" : "(NOT EXISTS") + " (SELECT 1 FROM " +
                             b.Table("flow_run") + " sfr WHERE sfr.parent_task_run_id = " + col + "))");
        }
        case FieldKind::kStartsWith: {
            Param p = TextList(value, path, b, "", "%");
            if (p.items.empty()) return Expr{Expr::kEmpty, {}};  // sa.or_() with no clauses
            b.MarkValueSensitive();
            return Expr::Sql("(" + col + " ILIKE ANY(" + b.Placeholder(std::move(p)) + "))");
        }
        case FieldKind::kCreatedByIdAny: {
            Param p = UuidList(value, path, b);
            p.type = ParamType::kTextArray;  // compared as text: created_by ->> 'id'
            return Expr::Sql("(" + col + " = ANY(" + b.Placeholder(std::move(p)) + "))");
        }
        case FieldKind::kFlowOrDeploymentLike: {
            const std::string &s = ExpectString(value, path);
            if (s.empty()) return std::nullopt;
            b.MarkValueSensitive();
            std::string ph = b.Placeholder(TextParam("%" + s + "%"));
            return Expr::Sql("(" + col + " ILIKE " + ph + " OR EXISTS (SELECT 1 FROM " + b.Table("flow") +
                             " fn WHERE fn.id = d.flow_id AND fn.name ILIKE " + ph + "))");
        }
        case FieldKind::kTaskRunFlowRunIdIsNull:
        case FieldKind::kChild:
            break;
    }
    throw FilterError(sqlstate::kInternalError, path, "unhandled filter field kind");
}

const Json *FindField(const Json &obj, const char *key) {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
}

ClassResult CompileClass(const Json &value, const ClassSpec &cls, const JsonPath &path, Builder &b);

// TaskRunFilterFlowRunId: is_null_ defaults to false (not None), so an object without it still
// filters. Prefect's decision table: is_null_ true -> IS NULL; false with no any_ -> IS NOT NULL;
// otherwise any_ (when given) -> IN.
void TaskRunFlowRunIdList(const Json &obj, const ClassSpec &cls, const JsonPath &path, Builder &b,
                          std::vector<Expr> *list) {
    const FieldSpec &any_field = cls.fields[0];
    const FieldSpec &null_field = cls.fields[1];
    const Json *any_value = FindField(obj, any_field.key);
    const Json *null_value = FindField(obj, null_field.key);
    std::optional<bool> is_null = false;
    if (null_value) {
        if (null_value->is_null()) is_null.reset();
        else is_null = ParseBool(*null_value, path.Key(null_field.key));
    }
    std::optional<Param> any;
    if (any_value && !any_value->is_null()) any = UuidList(*any_value, path.Key(any_field.key), b);
    const std::string col = null_field.column;
    if (is_null == true) list->push_back(Expr::Sql("(" + col + " IS NULL)"));
    else if (is_null == false && !any) list->push_back(Expr::Sql("(" + col + " IS NOT NULL)"));
    else if (any) list->push_back(Expr::Sql("(" + col + " = ANY(" + b.Placeholder(std::move(*any)) + "))"));
}

// Checks the object's keys: every key must be a field of the class, or `operator` on a class
// that has one (Prefect's filter models forbid extra fields). Returns true for or_.
bool CheckKeysAndOperator(const Json &obj, const ClassSpec &cls, const JsonPath &path) {
    bool use_or = false;
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        const std::string &key = it.key();
        if (cls.has_operator && key == "operator") {
            const Json &op = it.value();
            if (op.is_string() && op.get_ref<const std::string &>() == "and_") use_or = false;
            else if (op.is_string() && op.get_ref<const std::string &>() == "or_") use_or = true;
            else
                throw FilterError(sqlstate::kInvalidParameterValue, path.Key(key),
                                  "operator must be \"and_\" or \"or_\", got " + op.dump());
            continue;
        }
        bool known = false;
        for (size_t i = 0; i < cls.field_count && !known; ++i) known = key == cls.fields[i].key;
        if (!known) {
            std::string allowed = cls.has_operator ? "operator" : "";
            for (size_t i = 0; i < cls.field_count; ++i) allowed += std::string(allowed.empty() ? "" : ", ") + cls.fields[i].key;
            throw FilterError(sqlstate::kInvalidParameterValue, path.Key(key),
                              std::string("unknown field for ") + cls.name, "Allowed fields: " + allowed + ".");
        }
    }
    return use_or;
}

ClassResult CompileClass(const Json &value, const ClassSpec &cls, const JsonPath &path, Builder &b) {
    if (!value.is_object())
        throw FilterError(sqlstate::kInvalidParameterValue, path,
                          std::string("expected an object (") + cls.name + "), got " + JsonTypeName(value));
    bool use_or = CheckKeysAndOperator(value, cls, path);
    std::vector<Expr> list;
    if (cls.rule == ClassRule::kTaskRunFlowRunId) {
        TaskRunFlowRunIdList(value, cls, path, b, &list);
    } else {
        for (size_t i = 0; i < cls.field_count; ++i) {
            const FieldSpec &field = cls.fields[i];
            const Json *fv = FindField(value, field.key);
            if (!fv || fv->is_null()) continue;  // Optional fields: null is the default
            JsonPath field_path = path.Key(field.key);
            if (field.kind == FieldKind::kChild) {
                ClassResult child = CompileClass(*fv, *field.child, field_path, b);
                if (field.child->rule == ClassRule::kIgnored) continue;  // deprecated: never appended
                // FlowRunFilterState / TaskRunFilterState keep a sub-filter only when it is a
                // single comparison (SQLAlchemy BinaryExpression): one active field.
                if (cls.rule == ClassRule::kStateDropRule && child.list_size != 1) continue;
                list.push_back(std::move(child.expr));
            } else if (std::optional<Expr> leaf = CompileLeaf(field, *fv, field_path, b)) {
                list.push_back(std::move(*leaf));
            }
        }
    }
    ClassResult result;
    result.list_size = list.size();
    result.expr = Combine(list, use_or);
    return result;
}

// ---------------------------------------------------------------- the request

enum class Sort { kNameAsc, kNameDesc, kCreatedDesc, kUpdatedDesc };

struct TopFilters {
    const Json *flows = nullptr, *flow_runs = nullptr, *task_runs = nullptr;
    const Json *deployments = nullptr, *work_pools = nullptr, *work_pool_queues = nullptr;
};

const Json *TopKey(const Json &body, const char *key) {
    const Json *v = FindField(body, key);
    return (v && !v->is_null()) ? v : nullptr;  // top-level null means "absent" (FastAPI)
}

// The WHERE clause of Prefect's _apply_deployment_filters over outer alias d. Empty when no
// filter is present.
std::string WhereClause(const TopFilters &top, Builder &b) {
    std::vector<std::string> conjuncts;
    auto sub = [&](const Json *v, const ClassSpec &cls, const char *key) -> Expr {
        return CompileClass(*v, cls, JsonPath().Key(key), b).expr;
    };
    auto and_sql = [](const Expr &e) { return e.kind == Expr::kSql ? " AND " + e.sql : std::string(); };

    if (top.deployments) {
        Expr e = sub(top.deployments, kDeploymentFilter, "deployments");
        if (e.kind == Expr::kSql) conjuncts.push_back(e.sql);
    }
    if (top.flows) {
        b.MarkValueSensitive();  // which flows match decides the join order
        Expr e = sub(top.flows, kFlowFilter, "flows");
        conjuncts.push_back("EXISTS (SELECT 1 FROM " + b.Table("flow") + " f WHERE f.id = d.flow_id" + and_sql(e) + ")");
    }
    if (top.flow_runs || top.task_runs) {
        b.MarkValueSensitive();
        std::string sql = "EXISTS (SELECT 1 FROM " + b.Table("flow_run") + " fr";
        if (top.task_runs) sql += " JOIN " + b.Table("task_run") + " tr ON tr.flow_run_id = fr.id";
        sql += " WHERE fr.deployment_id = d.id";
        if (top.flow_runs) sql += and_sql(sub(top.flow_runs, kFlowRunFilter, "flow_runs"));
        if (top.task_runs) sql += and_sql(sub(top.task_runs, kTaskRunFilter, "task_runs"));
        conjuncts.push_back(sql + ")");
    }
    if (top.work_pools || top.work_pool_queues) {
        b.MarkValueSensitive();  // so does how many deployments sit in the matching queues
        std::string sql = "EXISTS (SELECT 1 FROM " + b.Table("work_queue") + " wq";
        if (top.work_pools) sql += " JOIN " + b.Table("work_pool") + " wp ON wp.id = wq.work_pool_id";
        sql += " WHERE wq.id = d.work_queue_id";
        if (top.work_pool_queues) sql += and_sql(sub(top.work_pool_queues, kWorkQueueFilter, "work_pool_queues"));
        if (top.work_pools) sql += and_sql(sub(top.work_pools, kWorkPoolFilter, "work_pools"));
        conjuncts.push_back(sql + ")");
    }
    std::string where;
    for (size_t i = 0; i < conjuncts.size(); ++i) where += (i ? " AND " : " WHERE ") + conjuncts[i];
    return where;
}

Sort ParseSort(const Json &body) {
    const Json *v = TopKey(body, "sort");
    if (!v) return Sort::kNameAsc;
    JsonPath path = JsonPath().Key("sort");
    const std::string &s = ExpectString(*v, path);
    if (s == "NAME_ASC") return Sort::kNameAsc;
    if (s == "NAME_DESC") return Sort::kNameDesc;
    if (s == "CREATED_DESC") return Sort::kCreatedDesc;
    if (s == "UPDATED_DESC") return Sort::kUpdatedDesc;
    throw FilterError(sqlstate::kInvalidParameterValue, path,
                      v->dump() + " is not a valid sort",
                      "Expected one of CREATED_DESC, UPDATED_DESC, NAME_ASC, NAME_DESC.");
}

// Prefect's LimitBody: null/absent -> the default limit, which is also the maximum.
int64_t ParseLimit(const Json &body, int64_t default_limit) {
    const Json *v = TopKey(body, "limit");
    if (!v) return default_limit;
    JsonPath path = JsonPath().Key("limit");
    int64_t limit = ParseInt(*v, path);
    if (limit < 0)
        throw FilterError(sqlstate::kInvalidParameterValue, path, "Invalid limit: must be greater than or equal to 0.");
    if (limit > default_limit)
        throw FilterError(sqlstate::kInvalidParameterValue, path,
                          "Invalid limit: must be less than or equal to " + std::to_string(default_limit) + ".");
    return limit;
}

// Non-negative integer body key (offset >= 0, page >= 1).
int64_t ParseBoundedKey(const Json &body, const char *key, int64_t default_value, int64_t minimum) {
    const Json *v = TopKey(body, key);
    if (!v) return default_value;
    JsonPath path = JsonPath().Key(key);
    int64_t n = ParseInt(*v, path);
    if (n < minimum)
        throw FilterError(sqlstate::kInvalidParameterValue, path,
                          std::string(key) + " must be greater than or equal to " + std::to_string(minimum) +
                              ", got " + std::to_string(n));
    return n;
}

// ORDER BY for a sort over alias `a`: Prefect's key plus id as the tiebreak, same direction.
std::string OrderBy(Sort sort, const char *a) {
    std::string x = a;
    switch (sort) {
        case Sort::kNameAsc: return x + ".name ASC, " + x + ".id ASC";
        case Sort::kNameDesc: return x + ".name DESC, " + x + ".id DESC";
        case Sort::kCreatedDesc: return x + ".created DESC, " + x + ".id DESC";
        case Sort::kUpdatedDesc: return x + ".updated DESC, " + x + ".id DESC";
    }
    return x + ".name ASC, " + x + ".id ASC";
}

// The column Prefect sorts by (id is the tiebreak).
const char *SortColumn(Sort sort) {
    switch (sort) {
        case Sort::kNameAsc:
        case Sort::kNameDesc: return "name";
        case Sort::kCreatedDesc: return "created";
        case Sort::kUpdatedDesc: return "updated";
    }
    return "name";
}

// The page statement: the inner query finds the page (ids and sort keys only, so only narrow
// rows are sorted), the outer one fetches each deployment (its related rows are loaded per page
// afterwards: render_columns.hpp). The deployment is fetched through a LATERAL subquery with
// OFFSET 0 (an optimisation fence): one primary-key lookup per page row, even in a generic plan,
// where the unknown LIMIT would otherwise make a hash join over every deployment look cheaper.
// The outer ORDER BY repeats the inner one over the page's own columns: the nested loop keeps
// the page's order, so the planner needs no sort of the wide rows, and the renderer receives
// them in page order.
std::string RowsSql(const std::string &where, Sort sort, Builder &b) {
    const std::string limit = b.Placeholder(Int8Param(0));
    const std::string offset = b.Placeholder(Int8Param(0));
    return "SELECT " + RenderSelectList() + " FROM (SELECT d.id, d." + SortColumn(sort) + " FROM " +
           b.Table("deployment") + " d" + where + " ORDER BY " + OrderBy(sort, "d") + " LIMIT " + limit +
           " OFFSET " + offset + ") p CROSS JOIN LATERAL (SELECT * FROM " + b.Table("deployment") +
           " d WHERE d.id = p.id OFFSET 0) d ORDER BY " + OrderBy(sort, "p");
}

}  // namespace

CompiledRequest Compile(std::string_view body_json, Endpoint endpoint, const CompileOptions &options) {
    if (body_json.size() > kMaxBodyBytes)
        throw FilterError(sqlstate::kProgramLimitExceeded, JsonPath(),
                          "request body of " + std::to_string(body_json.size()) + " bytes exceeds the limit of " +
                              std::to_string(kMaxBodyBytes) + " bytes");
    // Depth is checked while parsing, before any tree is built for a hostile nest.
    size_t events = 0;
    Json::parser_callback_t depth_guard = [&options, &events](int depth, Json::parse_event_t, Json &) {
        if (depth > kMaxJsonDepth)
            throw FilterError(sqlstate::kProgramLimitExceeded, JsonPath(),
                              "request body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        if (options.interrupted && ++events % 16384 == 0 && options.interrupted()) throw CompileInterrupted();
        return true;
    };
    Json body;
    if (body_json.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        body = Json::object();  // empty body: every key takes its default
    } else {
        body = Json::parse(body_json.begin(), body_json.end(), depth_guard, /*allow_exceptions=*/false);
        if (body.is_discarded())
            throw FilterError(sqlstate::kInvalidTextRepresentation, JsonPath(), "request body is not valid JSON");
    }
    if (!body.is_object())
        throw FilterError(sqlstate::kInvalidParameterValue, JsonPath(),
                          std::string("request body must be a JSON object, got ") + JsonTypeName(body));

    CompiledRequest out;
    TopFilters top;
    top.flows = TopKey(body, "flows");
    top.flow_runs = TopKey(body, "flow_runs");
    top.task_runs = TopKey(body, "task_runs");
    top.deployments = TopKey(body, "deployments");
    top.work_pools = TopKey(body, "work_pools");
    top.work_pool_queues = TopKey(body, "work_pool_queues");

    // Prefect checks limit first (its own dependency), then the other keys.
    int64_t offset = 0;
    Sort sort = Sort::kNameAsc;
    if (endpoint != Endpoint::kCount) {
        out.limit = ParseLimit(body, options.default_limit);
        if (endpoint == Endpoint::kFilter) {
            offset = ParseBoundedKey(body, "offset", 0, 0);
        } else {
            out.page = ParseBoundedKey(body, "page", 1, 1);
            // offset = (page - 1) * limit, saturating: a page beyond int64 rows is simply empty.
            if (out.limit > 0 && out.page - 1 > std::numeric_limits<int64_t>::max() / out.limit)
                offset = std::numeric_limits<int64_t>::max();
            else
                offset = (out.page - 1) * out.limit;
        }
        sort = ParseSort(body);
    }

    Builder b(options);
    std::string where = WhereClause(top, b);
    std::vector<Param> filter_params = b.Params();
    if (endpoint != Endpoint::kFilter) {
        out.count.sql = "SELECT count(*) FROM " + b.Table("deployment") + " d" + where;
        out.count.params = filter_params;
        out.count.custom_plan = b.ValueSensitive();
        out.count.parallel_ok = b.ValueSensitive();
    }
    if (endpoint != Endpoint::kCount) {
        out.rows.custom_plan = b.ValueSensitive();
        out.rows.sql = RowsSql(where, sort, b);
        out.rows.params = std::move(b.Params());
        out.rows.params[filter_params.size()].int_value = out.limit;
        out.rows.params[filter_params.size() + 1].int_value = offset;
        out.related.schedules = SchedulesSql(b.Schema());
        out.related.limits = LimitsSql(b.Schema());
        out.related.queues = QueuesSql(b.Schema());
    }
    return out;
}

}  // namespace prefect_filter
