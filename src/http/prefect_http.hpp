// Prefect's transport rules for POST /api/deployments/filter, /count and /paginate, without any
// I/O: how FastAPI reads the body, the X-Prefect-Api-Version check, and the exact JSON bodies of
// Prefect's 400/422/500/503 answers. Validation errors come from the extension as values
// (prefect.deployments_validation_errors); nothing here reads an error message.
//
// Sources (PrefectHQ/prefect ce79dd3d, FastAPI 0.141, pydantic-core 2.x, Starlette):
//   src/prefect/server/api/server.py         validation_exception_handler, 500/503 handlers
//   src/prefect/server/api/dependencies.py   EnforceMinimumAPIVersion, LimitBody
//   src/prefect/server/api/deployments.py    the three routes and their body fields
//   fastapi/routing.py, dependencies/utils.py  body parsing, json_invalid, "missing" errors
#pragma once

#include "http/endpoints.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pf_http {

using OJson = nlohmann::ordered_json;  // keeps key order, like a Python dict

// The body fields of a route in the order FastAPI validates them (compiler/request_spec.hpp).
std::vector<std::string> BodyFields(Endpoint endpoint);

// An answer to send: status and JSON text.
struct Answer {
    int status = 200;
    std::string body;
};

Answer DetailAnswer(int status, const std::string &detail);  // {"detail": "..."}
Answer InternalServerError();                                // 500 {"exception_message": ...}
Answer ServiceUnavailable();                                 // 503 {"exception_message": ...}

// Header bytes are Latin-1 code points in Starlette; this is their UTF-8 text.
std::string Latin1ToUtf8(std::string_view s);

// EnforceMinimumAPIVersion(minimum_api_version="0.8.0"). `value` is null when the header is
// absent. Header bytes are taken as Latin-1, as Starlette decodes them.
std::optional<Answer> CheckApiVersion(const std::string *value);

// Does FastAPI parse this body as JSON? Prefect adds `content-type: application/json` to a
// request with a positive Content-Length and no Content-Type; FastAPI then parses only
// application/json and application/*+json. Any other body is handed over as bytes, which the
// routes treat as "no body" (every field takes its default).
bool BodyIsJson(const std::string *content_type, const std::string *content_length);

// The outcome of reading the body the way FastAPI does.
struct ParsedBody {
    enum Kind {
        kDefaults,   // no body, JSON null, or a body FastAPI does not parse: every key defaults
        kObject,     // a JSON object in `value`
        kNotObject,  // an array or scalar: every body field is "missing"
        kRejected    // `answer` holds the 400/422 to send
    } kind = kDefaults;
    OJson value;
    std::string_view text;  // the JSON text without a BOM (kObject)
    Answer answer;
};

ParsedBody ParseBody(std::string_view raw, bool parse_as_json);

// 422 for a body that is not a JSON object: one "missing" error per body field.
Answer NotAnObjectAnswer(Endpoint endpoint, const OJson &body);

// The text to pass to the SQL function for a JSON object body: the body itself when every key
// is a field of the endpoint, else the object without the keys FastAPI ignores.
std::string SqlBodyText(Endpoint endpoint, const ParsedBody &body);

// An error raised by the extension.
struct SqlError {
    std::string sqlstate;
    std::string message;  // "json.path: message"
    std::string detail;
};

bool IsValidationSqlState(const std::string &sqlstate);  // 22023, 22P02, 54000

// 422 {"exception_message": "Invalid request received.", "exception_detail": errors,
// "request_body": body}.
Answer ValidationAnswer(const OJson &errors, const OJson &body);

// Prefect's answer from prefect.deployments_validation_errors' result (FastAPI's 422 body:
// {"detail": [errors]} or, for LimitBody's HTTPException, {"detail": "..."}). nullopt when the
// result is not of that shape, or lists no error.
std::optional<Answer> AnswerFromValidationErrors(const std::string &result, const OJson &body);

}  // namespace pf_http
