// Prefect's transport rules and error bodies (see prefect_http.hpp for the sources).
#include "http/prefect_http.hpp"

#include "http/py_json.hpp"

#include <cctype>
#include <cstdint>
#include <limits>

namespace pf_http {

namespace {

const char kInvalidRequest[] = "Invalid request received.";
const char kParseBodyError[] = "There was an error parsing the body";

// Python reprs of the enums' values, as pydantic's `enum` error lists them.
const char kSortExpected[] = "'CREATED_DESC', 'UPDATED_DESC', 'NAME_ASC' or 'NAME_DESC'";
const char kStateTypeExpected[] =
    "'SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED' or "
    "'CANCELLING'";
const char kOperatorExpected[] = "'and_' or 'or_'";

bool StartsWith(std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
}
bool EndsWith(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

std::string Dump(const OJson &j) {
    return j.dump(-1, ' ', false, OJson::error_handler_t::replace);
}

// Python's int(str) on a Latin-1 string: surrounding whitespace, an optional sign, decimal
// digits with single underscores between them. Saturates far beyond any version number.
bool PythonInt(std::string_view s, int64_t *out) {
    auto is_space = [](unsigned char c) {
        return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0;
    };
    while (!s.empty() && is_space(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && is_space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    bool negative = false;
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s.empty() || s.front() == '_' || s.back() == '_') return false;
    int64_t value = 0;
    bool previous_underscore = false;
    for (char c : s) {
        if (c == '_') {
            if (previous_underscore) return false;
            previous_underscore = true;
            continue;
        }
        if (c < '0' || c > '9') return false;
        previous_underscore = false;
        if (value < std::numeric_limits<int64_t>::max() / 10 - 10) value = value * 10 + (c - '0');
    }
    *out = negative ? -value : value;
    return true;
}

OJson JsonInvalidError(size_t position, const std::string &message) {
    OJson e;
    e["type"] = "json_invalid";
    e["loc"] = OJson::array({"body", position});
    e["msg"] = "JSON decode error";
    e["input"] = OJson::object();
    e["ctx"] = {{"error", message}};
    return e;
}

OJson Error(const char *type, const OJson &loc, const std::string &msg, const OJson &input) {
    OJson e;
    e["type"] = type;
    e["loc"] = loc;
    e["msg"] = msg;
    e["input"] = input;
    return e;
}

OJson EnumError(const OJson &loc, const OJson &input, const char *expected) {
    OJson e = Error("enum", loc, std::string("Input should be ") + expected, input);
    e["ctx"] = {{"expected", expected}};
    return e;
}

// Resolves an extension path ("flow_runs.state.type.any_[1]") against the body. Keys may
// themselves contain '.', '[' or ": ", so every key of an object that fits is tried.
bool Resolve(const OJson &node, std::string_view rest, bool at_root, OJson *loc, const OJson **input) {
    if (rest.empty()) {
        *input = &node;
        return true;
    }
    if (rest.front() == '[') {
        size_t close = rest.find(']');
        if (!node.is_array() || close == std::string_view::npos || close == 1) return false;
        size_t index = 0;
        for (size_t i = 1; i < close; ++i) {
            if (rest[i] < '0' || rest[i] > '9' || index > node.size()) return false;
            index = index * 10 + static_cast<size_t>(rest[i] - '0');
        }
        if (index >= node.size()) return false;
        loc->push_back(index);
        if (Resolve(node[index], rest.substr(close + 1), false, loc, input)) return true;
        loc->erase(loc->size() - 1);
        return false;
    }
    if (!at_root) {
        if (rest.front() != '.') return false;
        rest.remove_prefix(1);
    }
    if (!node.is_object()) return false;
    for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string &key = it.key();
        if (!StartsWith(rest, key)) continue;
        std::string_view after = rest.substr(key.size());
        if (!after.empty() && after.front() != '.' && after.front() != '[') continue;
        loc->push_back(key);
        if (Resolve(it.value(), after, false, loc, input)) return true;
        loc->erase(loc->size() - 1);
    }
    return false;
}

// Best effort for a path that is not in the body: split at '.' and "[n]".
OJson NaiveLoc(std::string_view path) {
    OJson loc = OJson::array({"body"});
    std::string segment;
    for (size_t i = 0; i < path.size(); ++i) {
        char c = path[i];
        if (c == '.' || c == '[') {
            if (!segment.empty()) loc.push_back(segment);
            segment.clear();
            if (c == '[') {
                size_t close = path.find(']', i);
                if (close == std::string_view::npos) break;
                std::string digits(path.substr(i + 1, close - i - 1));
                if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos)
                    loc.push_back(std::stoull(digits));
                i = close;
            }
        } else {
            segment += c;
        }
    }
    if (!segment.empty()) loc.push_back(segment);
    return loc;
}

bool IsStateTypeLoc(const OJson &loc) {
    size_t n = loc.size();
    return n >= 4 && loc[n - 1].is_number_unsigned() && (loc[n - 2] == "any_" || loc[n - 2] == "not_any_") &&
           loc[n - 3] == "type" && loc[n - 4] == "state";
}

bool IsSortLoc(const OJson &loc) {
    return loc.size() == 2 && loc[1] == "sort";
}

// Number that follows `marker` in `text` (digits only).
uint64_t NumberAfter(std::string_view text, std::string_view marker) {
    size_t at = text.find(marker);
    if (at == std::string_view::npos) return 0;
    uint64_t n = 0;
    for (size_t i = at + marker.size(); i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
        n = n * 10 + static_cast<uint64_t>(text[i] - '0');
    return n;
}

// Turns the extension's message (after the path) into a pydantic error object.
OJson PydanticError(const SqlError &error, std::string_view msg, const OJson &loc, const OJson &input) {
    if (StartsWith(msg, "unknown field for "))
        return Error("extra_forbidden", loc, "Extra inputs are not permitted", input);
    if (StartsWith(msg, "expected an object ("))
        return Error("model_attributes_type", loc,
                     "Input should be a valid dictionary or object to extract fields from", input);
    if (StartsWith(msg, "expected a list, got ")) return Error("list_type", loc, "Input should be a valid list", input);
    if (StartsWith(msg, "expected a string, got ")) {
        if (IsSortLoc(loc)) return EnumError(loc, input, kSortExpected);
        if (IsStateTypeLoc(loc)) return EnumError(loc, input, kStateTypeExpected);
        return Error("string_type", loc, "Input should be a valid string", input);
    }
    if (EndsWith(msg, " is not a valid state type")) return EnumError(loc, input, kStateTypeExpected);
    if (EndsWith(msg, " is not a valid sort")) return EnumError(loc, input, kSortExpected);
    if (StartsWith(msg, "operator must be ")) return EnumError(loc, input, kOperatorExpected);
    if (EndsWith(msg, " is not a valid boolean") ||
        (StartsWith(msg, "expected a boolean, got ") && (input.is_number() || input.is_string())))
        return Error("bool_parsing", loc, "Input should be a valid boolean, unable to interpret input", input);
    if (StartsWith(msg, "expected a boolean, got "))
        return Error("bool_type", loc, "Input should be a valid boolean", input);
    if (EndsWith(msg, " is not a valid integer")) {
        if (input.is_string())
            return Error("int_parsing", loc, "Input should be a valid integer, unable to parse string as an integer",
                         input);
        if (input.is_number_float())
            return Error("int_from_float", loc, "Input should be a valid integer, got a number with a fractional part",
                         input);
        return Error("int_type", loc, "Input should be a valid integer", input);
    }
    if (StartsWith(msg, "expected an integer, got "))
        return Error("int_type", loc, "Input should be a valid integer", input);
    if (msg.find(" must be greater than or equal to ") != std::string_view::npos) {
        uint64_t ge = NumberAfter(msg, "greater than or equal to ");
        OJson e =
            Error("greater_than_equal", loc, "Input should be greater than or equal to " + std::to_string(ge), input);
        e["ctx"] = {{"ge", ge}};
        return e;
    }
    if (EndsWith(msg, " is not a valid UUID")) {
        std::string why = input.is_string() ? UuidCrateError(input.get_ref<const std::string &>())
                                            : std::string("failed to parse a UUID");
        OJson e = Error("uuid_parsing", loc, "Input should be a valid UUID, " + why, input);
        e["ctx"] = {{"error", why}};
        return e;
    }
    if (StartsWith(msg, "expected a UUID string, got "))
        return Error("uuid_type", loc, "UUID input should be a string, bytes or UUID object", input);
    if (size_t at = msg.rfind(" is not a valid datetime"); at != std::string_view::npos) {
        std::string_view reason = msg.substr(at + std::string_view(" is not a valid datetime").size());
        if (StartsWith(reason, ": ")) reason.remove_prefix(2);
        const std::string_view from_date = "Input should be a valid datetime or date, ";
        const std::string_view plain = "Input should be a valid datetime, ";
        const char *type = "datetime_parsing";
        std::string why(reason);
        if (StartsWith(reason, from_date)) {
            type = "datetime_from_date_parsing";
            why = std::string(reason.substr(from_date.size()));
        } else if (StartsWith(reason, plain)) {
            why = std::string(reason.substr(plain.size()));
        }
        std::string text = std::string(std::string_view(type) == "datetime_parsing" ? plain : from_date) + why;
        OJson e = Error(type, loc, text, input);
        e["ctx"] = {{"error", why}};
        return e;
    }
    if (StartsWith(msg, "expected a datetime string, got "))
        return Error("datetime_type", loc, "Input should be a valid datetime", input);
    if (error.sqlstate == "54000" && StartsWith(msg, "list has ")) {
        uint64_t actual = NumberAfter(msg, "list has ");
        uint64_t max = NumberAfter(msg, "limit of ");
        OJson e = Error("too_long", loc,
                        "List should have at most " + std::to_string(max) + " item" + (max == 1 ? "" : "s") +
                            " after validation, not " + std::to_string(actual),
                        input);
        e["ctx"] = {{"field_type", "List"}, {"max_length", max}, {"actual_length", actual}};
        return e;
    }
    // Our own limits (nesting depth) and anything unforeseen: a pydantic-style value error.
    return Error("value_error", loc, "Value error, " + std::string(msg), input);
}

}  // namespace

// Header bytes are Latin-1 code points in Starlette; JSON wants UTF-8.
std::string Latin1ToUtf8(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

std::vector<std::string> BodyFields(Endpoint endpoint) {
    const EndpointSpec &spec = EndpointOf(endpoint);
    return std::vector<std::string>(spec.body_fields, spec.body_fields + spec.body_field_count);
}

Answer DetailAnswer(int status, const std::string &detail) {
    OJson body;
    body["detail"] = detail;
    return {status, Dump(body)};
}

Answer InternalServerError() {
    return {500, R"({"exception_message":"Internal Server Error"})"};
}
Answer ServiceUnavailable() {
    return {503, R"({"exception_message":"Service Unavailable"})"};
}

std::optional<Answer> CheckApiVersion(const std::string *value) {
    if (value == nullptr || value->empty()) return std::nullopt;  // "assume latest"
    const std::string shown = Latin1ToUtf8(*value);
    int64_t parts[3];
    size_t count = 0;
    bool ok = true;
    std::string_view rest = *value;
    for (;;) {
        size_t dot = rest.find('.');
        std::string_view piece = rest.substr(0, dot);
        if (count == 3 || !PythonInt(piece, &parts[count])) {
            ok = false;
            break;
        }
        ++count;
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
    }
    if (!ok || count != 3)
        return DetailAnswer(
            400, "Invalid X-PREFECT-API-VERSION header format.Expected header in format 'x.y.z' but received " + shown);
    const int64_t minimum[3] = {0, 8, 0};
    for (int i = 0; i < 3; ++i) {
        if (parts[i] > minimum[i]) return std::nullopt;
        if (parts[i] < minimum[i])
            return DetailAnswer(400, "The request specified API version " + shown +
                                         " but this server requires version 0.8.0 or higher.");
    }
    return std::nullopt;  // equal
}

bool BodyIsJson(const std::string *content_type, const std::string *content_length) {
    if (content_type == nullptr) {
        // Prefect's default_content_type middleware: int(content-length) > 0 adds application/json.
        if (content_length == nullptr) return false;
        int64_t n = 0;
        return PythonInt(*content_length, &n) && n > 0;
    }
    if (content_type->empty()) return false;  // FastAPI: a falsy content-type is "none"
    // email.message.Message.get_content_type(): the part before ';', stripped and lower-cased,
    // must contain exactly one '/', else it is text/plain.
    std::string ctype = content_type->substr(0, content_type->find(';'));
    const char *ws = " \t\r\n\v\f";
    size_t b = ctype.find_first_not_of(ws), e = ctype.find_last_not_of(ws);
    ctype = b == std::string::npos ? std::string() : ctype.substr(b, e - b + 1);
    for (char &c : ctype) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t slash = ctype.find('/');
    if (slash == std::string::npos || ctype.find('/', slash + 1) != std::string::npos) return false;
    std::string_view main = std::string_view(ctype).substr(0, slash);
    std::string_view sub = std::string_view(ctype).substr(slash + 1);
    return main == "application" && (sub == "json" || EndsWith(sub, "+json"));
}

ParsedBody ParseBody(std::string_view raw, bool parse_as_json) {
    ParsedBody out;
    if (!parse_as_json || raw.empty()) return out;  // FastAPI: `if body_bytes:` / bytes body
    std::string_view text = StripUtf8Bom(raw);
    auto reject = [&](Answer answer) {
        out.kind = ParsedBody::kRejected;
        out.answer = std::move(answer);
        return out;
    };
    if (!IsValidUtf8(text)) return reject(DetailAnswer(400, kParseBodyError));  // UnicodeDecodeError

    struct TooDeep {};
    OJson::parser_callback_t depth_guard = [](int depth, OJson::parse_event_t, OJson &) {
        if (depth > kPythonMaxJsonDepth) throw TooDeep{};
        return true;
    };
    try {
        out.value = OJson::parse(text.begin(), text.end(), depth_guard);
    } catch (const TooDeep &) {
        return reject(DetailAnswer(400, kParseBodyError));  // RecursionError
    } catch (const OJson::exception &e) {
        std::u32string doc = DecodeUtf8(text);
        PyJsonVerdict verdict = PythonJsonVerdict(doc);
        if (verdict.kind == PyJsonVerdict::kRecursionError) return reject(DetailAnswer(400, kParseBodyError));
        if (verdict.kind == PyJsonVerdict::kValid) {
            // Python would accept it (NaN, Infinity, a lone surrogate escape); we cannot represent
            // it, so report the first place nlohmann stopped, in code points.
            size_t byte = 0;
            if (const auto *pe = dynamic_cast<const OJson::parse_error *>(&e)) byte = pe->byte > 0 ? pe->byte - 1 : 0;
            verdict.message = "Expecting value";
            verdict.position = DecodeUtf8(text.substr(0, std::min(byte, text.size()))).size();
        }
        OJson body;
        body["exception_message"] = kInvalidRequest;
        body["exception_detail"] = OJson::array({JsonInvalidError(verdict.position, verdict.message)});
        body["request_body"] = std::string(text);  // FastAPI echoes e.doc, the decoded text
        return reject({422, Dump(body)});
    }
    out.text = text;
    if (out.value.is_null()) {
        out.kind = ParsedBody::kDefaults;  // body None: every field takes its default
    } else if (out.value.is_object()) {
        out.kind = ParsedBody::kObject;
    } else {
        out.kind = ParsedBody::kNotObject;
    }
    return out;
}

Answer NotAnObjectAnswer(Endpoint endpoint, const OJson &body) {
    std::vector<OJson> errors;
    for (const std::string &field : BodyFields(endpoint))
        errors.push_back(Error("missing", OJson::array({"body", field}), "Field required", nullptr));
    return ValidationAnswer(errors, body);
}

std::string SqlBodyText(Endpoint endpoint, const ParsedBody &body) {
    if (body.kind != ParsedBody::kObject) return "{}";
    const std::vector<std::string> fields = BodyFields(endpoint);
    auto known = [&](const std::string &key) {
        for (const std::string &f : fields)
            if (f == key) return true;
        return false;
    };
    bool all_known = true;
    for (auto it = body.value.begin(); it != body.value.end() && all_known; ++it) all_known = known(it.key());
    if (all_known) return std::string(body.text);
    OJson filtered = OJson::object();
    for (auto it = body.value.begin(); it != body.value.end(); ++it)
        if (known(it.key())) filtered[it.key()] = it.value();
    return Dump(filtered);
}

bool IsValidationSqlState(const std::string &sqlstate) {
    return sqlstate == "22023" || sqlstate == "22P02" || sqlstate == "54000";
}

MappedError MapValidationError(const SqlError &error, const OJson &body, const std::string &field) {
    MappedError out;
    std::string_view message = error.message;
    OJson loc = OJson::array({"body"});
    const OJson *input = &body;
    std::string_view msg = message;
    bool found = false;
    for (size_t at = message.find(": "); at != std::string_view::npos && !found; at = message.find(": ", at + 1)) {
        std::string_view path = message.substr(0, at);
        OJson candidate = OJson::array({"body"});
        const OJson *value = nullptr;
        if (path == "(body)") {
            value = &body;
            found = true;
        } else if (Resolve(body, path, true, &candidate, &value)) {
            found = true;
        }
        if (found) {
            loc = candidate;
            input = value;
            msg = message.substr(at + 2);
        }
    }
    static const OJson kNull;
    if (!found) {  // not expected: keep the path's shape, without an input
        size_t at = message.find(": ");
        if (at != std::string_view::npos) {
            loc = NaiveLoc(message.substr(0, at));
            msg = message.substr(at + 2);
        }
        input = &kNull;
    }
    if (loc.size() == 1 && !field.empty() && body.is_object() && body.contains(field)) {
        loc.push_back(field);  // a whole-body complaint while validating one field
        input = &body[field];
    }
    if (loc.size() == 2 && loc[1] == "limit" && StartsWith(msg, "Invalid limit: ")) {
        out.limit_detail = std::string(msg);
        return out;
    }
    out.error = PydanticError(error, msg, loc, *input);
    return out;
}

Answer ValidationAnswer(const std::vector<OJson> &errors, const OJson &body) {
    OJson out;
    out["exception_message"] = kInvalidRequest;
    out["exception_detail"] = errors;
    out["request_body"] = body;
    return {422, Dump(out)};
}

// The uuid crate's InvalidUuid::into_err (uuid 1.x, src/error.rs), which pydantic-core shows.
std::string UuidCrateError(std::string_view input) {
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
            return "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `" +
                   std::string(uuid.substr(i, len)) + "` at " + std::to_string(i + offset + 1);
        }
        if (c == '-') {
            if (hyphens < 4) group_bounds[hyphens] = i;
            ++hyphens;
        } else if (!std::isxdigit(c)) {
            return "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `" +
                   std::string(1, static_cast<char>(c)) + "` at " + std::to_string(i + offset + 1);
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

}  // namespace pf_http
