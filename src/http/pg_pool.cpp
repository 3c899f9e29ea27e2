// The event-driven libpq pool (see pg_pool.hpp). Everything here runs on the loop thread except
// OpenConnection and ProbeHost, which run on the connector threads and touch nothing shared.
#include "http/pg_pool.hpp"

#include "http/pg_connect.hpp"
#include "http/replica_hosts.hpp"

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
// default; they go through the logger instead, as one kind of rate-limited line, from the
// connection's first byte on (pg_connect.hpp).
void LogNotice(void *logger, const char *message) {
    static_cast<Logger *>(logger)->Limited("database notice", "database: " + Trimmed(message));
}

// Blocking: libpq's connect. With `host` (several hosts), to that host alone, with the other
// keywords of `replica` and target_session_attrs=any (the pool judges the role itself).
ConnHandle Connect(const PgPool::Settings &settings, const ReplicaSetup *replica, const DbHost *host, Logger &log,
                   std::string *why) {
    const std::string timeout = std::to_string(settings.connect_timeout_s);
    // Earlier keywords are defaults that later ones (and an expanded connection string) override.
    std::vector<const char *> keys = {"connect_timeout", "fallback_application_name"};
    std::vector<const char *> values = {timeout.c_str(), "prefect-filter-http"};
    int expand_dbname = 0;
    if (host != nullptr) {
        for (const auto &[key, value] : replica->others) {
            keys.push_back(key.c_str());
            values.push_back(value.c_str());
        }
        const std::pair<const char *, const std::string *> one[] = {
            {"host", &host->host}, {"hostaddr", &host->hostaddr}, {"port", &host->port}};
        for (const auto &[key, value] : one)
            if (!value->empty()) {
                keys.push_back(key);
                values.push_back(value->c_str());
            }
        keys.push_back("target_session_attrs");  // not PGTARGETSESSIONATTRS either
        values.push_back("any");
    } else if (!settings.conninfo.empty()) {
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
    std::string reason;
    ConnHandle conn = ConnectWithNotices(keys.data(), values.data(), expand_dbname, LogNotice, &log, &reason);
    if (!conn) *why = Trimmed(reason.c_str());
    return conn;
}

// Blocking: is the server a hot standby, is it read-only by default? PostgreSQL 14+ reports both
// at connection start; older servers are asked.
bool ReadRole(PGconn *conn, HostRole *role, std::string *why) {
    const char *standby = PQparameterStatus(conn, "in_hot_standby");
    const char *read_only = PQparameterStatus(conn, "default_transaction_read_only");
    if (standby != nullptr && read_only != nullptr) {
        role->hot_standby = std::string(standby) == "on";
        role->read_only = std::string(read_only) == "on";
        return true;
    }
    Result r(PQexec(
        conn, "SELECT pg_catalog.pg_is_in_recovery(), pg_catalog.current_setting('default_transaction_read_only')"));
    if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) {
        *why = "cannot read the server's role: " +
               (r ? Field(r.get(), PG_DIAG_MESSAGE_PRIMARY) : Trimmed(PQerrorMessage(conn)));
        return false;
    }
    role->hot_standby = std::string(PQgetvalue(r.get(), 0, 0)) == "t";
    role->read_only = std::string(PQgetvalue(r.get(), 0, 1)) == "on";
    return true;
}

std::string RoleName(HostRole role) {
    return role.hot_standby ? "standby" : role.read_only ? "primary, read-only by default" : "primary";
}

// Blocking: set the statement timeout, prepare the four statements, switch to non-blocking mode.
bool PrepareSession(PGconn *conn, const PgPool::Settings &settings, std::string *why) {
    auto exec_ok = [&](const Result &r, const char *what) {
        if (r && (PQresultStatus(r.get()) == PGRES_COMMAND_OK || PQresultStatus(r.get()) == PGRES_TUPLES_OK))
            return true;
        *why = std::string(what) +
               " failed: " + (r ? Field(r.get(), PG_DIAG_MESSAGE_PRIMARY) : Trimmed(PQerrorMessage(conn)));
        return false;
    };
    const std::string set_timeout = "SET statement_timeout = " + std::to_string(settings.statement_timeout_ms);
    if (!exec_ok(Result(PQexec(conn, set_timeout.c_str())), "SET statement_timeout")) return false;
    // Settings of the extension: values bound as parameters of set_config, never spliced.
    auto set_config = [&](const char *name, const std::string &value) {
        const char *params[2] = {name, value.c_str()};
        return exec_ok(Result(PQexecParams(conn, "SELECT pg_catalog.set_config($1, $2, false)", 2, nullptr, params,
                                           nullptr, nullptr, 0)),
                       "set_config");
    };
    if (settings.default_limit != 200 &&
        !set_config("prefect_filter.default_limit", std::to_string(settings.default_limit)))
        return false;
    if (!settings.tables_schema.empty() && !set_config("prefect_filter.schema", settings.tables_schema)) return false;
    if (settings.datetime_parsing != "pendulum" &&
        !set_config("prefect_filter.datetime_parsing", settings.datetime_parsing))
        return false;
    char *schema = PQescapeIdentifier(conn, settings.schema.c_str(), settings.schema.size());
    if (schema == nullptr) {
        *why = "cannot quote the schema name";
        return false;
    }
    const std::string quoted_schema = schema;
    PQfreemem(schema);
    for (const StatementSpec &spec : kStatements) {
        if (spec.only_with_csrf && !settings.csrf) continue;
        // The functions' text output is Prefect's body (endpoints.hpp: no cast).
        const std::string sql =
            spec.in_extension_schema ? "SELECT " + quoted_schema + "." + spec.call : std::string(spec.call);
        if (!exec_ok(Result(PQprepare(conn, spec.prepared_name, sql.c_str(), 1, nullptr)), "PREPARE")) return false;
    }
    if (PQsetnonblocking(conn, 1) != 0) {
        *why = "cannot switch the connection to non-blocking mode";
        return false;
    }
    return true;
}

// What one host turned out to be when a connector thread tried it.
struct HostOutcome {
    size_t index = 0;
    bool up = false;
    HostRole role;
    std::string why;  // when down: libpq's reason
};

// A connection opened on a connector thread, handed to the loop.
struct OpenResult {
    ConnHandle conn;
    std::string why;                    // when conn is null
    int host = -1;                      // index into the host list (several hosts), else -1
    bool fallback = false;              // prefer-standby: no standby accepted, this host is the fallback
    std::string label;                  // "host:port" of the connected server
    std::vector<HostOutcome> outcomes;  // every host tried
};

std::string LabelOf(PGconn *conn) {
    const char *host = PQhost(conn);
    const char *port = PQport(conn);
    return std::string(host ? host : "") + ":" + (port ? port : "");
}

// Blocking, on a connector thread: one host alone, its role read, then closed.
HostOutcome ProbeHost(const PgPool::Settings &settings, const ReplicaSetup &replica, size_t index, Logger &log) {
    HostOutcome out;
    out.index = index;
    ConnHandle conn = Connect(settings, &replica, &replica.hosts[index], log, &out.why);
    out.up = conn && ReadRole(conn.get(), &out.role, &out.why);
    return out;
}

// Blocking, on a connector thread: a ready connection (single host: as libpq connects; several:
// the hosts of `plan` in order, judged by their role).
OpenResult OpenConnection(const PgPool::Settings &settings, const ReplicaSetup &replica, const ConnectPlan &plan,
                          Logger &log) {
    OpenResult out;
    if (!replica.enabled) {
        out.conn = Connect(settings, nullptr, nullptr, log, &out.why);
    } else {
        ConnHandle held;
        int held_index = -1;
        std::string reasons;
        for (size_t position = 0; KeepTrying(plan, position, held != nullptr); ++position) {
            const size_t i = plan.order[position];
            HostOutcome tried;
            tried.index = i;
            ConnHandle conn = Connect(settings, &replica, &replica.hosts[i], log, &tried.why);
            tried.up = conn && ReadRole(conn.get(), &tried.role, &tried.why);
            out.outcomes.push_back(tried);
            if (!tried.up) {
                reasons += (reasons.empty() ? "" : "; ") + replica.hosts[i].Label() + ": " + tried.why;
                continue;
            }
            const Verdict verdict = Judge(replica.attrs, tried.role, held != nullptr);
            if (verdict == Verdict::kUse) {
                out.conn = std::move(conn);
                out.host = static_cast<int>(i);
                break;
            }
            if (verdict == Verdict::kHold) {
                held = std::move(conn);
                held_index = static_cast<int>(i);
            } else {
                reasons += (reasons.empty() ? "" : "; ") + replica.hosts[i].Label() + ": " + RoleName(tried.role) +
                           ", not " + SessionAttrsName(replica.attrs);
            }
        }
        if (!out.conn && held) {
            out.conn = std::move(held);
            out.host = held_index;
            out.fallback = true;
        }
        if (!out.conn) out.why = reasons.empty() ? "no database host to try" : reasons;
    }
    if (!out.conn) return out;
    if (!PrepareSession(out.conn.get(), settings, &out.why)) {
        out.conn = nullptr;
        return out;
    }
    out.label = LabelOf(out.conn.get());
    return out;
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

    PgConn(asio::io_context &ioc, ConnHandle conn, int host, std::string label)
        : host_(host), label_(std::move(label)), conn_(std::move(conn)), socket_(ioc) {
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
    int host() const { return host_; }  // index into the host list (several hosts), else -1
    const std::string &label() const { return label_; }
    // Re-balancing: close it instead of using it again.
    bool retiring = false;

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

    const int host_;
    const std::string label_;
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
          replica_(settings_.conninfo.empty() ? ReplicaSetupFromParams(settings_.params)
                                              : ReplicaSetupFromConninfo(settings_.conninfo)),
          log_(log),
          connector_(std::min<size_t>(std::max<size_t>(settings_.size, 1), 4)),
          recheck_timer_(ioc) {
        for (const DbHost &h : replica_.hosts) {
            HostState state;
            state.label = h.Label();
            hosts_.push_back(state);
        }
    }

    ~Impl() { connector_.join(); }

    // Several hosts: learn their roles now, re-check them periodically.
    void Start() {
        if (!replica_.enabled) return;
        std::string labels;
        for (const HostState &h : hosts_) labels += (labels.empty() ? "" : ", ") + h.label;
        log_.Line("database hosts: " + labels + "; target_session_attrs=" + SessionAttrsName(replica_.attrs) +
                  (replica_.attrs_given ? "" : " (not given: standbys preferred, the primary as fallback)") +
                  "; connections spread over the hosts that satisfy it, hosts re-checked every " +
                  std::to_string(RecheckInterval().count()) + " ms");
        for (size_t i = 0; i < hosts_.size(); ++i) Probe(i);
        ArmRecheck();
    }

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
        recheck_timer_.cancel();
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

    PoolStats Stats() const {
        PoolStats stats;
        stats.size = idle_.size() + busy_.size();
        stats.in_use = busy_.size();
        stats.waiters = static_cast<size_t>(std::count_if(
            waiters_.begin(), waiters_.end(), [](const std::shared_ptr<Job> &job) { return !job->finished; }));
        stats.reopens = opened_ > settings_.size ? opened_ - settings_.size : 0;
        stats.retries = retries_;
        stats.errors_by_sqlstate = errors_;
        for (const auto &conn : idle_) ++stats.connections_by_host[conn->label()];
        for (const auto &conn : busy_) ++stats.connections_by_host[conn->label()];
        return stats;
    }

private:
    struct HostState {
        std::string label;
        HostHealth health = HostHealth::kUnknown;
        HostRole role;
        size_t pending = 0;  // connections being opened that the plan put here first
        bool probing = false;
        std::chrono::steady_clock::time_point checked{};  // last outcome
    };

    std::chrono::milliseconds RecheckInterval() const {
        return std::chrono::milliseconds(std::max(settings_.recheck_ms, 50));
    }

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

    // The hosts as the rules see them: connections that stay on each (+ those being opened).
    std::vector<HostView> Views(bool with_pending) const {
        std::vector<HostView> views(hosts_.size());
        for (size_t i = 0; i < hosts_.size(); ++i) {
            views[i].health = hosts_[i].health;
            views[i].role = hosts_[i].role;
            if (with_pending) views[i].load = hosts_[i].pending;
        }
        auto count = [&](const std::shared_ptr<PgConn> &conn) {
            if (conn->host() >= 0 && !conn->retiring) ++views[static_cast<size_t>(conn->host())].load;
        };
        for (const auto &conn : idle_) count(conn);
        for (const auto &conn : busy_) count(conn);
        return views;
    }

    // Opens a connection on a connector thread for `job`; open_ already counts it.
    void Open(const std::shared_ptr<Job> &job) {
        ConnectPlan plan;
        int pending = -1;
        if (replica_.enabled) {
            plan = PlanConnect(replica_.attrs, Views(true), rotation_++);
            if (!plan.order.empty()) {
                pending = static_cast<int>(plan.order.front());
                ++hosts_[plan.order.front()].pending;
            }
        }
        auto guard = asio::make_work_guard(ioc_);  // the loop keeps running while we connect
        asio::post(connector_, [weak = weak_from_this(), settings = settings_, replica = replica_, plan, &log = log_,
                                job, guard, pending]() {
            auto result = std::make_shared<OpenResult>(OpenConnection(settings, replica, plan, log));
            asio::post(guard.get_executor(), [weak, job, result, pending] {
                if (auto self = weak.lock()) self->Opened(job, std::move(*result), pending);
            });
        });
    }

    void Opened(const std::shared_ptr<Job> &job, OpenResult result, int pending) {
        if (pending >= 0) --hosts_[static_cast<size_t>(pending)].pending;
        for (const HostOutcome &outcome : result.outcomes) Apply(outcome);
        if (!result.conn || closing_) {
            --open_;
            if (!result.conn) log_.Limited("database", "database connection failed: " + result.why);
            job->Finish(Unavailable(result.conn ? "shutting down" : result.why));
            return ServeWaiters();
        }
        if (result.fallback)
            log_.Limited("database fallback", "no standby accepted a connection: it falls back to " +
                                                  hosts_[static_cast<size_t>(result.host)].label +
                                                  " until a standby is up again");
        auto conn = std::make_shared<PgConn>(ioc_, std::move(result.conn), result.host, std::move(result.label));
        if (!conn->usable()) {
            --open_;
            log_.Limited("database", "database connection unusable: cannot watch its socket");
            job->Finish(Unavailable("socket"));
            return ServeWaiters();
        }
        ++opened_;
        Execute(std::move(conn), job);
        // Plans made before a host came back may have crowded another one: even out at once.
        if (replica_.enabled) Rebalance();
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

    void CountError(const CallResult &r) {
        if (r.kind == CallResult::kSqlError)
            ++errors_[r.error.sqlstate.empty() ? "unknown" : r.error.sqlstate];
        else if (r.kind == CallResult::kUnavailable && r.error.message != "shutting down")
            ++errors_[r.error.sqlstate.empty() ? "connection" : r.error.sqlstate];
    }

    void Execute(std::shared_ptr<PgConn> conn, const std::shared_ptr<Job> &job) {
        busy_.insert(conn);
        PgConn *raw = conn.get();
        raw->Call(job->statement, job->body,
                  [weak = weak_from_this(), conn = std::move(conn), job](CallResult r, bool retryable) {
                      auto self = weak.lock();
                      if (!self) return job->Finish(std::move(r));
                      self->busy_.erase(conn);
                      self->CountError(r);
                      if (!conn->usable()) {
                          --self->open_;
                          if (r.kind == CallResult::kUnavailable && r.error.message != "shutting down") {
                              self->log_.Limited("database", "database connection lost: " + r.error.message);
                              if (conn->host() >= 0) self->HostLost(static_cast<size_t>(conn->host()), r.error.message);
                          }
                          if (retryable && !job->retried && !self->closing_) {
                              job->retried = true;  // read-only: safe to run again, once
                              ++self->retries_;
                              return self->Dispatch(job, true);
                          }
                          job->Finish(std::move(r));
                          return self->ServeWaiters();
                      }
                      // A hot standby cancels a query that conflicts with WAL replay (40001,
                      // "conflict with recovery"); read-only: run it once more, on the next free
                      // connection.
                      const bool conflict = r.kind == CallResult::kSqlError && r.error.sqlstate == "40001";
                      const bool retry = conflict && !job->retried && !self->closing_;
                      if (retry) {
                          job->retried = true;
                          ++self->retries_;
                          self->log_.Limited("database conflict",
                                             "database call cancelled (40001), retried: " + r.error.message);
                      }
                      if (conn->retiring) {  // re-balanced away: its place goes to a new connection
                          --self->open_;
                          conn->Abort();
                          if (retry) return self->Dispatch(job, false);
                          job->Finish(std::move(r));
                          return self->ServeWaiters();
                      }
                      self->Release(conn);
                      if (retry) return self->Dispatch(job, false);
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
            if (raw->host() >= 0) self->HostLost(static_cast<size_t>(raw->host()), why);
        });
    }

    // --- several hosts ---

    // A host's new state from a connector thread; true when it just became a preferred host.
    bool Apply(const HostOutcome &outcome) {
        HostState &h = hosts_[outcome.index];
        const bool was_preferred = Preferred(replica_.attrs, HostView{h.health, h.role, 0});
        const HostHealth before = h.health;
        const bool role_changed =
            h.role.hot_standby != outcome.role.hot_standby || h.role.read_only != outcome.role.read_only;
        h.checked = std::chrono::steady_clock::now();
        if (outcome.up) {
            h.health = HostHealth::kUp;
            h.role = outcome.role;
            if (before != HostHealth::kUp || role_changed) {
                const bool preferred = Preferred(replica_.attrs, HostView{h.health, h.role, 0});
                log_.Limited("database host " + h.label + " up",
                             "database host " + h.label + " is up: " + RoleName(h.role) +
                                 (preferred ? ""
                                            : " (used only when no host satisfies target_session_attrs=" +
                                                  std::string(SessionAttrsName(replica_.attrs)) + ")"));
            }
        } else {
            h.health = HostHealth::kDown;
            if (before != HostHealth::kDown)
                log_.Limited("database host " + h.label + " down",
                             "database host " + h.label + " is down: " + outcome.why);
        }
        return !was_preferred && Preferred(replica_.attrs, HostView{h.health, h.role, 0});
    }

    // A connection on host `index` died: take the host out of new plans and check it at once
    // (one backend terminated is back in a moment; a stopped server stays out).
    void HostLost(size_t index, const std::string &why) {
        if (closing_) return;
        HostOutcome down;
        down.index = index;
        down.why = "a connection was lost (" + why + ")";
        Apply(down);
        Probe(index);
    }

    void Probe(size_t index) {
        if (closing_ || hosts_[index].probing) return;
        hosts_[index].probing = true;
        auto guard = asio::make_work_guard(ioc_);
        asio::post(connector_,
                   [weak = weak_from_this(), settings = settings_, replica = replica_, &log = log_, index, guard]() {
                       HostOutcome outcome = ProbeHost(settings, replica, index, log);
                       asio::post(guard.get_executor(), [weak, outcome] {
                           auto self = weak.lock();
                           if (!self) return;
                           self->hosts_[outcome.index].probing = false;
                           if (self->closing_) return;
                           if (self->Apply(outcome)) self->Rebalance();
                       });
                   });
    }

    void ArmRecheck() {
        recheck_timer_.expires_after(RecheckInterval());
        recheck_timer_.async_wait([weak = weak_from_this()](error_code ec) {
            auto self = weak.lock();
            if (ec || !self || self->closing_) return;
            self->Recheck();
            self->ArmRecheck();
        });
    }

    // Hosts seen down (or never reached) are tried every interval; hosts up but not satisfying
    // (the primary, with standbys preferred) every 15 intervals, in case their role changed.
    void Recheck() {
        const auto now = std::chrono::steady_clock::now();
        for (size_t i = 0; i < hosts_.size(); ++i) {
            const HostState &h = hosts_[i];
            if (Preferred(replica_.attrs, HostView{h.health, h.role, 0})) continue;
            // (half an interval of slack: the last probe ended a moment after the last tick)
            const auto every = h.health == HostHealth::kUp ? RecheckInterval() * 15 : RecheckInterval();
            if (now - h.checked >= every - RecheckInterval() / 2) Probe(i);
        }
        Rebalance();
    }

    // Connections beyond a host's share (and fallback ones) close now when idle, else when their
    // call ends; new connections then go to the hosts with the fewest.
    void Rebalance() {
        if (!replica_.enabled || closing_) return;
        std::vector<size_t> excess = ExcessConnections(replica_.attrs, Views(false));
        size_t retired = 0;
        std::string where;
        for (size_t i = 0; i < excess.size(); ++i) {
            if (excess[i] == 0) continue;
            size_t left = excess[i];
            for (auto it = idle_.begin(); left > 0 && it != idle_.end();) {
                if ((*it)->host() == static_cast<int>(i)) {
                    (*it)->Abort();
                    it = idle_.erase(it);
                    --open_;
                    --left;
                } else {
                    ++it;
                }
            }
            for (auto it = busy_.begin(); left > 0 && it != busy_.end(); ++it)
                if ((*it)->host() == static_cast<int>(i) && !(*it)->retiring) {
                    (*it)->retiring = true;
                    --left;
                }
            retired += excess[i] - left;
            where += (where.empty() ? "" : ", ") + std::to_string(excess[i] - left) + " on " + hosts_[i].label;
        }
        if (retired > 0) log_.Limited("database rebalance", "re-balancing the database connections: retiring " + where);
    }

    asio::io_context &ioc_;
    const Settings settings_;
    const ReplicaSetup replica_;
    Logger &log_;
    asio::thread_pool connector_;
    asio::steady_timer recheck_timer_;
    std::vector<HostState> hosts_;  // several hosts: one per entry of replica_.hosts
    size_t rotation_ = 0;           // ties between equally loaded hosts go round
    std::deque<std::shared_ptr<PgConn>> idle_;
    std::set<std::shared_ptr<PgConn>> busy_;
    std::deque<std::shared_ptr<Job>> waiters_;
    size_t open_ = 0;  // connections open or being opened
    bool closing_ = false;
    uint64_t opened_ = 0;
    uint64_t retries_ = 0;
    std::map<std::string, uint64_t> errors_;
};

PgPool::PgPool(asio::io_context &ioc, Settings settings, Logger &log)
    : impl_(std::make_shared<Impl>(ioc, std::move(settings), log)) {
    impl_->Start();
}

PgPool::~PgPool() = default;

void PgPool::Run(Statement statement, std::string body, Callback done) {
    impl_->Run(statement, std::move(body), std::move(done));
}

void PgPool::Close(bool abort) {
    impl_->Close(abort);
}

PoolStats PgPool::Stats() const {
    return impl_->Stats();
}

}  // namespace pf_http
