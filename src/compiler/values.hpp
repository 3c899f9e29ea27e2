// Validation of scalar values as Prefect's pydantic models accept them (pydantic 2, lax mode,
// the Python objects json.loads makes). Each Read* function returns the value in canonical form,
// or records an Issue at `path` (pydantic's error and our SQL error for it) and returns nullopt.
#pragma once
#include "compiler/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace prefect_filter {

// Collects a body's Issues. With stop_at_first (the SQL functions, which raise only the first
// error) the first Issue is thrown as a FilterError at once, so a body with a million bad
// values costs no more than its first.
class Issues {
public:
    explicit Issues(bool stop_at_first) : stop_at_first_(stop_at_first) {}
    void Add(Issue issue);
    const std::vector<Issue> &All() const { return all_; }
    bool Empty() const { return all_.empty(); }

private:
    bool stop_at_first_;
    std::vector<Issue> all_;
};

// How Prefect's DateTime reads a string that pydantic's own datetime parser rejects. On Python
// <= 3.12 (Prefect's official image) DateTime is pydantic_extra_types' pendulum DateTime, which
// falls back to pendulum.parse; on Python >= 3.13 it is a plain pydantic datetime.
enum class DatetimeParsing { kPendulum, kPydantic };

struct ValueRules {
    DatetimeParsing datetime = DatetimeParsing::kPendulum;
    int64_t now_usec = 0;  // "now" for pendulum (microseconds since 2000-01-01 UTC)
    // Set to true when a value went to pendulum, which may read now_usec ("now", a bare time):
    // what was read then holds for this "now" only (CompiledRequest::reads_now).
    bool *now_read = nullptr;
};

// "an object", "an array", "a string", "a number", "a boolean", "null": for messages.
const char *JsonTypeName(const Json &value);

// pydantic str.
std::optional<std::string> ReadString(const Json &value, const JsonPath &path, Issues &issues);

// pydantic bool: true/false, 0/1, and the strings pydantic accepts ("true", "off", "1", ...).
std::optional<bool> ReadBool(const Json &value, const JsonPath &path, Issues &issues);

// pydantic int: integers, floats without fraction, numeric strings, booleans. Values beyond the
// int64 range saturate: they are valid for Prefect (Python ints are unbounded) and mean "beyond
// any row" wherever we accept them.
std::optional<int64_t> ReadInt(const Json &value, const JsonPath &path, Issues &issues);

// pydantic UUID from a string: hyphenated, 32 hex digits, {braced} or urn:uuid: forms, any case.
// Returns the canonical lower-case hyphenated text.
std::optional<std::string> ReadUuid(const Json &value, const JsonPath &path, Issues &issues);

// Prefect's DateTime: an ISO 8601 string or a Unix timestamp number (and, under kPendulum, what
// pendulum.parse accepts). A value without an offset is UTC. Returns microseconds since
// 2000-01-01T00:00:00Z.
std::optional<int64_t> ReadDatetime(const Json &value, const JsonPath &path, Issues &issues, const ValueRules &rules);

// A value of one of Prefect's string enums, given in enum order (StateType, DeploymentSort,
// Operator). Our SQL error for a string that is not one of them (and for any other value too
// with same_message_for_non_strings; else "expected a string, got ...") is
// `prefix` + the value as shown + `suffix`; it is only built when there is an error.
std::optional<std::string> ReadEnum(const Json &value, const JsonPath &path, Issues &issues, const char *const *values,
                                    size_t count, std::string_view prefix, std::string_view suffix,
                                    std::string_view sql_detail = {}, bool same_message_for_non_strings = false);

// pydantic's "Input should be 'A', 'B' or 'C'" list of an enum's values.
std::string EnumExpected(const char *const *values, size_t count);

// The `error` of pydantic's uuid_parsing for a string the uuid crate rejects (Uuid::parse_str's
// Display text), e.g. "invalid group count: expected 5, found 2".
std::string UuidParseError(std::string_view input);

// An Issue at `path` whose input is `value` (for the parsers of compound values).
Issue MakeIssue(const JsonPath &path, const Json &value, const char *type, std::string msg, const char *sqlstate,
                std::string message, std::string detail = {});

// Quotes a user value for a message, shortened so that a 1 MB string cannot flood the log.
std::string Shown(const Json &value);

}  // namespace prefect_filter
