// The typed filter tree: a request body after validation, before any SQL. ReadRequest builds it
// (and records every Issue, in pydantic's order); the SQL writer (compile.cpp) reads only the
// tree, so it never sees JSON and never validates.
#pragma once

#include "compiler/error.hpp"
#include "compiler/filter_spec.hpp"
#include "compiler/request_spec.hpp"
#include "compiler/values.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace prefect_filter {

struct CompileOptions;

// The validated value of one leaf field (which member is used depends on its FieldKind).
struct LeafValue {
    std::vector<std::string> items;  // list kinds: canonical UUID text, strings, state types
    std::string text;                // kLike, kFlowOrDeploymentLike
    int64_t number = 0;              // kBefore, kAfter: microseconds since 2000-01-01 UTC
    bool flag = false;               // boolean kinds
    bool none = false;               // kTaskRunFlowRunIdIsNull given as null (its default is false)
};

struct FilterNode;

struct FieldNode {
    const FieldSpec *spec = nullptr;
    LeafValue value;                    // leaf kinds
    std::unique_ptr<FilterNode> child;  // kChild
};

// One filter object: its class, its operator, and its given (non-null) fields in class order.
struct FilterNode {
    const ClassSpec *cls = nullptr;
    bool use_or = false;
    std::vector<FieldNode> fields;

    const FieldNode *Find(const char *key) const;
};

// A whole request body: the paging keys (with their defaults) and the six top-level filters
// (nullptr when absent or null).
struct RequestTree {
    Endpoint endpoint = Endpoint::kFilter;
    int64_t limit = 0;  // kFilter / kPaginate
    int64_t offset = 0;
    int64_t page = 1;  // kPaginate
    Sort sort = kDefaultSort;
    std::unique_ptr<FilterNode> flows, flow_runs, task_runs, deployments, work_pools, work_pool_queues;
    bool reads_now = false;  // a value was read relative to CompileOptions::now_usec (ValueRules::now_read)
};

// Parses and validates a body for `endpoint` into `tree`, recording every Issue in `issues` in
// the order Prefect reports them: FastAPI's body fields in order (endpoint_body), inside a filter
// object its fields in class order (`operator` first) and then its unknown keys in input order,
// inside a list its elements in order. `body` receives the parsed JSON (the Issues point into
// it). An empty body is {}.
void ReadRequest(std::string_view body_json, Endpoint endpoint, const CompileOptions &options, Issues &issues,
                 Json *body, RequestTree *tree);

}  // namespace prefect_filter
