// zlib wrappers; each z_stream is owned by a small RAII guard so every path ends it.
#include "http/gzip.hpp"

#include <zlib.h>

namespace pf_http {

namespace {

class Deflater {
public:
    explicit Deflater(int level) {
        ok_ = deflateInit2(&z_, level, Z_DEFLATED, 15 + 16 /* gzip wrapper */, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    }
    ~Deflater() {
        if (ok_) deflateEnd(&z_);
    }
    Deflater(const Deflater &) = delete;
    Deflater &operator=(const Deflater &) = delete;
    bool ok() const { return ok_; }
    z_stream *get() { return &z_; }

private:
    z_stream z_{};
    bool ok_ = false;
};

class Inflater {
public:
    Inflater() { ok_ = inflateInit2(&z_, 15 + 16) == Z_OK; }
    ~Inflater() {
        if (ok_) inflateEnd(&z_);
    }
    Inflater(const Inflater &) = delete;
    Inflater &operator=(const Inflater &) = delete;
    bool ok() const { return ok_; }
    z_stream *get() { return &z_; }

private:
    z_stream z_{};
    bool ok_ = false;
};

}  // namespace

std::optional<std::string> GzipCompress(std::string_view data, int level) {
    Deflater deflater(level);
    if (!deflater.ok()) return std::nullopt;
    z_stream *z = deflater.get();
    std::string out;
    out.resize(deflateBound(z, static_cast<uLong>(data.size())) + 32);
    z->next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.data()));
    z->avail_in = static_cast<uInt>(data.size());
    z->next_out = reinterpret_cast<Bytef *>(out.data());
    z->avail_out = static_cast<uInt>(out.size());
    if (deflate(z, Z_FINISH) != Z_STREAM_END) return std::nullopt;
    out.resize(z->total_out);
    return out;
}

std::optional<std::string> GzipDecompress(std::string_view data) {
    Inflater inflater;
    if (!inflater.ok()) return std::nullopt;
    z_stream *z = inflater.get();
    z->next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.data()));
    z->avail_in = static_cast<uInt>(data.size());
    std::string out;
    char buffer[16384];
    int rc;
    do {
        z->next_out = reinterpret_cast<Bytef *>(buffer);
        z->avail_out = sizeof buffer;
        rc = inflate(z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) return std::nullopt;
        out.append(buffer, sizeof buffer - z->avail_out);
    } while (rc != Z_STREAM_END);
    return out;
}

}  // namespace pf_http
