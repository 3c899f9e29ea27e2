// The HTTP server's vocabulary, one table each:
//   kStatements  every statement the pool prepares: its name and its call of the extension;
//   kEndpoints   Prefect's deployments paths: the statement that answers each and the one that
//                lists a body's validation errors. The routes' body fields (in FastAPI's order)
//                are the compiler's table, compiler/request_spec.hpp.
// The router (prefect_app.cpp), the pool (pg_pool.cpp) and Prefect's body rules
// (prefect_http.cpp) read these; nothing else lists them.
#pragma once

#include "compiler/request_spec.hpp"

#include <cstddef>

namespace pf_http {

using prefect_filter::Endpoint;

enum class Statement {
    kFilter,
    kCount,
    kPaginate,
    kValidateFilter,  // every validation error of a body (extension 0.3.0), per route
    kValidateCount,
    kValidatePaginate,
    kCsrfToken,  // the client's unexpired CSRF token, or NULL (extension 0.2.0)
    kReady,      // readiness: the database answers
};

// Results come back in text format: a json value's text output is its stored text, byte for byte
// Prefect's body, and a bigint's its digits. No `::text` cast: json to text is an I/O conversion
// (json_out, then textin) that copies the whole answer twice more in the backend (doc/http.md).
struct StatementSpec {
    Statement statement;
    const char *prepared_name;
    const char *call;          // after "SELECT <schema>." (kReady: the whole statement)
    bool in_extension_schema;  // prefix the call with the functions' schema
    bool only_with_csrf;       // prepared only when the CSRF check is on (needs 0.2.0)
};

inline constexpr StatementSpec kStatements[] = {
    {Statement::kFilter, "pf_filter", "deployments_filter($1::jsonb)", true, false},
    {Statement::kCount, "pf_count", "deployments_count($1::jsonb)", true, false},
    {Statement::kPaginate, "pf_paginate", "deployments_paginate($1::jsonb)", true, false},
    {Statement::kValidateFilter, "pf_validate_filter", "deployments_validation_errors($1::json, 'filter')", true,
     false},
    {Statement::kValidateCount, "pf_validate_count", "deployments_validation_errors($1::json, 'count')", true, false},
    {Statement::kValidatePaginate, "pf_validate_paginate", "deployments_validation_errors($1::json, 'paginate')", true,
     false},
    {Statement::kCsrfToken, "pf_csrf_token", "csrf_token_for_client($1::text)", true, true},
    {Statement::kReady, "pf_ready", "SELECT 'ready'::text WHERE $1::text IS NOT NULL", false, false},
};

inline const StatementSpec &StatementOf(Statement s) {
    for (const StatementSpec &spec : kStatements)
        if (spec.statement == s) return spec;
    return kStatements[0];  // unreachable: every Statement has a row
}

struct EndpointSpec {
    Endpoint endpoint;
    const char *path;  // inside the API mount (PREFECT_SERVER_API_BASE_PATH)
    Statement statement;
    Statement validation;  // lists the body's validation errors when `statement` rejected it
};

inline constexpr EndpointSpec kEndpoints[] = {
    {Endpoint::kFilter, "/deployments/filter", Statement::kFilter, Statement::kValidateFilter},
    {Endpoint::kCount, "/deployments/count", Statement::kCount, Statement::kValidateCount},
    {Endpoint::kPaginate, "/deployments/paginate", Statement::kPaginate, Statement::kValidatePaginate},
};

inline const EndpointSpec &EndpointOf(Endpoint e) {
    for (const EndpointSpec &spec : kEndpoints)
        if (spec.endpoint == e) return spec;
    return kEndpoints[0];  // unreachable: every Endpoint has a row
}

}  // namespace pf_http
