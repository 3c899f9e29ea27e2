// HTTP messages as the application sees them (see http_message.hpp).
#include "http/http_message.hpp"

#include <algorithm>

namespace pf_http {

namespace {

char Lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool IEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (Lower(a[i]) != Lower(b[i])) return false;
    return true;
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// bytes.decode("utf-8", errors="replace"): each maximal invalid subpart becomes U+FFFD.
std::string Utf8Replace(const std::string &b) {
    std::string out;
    size_t i = 0;
    auto in = [&](size_t k, unsigned lo, unsigned hi) {
        return k < b.size() && static_cast<unsigned char>(b[k]) >= lo && static_cast<unsigned char>(b[k]) <= hi;
    };
    while (i < b.size()) {
        auto c = static_cast<unsigned char>(b[i]);
        size_t need = 0;
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            out += b[i++];
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
            continue;
        }
        size_t k = i + 1;
        if (in(k, lo, hi)) {
            ++k;
            while (k < i + 1 + need && in(k, 0x80, 0xBF)) ++k;
        }
        if (k == i + 1 + need) {
            out.append(b, i, need + 1);
        } else {
            out += "\xEF\xBF\xBD";
        }
        i = k;
    }
    return out;
}

}  // namespace

const std::string *HttpRequest::Header(std::string_view name) const {
    for (const auto &[key, value] : headers)
        if (IEquals(key, name)) return &value;
    return nullptr;
}

const char *StatusPhrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 413: return "Request Entity Too Large";
        case 414: return "Request-URI Too Long";
        case 422: return "Unprocessable Entity";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
        default: return status >= 500 ? "Internal Server Error" : "Bad Request";
    }
}

HttpResponse MakeResponse(int status, std::string body, const char *content_type) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers.emplace_back("Content-Type", content_type);
    return r;
}

HttpResponse DetailResponse(int status) {
    return MakeResponse(status, std::string("{\"detail\":\"") + StatusPhrase(status) + "\"}", "application/json");
}

std::string TargetPath(std::string_view target) {
    if (size_t scheme = target.find("://"); scheme != std::string_view::npos && target.front() != '/') {
        size_t slash = target.find('/', scheme + 3);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    return PercentDecode(target.substr(0, target.find('?')));
}

std::string PercentDecode(std::string_view s, bool plus_is_space) {
    std::string text(s);
    if (plus_is_space) std::replace(text.begin(), text.end(), '+', ' ');
    if (text.find('%') == std::string::npos) return text;
    std::string bytes;
    for (size_t i = 0; i < text.size(); ++i) {
        int h, l;
        if (text[i] == '%' && i + 2 < text.size() && (h = HexValue(text[i + 1])) >= 0 &&
            (l = HexValue(text[i + 2])) >= 0) {
            bytes += static_cast<char>(h * 16 + l);
            i += 2;
        } else {
            bytes += text[i];
        }
    }
    return Utf8Replace(bytes);
}

}  // namespace pf_http
