// The HTTP server's vocabulary, one table each:
//   kStatements  every statement the pool prepares: its name and its call of the extension;
//   kEndpoints   Prefect's deployments paths: the statement that answers each and the body
//                fields FastAPI validates, in FastAPI's order (the LimitBody dependency's
//                `limit` first, then the route's Body parameters in signature order).
// The router (prefect_app.cpp), the pool (pg_pool.cpp) and Prefect's body rules
// (prefect_http.cpp) read these; nothing else lists them.
#pragma once

#include <cstddef>

namespace pf_http {

enum class Statement {
    kFilter,
    kCount,
    kPaginate,
    kFilterSql,  // compile only: the validation errors of one field
    kCsrfToken,  // the client's unexpired CSRF token, or NULL (extension 0.2.0)
    kReady,      // readiness: the database answers
};

struct StatementSpec {
    Statement statement;
    const char *prepared_name;
    const char *call;           // after "SELECT <schema>." (kReady: the whole statement)
    bool in_extension_schema;   // prefix the call with the functions' schema
    bool only_with_csrf;        // prepared only when the CSRF check is on (needs 0.2.0)
};

inline constexpr StatementSpec kStatements[] = {
    {Statement::kFilter, "pf_filter", "deployments_filter($1::jsonb)::text", true, false},
    {Statement::kCount, "pf_count", "deployments_count($1::jsonb)::text", true, false},
    {Statement::kPaginate, "pf_paginate", "deployments_paginate($1::jsonb)::text", true, false},
    {Statement::kFilterSql, "pf_filter_sql", "deployments_filter_sql($1::jsonb)::text", true, false},
    {Statement::kCsrfToken, "pf_csrf_token", "csrf_token_for_client($1::text)", true, true},
    {Statement::kReady, "pf_ready", "SELECT 'ready'::text WHERE $1::text IS NOT NULL", false, false},
};

inline const StatementSpec &StatementOf(Statement s) {
    for (const StatementSpec &spec : kStatements)
        if (spec.statement == s) return spec;
    return kStatements[0];  // unreachable: every Statement has a row
}

enum class Endpoint { kFilter, kCount, kPaginate };

struct EndpointSpec {
    Endpoint endpoint;
    const char *path;  // inside the API mount (PREFECT_SERVER_API_BASE_PATH)
    Statement statement;
    const char *const *body_fields;
    size_t body_field_count;
};

namespace endpoint_fields {
inline constexpr const char *kFilter[] = {"limit",       "offset",     "flows",           "flow_runs", "task_runs",
                                          "deployments", "work_pools", "work_pool_queues", "sort"};
inline constexpr const char *kCount[] = {"flows",       "flow_runs",  "task_runs",
                                         "deployments", "work_pools", "work_pool_queues"};
inline constexpr const char *kPaginate[] = {"limit",       "page",       "flows",           "flow_runs", "task_runs",
                                            "deployments", "work_pools", "work_pool_queues", "sort"};
}  // namespace endpoint_fields

inline constexpr EndpointSpec kEndpoints[] = {
    {Endpoint::kFilter, "/deployments/filter", Statement::kFilter, endpoint_fields::kFilter,
     sizeof endpoint_fields::kFilter / sizeof *endpoint_fields::kFilter},
    {Endpoint::kCount, "/deployments/count", Statement::kCount, endpoint_fields::kCount,
     sizeof endpoint_fields::kCount / sizeof *endpoint_fields::kCount},
    {Endpoint::kPaginate, "/deployments/paginate", Statement::kPaginate, endpoint_fields::kPaginate,
     sizeof endpoint_fields::kPaginate / sizeof *endpoint_fields::kPaginate},
};

inline const EndpointSpec &EndpointOf(Endpoint e) {
    for (const EndpointSpec &spec : kEndpoints)
        if (spec.endpoint == e) return spec;
    return kEndpoints[0];  // unreachable: every Endpoint has a row
}

}  // namespace pf_http
