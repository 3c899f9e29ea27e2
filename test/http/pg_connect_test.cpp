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

std::string TempDir() {
    char tmpl[] = "/tmp/pf_connect_test.XXXXXX";
    return ::mkdtemp(tmpl);
}

// A Unix socket "server" at DIR/.s.PGSQL.PORT. kReadyThenFatal: one connection, answered as
// above, then closed. kSilent: connections are queued by the kernel and never answered.
class StandIn {
public:
    enum Mode { kReadyThenFatal, kSilent };

    explicit StandIn(Mode mode) {
        dir_ = TempDir();
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

// Connection keywords and their values, as PQconnectdbParams takes them.
using Keywords = std::vector<std::pair<std::string, std::string>>;

// The stand-in at `host` (a socket directory, or a comma-separated list of them).
Keywords ToHost(const std::string &host, const std::string &timeout = "") {
    Keywords k{{"host", host}, {"port", "5432"}, {"user", "u"}, {"dbname", "d"}};
    if (!timeout.empty()) k.emplace_back("connect_timeout", timeout);
    return k;
}

// The NULL-terminated arrays libpq takes, pointing into `k`, which must outlive them.
struct Arrays {
    std::vector<const char *> keys, values;
    explicit Arrays(const Keywords &k) {
        for (const auto &[key, value] : k) {
            keys.push_back(key.c_str());
            values.push_back(value.c_str());
        }
        keys.push_back(nullptr);
        values.push_back(nullptr);
    }
};

// One ConnectWithNotices, its notices collected here. Not copyable: libpq holds &notices, and
// the connection is declared last so that it closes first.
struct Attempt {
    std::vector<std::string> notices;
    std::string why;
    ConnHandle conn;

    explicit Attempt(const Keywords &k, int expand_dbname = 0) {
        Arrays a(k);
        conn = ConnectWithNotices(a.keys.data(), a.values.data(), expand_dbname, Collect, &notices, &why);
    }
    Attempt(const Attempt &) = delete;
    Attempt &operator=(const Attempt &) = delete;
};

TEST(PgConnect, FatalSentWithReadyForQueryReachesOurProcessorNotStderr) {
    StandIn server(StandIn::kReadyThenFatal);
    testing::internal::CaptureStderr();
    Attempt attempt(ToHost(server.dir(), "5"));
    const std::string printed = testing::internal::GetCapturedStderr();
    // libpq parses the FATAL after ReadyForQuery as a notice of an idle connection.
    ASSERT_EQ(attempt.notices.size(), 1u) << attempt.why;
    EXPECT_NE(attempt.notices[0].find(kFatal), std::string::npos) << attempt.notices[0];
    EXPECT_EQ(printed, "");
}

// Why pg_connect exists: libpq's blocking connect prints that FATAL through its default notice
// processor before the caller can install its own.
TEST(PgConnect, LibpqsBlockingConnectPrintsItToStderr) {
    StandIn server(StandIn::kReadyThenFatal);
    const Keywords k = ToHost(server.dir(), "5");
    Arrays a(k);
    testing::internal::CaptureStderr();
    PGconn *conn = PQconnectdbParams(a.keys.data(), a.values.data(), 0);
    const std::string printed = testing::internal::GetCapturedStderr();
    PQfinish(conn);
    EXPECT_NE(printed.find(kFatal), std::string::npos) << printed;
}

TEST(PgConnect, SilentServerTimesOutAfterConnectTimeout) {
    StandIn server(StandIn::kSilent);
    const auto start = std::chrono::steady_clock::now();
    Attempt attempt(ToHost(server.dir(), "2"));
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(attempt.conn, nullptr);
    EXPECT_EQ(attempt.why, "timeout expired");
    EXPECT_GE(took, 1.9);
    EXPECT_LT(took, 10.0);
}

TEST(PgConnect, NoServerGivesLibpqsReason) {
    const std::string dir = TempDir();
    Attempt attempt(ToHost(dir));
    ::rmdir(dir.c_str());
    EXPECT_EQ(attempt.conn, nullptr);
    EXPECT_NE(attempt.why.find(dir), std::string::npos) << attempt.why;
}

TEST(PgConnect, AnInvalidTimeoutIsLibpqsError) {
    StandIn server(StandIn::kSilent);
    Attempt attempt(ToHost(server.dir(), "soon"));
    EXPECT_EQ(attempt.conn, nullptr);
    EXPECT_EQ(attempt.why, "invalid integer value \"soon\" for connection option \"connect_timeout\"");
}

// Several hosts, however given (keyword, connection string, PGHOST): libpq's blocking connect,
// which goes on to the next host when one times out (here the first never answers); the
// processor is ours once it returns.
TEST(PgConnect, SeveralHostsAreLibpqsToTry) {
    for (const std::string how : {"keyword", "connection string", "PGHOST"}) {
        StandIn silent(StandIn::kSilent);
        StandIn server(StandIn::kReadyThenFatal);
        const std::string hosts = silent.dir() + "," + server.dir();
        Keywords k = ToHost(hosts, "2");
        if (how == "PGHOST") {
            ::setenv("PGHOST", hosts.c_str(), 1);
            k.erase(k.begin());  // no host keyword
        } else if (how == "connection string") {
            k = {{"dbname", "host=" + hosts + " port=5432 user=u dbname=d connect_timeout=2"}};
        }
        testing::internal::CaptureStderr();
        Attempt attempt(k, how == "connection string" ? 1 : 0);
        (void)testing::internal::GetCapturedStderr();
        ::unsetenv("PGHOST");
        ASSERT_NE(attempt.conn, nullptr) << how << ": " << attempt.why;
        EXPECT_EQ(std::string(PQhost(attempt.conn.get())), server.dir()) << how;
        EXPECT_EQ(PQsetNoticeProcessor(attempt.conn.get(), nullptr, nullptr), &Collect) << how;
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
