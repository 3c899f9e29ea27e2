// Parsing of the command line over Prefect's environment (no global state; errors come back as text).
#include "http/options.hpp"

#include "http/compression.hpp"
#include "http/config.hpp"

#include <libpq-fe.h>

#include <cctype>
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

// Every option, in --help's order: the one table --help, the man page (help2man reads --help),
// the parser and the PREFECT_FILTER_HTTP_* variables are made from. `prefect` names Prefect's
// own variables for the setting, which the server also reads (config.cpp); `example` is a valid
// value (the unit tests parse every row with it).
struct OptionDoc {
    const char *flag;
    const char *metavar;  // nullptr: a switch without a value
    const char *help;     // lines after the first are indented under it
    const char *prefect;  // Prefect's variables (or nullptr)
    const char *example;
};

const OptionDoc kOptionDocs[] = {
    {"--db", "CONNINFO",
     "libpq connection string or URI, never with a password (PGPASSWORD or a password file hold it);\n"
     "several hosts (host=a,b) spread reads over standbys (doc/replicas.md)",
     "PREFECT_SERVER_DATABASE_CONNECTION_URL, or PREFECT_SERVER_DATABASE_DRIVER/HOST/PORT/USER/\n"
     "PASSWORD/NAME and PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_*; with neither, libpq's PG*",
     "dbname=prefect"},
    {"--listen", "HOST:PORT", "address to listen on (default 127.0.0.1:4200)",
     "PREFECT_SERVER_API_HOST, PREFECT_SERVER_API_PORT", "127.0.0.1:4201"},
    {"--tables-schema", "NAME", "schema of Prefect's tables, for prefect_filter.schema (default: found by itself)",
     "first schema of PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_SEARCH_PATH", "public"},
    {"--statement-timeout-ms", "MS", "statement_timeout of every query (default 30000; 0 = none)",
     "PREFECT_SERVER_DATABASE_TIMEOUT, in seconds", "10000"},
    {"--connect-timeout-s", "S", "libpq connect_timeout unless CONNINFO sets one (default 5)",
     "PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT", "3"},
    {"--csrf-protection", "BOOL", "check Prefect's CSRF token on POST (default false)",
     "PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED", "true"},
    {"--cors-allowed-origins", "LIST", "comma-separated (default *)", "PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS",
     "https://ui.example"},
    {"--cors-allowed-methods", "LIST", "comma-separated (default *)", "PREFECT_SERVER_API_CORS_ALLOWED_METHODS",
     "GET,POST"},
    {"--cors-allowed-headers", "LIST", "comma-separated (default *)", "PREFECT_SERVER_API_CORS_ALLOWED_HEADERS",
     "content-type"},
    {"--base-path", "PATH", "path the API is served under (default /api)", "PREFECT_SERVER_API_BASE_PATH", "/v2/api"},
    {"--default-limit", "N", "default and largest `limit` of a body (default 200)", "PREFECT_SERVER_API_DEFAULT_LIMIT",
     "100"},
    {"--keep-alive-timeout-s", "S", "idle keep-alive connections are closed after S (default 5)",
     "PREFECT_SERVER_API_KEEPALIVE_TIMEOUT", "7"},
    {"--pool", "N", "PostgreSQL connections (default 8)", nullptr, "4"},
    {"--pool-wait-ms", "MS", "wait for a free connection before answering 503 (default 2000)", nullptr, "500"},
    {"--max-body-bytes", "N", "largest request body; larger ones get 413 (default 4194304)", nullptr, "1048576"},
    {"--max-header-bytes", "N", "request line and headers; more gets 431 (default 32768)", nullptr, "16384"},
    {"--request-timeout-s", "S", "a request (headers and body) must arrive within S, else 408 (default 10)", nullptr,
     "20"},
    {"--keep-alive-max", "N", "requests per connection (default 1000)", nullptr, "100"},
    {"--write-timeout-s", "S", "an answer must be written within S, else the connection closes (default 10)", nullptr,
     "20"},
    {"--max-connections", "N", "open client connections; beyond, accepting pauses (default 10000)", nullptr, "5000"},
    {"--shutdown-timeout-s", "S", "SIGTERM: longest wait for requests in flight (default 10)", nullptr, "3"},
    {"--threads", "N", "worker threads for large bodies and compression (default 2)", nullptr, "4"},
    {"--gzip-level", "N", "libdeflate level of gzip answers, 1-12 (default 6; bench/results/compression.md)", nullptr,
     "1"},
    {"--encodings", "LIST",
     "Content-Encodings to answer with when the request accepts them, in this order of preference:\n"
     "zstd,br,gzip (the default); gzip alone answers exactly as Prefect's GZipMiddleware; \"\" none",
     nullptr, "gzip"},
    {"--compression-cache-mb", "N",
     "compressed answers kept for reuse, keyed by the answer's own bytes (so never stale): at most\n"
     "N MiB, least recently used dropped first (default 16; 0 = off; at most 65536)",
     nullptr, "64"},
    {"--datetime-parsing", "P",
     "how datetime strings are read, as the Prefect server beside us: pendulum (Python <= 3.12,\n"
     "Prefect's official image; the default) or pydantic (Python >= 3.13)",
     nullptr, "pydantic"},
    {"--schema", "NAME", "schema of the extension's functions (default prefect)", nullptr, "prefect"},
    {"--metrics-listen", "HOST:PORT",
     "serve Prometheus metrics (GET /metrics) on this address, apart from the API (default: off)", nullptr,
     "127.0.0.1:9464"},
    {"--access-log", nullptr, "log one JSON object per answered request to stderr (default off)", nullptr, "true"},
    {"--trusted-proxy", "ADDR[,ADDR]",
     "peers whose X-Forwarded-For gives the client's address in the access log (e.g. 127.0.0.1\n"
     "for a local nginx)",
     nullptr, "127.0.0.1"},
};

// PREFECT_FILTER_HTTP_ + the flag's name in capitals, '-' as '_': --pool-wait-ms ->
// PREFECT_FILTER_HTTP_POOL_WAIT_MS.
std::string OptionVariable(const char *flag) {
    std::string name = "PREFECT_FILTER_HTTP_";
    for (const char *c = flag + 2; *c; ++c) name += *c == '-' ? '_' : static_cast<char>(std::toupper(*c));
    return name;
}

void AppendIndented(std::string *out, const std::string &text, const char *first_prefix) {
    size_t start = 0;
    bool first = true;
    for (;;) {
        size_t nl = text.find('\n', start);
        *out += (first ? first_prefix : "                              ") +
                text.substr(start, nl == std::string::npos ? std::string::npos : nl - start) + "\n";
        first = false;
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
}

}  // namespace

std::string Usage() {
    std::string out =
        "usage: prefect-filter-http [--db CONNINFO] [--listen HOST:PORT] [--pool N] [options]\n"
        "\n"
        "Serves Prefect's POST /api/deployments/filter, /count, /paginate and GET /api/health, /api/ready\n"
        "from the prefect_filter PostgreSQL extension, with Prefect's auth, CSRF and CORS rules.\n"
        "\n"
        "Every option can also be set by its variable (env ...); Prefect's own variables (Prefect ...)\n"
        "are read as Prefect's server reads them. A flag overrides its variable, which overrides\n"
        "Prefect's. Basic auth \"user:password\" comes only from PREFECT_SERVER_API_AUTH_STRING: a secret\n"
        "never goes on the command line.\n"
        "\n"
        "Options:\n";
    for (const OptionDoc &d : kOptionDocs) {
        std::string head = std::string("  ") + d.flag + (d.metavar ? std::string(" ") + d.metavar : "");
        if (head.size() < 30)
            head.resize(30, ' ');
        else
            head += "\n                              ";
        AppendIndented(&out, d.help, head.c_str());
        AppendIndented(&out, "env " + OptionVariable(d.flag) + (d.metavar ? "" : "=true"),
                       "                              ");
        if (d.prefect) AppendIndented(&out, std::string("Prefect ") + d.prefect, "                              ");
    }
    out +=
        "  --print-config              print the effective settings and where each came from\n"
        "                              (secrets masked), then exit\n"
        "  --help                      this text\n"
        "  --version                   the version\n";
    return out;
}

std::vector<std::pair<std::string, std::string>> OptionExamples() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const OptionDoc &d : kOptionDocs) out.emplace_back(d.flag, d.example);
    return out;
}

std::string OptionVariableOf(const std::string &flag) {
    return OptionVariable(flag.c_str());
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
        {"--gzip-level", {{"gzip_level"}, number(1, 12, &o.gzip_level)}},
        {"--encodings",
         {{"encodings"},
          [&](const std::string &v) {
              EncodingSet set = 0;
              o.encodings = v;
              return ParseEncodingSet(v, &set);
          }}},
        {"--compression-cache-mb", {{"compression_cache_mb"}, number(0, 65536, &o.compression_cache_mb)}},
        {"--metrics-listen",
         {{"metrics.host", "metrics.port"},
          [&](const std::string &v) { return ParseListen(v, &o.metrics_host, &o.metrics_port); }}},
        {"--access-log", {{"access_log"}, [&](const std::string &v) { return PydanticBool(v, &o.access_log); }}},
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
    // Every flag has its row in kOptionDocs (--help), and every row its flag.
    for (const OptionDoc &d : kOptionDocs) {
        if (!with_value.count(d.flag)) {
            *message = std::string("internal error: option ") + d.flag + " is documented but not parsed\n";
            *exit_code = 2;
            return std::nullopt;
        }
    }
    if (with_value.size() != sizeof kOptionDocs / sizeof *kOptionDocs) {
        *message = "internal error: an option is parsed but not documented\n";
        *exit_code = 2;
        return std::nullopt;
    }
    // What sets an option, in order: its PREFECT_FILTER_HTTP_* variable, then the command line.
    struct Assignment {
        std::string flag, value, source;
        bool has_value;
    };
    std::vector<Assignment> assignments;
    for (const OptionDoc &d : kOptionDocs) {
        const std::string variable = OptionVariable(d.flag);
        auto v = env.find(variable);
        if (v != env.end()) assignments.push_back({d.flag, v->second, variable, true});
    }
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
            *message = "prefect-filter-http " PF_HTTP_VERSION "\n";
            *exit_code = 0;
            return std::nullopt;
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
        if (arg == "--access-log" && !has_inline_value) {  // a switch
            assignments.push_back({arg, "true", arg, true});
            continue;
        }
        if (!with_value.count(arg)) {
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
        assignments.push_back({arg, value, arg, true});
    }
    for (const Assignment &a : assignments) {
        const Flag &flag = with_value.at(a.flag);
        if (!flag.set(a.value)) {
            // A variable may hold a secret (a conninfo with a password): name it, never echo it.
            *message = a.source == a.flag ? "invalid value for " + a.flag + ": " + a.value + "\n"
                                          : "invalid value in " + a.source + "\n";
            *exit_code = 2;
            return std::nullopt;
        }
        for (const std::string &key : flag.keys) {
            overridden.insert(key);
            sources.by_key[key] = a.source;
        }
    }
    if (ConninfoHasPassword(o.db)) {
        *message =
            "--db (and PREFECT_FILTER_HTTP_DB) must not contain a password (a command line is visible to every "
            "user); give it in "
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
