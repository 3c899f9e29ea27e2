// Parsing of the command line over Prefect's environment (no global state; errors come back as text).
#include "http/options.hpp"

#include "http/config.hpp"

#include <libpq-fe.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <vector>

namespace pf_http {

namespace {

bool ParseLong(const std::string &s, long min, long max, long *out) {
    if (s.empty()) return false;
    errno = 0;
    char *end = nullptr;
    long v = std::strtol(s.c_str(), &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) return false;
    *out = v;
    return true;
}

bool ParseListen(const std::string &s, std::string *host, int *port) {
    size_t colon = s.rfind(':');
    if (colon == std::string::npos) return false;
    std::string h = s.substr(0, colon);
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);  // [::1]:4200
    long p = 0;
    if (h.empty() || !ParseLong(s.substr(colon + 1), 0, 65535, &p)) return false;
    *host = h;
    *port = static_cast<int>(p);
    return true;
}

}  // namespace

std::string Usage() {
    return "usage: prefect-filter-http [--db CONNINFO] [--listen HOST:PORT] [--pool N] [options]\n"
           "\n"
           "Serves Prefect's POST /api/deployments/filter, /count, /paginate and GET /api/health\n"
           "from the prefect_filter PostgreSQL extension. Prefect's settings are read from the same\n"
           "environment variables as Prefect's server (in brackets); a flag overrides its variable.\n"
           "\n"
           "  --db CONNINFO             libpq connection string or URI without a password; replaces the\n"
           "                            database variables [PREFECT_SERVER_DATABASE_CONNECTION_URL or\n"
           "                            PREFECT_SERVER_DATABASE_DRIVER/HOST/PORT/USER/PASSWORD/NAME,\n"
           "                            PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_*]; with neither:\n"
           "                            libpq's PG* environment (PGPASSWORD, ~/.pgpass for the password)\n"
           "  --listen HOST:PORT        address to listen on (default 127.0.0.1:4200)\n"
           "                            [PREFECT_SERVER_API_HOST, PREFECT_SERVER_API_PORT]\n"
           "  --tables-schema NAME      schema of Prefect's tables, for prefect_filter.schema\n"
           "                            [first schema of PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_SEARCH_PATH]\n"
           "  --statement-timeout-ms MS statement_timeout of every query (default 30000)\n"
           "                            [PREFECT_SERVER_DATABASE_TIMEOUT, seconds]\n"
           "  --connect-timeout-s S     libpq connect_timeout unless CONNINFO sets one (default 5)\n"
           "                            [PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT]\n"
           "  --csrf-protection BOOL    check Prefect's CSRF token on POST (default false)\n"
           "                            [PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED]\n"
           "  --cors-allowed-origins S  comma-separated (default *) [PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS]\n"
           "  --cors-allowed-methods S  comma-separated (default *) [PREFECT_SERVER_API_CORS_ALLOWED_METHODS]\n"
           "  --cors-allowed-headers S  comma-separated (default *) [PREFECT_SERVER_API_CORS_ALLOWED_HEADERS]\n"
           "  --base-path PATH          path the API is served under (default /api) [PREFECT_SERVER_API_BASE_PATH]\n"
           "  --default-limit N         default and largest `limit` (default 200) [PREFECT_SERVER_API_DEFAULT_LIMIT]\n"
           "  --keep-alive-timeout-s S  idle keep-alive connections are closed after S (default 5)\n"
           "                            [PREFECT_SERVER_API_KEEPALIVE_TIMEOUT]\n"
           "  (no flag)                 Basic auth \"user:password\" [PREFECT_SERVER_API_AUTH_STRING];\n"
           "                            a secret never goes on the command line\n"
           "  --pool N                  PostgreSQL connections (default 8)\n"
           "  --pool-wait-ms MS         wait for a free connection before answering 503 (default 2000)\n"
           "  --max-body-bytes N        largest request body; larger ones get 413 (default 4194304)\n"
           "  --max-header-bytes N      request line and headers; more gets 431 (default 32768)\n"
           "  --request-timeout-s S     a request (headers and body) must arrive within S, else 408 (default 10)\n"
           "  --keep-alive-max N        requests per connection (default 1000)\n"
           "  --write-timeout-s S       an answer must be written within S, else close (default 10)\n"
           "  --max-connections N       open client connections; beyond, accepting pauses (default 10000)\n"
           "  --shutdown-timeout-s S    SIGTERM: longest wait for requests in flight (default 10)\n"
           "  --threads N               worker threads for large bodies and gzip (default 2)\n"
           "  --gzip-level N            zlib level of gzip answers, 1-9 (default 6; Prefect uses 9)\n"
           "  --datetime-parsing P      how datetime strings are read, as the Prefect server beside us:\n"
           "                            pendulum (Python <= 3.12, Prefect's image; default) or pydantic\n"
           "  --schema NAME             schema of the extension's functions (default prefect)\n"
           "  --access-log              log one JSON object per answered request to stderr\n"
           "  --trusted-proxy ADDR[,..] peers whose X-Forwarded-For gives the client's address in the\n"
           "                            access log (e.g. 127.0.0.1 for a local nginx)\n"
           "  --print-config            print the effective settings and where each came from\n"
           "                            (secrets masked), then exit\n"
           "  --help, --version\n";
}

bool ConninfoHasPassword(const std::string &conninfo) {
    if (conninfo.empty()) return false;
    char *error = nullptr;
    PQconninfoOption *options = PQconninfoParse(conninfo.c_str(), &error);
    if (error) PQfreemem(error);
    if (options == nullptr) return false;  // unparseable: libpq will say so when connecting
    bool found = false;
    for (PQconninfoOption *o = options; o->keyword != nullptr; ++o)
        if (std::string(o->keyword) == "password" && o->val != nullptr && o->val[0] != '\0') found = true;
    PQconninfoFree(options);
    return found;
}

std::optional<Options> ParseOptions(int argc, const char *const *argv, const Environment &env, std::string *message,
                                    int *exit_code) {
    Options o;
    ConfigSources sources;
    std::set<std::string> overridden;  // settings a flag sets: their variables are not read
    auto number = [](long min, long max, auto *field) {
        return [min, max, field](const std::string &v) {
            long n = 0;
            if (!ParseLong(v, min, max, &n)) return false;
            *field = static_cast<std::remove_pointer_t<decltype(field)>>(n);
            return true;
        };
    };
    auto text = [](std::string *field, bool allow_empty) {
        return [field, allow_empty](const std::string &v) {
            *field = v;
            return allow_empty || !v.empty();
        };
    };
    struct Flag {
        std::vector<std::string> keys;  // --print-config names
        std::function<bool(const std::string &)> set;
    };
    const std::map<std::string, Flag> with_value = {
        {"--db", {{"database"}, text(&o.db, true)}},
        {"--listen",
         {{"listen.host", "listen.port"}, [&](const std::string &v) { return ParseListen(v, &o.host, &o.port); }}},
        {"--pool", {{"pool"}, number(1, 1000, &o.pool)}},
        {"--threads", {{"threads"}, number(1, 64, &o.threads)}},
        {"--pool-wait-ms", {{"pool_wait_ms"}, number(0, 3600000, &o.pool_wait_ms)}},
        {"--statement-timeout-ms", {{"statement_timeout_ms"}, number(0, 86400000, &o.statement_timeout_ms)}},
        {"--connect-timeout-s", {{"connect_timeout_s"}, number(1, 3600, &o.connect_timeout_s)}},
        {"--max-body-bytes", {{"max_body_bytes"}, number(1, 1L << 30, &o.max_body_bytes)}},
        {"--max-header-bytes", {{"max_header_bytes"}, number(1024, 1L << 20, &o.max_header_bytes)}},
        {"--request-timeout-s", {{"request_timeout_s"}, number(1, 3600, &o.request_timeout_s)}},
        {"--max-connections", {{"max_connections"}, number(1, 1000000, &o.max_connections)}},
        {"--shutdown-timeout-s", {{"shutdown_timeout_s"}, number(0, 3600, &o.shutdown_timeout_s)}},
        {"--write-timeout-s", {{"write_timeout_s"}, number(1, 3600, &o.write_timeout_s)}},
        {"--keep-alive-timeout-s", {{"keep_alive_timeout_s"}, number(1, 3600, &o.keep_alive_timeout_s)}},
        {"--keep-alive-max", {{"keep_alive_max"}, number(1, 1000000, &o.keep_alive_max)}},
        {"--gzip-level", {{"gzip_level"}, number(1, 9, &o.gzip_level)}},
        {"--datetime-parsing",
         {{"datetime_parsing"},
          [&](const std::string &v) {
              o.datetime_parsing = v;
              return v == "pendulum" || v == "pydantic";
          }}},
        {"--schema", {{"schema"}, text(&o.schema, false)}},
        {"--tables-schema", {{"tables_schema"}, text(&o.tables_schema, true)}},
        {"--csrf-protection",
         {{"csrf_protection_enabled"},
          [&](const std::string &v) { return PydanticBool(v, &o.csrf_protection_enabled); }}},
        {"--cors-allowed-origins", {{"cors_allowed_origins"}, text(&o.cors_allowed_origins, true)}},
        {"--cors-allowed-methods", {{"cors_allowed_methods"}, text(&o.cors_allowed_methods, true)}},
        {"--cors-allowed-headers", {{"cors_allowed_headers"}, text(&o.cors_allowed_headers, true)}},
        {"--base-path", {{"base_path"}, [&](const std::string &v) { return NormalizeBasePath(v, &o.base_path); }}},
        {"--default-limit", {{"default_limit"}, number(0, INT_MAX, &o.default_limit)}},
        {"--trusted-proxy",
         {{"trusted_proxies"},
          [&](const std::string &v) {  // comma-separated peer addresses; repeatable
              size_t start = 0;
              for (;;) {
                  size_t comma = v.find(',', start);
                  std::string one = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                  if (one.empty()) return false;
                  o.trusted_proxies.push_back(one);
                  if (comma == std::string::npos) return true;
                  start = comma + 1;
              }
          }}},
    };
    bool print_config = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        std::string value;
        bool has_inline_value = false;
        if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            has_inline_value = true;
        }
        if (arg == "--help" || arg == "-h") {
            *message = Usage();
            *exit_code = 0;
            return std::nullopt;
        }
        if (arg == "--version") {
            *message = "prefect-filter-http 0.1.0\n";
            *exit_code = 0;
            return std::nullopt;
        }
        if (arg == "--access-log") {
            o.access_log = true;
            sources.by_key["access_log"] = arg;
            continue;
        }
        if (arg == "--print-config") {
            print_config = true;
            continue;
        }
        if (arg == "--auth-string") {  // the value is not echoed
            *message =
                "there is no --auth-string: a secret never goes on the command line (every user sees it in "
                "ps); set PREFECT_SERVER_API_AUTH_STRING in the environment\n";
            *exit_code = 2;
            return std::nullopt;
        }
        auto it = with_value.find(arg);
        if (it == with_value.end()) {
            *message = "unknown option " + arg + "\n" + Usage();
            *exit_code = 2;
            return std::nullopt;
        }
        if (!has_inline_value) {
            if (i + 1 >= argc) {
                *message = "option " + arg + " needs a value\n";
                *exit_code = 2;
                return std::nullopt;
            }
            value = argv[++i];
        }
        if (!it->second.set(value)) {
            *message = "invalid value for " + arg + ": " + value + "\n";
            *exit_code = 2;
            return std::nullopt;
        }
        for (const std::string &key : it->second.keys) {
            overridden.insert(key);
            sources.by_key[key] = arg;
        }
    }
    if (ConninfoHasPassword(o.db)) {
        *message =
            "--db must not contain a password (a command line is visible to every user); give it in "
            "PGPASSWORD or a password file (~/.pgpass, PGPASSFILE, passfile=...), or leave --db out and use "
            "Prefect's PREFECT_SERVER_DATABASE_* variables\n";
        *exit_code = 2;
        return std::nullopt;
    }
    std::string error;
    if (!ApplyPrefectEnvironment(env, overridden, &o, &sources, &error)) {
        *message = error;
        *exit_code = 2;
        return std::nullopt;
    }
    if (print_config) {
        *message = PrintConfig(o, sources);
        *exit_code = 0;
        return std::nullopt;
    }
    return o;
}

}  // namespace pf_http
