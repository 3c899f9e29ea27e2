// Prefect's protections, without I/O: Basic auth (PREFECT_SERVER_API_AUTH_STRING), CSRF
// (PREFECT_SERVER_CSRF_PROTECTION_ENABLED) and CORS (PREFECT_SERVER_CORS_ALLOWED_*), with the
// answers Prefect's middleware gives. The order in which they apply is in prefect_app.cpp and
// doc/http.md ("Prefect's protections").
//
// Sources (PrefectHQ/prefect ce79dd3d, Starlette):
//   src/prefect/server/api/server.py      create_api_app: token_validation; create_app: the
//                                          middleware stack and the base-path mount
//   src/prefect/server/api/middleware.py   CsrfMiddleware
//   starlette/middleware/cors.py           CORSMiddleware
#pragma once

#include "http/http_message.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pf_http {

// hmac.compare_digest: the time taken depends on the lengths only, not on where bytes differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// base64.b64decode(s) with Python's defaults (non-strict binascii.a2b_base64): characters
// outside the alphabet are skipped, '=' ends the data once a quad has 2 or more characters;
// nullopt where Python raises (non-ASCII input, 1 data character too many, missing padding).
std::optional<std::string> PythonB64Decode(std::string_view text);

// Prefect's token_validation: nullopt when the request may pass, else the 401 to send.
// `app_path` is the path inside the API mount (e.g. "/health").
std::optional<HttpResponse> CheckBasicAuth(const std::string &auth_string, const std::string &method,
                                           const std::string &app_path, const std::string *authorization);

// Prefect's CsrfMiddleware, up to the database: which requests need a token, and the answers.
enum class CsrfStep { kNotNeeded, kMissingToken, kMissingClient, kLookUp };
CsrfStep CsrfFirstStep(const HttpRequest &request);
HttpResponse CsrfRefusal(CsrfStep step);  // kMissingToken or kMissingClient
HttpResponse CsrfInvalid();               // token unknown, expired or different

// Starlette's CORSMiddleware as Prefect configures it (comma-separated settings, "*" = all).
class CorsPolicy {
public:
    CorsPolicy(const std::string &origins, const std::string &methods, const std::string &headers);

    // A preflight (OPTIONS with Origin and Access-Control-Request-Method): the answer to send.
    std::optional<HttpResponse> Preflight(const HttpRequest &request) const;
    // Any other request with an Origin: headers added to whatever answer it gets.
    void AddSimpleHeaders(const HttpRequest &request, HttpResponse *response) const;

private:
    bool AllowedOrigin(const std::string &origin) const;

    std::vector<std::string> origins_, methods_, headers_lower_;
    bool all_origins_, all_headers_;
    std::vector<std::pair<std::string, std::string>> preflight_headers_;
};

// Starlette's PlainTextResponse (text/plain; charset=utf-8).
HttpResponse PlainText(int status, std::string body);

}  // namespace pf_http
