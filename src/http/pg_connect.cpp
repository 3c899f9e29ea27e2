// Completing a libpq connection with our notice processor in place (see pg_connect.hpp).
#include "http/pg_connect.hpp"

#include <poll.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace pf_http {

namespace {

void Finish(PGconn *conn) {
    if (conn) PQfinish(conn);
}

// A connection's value of `keyword` in libpq's options array, "" when unset.
std::string OptionValue(const PQconninfoOption *options, const char *keyword) {
    for (const PQconninfoOption *o = options; o != nullptr && o->keyword != nullptr; ++o)
        if (std::strcmp(o->keyword, keyword) == 0 && o->val != nullptr) return o->val;
    return "";
}

size_t ListLength(const std::string &list) {
    if (list.empty()) return 1;
    size_t n = 1;
    for (char c : list) n += c == ',';
    return n;
}

// How many hosts libpq will try, read as libpq resolves them but without connecting: the
// environment (PGHOST, PGHOSTADDR), then the keywords in order, an expanded connection string
// among them; empty values leave what was there.
size_t HostCount(const char *const *keys, const char *const *values, int expand_dbname) {
    std::string host, hostaddr;
    if (PQconninfoOption *defaults = PQconndefaults()) {
        host = OptionValue(defaults, "host");
        hostaddr = OptionValue(defaults, "hostaddr");
        PQconninfoFree(defaults);
    }
    bool expanded = false;
    for (size_t i = 0; keys[i] != nullptr; ++i) {
        const std::string key = keys[i];
        const std::string value = values[i] ? values[i] : "";
        if (value.empty()) continue;
        if (key == "dbname" && expand_dbname && !expanded) {
            expanded = true;
            if (PQconninfoOption *parsed = PQconninfoParse(value.c_str(), nullptr)) {
                if (!OptionValue(parsed, "host").empty()) host = OptionValue(parsed, "host");
                if (!OptionValue(parsed, "hostaddr").empty()) hostaddr = OptionValue(parsed, "hostaddr");
                PQconninfoFree(parsed);
            }
        } else if (key == "host") {
            host = value;
        } else if (key == "hostaddr") {
            hostaddr = value;
        }
    }
    return std::max(ListLength(host), ListLength(hostaddr));
}

// libpq's reason for a connection that is not ready, or ours when it is out of memory.
std::string Reason(PGconn *conn) {
    return conn ? PQerrorMessage(conn) : "out of memory";
}

// Drives PQconnectPoll to the end, waiting on the socket as connectDBComplete does. False with
// `why` when the timeout ran out or the wait failed; libpq's own failures end in CONNECTION_BAD.
bool Complete(PGconn *conn, int timeout_s, std::string *why) {
    using Clock = std::chrono::steady_clock;
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(timeout_s);
    // Just after PQconnectStart the socket is awaited for writing.
    PostgresPollingStatusType state = PGRES_POLLING_WRITING;
    for (;;) {
        if (state == PGRES_POLLING_OK || state == PGRES_POLLING_FAILED) return true;
        pollfd watched{};
        watched.fd = PQsocket(conn);
        watched.events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT;
        if (watched.fd < 0) return true;  // libpq failed; PQstatus says so
        int wait_ms = -1;
        if (timeout_s > 0) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (left <= 0) {
                *why = "timeout expired";
                return false;
            }
            wait_ms = static_cast<int>(left);
        }
        const int ready = ::poll(&watched, 1, wait_ms);
        if (ready < 0) {
            if (errno == EINTR) continue;
            *why = std::string("poll() failed: ") + std::strerror(errno);
            return false;
        }
        if (ready == 0) continue;  // the deadline is checked above
        state = PQconnectPoll(conn);
    }
}

}  // namespace

bool ConnectTimeoutSeconds(const char *text, int *seconds, std::string *error) {
    *seconds = 0;
    if (text == nullptr) return true;
    auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    const char *p = text;
    while (space(*p)) ++p;
    if (*p == '\0') return true;
    errno = 0;
    char *end = nullptr;
    const long value = std::strtol(p, &end, 10);
    while (space(*end)) ++end;
    if (end == p || *end != '\0' || errno == ERANGE || value > 2147483647L || value < -2147483647L - 1) {
        *error = std::string("invalid integer value \"") + text + "\" for connection option \"connect_timeout\"";
        return false;
    }
    // libpq: rounding could make a connection fail at once, so at least two seconds.
    *seconds = value <= 0 ? 0 : value < 2 ? 2 : static_cast<int>(value);
    return true;
}

ConnHandle ConnectWithNotices(const char *const *keys, const char *const *values, int expand_dbname,
                              PQnoticeProcessor processor, void *arg, std::string *why) {
    ConnHandle conn;
    if (HostCount(keys, values, expand_dbname) > 1) {
        // libpq moves on to the next host when one times out; only its blocking connect can.
        conn.reset(PQconnectdbParams(keys, values, expand_dbname), Finish);
        if (conn) PQsetNoticeProcessor(conn.get(), processor, arg);
    } else {
        conn.reset(PQconnectStartParams(keys, values, expand_dbname), Finish);
        if (!conn || PQstatus(conn.get()) == CONNECTION_BAD) {
            *why = Reason(conn.get());
            return nullptr;
        }
        PQsetNoticeProcessor(conn.get(), processor, arg);
        PQconninfoOption *options = PQconninfo(conn.get());
        const std::string timeout = OptionValue(options, "connect_timeout");
        PQconninfoFree(options);
        int timeout_s = 0;
        if (!ConnectTimeoutSeconds(timeout.c_str(), &timeout_s, why) || !Complete(conn.get(), timeout_s, why))
            return nullptr;
    }
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        *why = Reason(conn.get());
        return nullptr;
    }
    return conn;
}

}  // namespace pf_http
