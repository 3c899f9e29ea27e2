// The vocabulary of Prefect's deployments routes (src/prefect/server/api/deployments.py), one
// table each, read by the compiler, the SQL entry points, the HTTP server and the tests:
//   kRequestEndpoints  the three routes and their body fields, in the order FastAPI validates
//                      them (the LimitBody dependency's `limit` first, then the route's Body
//                      parameters in signature order): the order of Prefect's 422 errors;
//   kDeploymentSorts   DeploymentSort in Prefect's enum order, with the column each sorts by.
// Header-only data, so the HTTP server reads it without linking the compiler.
#pragma once

#include <cstddef>
#include <cstdint>

namespace prefect_filter {

enum class Endpoint { kFilter, kCount, kPaginate };

enum class BodyField {
    kLimit,
    kOffset,
    kPage,
    kFlows,
    kFlowRuns,
    kTaskRuns,
    kDeployments,
    kWorkPools,
    kWorkPoolQueues,
    kSort
};

struct BodyFieldSpec {
    BodyField field;
    const char *key;
};

inline constexpr BodyFieldSpec kBodyFields[] = {
    {BodyField::kLimit, "limit"},
    {BodyField::kOffset, "offset"},
    {BodyField::kPage, "page"},
    {BodyField::kFlows, "flows"},
    {BodyField::kFlowRuns, "flow_runs"},
    {BodyField::kTaskRuns, "task_runs"},
    {BodyField::kDeployments, "deployments"},
    {BodyField::kWorkPools, "work_pools"},
    {BodyField::kWorkPoolQueues, "work_pool_queues"},
    {BodyField::kSort, "sort"},
};

inline constexpr const char *BodyFieldKey(BodyField field) {
    for (const BodyFieldSpec &spec : kBodyFields)
        if (spec.field == field) return spec.key;
    return "";
}

struct RequestEndpointSpec {
    Endpoint endpoint;
    const char *name;  // "filter", "count", "paginate": the route's last path segment
    const BodyField *fields;
    size_t field_count;
};

namespace endpoint_body {
inline constexpr BodyField kFilter[] = {BodyField::kLimit,     BodyField::kOffset,         BodyField::kFlows,
                                        BodyField::kFlowRuns,  BodyField::kTaskRuns,       BodyField::kDeployments,
                                        BodyField::kWorkPools, BodyField::kWorkPoolQueues, BodyField::kSort};
inline constexpr BodyField kCount[] = {BodyField::kFlows,       BodyField::kFlowRuns,  BodyField::kTaskRuns,
                                       BodyField::kDeployments, BodyField::kWorkPools, BodyField::kWorkPoolQueues};
inline constexpr BodyField kPaginate[] = {BodyField::kLimit,     BodyField::kPage,           BodyField::kFlows,
                                          BodyField::kFlowRuns,  BodyField::kTaskRuns,       BodyField::kDeployments,
                                          BodyField::kWorkPools, BodyField::kWorkPoolQueues, BodyField::kSort};
}  // namespace endpoint_body

inline constexpr RequestEndpointSpec kRequestEndpoints[] = {
    {Endpoint::kFilter, "filter", endpoint_body::kFilter, sizeof endpoint_body::kFilter / sizeof(BodyField)},
    {Endpoint::kCount, "count", endpoint_body::kCount, sizeof endpoint_body::kCount / sizeof(BodyField)},
    {Endpoint::kPaginate, "paginate", endpoint_body::kPaginate, sizeof endpoint_body::kPaginate / sizeof(BodyField)},
};

inline constexpr const RequestEndpointSpec &RequestEndpointOf(Endpoint endpoint) {
    for (const RequestEndpointSpec &spec : kRequestEndpoints)
        if (spec.endpoint == endpoint) return spec;
    return kRequestEndpoints[0];  // unreachable: every Endpoint has a row
}

enum class Sort { kCreatedDesc, kUpdatedDesc, kNameAsc, kNameDesc };

struct SortSpec {
    Sort sort;
    const char *name;    // the enum value in a body
    const char *column;  // deployment column; id is the tiebreak, in the same direction
    bool descending;
};

inline constexpr SortSpec kDeploymentSorts[] = {
    {Sort::kCreatedDesc, "CREATED_DESC", "created", true},
    {Sort::kUpdatedDesc, "UPDATED_DESC", "updated", true},
    {Sort::kNameAsc, "NAME_ASC", "name", false},
    {Sort::kNameDesc, "NAME_DESC", "name", true},
};
inline constexpr size_t kDeploymentSortCount = sizeof kDeploymentSorts / sizeof *kDeploymentSorts;
inline constexpr Sort kDefaultSort = Sort::kNameAsc;  // the routes' Body default

// A set of sorts as bits (CompileOptions::indexed_sorts).
inline constexpr uint32_t SortBit(Sort sort) {
    return uint32_t{1} << static_cast<int>(sort);
}
inline constexpr uint32_t kAllSorts = (uint32_t{1} << kDeploymentSortCount) - 1;

inline constexpr const SortSpec &SortOf(Sort sort) {
    for (const SortSpec &spec : kDeploymentSorts)
        if (spec.sort == sort) return spec;
    return kDeploymentSorts[2];  // unreachable: every Sort has a row
}

}  // namespace prefect_filter
