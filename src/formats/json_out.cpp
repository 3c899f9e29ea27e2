// Byte-exact JSON output primitives (see json_out.hpp and doc/serialisation.md for the rules and
// where each comes from). Nothing here allocates or throws: std::to_chars / std::from_chars do
// the digit work (both correctly rounded and locale-independent), everything else is byte
// shuffling in caller-provided buffers.
#include "formats/json_out.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <system_error>
#include "formats/cpp_only.hpp"  // last: proves no PostgreSQL header came in

namespace prefect_filter {

namespace {

constexpr char kHexLower[] = "0123456789abcdef";

// Escape class of each byte, as serde_json's ESCAPE table (copied by pydantic-core's
// src/serializers/ser.rs): 0 = copy as is, 'u' = \u00xx, any other letter = backslash + it.
// Bytes >= 0x80 are marked 'U' here: they start a UTF-8 sequence that we validate.
struct EscapeTable {
    char cls[256];
    constexpr EscapeTable() : cls() {
        for (int i = 0; i < 0x20; i++) cls[i] = 'u';
        cls[0x08] = 'b';
        cls[0x09] = 't';
        cls[0x0A] = 'n';
        cls[0x0C] = 'f';
        cls[0x0D] = 'r';
        cls[0x22] = '"';
        cls[0x5C] = '\\';
        for (int i = 0x80; i < 0x100; i++) cls[i] = 'U';
    }
};
constexpr EscapeTable kEscape;

// Length of the well-formed UTF-8 sequence starting at s[0] (a byte >= 0x80), or 0 if it is
// ill-formed; then *bad_len is the length of its maximal subpart (>= 1), the unit that Python
// (and the Unicode standard's "best practice") replaces with one U+FFFD.
// Ranges from the Unicode standard, table 3-7 "Well-Formed UTF-8 Byte Sequences".
size_t Utf8SequenceLength(const unsigned char *s, size_t avail, size_t *bad_len) {
    unsigned char b0 = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 3;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;  // no UTF-16 surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 4;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
        *bad_len = 1;  // continuation byte, C0, C1 or F5..FF
        return 0;
    }
    for (size_t k = 1; k < need; k++) {
        if (k >= avail) {
            *bad_len = k;
            return 0;
        }
        unsigned char c = s[k];
        unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (c < l || c > h) {
            *bad_len = k;
            return 0;
        }
    }
    return need;
}

bool IsDigit(char c) {
    return c >= '0' && c <= '9';
}

// Writes `n` (>= 0) in decimal at p; returns the end.
char *WriteUnsigned(char *p, unsigned n) {
    char tmp[12];
    int k = 0;
    do {
        tmp[k++] = static_cast<char>('0' + n % 10);
        n /= 10;
    } while (n != 0);
    while (k > 0) *p++ = tmp[--k];
    return p;
}

}  // namespace

void AppendJsonString(Sink &out, const char *s, size_t len) noexcept {
    const unsigned char *u = reinterpret_cast<const unsigned char *>(s);
    out.Append('"');
    size_t run = 0;  // start of the pending run of bytes that are copied as is
    size_t i = 0;
    while (i < len) {
        char cls = kEscape.cls[u[i]];
        if (cls == 0) {
            i++;
            continue;
        }
        if (cls == 'U') {
            size_t bad_len = 0;
            size_t n = Utf8SequenceLength(u + i, len - i, &bad_len);
            if (n != 0) {
                i += n;
                continue;
            }
            if (i > run) out.Append(s + run, i - run);
            out.Append("\xEF\xBF\xBD", 3);  // U+FFFD REPLACEMENT CHARACTER
            i += bad_len;
            run = i;
            continue;
        }
        if (i > run) out.Append(s + run, i - run);
        if (cls == 'u') {
            char esc[6] = {'\\', 'u', '0', '0', kHexLower[u[i] >> 4], kHexLower[u[i] & 0xF]};
            out.Append(esc, 6);
        } else {
            char esc[2] = {'\\', cls};
            out.Append(esc, 2);
        }
        i++;
        run = i;
    }
    if (len > run) out.Append(s + run, len - run);
    out.Append('"');
}

// The same bytes as AppendJsonString, written straight into memory: no sink, no calls per run,
// which matters for the many short strings (JSONB keys) of a page.
size_t WriteJsonString(char *dst, const char *s, size_t len) noexcept {
    const unsigned char *u = reinterpret_cast<const unsigned char *>(s);
    char *p = dst;
    *p++ = '"';
    size_t i = 0;
    while (i < len) {
        char cls = kEscape.cls[u[i]];
        if (cls == 0) {
            *p++ = static_cast<char>(u[i++]);
        } else if (cls == 'U') {
            size_t bad_len = 0;
            size_t n = Utf8SequenceLength(u + i, len - i, &bad_len);
            if (n != 0) {
                std::memcpy(p, s + i, n);
                p += n;
                i += n;
            } else {
                std::memcpy(p, "\xEF\xBF\xBD", 3);  // U+FFFD REPLACEMENT CHARACTER
                p += 3;
                i += bad_len;
            }
        } else if (cls == 'u') {
            const char esc[6] = {'\\', 'u', '0', '0', kHexLower[u[i] >> 4], kHexLower[u[i] & 0xF]};
            std::memcpy(p, esc, 6);
            p += 6;
            i++;
        } else {
            *p++ = '\\';
            *p++ = cls;
            i++;
        }
    }
    *p++ = '"';
    return static_cast<size_t>(p - dst);
}

bool ParseUuidText(const char *s, size_t len, unsigned char bytes[16]) noexcept {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    auto lower_eq = [](const char *a, const char *b, size_t n) {
        for (size_t i = 0; i < n; ++i)
            if ((a[i] | 0x20) != b[i] && a[i] != b[i]) return false;
        return true;
    };
    if (len == 45 && lower_eq(s, "urn:uuid:", 9)) {
        s += 9;
        len -= 9;
    }
    if (len == 38 && s[0] == '{' && s[37] == '}') {
        s += 1;
        len -= 2;
    }
    bool hyphenated = len == 36;
    if (!hyphenated && len != 32) return false;
    size_t n = 0;
    int high = -1;
    for (size_t i = 0; i < len; ++i) {
        if (hyphenated && (i == 8 || i == 13 || i == 18 || i == 23)) {
            if (s[i] != '-') return false;
            continue;
        }
        int v = hex(s[i]);
        if (v < 0) return false;
        if (high < 0) {
            high = v;
        } else {
            bytes[n++] = static_cast<unsigned char>(high << 4 | v);
            high = -1;
        }
    }
    return n == 16;
}

size_t FormatUuid(const unsigned char bytes[16], char *buf) noexcept {
    char *p = buf;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
        *p++ = kHexLower[bytes[i] >> 4];
        *p++ = kHexLower[bytes[i] & 0xF];
    }
    *p = '\0';
    return 36;
}

// zmij 1.0.6 `write` (src/lib.rs) on the shortest digits: plain notation for decimal exponents
// -5..15, otherwise scientific with an explicit exponent sign and no zero padding.
size_t FormatFloat(double v, char *buf) noexcept {
    if (!std::isfinite(v)) {
        std::memcpy(buf, "null", 5);
        return 4;
    }
    char *p = buf;
    if (std::signbit(v)) {
        *p++ = '-';
        v = -v;
    }
    if (v == 0) {
        std::memcpy(p, "0.0", 4);
        return static_cast<size_t>(p - buf) + 3;
    }

    // Shortest round-trip digits (Ryu inside libstdc++), as "d[.ddd]e[+-]XX".
    char sci[kFloatBufSize];
    std::to_chars_result r = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
    char digits[20];
    int ndigits = 0;
    const char *q = sci;
    for (; q < r.ptr && *q != 'e'; q++)
        if (*q != '.') digits[ndigits++] = *q;
    int exp10 = 0;
    bool exp_neg = false;
    if (q < r.ptr) q++;  // 'e'
    if (q < r.ptr && (*q == '+' || *q == '-')) exp_neg = *q++ == '-';
    for (; q < r.ptr; q++) exp10 = exp10 * 10 + (*q - '0');
    if (exp_neg) exp10 = -exp10;

    if (exp10 >= -5 && exp10 <= 15) {
        if (ndigits - 1 <= exp10) {
            // 1234e7 -> 12340000000.0
            std::memcpy(p, digits, ndigits);
            p += ndigits;
            for (int k = ndigits - 1; k < exp10; k++) *p++ = '0';
            *p++ = '.';
            *p++ = '0';
        } else if (exp10 >= 0) {
            // 1234e-2 -> 12.34
            std::memcpy(p, digits, exp10 + 1);
            p += exp10 + 1;
            *p++ = '.';
            std::memcpy(p, digits + exp10 + 1, ndigits - exp10 - 1);
            p += ndigits - exp10 - 1;
        } else {
            // 1234e-6 -> 0.001234
            *p++ = '0';
            *p++ = '.';
            for (int k = -1; k > exp10; k--) *p++ = '0';
            std::memcpy(p, digits, ndigits);
            p += ndigits;
        }
    } else {
        // 1234e30 -> 1.234e+33
        *p++ = digits[0];
        if (ndigits > 1) {
            *p++ = '.';
            std::memcpy(p, digits + 1, ndigits - 1);
            p += ndigits - 1;
        }
        *p++ = 'e';
        *p++ = exp10 < 0 ? '-' : '+';
        p = WriteUnsigned(p, static_cast<unsigned>(exp10 < 0 ? -exp10 : exp10));
    }
    *p = '\0';
    return static_cast<size_t>(p - buf);
}

void AppendFloat(Sink &out, double v) noexcept {
    char buf[kFloatBufSize];
    size_t n = FormatFloat(v, buf);
    out.Append(buf, n);
}

bool ParseDecimalDouble(const char *s, size_t len, double *out) noexcept {
    // Check the syntax ourselves (from_chars would also take "inf", "nan" and hex forms) and
    // find the decimal exponent of the first significant digit, which tells overflow from
    // underflow when from_chars reports result_out_of_range.
    size_t i = 0;
    bool neg = false;
    if (i < len && s[i] == '-') {
        neg = true;
        i++;
    }
    size_t int_start = i;
    while (i < len && IsDigit(s[i])) i++;
    size_t int_end = i;
    size_t frac_start = i, frac_end = i;
    if (i < len && s[i] == '.') {
        frac_start = ++i;
        while (i < len && IsDigit(s[i])) i++;
        frac_end = i;
    }
    if (int_end == int_start && frac_end == frac_start) return false;  // no mantissa digit
    int64_t exp_part = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool exp_neg = false;
        if (i < len && (s[i] == '+' || s[i] == '-')) exp_neg = s[i++] == '-';
        if (i >= len || !IsDigit(s[i])) return false;
        for (; i < len && IsDigit(s[i]); i++)
            if (exp_part < 100000) exp_part = exp_part * 10 + (s[i] - '0');  // saturate
        if (exp_neg) exp_part = -exp_part;
    }
    if (i != len) return false;

    double v = 0;
    std::from_chars_result r = std::from_chars(s, s + len, v, std::chars_format::general);
    if (r.ec == std::errc() && r.ptr == s + len) {
        *out = v;
        return true;
    }
    if (r.ec != std::errc::result_out_of_range) return false;  // cannot happen after the check

    // Out of range: find where the first non-zero digit sits.
    int64_t lead_exp10 = 0;  // decimal exponent of the first significant digit
    bool found = false;
    for (size_t k = int_start; k < int_end && !found; k++)
        if (s[k] != '0') {
            lead_exp10 = static_cast<int64_t>(int_end - k) - 1;
            found = true;
        }
    for (size_t k = frac_start; k < frac_end && !found; k++)
        if (s[k] != '0') {
            lead_exp10 = -static_cast<int64_t>(k - frac_start) - 1;
            found = true;
        }
    bool overflow = found && lead_exp10 + exp_part > 0;
    double mag = overflow ? HUGE_VAL : 0.0;
    *out = neg ? -mag : mag;
    return true;
}

void AppendJsonNumberLikePython(Sink &out, const char *numeric_text, size_t len) noexcept {
    // JSON number grammar (RFC 8259), which Python's json module implements:
    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    const char *s = numeric_text;
    size_t i = 0;
    bool is_float = false;
    if (i < len && s[i] == '-') i++;
    size_t int_start = i;
    if (i < len && s[i] == '0') {
        i++;
    } else if (i < len && s[i] >= '1' && s[i] <= '9') {
        while (i < len && IsDigit(s[i])) i++;
    } else {
        out.Append("null", 4);
        return;
    }
    bool int_is_zero = i - int_start == 1 && s[int_start] == '0';
    if (i < len && s[i] == '.') {
        is_float = true;
        size_t start = ++i;
        while (i < len && IsDigit(s[i])) i++;
        if (i == start) i = len + 1;  // no fraction digits: invalid
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        is_float = true;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        size_t start = i;
        while (i < len && IsDigit(s[i])) i++;
        if (i == start) i = len + 1;
    }
    if (i != len) {
        out.Append("null", 4);
        return;
    }

    if (!is_float) {
        // Python int: printed verbatim; "-0" is the int 0.
        if (int_is_zero)
            out.Append('0');
        else
            out.Append(s, len);
        return;
    }
    double v = 0;
    if (!ParseDecimalDouble(s, len, &v)) {
        out.Append("null", 4);
        return;
    }
    AppendFloat(out, v);
}

}  // namespace prefect_filter
