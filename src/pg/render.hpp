// Renders the page statement's rows as Prefect's DeploymentResponse JSON, straight from the
// SPI tuples and the JSONB binary (no SQL JSON builders, no text round trip).
#pragma once
#include "pg/pg_includes.hpp"

namespace prefect_filter {

// Appends `[{...},{...}]` for every row of `table` (the columns of compiler/render_columns.hpp).
void RenderDeployments(StringInfo out, SPITupleTable *table, uint64 nrows);

}  // namespace prefect_filter
