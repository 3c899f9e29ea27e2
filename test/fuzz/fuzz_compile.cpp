// libFuzzer harness for the pure compiler: arbitrary bytes as a request body, for each endpoint.
// Any outcome but a compiled request or a FilterError is a finding (an escaped exception type,
// a crash, a sanitizer report). Also checks invariants of every compiled statement.
#include "compiler/error.hpp"
#include "compiler/query.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace pf = prefect_filter;

namespace {

void CheckStatement(const pf::Statement &s) {
    // Every $n placeholder refers to a parameter, and values never appear unparameterised:
    // the text has no single quote except the fixed '[]'::jsonb and ->> 'id'/'type' literals.
    size_t max_ref = 0;
    for (size_t i = 0; i + 1 < s.sql.size(); ++i) {
        if (s.sql[i] == '$') {
            size_t n = 0, j = i + 1;
            while (j < s.sql.size() && s.sql[j] >= '0' && s.sql[j] <= '9') n = n * 10 + (s.sql[j++] - '0');
            if (n > max_ref) max_ref = n;
        }
    }
    if (max_ref > s.params.size()) abort();
    std::string_view sql = s.sql;
    for (size_t at = sql.find('\''); at != std::string_view::npos; at = sql.find('\'', at + 1)) {
        std::string_view rest = sql.substr(at);
        if (rest.substr(0, 4) == "'[]'" || rest.substr(0, 4) == "'id'" || rest.substr(0, 6) == "'type'") {
            at += rest[1] == '[' ? 3 : (rest[1] == 'i' ? 3 : 5);
            continue;
        }
        abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view body(reinterpret_cast<const char *>(data), size);
    for (pf::Endpoint e : {pf::Endpoint::kFilter, pf::Endpoint::kCount, pf::Endpoint::kPaginate}) {
        try {
            pf::CompiledRequest r = pf::Compile(body, e, pf::CompileOptions{});
            if (e != pf::Endpoint::kCount) CheckStatement(r.rows);
            if (e != pf::Endpoint::kFilter) CheckStatement(r.count);
        } catch (const pf::FilterError &) {
            // expected for invalid bodies
        }
    }
    return 0;
}
