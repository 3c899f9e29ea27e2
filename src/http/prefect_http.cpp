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

OJson MissingError(const std::string &field) {
    OJson e;
    e["type"] = "missing";
    e["loc"] = OJson::array({"body", field});
    e["msg"] = "Field required";
    e["input"] = nullptr;
    return e;
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
    const prefect_filter::RequestEndpointSpec &spec = prefect_filter::RequestEndpointOf(endpoint);
    std::vector<std::string> fields;
    for (size_t i = 0; i < spec.field_count; ++i) fields.emplace_back(prefect_filter::BodyFieldKey(spec.fields[i]));
    return fields;
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
    OJson errors = OJson::array();
    for (const std::string &field : BodyFields(endpoint)) errors.push_back(MissingError(field));
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

Answer ValidationAnswer(const OJson &errors, const OJson &body) {
    OJson out;
    out["exception_message"] = kInvalidRequest;
    out["exception_detail"] = errors;
    out["request_body"] = body;
    return {422, Dump(out)};
}

std::optional<Answer> AnswerFromValidationErrors(const std::string &result, const OJson &body) {
    OJson parsed = OJson::parse(result, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object() || !parsed.contains("detail")) return std::nullopt;
    const OJson &detail = parsed["detail"];
    if (detail.is_string()) return DetailAnswer(422, detail.get<std::string>());  // LimitBody
    if (!detail.is_array() || detail.empty()) return std::nullopt;
    return ValidationAnswer(detail, body);
}

}  // namespace pf_http
