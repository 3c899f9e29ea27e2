// SQL-callable entry points: prefect.deployments_filter / _count / _paginate / _filter_sql.
//
// Each entry point does the same three steps:
//   1. compile the body in the pure C++ compiler behind the one door (RunGuarded): a C++
//      exception becomes an ErrorPod, every C++ object is destroyed, and only then do we
//      ereport (ReportError); or take the request compiled before from the same body under the
//      same settings (compile_cache.hpp);
//   2. run the compiled statements (spi_run.hpp), read-only, in the caller's snapshot (so
//      paginate's rows and count agree): the page statement, whose rows are rendered as they
//      arrive, then the related loads for the page's keys (render_page.hpp);
//   3. join the page into a buffer in the caller's memory context.
// paginate adds the count: the count statement, unless the page came back short of its limit and
// so already tells it (CountImpliedByPage).
// The compiled request is a C++ object that must outlive the door; the call's share of it is
// held by a reset callback on the per-call memory context, so an ERROR anywhere later still
// lets it go.
#include "pg/pg_includes.hpp"

#include "compiler/compile_cache.hpp"
#include "compiler/door.hpp"
#include "compiler/query.hpp"
#include "formats/datetime.hpp"
#include "pg/deployment_response.hpp"
#include "pg/render_cache.hpp"
#include "pg/render_page.hpp"
#include "pg/spi_run.hpp"
#include "pg/tables_schema.hpp"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
PG_FUNCTION_INFO_V1(pf_deployments_filter);
PG_FUNCTION_INFO_V1(pf_deployments_count);
PG_FUNCTION_INFO_V1(pf_deployments_paginate);
PG_FUNCTION_INFO_V1(pf_deployments_filter_sql);
PG_FUNCTION_INFO_V1(pf_deployments_validation_errors);
PG_FUNCTION_INFO_V1(pf_tables_schema);
PG_FUNCTION_INFO_V1(pf_render_cache_stats);
}

namespace prefect_filter {

namespace {

char *schema_setting = nullptr;   // GUC prefect_filter.schema
int default_limit_setting = 200;  // GUC prefect_filter.default_limit (Prefect's PREFECT_SERVER_API_DEFAULT_LIMIT)
int datetime_parsing_setting = static_cast<int>(DatetimeParsing::kPendulum);  // GUC prefect_filter.datetime_parsing

const struct config_enum_entry kDatetimeParsingOptions[] = {
    {"pendulum", static_cast<int>(DatetimeParsing::kPendulum), false},
    {"pydantic", static_cast<int>(DatetimeParsing::kPydantic), false},
    {nullptr, 0, false},
};

// Where Prefect's tables are: the setting, or found (tables_schema.hpp).
const char *SchemaSetting(void) {
    return TablesSchema(schema_setting);
}

// The call's hold on its compiled request, which the backend's CompileCache may share.
struct CompiledHolder {
    std::shared_ptr<const CompiledRequest> *request;
};

void FreeCompiled(void *arg) noexcept {
    auto *holder = static_cast<CompiledHolder *>(arg);
    delete holder->request;
    holder->request = nullptr;
}

// This backend's compiled requests (compile_cache.hpp); created at the first call.
CompileCache *compile_cache = nullptr;

// For the compiler: is a cancel or statement timeout pending? (Only reads the flag; the
// interrupt itself is processed by CHECK_FOR_INTERRUPTS after the door.)
bool InterruptIsPending() {
    return InterruptPending;
}

// The compiler's options from the settings (and, for a page, which sorts an index serves).
CompileOptions OptionsFromSettings(const char *schema, uint32 indexed_sorts) {
    CompileOptions options;
    options.indexed_sorts = indexed_sorts;
    options.schema = schema;
    options.default_limit = default_limit_setting;
    options.interrupted = InterruptIsPending;
    options.datetime_parsing = static_cast<DatetimeParsing>(datetime_parsing_setting);
    options.now_usec = GetCurrentStatementStartTimestamp();
    return options;
}

[[noreturn]] void ReportError(const ErrorPod &err) {
    // The compiler stopped for a pending cancel: let PostgreSQL raise it with its own message
    // (statement timeout or user request).
    if (strcmp(err.sqlstate, sqlstate::kQueryCanceled) == 0) CHECK_FOR_INTERRUPTS();
    int code = MAKE_SQLSTATE(err.sqlstate[0], err.sqlstate[1], err.sqlstate[2], err.sqlstate[3], err.sqlstate[4]);
    ereport(ERROR, (errcode(code), errmsg("%s", err.message), err.detail[0] ? errdetail("%s", err.detail) : 0));
    pg_unreachable();
}

// The body as JSON text ("" for SQL NULL, which means Prefect's empty body).
char *BodyText(Jsonb *body) {
    if (body == nullptr) return pstrdup("");
    return JsonbToCString(nullptr, &body->root, VARSIZE(body));
}

// Step 1: compile behind the door, or find the request this backend compiled before from the
// same body under the same settings (compile_cache.hpp). Returns a request held until the
// current memory context is reset.
const CompiledRequest *CompileBody(FunctionCallInfo fcinfo, Endpoint endpoint) {
    Jsonb *body = PG_ARGISNULL(0) ? nullptr : PG_GETARG_JSONB_P(0);
    // The cache's key: the jsonb bytes, from which the compiler's text is made (none for NULL;
    // a jsonb value is never empty).
    std::string_view body_bytes =
        body ? std::string_view(reinterpret_cast<const char *>(body), VARSIZE(body)) : std::string_view();
    const char *schema = SchemaSetting();
    // Allocate and register the owner before compiling, so nothing can fail between the
    // C++ allocation and its registration.
    auto *holder = static_cast<CompiledHolder *>(palloc0(sizeof(CompiledHolder)));
    auto *callback = static_cast<MemoryContextCallback *>(palloc0(sizeof(MemoryContextCallback)));
    callback->func = FreeCompiled;
    callback->arg = holder;
    MemoryContextRegisterResetCallback(CurrentMemoryContext, callback);

    // Which sorts an index serves: only a page asks (read before the door: it may ereport).
    uint32 indexed_sorts = endpoint == Endpoint::kCount ? 0 : IndexedSorts(schema);

    ErrorPod err;
    bool ok = RunGuarded(&err, [&] {
        if (compile_cache == nullptr) compile_cache = new CompileCache();
        std::shared_ptr<const CompiledRequest> found =
            compile_cache->Find(endpoint, body_bytes, OptionsFromSettings(schema, indexed_sorts));
        if (found) holder->request = new std::shared_ptr<const CompiledRequest>(std::move(found));
    });
    if (!ok) ReportError(err);
    if (holder->request == nullptr) {
        char *text = BodyText(body);  // outside the door: it may ereport
        size_t text_len = strlen(text);
        ok = RunGuarded(&err, [&] {
            CompileOptions options = OptionsFromSettings(schema, indexed_sorts);
            auto compiled =
                std::make_shared<const CompiledRequest>(Compile(std::string_view(text, text_len), endpoint, options));
            holder->request = new std::shared_ptr<const CompiledRequest>(compiled);
            compile_cache->Keep(endpoint, body_bytes, options, std::move(compiled));
        });
        if (!ok) ReportError(err);
    }
    const CompiledRequest *request = holder->request->get();
    elog(DEBUG2, "prefect_filter rows: %s", request->rows.sql.c_str());
    elog(DEBUG2, "prefect_filter count: %s", request->count.sql.c_str());
    return request;
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

// SPI, and the check that we serve the Prefect database version the tables belong to. Returns
// the schema of the tables.
const char *ConnectToTables(void) {
    ConnectSpi();
    const char *schema = SchemaSetting();
    CheckPrefectHead(schema);
    return schema;
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
    DefineCustomIntVariable(
        "prefect_filter.default_limit",
        "Default and maximum \"limit\" of a request body (Prefect's PREFECT_SERVER_API_DEFAULT_LIMIT).",
        "A body without \"limit\" gets this many rows; a larger \"limit\" is an error.", &default_limit_setting, 200, 0,
        INT_MAX, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomEnumVariable("prefect_filter.datetime_parsing",
                             "How datetime strings of a request body are read: as Prefect on Python <= 3.12 "
                             "(pendulum, its official image) or on Python >= 3.13 (pydantic).",
                             "pendulum: pydantic's parser, then pendulum.parse for what it rejects; "
                             "pydantic: pydantic's parser only.",
                             &datetime_parsing_setting, static_cast<int>(DatetimeParsing::kPendulum),
                             kDatetimeParsingOptions, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("prefect_filter.render_cache_size",
                            "Memory per session for rendered deployments and schedules, kept between calls (0: off).",
                            "Keyed by the rows' stored bytes, so never stale: an updated row misses "
                            "(doc/design.md, \"Caching rendered rows\").",
                            &render_cache_size_kb, 49152, 0, MAX_KILOBYTES, PGC_USERSET, GUC_UNIT_KB, nullptr, nullptr,
                            nullptr);
    MarkGUCPrefixReserved("prefect_filter");
}

// prefect.tables_schema(): where the functions read Prefect's tables (tables_schema.hpp).
extern "C" Datum pf_tables_schema(PG_FUNCTION_ARGS) {
    PG_RETURN_TEXT_P(cstring_to_text(SchemaSetting()));
}

extern "C" Datum pf_deployments_filter(PG_FUNCTION_ARGS) {
    const CompiledRequest *req = CompileBody(fcinfo, Endpoint::kFilter);
    StringInfo out = NewResultBuffer();  // caller's context: survives SPI_finish
    const char *schema = ConnectToTables();
    const Datum *resolved = RunResolve(req->resolve, schema);
    RenderedPage *page = RunPage(kDeploymentResponse, req->rows, schema, resolved);
    LoadRelated(page, req->related);
    JoinPage(out, page);
    FinishSpi();
    PG_RETURN_DATUM(FinishResultBuffer(out));
}

extern "C" Datum pf_deployments_count(PG_FUNCTION_ARGS) {
    const CompiledRequest *req = CompileBody(fcinfo, Endpoint::kCount);
    const char *schema = ConnectToTables();
    const Datum *resolved = RunResolve(req->resolve, schema);
    int64 count = RunCount(req->count, schema, resolved);
    FinishSpi();
    PG_RETURN_INT64(count);
}

extern "C" Datum pf_deployments_paginate(PG_FUNCTION_ARGS) {
    const CompiledRequest *req = CompileBody(fcinfo, Endpoint::kPaginate);
    StringInfo out = NewResultBuffer();
    appendStringInfoString(out, "{\"results\":");
    const char *schema = ConnectToTables();
    // All statements run read-only in the caller's snapshot, so count matches the results.
    const Datum *resolved = RunResolve(req->resolve, schema);
    RenderedPage *page = RunPage(kDeploymentResponse, req->rows, schema, resolved);
    LoadRelated(page, req->related);
    JoinPage(out, page);
    // A short page already tells the count (same snapshot); only a full page, or an empty one
    // past the start, runs the count statement.
    int64 count = CountImpliedByPage(*req, page->count);
    if (count < 0) count = RunCount(req->count, schema, resolved);
    FinishSpi();
    int64 limit = req->limit;
    // Prefect: pages = (count + limit - 1) // limit if limit > 0 else 0
    int64 pages = limit > 0 ? (count + limit - 1) / limit : 0;
    appendStringInfo(out,
                     ",\"count\":" INT64_FORMAT ",\"limit\":" INT64_FORMAT ",\"pages\":" INT64_FORMAT
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

// Pushes the ids of a resolved uuid[] as a JSON array of their text.
void PushResolvedIds(JsonbParseState **state, Datum ids) {
    Datum *elems;
    bool *nulls;
    int n;
    deconstruct_array(DatumGetArrayTypeP(ids), UUIDOID, UUID_LEN, false, TYPALIGN_CHAR, &elems, &nulls, &n);
    pushJsonbValue(state, WJB_BEGIN_ARRAY, nullptr);
    for (int i = 0; i < n; ++i) {
        char *text = DatumGetCString(DirectFunctionCall1(uuid_out, elems[i]));
        PushString(state, text, strlen(text), WJB_ELEM);
    }
    pushJsonbValue(state, WJB_END_ARRAY, nullptr);
}

// Pushes `"<sql_key>": sql, "<params_key>": [...]` for one statement. Params are rendered as
// JSON: arrays as arrays (a resolved one with the ids found in this snapshot), timestamps as ISO
// UTC text (whatever TimeZone is), others as scalars.
void PushStatement(JsonbParseState **state, const char *sql_key, const char *params_key,
                   const prefect_filter::Statement &stmt, const Datum *resolved) {
    PushString(state, sql_key, strlen(sql_key), WJB_KEY);
    PushString(state, stmt.sql.data(), stmt.sql.size(), WJB_VALUE);
    PushString(state, params_key, strlen(params_key), WJB_KEY);
    pushJsonbValue(state, WJB_BEGIN_ARRAY, nullptr);
    for (const prefect_filter::Param &p : stmt.params) {
        if (p.resolved >= 0) {
            PushResolvedIds(state, resolved[p.resolved]);
            continue;
        }
        switch (p.type) {
            case ParamType::kUuidArray:
            case ParamType::kTextArray:
            case ParamType::kStateTypeArray:
                pushJsonbValue(state, WJB_BEGIN_ARRAY, nullptr);
                for (const std::string &item : p.items) PushString(state, item.data(), item.size(), WJB_ELEM);
                pushJsonbValue(state, WJB_END_ARRAY, nullptr);
                break;
            case ParamType::kUuid:
            case ParamType::kStateType:
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

// {"sql", "params", "count_sql", "count_params", "related_sql"[, "resolve"]}: the statements
// deployments_filter and deployments_count run for this body, and the page's related loads, for
// EXPLAIN and golden tests. A body whose statements take ids found first (a flows or work
// pool/queue condition) has "resolve": [{"sql", "params"}, ...], and those statements are run, in
// the caller's snapshot, so that "params" and "count_params" show the ids the functions would
// bind. Both compilations of the body have the same `resolve` list, so one run serves both.
extern "C" Datum pf_deployments_filter_sql(PG_FUNCTION_ARGS) {
    const CompiledRequest *rows = CompileBody(fcinfo, Endpoint::kFilter);
    const CompiledRequest *count = CompileBody(fcinfo, Endpoint::kCount);
    const Datum *resolved = nullptr;
    if (!rows->resolve.empty()) {
        // From here the result is built in SPI's procedure context, and copied out at the end.
        resolved = RunResolve(rows->resolve, ConnectToTables());
    }
    JsonbParseState *state = nullptr;
    pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
    PushStatement(&state, "sql", "params", rows->rows, resolved);
    PushStatement(&state, "count_sql", "count_params", count->count, resolved);
    // The page's related loads: fixed per schema, each taking the page's keys as $1 uuid[].
    PushString(&state, "related_sql", strlen("related_sql"), WJB_KEY);
    pushJsonbValue(&state, WJB_BEGIN_ARRAY, nullptr);
    for (int i = 0; i < kDeploymentResponse.load_count; ++i) {
        const std::string &sql = rows->related.*kDeploymentResponse.loads[i].sql;
        PushString(&state, sql.data(), sql.size(), WJB_ELEM);
    }
    pushJsonbValue(&state, WJB_END_ARRAY, nullptr);
    if (!rows->resolve.empty()) {
        PushString(&state, "resolve", strlen("resolve"), WJB_KEY);
        pushJsonbValue(&state, WJB_BEGIN_ARRAY, nullptr);
        for (const Statement &stmt : rows->resolve) {
            pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
            PushStatement(&state, "sql", "params", stmt, nullptr);
            pushJsonbValue(&state, WJB_END_OBJECT, nullptr);
        }
        pushJsonbValue(&state, WJB_END_ARRAY, nullptr);
    }
    JsonbValue *result = pushJsonbValue(&state, WJB_END_OBJECT, nullptr);
    Jsonb *built = JsonbValueToJsonb(result);
    if (resolved == nullptr) PG_RETURN_JSONB_P(built);
    // Built in SPI's procedure context: copied to the caller's before SPI_finish frees it.
    Jsonb *copy = static_cast<Jsonb *>(SPI_palloc(VARSIZE(built)));
    memcpy(copy, built, VARSIZE(built));
    FinishSpi();
    PG_RETURN_JSONB_P(copy);
}

// prefect.deployments_validation_errors(body json, endpoint text): every validation error of the
// body for the route, as FastAPI's 422 body (query.hpp, ValidationErrorsJson); {"detail": []}
// when the body is valid. `json`, not jsonb, so that unknown keys keep their order.
extern "C" Datum pf_deployments_validation_errors(PG_FUNCTION_ARGS) {
    char *body = PG_ARGISNULL(0) ? pstrdup("") : text_to_cstring(PG_GETARG_TEXT_PP(0));
    const char *endpoint_name = PG_ARGISNULL(1) ? "filter" : text_to_cstring(PG_GETARG_TEXT_PP(1));
    const RequestEndpointSpec *endpoint = nullptr;
    for (const RequestEndpointSpec &spec : kRequestEndpoints)
        if (strcmp(spec.name, endpoint_name) == 0) endpoint = &spec;
    if (endpoint == nullptr)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("endpoint must be \"filter\", \"count\" or \"paginate\", got \"%s\"", endpoint_name)));
    // Validation reads no table, so the tables' schema does not matter here.
    ErrorPod err;
    size_t body_len = strlen(body);
    // The answer leaves the door as a heap string, held by a plain pointer (no destructor to
    // skip), is copied into palloc'd memory by a call that cannot raise, and deleted before
    // anything can raise.
    std::string *text = nullptr;
    bool ok = RunGuarded(&err, [&] {
        text = new std::string(ValidationErrorsJson(std::string_view(body, body_len), endpoint->endpoint,
                                                    OptionsFromSettings("prefect", kAllSorts)));
    });
    if (!ok) ReportError(err);
    size_t len = text->size();
    char *result = len < MaxAllocSize - VARHDRSZ
                       ? static_cast<char *>(palloc_extended(len + VARHDRSZ, MCXT_ALLOC_NO_OOM))
                       : nullptr;
    if (result) memcpy(result + VARHDRSZ, text->data(), len);
    delete text;
    if (!result) ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
    SET_VARSIZE(result, len + VARHDRSZ);
    PG_RETURN_POINTER(result);
}

// prefect.render_cache_stats(): this session's cache of rendered rows (render_cache.hpp).
extern "C" Datum pf_render_cache_stats(PG_FUNCTION_ARGS) {
    PG_RETURN_TEXT_P(cstring_to_text(RenderCacheStatsJson()));
}
