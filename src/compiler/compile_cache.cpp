// Compiled requests kept between calls (see compile_cache.hpp).
#include "compiler/compile_cache.hpp"

#include <utility>
#include "formats/cpp_only.hpp"  // last: proves no PostgreSQL header came in

namespace prefect_filter {

namespace {

void AppendInt(std::string *out, int64_t value) {
    out->append(reinterpret_cast<const char *>(&value), sizeof(value));
}

}  // namespace

// Fixed-width options first, then the schema with its length (so that no schema/body split of
// the same bytes can collide), then the body.
std::string CompileCache::Key(Endpoint endpoint, std::string_view body, const CompileOptions &options) {
    std::string key;
    key.reserve(5 * sizeof(int64_t) + options.schema.size() + body.size());
    AppendInt(&key, static_cast<int64_t>(endpoint));
    AppendInt(&key, options.default_limit);
    AppendInt(&key, static_cast<int64_t>(options.datetime_parsing));
    AppendInt(&key, static_cast<int64_t>(options.indexed_sorts));
    AppendInt(&key, static_cast<int64_t>(options.schema.size()));
    key += options.schema;
    key += body;
    return key;
}

std::shared_ptr<const CompiledRequest> CompileCache::Find(Endpoint endpoint, std::string_view body,
                                                          const CompileOptions &options) {
    if (body.size() > kMaxBodyBytes || entries_.empty()) return nullptr;
    const std::string key = Key(endpoint, body, options);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);  // now the most recent; iterators stay valid
    return it->second->request;
}

void CompileCache::Keep(Endpoint endpoint, std::string_view body, const CompileOptions &options,
                        std::shared_ptr<const CompiledRequest> request) {
    if (!request || request->reads_now || body.size() > kMaxBodyBytes) return;
    std::string key = Key(endpoint, body, options);
    if (by_key_.count(key) != 0) return;
    if (entries_.size() >= kEntries) {
        by_key_.erase(entries_.back().key);
        entries_.pop_back();
    }
    entries_.push_front(Entry{std::move(key), std::move(request)});
    try {
        by_key_.emplace(entries_.front().key, entries_.begin());
    } catch (...) {
        entries_.pop_front();  // the list and the index stay in step
        throw;
    }
}

}  // namespace prefect_filter
