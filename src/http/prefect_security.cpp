// Prefect's auth, CSRF and CORS rules (see prefect_security.hpp for the sources).
#include "http/prefect_security.hpp"

#include "http/py_json.hpp"

#include <algorithm>
#include <set>

namespace pf_http {

namespace {

// str.isspace() for a character of a Latin-1 decoded header (how Starlette decodes them).
bool PythonSpace(unsigned char c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0;
}

// str.split() without arguments.
std::vector<std::string_view> PythonSplit(std::string_view s) {
    std::vector<std::string_view> parts;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && PythonSpace(static_cast<unsigned char>(s[i]))) ++i;
        size_t start = i;
        while (i < s.size() && !PythonSpace(static_cast<unsigned char>(s[i]))) ++i;
        if (i > start) parts.push_back(s.substr(start, i - start));
    }
    return parts;
}

// str.split(",") — no stripping, as Prefect passes the settings to CORSMiddleware.
std::vector<std::string> SplitComma(const std::string &s) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t comma = s.find(',', start);
        out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) return out;
        start = comma + 1;
    }
}

std::string Lower(std::string s) {
    for (char &c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

std::string Strip(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && PythonSpace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && PythonSpace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

bool IsAscii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

int Base64Value(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

HttpResponse JsonResponse(int status, std::string body) {
    return MakeResponse(status, std::move(body), "application/json");
}

HttpResponse Unauthorized() {
    return JsonResponse(401, R"({"exception_message":"Unauthorized"})");
}

void SetHeader(HttpResponse *r, const std::string &name, const std::string &value) {
    for (auto &[key, existing] : r->headers) {
        if (Lower(key) == Lower(name)) {
            existing = value;
            return;
        }
    }
    r->headers.emplace_back(name, value);
}

const std::string *GetHeader(const HttpResponse &r, const std::string &name) {
    for (const auto &[key, value] : r.headers)
        if (Lower(key) == Lower(name)) return &value;
    return nullptr;
}

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
    // Like hmac.compare_digest: run over the longer input whatever the contents.
    const size_t n = std::max(a.size(), b.size());
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (size_t i = 0; i < n; ++i) {
        unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        diff = static_cast<unsigned char>(diff | (x ^ y));
    }
    return diff == 0;
}

std::optional<std::string> PythonB64Decode(std::string_view text) {
    if (!IsAscii(text)) return std::nullopt;  // "string argument should contain only ASCII characters"
    std::string out;
    int quad_pos = 0, pads = 0;
    unsigned left = 0;
    for (unsigned char c : text) {
        if (c == '=') {
            if (quad_pos >= 2 && quad_pos + ++pads >= 4) return out;  // padding ends the data
            continue;
        }
        int v = Base64Value(c);
        if (v < 0) continue;  // not in the alphabet: skipped
        pads = 0;
        switch (quad_pos) {
            case 0:
                quad_pos = 1;
                left = static_cast<unsigned>(v);
                break;
            case 1:
                quad_pos = 2;
                out += static_cast<char>((left << 2) | (static_cast<unsigned>(v) >> 4));
                left = static_cast<unsigned>(v) & 0x0f;
                break;
            case 2:
                quad_pos = 3;
                out += static_cast<char>((left << 4) | (static_cast<unsigned>(v) >> 2));
                left = static_cast<unsigned>(v) & 0x03;
                break;
            default:
                quad_pos = 0;
                out += static_cast<char>((left << 6) | static_cast<unsigned>(v));
                left = 0;
                break;
        }
    }
    if (quad_pos != 0) return std::nullopt;  // 1 character too many, or "Incorrect padding"
    return out;
}

std::optional<HttpResponse> CheckBasicAuth(const std::string &auth_string, const std::string &method,
                                           const std::string &app_path, const std::string *authorization) {
    std::string upper = method;
    for (char &c : upper)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if ((app_path == "/health" || app_path == "/ready") && upper == "GET") return std::nullopt;
    if (authorization == nullptr) return Unauthorized();
    std::vector<std::string_view> parts = PythonSplit(*authorization);
    if (parts.size() != 2 || parts[0] != "Basic") return Unauthorized();
    std::optional<std::string> decoded = PythonB64Decode(parts[1]);
    if (!decoded || !IsValidUtf8(*decoded)) return Unauthorized();
    // hmac.compare_digest refuses non-ASCII str (TypeError, a 500 in Prefect): unauthorized here.
    if (!IsAscii(*decoded) || !IsAscii(auth_string)) return Unauthorized();
    if (!ConstantTimeEquals(*decoded, auth_string)) return Unauthorized();
    return std::nullopt;
}

CsrfStep CsrfFirstStep(const HttpRequest &request) {
    const std::string &m = request.method;
    if (m != "POST" && m != "PUT" && m != "PATCH" && m != "DELETE") return CsrfStep::kNotNeeded;
    if (request.Header("Prefect-Csrf-Token") == nullptr) return CsrfStep::kMissingToken;
    if (request.Header("Prefect-Csrf-Client") == nullptr) return CsrfStep::kMissingClient;
    return CsrfStep::kLookUp;
}

HttpResponse CsrfRefusal(CsrfStep step) {
    return JsonResponse(403, step == CsrfStep::kMissingToken ? R"({"detail":"Missing CSRF token."})"
                                                             : R"({"detail":"Missing client identifier."})");
}

HttpResponse CsrfInvalid() {
    HttpResponse r = JsonResponse(403, R"({"detail":"Invalid CSRF token or client identifier."})");
    r.headers.emplace_back("Access-Control-Allow-Origin", "*");
    return r;
}

HttpResponse PlainText(int status, std::string body) {
    return MakeResponse(status, std::move(body), "text/plain; charset=utf-8");
}

CorsPolicy::CorsPolicy(const std::string &origins, const std::string &methods, const std::string &headers)
    : origins_(SplitComma(origins)), methods_(SplitComma(methods)) {
    if (std::find(methods_.begin(), methods_.end(), "*") != methods_.end())
        methods_ = {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"};
    all_origins_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
    std::vector<std::string> header_list = SplitComma(headers);
    all_headers_ = std::find(header_list.begin(), header_list.end(), "*") != header_list.end();
    std::set<std::string> allowed = {"Accept", "Accept-Language", "Content-Language", "Content-Type"};
    allowed.insert(header_list.begin(), header_list.end());  // sorted, as Python's sorted(set)

    if (all_origins_)
        preflight_headers_.emplace_back("Access-Control-Allow-Origin", "*");
    else
        preflight_headers_.emplace_back("Vary", "Origin");
    std::string joined;
    for (const std::string &m : methods_) joined += (joined.empty() ? "" : ", ") + m;
    preflight_headers_.emplace_back("Access-Control-Allow-Methods", joined);
    preflight_headers_.emplace_back("Access-Control-Max-Age", "600");
    std::string allow_headers;
    for (const std::string &h : allowed) {
        allow_headers += (allow_headers.empty() ? "" : ", ") + h;
        headers_lower_.push_back(Lower(h));
    }
    if (!all_headers_) preflight_headers_.emplace_back("Access-Control-Allow-Headers", allow_headers);
}

bool CorsPolicy::AllowedOrigin(const std::string &origin) const {
    return all_origins_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

std::optional<HttpResponse> CorsPolicy::Preflight(const HttpRequest &request) const {
    const std::string *origin = request.Header("Origin");
    const std::string *method = request.Header("Access-Control-Request-Method");
    if (origin == nullptr || method == nullptr || request.method != "OPTIONS") return std::nullopt;
    const std::string *requested_headers = request.Header("Access-Control-Request-Headers");
    HttpResponse r;
    r.headers = preflight_headers_;
    std::vector<std::string> failures;
    if (AllowedOrigin(*origin)) {
        if (!all_origins_) r.headers.emplace_back("Access-Control-Allow-Origin", *origin);
    } else {
        failures.push_back("origin");
    }
    if (std::find(methods_.begin(), methods_.end(), *method) == methods_.end()) failures.push_back("method");
    if (all_headers_ && requested_headers != nullptr) {
        r.headers.emplace_back("Access-Control-Allow-Headers", *requested_headers);
    } else if (requested_headers != nullptr) {
        for (const std::string &h : SplitComma(Lower(*requested_headers))) {
            if (std::find(headers_lower_.begin(), headers_lower_.end(), Strip(h)) == headers_lower_.end()) {
                failures.push_back("headers");
                break;
            }
        }
    }
    HttpResponse out = failures.empty() ? PlainText(200, "OK") : PlainText(400, "Disallowed CORS ");
    if (!failures.empty()) {
        for (size_t i = 0; i < failures.size(); ++i) out.body += (i ? ", " : "") + failures[i];
    }
    for (auto &h : r.headers) out.headers.insert(out.headers.end() - 1, h);  // before Content-Type
    return out;
}

void CorsPolicy::AddSimpleHeaders(const HttpRequest &request, HttpResponse *response) const {
    const std::string *origin = request.Header("Origin");
    if (origin == nullptr) return;
    if (all_origins_) SetHeader(response, "Access-Control-Allow-Origin", "*");
    const bool cookie = request.Header("Cookie") != nullptr;
    if ((all_origins_ && cookie) || (!all_origins_ && AllowedOrigin(*origin))) {
        SetHeader(response, "Access-Control-Allow-Origin", *origin);
        const std::string *vary = GetHeader(*response, "Vary");
        SetHeader(response, "Vary", vary ? *vary + ", Origin" : std::string("Origin"));
    }
}

}  // namespace pf_http
