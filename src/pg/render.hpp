// Renders a page as Prefect's DeploymentResponse JSON, straight from the SPI tuples and the
// JSONB binary (no SQL JSON builders, no text round trip).
#pragma once
#include "pg/pg_includes.hpp"

#include "compiler/query.hpp"

namespace prefect_filter {

// Appends `[{...},{...}]` for the `nrows` rows of `table` (the page statement's result: the
// columns of compiler/render_columns.hpp). Runs `related`'s three loads for the page first (in
// SPI, read-only: the caller's snapshot), unless the page is empty.
void RenderPage(StringInfo out, SPITupleTable *table, uint64 nrows, const RelatedStatements &related);

}  // namespace prefect_filter
