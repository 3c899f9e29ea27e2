// The filter class tables. Field order follows Prefect's class definitions at ce79dd3d6cfa.
#include "compiler/filter_spec.hpp"
#include "formats/cpp_only.hpp"  // last: proves no PostgreSQL header came in

namespace prefect_filter {

namespace {

#define PF_CLASS(var, name, has_op, rule, fields) \
    const ClassSpec var = {name, has_op, rule, fields, sizeof(fields) / sizeof(fields[0])}

using K = FieldKind;

// ---------------------------------------------------------------- flows (alias f)
const FieldSpec kFlowIdFields[] = {
    {"any_", K::kUuidAny, "f.id", nullptr},
    {"not_any_", K::kUuidNotAny, "f.id", nullptr},
};
const FieldSpec kFlowDeploymentFields[] = {
    {"is_null_", K::kFlowDeploymentIsNull, "f.id", nullptr},
};
const FieldSpec kFlowNameFields[] = {
    {"any_", K::kTextAny, "f.name", nullptr},
    {"like_", K::kLike, "f.name", nullptr},
};
const FieldSpec kFlowTagsFields[] = {
    {"all_", K::kTagsAll, "f.tags", nullptr},
    {"is_null_", K::kTagsIsNull, "f.tags", nullptr},
};
PF_CLASS(kFlowFilterId, "FlowFilterId", false, ClassRule::kDefault, kFlowIdFields);
PF_CLASS(kFlowFilterDeployment, "FlowFilterDeployment", true, ClassRule::kDefault, kFlowDeploymentFields);
PF_CLASS(kFlowFilterName, "FlowFilterName", false, ClassRule::kDefault, kFlowNameFields);
PF_CLASS(kFlowFilterTags, "FlowFilterTags", true, ClassRule::kDefault, kFlowTagsFields);

const FieldSpec kFlowFields[] = {
    {"id", K::kChild, nullptr, &kFlowFilterId},
    {"deployment", K::kChild, nullptr, &kFlowFilterDeployment},
    {"name", K::kChild, nullptr, &kFlowFilterName},
    {"tags", K::kChild, nullptr, &kFlowFilterTags},
};

// ---------------------------------------------------------------- flow runs (alias fr)
const FieldSpec kFlowRunIdFields[] = {
    {"any_", K::kUuidAny, "fr.id", nullptr},
    {"not_any_", K::kUuidNotAny, "fr.id", nullptr},
};
const FieldSpec kFlowRunNameFields[] = {
    {"any_", K::kTextAny, "fr.name", nullptr},
    {"like_", K::kLike, "fr.name", nullptr},
};
const FieldSpec kFlowRunTagsFields[] = {
    {"all_", K::kTagsAll, "fr.tags", nullptr},
    {"any_", K::kTagsAny, "fr.tags", nullptr},
    {"is_null_", K::kTagsIsNull, "fr.tags", nullptr},
};
const FieldSpec kFlowRunDeploymentIdFields[] = {
    {"any_", K::kUuidAny, "fr.deployment_id", nullptr},
    {"is_null_", K::kIsNull, "fr.deployment_id", nullptr},
};
const FieldSpec kFlowRunWorkQueueNameFields[] = {
    {"any_", K::kTextAny, "fr.work_queue_name", nullptr},
    {"is_null_", K::kIsNull, "fr.work_queue_name", nullptr},
};
const FieldSpec kFlowRunStateTypeFields[] = {
    {"any_", K::kStateTypeAny, "fr.state_type", nullptr},
    {"not_any_", K::kStateTypeNotAny, "fr.state_type", nullptr},
};
const FieldSpec kFlowRunStateNameFields[] = {
    {"any_", K::kTextAny, "fr.state_name", nullptr},
    {"not_any_", K::kTextNotAny, "fr.state_name", nullptr},
};
PF_CLASS(kFlowRunFilterStateType, "FlowRunFilterStateType", false, ClassRule::kDefault, kFlowRunStateTypeFields);
PF_CLASS(kFlowRunFilterStateName, "FlowRunFilterStateName", false, ClassRule::kDefault, kFlowRunStateNameFields);
const FieldSpec kFlowRunStateFields[] = {
    {"type", K::kChild, nullptr, &kFlowRunFilterStateType},
    {"name", K::kChild, nullptr, &kFlowRunFilterStateName},
};
const FieldSpec kFlowRunFlowVersionFields[] = {
    {"any_", K::kTextAny, "fr.flow_version", nullptr},
};
// start_time ranges use COALESCE(start_time, expected_start_time), is_null_ the raw column:
// the expression matches Prefect's ix_flow_run__coalesce_start_time_expected_start_time_* indexes.
const FieldSpec kFlowRunStartTimeFields[] = {
    {"before_", K::kBefore, "COALESCE(fr.start_time, fr.expected_start_time)", nullptr},
    {"after_", K::kAfter, "COALESCE(fr.start_time, fr.expected_start_time)", nullptr},
    {"is_null_", K::kIsNull, "fr.start_time", nullptr},
};
const FieldSpec kFlowRunEndTimeFields[] = {
    {"before_", K::kBefore, "fr.end_time", nullptr},
    {"after_", K::kAfter, "fr.end_time", nullptr},
    {"is_null_", K::kIsNull, "fr.end_time", nullptr},
};
const FieldSpec kFlowRunExpectedStartTimeFields[] = {
    {"before_", K::kBefore, "fr.expected_start_time", nullptr},
    {"after_", K::kAfter, "fr.expected_start_time", nullptr},
};
const FieldSpec kFlowRunNextScheduledStartTimeFields[] = {
    {"before_", K::kBefore, "fr.next_scheduled_start_time", nullptr},
    {"after_", K::kAfter, "fr.next_scheduled_start_time", nullptr},
};
const FieldSpec kFlowRunParentFlowRunIdFields[] = {
    {"any_", K::kParentFlowRunAny, "fr.parent_task_run_id", nullptr},
};
const FieldSpec kFlowRunParentTaskRunIdFields[] = {
    {"any_", K::kUuidAny, "fr.parent_task_run_id", nullptr},
    {"is_null_", K::kIsNull, "fr.parent_task_run_id", nullptr},
};
const FieldSpec kFlowRunIdempotencyKeyFields[] = {
    {"any_", K::kTextAny, "fr.idempotency_key", nullptr},
    {"not_any_", K::kTextNotAny, "fr.idempotency_key", nullptr},
};
const FieldSpec kFlowRunCreatedByFields[] = {
    {"id_", K::kCreatedByIdAny, "(fr.created_by ->> 'id')", nullptr},
    {"type_", K::kTextAny, "(fr.created_by ->> 'type')", nullptr},
    {"is_null_", K::kIsNull, "fr.created_by", nullptr},
};
PF_CLASS(kFlowRunFilterId, "FlowRunFilterId", false, ClassRule::kDefault, kFlowRunIdFields);
PF_CLASS(kFlowRunFilterName, "FlowRunFilterName", false, ClassRule::kDefault, kFlowRunNameFields);
PF_CLASS(kFlowRunFilterTags, "FlowRunFilterTags", true, ClassRule::kDefault, kFlowRunTagsFields);
PF_CLASS(kFlowRunFilterDeploymentId, "FlowRunFilterDeploymentId", true, ClassRule::kDefault,
         kFlowRunDeploymentIdFields);
PF_CLASS(kFlowRunFilterWorkQueueName, "FlowRunFilterWorkQueueName", true, ClassRule::kDefault,
         kFlowRunWorkQueueNameFields);
PF_CLASS(kFlowRunFilterState, "FlowRunFilterState", true, ClassRule::kStateDropRule, kFlowRunStateFields);
PF_CLASS(kFlowRunFilterFlowVersion, "FlowRunFilterFlowVersion", false, ClassRule::kDefault, kFlowRunFlowVersionFields);
PF_CLASS(kFlowRunFilterStartTime, "FlowRunFilterStartTime", false, ClassRule::kDefault, kFlowRunStartTimeFields);
PF_CLASS(kFlowRunFilterEndTime, "FlowRunFilterEndTime", false, ClassRule::kDefault, kFlowRunEndTimeFields);
PF_CLASS(kFlowRunFilterExpectedStartTime, "FlowRunFilterExpectedStartTime", false, ClassRule::kDefault,
         kFlowRunExpectedStartTimeFields);
PF_CLASS(kFlowRunFilterNextScheduledStartTime, "FlowRunFilterNextScheduledStartTime", false, ClassRule::kDefault,
         kFlowRunNextScheduledStartTimeFields);
PF_CLASS(kFlowRunFilterParentFlowRunId, "FlowRunFilterParentFlowRunId", true, ClassRule::kDefault,
         kFlowRunParentFlowRunIdFields);
PF_CLASS(kFlowRunFilterParentTaskRunId, "FlowRunFilterParentTaskRunId", true, ClassRule::kDefault,
         kFlowRunParentTaskRunIdFields);
PF_CLASS(kFlowRunFilterIdempotencyKey, "FlowRunFilterIdempotencyKey", false, ClassRule::kDefault,
         kFlowRunIdempotencyKeyFields);
PF_CLASS(kFlowRunFilterCreatedBy, "FlowRunFilterCreatedBy", true, ClassRule::kDefault, kFlowRunCreatedByFields);

const FieldSpec kFlowRunFields[] = {
    {"id", K::kChild, nullptr, &kFlowRunFilterId},
    {"name", K::kChild, nullptr, &kFlowRunFilterName},
    {"tags", K::kChild, nullptr, &kFlowRunFilterTags},
    {"deployment_id", K::kChild, nullptr, &kFlowRunFilterDeploymentId},
    {"work_queue_name", K::kChild, nullptr, &kFlowRunFilterWorkQueueName},
    {"state", K::kChild, nullptr, &kFlowRunFilterState},
    {"flow_version", K::kChild, nullptr, &kFlowRunFilterFlowVersion},
    {"start_time", K::kChild, nullptr, &kFlowRunFilterStartTime},
    {"end_time", K::kChild, nullptr, &kFlowRunFilterEndTime},
    {"expected_start_time", K::kChild, nullptr, &kFlowRunFilterExpectedStartTime},
    {"next_scheduled_start_time", K::kChild, nullptr, &kFlowRunFilterNextScheduledStartTime},
    {"parent_flow_run_id", K::kChild, nullptr, &kFlowRunFilterParentFlowRunId},
    {"parent_task_run_id", K::kChild, nullptr, &kFlowRunFilterParentTaskRunId},
    {"idempotency_key", K::kChild, nullptr, &kFlowRunFilterIdempotencyKey},
    {"created_by", K::kChild, nullptr, &kFlowRunFilterCreatedBy},
};

// ---------------------------------------------------------------- task runs (alias tr)
const FieldSpec kTaskRunIdFields[] = {
    {"any_", K::kUuidAny, "tr.id", nullptr},
};
const FieldSpec kTaskRunNameFields[] = {
    {"any_", K::kTextAny, "tr.name", nullptr},
    {"like_", K::kLike, "tr.name", nullptr},
};
const FieldSpec kTaskRunTagsFields[] = {
    {"all_", K::kTagsAll, "tr.tags", nullptr},
    {"is_null_", K::kTagsIsNull, "tr.tags", nullptr},
};
const FieldSpec kTaskRunStateTypeFields[] = {
    {"any_", K::kStateTypeAny, "tr.state_type", nullptr},
};
const FieldSpec kTaskRunStateNameFields[] = {
    {"any_", K::kTextAny, "tr.state_name", nullptr},
};
PF_CLASS(kTaskRunFilterStateType, "TaskRunFilterStateType", false, ClassRule::kDefault, kTaskRunStateTypeFields);
PF_CLASS(kTaskRunFilterStateName, "TaskRunFilterStateName", false, ClassRule::kDefault, kTaskRunStateNameFields);
const FieldSpec kTaskRunStateFields[] = {
    {"type", K::kChild, nullptr, &kTaskRunFilterStateType},
    {"name", K::kChild, nullptr, &kTaskRunFilterStateName},
};
const FieldSpec kTaskRunStartTimeFields[] = {
    {"before_", K::kBefore, "tr.start_time", nullptr},
    {"after_", K::kAfter, "tr.start_time", nullptr},
    {"is_null_", K::kIsNull, "tr.start_time", nullptr},
};
const FieldSpec kTaskRunEndTimeFields[] = {
    {"before_", K::kBefore, "tr.end_time", nullptr},
    {"after_", K::kAfter, "tr.end_time", nullptr},
    {"is_null_", K::kIsNull, "tr.end_time", nullptr},
};
const FieldSpec kTaskRunExpectedStartTimeFields[] = {
    {"before_", K::kBefore, "tr.expected_start_time", nullptr},
    {"after_", K::kAfter, "tr.expected_start_time", nullptr},
};
const FieldSpec kTaskRunSubFlowRunsFields[] = {
    {"exists_", K::kSubflowRunsExists, "tr.id", nullptr},
};
const FieldSpec kTaskRunFlowRunIdFields[] = {
    {"any_", K::kUuidAny, "tr.flow_run_id", nullptr},
    {"is_null_", K::kTaskRunFlowRunIdIsNull, "tr.flow_run_id", nullptr},
};
PF_CLASS(kTaskRunFilterId, "TaskRunFilterId", false, ClassRule::kDefault, kTaskRunIdFields);
PF_CLASS(kTaskRunFilterName, "TaskRunFilterName", false, ClassRule::kDefault, kTaskRunNameFields);
PF_CLASS(kTaskRunFilterTags, "TaskRunFilterTags", true, ClassRule::kDefault, kTaskRunTagsFields);
PF_CLASS(kTaskRunFilterState, "TaskRunFilterState", true, ClassRule::kStateDropRule, kTaskRunStateFields);
PF_CLASS(kTaskRunFilterStartTime, "TaskRunFilterStartTime", false, ClassRule::kDefault, kTaskRunStartTimeFields);
PF_CLASS(kTaskRunFilterEndTime, "TaskRunFilterEndTime", false, ClassRule::kDefault, kTaskRunEndTimeFields);
PF_CLASS(kTaskRunFilterExpectedStartTime, "TaskRunFilterExpectedStartTime", false, ClassRule::kDefault,
         kTaskRunExpectedStartTimeFields);
PF_CLASS(kTaskRunFilterSubFlowRuns, "TaskRunFilterSubFlowRuns", false, ClassRule::kDefault, kTaskRunSubFlowRunsFields);
PF_CLASS(kTaskRunFilterFlowRunId, "TaskRunFilterFlowRunId", true, ClassRule::kTaskRunFlowRunId,
         kTaskRunFlowRunIdFields);

const FieldSpec kTaskRunFields[] = {
    {"id", K::kChild, nullptr, &kTaskRunFilterId},
    {"name", K::kChild, nullptr, &kTaskRunFilterName},
    {"tags", K::kChild, nullptr, &kTaskRunFilterTags},
    {"state", K::kChild, nullptr, &kTaskRunFilterState},
    {"start_time", K::kChild, nullptr, &kTaskRunFilterStartTime},
    {"end_time", K::kChild, nullptr, &kTaskRunFilterEndTime},
    {"expected_start_time", K::kChild, nullptr, &kTaskRunFilterExpectedStartTime},
    {"subflow_runs", K::kChild, nullptr, &kTaskRunFilterSubFlowRuns},
    {"flow_run_id", K::kChild, nullptr, &kTaskRunFilterFlowRunId},
};

// ---------------------------------------------------------------- deployments (alias d)
const FieldSpec kDeploymentIdFields[] = {
    {"any_", K::kUuidAny, "d.id", nullptr},
    {"not_any_", K::kUuidNotAny, "d.id", nullptr},
};
const FieldSpec kDeploymentNameFields[] = {
    {"any_", K::kTextAny, "d.name", nullptr},
    {"like_", K::kLike, "d.name", nullptr},
};
const FieldSpec kDeploymentOrFlowNameFields[] = {
    {"like_", K::kFlowOrDeploymentLike, "d.name", nullptr},
};
const FieldSpec kDeploymentPausedFields[] = {
    {"eq_", K::kBoolEq, "d.paused", nullptr},
};
const FieldSpec kDeploymentTagsFields[] = {
    {"all_", K::kTagsAll, "d.tags", nullptr},
    {"any_", K::kTagsAny, "d.tags", nullptr},
    {"is_null_", K::kTagsIsNull, "d.tags", nullptr},
};
const FieldSpec kDeploymentWorkQueueNameFields[] = {
    {"any_", K::kTextAny, "d.work_queue_name", nullptr},
};
const FieldSpec kDeploymentConcurrencyLimitFields[] = {
    {"ge_", K::kIgnoredInt, nullptr, nullptr},
    {"le_", K::kIgnoredInt, nullptr, nullptr},
    {"is_null_", K::kIgnoredBool, nullptr, nullptr},
};
PF_CLASS(kDeploymentFilterId, "DeploymentFilterId", false, ClassRule::kDefault, kDeploymentIdFields);
PF_CLASS(kDeploymentFilterName, "DeploymentFilterName", false, ClassRule::kDefault, kDeploymentNameFields);
PF_CLASS(kDeploymentOrFlowNameFilter, "DeploymentOrFlowNameFilter", false, ClassRule::kDefault,
         kDeploymentOrFlowNameFields);
PF_CLASS(kDeploymentFilterPaused, "DeploymentFilterPaused", false, ClassRule::kDefault, kDeploymentPausedFields);
PF_CLASS(kDeploymentFilterTags, "DeploymentFilterTags", true, ClassRule::kDefault, kDeploymentTagsFields);
PF_CLASS(kDeploymentFilterWorkQueueName, "DeploymentFilterWorkQueueName", false, ClassRule::kDefault,
         kDeploymentWorkQueueNameFields);
PF_CLASS(kDeploymentFilterConcurrencyLimit, "DeploymentFilterConcurrencyLimit", false, ClassRule::kIgnored,
         kDeploymentConcurrencyLimitFields);

const FieldSpec kDeploymentFields[] = {
    {"id", K::kChild, nullptr, &kDeploymentFilterId},
    {"name", K::kChild, nullptr, &kDeploymentFilterName},
    {"flow_or_deployment_name", K::kChild, nullptr, &kDeploymentOrFlowNameFilter},
    {"paused", K::kChild, nullptr, &kDeploymentFilterPaused},
    {"tags", K::kChild, nullptr, &kDeploymentFilterTags},
    {"work_queue_name", K::kChild, nullptr, &kDeploymentFilterWorkQueueName},
    {"concurrency_limit", K::kChild, nullptr, &kDeploymentFilterConcurrencyLimit},
};

// ---------------------------------------------------------------- work pools (wp) and queues (wq)
const FieldSpec kWorkPoolIdFields[] = {{"any_", K::kUuidAny, "wp.id", nullptr}};
const FieldSpec kWorkPoolNameFields[] = {{"any_", K::kTextAny, "wp.name", nullptr}};
const FieldSpec kWorkPoolTypeFields[] = {{"any_", K::kTextAny, "wp.type", nullptr}};
PF_CLASS(kWorkPoolFilterId, "WorkPoolFilterId", false, ClassRule::kDefault, kWorkPoolIdFields);
PF_CLASS(kWorkPoolFilterName, "WorkPoolFilterName", false, ClassRule::kDefault, kWorkPoolNameFields);
PF_CLASS(kWorkPoolFilterType, "WorkPoolFilterType", false, ClassRule::kDefault, kWorkPoolTypeFields);
const FieldSpec kWorkPoolFields[] = {
    {"id", K::kChild, nullptr, &kWorkPoolFilterId},
    {"name", K::kChild, nullptr, &kWorkPoolFilterName},
    {"type", K::kChild, nullptr, &kWorkPoolFilterType},
};

const FieldSpec kWorkQueueIdFields[] = {{"any_", K::kUuidAny, "wq.id", nullptr}};
const FieldSpec kWorkQueueNameFields[] = {
    {"any_", K::kTextAny, "wq.name", nullptr},
    {"startswith_", K::kStartsWith, "wq.name", nullptr},
};
PF_CLASS(kWorkQueueFilterId, "WorkQueueFilterId", false, ClassRule::kDefault, kWorkQueueIdFields);
PF_CLASS(kWorkQueueFilterName, "WorkQueueFilterName", false, ClassRule::kDefault, kWorkQueueNameFields);
const FieldSpec kWorkQueueFields[] = {
    {"id", K::kChild, nullptr, &kWorkQueueFilterId},
    {"name", K::kChild, nullptr, &kWorkQueueFilterName},
};

#undef PF_CLASS

}  // namespace

#define PF_TOP_CLASS(var, name, fields) \
    const ClassSpec var = {name, true, ClassRule::kDefault, fields, sizeof(fields) / sizeof(fields[0])}
PF_TOP_CLASS(kFlowFilter, "FlowFilter", kFlowFields);
PF_TOP_CLASS(kFlowRunFilter, "FlowRunFilter", kFlowRunFields);
PF_TOP_CLASS(kTaskRunFilter, "TaskRunFilter", kTaskRunFields);
PF_TOP_CLASS(kDeploymentFilter, "DeploymentFilter", kDeploymentFields);
PF_TOP_CLASS(kWorkPoolFilter, "WorkPoolFilter", kWorkPoolFields);
PF_TOP_CLASS(kWorkQueueFilter, "WorkQueueFilter", kWorkQueueFields);
#undef PF_TOP_CLASS

const char *const kStateTypes[] = {"SCHEDULED", "PENDING", "RUNNING", "COMPLETED", "FAILED",
                                   "CANCELLED", "CRASHED", "PAUSED",  "CANCELLING"};
const size_t kStateTypeCount = sizeof(kStateTypes) / sizeof(kStateTypes[0]);

const TopLevelFilter kTopLevelFilters[] = {
    {"flows", &kFlowFilter},          {"flow_runs", &kFlowRunFilter},
    {"task_runs", &kTaskRunFilter},   {"deployments", &kDeploymentFilter},
    {"work_pools", &kWorkPoolFilter}, {"work_pool_queues", &kWorkQueueFilter},
};
const size_t kTopLevelFilterCount = sizeof(kTopLevelFilters) / sizeof(kTopLevelFilters[0]);

// No default label: -Wswitch (an error under -Werror) names a new enumerator left out here.
const char *FieldKindName(FieldKind kind) {
    switch (kind) {
#define PF_KIND(k) \
    case FieldKind::k: return #k
        PF_KIND(kChild);
        PF_KIND(kUuidAny);
        PF_KIND(kUuidNotAny);
        PF_KIND(kTextAny);
        PF_KIND(kTextNotAny);
        PF_KIND(kStateTypeAny);
        PF_KIND(kStateTypeNotAny);
        PF_KIND(kLike);
        PF_KIND(kTagsAll);
        PF_KIND(kTagsAny);
        PF_KIND(kTagsIsNull);
        PF_KIND(kIsNull);
        PF_KIND(kBefore);
        PF_KIND(kAfter);
        PF_KIND(kBoolEq);
        PF_KIND(kIgnoredInt);
        PF_KIND(kIgnoredBool);
        PF_KIND(kFlowDeploymentIsNull);
        PF_KIND(kParentFlowRunAny);
        PF_KIND(kSubflowRunsExists);
        PF_KIND(kStartsWith);
        PF_KIND(kCreatedByIdAny);
        PF_KIND(kFlowOrDeploymentLike);
        PF_KIND(kTaskRunFlowRunIdIsNull);
#undef PF_KIND
    }
    return "?";
}

const char *ClassRuleName(ClassRule rule) {
    switch (rule) {
        case ClassRule::kDefault: return "kDefault";
        case ClassRule::kStateDropRule: return "kStateDropRule";
        case ClassRule::kTaskRunFlowRunId: return "kTaskRunFlowRunId";
        case ClassRule::kIgnored: return "kIgnored";
    }
    return "?";
}

}  // namespace prefect_filter
