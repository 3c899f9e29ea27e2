// Running SQL (see spi_run.hpp).
//
// Plans are kept per backend in a fixed array of entries in TopMemoryContext, keyed by SQL text
// and argument types, with least-recently-used eviction: the compiler gives the same text for the
// same body shape, so repeated calls of one shape skip parse and analysis. Plans are kept with
// SPI_keepplan, so PostgreSQL's plan cache revalidates them after DDL. Each statement carries its
// PlanMode (compiler/query.hpp): kCustom (flow-run and task-run filters, ILIKE patterns, pages
// with flow or work pool/queue filters) is prepared with CURSOR_OPT_CUSTOM_PLAN: parse and
// analysis stay cached, planning uses the actual values, because a generic plan can be many
// times slower there; kGeneric (the others, and the related loads) with CURSOR_OPT_GENERIC_PLAN:
// planned once per backend and shape (their plans do not depend on the values; PostgreSQL's
// default policy would keep re-planning the page statement because an unknown LIMIT makes the
// generic plan look costlier). Pages and loads are planned serial, since a parallel worker's
// start-up only delays a page's first rows; counts with sub-filters may use workers
// (Statement::parallel_ok), since they visit every matching row.
// The measurements behind these choices are in doc/design.md ("Plans").
#include "pg/spi_run.hpp"

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

// A kept SPI plan for `sql` with these argument types, prepared on a miss.
SPIPlanPtr CachedPlan(const char *sql, int nargs, const Oid *argtypes, PlanMode mode, bool parallel_ok) {
    uint32 hash = hash_bytes(reinterpret_cast<const unsigned char *>(sql), static_cast<int>(strlen(sql)));
    for (int i = 0; i < cache_used; ++i) {
        CacheEntry &e = cache[i];
        if (e.hash == hash && SameArgs(e, nargs, argtypes) && strcmp(e.sql, sql) == 0) {
            e.last_used = ++use_clock;
            return e.plan;
        }
    }

    int options = mode == PlanMode::kCustom ? CURSOR_OPT_CUSTOM_PLAN : CURSOR_OPT_GENERIC_PLAN;
    if (parallel_ok) options |= CURSOR_OPT_PARALLEL_OK;
    SPIPlanPtr plan = SPI_prepare_cursor(sql, nargs, const_cast<Oid *>(argtypes), options);
    if (plan == nullptr) elog(ERROR, "prefect_filter: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
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

// The one binding path: `values` typed by `types` become the statement's $1..$n, the plan comes
// from the cache, and the rows go to `dest` (or into SPI_tuptable when it is null). Returns the
// number of rows.
uint64 BindAndRun(const char *sql, int nargs, const Oid *types, const Datum *values, PlanMode mode, bool parallel_ok,
                  DestReceiver *dest) {
    ParamListInfo params = makeParamList(nargs);
    for (int i = 0; i < nargs; ++i) {
        ParamExternData &param = params->params[i];
        param.value = values[i];
        param.isnull = false;
        param.pflags = PARAM_FLAG_CONST;
        param.ptype = types[i];
    }
    SPIPlanPtr plan = CachedPlan(sql, nargs, types, mode, parallel_ok);
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

ArrayType *UuidArray(const Datum *elems, int n) {
    return construct_array(const_cast<Datum *>(elems), n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR);
}

// Prefect's state_type enum in the schema the statement reads (its OID differs per database).
Oid StateTypeOid(const char *schema) {
    Oid nsp = get_namespace_oid(schema, false);
    Oid type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("state_type"), ObjectIdGetDatum(nsp));
    if (!OidIsValid(type))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("type \"%s.state_type\" does not exist", schema)));
    return type;
}

Oid ParamTypeOid(ParamType type, Oid state_type) {
    switch (type) {
        case ParamType::kStateTypeArray: return get_array_type(state_type);
        case ParamType::kUuidArray: return UUIDARRAYOID;
        case ParamType::kTextArray: return TEXTARRAYOID;
        case ParamType::kStateType: return state_type;
        case ParamType::kUuid: return UUIDOID;
        case ParamType::kText: return TEXTOID;
        case ParamType::kTimestampTz: return TIMESTAMPTZOID;
        case ParamType::kBool: return BOOLOID;
        case ParamType::kInt8: return INT8OID;
    }
    return TEXTOID;
}

// One value of a list, or a list's only value, as its scalar type: a state-type label (the
// compiler validated it), a uuid's canonical text, or text.
Datum ValueDatum(ParamType scalar, const std::string &text, Oid state_type) {
    switch (scalar) {
        case ParamType::kStateType:
            return DirectFunctionCall2(enum_in, CStringGetDatum(text.c_str()), ObjectIdGetDatum(state_type));
        case ParamType::kUuid: return DirectFunctionCall1(uuid_in, CStringGetDatum(text.c_str()));
        default: return PointerGetDatum(cstring_to_text_with_len(text.data(), static_cast<int>(text.size())));
    }
}

Datum ItemsDatum(const Param &p, ParamType element, Oid state_type) {
    int n = static_cast<int>(p.items.size());
    Datum *elems = static_cast<Datum *>(palloc(sizeof(Datum) * (n > 0 ? n : 1)));
    for (int i = 0; i < n; ++i) elems[i] = ValueDatum(element, p.items[static_cast<size_t>(i)], state_type);
    switch (element) {
        case ParamType::kStateType:
            return PointerGetDatum(construct_array(elems, n, state_type, sizeof(Oid), true, TYPALIGN_INT));
        case ParamType::kUuid: return PointerGetDatum(UuidArray(elems, n));
        default: return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
    }
}

Datum ParamDatum(const Param &p, Oid state_type) {
    switch (p.type) {
        case ParamType::kStateTypeArray: return ItemsDatum(p, ParamType::kStateType, state_type);
        case ParamType::kUuidArray: return ItemsDatum(p, ParamType::kUuid, state_type);
        case ParamType::kTextArray: return ItemsDatum(p, ParamType::kText, state_type);
        case ParamType::kStateType:
        case ParamType::kUuid:
        case ParamType::kText: return ValueDatum(p.type, p.text, state_type);
        case ParamType::kTimestampTz: return TimestampTzGetDatum(p.int_value);
        case ParamType::kBool: return BoolGetDatum(p.bool_value);
        case ParamType::kInt8: return Int64GetDatum(p.int_value);
    }
    return (Datum)0;
}

}  // namespace

void ConnectSpi(void) {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prefect_filter: SPI_connect failed");
}

void FinishSpi(void) {
    if (SPI_finish() != SPI_OK_FINISH) elog(ERROR, "prefect_filter: SPI_finish failed");
}

uint64 RunStatement(const Statement &stmt, const char *schema, const Datum *resolved, DestReceiver *dest) {
    int nargs = static_cast<int>(stmt.params.size());
    Oid *types = static_cast<Oid *>(palloc(sizeof(Oid) * (nargs > 0 ? nargs : 1)));
    Datum *values = static_cast<Datum *>(palloc(sizeof(Datum) * (nargs > 0 ? nargs : 1)));
    Oid state_type = InvalidOid;
    for (int i = 0; i < nargs; ++i) {
        const Param &p = stmt.params[static_cast<size_t>(i)];
        const bool state = p.type == ParamType::kStateTypeArray || p.type == ParamType::kStateType;
        if (state && !OidIsValid(state_type)) state_type = StateTypeOid(schema);
        types[i] = ParamTypeOid(p.type, state_type);
        if (p.resolved >= 0 && resolved == nullptr)
            elog(ERROR, "prefect_filter: a resolved parameter without its value");
        values[i] = p.resolved >= 0 ? resolved[p.resolved] : ParamDatum(p, state_type);
    }
    return BindAndRun(stmt.sql.c_str(), nargs, types, values, stmt.plan_mode, stmt.parallel_ok, dest);
}

namespace {

// Runs a statement that returns one row of one non-NULL value (a count, a resolved id list) and
// returns that value, copied out of SPI's tuple table into the current memory context.
Datum RunOneValue(const Statement &stmt, const char *schema, const Datum *resolved, const char *what) {
    if (RunStatement(stmt, schema, resolved, nullptr) != 1)
        elog(ERROR, "prefect_filter: %s statement returned %lu rows", what, (unsigned long)SPI_processed);
    bool isnull;
    Datum value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    if (isnull) elog(ERROR, "prefect_filter: %s statement returned NULL", what);
    Form_pg_attribute column = TupleDescAttr(SPI_tuptable->tupdesc, 0);
    value = datumCopy(value, column->attbyval, column->attlen);
    SPI_freetuptable(SPI_tuptable);
    return value;
}

}  // namespace

const Datum *RunResolve(const std::vector<Statement> &resolve, const char *schema) {
    if (resolve.empty()) return nullptr;
    // In the SPI procedure's context: the values live until FinishSpi.
    Datum *values = static_cast<Datum *>(palloc(sizeof(Datum) * resolve.size()));
    for (size_t i = 0; i < resolve.size(); ++i) values[i] = RunOneValue(resolve[i], schema, nullptr, "resolve");
    return values;
}

int64 RunCount(const Statement &stmt, const char *schema, const Datum *resolved) {
    return DatumGetInt64(RunOneValue(stmt, schema, resolved, "count"));
}

void RunKeyedLoad(const std::string &sql, const Datum *keys, int nkeys, DestReceiver *dest) {
    Oid type = UUIDARRAYOID;
    Datum array = PointerGetDatum(UuidArray(keys, nkeys));
    BindAndRun(sql.c_str(), 1, &type, &array, PlanMode::kGeneric, /*parallel_ok=*/false, dest);
}

}  // namespace prefect_filter
