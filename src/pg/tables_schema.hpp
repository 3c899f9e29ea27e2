// Where Prefect's tables are, and whether this version may serve them. PostgreSQL region.
#pragma once

#include "pg/pg_includes.hpp"

namespace prefect_filter {

// The schema holding Prefect's tables: `setting` (prefect_filter.schema) when it is not empty;
// otherwise "prefect" when the extension's own tables are there (a stand-alone database), else
// "public" when public holds a database Prefect migrated (alembic_version and deployment), else
// "prefect". Syscache lookups only: cheap enough for every call.
const char *TablesSchema(const char *setting);

// When `schema` holds Prefect's alembic_version, its head must be one of kPrefectHeads, else an
// ERROR (0A000) naming the head found and the supported ones. Read on every call, in the
// caller's snapshot (the same the answer is read in), straight from the heap: a one-row table
// is cheap to read (doc/design.md), and a fresh read is never a stale verdict.
void CheckPrefectHead(const char *schema);

// The sorts (SortBit) that a valid btree index of `schema`.deployment leads with: an unfiltered
// page of such a sort reads its rows straight from that index (CompileOptions::indexed_sorts).
// Kept per backend until a relcache invalidation of the table (an index created, dropped or
// made valid). 0 when there is no such table.
uint32 IndexedSorts(const char *schema);

}  // namespace prefect_filter
