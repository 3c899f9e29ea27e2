// DeploymentResponse, key by key: the one table of the response's shape. Keys and their order
// are Prefect's schemas/responses.py DeploymentResponse (doc/serialisation.md); the page columns
// and the related loads' columns are compiler/render_columns.hpp's, which the compiler's
// statements select.
#include "pg/deployment_response.hpp"

#include "compiler/render_columns.hpp"
#include "pg/deployment_model.hpp"
#include "pg/jsonb_writer.hpp"
#include "pg/value_writers.hpp"

namespace prefect_filter {

namespace {

enum DeploymentLoad { kLoadSchedules, kLoadLimits, kLoadQueues, kDeploymentLoadCount };

// In DeploymentLoad's order, which is also the order deployments_filter_sql lists them in.
constexpr RelatedLoad kLoads[] = {
    // deployment_schedule by deployment id, in Prefect's order (updated DESC, id)
    // (writing a schedule's JSON costs more than its cache lookup: doc/design.md)
    {&RelatedStatements::schedules, kColId, kSchedDeploymentId, kScheduleFieldCount, /*many=*/true, kSchedId},
    // concurrency_limit_v2 by id (a page has few: not cached)
    {&RelatedStatements::limits, kColConcurrencyLimitId, kLimitId, kLimitFieldCount, /*many=*/false, kNoColumn},
    // work_queue by id, with its pool's name (two short strings: not cached)
    {&RelatedStatements::queues, kColWorkQueueId, kQueueId, kQueueFieldCount, /*many=*/false, kNoColumn},
};
static_assert(sizeof(kLoads) / sizeof(kLoads[0]) == kDeploymentLoadCount, "one RelatedLoad per DeploymentLoad");

constexpr ResponseField kFields[] = {
    Column(PF_FIELD_KEY("id"), kColId, WriteUuid), Column(PF_FIELD_KEY("created"), kColCreated, WriteTimestamp),
    Column(PF_FIELD_KEY("updated"), kColUpdated, WriteTimestamp), Column(PF_FIELD_KEY("name"), kColName, WriteText),
    Column(PF_FIELD_KEY("version"), kColVersion, WriteText),
    Column(PF_FIELD_KEY("description"), kColDescription, WriteText),
    Column(PF_FIELD_KEY("flow_id"), kColFlowId, WriteUuid),
    Column(PF_FIELD_KEY("paused"), kColPaused, WriteBool, "false"),  // NOT NULL DEFAULT false
    RelatedRow(PF_FIELD_KEY("schedules"), kLoadSchedules, WriteDeploymentSchedule),
    Fixed(PF_FIELD_KEY("concurrency_limit"), "null"),  // deprecated: always null in Prefect's response
    // null also when the limit is one this snapshot cannot see
    RelatedRow(PF_FIELD_KEY("global_concurrency_limit"), kLoadLimits, WriteGlobalConcurrencyLimit),
    Column(PF_FIELD_KEY("concurrency_options"), kColConcurrencyOptions, WriteConcurrencyOptions),
    Column(PF_FIELD_KEY("job_variables"), kColJobVariables, WriteJsonb),
    Column(PF_FIELD_KEY("parameters"), kColParameters, WriteJsonb), Column(PF_FIELD_KEY("tags"), kColTags, WriteJsonb),
    Column(PF_FIELD_KEY("labels"), kColLabels, WriteJsonb, "{}"),  // Prefect turns a NULL into {}
    // The attached work queue's name when there is one, else the stored name.
    RelatedColumn(PF_FIELD_KEY("work_queue_name"), kLoadQueues, kQueueName, WriteText, kColWorkQueueName),
    Column(PF_FIELD_KEY("work_queue_id"), kColWorkQueueId, WriteUuid),
    Column(PF_FIELD_KEY("last_polled"), kColLastPolled, WriteTimestamp),
    Column(PF_FIELD_KEY("parameter_openapi_schema"), kColParameterOpenapiSchema, WriteJsonb),
    Column(PF_FIELD_KEY("path"), kColPath, WriteText), Column(PF_FIELD_KEY("pull_steps"), kColPullSteps, WriteJsonb),
    Column(PF_FIELD_KEY("entrypoint"), kColEntrypoint, WriteText),
    Column(PF_FIELD_KEY("storage_document_id"), kColStorageDocumentId, WriteUuid),
    Column(PF_FIELD_KEY("infrastructure_document_id"), kColInfrastructureDocumentId, WriteUuid),
    Column(PF_FIELD_KEY("created_by"), kColCreatedBy, WriteCreator),
    Column(PF_FIELD_KEY("updated_by"), kColUpdatedBy, WriteCreator),
    RelatedColumn(PF_FIELD_KEY("work_pool_name"), kLoadQueues, kQueuePoolName, WriteText),
    Column(PF_FIELD_KEY("status"), kColStatus, WriteText),
    Column(PF_FIELD_KEY("enforce_parameter_schema"), kColEnforceParameterSchema, WriteBool, "false"),  // NOT NULL
};

}  // namespace

constexpr ResponseShape kDeploymentResponse = {
    "deployment", kRenderColumnCount,   kColId, kFields, static_cast<int>(sizeof(kFields) / sizeof(kFields[0])),
    kLoads,       kDeploymentLoadCount,
};
static_assert(FitsRenderer(kDeploymentResponse), "DeploymentResponse fits the renderer's fixed per-row record");

}  // namespace prefect_filter
