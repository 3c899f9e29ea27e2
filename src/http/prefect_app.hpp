// Prefect's routes on the transport: POST /api/deployments/filter, /count, /paginate and
// GET /api/health, /api/ready, answered as Prefect's server answers them (status codes, bodies,
// compression), from the SQL functions of the prefect_filter extension through the PgPool.
//
// Runs on the loop thread. CPU work that grows with the request or the answer (parsing a large
// body, compressing a large answer) goes to a small thread pool, so that one UI page being
// compressed does not hold up every other connection.
#pragma once

#include "http/compressed_cache.hpp"
#include "http/compression.hpp"
#include "http/http_transport.hpp"
#include "http/log.hpp"
#include "http/options.hpp"
#include "http/pg_pool.hpp"
#include "http/prefect_http.hpp"
#include "http/prefect_security.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <memory>

namespace pf_http {

class PrefectApp : public RequestHandler {
public:
    PrefectApp(boost::asio::io_context &ioc, const Options &options, PgPool &pool, Logger &log);
    ~PrefectApp() override;

    void Handle(HttpRequest request, Reply reply) override;

    // Waits for work handed to the thread pool (shutdown).
    void Join();

    // Compressed answers kept for reuse (--compression-cache-mb), for the metrics.
    const CompressedCache &compressed_cache() const { return compressed_cache_; }

    struct Call;  // one request on its way through (prefect_app.cpp)

private:
    void CheckCsrfToken(const std::shared_ptr<Call> &call);
    void Dispatch(const std::shared_ptr<Call> &call);
    void Ready(const std::shared_ptr<Call> &call);
    void Respond(const std::shared_ptr<Call> &call, HttpResponse response);  // adds CORS headers
    void Deployments(const std::shared_ptr<Call> &call);
    void Parsed(const std::shared_ptr<Call> &call);
    void Query(const std::shared_ptr<Call> &call);
    void ValidationErrors(const std::shared_ptr<Call> &call, const SqlError &first);
    void Send(const std::shared_ptr<Call> &call, Answer answer);
    void Fail(const std::shared_ptr<Call> &call, const char *where, const std::exception &e);
    int LevelOf(Encoding encoding) const;
    // Runs `work` on the thread pool and `then(result)` back on the loop.
    template <class Work, class Then>
    void Offload(Work work, Then then);

    boost::asio::io_context &ioc_;
    const Options &options_;
    PgPool &pool_;
    Logger &log_;
    CorsPolicy cors_;
    std::string base_path_;                  // without a trailing '/'
    EncodingSet encodings_ = kAllEncodings;  // --encodings
    CompressedCache compressed_cache_;       // shared by the loop and the thread pool
    boost::asio::thread_pool compute_;
};

}  // namespace pf_http
