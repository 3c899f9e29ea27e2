// Prometheus text exposition of the server's counters (metrics.hpp).
#include "http/metrics.hpp"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace pf_http {

namespace {

const char *const kRoutes[] = {"/deployments/filter", "/deployments/count", "/deployments/paginate", "/health",
                               "/ready"};
const char *const kMethods[] = {"GET", "HEAD", "POST", "OPTIONS"};

// A label value: backslash, double quote and newline escaped.
std::string Label(const std::string &value) {
    std::string out;
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

// The shortest text that reads back as `v` (0.005, not 0.0050000000000000001).
std::string Number(double v) {
    char buf[40];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    return buf;
}

void Header(std::ostringstream &out, const char *name, const char *type, const char *help) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

// A metric without labels: its header and its one sample.
template <typename T>
void Single(std::ostringstream &out, const char *name, const char *type, const char *help, T value) {
    Header(out, name, type, help);
    out << name << ' ' << value << '\n';
}

}  // namespace

Metrics::Metrics(std::string base_path) : base_path_(std::move(base_path)) {
    while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
}

std::string Metrics::Route(const std::string &path) const {
    if (path.size() > base_path_.size() && path.compare(0, base_path_.size(), base_path_) == 0) {
        const std::string inside = path.substr(base_path_.size());
        for (const char *route : kRoutes)
            if (inside == route) return route;
    }
    return "other";
}

void Metrics::Observe(const AccessLogEntry &answer) {
    const std::string route = Route(answer.path);
    std::string method = "other";
    for (const char *m : kMethods)
        if (answer.method == m) method = m;
    ++requests_[{route, method, answer.status}];
    Histogram &h = durations_[route];
    const double seconds = answer.ms / 1000.0;
    size_t bucket = 0;
    while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
    if (bucket < kBuckets.size()) ++h.counts[bucket];
    ++h.count;
    h.sum += seconds;
    bytes_[route] += answer.bytes;
    ++encodings_[answer.content_encoding.empty() ? "identity" : answer.content_encoding];
}

std::string Metrics::Render(const PoolGauges &pool, const CompressedCacheStats &cache) const {
    std::ostringstream out;
    Header(out, "prefect_filter_http_requests_total", "counter", "Answers written, by route, method and status.");
    for (const auto &[key, n] : requests_)
        out << "prefect_filter_http_requests_total{route=\"" << Label(std::get<0>(key)) << "\",method=\""
            << Label(std::get<1>(key)) << "\",status=\"" << std::get<2>(key) << "\"} " << n << '\n';
    Header(out, "prefect_filter_http_request_duration_seconds", "histogram",
           "Time from a request's first byte to its answer written.");
    for (const auto &[route, h] : durations_) {
        uint64_t cumulative = 0;
        for (size_t i = 0; i < kBuckets.size(); ++i) {
            cumulative += h.counts[i];
            out << "prefect_filter_http_request_duration_seconds_bucket{route=\"" << Label(route) << "\",le=\""
                << Number(kBuckets[i]) << "\"} " << cumulative << '\n';
        }
        out << "prefect_filter_http_request_duration_seconds_bucket{route=\"" << Label(route) << "\",le=\"+Inf\"} "
            << h.count << '\n';
        out << "prefect_filter_http_request_duration_seconds_sum{route=\"" << Label(route) << "\"} " << Number(h.sum)
            << '\n';
        out << "prefect_filter_http_request_duration_seconds_count{route=\"" << Label(route) << "\"} " << h.count
            << '\n';
    }
    Header(out, "prefect_filter_http_response_bytes_total", "counter", "Body bytes of the answers, as sent.");
    for (const auto &[route, n] : bytes_)
        out << "prefect_filter_http_response_bytes_total{route=\"" << Label(route) << "\"} " << n << '\n';
    Header(out, "prefect_filter_http_responses_by_encoding_total", "counter",
           "Answers by Content-Encoding (identity: not compressed).");
    for (const auto &[encoding, n] : encodings_)
        out << "prefect_filter_http_responses_by_encoding_total{encoding=\"" << Label(encoding) << "\"} " << n << '\n';
    Single(out, "prefect_filter_http_compression_cache_hits_total", "counter",
           "Compressed answers taken from the cache (the same body compressed before).", cache.hits);
    Single(out, "prefect_filter_http_compression_cache_misses_total", "counter",
           "Answers the cache could hold that were compressed anew.", cache.misses);
    Single(out, "prefect_filter_http_compression_cache_evictions_total", "counter",
           "Cached compressed answers dropped for room (least recently used first).", cache.evictions);
    Single(out, "prefect_filter_http_compression_cache_bytes", "gauge",
           "Bytes the cache holds (uncompressed and compressed bodies).", cache.bytes);
    Single(out, "prefect_filter_http_compression_cache_entries", "gauge", "Compressed answers the cache holds.",
           cache.entries);
    Single(out, "prefect_filter_db_pool_connections", "gauge", "Open PostgreSQL connections.", pool.size);
    Single(out, "prefect_filter_db_pool_in_use", "gauge", "Connections running a call.", pool.in_use);
    Single(out, "prefect_filter_db_pool_waiters", "gauge", "Calls waiting for a free connection.", pool.waiters);
    Header(out, "prefect_filter_db_pool_connections_by_host", "gauge", "Open connections per database host.");
    for (const auto &[host, n] : pool.connections_by_host)
        out << "prefect_filter_db_pool_connections_by_host{host=\"" << Label(host) << "\"} " << n << '\n';
    Single(out, "prefect_filter_db_pool_reopens_total", "counter", "Connections opened to replace closed or lost ones.",
           pool.reopens);
    Single(out, "prefect_filter_db_pool_retries_total", "counter",
           "Calls retried once on a fresh connection after losing theirs.", pool.retries);
    Header(out, "prefect_filter_db_errors_total", "counter",
           "Errors of database calls by SQLSTATE (\"connection\": the connection was lost).");
    for (const auto &[sqlstate, n] : pool.errors_by_sqlstate)
        out << "prefect_filter_db_errors_total{sqlstate=\"" << Label(sqlstate) << "\"} " << n << '\n';
    return out.str();
}

HttpResponse MetricsResponse(const HttpRequest &request, const std::string &exposition) {
    if (request.path != "/metrics") return DetailResponse(404);
    if (request.method != "GET" && request.method != "HEAD") {
        HttpResponse r = DetailResponse(405);
        r.headers.emplace_back("Allow", "GET");
        return r;
    }
    HttpResponse r;
    r.status = 200;
    r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    r.body = exposition;
    return r;
}

}  // namespace pf_http
