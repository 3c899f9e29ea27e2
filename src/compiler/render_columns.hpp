// The columns of the page statement and of the related loads, shared by the compiler (which
// writes the SQL) and the PostgreSQL renderer (which reads the columns by position). One list,
// so the two cannot drift. Which key of the response each column fills, and with which writer,
// is the renderer's table (pg/deployment_response.cpp).
//
// Shape (doc/design.md "The page statement"): `p` is the page (ids and sort keys, in page
// order), `d` the deployment. Related rows do not come from the page statement: once the page is known,
// one statement per related table loads them for the whole page by key (`= ANY($1)`, the
// page's keys as one uuid[] parameter), in the same snapshot. That is three index scans per page
// instead of three subplans per row, and the renderer reads plain tuples (no records or arrays
// to build and take apart). Each load orders its rows by key, so the renderer finds a
// deployment's rows by binary search; schedules come in Prefect's order (updated DESC, then id).
#pragma once

#include <string>

namespace prefect_filter {

#define PF_RENDER_COLUMNS(X)                                        \
    X(kColId, "d.id")                                               \
    X(kColCreated, "d.created")                                     \
    X(kColUpdated, "d.updated")                                     \
    X(kColName, "d.name")                                           \
    X(kColVersion, "d.version")                                     \
    X(kColDescription, "d.description")                             \
    X(kColFlowId, "d.flow_id")                                      \
    X(kColPaused, "d.paused")                                       \
    X(kColConcurrencyLimitId, "d.concurrency_limit_id")             \
    X(kColConcurrencyOptions, "d.concurrency_options")              \
    X(kColJobVariables, "d.infra_overrides")                        \
    X(kColParameters, "d.parameters")                               \
    X(kColTags, "d.tags")                                           \
    X(kColLabels, "d.labels")                                       \
    X(kColWorkQueueName, "d.work_queue_name")                       \
    X(kColWorkQueueId, "d.work_queue_id")                           \
    X(kColLastPolled, "d.last_polled")                              \
    X(kColParameterOpenapiSchema, "d.parameter_openapi_schema")     \
    X(kColPath, "d.path")                                           \
    X(kColPullSteps, "d.pull_steps")                                \
    X(kColEntrypoint, "d.entrypoint")                               \
    X(kColStorageDocumentId, "d.storage_document_id")               \
    X(kColInfrastructureDocumentId, "d.infrastructure_document_id") \
    X(kColCreatedBy, "d.created_by")                                \
    X(kColUpdatedBy, "d.updated_by")                                \
    X(kColStatus, "d.status::text")                                 \
    X(kColEnforceParameterSchema, "d.enforce_parameter_schema")

enum RenderColumn {
#define PF_ENUM(name, expr) name,
    PF_RENDER_COLUMNS(PF_ENUM)
#undef PF_ENUM
        kRenderColumnCount
};

// Columns of the related loads, in the order of their SELECT lists below.
enum ScheduleField {
    kSchedId,
    kSchedCreated,
    kSchedUpdated,
    kSchedDeploymentId,
    kSchedSchedule,
    kSchedActive,
    kSchedMaxScheduledRuns,
    kSchedParameters,
    kSchedSlug,
    kScheduleFieldCount
};
enum LimitField {
    kLimitId,
    kLimitCreated,
    kLimitUpdated,
    kLimitActive,
    kLimitName,
    kLimitLimit,
    kLimitActiveSlots,
    kLimitSlotDecay,
    kLimitFieldCount
};
enum QueueField { kQueueId, kQueueName, kQueuePoolName, kQueueFieldCount };

inline std::string RenderSelectList() {
    std::string out;
#define PF_APPEND(name, expr) out += std::string(out.empty() ? "" : ", ") + expr;
    PF_RENDER_COLUMNS(PF_APPEND)
#undef PF_APPEND
    return out;
}

// `schema` is the quoted schema name. Each statement takes the page's keys as $1 (uuid[]).
inline std::string SchedulesSql(const std::string &schema) {
    return "SELECT s.id, s.created, s.updated, s.deployment_id, s.schedule, s.active, s.max_scheduled_runs, "
           "s.parameters, s.slug FROM " +
           schema +
           ".\"deployment_schedule\" s WHERE s.deployment_id = ANY($1) "
           "ORDER BY s.deployment_id, s.updated DESC, s.id";
}

inline std::string LimitsSql(const std::string &schema) {
    return "SELECT cl.id, cl.created, cl.updated, cl.active, cl.name, cl.\"limit\", cl.active_slots, "
           "cl.slot_decay_per_second FROM " +
           schema +
           ".\"concurrency_limit_v2\" cl WHERE cl.id = ANY($1) "
           "ORDER BY cl.id";
}

inline std::string QueuesSql(const std::string &schema) {
    return "SELECT wq.id, wq.name, wp.name FROM " + schema + ".\"work_queue\" wq LEFT JOIN " + schema +
           ".\"work_pool\" wp ON wp.id = wq.work_pool_id WHERE wq.id = ANY($1) ORDER BY wq.id";
}

}  // namespace prefect_filter
