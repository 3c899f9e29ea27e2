// The access log's line (see access_log.hpp).
#include "http/access_log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>

namespace pf_http {

std::string FormatAccessLog(const AccessLogEntry &e) {
    using namespace std::chrono;
    std::time_t secs = system_clock::to_time_t(e.time);
    auto millis = duration_cast<milliseconds>(e.time.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[40];
    size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(millis));
    nlohmann::ordered_json line;
    line["time"] = stamp;
    line["method"] = e.method;
    line["path"] = e.path;
    line["status"] = e.status;
    line["bytes"] = e.bytes;
    line["ms"] = std::round(e.ms * 1000.0) / 1000.0;
    line["client"] = e.client;
    return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string ClientAddress(const std::string &peer, const std::string *forwarded_for,
                          const std::vector<std::string> &trusted_proxies) {
    if (forwarded_for == nullptr ||
        std::find(trusted_proxies.begin(), trusted_proxies.end(), peer) == trusted_proxies.end())
        return peer;
    size_t comma = forwarded_for->rfind(',');
    std::string last = comma == std::string::npos ? *forwarded_for : forwarded_for->substr(comma + 1);
    size_t b = last.find_first_not_of(" \t"), e = last.find_last_not_of(" \t");
    if (b == std::string::npos) return peer;
    return last.substr(b, e - b + 1);
}

}  // namespace pf_http
