// The event-driven libpq pool (see pg_pool.hpp). Everything here runs on the loop thread except
// OpenConnection, which runs on the connector threads and touches nothing shared.
#include "http/pg_pool.hpp"

#include <libpq-fe.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <set>
#include <vector>

namespace pf_http {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

struct ResultDeleter {
    void operator()(PGresult *r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;
using ConnHandle = std::shared_ptr<PGconn>;  // PQfinish on release

std::string Field(const PGresult *r, int code) {
    const char *v = PQresultErrorField(r, code);
    return v ? v : "";
}

std::string Trimmed(const char *text) {
    std::string s = text ? text : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    size_t nl;
    while ((nl = s.find('\n')) != std::string::npos) s[nl] = ' ';
    return s;
}

// Errors that mean "this connection is gone", not "this statement failed".
bool ConnectionClassState(const std::string &sqlstate) {
    return sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
}

// libpq writes notices (and the FATAL a backend sends before it closes) straight to stderr by
// default; they go through the logger instead, as one kind of rate-limited line.
void LogNotice(void *logger, const char *message) {
    static_cast<Logger *>(logger)->Limited("database notice", "database: " + Trimmed(message));
}

// Blocking: connect, set the statement timeout, prepare the four statements, switch to
// non-blocking mode. Runs on a connector thread.
ConnHandle OpenConnection(const PgPool::Settings &settings, Logger &log, std::string *why) {
    const std::string timeout = std::to_string(settings.connect_timeout_s);
    // Earlier keywords are defaults that later ones (and an expanded connection string) override.
    std::vector<const char *> keys = {"connect_timeout", "fallback_application_name"};
    std::vector<const char *> values = {timeout.c_str(), "prefect-filter-http"};
    int expand_dbname = 0;
    if (!settings.conninfo.empty()) {
        keys.push_back("dbname");
        values.push_back(settings.conninfo.c_str());
        expand_dbname = 1;
    } else {
        for (const auto &[key, value] : settings.params) {
            keys.push_back(key.c_str());
            values.push_back(value.c_str());
        }
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    ConnHandle conn(PQconnectdbParams(keys.data(), values.data(), expand_dbname), [](PGconn *c) {
        if (c) PQfinish(c);
    });
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        *why = conn ? Trimmed(PQerrorMessage(conn.get())) : "out of memory";
        return nullptr;
    }
    PQsetNoticeProcessor(conn.get(), LogNotice, &log);
    auto exec_ok = [&](const Result &r, const char *what) {
        if (r && (PQresultStatus(r.get()) == PGRES_COMMAND_OK || PQresultStatus(r.get()) == PGRES_TUPLES_OK))
            return true;
        *why = std::string(what) +
               " failed: " + (r ? Field(r.get(), PG_DIAG_MESSAGE_PRIMARY) : Trimmed(PQerrorMessage(conn.get())));
        return false;
    };
    const std::string set_timeout = "SET statement_timeout = " + std::to_string(settings.statement_timeout_ms);
    if (!exec_ok(Result(PQexec(conn.get(), set_timeout.c_str())), "SET statement_timeout")) return nullptr;
    // Settings of the extension: values bound as parameters of set_config, never spliced.
    auto set_config = [&](const char *name, const std::string &value) {
        const char *params[2] = {name, value.c_str()};
        return exec_ok(Result(PQexecParams(conn.get(), "SELECT pg_catalog.set_config($1, $2, false)", 2, nullptr,
                                           params, nullptr, nullptr, 0)),
                       "set_config");
    };
    if (settings.default_limit != 200 &&
        !set_config("prefect_filter.default_limit", std::to_string(settings.default_limit)))
        return nullptr;
    if (!settings.tables_schema.empty() && !set_config("prefect_filter.schema", settings.tables_schema)) return nullptr;
    if (settings.datetime_parsing != "pendulum" &&
        !set_config("prefect_filter.datetime_parsing", settings.datetime_parsing))
        return nullptr;
    char *schema = PQescapeIdentifier(conn.get(), settings.schema.c_str(), settings.schema.size());
    if (schema == nullptr) {
        *why = "cannot quote the schema name";
        return nullptr;
    }
    const std::string quoted_schema = schema;
    PQfreemem(schema);
    for (const StatementSpec &spec : kStatements) {
        if (spec.only_with_csrf && !settings.csrf) continue;
        // The functions' text output is Prefect's body; ::text keeps it unchanged.
        const std::string sql =
            spec.in_extension_schema ? "SELECT " + quoted_schema + "." + spec.call : std::string(spec.call);
        if (!exec_ok(Result(PQprepare(conn.get(), spec.prepared_name, sql.c_str(), 1, nullptr)), "PREPARE"))
            return nullptr;
    }
    if (PQsetnonblocking(conn.get(), 1) != 0) {
        *why = "cannot switch the connection to non-blocking mode";
        return nullptr;
    }
    return conn;
}

// One call waiting for, or running on, a connection.
struct Job {
    Statement statement;
    std::string body;
    PgPool::Callback done;
    bool retried = false;
    bool finished = false;  // answered (e.g. the pool wait ran out while queued)
    std::unique_ptr<asio::steady_timer> wait_timer;

    void Finish(CallResult r) {
        if (finished) return;
        finished = true;
        if (wait_timer) wait_timer->cancel();
        done(std::move(r));
    }
};

CallResult Unavailable(std::string why) {
    CallResult r;
    r.kind = CallResult::kUnavailable;
    r.error.message = std::move(why);
    return r;
}

}  // namespace

// One open connection; its socket is watched by the loop.
class PgConn : public std::enable_shared_from_this<PgConn> {
public:
    // retryable: the call failed on the connection before any result, so it may run again.
    using Done = std::function<void(CallResult, bool retryable)>;

    PgConn(asio::io_context &ioc, ConnHandle conn) : conn_(std::move(conn)), socket_(ioc) {
        error_code ec;
        socket_.assign(PQsocket(conn_.get()), ec);
        if (ec) broken_ = true;
    }
    ~PgConn() {
        if (socket_.is_open()) socket_.release();  // libpq owns the descriptor
    }
    PgConn(const PgConn &) = delete;
    PgConn &operator=(const PgConn &) = delete;

    bool usable() const { return !broken_ && PQstatus(conn_.get()) == CONNECTION_OK; }

    void Call(Statement statement, const std::string &body, Done done) {
        StopWatching();
        done_ = std::move(done);
        first_.reset();
        const char *params[1] = {body.c_str()};
        const int lengths[1] = {static_cast<int>(body.size())};
        if (!PQsendQueryPrepared(conn_.get(), StatementOf(statement).prepared_name, 1, params, lengths, nullptr, 0))
            return Fail(Trimmed(PQerrorMessage(conn_.get())));
        Flush();
    }

    // While idle: anything the server sends (a FATAL before it closes the backend, EOF) is read
    // at once; a connection that is gone calls `on_dead` with libpq's reason.
    void WatchIdle(std::function<void(const std::string &)> on_dead) {
        socket_.async_wait(asio::posix::descriptor_base::wait_read,
                           [self = shared_from_this(), gen = generation_, on_dead](error_code ec) {
                               if (gen != self->generation_ || ec == asio::error::operation_aborted) return;
                               PGconn *c = self->conn_.get();
                               if (ec || !PQconsumeInput(c) || PQstatus(c) != CONNECTION_OK) {
                                   self->broken_ = true;
                                   ++self->generation_;
                                   return on_dead(ec ? ec.message() : Trimmed(PQerrorMessage(c)));
                               }
                               while (!PQisBusy(c)) {  // notices, a FATAL that precedes EOF
                                   Result r(PQgetResult(c));
                                   if (!r) break;
                               }
                               self->WatchIdle(on_dead);
                           });
    }

    // Abandons a call in flight (shutdown): its callback gets kUnavailable.
    void Abort() {
        StopWatching();
        broken_ = true;
        if (Done done = std::move(done_)) {
            done_ = nullptr;
            done(Unavailable("shutting down"), false);
        }
    }

private:
    void StopWatching() {
        ++generation_;
        error_code ec;
        socket_.cancel(ec);
    }

    void Flush() {
        int r = PQflush(conn_.get());
        if (r < 0) return Fail(Trimmed(PQerrorMessage(conn_.get())));
        if (r == 0) return WaitRead();
        socket_.async_wait(asio::posix::descriptor_base::wait_write,
                           [self = shared_from_this(), gen = generation_](error_code ec) {
                               if (gen != self->generation_) return;
                               if (ec) return self->Fail(ec.message());
                               self->Flush();
                           });
    }

    void WaitRead() {
        socket_.async_wait(asio::posix::descriptor_base::wait_read,
                           [self = shared_from_this(), gen = generation_](error_code ec) {
                               if (gen != self->generation_) return;
                               if (ec) return self->Fail(ec.message());
                               PGconn *c = self->conn_.get();
                               if (!PQconsumeInput(c)) return self->Fail(Trimmed(PQerrorMessage(c)));
                               while (!PQisBusy(c)) {
                                   PGresult *r = PQgetResult(c);
                                   if (r == nullptr) return self->Complete();
                                   if (!self->first_)
                                       self->first_.reset(r);
                                   else
                                       PQclear(r);
                               }
                               self->WaitRead();
                           });
    }

    // Every result of the call has arrived.
    void Complete() {
        ++generation_;
        CallResult out;
        const PGresult *r = first_.get();
        const ExecStatusType status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
        if (status == PGRES_TUPLES_OK) {
            if (PQntuples(r) == 1 && PQnfields(r) == 1) {
                out.kind = CallResult::kOk;
                out.null = PQgetisnull(r, 0, 0) != 0;
                out.value.assign(PQgetvalue(r, 0, 0), static_cast<size_t>(PQgetlength(r, 0, 0)));
            } else {
                out.kind = CallResult::kInternal;
                out.error.message = "unexpected result shape or NULL";
            }
            if (PQtransactionStatus(conn_.get()) != PQTRANS_IDLE) broken_ = true;
            return Deliver(std::move(out), false);
        }
        if (r) {
            out.error.sqlstate = Field(r, PG_DIAG_SQLSTATE);
            out.error.message = Field(r, PG_DIAG_MESSAGE_PRIMARY);
            out.error.detail = Field(r, PG_DIAG_MESSAGE_DETAIL);
        } else {
            out.error.message = Trimmed(PQerrorMessage(conn_.get()));
        }
        const bool lost = !r || PQstatus(conn_.get()) != CONNECTION_OK || ConnectionClassState(out.error.sqlstate);
        if (lost) {
            broken_ = true;
            out.kind = CallResult::kUnavailable;
            if (out.error.message.empty()) out.error.message = Trimmed(PQerrorMessage(conn_.get()));
        } else {
            out.kind = CallResult::kSqlError;
            if (PQtransactionStatus(conn_.get()) != PQTRANS_IDLE) broken_ = true;
        }
        Deliver(std::move(out), lost);
    }

    void Fail(std::string why) {
        ++generation_;
        broken_ = true;
        Deliver(Unavailable(std::move(why)), true);
    }

    void Deliver(CallResult result, bool retryable) {
        first_.reset();
        if (Done done = std::move(done_)) {
            done_ = nullptr;
            done(std::move(result), retryable);
        }
    }

    ConnHandle conn_;
    asio::posix::stream_descriptor socket_;
    uint64_t generation_ = 0;  // callbacks of an earlier wait see a newer value and do nothing
    bool broken_ = false;
    Done done_;
    Result first_;
};

class PgPool::Impl : public std::enable_shared_from_this<PgPool::Impl> {
public:
    Impl(asio::io_context &ioc, Settings settings, Logger &log)
        : ioc_(ioc),
          settings_(std::move(settings)),
          log_(log),
          connector_(std::min<size_t>(std::max<size_t>(settings_.size, 1), 4)) {}

    ~Impl() { connector_.join(); }

    void Run(Statement statement, std::string body, Callback done) {
        auto job = std::make_shared<Job>();
        job->statement = statement;
        job->body = std::move(body);
        job->done = std::move(done);
        if (closing_) return job->Finish(Unavailable("shutting down"));
        Dispatch(job, false);
    }

    void Close(bool abort) {
        closing_ = true;
        open_ -= idle_.size();
        for (auto &conn : idle_) conn->Abort();  // cancels the idle watch
        idle_.clear();
        while (!waiters_.empty()) {
            auto job = waiters_.front();
            waiters_.pop_front();
            job->Finish(Unavailable("shutting down"));
        }
        if (abort) {
            std::vector<std::shared_ptr<PgConn>> running(busy_.begin(), busy_.end());
            for (auto &conn : running) conn->Abort();
        }
    }

private:
    void Dispatch(const std::shared_ptr<Job> &job, bool fresh) {
        if (!fresh) {
            while (!idle_.empty()) {
                auto conn = std::move(idle_.front());
                idle_.pop_front();
                if (conn->usable()) return Execute(std::move(conn), job);
                conn->Abort();
                --open_;
            }
        } else if (open_ >= settings_.size && !idle_.empty()) {
            idle_.front()->Abort();  // make room for the fresh connection
            idle_.pop_front();
            --open_;
        }
        if (open_ < settings_.size) {
            ++open_;
            return Open(job);
        }
        Enqueue(job);
    }

    void Enqueue(const std::shared_ptr<Job> &job) {
        if (settings_.wait_ms <= 0) return PoolWaitOver(job);
        job->wait_timer = std::make_unique<asio::steady_timer>(ioc_, std::chrono::milliseconds(settings_.wait_ms));
        waiters_.push_back(job);
        job->wait_timer->async_wait([weak = weak_from_this(), job](error_code ec) {
            auto self = weak.lock();
            if (ec || !self || job->finished) return;
            self->PoolWaitOver(job);
        });
    }

    void PoolWaitOver(const std::shared_ptr<Job> &job) {
        log_.Limited("pool",
                     "no database connection free within the pool wait (" + std::to_string(settings_.wait_ms) + " ms)");
        job->Finish(Unavailable("pool wait"));
        // Finished jobs leave the queue when they reach its front.
        while (!waiters_.empty() && waiters_.front()->finished) waiters_.pop_front();
    }

    std::shared_ptr<Job> NextWaiter() {
        while (!waiters_.empty()) {
            auto job = std::move(waiters_.front());
            waiters_.pop_front();
            if (!job->finished) {
                job->wait_timer->cancel();
                return job;
            }
        }
        return nullptr;
    }

    // Opens a connection on a connector thread for `job`; open_ already counts it.
    void Open(const std::shared_ptr<Job> &job) {
        auto guard = asio::make_work_guard(ioc_);  // the loop keeps running while we connect
        asio::post(connector_, [weak = weak_from_this(), settings = settings_, &log = log_, job, guard]() {
            std::string why;
            ConnHandle conn = OpenConnection(settings, log, &why);
            asio::post(guard.get_executor(), [weak, job, conn, why] {
                if (auto self = weak.lock()) self->Opened(job, conn, why);
            });
        });
    }

    void Opened(const std::shared_ptr<Job> &job, ConnHandle handle, const std::string &why) {
        if (!handle || closing_) {
            --open_;
            if (!handle) log_.Limited("database", "database connection failed: " + why);
            job->Finish(Unavailable(handle ? "shutting down" : why));
            return ServeWaiters();
        }
        auto conn = std::make_shared<PgConn>(ioc_, std::move(handle));
        if (!conn->usable()) {
            --open_;
            log_.Limited("database", "database connection unusable: cannot watch its socket");
            job->Finish(Unavailable("socket"));
            return ServeWaiters();
        }
        Execute(std::move(conn), job);
    }

    // Waiting calls get a connection opened for them while there is room (after a failure).
    void ServeWaiters() {
        while (!closing_ && open_ < settings_.size) {
            auto job = NextWaiter();
            if (!job) return;
            ++open_;
            Open(job);
        }
    }

    void Execute(std::shared_ptr<PgConn> conn, const std::shared_ptr<Job> &job) {
        busy_.insert(conn);
        PgConn *raw = conn.get();
        raw->Call(job->statement, job->body,
                  [weak = weak_from_this(), conn = std::move(conn), job](CallResult r, bool retryable) {
                      auto self = weak.lock();
                      if (!self) return job->Finish(std::move(r));
                      self->busy_.erase(conn);
                      if (!conn->usable()) {
                          --self->open_;
                          if (r.kind == CallResult::kUnavailable && r.error.message != "shutting down")
                              self->log_.Limited("database", "database connection lost: " + r.error.message);
                          if (retryable && !job->retried && !self->closing_) {
                              job->retried = true;  // read-only: safe to run again, once
                              return self->Dispatch(job, true);
                          }
                          job->Finish(std::move(r));
                          return self->ServeWaiters();
                      }
                      self->Release(conn);
                      job->Finish(std::move(r));
                  });
    }

    void Release(const std::shared_ptr<PgConn> &conn) {
        if (closing_) {
            --open_;
            return;
        }
        if (auto job = NextWaiter()) return Execute(conn, job);
        idle_.push_back(conn);
        conn->WatchIdle([weak = weak_from_this(), raw = conn.get()](const std::string &why) {
            auto self = weak.lock();
            if (!self) return;
            auto it = std::find_if(self->idle_.begin(), self->idle_.end(),
                                   [raw](const std::shared_ptr<PgConn> &c) { return c.get() == raw; });
            if (it == self->idle_.end()) return;
            self->idle_.erase(it);
            --self->open_;
            self->log_.Limited("database", "idle database connection closed: " + why);
        });
    }

    asio::io_context &ioc_;
    const Settings settings_;
    Logger &log_;
    asio::thread_pool connector_;
    std::deque<std::shared_ptr<PgConn>> idle_;
    std::set<std::shared_ptr<PgConn>> busy_;
    std::deque<std::shared_ptr<Job>> waiters_;
    size_t open_ = 0;  // connections open or being opened
    bool closing_ = false;
};

PgPool::PgPool(asio::io_context &ioc, Settings settings, Logger &log)
    : impl_(std::make_shared<Impl>(ioc, std::move(settings), log)) {}

PgPool::~PgPool() = default;

void PgPool::Run(Statement statement, std::string body, Callback done) {
    impl_->Run(statement, std::move(body), std::move(done));
}

void PgPool::Close(bool abort) {
    impl_->Close(abort);
}

}  // namespace pf_http
