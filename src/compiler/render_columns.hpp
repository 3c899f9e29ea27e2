// The columns of the page statement, shared by the compiler (which writes the SELECT list) and
// the PostgreSQL renderer (which reads them by position). One list, so the two cannot drift.
// Aliases: d deployment, wq work_queue, wp work_pool, cl concurrency_limit_v2, sch schedules
// (one array per schedule column, in Prefect's order: updated DESC, then id).
#pragma once

#include <string>

namespace prefect_filter {

#define PF_RENDER_COLUMNS(X)                                            \
    X(kColId, "d.id")                                                   \
    X(kColCreated, "d.created")                                         \
    X(kColUpdated, "d.updated")                                         \
    X(kColName, "d.name")                                               \
    X(kColVersion, "d.version")                                         \
    X(kColDescription, "d.description")                                 \
    X(kColFlowId, "d.flow_id")                                          \
    X(kColPaused, "d.paused")                                           \
    X(kColSchedId, "sch.id")                                            \
    X(kColSchedCreated, "sch.created")                                  \
    X(kColSchedUpdated, "sch.updated")                                  \
    X(kColSchedDeploymentId, "sch.deployment_id")                       \
    X(kColSchedSchedule, "sch.schedule")                                \
    X(kColSchedActive, "sch.active")                                    \
    X(kColSchedMaxScheduledRuns, "sch.max_scheduled_runs")              \
    X(kColSchedParameters, "sch.parameters")                            \
    X(kColSchedSlug, "sch.slug")                                        \
    X(kColLimitId, "cl.id")                                             \
    X(kColLimitCreated, "cl.created")                                   \
    X(kColLimitUpdated, "cl.updated")                                   \
    X(kColLimitActive, "cl.active")                                     \
    X(kColLimitName, "cl.name")                                         \
    X(kColLimitLimit, "cl.\"limit\"")                                   \
    X(kColLimitActiveSlots, "cl.active_slots")                          \
    X(kColLimitSlotDecay, "cl.slot_decay_per_second")                   \
    X(kColConcurrencyOptions, "d.concurrency_options")                  \
    X(kColJobVariables, "d.infra_overrides")                            \
    X(kColParameters, "d.parameters")                                   \
    X(kColTags, "d.tags")                                               \
    X(kColLabels, "d.labels")                                           \
    X(kColWorkQueueName, "COALESCE(wq.name, d.work_queue_name)")        \
    X(kColWorkQueueId, "d.work_queue_id")                               \
    X(kColLastPolled, "d.last_polled")                                  \
    X(kColParameterOpenapiSchema, "d.parameter_openapi_schema")         \
    X(kColPath, "d.path")                                               \
    X(kColPullSteps, "d.pull_steps")                                    \
    X(kColEntrypoint, "d.entrypoint")                                   \
    X(kColStorageDocumentId, "d.storage_document_id")                   \
    X(kColInfrastructureDocumentId, "d.infrastructure_document_id")     \
    X(kColCreatedBy, "d.created_by")                                    \
    X(kColUpdatedBy, "d.updated_by")                                    \
    X(kColWorkPoolName, "wp.name")                                      \
    X(kColStatus, "d.status::text")                                     \
    X(kColEnforceParameterSchema, "d.enforce_parameter_schema")

enum RenderColumn {
#define PF_ENUM(name, expr) name,
    PF_RENDER_COLUMNS(PF_ENUM)
#undef PF_ENUM
    kRenderColumnCount
};

// "d.id, d.created, ..." in RenderColumn order.
inline std::string RenderSelectList() {
    std::string out;
#define PF_APPEND(name, expr) out += (out.empty() ? "" : ", ") + std::string(expr);
    PF_RENDER_COLUMNS(PF_APPEND)
#undef PF_APPEND
    return out;
}

// The LATERAL schedule aggregates over deployment_schedule s, each in Prefect's order.
inline std::string RenderScheduleAggregates() {
    static const char *const kColumns[] = {"id", "created", "updated", "deployment_id", "schedule",
                                           "active", "max_scheduled_runs", "parameters", "slug"};
    std::string out;
    for (const char *c : kColumns) {
        if (!out.empty()) out += ", ";
        out += std::string("array_agg(s.") + c + " ORDER BY s.updated DESC, s.id) AS " + c;
    }
    return out;
}

}  // namespace prefect_filter
