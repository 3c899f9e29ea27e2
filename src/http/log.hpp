// A tiny thread-safe logger to stderr: one line per event, with a UTC timestamp. What it logs
// (database errors, exceptions) is for the operator only and never reaches a client.
#pragma once

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace pf_http {

class Logger {
public:
    void Line(const std::string &text) {
        using namespace std::chrono;
        auto now = system_clock::now();
        std::time_t secs = system_clock::to_time_t(now);
        auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
        std::tm tm{};
        gmtime_r(&secs, &tm);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
        std::lock_guard<std::mutex> lock(mu_);
        std::fprintf(stderr, "%s.%03dZ %s\n", stamp, static_cast<int>(millis), text.c_str());
        std::fflush(stderr);
    }

private:
    std::mutex mu_;
};

}  // namespace pf_http
