// Several database hosts (src/http/replica_hosts.cpp): libpq's host lists, what
// target_session_attrs means for each kind of server, the order hosts are tried in, and how many
// connections re-balancing retires.
#include "http/replica_hosts.hpp"

#include <gtest/gtest.h>

namespace pf_http {
namespace {

const HostRole kPrimary{false, false};
const HostRole kStandby{true, true};  // a hot standby reports default_transaction_read_only as set
const HostRole kReadOnlyPrimary{false, true};

HostView Up(HostRole role, size_t load = 0) {
    return HostView{HostHealth::kUp, role, load};
}
HostView Down() {
    return HostView{HostHealth::kDown, {}, 0};
}
HostView Unknown(size_t load = 0) {
    return HostView{HostHealth::kUnknown, {}, load};
}

TEST(HostList, PortsAndAddresses) {
    std::vector<DbHost> hosts;
    std::string error;
    ASSERT_TRUE(SplitHostList("a,b,c", "", "5433", &hosts, &error));
    ASSERT_EQ(hosts.size(), 3u);
    EXPECT_EQ(hosts[2].host, "c");
    EXPECT_EQ(hosts[2].port, "5433");  // one port for every host
    EXPECT_EQ(hosts[1].Label(), "b:5433");

    ASSERT_TRUE(SplitHostList("/tmp/s,/tmp/s", "", "1,2", &hosts, &error));
    EXPECT_EQ(hosts[0].Label(), "/tmp/s:1");
    EXPECT_EQ(hosts[1].Label(), "/tmp/s:2");

    ASSERT_TRUE(SplitHostList("", "10.0.0.1,10.0.0.2", "", &hosts, &error));
    ASSERT_EQ(hosts.size(), 2u);
    EXPECT_EQ(hosts[1].hostaddr, "10.0.0.2");
    EXPECT_EQ(hosts[1].Label(), "10.0.0.2:default");

    ASSERT_TRUE(SplitHostList("a,b", "10.0.0.1,10.0.0.2", "1,2", &hosts, &error));
    EXPECT_EQ(hosts[1].host, "b");
    EXPECT_EQ(hosts[1].hostaddr, "10.0.0.2");
    EXPECT_EQ(hosts[1].Label(), "b:2");  // the name, as PQhost shows it

    ASSERT_TRUE(SplitHostList("a,,b", "", "", &hosts, &error));  // an empty entry is libpq's default
    EXPECT_EQ(hosts.size(), 3u);
    EXPECT_EQ(hosts[1].Label(), "default:default");

    ASSERT_TRUE(SplitHostList("", "", "", &hosts, &error));  // nothing: one default host
    EXPECT_EQ(hosts.size(), 1u);
}

TEST(HostList, MismatchedCountsAreLibpqErrors) {
    std::vector<DbHost> hosts;
    std::string error;
    EXPECT_FALSE(SplitHostList("a,b", "", "1,2,3", &hosts, &error));
    EXPECT_EQ(error, "could not match 3 port numbers to 2 hosts");
    EXPECT_FALSE(SplitHostList("a,b", "10.0.0.1", "", &hosts, &error));
    EXPECT_EQ(error, "could not match 2 host names to 1 hostaddr values");
}

TEST(ReplicaSetup, FromConninfo) {
    ReplicaSetup s = ReplicaSetupFromConninfo("host=/tmp/a,/tmp/b port=1,2 user=u dbname=prefect");
    EXPECT_TRUE(s.enabled);
    ASSERT_EQ(s.hosts.size(), 2u);
    EXPECT_EQ(s.hosts[1].Label(), "/tmp/b:2");
    EXPECT_EQ(s.attrs, SessionAttrs::kPreferStandby);
    EXPECT_FALSE(s.attrs_given);
    ConnParams want = {{"user", "u"}, {"dbname", "prefect"}};
    EXPECT_EQ(s.others, want);

    s = ReplicaSetupFromConninfo("postgresql://u@h1:5432,h2:5433/prefect?target_session_attrs=standby");
    EXPECT_TRUE(s.enabled);
    ASSERT_EQ(s.hosts.size(), 2u);
    EXPECT_EQ(s.hosts[0].Label(), "h1:5432");
    EXPECT_EQ(s.hosts[1].Label(), "h2:5433");
    EXPECT_EQ(s.attrs, SessionAttrs::kStandby);
    EXPECT_TRUE(s.attrs_given);

    // One host, a plain name, unparsable text, an unknown attribute: libpq as before.
    EXPECT_FALSE(ReplicaSetupFromConninfo("host=/tmp/a port=1 dbname=x").enabled);
    EXPECT_FALSE(ReplicaSetupFromConninfo("prefect").enabled);
    EXPECT_FALSE(ReplicaSetupFromConninfo("host=a,b dbname='x").enabled);
    EXPECT_FALSE(ReplicaSetupFromConninfo("host=a,b target_session_attrs=nearest").enabled);
    EXPECT_FALSE(ReplicaSetupFromConninfo("host=a,b port=1,2,3").enabled);
}

TEST(ReplicaSetup, FromParamsLaterKeywordWins) {
    ConnParams params = {{"host", "x"},   {"user", "u"},         {"password", "secret"},
                         {"host", "a,b"}, {"port", "5432,5433"}, {"target_session_attrs", "any"},
                         {"dbname", "p"}};
    ReplicaSetup s = ReplicaSetupFromParams(params);
    EXPECT_TRUE(s.enabled);
    ASSERT_EQ(s.hosts.size(), 2u);
    EXPECT_EQ(s.hosts[0].Label(), "a:5432");
    EXPECT_EQ(s.attrs, SessionAttrs::kAny);
    ConnParams want = {{"user", "u"}, {"password", "secret"}, {"dbname", "p"}};
    EXPECT_EQ(s.others, want);
    EXPECT_FALSE(ReplicaSetupFromParams({{"host", "a"}, {"port", "1"}}).enabled);
}

TEST(SessionAttrs, WhatSatisfiesWhat) {
    for (const char *name : {"any", "read-write", "read-only", "primary", "standby", "prefer-standby"}) {
        SessionAttrs a;
        ASSERT_TRUE(ParseSessionAttrs(name, &a)) << name;
        EXPECT_STREQ(SessionAttrsName(a), name);
    }
    SessionAttrs a;
    EXPECT_FALSE(ParseSessionAttrs("master", &a));
    EXPECT_TRUE(Satisfies(SessionAttrs::kAny, kPrimary));
    EXPECT_TRUE(Satisfies(SessionAttrs::kPreferStandby, kStandby));
    EXPECT_FALSE(Satisfies(SessionAttrs::kPreferStandby, kPrimary));
    EXPECT_FALSE(Satisfies(SessionAttrs::kStandby, kReadOnlyPrimary));
    EXPECT_TRUE(Satisfies(SessionAttrs::kReadOnly, kReadOnlyPrimary));
    EXPECT_TRUE(Satisfies(SessionAttrs::kReadOnly, kStandby));
    EXPECT_FALSE(Satisfies(SessionAttrs::kReadWrite, kReadOnlyPrimary));
    EXPECT_TRUE(Satisfies(SessionAttrs::kReadWrite, kPrimary));
    EXPECT_TRUE(Satisfies(SessionAttrs::kPrimary, kReadOnlyPrimary));
    EXPECT_FALSE(Satisfies(SessionAttrs::kPrimary, kStandby));
}

TEST(PlanConnect, FewestConnectionsFirstThenUnknownThenFallback) {
    // primary, two standbys with 3 and 1 connections
    auto plan = PlanConnect(SessionAttrs::kPreferStandby, {Up(kPrimary, 2), Up(kStandby, 3), Up(kStandby, 1)}, 0);
    EXPECT_EQ(plan.order, (std::vector<size_t>{2, 1, 0}));
    EXPECT_EQ(plan.candidates, 2u);

    // never tried hosts come after the known standbys, before the primary
    plan = PlanConnect(SessionAttrs::kPreferStandby, {Up(kPrimary), Unknown(), Up(kStandby, 5)}, 0);
    EXPECT_EQ(plan.order, (std::vector<size_t>{2, 1, 0}));
    EXPECT_EQ(plan.candidates, 2u);

    // a standby seen down is left out while another host is left
    plan = PlanConnect(SessionAttrs::kPreferStandby, {Up(kPrimary), Down(), Up(kStandby, 4)}, 0);
    EXPECT_EQ(plan.order, (std::vector<size_t>{2, 0}));
    EXPECT_EQ(plan.candidates, 1u);

    // no standby up: straight to the primary
    plan = PlanConnect(SessionAttrs::kPreferStandby, {Up(kPrimary), Down(), Down()}, 0);
    EXPECT_EQ(plan.order, (std::vector<size_t>{0}));
    EXPECT_EQ(plan.candidates, 0u);

    // everything seen down: try them all, in turn
    plan = PlanConnect(SessionAttrs::kPreferStandby, {Down(), Down(), Down()}, 1);
    EXPECT_EQ(plan.order, (std::vector<size_t>{1, 2, 0}));
    EXPECT_EQ(plan.candidates, 3u);
}

TEST(PlanConnect, TiesGoRound) {
    std::vector<HostView> hosts = {Up(kPrimary), Up(kStandby, 2), Up(kStandby, 2), Up(kStandby, 2)};
    std::vector<size_t> firsts;
    for (size_t r = 0; r < 6; ++r) firsts.push_back(PlanConnect(SessionAttrs::kPreferStandby, hosts, r).order[0]);
    EXPECT_EQ(firsts, (std::vector<size_t>{1, 2, 3, 1, 2, 3}));
}

TEST(PlanConnect, ExplicitAttrsSpreadOverWhatSatisfiesThem) {
    std::vector<HostView> hosts = {Up(kPrimary, 1), Up(kStandby, 0), Up(kStandby, 3)};
    auto plan = PlanConnect(SessionAttrs::kAny, hosts, 0);  // every host is fine: fewest first
    EXPECT_EQ(plan.order, (std::vector<size_t>{1, 0, 2}));
    EXPECT_EQ(plan.candidates, 3u);
    plan = PlanConnect(SessionAttrs::kPrimary, hosts, 0);
    EXPECT_EQ(plan.order.front(), 0u);
    EXPECT_EQ(plan.candidates, 1u);
    plan = PlanConnect(SessionAttrs::kStandby, hosts, 0);
    EXPECT_EQ(plan.order, (std::vector<size_t>{1, 2, 0}));  // the primary last, in case its role changed
    EXPECT_EQ(plan.candidates, 2u);
}

TEST(Judge, PreferStandbyHoldsThePrimaryAsFallback) {
    EXPECT_EQ(Judge(SessionAttrs::kPreferStandby, kStandby, false), Verdict::kUse);
    EXPECT_EQ(Judge(SessionAttrs::kPreferStandby, kPrimary, false), Verdict::kHold);
    EXPECT_EQ(Judge(SessionAttrs::kPreferStandby, kPrimary, true), Verdict::kClose);
    EXPECT_EQ(Judge(SessionAttrs::kStandby, kPrimary, false), Verdict::kClose);  // strict: no fallback
    EXPECT_EQ(Judge(SessionAttrs::kAny, kPrimary, false), Verdict::kUse);

    ConnectPlan plan{{2, 1, 0}, 2};
    EXPECT_TRUE(KeepTrying(plan, 0, false));
    EXPECT_TRUE(KeepTrying(plan, 1, true));   // a fallback is held: the standbys left are still tried
    EXPECT_FALSE(KeepTrying(plan, 2, true));  // ... but not another fallback
    EXPECT_TRUE(KeepTrying(plan, 2, false));
    EXPECT_FALSE(KeepTrying(plan, 3, false));
}

TEST(Rebalance, FallbackConnectionsGoWhenAStandbyIsBack) {
    // all 8 on the primary, standby 1 back: all 8 retire (new ones go to the standby)
    auto excess = ExcessConnections(SessionAttrs::kPreferStandby, {Up(kPrimary, 8), Up(kStandby, 0), Down()});
    EXPECT_EQ(excess, (std::vector<size_t>{8, 0, 0}));
    // no standby up: nothing moves
    excess = ExcessConnections(SessionAttrs::kPreferStandby, {Up(kPrimary, 8), Down(), Down()});
    EXPECT_EQ(excess, (std::vector<size_t>{0, 0, 0}));
}

TEST(Rebalance, AStandbyBackGetsItsShare) {
    auto excess = ExcessConnections(SessionAttrs::kPreferStandby, {Up(kPrimary), Up(kStandby, 8), Up(kStandby, 0)});
    EXPECT_EQ(excess, (std::vector<size_t>{0, 4, 0}));
    // within one of even: left alone (no churn)
    excess = ExcessConnections(SessionAttrs::kPreferStandby, {Up(kPrimary), Up(kStandby, 4), Up(kStandby, 3)});
    EXPECT_EQ(excess, (std::vector<size_t>{0, 0, 0}));
    excess = ExcessConnections(SessionAttrs::kPreferStandby, {Up(kStandby, 4), Up(kStandby, 4), Up(kStandby, 0)});
    EXPECT_EQ(excess, (std::vector<size_t>{1, 1, 0}));
    // `any`: the primary takes its share too
    excess = ExcessConnections(SessionAttrs::kAny, {Up(kPrimary, 0), Up(kStandby, 6), Up(kStandby, 2)});
    EXPECT_EQ(excess, (std::vector<size_t>{0, 3, 0}));
}

}  // namespace
}  // namespace pf_http
