// Compressed answers kept for reuse, keyed by their content. The Prefect UI polls the same pages
// again and again, so the same answer body comes back from the database many times; compressing
// it again costs as much as the database took to produce it (bench/results/compression.md).
//
// An entry is (encoding, level, the uncompressed body, its compressed form). A lookup hits only
// when the stored body is byte for byte the one being answered (the length, then memcmp; a hash
// only finds the candidate). Compression is a pure function of (encoding, level, body), so a hit
// returns exactly the bytes compressing the body now would return: the cache can never serve an
// answer that is stale or belongs to another body. Nothing else (route, request, user) is part
// of the key because nothing else changes the compressed bytes.
//
// Bounded: least recently used entries go first once the entries' bytes (uncompressed +
// compressed) exceed the budget; an entry larger than a quarter of the budget is not kept;
// budget 0 keeps nothing. Thread-safe: compression runs on the worker pool. The mutex guards
// only the index and the recency list; hashing, comparing bodies and compressing happen outside
// it (entries are immutable and shared).
#pragma once

#include "http/compression.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pf_http {

struct CompressedCacheStats {
    uint64_t hits = 0;       // lookups answered from the cache
    uint64_t misses = 0;     // lookups of a body the cache could hold that it did not have
    uint64_t evictions = 0;  // entries dropped for room
    size_t entries = 0;
    size_t bytes = 0;   // uncompressed + compressed bytes of the entries
    size_t budget = 0;  // bytes (0: off)
};

class CompressedCache {
public:
    // How a body is hashed to find its candidate entry (the tests give one that collides).
    using BodyHash = size_t (*)(std::string_view body);
    static size_t FastHash(std::string_view body);

    explicit CompressedCache(size_t budget_bytes, BodyHash hash = FastHash);
    CompressedCache(const CompressedCache &) = delete;
    CompressedCache &operator=(const CompressedCache &) = delete;

    // In two halves, so that a hit is answered at once and a miss is compressed on another
    // thread: Look finds the compressed form kept for exactly this body with this encoding and
    // level (hashing the body once, counting a hit or a miss; `kept` is a copy the caller owns),
    // Fill compresses what Look missed and keeps it under the key Look computed (`body` must
    // never change afterwards: it is shared, not copied). Fill returns nullopt when the library
    // fails, and then keeps nothing.
    class Lookup;
    Lookup Look(Encoding encoding, int level, std::string_view body);
    std::optional<std::string> Fill(const Lookup &missed, Encoding encoding, int level,
                                    const std::shared_ptr<const std::string> &body);

    // Would a body of this size be kept? (Not when the budget is 0 or the body alone is over a
    // quarter of it.)
    bool Holds(size_t body_size) const { return body_size <= budget_ / 4 && budget_ > 0; }

    CompressedCacheStats Stats() const;

private:
    struct Key {
        Encoding encoding;
        int level;
        size_t size;
        size_t hash;  // of the body; finds the candidate, never decides a hit
        bool operator==(const Key &o) const {
            return encoding == o.encoding && level == o.level && size == o.size && hash == o.hash;
        }
    };
    struct KeyHash {
        size_t operator()(const Key &k) const;
    };
    struct Entry {
        Key key;
        std::shared_ptr<const std::string> body;
        std::string compressed;
        size_t Bytes() const { return body->size() + compressed.size(); }
    };
    using Order = std::list<std::shared_ptr<const Entry>>;  // most recently used first

public:
    class Lookup {
    public:
        std::optional<std::string> kept;  // the hit (a copy)

    private:
        friend class CompressedCache;
        Key key{};
        bool keep = false;  // Fill keeps the result (the cache holds bodies of this size)
    };

private:
    Key KeyOf(Encoding encoding, int level, std::string_view body) const;
    std::optional<std::string> FindKeyed(const Key &key, std::string_view body);
    void InsertKeyed(const Key &key, std::shared_ptr<const std::string> body, std::string compressed);

    const size_t budget_;
    const BodyHash hash_;
    mutable std::mutex mutex_;
    Order order_;
    std::unordered_map<Key, Order::iterator, KeyHash> index_;
    size_t bytes_ = 0;
    std::atomic<uint64_t> hits_{0}, misses_{0}, evictions_{0};
};

}  // namespace pf_http
