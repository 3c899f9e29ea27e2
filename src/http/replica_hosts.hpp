// Several database hosts (a primary and streaming standbys): the pure rules the pool follows to
// spread its connections over them (doc/replicas.md). No sockets, no state: the pool keeps the
// state and asks these functions what to do.
//
// libpq 15 takes host lists (`host=a,b port=1,2`) and target_session_attrs, but connects every
// session to the first host that fits (load_balance_hosts is libpq 16). So, with two or more
// hosts, the pool connects each session to ONE host it chose:
// - target_session_attrs not given: prefer-standby (the server's calls are read-only);
// - given: honoured, and the connections spread over the hosts that satisfy it;
// - a new connection goes to the satisfying host with the fewest connections; with
//   prefer-standby and no standby up, it falls back to any host (the primary);
// - when a standby is up again, connections over its fair share elsewhere (and every fallback
//   connection) are retired once idle, and new ones go to the standby.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace pf_http {

// libpq's target_session_attrs (PostgreSQL 14+).
enum class SessionAttrs { kAny, kReadWrite, kReadOnly, kPrimary, kStandby, kPreferStandby };

bool ParseSessionAttrs(const std::string &text, SessionAttrs *out);
const char *SessionAttrsName(SessionAttrs attrs);

// One entry of libpq's host list.
struct DbHost {
    std::string host;      // name, IP or socket directory ("" = libpq's default)
    std::string hostaddr;  // numeric address ("" = none)
    std::string port;      // "" = libpq's default
    // "host:port" for logs ("default" for an empty part); never a secret.
    std::string Label() const;
};

// libpq's comma-separated host, hostaddr and port lists as entries: as many as hosts (or
// hostaddrs); one port applies to all. false (with libpq's complaint) when the counts differ.
bool SplitHostList(const std::string &host, const std::string &hostaddr, const std::string &port,
                   std::vector<DbHost> *hosts, std::string *error);

using ConnParams = std::vector<std::pair<std::string, std::string>>;

// What the pool needs to know to spread: the hosts, the rule, and every other keyword.
struct ReplicaSetup {
    bool enabled = false;  // two or more hosts
    std::vector<DbHost> hosts;
    SessionAttrs attrs = SessionAttrs::kPreferStandby;
    bool attrs_given = false;
    // Every keyword but host, hostaddr, port and target_session_attrs, in order (the password,
    // when Prefect's settings carry one, among them: never logged).
    ConnParams others;
};

// From PQconnectdbParams keyword/value pairs (a later keyword wins, as in libpq). An unusable
// list or value leaves `enabled` false: the pool then connects as before and libpq reports it.
ReplicaSetup ReplicaSetupFromParams(const ConnParams &params);
// From a connection string or URI (PQconninfoParse: only what the text sets). A plain database
// name, or text libpq cannot parse, leaves `enabled` false.
ReplicaSetup ReplicaSetupFromConninfo(const std::string &conninfo);

// What a connected server is, from its in_hot_standby and default_transaction_read_only.
struct HostRole {
    bool hot_standby = false;
    bool read_only = false;  // default_transaction_read_only
};

// Does a session on `role` satisfy `attrs` (for prefer-standby: is it a standby)?
bool Satisfies(SessionAttrs attrs, HostRole role);

enum class HostHealth { kUnknown, kUp, kDown };

// One host as the pool sees it now.
struct HostView {
    HostHealth health = HostHealth::kUnknown;
    HostRole role;    // meaningful when kUp
    size_t load = 0;  // connections on it that stay (open and not retiring, + being opened)
};

// Up and satisfying: where connections should be.
bool Preferred(SessionAttrs attrs, const HostView &host);

// The hosts to try, in order, for one new connection: preferred ones (fewest connections first,
// ties broken by `rotation`), then never-tried ones, then up but not satisfying ones (the
// fallback of prefer-standby), then, only when nothing else is left, the ones seen down.
struct ConnectPlan {
    std::vector<size_t> order;  // indexes into the host list
    size_t candidates = 0;      // the first `candidates` may satisfy; the rest are fallbacks
};
ConnectPlan PlanConnect(SessionAttrs attrs, const std::vector<HostView> &hosts, size_t rotation);

// Going through a plan: what to do with a session just opened on a host of role `role`.
enum class Verdict {
    kUse,   // it satisfies: take it
    kHold,  // prefer-standby, not a standby: keep it as the fallback, try the standbys left
    kClose  // it does not satisfy (or a fallback is already held): close it, go on
};
Verdict Judge(SessionAttrs attrs, HostRole role, bool holding_fallback);
// Is there a next host worth trying at `position` of the plan?
bool KeepTrying(const ConnectPlan &plan, size_t position, bool holding_fallback);

// Re-balancing: how many connections to retire on each host (`load` = open, not retiring,
// without connections being opened). With no preferred host: none. Otherwise every connection
// on a host that is not preferred (prefer-standby's fallback), and on each preferred host what
// it holds beyond ceil(total / preferred hosts).
std::vector<size_t> ExcessConnections(SessionAttrs attrs, const std::vector<HostView> &hosts);

}  // namespace pf_http
