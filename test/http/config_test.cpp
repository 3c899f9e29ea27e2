// Prefect's environment -> Options (src/http/config.cpp, options.cpp): pydantic's parsing of
// booleans, integers and floats; SQLAlchemy's URL grammar and what its asyncpg dialect does with
// a URL; the alias order of Prefect's settings; flags over variables; errors that name the
// variable and never echo a secret; --print-config.
#include "http/config.hpp"
#include "http/http_message.hpp"
#include "http/options.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <unistd.h>

namespace pf_http {
namespace {

struct Run {
    std::optional<Options> o;
    std::string message;
    int code = -1;
};

Run Parse(const Environment &env, std::vector<std::string> args = {}) {
    args.insert(args.begin(), "prefect-filter-http");
    std::vector<const char *> argv;
    for (const auto &a : args) argv.push_back(a.c_str());
    Run r;
    r.o = ParseOptions(static_cast<int>(argv.size()), argv.data(), env, &r.message, &r.code);
    return r;
}

std::string Param(const Options &o, const std::string &key) {
    for (const auto &[k, v] : o.db_params)
        if (k == key) return v;
    return "<absent>";
}

// The error is one line, names `var` and contains none of `secrets`.
void ExpectError(const Run &r, const std::string &var, std::initializer_list<const char *> secrets = {}) {
    EXPECT_FALSE(r.o);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.message.find(var), std::string::npos) << r.message;
    ASSERT_FALSE(r.message.empty());
    EXPECT_EQ(r.message.find('\n'), r.message.size() - 1) << r.message;
    for (const char *s : secrets) EXPECT_EQ(r.message.find(s), std::string::npos) << r.message;
}

const char *kUrl = "PREFECT_SERVER_DATABASE_CONNECTION_URL";

// --- pydantic's lax parsing ---

TEST(Pydantic, Booleans) {
    for (const char *t : {"1", "t", "T", "y", "Y", "on", "ON", "yes", "Yes", "true", "TRUE", "True"}) {
        bool b = false;
        EXPECT_TRUE(PydanticBool(t, &b)) << t;
        EXPECT_TRUE(b) << t;
    }
    for (const char *f : {"0", "f", "F", "n", "N", "off", "Off", "no", "NO", "false", "False"}) {
        bool b = true;
        EXPECT_TRUE(PydanticBool(f, &b)) << f;
        EXPECT_FALSE(b) << f;
    }
    for (const char *bad : {"", " true", "true ", "2", "-1", "enabled", "truee", "00", "1.0"}) {
        bool b = false;
        EXPECT_FALSE(PydanticBool(bad, &b)) << bad;
    }
}

TEST(Pydantic, Integers) {
    struct {
        const char *text;
        long long value;
    } ok[] = {{"10", 10},
              {" 10 ", 10},
              {"+10", 10},
              {"010", 10},
              {"-5", -5},
              {"10.0", 10},
              {"10.000", 10},
              {"1_000", 1000},
              {"0", 0},
              {"-0", 0},
              {"\t7\n", 7},
              {"0_0", 0},
              {"9223372036854775807", 9223372036854775807LL}};
    for (const auto &c : ok) {
        long long n = -1;
        EXPECT_TRUE(PydanticInt(c.text, &n)) << c.text;
        EXPECT_EQ(n, c.value) << c.text;
    }
    for (const char *bad : {"", " ", "abc", "10.5", "1e3", "1__0", "_1", "1_", "+-1", "--1", "0x10", "1.", ".0",
                            "9223372036854775808", "١٢"}) {
        long long n = 0;
        EXPECT_FALSE(PydanticInt(bad, &n)) << bad;
    }
}

TEST(Pydantic, Floats) {
    struct {
        const char *text;
        double value;
    } ok[] = {{"10", 10}, {"0.5", 0.5},  {" 2.5 ", 2.5}, {"1e3", 1000},       {".5", 0.5},
              {"5.", 5},  {"+1.5", 1.5}, {"-2", -2},     {"1_000.5", 1000.5}, {"1E-3", 0.001}};
    for (const auto &c : ok) {
        double d = -1;
        EXPECT_TRUE(PydanticFloat(c.text, &d)) << c.text;
        EXPECT_DOUBLE_EQ(d, c.value) << c.text;
    }
    double d = 0;
    EXPECT_TRUE(PydanticFloat("inf", &d));
    EXPECT_TRUE(std::isinf(d));
    EXPECT_TRUE(PydanticFloat("-Infinity", &d));
    EXPECT_TRUE(PydanticFloat("NaN", &d));
    EXPECT_TRUE(std::isnan(d));
    for (const char *bad : {"", "abc", "1e", "0x10", ".", "e5", "1.2.3", "1__0", " 1_0", "10s", "nan(1)"})
        EXPECT_FALSE(PydanticFloat(bad, &d)) << bad;
}

// --- SQLAlchemy's URL grammar ---

TEST(SqlaUrl, SplitsAndDecodesLikeMakeUrl) {
    SqlaUrl u;
    ASSERT_TRUE(
        ParseSqlaUrl("postgresql+asyncpg://us%65r:p%40ss%3Aw%2Frd@db.example.com:5432/pre%20fect?ssl=require", &u));
    EXPECT_EQ(u.drivername, "postgresql+asyncpg");
    EXPECT_EQ(u.username, "user");
    EXPECT_EQ(u.password, "p@ss:w/rd");
    EXPECT_EQ(u.host, "db.example.com");
    EXPECT_EQ(u.port, "5432");
    EXPECT_EQ(u.database, "pre fect");
    ASSERT_EQ(u.query.size(), 1u);
    EXPECT_EQ(u.query[0], (std::pair<std::string, std::string>{"ssl", "require"}));

    // The password runs to the last '@' it can: ':' and '/' are allowed in it, '+' stays '+'.
    ASSERT_TRUE(ParseSqlaUrl("postgresql+asyncpg://u:a+b/c:d@h/db", &u));
    EXPECT_EQ(u.password, "a+b/c:d");
    EXPECT_EQ(u.host, "h");

    ASSERT_TRUE(ParseSqlaUrl("postgresql+asyncpg://u@[::1]:5433/db", &u));
    EXPECT_EQ(u.host, "::1");
    EXPECT_EQ(u.port, "5433");
    EXPECT_FALSE(u.has_password);

    // The host is not percent-decoded (SQLAlchemy unquotes only user, password and database).
    ASSERT_TRUE(ParseSqlaUrl("postgresql+asyncpg://h%2Fx/db", &u));
    EXPECT_EQ(u.host, "h%2Fx");

    // No host: a socket directory in the query; '+' is a space there; blank values are dropped.
    ASSERT_TRUE(ParseSqlaUrl("postgresql+asyncpg:///prefect?host=%2Frun%2Fpostgresql&ssl=&x&a=b+c", &u));
    EXPECT_FALSE(u.has_host);
    EXPECT_EQ(u.database, "prefect");
    ASSERT_EQ(u.query.size(), 2u);
    EXPECT_EQ(u.query[0].second, "/run/postgresql");
    EXPECT_EQ(u.query[1], (std::pair<std::string, std::string>{"a", "b c"}));

    // Invalid UTF-8 after decoding becomes U+FFFD, as Python's unquote does.
    EXPECT_EQ(PercentDecode("a%FFb"),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(PercentDecode("%E2%82"), "\xEF\xBF\xBD");
    EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");

    EXPECT_FALSE(ParseSqlaUrl("not a url", &u));
    EXPECT_FALSE(ParseSqlaUrl("postgresql+asyncpg:/host/db", &u));
    EXPECT_FALSE(ParseSqlaUrl("", &u));
}

// --- Database from the connection URL ---

TEST(ConfigDatabase, UrlToLibpqKeywords) {
    auto r = Parse({{kUrl, "postgresql+asyncpg://u:p%40ss@host:5432/prefect?ssl=require"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_TRUE(r.o->db.empty());
    EXPECT_EQ(r.o->db_params, (std::vector<std::pair<std::string, std::string>>{{"host", "host"},
                                                                                {"port", "5432"},
                                                                                {"user", "u"},
                                                                                {"password", "p@ss"},
                                                                                {"dbname", "prefect"},
                                                                                {"sslmode", "require"}}));

    r = Parse({{kUrl, "postgresql+asyncpg://u@[::1]:5433/db"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "host"), "::1");
    EXPECT_EQ(Param(*r.o, "port"), "5433");
    EXPECT_EQ(Param(*r.o, "password"), "<absent>");

    // A Unix socket directory given in the query (encoded or not); the port of the authority stays.
    for (const char *url : {"postgresql+asyncpg://u@/prefect?host=/run/postgresql",
                            "postgresql+asyncpg:///prefect?host=%2Frun%2Fpostgresql"}) {
        r = Parse({{kUrl, url}});
        ASSERT_TRUE(r.o) << url << ": " << r.message;
        EXPECT_EQ(Param(*r.o, "host"), "/run/postgresql") << url;
        EXPECT_EQ(Param(*r.o, "port"), "<absent>") << url;
        EXPECT_EQ(Param(*r.o, "dbname"), "prefect") << url;
    }
    r = Parse({{kUrl, "postgresql+asyncpg://u@:6000/prefect?host=/run/postgresql"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "port"), "6000");
    // asyncpg takes a path containing .s.PGSQL. as the socket itself; libpq wants dir + port.
    r = Parse({{kUrl, "postgresql+asyncpg:///prefect?host=/tmp/.s.PGSQL.5433"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "host"), "/tmp");
    EXPECT_EQ(Param(*r.o, "port"), "5433");

    // host=name:port in the query, several hosts (both of SQLAlchemy's forms).
    r = Parse({{kUrl, "postgresql+asyncpg://u@ignored/db?host=db:6543"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "host"), "db");
    EXPECT_EQ(Param(*r.o, "port"), "6543");
    for (const char *url : {"postgresql+asyncpg://u@/db?host=h1,h2&port=5432,5433",
                            "postgresql+asyncpg://u@/db?host=h1:5432&host=h2:5433"}) {
        r = Parse({{kUrl, url}});
        ASSERT_TRUE(r.o) << url << ": " << r.message;
        EXPECT_EQ(Param(*r.o, "host"), "h1,h2") << url;
        EXPECT_EQ(Param(*r.o, "port"), "5432,5433") << url;
    }
    ExpectError(Parse({{kUrl, "postgresql+asyncpg://u@/db?host=h1,h2"}}), kUrl);  // ports required
    ExpectError(Parse({{kUrl, "postgresql+asyncpg://u@/db?host=h1,h2&port=1,2,3"}}), kUrl);
    ExpectError(Parse({{kUrl, "postgresql+asyncpg://u@/db?host=h1:1&host=h2:2&port=3"}}), kUrl);

    // The query's user / password / database override the authority's (opts.update(url.query)).
    r = Parse({{kUrl, "postgresql+asyncpg://a:b@h/c?user=x&password=y&database=z"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "user"), "x");
    EXPECT_EQ(Param(*r.o, "password"), "y");
    EXPECT_EQ(Param(*r.o, "dbname"), "z");

    // Ports: Python's int(); 0 is dropped (falsy) as SQLAlchemy drops it.
    r = Parse({{kUrl, "postgresql+asyncpg://u@h: 5_432 /db"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "port"), "5432");
    r = Parse({{kUrl, "postgresql+asyncpg://u@h:0/db"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "port"), "<absent>");
    r = Parse({{kUrl, "postgresql+asyncpg://u@h:/db"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "port"), "<absent>");
    ExpectError(Parse({{kUrl, "postgresql+asyncpg://u:s3cr3tpw@h:54x2/db"}}), kUrl, {"s3cr3tpw", "54x2"});
    ExpectError(Parse({{kUrl, "postgresql+asyncpg://u:s3cr3tpw@h:70000/db"}}), kUrl, {"s3cr3tpw"});
    // "host:secret" with no '@' puts the secret in the port: it is not echoed either.
    ExpectError(Parse({{kUrl, "postgresql+asyncpg://h:s3cr3tpw/db"}}), kUrl, {"s3cr3tpw"});

    // A host SQLAlchemy would hand asyncpg undecoded or with a comma.
    ExpectError(Parse({{kUrl, "postgresql+asyncpg://u@%2Frun%2Fpostgresql/db"}}), kUrl);
    ExpectError(Parse({{kUrl, "postgresql+asyncpg://u@h1,h2/db"}}), kUrl);
}

TEST(ConfigDatabase, TlsQueryParameters) {
    struct {
        const char *ssl, *sslmode;
    } modes[] = {{"disable", "disable"},         {"allow", "allow"},
                 {"prefer", "prefer"},           {"require", "require"},
                 {"verify-ca", "verify-ca"},     {"verify_ca", "verify-ca"},
                 {"verify-full", "verify-full"}, {"verify_full", "verify-full"}};
    for (const auto &m : modes) {
        auto r = Parse({{kUrl, std::string("postgresql+asyncpg://u@h/db?ssl=") + m.ssl}});
        ASSERT_TRUE(r.o) << m.ssl << ": " << r.message;
        EXPECT_EQ(Param(*r.o, "sslmode"), m.sslmode) << m.ssl;
    }
    // asyncpg's SSLMode.parse is case-sensitive and knows no booleans.
    for (const char *bad : {"true", "1", "REQUIRE", "on"})
        ExpectError(Parse({{kUrl, std::string("postgresql+asyncpg://u:s3cr3tpw@h/db?ssl=") + bad}}), kUrl,
                    {"s3cr3tpw"});
    // libpq's names are not asyncpg.connect() arguments: Prefect fails with TypeError on them.
    auto r = Parse({{kUrl, "postgresql+asyncpg://u:s3cr3tpw@h/db?sslmode=require"}});
    ExpectError(r, kUrl, {"s3cr3tpw"});
    EXPECT_NE(r.message.find("ssl="), std::string::npos) << r.message;
    r = Parse({{kUrl, "postgresql+asyncpg://u@h/db?ssl=verify-full&sslrootcert=/etc/ca.pem"}});
    ExpectError(r, kUrl);
    EXPECT_NE(r.message.find("TLS_"), std::string::npos) << r.message;
    ExpectError(Parse({{kUrl, "postgresql+asyncpg://u@h/db?application_name=x"}}), kUrl);
    ExpectError(Parse({{kUrl, "postgresql+asyncpg://u@h/db?ssl=require&ssl=disable"}}), kUrl);  // a list

    // asyncpg arguments with a libpq equivalent, and those that change nothing here.
    r = Parse({{kUrl,
                "postgresql+asyncpg://u@h/db?target_session_attrs=read-write&passfile=/etc/pgpass&krbsrvname=pg"
                "&timeout=3&command_timeout=4&statement_cache_size=0&prepared_statement_cache_size=0"
                "&default_transaction_isolation=serializable"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "target_session_attrs"), "read-write");
    EXPECT_EQ(Param(*r.o, "passfile"), "/etc/pgpass");
    EXPECT_EQ(Param(*r.o, "krbsrvname"), "pg");
    EXPECT_EQ(r.o->config_notes.size(), 2u);  // timeout= and command_timeout= are overridden by Prefect
    ExpectError(Parse({{kUrl, "postgresql+asyncpg://u@h/db?target_session_attrs=master"}}), kUrl);
}

TEST(ConfigDatabase, TlsSettings) {
    const std::string ca = ::testing::TempDir() + "/pf_config_ca.pem";
    std::ofstream(ca) << "not really a certificate\n";
    Environment env = {{kUrl, "postgresql+asyncpg://u@h/db?ssl=disable"},
                       {"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED", "true"},
                       {"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CA_FILE", "/etc/pg/ca.pem"},
                       {"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CERT_FILE", "/etc/pg/client.crt"},
                       {"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_KEY_FILE", "/etc/pg/client.key"}};
    auto r = Parse(env);
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "sslmode"), "verify-full");  // replaces the URL's ssl=, as connect_args do
    EXPECT_EQ(Param(*r.o, "sslrootcert"), "/etc/pg/ca.pem");
    EXPECT_EQ(Param(*r.o, "sslcert"), "/etc/pg/client.crt");
    EXPECT_EQ(Param(*r.o, "sslkey"), "/etc/pg/client.key");
    EXPECT_EQ(Param(*r.o, "ssl_min_protocol_version"), "TLSv1.2");

    env["PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CHECK_HOSTNAME"] = "off";
    env.erase("PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_KEY_FILE");  // alone: no client certificate
    env.erase("PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CA_FILE");   // the system's CAs
    env["SSL_CERT_FILE"] = ca;
    r = Parse(env);
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "sslmode"), "verify-ca");
    EXPECT_EQ(Param(*r.o, "sslrootcert"), ca);
    EXPECT_EQ(Param(*r.o, "sslcert"), "<absent>");
    EXPECT_EQ(Param(*r.o, "sslkey"), "<absent>");

    // Disabled (the default): the URL's ssl= is used; the TLS booleans are still validated.
    r = Parse({{kUrl, "postgresql+asyncpg://u@h/db?ssl=require"},
               {"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED", "0"},
               {"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_CA_FILE", "/etc/pg/ca.pem"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "sslmode"), "require");
    EXPECT_EQ(Param(*r.o, "sslrootcert"), "<absent>");
    ExpectError(Parse({{kUrl, "postgresql+asyncpg://u@h/db"},
                       {"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED", "maybe"}}),
                "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED");
    std::remove(ca.c_str());
}

TEST(ConfigDatabase, OtherDriversStopTheServer) {
    for (const char *url : {"sqlite+aiosqlite:////home/u/.prefect/prefect.db", "sqlite:///x.db", "postgresql://u@h/db",
                            "postgresql+psycopg2://u@h/db", "postgres+asyncpg://u@h/db",
                            "mysql+aiomysql://u:s3cr3tpw@h/db", "not a url s3cr3tpw", ""}) {
        auto r = Parse({{kUrl, url}});
        ExpectError(r, kUrl, {"s3cr3tpw"});
    }
    // The API alias names itself.
    ExpectError(Parse({{"PREFECT_API_DATABASE_CONNECTION_URL", "sqlite+aiosqlite:///x.db"}}),
                "PREFECT_API_DATABASE_CONNECTION_URL");
}

TEST(ConfigDatabase, AliasesAndCase) {
    // AliasChoices("prefect_server_database_connection_url", "prefect_api_database_connection_url"):
    // the first one set wins.
    auto r = Parse({{"PREFECT_API_DATABASE_CONNECTION_URL", "postgresql+asyncpg://u@api-host/db"},
                    {kUrl, "postgresql+asyncpg://u@server-host/db"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "host"), "server-host");
    r = Parse({{"PREFECT_API_DATABASE_CONNECTION_URL", "postgresql+asyncpg://u@api-host/db"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "host"), "api-host");
    // Names are case-insensitive (pydantic-settings' case_sensitive=False).
    r = Parse({{"prefect_server_database_connection_url", "postgresql+asyncpg://u@lower/db"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "host"), "lower");
}

TEST(ConfigDatabase, PasswordPlaceholder) {
    Environment env = {{kUrl, "postgresql+asyncpg://u:${PREFECT_SERVER_DATABASE_PASSWORD}@h/db"},
                       {"PREFECT_SERVER_DATABASE_PASSWORD", "pw-from-var"}};
    auto r = Parse(env);
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "password"), "pw-from-var");
    env[kUrl] = "postgresql+asyncpg://u:${PREFECT_API_DATABASE_PASSWORD}@h/db";
    r = Parse(env);
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "password"), "pw-from-var");
    // Replaced once, like str.replace (a password containing the placeholder is not re-expanded).
    env["PREFECT_SERVER_DATABASE_PASSWORD"] = "a${PREFECT_SERVER_DATABASE_PASSWORD}b";
    env[kUrl] = "postgresql+asyncpg://u:${PREFECT_SERVER_DATABASE_PASSWORD}@h/db";
    r = Parse(env);
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "password"), "a${PREFECT_SERVER_DATABASE_PASSWORD}b");
    env.erase("PREFECT_SERVER_DATABASE_PASSWORD");
    ExpectError(Parse(env), kUrl);
    // A password the URL does not use is ignored, with a note (Prefect warns).
    r = Parse({{kUrl, "postgresql+asyncpg://u:other@h/db"}, {"PREFECT_SERVER_DATABASE_PASSWORD", "unused-pw"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "password"), "other");
    ASSERT_EQ(r.o->config_notes.size(), 1u);
    EXPECT_EQ(r.o->config_notes[0].find("unused-pw"), std::string::npos);
}

TEST(ConfigDatabase, SplitSettings) {
    Environment env = {{"PREFECT_SERVER_DATABASE_DRIVER", "postgresql+asyncpg"},
                       {"PREFECT_SERVER_DATABASE_HOST", "db.internal"},
                       {"PREFECT_SERVER_DATABASE_USER", "prefect user"},
                       {"PREFECT_SERVER_DATABASE_PASSWORD", "p@ss:w/rd%+ é"},
                       {"PREFECT_SERVER_DATABASE_NAME", "prefect/db"}};
    auto r = Parse(env);
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(r.o->db_params, (std::vector<std::pair<std::string, std::string>>{{"host", "db.internal"},
                                                                                {"port", "5432"},
                                                                                {"user", "prefect user"},
                                                                                {"password", "p@ss:w/rd%+ é"},
                                                                                {"dbname", "prefect/db"}}));
    env.erase("PREFECT_SERVER_DATABASE_PASSWORD");  // none: libpq's PGPASSWORD / ~/.pgpass
    r = Parse(env);
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "password"), "<absent>");
    EXPECT_EQ(Param(*r.o, "user"), "prefect user");
    env["PREFECT_SERVER_DATABASE_PASSWORD"] = "";  // SecretStr("") is falsy: not rendered
    r = Parse(env);
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "password"), "<absent>");
    env["PREFECT_SERVER_DATABASE_PASSWORD"] = "p@ss:w/rd%+ é";
    env["PREFECT_API_DATABASE_PORT"] = "6432";
    env["PREFECT_SERVER_DATABASE_HOST"] = "::1";
    r = Parse(env);
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "port"), "6432");
    EXPECT_EQ(Param(*r.o, "host"), "::1");
    env["PREFECT_API_DATABASE_PORT"] = "0";  // `port or 5432`
    r = Parse(env);
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "port"), "5432");
    env["PREFECT_API_DATABASE_PORT"] = "five";
    ExpectError(Parse(env), "PREFECT_API_DATABASE_PORT");
    env.erase("PREFECT_API_DATABASE_PORT");

    // A socket directory cannot go through Prefect's rendered URL.
    env["PREFECT_SERVER_DATABASE_HOST"] = "/run/postgresql";
    ExpectError(Parse(env), "PREFECT_SERVER_DATABASE_HOST", {"p@ss"});
    env["PREFECT_SERVER_DATABASE_HOST"] = "db.internal";

    // A connection URL wins over the split settings.
    env[kUrl] = "postgresql+asyncpg://u@url-host/db";
    r = Parse(env);
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(Param(*r.o, "host"), "url-host");
    env.erase(kUrl);

    env.erase("PREFECT_SERVER_DATABASE_NAME");
    r = Parse(env);
    ExpectError(r, "PREFECT_SERVER_DATABASE_NAME", {"p@ss"});
    env["PREFECT_SERVER_DATABASE_NAME"] = "prefect";
    env["PREFECT_SERVER_DATABASE_DRIVER"] = "sqlite+aiosqlite";
    ExpectError(Parse(env), "PREFECT_SERVER_DATABASE_DRIVER");
    env["PREFECT_SERVER_DATABASE_DRIVER"] = "postgresql";
    ExpectError(Parse(env), "PREFECT_SERVER_DATABASE_DRIVER");
    // Without a driver (or URL), Prefect ignores them and uses SQLite: said, not guessed.
    env.erase("PREFECT_SERVER_DATABASE_DRIVER");
    ExpectError(Parse(env), "PREFECT_SERVER_DATABASE_");
    // Nothing at all: libpq's defaults, as before.
    r = Parse({});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_TRUE(r.o->db_params.empty());
}

TEST(ConfigDatabase, TimeoutsAndSearchPath) {
    auto r = Parse({{"PREFECT_SERVER_DATABASE_TIMEOUT", "2.5"}, {"PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT", "0.5"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(r.o->statement_timeout_ms, 2500);
    EXPECT_EQ(r.o->connect_timeout_s, 1);
    r = Parse({{"PREFECT_API_DATABASE_TIMEOUT", "1e1"}, {"PREFECT_API_DATABASE_CONNECTION_TIMEOUT", "7"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(r.o->statement_timeout_ms, 10000);
    EXPECT_EQ(r.o->connect_timeout_s, 7);
    r = Parse({{"PREFECT_SERVER_DATABASE_TIMEOUT", "inf"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(r.o->statement_timeout_ms, 0);
    for (const char *bad : {"0", "-1", "nan", "ten", ""})
        ExpectError(Parse({{"PREFECT_SERVER_DATABASE_TIMEOUT", bad}}), "PREFECT_SERVER_DATABASE_TIMEOUT");
    ExpectError(Parse({{"PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT", "0"}}),
                "PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT");
    // Flags win and their variables are not read at all.
    r = Parse({{"PREFECT_SERVER_DATABASE_TIMEOUT", "ten"}}, {"--statement-timeout-ms", "1500"});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(r.o->statement_timeout_ms, 1500);

    const char *kPath = "PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_SEARCH_PATH";
    struct {
        const char *path, *schema;
    } paths[] = {{"myschema, public", "myschema"},
                 {"MySchema,public", "myschema"},
                 {"\"MySchema\", public", "MySchema"},
                 {"  \"a\"\"b\"  ", "a\"b"},
                 {"\"$user\", public", "public"}};
    for (const auto &p : paths) {
        r = Parse({{kPath, p.path}});
        ASSERT_TRUE(r.o) << p.path << ": " << r.message;
        EXPECT_EQ(r.o->tables_schema, p.schema) << p.path;
    }
    EXPECT_EQ(r.o->config_notes.size(), 1u);  // "$user" skipped
    for (const char *bad : {"", "a,,b", "a,", "\"unterminated", "\"$user\""}) ExpectError(Parse({{kPath, bad}}), kPath);
    r = Parse({{kPath, "myschema"}}, {"--tables-schema", "other"});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(r.o->tables_schema, "other");
    EXPECT_TRUE(Parse({}).o->tables_schema.empty());
}

TEST(ConfigDatabase, DbFlagOverridesTheEnvironment) {
    auto r = Parse({{kUrl, "sqlite+aiosqlite:///x.db"}, {"PREFECT_SERVER_DATABASE_HOST", "h"}},
                   {"--db", "host=/run/postgresql dbname=prefect"});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(r.o->db, "host=/run/postgresql dbname=prefect");
    EXPECT_TRUE(r.o->db_params.empty());
    r = Parse({{kUrl, "postgresql+asyncpg://u@h/db"}}, {"--db", "dbname=x password=s3cr3tpw"});
    ExpectError(r, "--db", {"s3cr3tpw"});
    r = Parse({{kUrl, "postgresql+asyncpg://u@h/db"}}, {"--db", ""});  // explicitly libpq's PG* defaults
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_TRUE(r.o->db_params.empty());
}

// --- Prefect's API settings ---

TEST(ConfigApi, AliasesBooleansAndInts) {
    // AliasChoices("prefect_server_api_csrf_protection_enabled", "prefect_server_csrf_protection_enabled").
    auto r = Parse(
        {{"PREFECT_SERVER_CSRF_PROTECTION_ENABLED", "true"}, {"PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED", "no"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_FALSE(r.o->csrf_protection_enabled);
    r = Parse({{"PREFECT_SERVER_CSRF_PROTECTION_ENABLED", "On"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_TRUE(r.o->csrf_protection_enabled);
    ExpectError(Parse({{"PREFECT_SERVER_CSRF_PROTECTION_ENABLED", "enabled"}}),
                "PREFECT_SERVER_CSRF_PROTECTION_ENABLED");

    r = Parse({{"PREFECT_SERVER_CORS_ALLOWED_ORIGINS", "https://old"},
               {"PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS", "https://a, https://b"},
               {"PREFECT_SERVER_CORS_ALLOWED_METHODS", "GET,POST"},
               {"PREFECT_SERVER_API_CORS_ALLOWED_HEADERS", ""}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(r.o->cors_allowed_origins, "https://a, https://b");  // kept as given; Prefect splits on ','
    EXPECT_EQ(r.o->cors_allowed_methods, "GET,POST");
    EXPECT_EQ(r.o->cors_allowed_headers, "");

    // AliasChoices("prefect_server_api_default_limit", "prefect_api_default_limit"); pydantic ints.
    r = Parse({{"PREFECT_API_DEFAULT_LIMIT", "10"}, {"PREFECT_SERVER_API_DEFAULT_LIMIT", " 1_000 "}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(r.o->default_limit, 1000);
    r = Parse({{"PREFECT_API_DEFAULT_LIMIT", "50.0"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(r.o->default_limit, 50);
    for (const char *bad : {"50.5", "lots", "-1", "1e2", "99999999999"})
        ExpectError(Parse({{"PREFECT_API_DEFAULT_LIMIT", bad}}), "PREFECT_API_DEFAULT_LIMIT");

    struct {
        const char *value, *normalized;
    } paths[] = {{"/api", "/api"}, {"/prefix/api/", "/prefix/api"}, {"", "/api"}, {"/", ""}};
    for (const auto &p : paths) {
        r = Parse({{"PREFECT_SERVER_API_BASE_PATH", p.value}});
        ASSERT_TRUE(r.o) << p.value << ": " << r.message;
        EXPECT_EQ(r.o->base_path, p.normalized) << p.value;
    }
    ExpectError(Parse({{"PREFECT_SERVER_API_BASE_PATH", "api"}}), "PREFECT_SERVER_API_BASE_PATH");

    r = Parse({{"PREFECT_SERVER_API_HOST", "0.0.0.0"},
               {"PREFECT_SERVER_API_PORT", "+4300"},
               {"PREFECT_SERVER_API_KEEPALIVE_TIMEOUT", "4"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(r.o->host, "0.0.0.0");
    EXPECT_EQ(r.o->port, 4300);
    EXPECT_EQ(r.o->keep_alive_timeout_s, 4);
    ExpectError(Parse({{"PREFECT_SERVER_API_PORT", "http"}}), "PREFECT_SERVER_API_PORT");
    ExpectError(Parse({{"PREFECT_SERVER_API_PORT", "65536"}}), "PREFECT_SERVER_API_PORT");

    r = Parse({{"PREFECT_SERVER_API_AUTH_STRING", "admin:s3cr3tpw"}});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_EQ(r.o->auth_string, std::optional<std::string>("admin:s3cr3tpw"));
    r = Parse({{"PREFECT_SERVER_API_AUTH_STRING", ""}});  // set, empty: still set (SecretStr(""))
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_TRUE(r.o->auth_string.has_value());
    r = Parse({});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_FALSE(r.o->auth_string.has_value());
    EXPECT_EQ(r.o->host, "127.0.0.1");
    EXPECT_EQ(r.o->port, 4200);
    EXPECT_EQ(r.o->base_path, "/api");
    EXPECT_EQ(r.o->default_limit, 200);
}

TEST(ConfigApi, FlagsOverrideVariables) {
    Environment env = {{"PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED", "true"},
                       {"PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS", "https://env"},
                       {"PREFECT_SERVER_API_BASE_PATH", "/env"},
                       {"PREFECT_SERVER_API_DEFAULT_LIMIT", "nonsense"},  // not read: the flag sets it
                       {"PREFECT_SERVER_API_HOST", "0.0.0.0"},
                       {"PREFECT_SERVER_API_PORT", "4200"}};
    auto r = Parse(env, {"--csrf-protection", "false", "--cors-allowed-origins=https://flag", "--base-path", "/flag/",
                         "--default-limit", "25", "--listen", "127.0.0.1:4300"});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_FALSE(r.o->csrf_protection_enabled);
    EXPECT_EQ(r.o->cors_allowed_origins, "https://flag");
    EXPECT_EQ(r.o->base_path, "/flag");
    EXPECT_EQ(r.o->default_limit, 25);
    EXPECT_EQ(r.o->host, "127.0.0.1");
    EXPECT_EQ(r.o->port, 4300);
    r = Parse({}, {"--csrf-protection", "YES"});
    ASSERT_TRUE(r.o) << r.message;
    EXPECT_TRUE(r.o->csrf_protection_enabled);
    ExpectError(Parse({}, {"--csrf-protection", "sure"}), "--csrf-protection");
    ExpectError(Parse({}, {"--base-path", "api"}), "--base-path");
    ExpectError(Parse({}, {"--default-limit", "-1"}), "--default-limit");
    // No --auth-string, and its value is never echoed.
    ExpectError(Parse({}, {"--auth-string", "admin:s3cr3tpw"}), "--auth-string", {"s3cr3tpw"});
    ExpectError(Parse({}, {"--auth-string=admin:s3cr3tpw"}), "--auth-string", {"s3cr3tpw"});
}

// --- --print-config ---

TEST(ConfigPrint, MasksSecretsAndNamesSources) {
    Environment env = {{kUrl, "postgresql+asyncpg://prefect:s3cr3tpw@db.internal:5432/prefect?ssl=require"},
                       {"PREFECT_SERVER_API_AUTH_STRING", "admin:t0ps3cret"},
                       {"PREFECT_API_DEFAULT_LIMIT", "100"}};
    auto r = Parse(env, {"--print-config", "--listen", "127.0.0.1:4300"});
    EXPECT_FALSE(r.o);
    EXPECT_EQ(r.code, 0);
    const std::string &out = r.message;
    EXPECT_EQ(out.find("s3cr3tpw"), std::string::npos) << out;
    EXPECT_EQ(out.find("t0ps3cret"), std::string::npos) << out;
    EXPECT_NE(out.find("database.host = db.internal  (" + std::string(kUrl) + ")"), std::string::npos) << out;
    EXPECT_NE(out.find("database.password = ********  (" + std::string(kUrl) + ")"), std::string::npos) << out;
    EXPECT_NE(out.find("database.sslmode = require"), std::string::npos) << out;
    EXPECT_NE(out.find("auth_string = ********  (PREFECT_SERVER_API_AUTH_STRING)"), std::string::npos) << out;
    EXPECT_NE(out.find("default_limit = 100  (PREFECT_API_DEFAULT_LIMIT)"), std::string::npos) << out;
    EXPECT_NE(out.find("listen.port = 4300  (--listen)"), std::string::npos) << out;
    EXPECT_NE(out.find("pool = 8  (default)"), std::string::npos) << out;
    EXPECT_NE(out.find("csrf_protection_enabled = false  (default)"), std::string::npos) << out;

    // The split password is masked too, and named by its own variable.
    r = Parse({{"PREFECT_SERVER_DATABASE_DRIVER", "postgresql+asyncpg"},
               {"PREFECT_SERVER_DATABASE_HOST", "h"},
               {"PREFECT_SERVER_DATABASE_USER", "u"},
               {"PREFECT_SERVER_DATABASE_NAME", "n"},
               {"PREFECT_SERVER_DATABASE_PASSWORD", "s3cr3tpw"}},
              {"--print-config"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.message.find("s3cr3tpw"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("database.password = ********  (PREFECT_SERVER_DATABASE_PASSWORD)"), std::string::npos)
        << r.message;

    // --db: its keywords, from the flag (a password there is refused before anything is printed;
    // sslpassword is masked).
    r = Parse({}, {"--db", "host=/run/postgresql dbname=prefect sslpassword=k3yp4ss", "--print-config"});
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.message.find("database.dbname = prefect  (--db)"), std::string::npos) << r.message;
    EXPECT_EQ(r.message.find("k3yp4ss"), std::string::npos) << r.message;
    r = Parse({}, {"--print-config"});
    EXPECT_NE(r.message.find("database = libpq defaults"), std::string::npos) << r.message;

    // A bad variable still stops it, exit 2.
    r = Parse({{kUrl, "sqlite+aiosqlite:///x.db"}}, {"--print-config"});
    ExpectError(r, kUrl);
}

TEST(ConfigPrint, UsageListsEveryVariable) {
    const std::string usage = Usage();
    for (const char *v :
         {"PREFECT_SERVER_DATABASE_CONNECTION_URL", "PREFECT_SERVER_API_HOST", "PREFECT_SERVER_API_PORT",
          "PREFECT_SERVER_DATABASE_TIMEOUT", "PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT",
          "PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED", "PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS",
          "PREFECT_SERVER_API_BASE_PATH", "PREFECT_SERVER_API_DEFAULT_LIMIT", "PREFECT_SERVER_API_AUTH_STRING",
          "SEARCH_PATH", "--print-config", "--tables-schema"})
        EXPECT_NE(usage.find(v), std::string::npos) << v;
    EXPECT_EQ(usage.find("--auth-string"), std::string::npos);
}

// --help lists every option with its variable, and every option parses from its flag and from
// its variable alike.
TEST(OptionTable, EveryOptionHasHelpFlagAndVariable) {
    const std::string usage = Usage();
    for (const auto &[flag, example] : OptionExamples()) {
        const std::string variable = OptionVariableOf(flag);
        EXPECT_NE(usage.find("  " + flag), std::string::npos) << flag;
        EXPECT_NE(usage.find("env " + variable), std::string::npos) << variable;
        std::string message;
        int code = 0;
        const std::string assignment = flag + "=" + example;
        const char *argv[] = {"prefect-filter-http", assignment.c_str(), "--print-config"};
        EXPECT_FALSE(ParseOptions(3, argv, Environment{}, &message, &code)) << flag;
        EXPECT_EQ(code, 0) << flag << ": " << message;
        const std::string from_flag = message;
        const char *argv_env[] = {"prefect-filter-http", "--print-config"};
        EXPECT_FALSE(ParseOptions(2, argv_env, Environment{{variable, example}}, &message, &code));
        EXPECT_EQ(code, 0) << variable << ": " << message;
        // the same settings, each now from the variable instead of the flag
        std::string from_env = message;
        for (size_t at = from_env.find("(" + variable + ")"); at != std::string::npos;
             at = from_env.find("(" + variable + ")"))
            from_env.replace(at, variable.size() + 2, "(" + flag + ")");
        EXPECT_EQ(from_env, from_flag) << flag;
    }
}

TEST(OptionTable, FlagBeatsItsVariableAndBadVariablesAreNamedNotEchoed) {
    std::string message;
    int code = 0;
    const char *argv[] = {"prefect-filter-http", "--pool", "3"};
    auto o = ParseOptions(3, argv, Environment{{"PREFECT_FILTER_HTTP_POOL", "5"}}, &message, &code);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->pool, 3u);
    const char *none[] = {"prefect-filter-http"};
    o = ParseOptions(1, none, Environment{{"PREFECT_FILTER_HTTP_POOL", "5"}}, &message, &code);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->pool, 5u);
    o = ParseOptions(1, none, Environment{{"PREFECT_FILTER_HTTP_POOL", "s3cret-not-a-number"}}, &message, &code);
    EXPECT_FALSE(o);
    EXPECT_EQ(code, 2);
    EXPECT_NE(message.find("PREFECT_FILTER_HTTP_POOL"), std::string::npos);
    EXPECT_EQ(message.find("s3cret"), std::string::npos);
    o = ParseOptions(1, none, Environment{{"PREFECT_FILTER_HTTP_DB", "host=x password=s3cret"}}, &message, &code);
    EXPECT_FALSE(o);
    EXPECT_EQ(message.find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace pf_http
