// Re-implementation of the error paths of CPython's JSON scanner (Modules/_json.c:
// scan_once_unicode, _parse_object_unicode, _parse_array_unicode, scanstring_unicode,
// _match_number_unicode) and of json.decoder.JSONDecoder.decode. Positions are code point
// indexes, exactly as in Python. The structure follows the C code closely so that each error
// message is raised at the same index; values are not built.
#include "http/py_json.hpp"

#include <vector>

namespace pf_http {

std::string_view StripUtf8Bom(std::string_view body) {
    if (body.size() >= 3 && static_cast<unsigned char>(body[0]) == 0xEF &&
        static_cast<unsigned char>(body[1]) == 0xBB && static_cast<unsigned char>(body[2]) == 0xBF)
        body.remove_prefix(3);
    return body;
}

namespace {

// Decodes one code point at s[i]; returns its length or 0 when ill-formed.
size_t Utf8Length(std::string_view s, size_t i, char32_t *cp) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    char32_t v;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, v = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, v = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, v = c & 0x07;
    else
        return 0;
    if (i + len > s.size()) return 0;
    for (size_t k = 1; k < len; ++k) {
        if ((b(i + k) & 0xC0) != 0x80) return 0;
        v = (v << 6) | (b(i + k) & 0x3F);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF))) return 0;
    if (v >= 0xD800 && v <= 0xDFFF) return 0;
    *cp = v;
    return len;
}

bool IsWhitespace(char32_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool IsDigit(char32_t c) {
    return c >= '0' && c <= '9';
}
bool IsHex(char32_t c) {
    return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int HexValue(char32_t c) {
    if (IsDigit(c)) return static_cast<int>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
    return static_cast<int>(c - 'A' + 10);
}

// Thrown inside the scanner; caught in PythonJsonVerdict.
struct DecodeError {
    const char *message;
    size_t position;
};
struct StopIteration {
    size_t position;  // where a value was expected
};
struct TooDeep {};

class Scanner {
public:
    explicit Scanner(const std::u32string &s) : s_(s), len_(s.size()) {}

    // scan_once_unicode: returns the index after the value.
    size_t ScanOnce(size_t idx, int depth) {
        if (idx >= len_) throw StopIteration{idx};
        const char32_t c = s_[idx];
        switch (c) {
            case '"': return ScanString(idx + 1);
            case '{':
                if (depth + 1 > kPythonMaxJsonDepth) throw TooDeep{};
                return ParseObject(idx + 1, depth + 1);
            case '[':
                if (depth + 1 > kPythonMaxJsonDepth) throw TooDeep{};
                return ParseArray(idx + 1, depth + 1);
            case 'n':
                if (Matches(idx, U"null")) return idx + 4;
                break;
            case 't':
                if (Matches(idx, U"true")) return idx + 4;
                break;
            case 'f':
                if (Matches(idx, U"false")) return idx + 5;
                break;
            case 'N':
                if (Matches(idx, U"NaN")) return idx + 3;
                break;
            case 'I':
                if (Matches(idx, U"Infinity")) return idx + 8;
                break;
            case '-':
                if (Matches(idx, U"-Infinity")) return idx + 9;
                break;
            default: break;
        }
        return MatchNumber(idx);
    }

    size_t SkipWhitespace(size_t idx) const {
        while (idx < len_ && IsWhitespace(s_[idx])) ++idx;
        return idx;
    }

private:
    bool Matches(size_t idx, std::u32string_view word) const {
        return idx + word.size() <= len_ && std::u32string_view(s_).substr(idx, word.size()) == word;
    }

    // _match_number_unicode (end_idx = len - 1 in the C code).
    size_t MatchNumber(size_t start) const {
        size_t idx = start;
        if (s_[idx] == '-') {
            ++idx;
            if (idx >= len_) throw StopIteration{start};
        }
        if (s_[idx] >= '1' && s_[idx] <= '9') {
            ++idx;
            while (idx < len_ && IsDigit(s_[idx])) ++idx;
        } else if (s_[idx] == '0') {
            ++idx;
        } else {
            throw StopIteration{start};
        }
        if (idx + 1 < len_ && s_[idx] == '.' && IsDigit(s_[idx + 1])) {
            idx += 2;
            while (idx < len_ && IsDigit(s_[idx])) ++idx;
        }
        if (idx + 1 < len_ && (s_[idx] == 'e' || s_[idx] == 'E')) {
            const size_t e_start = idx;
            ++idx;
            if (idx + 1 < len_ && (s_[idx] == '-' || s_[idx] == '+')) ++idx;
            while (idx < len_ && IsDigit(s_[idx])) ++idx;
            if (!IsDigit(s_[idx - 1])) idx = e_start;
        }
        return idx;
    }

    // scanstring_unicode(pystr, end, strict=True): `end` is the index after the opening quote.
    size_t ScanString(size_t end) const {
        const size_t begin = end - 1;
        for (;;) {
            size_t next = end;
            char32_t c = 0;
            for (; next < len_; ++next) {
                c = s_[next];
                if (c == '"' || c == '\\') break;
                if (c <= 0x1F) throw DecodeError{"Invalid control character at", next};
            }
            if (next >= len_ || !(c == '"' || c == '\\')) throw DecodeError{"Unterminated string starting at", begin};
            ++next;
            if (c == '"') return next;
            if (next == len_) throw DecodeError{"Unterminated string starting at", begin};
            c = s_[next];
            if (c != 'u') {
                end = next + 1;
                switch (c) {
                    case '"':
                    case '\\':
                    case '/':
                    case 'b':
                    case 'f':
                    case 'n':
                    case 'r':
                    case 't': break;
                    default: throw DecodeError{"Invalid \\escape", end - 2};
                }
                continue;
            }
            ++next;
            end = next + 4;
            if (end >= len_) throw DecodeError{"Invalid \\uXXXX escape", next - 1};
            char32_t cp = 0;
            for (; next < end; ++next) {
                if (!IsHex(s_[next])) throw DecodeError{"Invalid \\uXXXX escape", end - 5};
                cp = (cp << 4) | static_cast<char32_t>(HexValue(s_[next]));
            }
            // A high surrogate may be followed by a \uXXXX low surrogate (C: end + 6 < len).
            if (cp >= 0xD800 && cp <= 0xDBFF && end + 6 < len_ && s_[next] == '\\' && s_[next + 1] == 'u') {
                next += 2;
                end += 6;
                char32_t low = 0;
                for (; next < end; ++next) {
                    if (!IsHex(s_[next])) throw DecodeError{"Invalid \\uXXXX escape", end - 5};
                    low = (low << 4) | static_cast<char32_t>(HexValue(s_[next]));
                }
                if (!(low >= 0xDC00 && low <= 0xDFFF)) end -= 6;
            }
        }
    }

    size_t ParseObject(size_t idx, int depth) {
        idx = SkipWhitespace(idx);
        if (idx >= len_ || s_[idx] != '}') {
            for (;;) {
                if (idx >= len_ || s_[idx] != '"')
                    throw DecodeError{"Expecting property name enclosed in double quotes", idx};
                idx = ScanString(idx + 1);
                idx = SkipWhitespace(idx);
                if (idx >= len_ || s_[idx] != ':') throw DecodeError{"Expecting ':' delimiter", idx};
                idx = SkipWhitespace(idx + 1);
                idx = ScanOnce(idx, depth);
                idx = SkipWhitespace(idx);
                if (idx < len_ && s_[idx] == '}') break;
                if (idx >= len_ || s_[idx] != ',') throw DecodeError{"Expecting ',' delimiter", idx};
                idx = SkipWhitespace(idx + 1);
            }
        }
        return idx + 1;
    }

    size_t ParseArray(size_t idx, int depth) {
        idx = SkipWhitespace(idx);
        if (idx >= len_ || s_[idx] != ']') {
            for (;;) {
                idx = ScanOnce(idx, depth);
                idx = SkipWhitespace(idx);
                if (idx < len_ && s_[idx] == ']') break;
                if (idx >= len_ || s_[idx] != ',') throw DecodeError{"Expecting ',' delimiter", idx};
                idx = SkipWhitespace(idx + 1);
            }
        }
        return idx + 1;
    }

    const std::u32string &s_;
    const size_t len_;
};

}  // namespace

bool IsValidUtf8(std::string_view text) {
    char32_t cp;
    for (size_t i = 0; i < text.size();) {
        size_t n = Utf8Length(text, i, &cp);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::u32string DecodeUtf8(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    char32_t cp = 0;
    for (size_t i = 0; i < text.size();) {
        size_t n = Utf8Length(text, i, &cp);
        if (n == 0) {  // callers validate first; keep going defensively
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        out.push_back(cp);
        i += n;
    }
    return out;
}

PyJsonVerdict PythonJsonVerdict(const std::u32string &text) {
    PyJsonVerdict verdict;
    Scanner scanner(text);
    try {
        size_t idx = scanner.SkipWhitespace(0);
        size_t end;
        try {
            end = scanner.ScanOnce(idx, 0);
        } catch (const StopIteration &stop) {
            throw DecodeError{"Expecting value", stop.position};
        }
        end = scanner.SkipWhitespace(end);
        if (end != text.size()) throw DecodeError{"Extra data", end};
    } catch (const DecodeError &e) {
        verdict.kind = PyJsonVerdict::kDecodeError;
        verdict.message = e.message;
        verdict.position = e.position;
    } catch (const StopIteration &stop) {  // a nested value: raw_decode reports it the same way
        verdict.kind = PyJsonVerdict::kDecodeError;
        verdict.message = "Expecting value";
        verdict.position = stop.position;
    } catch (const TooDeep &) {
        verdict.kind = PyJsonVerdict::kRecursionError;
    }
    return verdict;
}

}  // namespace pf_http
