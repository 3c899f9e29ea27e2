// libpq's connect with our notice processor from the first byte (src/http/pg_connect.cpp),
// against a stand-in server on a Unix socket that speaks just enough of the protocol: it answers
// the startup packet with AuthenticationOk, ReadyForQuery and, in the same write, the FATAL a
// backend sends when told to stop (what a standby stopped with -m fast does to a connection that
// has just started).
#include "http/pg_connect.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace pf_http {
namespace {

std::string Int32(uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string Message(char type, const std::string &body) {
    return std::string(1, type) + Int32(static_cast<uint32_t>(body.size() + 4)) + body;
}

const char kFatal[] = "terminating connection due to administrator command";

std::string ReadyThenFatal() {
    std::string error;
    for (const auto &[field, value] :
         std::vector<std::pair<char, std::string>>{{'S', "FATAL"}, {'V', "FATAL"}, {'C', "57P01"}, {'M', kFatal}})
        error += std::string(1, field) + value + '\0';
    error += '\0';
    return Message('R', Int32(0)) + Message('Z', "I") + Message('E', error);
}

// A Unix socket "server" at DIR/.s.PGSQL.PORT. kReadyThenFatal: one connection, answered as
// above, then closed. kSilent: connections are queued by the kernel and never answered.
class StandIn {
public:
    enum Mode { kReadyThenFatal, kSilent };

    explicit StandIn(Mode mode) {
        char tmpl[] = "/tmp/pf_connect_test.XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        path_ = dir_ + "/.s.PGSQL.5432";
        fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        path_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)), 0);
        EXPECT_EQ(::listen(fd_, 4), 0);
        if (mode == kReadyThenFatal) server_ = std::thread([this] { AnswerOne(); });
    }
    ~StandIn() {
        ::shutdown(fd_, SHUT_RDWR);
        if (server_.joinable()) server_.join();
        ::close(fd_);
        ::unlink(path_.c_str());
        ::rmdir(dir_.c_str());
    }
    const std::string &dir() const { return dir_; }

private:
    void AnswerOne() {
        const int client = ::accept(fd_, nullptr, nullptr);
        if (client < 0) return;
        // The startup packet: its length, then the rest of it.
        unsigned char head[4];
        if (::recv(client, head, 4, MSG_WAITALL) == 4) {
            const uint32_t length = (uint32_t{head[0]} << 24) | (head[1] << 16) | (head[2] << 8) | head[3];
            std::vector<char> rest(length > 4 && length < 10000 ? length - 4 : 0);
            if (!rest.empty()) (void)::recv(client, rest.data(), rest.size(), MSG_WAITALL);
            const std::string reply = ReadyThenFatal();
            (void)::send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
        }
        ::close(client);
    }

    std::string dir_, path_;
    int fd_ = -1;
    std::thread server_;
};

void Collect(void *arg, const char *message) {
    static_cast<std::vector<std::string> *>(arg)->push_back(message);
}

struct Params {
    std::vector<std::string> storage;
    std::vector<const char *> keys, values;
    Params(std::initializer_list<std::pair<const char *, std::string>> pairs) {
        storage.reserve(pairs.size());
        for (const auto &[key, value] : pairs) {
            storage.push_back(value);
            keys.push_back(key);
        }
        for (const std::string &v : storage) values.push_back(v.c_str());
        keys.push_back(nullptr);
        values.push_back(nullptr);
    }
};

TEST(PgConnect, FatalSentWithReadyForQueryReachesOurProcessorNotStderr) {
    StandIn server(StandIn::kReadyThenFatal);
    Params p{{"host", server.dir()}, {"port", "5432"}, {"user", "u"}, {"dbname", "d"}, {"connect_timeout", "5"}};
    std::vector<std::string> notices;
    std::string why;
    testing::internal::CaptureStderr();
    ConnHandle conn = ConnectWithNotices(p.keys.data(), p.values.data(), 0, Collect, &notices, &why);
    const std::string printed = testing::internal::GetCapturedStderr();
    // libpq parses the FATAL after ReadyForQuery as a notice of an idle connection.
    ASSERT_EQ(notices.size(), 1u) << why;
    EXPECT_NE(notices[0].find(kFatal), std::string::npos) << notices[0];
    EXPECT_EQ(printed, "");
}

// Why pg_connect exists: libpq's blocking connect prints that FATAL through its default notice
// processor before the caller can install its own.
TEST(PgConnect, LibpqsBlockingConnectPrintsItToStderr) {
    StandIn server(StandIn::kReadyThenFatal);
    Params p{{"host", server.dir()}, {"port", "5432"}, {"user", "u"}, {"dbname", "d"}, {"connect_timeout", "5"}};
    testing::internal::CaptureStderr();
    PGconn *conn = PQconnectdbParams(p.keys.data(), p.values.data(), 0);
    const std::string printed = testing::internal::GetCapturedStderr();
    PQfinish(conn);
    EXPECT_NE(printed.find(kFatal), std::string::npos) << printed;
}

TEST(PgConnect, SilentServerTimesOutAfterConnectTimeout) {
    StandIn server(StandIn::kSilent);
    Params p{{"host", server.dir()}, {"port", "5432"}, {"user", "u"}, {"dbname", "d"}, {"connect_timeout", "2"}};
    std::vector<std::string> notices;
    std::string why;
    const auto start = std::chrono::steady_clock::now();
    ConnHandle conn = ConnectWithNotices(p.keys.data(), p.values.data(), 0, Collect, &notices, &why);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(conn, nullptr);
    EXPECT_EQ(why, "timeout expired");
    EXPECT_GE(took, 1.9);
    EXPECT_LT(took, 10.0);
}

TEST(PgConnect, NoServerGivesLibpqsReason) {
    char tmpl[] = "/tmp/pf_connect_test.XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    Params p{{"host", dir}, {"port", "5432"}, {"user", "u"}, {"dbname", "d"}};
    std::vector<std::string> notices;
    std::string why;
    ConnHandle conn = ConnectWithNotices(p.keys.data(), p.values.data(), 0, Collect, &notices, &why);
    ::rmdir(dir.c_str());
    EXPECT_EQ(conn, nullptr);
    EXPECT_NE(why.find(dir), std::string::npos) << why;
}

TEST(PgConnect, AnInvalidTimeoutIsLibpqsError) {
    StandIn server(StandIn::kSilent);
    Params p{{"host", server.dir()}, {"port", "5432"}, {"user", "u"}, {"dbname", "d"}, {"connect_timeout", "soon"}};
    std::vector<std::string> notices;
    std::string why;
    EXPECT_EQ(ConnectWithNotices(p.keys.data(), p.values.data(), 0, Collect, &notices, &why), nullptr);
    EXPECT_EQ(why, "invalid integer value \"soon\" for connection option \"connect_timeout\"");
}

// Several hosts, however given (keyword, connection string, PGHOST): libpq's blocking connect,
// which goes on to the next host when one times out (here the first never answers); the
// processor is ours once it returns.
TEST(PgConnect, SeveralHostsAreLibpqsToTry) {
    for (const char *how : {"keyword", "connection string", "PGHOST"}) {
        StandIn silent(StandIn::kSilent);
        StandIn server(StandIn::kReadyThenFatal);
        const std::string hosts = silent.dir() + "," + server.dir();
        const std::string how_s = how;
        Params p =
            how_s == "keyword"
                ? Params{{"host", hosts}, {"port", "5432"}, {"user", "u"}, {"dbname", "d"}, {"connect_timeout", "2"}}
            : how_s == "PGHOST" ? Params{{"port", "5432"}, {"user", "u"}, {"dbname", "d"}, {"connect_timeout", "2"}}
                                : Params{{"dbname", "host=" + hosts + " port=5432 user=u dbname=d connect_timeout=2"}};
        if (how_s == "PGHOST") ::setenv("PGHOST", hosts.c_str(), 1);
        std::vector<std::string> notices;
        std::string why;
        testing::internal::CaptureStderr();
        ConnHandle conn = ConnectWithNotices(p.keys.data(), p.values.data(), how_s == "connection string" ? 1 : 0,
                                             Collect, &notices, &why);
        (void)testing::internal::GetCapturedStderr();
        ::unsetenv("PGHOST");
        ASSERT_NE(conn, nullptr) << how << ": " << why;
        EXPECT_EQ(std::string(PQhost(conn.get())), server.dir()) << how;
        EXPECT_EQ(PQsetNoticeProcessor(conn.get(), nullptr, nullptr), &Collect) << how;
    }
}

TEST(PgConnect, ConnectTimeoutAsLibpqReadsIt) {
    const std::pair<const char *, int> cases[] = {{"", 0},  {"0", 0},   {"-3", 0}, {"1", 2},
                                                  {"2", 2}, {"10", 10}, {" 7 ", 7}};
    for (const auto &[text, expected] : cases) {
        int seconds = -1;
        std::string error;
        EXPECT_TRUE(ConnectTimeoutSeconds(text, &seconds, &error)) << text;
        EXPECT_EQ(seconds, expected) << text;
    }
    for (const char *bad : {"abc", "5s", "1.5", "99999999999"}) {
        int seconds = -1;
        std::string error;
        EXPECT_FALSE(ConnectTimeoutSeconds(bad, &seconds, &error)) << bad;
        EXPECT_NE(error.find(bad), std::string::npos);
    }
}

}  // namespace
}  // namespace pf_http
