// Command line of prefect-filter-http: every bound the server enforces is an option here, with
// a default that suits a small machine next to PostgreSQL. Prefect's own settings come first
// from the environment (PREFECT_*, see config.hpp and doc/http.md "Prefect's environment"); a
// flag overrides its variable.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pf_http {

// Environment variables, name -> value (main passes the real one, tests a made-up one).
using Environment = std::map<std::string, std::string>;

struct Options {
    // The database. --db (a libpq connection string or URI, never with a password) wins; open it
    // as before (PQconnectdbParams with dbname=<db>, expand_dbname=1). Otherwise db_params, built
    // from Prefect's database variables: libpq keyword/value pairs (host, port, user, password,
    // dbname, sslmode, sslrootcert, ...) to append to PQconnectdbParams' arrays with
    // expand_dbname=0 (a database name is never parsed as a connection string), so the
    // password is never formatted into text. Both empty: libpq's PG* environment and defaults.
    std::string db;
    std::vector<std::pair<std::string, std::string>> db_params;
    // Schema of Prefect's tables when PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_SEARCH_PATH
    // (or --tables-schema) names one: pass it as `-c prefect_filter.schema=<it>`. "" = not set.
    std::string tables_schema;
    // Lines worth logging at start (settings Prefect has that we do not use, assumptions made);
    // never a secret.
    std::vector<std::string> config_notes;
    std::string host = "127.0.0.1";  // --listen HOST:PORT (Prefect's default port)
    int port = 4200;
    size_t pool = 8;                         // PostgreSQL connections
    size_t threads = 2;                      // worker threads for large bodies and gzip
    int pool_wait_ms = 2000;                 // wait for a free PostgreSQL connection, then 503
    int statement_timeout_ms = 30000;        // SET statement_timeout on every connection (0 = none)
    int connect_timeout_s = 5;               // libpq connect_timeout (unless the string sets it)
    size_t max_body_bytes = 4 << 20;         // request body (JSON text) limit -> 413
    size_t max_header_bytes = 32768;         // request line + header lines -> 431
    int request_timeout_s = 10;              // a whole request (headers + body) must arrive within it -> 408
    int write_timeout_s = 10;                // an answer must be written within it, else close
    int keep_alive_timeout_s = 5;            // idle keep-alive connection, then close
    size_t keep_alive_max = 1000;            // requests per connection
    size_t max_connections = 10000;          // open client connections; beyond it accepting pauses
    int shutdown_timeout_s = 10;             // SIGTERM: longest wait for requests in flight
    std::string schema = "prefect";          // schema of the extension's functions
    int gzip_level = 6;                      // libdeflate level of gzip answers (1-12; compression.hpp)
    std::string encodings = "zstd,br,gzip";  // Content-Encodings the server may answer with
    size_t compression_cache_mb = 16;        // compressed answers kept for reuse (compressed_cache.hpp; 0 = off)
    // How datetime strings are read, as the Prefect server beside us does: "pendulum" (Python
    // <= 3.12, Prefect's official image) or "pydantic" (Python >= 3.13).
    std::string datetime_parsing = "pendulum";
    bool access_log = false;
    std::string metrics_host;  // --metrics-listen: Prometheus metrics on their own listener ("" = off)
    int metrics_port = 0;
    std::vector<std::string> trusted_proxies;  // --trusted-proxy: X-Forwarded-For believed from these peers

    // Prefect's API settings (PREFECT_SERVER_API_*), applied as Prefect's middleware applies them.
    // Only from the environment (a secret never goes on the command line). Set but empty is
    // kept as "" (Prefect then refuses every request but GET health).
    std::optional<std::string> auth_string;  // "user:password": Basic auth on every path but GET health
    bool csrf_protection_enabled = false;    // Prefect-Csrf-Token / -Client checked against csrf_token
    std::string cors_allowed_origins = "*";  // comma-separated, as Prefect splits them (no trimming)
    std::string cors_allowed_methods = "*";
    std::string cors_allowed_headers = "*";
    // PREFECT_SERVER_API_BASE_PATH as Starlette mounts it: starts with '/', no trailing '/'
    // ("" = the API at the root, when the setting is "/").
    std::string base_path = "/api";
    int default_limit = 200;  // PREFECT_SERVER_API_DEFAULT_LIMIT: default and maximum `limit` (>= 0)
};

// Builds the Options from Prefect's variables in `env`, then the flags of argv override them.
// On error, --help, --version or --print-config returns nullopt and sets *message (and
// *exit_code: 0 for help/version/print-config, 2 for a bad flag or a bad variable; the message
// is one line naming the flag or variable and never contains a secret's value).
std::optional<Options> ParseOptions(int argc, const char *const *argv, const Environment &env, std::string *message,
                                    int *exit_code);

// Flags only (an empty environment).
inline std::optional<Options> ParseOptions(int argc, const char *const *argv, std::string *message, int *exit_code) {
    return ParseOptions(argc, argv, Environment{}, message, exit_code);
}

std::string Usage();

// Every option's flag with a valid example value, in --help's order (for tests).
std::vector<std::pair<std::string, std::string>> OptionExamples();

// The variable that sets an option: PREFECT_FILTER_HTTP_POOL for --pool.
std::string OptionVariableOf(const std::string &flag);

// The server's version (--version; the Debian package's upstream version).
#define PF_HTTP_VERSION "0.5.0"

// Does a libpq connection string or URI carry a password? (The server refuses it: a command line
// is visible to every user in `ps`.)
bool ConninfoHasPassword(const std::string &conninfo);

}  // namespace pf_http
