// The HTTP/1.1 transport of prefect-filter-http: an event-driven server on Boost.Beast / Asio.
//
// One io_context thread owns every socket. A connection costs memory, not a thread: it is a
// Session object with its socket, read buffer and parser. The transport knows nothing about
// Prefect; it reads one request at a time under strict rules, hands it to a RequestHandler and
// writes the answer the handler gives back (on the loop thread, whenever it is ready).
//
// The rules (doc/http.md, "Limits and timeouts", lists them for operators):
// - a request (request line, headers and body) must arrive within `request_timeout` of its first
//   byte (408 and close); a keep-alive connection with no byte of a next request within
//   `keep_alive_timeout` is closed silently; a write must finish within `write_timeout`;
// - header bytes over `max_header_bytes` or more than kMaxHeaderFields fields: 431; one header
//   line over kMaxHeaderLineBytes: 400; a request target over kMaxTargetBytes: 414;
// - framing is strict: Content-Length must be one run of digits, given once; Transfer-Encoding
//   only `chunked`, given once, never with Content-Length; anything else (or a malformed chunk)
//   is 400. A request with neither has an empty body;
// - a Content-Length over `max_body_bytes` is refused with 413 before any body byte is read; a
//   chunked body is refused when it crosses the limit;
// - every body is read (bounded) before the answer, so the next request on the connection
//   starts where this one ends; every answer sent without reading the whole request closes the
//   connection (`Connection: close`), as do the client's `Connection: close`, HTTP/1.0 without
//   keep-alive, the `keep_alive_max`-th request and shutdown;
// - pipelined requests are answered one after the other, in order;
// - the listening socket has SO_REUSEADDR but not SO_REUSEPORT (a second server on the same
//   port fails with "address in use") and the kernel's maximum backlog (SOMAXCONN);
// - at most `max_connections` connections are open; beyond that, accepting pauses.
#pragma once

#include "http/access_log.hpp"
#include "http/http_message.hpp"
#include "http/log.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pf_http {

inline constexpr size_t kMaxHeaderFields = 100;
inline constexpr size_t kMaxHeaderLineBytes = 8192;
inline constexpr size_t kMaxTargetBytes = 8192;

struct TransportLimits {
    size_t max_header_bytes = 32768;
    size_t max_body_bytes = 4 << 20;
    std::chrono::milliseconds request_timeout{10000};
    std::chrono::milliseconds keep_alive_timeout{5000};
    std::chrono::milliseconds write_timeout{10000};
    std::chrono::milliseconds shutdown_timeout{10000};
    size_t keep_alive_max = 1000;
    size_t max_connections = 10000;
};

// The application. Handle is called on the loop thread; `reply` must be called exactly once, on
// the loop thread (post to the io_context from other threads).
class RequestHandler {
public:
    virtual ~RequestHandler() = default;
    virtual void Handle(HttpRequest request, Reply reply) = 0;
};

class HttpServer {
public:
    HttpServer(boost::asio::io_context &ioc, TransportLimits limits, RequestHandler &handler, Logger &log,
               AccessLogSettings access_log = {});
    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    // Binds and listens; false (with *error) when the address cannot be used.
    bool Listen(const std::string &host, int port, std::string *error);
    // The port listened on (useful after Listen with port 0).
    int port() const;
    // Starts accepting (on the loop).
    void Start();
    // Graceful stop: no new connections; idle and half-read connections are closed at once;
    // requests being answered finish (with `Connection: close`). `done` runs on the loop when the
    // last connection has closed, or when shutdown_timeout has passed (then every connection is
    // closed first).
    void Stop(std::function<void()> done);

private:
    class Session;
    class Impl;
    std::shared_ptr<Impl> impl_;  // shared with the sessions, which may outlive this object
};

}  // namespace pf_http
