// Prefect's environment -> Options. References (Prefect 3, pydantic-settings 2, pydantic-core,
// SQLAlchemy 2, asyncpg 0.31):
//   prefect/settings/models/server/{database,api}.py   the settings, their aliases and types
//   prefect/settings/models/root.py, _defaults.py      URL from the split settings, ${..PASSWORD}
//   prefect/server/database/configurations.py          the asyncpg connect arguments, TLS context
//   pydantic_settings EnvSettingsSource.get_field_value the first AliasChoices entry set wins;
//                                                      names are case-insensitive
//   sqlalchemy/engine/url.py _parse_url                the URL grammar
//   sqlalchemy/dialects/postgresql/asyncpg.py          create_connect_args: the URL's query
//                                                      parameters become asyncpg.connect() kwargs
//   asyncpg/connect_utils.py                           what asyncpg does with them
#include "http/config.hpp"

#include "http/http_message.hpp"

#include <libpq-fe.h>

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <sstream>

extern char **environ;

namespace pf_http {

Environment CurrentEnvironment() {
    Environment env;
    for (char **e = environ; e != nullptr && *e != nullptr; ++e) {
        const char *eq = std::strchr(*e, '=');
        if (eq == nullptr) continue;
        env[std::string(*e, static_cast<size_t>(eq - *e))] = std::string(eq + 1);
    }
    return env;
}

namespace {

std::string Lower(std::string_view s) {
    std::string out(s);
    for (char &c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool IsSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string_view Trim(std::string_view s) {
    while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
    while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
    return s;
}

bool IsDigit(char c) {
    return c >= '0' && c <= '9';
}

// A value for an error line: quoted, control characters escaped, at most 80 characters.
std::string Shown(std::string_view v) {
    std::string out = "'";
    size_t n = 0;
    for (char c : v) {
        if (++n > 80) {
            out += "...";
            break;
        }
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            static const char *hex = "0123456789abcdef";
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += c;
        }
    }
    return out + "'";
}

// --- pydantic-core's lax str parsing (src/input/shared.rs) ---

// jiter's NumberInt::try_from: a JSON integer.
bool JsonInt(std::string_view s, long long *out) {
    std::string_view d = s;
    bool negative = false;
    if (!d.empty() && d.front() == '-') {
        negative = true;
        d.remove_prefix(1);
    }
    if (d.empty() || !std::all_of(d.begin(), d.end(), IsDigit)) return false;
    if (d.size() > 1 && d.front() == '0') return false;
    unsigned long long v = 0;
    for (char c : d) {
        unsigned digit = static_cast<unsigned>(c - '0');
        if (v > (static_cast<unsigned long long>(LLONG_MAX) + 1 - digit) / 10) return false;
        v = v * 10 + digit;
    }
    if (!negative && v > static_cast<unsigned long long>(LLONG_MAX)) return false;
    *out = negative ? static_cast<long long>(0 - v) : static_cast<long long>(v);
    return true;
}

std::optional<std::string> StripUnderscores(std::string_view s) {
    if (s.empty() || s.front() == '_' || s.back() == '_' || s.find('_') == std::string_view::npos ||
        s.find("__") != std::string_view::npos)
        return std::nullopt;
    std::string out;
    for (char c : s)
        if (c != '_') out += c;
    return out;
}

std::optional<std::string_view> StripLeadingZeros(std::string_view s) {
    if (s.empty()) return std::nullopt;
    if (s[0] != '0') {
        if ((s[0] >= '1' && s[0] <= '9') || s[0] == '-') return s;
        return std::nullopt;
    }
    for (size_t i = 1; i < s.size(); ++i) {
        char c = s[i];
        if (c == '0' || c == '_') continue;
        if ((c >= '1' && c <= '9') || c == '-') return s.substr(i);
        if (c == '.') return s.substr(i - 1);
        return std::nullopt;
    }
    return s.substr(s.size() - 1);
}

std::optional<std::string> CleanIntStr(std::string_view s) {
    const size_t len_before = s.size();
    s = Trim(s);
    if (!s.empty() && s.front() == '+') {
        if (s.size() > 1 && s[1] == '-') return std::nullopt;
        s.remove_prefix(1);
    }
    bool negative = false;
    if (!s.empty() && s.front() == '-') {
        if (s.size() > 1 && (s[1] == '-' || s[1] == '+')) return std::nullopt;
        negative = true;
        s.remove_prefix(1);
    }
    auto z = StripLeadingZeros(s);
    if (!z) return std::nullopt;
    s = *z;
    if (size_t i = s.find('.'); i != std::string_view::npos) {
        std::string_view decimals = s.substr(i + 1);
        if (!decimals.empty() && std::all_of(decimals.begin(), decimals.end(), [](char c) { return c == '0'; }))
            s = s.substr(0, i);
    }
    if (auto stripped = StripUnderscores(s)) return (negative ? "-" : "") + *stripped;
    if (len_before == s.size()) return std::nullopt;
    return (negative ? "-" : "") + std::string(s);
}

// Rust's f64::from_str grammar.
bool RustF64(std::string_view s, double *out) {
    std::string_view body = s;
    if (!body.empty() && (body.front() == '+' || body.front() == '-')) body.remove_prefix(1);
    const std::string lower = Lower(body);
    bool ok = lower == "inf" || lower == "infinity" || lower == "nan";
    if (!ok) {
        size_t i = 0, digits = 0;
        while (i < body.size() && IsDigit(body[i])) ++i, ++digits;
        if (i < body.size() && body[i] == '.') {
            ++i;
            while (i < body.size() && IsDigit(body[i])) ++i, ++digits;
        }
        if (digits == 0) return false;
        if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
            ++i;
            if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
            size_t exp_digits = 0;
            while (i < body.size() && IsDigit(body[i])) ++i, ++exp_digits;
            if (exp_digits == 0) return false;
        }
        ok = i == body.size();
    }
    if (!ok) return false;
    const std::string text(s);
    *out = std::strtod(text.c_str(), nullptr);  // the "C" locale: main never calls setlocale
    return true;
}

// Python's int(str) in base 10 (what SQLAlchemy applies to a URL's port).
bool PythonInt(std::string_view s, long long *out) {
    s = Trim(s);
    bool negative = false;
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s.empty() || !IsDigit(s.front()) || !IsDigit(s.back()) || s.find("__") != std::string_view::npos) return false;
    std::string digits;
    for (char c : s) {
        if (c == '_') continue;
        if (!IsDigit(c)) return false;
        digits += c;
    }
    digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
    return JsonInt((negative ? "-" : "") + digits, out);
}

// --- Python's urllib.parse.quote(text, safe=...) ---
std::string Quote(std::string_view s, std::string_view safe) {
    static const char *hex = "0123456789ABCDEF";
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        bool keep = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || IsDigit(c) || c == '_' || c == '.' ||
                    c == '-' || c == '~' || safe.find(c) != std::string_view::npos;
        if (keep) {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

std::string QuotePlus(std::string_view s) {  // quote_plus(s): safe="", ' ' -> '+'
    std::string q = Quote(s, " ");
    std::replace(q.begin(), q.end(), ' ', '+');
    return q;
}

}  // namespace

bool PydanticBool(std::string_view s, bool *out) {
    const std::string l = Lower(s);
    if (s == "0" || l == "f" || l == "n" || l == "no" || l == "off" || l == "false") {
        *out = false;
        return true;
    }
    if (s == "1" || l == "t" || l == "y" || l == "on" || l == "yes" || l == "true") {
        *out = true;
        return true;
    }
    return false;
}

bool PydanticInt(std::string_view s, long long *out) {
    if (JsonInt(s, out)) return true;
    auto cleaned = CleanIntStr(s);
    return cleaned && JsonInt(*cleaned, out);
}

bool PydanticFloat(std::string_view s, double *out) {
    if (RustF64(Trim(s), out)) return true;
    auto stripped = StripUnderscores(s);
    return stripped && RustF64(*stripped, out);
}

bool ParseSqlaUrl(const std::string &url, SqlaUrl *out) {
    // sqlalchemy.engine.url._parse_url's pattern, matched at the start like re.match:
    //   (?P<name>[\w\+]+)://
    //   (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    //   (?:(?:\[(?P<ipv6host>[^/\?]+)\]|(?P<ipv4host>[^/:\?]+))?(?::(?P<port>[^/\?]*))?)?
    //   (?:/(?P<database>[^\?]*))?
    //   (?:\?(?P<query>.*))?
    // Written out by hand (same greedy, backtracking choices; no <regex>). Everything after the
    // user information is optional and unanchored, so it cannot fail and the first successful
    // choice of each part is the match.
    const size_t n = url.size();
    auto run = [&](size_t from, const char *stop) {  // end of the longest run of chars not in `stop`
        size_t k = from;
        while (k < n && std::strchr(stop, url[k]) == nullptr) ++k;
        return k;
    };
    size_t pos = 0;
    while (pos < n && (std::isalnum(static_cast<unsigned char>(url[pos])) || url[pos] == '_' || url[pos] == '+')) ++pos;
    if (pos == 0 || url.compare(pos, 3, "://") != 0) return false;
    SqlaUrl u;
    u.drivername = url.substr(0, pos);
    pos += 3;

    // User information: the longest username first; with a password only when the run stops
    // at ':' and an '@' follows; else the longest username followed by '@'.
    const size_t user_end = run(pos, ":/");
    for (size_t end = user_end + 1; end-- > pos;) {
        if (end == user_end && end < n && url[end] == ':') {
            size_t at = url.find('@', end + 1);
            if (at != std::string::npos) {
                u.has_username = u.has_password = true;
                u.username = PercentDecode(std::string_view(url).substr(pos, end - pos));
                u.password = PercentDecode(std::string_view(url).substr(end + 1, at - end - 1));
                pos = at + 1;
                break;
            }
        }
        if (end < n && url[end] == '@') {
            u.has_username = true;
            u.username = PercentDecode(std::string_view(url).substr(pos, end - pos));
            pos = end + 1;
            break;
        }
    }

    // Host: "[" + the longest [^/?]+ that ends before a ']' + "]", else [^/:?]+.
    bool host_done = false;
    if (pos < n && url[pos] == '[') {
        const size_t end = run(pos + 1, "/?");
        for (size_t close = end; close-- > pos + 2;)
            if (url[close] == ']') {
                u.has_host = true;
                u.host = url.substr(pos + 1, close - pos - 1);
                pos = close + 1;
                host_done = true;
                break;
            }
    }
    if (!host_done) {
        const size_t end = run(pos, "/:?");
        if (end > pos) {
            u.has_host = true;
            u.host = url.substr(pos, end - pos);
            pos = end;
        }
    }
    if (pos < n && url[pos] == ':') {
        const size_t end = run(pos + 1, "/?");
        u.port = url.substr(pos + 1, end - pos - 1);
        pos = end;
    }
    if (pos < n && url[pos] == '/') {
        const size_t end = run(pos + 1, "?");
        u.has_database = true;
        u.database = PercentDecode(std::string_view(url).substr(pos + 1, end - pos - 1));
        pos = end;
    }
    if (pos < n && url[pos] == '?') {
        // urllib.parse.parse_qsl(query): '&'-separated; pairs without '=' or with an empty value
        // are dropped (keep_blank_values=False).
        const std::string q = url.substr(pos + 1, run(pos + 1, "\n") - pos - 1);  // `.` stops at a newline
        size_t start = 0;
        while (start <= q.size()) {
            size_t amp = q.find('&', start);
            if (amp == std::string::npos) amp = q.size();
            std::string_view pair(q.data() + start, amp - start);
            size_t eq = pair.find('=');
            if (eq != std::string_view::npos && eq + 1 < pair.size())
                u.query.emplace_back(PercentDecode(pair.substr(0, eq), true), PercentDecode(pair.substr(eq + 1), true));
            start = amp + 1;
        }
    }
    *out = std::move(u);
    return true;
}

bool NormalizeBasePath(const std::string &value, std::string *out) {
    if (value.empty()) {  // `if PREFECT_SERVER_API_BASE_PATH:` is false: Prefect mounts "/api"
        *out = "/api";
        return true;
    }
    if (value.front() != '/') return false;
    std::string v = value;
    while (!v.empty() && v.back() == '/') v.pop_back();
    *out = v;
    return true;
}

bool FirstSearchPathSchema(const std::string &search_path, std::string *schema, bool *skipped_user) {
    // PostgreSQL's SplitIdentifierString(raw, ',', ...).
    std::vector<std::string> names;
    size_t i = 0;
    const size_t n = search_path.size();
    auto space = [&](size_t k) { return k < n && IsSpace(search_path[k]); };
    while (space(i)) ++i;
    if (i == n) return false;  // an empty list names no schema
    for (;;) {
        std::string name;
        if (search_path[i] == '"') {
            ++i;
            for (;;) {
                if (i >= n) return false;  // unterminated quotes
                if (search_path[i] == '"') {
                    if (i + 1 < n && search_path[i + 1] == '"') {
                        name += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                name += search_path[i++];
            }
            if (name.empty()) return false;  // "" is a zero-length identifier
        } else {
            while (i < n && search_path[i] != ',' && !IsSpace(search_path[i])) name += search_path[i++];
            if (name.empty()) return false;
            name = Lower(name);  // unquoted names are case-folded
        }
        if (name.size() > 63) name.resize(63);  // NAMEDATALEN - 1
        names.push_back(name);
        while (space(i)) ++i;
        if (i == n) break;
        if (search_path[i] != ',') return false;
        ++i;
        while (space(i)) ++i;
        if (i == n) return false;  // a trailing comma
    }
    *skipped_user = false;
    for (const std::string &name : names) {
        if (name == "$user") {
            *skipped_user = true;
            continue;
        }
        *schema = name;
        return true;
    }
    return false;
}

namespace {

// --- The environment, as pydantic-settings reads it ---

struct Var {
    std::string name;  // as spelled in the environment
    std::string value;
};

class Env {
public:
    explicit Env(const Environment &env) {
        for (const auto &[k, v] : env) by_lower_[Lower(k)] = Var{k, v};
    }
    // The first of `names` that is set (pydantic-settings: the first AliasChoices entry wins).
    std::optional<Var> Get(std::initializer_list<const char *> names) const {
        for (const char *name : names) {
            auto it = by_lower_.find(Lower(name));
            if (it != by_lower_.end()) return it->second;
        }
        return std::nullopt;
    }

private:
    std::map<std::string, Var> by_lower_;
};

bool Fail(std::string *error, const std::string &var, const std::string &reason) {
    *error = "environment variable " + var + ": " + reason + "\n";
    return false;
}

const std::set<std::string> &LibpqKeywords() {
    static const std::set<std::string> keywords = [] {
        std::set<std::string> k;
        if (PQconninfoOption *o = PQconndefaults()) {
            for (PQconninfoOption *p = o; p->keyword != nullptr; ++p) k.insert(p->keyword);
            PQconninfoFree(o);
        }
        return k;
    }();
    return keywords;
}

bool IsRegularFile(const std::string &path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

class DbBuilder {
public:
    void Set(const std::string &key, const std::string &value, const std::string &source) {
        for (size_t i = 0; i < params.size(); ++i)
            if (params[i].first == key) {
                params[i].second = value;
                sources[i] = source;
                return;
            }
        params.emplace_back(key, value);
        sources.push_back(source);
    }
    std::vector<std::pair<std::string, std::string>> params;
    std::vector<std::string> sources;
};

const char *const kUrlVars[] = {"PREFECT_SERVER_DATABASE_CONNECTION_URL", "PREFECT_API_DATABASE_CONNECTION_URL"};

// Prefect's database settings -> libpq keywords (sets o->db_params; nothing when Prefect has no
// PostgreSQL database configured and no split setting is set: libpq's PG* defaults then).
bool ResolveDatabase(const Env &env, Options *o, ConfigSources *sources, std::string *error) {
    const auto url_var = env.Get({kUrlVars[0], kUrlVars[1]});
    const auto driver = env.Get({"PREFECT_SERVER_DATABASE_DRIVER", "PREFECT_API_DATABASE_DRIVER"});
    const auto host = env.Get({"PREFECT_SERVER_DATABASE_HOST", "PREFECT_API_DATABASE_HOST"});
    const auto port = env.Get({"PREFECT_SERVER_DATABASE_PORT", "PREFECT_API_DATABASE_PORT"});
    const auto user = env.Get({"PREFECT_SERVER_DATABASE_USER", "PREFECT_API_DATABASE_USER"});
    const auto name = env.Get({"PREFECT_SERVER_DATABASE_NAME", "PREFECT_API_DATABASE_NAME"});
    const auto password = env.Get({"PREFECT_SERVER_DATABASE_PASSWORD", "PREFECT_API_DATABASE_PASSWORD"});
    const auto tls_enabled = env.Get({"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED"});
    const auto tls_ca = env.Get({"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CA_FILE"});
    const auto tls_cert = env.Get({"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CERT_FILE"});
    const auto tls_key = env.Get({"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_KEY_FILE"});
    const auto tls_check = env.Get({"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CHECK_HOSTNAME"});

    // pydantic validates every field when the settings load, used or not: a bad one stops Prefect.
    if (driver && driver->value != "postgresql+asyncpg" && driver->value != "sqlite+aiosqlite")
        return Fail(error, driver->name,
                    Shown(driver->value) + " is not one of 'postgresql+asyncpg', 'sqlite+aiosqlite'");
    long long port_setting = 0;
    if (port && !PydanticInt(port->value, &port_setting))
        return Fail(error, port->name, Shown(port->value) + " is not a valid integer");
    bool tls = false, check_hostname = true;
    if (tls_enabled && !PydanticBool(tls_enabled->value, &tls))
        return Fail(error, tls_enabled->name, Shown(tls_enabled->value) + " is not a valid boolean");
    if (tls_check && !PydanticBool(tls_check->value, &check_hostname))
        return Fail(error, tls_check->name, Shown(tls_check->value) + " is not a valid boolean");

    // The connection URL: the setting, else (driver postgresql+asyncpg) one rendered from the
    // split settings as SQLAlchemy's URL.render_as_string renders it, else Prefect's SQLite.
    std::string url;
    std::string url_source;
    bool from_split = false;
    if (url_var) {
        url = url_var->value;
        url_source = url_var->name;
    } else if (driver && driver->value == "postgresql+asyncpg") {
        std::vector<std::string> missing;
        if (!host) missing.push_back("PREFECT_SERVER_DATABASE_HOST");
        if (!user) missing.push_back("PREFECT_SERVER_DATABASE_USER");
        if (!name) missing.push_back("PREFECT_SERVER_DATABASE_NAME");
        if (!missing.empty()) {
            std::string list;
            for (const auto &m : missing) list += (list.empty() ? "" : ", ") + m;
            return Fail(error, driver->name, "postgresql+asyncpg without a connection URL needs " + list);
        }
        if (host->value.find_first_of("/?@") != std::string::npos)
            return Fail(error, host->name,
                        "contains '/', '?' or '@', which Prefect's rendered URL cannot carry (SQLAlchemy would read "
                        "the host as part of the database name or user); for a socket directory give "
                        "PREFECT_SERVER_DATABASE_CONNECTION_URL with ?host=/run/postgresql");
        url = "postgresql+asyncpg://" + Quote(user->value, " +");
        if (password && !password->value.empty()) url += ":" + Quote(password->value, " +");  // SecretStr("") is falsy
        url += "@";
        url += host->value.find(':') != std::string::npos ? "[" + host->value + "]" : host->value;
        url += ":" + std::to_string(port_setting != 0 ? port_setting : 5432);  // `port or 5432`
        url += "/" + Quote(name->value, " +/");
        url_source = driver->name;
        from_split = true;
    } else if (driver) {
        return Fail(error, driver->name,
                    "Prefect then keeps its data in SQLite; prefect-filter-http serves a PostgreSQL database only");
    } else {
        for (const auto &v : {host, port, user, name, password})
            if (v)
                return Fail(error, v->name,
                            "is set, but Prefect uses it only with PREFECT_SERVER_DATABASE_DRIVER=postgresql+asyncpg "
                            "(without that driver or a connection URL Prefect keeps its data in SQLite)");
        // Nothing configured: Prefect would use SQLite in PREFECT_HOME; we use libpq's defaults.
        return true;
    }
    const std::string where = url_source;  // names the variable in errors about the URL

    // Settings.post_hoc_settings: ${PREFECT_API_DATABASE_PASSWORD} / ${PREFECT_SERVER_DATABASE_
    // PASSWORD} in the URL are replaced by the password setting (as raw text).
    bool password_templated = false;
    if (url.find("PREFECT_API_DATABASE_PASSWORD") != std::string::npos ||
        url.find("PREFECT_SERVER_DATABASE_PASSWORD") != std::string::npos) {
        if (!password)
            return Fail(error, where,
                        "refers to PREFECT_SERVER_DATABASE_PASSWORD, which is not set (Prefect: \"database password "
                        "is None\")");
        // str.replace: one pass per placeholder, never into what it inserted.
        for (const char *placeholder : {"${PREFECT_API_DATABASE_PASSWORD}", "${PREFECT_SERVER_DATABASE_PASSWORD}"}) {
            const std::string p = placeholder;
            for (size_t at = url.find(p); at != std::string::npos; at = url.find(p, at + password->value.size())) {
                url.replace(at, p.size(), password->value);
                password_templated = true;
            }
        }
    } else if (url_var && password && !password->value.empty() && url.find(password->value) == std::string::npos &&
               url.find(QuotePlus(password->value)) == std::string::npos) {
        o->config_notes.push_back(password->name + " is set but the connection URL (" + url_var->name +
                                  ") does not use it; it is ignored, as Prefect ignores it");
    }

    SqlaUrl u;
    if (!ParseSqlaUrl(url, &u))
        return Fail(error, where, "not a SQLAlchemy URL (driver://user:password@host:port/database)");
    if (u.drivername != "postgresql+asyncpg") {
        const std::string dialect = u.drivername.substr(0, u.drivername.find('+'));
        std::string shown = u.drivername.size() <= 40 ? "'" + u.drivername + "'" : "this driver";
        if (dialect == "sqlite")
            return Fail(error, where,
                        "a SQLite database (" + shown + "); prefect-filter-http serves a PostgreSQL database only");
        if (dialect == "postgresql")
            return Fail(error, where,
                        "driver " + shown +
                            ": Prefect's server connects with postgresql+asyncpg only (its engine "
                            "is asynchronous and gets asyncpg's connect arguments)");
        return Fail(error, where,
                    "unsupported database " + shown + " (Prefect supports postgresql+asyncpg and sqlite+aiosqlite)");
    }

    // create_connect_args: translate_connect_args (falsy values dropped), then the query
    // parameters override them, then _split_multihost_from_url.
    const std::string src_url = url_source;
    auto src_for = [&](const char *what) -> std::string {
        if (!from_split) return src_url;
        if (std::string(what) == "host") return host->name;
        if (std::string(what) == "user") return user->name;
        if (std::string(what) == "password") return password ? password->name : src_url;
        if (std::string(what) == "dbname") return name->name;
        if (std::string(what) == "port")
            return port ? port->name : "default 5432 (Prefect's, for " + driver->name + ")";
        return src_url;
    };
    std::optional<long long> url_port;
    if (!u.port.empty()) {
        long long p = 0;
        if (!PythonInt(u.port, &p)) return Fail(error, where, "the port is not an integer");
        url_port = p;
    }
    std::map<std::string, std::vector<std::string>> query;
    std::vector<std::string> query_order;
    for (const auto &[k, v] : u.query) {
        if (!query.count(k)) query_order.push_back(k);
        query[k].push_back(v);
    }
    auto single = [&](const std::string &key, std::string *value) -> bool {
        auto it = query.find(key);
        if (it == query.end()) return false;
        *value = it->second.back();
        return true;
    };
    for (const std::string &key : query_order)
        if (key != "host" && key != "port" && query[key].size() > 1) {
            std::string k = key.size() <= 40 ? key : key.substr(0, 40) + "...";
            return Fail(error, where,
                        "query parameter '" + k + "' is given " + std::to_string(query[key].size()) +
                            " times (SQLAlchemy then hands asyncpg a list, which it does not take)");
        }

    std::string user_value = u.username, password_value = u.password, database_value = u.database;
    std::string user_src = src_for("user"), password_src = password_templated ? password->name : src_for("password");
    std::string database_src = src_for("dbname");
    if (std::string v; single("user", &v)) user_value = v, user_src = src_url;
    if (std::string v; single("password", &v)) password_value = v, password_src = src_url;
    if (std::string v; single("database", &v)) database_value = v, database_src = src_url;

    // Hosts and ports (sqlalchemy PGDialect._split_multihost_from_url + create_connect_args).
    std::vector<std::string> hosts;
    std::vector<std::optional<long long>> ports;
    bool have_multihosts = false, integrated = false, have_ports = false;
    const auto qhost = query.find("host");
    const auto qport = query.find("port");
    std::vector<std::string> ports_str;
    std::vector<bool> ports_str_set;
    if (qhost != query.end()) {
        have_multihosts = true;
        if (qhost->second.size() > 1) {  // host=h1:p1&host=h2:p2
            integrated = true;
            for (const std::string &token : qhost->second) {
                size_t colon = token.find(':');
                if (colon == std::string::npos) {
                    hosts.push_back(token);
                    ports_str.emplace_back();
                    ports_str_set.push_back(false);
                } else {
                    if (token.find(':', colon + 1) != std::string::npos)
                        return Fail(error, where,
                                    "a repeated host= parameter has more than one ':' (SQLAlchemy fails)");
                    hosts.push_back(token.substr(0, colon));
                    ports_str.push_back(token.substr(colon + 1));
                    ports_str_set.push_back(true);
                }
            }
        } else {
            const std::string &h = qhost->second.front();
            for (size_t start = 0;;) {
                size_t comma = h.find(',', start);
                hosts.push_back(h.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
            // re.match(r"^([a-zA-Z0-9\-\.]*)(?:\:(\d*))?$", host): "name:digits".
            auto host_port = [](const std::string &h, std::string *name, std::string *digits) {
                size_t k = 0;
                while (k < h.size() && (std::isalnum(static_cast<unsigned char>(h[k])) || h[k] == '-' || h[k] == '.'))
                    ++k;
                if (k < h.size() && h[k] != ':') return false;
                std::string d = k < h.size() ? h.substr(k + 1) : "";
                if (!std::all_of(d.begin(), d.end(), IsDigit)) return false;
                *name = h.substr(0, k);
                *digits = d;
                return true;
            };
            std::string hp_name, hp_port;
            if (qport == query.end() && hosts.size() == 1 && hosts[0].find(':') != std::string::npos &&
                host_port(hosts[0], &hp_name, &hp_port)) {
                integrated = true;
                hosts[0] = hp_name;
                ports_str.push_back(hp_port);
                ports_str_set.push_back(!hp_port.empty());
            }
        }
    }
    if (qport != query.end()) {
        if (integrated)
            return Fail(error, where,
                        "can't mix the multihost formats (host=h1,h2&port=p1,p2 or host=h1:p1&host=h2:p2)");
        ports_str.clear();
        ports_str_set.clear();
        for (const std::string &p : qport->second) {
            for (size_t start = 0;;) {
                size_t comma = qport->second.size() > 1 ? std::string::npos : p.find(',', start);
                ports_str.push_back(p.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
                ports_str_set.push_back(true);
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
        }
    }
    if (!ports_str.empty()) {
        have_ports = true;
        for (size_t i = 0; i < ports_str.size(); ++i) {
            if (!ports_str_set[i] || ports_str[i].empty()) {
                ports.emplace_back();
                continue;
            }
            long long p = 0;
            if (!PythonInt(ports_str[i], &p)) return Fail(error, where, "a port in the query is not an integer");
            ports.emplace_back(p);
        }
    }
    if (have_ports && ((!have_multihosts && ports.size() > 1) ||
                       (have_multihosts && hosts.size() != ports.size() && (hosts.size() > 1 || ports.size() > 1))))
        return Fail(error, where, "the numbers of hosts and ports in the query do not match");
    if (have_multihosts && !have_ports) ports.assign(hosts.size(), std::nullopt);

    std::vector<std::string> final_hosts;
    std::vector<long long> final_ports;
    std::string host_src = src_for("host"), port_src = src_for("port");
    if (u.has_host && !u.host.empty()) final_hosts.push_back(u.host);
    if (url_port && *url_port != 0) final_ports.push_back(*url_port);
    if (have_multihosts) {
        if (hosts.size() == 1) {
            final_hosts.clear();
            if (!hosts[0].empty()) final_hosts.push_back(hosts[0]);  // "" -> asyncpg's defaults
            host_src = src_url;
            if (ports[0]) {
                final_ports.clear();
                if (*ports[0] != 0) final_ports.push_back(*ports[0]);  // asyncpg: `if not port`
                port_src = src_url;
            }
        } else {
            if (std::any_of(hosts.begin(), hosts.end(), [](const std::string &h) { return h.empty(); }))
                return Fail(error, where, "all hosts are required to be present for asyncpg multiple host URL");
            if (std::any_of(ports.begin(), ports.end(), [](const auto &p) { return !p.has_value(); }))
                return Fail(error, where, "all ports are required to be present for asyncpg multiple host URL");
            final_hosts = hosts;
            final_ports.clear();
            for (const auto &p : ports) final_ports.push_back(*p);
            host_src = port_src = src_url;
        }
    } else if (have_ports) {
        final_ports.clear();
        if (*ports[0] != 0) final_ports.push_back(*ports[0]);
        port_src = src_url;
    }
    for (const std::string &h : final_hosts) {
        if (h.find(',') != std::string::npos)
            return Fail(error, where,
                        "the host contains ',' (asyncpg takes it as one name); give several hosts as "
                        "?host=h1,h2&port=p1,p2");
        if (h.find('%') != std::string::npos)
            return Fail(error, where,
                        "the host contains '%': SQLAlchemy does not percent-decode the host, so asyncpg would look "
                        "the literal name up; give a socket directory as ?host=/run/postgresql");
    }
    for (long long p : final_ports)
        if (p < 1 || p > 65535) return Fail(error, where, "a port is outside 1-65535");
    // asyncpg takes a host path containing ".s.PGSQL." as the socket itself; libpq wants its
    // directory and the port.
    if (final_hosts.size() >= 1 && (final_ports.size() <= 1 || final_ports.size() == final_hosts.size())) {
        for (size_t i = 0; i < final_hosts.size(); ++i) {
            std::string &h = final_hosts[i];
            size_t slash = h.rfind('/');
            if (h.empty() || h[0] != '/' || h.compare(slash + 1, 9, ".s.PGSQL.") != 0) continue;
            std::string digits = h.substr(slash + 10);
            long long p = 0;
            if (digits.empty() || !std::all_of(digits.begin(), digits.end(), IsDigit) || !JsonInt(digits, &p) ||
                p < 1 || p > 65535)
                continue;
            h = slash == 0 ? "/" : h.substr(0, slash);
            if (final_ports.size() == final_hosts.size()) {
                final_ports[i] = p;
            } else if (final_hosts.size() == 1) {
                final_ports.assign(1, p);
            }
        }
    }

    DbBuilder db;
    auto join = [](const auto &items) {
        std::ostringstream s;
        bool first = true;
        for (const auto &item : items) {
            if (!first) s << ',';
            s << item;
            first = false;
        }
        return s.str();
    };
    if (!final_hosts.empty()) db.Set("host", join(final_hosts), host_src);
    if (!final_ports.empty()) db.Set("port", join(final_ports), port_src);
    if (!user_value.empty()) db.Set("user", user_value, user_src);
    if (!password_value.empty()) db.Set("password", password_value, password_src);
    if (!database_value.empty()) db.Set("dbname", database_value, database_src);

    // The other query parameters: each becomes a keyword argument of asyncpg.connect().
    const std::set<std::string> &known = LibpqKeywords();
    auto need_keyword = [&](const std::string &keyword, const std::string &key) -> bool {
        if (known.count(keyword)) return true;
        return Fail(error, where,
                    "query parameter '" + key + "' needs libpq's " + keyword + " keyword, which this libpq (" +
                        std::to_string(PQlibVersion()) + ") does not have");
    };
    std::optional<std::string> url_sslmode;
    for (const std::string &key : query_order) {
        const std::string &value = query[key].back();
        if (key == "host" || key == "port" || key == "user" || key == "password" || key == "database") continue;
        if (key == "ssl") {
            // asyncpg: SSLMode.parse(value) = getattr(SSLMode, value.replace('-', '_')).
            std::string mode = value;
            std::replace(mode.begin(), mode.end(), '_', '-');
            std::string check = value;
            std::replace(check.begin(), check.end(), '-', '_');
            static const std::set<std::string> modes = {"disable", "allow",     "prefer",
                                                        "require", "verify_ca", "verify_full"};
            if (!modes.count(check))
                return Fail(error, where,
                            "ssl=" + Shown(value) +
                                " is not one of disable, allow, prefer, require, verify-ca, verify-full (asyncpg's "
                                "sslmode)");
            url_sslmode = mode;
        } else if (key == "direct_tls") {
            // Any non-empty string is true to asyncpg ("false" too).
            if (!need_keyword("sslnegotiation", key)) return false;
            db.Set("sslnegotiation", "direct", src_url);
        } else if (key == "passfile" || key == "service" || key == "krbsrvname" || key == "gsslib") {
            if (!need_keyword(key, key)) return false;
            db.Set(key, value, src_url);
        } else if (key == "servicefile") {
            if (!need_keyword("servicefile", key)) return false;
            db.Set(key, value, src_url);
        } else if (key == "target_session_attrs") {
            static const std::set<std::string> attrs = {"any",        "primary",   "standby",
                                                        "read-write", "read-only", "prefer-standby"};
            if (!attrs.count(value))
                return Fail(error, where,
                            "target_session_attrs=" + Shown(value) +
                                " is not one of any, primary, standby, read-write, read-only, prefer-standby");
            if (!need_keyword(key, key)) return false;
            db.Set(key, value, src_url);
        } else if (key == "timeout" || key == "command_timeout") {
            o->config_notes.push_back(
                "the connection URL's " + key + "= is not used: Prefect's PREFECT_SERVER_DATABASE_" +
                (key == "timeout" ? "CONNECTION_TIMEOUT" : "TIMEOUT") + " (default 5 / 10 s) always overrides it");
        } else if (key == "statement_cache_size" || key == "max_cached_statement_lifetime" ||
                   key == "max_cacheable_statement_size" || key == "prepared_statement_cache_size" ||
                   key == "default_transaction_isolation") {
            // Client-side caches of asyncpg / SQLAlchemy; and an isolation level that Prefect's
            // engine overrides with READ COMMITTED. Nothing for libpq to do.
        } else {
            std::string k = key.size() <= 40 ? key : key.substr(0, 40) + "...";
            std::string hint;
            if (key == "sslmode") hint = "; asyncpg's parameter is ssl=" + Shown(value);
            if (key == "sslrootcert" || key == "sslcert" || key == "sslkey" || key == "sslcrl" || key == "sslpassword")
                hint = "; Prefect takes certificates from PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_*";
            return Fail(error, where,
                        "query parameter '" + k +
                            "' is not an argument of asyncpg.connect(), to which SQLAlchemy passes every query "
                            "parameter, so Prefect's server cannot connect with this URL" +
                            hint);
        }
    }

    if (tls) {
        // AsyncPostgresConfiguration.engine(): an ssl.SSLContext with CERT_REQUIRED,
        // check_hostname, the CA file (else the system's CAs), the client certificate when both
        // files are given, TLS 1.2 or later. It replaces the URL's ssl=.
        const std::string tls_src = tls_enabled->name;
        if (url_sslmode)
            o->config_notes.push_back("ssl=" + *url_sslmode + " in the connection URL is replaced by " + tls_src +
                                      ", as in Prefect");
        db.Set("sslmode", check_hostname ? "verify-full" : "verify-ca",
               tls_src + (tls_check ? " + " + tls_check->name : ""));
        if (tls_ca && !tls_ca->value.empty()) {
            db.Set("sslrootcert", tls_ca->value, tls_ca->name);
        } else {
            // ssl.create_default_context() loads OpenSSL's default verify paths (SSL_CERT_FILE, else
            // OPENSSLDIR/cert.pem). libpq 16+ has sslrootcert=system; before it, a bundle file.
            std::vector<std::string> candidates;
            if (auto f = env.Get({"SSL_CERT_FILE"})) candidates.push_back(f->value);
            for (const char *p : {"/usr/lib/ssl/cert.pem", "/etc/ssl/certs/ca-certificates.crt",
                                  "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem", "/etc/pki/tls/cert.pem"})
                candidates.emplace_back(p);
            auto found = std::find_if(candidates.begin(), candidates.end(), IsRegularFile);
            if (found != candidates.end()) {
                db.Set("sslrootcert", *found, "system CAs (" + tls_src + " without a CA file)");
            } else if (PQlibVersion() >= 160000 && check_hostname) {
                db.Set("sslrootcert", "system", "system CAs (" + tls_src + " without a CA file)");
            } else {
                return Fail(error, tls_src,
                            "no CA file is set (PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CA_FILE) and no "
                            "system CA bundle was found");
            }
        }
        if (tls_cert && tls_key && !tls_cert->value.empty() && !tls_key->value.empty()) {
            db.Set("sslcert", tls_cert->value, tls_cert->name);
            db.Set("sslkey", tls_key->value, tls_key->name);
        } else {
            if ((tls_cert && !tls_cert->value.empty()) || (tls_key && !tls_key->value.empty()))
                o->config_notes.push_back(
                    "only one of the TLS client certificate and key files is set: no client certificate is used, "
                    "as in Prefect");
            if (known.count("sslcertmode"))
                db.Set("sslcertmode", "disable", tls_src);  // no ~/.postgresql/postgresql.crt
        }
        if (known.count("ssl_min_protocol_version")) db.Set("ssl_min_protocol_version", "TLSv1.2", tls_src);
    } else if (url_sslmode) {
        db.Set("sslmode", *url_sslmode, src_url);
    }

    o->db_params = std::move(db.params);
    sources->db_param_sources = std::move(db.sources);
    return true;
}

}  // namespace

bool ApplyPrefectEnvironment(const Environment &environment, const std::set<std::string> &overridden, Options *o,
                             ConfigSources *sources, std::string *error) {
    const Env env(environment);
    auto use = [&](const char *key) { return overridden.count(key) == 0; };
    auto note = [&](const char *key, const Var &v) { sources->by_key[key] = v.name; };

    // --- PREFECT_SERVER_API_* (prefect/settings/models/server/api.py) ---
    if (use("auth_string"))
        if (auto v = env.Get({"PREFECT_SERVER_API_AUTH_STRING"})) {
            o->auth_string = v->value;  // SecretStr: "" is set too
            note("auth_string", *v);
        }
    if (use("csrf_protection_enabled"))
        if (auto v =
                env.Get({"PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED", "PREFECT_SERVER_CSRF_PROTECTION_ENABLED"})) {
            if (!PydanticBool(v->value, &o->csrf_protection_enabled))
                return Fail(error, v->name, Shown(v->value) + " is not a valid boolean");
            note("csrf_protection_enabled", *v);
        }
    struct Cors {
        const char *key, *api, *server;
        std::string *field;
    } cors[] = {
        {"cors_allowed_origins", "PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS", "PREFECT_SERVER_CORS_ALLOWED_ORIGINS",
         &o->cors_allowed_origins},
        {"cors_allowed_methods", "PREFECT_SERVER_API_CORS_ALLOWED_METHODS", "PREFECT_SERVER_CORS_ALLOWED_METHODS",
         &o->cors_allowed_methods},
        {"cors_allowed_headers", "PREFECT_SERVER_API_CORS_ALLOWED_HEADERS", "PREFECT_SERVER_CORS_ALLOWED_HEADERS",
         &o->cors_allowed_headers},
    };
    for (const Cors &c : cors)
        if (use(c.key))
            if (auto v = env.Get({c.api, c.server})) {
                *c.field = v->value;
                note(c.key, *v);
            }
    if (use("base_path"))
        if (auto v = env.Get({"PREFECT_SERVER_API_BASE_PATH"})) {
            if (!NormalizeBasePath(v->value, &o->base_path))
                return Fail(error, v->name,
                            Shown(v->value) + " does not start with '/' (Starlette's Mount requires it)");
            note("base_path", *v);
        }
    // An integer setting, as pydantic parses it, within [min, max].
    auto int_setting = [&](const char *key, std::initializer_list<const char *> names, long long min, long long max,
                           int *field) {
        if (!use(key)) return true;
        auto v = env.Get(names);
        if (!v) return true;
        long long n = 0;
        if (!PydanticInt(v->value, &n)) return Fail(error, v->name, Shown(v->value) + " is not a valid integer");
        if (n < min || n > max)
            return Fail(error, v->name,
                        Shown(v->value) + " is outside " + std::to_string(min) + "-" + std::to_string(max));
        *field = static_cast<int>(n);
        note(key, *v);
        return true;
    };
    if (!int_setting("default_limit", {"PREFECT_SERVER_API_DEFAULT_LIMIT", "PREFECT_API_DEFAULT_LIMIT"}, 0, INT_MAX,
                     &o->default_limit))
        return false;
    if (use("listen.host"))
        if (auto v = env.Get({"PREFECT_SERVER_API_HOST"})) {
            if (v->value.empty()) return Fail(error, v->name, "is empty");
            o->host = v->value;  // as uvicorn gets it
            note("listen.host", *v);
        }
    if (!int_setting("listen.port", {"PREFECT_SERVER_API_PORT"}, 0, 65535, &o->port)) return false;
    // uvicorn's timeout_keep_alive under `prefect server start`: idle keep-alive connections close.
    if (!int_setting("keep_alive_timeout_s", {"PREFECT_SERVER_API_KEEPALIVE_TIMEOUT"}, 1, 3600,
                     &o->keep_alive_timeout_s))
        return false;

    // --- PREFECT_SERVER_DATABASE_* (prefect/settings/models/server/database.py) ---
    if (use("statement_timeout_ms"))
        if (auto v = env.Get({"PREFECT_SERVER_DATABASE_TIMEOUT", "PREFECT_API_DATABASE_TIMEOUT"})) {
            // Prefect: asyncpg's command_timeout, "a statement timeout, in seconds, applied to all
            // database interactions": asyncpg cancels a query still running after it. Here:
            // PostgreSQL's statement_timeout, rounded up to a millisecond. asyncpg refuses <= 0.
            double t = 0;
            if (!PydanticFloat(v->value, &t)) return Fail(error, v->name, Shown(v->value) + " is not a valid number");
            if (std::isnan(t) || t <= 0)
                return Fail(error, v->name,
                            Shown(v->value) + " must be greater than 0 (asyncpg refuses such a command_timeout)");
            if (std::isinf(t)) {
                o->statement_timeout_ms = 0;  // no timeout
            } else {
                double ms = std::ceil(t * 1000.0);
                if (ms > INT_MAX) return Fail(error, v->name, Shown(v->value) + " is over 2147483 seconds");
                o->statement_timeout_ms = static_cast<int>(ms);
            }
            note("statement_timeout_ms", *v);
        }
    if (use("connect_timeout_s"))
        if (auto v =
                env.Get({"PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT", "PREFECT_API_DATABASE_CONNECTION_TIMEOUT"})) {
            // Prefect: asyncpg's `timeout`, the whole connection attempt (every host, TLS,
            // authentication) in seconds. Here: libpq's connect_timeout, whole seconds rounded
            // up, per host (libpq takes 1 as 2).
            double t = 0;
            if (!PydanticFloat(v->value, &t)) return Fail(error, v->name, Shown(v->value) + " is not a valid number");
            if (std::isnan(t) || t <= 0)
                return Fail(error, v->name,
                            Shown(v->value) + " must be greater than 0 (every connection would time out)");
            double s = std::ceil(t);
            if (s > 3600) return Fail(error, v->name, Shown(v->value) + " is over 3600 seconds");
            o->connect_timeout_s = static_cast<int>(s);
            note("connect_timeout_s", *v);
        }
    if (use("database") && !ResolveDatabase(env, o, sources, error)) return false;

    if (use("tables_schema"))
        if (auto v = env.Get({"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_SEARCH_PATH"})) {
            // Prefect: server_settings={"search_path": ...} on its connections, so its tables
            // live in the first schema of that path. We read those tables with
            // prefect_filter.schema = that schema.
            bool skipped_user = false;
            if (!FirstSearchPathSchema(v->value, &o->tables_schema, &skipped_user))
                return Fail(error, v->name, Shown(v->value) + " names no schema (a search_path: name, \"Name\", ...)");
            if (skipped_user)
                o->config_notes.push_back(v->name +
                                          " starts with $user: assuming no schema is named after the user; "
                                          "Prefect's tables are taken from " +
                                          o->tables_schema);
            note("tables_schema", *v);
        }
    if (auto v = env.Get({"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_STATEMENT_CACHE_SIZE"})) {
        long long n = 0;
        if (!PydanticInt(v->value, &n)) return Fail(error, v->name, Shown(v->value) + " is not a valid integer");
        if (n == 0)
            o->config_notes.push_back(v->name +
                                      "=0 suggests PgBouncer in transaction mode: prefect-filter-http "
                                      "prepares named statements on each connection, which needs session "
                                      "pooling or PgBouncer 1.21+ with max_prepared_statements");
    }
    if (auto v = env.Get({"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_PREPARED_STATEMENT_CACHE_SIZE"})) {
        long long n = 0;
        if (!PydanticInt(v->value, &n)) return Fail(error, v->name, Shown(v->value) + " is not a valid integer");
    }
    if (auto v = env.Get({"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_APPLICATION_NAME"}))
        o->config_notes.push_back(v->name +
                                  " is not used: prefect-filter-http's connections are named "
                                  "prefect-filter-http");
    return true;
}

namespace {

std::string Printable(const std::string &v) {
    std::string out;
    for (char c : v) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            static const char *hex = "0123456789abcdef";
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += c;
        }
    }
    return out;
}

bool SecretKeyword(const std::string &k) {
    return k == "password" || k == "sslpassword";
}

}  // namespace

std::string PrintConfig(const Options &o, const ConfigSources &s) {
    std::ostringstream out;
    auto source = [&](const std::string &key) {
        auto it = s.by_key.find(key);
        return it == s.by_key.end() ? std::string("default") : it->second;
    };
    auto line = [&](const std::string &key, const std::string &value, const std::string &from) {
        out << key << " = " << Printable(value) << "  (" << from << ")\n";
    };
    auto item = [&](const std::string &key, const std::string &value) { line(key, value, source(key)); };
    const std::string kMask = "********";

    item("listen.host", o.host);
    item("listen.port", std::to_string(o.port));
    if (!o.db.empty()) {
        char *err = nullptr;
        PQconninfoOption *opts = PQconninfoParse(o.db.c_str(), &err);
        if (err) PQfreemem(err);
        if (opts == nullptr) {
            line("database", "(a connection string libpq cannot parse)", "--db");
        } else {
            for (PQconninfoOption *p = opts; p->keyword != nullptr; ++p)
                if (p->val != nullptr)
                    line(std::string("database.") + p->keyword, SecretKeyword(p->keyword) ? kMask : p->val, "--db");
            PQconninfoFree(opts);
        }
    } else if (!o.db_params.empty()) {
        for (size_t i = 0; i < o.db_params.size(); ++i) {
            const auto &[k, v] = o.db_params[i];
            line("database." + k, SecretKeyword(k) ? kMask : v,
                 i < s.db_param_sources.size() ? s.db_param_sources[i] : "environment");
        }
    } else {
        line("database", "libpq defaults (PGHOST, PGDATABASE, ... and ~/.pgpass)", "default");
    }
    item("tables_schema", o.tables_schema.empty() ? "(not set)" : o.tables_schema);
    item("schema", o.schema);
    item("statement_timeout_ms", std::to_string(o.statement_timeout_ms));
    item("connect_timeout_s", std::to_string(o.connect_timeout_s));
    item("pool", std::to_string(o.pool));
    item("pool_wait_ms", std::to_string(o.pool_wait_ms));
    item("threads", std::to_string(o.threads));
    item("max_body_bytes", std::to_string(o.max_body_bytes));
    item("max_header_bytes", std::to_string(o.max_header_bytes));
    item("request_timeout_s", std::to_string(o.request_timeout_s));
    item("write_timeout_s", std::to_string(o.write_timeout_s));
    item("keep_alive_timeout_s", std::to_string(o.keep_alive_timeout_s));
    item("keep_alive_max", std::to_string(o.keep_alive_max));
    item("max_connections", std::to_string(o.max_connections));
    item("shutdown_timeout_s", std::to_string(o.shutdown_timeout_s));
    item("gzip_level", std::to_string(o.gzip_level));
    item("encodings", o.encodings);
    item("compression_cache_mb", std::to_string(o.compression_cache_mb));
    item("datetime_parsing", o.datetime_parsing);
    item("access_log", o.access_log ? "true" : "false");
    line("metrics", o.metrics_host.empty() ? "off" : o.metrics_host + ":" + std::to_string(o.metrics_port),
         source("metrics.host"));
    {
        std::string proxies;
        for (const std::string &p : o.trusted_proxies) proxies += (proxies.empty() ? "" : ",") + p;
        item("trusted_proxies", proxies.empty() ? "(none)" : proxies);
    }
    item("auth_string", o.auth_string ? kMask : "(not set)");
    item("csrf_protection_enabled", o.csrf_protection_enabled ? "true" : "false");
    item("cors_allowed_origins", o.cors_allowed_origins);
    item("cors_allowed_methods", o.cors_allowed_methods);
    item("cors_allowed_headers", o.cors_allowed_headers);
    item("base_path", o.base_path.empty() ? "(the root)" : o.base_path);
    item("default_limit", std::to_string(o.default_limit));
    for (const std::string &n : o.config_notes) out << "# note: " << Printable(n) << "\n";
    return out.str();
}

}  // namespace pf_http
