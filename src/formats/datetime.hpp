// Datetime parsing and formatting as Prefect's server does it: strings are validated by
// pydantic-core's datetime validator (speedate 0.17.0's parser, in lax mode, with pydantic's
// default microseconds_precision="truncate" and val_temporal_unit="infer"), a value without an
// offset is taken as UTC (Prefect's DateTime type), and datetimes are printed by speedate's
// Display ("Z" for a zero offset, a 6-digit fraction only when non-zero).
//
// Assumptions: pure C++ (never sees postgres.h); nothing here allocates or throws. Times are
// counted in microseconds since PostgreSQL's epoch, 2000-01-01T00:00:00Z, proleptic Gregorian
// calendar, no leap seconds. The rules and their sources are listed in doc/serialisation.md.
#pragma once

#include <cstddef>
#include <cstdint>

namespace prefect_filter {

// An instant, plus the UTC offset the text carried.
struct ParsedDatetime {
    int64_t utc_usec_since_2000;  // naive input is read as UTC
    int offset_seconds;           // 0 when !has_offset
    bool has_offset;              // false: the text had no offset (a naive datetime)
};

// The calendar fields of a parsed value as Python would hold them (local wall time + offset).
struct DatetimeFields {
    int year, month, day, hour, minute, second, microsecond;
    int offset_seconds;  // meaningful only when has_offset
    bool has_offset;
};

// Parses a JSON string value for a pydantic v2 `datetime` field the way Prefect's server does.
// Accepted: YYYY-MM-DD{T,t,' ',_}HH:MM[:SS[{.,}fraction]][offset], fraction of any length
// (digits after the 6th are dropped), offset Z/z or {+,-,U+2212}HH[:]MM below 24h; a bare date
// YYYY-MM-DD (midnight); a unix timestamp "[+-]digits[.digits[e..]]" in seconds, or in
// milliseconds when its magnitude exceeds 2e10 (timestamps are UTC). Rejected: anything else,
// hour 24, second 60 (no leap seconds), invalid calendar dates, year 0, "+HH" offsets.
// On failure *reason is pydantic's error message (a string literal), e.g. "Input should be a
// valid datetime or date, input is too short"; on success it is set to nullptr.
bool ParseIsoDatetime(const char *s, size_t len, ParsedDatetime *out, const char **reason) noexcept;

// The same parse, keeping the calendar fields instead of the instant.
bool ParseDatetimeFields(const char *s, size_t len, DatetimeFields *out, const char **reason) noexcept;

// Microseconds since 2000-01-01T00:00:00Z of fields at their offset (naive = UTC).
int64_t DatetimeFieldsToUsec(const DatetimeFields &f) noexcept;

// Formats a timestamptz value (microseconds since 2000-01-01 UTC) as pydantic serialises the
// UTC datetime Prefect reads from it: "YYYY-MM-DDTHH:MM:SS[.ffffff]Z", the 6-digit fraction only
// when non-zero. PostgreSQL's 'infinity' / '-infinity' (INT64_MAX / INT64_MIN) come out as
// asyncpg decodes them: 9999-12-31T23:59:59.999999Z and 0001-01-01T00:00:00Z. Years outside
// 1..9999 (where Prefect itself fails) are printed with as many digits as needed and a '-' for
// years <= 0 (astronomical numbering). NUL-terminated; returns the length.
size_t FormatTimestampUtc(int64_t usec_since_2000, char *buf /* >= 40 */) noexcept;

// Formats fields as speedate's DateTime Display: "YYYY-MM-DDTHH:MM:SS[.ffffff]" then "Z" for a
// zero offset, "+HH:MM"/"-HH:MM" otherwise, and also "Z" when there is no offset (Prefect's
// DateTime makes naive values UTC). NUL-terminated; returns the length.
size_t FormatDatetimeFields(const DatetimeFields &f, char *buf /* >= 48 */) noexcept;

// Re-formats a datetime string stored inside JSON (a schedule's anchor_date) the way Prefect
// re-emits it after validation: parsed by ParseDatetimeFields, printed by FormatDatetimeFields
// (offset kept, "Z" for zero, fraction only when non-zero). Returns 0 if pydantic would reject
// the string (the caller then emits the stored string verbatim).
size_t ReformatStoredDatetime(const char *s, size_t len, char *buf /* >= 48 */) noexcept;

}  // namespace prefect_filter
