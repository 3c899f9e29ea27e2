// Request handling: read the body the way FastAPI does, check the API version header, call the
// SQL function with the body bound as $1, and turn every outcome into Prefect's answer.
//
// Two cpp-httplib behaviours are switched off because Prefect has neither: automatic response
// compression (it would compress any JSON body, and with brotli too) and HTTP Range slicing.
// Responses carry the private content type kJsonPlaceholder until the post-routing handler, which
// runs after the library's compression step, puts back "application/json"; Range requests are
// neutralised by clearing the parsed ranges (see ClearRanges).
#include "http/server.hpp"

#include "http/gzip.hpp"
#include "http/worker_pool.hpp"

#include <chrono>
#include <exception>
#include <memory>

namespace pf_http {

namespace {

constexpr char kJsonPlaceholder[] = "application/x-prefect-filter-json";

const std::string *Header(const httplib::Request &req, const char *name) {
    auto it = req.headers.find(name);  // case-insensitive multimap: the first value, as Starlette
    return it == req.headers.end() ? nullptr : &it->second;
}

// cpp-httplib parses a Range header into req.ranges and then slices any response body. The
// handlers receive the request as const, but it is a non-const local of the library's
// process_request, so clearing the ranges through const_cast is well-defined.
void ClearRanges(const httplib::Request &req) {
    const_cast<httplib::Request &>(req).ranges.clear();
}

const char *StatusPhrase(int status) {  // Python's http.HTTPStatus phrases (Starlette's detail)
    switch (status) {
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 411: return "Length Required";
        case 413: return "Request Entity Too Large";
        case 414: return "Request-URI Too Long";
        case 415: return "Unsupported Media Type";
        case 416: return "Requested Range Not Satisfiable";
        case 431: return "Request Header Fields Too Large";
        default: return status >= 500 ? "Internal Server Error" : "Bad Request";
    }
}

bool ContainsGzip(const std::string *accept_encoding) {
    return accept_encoding && accept_encoding->find("gzip") != std::string::npos;  // Starlette's test
}

}  // namespace

Server::Server(const Options &options, PgPool &pool, Logger &log) : options_(options), pool_(pool), log_(log) {
    http_.new_task_queue = [this] { return new WorkerPool(options_.threads, options_.queue, stopping_); };
    http_.set_tcp_nodelay(true);
    http_.set_payload_max_length(options_.max_body_bytes);
    http_.set_read_timeout(options_.read_timeout_s, 0);
    http_.set_write_timeout(options_.write_timeout_s, 0);
    http_.set_keep_alive_timeout(options_.keep_alive_timeout_s);
    http_.set_keep_alive_max_count(options_.keep_alive_max);
    Routes();
}

bool Server::Bind(std::string *error) {
    if (!http_.bind_to_port(options_.host, options_.port)) {
        *error = "cannot listen on " + options_.host + ":" + std::to_string(options_.port);
        return false;
    }
    return true;
}

bool Server::Run() {
    return http_.listen_after_bind();
}

void Server::Stop() {
    stopping_.store(true);
    http_.stop();
}

void Server::Routes() {
    using httplib::Request;
    using httplib::Response;
    using HandlerResponse = httplib::Server::HandlerResponse;

    http_.set_pre_routing_handler([](const Request &req, Response &res) {
        ClearRanges(req);
        if (req.method == "PRI") {  // the library would buffer its body without a limit
            res.status = 405;
            res.set_header("Connection", "close");
            return HandlerResponse::Handled;
        }
        return HandlerResponse::Unhandled;
    });
    // Answers the library produces itself (bad request line, 404, 413, ...) get Starlette's
    // {"detail": phrase}; our own answers already have a body and are left alone.
    http_.set_error_handler(httplib::Server::HandlerWithResponse([](const Request &req, Response &res) {
        ClearRanges(req);
        if (!res.body.empty()) return HandlerResponse::Unhandled;
        res.set_content(DetailAnswer(res.status, StatusPhrase(res.status)).body, kJsonPlaceholder);
        return HandlerResponse::Handled;
    }));
    http_.set_exception_handler([this](const Request &req, Response &res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
            if (ep) std::rethrow_exception(ep);
        } catch (const std::exception &e) {
            what = e.what();
        } catch (...) {
        }
        log_.Line("exception while serving " + req.method + " " + req.path + ": " + what);
        Send(req, res, InternalServerError());
    });
    http_.set_post_routing_handler([](const Request &, Response &res) {
        auto it = res.headers.find("Content-Type");
        if (it != res.headers.end() && it->second == kJsonPlaceholder) it->second = "application/json";
    });
    if (options_.access_log) {
        http_.set_logger([this](const Request &req, const Response &res) {
            log_.Line(req.remote_addr + " \"" + req.method + " " + req.path + "\" " + std::to_string(res.status) + " " +
                      std::to_string(res.body.size()));
        });
    }

    // GET /api/health -> true (no database check, like Prefect's health_check).
    http_.Get("/api/health", [this](const Request &req, Response &res) { Send(req, res, {200, "true"}); });

    const struct {
        const char *path;
        Endpoint endpoint;
    } routes[] = {{"/api/deployments/filter", Endpoint::kFilter},
                  {"/api/deployments/count", Endpoint::kCount},
                  {"/api/deployments/paginate", Endpoint::kPaginate}};
    for (const auto &route : routes) {
        const Endpoint endpoint = route.endpoint;
        http_.Post(route.path,
                   [this, endpoint](const Request &req, Response &res, const httplib::ContentReader &reader) {
                       Deployments(endpoint, req, res, reader);
                   });
    }

    // Every other method or path: Starlette's 405 / 404. Bodies are drained within the limit so
    // that the library never buffers one without bound.
    auto refuse = [this](const Request &req, Response &res, const httplib::ContentReader *reader) {
        if (reader != nullptr) {
            std::string ignored;
            bool too_large = false;
            if (!ReadBody(*reader, res, &ignored, &too_large)) res.set_header("Connection", "close");
        }
        const bool deployments = req.path.rfind("/api/deployments/", 0) == 0 &&
                                 (req.path == "/api/deployments/filter" || req.path == "/api/deployments/count" ||
                                  req.path == "/api/deployments/paginate");
        if (deployments || req.path == "/api/health") {
            res.set_header("Allow", deployments ? "POST" : "GET");
            Send(req, res, DetailAnswer(405, "Method Not Allowed"));
        } else {
            Send(req, res, DetailAnswer(404, "Not Found"));
        }
    };
    auto with_body = [refuse](const Request &req, Response &res, const httplib::ContentReader &reader) {
        refuse(req, res, &reader);
    };
    auto without_body = [refuse](const Request &req, Response &res) { refuse(req, res, nullptr); };
    http_.Get(".*", without_body);
    http_.Options(".*", without_body);
    http_.Post(".*", with_body);
    http_.Put(".*", with_body);
    http_.Patch(".*", with_body);
    http_.Delete(".*", with_body);
}

bool Server::ReadBody(const httplib::ContentReader &reader, httplib::Response &res, std::string *body,
                      bool *too_large) {
    *too_large = false;
    const size_t limit = options_.max_body_bytes;
    bool ok = reader([&](const char *data, size_t n) {
        if (body->size() + n > limit) {
            *too_large = true;
            return false;
        }
        body->append(data, n);
        return true;
    });
    if (!ok && res.status == 413) *too_large = true;  // Content-Length above the limit
    res.status = -1;
    return ok;
}

void Server::Deployments(Endpoint endpoint, const httplib::Request &req, httplib::Response &res,
                         const httplib::ContentReader &reader) {
    const std::string *content_type = Header(req, "Content-Type");
    const bool parse_as_json = BodyIsJson(content_type, Header(req, "Content-Length"));
    const std::string *content_encoding = Header(req, "Content-Encoding");
    const bool encoded = content_encoding && !content_encoding->empty() && *content_encoding != "identity";
    const bool multipart = content_type && content_type->rfind("multipart/form-data", 0) == 0;

    std::string raw;
    if (encoded || multipart) {
        // Prefect never decodes a Content-Encoding (JSON decoding of the compressed bytes fails)
        // and ignores a non-JSON body; we do not read such bodies at all.
        res.set_header("Connection", "close");
        if (encoded && parse_as_json) return Send(req, res, DetailAnswer(400, "There was an error parsing the body"));
    } else {
        bool too_large = false;
        if (!ReadBody(reader, res, &raw, &too_large)) {
            res.set_header("Connection", "close");
            if (too_large) return Send(req, res, DetailAnswer(413, StatusPhrase(413)));
            return Send(req, res, DetailAnswer(400, "There was an error parsing the body"));
        }
    }

    // FastAPI parses the body before it solves any dependency, so a malformed body wins over a
    // bad version header.
    ParsedBody body = ParseBody(raw, parse_as_json && !encoded);
    if (body.kind == ParsedBody::kRejected) return Send(req, res, body.answer);
    if (auto refused = CheckApiVersion(Header(req, "X-Prefect-Api-Version"))) return Send(req, res, *refused);
    if (body.kind == ParsedBody::kNotObject) return Send(req, res, NotAnObjectAnswer(endpoint, body.value));
    Send(req, res, Query(endpoint, body));
}

Answer Server::Query(Endpoint endpoint, const ParsedBody &body) {
    PgPool::AcquireFailure why = PgPool::AcquireFailure::kTimeout;
    std::optional<PgPool::Lease> lease = pool_.Acquire(&why);
    if (!lease) {
        if (why == PgPool::AcquireFailure::kTimeout) log_.Line("no database connection free within the pool wait");
        return ServiceUnavailable();
    }
    const Statement statement = endpoint == Endpoint::kFilter  ? Statement::kFilter
                                : endpoint == Endpoint::kCount ? Statement::kCount
                                                               : Statement::kPaginate;
    CallResult result = lease->Call(statement, SqlBodyText(endpoint, body));
    switch (result.kind) {
        case CallResult::kOk: return {200, std::move(result.value)};
        case CallResult::kSqlError:
            if (IsValidationSqlState(result.error.sqlstate)) {
                const OJson empty = OJson::object();
                return ValidationErrors(endpoint, *lease, body.kind == ParsedBody::kObject ? body.value : empty,
                                        result.error);
            }
            // Prefect answers every database (DBAPI) error with 503, as retryable.
            log_.Line("database error " + result.error.sqlstate + ": " + result.error.message);
            return ServiceUnavailable();
        case CallResult::kUnavailable:
            log_.Line("database connection lost: " + result.error.message);
            return ServiceUnavailable();
        case CallResult::kInternal: break;
    }
    log_.Line("unexpected answer from the database: " + result.error.message);
    return InternalServerError();
}

// The extension stops at the first error; FastAPI reports one error per invalid field (and the
// LimitBody dependency's range error before anything else). So we validate each top-level field
// on its own, in FastAPI's order, with the compile-only deployments_filter_sql (paginate's `page`
// through deployments_paginate on an empty id list). Inside one field only the first error is
// known.
Answer Server::ValidationErrors(Endpoint endpoint, PgPool::Lease &lease, const OJson &body, const SqlError &first) {
    std::vector<OJson> errors;
    for (const std::string &field : BodyFields(endpoint)) {
        auto it = body.find(field);
        if (it == body.end() || it->is_null()) continue;
        OJson single = OJson::object();
        single[field] = *it;
        Statement statement = Statement::kFilterSql;
        if (field == "page") {
            single["limit"] = 0;
            single["deployments"] = {{"id", {{"any_", OJson::array()}}}};
            statement = Statement::kPaginate;
        }
        CallResult r = lease.Call(statement, single.dump(-1, ' ', false, OJson::error_handler_t::replace));
        if (r.kind == CallResult::kOk) continue;
        if (r.kind != CallResult::kSqlError || !IsValidationSqlState(r.error.sqlstate)) {
            errors.clear();  // unexpected: fall back to the first error alone
            break;
        }
        MappedError mapped = MapValidationError(r.error, body, field);
        if (mapped.limit_detail) return DetailAnswer(422, *mapped.limit_detail);
        errors.push_back(std::move(mapped.error));
    }
    if (errors.empty()) {
        MappedError mapped = MapValidationError(first, body);
        if (mapped.limit_detail) return DetailAnswer(422, *mapped.limit_detail);
        errors.push_back(std::move(mapped.error));
    }
    return ValidationAnswer(errors, body);
}

// Starlette's GZipMiddleware: bodies of 500 bytes or more get "Vary: Accept-Encoding" and are
// gzip-compressed when the request's Accept-Encoding contains "gzip". The body is moved, not
// copied: a UI page is a few hundred kilobytes.
void Server::Send(const httplib::Request &req, httplib::Response &res, Answer answer) {
    res.status = answer.status;
    if (answer.body.size() >= kGzipMinimumSize) {
        res.set_header("Vary", "Accept-Encoding");
        if (ContainsGzip(Header(req, "Accept-Encoding"))) {
            if (std::optional<std::string> gz = GzipCompress(answer.body, options_.gzip_level)) {
                res.set_header("Content-Encoding", "gzip");
                answer.body = std::move(*gz);
            }
        }
    }
    res.body = std::move(answer.body);
    res.headers.erase("Content-Type");
    res.set_header("Content-Type", kJsonPlaceholder);
}

}  // namespace pf_http
