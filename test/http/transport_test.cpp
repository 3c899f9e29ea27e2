// Tests of the HTTP transport (src/http/http_transport.*) over real loopback sockets, with a
// stand-in application that echoes what it received. Each test writes raw bytes, as an attacker
// or a plain client would, and reads the raw answers: framing, limits, deadlines, pipelining,
// keep-alive and shutdown as doc/http.md states them.
#include "http/http_transport.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace pf_http {
namespace {

using namespace std::chrono_literals;

// Echoes "METHOD PATH <body bytes>:<body>"; a body of "slow" is answered after 300 ms.
class EchoHandler : public RequestHandler {
public:
    explicit EchoHandler(boost::asio::io_context &ioc) : ioc_(ioc) {}
    void Handle(HttpRequest request, Reply reply) override {
        ++handled;
        HttpResponse r;
        r.body = request.method + " " + request.path + " " + std::to_string(request.body.size()) + ":" + request.body;
        r.headers.emplace_back("Content-Type", "text/plain");
        if (request.body == "slow") {
            auto timer = std::make_shared<boost::asio::steady_timer>(ioc_, 300ms);
            timer->async_wait([timer, reply, r](auto) { reply(r); });
            return;
        }
        reply(std::move(r));
    }
    std::atomic<int> handled{0};

private:
    boost::asio::io_context &ioc_;
};

struct Response {
    int status = 0;
    std::string head;  // status line and headers
    std::string body;
    bool HasHeader(const std::string &line) const { return head.find("\r\n" + line + "\r\n") != std::string::npos; }
};

// A blocking client socket with a receive timeout.
class Client {
public:
    explicit Client(int port) {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = connect(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
    }
    ~Client() {
        if (fd_ >= 0) close(fd_);
    }
    bool connected() const { return connected_; }
    void Send(const std::string &bytes) {
        size_t sent = 0;
        while (sent < bytes.size()) {
            ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return;
            sent += static_cast<size_t>(n);
        }
    }
    // Reads until `done(buffer)` or EOF or `timeout`; returns false on timeout.
    template <class Done>
    bool ReadUntil(Done done, std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done(buffer_)) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
            char chunk[65536];
            ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) {
                eof_ = true;
                return true;
            }
            buffer_.append(chunk, static_cast<size_t>(n));
        }
        return true;
    }
    // The next complete response (Content-Length framing), or status 0 if none arrives in time.
    Response Next(std::chrono::milliseconds timeout = 3000ms) {
        Response r;
        auto complete = [this](const std::string &b) {
            size_t end = b.find("\r\n\r\n");
            if (end == std::string::npos) return false;
            if (head_only_) return true;
            size_t cl = b.find("Content-Length: ");
            if (b.compare(0, 12, "HTTP/1.1 100") == 0) return true;
            if (cl == std::string::npos || cl > end) return true;
            size_t length = std::stoul(b.substr(cl + 16));
            return b.size() >= end + 4 + length;
        };
        ReadUntil(complete, timeout);
        if (!complete(buffer_)) return r;
        size_t end = buffer_.find("\r\n\r\n");
        r.head = buffer_.substr(0, end + 2);
        r.status = std::stoi(buffer_.substr(9, 3));
        size_t length = 0;
        size_t cl = r.head.find("Content-Length: ");
        if (cl != std::string::npos && !head_only_) length = std::stoul(r.head.substr(cl + 16));
        head_only_ = false;
        r.body = buffer_.substr(end + 4, length);
        buffer_.erase(0, end + 4 + length);
        return r;
    }
    // True if the server closes the connection within `timeout` (nothing more arrives).
    bool ClosedWithin(std::chrono::milliseconds timeout) {
        ReadUntil([this](const std::string &) { return eof_; }, timeout);
        return eof_;
    }
    void HeadOnly() { head_only_ = true; }  // the next answer is to a HEAD: no body follows
    const std::string &pending() const { return buffer_; }

private:
    int fd_ = -1;
    bool connected_ = false;
    bool eof_ = false;
    bool head_only_ = false;
    std::string buffer_;
};

class TransportTest : public ::testing::Test {
protected:
    void StartServer(TransportLimits limits) {
        handler_ = std::make_unique<EchoHandler>(ioc_);
        server_ = std::make_unique<HttpServer>(ioc_, limits, *handler_, log_);
        std::string error;
        ASSERT_TRUE(server_->Listen("127.0.0.1", 0, &error)) << error;
        port_ = server_->port();
        server_->Start();
        work_ = std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
            ioc_.get_executor());
        thread_ = std::thread([this] { ioc_.run(); });
    }
    void SetUp() override {
        TransportLimits limits;
        limits.max_body_bytes = 1000;
        limits.request_timeout = 600ms;
        limits.keep_alive_timeout = 400ms;
        limits.write_timeout = 1000ms;
        limits.shutdown_timeout = 800ms;
        limits.keep_alive_max = 5;
        StartServer(limits);
    }
    void TearDown() override { StopServer(); }
    void StopServer() {
        if (!thread_.joinable()) return;
        std::promise<void> stopped;
        boost::asio::post(ioc_, [&] { server_->Stop([&] { stopped.set_value(); }); });
        stopped.get_future().wait_for(5s);
        work_.reset();
        thread_.join();
    }

    static std::string Post(const std::string &path, const std::string &body, const std::string &extra = "") {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
               extra + "\r\n" + body;
    }

    boost::asio::io_context ioc_;
    Logger log_;
    std::unique_ptr<EchoHandler> handler_;
    std::unique_ptr<HttpServer> server_;
    std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::thread thread_;
    int port_ = 0;
};

TEST_F(TransportTest, AnswersAndKeepsAlive) {
    Client c(port_);
    ASSERT_TRUE(c.connected());
    c.Send(Post("/a", "{}"));
    Response r = c.Next();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "POST /a 2:{}");
    EXPECT_TRUE(r.HasHeader("Content-Length: 12"));
    EXPECT_EQ(r.head.find("Connection: close"), std::string::npos);
    c.Send(Post("/b", "x"));
    EXPECT_EQ(c.Next().body, "POST /b 1:x");
}

TEST_F(TransportTest, PipelinedRequestsAreAnsweredInOrder) {
    Client c(port_);
    c.Send(Post("/1", "one") + "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n" + Post("/3", "three"));
    EXPECT_EQ(c.Next().body, "POST /1 3:one");
    EXPECT_EQ(c.Next().body, "GET /2 0:");
    EXPECT_EQ(c.Next().body, "POST /3 5:three");
}

TEST_F(TransportTest, BodyOfAnyMethodIsReadSoNothingIsSmuggled) {
    const std::string inner = Post("/smuggled", "{}");
    for (const char *method : {"GET", "HEAD", "OPTIONS", "DELETE"}) {
        Client c(port_);
        if (std::string(method) == "HEAD") c.HeadOnly();
        c.Send(std::string(method) + " /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: " +
               std::to_string(inner.size()) + "\r\n\r\n" + inner);
        Response first = c.Next();
        EXPECT_EQ(first.status, 200) << method;
        if (std::string(method) != "HEAD") {
            EXPECT_EQ(first.body, std::string(method) + " /api/health " + std::to_string(inner.size()) + ":" + inner);
        }
        c.Send(Post("/next", "n"));
        Response second = c.Next();
        EXPECT_EQ(second.status, 200) << method;
        EXPECT_EQ(second.body, "POST /next 1:n") << method;
        EXPECT_TRUE(c.pending().empty()) << method << ": an extra answer arrived";
    }
}

TEST_F(TransportTest, PostWithoutLengthHasAnEmptyBody) {
    Client c(port_);
    c.Send("POST /x HTTP/1.1\r\nHost: x\r\n\r\n");
    Response r = c.Next(1000ms);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "POST /x 0:");
}

TEST_F(TransportTest, AmbiguousFramingIsRefusedAndCloses) {
    const char *cases[] = {
        "Content-Length: 2\r\nContent-Length: 2\r\n",
        "Content-Length: 2\r\nContent-Length: 3\r\n",
        "Content-Length: 0x2\r\n",
        "Content-Length: -1\r\n",
        "Content-Length: +2\r\n",
        "Content-Length: 2,2\r\n",
        "Content-Length: \r\n",
        "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n",
        "Transfer-Encoding: gzip, chunked\r\n",
        "Transfer-Encoding: chunked, gzip\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: identity\r\n",
    };
    for (const char *framing : cases) {
        Client c(port_);
        c.Send(std::string("POST /x HTTP/1.1\r\nHost: x\r\n") + framing + "\r\n{}");
        Response r = c.Next();
        EXPECT_EQ(r.status, 400) << framing;
        EXPECT_EQ(r.body, R"({"detail":"Bad Request"})") << framing;
        EXPECT_TRUE(r.HasHeader("Connection: close")) << framing;
        EXPECT_TRUE(c.ClosedWithin(3000ms)) << framing;
    }
    EXPECT_EQ(handler_->handled, 0);
}

TEST_F(TransportTest, ChunkedBodies) {
    Client ok(port_);
    ok.Send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\n{}\r\n1;ext=1\r\nx\r\n0\r\n\r\n");
    EXPECT_EQ(ok.Next().body, "POST /c 3:{}x");
    for (const char *bad : {"z\r\n{}\r\n0\r\n\r\n", "2\r\n{}XX0\r\n\r\n", "ffffffffffffffffff\r\n", "-2\r\n{}\r\n"}) {
        Client c(port_);
        c.Send(std::string("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n") + bad);
        Response r = c.Next();
        EXPECT_TRUE(r.status == 400 || r.status == 413) << bad << " -> " << r.status;
        EXPECT_TRUE(c.ClosedWithin(3000ms)) << bad;
    }
}

TEST_F(TransportTest, OversizedBodyIsRefusedBeforeItIsRead) {
    Client c(port_);
    auto t0 = std::chrono::steady_clock::now();
    c.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n");  // no body sent at all
    Response r = c.Next(2000ms);
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(r.body, R"({"detail":"Request Entity Too Large"})");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 400ms);
    EXPECT_TRUE(c.ClosedWithin(3000ms));

    Client chunked(port_);
    chunked.Send("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 3; ++i) chunked.Send("190\r\n" + std::string(400, 'a') + "\r\n");
    EXPECT_EQ(chunked.Next(2000ms).status, 413);
    EXPECT_TRUE(chunked.ClosedWithin(3000ms));
}

TEST_F(TransportTest, ExpectContinue) {
    Client c(port_);
    c.Send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
    Response interim = c.Next(1000ms);
    EXPECT_EQ(interim.status, 100);
    c.Send("{}");
    EXPECT_EQ(c.Next().body, "POST /e 2:{}");

    Client big(port_);
    big.Send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
    EXPECT_EQ(big.Next(1000ms).status, 413);
}

TEST_F(TransportTest, HeaderLimits) {
    Client many(port_);
    std::string request = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 150; ++i) request += "X-" + std::to_string(i) + ": 1\r\n";
    many.Send(request + "\r\n");
    EXPECT_EQ(many.Next().status, 431);
    EXPECT_TRUE(many.ClosedWithin(3000ms));

    Client flood(port_);  // far beyond max_header_bytes: refused at the limit, not buffered
    flood.Send("GET / HTTP/1.1\r\n");
    std::string lines;
    for (int i = 0; i < 10000; ++i) lines += "X: 1\r\n";
    flood.Send(lines);
    EXPECT_EQ(flood.Next().status, 431);

    Client long_line(port_);
    long_line.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
    EXPECT_EQ(long_line.Next().status, 400);

    Client long_target(port_);
    long_target.Send("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    Response r = long_target.Next();
    EXPECT_EQ(r.status, 414);
    EXPECT_EQ(r.body, R"({"detail":"Request-URI Too Long"})");
}

TEST_F(TransportTest, MalformedRequestsAreRefusedAndClose) {
    for (const char *bad : {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", "GARBAGE\r\n\r\n",
                            "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", "GET / HTTP/1.1\nHost: x\n\n"}) {
        Client c(port_);
        c.Send(bad);
        Response r = c.Next();
        EXPECT_EQ(r.status, 400) << bad;
        EXPECT_TRUE(c.ClosedWithin(3000ms)) << bad;
    }
}

TEST_F(TransportTest, SlowRequestGets408AndIdleConnectionCloses) {
    Client slow(port_);
    auto t0 = std::chrono::steady_clock::now();
    slow.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab");  // 3 bytes never come
    Response r = slow.Next(3000ms);
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.status, 408);
    EXPECT_GE(took, 500ms);
    EXPECT_LT(took, 2000ms);
    EXPECT_TRUE(slow.ClosedWithin(3000ms));

    Client trickle(port_);  // a byte every 100 ms: the deadline is for the whole request
    t0 = std::chrono::steady_clock::now();
    std::string request = "GET /slowloris HTTP/1.1\r\nHost: x\r\n";
    for (char ch : request) {
        trickle.Send(std::string(1, ch));
        std::this_thread::sleep_for(100ms);
        if (std::chrono::steady_clock::now() - t0 > 1500ms) break;
    }
    EXPECT_EQ(trickle.Next(2000ms).status, 408);

    Client idle(port_);
    idle.Send(Post("/x", "1"));
    EXPECT_EQ(idle.Next().status, 200);
    t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(idle.ClosedWithin(2000ms));
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
    EXPECT_TRUE(idle.pending().empty());  // closed silently
}

TEST_F(TransportTest, ConnectionCloseHttp10AndKeepAliveMax) {
    Client c(port_);
    c.Send("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    Response r = c.Next();
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.HasHeader("Connection: close"));
    EXPECT_TRUE(c.ClosedWithin(1000ms));

    Client old(port_);
    old.Send("GET /x HTTP/1.0\r\n\r\n");
    EXPECT_EQ(old.Next().status, 200);
    EXPECT_TRUE(old.ClosedWithin(1000ms));

    Client many(port_);
    for (int i = 1; i <= 5; ++i) {
        many.Send("GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        Response answer = many.Next();
        EXPECT_EQ(answer.status, 200);
        EXPECT_EQ(answer.HasHeader("Connection: close"), i == 5) << i;
    }
    EXPECT_TRUE(many.ClosedWithin(1000ms));
}

TEST_F(TransportTest, HeadHasNoBody) {
    Client c(port_);
    c.HeadOnly();
    c.Send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n");
    Response head = c.Next();
    EXPECT_EQ(head.status, 200);
    EXPECT_TRUE(head.HasHeader("Content-Length: 10"));  // the length of "HEAD /h 0:", which is not sent
    Response after = c.Next();                          // starts right after the head
    EXPECT_EQ(after.status, 200);
    EXPECT_EQ(after.body, "GET /after 0:");
}

TEST_F(TransportTest, SecondListenerOnTheSamePortFails) {
    EchoHandler other_handler(ioc_);
    HttpServer other(ioc_, TransportLimits{}, other_handler, log_);
    std::string error;
    EXPECT_FALSE(other.Listen("127.0.0.1", port_, &error));
    EXPECT_NE(error.find("in use"), std::string::npos) << error;
}

TEST_F(TransportTest, ShutdownClosesIdleAndHalfSentAndAnswersInFlight) {
    Client idle(port_);
    idle.Send(Post("/x", "1"));
    EXPECT_EQ(idle.Next().status, 200);
    Client half(port_);
    half.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
    Client busy(port_);
    busy.Send(Post("/x", "slow"));
    std::this_thread::sleep_for(100ms);
    auto t0 = std::chrono::steady_clock::now();
    std::promise<void> stopped;
    boost::asio::post(ioc_, [&] { server_->Stop([&] { stopped.set_value(); }); });
    Response r = busy.Next(2000ms);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "POST /x 4:slow");
    EXPECT_TRUE(r.HasHeader("Connection: close"));
    EXPECT_TRUE(idle.ClosedWithin(1000ms));
    EXPECT_TRUE(half.ClosedWithin(1000ms));
    EXPECT_EQ(stopped.get_future().wait_for(2s), std::future_status::ready);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
    Client late(port_);
    EXPECT_FALSE(late.connected());
    work_.reset();
    thread_.join();
}

TEST_F(TransportTest, ShutdownIsBoundedByItsTimeout) {
    // A handler that never answers would hold shutdown forever without the bound.
    class Silent : public RequestHandler {
    public:
        void Handle(HttpRequest, Reply reply) override { held.push_back(std::move(reply)); }
        std::vector<Reply> held;
    };
    StopServer();
    Silent silent;
    TransportLimits limits;
    limits.shutdown_timeout = 500ms;
    boost::asio::io_context ioc;
    HttpServer server(ioc, limits, silent, log_);
    std::string error;
    ASSERT_TRUE(server.Listen("127.0.0.1", 0, &error));
    server.Start();
    std::thread loop([&] { ioc.run(); });
    Client c(server.port());
    c.Send(Post("/x", "1"));
    std::this_thread::sleep_for(100ms);
    std::promise<void> stopped;
    auto t0 = std::chrono::steady_clock::now();
    boost::asio::post(ioc, [&] { server.Stop([&] { stopped.set_value(); }); });
    EXPECT_EQ(stopped.get_future().wait_for(3s), std::future_status::ready);
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(took, 400ms);
    EXPECT_LT(took, 1500ms);
    EXPECT_TRUE(c.ClosedWithin(1000ms));
    loop.join();
    silent.held.clear();  // the replies hold their sessions, which must go before the io_context
}

TEST_F(TransportTest, ConnectionLimitPausesAccepting) {
    StopServer();
    boost::asio::io_context ioc;
    EchoHandler echo(ioc);
    TransportLimits limits;
    limits.max_connections = 2;
    limits.keep_alive_timeout = 300ms;
    HttpServer server(ioc, limits, echo, log_);
    std::string error;
    ASSERT_TRUE(server.Listen("127.0.0.1", 0, &error));
    server.Start();
    auto work = boost::asio::make_work_guard(ioc);
    std::thread loop([&] { ioc.run(); });
    Client a(server.port()), b(server.port());
    a.Send(Post("/a", "1"));
    b.Send(Post("/b", "1"));
    EXPECT_EQ(a.Next().status, 200);
    EXPECT_EQ(b.Next().status, 200);
    Client third(server.port());  // connects (kernel backlog) but is served only when a slot frees
    third.Send(Post("/c", "1"));
    EXPECT_EQ(third.Next(150ms).status, 0);
    EXPECT_EQ(third.Next(2000ms).status, 200);  // a and b time out after 300 ms idle
    std::promise<void> stopped;
    boost::asio::post(ioc, [&] { server.Stop([&] { stopped.set_value(); }); });
    stopped.get_future().wait_for(2s);
    work.reset();
    loop.join();
}

TEST(TargetPath, StripsQueryAndDecodes) {
    EXPECT_EQ(TargetPath("/api/health?x=1"), "/api/health");
    EXPECT_EQ(TargetPath("/api/deployments/%66ilter"), "/api/deployments/filter");
    EXPECT_EQ(TargetPath("/a%2"), "/a%2");
    EXPECT_EQ(TargetPath("http://host:1/api/health?q"), "/api/health");
    EXPECT_EQ(TargetPath("*"), "*");
    EXPECT_EQ(TargetPath("/a%FFb?x=%FF"),
              "/a\xEF\xBF\xBD"
              "b");  // unquote: invalid UTF-8 -> U+FFFD
}

}  // namespace
}  // namespace pf_http
