// pendulum.parse(text, strict=True) as pydantic_extra_types.pendulum_dt.DateTime._validate uses
// it (see pendulum.hpp). A port of, in call order:
//   pydantic-extra-types 2.11.1  pydantic_extra_types/pendulum_dt.py  DateTime._validate
//   pendulum 3.1.0  src/pendulum/parser.py          parse, _parse ("now"; results made pendulum
//                                                    types; intervals built; Rust Duration copied)
//                   src/pendulum/parsing/__init__.py parse, _normalize, _parse (iso8601, then
//                                                    _parse_iso8601_interval, then _parse_common
//                                                    with COMMON, then ParserError), _Interval
//                   rust/src/parsing.rs              Parser (the ISO 8601 parser of the extension)
//                   rust/src/python/parsing.rs       parse_iso8601 (result -> datetime/date/time
//                                                    through CPython's constructors, or Duration)
//                   src/pendulum/__init__.py, datetime.py (create, instance, add), date.py,
//                   time.py, helpers.py (add_duration), interval.py (Interval.__new__),
//                   duration.py (Duration.__new__), tz/__init__.py, tz/timezone.py
//   CPython 3.10  Modules/_datetimemodule.c (check_date_args, check_time_args, timedelta range,
//                 call_tzinfo_method's offset check), Lib/re (\d is any Unicode decimal digit,
//                 `$` also matches before a final "\n"), int() of Unicode digits.
//
// What decides the outcome:
// - Only ValueError (and subclasses: ParserError, UnicodeEncodeError) is suppressed between the
//   parsers; a ValueError that escapes becomes pydantic's "Value error, <msg>"; any other
//   exception becomes the custom error "value is not a valid datetime".
// - Rust parse errors and CPython constructor errors on its result are ValueErrors: suppressed.
//   The Rust parser accepts ASCII only, so any non-ASCII character (a lone surrogate too) fails it.
// - pendulum 3.1.0 bugs kept: ordinal and week dates that land on a month's last day give day 0
//   (and a year's last day "too large") in Parser::ordinal_to_ymd (`ord < MONTHS_OFFSETS[..][i]`,
//   fixed to `<=` in 3.2.0), so they fail; COMMON.match (not fullmatch) accepts a final "\n";
//   offsets are bounded only by `> 24*60` minutes, so "+24:00" and any "-HH:MM" pass.
// - _parse_common: COMMON's separators are "/" and ":" only; its ValueErrors ("month must be in
//   1..12", "year 0 is out of range" for "" ...) escape; "HH:" leaves the optional minute group
//   empty and int(None) raises TypeError (custom error).
// - Intervals "a/b" (exactly one "/"): start/duration, duration/end and start/end. A date or time
//   beside a duration fails in Date.add/Time.add (TypeError: custom); a duration as the end of
//   "P../P.." fails in pendulum.instance (AttributeError: custom); mixed datetime and date/time
//   raise "Both start and end of an Interval must have the same type"; date/date and a
//   computable datetime pair give an Interval; DateTime.add's overflows are OverflowError
//   (custom) but its year check is ValueError("year N is out of range").
// - A bare duration "P.." comes back from Rust as _pendulum.Duration, which parser._parse copies
//   into pendulum.duration.Duration (no Rust type leaks); timedelta's day limit there raises
//   OverflowError (custom).
// Assumptions (not decidable from the sources): the extension is a release build (Cargo.toml's
// profile: overflow-checks = false, so u32 arithmetic in the parser wraps); the local time zone
// is UTC; what Prefect does later with a DateTime whose offset is out of range
// (kDatetimeOffsetOutOfRange).
#include "formats/pendulum.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include "formats/cpp_only.hpp"  // last: proves no PostgreSQL header came in

namespace prefect_filter {

namespace {

constexpr int64_t kUsecPerSecond = 1000000;
constexpr int64_t kUsecPerDay = 86400 * kUsecPerSecond;
constexpr int64_t kDays1970To2000 = 10957;

constexpr const char *kNotValidDatetime = "value is not a valid datetime";
constexpr const char *kDurationMessage = "value is not a valid datetime it is a <class 'pendulum.duration.Duration'>";
constexpr const char *kIntervalMessage = "value is not a valid datetime it is a <class 'pendulum.interval.Interval'>";
constexpr const char *kSameTypeMessage = "Both start and end of an Interval must have the same type";
// CPython 3.10 call_tzinfo_method, raised by datetime.utcoffset() for |offset| >= 24h.
constexpr const char *kOffsetMessage =
    "offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24).";

// ---------------------------------------------------------------- what Python raised

enum class Exc : unsigned char { kNone, kValueError, kOther };

struct Raised {
    Exc exc = Exc::kNone;
    const char *text = nullptr;  // the ValueError's str, unless year_out_of_range
    bool year_out_of_range = false;
    int64_t year = 0;  // "year %i is out of range"
    explicit operator bool() const { return exc != Exc::kNone; }
};

Raised ValueErr(const char *text) {
    Raised r;
    r.exc = Exc::kValueError;
    r.text = text;
    return r;
}

Raised YearErr(int64_t year) {
    Raised r;
    r.exc = Exc::kValueError;
    r.year_out_of_range = true;
    r.year = year;
    return r;
}

Raised OtherErr() {
    Raised r;
    r.exc = Exc::kOther;
    return r;
}

// ---------------------------------------------------------------- CPython's calendar

bool IsLeap(int64_t y) {
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

int DaysInMonth(int64_t y, int64_t m) {
    static const int kDays[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && IsLeap(y) ? 29 : kDays[m];
}

constexpr int64_t FloorDiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Days since 1970-01-01 of a proleptic Gregorian date (any year).
constexpr int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    const int64_t era = FloorDiv(y, 400);
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t *y, int64_t *m, int64_t *d) {
    z += 719468;
    const int64_t era = FloorDiv(z, 146097);
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

constexpr int64_t kMinDays = DaysFromCivil(1, 1, 1);       // datetime.min
constexpr int64_t kMaxDays = DaysFromCivil(9999, 12, 31);  // datetime.max

// check_date_args (datetime.date(), datetime.datetime(), replace()).
Raised CheckDate(int64_t year, int64_t month, int64_t day) {
    if (year < 1 || year > 9999) return YearErr(year);
    if (month < 1 || month > 12) return ValueErr("month must be in 1..12");
    if (day < 1 || day > DaysInMonth(year, month)) return ValueErr("day is out of range for month");
    return Raised();
}

// check_time_args (datetime.time(), datetime.datetime()).
Raised CheckTime(int64_t hour, int64_t minute, int64_t second, int64_t microsecond) {
    if (hour < 0 || hour > 23) return ValueErr("hour must be in 0..23");
    if (minute < 0 || minute > 59) return ValueErr("minute must be in 0..59");
    if (second < 0 || second > 59) return ValueErr("second must be in 0..59");
    if (microsecond < 0 || microsecond > 999999) return ValueErr("microsecond must be in 0..999999");
    return Raised();
}

// A naive datetime: days since 1970-01-01 and microseconds into the day.
struct Wall {
    int64_t days = 0;
    int64_t usec = 0;
};

bool InPythonRange(const Wall &w) {
    return w.days >= kMinDays && w.days <= kMaxDays;
}

Wall MakeWall(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s, int64_t us) {
    Wall w;
    w.days = DaysFromCivil(y, mo, d);
    w.usec = ((h * 60 + mi) * 60 + s) * kUsecPerSecond + us;
    return w;
}

Wall AddUsec(Wall w, int64_t days, int64_t usec) {
    int64_t total = w.usec + usec;
    int64_t carry = FloorDiv(total, kUsecPerDay);
    w.usec = total - carry * kUsecPerDay;
    w.days += days + carry;
    return w;
}

int64_t InstantOf(const Wall &w, int64_t offset_seconds) {
    return (w.days - kDays1970To2000) * kUsecPerDay + w.usec - offset_seconds * kUsecPerSecond;
}

// A pendulum DateTime: wall time plus its tzinfo, which is pendulum's UTC zone object
// (naive input or "Z") or fixed_timezone(offset) (cached per offset: equal offsets share one).
struct Aware {
    Wall wall;
    bool fixed = false;
    int32_t offset = 0;  // seconds, when fixed
};

bool OffsetOutOfRange(const Aware &a) {
    return a.fixed && (a.offset <= -86400 || a.offset >= 86400);
}

bool SameTzinfo(const Aware &a, const Aware &b) {
    return a.fixed == b.fixed && (!a.fixed || a.offset == b.offset);
}

// ---------------------------------------------------------------- the Rust parser

// rust/src/helpers.rs, with i32 arithmetic wrapping (overflow-checks = false) and Rust's
// truncating division and remainder (as C++'s).
int32_t WrapI32(int64_t v) {
    return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v)));
}
int32_t RustP(int32_t y) {
    return WrapI32(static_cast<int64_t>(y) + y / 4 - y / 100 + y / 400);
}
bool RustIsLeap(int32_t y) {
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}
bool RustIsLongYear(int32_t y) {
    return RustP(y) % 7 == 4 || RustP(WrapI32(static_cast<int64_t>(y) - 1)) % 7 == 3;
}
uint32_t RustDaysInYear(int32_t y) {
    return RustIsLeap(y) ? 366 : 365;
}
uint32_t RustWeekDay(int32_t year, uint32_t month, uint32_t day) {
    static const uint32_t kDayOfWeek[12] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    const int32_t y = WrapI32(static_cast<int64_t>(year) - (month < 3 ? 1 : 0));
    const int32_t w = WrapI32(static_cast<int64_t>(RustP(y)) + static_cast<int32_t>(kDayOfWeek[month - 1]) +
                              static_cast<int32_t>(day)) %
                      7;
    if (w == 0) return 7;
    return static_cast<uint32_t>(w < 0 ? -w : w);
}

// constants.rs MONTHS_OFFSETS
const int32_t kMonthsOffsets[2][14] = {
    {-1, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365},
    {-1, 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366},
};

// Rust's `f64 as u32`: saturating, NaN -> 0.
uint32_t SatU32(double v) {
    if (!(v > 0.0)) return 0;
    if (v >= 4294967295.0) return 4294967295u;
    return static_cast<uint32_t>(v);
}

struct RustDatetime {  // parsing.rs ParsedDateTime
    uint32_t year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, microsecond = 0;
    bool has_offset = false;
    int32_t offset = 0;     // seconds
    bool utc_name = false;  // "Z": FixedTimezone(0, "UTC"), which pendulum maps to its UTC zone
    bool has_date = false, has_time = false, extended_date_format = false;
};

struct RustDuration {  // parsing.rs ParsedDuration (and _pendulum.Duration's fields)
    uint32_t years = 0, months = 0, weeks = 0, days = 0, hours = 0, minutes = 0, seconds = 0, microseconds = 0;
};

// The units a duration's fraction spills into, largest first.
enum SpillUnit { kDays, kHours, kMinutes, kSeconds, kMicroseconds };

// parsing.rs: the fraction `f` of a duration component, carried down the smaller units starting
// at `first` (1.5W -> 3 days 12 hours, 0.25H -> 15 minutes). Each unit takes the whole part and
// passes the rest on, scaled to the next unit. As in parsing.rs, a unit's amount is rounded
// before its whole part is taken, except the first unit's and the hours'; microseconds always.
void SpillFraction(double f, SpillUnit first, RustDuration *d) {
    static constexpr double kScaleFromAbove[] = {7.0, 24.0, 60.0, 60.0, 1000000.0};  // week->day, ...
    uint32_t *slot[] = {&d->days, &d->hours, &d->minutes, &d->seconds, &d->microseconds};
    double amount = f;
    for (int unit = first; unit <= kMicroseconds; ++unit) {
        amount *= kScaleFromAbove[unit];
        if (unit == kMicroseconds || (unit != first && unit != kHours)) amount = std::round(amount);
        const double whole = unit == kMicroseconds ? amount : std::trunc(amount);
        *slot[unit] += SatU32(whole);
        amount -= whole;
    }
}

// parsing.rs Parser, on bytes: every character it accepts is ASCII, and it never steps over a
// character it does not accept, so a non-ASCII byte (current = 0x80) just fails where a
// non-ASCII character would. Every error is a ValueError to Python, so errors carry no text.
class RustParser {
public:
    explicit RustParser(std::string_view s) : s_(s) { Inc(); }

    // Parser::parse. On success exactly one of *dt / *dur is filled (*is_duration says which):
    // an interval inside one string always ends in an error in parse_iso8601 ("Not yet
    // implemented"), so it is reported as a parse failure here.
    bool Parse(RustDatetime *dt, RustDuration *dur, bool *is_duration) {
        if (cur_ == 'P') {
            *is_duration = true;
            return ParseDuration(dur);
        }
        *is_duration = false;
        return ParseDatetime(dt);
    }

private:
    bool Inc() {
        if (next_ < s_.size()) {
            idx_ = next_;
            const unsigned char c = static_cast<unsigned char>(s_[next_++]);
            cur_ = c < 0x80 ? c : 0x80;
            return true;
        }
        idx_ = s_.size();
        cur_ = 0;
        return false;
    }
    bool End() const { return idx_ >= s_.size(); }
    bool CurDigit(uint32_t *d) const {
        if (cur_ >= '0' && cur_ <= '9') {
            *d = static_cast<uint32_t>(cur_ - '0');
            return true;
        }
        return false;
    }
    bool CurIs(int c) const { return cur_ == c; }
    bool CurIsZoneStart() const { return cur_ == 'Z' || cur_ == '+' || cur_ == '-'; }

    bool ParseInteger(int length, uint32_t *out) {
        uint32_t value = 0;
        for (int i = 0; i < length; ++i) {
            uint32_t d;
            if (End() || !CurDigit(&d)) return false;
            value = 10 * value + d;
            Inc();
        }
        *out = value;
        return true;
    }

    bool OrdinalToYmd(uint32_t year, int32_t ordinal, bool allow_out_of_bounds, RustDatetime *dt) {
        int32_t ord = ordinal;
        uint32_t y = year;
        int leap = RustIsLeap(static_cast<int32_t>(y)) ? 1 : 0;
        if (ord < 1) {
            if (!allow_out_of_bounds) return false;
            ord = WrapI32(static_cast<int64_t>(ord) + RustDaysInYear(static_cast<int32_t>(year - 1)));
            y -= 1;
            leap = RustIsLeap(static_cast<int32_t>(y)) ? 1 : 0;
        }
        if (ord > static_cast<int32_t>(RustDaysInYear(static_cast<int32_t>(y)))) {
            if (!allow_out_of_bounds) return false;
            ord = WrapI32(static_cast<int64_t>(ord) - RustDaysInYear(static_cast<int32_t>(y)));
            y += 1;
            leap = RustIsLeap(static_cast<int32_t>(y)) ? 1 : 0;
        }
        for (int i = 1; i < 14; ++i) {
            if (ord < kMonthsOffsets[leap][i]) {  // 3.1.0: `<` (see the header comment)
                dt->year = y;
                dt->month = static_cast<uint32_t>(i - 1);
                dt->day = static_cast<uint32_t>(ord) - static_cast<uint32_t>(kMonthsOffsets[leap][i - 1]);
                return true;
            }
        }
        return false;
    }

    bool IsoToYmd(uint32_t iso_year, uint32_t iso_week, uint32_t iso_day, RustDatetime *dt) {
        if (iso_week > 53 || (iso_week > 52 && !RustIsLongYear(static_cast<int32_t>(iso_year)))) return false;
        if (iso_day > 7) return false;
        const int32_t ordinal = WrapI32(static_cast<int64_t>(iso_week) * 7 + iso_day -
                                        (static_cast<int64_t>(RustWeekDay(static_cast<int32_t>(iso_year), 1, 4)) + 3));
        return OrdinalToYmd(iso_year, ordinal, true, dt);
    }

    bool ParseDatetime(RustDatetime *dt) {
        if (CurIs('T')) {
            if (!ParseTime(dt, false)) return false;
            return End();
        }
        uint32_t v;
        if (!ParseInteger(2, &v)) return false;
        dt->year = v;
        if (CurIs(':')) {  // time in extended format
            dt->hour = dt->year;
            dt->year = 0;
            dt->extended_date_format = true;
            if (!ParseTime(dt, true)) return false;
            return End();
        }
        dt->has_date = true;
        if (!ParseInteger(2, &v)) return false;
        dt->year = dt->year * 100 + v;
        if (CurIs('-')) {
            Inc();
            dt->extended_date_format = true;
            if (CurIs('W')) {  // Www[-D]
                Inc();
                uint32_t week, day = 1;
                if (!ParseInteger(2, &week)) return false;
                if (!End() && !CurIs(' ') && !CurIs('T')) {
                    if (!CurIs('-')) return false;
                    Inc();
                    if (!ParseInteger(1, &day)) return false;
                }
                if (!IsoToYmd(dt->year, week, day, dt)) return false;
            } else {  // MM[-DD] or DDD
                if (!ParseInteger(2, &dt->month)) return false;
                if (!End() && !CurIs(' ') && !CurIs('T')) {
                    if (CurIs('-')) {
                        Inc();
                        if (!ParseInteger(2, &dt->day)) return false;
                    } else {
                        uint32_t d;
                        if (!ParseInteger(1, &d)) return false;
                        if (!OrdinalToYmd(dt->year, static_cast<int32_t>(dt->month * 10 + d), false, dt)) return false;
                    }
                } else {
                    dt->day = 1;
                }
            }
        } else if (CurIs('W')) {  // WwwD
            Inc();
            uint32_t week, day = 1;
            if (!ParseInteger(2, &week)) return false;
            if (!End() && !CurIs(' ') && !CurIs('T')) {
                if (!ParseInteger(1, &day)) return false;
            }
            if (!IsoToYmd(dt->year, week, day, dt)) return false;
        } else {  // MMDD or DDD
            uint32_t d;
            if (!ParseInteger(2, &dt->month)) return false;
            if (!ParseInteger(1, &d)) return false;
            int32_t ordinal_day = static_cast<int32_t>(d);
            if (End() || CurIs(' ') || CurIs('T')) {
                ordinal_day = WrapI32(static_cast<int64_t>(ordinal_day) +
                                      static_cast<int64_t>(static_cast<int32_t>(dt->month)) * 10);
                if (!OrdinalToYmd(dt->year, ordinal_day, false, dt)) return false;
            } else {
                uint32_t d2;
                if (!ParseInteger(1, &d2)) return false;
                dt->day = static_cast<uint32_t>(ordinal_day) * 10 + d2;
            }
        }
        if (!End() && !ParseTime(dt, false)) return false;
        // A "/" here starts an interval, which parse_iso8601 rejects in every case.
        return End();
    }

    bool ParseFraction(RustDatetime *dt) {
        Inc();
        dt->microsecond = 0;
        int i = 0;
        while (i < 6) {
            uint32_t d;
            if (CurDigit(&d)) {
                dt->microsecond = dt->microsecond * 10 + d;
            } else if (i == 0) {
                return false;
            } else {
                break;
            }
            Inc();
            ++i;
        }
        uint32_t ignored;
        while (CurDigit(&ignored)) Inc();
        while (i < 6) {
            dt->microsecond *= 10;
            ++i;
        }
        return true;
    }

    bool ParseTime(RustDatetime *dt, bool skip_hour) {
        if (!CurIs('T') && !CurIs(' ') && !skip_hour) return false;
        dt->has_time = true;
        if (!skip_hour) {
            Inc();
            if (!ParseInteger(2, &dt->hour)) return false;
        }
        if (!End() && !CurIsZoneStart()) {
            if (CurIs(':')) {  // mm[:ss[.f]]
                Inc();
                if (!ParseInteger(2, &dt->minute)) return false;
                if (!End() && !CurIsZoneStart()) {
                    if (!CurIs(':')) return false;
                    Inc();
                    if (!ParseInteger(2, &dt->second)) return false;
                    if ((CurIs('.') || CurIs(',')) && !ParseFraction(dt)) return false;
                    if (!dt->extended_date_format) return false;  // basic date, extended time
                }
            } else {  // mm[ss[.f]]
                if (!ParseInteger(2, &dt->minute)) return false;
                if (!End() && !CurIsZoneStart()) {
                    if (!ParseInteger(2, &dt->second)) return false;
                    if ((CurIs('.') || CurIs(',')) && !ParseFraction(dt)) return false;
                }
                if (dt->extended_date_format) return false;  // extended date, basic time
            }
        }
        if (CurIs('Z')) {
            dt->has_offset = true;
            dt->offset = 0;
            dt->utc_name = true;
            Inc();
        } else if (CurIs('+') || CurIs('-')) {
            const int32_t sign = CurIs('+') ? 1 : -1;
            Inc();
            uint32_t tzhour, tzminute = 0;
            if (!ParseInteger(2, &tzhour)) return false;
            if (CurIs(':')) Inc();
            if (!End() && !ParseInteger(2, &tzminute)) return false;
            const int32_t minutes = (static_cast<int32_t>(tzminute) + static_cast<int32_t>(tzhour) * 60) * sign;
            if (minutes > 24 * 60) return false;  // only the positive side is bounded
            dt->has_offset = true;
            dt->offset = minutes * 60;
        }
        return true;
    }

    bool ParseDurationNumber(uint32_t *value, bool *has_fraction, double *fraction) {
        uint32_t d;
        if (!CurDigit(&d)) return false;
        uint32_t v = d;
        while (Inc() && CurDigit(&d)) v = v * 10 + d;  // wraps, as u32 without overflow checks
        *value = v;
        *has_fraction = false;
        *fraction = 0.0;
        if (CurIs('.') || CurIs(',')) {
            double decimal = 0.0;
            double denominator = 1.0;
            while (Inc() && CurDigit(&d)) {
                decimal *= 10.0;
                decimal += static_cast<double>(d);
                denominator *= 10.0;
            }
            *has_fraction = true;
            *fraction = decimal / denominator;
        }
        return true;
    }

    bool ParseDuration(RustDuration *dur) {
        Inc();  // the P
        RustDuration &d = *dur;
        bool got_t = false;
        bool last_had_fraction = false;
        for (;;) {
            if (CurIs('T')) {
                if (got_t) return false;
                got_t = true;
            } else {
                uint32_t value;
                bool has_fraction;
                double f;
                if (!ParseDurationNumber(&value, &has_fraction, &f)) return false;
                if (last_had_fraction) return false;
                if (has_fraction) last_had_fraction = true;
                if (got_t) {
                    if (CurIs('H')) {
                        if (d.minutes != 0 || d.seconds != 0 || d.microseconds != 0) return false;
                        d.hours += value;
                        if (has_fraction) SpillFraction(f, kMinutes, &d);
                    } else if (CurIs('M')) {
                        if (d.seconds != 0 || d.microseconds != 0) return false;
                        d.minutes += value;
                        if (has_fraction) SpillFraction(f, kSeconds, &d);
                    } else if (CurIs('S')) {
                        d.seconds = value;
                        if (has_fraction) SpillFraction(f, kMicroseconds, &d);
                    } else {
                        return false;
                    }
                } else {
                    if (CurIs('Y')) {
                        if (last_had_fraction) return false;
                        if (d.months != 0 || d.days != 0) return false;
                        d.years = value;
                    } else if (CurIs('M')) {
                        if (last_had_fraction) return false;
                        if (d.days != 0) return false;
                        d.months = value;
                    } else if (CurIs('W')) {
                        if (d.years != 0 || d.months != 0) return false;
                        d.weeks = value;
                        if (has_fraction) SpillFraction(f, kDays, &d);
                    } else if (CurIs('D')) {
                        if (d.weeks != 0) return false;
                        d.days += value;
                        if (has_fraction) SpillFraction(f, kHours, &d);
                    } else {
                        return false;
                    }
                }
            }
            Inc();
            if (End()) break;
        }
        return true;
    }

    std::string_view s_;
    size_t next_ = 0;
    size_t idx_ = 0;
    int cur_ = 0;
};

// What parse_iso8601 (python/parsing.rs) hands back to Python, after CPython's constructors
// checked the fields (their ValueError, like every Rust error, is suppressed by the caller).
struct IsoValue {
    enum Kind { kNone, kDatetime, kDate, kTime, kDuration } kind = kNone;
    int64_t year = 0;
    int64_t month = 1, day = 1, hour = 0, minute = 0, second = 0, microsecond = 0;
    bool has_offset = false;
    int32_t offset = 0;
    bool utc_name = false;
    RustDuration duration;
};

IsoValue ParseIso8601(std::string_view text) {
    IsoValue v;
    RustDatetime dt;
    RustDuration dur;
    bool is_duration = false;
    if (!RustParser(text).Parse(&dt, &dur, &is_duration)) return v;
    if (is_duration) {
        v.kind = IsoValue::kDuration;
        v.duration = dur;
        return v;
    }
    // PyDateTime::new(year as i32, month as u8, ..., microsecond: u32, tz)
    v.year = static_cast<int32_t>(dt.year);
    v.month = dt.month & 0xFF;
    v.day = dt.day & 0xFF;
    v.hour = dt.hour & 0xFF;
    v.minute = dt.minute & 0xFF;
    v.second = dt.second & 0xFF;
    v.microsecond = dt.microsecond;
    v.has_offset = dt.has_offset;
    v.offset = dt.offset;
    v.utc_name = dt.utc_name;
    if (dt.has_date) {
        if (CheckDate(v.year, v.month, v.day)) return IsoValue();
        if (dt.has_time && CheckTime(v.hour, v.minute, v.second, v.microsecond)) return IsoValue();
        v.kind = dt.has_time ? IsoValue::kDatetime : IsoValue::kDate;
        return v;
    }
    if (CheckTime(v.hour, v.minute, v.second, v.microsecond)) return IsoValue();
    v.kind = IsoValue::kTime;
    return v;
}

// pendulum.instance(datetime, tz=UTC) / pendulum.datetime(..., tz=parsed.tzinfo or UTC): a "Z"
// FixedTimezone names itself "UTC" and becomes pendulum's UTC zone; any other offset becomes
// fixed_timezone(offset) (no range check anywhere on the way).
Aware ToAware(const IsoValue &v) {
    Aware a;
    a.wall = MakeWall(v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond);
    if (v.has_offset && !v.utc_name) {
        a.fixed = true;
        a.offset = v.offset;
    }
    return a;
}

// ---------------------------------------------------------------- intervals

// helpers.py add_duration on a naive datetime, arguments as Python ints of one sign.
Raised AddDuration(const Wall &dt, int64_t years, int64_t months, int64_t weeks, int64_t days, int64_t hours,
                   int64_t minutes, int64_t seconds, int64_t microseconds, Wall *out) {
    days += weeks * 7;
    auto normalize = [](int64_t *small, int64_t *big, int64_t base) {
        if (*small > base - 1 || *small < -(base - 1)) {
            const int64_t s = *small < 0 ? -1 : 1;
            const int64_t mag = *small * s;
            *small = (mag % base) * s;
            *big += (mag / base) * s;
        }
    };
    normalize(&microseconds, &seconds, 1000000);
    normalize(&seconds, &minutes, 60);
    normalize(&minutes, &hours, 60);
    normalize(&hours, &days, 24);
    normalize(&months, &years, 12);

    int64_t y, m, d;
    CivilFromDays(dt.days, &y, &m, &d);
    int64_t year = y + years;
    int64_t month = m;
    if (months != 0) {
        month += months;
        if (month > 12) {
            year += 1;
            month -= 12;
        } else if (month < 1) {
            year -= 1;
            month += 12;
        }
    }
    // is_leap(year) is the Rust helper taking an i32: a larger int is an OverflowError.
    if (year < INT32_MIN || year > INT32_MAX) return OtherErr();
    const int64_t day = std::min<int64_t>(DaysInMonth(year, month), d);
    if (year < 1 || year > 9999) return YearErr(year);  // dt.replace(year=...)
    Wall replaced;
    replaced.days = DaysFromCivil(year, month, day);
    replaced.usec = dt.usec;
    // timedelta(days, hours, minutes, seconds, microseconds): one sign, sub-day parts below a day.
    const int64_t sub = ((hours * 60 + minutes) * 60 + seconds) * kUsecPerSecond + microseconds;
    const int64_t td_days = days + FloorDiv(sub, kUsecPerDay);
    if (td_days > 999999999 || td_days < -999999999) return OtherErr();  // OverflowError
    *out = AddUsec(replaced, days, sub);
    if (!InPythonRange(*out)) return OtherErr();  // OverflowError: date value out of range
    return Raised();
}

// DateTime.add (datetime.py) with the interval's duration, negated for subtract.
Raised DateTimeAdd(const Aware &dt, const RustDuration &d, int64_t sign, Aware *out) {
    const int64_t years = sign * d.years, months = sign * d.months, weeks = sign * d.weeks, days = sign * d.days,
                  hours = sign * d.hours, minutes = sign * d.minutes, seconds = sign * d.seconds,
                  microseconds = sign * d.microseconds;
    const bool variable = years != 0 || months != 0 || weeks != 0 || days != 0;
    Wall current = dt.wall;
    const int64_t offset = dt.fixed ? dt.offset : 0;
    if (!variable) {
        if (OffsetOutOfRange(dt)) return ValueErr(kOffsetMessage);  // self.utcoffset()
        if (offset != 0) {
            current = AddUsec(current, 0, -offset * kUsecPerSecond);
            if (!InPythonRange(current)) return OtherErr();
        }
    }
    Wall added;
    if (Raised r = AddDuration(current, years, months, weeks, days, hours, minutes, seconds, microseconds, &added)) {
        return r;
    }
    *out = dt;
    if (variable) {  // create(..., tz=self.tz) on the new wall time
        out->wall = added;
        return Raised();
    }
    // UTC -> self.tz: FixedTimezone.fromutc adds the offset (the UTC zone is a no-op)
    out->wall = AddUsec(added, 0, offset * kUsecPerSecond);
    if (dt.fixed && !InPythonRange(out->wall)) return OtherErr();
    return Raised();
}

// Interval.__new__ (interval.py) on two DateTimes; __init__ cannot fail after it.
Raised NewInterval(const Aware &start, const Aware &end) {
    if (SameTzinfo(start, end)) {
        // start.utcoffset(), _start - offset, end.utcoffset(), _end - offset
        for (const Aware *a : {&start, &end}) {
            if (OffsetOutOfRange(*a)) return ValueErr(kOffsetMessage);
            if (a->fixed && a->offset != 0 &&
                !InPythonRange(AddUsec(a->wall, 0, -static_cast<int64_t>(a->offset) * kUsecPerSecond))) {
                return OtherErr();
            }
        }
        return Raised();
    }
    // _end - _start between different tzinfos calls both utcoffset()s
    if (OffsetOutOfRange(end) || OffsetOutOfRange(start)) return ValueErr(kOffsetMessage);
    return Raised();
}

// ---------------------------------------------------------------- COMMON (re, Python 3.10)

// Zeros of the Unicode 13.0 (Python 3.10's unicodedata) decimal digit runs: \d and int().
const char32_t kDigitZeros[] = {
    0x30,    0x660,   0x6F0,   0x7C0,   0x966,   0x9E6,   0xA66,   0xAE6,   0xB66,   0xBE6,   0xC66,   0xCE6,   0xD66,
    0xDE6,   0xE50,   0xED0,   0xF20,   0x1040,  0x1090,  0x17E0,  0x1810,  0x1946,  0x19D0,  0x1A80,  0x1A90,  0x1B50,
    0x1BB0,  0x1C40,  0x1C50,  0xA620,  0xA8D0,  0xA900,  0xA9D0,  0xA9F0,  0xAA50,  0xABF0,  0xFF10,  0x104A0, 0x10D30,
    0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50,
    0x11D50, 0x11DA0, 0x16A60, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
};

// The Unicode decimal digit at byte `pos` (its value and byte length), if there is one.
bool DigitAt(std::string_view s, size_t pos, int *value, size_t *len) {
    if (pos >= s.size()) return false;
    const unsigned char c0 = static_cast<unsigned char>(s[pos]);
    if (c0 < 0x80) {
        if (c0 < '0' || c0 > '9') return false;
        *value = c0 - '0';
        *len = 1;
        return true;
    }
    size_t n;
    char32_t cp;
    if (c0 >= 0xC2 && c0 <= 0xDF) {
        n = 2;
        cp = c0 & 0x1F;
    } else if (c0 >= 0xE0 && c0 <= 0xEF) {
        n = 3;
        cp = c0 & 0x0F;
    } else if (c0 >= 0xF0 && c0 <= 0xF4) {
        n = 4;
        cp = c0 & 0x07;
    } else {
        return false;
    }
    if (pos + n > s.size()) return false;
    for (size_t i = 1; i < n; ++i) {
        const unsigned char c = static_cast<unsigned char>(s[pos + i]);
        if ((c & 0xC0) != 0x80) return false;
        cp = (cp << 6) | (c & 0x3F);
    }
    for (char32_t zero : kDigitZeros) {
        if (cp >= zero && cp < zero + 10) {
            *value = static_cast<int>(cp - zero);
            *len = n;
            return true;
        }
    }
    return false;
}

struct Group {
    bool present = false;
    size_t begin = 0, end = 0;  // bytes
};

// Exactly `count` digits from `pos`.
bool MatchDigits(std::string_view s, size_t pos, int count, Group *g) {
    g->present = true;
    g->begin = pos;
    for (int i = 0; i < count; ++i) {
        int v;
        size_t len;
        if (!DigitAt(s, pos, &v, &len)) return false;
        pos += len;
    }
    g->end = pos;
    return true;
}

// int() of a matched group; `limit` digits at most, right-padded with zeros to `pad` (the
// subsecond's f"{subsecond[:6]:0<6}"); 0 for no padding.
int64_t GroupInt(std::string_view s, const Group &g, int limit, int pad) {
    int64_t v = 0;
    int count = 0;
    for (size_t pos = g.begin; pos < g.end && count < limit; ++count) {
        int d = 0;
        size_t len = 1;
        DigitAt(s, pos, &d, &len);
        v = v * 10 + d;
        pos += len;
    }
    for (; count < pad; ++count) v *= 10;
    return v;
}

bool MatchChar(std::string_view s, size_t pos, const char *set) {
    if (pos >= s.size()) return false;
    for (const char *p = set; *p; ++p) {
        if (s[pos] == *p) return true;
    }
    return false;
}

// `$` without MULTILINE: at the end, or before a "\n" that ends the string.
bool MatchEnd(std::string_view s, size_t pos) {
    return pos == s.size() || (pos + 1 == s.size() && s[pos] == '\n');
}

struct CommonMatch {
    bool date = false, monthday = false, time = false;
    Group year, month, day, hour, minute, second, subsecond;
};

// The (?P<time>...)?$ tail, alternatives in re's backtracking order (greedy first).
bool MatchTimeTail(std::string_view s, size_t pos, CommonMatch *m) {
    for (int timesep = 1; timesep >= 0; --timesep) {
        size_t p0 = pos;
        if (timesep) {
            if (!MatchChar(s, p0, " ")) continue;
            ++p0;
        }
        for (int hour_len = 2; hour_len >= 1; --hour_len) {
            if (!MatchDigits(s, p0, hour_len, &m->hour)) continue;
            if (!MatchChar(s, m->hour.end, ":")) continue;
            const size_t p1 = m->hour.end + 1;
            for (int minute_len = 2; minute_len >= 0; --minute_len) {  // 0: group absent
                size_t p2 = p1;
                m->minute = Group();
                if (minute_len > 0) {
                    if (!MatchDigits(s, p1, minute_len, &m->minute)) continue;
                    p2 = m->minute.end;
                }
                for (int second_len = 2; second_len >= 0; --second_len) {
                    size_t p3 = p2;
                    m->second = Group();
                    if (second_len > 0) {
                        if (!MatchChar(s, p2, ":") || !MatchDigits(s, p2 + 1, second_len, &m->second)) continue;
                        p3 = m->second.end;
                    }
                    for (int sub_len = 9; sub_len >= 0; --sub_len) {
                        size_t p4 = p3;
                        m->subsecond = Group();
                        if (sub_len > 0) {
                            if (!MatchChar(s, p3, ".|,") || !MatchDigits(s, p3 + 1, sub_len, &m->subsecond)) continue;
                            p4 = m->subsecond.end;
                        }
                        if (MatchEnd(s, p4)) {
                            m->time = true;
                            return true;
                        }
                    }
                }
            }
        }
    }
    m->time = false;
    m->hour = m->minute = m->second = m->subsecond = Group();
    return MatchEnd(s, pos);
}

// COMMON.match(text).
bool MatchCommon(std::string_view s, CommonMatch *m) {
    if (MatchDigits(s, 0, 4, &m->year)) {
        m->date = true;
        const size_t after_year = m->year.end;
        for (int monthsep = 1; monthsep >= 0; --monthsep) {
            size_t p = after_year;
            if (monthsep) {
                if (!MatchChar(s, p, "/:")) continue;
                ++p;
            }
            if (!MatchDigits(s, p, 2, &m->month)) continue;
            for (int daysep = 1; daysep >= 0; --daysep) {
                size_t q = m->month.end;
                if (daysep) {
                    if (!MatchChar(s, q, "/:")) continue;
                    ++q;
                }
                if (!MatchDigits(s, q, 2, &m->day)) continue;
                m->monthday = true;
                if (MatchTimeTail(s, m->day.end, m)) return true;
            }
        }
        m->monthday = false;
        m->month = m->day = Group();
        if (MatchTimeTail(s, after_year, m)) return true;
    }
    *m = CommonMatch();
    return MatchTimeTail(s, 0, m);
}

// ---------------------------------------------------------------- the outcome

struct Result {
    PendulumOutcome::Kind kind = PendulumOutcome::kValueError;
    int64_t usec = 0;
    Raised error;         // kValueError: its text; kDatetimeOffsetOutOfRange: kOffsetMessage
    bool unable = false;  // kValueError "Unable to parse string [<text>]"
};

Result FromRaised(const Raised &r) {
    Result res;
    res.kind = r.exc == Exc::kValueError ? PendulumOutcome::kValueError : PendulumOutcome::kCustomError;
    res.error = r;
    return res;
}

Result Accepted(const Aware &a) {
    Result res;
    res.kind = OffsetOutOfRange(a) ? PendulumOutcome::kDatetimeOffsetOutOfRange : PendulumOutcome::kDatetime;
    res.usec = InstantOf(a.wall, a.fixed ? a.offset : 0);
    if (res.kind == PendulumOutcome::kDatetimeOffsetOutOfRange) res.error = ValueErr(kOffsetMessage);
    return res;
}

// _normalize and parser._parse on a date/time/datetime: a date is midnight, a bare time is put
// on today's local (= UTC) date and loses its offset, naive is UTC.
Result FromIsoValue(const IsoValue &v, int64_t now) {
    switch (v.kind) {
        case IsoValue::kDatetime: return Accepted(ToAware(v));
        case IsoValue::kDate: {
            Aware a;
            a.wall = MakeWall(v.year, v.month, v.day, 0, 0, 0, 0);
            return Accepted(a);
        }
        case IsoValue::kTime: {
            Aware a;
            a.wall.days = FloorDiv(now, kUsecPerDay) + kDays1970To2000;
            a.wall.usec = ((v.hour * 60 + v.minute) * 60 + v.second) * kUsecPerSecond + v.microsecond;
            return Accepted(a);
        }
        case IsoValue::kDuration: {
            // pendulum.duration(...) -> timedelta(days + years*365 + months*30, seconds,
            // microseconds, 0, minutes, hours, weeks): OverflowError past 999999999 days.
            const RustDuration &d = v.duration;
            const int64_t seconds =
                int64_t{d.hours} * 3600 + int64_t{d.minutes} * 60 + d.seconds + d.microseconds / kUsecPerSecond;
            const int64_t days = int64_t{d.days} + int64_t{d.years} * 365 + int64_t{d.months} * 30 +
                                 int64_t{d.weeks} * 7 + seconds / 86400;
            if (days > 999999999) return FromRaised(OtherErr());
            return FromRaised(ValueErr(kDurationMessage));
        }
        case IsoValue::kNone: break;
    }
    return FromRaised(OtherErr());  // not reached
}

// _parse_iso8601_interval and parser._parse's interval branch. false: a ValueError was raised
// (suppressed by _parse; the next parser runs).
bool ParseInterval(std::string_view text, Result *res) {
    const size_t slash = text.find('/');
    if (slash == std::string_view::npos || text.find('/', slash + 1) != std::string_view::npos) {
        return false;  // ParserError("Invalid interval") / too many values to unpack
    }
    const std::string_view first = text.substr(0, slash);
    const std::string_view last = text.substr(slash + 1);
    Raised r;
    if (!first.empty() && first[0] == 'P') {  // duration/end
        const IsoValue duration = ParseIso8601(first);
        if (duration.kind == IsoValue::kNone) return false;
        const IsoValue end = ParseIso8601(last);
        if (end.kind == IsoValue::kNone) return false;
        if (end.kind != IsoValue::kDatetime) {
            // Date.subtract / Time.subtract get unknown keywords (TypeError); a Duration has no
            // tzinfo for pendulum.instance (AttributeError).
            r = OtherErr();
        } else {
            const Aware dt = ToAware(end);
            Aware start;
            r = DateTimeAdd(dt, duration.duration, -1, &start);
            if (!r) r = NewInterval(start, dt);
        }
    } else if (!last.empty() && last[0] == 'P') {  // start/duration
        const IsoValue start = ParseIso8601(first);
        if (start.kind == IsoValue::kNone) return false;
        const IsoValue duration = ParseIso8601(last);
        if (duration.kind == IsoValue::kNone) return false;
        if (start.kind != IsoValue::kDatetime) {
            r = OtherErr();  // Date.add / Time.add: unexpected keyword argument
        } else {
            const Aware dt = ToAware(start);
            Aware end;
            r = DateTimeAdd(dt, duration.duration, 1, &end);
            if (!r) r = NewInterval(dt, end);
        }
    } else {  // start/end (neither is a duration: it would start with "P")
        const IsoValue start = ParseIso8601(first);
        if (start.kind == IsoValue::kNone) return false;
        const IsoValue end = ParseIso8601(last);
        if (end.kind == IsoValue::kNone) return false;
        const bool start_dt = start.kind == IsoValue::kDatetime;
        const bool end_dt = end.kind == IsoValue::kDatetime;
        if (start_dt != end_dt) {
            r = ValueErr(kSameTypeMessage);
        } else if (start_dt) {
            r = NewInterval(ToAware(start), ToAware(end));
        } else if (!(start.kind == IsoValue::kDate && end.kind == IsoValue::kDate)) {
            r = OtherErr();  // Time - Time (aware: TypeError), Date - Time: unsupported operand
        }
    }
    *res = FromRaised(r ? r : ValueErr(kIntervalMessage));
    return true;
}

// _parse_common after COMMON matched: the date/time/datetime it builds, or what it raised.
Result ParseCommon(std::string_view s, const CommonMatch &m, int64_t now) {
    int64_t year = 0, month = 1, day = 1;
    if (m.date) {
        year = GroupInt(s, m.year, 9, 0);
        if (m.monthday) {
            month = GroupInt(s, m.month, 9, 0);
            day = GroupInt(s, m.day, 9, 0);
        }
    }
    IsoValue v;
    v.year = year;
    v.month = month;
    v.day = day;
    if (!m.time) {
        if (Raised r = CheckDate(year, month, day)) return FromRaised(r);
        v.kind = IsoValue::kDate;
        return FromIsoValue(v, now);
    }
    v.hour = GroupInt(s, m.hour, 9, 0);
    if (!m.minute.present) return FromRaised(OtherErr());  // int(None): TypeError
    v.minute = GroupInt(s, m.minute, 9, 0);
    v.second = m.second.present ? GroupInt(s, m.second, 9, 0) : 0;
    v.microsecond = m.subsecond.present ? GroupInt(s, m.subsecond, 6, 6) : 0;
    if (m.date) {
        if (Raised r = CheckDate(year, month, day)) return FromRaised(r);
        if (Raised r = CheckTime(v.hour, v.minute, v.second, v.microsecond)) return FromRaised(r);
        v.kind = IsoValue::kDatetime;
    } else {
        if (Raised r = CheckTime(v.hour, v.minute, v.second, v.microsecond)) return FromRaised(r);
        v.kind = IsoValue::kTime;
    }
    return FromIsoValue(v, now);
}

Result Evaluate(std::string_view text, int64_t now) {
    if (text == "now") {  // pendulum.now(): the local zone, the same instant
        Result res;
        res.kind = PendulumOutcome::kDatetime;
        res.usec = now;
        return res;
    }
    const IsoValue iso = ParseIso8601(text);
    if (iso.kind != IsoValue::kNone) return FromIsoValue(iso, now);
    Result res;
    if (ParseInterval(text, &res)) return res;
    CommonMatch m;
    if (MatchCommon(text, &m)) return ParseCommon(text, m, now);
    res = Result();
    res.kind = PendulumOutcome::kValueError;
    res.unable = true;  // strict=True: no dateutil fallback
    return res;
}

}  // namespace

PendulumOutcome PendulumParse(std::string_view text, int64_t now_usec_since_2000) noexcept {
    const Result res = Evaluate(text, now_usec_since_2000);
    PendulumOutcome out;
    try {
        if (res.kind == PendulumOutcome::kCustomError) {
            out.message = kNotValidDatetime;
        } else if (res.unable) {
            out.message.reserve(text.size() + 25);
            out.message.append("Unable to parse string [").append(text.data(), text.size()).append("]");
        } else if (res.error.year_out_of_range) {
            char buf[48];
            std::snprintf(buf, sizeof buf, "year %lld is out of range", static_cast<long long>(res.error.year));
            out.message = buf;
        } else if (res.error.text != nullptr) {
            out.message = res.error.text;
        }
    } catch (...) {
        out.message.clear();
        out.kind = PendulumOutcome::kOutOfMemory;
        return out;
    }
    out.kind = res.kind;
    out.utc_usec_since_2000 = res.usec;
    return out;
}

}  // namespace prefect_filter
