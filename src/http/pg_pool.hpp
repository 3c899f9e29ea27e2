// A fixed-size pool of libpq connections to the database holding the prefect_filter extension.
//
// At most `size` connections exist; a request that finds none free waits up to `wait_ms` and
// then gets nothing (the server answers 503). Connections are opened lazily and re-opened after
// a failure, so the server starts and answers 503 while the database is down, and recovers by
// itself. Each connection has statement_timeout set once and the four statements prepared; the
// request body is always bound as parameter $1 (text, cast to jsonb), never spliced into SQL.
#pragma once

#include "http/log.hpp"
#include "http/prefect_http.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pf_http {

enum class Statement { kFilter, kCount, kPaginate, kFilterSql };

struct CallResult {
    enum Kind {
        kOk,           // `value` holds the function's text
        kSqlError,     // PostgreSQL raised `error`; the connection is fine
        kUnavailable,  // the connection failed (it is dropped and re-opened later)
        kInternal      // an answer we did not expect (NULL, wrong shape)
    } kind = kInternal;
    std::string value;
    SqlError error;
};

class PgConnection;

class PgPool {
public:
    struct Settings {
        std::string conninfo;
        size_t size = 8;
        int wait_ms = 2000;
        int statement_timeout_ms = 30000;
        int connect_timeout_s = 5;
        std::string schema = "prefect";
    };

    PgPool(Settings settings, Logger &log);
    ~PgPool();
    PgPool(const PgPool &) = delete;
    PgPool &operator=(const PgPool &) = delete;

    // A connection on loan; returned to the pool when destroyed.
    class Lease {
    public:
        Lease(PgPool *pool, std::unique_ptr<PgConnection> conn);
        Lease(Lease &&other) noexcept;
        Lease &operator=(Lease &&) = delete;
        Lease(const Lease &) = delete;
        ~Lease();
        CallResult Call(Statement statement, const std::string &body);

    private:
        PgPool *pool_;
        std::unique_ptr<PgConnection> conn_;
    };

    enum class AcquireFailure { kTimeout, kConnect };
    // Waits for a free slot (bounded), opening a connection when the slot has none.
    std::optional<Lease> Acquire(AcquireFailure *why);

private:
    std::unique_ptr<PgConnection> Connect();
    void Release(std::unique_ptr<PgConnection> conn);

    const Settings settings_;
    Logger &log_;
    std::mutex mu_;
    std::condition_variable available_cv_;
    size_t available_;                                 // free slots (with or without a connection)
    std::vector<std::unique_ptr<PgConnection>> idle_;  // open connections among them
};

}  // namespace pf_http
