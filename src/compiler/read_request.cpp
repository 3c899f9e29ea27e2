// JSON body -> typed filter tree, validated the way FastAPI and pydantic validate Prefect's
// request (src/prefect/server/api/deployments.py, dependencies.py LimitBody, and the filter
// models of src/prefect/server/schemas/filters.py, which forbid extra keys).
#include "compiler/filter_tree.hpp"

#include "compiler/query.hpp"

#include "formats/cpp_only.hpp"  // last: proves no PostgreSQL header came in

namespace prefect_filter {

const FieldNode *FilterNode::Find(const char *key) const {
    for (const FieldNode &f : fields)
        if (std::string_view(f.spec->key) == key) return &f;
    return nullptr;
}

namespace {

const char *const kOperators[] = {"and_", "or_"};

// DeploymentSort's values, and our SQL error's detail naming them (made once).
struct SortNames {
    const char *values[kDeploymentSortCount];
    std::string detail = "Expected one of ";
    SortNames() {
        for (size_t i = 0; i < kDeploymentSortCount; ++i) {
            values[i] = kDeploymentSorts[i].name;
            detail += std::string(i ? ", " : "") + values[i];
        }
        detail += ".";
    }
};

// The class a top-level filter key takes (filter_spec's kTopLevelFilters).
const ClassSpec *FilterClassOf(BodyField field) {
    const std::string_view key = BodyFieldKey(field);
    for (size_t i = 0; i < kTopLevelFilterCount; ++i)
        if (key == kTopLevelFilters[i].key) return kTopLevelFilters[i].spec;
    throw FilterError(sqlstate::kInternalError, JsonPath().Key(std::string(key)), "no filter class for this key");
}

std::unique_ptr<FilterNode> *TopFilterSlot(RequestTree *tree, BodyField field) {
    switch (field) {
        case BodyField::kFlows: return &tree->flows;
        case BodyField::kFlowRuns: return &tree->flow_runs;
        case BodyField::kTaskRuns: return &tree->task_runs;
        case BodyField::kDeployments: return &tree->deployments;
        case BodyField::kWorkPools: return &tree->work_pools;
        case BodyField::kWorkPoolQueues: return &tree->work_pool_queues;
        default: return nullptr;
    }
}

// A whole-body complaint (our own limits, or a body that is not JSON), for SQL callers: the
// HTTP server never sends such a body.
Issue BodyIssue(const char *sqlstate, std::string message) {
    Issue issue;
    issue.type = "value_error";
    issue.msg = "Value error, " + message;
    issue.sqlstate = sqlstate;
    issue.sql_path = JsonPath().ToString();
    issue.message = std::move(message);
    return issue;
}

class Reader {
public:
    Reader(const CompileOptions &options, Issues &issues) : options_(options), issues_(issues) {
        rules_.datetime = options.datetime_parsing;
        rules_.now_usec = options.now_usec;
        rules_.now_read = &now_read_;
    }

    // Polls for a pending cancel every so many list elements (CompileOptions::interrupted).
    void Poll(size_t index) const {
        if (options_.interrupted && index % 4096 == 4095 && options_.interrupted()) throw CompileInterrupted();
    }

    std::unique_ptr<FilterNode> ReadClass(const Json &value, const ClassSpec &cls, const JsonPath &path);
    void ReadBody(const Json &body, Endpoint endpoint, RequestTree *tree);

private:
    bool ReadLeaf(const FieldSpec &field, const Json &value, const JsonPath &path, LeafValue *out);
    template <class ReadItem>
    bool ReadList(const Json &value, const JsonPath &path, std::vector<std::string> *items, ReadItem read_item);
    bool ReadPagingKey(const Json &value, BodyField field, int64_t minimum, int64_t *out);

    const CompileOptions &options_;
    Issues &issues_;
    ValueRules rules_;
    bool now_read_ = false;
};

template <class ReadItem>
bool Reader::ReadList(const Json &value, const JsonPath &path, std::vector<std::string> *items, ReadItem read_item) {
    if (!value.is_array()) {
        issues_.Add(MakeIssue(path, value, "list_type", "Input should be a valid list",
                              sqlstate::kInvalidParameterValue,
                              std::string("expected a list, got ") + JsonTypeName(value)));
        return false;
    }
    if (value.size() > kMaxListLength) {
        const std::string n = std::to_string(value.size()), max = std::to_string(kMaxListLength);
        Issue issue =
            MakeIssue(path, value, "too_long", "List should have at most " + max + " items after validation, not " + n,
                      sqlstate::kProgramLimitExceeded, "list has " + n + " elements, more than the limit of " + max);
        issue.ctx = Json{{"field_type", "List"}, {"max_length", kMaxListLength}, {"actual_length", value.size()}};
        issues_.Add(std::move(issue));
        return false;
    }
    bool ok = true;
    items->reserve(value.size());
    for (size_t i = 0; i < value.size(); ++i) {
        Poll(i);
        std::optional<std::string> item = read_item(value[i], path.Index(i));
        if (item)
            items->push_back(std::move(*item));
        else
            ok = false;
    }
    return ok;
}

bool Reader::ReadLeaf(const FieldSpec &field, const Json &value, const JsonPath &path, LeafValue *out) {
    auto uuid = [this](const Json &v, const JsonPath &p) { return ReadUuid(v, p, issues_); };
    auto text = [this](const Json &v, const JsonPath &p) { return ReadString(v, p, issues_); };
    auto state_type = [this](const Json &v, const JsonPath &p) {
        return ReadEnum(v, p, issues_, kStateTypes, kStateTypeCount, "", " is not a valid state type");
    };
    auto set = [](auto read, auto *slot) {
        auto v = read();
        if (v) *slot = std::move(*v);
        return v.has_value();
    };
    switch (field.kind) {
        case FieldKind::kUuidAny:
        case FieldKind::kUuidNotAny:
        case FieldKind::kParentFlowRunAny:
        case FieldKind::kCreatedByIdAny: return ReadList(value, path, &out->items, uuid);
        case FieldKind::kTextAny:
        case FieldKind::kTextNotAny:
        case FieldKind::kTagsAll:
        case FieldKind::kTagsAny:
        case FieldKind::kStartsWith: return ReadList(value, path, &out->items, text);
        case FieldKind::kStateTypeAny:
        case FieldKind::kStateTypeNotAny: return ReadList(value, path, &out->items, state_type);
        case FieldKind::kLike:
        case FieldKind::kFlowOrDeploymentLike: return set([&] { return ReadString(value, path, issues_); }, &out->text);
        case FieldKind::kTagsIsNull:
        case FieldKind::kIsNull:
        case FieldKind::kBoolEq:
        case FieldKind::kIgnoredBool:
        case FieldKind::kFlowDeploymentIsNull:
        case FieldKind::kSubflowRunsExists:
        case FieldKind::kTaskRunFlowRunIdIsNull: return set([&] { return ReadBool(value, path, issues_); }, &out->flag);
        case FieldKind::kBefore:
        case FieldKind::kAfter: return set([&] { return ReadDatetime(value, path, issues_, rules_); }, &out->number);
        case FieldKind::kIgnoredInt: return set([&] { return ReadInt(value, path, issues_); }, &out->number);
        case FieldKind::kChild: break;
    }
    throw FilterError(sqlstate::kInternalError, path, "unhandled filter field kind");
}

std::unique_ptr<FilterNode> Reader::ReadClass(const Json &value, const ClassSpec &cls, const JsonPath &path) {
    if (!value.is_object()) {
        issues_.Add(MakeIssue(path, value, "model_attributes_type",
                              "Input should be a valid dictionary or object to extract fields from",
                              sqlstate::kInvalidParameterValue,
                              std::string("expected an object (") + cls.name + "), got " + JsonTypeName(value)));
        return nullptr;
    }
    auto node = std::make_unique<FilterNode>();
    node->cls = &cls;
    bool ok = true;
    // pydantic validates the model's fields in definition order (`operator`, from the base
    // class, first), then reports the keys that are not fields, in input order.
    if (cls.has_operator) {
        auto it = value.find("operator");
        if (it != value.end()) {
            std::optional<std::string> op =
                ReadEnum(*it, path.Key("operator"), issues_, kOperators, 2,
                         "operator must be \"and_\" or \"or_\", got ", "", {}, /*same_message_for_non_strings=*/true);
            if (op)
                node->use_or = *op == "or_";
            else
                ok = false;
        }
    }
    for (size_t i = 0; i < cls.field_count; ++i) {
        const FieldSpec &field = cls.fields[i];
        auto it = value.find(field.key);
        if (it == value.end()) continue;
        FieldNode f;
        f.spec = &field;
        if (it->is_null()) {
            // Optional fields: null is the default. TaskRunFilterFlowRunId.is_null_ defaults to
            // false, so for it null is a value of its own.
            if (field.kind != FieldKind::kTaskRunFlowRunIdIsNull) continue;
            f.value.none = true;
        } else if (field.kind == FieldKind::kChild) {
            f.child = ReadClass(*it, *field.child, path.Key(field.key));
            if (!f.child) ok = false;
        } else if (!ReadLeaf(field, *it, path.Key(field.key), &f.value)) {
            ok = false;
        }
        node->fields.push_back(std::move(f));
    }
    for (auto it = value.begin(); it != value.end(); ++it) {
        const std::string &key = it.key();
        bool known = cls.has_operator && key == "operator";
        for (size_t i = 0; i < cls.field_count && !known; ++i) known = key == cls.fields[i].key;
        if (known) continue;
        std::string allowed = cls.has_operator ? "operator" : "";
        for (size_t i = 0; i < cls.field_count; ++i)
            allowed += std::string(allowed.empty() ? "" : ", ") + cls.fields[i].key;
        issues_.Add(MakeIssue(path.Key(key), it.value(), "extra_forbidden", "Extra inputs are not permitted",
                              sqlstate::kInvalidParameterValue, std::string("unknown field for ") + cls.name,
                              "Allowed fields: " + allowed + "."));
        ok = false;
    }
    return ok ? std::move(node) : nullptr;
}

// offset (>= 0) and page (>= 1): int fields with a `ge` constraint.
bool Reader::ReadPagingKey(const Json &value, BodyField field, int64_t minimum, int64_t *out) {
    const char *key = BodyFieldKey(field);
    JsonPath path = JsonPath().Key(key);
    std::optional<int64_t> n = ReadInt(value, path, issues_);
    if (!n) return false;
    if (*n < minimum) {
        Issue issue = MakeIssue(path, value, "greater_than_equal",
                                "Input should be greater than or equal to " + std::to_string(minimum),
                                sqlstate::kInvalidParameterValue,
                                std::string(key) + " must be greater than or equal to " + std::to_string(minimum) +
                                    ", got " + std::to_string(*n));
        issue.ctx = Json{{"ge", minimum}};
        issues_.Add(std::move(issue));
        return false;
    }
    *out = *n;
    return true;
}

void Reader::ReadBody(const Json &body, Endpoint endpoint, RequestTree *tree) {
    tree->endpoint = endpoint;
    tree->limit = options_.default_limit;
    const RequestEndpointSpec &spec = RequestEndpointOf(endpoint);
    for (size_t i = 0; i < spec.field_count; ++i) {
        const BodyField field = spec.fields[i];
        const char *key = BodyFieldKey(field);
        auto it = body.find(key);
        if (it == body.end() || it->is_null()) continue;  // FastAPI: a null body field takes its default
        const Json &value = *it;
        const JsonPath path = JsonPath().Key(key);
        switch (field) {
            case BodyField::kLimit: {
                // Prefect's LimitBody: its range check is an HTTPException raised as soon as the
                // dependency runs, before the route's own fields are validated.
                std::optional<int64_t> limit = ReadInt(value, path, issues_);
                if (!limit) break;
                std::string complaint;
                if (*limit < 0)
                    complaint = "Invalid limit: must be greater than or equal to 0.";
                else if (*limit > options_.default_limit)
                    complaint =
                        "Invalid limit: must be less than or equal to " + std::to_string(options_.default_limit) + ".";
                if (complaint.empty()) {
                    tree->limit = *limit;
                    break;
                }
                Issue issue = MakeIssue(path, value, "limit", complaint, sqlstate::kInvalidParameterValue, complaint);
                issue.http_exception = true;
                issues_.Add(std::move(issue));
                return;  // nothing else is validated
            }
            case BodyField::kOffset: ReadPagingKey(value, field, 0, &tree->offset); break;
            case BodyField::kPage: ReadPagingKey(value, field, 1, &tree->page); break;
            case BodyField::kSort: {
                static const SortNames names;
                std::optional<std::string> sort = ReadEnum(value, path, issues_, names.values, kDeploymentSortCount, "",
                                                           " is not a valid sort", names.detail);
                if (sort)
                    for (const SortSpec &s : kDeploymentSorts)
                        if (*sort == s.name) tree->sort = s.sort;
                break;
            }
            default: *TopFilterSlot(tree, field) = ReadClass(value, *FilterClassOf(field), path); break;
        }
    }
    tree->reads_now = now_read_;
}

}  // namespace

void ReadRequest(std::string_view body_json, Endpoint endpoint, const CompileOptions &options, Issues &issues,
                 Json *body, RequestTree *tree) {
    if (body_json.size() > kMaxBodyBytes)
        return issues.Add(BodyIssue(sqlstate::kProgramLimitExceeded,
                                    "request body of " + std::to_string(body_json.size()) +
                                        " bytes exceeds the limit of " + std::to_string(kMaxBodyBytes) + " bytes"));
    // Depth is checked while parsing, before any tree is built for a hostile nest.
    struct TooDeep {};
    size_t events = 0;
    Json::parser_callback_t depth_guard = [&options, &events](int depth, Json::parse_event_t, Json &) {
        if (depth > kMaxJsonDepth) throw TooDeep{};
        if (options.interrupted && ++events % 16384 == 0 && options.interrupted()) throw CompileInterrupted();
        return true;
    };
    if (body_json.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        *body = Json::object();  // empty body: every key takes its default
    } else {
        try {
            *body = Json::parse(body_json.begin(), body_json.end(), depth_guard, /*allow_exceptions=*/false);
        } catch (const TooDeep &) {
            return issues.Add(BodyIssue(sqlstate::kProgramLimitExceeded,
                                        "request body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels"));
        }
        if (body->is_discarded())
            return issues.Add(BodyIssue(sqlstate::kInvalidTextRepresentation, "request body is not valid JSON"));
    }
    if (!body->is_object()) {
        // FastAPI finds none of the body fields in it: each is "missing".
        const std::string message = std::string("request body must be a JSON object, got ") + JsonTypeName(*body);
        const RequestEndpointSpec &spec = RequestEndpointOf(endpoint);
        for (size_t i = 0; i < spec.field_count; ++i) {
            Issue issue;
            issue.loc = JsonPath().Key(BodyFieldKey(spec.fields[i]));
            issue.type = "missing";
            issue.msg = "Field required";
            issue.sqlstate = sqlstate::kInvalidParameterValue;
            issue.sql_path = JsonPath().ToString();
            issue.message = message;
            issues.Add(std::move(issue));
        }
        return;
    }
    Reader(options, issues).ReadBody(*body, endpoint, tree);
}

}  // namespace prefect_filter
