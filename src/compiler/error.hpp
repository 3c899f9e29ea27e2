// Errors of the pure compiler. Validating a body yields Issues: each is one error as a value,
// both as pydantic reports it (loc, type, msg, input, ctx: what Prefect's 422 lists) and as our
// SQL functions raise it (SQLSTATE and "path: message", CONTRIBUTING.md "Conventions"). The SQL
// functions raise the first Issue as a FilterError; prefect.deployments_validation_errors lists
// them all.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <variant>
#include <vector>

namespace prefect_filter {

namespace sqlstate {
inline constexpr const char kInvalidParameterValue[] = "22023";      // wrong shape, unknown key, range
inline constexpr const char kInvalidTextRepresentation[] = "22P02";  // malformed uuid/datetime/JSON
inline constexpr const char kProgramLimitExceeded[] = "54000";       // our documented size limits
inline constexpr const char kOutOfMemory[] = "53200";
inline constexpr const char kQueryCanceled[] = "57014";  // a cancel or timeout arrived
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
    using Segment = std::variant<std::string, size_t>;
    const std::vector<Segment> &Segments() const { return segments_; }

private:
    std::vector<Segment> segments_;
};

// The request body as the compiler reads it: objects keep their keys in input order (pydantic
// reports unknown keys in that order), and a repeated key keeps its first place and its last
// value, like a Python dict.
using Json = nlohmann::ordered_json;

// One validation error of a body.
struct Issue {
    JsonPath loc;                 // where, without FastAPI's leading "body"
    std::string type;             // pydantic's error type: "uuid_parsing", "extra_forbidden", ...
    std::string msg;              // pydantic's message
    const Json *input = nullptr;  // the value at loc, inside the parsed body (nullptr: null)
    Json ctx;                     // pydantic's ctx; null when it has none
    const char *sqlstate = "22023";
    std::string sql_path;  // the path our SQL ERROR names (usually loc.ToString())
    std::string message;   // our SQL ERROR's message after "path: "
    std::string detail;    // our SQL ERROR's detail
    // Prefect's LimitBody raises an HTTPException instead ({"detail": msg}), before any other
    // field is validated: such an Issue is always the only one.
    bool http_exception = false;
};

class FilterError : public std::exception {
public:
    FilterError(const char *sqlstate, const JsonPath &path, std::string message, std::string detail = {});
    explicit FilterError(const Issue &issue);
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
