// Plan cache: a fixed array of entries in TopMemoryContext, least-recently-used eviction.
// Plans are kept with SPI_keepplan, so PostgreSQL's plan cache revalidates them after DDL.
// Statements whose best plan depends on the values (flow-run / task-run filters, ILIKE
// patterns) are prepared with CURSOR_OPT_CUSTOM_PLAN: parse and analysis stay cached, planning
// uses the actual values, because a generic plan can be many times slower there. The others are
// prepared with CURSOR_OPT_GENERIC_PLAN: planned once per backend and shape, then reused (their
// plans do not depend on the values; PostgreSQL's default policy would keep re-planning the page
// statement because an unknown LIMIT makes the generic plan look costlier). See doc/design.md.
// Pages and loads are planned serial (no CURSOR_OPT_PARALLEL_OK): on bench dataset M a page with a
// task-run sub-filter took 44 ms with a parallel worker (Gather Merge waits for the worker's
// start) and ~20 ms without, and a generic deployment-only page chose a parallel sort that took
// 10-16 ms instead of 1 ms. Counts with sub-filters may use workers (Statement::parallel_ok):
// they visit every matching deployment, so a worker shares a scan instead of delaying a first row
// (doc/design.md).
#include "pg/plan_cache.hpp"

namespace prefect_filter {

namespace {

constexpr int kCacheSize = 64;
constexpr int kMaxArgs = 128;

struct CacheEntry {
    uint32 hash;
    char *sql;  // TopMemoryContext
    int nargs;
    Oid argtypes[kMaxArgs];
    SPIPlanPtr plan;
    uint64 last_used;
};

CacheEntry cache[kCacheSize];
int cache_used = 0;
uint64 use_clock = 0;

bool SameArgs(const CacheEntry &e, int nargs, const Oid *argtypes) {
    if (e.nargs != nargs) return false;
    for (int i = 0; i < nargs; ++i)
        if (e.argtypes[i] != argtypes[i]) return false;
    return true;
}

}  // namespace

SPIPlanPtr CachedPlan(const char *sql, int nargs, const Oid *argtypes, bool custom_plan, bool parallel_ok) {
    uint32 hash = hash_bytes(reinterpret_cast<const unsigned char *>(sql), static_cast<int>(strlen(sql)));
    for (int i = 0; i < cache_used; ++i) {
        CacheEntry &e = cache[i];
        if (e.hash == hash && SameArgs(e, nargs, argtypes) && strcmp(e.sql, sql) == 0) {
            e.last_used = ++use_clock;
            return e.plan;
        }
    }

    int options = custom_plan ? CURSOR_OPT_CUSTOM_PLAN : CURSOR_OPT_GENERIC_PLAN;
    if (parallel_ok) options |= CURSOR_OPT_PARALLEL_OK;
    SPIPlanPtr plan = SPI_prepare_cursor(sql, nargs, const_cast<Oid *>(argtypes), options);
    if (plan == nullptr)
        elog(ERROR, "prefect_filter: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
    if (nargs > kMaxArgs) return plan;  // too many to key; use once (freed with the SPI context)

    int slot;
    if (cache_used < kCacheSize) {
        slot = cache_used;
    } else {
        slot = 0;
        for (int i = 1; i < kCacheSize; ++i)
            if (cache[i].last_used < cache[slot].last_used) slot = i;
    }
    // Copy the text first: if that fails, nothing in the cache has changed.
    char *sql_copy = MemoryContextStrdup(TopMemoryContext, sql);
    if (SPI_keepplan(plan) != 0) elog(ERROR, "prefect_filter: SPI_keepplan failed");
    if (slot < cache_used) {
        SPI_freeplan(cache[slot].plan);
        pfree(cache[slot].sql);
    } else {
        cache_used++;
    }
    CacheEntry &e = cache[slot];
    e.hash = hash;
    e.sql = sql_copy;
    e.nargs = nargs;
    for (int i = 0; i < nargs; ++i) e.argtypes[i] = argtypes[i];
    e.plan = plan;
    e.last_used = ++use_clock;
    return plan;
}

uint64 RunPlan(SPIPlanPtr plan, ParamListInfo params, DestReceiver *dest) {
    SPIExecuteOptions options;
    memset(&options, 0, sizeof(options));
    options.params = params;
    options.read_only = true;
    options.dest = dest;
    int rc = SPI_execute_plan_extended(plan, &options);
    // With a receiver of its own kind (DestNone), SPI reports a SELECT as SPI_OK_UTILITY.
    if (rc != (dest ? SPI_OK_UTILITY : SPI_OK_SELECT))
        elog(ERROR, "prefect_filter: SPI_execute_plan returned %s", SPI_result_code_string(rc));
    return SPI_processed;
}

int CachedPlanCount(void) { return cache_used; }

}  // namespace prefect_filter
