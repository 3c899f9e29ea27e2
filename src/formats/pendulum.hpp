// The fallback of Prefect's request datetime type for a string pydantic itself rejected.
//
// On Python <= 3.12 Prefect types request datetimes as prefect.types._datetime.DateTime, which is
// pydantic_extra_types.pendulum_dt.DateTime (pydantic-extra-types 2.11.1). Its validator
// (DateTime._validate) first runs pydantic's own datetime validation (ParseIsoDatetime in
// output/datetime.hpp); when that raises, it calls pendulum.parse(value, strict=True) (pendulum
// 3.1.0 with its Rust extension, on CPython 3.10 as in Prefect's image) and:
//   - a pendulum DateTime comes back                -> accepted;
//   - anything else comes back (Duration, Interval) -> ValueError("value is not a valid datetime
//                                                      it is a <class '...'>");
//   - a ValueError escapes                          -> re-raised: pydantic says "Value error, <str>";
//   - any other Exception escapes                   -> PydanticCustomError('value_error',
//                                                      'value is not a valid datetime').
// PendulumParse computes that outcome for a str. The rules, their sources and what could not be
// decided from them are in the header comment of pendulum.cpp.
//
// Assumptions: pure C++ (never sees postgres.h); no exception escapes. `text` is the str as UTF-8
// (a lone surrogate may come as its 3-byte WTF-8 form; invalid bytes count as non-digits). The
// process's local time zone is UTC (Prefect's image sets no TZ): pendulum combines a bare time
// with *local* today, which is then read as UTC. Instants are microseconds since
// 2000-01-01T00:00:00Z, proleptic Gregorian calendar.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace prefect_filter {

struct PendulumOutcome {
    enum Kind {
        // pendulum returned a DateTime: accepted; utc_usec_since_2000 holds the instant
        // (a value without offset is UTC). message is empty.
        kDatetime,
        // A ValueError escaped pendulum.parse or the validator: pydantic's error is type
        // "value_error" with msg "Value error, " + message, e.g. message "Unable to parse string
        // [garbage]", "month must be in 1..12", "value is not a valid datetime it is a <class
        // 'pendulum.duration.Duration'>".
        kValueError,
        // Another exception (TypeError, AttributeError, OverflowError) escaped: pydantic's error
        // is type "value_error" with msg exactly `message` ("value is not a valid datetime"), no
        // "Value error, " prefix.
        kCustomError,
        // Accepted like kDatetime, but pendulum kept a fixed offset of 24 hours or more (its
        // ISO parser lets "+24:00" and any negative "-HH:MM" through). The DateTime validates;
        // the first later utcoffset() call on it (anything that converts or compares it) raises
        // ValueError(message). utc_usec_since_2000 is wall time minus the offset.
        kDatetimeOffsetOutOfRange,
        // Allocating `message` failed; nothing else is meaningful.
        kOutOfMemory,
    };
    Kind kind = kOutOfMemory;
    int64_t utc_usec_since_2000 = 0;
    std::string message;
};

// The outcome of pendulum.parse(text, strict=True) and DateTime._validate's handling of it.
// `now_usec_since_2000` is the current instant (UTC), used for "now" and for a bare time
// (today's UTC date, see the assumption above).
PendulumOutcome PendulumParse(std::string_view text, int64_t now_usec_since_2000) noexcept;

}  // namespace prefect_filter
