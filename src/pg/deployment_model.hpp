// The Prefect models inside a DeploymentResponse, written the way Prefect's pydantic models
// re-emit what is stored (schemas/core.py, schemas/schedules.py; doc/serialisation.md): the
// writers that deployment_response.cpp names for its fields.
#pragma once
#include "pg/pg_includes.hpp"

namespace prefect_filter {

// created_by / updated_by (jsonb, not NULL): exactly {id, type, display_value}.
void WriteCreator(StringInfo out, Datum created_by);

// concurrency_options (jsonb, not NULL): {collision_strategy, grace_period_seconds}.
void WriteConcurrencyOptions(StringInfo out, Datum options);

// A row of the schedules load (render_columns.hpp ScheduleField) as a DeploymentSchedule.
void WriteDeploymentSchedule(StringInfo out, const Datum *values, const bool *nulls);

// A row of the limits load (LimitField) as a GlobalConcurrencyLimitResponse.
void WriteGlobalConcurrencyLimit(StringInfo out, const Datum *values, const bool *nulls);

}  // namespace prefect_filter
