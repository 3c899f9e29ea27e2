// Compression of answers. Prefect's API compresses with Starlette's GZipMiddleware: bodies of
// 500 bytes or more get "Vary: Accept-Encoding" and are gzip-compressed when the request's
// Accept-Encoding contains "gzip" (a substring test, q-values ignored). We keep that rule for
// gzip, and, because a browser also offers zstd and br and both cost a fraction of gzip's time
// for the same size, answer with them when the request accepts them (a token with q > 0), in
// the order of kEncodings. --encodings narrows the choice (gzip alone is exactly Prefect's).
// gzip is written by libdeflate (same format, several times zlib's speed). The levels are the
// knees of bench/results/compression.md: zstd 3 and br 1 cost about the same on the UI page
// and are smaller than any gzip; gzip 6 is as small as Prefect's zlib level 9 within 2 %.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pf_http {

inline constexpr size_t kCompressMinimumSize = 500;  // GZipMiddleware's minimum_size

enum class Encoding { kIdentity, kZstd, kBrotli, kGzip };

struct EncodingSpec {
    Encoding encoding;
    const char *token;  // Content-Encoding / Accept-Encoding name
    int default_level;
    int min_level, max_level;
};

// In order of preference.
inline constexpr EncodingSpec kEncodings[] = {
    {Encoding::kZstd, "zstd", 3, 1, 19},
    {Encoding::kBrotli, "br", 1, 0, 11},
    {Encoding::kGzip, "gzip", 6, 1, 12},
};

const EncodingSpec *EncodingOf(Encoding encoding);
const EncodingSpec *EncodingNamed(std::string_view token);

// Which encodings the server may use (--encodings): a bit per Encoding.
using EncodingSet = unsigned;
inline constexpr EncodingSet Bit(Encoding e) {
    return 1u << static_cast<unsigned>(e);
}
inline constexpr EncodingSet kAllEncodings = Bit(Encoding::kZstd) | Bit(Encoding::kBrotli) | Bit(Encoding::kGzip);

// Parses "zstd,br,gzip" (any order, any subset; "" = none). False on an unknown name.
bool ParseEncodingSet(std::string_view text, EncodingSet *out);

// The encoding for an answer to a request with this Accept-Encoding (nullptr: absent).
Encoding ChooseEncoding(const std::string *accept_encoding, EncodingSet allowed);

// `data` compressed, or nullopt if the library fails. `level` within the spec's range.
std::optional<std::string> Compress(Encoding encoding, std::string_view data, int level);

// For the tests: the original bytes back.
std::optional<std::string> Decompress(Encoding encoding, std::string_view data);

}  // namespace pf_http
