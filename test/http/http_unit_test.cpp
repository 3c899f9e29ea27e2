// Unit tests of the HTTP face's pure parts: Prefect's version header and Content-Type rules,
// Python's JSON error messages and positions, the mapping of extension errors onto pydantic
// error objects, the uuid crate's messages, gzip and the command line. Built by
// src/http/CMakeLists.txt (run by ctest and by test/http/run.sh).
#include "http/compression.hpp"
#include "http/options.hpp"
#include "http/prefect_http.hpp"
#include "http/py_json.hpp"

#include <gtest/gtest.h>

namespace pf_http {
namespace {

std::string Body(const std::optional<Answer> &a) {
    return a ? a->body : std::string("accepted");
}

TEST(ApiVersion, AcceptsAbsentEmptyAndNewEnough) {
    EXPECT_FALSE(CheckApiVersion(nullptr));
    std::string v;
    for (const char *ok : {"", "0.8.0", "0.8.4", "3.0.0", "0.08.0", " 0.8.1", "1_0.0.0", "+1.0.0"}) {
        v = ok;
        EXPECT_FALSE(CheckApiVersion(&v)) << ok;
    }
}

TEST(ApiVersion, RejectsOldAndMalformed) {
    std::string v = "0.7.9";
    auto a = CheckApiVersion(&v);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->status, 400);
    EXPECT_EQ(
        a->body,
        R"({"detail":"The request specified API version 0.7.9 but this server requires version 0.8.0 or higher."})");
    v = "1.2";
    EXPECT_EQ(
        Body(CheckApiVersion(&v)),
        R"({"detail":"Invalid X-PREFECT-API-VERSION header format.Expected header in format 'x.y.z' but received 1.2"})");
    for (const char *bad : {"a.b.c", "1.2.3.4", "1..2", "1._2.3", "1.2_.3", "1.2.3 4", "1.2.-"}) {
        v = bad;
        auto r = CheckApiVersion(&v);
        ASSERT_TRUE(r) << bad;
        EXPECT_NE(r->body.find("Invalid X-PREFECT-API-VERSION"), std::string::npos) << bad;
    }
    v = "\xe9.1.1";  // Latin-1 header byte shown as UTF-8
    EXPECT_NE(Body(CheckApiVersion(&v)).find("received \xc3\xa9.1.1"), std::string::npos);
}

TEST(ContentType, FollowsFastApiAndPrefectMiddleware) {
    std::string json = "application/json", plus = "application/problem+json; charset=utf-8", text = "text/plain",
                upper = "Application/JSON", bad = "application/json/x", empty, len = "12", zero = "0";
    EXPECT_TRUE(BodyIsJson(&json, &len));
    EXPECT_TRUE(BodyIsJson(&plus, &len));
    EXPECT_TRUE(BodyIsJson(&upper, &len));
    EXPECT_FALSE(BodyIsJson(&text, &len));
    EXPECT_FALSE(BodyIsJson(&bad, &len));
    EXPECT_FALSE(BodyIsJson(&empty, &len));
    EXPECT_TRUE(BodyIsJson(nullptr, &len));  // middleware adds application/json
    EXPECT_FALSE(BodyIsJson(nullptr, &zero));
    EXPECT_FALSE(BodyIsJson(nullptr, nullptr));  // chunked without a type: strict FastAPI
}

PyJsonVerdict Verdict(const std::string &text) {
    return PythonJsonVerdict(DecodeUtf8(text));
}

TEST(PythonJson, MessagesAndPositions) {
    struct Case {
        const char *text, *message;
        size_t position;
    } cases[] = {
        {"", "Expecting value", 0},
        {"{\"a\": 1,}", "Expecting property name enclosed in double quotes", 8},
        {"{\"a\" 1}", "Expecting ':' delimiter", 5},
        {"[1 2]", "Expecting ',' delimiter", 3},
        {"{} x", "Extra data", 3},
        {"\"abc", "Unterminated string starting at", 0},
        {"\"a\x01\"", "Invalid control character at", 2},
        {"\"\\x\"", "Invalid \\escape", 1},
        {"\"\\u12\"", "Invalid \\uXXXX escape", 2},
        {"[\"\xc3\xa9\xc3\xa9\", x]", "Expecting value", 7},  // code points, not bytes
        {"01", "Extra data", 1},
        {"-", "Expecting value", 0},
        {"1.", "Extra data", 1},
        {"1e", "Extra data", 1},
        {"[1,]", "Expecting value", 3},
    };
    for (const Case &c : cases) {
        PyJsonVerdict v = Verdict(c.text);
        EXPECT_EQ(v.kind, PyJsonVerdict::kDecodeError) << c.text;
        EXPECT_EQ(v.message, c.message) << c.text;
        EXPECT_EQ(v.position, c.position) << c.text;
    }
    EXPECT_EQ(Verdict("[NaN, -Infinity, \"\\ud800\"]").kind, PyJsonVerdict::kValid);
    EXPECT_EQ(Verdict(std::string(1500, '[')).kind, PyJsonVerdict::kRecursionError);
}

TEST(ParseBody, KindsAndAnswers) {
    EXPECT_EQ(ParseBody("", true).kind, ParsedBody::kDefaults);
    EXPECT_EQ(ParseBody("{\"limit\": 5}", false).kind, ParsedBody::kDefaults);
    EXPECT_EQ(ParseBody("null", true).kind, ParsedBody::kDefaults);
    EXPECT_EQ(ParseBody("[1]", true).kind, ParsedBody::kNotObject);
    ParsedBody obj = ParseBody("\xEF\xBB\xBF{\"b\": 1, \"a\": 2}", true);
    ASSERT_EQ(obj.kind, ParsedBody::kObject);
    EXPECT_EQ(obj.text, "{\"b\": 1, \"a\": 2}");
    EXPECT_EQ(obj.value.dump(), "{\"b\":1,\"a\":2}");  // key order kept, like a Python dict
    ParsedBody bad = ParseBody("{\"x\": tru}", true);
    ASSERT_EQ(bad.kind, ParsedBody::kRejected);
    EXPECT_EQ(bad.answer.status, 422);
    EXPECT_EQ(
        bad.answer.body,
        R"({"exception_message":"Invalid request received.","exception_detail":[{"type":"json_invalid","loc":["body",6],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}],"request_body":"{\"x\": tru}"})");
    ParsedBody utf8 = ParseBody("{\"x\": \"\xff\"}", true);
    EXPECT_EQ(utf8.answer.status, 400);
    EXPECT_EQ(utf8.answer.body, R"({"detail":"There was an error parsing the body"})");
}

TEST(SqlBody, StripsOnlyUnknownKeys) {
    ParsedBody known = ParseBody("{\"limit\": 12345678901234567890123, \"sort\": \"NAME_ASC\"}", true);
    EXPECT_EQ(SqlBodyText(Endpoint::kFilter, known), std::string(known.text));  // raw text: exact numbers
    ParsedBody extra = ParseBody("{\"junk\": [[[]]], \"limit\": 3, \"page\": 2}", true);
    EXPECT_EQ(SqlBodyText(Endpoint::kFilter, extra), "{\"limit\":3}");
    EXPECT_EQ(SqlBodyText(Endpoint::kPaginate, extra), "{\"limit\":3,\"page\":2}");
    EXPECT_EQ(SqlBodyText(Endpoint::kCount, extra), "{}");
}

TEST(ValidationErrors, PrefectAnswerFromTheExtensionsList) {
    OJson body = OJson::parse(R"({"sort": "x", "offset": -1})");
    const std::string list =
        R"({"detail":[{"type":"greater_than_equal","loc":["body","offset"],"msg":"m","input":-1,"ctx":{"ge":0}},)"
        R"({"type":"enum","loc":["body","sort"],"msg":"n","input":"x"}]})";
    std::optional<Answer> a = AnswerFromValidationErrors(list, body);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->status, 422);
    EXPECT_EQ(a->body, R"({"exception_message":"Invalid request received.","exception_detail":)"
                       R"([{"type":"greater_than_equal","loc":["body","offset"],"msg":"m","input":-1,"ctx":{"ge":0}},)"
                       R"({"type":"enum","loc":["body","sort"],"msg":"n","input":"x"}],)"
                       R"("request_body":{"sort":"x","offset":-1}})");
    // LimitBody's HTTPException
    a = AnswerFromValidationErrors(R"({"detail":"Invalid limit: must be less than or equal to 200."})", body);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->status, 422);
    EXPECT_EQ(a->body, R"({"detail":"Invalid limit: must be less than or equal to 200."})");
    // not an answer: no error listed, or not the shape
    EXPECT_FALSE(AnswerFromValidationErrors(R"({"detail":[]})", body));
    EXPECT_FALSE(AnswerFromValidationErrors(R"([1])", body));
    EXPECT_FALSE(AnswerFromValidationErrors("not json", body));
}

TEST(Compression, RoundTripsEveryEncoding) {
    std::string data;
    for (int i = 0; i < 5000; ++i) data += "{\"name\":\"deployment-" + std::to_string(i) + "\",\"tags\":[]},";
    for (const EncodingSpec &spec : kEncodings) {
        for (int level : {spec.min_level, spec.default_level}) {
            std::optional<std::string> packed = Compress(spec.encoding, data, level);
            ASSERT_TRUE(packed) << spec.token << " " << level;
            EXPECT_LT(packed->size(), data.size() / 4) << spec.token << " " << level;
            EXPECT_TRUE(Decompress(spec.encoding, *packed) == data) << spec.token << " " << level;
        }
    }
    // gzip is RFC 1952: magic bytes 1f 8b, deflate
    std::optional<std::string> gz = Compress(Encoding::kGzip, data, 4);
    ASSERT_TRUE(gz);
    EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>((*gz)[1]), 0x8b);
}

TEST(Compression, ChoosesLikeStarletteForGzipAndByTokenForTheOthers) {
    auto choose = [](const char *header, EncodingSet allowed = kAllEncodings) {
        std::string h = header;
        return ChooseEncoding(&h, allowed);
    };
    EXPECT_EQ(ChooseEncoding(nullptr, kAllEncodings), Encoding::kIdentity);
    EXPECT_EQ(choose("gzip, deflate, br, zstd"), Encoding::kZstd);  // a browser
    EXPECT_EQ(choose("gzip, deflate, br"), Encoding::kBrotli);
    EXPECT_EQ(choose("gzip, deflate"), Encoding::kGzip);
    EXPECT_EQ(choose("deflate"), Encoding::kIdentity);
    EXPECT_EQ(choose("zstd;q=0, gzip"), Encoding::kGzip);                                 // refused by q=0
    EXPECT_EQ(choose("ZSTD;q=0.5"), Encoding::kZstd);                                     // names are case-insensitive
    EXPECT_EQ(choose("xgzipx"), Encoding::kGzip);                                         // Starlette's substring test
    EXPECT_EQ(choose("gzip;q=0"), Encoding::kGzip);                                       // ... which ignores q
    EXPECT_EQ(choose("brotli, zstdx"), Encoding::kIdentity);                              // not the tokens br / zstd
    EXPECT_EQ(choose("gzip, deflate, br, zstd", Bit(Encoding::kGzip)), Encoding::kGzip);  // --encodings gzip
    EXPECT_EQ(choose("gzip, br", 0), Encoding::kIdentity);
    EncodingSet set = 0;
    EXPECT_TRUE(ParseEncodingSet("gzip, zstd", &set));
    EXPECT_EQ(set, Bit(Encoding::kGzip) | Bit(Encoding::kZstd));
    EXPECT_TRUE(ParseEncodingSet("", &set));
    EXPECT_EQ(set, 0u);
    EXPECT_FALSE(ParseEncodingSet("gzip,lzma", &set));
}

TEST(Options, DefaultsAndErrors) {
    std::string message;
    int code = -1;
    const char *none[] = {"prefect-filter-http"};
    auto o = ParseOptions(1, none, &message, &code);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->host, "127.0.0.1");
    EXPECT_EQ(o->port, 4200);
    const char *some[] = {"x", "--db", "dbname=prefect", "--listen", "[::1]:4300", "--pool=3", "--access-log"};
    o = ParseOptions(7, some, &message, &code);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->db, "dbname=prefect");
    EXPECT_EQ(o->host, "::1");
    EXPECT_EQ(o->port, 4300);
    EXPECT_EQ(o->pool, 3u);
    EXPECT_TRUE(o->access_log);
    const char *bad[] = {"x", "--pool", "0"};
    EXPECT_FALSE(ParseOptions(3, bad, &message, &code));
    EXPECT_EQ(code, 2);
    const char *help[] = {"x", "--help"};
    EXPECT_FALSE(ParseOptions(2, help, &message, &code));
    EXPECT_EQ(code, 0);
}

}  // namespace
}  // namespace pf_http
