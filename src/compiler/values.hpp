// Validation of scalar values as Prefect's pydantic models accept them (lax mode, JSON input).
// Each function either returns the value in canonical form or throws FilterError naming `path`.
#pragma once
#include "compiler/error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace prefect_filter {

using Json = nlohmann::json;

// "an object", "an array", "a string", "a number", "a boolean", "null": for messages.
const char *JsonTypeName(const Json &value);

// A JSON string.
const std::string &ExpectString(const Json &value, const JsonPath &path);

// pydantic bool: true/false, 0/1, and the strings pydantic accepts ("true", "off", "1", ...).
bool ParseBool(const Json &value, const JsonPath &path);

// pydantic int: integers, floats without fraction, numeric strings, booleans. Values beyond the
// int64 range saturate (*saturated is set): they are valid for Prefect (Python ints are
// unbounded) and mean "beyond any row" wherever we accept them.
int64_t ParseInt(const Json &value, const JsonPath &path, bool *saturated = nullptr);

// pydantic UUID from a string: hyphenated, 32 hex digits, {braced} or urn:uuid: forms, any case.
// Returns the canonical lower-case hyphenated text.
std::string ParseUuid(const Json &value, const JsonPath &path);

// pydantic datetime (Prefect's DateTime): an ISO 8601 string or a Unix timestamp number. A
// value without an offset is UTC. Returns microseconds since 2000-01-01T00:00:00Z.
int64_t ParseDatetime(const Json &value, const JsonPath &path);

// One of Prefect's StateType values (exact, case-sensitive).
const std::string &ParseStateType(const Json &value, const JsonPath &path);

}  // namespace prefect_filter
