// Unit tests of src/formats/json_out: exact bytes of JSON strings, UUIDs, floats and JSONB numbers
// as Prefect's server (pydantic-core dump_json) prints them. Expected values were checked against
// pydantic-core 2.46.4 (pydantic_core.to_json) where noted in doc/serialisation.md.
#include "formats/json_out.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace pf = prefect_filter;

namespace {

class StringSink : public pf::Sink {
public:
    using pf::Sink::Append;
    void Append(const char *data, size_t len) override {
        out.append(data, len);
        calls++;
    }
    std::string out;
    int calls = 0;
};

std::string JsonString(const std::string &s) {
    StringSink sink;
    pf::AppendJsonString(sink, s.data(), s.size());
    return sink.out;
}

std::string Float(double v) {
    char buf[pf::kFloatBufSize];
    size_t n = pf::FormatFloat(v, buf);
    EXPECT_EQ(n, std::strlen(buf));
    return std::string(buf, n);
}

std::string Number(const std::string &text) {
    StringSink sink;
    pf::AppendJsonNumberLikePython(sink, text.data(), text.size());
    return sink.out;
}

// ---------------------------------------------------------------- strings

TEST(OutputJsonString, PlainAsciiIsQuotedWithOneAppendForTheRun) {
    StringSink sink;
    pf::AppendJsonString(sink, "hello world", 11);
    EXPECT_EQ(sink.out, "\"hello world\"");
    EXPECT_EQ(sink.calls, 3);  // '"', the run, '"'
}

TEST(OutputJsonString, Empty) {
    EXPECT_EQ(JsonString(""), "\"\"");
}

TEST(OutputJsonString, ShortEscapes) {
    EXPECT_EQ(JsonString("\""), "\"\\\"\"");
    EXPECT_EQ(JsonString("\\"), "\"\\\\\"");
    EXPECT_EQ(JsonString("\n"), "\"\\n\"");
    EXPECT_EQ(JsonString("\r"), "\"\\r\"");
    EXPECT_EQ(JsonString("\t"), "\"\\t\"");
    EXPECT_EQ(JsonString("\b"), "\"\\b\"");
    EXPECT_EQ(JsonString("\f"), "\"\\f\"");
    EXPECT_EQ(JsonString("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(JsonString("DTSTART:20240101T000000\nRRULE:FREQ=DAILY"),
              "\"DTSTART:20240101T000000\\nRRULE:FREQ=DAILY\"");
}

TEST(OutputJsonString, OtherControlCharactersAsLowerCaseHex) {
    EXPECT_EQ(JsonString(std::string(1, '\0')), "\"\\u0000\"");
    EXPECT_EQ(JsonString("\x01"), "\"\\u0001\"");
    EXPECT_EQ(JsonString("\x0b"), "\"\\u000b\"");
    EXPECT_EQ(JsonString("\x0e"), "\"\\u000e\"");
    EXPECT_EQ(JsonString("\x1a"), "\"\\u001a\"");
    EXPECT_EQ(JsonString("\x1f"), "\"\\u001f\"");
    EXPECT_EQ(JsonString("a\x1b[0mb"), "\"a\\u001b[0mb\"");
}

TEST(OutputJsonString, EveryByteBelow0x20) {
    for (int c = 0; c < 0x20; c++) {
        std::string got = JsonString(std::string(1, static_cast<char>(c)));
        const char *shorts = nullptr;
        switch (c) {
            case '\b': shorts = "\"\\b\""; break;
            case '\t': shorts = "\"\\t\""; break;
            case '\n': shorts = "\"\\n\""; break;
            case '\f': shorts = "\"\\f\""; break;
            case '\r': shorts = "\"\\r\""; break;
        }
        if (shorts != nullptr) {
            EXPECT_EQ(got, shorts) << c;
        } else {
            char want[16];
            std::snprintf(want, sizeof want, "\"\\u%04x\"", c);
            EXPECT_EQ(got, want) << c;
        }
    }
}

TEST(OutputJsonString, NotEscaped) {
    EXPECT_EQ(JsonString("/"), "\"/\"");
    EXPECT_EQ(JsonString("</script>"), "\"</script>\"");
    EXPECT_EQ(JsonString("\x7f"), "\"\x7f\"");  // DEL
    EXPECT_EQ(JsonString("'&<>="), "\"'&<>=\"");
    EXPECT_EQ(JsonString(" ~"), "\" ~\"");
}

TEST(OutputJsonString, UnicodeIsRawUtf8) {
    EXPECT_EQ(JsonString("caf\xc3\xa9"), "\"caf\xc3\xa9\"");                            // é (2 bytes)
    EXPECT_EQ(JsonString("\xe2\x82\xac"), "\"\xe2\x82\xac\"");                          // € (3 bytes)
    EXPECT_EQ(JsonString("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");                  // 😀 (4 bytes)
    EXPECT_EQ(JsonString("\xe2\x80\xa8\xe2\x80\xa9"), "\"\xe2\x80\xa8\xe2\x80\xa9\"");  // U+2028/9
    EXPECT_EQ(JsonString("\xc2\x80"), "\"\xc2\x80\"");                                  // U+0080 (C1)
    EXPECT_EQ(JsonString("\xef\xbf\xbf"), "\"\xef\xbf\xbf\"");                          // U+FFFF
    EXPECT_EQ(JsonString("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"");                  // U+10FFFF
    EXPECT_EQ(JsonString("\xed\x9f\xbf"), "\"\xed\x9f\xbf\"");                          // U+D7FF
    EXPECT_EQ(JsonString("\xee\x80\x80"), "\"\xee\x80\x80\"");                          // U+E000
}

TEST(OutputJsonString, UnicodeRunIsOneAppend) {
    StringSink sink;
    std::string s = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e text \xf0\x9f\x98\x80";
    pf::AppendJsonString(sink, s.data(), s.size());
    EXPECT_EQ(sink.out, "\"" + s + "\"");
    EXPECT_EQ(sink.calls, 3);
}

TEST(OutputJsonString, EscapesSplitRuns) {
    StringSink sink;
    pf::AppendJsonString(sink, "ab\ncd", 5);
    EXPECT_EQ(sink.out, "\"ab\\ncd\"");
    EXPECT_EQ(sink.calls, 5);  // '"', "ab", "\n", "cd", '"'
}

TEST(OutputJsonString, InvalidUtf8BecomesReplacementCharacterPerMaximalSubpart) {
    const std::string fffd = "\xef\xbf\xbd";
    EXPECT_EQ(JsonString("\x80"), "\"" + fffd + "\"");  // lone continuation
    EXPECT_EQ(JsonString("a\xff"
                         "b"),
              "\"a" + fffd + "b\"");                                                     // never valid
    EXPECT_EQ(JsonString("\xc0\xaf"), "\"" + fffd + fffd + "\"");                        // overlong C0
    EXPECT_EQ(JsonString("\xc1\xbf"), "\"" + fffd + fffd + "\"");                        // overlong C1
    EXPECT_EQ(JsonString("\xe0\x80\xaf"), "\"" + fffd + fffd + fffd + "\"");             // overlong E0
    EXPECT_EQ(JsonString("\xed\xa0\x80"), "\"" + fffd + fffd + fffd + "\"");             // surrogate D800
    EXPECT_EQ(JsonString("\xf4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");  // >10FFFF
    EXPECT_EQ(JsonString("\xf5\x80"), "\"" + fffd + fffd + "\"");
    // A truncated sequence is one maximal subpart: one U+FFFD.
    EXPECT_EQ(JsonString("\xe2\x82"), "\"" + fffd + "\"");
    EXPECT_EQ(JsonString("\xe2\x82x"), "\"" + fffd + "x\"");
    EXPECT_EQ(JsonString("\xf0\x9f\x98"), "\"" + fffd + "\"");
    EXPECT_EQ(JsonString("\xf0\x9f\x98\""), "\"" + fffd + "\\\"\"");
    EXPECT_EQ(JsonString("\xc3"), "\"" + fffd + "\"");
    // Valid text around it is kept.
    EXPECT_EQ(JsonString("\xc3\xa9\x80\xc3\xa9"), "\"\xc3\xa9" + fffd + "\xc3\xa9\"");
}

// ---------------------------------------------------------------- uuids

TEST(OutputUuid, LowerCaseHyphenated) {
    const unsigned char id[16] = {0x3c, 0x90, 0xc3, 0xcc, 0x0d, 0x44, 0x4b, 0x50,
                                  0x88, 0x88, 0x8d, 0xd2, 0x57, 0x36, 0x05, 0x2a};
    char buf[37];
    EXPECT_EQ(pf::FormatUuid(id, buf), 36u);
    EXPECT_STREQ(buf, "3c90c3cc-0d44-4b50-8888-8dd25736052a");
}

TEST(OutputUuid, AllZeroAndAllOnes) {
    unsigned char id[16];
    char buf[37];
    std::memset(id, 0, sizeof id);
    pf::FormatUuid(id, buf);
    EXPECT_STREQ(buf, "00000000-0000-0000-0000-000000000000");
    std::memset(id, 0xff, sizeof id);
    pf::FormatUuid(id, buf);
    EXPECT_STREQ(buf, "ffffffff-ffff-ffff-ffff-ffffffffffff");
}

// ---------------------------------------------------------------- floats

TEST(OutputFormatFloat, IntegralValuesKeepOneFractionDigit) {
    EXPECT_EQ(Float(0.0), "0.0");
    EXPECT_EQ(Float(1.0), "1.0");
    EXPECT_EQ(Float(-1.0), "-1.0");
    EXPECT_EQ(Float(2.0), "2.0");
    EXPECT_EQ(Float(3600.0), "3600.0");
    EXPECT_EQ(Float(86400.0), "86400.0");
    EXPECT_EQ(Float(1e15), "1000000000000000.0");
    EXPECT_EQ(Float(9.061488e15), "9061488000000000.0");
    EXPECT_EQ(Float(9999999999999998.0), "9999999999999998.0");
}

TEST(OutputFormatFloat, NegativeZero) {
    EXPECT_EQ(Float(-0.0), "-0.0");
}

TEST(OutputFormatFloat, ShortestRoundTripDigits) {
    EXPECT_EQ(Float(1.5), "1.5");
    EXPECT_EQ(Float(1.1), "1.1");
    EXPECT_EQ(Float(0.1), "0.1");
    EXPECT_EQ(Float(0.2), "0.2");
    EXPECT_EQ(Float(0.1 + 0.2), "0.30000000000000004");
    EXPECT_EQ(Float(1.0 / 3.0), "0.3333333333333333");
    EXPECT_EQ(Float(2.0 / 3.0), "0.6666666666666666");
    EXPECT_EQ(Float(-1.0 / 3.0), "-0.3333333333333333");
    EXPECT_EQ(Float(3.141592653589793), "3.141592653589793");
    EXPECT_EQ(Float(0.25), "0.25");
    EXPECT_EQ(Float(123.456), "123.456");
    EXPECT_EQ(Float(5.444310685350916e+14), "544431068535091.6");  // zmij test: half-ulp tie
}

TEST(OutputFormatFloat, LargeIntegersRoundedToDouble) {
    EXPECT_EQ(Float(9007199254740992.0), "9007199254740992.0");
    EXPECT_EQ(Float(9007199254740993.0), "9007199254740992.0");  // the literal rounds to even
    EXPECT_EQ(Float(9007199254740994.0), "9007199254740994.0");
    EXPECT_EQ(Float(1234567890123456.7), "1234567890123456.8");
}

TEST(OutputFormatFloat, PlainNotationFromExponentMinus5To15) {
    EXPECT_EQ(Float(0.00001), "0.00001");
    EXPECT_EQ(Float(0.000012345), "0.000012345");
    EXPECT_EQ(Float(0.0001), "0.0001");
    EXPECT_EQ(Float(0.001), "0.001");
    EXPECT_EQ(Float(9.999999999999999e-5), "0.00009999999999999999");
    EXPECT_EQ(Float(1e14), "100000000000000.0");
    EXPECT_EQ(Float(1.5e15), "1500000000000000.0");
    EXPECT_EQ(Float(1.2345678901234567e15), "1234567890123456.8");
}

TEST(OutputFormatFloat, ExponentNotationOutsideThatRange) {
    EXPECT_EQ(Float(1e16), "1e+16");
    EXPECT_EQ(Float(1.5e16), "1.5e+16");
    EXPECT_EQ(Float(-1e16), "-1e+16");
    EXPECT_EQ(Float(12345678901234567890.0), "1.2345678901234567e+19");
    EXPECT_EQ(Float(1e21), "1e+21");
    EXPECT_EQ(Float(1e100), "1e+100");
    EXPECT_EQ(Float(1.7976931348623157e308), "1.7976931348623157e+308");
    EXPECT_EQ(Float(-1.7976931348623157e308), "-1.7976931348623157e+308");
    EXPECT_EQ(Float(9.999999999999999e-6), "9.999999999999999e-6");
    EXPECT_EQ(Float(0.000001), "1e-6");
    EXPECT_EQ(Float(1e-7), "1e-7");
    EXPECT_EQ(Float(1.5e-7), "1.5e-7");
    EXPECT_EQ(Float(1e-10), "1e-10");
    EXPECT_EQ(Float(6.62607015e-34), "6.62607015e-34");
    EXPECT_EQ(Float(2.2250738585072014e-308), "2.2250738585072014e-308");  // smallest normal
    EXPECT_EQ(Float(-2.2250738585072014e-308), "-2.2250738585072014e-308");
}

TEST(OutputFormatFloat, Subnormals) {
    EXPECT_EQ(Float(5e-324), "5e-324");
    EXPECT_EQ(Float(std::numeric_limits<double>::denorm_min()), "5e-324");
    EXPECT_EQ(Float(1e-323), "1e-323");
    EXPECT_EQ(Float(1.2e-322), "1.2e-322");
    EXPECT_EQ(Float(1.234e-320), "1.234e-320");
    EXPECT_EQ(Float(2.225073858507201e-308), "2.225073858507201e-308");  // largest subnormal
}

TEST(OutputFormatFloat, ZmijCandidateSelectionCases) {
    EXPECT_EQ(Float(-4.932096661796888e-226), "-4.932096661796888e-226");
    EXPECT_EQ(Float(3.439070283483335e+35), "3.439070283483335e+35");
    EXPECT_EQ(Float(6.606854224493745e-17), "6.606854224493745e-17");
    EXPECT_EQ(Float(6.079537928711555e+61), "6.079537928711555e+61");
}

TEST(OutputFormatFloat, NonFiniteIsNull) {
    EXPECT_EQ(Float(std::numeric_limits<double>::infinity()), "null");
    EXPECT_EQ(Float(-std::numeric_limits<double>::infinity()), "null");
    EXPECT_EQ(Float(std::numeric_limits<double>::quiet_NaN()), "null");
}

TEST(OutputFormatFloat, AppendFloat) {
    StringSink sink;
    pf::AppendFloat(sink, 3600.0);
    EXPECT_EQ(sink.out, "3600.0");
    EXPECT_EQ(sink.calls, 1);
}

// ---------------------------------------------------------------- decimal parsing

TEST(OutputParseDecimalDouble, CorrectlyRounded) {
    double v = 0;
    ASSERT_TRUE(pf::ParseDecimalDouble("0.1", 3, &v));
    EXPECT_EQ(v, 0.1);
    ASSERT_TRUE(pf::ParseDecimalDouble("9007199254740993", 16, &v));
    EXPECT_EQ(v, 9007199254740992.0);
    std::string above_tie = "9007199254740993." + std::string(400, '0') + "1";
    ASSERT_TRUE(pf::ParseDecimalDouble(above_tie.data(), above_tie.size(), &v));
    EXPECT_EQ(v, 9007199254740994.0);
    ASSERT_TRUE(pf::ParseDecimalDouble("1.7976931348623158e308", 22, &v));
    EXPECT_EQ(v, 1.7976931348623157e308);
    ASSERT_TRUE(pf::ParseDecimalDouble(".5", 2, &v));
    EXPECT_EQ(v, 0.5);
    ASSERT_TRUE(pf::ParseDecimalDouble("-5.", 3, &v));
    EXPECT_EQ(v, -5.0);
    ASSERT_TRUE(pf::ParseDecimalDouble("1E3", 3, &v));
    EXPECT_EQ(v, 1000.0);
}

TEST(OutputParseDecimalDouble, OverflowAndUnderflow) {
    double v = 0;
    ASSERT_TRUE(pf::ParseDecimalDouble("1e400", 5, &v));
    EXPECT_TRUE(std::isinf(v) && v > 0);
    ASSERT_TRUE(pf::ParseDecimalDouble("-1e400", 6, &v));
    EXPECT_TRUE(std::isinf(v) && v < 0);
    ASSERT_TRUE(pf::ParseDecimalDouble("1.7976931348623159e308", 22, &v));
    EXPECT_TRUE(std::isinf(v));
    ASSERT_TRUE(pf::ParseDecimalDouble("1e-400", 6, &v));
    EXPECT_EQ(v, 0.0);
    EXPECT_FALSE(std::signbit(v));
    ASSERT_TRUE(pf::ParseDecimalDouble("-1e-400", 7, &v));
    EXPECT_EQ(v, 0.0);
    EXPECT_TRUE(std::signbit(v));
    ASSERT_TRUE(pf::ParseDecimalDouble("2.4703282292062327e-324", 23, &v));  // just below half
    EXPECT_EQ(v, 0.0);
    ASSERT_TRUE(pf::ParseDecimalDouble("2.4703282292062328e-324", 23, &v));  // just above
    EXPECT_EQ(v, 5e-324);
    std::string tiny = "0." + std::string(400, '0') + "1";
    ASSERT_TRUE(pf::ParseDecimalDouble(tiny.data(), tiny.size(), &v));
    EXPECT_EQ(v, 0.0);
    std::string huge = "1" + std::string(400, '0') + ".0";
    ASSERT_TRUE(pf::ParseDecimalDouble(huge.data(), huge.size(), &v));
    EXPECT_TRUE(std::isinf(v));
    std::string huge_but_scaled = "1" + std::string(400, '0') + "e-390";
    ASSERT_TRUE(pf::ParseDecimalDouble(huge_but_scaled.data(), huge_but_scaled.size(), &v));
    EXPECT_EQ(v, 1e10);
}

TEST(OutputParseDecimalDouble, RejectsNonNumbers) {
    double v = 0;
    for (const char *bad :
         {"", "-", ".", "-.", "+1", "1e", "1e+", "inf", "nan", "0x10", " 1", "1 ", "1.2.3", "1e5.0", "--1", "1,5"}) {
        EXPECT_FALSE(pf::ParseDecimalDouble(bad, std::strlen(bad), &v)) << bad;
    }
}

// ---------------------------------------------------------------- jsonb numbers

TEST(OutputJsonNumberLikePython, IntegersVerbatimAtAnySize) {
    EXPECT_EQ(Number("0"), "0");
    EXPECT_EQ(Number("42"), "42");
    EXPECT_EQ(Number("-7"), "-7");
    EXPECT_EQ(Number("9007199254740993"), "9007199254740993");
    EXPECT_EQ(Number("123456789012345678901234567890"), "123456789012345678901234567890");
    EXPECT_EQ(Number("-123456789012345678901234567890"), "-123456789012345678901234567890");
    std::string big = "1" + std::string(400, '0');  // what numeric_out prints for 1e400
    EXPECT_EQ(Number(big), big);
}

TEST(OutputJsonNumberLikePython, MinusZeroIntegerIsZero) {
    EXPECT_EQ(Number("-0"), "0");
}

TEST(OutputJsonNumberLikePython, DecimalsBecomeFloats) {
    EXPECT_EQ(Number("1.50"), "1.5");
    EXPECT_EQ(Number("1.10"), "1.1");
    EXPECT_EQ(Number("1.0"), "1.0");
    EXPECT_EQ(Number("3600.000"), "3600.0");
    EXPECT_EQ(Number("0.1"), "0.1");
    EXPECT_EQ(Number("0.25"), "0.25");
    EXPECT_EQ(Number("0.0"), "0.0");
    EXPECT_EQ(Number("-0.0"), "-0.0");
    EXPECT_EQ(Number("1000000000000000.0"), "1000000000000000.0");
    EXPECT_EQ(Number("10000000000000000.0"), "1e+16");
    EXPECT_EQ(Number("12345678901234567890.5"), "1.2345678901234567e+19");
    EXPECT_EQ(Number("0.00001"), "0.00001");
    EXPECT_EQ(Number("0.000001"), "1e-6");
    EXPECT_EQ(Number("0.0000001"), "1e-7");
    EXPECT_EQ(Number("9007199254740993.0"), "9007199254740992.0");
    EXPECT_EQ(Number("0.333333333333333314829616256247390992939472198486328125"), "0.3333333333333333");
}

TEST(OutputJsonNumberLikePython, ExponentFormsAreFloats) {
    EXPECT_EQ(Number("1e5"), "100000.0");
    EXPECT_EQ(Number("1E5"), "100000.0");
    EXPECT_EQ(Number("1e+16"), "1e+16");
    EXPECT_EQ(Number("2.5e-3"), "0.0025");
    EXPECT_EQ(Number("5e-324"), "5e-324");
    EXPECT_EQ(Number("-1.5E-7"), "-1.5e-7");
}

TEST(OutputJsonNumberLikePython, BeyondDoubleRange) {
    // Python: float("1" + 400 zeros + ".0") is inf, and pydantic writes inf as null.
    EXPECT_EQ(Number("1" + std::string(400, '0') + ".0"), "null");
    EXPECT_EQ(Number("-1" + std::string(400, '0') + ".0"), "null");
    EXPECT_EQ(Number("1e400"), "null");
    // Underflow gives a signed zero.
    EXPECT_EQ(Number("0." + std::string(400, '0') + "1"), "0.0");
    EXPECT_EQ(Number("-0." + std::string(400, '0') + "1"), "-0.0");
}

TEST(OutputJsonNumberLikePython, NotAJsonNumberIsNull) {
    for (const char *bad :
         {"", "-", "NaN", "Infinity", "-Infinity", "01", "1.", ".5", "+1", "1e", "0x1", "1 ", "abc"}) {
        EXPECT_EQ(Number(bad), "null") << bad;
    }
}

}  // namespace

TEST(WriteJsonString, MatchesAppendJsonStringWithinItsBound) {
    const std::string inputs[] = {"",
                                  "plain",
                                  "quote\" back\\ nl\n",
                                  std::string("\x01\x1f", 2),
                                  "\xff\xfe bad utf8",
                                  "ü✓🚀",
                                  std::string(1000, '\x01')};
    for (const std::string &in : inputs) {
        StringSink expected;
        prefect_filter::AppendJsonString(expected, in.data(), in.size());
        std::string buf(prefect_filter::JsonStringMaxBytes(in.size()), '\0');
        size_t n = prefect_filter::WriteJsonString(buf.data(), in.data(), in.size());
        EXPECT_LE(n, buf.size());
        EXPECT_EQ(buf.substr(0, n), expected.out) << in;
    }
    // Random bytes (fixed seed), biased towards the interesting classes: quotes, backslashes,
    // controls, UTF-8 lead and continuation bytes, truncated sequences at the end.
    uint64_t state = 0x9E3779B97F4A7C15ull;
    auto next = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    const unsigned char pool[] = {'a',  'Z',  ' ',  '"',  '\\', 0x00, 0x1f, 0x7f, 0x80, 0xbf, 0xc2, 0xdf,
                                  0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x90, 0x8f};
    for (int round = 0; round < 20000; ++round) {
        std::string in(next() % 24, '\0');
        for (char &c : in) c = static_cast<char>(next() % 3 == 0 ? next() % 256 : pool[next() % sizeof(pool)]);
        StringSink expected;
        prefect_filter::AppendJsonString(expected, in.data(), in.size());
        std::string buf(prefect_filter::JsonStringMaxBytes(in.size()), '\0');
        size_t n = prefect_filter::WriteJsonString(buf.data(), in.data(), in.size());
        ASSERT_LE(n, buf.size());
        ASSERT_EQ(buf.substr(0, n), expected.out) << round;
    }
}
