// The compiler's public API: a request body (JSON text) in, one parameterised SQL statement out.
// Pure C++ (no PostgreSQL), so it is unit-tested and fuzzed without a server.
#pragma once

#include "compiler/request_spec.hpp"
#include "compiler/values.hpp"

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace prefect_filter {

// The type of a bound parameter. The SQL text casts each $n to exactly this type, and the
// PostgreSQL side binds it with the matching type OID.
// An any_ list of one value is bound as the scalar type (kUuid, kStateType, kText): see
// compile.cpp, AnyOf.
enum class ParamType {
    kUuidArray,
    kTextArray,
    kStateTypeArray,
    kUuid,
    kStateType,
    kText,
    kTimestampTz,
    kBool,
    kInt8,
};

struct Param {
    ParamType type;
    std::vector<std::string> items;  // kUuidArray (canonical lower-case text), kTextArray,
                                     // kStateTypeArray (labels of the schema's state_type enum)
    std::string text;                // kText; kUuid and kStateType as the arrays' items
    int64_t int_value = 0;           // kInt8; kTimestampTz as microseconds since 2000-01-01 UTC
    bool bool_value = false;         // kBool
    // >= 0: a kUuidArray whose value is not in the body but found by CompiledRequest::resolve
    // [resolved] when the call runs (its items stay empty).
    int resolved = -1;
};

const char *ParamTypeSqlName(ParamType type);  // "uuid[]", "text[]", ... ("state_type", unqualified)

// How a statement is planned (doc/design.md, "Plans").
enum class PlanMode : uint8_t {
    // Planned once per backend and reused (force_generic_plan): statements whose plan does not
    // depend on the values (the deployment table through equality, tags or paused predicates;
    // counts over the small flow, work pool and work queue tables; the related loads).
    kGeneric,
    // Planned with the actual values every call (force_custom_plan): flow-run and task-run
    // filters (states and time windows are heavily skewed; a generic plan made a flow-run count
    // 18x slower), ILIKE patterns (a trigram index or not), and pages with flow or work
    // pool/queue filters (how many deployments match decides between walking the page's order
    // and joining from the matches).
    kCustom,
};

// One compiled statement.
struct Statement {
    std::string sql;
    std::vector<Param> params;
    PlanMode plan_mode = PlanMode::kGeneric;
    // May use parallel workers. Only the custom-planned counts: a count visits every matching
    // deployment (no LIMIT to stop early), so a worker can halve a scan over many flow runs,
    // while for a page the worker's start-up only delays the first rows (doc/design.md).
    bool parallel_ok = false;
};

// The loads of a page's related rows (render_columns.hpp): each takes the page's keys as its
// only parameter, $1 uuid[], which the caller fills in from the page rows. Their text depends
// only on the schema, so each is planned once per backend (generic plan).
struct RelatedStatements {
    std::string schedules;  // deployment_schedule by deployment id
    std::string limits;     // concurrency_limit_v2 by id
    std::string queues;     // work_queue (with its pool's name) by id
};

// Everything an entry point needs: the statements to run and the paging facts it echoes.
struct CompiledRequest {
    // Run first, in the same snapshot: each returns one row of one uuid[] (never NULL), the
    // value of the parameters of `rows` and `count` whose Param::resolved is its index. The ids
    // of the flows a flows filter matches, and of the queues a work pool/queue filter matches,
    // so the planner of the page and the count sees how many and which they are (doc/design.md,
    // "Small tables are resolved first").
    std::vector<Statement> resolve;
    Statement rows;             // kFilter / kPaginate: the page of deployments (render columns, in order)
    RelatedStatements related;  // kFilter / kPaginate: run after `rows` when the page is not empty
    Statement count;            // kCount / kPaginate: SELECT count(*)
    int64_t limit = 0;          // effective limit (kFilter / kPaginate)
    int64_t page = 1;           // kPaginate
    int64_t offset = 0;         // kFilter / kPaginate: rows skipped before the page (saturated)
    // A datetime of the body went to pendulum, which may read CompileOptions::now_usec
    // (pendulum's "now", a bare time of day): the statements hold for that "now" only, so they
    // are not kept for later calls (compile_cache.hpp).
    bool reads_now = false;
};

// The count a page implies, without counting: in one snapshot, a page that came back short of
// its limit holds the last matching rows, so there are `offset + rows` of them (none when even
// the first page is empty). -1 when the page cannot tell (it is full, or empty past the start).
inline int64_t CountImpliedByPage(const CompiledRequest &request, uint64_t page_rows) {
    if (request.limit <= 0 || page_rows >= static_cast<uint64_t>(request.limit)) return -1;
    if (page_rows == 0) return request.offset == 0 ? 0 : -1;
    return request.offset + static_cast<int64_t>(page_rows);
}

struct CompileOptions {
    std::string schema = "prefect";  // where Prefect's tables are (GUC prefect_filter.schema)
    int64_t default_limit = 200;     // Prefect's PREFECT_SERVER_API_DEFAULT_LIMIT: default and maximum
    // Polled while parsing and while reading long lists; when it returns true the compiler
    // stops with CompileInterrupted. PostgreSQL passes "is a cancel or timeout pending?", so
    // a huge body can be cancelled promptly (the door then lets PostgreSQL raise the cancel).
    bool (*interrupted)() = nullptr;
    // How datetime strings are read (values.hpp), and "now" for pendulum's "now" and bare times.
    DatetimeParsing datetime_parsing = DatetimeParsing::kPendulum;
    int64_t now_usec = 0;  // microseconds since 2000-01-01 UTC
    // The sorts (SortBit) a btree index of the deployment table leads with: an unfiltered page
    // of such a sort reads its rows straight from the index, without a key lookup per row (the
    // extension's own tables have them all; in Prefect's database NAME_* need the extension's
    // recommended index).
    uint32_t indexed_sorts = kAllSorts;
};

// Thrown when CompileOptions::interrupted asked the compiler to stop.
class CompileInterrupted : public std::exception {
public:
    const char *what() const noexcept override { return "canceling statement: compilation interrupted"; }
};

// Limits of what we accept (documented in README "Limits"); exceeding one raises 54000.
inline constexpr size_t kMaxBodyBytes = 16 * 1024 * 1024;
inline constexpr int kMaxJsonDepth = 32;
inline constexpr size_t kMaxListLength = 100000;

// Compiles a body. Throws FilterError (22023 / 22P02 / 54000) for its first Issue (in Prefect's
// order), naming the JSON path at fault.
CompiledRequest Compile(std::string_view body_json, Endpoint endpoint, const CompileOptions &options);

// Every validation error of a body, as FastAPI's own 422 body would hold them:
//   {"detail": [{"type", "loc", "msg", "input"[, "ctx"]}, ...]}  pydantic's errors in Prefect's
//                                                                order ([] for a valid body);
//   {"detail": "Invalid limit: ..."}                             LimitBody's HTTPException.
// Prefect's 422 is {"exception_message": "Invalid request received.", "exception_detail":
// <the list>, "request_body": <the body>}. Objects of `body_json` keep their key order.
std::string ValidationErrorsJson(std::string_view body_json, Endpoint endpoint, const CompileOptions &options);

// Double-quotes an identifier the way PostgreSQL's quote_identifier does when quoting is needed
// (always quotes; doubles embedded quotes). Rejects NUL and empty names.
std::string QuoteIdentifier(std::string_view name);

}  // namespace prefect_filter
