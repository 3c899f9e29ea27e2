// Host lists and the spreading rules (see replica_hosts.hpp, doc/replicas.md).
#include "http/replica_hosts.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <map>
#include <tuple>

namespace pf_http {

namespace {

const std::pair<const char *, SessionAttrs> kAttrNames[] = {
    {"any", SessionAttrs::kAny},
    {"read-write", SessionAttrs::kReadWrite},
    {"read-only", SessionAttrs::kReadOnly},
    {"primary", SessionAttrs::kPrimary},
    {"standby", SessionAttrs::kStandby},
    {"prefer-standby", SessionAttrs::kPreferStandby},
};

std::vector<std::string> SplitCommas(const std::string &text) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t comma = text.find(',', start);
        out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) return out;
        start = comma + 1;
    }
}

ReplicaSetup SetupFromMap(const std::vector<std::string> &order, const std::map<std::string, std::string> &values) {
    ReplicaSetup setup;
    auto get = [&](const char *key) {
        auto it = values.find(key);
        return it == values.end() ? std::string() : it->second;
    };
    std::string error;
    if (!SplitHostList(get("host"), get("hostaddr"), get("port"), &setup.hosts, &error)) {
        setup.hosts.clear();
        return setup;
    }
    auto attrs = values.find("target_session_attrs");
    if (attrs != values.end() && !attrs->second.empty()) {
        if (!ParseSessionAttrs(attrs->second, &setup.attrs)) return setup;  // libpq will say why
        setup.attrs_given = true;
    }
    for (const std::string &key : order) {
        if (key == "host" || key == "hostaddr" || key == "port" || key == "target_session_attrs") continue;
        setup.others.emplace_back(key, values.at(key));
    }
    setup.enabled = setup.hosts.size() >= 2;
    return setup;
}

}  // namespace

bool ParseSessionAttrs(const std::string &text, SessionAttrs *out) {
    for (const auto &[name, attrs] : kAttrNames)
        if (text == name) {
            *out = attrs;
            return true;
        }
    return false;
}

const char *SessionAttrsName(SessionAttrs attrs) {
    for (const auto &[name, a] : kAttrNames)
        if (a == attrs) return name;
    return "?";
}

std::string DbHost::Label() const {
    const std::string &name = !host.empty() ? host : hostaddr;
    return (name.empty() ? "default" : name) + ":" + (port.empty() ? "default" : port);
}

bool SplitHostList(const std::string &host, const std::string &hostaddr, const std::string &port,
                   std::vector<DbHost> *hosts, std::string *error) {
    // As libpq's connectOptions2: an empty keyword is an absent one.
    std::vector<std::string> names = host.empty() ? std::vector<std::string>{} : SplitCommas(host);
    std::vector<std::string> addrs = hostaddr.empty() ? std::vector<std::string>{} : SplitCommas(hostaddr);
    std::vector<std::string> ports = port.empty() ? std::vector<std::string>{} : SplitCommas(port);
    if (!names.empty() && !addrs.empty() && names.size() != addrs.size()) {
        *error = "could not match " + std::to_string(names.size()) + " host names to " + std::to_string(addrs.size()) +
                 " hostaddr values";
        return false;
    }
    const size_t n = std::max<size_t>({names.size(), addrs.size(), 1});
    if (ports.size() > 1 && ports.size() != n) {
        *error = "could not match " + std::to_string(ports.size()) + " port numbers to " + std::to_string(n) + " hosts";
        return false;
    }
    hosts->clear();
    for (size_t i = 0; i < n; ++i) {
        DbHost h;
        if (!names.empty()) h.host = names[i];
        if (!addrs.empty()) h.hostaddr = addrs[i];
        if (!ports.empty()) h.port = ports.size() == 1 ? ports[0] : ports[i];
        hosts->push_back(std::move(h));
    }
    return true;
}

ReplicaSetup ReplicaSetupFromParams(const ConnParams &params) {
    std::vector<std::string> order;
    std::map<std::string, std::string> values;
    for (const auto &[key, value] : params) {
        if (!values.count(key)) order.push_back(key);
        values[key] = value;
    }
    return SetupFromMap(order, values);
}

ReplicaSetup ReplicaSetupFromConninfo(const std::string &conninfo) {
    // libpq expands dbname=<text> only when it has '=' or a URI prefix; otherwise it is a name.
    const bool uri = conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0;
    if (!uri && conninfo.find('=') == std::string::npos) return {};
    char *error = nullptr;
    PQconninfoOption *options = PQconninfoParse(conninfo.c_str(), &error);
    if (options == nullptr) {
        if (error) PQfreemem(error);
        return {};
    }
    std::vector<std::string> order;
    std::map<std::string, std::string> values;
    for (PQconninfoOption *o = options; o->keyword != nullptr; ++o) {
        if (o->val == nullptr) continue;
        order.push_back(o->keyword);
        values[o->keyword] = o->val;
    }
    PQconninfoFree(options);
    return SetupFromMap(order, values);
}

bool Satisfies(SessionAttrs attrs, HostRole role) {
    switch (attrs) {
        case SessionAttrs::kAny: return true;
        case SessionAttrs::kReadWrite: return !role.hot_standby && !role.read_only;
        case SessionAttrs::kReadOnly: return role.hot_standby || role.read_only;
        case SessionAttrs::kPrimary: return !role.hot_standby;
        case SessionAttrs::kStandby:
        case SessionAttrs::kPreferStandby: return role.hot_standby;
    }
    return false;
}

bool Preferred(SessionAttrs attrs, const HostView &host) {
    return host.health == HostHealth::kUp && Satisfies(attrs, host.role);
}

ConnectPlan PlanConnect(SessionAttrs attrs, const std::vector<HostView> &hosts, size_t rotation) {
    const size_t n = hosts.size();
    auto rank = [&](size_t i) {
        if (Preferred(attrs, hosts[i])) return 0;
        if (hosts[i].health == HostHealth::kUnknown) return 1;
        if (hosts[i].health == HostHealth::kUp) return 2;
        return 3;
    };
    // Ties go round within each rank: the k-th host of a rank of g hosts sorts at (k - rotation) mod g.
    std::vector<std::tuple<int, size_t, size_t, size_t>> keyed;  // rank, load, rotated position, index
    size_t in_rank[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n; ++i) ++in_rank[rank(i)];
    size_t seen[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n; ++i) {
        const int r = rank(i);
        const size_t g = in_rank[r];
        keyed.emplace_back(r, hosts[i].load, (seen[r]++ + g - rotation % g) % g, i);
    }
    std::sort(keyed.begin(), keyed.end());
    ConnectPlan plan;
    const bool only_down = !keyed.empty() && std::get<0>(keyed.front()) == 3;
    for (const auto &[r, load, position, index] : keyed) {
        if (r == 3 && !only_down) continue;  // the recheck brings them back
        plan.order.push_back(index);
        if (r <= 1 || only_down) ++plan.candidates;
    }
    return plan;
}

Verdict Judge(SessionAttrs attrs, HostRole role, bool holding_fallback) {
    if (Satisfies(attrs, role)) return Verdict::kUse;
    if (attrs == SessionAttrs::kPreferStandby && !holding_fallback) return Verdict::kHold;
    return Verdict::kClose;
}

bool KeepTrying(const ConnectPlan &plan, size_t position, bool holding_fallback) {
    if (position >= plan.order.size()) return false;
    return !holding_fallback || position < plan.candidates;
}

std::vector<size_t> ExcessConnections(SessionAttrs attrs, const std::vector<HostView> &hosts) {
    std::vector<size_t> excess(hosts.size(), 0);
    size_t preferred = 0, total = 0;
    for (const HostView &h : hosts) {
        total += h.load;
        if (Preferred(attrs, h)) ++preferred;
    }
    if (preferred == 0) return excess;
    const size_t fair = (total + preferred - 1) / preferred;
    for (size_t i = 0; i < hosts.size(); ++i) {
        if (!Preferred(attrs, hosts[i]))
            excess[i] = hosts[i].load;
        else if (hosts[i].load > fair)
            excess[i] = hosts[i].load - fair;
    }
    return excess;
}

}  // namespace pf_http
