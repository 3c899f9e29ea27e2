// The columns of the page statement, shared by the compiler (which writes the SELECT list) and
// the PostgreSQL renderer (which reads them by position). One list, so the two cannot drift.
//
// Shape (doc/design.md "The page statement"): `p` is the page (ids and their position `ord`),
// `d` the deployment. Related rows come from scalar subqueries, so the planner has only two
// relations to join: the work queue with its pool as one record, the concurrency limit as one
// record, and the schedules as one array of records. Records are ROW(...) with the field order
// of the k*Field enums below, so the renderer never depends on the tables' column order (which
// differs between this extension's tables and a Prefect database). Schedules are aggregated
// unordered and ordered by the renderer (updated DESC, then id), which saves one sort per row.
#pragma once

#include <string>

namespace prefect_filter {

#define PF_RENDER_COLUMNS(X)                                         \
    X(kColOrd, "p.ord")                                              \
    X(kColId, "d.id")                                                \
    X(kColCreated, "d.created")                                      \
    X(kColUpdated, "d.updated")                                      \
    X(kColName, "d.name")                                            \
    X(kColVersion, "d.version")                                      \
    X(kColDescription, "d.description")                              \
    X(kColFlowId, "d.flow_id")                                       \
    X(kColPaused, "d.paused")                                        \
    X(kColSchedules, "")                                        \
    X(kColConcurrencyLimit, "")                                 \
    X(kColConcurrencyOptions, "d.concurrency_options")               \
    X(kColJobVariables, "d.infra_overrides")                         \
    X(kColParameters, "d.parameters")                                \
    X(kColTags, "d.tags")                                            \
    X(kColLabels, "d.labels")                                        \
    X(kColWorkQueue, "")                                        \
    X(kColWorkQueueName, "d.work_queue_name")                        \
    X(kColWorkQueueId, "d.work_queue_id")                            \
    X(kColLastPolled, "d.last_polled")                               \
    X(kColParameterOpenapiSchema, "d.parameter_openapi_schema")      \
    X(kColPath, "d.path")                                            \
    X(kColPullSteps, "d.pull_steps")                                 \
    X(kColEntrypoint, "d.entrypoint")                                \
    X(kColStorageDocumentId, "d.storage_document_id")                \
    X(kColInfrastructureDocumentId, "d.infrastructure_document_id")  \
    X(kColCreatedBy, "d.created_by")                                 \
    X(kColUpdatedBy, "d.updated_by")                                 \
    X(kColStatus, "d.status::text")                                  \
    X(kColEnforceParameterSchema, "d.enforce_parameter_schema")

enum RenderColumn {
#define PF_ENUM(name, expr) name,
    PF_RENDER_COLUMNS(PF_ENUM)
#undef PF_ENUM
    kRenderColumnCount
};

// Fields of the schedule records (deployment_schedule).
enum ScheduleField {
    kSchedId, kSchedCreated, kSchedUpdated, kSchedDeploymentId, kSchedSchedule, kSchedActive,
    kSchedMaxScheduledRuns, kSchedParameters, kSchedSlug, kScheduleFieldCount
};
// Fields of the concurrency limit record (concurrency_limit_v2).
enum LimitField {
    kLimitId, kLimitCreated, kLimitUpdated, kLimitActive, kLimitName, kLimitLimit, kLimitActiveSlots,
    kLimitSlotDecay, kLimitFieldCount
};
// Fields of the work queue record (work_queue joined to its work_pool).
enum QueueField { kQueueName, kQueuePoolName, kQueueFieldCount };

// The SELECT list in RenderColumn order; `schema` is the quoted schema name.
inline std::string RenderSelectList(const std::string &schema) {
    const std::string schedules =
        "(SELECT array_agg(ROW(s.id, s.created, s.updated, s.deployment_id, s.schedule, s.active, "
        "s.max_scheduled_runs, s.parameters, s.slug)) FROM " + schema +
        ".\"deployment_schedule\" s WHERE s.deployment_id = d.id)";
    const std::string limit =
        "(SELECT ROW(cl.id, cl.created, cl.updated, cl.active, cl.name, cl.\"limit\", cl.active_slots, "
        "cl.slot_decay_per_second) FROM " + schema + ".\"concurrency_limit_v2\" cl WHERE cl.id = d.concurrency_limit_id)";
    const std::string queue = "(SELECT ROW(wq.name, (SELECT wp.name FROM " + schema +
                              ".\"work_pool\" wp WHERE wp.id = wq.work_pool_id)) FROM " + schema +
                              ".\"work_queue\" wq WHERE wq.id = d.work_queue_id)";
    std::string out;
    auto add = [&out](const std::string &expr) { out += (out.empty() ? "" : ", ") + expr; };
#define PF_APPEND(name, expr)                          \
    if (name == kColSchedules) add(schedules);         \
    else if (name == kColConcurrencyLimit) add(limit); \
    else if (name == kColWorkQueue) add(queue);        \
    else add(expr);
    PF_RENDER_COLUMNS(PF_APPEND)
#undef PF_APPEND
    return out;
}

}  // namespace prefect_filter
