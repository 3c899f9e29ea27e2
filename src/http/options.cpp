// Parsing of the command line (no global state; errors come back as text).
#include "http/options.hpp"

#include <libpq-fe.h>

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <map>

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
           "from the prefect_filter PostgreSQL extension.\n"
           "\n"
           "  --db CONNINFO             libpq connection string or URI without a password (default: PG*\n"
           "                            environment); passwords come from PGPASSWORD or a passfile\n"
           "  --listen HOST:PORT        address to listen on (default 127.0.0.1:4200)\n"
           "  --pool N                  PostgreSQL connections (default 8)\n"
           "  --pool-wait-ms MS         wait for a free connection before answering 503 (default 2000)\n"
           "  --statement-timeout-ms MS statement_timeout of every query (default 30000)\n"
           "  --connect-timeout-s S     libpq connect_timeout unless CONNINFO sets one (default 5)\n"
           "  --max-body-bytes N        largest request body; larger ones get 413 (default 4194304)\n"
           "  --max-header-bytes N      request line and headers; more gets 431 (default 32768)\n"
           "  --request-timeout-s S     a request (headers and body) must arrive within S, else 408 (default 10)\n"
           "  --keep-alive-timeout-s S  idle keep-alive connections are closed after S (default 5)\n"
           "  --keep-alive-max N        requests per connection (default 1000)\n"
           "  --write-timeout-s S       an answer must be written within S, else close (default 10)\n"
           "  --max-connections N       open client connections; beyond, accepting pauses (default 10000)\n"
           "  --shutdown-timeout-s S    SIGTERM: longest wait for requests in flight (default 10)\n"
           "  --threads N               worker threads for large bodies and gzip (default 2)\n"
           "  --gzip-level N            zlib level of gzip answers, 1-9 (default 6; Prefect uses 9)\n"
           "  --schema NAME             schema of the extension's functions (default prefect)\n"
           "  --access-log              log one line per request to stderr\n"
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

std::optional<Options> ParseOptions(int argc, const char *const *argv, std::string *message, int *exit_code) {
    Options o;
    auto number = [](long min, long max, auto *field) {
        return [min, max, field](const std::string &v) {
            long n = 0;
            if (!ParseLong(v, min, max, &n)) return false;
            *field = static_cast<std::remove_pointer_t<decltype(field)>>(n);
            return true;
        };
    };
    const std::map<std::string, std::function<bool(const std::string &)>> with_value = {
        {"--db",
         [&](const std::string &v) {
             o.db = v;
             return true;
         }},
        {"--listen", [&](const std::string &v) { return ParseListen(v, &o.host, &o.port); }},
        {"--pool", number(1, 1000, &o.pool)},
        {"--threads", number(1, 64, &o.threads)},
        {"--pool-wait-ms", number(0, 3600000, &o.pool_wait_ms)},
        {"--statement-timeout-ms", number(0, 86400000, &o.statement_timeout_ms)},
        {"--connect-timeout-s", number(1, 3600, &o.connect_timeout_s)},
        {"--max-body-bytes", number(1, 1L << 30, &o.max_body_bytes)},
        {"--max-header-bytes", number(1024, 1L << 20, &o.max_header_bytes)},
        {"--request-timeout-s", number(1, 3600, &o.request_timeout_s)},
        {"--max-connections", number(1, 1000000, &o.max_connections)},
        {"--shutdown-timeout-s", number(0, 3600, &o.shutdown_timeout_s)},
        {"--write-timeout-s", number(1, 3600, &o.write_timeout_s)},
        {"--keep-alive-timeout-s", number(1, 3600, &o.keep_alive_timeout_s)},
        {"--keep-alive-max", number(1, 1000000, &o.keep_alive_max)},
        {"--gzip-level", number(1, 9, &o.gzip_level)},
        {"--schema",
         [&](const std::string &v) {
             o.schema = v;
             return !v.empty();
         }},
    };
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
            continue;
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
        if (!it->second(value)) {
            *message = "invalid value for " + arg + ": " + value + "\n";
            *exit_code = 2;
            return std::nullopt;
        }
    }
    if (ConninfoHasPassword(o.db)) {
        *message = "--db must not contain a password (a command line is visible to every user);\n"
                   "give it in PGPASSWORD or a password file (~/.pgpass, PGPASSFILE, passfile=...)\n";
        *exit_code = 2;
        return std::nullopt;
    }
    return o;
}

}  // namespace pf_http
