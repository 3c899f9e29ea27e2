// HTTP messages as the application sees them (see http_message.hpp).
#include "http/http_message.hpp"

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

HttpResponse DetailResponse(int status) {
    HttpResponse r;
    r.status = status;
    r.body = std::string("{\"detail\":\"") + StatusPhrase(status) + "\"}";
    r.headers.emplace_back("Content-Type", "application/json");
    return r;
}

std::string TargetPath(std::string_view target) {
    if (size_t scheme = target.find("://"); scheme != std::string_view::npos && target.front() != '/') {
        size_t slash = target.find('/', scheme + 3);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    target = target.substr(0, target.find('?'));
    std::string path;
    path.reserve(target.size());
    for (size_t i = 0; i < target.size(); ++i) {
        if (target[i] == '%' && i + 2 < target.size()) {
            int hi = HexValue(target[i + 1]), lo = HexValue(target[i + 2]);
            if (hi >= 0 && lo >= 0) {
                path += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        path += target[i];
    }
    return path;
}

}  // namespace pf_http
