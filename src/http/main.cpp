// prefect-filter-http: serves Prefect's POST /api/deployments/filter, /count and /paginate (and
// GET /api/health) from the prefect_filter extension.
//
//   prefect-filter-http --db 'host=/run/postgresql dbname=prefect' --listen 127.0.0.1:4200 --pool 8
//
// One thread runs the event loop (every client socket and every database connection); a few
// helper threads open database connections and compress large answers (kept for reuse, keyed by
// their content: compressed_cache.hpp). SIGTERM or SIGINT stops it gracefully: no new
// connections, idle and half-sent ones are closed, requests in flight are answered (for at most
// --shutdown-timeout-s), then the process exits 0.
#include "http/config.hpp"
#include "http/http_transport.hpp"
#include "http/metrics.hpp"
#include "http/log.hpp"
#include "http/options.hpp"
#include "http/pg_pool.hpp"
#include "http/prefect_app.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <sys/resource.h>

#include <csignal>
#include <cstdio>

namespace {

// Connections cost file descriptors: take the hard limit (the soft one is often 1024).
void RaiseFileLimit(size_t wanted, pf_http::Logger &log) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted + 64)
        log.Line("note: the open-file limit (" + std::to_string(limit.rlim_cur) + ") is below --max-connections (" +
                 std::to_string(wanted) + "); accepting pauses when it is reached");
}

}  // namespace

// GET /metrics on the metrics listener: the counters, the pool's gauges and the compressed-answer
// cache's at this moment.
class MetricsHandler : public pf_http::RequestHandler {
public:
    MetricsHandler(const pf_http::Metrics &metrics, const pf_http::PgPool &pool, const pf_http::CompressedCache &cache)
        : metrics_(metrics), pool_(pool), cache_(cache) {}
    void Handle(pf_http::HttpRequest request, pf_http::Reply reply) override {
        const pf_http::PoolStats stats = pool_.Stats();
        pf_http::PoolGauges gauges;
        gauges.size = stats.size;
        gauges.in_use = stats.in_use;
        gauges.waiters = stats.waiters;
        gauges.reopens = stats.reopens;
        gauges.retries = stats.retries;
        gauges.errors_by_sqlstate = stats.errors_by_sqlstate;
        gauges.connections_by_host = stats.connections_by_host;
        reply(pf_http::MetricsResponse(request, metrics_.Render(gauges, cache_.Stats())));
    }

private:
    const pf_http::Metrics &metrics_;
    const pf_http::PgPool &pool_;
    const pf_http::CompressedCache &cache_;
};

int main(int argc, char **argv) {
    std::string message;
    int exit_code = 0;
    std::optional<pf_http::Options> options =
        pf_http::ParseOptions(argc, argv, pf_http::CurrentEnvironment(), &message, &exit_code);
    if (!options) {
        std::fputs(message.c_str(), exit_code == 0 ? stdout : stderr);
        return exit_code;
    }
    std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server

    pf_http::Logger log;
    for (const std::string &note : options->config_notes) log.Line("note: " + note);
    RaiseFileLimit(options->max_connections, log);
    boost::asio::io_context ioc(1);

    pf_http::PgPool::Settings pool_settings;
    pool_settings.conninfo = options->db;
    pool_settings.params = options->db_params;
    pool_settings.tables_schema = options->tables_schema;
    pool_settings.size = options->pool;
    pool_settings.wait_ms = options->pool_wait_ms;
    pool_settings.statement_timeout_ms = options->statement_timeout_ms;
    pool_settings.connect_timeout_s = options->connect_timeout_s;
    pool_settings.schema = options->schema;
    pool_settings.csrf = options->csrf_protection_enabled;
    pool_settings.default_limit = options->default_limit;
    pool_settings.datetime_parsing = options->datetime_parsing;
    pf_http::PgPool pool(ioc, pool_settings, log);

    pf_http::PrefectApp app(ioc, *options, pool, log);

    pf_http::TransportLimits limits;
    limits.max_header_bytes = options->max_header_bytes;
    limits.max_body_bytes = options->max_body_bytes;
    limits.request_timeout = std::chrono::seconds(options->request_timeout_s);
    limits.keep_alive_timeout = std::chrono::seconds(options->keep_alive_timeout_s);
    limits.write_timeout = std::chrono::seconds(options->write_timeout_s);
    limits.shutdown_timeout = std::chrono::seconds(options->shutdown_timeout_s);
    limits.keep_alive_max = options->keep_alive_max;
    limits.max_connections = options->max_connections;
    pf_http::Metrics metrics(options->base_path);
    const bool with_metrics = !options->metrics_host.empty();
    pf_http::AccessLogSettings access_log;
    access_log.enabled = options->access_log;
    access_log.trusted_proxies = options->trusted_proxies;
    if (with_metrics) access_log.on_answered = [&metrics](const pf_http::AccessLogEntry &e) { metrics.Observe(e); };
    pf_http::HttpServer server(ioc, limits, app, log, access_log);

    // Prometheus metrics on a listener of their own, so that nginx's routes never expose them.
    MetricsHandler metrics_handler(metrics, pool, app.compressed_cache());
    pf_http::TransportLimits metrics_limits;
    metrics_limits.max_body_bytes = 0;
    metrics_limits.max_connections = 64;
    pf_http::HttpServer metrics_server(ioc, metrics_limits, metrics_handler, log);

    std::string error;
    if (!server.Listen(options->host, options->port, &error)) {
        log.Line(error);
        return 1;
    }
    if (with_metrics && !metrics_server.Listen(options->metrics_host, options->metrics_port, &error)) {
        log.Line("metrics: " + error);
        return 1;
    }
    boost::asio::signal_set signals(ioc, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code &ec, int sig) {
        if (ec) return;
        log.Line(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", finishing requests in flight");
        if (with_metrics) metrics_server.Stop([] {});
        server.Stop([&] { pool.Close(/*abort=*/true); });
        pool.Close(/*abort=*/false);
    });
    server.Start();
    if (with_metrics) {
        metrics_server.Start();
        log.Line("metrics on " + options->metrics_host + ":" + std::to_string(options->metrics_port) + " (/metrics)");
    }
    log.Line("prefect-filter-http listening on " + options->host + ":" + std::to_string(options->port) + " (pool " +
             std::to_string(options->pool) + ")");
    for (;;) {
        try {
            ioc.run();
            break;
        } catch (const std::exception &e) {  // not expected: every handler catches its own
            log.Line(std::string("exception in the event loop: ") + e.what());
        }
    }
    app.Join();
    log.Line("stopped");
    return 0;
}
