// The filter classes of Prefect's POST /deployments/filter body, as data.
//
// Each Prefect filter class (src/prefect/server/schemas/filters.py) is one ClassSpec: its JSON
// keys in Prefect's field order, whether it accepts `operator`, and for each key either a nested
// class or a leaf whose FieldKind fixes both its validation (the pydantic type) and its SQL (what
// `_get_filter_list` appends, and when). Identifiers in `column` are compiled in, never taken
// from the request. Table aliases: d deployment, f flow, fr flow_run, tr task_run,
// wq work_queue, wp work_pool.
#pragma once

#include <cstddef>

namespace prefect_filter {

enum class FieldKind {
    kChild,                   // nested filter class
    kUuidAny,                 // list[UUID]; active when not null; col = ANY($uuid[]) ([] matches nothing)
    kUuidNotAny,              // list[UUID]; active when non-empty; col <> ALL($uuid[])
    kTextAny,                 // list[str]; active when not null; col = ANY($text[])
    kTextNotAny,              // list[str]; active when non-empty; col <> ALL($text[])
    kStateTypeAny,            // list[StateType]; like kTextAny, values checked against the enum
    kStateTypeNotAny,         // list[StateType]; like kTextNotAny
    kLike,                    // str; active when non-empty; col ILIKE '%' || v || '%' (v unescaped)
    kTagsAll,                 // list[str]; active when non-empty; col ?& $text[]
    kTagsAny,                 // list[str]; active when not null; col ?| $text[]
    kTagsIsNull,              // bool; col = '[]' / col <> '[]'
    kIsNull,                  // bool; col IS NULL / IS NOT NULL
    kBefore,                  // datetime; col <= $ts
    kAfter,                   // datetime; col >= $ts
    kBoolEq,                  // bool; col = $bool (Prefect: IS; equal on a NOT NULL column)
    kIgnoredInt,              // int; validated, contributes nothing (deprecated concurrency_limit)
    kIgnoredBool,             // bool; validated, contributes nothing
    kFlowDeploymentIsNull,    // bool; flow has no / some deployment
    kParentFlowRunAny,        // list[UUID]; subflow runs of the given flow runs
    kSubflowRunsExists,       // bool; task run is / is not the parent of a subflow run
    kStartsWith,              // list[str]; OR of col ILIKE v || '%'; [] contributes nothing at all
    kCreatedByIdAny,          // list[UUID]; (created_by ->> 'id') = ANY($text[]) of canonical text
    kFlowOrDeploymentLike,    // str; d.name ILIKE p OR the deployment's flow name ILIKE p
    kTaskRunFlowRunIdIsNull,  // bool, default false: see ClassRule::kTaskRunFlowRunId
};

// How a class combines its field predicates, beyond Prefect's default (AND, or `operator`).
enum class ClassRule {
    kDefault,
    kStateDropRule,     // FlowRunFilterState / TaskRunFilterState: keep a sub-filter only when
                        // it is exactly one comparison (Prefect's isinstance BinaryExpression)
    kTaskRunFlowRunId,  // TaskRunFilterFlowRunId's decision table on is_null_ (default false)
    kIgnored,           // DeploymentFilterConcurrencyLimit: never contributes, not even TRUE
};

struct ClassSpec;

struct FieldSpec {
    const char *key;  // JSON key
    FieldKind kind;
    const char *column;      // SQL expression over the class's alias (leaf kinds)
    const ClassSpec *child;  // kChild
};

struct ClassSpec {
    const char *name;  // Prefect's class name, for messages
    bool has_operator;
    ClassRule rule;
    const FieldSpec *fields;
    size_t field_count;
};

// The six top-level filter classes.
extern const ClassSpec kFlowFilter;
extern const ClassSpec kFlowRunFilter;
extern const ClassSpec kTaskRunFilter;
extern const ClassSpec kDeploymentFilter;
extern const ClassSpec kWorkPoolFilter;
extern const ClassSpec kWorkQueueFilter;

// Prefect's StateType values (src/prefect/server/schemas/states.py), in enum order.
extern const char *const kStateTypes[];
extern const size_t kStateTypeCount;

// Read-only views for tools and tests (test/vocabulary prints the whole vocabulary as JSON for
// the Python tests; CONTRIBUTING.md, "A filter field").

// The body's filter keys in Prefect's parameter order and the class each one takes. The joins
// that connect them to the deployment are compile.cpp's WhereClause; pf_vocabulary checks that
// the compiler accepts exactly these keys with these classes.
struct TopLevelFilter {
    const char *key;
    const ClassSpec *spec;
};
extern const TopLevelFilter kTopLevelFilters[];
extern const size_t kTopLevelFilterCount;

// The enumerator's spelling without the namespace: "kUuidAny", "kStateDropRule".
const char *FieldKindName(FieldKind kind);
const char *ClassRuleName(ClassRule rule);

}  // namespace prefect_filter
