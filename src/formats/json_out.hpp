// Byte-exact JSON output primitives: the way Prefect's server (pydantic-core's dump_json, as
// pinned by Prefect's uv.lock: pydantic 2.13.4 / pydantic-core 2.46.4 / serde_json 1.0.149 /
// zmij 1.0.6) prints strings, UUIDs and floats, and the way a number stored in a JSONB column
// comes out after Prefect's round trip (Python json.loads, then dump_json).
//
// Assumptions: pure C++ (never sees postgres.h); no function here allocates or throws, so they
// may be called from PostgreSQL code while an ERROR is possible. The rules and their sources
// are listed in doc/serialisation.md.
#pragma once

#include <cstddef>

namespace prefect_filter {

// Where output bytes go. The PostgreSQL side implements it over a StringInfo; tests use a
// std::string. Sinks are never owned polymorphically, hence the protected non-virtual dtor.
class Sink {
public:
    virtual void Append(const char *data, size_t len) = 0;
    void Append(char c) { Append(&c, 1); }

protected:
    ~Sink() = default;
};

// Appends `s` as a JSON string, quotes included, exactly as pydantic-core's serializer writes it:
// raw UTF-8; `"` and `\` escaped; \b \t \n \f \r short escapes; every other byte below 0x20 as
// \u00xx with lower-case hex; '/', DEL, U+2028 and U+2029 raw. Runs of bytes that need no
// escaping are appended with one Append call.
// Invalid UTF-8 (which a Python str cannot hold, so Prefect has no answer for it) is replaced by
// U+FFFD per maximal invalid subpart, as Python's bytes.decode("utf-8", "replace") does: the
// output is always valid UTF-8 and valid JSON.
void AppendJsonString(Sink &out, const char *s, size_t len) noexcept;

// Writes the lower-case hyphenated form of a UUID (8-4-4-4-12), NUL-terminated. Returns 36.
size_t FormatUuid(const unsigned char bytes[16], char *buf /* >= 37 */) noexcept;

// AppendJsonString into raw memory the caller has sized: at most JsonStringMaxBytes(len) bytes
// are written. Returns the number written. For hot paths that reserve once per string.
constexpr size_t JsonStringMaxBytes(size_t len) {
    return 6 * len + 2;
}
size_t WriteJsonString(char *dst, const char *s, size_t len) noexcept;

// Parses a UUID the way pydantic's UUID type accepts a string (hyphenated, 32 hex digits,
// {braced} or urn:uuid:, any case) into its 16 bytes. False if it is not one.
bool ParseUuidText(const char *s, size_t len, unsigned char bytes[16]) noexcept;

// Enough room for any FormatFloat output plus its NUL ("-2.2250738585072014e-308" is 24).
constexpr size_t kFloatBufSize = 32;

// Writes a Python float the way pydantic-core's JSON serializer does (serde_json 1.0.149 ->
// zmij 1.0.6): shortest round-trip digits; plain notation, with at least one fractional digit,
// when the decimal exponent of the first digit is in [-5, 15] (1.0, 0.00001,
// 1000000000000000.0); otherwise d[.ddd]e+X / d[.ddd]e-X with no exponent padding (1e+16, 1e-7,
// 5e-324). -0.0 is "-0.0". NaN and +-inf are "null" (pydantic's default ser_json_inf_nan).
// NUL-terminated; returns the length.
size_t FormatFloat(double v, char *buf /* >= kFloatBufSize */) noexcept;

// FormatFloat straight into a sink.
void AppendFloat(Sink &out, double v) noexcept;

// Parses a decimal number (strtod syntax without leading '+', whitespace, hex, inf or nan:
// -?digits[.digits][e[+-]digits], digits may be empty on one side of the point) to the nearest
// double, ties to even, at any length, independent of the locale. Overflow gives +-inf and
// underflow +-0.0, as Python's float() does. Returns false if the text is not such a number.
bool ParseDecimalDouble(const char *s, size_t len, double *out) noexcept;

// Appends a number as PostgreSQL's numeric_out prints it inside jsonb, re-printed the way
// Prefect's round trip prints it. Python's json.loads makes a number without '.', 'e' or 'E' an
// int, printed verbatim at any size ("-0" becomes "0"); any other number becomes a float
// (correctly rounded), printed by FormatFloat (so a value beyond the double range is "null").
// Text that is not a JSON number (numeric_out's "NaN"/"Infinity" cannot occur in jsonb) is
// written as "null" so that the output stays valid JSON.
void AppendJsonNumberLikePython(Sink &out, const char *numeric_text, size_t len) noexcept;

}  // namespace prefect_filter
