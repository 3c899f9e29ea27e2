// Request handling: read the body the way FastAPI does, check the API version header, call the
// SQL function with the body bound as $1, and turn every outcome into Prefect's answer.
#include "http/prefect_app.hpp"

#include "http/compression.hpp"
#include "http/prefect_security.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <exception>

namespace pf_http {

namespace asio = boost::asio;

namespace {

// Bodies and answers from this size on are parsed / compressed off the loop thread.
constexpr size_t kOffloadBytes = 64 * 1024;

const char kHealthPath[] = "/health";  // inside the API mount (PREFECT_SERVER_API_BASE_PATH)

const char kReadyPath[] = "/ready";  // Prefect's readiness probe (api/root.py)

const EndpointSpec *FindEndpoint(const std::string &path) {
    for (const EndpointSpec &e : kEndpoints)
        if (path == e.path) return &e;
    return nullptr;
}

const OJson kEmptyObject = OJson::object();

}  // namespace

struct PrefectApp::Call {
    HttpRequest request;
    Reply reply;
    std::string app_path;  // the path inside the API mount
    const EndpointSpec *route = nullptr;
    bool parse_as_json = false;
    ParsedBody body;  // its `text` points into request.body
};

PrefectApp::PrefectApp(asio::io_context &ioc, const Options &options, PgPool &pool, Logger &log)
    : ioc_(ioc),
      options_(options),
      pool_(pool),
      log_(log),
      cors_(options.cors_allowed_origins, options.cors_allowed_methods, options.cors_allowed_headers),
      compressed_cache_(options.compression_cache_mb << 20),
      compute_(options.threads) {
    if (!ParseEncodingSet(options.encodings, &encodings_)) encodings_ = Bit(Encoding::kGzip);
    base_path_ = options.base_path;
    while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();  // Mount's rstrip("/")
}

PrefectApp::~PrefectApp() {
    compute_.join();
}

void PrefectApp::Join() {
    compute_.join();
}

template <class Work, class Then>
void PrefectApp::Offload(Work work, Then then) {
    auto guard = asio::make_work_guard(ioc_);
    asio::post(compute_, [work = std::move(work), then = std::move(then), guard]() mutable {
        auto result = work();
        asio::post(guard.get_executor(),
                   [result = std::move(result), then = std::move(then)]() mutable { then(std::move(result)); });
    });
}

// Prefect's middleware order, outermost first (server.py create_app / create_api_app):
//   CsrfMiddleware -> CORSMiddleware -> Mount(base path) -> token_validation (auth)
//   -> GZipMiddleware -> route (API version header, body, validation).
// So a CSRF refusal wins over everything and carries no CORS headers; a preflight is answered
// before auth; a 401 comes before the version check, the body and 404/405.
void PrefectApp::Handle(HttpRequest request, Reply reply) {
    auto call = std::make_shared<Call>();
    call->request = std::move(request);
    call->reply = std::move(reply);
    if (options_.csrf_protection_enabled) {
        const CsrfStep step = CsrfFirstStep(call->request);
        if (step == CsrfStep::kMissingToken || step == CsrfStep::kMissingClient) return call->reply(CsrfRefusal(step));
        if (step == CsrfStep::kLookUp) return CheckCsrfToken(call);
    }
    Dispatch(call);
}

// The token stored for the client (unexpired) must equal the one sent, compared in constant time.
void PrefectApp::CheckCsrfToken(const std::shared_ptr<Call> &call) {
    const std::string client = Latin1ToUtf8(*call->request.Header("Prefect-Csrf-Client"));
    pool_.Run(Statement::kCsrfToken, client, [this, call](CallResult result) {
        if (result.kind != CallResult::kOk) {
            // Outside Prefect's API app a database error reaches Starlette's ServerErrorMiddleware.
            if (result.kind == CallResult::kSqlError)
                log_.Limited("database error",
                             "CSRF token lookup failed: " + result.error.sqlstate + " " + result.error.message);
            return call->reply(PlainText(500, "Internal Server Error"));
        }
        const std::string sent = Latin1ToUtf8(*call->request.Header("Prefect-Csrf-Token"));
        if (result.null || !ConstantTimeEquals(result.value, sent)) return call->reply(CsrfInvalid());
        Dispatch(call);
    });
}

void PrefectApp::Dispatch(const std::shared_ptr<Call> &call) {
    if (std::optional<HttpResponse> preflight = cors_.Preflight(call->request)) return call->reply(*preflight);
    const std::string &path = call->request.path;
    const std::string &method = call->request.method;
    // Starlette's Mount(base_path) routes "<base>/..." to the API; anything else is Prefect's UI,
    // which this server does not serve.
    if (path.size() <= base_path_.size() || path.compare(0, base_path_.size(), base_path_) != 0 ||
        path[base_path_.size()] != '/')
        return Send(call, DetailAnswer(404, "Not Found"));
    call->app_path = path.substr(base_path_.size());
    if (options_.auth_string) {
        if (std::optional<HttpResponse> refused =
                CheckBasicAuth(*options_.auth_string, method, call->app_path, call->request.Header("Authorization")))
            return Respond(call, std::move(*refused));
    }
    if (call->app_path == kHealthPath) {
        // GET /api/health -> true, no database round trip (Prefect's health_check).
        if (method == "GET" || method == "HEAD") return Send(call, {200, "true"});
        return Send(call, DetailAnswer(405, "Method Not Allowed"));
    }
    if (call->app_path == kReadyPath) {
        if (method != "GET" && method != "HEAD") return Send(call, DetailAnswer(405, "Method Not Allowed"));
        return Ready(call);
    }
    call->route = FindEndpoint(call->app_path);
    if (call->route == nullptr) return Send(call, DetailAnswer(404, "Not Found"));
    if (method != "POST") return Send(call, DetailAnswer(405, "Method Not Allowed"));
    try {
        Deployments(call);
    } catch (const std::exception &e) {
        Fail(call, "reading the body", e);
    }
}

// GET /api/ready: Prefect's readiness check. A route of Prefect's routers, so the API version
// header applies; 200 {"message": "OK"} when a query reaches the database, else 503.
void PrefectApp::Ready(const std::shared_ptr<Call> &call) {
    if (auto refused = CheckApiVersion(call->request.Header("X-Prefect-Api-Version"))) return Send(call, *refused);
    pool_.Run(Statement::kReady, "", [this, call](CallResult result) {
        if (result.kind == CallResult::kOk && !result.null) return Send(call, {200, R"({"message":"OK"})"});
        Send(call, {503, R"({"message":"Database is not available"})"});
    });
}

void PrefectApp::Respond(const std::shared_ptr<Call> &call, HttpResponse response) {
    cors_.AddSimpleHeaders(call->request, &response);
    call->reply(std::move(response));
}

void PrefectApp::Fail(const std::shared_ptr<Call> &call, const char *where, const std::exception &e) {
    log_.Limited("exception", std::string("exception while ") + where + ": " + e.what());
    Send(call, InternalServerError());
}

void PrefectApp::Deployments(const std::shared_ptr<Call> &call) {
    const HttpRequest &req = call->request;
    const std::string *content_type = req.Header("Content-Type");
    call->parse_as_json = BodyIsJson(content_type, req.Header("Content-Length"));
    const std::string *content_encoding = req.Header("Content-Encoding");
    const bool encoded = content_encoding && !content_encoding->empty() && *content_encoding != "identity";
    const bool multipart = content_type && content_type->rfind("multipart/form-data", 0) == 0;
    if (encoded || multipart) {
        // Prefect never decodes a Content-Encoding (JSON decoding of the compressed bytes fails)
        // and ignores a non-JSON body.
        if (encoded && call->parse_as_json) return Send(call, DetailAnswer(400, "There was an error parsing the body"));
        call->parse_as_json = false;
    }
    if (call->request.body.size() < kOffloadBytes || !call->parse_as_json) {
        call->body = ParseBody(call->request.body, call->parse_as_json);
        return Parsed(call);
    }
    Offload(
        [call] {
            try {
                call->body = ParseBody(call->request.body, call->parse_as_json);
                return std::string();
            } catch (const std::exception &e) {
                return std::string(e.what());
            }
        },
        [this, call](std::string error) {
            if (!error.empty()) return Fail(call, "parsing the body", std::runtime_error(error));
            Parsed(call);
        });
}

void PrefectApp::Parsed(const std::shared_ptr<Call> &call) {
    // FastAPI parses the body before it solves any dependency, so a malformed body wins over a
    // bad version header.
    const ParsedBody &body = call->body;
    if (body.kind == ParsedBody::kRejected) return Send(call, body.answer);
    if (auto refused = CheckApiVersion(call->request.Header("X-Prefect-Api-Version"))) return Send(call, *refused);
    if (body.kind == ParsedBody::kNotObject) return Send(call, NotAnObjectAnswer(call->route->endpoint, body.value));
    Query(call);
}

void PrefectApp::Query(const std::shared_ptr<Call> &call) {
    std::string sql_body = SqlBodyText(call->route->endpoint, call->body);
    pool_.Run(call->route->statement, std::move(sql_body), [this, call](CallResult result) {
        try {
            switch (result.kind) {
                case CallResult::kOk:
                    if (result.null) break;  // the functions never return NULL
                    return Send(call, {200, std::move(result.value)});
                case CallResult::kSqlError:
                    if (IsValidationSqlState(result.error.sqlstate)) return ValidationErrors(call, result.error);
                    // Prefect answers every database (DBAPI) error with 503, as retryable.
                    log_.Limited("database error",
                                 "database error " + result.error.sqlstate + ": " + result.error.message);
                    return Send(call, ServiceUnavailable());
                case CallResult::kUnavailable: return Send(call, ServiceUnavailable());  // the pool logged why
                case CallResult::kInternal: break;
            }
            log_.Limited("unexpected", "unexpected answer from the database: " + result.error.message);
            Send(call, InternalServerError());
        } catch (const std::exception &e) {
            Fail(call, "answering", e);
        }
    });
}

// The call stopped at the body's first error; one more call lists them all, as values, in
// Prefect's order (prefect.deployments_validation_errors), and Prefect's 422 is built from that
// list. If that call fails, the answer is a 500, as Prefect's would be for an unexpected error.
void PrefectApp::ValidationErrors(const std::shared_ptr<Call> &call, const SqlError &first) {
    pool_.Run(call->route->validation, SqlBodyText(call->route->endpoint, call->body),
              [this, call, first](CallResult result) {
                  try {
                      const OJson &body = call->body.kind == ParsedBody::kObject ? call->body.value : kEmptyObject;
                      if (result.kind == CallResult::kOk && !result.null)
                          if (std::optional<Answer> answer = AnswerFromValidationErrors(result.value, body))
                              return Send(call, std::move(*answer));
                      if (result.kind == CallResult::kUnavailable) return Send(call, ServiceUnavailable());
                      log_.Limited("unexpected", "no validation errors listed for a body the extension rejected (" +
                                                     first.sqlstate + " " + first.message + ")");
                      Send(call, InternalServerError());
                  } catch (const std::exception &e) {
                      Fail(call, "listing validation errors", e);
                  }
              });
}

// Starlette's GZipMiddleware as Prefect configures it: bodies of 500 bytes or more get "Vary:
// Accept-Encoding" and are compressed when the request accepts it; gzip as Starlette decides,
// zstd and br when offered too (compression.hpp). The body is moved, not copied: a UI page is a
// few hundred kilobytes, and from kOffloadBytes on a miss is compressed off the loop thread. The
// compressed form comes from the cache when the same bytes were compressed before
// (compressed_cache.hpp), which then keeps this body (shared, never changed again).
void PrefectApp::Send(const std::shared_ptr<Call> &call, Answer answer) {
    HttpResponse response;
    response.status = answer.status;
    response.headers.emplace_back("Content-Type", "application/json");
    if (answer.status == 405)
        response.headers.emplace_back("Allow",
                                      call->app_path == kHealthPath || call->app_path == kReadyPath ? "GET" : "POST");
    const bool large = answer.body.size() >= kCompressMinimumSize;
    const Encoding encoding =
        large ? ChooseEncoding(call->request.Header("Accept-Encoding"), encodings_) : Encoding::kIdentity;
    if (large) response.headers.emplace_back("Vary", "Accept-Encoding");
    if (encoding == Encoding::kIdentity) {
        response.body = std::move(answer.body);
        return Respond(call, std::move(response));
    }
    auto plain = std::make_shared<const std::string>(std::move(answer.body));
    auto finish = [this, call, response, encoding, plain](std::optional<std::string> packed) mutable {
        if (packed) {
            response.headers.emplace_back("Content-Encoding", EncodingOf(encoding)->token);
            response.body = std::move(*packed);
        } else {
            response.body = *plain;  // the library failed (never seen): the answer goes uncompressed
        }
        Respond(call, std::move(response));
    };
    // The cache is looked up here, on the loop thread: a hit costs a hash and a comparison of the
    // body, less than the two thread switches of offloading it (doc/http.md). Only a miss is
    // compressed off the loop.
    const int level = LevelOf(encoding);
    CompressedCache::Lookup lookup = compressed_cache_.Look(encoding, level, *plain);
    if (lookup.kept) return finish(std::move(lookup.kept));
    auto compress = [this, plain, encoding, level, lookup = std::move(lookup)] {
        return compressed_cache_.Fill(lookup, encoding, level, plain);
    };
    if (plain->size() < kOffloadBytes) return finish(compress());
    Offload(std::move(compress), std::move(finish));
}

int PrefectApp::LevelOf(Encoding encoding) const {
    if (encoding == Encoding::kGzip) return options_.gzip_level;
    return EncodingOf(encoding)->default_level;
}

}  // namespace pf_http
