// The HTTP face: cpp-httplib routes for Prefect's three deployment endpoints and /api/health,
// answering exactly as Prefect's server does (status codes, bodies, gzip), from the SQL
// functions of the prefect_filter extension through a PgPool.
#pragma once

#include "http/log.hpp"
#include "http/options.hpp"
#include "http/pg_pool.hpp"
#include "http/prefect_http.hpp"

#include <httplib.h>

#include <atomic>
#include <string>

namespace pf_http {

class Server {
public:
    Server(const Options &options, PgPool &pool, Logger &log);
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    // Binds the listening socket; false (with *error) when the address is unusable.
    bool Bind(std::string *error);
    // Serves until Stop(); returns after in-flight requests have been answered.
    bool Run();
    // Thread-safe: stop accepting, let the workers finish what they hold.
    void Stop();

private:
    void Routes();
    void Deployments(Endpoint endpoint, const httplib::Request &req, httplib::Response &res,
                     const httplib::ContentReader &reader);
    Answer Query(Endpoint endpoint, const ParsedBody &body);
    Answer ValidationErrors(Endpoint endpoint, PgPool::Lease &lease, const OJson &body, const SqlError &first);
    // Reads at most max_body_bytes of the body; false when it was larger (or unreadable).
    bool ReadBody(const httplib::ContentReader &reader, httplib::Response &res, std::string *body, bool *too_large);
    void Send(const httplib::Request &req, httplib::Response &res, Answer answer);

    const Options &options_;
    PgPool &pool_;
    Logger &log_;
    std::atomic<bool> stopping_{false};
    httplib::Server http_;
};

}  // namespace pf_http
