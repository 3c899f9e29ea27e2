// gzip encoding of response bodies, as Starlette's GZipMiddleware does it for Prefect's API:
// compress when the request's Accept-Encoding contains "gzip" and the body is at least
// 500 bytes (GZipMiddleware's minimum_size; Prefect does not change it). GZipMiddleware uses
// level 9; the server defaults to 6 (--gzip-level), which on a 290 kB UI page is about twice as
// fast for 4 % more bytes. The bytes differ from Python's gzip anyway (header time stamp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pf_http {

inline constexpr size_t kGzipMinimumSize = 500;
inline constexpr int kGzipLevel = 6;

// The gzip member (RFC 1952) of `data`, or nullopt if zlib fails.
std::optional<std::string> GzipCompress(std::string_view data, int level = kGzipLevel);

// Decompresses one gzip member (used by the tests).
std::optional<std::string> GzipDecompress(std::string_view data);

}  // namespace pf_http
