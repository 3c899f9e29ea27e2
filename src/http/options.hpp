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
    size_t threads = 32;               // HTTP worker threads = connections served at once
    size_t queue = 128;                // accepted connections waiting for a worker
    int pool_wait_ms = 2000;           // wait for a free PostgreSQL connection, then 503
    int statement_timeout_ms = 30000;  // SET statement_timeout on every connection
    int connect_timeout_s = 5;         // libpq connect_timeout (unless the string sets it)
    size_t max_body_bytes = 4 << 20;   // request body (JSON text) limit -> 413
    int read_timeout_s = 10;           // per read on a client socket
    int write_timeout_s = 10;
    int keep_alive_timeout_s = 5;    // idle keep-alive connection
    size_t keep_alive_max = 1000;    // requests per connection
    std::string schema = "prefect";  // schema of the extension's functions
    int gzip_level = 6;              // zlib level of gzip answers (Prefect: 9, see gzip.hpp)
    bool access_log = false;
};

// Parses argv. On error or --help/--version, returns nullopt and sets *message (and *exit_code:
// 0 for help/version, 2 for a usage error).
std::optional<Options> ParseOptions(int argc, const char *const *argv, std::string *message, int *exit_code);

std::string Usage();

}  // namespace pf_http
