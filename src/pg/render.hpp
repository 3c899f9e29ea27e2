// Renders a page as Prefect's DeploymentResponse JSON, straight from the SPI tuples and the
// JSONB binary (no SQL JSON builders, no text round trip).
#pragma once
#include "pg/pg_includes.hpp"

#include "compiler/query.hpp"

namespace prefect_filter {

// The page statement's receiver (SPI_execute_plan_extended's dest): renders each row of the page
// as it arrives (the columns of compiler/render_columns.hpp), except its related parts.
DestReceiver *CreatePageReceiver(void);

// After the page statement ran into `receiver`: runs `related`'s three loads for the page (in
// SPI, read-only: the caller's snapshot) unless the page is empty, and appends `[{...},{...}]`
// in page order.
void FinishPage(StringInfo out, DestReceiver *receiver, const RelatedStatements &related);

}  // namespace prefect_filter
