// Python's json.loads, as far as the HTTP face needs it: which UTF-8 bodies Python can decode,
// and, for a body that is not valid JSON, the exact (message, position) pair of the
// json.JSONDecodeError Python raises. FastAPI answers a malformed body with a 422 whose error
// object carries both ({"type": "json_invalid", "loc": ["body", pos], "ctx": {"error": msg}}),
// so we reproduce CPython's C scanner (Modules/_json.c, Python 3.10-3.12: no "Illegal trailing
// comma" messages) on the code points of the body. It runs only after nlohmann has rejected the
// body, never on the hot path.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pf_http {

// Python decodes a JSON body with detect_encoding(); for the UTF-8 bodies we support that is
// 'utf-8-sig' when the body starts with a BOM (which is then dropped) and 'utf-8' otherwise.
std::string_view StripUtf8Bom(std::string_view body);

// True when `text` is well-formed UTF-8 (no overlongs, nothing above U+10FFFF). Python decodes
// with errors="surrogatepass", which also admits encoded surrogates; nlohmann does not, so we
// reject them too and document the difference.
bool IsValidUtf8(std::string_view text);

// Code points of valid UTF-8 text.
std::u32string DecodeUtf8(std::string_view text);

// Nesting depth at which Python's recursive scanner gives up with RecursionError (FastAPI then
// answers 400 "There was an error parsing the body"). Python's exact depth depends on its
// stack at the time (default recursion limit 1000); we use this fixed value.
inline constexpr int kPythonMaxJsonDepth = 1000;

struct PyJsonVerdict {
    enum Kind {
        kValid,          // Python would decode it (e.g. NaN, Infinity, lone surrogate escapes)
        kDecodeError,    // json.JSONDecodeError(message, doc, position)
        kRecursionError  // nested deeper than kPythonMaxJsonDepth
    } kind = kValid;
    std::string message;  // e.g. "Expecting ',' delimiter"
    size_t position = 0;  // index in code points, as Python's e.pos
};

// What json.loads(text) would do. `text` is the decoded document (BOM already stripped).
PyJsonVerdict PythonJsonVerdict(const std::u32string &text);

}  // namespace pf_http
