// Prometheus metrics of prefect-filter-http (--metrics-listen, off by default), in the text
// exposition format 0.0.4. Everything here runs on the loop thread: the transport reports every
// answer it wrote (Observe), the metrics listener renders on GET /metrics (Render), with the
// pool's gauges and the compressed-answer cache's counters taken at that moment.
//
//   prefect_filter_http_requests_total{route,method,status}        counter
//   prefect_filter_http_request_duration_seconds{route}            histogram (first byte -> written)
//   prefect_filter_http_response_bytes_total{route}                counter (body bytes, as sent)
//   prefect_filter_http_responses_by_encoding_total{encoding}      counter (identity, gzip)
//   prefect_filter_http_compression_cache_hits_total, _misses_total counters (compressed_cache.hpp)
//   prefect_filter_http_compression_cache_evictions_total           counter
//   prefect_filter_http_compression_cache_bytes / _entries          gauges
//   prefect_filter_db_pool_connections / _in_use / _waiters        gauges
//   prefect_filter_db_pool_connections_by_host{host}               gauge
//   prefect_filter_db_pool_reopens_total, _retries_total           counters
//   prefect_filter_db_errors_total{sqlstate}                       counter
// `route` is the path inside the API mount for the paths we serve, else "other", so a client
// cannot grow the label set.
#pragma once

#include "http/access_log.hpp"
#include "http/compressed_cache.hpp"
#include "http/http_message.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

namespace pf_http {

// The pool's side, as PgPool reports it.
struct PoolGauges {
    size_t size = 0, in_use = 0, waiters = 0;
    uint64_t reopens = 0, retries = 0;
    std::map<std::string, uint64_t> errors_by_sqlstate;
    std::map<std::string, size_t> connections_by_host;
};

class Metrics {
public:
    // `base_path`: the API mount ("/api"), to name routes.
    explicit Metrics(std::string base_path);

    void Observe(const AccessLogEntry &answer);
    // `cache`: the compressed-answer cache's counters at this moment.
    std::string Render(const PoolGauges &pool, const CompressedCacheStats &cache) const;

    // The histogram's upper bounds, in seconds.
    static constexpr std::array<double, 13> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                        0.25,  0.5,    1,     2.5,  5,     10};

private:
    std::string Route(const std::string &path) const;

    struct Histogram {
        std::array<uint64_t, kBuckets.size()> counts{};  // per bucket, not cumulative
        uint64_t count = 0;
        double sum = 0;
    };
    std::string base_path_;
    std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;  // route, method, status
    std::map<std::string, Histogram> durations_;                              // route
    std::map<std::string, uint64_t> bytes_;                                   // route
    std::map<std::string, uint64_t> encodings_;                               // encoding
};

// The metrics listener's answer: GET/HEAD /metrics -> 200 with `exposition` (text format 0.0.4),
// another path 404, another method 405.
HttpResponse MetricsResponse(const HttpRequest &request, const std::string &exposition);

}  // namespace pf_http
