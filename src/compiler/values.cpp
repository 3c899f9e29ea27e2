// Scalar validation, following pydantic v2's lax-mode conversion table for JSON input.
#include "compiler/values.hpp"

#include "compiler/filter_spec.hpp"
#include "output/datetime.hpp"
#include "output/json_out.hpp"

#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include "compiler/cpp_only.hpp"  // last: proves no PostgreSQL header came in

namespace prefect_filter {

namespace {

// Quotes a user value for a message, shortened so that a 1 MB string cannot flood the log.
std::string Shown(const Json &value) {
    std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (text.size() > 80) {
        size_t cut = 77;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
        text = text.substr(0, cut) + "...";
    }
    return text;
}

[[noreturn]] void Fail(const char *sqlstate, const JsonPath &path, const std::string &message) {
    throw FilterError(sqlstate, path, message);
}

std::string Lower(std::string s) {
    for (char &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// pydantic (speedate) reads a number as Unix seconds, or as milliseconds when its magnitude
// exceeds 2e10; the result must lie in years 1..9999 like any Python datetime.
bool DatetimeFromUnixNumber(double v, int64_t *usec_since_2000) {
    if (!std::isfinite(v)) return false;
    double seconds = std::fabs(v) > 2e10 ? v / 1000.0 : v;
    constexpr double kMinUnix = -62135596800.0;  // 0001-01-01T00:00:00Z
    constexpr double kMaxUnix = 253402300799.0;  // 9999-12-31T23:59:59Z
    if (seconds < kMinUnix || seconds >= kMaxUnix + 1) return false;
    constexpr int64_t kUnixTo2000 = 946684800;
    double usec = std::round((seconds - kUnixTo2000) * 1e6);
    *usec_since_2000 = static_cast<int64_t>(usec);
    return true;
}


}  // namespace

const char *JsonTypeName(const Json &value) {
    switch (value.type()) {
        case Json::value_t::object: return "an object";
        case Json::value_t::array: return "an array";
        case Json::value_t::string: return "a string";
        case Json::value_t::boolean: return "a boolean";
        case Json::value_t::null: return "null";
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
        case Json::value_t::number_float: return "a number";
        default: return "an unsupported value";
    }
}

const std::string &ExpectString(const Json &value, const JsonPath &path) {
    if (!value.is_string())
        Fail(sqlstate::kInvalidParameterValue, path, std::string("expected a string, got ") + JsonTypeName(value));
    return value.get_ref<const std::string &>();
}

bool ParseBool(const Json &value, const JsonPath &path) {
    if (value.is_boolean()) return value.get<bool>();
    if (value.is_number_integer() || value.is_number_unsigned()) {
        if (value == 0) return false;
        if (value == 1) return true;
    } else if (value.is_number_float()) {
        double d = value.get<double>();
        if (d == 0.0) return false;
        if (d == 1.0) return true;
    } else if (value.is_string()) {
        // pydantic-core's str -> bool table (case-insensitive).
        static const char *const kTrue[] = {"1", "on", "t", "true", "y", "yes"};
        static const char *const kFalse[] = {"0", "off", "f", "false", "n", "no"};
        std::string s = Lower(value.get<std::string>());
        for (const char *t : kTrue)
            if (s == t) return true;
        for (const char *f : kFalse)
            if (s == f) return false;
        Fail(sqlstate::kInvalidTextRepresentation, path, Shown(value) + " is not a valid boolean");
    }
    Fail(sqlstate::kInvalidParameterValue, path, std::string("expected a boolean, got ") + JsonTypeName(value));
}

int64_t ParseInt(const Json &value, const JsonPath &path, bool *saturated) {
    if (saturated) *saturated = false;
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    if (value.is_number_integer()) return value.get<int64_t>();
    if (value.is_number_unsigned()) {
        uint64_t u = value.get<uint64_t>();
        if (u <= static_cast<uint64_t>(kMax)) return static_cast<int64_t>(u);
        if (saturated) *saturated = true;
        return kMax;
    }
    if (value.is_boolean()) return value.get<bool>() ? 1 : 0;
    if (value.is_number_float()) {
        double d = value.get<double>();
        if (!std::isfinite(d) || d != std::trunc(d))
            Fail(sqlstate::kInvalidParameterValue, path, Shown(value) + " is not a valid integer");
        if (d >= 9.2233720368547758e18 || d < -9.2233720368547758e18) {
            if (saturated) *saturated = true;
            return d > 0 ? kMax : std::numeric_limits<int64_t>::min();
        }
        return static_cast<int64_t>(d);
    }
    if (value.is_string()) {
        const std::string &s = value.get_ref<const std::string &>();
        size_t b = 0, e = s.size();
        while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
        while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
        size_t i = b;
        bool negative = false;
        if (i < e && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
        if (i == e) Fail(sqlstate::kInvalidTextRepresentation, path, Shown(value) + " is not a valid integer");
        int64_t result = 0;
        bool over = false;
        for (; i < e; ++i) {
            if (!std::isdigit(static_cast<unsigned char>(s[i])))
                Fail(sqlstate::kInvalidTextRepresentation, path, Shown(value) + " is not a valid integer");
            int digit = s[i] - '0';
            if (!over && result > (kMax - digit) / 10) over = true;
            if (!over) result = result * 10 + digit;
        }
        if (over) {
            if (saturated) *saturated = true;
            return negative ? std::numeric_limits<int64_t>::min() : kMax;
        }
        return negative ? -result : result;
    }
    Fail(sqlstate::kInvalidParameterValue, path, std::string("expected an integer, got ") + JsonTypeName(value));
}

std::string ParseUuid(const Json &value, const JsonPath &path) {
    if (!value.is_string())
        Fail(sqlstate::kInvalidParameterValue, path, std::string("expected a UUID string, got ") + JsonTypeName(value));
    const std::string &s = value.get_ref<const std::string &>();
    unsigned char bytes[16];
    if (!ParseUuidText(s.data(), s.size(), bytes))
        Fail(sqlstate::kInvalidTextRepresentation, path, Shown(value) + " is not a valid UUID");
    char text[40];
    return std::string(text, FormatUuid(bytes, text));
}

int64_t ParseDatetime(const Json &value, const JsonPath &path) {
    if (value.is_string()) {
        const std::string &s = value.get_ref<const std::string &>();
        ParsedDatetime parsed;
        const char *reason = nullptr;
        if (!ParseIsoDatetime(s.data(), s.size(), &parsed, &reason))
            Fail(sqlstate::kInvalidTextRepresentation, path,
                 Shown(value) + " is not a valid datetime" + (reason ? std::string(": ") + reason : std::string()));
        return parsed.utc_usec_since_2000;
    }
    if (value.is_number()) {
        int64_t usec = 0;
        if (!DatetimeFromUnixNumber(value.get<double>(), &usec))
            Fail(sqlstate::kInvalidParameterValue, path, Shown(value) + " is not a valid datetime: out of range");
        return usec;
    }
    Fail(sqlstate::kInvalidParameterValue, path, std::string("expected a datetime string, got ") + JsonTypeName(value));
}

const std::string &ParseStateType(const Json &value, const JsonPath &path) {
    const std::string &s = ExpectString(value, path);
    for (size_t i = 0; i < kStateTypeCount; ++i)
        if (s == kStateTypes[i]) return s;
    Fail(sqlstate::kInvalidParameterValue, path, Shown(value) + " is not a valid state type");
}

}  // namespace prefect_filter
