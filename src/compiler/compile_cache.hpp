// Compiled requests kept between calls in one backend (doc/design.md, "Compiled requests are
// kept"). Pure C++, no PostgreSQL: the glue (pg/prefect_filter.cpp) owns one per backend.
//
// A compile is a pure function of the body and of the compile options (query.hpp): the same
// body under the same options gives the same statements, whatever the database holds. So the
// key is the whole input:
//   - the endpoint;
//   - the body, as the bytes of its jsonb value (the compiler reads JsonbToCString of exactly
//     those bytes, so equal bytes mean equal text);
//   - every option that reaches the compiler: schema, default_limit, datetime_parsing,
//     indexed_sorts.
// The one input outside that list is CompileOptions::now_usec, read only by pendulum
// ("now", a bare time of day): a request that read it (CompiledRequest::reads_now) is never
// kept. Nothing here can be stale, therefore, and no invalidation is needed; the cache only saves
// the parse and the compile (~35 µs a call at the client, measured in doc/design.md).
//
// Bounded: at most kEntries requests, each from a body of at most kMaxBodyBytes (a larger body
// is compiled every time: its own statement costs more than its compile anyway); least recently
// used out first.
#pragma once

#include "compiler/query.hpp"

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace prefect_filter {

class CompileCache {
public:
    static constexpr size_t kEntries = 64;
    static constexpr size_t kMaxBodyBytes = 4096;

    // The request compiled from `body` (jsonb bytes) for `endpoint` under `options`, or null.
    std::shared_ptr<const CompiledRequest> Find(Endpoint endpoint, std::string_view body,
                                                const CompileOptions &options);
    // Keeps `request` for later Finds with the same key, unless it read "now" or the body is
    // over kMaxBodyBytes. Evicts the least recently used request when full.
    void Keep(Endpoint endpoint, std::string_view body, const CompileOptions &options,
              std::shared_ptr<const CompiledRequest> request);

    size_t size() const { return entries_.size(); }

private:
    struct Entry {
        std::string key;
        std::shared_ptr<const CompiledRequest> request;
    };
    static std::string Key(Endpoint endpoint, std::string_view body, const CompileOptions &options);

    std::list<Entry> entries_;                                                 // most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> by_key_;  // views into entries_' keys
};

}  // namespace prefect_filter
