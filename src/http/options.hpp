// Command line of prefect-filter-http: every bound the server enforces is an option here, with
// a default that suits a small machine next to PostgreSQL.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace pf_http {

struct Options {
    std::string db;                  // libpq connection string or URI; "" = libpq's PG* defaults
    std::string host = "127.0.0.1";  // --listen HOST:PORT (Prefect's default port)
    int port = 4200;
    size_t pool = 8;                   // PostgreSQL connections
    size_t threads = 2;                // worker threads for large bodies and gzip
    int pool_wait_ms = 2000;           // wait for a free PostgreSQL connection, then 503
    int statement_timeout_ms = 30000;  // SET statement_timeout on every connection
    int connect_timeout_s = 5;         // libpq connect_timeout (unless the string sets it)
    size_t max_body_bytes = 4 << 20;   // request body (JSON text) limit -> 413
    size_t max_header_bytes = 32768;   // request line + header lines -> 431
    int request_timeout_s = 10;        // a whole request (headers + body) must arrive within it -> 408
    int write_timeout_s = 10;          // an answer must be written within it, else close
    int keep_alive_timeout_s = 5;      // idle keep-alive connection, then close
    size_t keep_alive_max = 1000;      // requests per connection
    size_t max_connections = 10000;    // open client connections; beyond it accepting pauses
    int shutdown_timeout_s = 10;       // SIGTERM: longest wait for requests in flight
    std::string schema = "prefect";  // schema of the extension's functions
    int gzip_level = 6;              // zlib level of gzip answers (Prefect: 9, see gzip.hpp)
    bool access_log = false;

    // Prefect's API settings (PREFECT_SERVER_API_*), applied as Prefect's middleware applies them.
    std::optional<std::string> auth_string;  // "user:password": Basic auth on every path but GET health
    bool csrf_protection_enabled = false;    // Prefect-Csrf-Token / -Client checked against csrf_token
    std::string cors_allowed_origins = "*";  // comma-separated, as Prefect splits them
    std::string cors_allowed_methods = "*";
    std::string cors_allowed_headers = "*";
    std::string base_path = "/api";  // PREFECT_SERVER_API_BASE_PATH (Prefect mounts its API there)
    int default_limit = 200;         // PREFECT_SERVER_API_DEFAULT_LIMIT: default and maximum `limit`
};

// Parses argv. On error or --help/--version, returns nullopt and sets *message (and *exit_code:
// 0 for help/version, 2 for a usage error).
std::optional<Options> ParseOptions(int argc, const char *const *argv, std::string *message, int *exit_code);

std::string Usage();

// Does a libpq connection string or URI carry a password? (The server refuses it: a command line
// is visible to every user in `ps`.)
bool ConninfoHasPassword(const std::string &conninfo);

}  // namespace pf_http
