// The cache of compressed answers: a hit only for the same bytes with the same encoding and
// level, bounded by bytes with least recently used entries dropped first, correct under
// concurrent use; and its option.
#include "http/compressed_cache.hpp"
#include "http/compression.hpp"
#include "http/options.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace pf_http {
namespace {

// A JSON-like body of about `size` bytes, different for each `seed`.
std::shared_ptr<const std::string> Body(size_t size, int seed) {
    auto body = std::make_shared<std::string>();
    for (int i = 0; body->size() < size; ++i)
        *body += "{\"name\":\"deployment-" + std::to_string(seed) + "-" + std::to_string(i) + "\",\"tags\":[]},";
    body->resize(size);
    return body;
}

// What the server does with an answer (prefect_app.cpp, Send): Look, and Fill on a miss.
std::optional<std::string> LookOrFill(CompressedCache &cache, Encoding encoding, int level,
                                      const std::shared_ptr<const std::string> &body) {
    CompressedCache::Lookup lookup = cache.Look(encoding, level, *body);
    if (lookup.kept) return lookup.kept;
    return cache.Fill(lookup, encoding, level, body);
}

TEST(CompressedCache, HitReturnsTheSameBytes) {
    CompressedCache cache(16 << 20);
    auto body = Body(300000, 1);
    std::optional<std::string> first = LookOrFill(cache, Encoding::kZstd, 3, body);
    ASSERT_TRUE(first);
    EXPECT_EQ(Decompress(Encoding::kZstd, *first), *body);
    EXPECT_EQ(cache.Stats().misses, 1u);
    EXPECT_EQ(cache.Stats().hits, 0u);
    // The same bytes in another buffer (a new answer from the database): a hit, the same bytes.
    auto again = std::make_shared<const std::string>(*body);
    std::optional<std::string> second = LookOrFill(cache, Encoding::kZstd, 3, again);
    ASSERT_TRUE(second);
    EXPECT_EQ(*second, *first);
    std::optional<std::string> found = cache.Look(Encoding::kZstd, 3, *again).kept;
    ASSERT_TRUE(found);
    EXPECT_EQ(*found, *first);
    CompressedCacheStats s = cache.Stats();
    EXPECT_EQ(s.hits, 2u);
    EXPECT_EQ(s.misses, 1u);
    EXPECT_EQ(s.entries, 1u);
    EXPECT_EQ(s.bytes, body->size() + first->size());
}

// The server's path: Look on the loop thread, Fill on a worker only after a miss. One miss is
// counted once, Fill keeps the result under Look's key, and the next Look hits.
TEST(CompressedCache, LookThenFillCountsOnceAndKeeps) {
    CompressedCache cache(16 << 20);
    auto body = Body(300000, 7);
    CompressedCache::Lookup missed = cache.Look(Encoding::kBrotli, 1, *body);
    EXPECT_FALSE(missed.kept);
    EXPECT_EQ(cache.Stats().misses, 1u);
    std::optional<std::string> packed = cache.Fill(missed, Encoding::kBrotli, 1, body);
    ASSERT_TRUE(packed);
    EXPECT_EQ(Decompress(Encoding::kBrotli, *packed), *body);
    CompressedCacheStats s = cache.Stats();
    EXPECT_EQ(s.misses, 1u);
    EXPECT_EQ(s.entries, 1u);
    CompressedCache::Lookup hit = cache.Look(Encoding::kBrotli, 1, std::string(*body));
    ASSERT_TRUE(hit.kept);
    EXPECT_EQ(*hit.kept, *packed);
    EXPECT_EQ(cache.Stats().hits, 1u);
    // a body the cache does not hold (over a quarter of the budget): Fill compresses, keeps nothing
    CompressedCache small(100000);
    CompressedCache::Lookup not_held = small.Look(Encoding::kZstd, 3, *body);
    EXPECT_FALSE(not_held.kept);
    EXPECT_EQ(small.Stats().misses, 0u);
    ASSERT_TRUE(small.Fill(not_held, Encoding::kZstd, 3, body));
    EXPECT_EQ(small.Stats().entries, 0u);
}

TEST(CompressedCache, ADifferentBodyOfTheSameLengthMisses) {
    CompressedCache cache(16 << 20);
    auto body = Body(200000, 1);
    ASSERT_TRUE(LookOrFill(cache, Encoding::kZstd, 3, body));
    for (size_t at : {size_t{0}, body->size() / 2, body->size() - 1}) {  // one byte changed anywhere
        auto other = std::make_shared<std::string>(*body);
        (*other)[at] = (*other)[at] == 'x' ? 'y' : 'x';
        EXPECT_FALSE(cache.Look(Encoding::kZstd, 3, *other).kept) << at;
        std::optional<std::string> packed = LookOrFill(cache, Encoding::kZstd, 3, other);
        ASSERT_TRUE(packed);
        EXPECT_EQ(Decompress(Encoding::kZstd, *packed), *other) << at;
    }
    // and the original is still answered with its own bytes
    std::optional<std::string> packed = cache.Look(Encoding::kZstd, 3, *body).kept;
    ASSERT_TRUE(packed);
    EXPECT_EQ(Decompress(Encoding::kZstd, *packed), *body);
    EXPECT_FALSE(cache.Look(Encoding::kZstd, 3, body->substr(0, body->size() - 1)).kept);  // a prefix
}

// The server's hash reads every byte: bodies one byte apart anywhere are different candidates
// (a hash of samples would make such bodies evict each other, each then missing every time).
TEST(CompressedCache, FastHashReadsEveryByte) {
    auto body = Body(300000, 7);
    const size_t original = CompressedCache::FastHash(*body);
    EXPECT_EQ(CompressedCache::FastHash(std::string(*body)), original);
    for (size_t at = 0; at < body->size(); at += 997) {
        std::string other = *body;
        other[at] = static_cast<char>(other[at] ^ 1);
        EXPECT_NE(CompressedCache::FastHash(other), original) << at;
    }
}

// With a hash under which every body collides, only the bytes decide: a body never gets another
// body's compressed form.
TEST(CompressedCache, HashTwinsAreToldApartByTheirBytes) {
    CompressedCache cache(16 << 20, [](std::string_view) { return size_t{42}; });
    auto a = Body(50000, 1), b = Body(50000, 2);
    ASSERT_EQ(a->size(), b->size());
    for (int round = 0; round < 3; ++round) {
        for (const auto &body : {a, b, a, a, b, b}) {
            std::optional<std::string> packed = LookOrFill(cache, Encoding::kZstd, 3, body);
            ASSERT_TRUE(packed);
            EXPECT_EQ(Decompress(Encoding::kZstd, *packed), *body);
            std::optional<std::string> found = cache.Look(Encoding::kZstd, 3, *body).kept;
            ASSERT_TRUE(found);  // the newer twin replaced the older
            EXPECT_EQ(*found, *packed);
            EXPECT_FALSE(cache.Look(Encoding::kZstd, 3, body == a ? *b : *a).kept);
        }
    }
    EXPECT_EQ(cache.Stats().entries, 1u);
}

TEST(CompressedCache, AnotherEncodingOrLevelMisses) {
    CompressedCache cache(16 << 20);
    auto body = Body(100000, 2);
    ASSERT_TRUE(LookOrFill(cache, Encoding::kZstd, 3, body));
    EXPECT_FALSE(cache.Look(Encoding::kZstd, 1, *body).kept);
    EXPECT_FALSE(cache.Look(Encoding::kBrotli, 3, *body).kept);
    EXPECT_FALSE(cache.Look(Encoding::kGzip, 3, *body).kept);
    for (const EncodingSpec &spec : kEncodings) {
        std::optional<std::string> packed = LookOrFill(cache, spec.encoding, spec.default_level, body);
        ASSERT_TRUE(packed) << spec.token;
        EXPECT_EQ(Decompress(spec.encoding, *packed), *body) << spec.token;
        std::optional<std::string> found = cache.Look(spec.encoding, spec.default_level, *body).kept;
        ASSERT_TRUE(found) << spec.token;
        EXPECT_EQ(*found, *packed) << spec.token;
    }
    EXPECT_EQ(cache.Stats().entries, 3u);  // zstd 3 was already there
}

TEST(CompressedCache, EvictsLeastRecentlyUsedWithinTheBudget) {
    const size_t budget = 1 << 20;
    CompressedCache cache(budget);
    std::vector<std::shared_ptr<const std::string>> bodies;
    for (int i = 0; i < 40; ++i) bodies.push_back(Body(100000, i));
    // Entries cost ~100 KB + ~10 KB: nine fit. Keep body 0 in use; the others age.
    for (int i = 0; i < 40; ++i) {
        ASSERT_TRUE(LookOrFill(cache, Encoding::kZstd, 3, bodies[i]));
        ASSERT_TRUE(cache.Look(Encoding::kZstd, 3, *bodies[0]).kept) << i;
        CompressedCacheStats s = cache.Stats();
        EXPECT_LE(s.bytes, budget) << i;
    }
    CompressedCacheStats s = cache.Stats();
    EXPECT_GE(s.entries, 5u);
    EXPECT_GT(s.evictions, 0u);
    EXPECT_EQ(s.entries + s.evictions, 40u);
    // The most recent ones and the one in use are kept; the oldest unused ones went first.
    EXPECT_TRUE(cache.Look(Encoding::kZstd, 3, *bodies[0]).kept);
    EXPECT_TRUE(cache.Look(Encoding::kZstd, 3, *bodies[39]).kept);
    EXPECT_TRUE(cache.Look(Encoding::kZstd, 3, *bodies[39 - (s.entries - 2)]).kept);
    EXPECT_FALSE(cache.Look(Encoding::kZstd, 3, *bodies[39 - (s.entries - 1)]).kept);
    for (int i = 1; i < 20; ++i) EXPECT_FALSE(cache.Look(Encoding::kZstd, 3, *bodies[i]).kept) << i;
    // Using an old entry saves it from the next eviction.
    const int saved = 39 - static_cast<int>(s.entries - 2), next = saved + 1;
    ASSERT_TRUE(cache.Look(Encoding::kZstd, 3, *bodies[saved]).kept);
    ASSERT_TRUE(LookOrFill(cache, Encoding::kZstd, 3, Body(100000, 1000)));
    EXPECT_TRUE(cache.Look(Encoding::kZstd, 3, *bodies[saved]).kept);
    EXPECT_FALSE(cache.Look(Encoding::kZstd, 3, *bodies[next]).kept);
}

TEST(CompressedCache, BodiesOverAQuarterOfTheBudgetAreNotKept) {
    CompressedCache cache(400000);
    auto big = Body(100001, 3);  // over 100 000 bytes
    std::optional<std::string> packed = LookOrFill(cache, Encoding::kZstd, 3, big);
    ASSERT_TRUE(packed);
    EXPECT_EQ(Decompress(Encoding::kZstd, *packed), *big);
    ASSERT_TRUE(LookOrFill(cache, Encoding::kZstd, 3, big));  // asked again: still not kept
    EXPECT_FALSE(cache.Look(Encoding::kZstd, 3, *big).kept);
    CompressedCacheStats s = cache.Stats();
    EXPECT_EQ(s.entries, 0u);
    EXPECT_EQ(s.bytes, 0u);
    EXPECT_EQ(s.hits + s.misses, 0u);  // not a body it could hold: no lookup
    // A body under the quarter whose entry (with its compressed form) is over it: not kept either.
    auto almost = Body(99000, 3);
    packed = LookOrFill(cache, Encoding::kZstd, 3, almost);
    ASSERT_TRUE(packed);
    ASSERT_GT(almost->size() + packed->size(), 100000u);
    EXPECT_FALSE(cache.Look(Encoding::kZstd, 3, *almost).kept);
    EXPECT_EQ(cache.Stats().entries, 0u);
    auto small = Body(80000, 3);
    ASSERT_TRUE(LookOrFill(cache, Encoding::kZstd, 3, small));
    EXPECT_TRUE(cache.Look(Encoding::kZstd, 3, *small).kept);
}

TEST(CompressedCache, BudgetZeroKeepsNothing) {
    CompressedCache cache(0);
    auto body = Body(1000, 4);
    for (int i = 0; i < 3; ++i) {
        std::optional<std::string> packed = LookOrFill(cache, Encoding::kGzip, 6, body);
        ASSERT_TRUE(packed);
        EXPECT_EQ(Decompress(Encoding::kGzip, *packed), *body);
    }
    EXPECT_FALSE(cache.Look(Encoding::kGzip, 6, *body).kept);
    CompressedCacheStats s = cache.Stats();
    EXPECT_EQ(s.entries, 0u);
    EXPECT_EQ(s.bytes, 0u);
    EXPECT_EQ(s.hits + s.misses, 0u);
}

// Several threads looking up and inserting a few bodies (same lengths, different bytes) under a
// budget that forces evictions: every answer decompresses to its own body.
TEST(CompressedCache, ConcurrentUseAnswersOnlyCorrectBytes) {
    std::vector<std::shared_ptr<const std::string>> bodies;
    for (int i = 0; i < 6; ++i) bodies.push_back(Body(20000, i));  // equal lengths
    CompressedCache cache(110000);                                 // four or so entries of ~24 KB
    std::atomic<int> wrong{0}, failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 1000; ++i) {
                const auto &body = bodies[(i * 7 + t * 3) % bodies.size()];
                const Encoding encoding = i % 3 == 0 ? Encoding::kGzip : Encoding::kZstd;
                const int level = encoding == Encoding::kGzip ? 1 : 1 + i % 2;
                // a fresh copy now and then: hits must not depend on the buffer's identity
                auto asked = i % 5 == 0 ? std::make_shared<const std::string>(*body) : body;
                std::optional<std::string> packed =
                    i % 4 == 0 ? cache.Look(encoding, level, *asked).kept : LookOrFill(cache, encoding, level, asked);
                if (!packed) {
                    if (i % 4 != 0) ++failed;
                    continue;
                }
                if (Decompress(encoding, *packed) != *asked) ++wrong;
            }
        });
    }
    for (std::thread &t : threads) t.join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_EQ(failed.load(), 0);
    CompressedCacheStats s = cache.Stats();
    EXPECT_GT(s.hits, 0u);
    EXPECT_GT(s.evictions, 0u);
    EXPECT_LE(s.bytes, s.budget);
}

TEST(CompressedCache, Option) {
    std::string message;
    int code = 0;
    const char *none[] = {"x"};
    auto o = ParseOptions(1, none, &message, &code);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->compression_cache_mb, 16u);
    const char *off[] = {"x", "--compression-cache-mb", "0"};
    o = ParseOptions(3, off, &message, &code);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->compression_cache_mb, 0u);
    o = ParseOptions(1, none, Environment{{"PREFECT_FILTER_HTTP_COMPRESSION_CACHE_MB", "64"}}, &message, &code);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->compression_cache_mb, 64u);
    const char *bad[] = {"x", "--compression-cache-mb", "-1"};
    EXPECT_FALSE(ParseOptions(3, bad, &message, &code));
    EXPECT_EQ(code, 2);
    const char *print[] = {"x", "--compression-cache-mb=32", "--print-config"};
    EXPECT_FALSE(ParseOptions(3, print, &message, &code));
    EXPECT_EQ(code, 0);
    EXPECT_NE(message.find("compression_cache_mb = 32  (--compression-cache-mb)"), std::string::npos) << message;
    EXPECT_NE(Usage().find("env PREFECT_FILTER_HTTP_COMPRESSION_CACHE_MB"), std::string::npos);
}

}  // namespace
}  // namespace pf_http
