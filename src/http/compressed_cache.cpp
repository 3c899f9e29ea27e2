// The content-keyed cache of compressed answers (compressed_cache.hpp).
#include "http/compressed_cache.hpp"

#if defined(__x86_64__)
#include <xxh_x86dispatch.h>  // XXH3_64bits_dispatch: the widest vector unit the CPU has
#else
#include <xxhash.h>
#endif

#include <cstring>
#include <utility>
#include <vector>

namespace pf_http {

CompressedCache::CompressedCache(size_t budget_bytes, BodyHash hash) : budget_(budget_bytes), hash_(hash) {}

// XXH3 (libxxhash, dispatched at run time to AVX2/AVX-512 on x86-64): a hit is answered on the
// loop thread after hashing the whole body, so the hash is on every cached answer's path
// (doc/http.md has the figures).
size_t CompressedCache::FastHash(std::string_view body) {
#if defined(__x86_64__)
    return static_cast<size_t>(XXH3_64bits_dispatch(body.data(), body.size()));
#else
    return static_cast<size_t>(XXH3_64bits(body.data(), body.size()));
#endif
}

size_t CompressedCache::KeyHash::operator()(const Key &k) const {
    size_t h = k.hash;
    h ^= (static_cast<size_t>(k.encoding) << 8 | static_cast<size_t>(k.level)) + 0x9e3779b97f4a7c15ull + (h << 6) +
         (h >> 2);
    return h;
}

CompressedCache::Key CompressedCache::KeyOf(Encoding encoding, int level, std::string_view body) const {
    return Key{encoding, level, body.size(), hash_(body)};
}

std::optional<std::string> CompressedCache::FindKeyed(const Key &key, std::string_view body) {
    std::shared_ptr<const Entry> candidate;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = index_.find(key);
        if (it != index_.end()) candidate = *it->second;
    }
    // The entry is immutable and kept alive by `candidate`: compare without the lock.
    if (!candidate || candidate->body->size() != body.size() ||
        std::memcmp(candidate->body->data(), body.data(), body.size()) != 0) {
        misses_.fetch_add(1, std::memory_order_relaxed);
        return std::nullopt;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = index_.find(key);
        if (it != index_.end() && *it->second == candidate) order_.splice(order_.begin(), order_, it->second);
    }
    hits_.fetch_add(1, std::memory_order_relaxed);
    return candidate->compressed;
}

void CompressedCache::InsertKeyed(const Key &key, std::shared_ptr<const std::string> body, std::string compressed) {
    auto entry = std::make_shared<const Entry>(Entry{key, std::move(body), std::move(compressed)});
    const size_t size = entry->Bytes();
    if (size > budget_ / 4) return;
    std::vector<std::shared_ptr<const Entry>> dropped;  // freed after the lock is released
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = index_.find(key); it != index_.end()) {  // the same body (or a hash twin): the newer wins
        bytes_ -= (*it->second)->Bytes();
        dropped.push_back(std::move(*it->second));
        order_.erase(it->second);
        index_.erase(it);
    }
    order_.push_front(std::move(entry));
    index_.emplace(key, order_.begin());
    bytes_ += size;
    while (bytes_ > budget_) {  // the new entry alone fits: it is never the one dropped
        bytes_ -= order_.back()->Bytes();
        index_.erase(order_.back()->key);
        dropped.push_back(std::move(order_.back()));
        order_.pop_back();
        evictions_.fetch_add(1, std::memory_order_relaxed);
    }
}

CompressedCache::Lookup CompressedCache::Look(Encoding encoding, int level, std::string_view body) {
    Lookup out;
    if (!Holds(body.size())) return out;
    out.key = KeyOf(encoding, level, body);  // hashed once for the lookup and the insertion
    out.keep = true;
    out.kept = FindKeyed(out.key, body);
    return out;
}

std::optional<std::string> CompressedCache::Fill(const Lookup &missed, Encoding encoding, int level,
                                                 const std::shared_ptr<const std::string> &body) {
    if (!body) return std::nullopt;
    std::optional<std::string> packed = pf_http::Compress(encoding, *body, level);
    if (packed && missed.keep) InsertKeyed(missed.key, body, *packed);
    return packed;
}

CompressedCacheStats CompressedCache::Stats() const {
    CompressedCacheStats s;
    s.hits = hits_.load(std::memory_order_relaxed);
    s.misses = misses_.load(std::memory_order_relaxed);
    s.evictions = evictions_.load(std::memory_order_relaxed);
    s.budget = budget_;
    std::lock_guard<std::mutex> lock(mutex_);
    s.entries = order_.size();
    s.bytes = bytes_;
    return s;
}

}  // namespace pf_http
