// HTTP requests and responses as the application sees them: plain structs, no I/O, so that
// Prefect's rules (prefect_http, prefect_security) can be tested without sockets.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pf_http {

// A request as the application sees it: the body has been read completely.
struct HttpRequest {
    std::string method;                                        // as sent (methods are case-sensitive)
    std::string target;                                        // as sent
    std::string path;                                          // the target's path, percent-decoded, without the query
    std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
    std::string body;
    std::string remote_address;

    // The first value of a header (names compared case-insensitively), or nullptr.
    const std::string *Header(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // Content-Length is added
    bool close = false;                                        // close the connection after it
};

using Reply = std::function<void(HttpResponse)>;

// `{"detail": "<phrase>"}`: the body Starlette gives its own HTTP errors.
HttpResponse DetailResponse(int status);
const char *StatusPhrase(int status);  // Python's http.HTTPStatus phrase

// The path of a request target: without the query, percent-decoded (as uvicorn gives it to
// Starlette's router); an absolute-form target keeps only its path.
std::string TargetPath(std::string_view target);

// Python's urllib.parse.unquote (invalid UTF-8 after decoding becomes U+FFFD, as errors='replace');
// with plus_is_space, unquote_plus. Used for request paths and SQLAlchemy URLs alike.
std::string PercentDecode(std::string_view text, bool plus_is_space = false);

// A response with a body of the given Content-Type.
HttpResponse MakeResponse(int status, std::string body, const char *content_type);

}  // namespace pf_http
