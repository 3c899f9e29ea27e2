// A small per-backend cache of SPI plans keyed by the compiled SQL text. The compiler gives the
// same text for the same body shape, so repeated calls of one shape skip parse and analysis.
#pragma once
#include "pg/pg_includes.hpp"

namespace prefect_filter {

// Returns a kept SPI plan for `sql` with these argument types, preparing it on a miss (with
// CURSOR_OPT_CUSTOM_PLAN when `custom_plan`, else CURSOR_OPT_GENERIC_PLAN; CURSOR_OPT_PARALLEL_OK
// when `parallel_ok`). Must be called while connected to SPI. Evicts (SPI_freeplan) the least
// recently used entry when full.
SPIPlanPtr CachedPlan(const char *sql, int nargs, const Oid *argtypes, bool custom_plan, bool parallel_ok);

// Runs `plan` read-only in the caller's snapshot with `params`. Rows go to `dest`, or into
// SPI_tuptable when it is null. Returns the number of rows.
uint64 RunPlan(SPIPlanPtr plan, ParamListInfo params, DestReceiver *dest);

// Number of cached plans (for tests / diagnostics).
int CachedPlanCount(void);

}  // namespace prefect_filter
