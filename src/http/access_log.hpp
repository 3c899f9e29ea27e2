// The access log: one JSON object per answered request, on stderr (--access-log, off by default).
//   {"time":"2026-12-02T16:45:01.123Z","method":"POST","path":"/api/deployments/filter",
//    "status":200,"bytes":24687,"ms":0.912,"client":"203.0.113.7"}
// `client` is the peer's address, or, when the peer is a trusted proxy (--trusted-proxy), the
// address that proxy put last in X-Forwarded-For (nginx's $proxy_add_x_forwarded_for appends the
// address it saw). Pure: formatting and the choice of address, no I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace pf_http {

struct AccessLogEntry;

struct AccessLogSettings {
    bool enabled = false;
    std::vector<std::string> trusted_proxies;  // exact peer addresses whose X-Forwarded-For is believed
    // Told of every answer written, logged or not (the metrics), on the loop thread.
    std::function<void(const AccessLogEntry &)> on_answered;
};

struct AccessLogEntry {
    std::chrono::system_clock::time_point time;
    std::string method, path;  // "-" when the request could not be read
    int status = 0;
    size_t bytes = 0;  // body bytes of the answer
    double ms = 0;     // from the request's first byte to the answer written
    std::string client;
    std::string content_encoding;  // of the answer ("" = none); not logged
};

// One line of JSON (invalid UTF-8 in a path is replaced, never passed through).
std::string FormatAccessLog(const AccessLogEntry &entry);

// The client's address: `peer`, or the last X-Forwarded-For entry when `peer` is trusted.
std::string ClientAddress(const std::string &peer, const std::string *forwarded_for,
                          const std::vector<std::string> &trusted_proxies);

}  // namespace pf_http
