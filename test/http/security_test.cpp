// Unit tests of Prefect's protections without I/O (src/http/prefect_security.*): Basic auth as
// Prefect's token_validation decides it (Python's str.split, base64.b64decode and
// hmac.compare_digest), the CSRF middleware's first steps and answers, and Starlette's CORS
// middleware as Prefect configures it.
#include "http/prefect_security.hpp"

#include <gtest/gtest.h>

namespace pf_http {
namespace {

const std::string kAuth = "admin:s3cret";

std::string B64(const std::string &s) {
    static const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < s.size(); i += 3) {
        unsigned v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8 | (unsigned char)s[i + 2];
        out += abc[v >> 18];
        out += abc[(v >> 12) & 63];
        out += abc[(v >> 6) & 63];
        out += abc[v & 63];
    }
    if (i + 1 == s.size()) {
        unsigned v = (unsigned char)s[i] << 16;
        out += abc[v >> 18];
        out += abc[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == s.size()) {
        unsigned v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8;
        out += abc[v >> 18];
        out += abc[(v >> 12) & 63];
        out += abc[(v >> 6) & 63];
        out += "=";
    }
    return out;
}

bool Passes(const std::string &method, const std::string &path, const std::string *authorization) {
    return !CheckBasicAuth(kAuth, method, path, authorization).has_value();
}

TEST(BasicAuth, AcceptsTheConfiguredCredentials) {
    std::string h = "Basic " + B64(kAuth);
    EXPECT_TRUE(Passes("POST", "/deployments/filter", &h));
    h = "  Basic\t" + B64(kAuth) + " ";  // str.split() takes any whitespace run
    EXPECT_TRUE(Passes("POST", "/deployments/filter", &h));
    h = "Basic " + B64(kAuth) + "\xa0";  // U+00A0 is whitespace for Python's str.split()
    EXPECT_TRUE(Passes("POST", "/deployments/filter", &h));
    h = "Basic " + B64(kAuth).substr(0, 4) + "!" + B64(kAuth).substr(4);  // b64decode skips junk
    EXPECT_TRUE(Passes("POST", "/deployments/count", &h));
}

TEST(BasicAuth, RefusesWithPrefectsBody) {
    auto refused = CheckBasicAuth(kAuth, "POST", "/deployments/filter", nullptr);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 401);
    EXPECT_EQ(refused->body, R"({"exception_message":"Unauthorized"})");
    std::vector<std::string> bad = {
        "",
        "Basic",
        "basic " + B64(kAuth),  // the scheme is compared exactly
        "Bearer " + B64(kAuth),
        "Basic " + B64(kAuth) + " extra",  // three parts
        "Basic " + B64("admin:wrong"),
        "Basic " + B64("admin:s3cret "),
        "Basic " + B64(kAuth).substr(1),        // broken padding
        "Basic " + B64("admin:s3cr\xc3\xa9t"),  // non-ASCII: Prefect's compare_digest raises
        "Basic " + B64("\xff\xfe"),             // not UTF-8
        "Basic \xe9" + B64(kAuth),              // non-ASCII base64 text
        "Basic =",
    };
    for (const std::string &h : bad) EXPECT_FALSE(Passes("POST", "/deployments/filter", &h)) << h;
}

TEST(BasicAuth, OnlyGetHealthAndReadyAreOpen) {
    EXPECT_TRUE(Passes("GET", "/health", nullptr));
    EXPECT_TRUE(Passes("get", "/health", nullptr));  // request.method.upper()
    EXPECT_TRUE(Passes("GET", "/ready", nullptr));
    EXPECT_FALSE(Passes("HEAD", "/health", nullptr));
    EXPECT_FALSE(Passes("POST", "/health", nullptr));
    EXPECT_FALSE(Passes("GET", "/health/", nullptr));
    EXPECT_FALSE(Passes("GET", "/deployments/health", nullptr));
    EXPECT_FALSE(Passes("GET", "/variables/name/system-health", nullptr));
}

TEST(PythonBase64, MatchesBinascii) {
    EXPECT_EQ(PythonB64Decode("YWJj"), "abc");
    EXPECT_EQ(PythonB64Decode("YWI="), "ab");
    EXPECT_EQ(PythonB64Decode("YQ=="), "a");
    EXPECT_EQ(PythonB64Decode("YQ==YWJj"), "a");    // padding ends the data
    EXPECT_EQ(PythonB64Decode("Y W\nJ j"), "abc");  // junk skipped
    EXPECT_EQ(PythonB64Decode("=YWJj"), "abc");     // a leading '=' is skipped
    EXPECT_EQ(PythonB64Decode(""), "");
    EXPECT_FALSE(PythonB64Decode("YQ"));           // Incorrect padding
    EXPECT_FALSE(PythonB64Decode("YWJjZ"));        // 1 more than a multiple of 4
    EXPECT_FALSE(PythonB64Decode("YQ=\xc3\xa9"));  // non-ASCII
}

TEST(ConstantTime, EqualsOnlyEqualStrings) {
    EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
    EXPECT_TRUE(ConstantTimeEquals("", ""));
    EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
    EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
    EXPECT_FALSE(ConstantTimeEquals("abc", ""));
    EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), "a"));
}

HttpRequest Request(const std::string &method, std::vector<std::pair<std::string, std::string>> headers) {
    HttpRequest r;
    r.method = method;
    r.path = "/api/deployments/filter";
    r.headers = std::move(headers);
    return r;
}

TEST(Csrf, StepsAndAnswers) {
    EXPECT_EQ(CsrfFirstStep(Request("GET", {})), CsrfStep::kNotNeeded);
    EXPECT_EQ(CsrfFirstStep(Request("OPTIONS", {})), CsrfStep::kNotNeeded);
    EXPECT_EQ(CsrfFirstStep(Request("post", {})), CsrfStep::kNotNeeded);  // Prefect compares exactly
    for (const char *m : {"POST", "PUT", "PATCH", "DELETE"}) {
        EXPECT_EQ(CsrfFirstStep(Request(m, {})), CsrfStep::kMissingToken) << m;
        EXPECT_EQ(CsrfFirstStep(Request(m, {{"prefect-csrf-token", "t"}})), CsrfStep::kMissingClient) << m;
        EXPECT_EQ(CsrfFirstStep(Request(m, {{"Prefect-Csrf-Token", ""}, {"Prefect-Csrf-Client", ""}})),
                  CsrfStep::kLookUp)
            << m;  // empty values are present: they go to the lookup (and fail there)
    }
    EXPECT_EQ(CsrfRefusal(CsrfStep::kMissingToken).body, R"({"detail":"Missing CSRF token."})");
    EXPECT_EQ(CsrfRefusal(CsrfStep::kMissingClient).body, R"({"detail":"Missing client identifier."})");
    HttpResponse invalid = CsrfInvalid();
    EXPECT_EQ(invalid.status, 403);
    EXPECT_EQ(invalid.body, R"({"detail":"Invalid CSRF token or client identifier."})");
    bool acao = false;
    for (auto &[k, v] : invalid.headers) acao |= k == "Access-Control-Allow-Origin" && v == "*";
    EXPECT_TRUE(acao);
}

std::string HeaderOf(const HttpResponse &r, const std::string &name) {
    for (auto &[k, v] : r.headers)
        if (k == name) return v;
    return "<absent>";
}

TEST(Cors, PrefectDefaultsAllowEverything) {
    CorsPolicy cors("*", "*", "*");
    auto pre =
        cors.Preflight(Request("OPTIONS", {{"Origin", "https://ui.example"},
                                           {"Access-Control-Request-Method", "POST"},
                                           {"Access-Control-Request-Headers", "content-type, x-prefect-api-version"}}));
    ASSERT_TRUE(pre);
    EXPECT_EQ(pre->status, 200);
    EXPECT_EQ(pre->body, "OK");
    EXPECT_EQ(HeaderOf(*pre, "Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(HeaderOf(*pre, "Access-Control-Allow-Methods"), "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
    EXPECT_EQ(HeaderOf(*pre, "Access-Control-Max-Age"), "600");
    EXPECT_EQ(HeaderOf(*pre, "Access-Control-Allow-Headers"), "content-type, x-prefect-api-version");
    EXPECT_EQ(HeaderOf(*pre, "Content-Type"), "text/plain; charset=utf-8");
    // not a preflight: no Origin, or no Access-Control-Request-Method, or not OPTIONS
    EXPECT_FALSE(cors.Preflight(Request("OPTIONS", {{"Access-Control-Request-Method", "POST"}})));
    EXPECT_FALSE(cors.Preflight(Request("OPTIONS", {{"Origin", "x"}})));
    EXPECT_FALSE(cors.Preflight(Request("POST", {{"Origin", "x"}, {"Access-Control-Request-Method", "POST"}})));

    HttpResponse simple;
    simple.headers.emplace_back("Vary", "Accept-Encoding");
    cors.AddSimpleHeaders(Request("POST", {{"Origin", "https://ui.example"}}), &simple);
    EXPECT_EQ(HeaderOf(simple, "Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(HeaderOf(simple, "Vary"), "Accept-Encoding");
    HttpResponse with_cookie;
    cors.AddSimpleHeaders(Request("POST", {{"Origin", "https://ui.example"}, {"Cookie", "a=1"}}), &with_cookie);
    EXPECT_EQ(HeaderOf(with_cookie, "Access-Control-Allow-Origin"), "https://ui.example");
    EXPECT_EQ(HeaderOf(with_cookie, "Vary"), "Origin");
    HttpResponse no_origin;
    cors.AddSimpleHeaders(Request("POST", {}), &no_origin);
    EXPECT_TRUE(no_origin.headers.empty());
}

TEST(Cors, ExplicitLists) {
    CorsPolicy cors("https://a.example,https://b.example", "GET,POST", "X-Custom");
    auto ok = cors.Preflight(Request("OPTIONS", {{"Origin", "https://b.example"},
                                                 {"Access-Control-Request-Method", "POST"},
                                                 {"Access-Control-Request-Headers", "Content-Type, x-custom"}}));
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200);
    EXPECT_EQ(HeaderOf(*ok, "Access-Control-Allow-Origin"), "https://b.example");
    EXPECT_EQ(HeaderOf(*ok, "Vary"), "Origin");
    EXPECT_EQ(HeaderOf(*ok, "Access-Control-Allow-Methods"), "GET, POST");
    EXPECT_EQ(HeaderOf(*ok, "Access-Control-Allow-Headers"),
              "Accept, Accept-Language, Content-Language, Content-Type, X-Custom");
    auto bad = cors.Preflight(Request("OPTIONS", {{"Origin", "https://evil.example"},
                                                  {"Access-Control-Request-Method", "DELETE"},
                                                  {"Access-Control-Request-Headers", "x-other"}}));
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400);
    EXPECT_EQ(bad->body, "Disallowed CORS origin, method, headers");
    EXPECT_EQ(HeaderOf(*bad, "Access-Control-Allow-Origin"), "<absent>");
    // settings are split on "," without stripping, as Prefect does
    CorsPolicy spaced("https://a.example, https://b.example", "*", "*");
    auto spaced_pre = spaced.Preflight(
        Request("OPTIONS", {{"Origin", "https://b.example"}, {"Access-Control-Request-Method", "GET"}}));
    ASSERT_TRUE(spaced_pre);
    EXPECT_EQ(spaced_pre->status, 400);

    HttpResponse allowed, denied;
    cors.AddSimpleHeaders(Request("POST", {{"Origin", "https://a.example"}}), &allowed);
    EXPECT_EQ(HeaderOf(allowed, "Access-Control-Allow-Origin"), "https://a.example");
    EXPECT_EQ(HeaderOf(allowed, "Vary"), "Origin");
    cors.AddSimpleHeaders(Request("POST", {{"Origin", "https://evil.example"}}), &denied);
    EXPECT_EQ(HeaderOf(denied, "Access-Control-Allow-Origin"), "<absent>");
}

}  // namespace
}  // namespace pf_http
