// Unit tests of src/formats/datetime: which strings Prefect's server accepts as a datetime (and
// with which pydantic message it rejects the others), the instant it reads (naive = UTC), and the
// exact text pydantic serialises. Every expected value in the accept/reject tables was produced
// by pydantic 2.13.4 / pydantic-core 2.46.4 (TypeAdapter(datetime), then Prefect's naive->UTC).
#include "formats/datetime.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

namespace pf = prefect_filter;

namespace {

std::string Ts(int64_t usec) {
    char buf[40];
    size_t n = pf::FormatTimestampUtc(usec, buf);
    EXPECT_EQ(n, std::strlen(buf));
    return std::string(buf, n);
}

std::string Reformat(const std::string &s) {
    char buf[48];
    size_t n = pf::ReformatStoredDatetime(s.data(), s.size(), buf);
    return std::string(buf, n);
}

// ---------------------------------------------------------------- FormatTimestampUtc

TEST(DatetimeFormatTimestampUtc, FractionOnlyWhenNonZero) {
    EXPECT_EQ(Ts(0), "2000-01-01T00:00:00Z");
    EXPECT_EQ(Ts(1), "2000-01-01T00:00:00.000001Z");
    EXPECT_EQ(Ts(123400), "2000-01-01T00:00:00.123400Z");
    EXPECT_EQ(Ts(999999), "2000-01-01T00:00:00.999999Z");
    EXPECT_EQ(Ts(1000000), "2000-01-01T00:00:01Z");
    EXPECT_EQ(Ts(752650316123400), "2023-11-07T05:31:56.123400Z");
    EXPECT_EQ(Ts(752650316000000), "2023-11-07T05:31:56Z");
}

TEST(DatetimeFormatTimestampUtc, BeforeTheEpochs) {
    EXPECT_EQ(Ts(-1), "1999-12-31T23:59:59.999999Z");
    EXPECT_EQ(Ts(-900000), "1999-12-31T23:59:59.100000Z");
    EXPECT_EQ(Ts(-946684800000000), "1970-01-01T00:00:00Z");
    EXPECT_EQ(Ts(-946684800000001), "1969-12-31T23:59:59.999999Z");
    EXPECT_EQ(Ts(-960867740000000), "1969-07-20T20:17:40Z");
}

TEST(DatetimeFormatTimestampUtc, LeapDays) {
    EXPECT_EQ(Ts(5097600000000), "2000-02-29T00:00:00Z");
    EXPECT_EQ(Ts(762523200000000), "2024-02-29T12:00:00Z");
    EXPECT_EQ(Ts(-3150576001000000), "1900-02-28T23:59:59Z");  // 1900 is not a leap year
    EXPECT_EQ(Ts(-3150576000000000), "1900-03-01T00:00:00Z");
    EXPECT_EQ(Ts(-12617683200000000), "1600-02-29T00:00:00Z");
}

TEST(DatetimeFormatTimestampUtc, PythonRangeLimits) {
    EXPECT_EQ(Ts(-63082281600000000), "0001-01-01T00:00:00Z");
    EXPECT_EQ(Ts(252455615999999999), "9999-12-31T23:59:59.999999Z");
    EXPECT_EQ(Ts(1200798848000000), "2038-01-19T03:14:08Z");
}

TEST(DatetimeFormatTimestampUtc, InfinityAsAsyncpgDecodesIt) {
    EXPECT_EQ(Ts(std::numeric_limits<int64_t>::max()), "9999-12-31T23:59:59.999999Z");
    EXPECT_EQ(Ts(std::numeric_limits<int64_t>::min()), "0001-01-01T00:00:00Z");
}

TEST(DatetimeFormatTimestampUtc, OutsidePythonRangeStillPrints) {
    // Prefect fails on these (asyncpg cannot build the datetime); our documented choice.
    EXPECT_EQ(Ts(252455616000000000), "10000-01-01T00:00:00Z");
    EXPECT_EQ(Ts(-63082281601000000), "0000-12-31T23:59:59Z");
    EXPECT_EQ(Ts(-63113904000000000), "0000-01-01T00:00:00Z");
    EXPECT_EQ(Ts(-63145526400000000), "-0002-12-31T00:00:00Z");
    EXPECT_EQ(Ts(std::numeric_limits<int64_t>::max() - 1), "294277-01-09T04:00:54.775806Z");
    EXPECT_EQ(Ts(std::numeric_limits<int64_t>::min() + 1), "-290278-12-22T19:59:05.224193Z");
}

// ---------------------------------------------------------------- parsing: accepted

struct Accept {
    const char *input;
    const char *formatted;  // pydantic's dump_json text of the validated value (naive -> UTC)
    bool has_offset;
    int offset_seconds;
    int64_t utc_usec;
};

const Accept kAccepted[] = {
    {"2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z", true, 0, 0},
    {"2000-01-01T00:00:00.000001Z", "2000-01-01T00:00:00.000001Z", true, 0, 1},
    {"1999-12-31T23:59:59Z", "1999-12-31T23:59:59Z", true, 0, -1000000},
    {"2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", true, 0, 757382400000000},
    // separators T t space _, and z
    {"2024-01-01t00:00:00z", "2024-01-01T00:00:00Z", true, 0, 757382400000000},
    {"2024-01-01 00:00:00Z", "2024-01-01T00:00:00Z", true, 0, 757382400000000},
    {"2024-01-01_00:00:00Z", "2024-01-01T00:00:00Z", true, 0, 757382400000000},
    // naive values are UTC for Prefect
    {"2024-01-01T00:00:00", "2024-01-01T00:00:00Z", false, 0, 757382400000000},
    {"2024-01-01T12:30", "2024-01-01T12:30:00Z", false, 0, 757427400000000},
    {"2024-01-01T12:30+01:00", "2024-01-01T12:30:00+01:00", true, 3600, 757423800000000},
    // fractions: ',' allowed, padded to 6, truncated after 6, zero fraction not printed
    {"2024-01-01T12:30:45,5Z", "2024-01-01T12:30:45.500000Z", true, 0, 757427445500000},
    {"2024-01-01T12:30:45.123456Z", "2024-01-01T12:30:45.123456Z", true, 0, 757427445123456},
    {"2024-01-01T12:30:45.1234567Z", "2024-01-01T12:30:45.123456Z", true, 0, 757427445123456},
    {"2024-01-01T12:30:45.123456789123Z", "2024-01-01T12:30:45.123456Z", true, 0, 757427445123456},
    {"2024-01-01T12:30:45.000000Z", "2024-01-01T12:30:45Z", true, 0, 757427445000000},
    {"2024-01-01T12:30:45.1234+05:30", "2024-01-01T12:30:45.123400+05:30", true, 19800, 757407645123400},
    // offsets: +HHMM, -HH:MM, -00:00 and +00:00 are Z, U+2212 minus, up to 23:59
    {"2024-01-01T00:00:00+0530", "2024-01-01T00:00:00+05:30", true, 19800, 757362600000000},
    {"2024-01-01T00:00:00-05:00", "2024-01-01T00:00:00-05:00", true, -18000, 757400400000000},
    {"2024-01-01T00:00:00-00:00", "2024-01-01T00:00:00Z", true, 0, 757382400000000},
    {"2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00Z", true, 0, 757382400000000},
    {"2024-01-01T00:00:00\xe2\x88\x92"
     "05:00",
     "2024-01-01T00:00:00-05:00", true, -18000, 757400400000000},
    {"2024-01-01T00:00:00\xe2\x88\x92"
     "0030",
     "2024-01-01T00:00:00-00:30", true, -1800, 757384200000000},
    {"2024-01-01T23:59:59.999999+23:59", "2024-01-01T23:59:59.999999+23:59", true, 86340, 757382459999999},
    {"2024-01-01T00:00:00-23:59", "2024-01-01T00:00:00-23:59", true, -86340, 757468740000000},
    // calendar edges
    {"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z", true, 0, 762480000000000},
    {"2000-02-29T12:00:00Z", "2000-02-29T12:00:00Z", true, 0, 5140800000000},
    {"1969-12-31T23:59:59.999999Z", "1969-12-31T23:59:59.999999Z", true, 0, -946684800000001},
    {"1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z", true, 0, -946684800000000},
    {"0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z", true, 0, -63082281600000000},
    {"0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00+01:00", true, 3600, -63082285200000000},
    {"9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z", true, 0, 252455615999999999},
    {"9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59-01:00", true, -3600, 252455619599000000},
    // a bare date is a naive midnight
    {"2024-01-01", "2024-01-01T00:00:00Z", false, 0, 757382400000000},
    {"2000-02-29", "2000-02-29T00:00:00Z", false, 0, 5097600000000},
    // unix timestamps (UTC): seconds, or milliseconds above 2e10 in magnitude
    {"1700000000", "2023-11-14T22:13:20Z", true, 0, 753315200000000},
    {"-1700000000", "1916-02-18T01:46:40Z", true, 0, -2646684800000000},
    {"+1700000000", "2023-11-14T22:13:20Z", true, 0, 753315200000000},
    {"1700000000.5", "2023-11-14T22:13:20.500000Z", true, 0, 753315200500000},
    {"1700000000.123456789", "2023-11-14T22:13:20.123457Z", true, 0, 753315200123457},
    {"1700000000.9999999", "2023-11-14T22:13:21Z", true, 0, 753315201000000},
    {"-1.5", "1969-12-31T23:59:58.500000Z", true, 0, -946684801500000},
    {"-.5", "1969-12-31T23:59:59.500000Z", true, 0, -946684800500000},
    {"5.", "1970-01-01T00:00:05Z", true, 0, -946684795000000},
    {"0", "1970-01-01T00:00:00Z", true, 0, -946684800000000},
    {"1.5e3", "1970-01-01T00:25:00Z", true, 0, -946683300000000},
    {"86401", "1970-01-02T00:00:01Z", true, 0, -946598399000000},
    {"1704067200", "2024-01-01T00:00:00Z", true, 0, 757382400000000},
    {"20000000000", "2603-10-11T11:33:20Z", true, 0, 19053315200000000},
    {"20000000001", "1970-08-20T11:33:20.001000Z", true, 0, -926684799999000},
    {"20000000001.5", "1970-08-20T11:33:20.001500Z", true, 0, -926684799998500},
    {"1700000000000", "2023-11-14T22:13:20Z", true, 0, 753315200000000},
    {"1700000000123", "2023-11-14T22:13:20.123000Z", true, 0, 753315200123000},
    {"-1700000000123", "1916-02-18T01:46:39.877000Z", true, 0, -2646684800123000},
    {"253402300799", "1978-01-11T21:31:40.799000Z", true, 0, -693282499201000},
    {"253402300799999", "9999-12-31T23:59:59.999000Z", true, 0, 252455615999999000},
    {"-62135596800000", "0001-01-01T00:00:00Z", true, 0, -63082281600000000},
};

TEST(DatetimeParseIsoDatetime, AcceptedValues) {
    for (const Accept &a : kAccepted) {
        SCOPED_TRACE(a.input);
        pf::ParsedDatetime p{};
        const char *reason = "unset";
        ASSERT_TRUE(pf::ParseIsoDatetime(a.input, std::strlen(a.input), &p, &reason));
        EXPECT_EQ(reason, nullptr);
        EXPECT_EQ(p.utc_usec_since_2000, a.utc_usec);
        EXPECT_EQ(p.has_offset, a.has_offset);
        EXPECT_EQ(p.offset_seconds, a.offset_seconds);
        EXPECT_EQ(Reformat(a.input), a.formatted);
    }
}

TEST(DatetimeParseIsoDatetime, ReasonMayBeNull) {
    pf::ParsedDatetime p{};
    EXPECT_TRUE(pf::ParseIsoDatetime("2024-01-01", 10, &p, nullptr));
    EXPECT_FALSE(pf::ParseIsoDatetime("nope", 4, &p, nullptr));
}

TEST(DatetimeParseIsoDatetime, LengthIsRespected) {
    // Bytes past `len` are not read: the value is the first 10 bytes, a bare date.
    const char *s = "2024-01-01T05:00:00Z";
    pf::ParsedDatetime p{};
    ASSERT_TRUE(pf::ParseIsoDatetime(s, 10, &p, nullptr));
    EXPECT_EQ(p.utc_usec_since_2000, 757382400000000);
    EXPECT_FALSE(p.has_offset);
}

TEST(DatetimeParseDatetimeFields, KeepsWallTimeAndOffset) {
    pf::DatetimeFields f{};
    const char *s = "2024-03-10T02:30:15.25-05:00";
    ASSERT_TRUE(pf::ParseDatetimeFields(s, std::strlen(s), &f, nullptr));
    EXPECT_EQ(f.year, 2024);
    EXPECT_EQ(f.month, 3);
    EXPECT_EQ(f.day, 10);
    EXPECT_EQ(f.hour, 2);
    EXPECT_EQ(f.minute, 30);
    EXPECT_EQ(f.second, 15);
    EXPECT_EQ(f.microsecond, 250000);
    EXPECT_TRUE(f.has_offset);
    EXPECT_EQ(f.offset_seconds, -18000);
    EXPECT_EQ(pf::DatetimeFieldsToUsec(f), 763371015250000);  // 2024-03-10T07:30:15.25Z
}

// ---------------------------------------------------------------- parsing: rejected

struct Reject {
    const char *input;
    const char *reason;  // pydantic's error "msg"
};

#define PF_DT_OR_DATE "Input should be a valid datetime or date, "
const Reject kRejected[] = {
    {"", PF_DT_OR_DATE "input is too short"},
    {"x", PF_DT_OR_DATE "input is too short"},
    {"2024-1-01", PF_DT_OR_DATE "input is too short"},
    {"1e3", PF_DT_OR_DATE "input is too short"},  // no '.', so not a float timestamp
    {"1.2.3", PF_DT_OR_DATE "input is too short"},
    {"1,5", PF_DT_OR_DATE "input is too short"},
    {"-", PF_DT_OR_DATE "input is too short"},
    // After a valid date, anything that is not a valid time reports the date parse's error.
    {"2024-01-01X00:00:00Z", PF_DT_OR_DATE "unexpected extra characters at the end of the input"},
    {"2024-01-01T", PF_DT_OR_DATE "unexpected extra characters at the end of the input"},
    {"2024-01-01T12", PF_DT_OR_DATE "unexpected extra characters at the end of the input"},
    {"2024-01-01T12:3", PF_DT_OR_DATE "unexpected extra characters at the end of the input"},
    {"2024-01-01T12:34:5", PF_DT_OR_DATE "unexpected extra characters at the end of the input"},
    {"2024-01-01T12:30:45.Z", PF_DT_OR_DATE "unexpected extra characters at the end of the input"},
    {"2024-01-01T12:30:60Z", PF_DT_OR_DATE "unexpected extra characters at the end of the input"},
    {"2024-01-01T24:00:00Z", PF_DT_OR_DATE "unexpected extra characters at the end of the input"},
    {"2024-01-01T23:60:00Z", PF_DT_OR_DATE "unexpected extra characters at the end of the input"},
    {"2024-01-01T00:00:00+24:00", PF_DT_OR_DATE "unexpected extra characters at the end of the input"},
    {"2024-01-01T00:00:00+05", PF_DT_OR_DATE "unexpected extra characters at the end of the input"},
    {"2024-01-01T00:00:00+05:60", PF_DT_OR_DATE "unexpected extra characters at the end of the input"},
    {"2024-01-01T00:00:00 +05:00", PF_DT_OR_DATE "unexpected extra characters at the end of the input"},
    {"2024-01-01T00:00:00Z ", PF_DT_OR_DATE "unexpected extra characters at the end of the input"},
    {"2024-01-01T00:00:00ZZ", PF_DT_OR_DATE "unexpected extra characters at the end of the input"},
    {" 2024-01-01T00:00:00Z", PF_DT_OR_DATE "invalid character in year"},
    {"abcd-01-01T00:00:00Z", PF_DT_OR_DATE "invalid character in year"},
    {"2024/01/01T00:00:00Z", PF_DT_OR_DATE "invalid date separator, expected `-`"},
    {"2024-01-0aT00:00:00Z", PF_DT_OR_DATE "invalid character in day"},
    {"2023-02-29T00:00:00Z", PF_DT_OR_DATE "day value is outside expected range"},
    {"1900-02-29T00:00:00Z", PF_DT_OR_DATE "day value is outside expected range"},
    {"2024-04-31T00:00:00Z", PF_DT_OR_DATE "day value is outside expected range"},
    {"2023-02-29", PF_DT_OR_DATE "day value is outside expected range"},
    {"2024-13-01T00:00:00Z", PF_DT_OR_DATE "month value is outside expected range of 1-12"},
    {"2024-00-01T00:00:00Z", PF_DT_OR_DATE "month value is outside expected range of 1-12"},
    {"0000-01-01T00:00:00Z", "Input should be a valid datetime, year 0 is out of range"},
    {"0000-01-01", "Input should be a valid datetime, year 0 is out of range"},
    {"-62167219200000", "Input should be a valid datetime, year 0 is out of range"},
    {"-62167219200001", PF_DT_OR_DATE "dates before 0000 are not supported as unix timestamps"},
    {"253402300800000", PF_DT_OR_DATE "dates after 9999 are not supported as unix timestamps"},
    {"9223372036854775807", PF_DT_OR_DATE "dates after 9999 are not supported as unix timestamps"},
    {"-9223372036854775807", PF_DT_OR_DATE "dates before 0000 are not supported as unix timestamps"},
    // i64 overflow: no longer a number, so the date parser's error is reported.
    {"-9223372036854775808", PF_DT_OR_DATE "invalid character in year"},
    {"99999999999999999999", PF_DT_OR_DATE "invalid date separator, expected `-`"},
    {"1.7976931348623157e308", PF_DT_OR_DATE "invalid character in year"},
};
#undef PF_DT_OR_DATE

TEST(DatetimeParseIsoDatetime, RejectedValuesWithPydanticMessages) {
    for (const Reject &r : kRejected) {
        SCOPED_TRACE(r.input);
        pf::ParsedDatetime p{};
        const char *reason = nullptr;
        EXPECT_FALSE(pf::ParseIsoDatetime(r.input, std::strlen(r.input), &p, &reason));
        ASSERT_NE(reason, nullptr);
        EXPECT_STREQ(reason, r.reason);
        EXPECT_EQ(Reformat(r.input), "");
    }
}

TEST(DatetimeParseIsoDatetime, HugeFloatTimestampIsRejected) {
    // 1e400 as a decimal with a '.', and 1e20 seconds: out of range, no crash or UB.
    struct {
        std::string input;
        const char *reason;
    } cases[] = {
        {"1" + std::string(400, '0') + ".0",
         "Input should be a valid datetime or date, invalid date separator, expected `-`"},
        {"100000000000000000000.5", "Input should be a valid datetime or date, invalid date separator, expected `-`"},
        {"-1" + std::string(400, '0') + ".0", "Input should be a valid datetime or date, invalid character in year"},
    };
    for (const auto &c : cases) {
        pf::ParsedDatetime p{};
        const char *reason = nullptr;
        EXPECT_FALSE(pf::ParseIsoDatetime(c.input.data(), c.input.size(), &p, &reason)) << c.input;
        EXPECT_STREQ(reason, c.reason);
    }
}

TEST(DatetimeParseIsoDatetime, NeverReadsPastLength) {
    // Every prefix of a long valid value either parses or fails cleanly (ASan checks reads).
    const std::string s =
        "2024-01-01T12:30:45.123456789\xe2\x88\x92"
        "05:30";
    for (size_t n = 0; n <= s.size(); n++) {
        std::string prefix = s.substr(0, n);  // heap copy of exactly n bytes
        pf::ParsedDatetime p{};
        const char *reason = nullptr;
        bool ok = pf::ParseIsoDatetime(prefix.data(), n, &p, &reason);
        EXPECT_EQ(ok, reason == nullptr) << n;
    }
}

// ---------------------------------------------------------------- reformatting stored values

TEST(DatetimeReformatStoredDatetime, PrefectOutputIsAFixedPoint) {
    EXPECT_EQ(Reformat("2020-01-01T00:00:00Z"), "2020-01-01T00:00:00Z");
    EXPECT_EQ(Reformat("2024-01-01T00:00:00-05:00"), "2024-01-01T00:00:00-05:00");
    EXPECT_EQ(Reformat("2024-01-01T00:00:00+05:30"), "2024-01-01T00:00:00+05:30");
    EXPECT_EQ(Reformat("2024-01-01T00:00:00.123400Z"), "2024-01-01T00:00:00.123400Z");
}

TEST(DatetimeReformatStoredDatetime, NormalisesOtherSpellings) {
    EXPECT_EQ(Reformat("2020-01-01T00:00:00+00:00"), "2020-01-01T00:00:00Z");
    EXPECT_EQ(Reformat("2020-01-01 00:00:00.5+0100"), "2020-01-01T00:00:00.500000+01:00");
    EXPECT_EQ(Reformat("2020-01-01T00:00:00.000Z"), "2020-01-01T00:00:00Z");
    EXPECT_EQ(Reformat("2020-01-01T00:00"), "2020-01-01T00:00:00Z");  // naive: UTC (see doc)
    EXPECT_EQ(Reformat("2020-01-01"), "2020-01-01T00:00:00Z");
}

TEST(DatetimeReformatStoredDatetime, UnparseableGivesZero) {
    char buf[48];
    EXPECT_EQ(pf::ReformatStoredDatetime("not a date", 10, buf), 0u);
    EXPECT_EQ(pf::ReformatStoredDatetime("", 0, buf), 0u);
    EXPECT_EQ(pf::ReformatStoredDatetime("2020-01-01T00:00:00+24:00", 25, buf), 0u);
}

TEST(DatetimeFormatDatetimeFields, NegativeOffsetBelowOneHour) {
    pf::DatetimeFields f{2024, 1, 1, 0, 0, 0, 0, -1800, true};
    char buf[48];
    pf::FormatDatetimeFields(f, buf);
    EXPECT_STREQ(buf, "2024-01-01T00:00:00-00:30");
}

}  // namespace
