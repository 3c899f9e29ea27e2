// JsonPath rendering and FilterError construction.
#include "compiler/error.hpp"

#include <cstring>
#include "formats/cpp_only.hpp"  // last: proves no PostgreSQL header came in

namespace prefect_filter {

JsonPath JsonPath::Key(const std::string &key) const {
    JsonPath p = *this;
    p.segments_.emplace_back(key);
    return p;
}

JsonPath JsonPath::Index(size_t index) const {
    JsonPath p = *this;
    p.segments_.emplace_back(index);
    return p;
}

std::string JsonPath::ToString() const {
    if (segments_.empty()) return "(body)";
    // A key is shortened past kMaxKeyBytes (on a UTF-8 boundary), so that a hostile key cannot
    // push the reason out of a bounded error message.
    constexpr size_t kMaxKeyBytes = 64;
    std::string out;
    for (const auto &seg : segments_) {
        if (const auto *key = std::get_if<std::string>(&seg)) {
            if (!out.empty()) out += '.';
            if (key->size() <= kMaxKeyBytes) {
                out += *key;
            } else {
                size_t cut = kMaxKeyBytes;
                while (cut > 0 && (static_cast<unsigned char>((*key)[cut]) & 0xC0) == 0x80) --cut;
                out.append(*key, 0, cut);
                out += "...";
            }
        } else {
            out += '[';
            out += std::to_string(std::get<size_t>(seg));
            out += ']';
        }
    }
    return out;
}

FilterError::FilterError(const char *sqlstate, const JsonPath &path, std::string message, std::string detail)
    : path_(path.ToString()), message_(std::move(message)), detail_(std::move(detail)) {
    std::memcpy(sqlstate_, sqlstate, 5);
    sqlstate_[5] = '\0';
    full_ = path_ + ": " + message_;
}

FilterError::FilterError(const Issue &issue) : path_(issue.sql_path), message_(issue.message), detail_(issue.detail) {
    std::memcpy(sqlstate_, issue.sqlstate, 5);
    sqlstate_[5] = '\0';
    full_ = path_ + ": " + message_;
}

}  // namespace prefect_filter
