// The access log (src/http/access_log.*): its JSON line, the client address behind a trusted
// proxy, and the transport writing one line per answered request.
#include "http/access_log.hpp"
#include "http/http_transport.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <future>
#include <thread>

namespace pf_http {
namespace {

TEST(AccessLog, OneJsonObjectPerLine) {
    AccessLogEntry e;
    e.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764693901123LL));
    e.method = "POST";
    e.path = "/api/deployments/filter\"\n\xff";  // quotes, control and invalid UTF-8 stay inside the string
    e.status = 200;
    e.bytes = 24687;
    e.ms = 0.91234;
    e.client = "203.0.113.7";
    std::string line = FormatAccessLog(e);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["time"], "2025-12-02T16:45:01.123Z");
    EXPECT_EQ(j["method"], "POST");
    EXPECT_EQ(j["path"], "/api/deployments/filter\"\n\xef\xbf\xbd");
    EXPECT_EQ(j["status"], 200);
    EXPECT_EQ(j["bytes"], 24687);
    EXPECT_DOUBLE_EQ(j["ms"].get<double>(), 0.912);
    EXPECT_EQ(j["client"], "203.0.113.7");
}

TEST(AccessLog, ClientBehindATrustedProxyOnly) {
    const std::vector<std::string> trusted = {"127.0.0.1", "10.0.0.2"};
    std::string xff = "198.51.100.1, 203.0.113.7";
    EXPECT_EQ(ClientAddress("127.0.0.1", &xff, trusted), "203.0.113.7");  // the address nginx appended
    EXPECT_EQ(ClientAddress("10.0.0.9", &xff, trusted), "10.0.0.9");      // an untrusted peer's header is ignored
    EXPECT_EQ(ClientAddress("127.0.0.1", nullptr, trusted), "127.0.0.1");
    std::string empty = " ";
    EXPECT_EQ(ClientAddress("127.0.0.1", &empty, trusted), "127.0.0.1");
    std::string one = "203.0.113.9";
    EXPECT_EQ(ClientAddress("10.0.0.2", &one, trusted), "203.0.113.9");
    EXPECT_EQ(ClientAddress("127.0.0.1", &xff, {}), "127.0.0.1");  // no trusted proxy configured
}

class Ok : public RequestHandler {
public:
    void Handle(HttpRequest, Reply reply) override {
        HttpResponse r;
        r.body = "ok";
        reply(std::move(r));
    }
};

TEST(AccessLog, TheTransportWritesOneLinePerAnswer) {
    std::FILE *out = std::tmpfile();
    ASSERT_NE(out, nullptr);
    Logger log(out);
    boost::asio::io_context ioc;
    Ok ok;
    AccessLogSettings settings;
    settings.enabled = true;
    settings.trusted_proxies = {"127.0.0.1"};
    HttpServer server(ioc, TransportLimits{}, ok, log, settings);
    std::string error;
    ASSERT_TRUE(server.Listen("127.0.0.1", 0, &error)) << error;
    server.Start();
    auto work = boost::asio::make_work_guard(ioc);
    std::thread loop([&] { ioc.run(); });

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server.port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    std::string request =
        "POST /api/deployments/count HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7\r\nContent-Length: 2\r\n\r\n{}"
        "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n";  // refused: 413, logged too
    ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
    std::string got;
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<size_t>(n));  // until the 413 closes
    close(fd);
    std::promise<void> stopped;
    boost::asio::post(ioc, [&] { server.Stop([&] { stopped.set_value(); }); });
    stopped.get_future().wait_for(std::chrono::seconds(5));
    work.reset();
    loop.join();

    std::rewind(out);
    std::vector<nlohmann::json> lines;
    char line[4096];
    while (std::fgets(line, sizeof line, out)) lines.push_back(nlohmann::json::parse(line));
    std::fclose(out);
    ASSERT_EQ(lines.size(), 2u) << got;
    EXPECT_EQ(lines[0]["method"], "POST");
    EXPECT_EQ(lines[0]["path"], "/api/deployments/count");
    EXPECT_EQ(lines[0]["status"], 200);
    EXPECT_EQ(lines[0]["bytes"], 2);
    EXPECT_EQ(lines[0]["client"], "203.0.113.7");
    EXPECT_EQ(lines[1]["status"], 413);
    EXPECT_EQ(lines[1]["method"], "-");
    EXPECT_EQ(lines[1]["client"], "127.0.0.1");
}

}  // namespace
}  // namespace pf_http
