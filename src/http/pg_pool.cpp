// libpq connection pool (see pg_pool.hpp). Every PGconn and PGresult is owned by an RAII
// handle; the pool's lock is never held during network I/O.
#include "http/pg_pool.hpp"

#include <libpq-fe.h>

#include <chrono>

namespace pf_http {

namespace {

struct ResultDeleter {
    void operator()(PGresult *r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

const char *StatementName(Statement s) {
    switch (s) {
        case Statement::kFilter: return "pf_filter";
        case Statement::kCount: return "pf_count";
        case Statement::kPaginate: return "pf_paginate";
        case Statement::kFilterSql: return "pf_filter_sql";
    }
    return "pf_filter";
}

const char *FunctionName(Statement s) {
    switch (s) {
        case Statement::kFilter: return "deployments_filter";
        case Statement::kCount: return "deployments_count";
        case Statement::kPaginate: return "deployments_paginate";
        case Statement::kFilterSql: return "deployments_filter_sql";
    }
    return "deployments_filter";
}

std::string Field(const PGresult *r, int code) {
    const char *v = PQresultErrorField(r, code);
    return v ? v : "";
}

}  // namespace

// One open connection with its statements prepared.
class PgConnection {
public:
    explicit PgConnection(PGconn *conn) : conn_(conn) {}
    ~PgConnection() {
        if (conn_) PQfinish(conn_);
    }
    PgConnection(const PgConnection &) = delete;
    PgConnection &operator=(const PgConnection &) = delete;

    PGconn *get() const { return conn_; }
    bool healthy() const {
        return conn_ && !broken_ && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
    }
    void MarkBroken() { broken_ = true; }

private:
    PGconn *conn_;
    bool broken_ = false;
};

PgPool::PgPool(Settings settings, Logger &log)
    : settings_(std::move(settings)), log_(log), available_(settings_.size) {}

PgPool::~PgPool() = default;

std::unique_ptr<PgConnection> PgPool::Connect() {
    const std::string timeout = std::to_string(settings_.connect_timeout_s);
    // Earlier keywords are defaults that the expanded connection string overrides.
    std::vector<const char *> keys = {"connect_timeout", "fallback_application_name"};
    std::vector<const char *> values = {timeout.c_str(), "prefect-filter-http"};
    if (!settings_.conninfo.empty()) {
        keys.push_back("dbname");
        values.push_back(settings_.conninfo.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    auto conn = std::make_unique<PgConnection>(PQconnectdbParams(keys.data(), values.data(), 1));
    if (conn->get() == nullptr || PQstatus(conn->get()) != CONNECTION_OK) {
        std::string why = conn->get() ? PQerrorMessage(conn->get()) : "out of memory";
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        log_.Line("database connection failed: " + why);
        return nullptr;
    }
    auto exec_ok = [&](const Result &r, const char *what) {
        if (r && (PQresultStatus(r.get()) == PGRES_COMMAND_OK || PQresultStatus(r.get()) == PGRES_TUPLES_OK))
            return true;
        log_.Line(std::string(what) + " failed: " + (r ? Field(r.get(), PG_DIAG_MESSAGE_PRIMARY) : "no result"));
        return false;
    };
    const std::string set_timeout = "SET statement_timeout = " + std::to_string(settings_.statement_timeout_ms);
    if (!exec_ok(Result(PQexec(conn->get(), set_timeout.c_str())), "SET statement_timeout")) return nullptr;

    char *schema = PQescapeIdentifier(conn->get(), settings_.schema.c_str(), settings_.schema.size());
    if (schema == nullptr) return nullptr;
    const std::string quoted_schema = schema;
    PQfreemem(schema);
    for (Statement s : {Statement::kFilter, Statement::kCount, Statement::kPaginate, Statement::kFilterSql}) {
        // The functions' text output is Prefect's body; ::text keeps it unchanged.
        const std::string sql = "SELECT " + quoted_schema + "." + FunctionName(s) + "($1::jsonb)::text";
        if (!exec_ok(Result(PQprepare(conn->get(), StatementName(s), sql.c_str(), 1, nullptr)), "PREPARE"))
            return nullptr;
    }
    return conn;
}

std::optional<PgPool::Lease> PgPool::Acquire(AcquireFailure *why) {
    std::unique_ptr<PgConnection> conn;
    {
        std::unique_lock<std::mutex> lock(mu_);
        if (!available_cv_.wait_for(lock, std::chrono::milliseconds(settings_.wait_ms),
                                    [this] { return available_ > 0; })) {
            *why = AcquireFailure::kTimeout;
            return std::nullopt;
        }
        --available_;
        if (!idle_.empty()) {
            conn = std::move(idle_.back());
            idle_.pop_back();
        }
    }
    if (conn && !conn->healthy()) conn.reset();
    if (!conn) conn = Connect();
    if (!conn) {
        Release(nullptr);
        *why = AcquireFailure::kConnect;
        return std::nullopt;
    }
    return Lease(this, std::move(conn));
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (conn && conn->healthy()) idle_.push_back(std::move(conn));
        ++available_;
    }
    available_cv_.notify_one();
    // A connection that is not kept is closed here, outside the lock, by its destructor.
}

PgPool::Lease::Lease(PgPool *pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}

PgPool::Lease::Lease(Lease &&other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) {
    other.pool_ = nullptr;
}

PgPool::Lease::~Lease() {
    if (pool_) pool_->Release(std::move(conn_));
}

CallResult PgPool::Lease::Call(Statement statement, const std::string &body) {
    CallResult out;
    const char *params[1] = {body.c_str()};
    const int lengths[1] = {static_cast<int>(body.size())};
    Result r(PQexecPrepared(conn_->get(), StatementName(statement), 1, params, lengths, nullptr, 0));
    const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_TUPLES_OK) {
        if (PQntuples(r.get()) == 1 && PQnfields(r.get()) == 1 && !PQgetisnull(r.get(), 0, 0)) {
            out.kind = CallResult::kOk;
            out.value.assign(PQgetvalue(r.get(), 0, 0), static_cast<size_t>(PQgetlength(r.get(), 0, 0)));
        } else {
            out.kind = CallResult::kInternal;
            out.error.message = "unexpected result shape or NULL";
        }
        return out;
    }
    if (r) {
        out.error.sqlstate = Field(r.get(), PG_DIAG_SQLSTATE);
        out.error.message = Field(r.get(), PG_DIAG_MESSAGE_PRIMARY);
        out.error.detail = Field(r.get(), PG_DIAG_MESSAGE_DETAIL);
    } else {
        out.error.message = PQerrorMessage(conn_->get());
    }
    if (PQstatus(conn_->get()) != CONNECTION_OK || !r || out.error.sqlstate.rfind("08", 0) == 0) {
        conn_->MarkBroken();
        out.kind = CallResult::kUnavailable;
    } else {
        out.kind = CallResult::kSqlError;
    }
    return out;
}

}  // namespace pf_http
