// prefect-filter-http: serves Prefect's POST /api/deployments/filter, /count and /paginate (and
// GET /api/health) from the prefect_filter extension.
//
//   prefect-filter-http --db 'host=/run/postgresql dbname=prefect' --listen 127.0.0.1:4200 --pool 8
//
// SIGTERM or SIGINT stops it gracefully: no new connections are accepted, requests in flight
// are answered, then the process exits 0. The signals are taken synchronously by one thread
// (sigtimedwait), so no handler runs in async-signal context and no global state is needed.
#include "http/log.hpp"
#include "http/options.hpp"
#include "http/pg_pool.hpp"
#include "http/server.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <thread>

namespace {

// Waits for SIGTERM/SIGINT on its own thread and calls `on_signal` once.
class SignalWatcher {
public:
    template <class Fn>
    SignalWatcher(const sigset_t &signals, Fn on_signal)
        : signals_(signals), thread_([this, on_signal] { Watch(on_signal); }) {}
    ~SignalWatcher() {
        done_.store(true);
        thread_.join();
    }
    SignalWatcher(const SignalWatcher &) = delete;
    SignalWatcher &operator=(const SignalWatcher &) = delete;

private:
    template <class Fn>
    void Watch(Fn on_signal) {
        const timespec tick{0, 200 * 1000 * 1000};
        while (!done_.load()) {
            int sig = sigtimedwait(&signals_, nullptr, &tick);
            if (sig == SIGTERM || sig == SIGINT) {
                on_signal(sig);
                return;
            }
        }
    }

    const sigset_t signals_;
    std::atomic<bool> done_{false};
    std::thread thread_;
};

}  // namespace

int main(int argc, char **argv) {
    std::string message;
    int exit_code = 0;
    std::optional<pf_http::Options> options = pf_http::ParseOptions(argc, argv, &message, &exit_code);
    if (!options) {
        std::fputs(message.c_str(), exit_code == 0 ? stdout : stderr);
        return exit_code;
    }

    // Block the stop signals in every thread (threads inherit the mask); the watcher takes them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server

    pf_http::Logger log;
    pf_http::PgPool::Settings pool_settings;
    pool_settings.conninfo = options->db;
    pool_settings.size = options->pool;
    pool_settings.wait_ms = options->pool_wait_ms;
    pool_settings.statement_timeout_ms = options->statement_timeout_ms;
    pool_settings.connect_timeout_s = options->connect_timeout_s;
    pool_settings.schema = options->schema;
    pf_http::PgPool pool(pool_settings, log);

    pf_http::Server server(*options, pool, log);
    std::string error;
    if (!server.Bind(&error)) {
        log.Line(error);
        return 1;
    }
    bool ok = true;
    {
        SignalWatcher watcher(stop_signals, [&](int sig) {
            log.Line(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                     ", finishing requests in flight");
            server.Stop();
        });
        log.Line("prefect-filter-http listening on " + options->host + ":" + std::to_string(options->port) + " (pool " +
                 std::to_string(options->pool) + ", threads " + std::to_string(options->threads) + ")");
        ok = server.Run();
    }
    log.Line("stopped");
    return ok ? 0 : 1;
}
