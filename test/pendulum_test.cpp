// Unit tests of src/formats/pendulum: what pydantic_extra_types.pendulum_dt.DateTime (2.11.1)
// does with a string pydantic itself rejected, through pendulum.parse(text, strict=True) (pendulum
// 3.1.0 with its Rust extension, CPython 3.10). The expected values were derived from those
// sources (rules in src/formats/pendulum.cpp) and cross-checked by running pendulum 3.1.0's own
// Python code under CPython 3.10.13 with a line-by-line Python transliteration of its Rust parser
// standing in for the extension (which cannot be built here), on these cases and on 700,000
// generated strings: every outcome, instant and message agreed.
#include "formats/pendulum.hpp"

#include "formats/datetime.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace pf = prefect_filter;

namespace {

using Kind = pf::PendulumOutcome::Kind;
constexpr Kind kDatetime = pf::PendulumOutcome::kDatetime;
constexpr Kind kValueError = pf::PendulumOutcome::kValueError;
constexpr Kind kCustomError = pf::PendulumOutcome::kCustomError;
constexpr Kind kOffsetOutOfRange = pf::PendulumOutcome::kDatetimeOffsetOutOfRange;

constexpr int64_t kNow = 752650316123400;  // 2023-11-07T05:31:56.123400Z

constexpr const char *kDuration = "value is not a valid datetime it is a <class 'pendulum.duration.Duration'>";
constexpr const char *kInterval = "value is not a valid datetime it is a <class 'pendulum.interval.Interval'>";
constexpr const char *kSameType = "Both start and end of an Interval must have the same type";
constexpr const char *kNotValid = "value is not a valid datetime";
constexpr const char *kOffset =
    "offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24).";

struct Case {
    const char *input;
    Kind kind;
    // kDatetime / kOffsetOutOfRange: the instant as FormatTimestampUtc prints it (and, for the
    // latter, message is kOffset); otherwise the message.
    const char *expected;
};

std::string Ts(int64_t usec) {
    char buf[40];
    size_t n = pf::FormatTimestampUtc(usec, buf);
    return std::string(buf, n);
}

std::string Unable(const std::string &text) {
    return "Unable to parse string [" + text + "]";
}

void CheckCases(const Case *cases, size_t count, int64_t now = kNow) {
    for (size_t i = 0; i < count; ++i) {
        const Case &c = cases[i];
        SCOPED_TRACE(std::string("input: \"") + c.input + "\"");
        const pf::PendulumOutcome out = pf::PendulumParse(c.input, now);
        ASSERT_EQ(out.kind, c.kind);
        if (c.kind == kDatetime || c.kind == kOffsetOutOfRange) {
            EXPECT_EQ(Ts(out.utc_usec_since_2000), c.expected);
            EXPECT_EQ(out.message, c.kind == kDatetime ? "" : kOffset);
        } else {
            EXPECT_EQ(out.message, c.expected);
        }
    }
}

#define PF_CHECK_CASES(table) CheckCases(table, sizeof(table) / sizeof(table[0]))

// ---------------------------------------------------------------- the Rust ISO 8601 parser

TEST(PendulumParse, IsoDatesAreMidnightUtc) {
    static const Case kCases[] = {
        {"2021-01-01", kDatetime, "2021-01-01T00:00:00Z"}, {"20210101", kDatetime, "2021-01-01T00:00:00Z"},
        {"2021-01", kDatetime, "2021-01-01T00:00:00Z"},   // YYYY-MM: the 1st
        {"2021-001", kDatetime, "2021-01-01T00:00:00Z"},  // ordinal dates
        {"2021001", kDatetime, "2021-01-01T00:00:00Z"},    {"2021-032", kDatetime, "2021-02-01T00:00:00Z"},
        {"2021-W01-1", kDatetime, "2021-01-04T00:00:00Z"},  // ISO week dates
        {"2021W011", kDatetime, "2021-01-04T00:00:00Z"},   {"2021-W01", kDatetime, "2021-01-04T00:00:00Z"},
        {"2020-W53-7", kDatetime, "2021-01-03T00:00:00Z"},
    };
    PF_CHECK_CASES(kCases);
}

TEST(PendulumParse, IsoDatetimesAndOffsets) {
    static const Case kCases[] = {
        {"2021-01-01T10:00:00+05:30", kDatetime, "2021-01-01T04:30:00Z"},
        {"2021-01-01T10:00:00-05:30", kDatetime, "2021-01-01T15:30:00Z"},
        {"2021-01-01T10:00:00Z", kDatetime, "2021-01-01T10:00:00Z"},
        {"2021-01-01T10", kDatetime, "2021-01-01T10:00:00Z"},  // hour only
        {"2021-01-01T10+05", kDatetime, "2021-01-01T05:00:00Z"},
        {"2021-01-01T10:00:00+05:", kDatetime, "2021-01-01T05:00:00Z"},    // "+HH:" = "+HH"
        {"2021-01-01T10:00:00+05:99", kDatetime, "2021-01-01T03:21:00Z"},  // minutes unchecked
        {"2021-01-01 10:00:00,5", kDatetime, "2021-01-01T10:00:00.500000Z"},
        {"2021-01-01T10:00:00.1234567", kDatetime, "2021-01-01T10:00:00.123456Z"},
        {"20210101T1000", kDatetime, "2021-01-01T10:00:00Z"},
        {"20210101T10:00", kDatetime, "2021-01-01T10:00:00Z"},  // mixing allowed without seconds
    };
    PF_CHECK_CASES(kCases);
}

TEST(PendulumParse, IsoRejectionsFallThrough) {
    // A Rust error or a CPython constructor error on its fields is suppressed; COMMON does not
    // know "-" or "T", so these end in ParserError.
    static const Case kCases[] = {
        {"2021-13-01", kValueError, "Unable to parse string [2021-13-01]"},
        {"2021-02-30", kValueError, "Unable to parse string [2021-02-30]"},
        {"0000-01-01", kValueError, "Unable to parse string [0000-01-01]"},
        {"2021-01-01T24:00:00", kValueError, "Unable to parse string [2021-01-01T24:00:00]"},
        {"2021-01-01T10:00:00.", kValueError, "Unable to parse string [2021-01-01T10:00:00.]"},
        {"2021-01-01T10:00:00Zjunk", kValueError, "Unable to parse string [2021-01-01T10:00:00Zjunk]"},
        {"20210101T10:00:00", kValueError, "Unable to parse string [20210101T10:00:00]"},
        {"2021-01-01T1000", kValueError, "Unable to parse string [2021-01-01T1000]"},
        {"2021-01-01T10:00:00+25:00", kValueError, "Unable to parse string [2021-01-01T10:00:00+25:00]"},
        {"T10:00:00", kValueError, "Unable to parse string [T10:00:00]"},
        {"2021-W53-1", kValueError, "Unable to parse string [2021-W53-1]"},  // 2021 has 52 weeks
        {"garbage", kValueError, "Unable to parse string [garbage]"},
        {"NOW", kValueError, "Unable to parse string [NOW]"},
        // Numeric strings: pydantic itself reads them as unix timestamps before any fallback;
        // pendulum alone would not.
        {"1700000000", kValueError, "Unable to parse string [1700000000]"},
    };
    PF_CHECK_CASES(kCases);
}

TEST(PendulumParse, OrdinalMonthEndsFailInPendulum310) {
    // Parser::ordinal_to_ymd compares `ord < MONTHS_OFFSETS[leap][i]` (fixed to <= in 3.2.0): the
    // last day of a month comes out as day 0 of the next, and the last day of the year as too
    // large. Both are suppressed errors.
    static const Case kCases[] = {
        {"2021-031", kValueError, "Unable to parse string [2021-031]"},
        {"2021-365", kValueError, "Unable to parse string [2021-365]"},
        {"2021-W04-7", kValueError, "Unable to parse string [2021-W04-7]"},  // 2021-01-31
    };
    PF_CHECK_CASES(kCases);
}

TEST(PendulumParse, OffsetsOfADayOrMoreAreKept) {
    // Rust bounds only `minutes > 24 * 60`; pendulum builds FixedTimezone(offset) without a check.
    static const Case kCases[] = {
        {"2021-01-01T10:00:00+24:00", kOffsetOutOfRange, "2020-12-31T10:00:00Z"},
        {"2021-01-01T10:00:00-24:00", kOffsetOutOfRange, "2021-01-02T10:00:00Z"},
        {"2021-01-01T10:00:00-25:00", kOffsetOutOfRange, "2021-01-02T11:00:00Z"},
    };
    PF_CHECK_CASES(kCases);
}

// ---------------------------------------------------------------- times, "now", COMMON

TEST(PendulumParse, NowIsTheGivenInstant) {
    EXPECT_EQ(pf::PendulumParse("now", kNow).kind, kDatetime);
    EXPECT_EQ(pf::PendulumParse("now", kNow).utc_usec_since_2000, kNow);
    EXPECT_EQ(pf::PendulumParse("now", -5).utc_usec_since_2000, -5);
    EXPECT_EQ(pf::PendulumParse("now ", kNow).kind, kValueError);
}

TEST(PendulumParse, BareTimesAreTodayUtc) {
    static const Case kCases[] = {
        {"12:00", kDatetime, "2023-11-07T12:00:00Z"},
        {"T10:00", kDatetime, "2023-11-07T10:00:00Z"},
        {"10:00+05:00", kDatetime, "2023-11-07T10:00:00Z"},  // _normalize drops the offset
        {"12:00:30.5", kDatetime, "2023-11-07T12:00:30.500000Z"},
        {"23:59:59.9999999", kDatetime, "2023-11-07T23:59:59.999999Z"},
        {"12:00\n", kDatetime, "2023-11-07T12:00:00Z"},  // COMMON's `$` before a final newline
    };
    PF_CHECK_CASES(kCases);
    // today is the UTC date of `now`, before 2000 too
    EXPECT_EQ(Ts(pf::PendulumParse("12:00", -1).utc_usec_since_2000), "1999-12-31T12:00:00Z");
    EXPECT_EQ(Ts(pf::PendulumParse("12:00", 0).utc_usec_since_2000), "2000-01-01T12:00:00Z");
}

TEST(PendulumParse, CommonFormats) {
    static const Case kCases[] = {
        {"2021/01/01", kDatetime, "2021-01-01T00:00:00Z"},
        {"2021:01:01", kDatetime, "2021-01-01T00:00:00Z"},
        {"2021/0101", kDatetime, "2021-01-01T00:00:00Z"},
        {"2021/01/01 10:30", kDatetime, "2021-01-01T10:30:00Z"},
        {"2021/01/01 10:30:15.25", kDatetime, "2021-01-01T10:30:15.250000Z"},
        {"20210101\n", kDatetime, "2021-01-01T00:00:00Z"},
        // \d is any Unicode decimal digit, and int() reads them
        {"\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa1/\xd9\xa0\xd9\xa1/\xd9\xa0\xd9\xa1", kDatetime, "2021-01-01T00:00:00Z"},
        {"\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x91/\xef\xbc\x90\xef\xbc\x91/\xef\xbc\x90\xef\xbc\x91",
         kDatetime, "2021-01-01T00:00:00Z"},
        // ...but the Rust parser only ASCII, and COMMON has no "-"
        {"\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x91-01-01", kValueError,
         "Unable to parse string [\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x91-01-01]"},
    };
    PF_CHECK_CASES(kCases);
}

TEST(PendulumParse, CommonConstructorErrorsEscape) {
    // _parse_common's date()/time()/datetime() ValueErrors are not suppressed.
    static const Case kCases[] = {
        {"2021/13/01", kValueError, "month must be in 1..12"},
        {"2021/02/30", kValueError, "day is out of range for month"},
        {"0000/01/01", kValueError, "year 0 is out of range"},
        {"", kValueError, "year 0 is out of range"},  // COMMON matches "": date(0, 1, 1)
        {"\n", kValueError, "year 0 is out of range"},
        {"24:00", kValueError, "hour must be in 0..23"},
        {"12:60", kValueError, "minute must be in 0..59"},
        {"12:30:60", kValueError, "second must be in 0..59"},
        {"2021/01/01 25:00", kValueError, "hour must be in 0..23"},
        // "HH:" leaves the optional minute group empty: int(None) is a TypeError
        {"12:", kCustomError, kNotValid},
        {"2021/01/01 12:", kCustomError, kNotValid},
    };
    PF_CHECK_CASES(kCases);
}

// ---------------------------------------------------------------- durations and intervals

TEST(PendulumParse, DurationsAreNotDatetimes) {
    static const Case kCases[] = {
        {"P1D", kValueError, kDuration},
        {"PT1H", kValueError, kDuration},
        {"P1Y2M3DT4H5M6.5S", kValueError, kDuration},
        {"PT", kValueError, kDuration},
        {"P1DT", kValueError, kDuration},
        {"P1W", kValueError, kDuration},
        {"P1.5D", kValueError, kDuration},
        {"P999999999D", kValueError, kDuration},
        {"P2739726Y", kValueError, kDuration},  // 999,999,990 days
        // timedelta's limit: OverflowError
        {"P1000000000D", kCustomError, kNotValid},
        {"P2739727Y", kCustomError, kNotValid},
        // not durations
        {"P", kValueError, "Unable to parse string [P]"},
        {"P1.5Y", kValueError, "Unable to parse string [P1.5Y]"},
        {"P1D1Y", kValueError, "Unable to parse string [P1D1Y]"},
        {"PT1D", kValueError, "Unable to parse string [PT1D]"},
    };
    PF_CHECK_CASES(kCases);
}

TEST(PendulumParse, IntervalsAreNotDatetimes) {
    static const Case kCases[] = {
        {"2021-01-01T00:00:00/P1D", kValueError, kInterval},
        {"P1D/2021-01-02T00:00:00Z", kValueError, kInterval},
        {"2021-01-01T00:00:00Z/2021-01-02T00:00:00+01:00", kValueError, kInterval},
        {"2021-01-01/2021-01-02", kValueError, kInterval},
        {"0001-01-01T00:00:00/P1Y", kValueError, kInterval},
        {"0001-01-01T00:00:00+01:00/0001-01-02T00:00:00+02:00", kValueError, kInterval},
    };
    PF_CHECK_CASES(kCases);
}

TEST(PendulumParse, IntervalErrors) {
    static const Case kCases[] = {
        {"2021-01-01T00:00:00/2021-01-02", kValueError, kSameType},
        {"T10:00/2021-01-01T00:00:00", kValueError, kSameType},
        {"9999-12-31T00:00:00/P1Y", kValueError, "year 10000 is out of range"},  // replace()
        {"2021-01-01T00:00:00-25:00/PT1H", kValueError, kOffset},                // utcoffset() in add
        {"2021-01-01T00:00:00-25:00/P1D", kValueError, kOffset},                 // utcoffset() in Interval
        // TypeError: Date.add(hours=), Time.add(years=), Date.subtract(hours=), Time - date, aware
        // Time - Time; AttributeError: a Duration has no tzinfo
        {"2021-01-01/P1D", kCustomError, kNotValid},
        {"P1D/2021-01-01", kCustomError, kNotValid},
        {"T10:00/PT1H", kCustomError, kNotValid},
        {"2021-01-01/T10:00", kCustomError, kNotValid},
        {"T10:00/T11:00", kCustomError, kNotValid},
        {"P1D/P2D", kCustomError, kNotValid},
        // OverflowError: date value out of range / the Rust is_leap's i32
        {"9999-12-31T23:00:00/PT2H", kCustomError, kNotValid},
        {"0001-01-01T00:30:00+01:00/PT1H", kCustomError, kNotValid},
        {"0001-01-01T00:00:00+01:00/0001-01-02T00:00:00+01:00", kCustomError, kNotValid},
        {"2021-01-01T00:00:00/P4294967295Y", kCustomError, kNotValid},
        // not intervals: a part fails, or more than one "/"
        {"2021-01-01/P1D/P2D", kValueError, "Unable to parse string [2021-01-01/P1D/P2D]"},
        {"/P1D", kValueError, "Unable to parse string [/P1D]"},
        {"2021-01-01T00:00:00/", kValueError, "Unable to parse string [2021-01-01T00:00:00/]"},
        {"2021-01-01T00:00:00/P1D\n", kValueError, "Unable to parse string [2021-01-01T00:00:00/P1D\n]"},
    };
    PF_CHECK_CASES(kCases);
}

// ---------------------------------------------------------------- the text itself

TEST(PendulumParse, LengthIsRespected) {
    const char buf[] = "2021-01-01XYZ";
    pf::PendulumOutcome out = pf::PendulumParse(std::string_view(buf, 10), kNow);
    EXPECT_EQ(out.kind, kDatetime);
    EXPECT_EQ(Ts(out.utc_usec_since_2000), "2021-01-01T00:00:00Z");
    out = pf::PendulumParse(std::string_view("2021-01-01\0", 11), kNow);
    EXPECT_EQ(out.kind, kValueError);
    EXPECT_EQ(out.message, Unable(std::string("2021-01-01\0", 11)));
}

TEST(PendulumParse, UnableEchoesTheTextVerbatim) {
    const std::string surrogate = "\xed\xa0\x80";  // a lone surrogate as WTF-8
    EXPECT_EQ(pf::PendulumParse(surrogate, kNow).message, Unable(surrogate));
    const std::string long_text(100000, 'x');
    const pf::PendulumOutcome out = pf::PendulumParse(long_text, kNow);
    EXPECT_EQ(out.kind, kValueError);
    EXPECT_EQ(out.message, Unable(long_text));
    EXPECT_EQ(pf::PendulumParse("\xd9\xa2x", kNow).message, Unable("\xd9\xa2x"));
}

}  // namespace
