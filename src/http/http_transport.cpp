// The event-driven HTTP/1.1 transport (see http_transport.hpp for the rules it enforces).
//
// A Session is one connection. Its life is a loop of phases, each bounded by the session's one
// timer:
//   idle     waiting for the first byte of the next request       keep_alive_timeout -> close
//   reading  request line, headers, body (Beast's strict parser)   request_timeout    -> 408, close
//   handling the application has the request                      (the application's own bounds)
//   writing  the answer                                            write_timeout      -> close
// Closing after an answer shuts down the sending side first and reads (and discards) what the
// client still sends for a short while, so that the answer is not destroyed by a TCP reset.
#include "http/http_transport.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

#include <ctime>
#include <optional>
#include <unordered_set>

namespace pf_http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::chrono::milliseconds kLingerTime{2000};  // reading after a closing answer
constexpr size_t kLingerBytes = 1 << 20;
constexpr std::chrono::milliseconds kAcceptRetry{100};  // after EMFILE and the like

bool IEquals(std::string_view a, std::string_view b) {
    return beast::iequals(a, b);
}

bool AllDigits(std::string_view v) {
    if (v.empty()) return false;
    for (char c : v)
        if (c < '0' || c > '9') return false;
    return true;
}

// RFC 7231 IMF-fixdate of the current second, cached per second (one loop thread).
const std::string &HttpDate() {
    static std::time_t cached_second = 0;
    static std::string cached;
    std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        std::tm tm{};
        gmtime_r(&now, &tm);
        char text[64];
        std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cached = text;
        cached_second = now;
    }
    return cached;
}

}  // namespace

// ------------------------------------------------------------------------------------------

class HttpServer::Impl : public std::enable_shared_from_this<HttpServer::Impl> {
public:
    Impl(asio::io_context &ioc, TransportLimits limits, RequestHandler &handler, Logger &log,
         AccessLogSettings access_log)
        : ioc(ioc),
          limits(limits),
          handler(handler),
          log(log),
          access_log(std::move(access_log)),
          acceptor(ioc),
          retry_timer(ioc),
          shutdown_timer(ioc) {}

    void Accept();
    void SessionOpened(Session *s) { sessions.insert(s); }
    void SessionClosed(Session *s);
    void Stop(std::function<void()> done);
    void FinishStop();

    asio::io_context &ioc;
    const TransportLimits limits;
    RequestHandler &handler;
    Logger &log;
    const AccessLogSettings access_log;
    tcp::acceptor acceptor;
    asio::steady_timer retry_timer;
    asio::steady_timer shutdown_timer;
    std::unordered_set<Session *> sessions;
    bool accepting = false;  // an async_accept is pending
    bool stopping = false;
    std::function<void()> on_stopped;
};

class HttpServer::Session : public std::enable_shared_from_this<Session> {
public:
    Session(std::shared_ptr<Impl> server, tcp::socket socket)
        : owner_(std::move(server)), server_(*owner_), socket_(std::move(socket)), timer_(socket_.get_executor()) {
        error_code ec;
        socket_.set_option(tcp::no_delay(true), ec);
        auto endpoint = socket_.remote_endpoint(ec);
        if (!ec) remote_ = endpoint.address().to_string();
        server_.SessionOpened(this);
    }
    ~Session() { server_.SessionClosed(this); }

    void Start() { ReadNext(); }

    // Shutdown: connections that are not being answered close now.
    void Shutdown() {
        if (phase_ == Phase::kIdle || phase_ == Phase::kReading || phase_ == Phase::kLingering) Close();
    }
    void Close() {
        if (phase_ == Phase::kClosed) return;
        phase_ = Phase::kClosed;
        timer_.cancel();
        error_code ec;
        socket_.shutdown(tcp::socket::shutdown_both, ec);
        socket_.close(ec);
    }

private:
    enum class Phase { kIdle, kReading, kHandling, kWriting, kLingering, kClosed };

    // Arms the session timer; `on_expiry` runs if it fires before the next Arm/cancel.
    template <class Fn>
    void Arm(std::chrono::milliseconds after, Fn on_expiry) {
        timer_.expires_after(after);
        timer_.async_wait([self = shared_from_this(), generation = ++timer_generation_, on_expiry](error_code ec) {
            if (ec || generation != self->timer_generation_ || self->phase_ == Phase::kClosed) return;
            on_expiry(*self);
        });
    }
    void Disarm() {
        ++timer_generation_;
        timer_.cancel();
    }

    void ReadNext() {
        if (server_.stopping) return Close();
        phase_ = Phase::kIdle;
        if (buffer_.size() > 0) return BeginRequest();  // a pipelined request is already here
        buffer_.shrink_to_fit();                        // an idle connection keeps no buffer
        Arm(server_.limits.keep_alive_timeout, [](Session &s) { s.Close(); });
        socket_.async_read_some(asio::buffer(&first_byte_, 1), [self = shared_from_this()](error_code ec, size_t n) {
            if (self->phase_ != Phase::kIdle) return;
            if (ec || n == 0) return self->Close();
            auto room = self->buffer_.prepare(1);
            *static_cast<char *>(room.data()) = self->first_byte_;
            self->buffer_.commit(1);
            self->BeginRequest();
        });
    }

    void BeginRequest() {
        phase_ = Phase::kReading;
        started_ = Clock::now();
        timed_out_ = false;
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(server_.limits.max_header_bytes));
        parser_->body_limit(static_cast<std::uint64_t>(server_.limits.max_body_bytes));
        Arm(server_.limits.request_timeout, [](Session &s) {
            s.timed_out_ = true;
            error_code ec;
            s.socket_.cancel(ec);  // the pending read completes with operation_aborted
        });
        bhttp::async_read_header(socket_, buffer_, *parser_,
                                 [self = shared_from_this()](error_code ec, size_t) { self->OnHeader(ec); });
    }

    void OnHeader(error_code ec) {
        if (phase_ != Phase::kReading) return;
        if (ec) return ReadFailed(ec);
        const auto &req = parser_->get();
        if (req.version() < 10 || req.version() > 11) return Refuse(400);
        if (req.target().size() > kMaxTargetBytes) return Refuse(414);
        size_t fields = 0, content_lengths = 0, transfer_encodings = 0;
        bool long_line = false, bad_framing = false;
        for (const auto &field : req) {
            ++fields;
            if (field.name_string().size() + 2 + field.value().size() > kMaxHeaderLineBytes) long_line = true;
            if (field.name() == bhttp::field::content_length) {
                ++content_lengths;
                if (!AllDigits(field.value())) bad_framing = true;
            } else if (field.name() == bhttp::field::transfer_encoding) {
                ++transfer_encodings;
                if (!IEquals(field.value(), "chunked")) bad_framing = true;
            }
        }
        if (fields > kMaxHeaderFields) return Refuse(431);
        if (long_line) return Refuse(400);
        if (bad_framing || content_lengths > 1 || transfer_encodings > 1 ||
            (content_lengths > 0 && transfer_encodings > 0))
            return Refuse(400);
        if (auto length = parser_->content_length(); length && *length > server_.limits.max_body_bytes)
            return Refuse(413);
        if (parser_->is_done()) return Dispatch();  // no body
        auto expect = req.find(bhttp::field::expect);
        if (expect != req.end() && IEquals(expect->value(), "100-continue")) {
            static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
            asio::async_write(socket_, asio::buffer(kContinue, sizeof kContinue - 1),
                              [self = shared_from_this()](error_code ec, size_t) {
                                  if (self->phase_ != Phase::kReading) return;
                                  if (ec) return self->ReadFailed(ec);
                                  self->ReadBody();
                              });
            return;
        }
        ReadBody();
    }

    void ReadBody() {
        bhttp::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](error_code ec, size_t) {
            if (self->phase_ != Phase::kReading) return;
            if (ec) return self->ReadFailed(ec);
            self->Dispatch();
        });
    }

    void ReadFailed(error_code ec) {
        if (timed_out_) return Refuse(408);
        if (ec == bhttp::error::header_limit) return Refuse(431);
        if (ec == bhttp::error::body_limit) return Refuse(413);
        if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return Close();
        if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) return Refuse(400);
        Close();  // reset, aborted, ...
    }

    // An answer given without reading the whole request: the connection cannot be reused.
    void Refuse(int status) {
        keep_alive_ = false;
        head_ = false;
        parser_.reset();
        method_ = "-";
        path_ = "-";
        client_ = remote_;
        Respond(DetailResponse(status));
    }

    void Dispatch() {
        phase_ = Phase::kHandling;
        Disarm();
        bhttp::request<bhttp::string_body> message = parser_->release();
        parser_.reset();
        HttpRequest request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        request.path = TargetPath(request.target);
        request.headers.reserve(16);
        for (const auto &field : message)
            request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        request.body = std::move(message.body());
        request.remote_address = remote_;
        ++served_;
        keep_alive_ = message.keep_alive() && served_ < server_.limits.keep_alive_max;
        head_ = message.method() == bhttp::verb::head;
        if (server_.access_log.enabled || server_.access_log.on_answered) {
            method_ = request.method;
            path_ = request.path;
            client_ = ClientAddress(remote_, request.Header("X-Forwarded-For"), server_.access_log.trusted_proxies);
        }
        try {
            server_.handler.Handle(std::move(request),
                                   [self = shared_from_this()](HttpResponse r) { self->Respond(std::move(r)); });
        } catch (const std::exception &e) {
            server_.log.Limited("handler", std::string("exception while handling a request: ") + e.what());
            if (phase_ == Phase::kHandling) Respond(DetailResponse(500));
        }
    }

    void Respond(HttpResponse answer) {
        if (phase_ == Phase::kClosed || phase_ == Phase::kWriting || phase_ == Phase::kLingering) return;
        phase_ = Phase::kWriting;
        if (answer.close || server_.stopping) keep_alive_ = false;
        response_ = {};
        response_.version(11);
        response_.result(static_cast<unsigned>(answer.status));
        response_.set(bhttp::field::date, HttpDate());
        for (auto &[name, value] : answer.headers) response_.insert(name, value);
        response_.set(bhttp::field::content_length, std::to_string(answer.body.size()));
        if (!keep_alive_) response_.set(bhttp::field::connection, "close");
        response_bytes_ = answer.body.size();
        status_ = answer.status;
        content_encoding_.clear();
        for (const auto &[name, value] : answer.headers)
            if (beast::iequals(name, "Content-Encoding")) content_encoding_ = value;
        if (!head_) response_.body() = std::move(answer.body);
        Arm(server_.limits.write_timeout, [](Session &s) { s.Close(); });
        bhttp::async_write(socket_, response_,
                           [self = shared_from_this()](error_code ec, size_t) { self->OnWritten(ec); });
    }

    void OnWritten(error_code ec) {
        if (phase_ != Phase::kWriting) return;
        if (server_.access_log.enabled || server_.access_log.on_answered) {
            AccessLogEntry entry;
            entry.time = std::chrono::system_clock::now();
            entry.method = method_;
            entry.path = path_;
            entry.status = status_;
            entry.bytes = response_bytes_;
            entry.ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
            entry.client = client_;
            entry.content_encoding = content_encoding_;
            if (server_.access_log.enabled) server_.log.Raw(FormatAccessLog(entry));
            if (server_.access_log.on_answered) server_.access_log.on_answered(entry);
        }
        response_ = {};
        if (ec) return Close();
        if (!keep_alive_) return Linger();
        ReadNext();
    }

    // After a closing answer: FIN, then discard what the client still sends (bounded), so that
    // unread request bytes do not turn the close into a reset that destroys the answer.
    void Linger() {
        phase_ = Phase::kLingering;
        error_code ec;
        socket_.shutdown(tcp::socket::shutdown_send, ec);
        if (ec) return Close();
        buffer_.clear();
        buffer_.shrink_to_fit();
        lingered_ = 0;
        Arm(kLingerTime, [](Session &s) { s.Close(); });
        Discard();
    }
    void Discard() {
        socket_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](error_code ec, size_t n) {
            if (self->phase_ != Phase::kLingering) return;
            self->lingered_ += n;
            if (ec || self->lingered_ > kLingerBytes) return self->Close();
            self->Discard();
        });
    }

    std::shared_ptr<Impl> owner_;
    Impl &server_;
    tcp::socket socket_;
    asio::steady_timer timer_;
    uint64_t timer_generation_ = 0;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    bhttp::response<bhttp::string_body> response_;
    Phase phase_ = Phase::kIdle;
    char first_byte_ = 0;
    char discard_[512];
    size_t lingered_ = 0;
    bool timed_out_ = false;
    bool keep_alive_ = true;
    bool head_ = false;
    size_t served_ = 0;
    std::string remote_;
    // for the access log
    Clock::time_point started_;
    std::string method_, path_, client_;
    int status_ = 0;
    size_t response_bytes_ = 0;
    std::string content_encoding_;
};

void HttpServer::Impl::Accept() {
    if (stopping || accepting || !acceptor.is_open()) return;
    if (sessions.size() >= limits.max_connections) return;  // resumed by SessionClosed
    accepting = true;
    acceptor.async_accept([this](error_code ec, tcp::socket socket) {
        accepting = false;
        if (stopping) return;
        if (ec) {
            if (ec == asio::error::operation_aborted) return;
            log.Limited("accept", "accept failed: " + ec.message());
            retry_timer.expires_after(kAcceptRetry);
            retry_timer.async_wait([this](error_code e) {
                if (!e) Accept();
            });
            return;
        }
        std::make_shared<Session>(shared_from_this(), std::move(socket))->Start();
        Accept();
    });
}

void HttpServer::Impl::SessionClosed(Session *s) {
    sessions.erase(s);
    if (stopping) {
        if (sessions.empty()) FinishStop();
        return;
    }
    if (!accepting) Accept();
}

void HttpServer::Impl::Stop(std::function<void()> done) {
    if (stopping) return;
    stopping = true;
    on_stopped = std::move(done);
    error_code ec;
    acceptor.close(ec);
    retry_timer.cancel();
    // Copy: closing a session may destroy it (and erase it from the set) later, on the loop.
    std::vector<Session *> open(sessions.begin(), sessions.end());
    for (Session *s : open) s->Shutdown();
    if (sessions.empty()) {
        asio::post(ioc, [this] { FinishStop(); });
        return;
    }
    shutdown_timer.expires_after(limits.shutdown_timeout);
    shutdown_timer.async_wait([this](error_code e) {
        if (e) return;
        if (!sessions.empty())
            log.Line("shutdown timeout: closing " + std::to_string(sessions.size()) + " connection(s)");
        std::vector<Session *> left(sessions.begin(), sessions.end());
        for (Session *s : left) s->Close();
        FinishStop();
    });
}

void HttpServer::Impl::FinishStop() {
    shutdown_timer.cancel();
    if (auto done = std::move(on_stopped)) {
        on_stopped = nullptr;
        done();
    }
}

// ------------------------------------------------------------------------------------------

HttpServer::HttpServer(asio::io_context &ioc, TransportLimits limits, RequestHandler &handler, Logger &log,
                       AccessLogSettings access_log)
    : impl_(std::make_shared<Impl>(ioc, limits, handler, log, std::move(access_log))) {}

HttpServer::~HttpServer() = default;

bool HttpServer::Listen(const std::string &host, int port, std::string *error) {
    error_code ec;
    tcp::resolver resolver(impl_->ioc);
    auto results =
        resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
        *error = "cannot resolve " + host + ": " + ec.message();
        return false;
    }
    tcp::endpoint endpoint = results.begin()->endpoint();
    tcp::acceptor &a = impl_->acceptor;
    a.open(endpoint.protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);  // TIME_WAIT only; no SO_REUSEPORT
    if (!ec) a.bind(endpoint, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);  // SOMAXCONN
    if (ec) {
        *error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
        a.close(ec);
        return false;
    }
    return true;
}

void HttpServer::Start() {
    asio::post(impl_->ioc, [impl = impl_.get()] { impl->Accept(); });
}

void HttpServer::Stop(std::function<void()> done) {
    impl_->Stop(std::move(done));
}

int HttpServer::port() const {
    error_code ec;
    auto endpoint = impl_->acceptor.local_endpoint(ec);
    return ec ? 0 : endpoint.port();
}

}  // namespace pf_http
