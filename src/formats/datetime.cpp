// Datetime parsing and formatting as Prefect's server does it (see datetime.hpp).
//
// The parser is a port of the code paths pydantic-core 2.46.4 takes for a str given to a
// `datetime` field in lax mode, with the config Prefect uses (pydantic defaults):
//   validators/datetime.rs DateTimeValidator::validate
//     -> input_python.rs validate_datetime -> input/datetime.rs bytes_as_datetime
//        -> speedate 0.17.0 DateTime::parse_bytes_with_config (datetime.rs):
//           parse_bytes_rfc3339_with_config (date.rs parse_bytes_partial, time.rs
//           parse_bytes_offset / PureTime::parse), else numbers.rs float_parse_bytes as a unix
//           timestamp (from_timestamp_with_config, util.rs timestamp_watershed)
//     -> on a parse error: datetime_from_date -> bytes_as_date -> speedate
//        Date::parse_bytes_with_config (a bare date, or an integer timestamp at exact midnight)
//     -> EitherDateTime::try_into_py (year 0 is rejected)
// Error order and messages follow that code so that *reason matches pydantic's message.
// Nothing here allocates or throws.
#include "formats/datetime.hpp"

#include "formats/json_out.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include "formats/cpp_only.hpp"  // last: proves no PostgreSQL header came in

namespace prefect_filter {

namespace {

// speedate::ParseError variants we can produce, with their documentation strings (lib.rs),
// which pydantic puts into its messages.
#define PF_SPEEDATE_ERRORS(X)                                                                 \
    X(kTooShort, "input is too short")                                                        \
    X(kExtraCharacters, "unexpected extra characters at the end of the input")                \
    X(kInvalidCharDateTimeSep, "invalid datetime separator, expected `T`, `t`, `_` or space") \
    X(kInvalidCharDateSep, "invalid date separator, expected `-`")                            \
    X(kDateNotExact, "Timestamp is not an exact date")                                        \
    X(kInvalidCharYear, "invalid character in year")                                          \
    X(kInvalidCharMonth, "invalid character in month")                                        \
    X(kInvalidCharDay, "invalid character in day")                                            \
    X(kInvalidCharTimeSep, "invalid time separator, expected `:`")                            \
    X(kInvalidCharHour, "invalid character in hour")                                          \
    X(kInvalidCharMinute, "invalid character in minute")                                      \
    X(kInvalidCharSecond, "invalid character in second")                                      \
    X(kInvalidCharTzSign, "invalid timezone sign")                                            \
    X(kInvalidCharTzHour, "invalid timezone hour")                                            \
    X(kInvalidCharTzMinute, "invalid timezone minute")                                        \
    X(kOutOfRangeTzMinute, "timezone minute value is outside expected range of 0-59")         \
    X(kOutOfRangeTz, "timezone offset must be less than 24 hours")                            \
    X(kOutOfRangeMonth, "month value is outside expected range of 1-12")                      \
    X(kOutOfRangeDay, "day value is outside expected range")                                  \
    X(kOutOfRangeHour, "hour value is outside expected range of 0-23")                        \
    X(kOutOfRangeMinute, "minute value is outside expected range of 0-59")                    \
    X(kOutOfRangeSecond, "second value is outside expected range of 0-59")                    \
    X(kSecondFractionMissing, "second fraction digits missing after `.`")                     \
    X(kDateTooSmall, "dates before 0000 are not supported as unix timestamps")                \
    X(kDateTooLarge, "dates after 9999 are not supported as unix timestamps")                 \
    X(kTimeTooLarge, "numeric times may not exceed 86,399 seconds")

enum class Err : unsigned char {
    kOk,
#define PF_ENUM(name, text) name,
    PF_SPEEDATE_ERRORS(PF_ENUM)
#undef PF_ENUM
};

// pydantic's message for a str that is neither a datetime nor a date (ErrorType
// DatetimeFromDateParsing, errors/types.rs), indexed by the *date* parse error.
const char *const kDatetimeOrDateMessages[] = {"",
#define PF_MSG(name, text) "Input should be a valid datetime or date, " text,
                                               PF_SPEEDATE_ERRORS(PF_MSG)
#undef PF_MSG
};
#undef PF_SPEEDATE_ERRORS

// EitherDateTime::try_into_py (input/datetime.rs).
constexpr const char *kYearZeroMessage = "Input should be a valid datetime, year 0 is out of range";

constexpr int64_t kMsWatershed = 20000000000LL;  // date.rs MS_WATERSHED
constexpr int64_t kUnix9999 = 253402300799LL;    // 9999-12-31T23:59:59Z
constexpr int64_t kUnix0000 = -62167219200LL;    // 0000-01-01T00:00:00Z
constexpr int64_t kUsecPerDay = 86400LL * 1000000LL;
constexpr int64_t kDays1970To2000 = 10957;

bool IsDigit(unsigned char c) {
    return c >= '0' && c <= '9';
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

// The inverse (H. Hinnant's civil_from_days).
void CivilFromDays(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int64_t FloorDiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Rust's saturating `f64 as i64` / `f64 as u32` casts (NaN gives 0).
int64_t SaturatingI64(double v) {
    if (std::isnan(v)) return 0;
    if (v >= 9223372036854775808.0) return std::numeric_limits<int64_t>::max();
    if (v < -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(v);
}
uint32_t SaturatingU32(double v) {
    if (std::isnan(v) || v <= 0) return 0;
    if (v >= 4294967295.0) return 4294967295u;
    return static_cast<uint32_t>(v);
}

// speedate Date::parse_bytes_partial: YYYY-MM-DD at the start of the input.
Err ParseDatePartial(const unsigned char *b, size_t n, DatetimeFields *f) {
    if (n < 10) return Err::kTooShort;
    for (int i = 0; i < 4; i++)
        if (!IsDigit(b[i])) return Err::kInvalidCharYear;
    if (b[4] != '-') return Err::kInvalidCharDateSep;
    if (!IsDigit(b[5]) || !IsDigit(b[6])) return Err::kInvalidCharMonth;
    if (b[7] != '-') return Err::kInvalidCharDateSep;
    if (!IsDigit(b[8]) || !IsDigit(b[9])) return Err::kInvalidCharDay;
    int year = (b[0] - '0') * 1000 + (b[1] - '0') * 100 + (b[2] - '0') * 10 + (b[3] - '0');
    int month = (b[5] - '0') * 10 + (b[6] - '0');
    int day = (b[8] - '0') * 10 + (b[9] - '0');
    int max_days;
    switch (month) {
        case 1:
        case 3:
        case 5:
        case 7:
        case 8:
        case 10:
        case 12: max_days = 31; break;
        case 4:
        case 6:
        case 9:
        case 11: max_days = 30; break;
        case 2: max_days = (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28; break;
        default: return Err::kOutOfRangeMonth;
    }
    if (day < 1 || day > max_days) return Err::kOutOfRangeDay;
    f->year = year;
    f->month = month;
    f->day = day;
    return Err::kOk;
}

// speedate PureTime::parse + Time::parse_bytes_offset, from byte `off` to the end: HH:MM, then
// optionally :SS and a fraction, then optionally an offset; nothing may follow.
Err ParseTimeWithOffset(const unsigned char *b, size_t n, size_t off, DatetimeFields *f) {
    if (n - off < 5) return Err::kTooShort;
    if (!IsDigit(b[off]) || !IsDigit(b[off + 1])) return Err::kInvalidCharHour;
    if (b[off + 2] != ':') return Err::kInvalidCharTimeSep;
    if (!IsDigit(b[off + 3]) || !IsDigit(b[off + 4])) return Err::kInvalidCharMinute;
    int hour = (b[off] - '0') * 10 + (b[off + 1] - '0');
    int minute = (b[off + 3] - '0') * 10 + (b[off + 4] - '0');
    if (hour > 23) return Err::kOutOfRangeHour;
    if (minute > 59) return Err::kOutOfRangeMinute;

    size_t pos = off + 5;
    int second = 0, microsecond = 0;
    if (pos < n && b[pos] == ':') {
        if (pos + 1 >= n || !IsDigit(b[pos + 1])) return Err::kInvalidCharSecond;
        if (pos + 2 >= n || !IsDigit(b[pos + 2])) return Err::kInvalidCharSecond;
        second = (b[pos + 1] - '0') * 10 + (b[pos + 2] - '0');
        if (second > 59) return Err::kOutOfRangeSecond;  // no leap seconds
        pos += 3;
        if (pos < n && (b[pos] == '.' || b[pos] == ',')) {
            pos++;
            size_t digits = 0;
            // microseconds_precision="truncate": digits after the 6th are read and dropped.
            while (pos < n && IsDigit(b[pos])) {
                if (digits < 6) microsecond = microsecond * 10 + (b[pos] - '0');
                digits++;
                pos++;
            }
            if (digits == 0) return Err::kSecondFractionMissing;
            for (size_t k = digits; k < 6; k++) microsecond *= 10;
        }
    }

    bool has_offset = false;
    int offset = 0;
    if (pos < n) {
        unsigned char c = b[pos++];
        if (c == 'Z' || c == 'z') {
            has_offset = true;
        } else {
            int sign;
            if (c == '+') {
                sign = 1;
            } else if (c == '-') {
                sign = -1;
            } else if (c == 0xE2) {  // U+2212 MINUS SIGN, UTF-8 E2 88 92
                if (pos >= n || b[pos] != 0x88) return Err::kInvalidCharTzSign;
                if (pos + 1 >= n || b[pos + 1] != 0x92) return Err::kInvalidCharTzSign;
                pos += 2;
                sign = -1;
            } else {
                return Err::kInvalidCharTzSign;
            }
            if (pos >= n || !IsDigit(b[pos])) return Err::kInvalidCharTzHour;
            if (pos + 1 >= n || !IsDigit(b[pos + 1])) return Err::kInvalidCharTzHour;
            int h = (b[pos] - '0') * 10 + (b[pos + 1] - '0');
            int m1;
            if (pos + 2 < n && b[pos + 2] == ':') {
                pos += 3;
                if (pos >= n || !IsDigit(b[pos])) return Err::kInvalidCharTzMinute;
                m1 = b[pos] - '0';
            } else if (pos + 2 < n && IsDigit(b[pos + 2])) {
                pos += 2;
                m1 = b[pos] - '0';
            } else {
                return Err::kInvalidCharTzMinute;  // "+05" alone is not accepted
            }
            if (pos + 1 >= n || !IsDigit(b[pos + 1])) return Err::kInvalidCharTzMinute;
            int minute_seconds = m1 * 600 + (b[pos + 1] - '0') * 60;
            if (minute_seconds >= 3600) return Err::kOutOfRangeTzMinute;
            offset = sign * (h * 3600 + minute_seconds);
            if (offset >= 86400 || offset <= -86400) return Err::kOutOfRangeTz;
            has_offset = true;
            pos += 2;
        }
    }
    if (n > pos) return Err::kExtraCharacters;

    f->hour = hour;
    f->minute = minute;
    f->second = second;
    f->microsecond = microsecond;
    f->has_offset = has_offset;
    f->offset_seconds = offset;
    return Err::kOk;
}

// speedate DateTime::parse_bytes_rfc3339_with_config.
Err ParseRfc3339(const unsigned char *b, size_t n, DatetimeFields *f) {
    Err e = ParseDatePartial(b, n, f);
    if (e != Err::kOk) return e;
    if (n <= 10 || (b[10] != 'T' && b[10] != 't' && b[10] != ' ' && b[10] != '_')) return Err::kInvalidCharDateTimeSep;
    return ParseTimeWithOffset(b, n, 11, f);
}

// speedate util.rs timestamp_watershed (TimestampUnit::Infer): seconds, or milliseconds when the
// magnitude exceeds 2e10.
Err TimestampWatershed(int64_t ts, int64_t *seconds, uint32_t *micro) {
    if (ts == std::numeric_limits<int64_t>::min()) return Err::kDateTooSmall;  // checked_abs
    int64_t abs_ts = ts < 0 ? -ts : ts;
    if (abs_ts <= kMsWatershed) {
        *seconds = ts;
        *micro = 0;
        return Err::kOk;
    }
    int64_t s = ts / 1000;
    int64_t us = (ts % 1000) * 1000;
    if (us < 0) {
        s -= 1;
        us += 1000000;
    }
    *seconds = s;
    *micro = static_cast<uint32_t>(us);
    return Err::kOk;
}

// speedate Date::from_timestamp_calc: unix seconds to a date (years 0..9999) and the second of
// the day.
Err DateFromUnixSeconds(int64_t secs, DatetimeFields *f, int *second_of_day) {
    if (secs < kUnix0000) return Err::kDateTooSmall;
    if (secs > kUnix9999) return Err::kDateTooLarge;
    int64_t days = FloorDiv(secs, 86400);
    int64_t y;
    CivilFromDays(days, &y, &f->month, &f->day);
    f->year = static_cast<int>(y);
    *second_of_day = static_cast<int>(secs - days * 86400);
    return Err::kOk;
}

// speedate DateTime::from_timestamp_with_config with unix_timestamp_offset = Some(0): the
// result is an aware UTC datetime.
Err DatetimeFromTimestamp(int64_t ts, uint32_t ts_micro, DatetimeFields *f) {
    int64_t second;
    uint32_t extra;
    Err e = TimestampWatershed(ts, &second, &extra);
    if (e != Err::kOk) return e;
    uint64_t total = static_cast<uint64_t>(ts_micro) + extra;
    if (total > 0xFFFFFFFFu) return Err::kTimeTooLarge;  // u32 checked_add
    if (total >= 1000000) {
        int64_t carry = static_cast<int64_t>(total / 1000000);
        if (second > std::numeric_limits<int64_t>::max() - carry) return Err::kTimeTooLarge;
        second += carry;
        total %= 1000000;
    }
    int sod;
    e = DateFromUnixSeconds(second, f, &sod);
    if (e != Err::kOk) return e;
    f->hour = sod / 3600;
    f->minute = sod % 3600 / 60;
    f->second = sod % 60;
    f->microsecond = static_cast<int>(total);
    f->has_offset = true;
    f->offset_seconds = 0;
    return Err::kOk;
}

// speedate numbers.rs int_parse_bytes_internal: [+-]digits into an i64, with its overflow check
// (wrapping arithmetic, error when the running value turns negative). Returns true on success;
// otherwise *bad is the byte that stopped it (-1 for empty input).
bool IntParse(const unsigned char *s, size_t n, int64_t *out, int *bad) {
    if (n == 0) {
        *bad = -1;
        return false;
    }
    size_t pos = 0;
    bool neg = false;
    if (n >= 2 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        pos = 1;
    }
    if (!IsDigit(s[pos])) {
        *bad = s[pos];
        return false;
    }
    uint64_t v = static_cast<uint64_t>(s[pos] - '0');
    for (pos++; pos < n; pos++) {
        if (!IsDigit(s[pos])) {
            *bad = s[pos];
            return false;
        }
        v = v * 10 + static_cast<uint64_t>(s[pos] - '0');
        if (static_cast<int64_t>(v) < 0) {
            *bad = s[pos];
            return false;
        }
    }
    *out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    return true;
}

// lexical-parse-float's STANDARD format (Rust's float syntax): [+-]?digits?[.digits?][e[+-]?digits]
// with at least one mantissa digit. Only reached for input holding a '.', so "inf"/"nan" never
// matter. Overflow gives +-inf.
bool ParseLexicalFloat(const unsigned char *s, size_t n, double *out) {
    const char *p = reinterpret_cast<const char *>(s);
    if (n > 0 && p[0] == '+') {
        p++;
        n--;
        if (n > 0 && p[0] == '-') return false;
    }
    return ParseDecimalDouble(p, n, out);
}

// speedate DateTime::parse_bytes_with_config (datetime.rs).
Err ParseSpeedateDatetime(const unsigned char *b, size_t n, DatetimeFields *f) {
    Err e = ParseRfc3339(b, n, f);
    if (e == Err::kOk) return e;
    int64_t i;
    int bad;
    if (IntParse(b, n, &i, &bad)) return DatetimeFromTimestamp(i, 0, f);
    double v;
    if (bad != '.' || !ParseLexicalFloat(b, n, &v)) return e;
    // microseconds_precision="truncate": no check of the number of fraction digits.
    double normalized = std::fabs(v) > static_cast<double>(kMsWatershed) ? v / 1000.0 : v;
    int64_t seconds = SaturatingI64(std::floor(normalized));
    uint32_t micro = SaturatingU32(std::round((normalized - static_cast<double>(seconds)) * 1e6));
    return DatetimeFromTimestamp(seconds, micro, f);
}

// speedate Date::parse_bytes_with_config (date.rs): exactly YYYY-MM-DD, or an integer timestamp
// that falls on a midnight. The result is a naive midnight.
Err ParseSpeedateDate(const unsigned char *b, size_t n, DatetimeFields *f) {
    Err e = ParseDatePartial(b, n, f);
    if (e == Err::kOk && n > 10) e = Err::kExtraCharacters;
    if (e == Err::kOk) {
        f->hour = f->minute = f->second = f->microsecond = 0;
        f->has_offset = false;
        f->offset_seconds = 0;
        return e;
    }
    int64_t i;
    int bad;
    if (!IntParse(b, n, &i, &bad)) return e;
    int64_t seconds;
    uint32_t micro;
    Err te = TimestampWatershed(i, &seconds, &micro);
    if (te != Err::kOk) return te;
    int sod;
    te = DateFromUnixSeconds(seconds, f, &sod);
    if (te != Err::kOk) return te;
    if (sod != 0 || micro != 0) return Err::kDateNotExact;
    f->hour = f->minute = f->second = f->microsecond = 0;
    f->has_offset = false;
    f->offset_seconds = 0;
    return Err::kOk;
}

char *Write2(char *p, int v) {
    *p++ = static_cast<char>('0' + v / 10);
    *p++ = static_cast<char>('0' + v % 10);
    return p;
}

// Year with at least 4 digits; '-' before years <= -1 (outside Python's range anyway).
char *WriteYear(char *p, int64_t year) {
    uint64_t u = year < 0 ? 0 - static_cast<uint64_t>(year) : static_cast<uint64_t>(year);
    if (year < 0) *p++ = '-';
    char tmp[24];
    int k = 0;
    do {
        tmp[k++] = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u != 0);
    while (k < 4) tmp[k++] = '0';
    while (k > 0) *p++ = tmp[--k];
    return p;
}

// "YYYY-MM-DDTHH:MM:SS[.ffffff]" as speedate's Date and Time Display write it.
char *WriteWallTime(char *p, int64_t year, int month, int day, int hour, int minute, int second, int microsecond) {
    p = WriteYear(p, year);
    *p++ = '-';
    p = Write2(p, month);
    *p++ = '-';
    p = Write2(p, day);
    *p++ = 'T';
    p = Write2(p, hour);
    *p++ = ':';
    p = Write2(p, minute);
    *p++ = ':';
    p = Write2(p, second);
    if (microsecond != 0) {
        *p++ = '.';
        for (int div = 100000; div > 0; div /= 10) *p++ = static_cast<char>('0' + microsecond / div % 10);
    }
    return p;
}

}  // namespace

bool ParseDatetimeFields(const char *s, size_t len, DatetimeFields *out, const char **reason) noexcept {
    const unsigned char *b = reinterpret_cast<const unsigned char *>(s);
    DatetimeFields f{};
    const char *why = nullptr;
    if (ParseSpeedateDatetime(b, len, &f) != Err::kOk) {
        // Lax mode: a str that is not a datetime may still be a date (datetime_from_date).
        f = DatetimeFields{};
        Err de = ParseSpeedateDate(b, len, &f);
        if (de != Err::kOk) why = kDatetimeOrDateMessages[static_cast<int>(de)];
    }
    if (why == nullptr && f.year == 0) why = kYearZeroMessage;
    if (reason != nullptr) *reason = why;
    if (why != nullptr) return false;
    *out = f;
    return true;
}

int64_t DatetimeFieldsToUsec(const DatetimeFields &f) noexcept {
    int64_t days = DaysFromCivil(f.year, f.month, f.day) - kDays1970To2000;
    int64_t secs = days * 86400 + f.hour * 3600 + f.minute * 60 + f.second;
    if (f.has_offset) secs -= f.offset_seconds;
    return secs * 1000000 + f.microsecond;
}

bool ParseIsoDatetime(const char *s, size_t len, ParsedDatetime *out, const char **reason) noexcept {
    DatetimeFields f;
    if (!ParseDatetimeFields(s, len, &f, reason)) return false;
    out->utc_usec_since_2000 = DatetimeFieldsToUsec(f);
    out->has_offset = f.has_offset;
    out->offset_seconds = f.has_offset ? f.offset_seconds : 0;
    return true;
}

size_t FormatTimestampUtc(int64_t usec_since_2000, char *buf) noexcept {
    char *p = buf;
    if (usec_since_2000 == std::numeric_limits<int64_t>::max()) {
        // 'infinity': asyncpg's infinity_datetime, made UTC by Prefect's Timestamp type.
        p = WriteWallTime(p, 9999, 12, 31, 23, 59, 59, 999999);
    } else if (usec_since_2000 == std::numeric_limits<int64_t>::min()) {
        p = WriteWallTime(p, 1, 1, 1, 0, 0, 0, 0);  // '-infinity'
    } else {
        int64_t days = usec_since_2000 / kUsecPerDay;  // floor division without overflow
        int64_t usec_of_day = usec_since_2000 % kUsecPerDay;
        if (usec_of_day < 0) {
            usec_of_day += kUsecPerDay;
            days -= 1;
        }
        int64_t year;
        int month, day;
        CivilFromDays(days + kDays1970To2000, &year, &month, &day);
        int sod = static_cast<int>(usec_of_day / 1000000);
        p = WriteWallTime(p, year, month, day, sod / 3600, sod % 3600 / 60, sod % 60,
                          static_cast<int>(usec_of_day % 1000000));
    }
    *p++ = 'Z';
    *p = '\0';
    return static_cast<size_t>(p - buf);
}

size_t FormatDatetimeFields(const DatetimeFields &f, char *buf) noexcept {
    char *p = WriteWallTime(buf, f.year, f.month, f.day, f.hour, f.minute, f.second, f.microsecond);
    int off = f.has_offset ? f.offset_seconds : 0;
    if (off == 0) {
        *p++ = 'Z';
    } else {
        // speedate Time Display: whole minutes of the offset, as +HH:MM / -HH:MM.
        int total_minutes = (off < 0 ? -off : off) / 60;
        *p++ = off < 0 ? '-' : '+';
        p = Write2(p, total_minutes / 60 % 100);
        *p++ = ':';
        p = Write2(p, total_minutes % 60);
    }
    *p = '\0';
    return static_cast<size_t>(p - buf);
}

size_t ReformatStoredDatetime(const char *s, size_t len, char *buf) noexcept {
    DatetimeFields f;
    if (!ParseDatetimeFields(s, len, &f, nullptr)) return 0;
    return FormatDatetimeFields(f, buf);
}

}  // namespace prefect_filter
