// The Prometheus exposition: counters and histograms from observed answers, parsed back by a
// strict reader of the text format 0.0.4.
#include "http/metrics.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <regex>
#include <sstream>
#include <string>

namespace pf_http {
namespace {

struct Parsed {
    std::map<std::string, std::string> types;  // family -> counter/gauge/histogram
    std::map<std::string, double> samples;     // "name{labels}" -> value
    std::string error;
};

// Every line is a HELP, a TYPE or a sample; a sample's family has its TYPE before it.
Parsed ParseExposition(const std::string &text) {
    Parsed p;
    static const std::regex kSample(
        R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (\S+)$)");
    static const std::regex kMeta(R"(^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$)");
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_match(line, m, kMeta)) {
            if (m[1] == "TYPE") p.types[m[2]] = m[3];
            continue;
        }
        if (!std::regex_match(line, m, kSample)) {
            p.error = "not a sample: " + line;
            return p;
        }
        std::string name = m[1];
        std::string family = name;
        for (const char *suffix : {"_bucket", "_sum", "_count"})
            if (!p.types.count(family) && family.size() > std::strlen(suffix) &&
                family.compare(family.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
                family.resize(family.size() - std::strlen(suffix));
        if (!p.types.count(family)) {
            p.error = "no TYPE before " + name;
            return p;
        }
        p.samples[name + m[2].str()] = std::stod(m[5]);
    }
    return p;
}

AccessLogEntry Answer(const std::string &method, const std::string &path, int status, double ms, size_t bytes,
                      const std::string &encoding = "") {
    AccessLogEntry e;
    e.method = method;
    e.path = path;
    e.status = status;
    e.ms = ms;
    e.bytes = bytes;
    e.content_encoding = encoding;
    return e;
}

TEST(Metrics, CountsHistogramsAndPoolGaugesParse) {
    Metrics m("/api");
    m.Observe(Answer("POST", "/api/deployments/filter", 200, 3.0, 1000, "gzip"));
    m.Observe(Answer("POST", "/api/deployments/filter", 200, 30.0, 2000));
    m.Observe(Answer("POST", "/api/deployments/filter", 422, 0.5, 100));
    m.Observe(Answer("GET", "/api/../../etc/passwd\"\n", 404, 0.1, 22));  // a client cannot add labels
    m.Observe(Answer("BREW", "/api/health", 405, 0.1, 31));
    PoolGauges pool;
    pool.size = 4;
    pool.in_use = 1;
    pool.waiters = 2;
    pool.reopens = 3;
    pool.retries = 1;
    pool.errors_by_sqlstate["57014"] = 5;
    pool.connections_by_host["db\"1:5432"] = 4;
    CompressedCacheStats cache;
    cache.hits = 7;
    cache.misses = 2;
    cache.evictions = 1;
    cache.entries = 3;
    cache.bytes = 123456;
    Parsed p = ParseExposition(m.Render(pool, cache));
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.types["prefect_filter_http_request_duration_seconds"], "histogram");
    EXPECT_EQ(
        p.samples[R"(prefect_filter_http_requests_total{route="/deployments/filter",method="POST",status="200"})"], 2);
    EXPECT_EQ(
        p.samples[R"(prefect_filter_http_requests_total{route="/deployments/filter",method="POST",status="422"})"], 1);
    EXPECT_EQ(p.samples[R"(prefect_filter_http_requests_total{route="other",method="GET",status="404"})"], 1);
    EXPECT_EQ(p.samples[R"(prefect_filter_http_requests_total{route="/health",method="other",status="405"})"], 1);
    const std::string bucket = R"(prefect_filter_http_request_duration_seconds_bucket{route="/deployments/filter",le=)";
    EXPECT_EQ(p.samples[bucket + R"("0.001"})"], 1);  // 0.5 ms
    EXPECT_EQ(p.samples[bucket + R"("0.005"})"], 2);  // + 3 ms
    EXPECT_EQ(p.samples[bucket + R"("0.025"})"], 2);
    EXPECT_EQ(p.samples[bucket + R"("0.05"})"], 3);  // + 30 ms
    EXPECT_EQ(p.samples[bucket + R"("+Inf"})"], 3);
    EXPECT_EQ(p.samples[R"(prefect_filter_http_request_duration_seconds_count{route="/deployments/filter"})"], 3);
    EXPECT_NEAR(p.samples[R"(prefect_filter_http_request_duration_seconds_sum{route="/deployments/filter"})"], 0.0335,
                1e-12);
    EXPECT_EQ(p.samples[R"(prefect_filter_http_response_bytes_total{route="/deployments/filter"})"], 3100);
    EXPECT_EQ(p.samples[R"(prefect_filter_http_responses_by_encoding_total{encoding="gzip"})"], 1);
    EXPECT_EQ(p.samples[R"(prefect_filter_http_responses_by_encoding_total{encoding="identity"})"], 4);
    EXPECT_EQ(p.samples["prefect_filter_db_pool_connections"], 4);
    EXPECT_EQ(p.samples["prefect_filter_db_pool_waiters"], 2);
    EXPECT_EQ(p.samples["prefect_filter_db_pool_reopens_total"], 3);
    EXPECT_EQ(p.samples[R"(prefect_filter_db_errors_total{sqlstate="57014"})"], 5);
    EXPECT_EQ(p.samples[R"(prefect_filter_db_pool_connections_by_host{host="db\"1:5432"})"], 4);
    EXPECT_EQ(p.types["prefect_filter_http_compression_cache_hits_total"], "counter");
    EXPECT_EQ(p.types["prefect_filter_http_compression_cache_bytes"], "gauge");
    EXPECT_EQ(p.samples["prefect_filter_http_compression_cache_hits_total"], 7);
    EXPECT_EQ(p.samples["prefect_filter_http_compression_cache_misses_total"], 2);
    EXPECT_EQ(p.samples["prefect_filter_http_compression_cache_evictions_total"], 1);
    EXPECT_EQ(p.samples["prefect_filter_http_compression_cache_entries"], 3);
    EXPECT_EQ(p.samples["prefect_filter_http_compression_cache_bytes"], 123456);
}

TEST(Metrics, OnlyGetMetrics) {
    HttpRequest r;
    r.method = "GET";
    r.path = "/metrics";
    HttpResponse ok = MetricsResponse(r, "x 1\n");
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body, "x 1\n");
    r.path = "/";
    EXPECT_EQ(MetricsResponse(r, "").status, 404);
    r.path = "/metrics";
    r.method = "POST";
    EXPECT_EQ(MetricsResponse(r, "").status, 405);
}

}  // namespace
}  // namespace pf_http
