// Unit tests of the compiled-request cache (compiler/compile_cache.hpp): its key holds every
// input of a compile, a request that read "now" is never kept, and it stays within its bounds.
#include "compiler/compile_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pf = prefect_filter;

namespace {

std::shared_ptr<const pf::CompiledRequest> Compiled(const std::string &body, pf::Endpoint endpoint,
                                                    const pf::CompileOptions &options = pf::CompileOptions{}) {
    return std::make_shared<const pf::CompiledRequest>(pf::Compile(body, endpoint, options));
}

// A datetime pydantic's own parser rejects goes to pendulum, which may read "now".
TEST(CompiledRequest, ReadsNowOnlyWhenPendulumReadsADatetime) {
    auto reads_now = [](const std::string &after) {
        return pf::Compile("{\"flow_runs\": {\"start_time\": {\"after_\": \"" + after + "\"}}}", pf::Endpoint::kCount,
                           pf::CompileOptions{})
            .reads_now;
    };
    EXPECT_TRUE(reads_now("now"));
    EXPECT_TRUE(reads_now("12:00"));  // a bare time: today's date
    EXPECT_FALSE(reads_now("2025-01-01T00:00:00Z"));
    EXPECT_FALSE(pf::Compile("{}", pf::Endpoint::kFilter, pf::CompileOptions{}).reads_now);
    // "now" under pydantic's parser is an error, not a value
    pf::CompileOptions pydantic;
    pydantic.datetime_parsing = pf::DatetimeParsing::kPydantic;
    EXPECT_THROW(
        pf::Compile("{\"flow_runs\": {\"start_time\": {\"after_\": \"now\"}}}", pf::Endpoint::kCount, pydantic),
        pf::FilterError);
}

TEST(CompileCache, FindsWhatItKeptUnderTheSameKeyOnly) {
    pf::CompileCache cache;
    const pf::CompileOptions options;
    EXPECT_EQ(cache.Find(pf::Endpoint::kFilter, "body-a", options), nullptr);
    auto request = Compiled("{}", pf::Endpoint::kFilter);
    cache.Keep(pf::Endpoint::kFilter, "body-a", options, request);
    EXPECT_EQ(cache.Find(pf::Endpoint::kFilter, "body-a", options), request);

    // every part of the key
    EXPECT_EQ(cache.Find(pf::Endpoint::kCount, "body-a", options), nullptr);
    EXPECT_EQ(cache.Find(pf::Endpoint::kFilter, "body-b", options), nullptr);
    pf::CompileOptions other = options;
    other.default_limit = 3;
    EXPECT_EQ(cache.Find(pf::Endpoint::kFilter, "body-a", other), nullptr);
    other = options;
    other.schema = "public";
    EXPECT_EQ(cache.Find(pf::Endpoint::kFilter, "body-a", other), nullptr);
    other = options;
    other.datetime_parsing = pf::DatetimeParsing::kPydantic;
    EXPECT_EQ(cache.Find(pf::Endpoint::kFilter, "body-a", other), nullptr);
    other = options;
    other.indexed_sorts = 0;
    EXPECT_EQ(cache.Find(pf::Endpoint::kFilter, "body-a", other), nullptr);
    // "now" is not part of the key: only requests that did not read it are kept
    other = options;
    other.now_usec = 123456789;
    EXPECT_EQ(cache.Find(pf::Endpoint::kFilter, "body-a", other), request);
}

TEST(CompileCache, SchemaAndBodyCannotTradeBytes) {
    pf::CompileCache cache;
    pf::CompileOptions ab;
    ab.schema = "ab";
    pf::CompileOptions a;
    a.schema = "a";
    cache.Keep(pf::Endpoint::kFilter, "c", ab, Compiled("{}", pf::Endpoint::kFilter));
    EXPECT_EQ(cache.Find(pf::Endpoint::kFilter, "bc", a), nullptr);
    EXPECT_NE(cache.Find(pf::Endpoint::kFilter, "c", ab), nullptr);
}

TEST(CompileCache, NeverKeepsARequestThatReadNowNorALargeBody) {
    pf::CompileCache cache;
    const pf::CompileOptions options;
    auto now = Compiled("{\"flow_runs\": {\"start_time\": {\"after_\": \"now\"}}}", pf::Endpoint::kCount);
    ASSERT_TRUE(now->reads_now);
    cache.Keep(pf::Endpoint::kCount, "now-body", options, now);
    EXPECT_EQ(cache.Find(pf::Endpoint::kCount, "now-body", options), nullptr);

    const std::string large(pf::CompileCache::kMaxBodyBytes + 1, 'x');
    cache.Keep(pf::Endpoint::kFilter, large, options, Compiled("{}", pf::Endpoint::kFilter));
    EXPECT_EQ(cache.Find(pf::Endpoint::kFilter, large, options), nullptr);
    const std::string largest(pf::CompileCache::kMaxBodyBytes, 'x');
    cache.Keep(pf::Endpoint::kFilter, largest, options, Compiled("{}", pf::Endpoint::kFilter));
    EXPECT_NE(cache.Find(pf::Endpoint::kFilter, largest, options), nullptr);
    EXPECT_EQ(cache.size(), 1u);
}

TEST(CompileCache, HoldsAtMostItsEntriesAndDropsTheLeastRecentlyUsed) {
    pf::CompileCache cache;
    const pf::CompileOptions options;
    auto request = Compiled("{}", pf::Endpoint::kFilter);
    const size_t n = pf::CompileCache::kEntries;
    for (size_t i = 0; i < n; ++i) cache.Keep(pf::Endpoint::kFilter, "body-" + std::to_string(i), options, request);
    EXPECT_EQ(cache.size(), n);
    // body-0 used again: body-1 is now the least recently used
    EXPECT_NE(cache.Find(pf::Endpoint::kFilter, "body-0", options), nullptr);
    cache.Keep(pf::Endpoint::kFilter, "body-new", options, request);
    EXPECT_EQ(cache.size(), n);
    EXPECT_NE(cache.Find(pf::Endpoint::kFilter, "body-0", options), nullptr);
    EXPECT_EQ(cache.Find(pf::Endpoint::kFilter, "body-1", options), nullptr);
    EXPECT_NE(cache.Find(pf::Endpoint::kFilter, "body-2", options), nullptr);
    EXPECT_NE(cache.Find(pf::Endpoint::kFilter, "body-new", options), nullptr);
    // keeping a key already kept changes nothing
    cache.Keep(pf::Endpoint::kFilter, "body-new", options, Compiled("{\"limit\": 1}", pf::Endpoint::kFilter));
    EXPECT_EQ(cache.size(), n);
    EXPECT_EQ(cache.Find(pf::Endpoint::kFilter, "body-new", options), request);
}

// The cache hands out shared requests: one evicted while a call still holds it stays alive.
TEST(CompileCache, AnEvictedRequestLivesWhileACallHoldsIt) {
    pf::CompileCache cache;
    const pf::CompileOptions options;
    cache.Keep(pf::Endpoint::kFilter, "held", options, Compiled("{\"limit\": 7}", pf::Endpoint::kFilter));
    std::shared_ptr<const pf::CompiledRequest> held = cache.Find(pf::Endpoint::kFilter, "held", options);
    ASSERT_NE(held, nullptr);
    for (size_t i = 0; i < pf::CompileCache::kEntries; ++i)
        cache.Keep(pf::Endpoint::kFilter, "other-" + std::to_string(i), options, Compiled("{}", pf::Endpoint::kFilter));
    EXPECT_EQ(cache.Find(pf::Endpoint::kFilter, "held", options), nullptr);
    EXPECT_EQ(held->limit, 7);
}

}  // namespace
