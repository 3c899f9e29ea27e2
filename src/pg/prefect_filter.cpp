// SQL-callable entry points: prefect.deployments_filter / _count / _paginate / _filter_sql.
//
// Each entry point does the same three steps:
//   1. compile the body in the pure C++ compiler behind the one door (RunGuarded): a C++
//      exception becomes an ErrorPod, every C++ object is destroyed, and only then do we
//      ereport (ReportError);
//   2. run the compiled statement(s) through SPI with a cached plan, read-only, in the caller's
//      snapshot (so paginate's rows and count agree);
//   3. render the answer into a buffer in the caller's memory context.
// The compiled request is a C++ object that must outlive the door; it is owned by a reset
// callback on the per-call memory context, so an ERROR anywhere later still frees it.
#include "pg/pg_includes.hpp"

#include "compiler/door.hpp"
#include "compiler/query.hpp"
#include "output/datetime.hpp"
#include "pg/plan_cache.hpp"
#include "pg/render.hpp"
#include "pg/tables_schema.hpp"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
PG_FUNCTION_INFO_V1(pf_deployments_filter);
PG_FUNCTION_INFO_V1(pf_deployments_count);
PG_FUNCTION_INFO_V1(pf_deployments_paginate);
PG_FUNCTION_INFO_V1(pf_deployments_filter_sql);
PG_FUNCTION_INFO_V1(pf_tables_schema);
}

namespace prefect_filter {

namespace {

char *schema_setting = nullptr;  // GUC prefect_filter.schema
int default_limit_setting = 200;  // GUC prefect_filter.default_limit (Prefect's PREFECT_SERVER_API_DEFAULT_LIMIT)

// Where Prefect's tables are: the setting, or found (tables_schema.hpp).
const char *SchemaSetting(void) { return TablesSchema(schema_setting); }

struct CompiledHolder {
    CompiledRequest *request;
};

void FreeCompiled(void *arg) noexcept {
    auto *holder = static_cast<CompiledHolder *>(arg);
    delete holder->request;
    holder->request = nullptr;
}

// For the compiler: is a cancel or statement timeout pending? (Only reads the flag; the
// interrupt itself is processed by CHECK_FOR_INTERRUPTS after the door.)
bool InterruptIsPending() { return InterruptPending; }

[[noreturn]] void ReportError(const ErrorPod &err) {
    // The compiler stopped for a pending cancel: let PostgreSQL raise it with its own message
    // (statement timeout or user request).
    if (strcmp(err.sqlstate, sqlstate::kQueryCanceled) == 0) CHECK_FOR_INTERRUPTS();
    int code = MAKE_SQLSTATE(err.sqlstate[0], err.sqlstate[1], err.sqlstate[2], err.sqlstate[3], err.sqlstate[4]);
    ereport(ERROR, (errcode(code), errmsg("%s", err.message), err.detail[0] ? errdetail("%s", err.detail) : 0));
    pg_unreachable();
}

// The body as JSON text ("" for SQL NULL, which means Prefect's empty body).
char *BodyText(FunctionCallInfo fcinfo) {
    if (PG_ARGISNULL(0)) return pstrdup("");
    Jsonb *body = PG_GETARG_JSONB_P(0);
    return JsonbToCString(nullptr, &body->root, VARSIZE(body));
}

// Step 1: compile behind the door. Returns a request owned by the current memory context.
const CompiledRequest *CompileBody(FunctionCallInfo fcinfo, Endpoint endpoint) {
    char *body = BodyText(fcinfo);
    const char *schema = SchemaSetting();
    // Allocate and register the owner before compiling, so nothing can fail between the
    // C++ allocation and its registration.
    auto *holder = static_cast<CompiledHolder *>(palloc0(sizeof(CompiledHolder)));
    auto *callback = static_cast<MemoryContextCallback *>(palloc0(sizeof(MemoryContextCallback)));
    callback->func = FreeCompiled;
    callback->arg = holder;
    MemoryContextRegisterResetCallback(CurrentMemoryContext, callback);

    ErrorPod err;
    size_t body_len = strlen(body);
    bool ok = RunGuarded(&err, [&] {
        CompileOptions options;
        options.schema = schema;
        options.default_limit = default_limit_setting;
        options.interrupted = InterruptIsPending;
        holder->request = new CompiledRequest(Compile(std::string_view(body, body_len), endpoint, options));
    });
    if (!ok) ReportError(err);
    elog(DEBUG2, "prefect_filter rows: %s", holder->request->rows.sql.c_str());
    elog(DEBUG2, "prefect_filter count: %s", holder->request->count.sql.c_str());
    return holder->request;
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
        case ParamType::kText: return TEXTOID;
        case ParamType::kTimestampTz: return TIMESTAMPTZOID;
        case ParamType::kBool: return BOOLOID;
        case ParamType::kInt8: return INT8OID;
    }
    return TEXTOID;
}

Datum ParamDatum(const Param &p, Oid state_type) {
    switch (p.type) {
        case ParamType::kStateTypeArray: {  // labels were validated by the compiler
            int n = static_cast<int>(p.items.size());
            Datum *elems = static_cast<Datum *>(palloc(sizeof(Datum) * (n > 0 ? n : 1)));
            for (int i = 0; i < n; ++i)
                elems[i] = DirectFunctionCall2(enum_in, CStringGetDatum(p.items[static_cast<size_t>(i)].c_str()),
                                               ObjectIdGetDatum(state_type));
            return PointerGetDatum(construct_array(elems, n, state_type, sizeof(Oid), true, TYPALIGN_INT));
        }
        case ParamType::kUuidArray:
        case ParamType::kTextArray: {
            int n = static_cast<int>(p.items.size());
            Datum *elems = static_cast<Datum *>(palloc(sizeof(Datum) * (n > 0 ? n : 1)));
            bool uuid = p.type == ParamType::kUuidArray;
            for (int i = 0; i < n; ++i) {
                const std::string &item = p.items[static_cast<size_t>(i)];
                elems[i] = uuid ? DirectFunctionCall1(uuid_in, CStringGetDatum(item.c_str()))
                                : PointerGetDatum(cstring_to_text_with_len(item.data(), static_cast<int>(item.size())));
            }
            ArrayType *arr = uuid ? construct_array(elems, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR)
                                  : construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT);
            return PointerGetDatum(arr);
        }
        case ParamType::kText:
            return PointerGetDatum(cstring_to_text_with_len(p.text.data(), static_cast<int>(p.text.size())));
        case ParamType::kTimestampTz: return TimestampTzGetDatum(p.int_value);
        case ParamType::kBool: return BoolGetDatum(p.bool_value);
        case ParamType::kInt8: return Int64GetDatum(p.int_value);
    }
    return (Datum)0;
}

// Step 2: run one statement (already connected to SPI), read-only in the caller's snapshot. Rows
// go to `dest`, or into SPI_tuptable when it is null. Returns the number of rows.
uint64 Execute(const Statement &stmt, DestReceiver *dest = nullptr) {
    int nargs = static_cast<int>(stmt.params.size());
    Oid *types = static_cast<Oid *>(palloc(sizeof(Oid) * (nargs > 0 ? nargs : 1)));
    ParamListInfo params = makeParamList(nargs);
    Oid state_type = InvalidOid;
    for (int i = 0; i < nargs; ++i) {
        const Param &p = stmt.params[static_cast<size_t>(i)];
        if (p.type == ParamType::kStateTypeArray && !OidIsValid(state_type)) state_type = StateTypeOid(SchemaSetting());
        types[i] = ParamTypeOid(p.type, state_type);
        ParamExternData &param = params->params[i];
        param.value = ParamDatum(p, state_type);
        param.isnull = false;
        param.pflags = PARAM_FLAG_CONST;
        param.ptype = types[i];
    }
    SPIPlanPtr plan = CachedPlan(stmt.sql.c_str(), nargs, types, stmt.custom_plan, stmt.parallel_ok);
    return RunPlan(plan, params, dest);
}

int64 ExecuteCount(const Statement &stmt) {
    if (Execute(stmt) != 1) elog(ERROR, "prefect_filter: count statement returned %lu rows", (unsigned long)SPI_processed);
    bool isnull;
    Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    return isnull ? 0 : DatumGetInt64(d);
}

// A StringInfo whose first VARHDRSZ bytes are reserved, so the finished buffer is returned as a
// json/text datum without copying it.
StringInfo NewResultBuffer(void) {
    StringInfo buf = makeStringInfo();
    appendStringInfoSpaces(buf, VARHDRSZ);
    return buf;
}

Datum FinishResultBuffer(StringInfo buf) {
    SET_VARSIZE(buf->data, buf->len);
    return PointerGetDatum(buf->data);
}

void Connect(void) {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prefect_filter: SPI_connect failed");
}

// SPI, and the check that we serve the Prefect database version the tables belong to.
void ConnectToTables(void) {
    Connect();
    CheckPrefectHead(SchemaSetting());
}

void Finish(void) {
    if (SPI_finish() != SPI_OK_FINISH) elog(ERROR, "prefect_filter: SPI_finish failed");
}

}  // namespace

}  // namespace prefect_filter

using namespace prefect_filter;

void _PG_init(void) {
    DefineCustomStringVariable("prefect_filter.schema",
                               "Schema holding Prefect's tables that the filter functions read.",
                               "Empty (the default): found by itself, \"prefect\" where the extension's own "
                               "tables are, else \"public\" in a database Prefect migrated.",
                               &schema_setting, "", PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("prefect_filter.default_limit",
                            "Default and maximum \"limit\" of a request body (Prefect's PREFECT_SERVER_API_DEFAULT_LIMIT).",
                            "A body without \"limit\" gets this many rows; a larger \"limit\" is an error.",
                            &default_limit_setting, 200, 0, INT_MAX, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("prefect_filter");
}

// prefect.tables_schema(): where the functions read Prefect's tables (tables_schema.hpp).
extern "C" Datum pf_tables_schema(PG_FUNCTION_ARGS) {
    PG_RETURN_TEXT_P(cstring_to_text(SchemaSetting()));
}

extern "C" Datum pf_deployments_filter(PG_FUNCTION_ARGS) {
    const CompiledRequest *req = CompileBody(fcinfo, Endpoint::kFilter);
    StringInfo out = NewResultBuffer();  // caller's context: survives SPI_finish
    ConnectToTables();
    DestReceiver *page = CreatePageReceiver();
    Execute(req->rows, page);
    FinishPage(out, page, req->related);
    Finish();
    PG_RETURN_DATUM(FinishResultBuffer(out));
}

extern "C" Datum pf_deployments_count(PG_FUNCTION_ARGS) {
    const CompiledRequest *req = CompileBody(fcinfo, Endpoint::kCount);
    ConnectToTables();
    int64 count = ExecuteCount(req->count);
    Finish();
    PG_RETURN_INT64(count);
}

extern "C" Datum pf_deployments_paginate(PG_FUNCTION_ARGS) {
    const CompiledRequest *req = CompileBody(fcinfo, Endpoint::kPaginate);
    StringInfo out = NewResultBuffer();
    appendStringInfoString(out, "{\"results\":");
    ConnectToTables();
    // All statements run read-only in the caller's snapshot, so count matches the results.
    DestReceiver *page = CreatePageReceiver();
    Execute(req->rows, page);
    FinishPage(out, page, req->related);
    int64 count = ExecuteCount(req->count);
    Finish();
    int64 limit = req->limit;
    // Prefect: pages = (count + limit - 1) // limit if limit > 0 else 0
    int64 pages = limit > 0 ? (count + limit - 1) / limit : 0;
    appendStringInfo(out, ",\"count\":" INT64_FORMAT ",\"limit\":" INT64_FORMAT ",\"pages\":" INT64_FORMAT
                          ",\"page\":" INT64_FORMAT "}",
                     count, limit, pages, req->page);
    PG_RETURN_DATUM(FinishResultBuffer(out));
}

namespace {

void PushString(JsonbParseState **state, const char *s, size_t len, JsonbIteratorToken tok) {
    JsonbValue v;
    v.type = jbvString;
    v.val.string.val = const_cast<char *>(s);  // kept by pointer: s must outlive the state
    v.val.string.len = static_cast<int>(len);
    pushJsonbValue(state, tok, &v);
}

// Pushes `"<sql_key>": sql, "<params_key>": [...]` for one statement. Params are rendered as
// JSON: arrays as arrays, timestamps as ISO UTC text (whatever TimeZone is), others as scalars.
void PushStatement(JsonbParseState **state, const char *sql_key, const char *params_key,
                   const prefect_filter::Statement &stmt) {
    PushString(state, sql_key, strlen(sql_key), WJB_KEY);
    PushString(state, stmt.sql.data(), stmt.sql.size(), WJB_VALUE);
    PushString(state, params_key, strlen(params_key), WJB_KEY);
    pushJsonbValue(state, WJB_BEGIN_ARRAY, nullptr);
    for (const prefect_filter::Param &p : stmt.params) {
        switch (p.type) {
            case ParamType::kUuidArray:
            case ParamType::kTextArray:
            case ParamType::kStateTypeArray:
                pushJsonbValue(state, WJB_BEGIN_ARRAY, nullptr);
                for (const std::string &item : p.items) PushString(state, item.data(), item.size(), WJB_ELEM);
                pushJsonbValue(state, WJB_END_ARRAY, nullptr);
                break;
            case ParamType::kText: PushString(state, p.text.data(), p.text.size(), WJB_ELEM); break;
            case ParamType::kTimestampTz: {
                char buf[48];
                size_t n = FormatTimestampUtc(p.int_value, buf);
                PushString(state, pnstrdup(buf, n), n, WJB_ELEM);
                break;
            }
            case ParamType::kBool: {
                JsonbValue v;
                v.type = jbvBool;
                v.val.boolean = p.bool_value;
                pushJsonbValue(state, WJB_ELEM, &v);
                break;
            }
            case ParamType::kInt8: {
                JsonbValue v;
                v.type = jbvNumeric;
                v.val.numeric = DatumGetNumeric(DirectFunctionCall1(int8_numeric, Int64GetDatum(p.int_value)));
                pushJsonbValue(state, WJB_ELEM, &v);
                break;
            }
        }
    }
    pushJsonbValue(state, WJB_END_ARRAY, nullptr);
}

}  // namespace

// {"sql", "params", "count_sql", "count_params", "related_sql"}: the statements
// deployments_filter and deployments_count run for this body, and the page's related loads, for
// EXPLAIN and golden tests.
extern "C" Datum pf_deployments_filter_sql(PG_FUNCTION_ARGS) {
    const CompiledRequest *rows = CompileBody(fcinfo, Endpoint::kFilter);
    const CompiledRequest *count = CompileBody(fcinfo, Endpoint::kCount);
    JsonbParseState *state = nullptr;
    pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
    PushStatement(&state, "sql", "params", rows->rows);
    PushStatement(&state, "count_sql", "count_params", count->count);
    // The page's related loads: fixed per schema, each taking the page's keys as $1 uuid[].
    PushString(&state, "related_sql", strlen("related_sql"), WJB_KEY);
    pushJsonbValue(&state, WJB_BEGIN_ARRAY, nullptr);
    for (const std::string *sql : {&rows->related.schedules, &rows->related.limits, &rows->related.queues})
        PushString(&state, sql->data(), sql->size(), WJB_ELEM);
    pushJsonbValue(&state, WJB_END_ARRAY, nullptr);
    JsonbValue *result = pushJsonbValue(&state, WJB_END_OBJECT, nullptr);
    PG_RETURN_JSONB_P(JsonbValueToJsonb(result));
}
