// A pool of libpq connections driven by the event loop.
//
// Queries use libpq's asynchronous API (PQsendQueryPrepared, PQconsumeInput, PQgetResult) on
// the connection's socket, watched by the io_context: the loop never blocks on the database.
// Opening a connection (DNS, TCP/TLS, authentication, SET statement_timeout, PREPARE) is the one
// blocking step; it runs on a small thread pool of its own and hands the ready connection to
// the loop.
//
// - At most `size` connections exist. A call that finds none free waits in FIFO order up to
//   `wait_ms`, then fails (the server answers 503). Connections are opened on demand and
//   re-opened after a failure, so the server starts and answers while the database is down.
// - Dead connections are found without a request paying for it: an idle connection's socket is
//   watched, and a database restart (the server closes every backend) drops them at once.
// - A call that fails on a connection-class error before any result (the connection died, or
//   SQLSTATE 08xxx / 57P01-57P03) is retried once on a fresh connection: every statement here is
//   read-only, so running it again is safe. After a restart no request sees 503 once the
//   database accepts connections again. So is a call a hot standby cancelled for conflicting
//   with WAL replay (SQLSTATE 40001), on the next free connection.
// - The body is always bound as parameter $1 of a prepared statement, never spliced into SQL.
// - Several hosts (a primary and streaming standbys, `host=a,b,c port=...`): each connection is
//   opened on one host the pool chooses, spread over the hosts that satisfy
//   target_session_attrs (prefer-standby when not given), falling back to the primary when no
//   standby is up; hosts seen down are re-checked every `recheck_ms` in the background and, when
//   one is back, connections beyond its share elsewhere are retired once idle (replica_hosts.hpp,
//   doc/replicas.md).
#pragma once

#include "http/endpoints.hpp"
#include "http/log.hpp"
#include "http/prefect_http.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace pf_http {

struct CallResult {
    enum Kind {
        kOk,           // `value` holds the function's text
        kSqlError,     // PostgreSQL raised `error`; the connection is fine
        kUnavailable,  // no connection (database down, pool wait over, connection lost)
        kInternal      // an answer we did not expect (NULL, wrong shape)
    } kind = kInternal;
    std::string value;
    bool null = false;  // kOk with a SQL NULL (only kCsrfToken may return one)
    SqlError error;
};

// A snapshot of the pool (for metrics).
struct PoolStats {
    size_t size = 0;       // open connections
    size_t in_use = 0;     // connections running a call
    size_t waiters = 0;    // calls waiting for a connection
    uint64_t reopens = 0;  // connections opened after the first `size` (replacing dead/retired ones)
    uint64_t retries = 0;  // calls retried once on a fresh connection
    // SQL errors returned by calls ("08006" etc.; connection losses without SQLSTATE as
    // "connection"), every attempt counted (a call retried after a loss counts its loss too)
    std::map<std::string, uint64_t> errors_by_sqlstate;
    std::map<std::string, size_t> connections_by_host;  // open connections per "host:port"
};

class PgPool {
public:
    struct Settings {
        std::string conninfo;  // a libpq connection string or URI (without a password), or
        // libpq keyword/value pairs (from Prefect's settings, the password among them): never
        // formatted into one string, never parsed as a connection string
        std::vector<std::pair<std::string, std::string>> params;
        size_t size = 8;
        int wait_ms = 2000;
        int statement_timeout_ms = 30000;
        int connect_timeout_s = 5;
        std::string schema = "prefect";             // of the extension's functions
        bool csrf = false;                          // prepare kCsrfToken (needs extension 0.2.0)
        int default_limit = 200;                    // SET prefect_filter.default_limit when not 200
        std::string tables_schema;                  // SET prefect_filter.schema when not empty
        std::string datetime_parsing = "pendulum";  // SET prefect_filter.datetime_parsing when not "pendulum"
        int recheck_ms = 2000;  // several hosts: how often hosts seen down (or not preferred) are re-checked
    };
    using Callback = std::function<void(CallResult)>;

    PgPool(boost::asio::io_context &ioc, Settings settings, Logger &log);
    ~PgPool();
    PgPool(const PgPool &) = delete;
    PgPool &operator=(const PgPool &) = delete;

    // Runs `SELECT schema.function($1::jsonb)` for `statement` with `body` as $1. Call and
    // callback on the loop thread.
    void Run(Statement statement, std::string body, Callback done);

    // Shutdown: idle connections close, waiting calls fail, calls in flight finish and their
    // connections close. With `abort`, calls in flight are abandoned too (their callbacks get
    // kUnavailable).
    void Close(bool abort);

    // Call on the loop thread.
    PoolStats Stats() const;

private:
    class Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace pf_http
