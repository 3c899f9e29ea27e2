// gzip (libdeflate), brotli and zstd, whole-buffer (compression.hpp).
#include "http/compression.hpp"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <libdeflate.h>
#include <zstd.h>

#include <cctype>
#include <cstdlib>
#include <memory>

namespace pf_http {

namespace {

std::string Lower(std::string_view s) {
    std::string out(s);
    for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Does Accept-Encoding accept `token` (listed, q absent or > 0)? RFC 9110 12.5.3.
bool Accepts(std::string_view header, std::string_view token) {
    while (!header.empty()) {
        size_t comma = header.find(',');
        std::string_view item = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        size_t semi = item.find(';');
        if (Lower(Trim(item.substr(0, semi))) != token) continue;
        if (semi == std::string_view::npos) return true;
        std::string_view params = item.substr(semi + 1);
        size_t q = Lower(params).find("q=");
        if (q == std::string::npos) return true;
        return std::strtod(std::string(Trim(params.substr(q + 2))).c_str(), nullptr) > 0;
    }
    return false;
}

struct DeflateCompressor {
    void operator()(libdeflate_compressor *c) const { libdeflate_free_compressor(c); }
};
struct DeflateDecompressor {
    void operator()(libdeflate_decompressor *d) const { libdeflate_free_decompressor(d); }
};

}  // namespace

const EncodingSpec *EncodingOf(Encoding encoding) {
    for (const EncodingSpec &spec : kEncodings)
        if (spec.encoding == encoding) return &spec;
    return nullptr;
}

const EncodingSpec *EncodingNamed(std::string_view token) {
    for (const EncodingSpec &spec : kEncodings)
        if (token == spec.token) return &spec;
    return nullptr;
}

bool ParseEncodingSet(std::string_view text, EncodingSet *out) {
    EncodingSet set = 0;
    while (!text.empty()) {
        size_t comma = text.find(',');
        std::string_view name = Trim(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        if (name.empty()) continue;
        const EncodingSpec *spec = EncodingNamed(name);
        if (spec == nullptr) return false;
        set |= Bit(spec->encoding);
    }
    *out = set;
    return true;
}

Encoding ChooseEncoding(const std::string *accept_encoding, EncodingSet allowed) {
    if (accept_encoding == nullptr) return Encoding::kIdentity;
    for (const EncodingSpec &spec : kEncodings) {
        if (!(allowed & Bit(spec.encoding))) continue;
        // gzip: Starlette's own test, a substring, as Prefect answers
        const bool accepted = spec.encoding == Encoding::kGzip ? accept_encoding->find("gzip") != std::string::npos
                                                               : Accepts(*accept_encoding, spec.token);
        if (accepted) return spec.encoding;
    }
    return Encoding::kIdentity;
}

std::optional<std::string> Compress(Encoding encoding, std::string_view data, int level) {
    std::string out;
    switch (encoding) {
        case Encoding::kGzip: {
            std::unique_ptr<libdeflate_compressor, DeflateCompressor> c(libdeflate_alloc_compressor(level));
            if (!c) return std::nullopt;
            out.resize(libdeflate_gzip_compress_bound(c.get(), data.size()));
            size_t n = libdeflate_gzip_compress(c.get(), data.data(), data.size(), out.data(), out.size());
            if (n == 0) return std::nullopt;
            out.resize(n);
            return out;
        }
        case Encoding::kBrotli: {
            size_t n = BrotliEncoderMaxCompressedSize(data.size());
            if (n == 0) n = data.size() + 1024;
            out.resize(n);
            if (!BrotliEncoderCompress(level, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, data.size(),
                                       reinterpret_cast<const uint8_t *>(data.data()), &n,
                                       reinterpret_cast<uint8_t *>(out.data())))
                return std::nullopt;
            out.resize(n);
            return out;
        }
        case Encoding::kZstd: {
            out.resize(ZSTD_compressBound(data.size()));
            size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
            if (ZSTD_isError(n)) return std::nullopt;
            out.resize(n);
            return out;
        }
        case Encoding::kIdentity: return std::string(data);
    }
    return std::nullopt;
}

std::optional<std::string> Decompress(Encoding encoding, std::string_view data) {
    std::string out;
    switch (encoding) {
        case Encoding::kGzip: {
            std::unique_ptr<libdeflate_decompressor, DeflateDecompressor> d(libdeflate_alloc_decompressor());
            if (!d) return std::nullopt;
            for (size_t size = data.size() * 4 + 1024; size < (1u << 31); size *= 2) {
                out.resize(size);
                size_t n = 0;
                libdeflate_result r =
                    libdeflate_gzip_decompress(d.get(), data.data(), data.size(), out.data(), out.size(), &n);
                if (r == LIBDEFLATE_SUCCESS) {
                    out.resize(n);
                    return out;
                }
                if (r != LIBDEFLATE_INSUFFICIENT_SPACE) return std::nullopt;
            }
            return std::nullopt;
        }
        case Encoding::kBrotli: {
            std::unique_ptr<BrotliDecoderState, void (*)(BrotliDecoderState *)> d(
                BrotliDecoderCreateInstance(nullptr, nullptr, nullptr), BrotliDecoderDestroyInstance);
            if (!d) return std::nullopt;
            size_t available_in = data.size();
            const uint8_t *next_in = reinterpret_cast<const uint8_t *>(data.data());
            uint8_t buffer[65536];
            for (;;) {
                size_t available_out = sizeof buffer;
                uint8_t *next_out = buffer;
                BrotliDecoderResult r =
                    BrotliDecoderDecompressStream(d.get(), &available_in, &next_in, &available_out, &next_out, nullptr);
                out.append(reinterpret_cast<char *>(buffer), sizeof buffer - available_out);
                if (r == BROTLI_DECODER_RESULT_SUCCESS) return out;
                if (r != BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) return std::nullopt;
            }
        }
        case Encoding::kZstd: {
            unsigned long long size = ZSTD_getFrameContentSize(data.data(), data.size());
            if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) return std::nullopt;
            out.resize(static_cast<size_t>(size));
            size_t n = ZSTD_decompress(out.data(), out.size(), data.data(), data.size());
            if (ZSTD_isError(n)) return std::nullopt;
            out.resize(n);
            return out;
        }
        case Encoding::kIdentity: return std::string(data);
    }
    return std::nullopt;
}

}  // namespace pf_http
