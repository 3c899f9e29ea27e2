// Errors of the pure compiler: each carries a SQLSTATE and the JSON path at fault, so that the
// PostgreSQL side can raise exactly one ERROR naming both (CONTRIBUTING.md, "Conventions").
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <variant>
#include <vector>

namespace prefect_filter {

namespace sqlstate {
inline constexpr const char kInvalidParameterValue[] = "22023";     // wrong shape, unknown key, range
inline constexpr const char kInvalidTextRepresentation[] = "22P02"; // malformed uuid/datetime/JSON
inline constexpr const char kProgramLimitExceeded[] = "54000";      // our documented size limits
inline constexpr const char kOutOfMemory[] = "53200";
inline constexpr const char kQueryCanceled[] = "57014";          // a cancel or timeout arrived
inline constexpr const char kInternalError[] = "XX000";
}  // namespace sqlstate

// A location inside the request body, rendered like Prefect's error locations joined by dots:
// flow_runs.state.type.any_[2]. Segments are object keys or array indexes.
class JsonPath {
public:
    JsonPath() = default;
    JsonPath Key(const std::string &key) const;
    JsonPath Index(size_t index) const;
    std::string ToString() const;  // "" renders as "(body)"
    bool Empty() const { return segments_.empty(); }

private:
    std::vector<std::variant<std::string, size_t>> segments_;
};

class FilterError : public std::exception {
public:
    FilterError(const char *sqlstate, const JsonPath &path, std::string message, std::string detail = {});
    const char *what() const noexcept override { return full_.c_str(); }
    const char *SqlState() const noexcept { return sqlstate_; }
    const std::string &Path() const noexcept { return path_; }
    const std::string &Message() const noexcept { return message_; }  // without the path
    const std::string &Detail() const noexcept { return detail_; }

private:
    char sqlstate_[6];
    std::string path_;
    std::string message_;
    std::string detail_;
    std::string full_;  // "path: message"
};

}  // namespace prefect_filter
