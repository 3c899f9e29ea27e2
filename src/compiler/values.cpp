// Scalar validation, following pydantic 2's lax-mode conversion table for the Python objects
// json.loads makes. Every failure is recorded twice: as pydantic's error (type, msg, ctx: what
// Prefect's 422 shows) and as our SQL error (SQLSTATE and message).
#include "compiler/values.hpp"

#include "formats/datetime.hpp"
#include "formats/json_out.hpp"
#include "formats/pendulum.hpp"

#include <cctype>
#include <cmath>
#include <limits>
#include <new>
#include "formats/cpp_only.hpp"  // last: proves no PostgreSQL header came in

namespace prefect_filter {

void Issues::Add(Issue issue) {
    if (stop_at_first_) throw FilterError(issue);
    all_.push_back(std::move(issue));
}

std::string Shown(const Json &value) {
    std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (text.size() > 80) {
        size_t cut = 77;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
        text = text.substr(0, cut) + "...";
    }
    return text;
}

Issue MakeIssue(const JsonPath &path, const Json &value, const char *type, std::string msg, const char *sqlstate,
                std::string message, std::string detail) {
    Issue issue;
    issue.loc = path;
    issue.type = type;
    issue.msg = std::move(msg);
    issue.input = &value;
    issue.sqlstate = sqlstate;
    issue.sql_path = path.ToString();
    issue.message = std::move(message);
    issue.detail = std::move(detail);
    return issue;
}

namespace {

void Add(Issues &issues, const JsonPath &path, const Json &value, const char *type, std::string msg,
         const char *sqlstate, std::string message, Json ctx = nullptr) {
    Issue issue = MakeIssue(path, value, type, std::move(msg), sqlstate, std::move(message));
    issue.ctx = std::move(ctx);
    issues.Add(std::move(issue));
}

std::string Lower(std::string s) {
    for (char &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
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

void IntIssue(Issues &issues, const JsonPath &path, const Json &value, const char *sqlstate, std::string message) {
    if (value.is_string())
        return Add(issues, path, value, "int_parsing",
                   "Input should be a valid integer, unable to parse string as an integer", sqlstate,
                   std::move(message));
    if (value.is_number_float())
        return Add(issues, path, value, "int_from_float",
                   "Input should be a valid integer, got a number with a fractional part", sqlstate,
                   std::move(message));
    Add(issues, path, value, "int_type", "Input should be a valid integer", sqlstate, std::move(message));
}

// Prefect's DateTime on Python <= 3.12 (pydantic_extra_types.pendulum_dt.DateTime._validate):
// pydantic's datetime first; when it fails, pendulum.parse(value, strict=True). A ValueError
// from pendulum becomes pydantic's value_error, whose ctx holds the exception object, which
// FastAPI's jsonable_encoder turns into {}; any other exception (pendulum given a number or a
// list) becomes PydanticCustomError("value_error", "value is not a valid datetime").
std::optional<int64_t> PendulumFallback(const Json &value, const JsonPath &path, Issues &issues,
                                        const ValueRules &rules, const char *sqlstate, const std::string &message) {
    if (!value.is_string()) {
        Add(issues, path, value, "value_error", "value is not a valid datetime", sqlstate, message);
        return std::nullopt;
    }
    if (rules.now_read) *rules.now_read = true;
    PendulumOutcome outcome = PendulumParse(value.get_ref<const std::string &>(), rules.now_usec);
    switch (outcome.kind) {
        case PendulumOutcome::kDatetime:
        // pendulum kept an offset Python refuses to use (24 hours or more). Prefect accepts the
        // value and fails later, outside validation; we take the instant pendulum parsed.
        case PendulumOutcome::kDatetimeOffsetOutOfRange: return outcome.utc_usec_since_2000;
        case PendulumOutcome::kValueError:
            Add(issues, path, value, "value_error", "Value error, " + outcome.message, sqlstate,
                Shown(value) + " is not a valid datetime: " + outcome.message, Json{{"error", Json::object()}});
            return std::nullopt;
        case PendulumOutcome::kCustomError:
            Add(issues, path, value, "value_error", outcome.message, sqlstate,
                Shown(value) + " is not a valid datetime: " + outcome.message);
            return std::nullopt;
        case PendulumOutcome::kOutOfMemory: break;
    }
    throw std::bad_alloc();
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

std::optional<std::string> ReadString(const Json &value, const JsonPath &path, Issues &issues) {
    if (value.is_string()) return value.get<std::string>();
    Add(issues, path, value, "string_type", "Input should be a valid string", sqlstate::kInvalidParameterValue,
        std::string("expected a string, got ") + JsonTypeName(value));
    return std::nullopt;
}

std::optional<bool> ReadBool(const Json &value, const JsonPath &path, Issues &issues) {
    const char *parsing = "Input should be a valid boolean, unable to interpret input";
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
        Add(issues, path, value, "bool_parsing", parsing, sqlstate::kInvalidTextRepresentation,
            Shown(value) + " is not a valid boolean");
        return std::nullopt;
    }
    std::string message = std::string("expected a boolean, got ") + JsonTypeName(value);
    if (value.is_number())
        Add(issues, path, value, "bool_parsing", parsing, sqlstate::kInvalidParameterValue, std::move(message));
    else
        Add(issues, path, value, "bool_type", "Input should be a valid boolean", sqlstate::kInvalidParameterValue,
            std::move(message));
    return std::nullopt;
}

std::optional<int64_t> ReadInt(const Json &value, const JsonPath &path, Issues &issues) {
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    // (nlohmann's is_number_integer() is also true for an unsigned number: test that first.)
    if (value.is_number_unsigned()) {
        uint64_t u = value.get<uint64_t>();
        return u <= static_cast<uint64_t>(kMax) ? static_cast<int64_t>(u) : kMax;
    }
    if (value.is_number_integer()) return value.get<int64_t>();
    if (value.is_boolean()) return value.get<bool>() ? 1 : 0;
    if (value.is_number_float()) {
        double d = value.get<double>();
        if (!std::isfinite(d) || d != std::trunc(d)) {
            IntIssue(issues, path, value, sqlstate::kInvalidParameterValue, Shown(value) + " is not a valid integer");
            return std::nullopt;
        }
        if (d >= 9.2233720368547758e18) return kMax;
        if (d < -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
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
        bool ok = i < e;
        int64_t result = 0;
        bool over = false;
        for (; ok && i < e; ++i) {
            if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
                ok = false;
                break;
            }
            int digit = s[i] - '0';
            if (!over && result > (kMax - digit) / 10) over = true;
            if (!over) result = result * 10 + digit;
        }
        if (!ok) {
            IntIssue(issues, path, value, sqlstate::kInvalidTextRepresentation,
                     Shown(value) + " is not a valid integer");
            return std::nullopt;
        }
        if (over) return negative ? std::numeric_limits<int64_t>::min() : kMax;
        return negative ? -result : result;
    }
    IntIssue(issues, path, value, sqlstate::kInvalidParameterValue,
             std::string("expected an integer, got ") + JsonTypeName(value));
    return std::nullopt;
}

std::optional<std::string> ReadUuid(const Json &value, const JsonPath &path, Issues &issues) {
    if (!value.is_string()) {
        Add(issues, path, value, "uuid_type", "UUID input should be a string, bytes or UUID object",
            sqlstate::kInvalidParameterValue, std::string("expected a UUID string, got ") + JsonTypeName(value));
        return std::nullopt;
    }
    const std::string &s = value.get_ref<const std::string &>();
    unsigned char bytes[16];
    if (!ParseUuidText(s.data(), s.size(), bytes)) {
        std::string why = UuidParseError(s);
        Add(issues, path, value, "uuid_parsing", "Input should be a valid UUID, " + why,
            sqlstate::kInvalidTextRepresentation, Shown(value) + " is not a valid UUID", Json{{"error", why}});
        return std::nullopt;
    }
    char text[40];
    return std::string(text, FormatUuid(bytes, text));
}

std::optional<int64_t> ReadDatetime(const Json &value, const JsonPath &path, Issues &issues, const ValueRules &rules) {
    const bool pendulum = rules.datetime == DatetimeParsing::kPendulum;
    if (value.is_string()) {
        const std::string &s = value.get_ref<const std::string &>();
        ParsedDatetime parsed;
        const char *reason = nullptr;
        if (ParseIsoDatetime(s.data(), s.size(), &parsed, &reason)) return parsed.utc_usec_since_2000;
        if (pendulum) return PendulumFallback(value, path, issues, rules, sqlstate::kInvalidTextRepresentation, {});
        // reason is pydantic's message: "Input should be a valid datetime[ or date], <error>".
        std::string text = reason ? reason : "Input should be a valid datetime, invalid input";
        const std::string_view from_date = "Input should be a valid datetime or date, ";
        const std::string_view plain = "Input should be a valid datetime, ";
        const bool is_from_date = StartsWith(text, from_date);
        std::string why = text.substr(is_from_date ? from_date.size() : StartsWith(text, plain) ? plain.size() : 0);
        Add(issues, path, value, is_from_date ? "datetime_from_date_parsing" : "datetime_parsing", text,
            sqlstate::kInvalidTextRepresentation, Shown(value) + " is not a valid datetime: " + text,
            Json{{"error", why}});
        return std::nullopt;
    }
    if (value.is_number()) {
        int64_t usec = 0;
        if (DatetimeFromUnixNumber(value.get<double>(), &usec)) return usec;
        std::string message = Shown(value) + " is not a valid datetime: out of range";
        if (pendulum) return PendulumFallback(value, path, issues, rules, sqlstate::kInvalidParameterValue, message);
        Add(issues, path, value, "datetime_parsing", "Input should be a valid datetime, out of range",
            sqlstate::kInvalidParameterValue, std::move(message), Json{{"error", "out of range"}});
        return std::nullopt;
    }
    std::string message = std::string("expected a datetime string, got ") + JsonTypeName(value);
    if (pendulum) return PendulumFallback(value, path, issues, rules, sqlstate::kInvalidParameterValue, message);
    Add(issues, path, value, "datetime_type", "Input should be a valid datetime", sqlstate::kInvalidParameterValue,
        std::move(message));
    return std::nullopt;
}

std::string EnumExpected(const char *const *values, size_t count) {
    std::string out;
    for (size_t i = 0; i < count; ++i) {
        if (i) out += i + 1 == count ? " or " : ", ";
        out += std::string("'") + values[i] + "'";
    }
    return out;
}

std::optional<std::string> ReadEnum(const Json &value, const JsonPath &path, Issues &issues, const char *const *values,
                                    size_t count, std::string_view prefix, std::string_view suffix,
                                    std::string_view sql_detail, bool same_message_for_non_strings) {
    if (value.is_string()) {
        const std::string &s = value.get_ref<const std::string &>();
        for (size_t i = 0; i < count; ++i)
            if (s == values[i]) return s;
    }
    const std::string expected = EnumExpected(values, count);
    const bool own_message = value.is_string() || same_message_for_non_strings;
    Issue issue = MakeIssue(path, value, "enum", "Input should be " + expected, sqlstate::kInvalidParameterValue,
                            own_message ? std::string(prefix) + Shown(value) + std::string(suffix)
                                        : std::string("expected a string, got ") + JsonTypeName(value),
                            own_message ? std::string(sql_detail) : std::string());
    issue.ctx = Json{{"expected", expected}};
    issues.Add(std::move(issue));
    return std::nullopt;
}

// The uuid crate's InvalidUuid::into_err (uuid 1.23, src/parser.rs and src/error.rs), whose
// Display text pydantic-core shows.
std::string UuidParseError(std::string_view input) {
    std::string_view uuid = input;
    size_t offset = 0;
    bool simple = true;
    if (input.size() >= 2 && input.front() == '{' && input.back() == '}') {
        uuid = input.substr(1, input.size() - 2);
        offset = 1;
        simple = false;
    } else if (StartsWith(input, "urn:uuid:")) {
        uuid = input.substr(9);
        offset = 9;
        simple = false;
    }
    size_t hyphens = 0;
    size_t group_bounds[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < uuid.size();) {
        unsigned char c = static_cast<unsigned char>(uuid[i]);
        if (c >= 0x80) {  // a multi-byte character: reported whole, at its byte index
            size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            return "invalid character: found `" + std::string(uuid.substr(i, len)) + "` at " +
                   std::to_string(i + offset + 1);
        }
        if (c == '-') {
            if (hyphens < 4) group_bounds[hyphens] = i;
            ++hyphens;
        } else if (!std::isxdigit(c)) {
            return "invalid character: found `" + std::string(1, static_cast<char>(c)) + "` at " +
                   std::to_string(i + offset + 1);
        }
        ++i;
    }
    if (hyphens == 0 && simple)
        return "invalid length: expected length 32 for simple format, found " + std::to_string(input.size());
    if (hyphens != 4) return "invalid group count: expected 5, found " + std::to_string(hyphens + 1);
    const size_t block_starts[5] = {0, 9, 14, 19, 24};
    const size_t expected[5] = {8, 4, 4, 4, 12};
    for (size_t i = 0; i < 4; ++i) {
        if (group_bounds[i] != block_starts[i + 1] - 1) {
            size_t len = group_bounds[i] >= block_starts[i] ? group_bounds[i] - block_starts[i] : 0;
            return "invalid group length in group " + std::to_string(i) + ": expected " + std::to_string(expected[i]) +
                   ", found " + std::to_string(len);
        }
    }
    return "invalid group length in group 4: expected 12, found " + std::to_string(input.size() - block_starts[4]);
}

}  // namespace prefect_filter
