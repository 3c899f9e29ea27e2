// A small thread-safe logger to stderr: one line per event, with a UTC timestamp. What it logs
// (database errors with libpq's reason, exceptions) is for the operator only and never reaches a
// client; connection strings and passwords are never logged.
//
// Limited() is for events that can repeat once per request (a database that is down, a full
// pool, accept failures): the first line of a kind is written at once, further ones within
// kWindow are counted and summarised in one line when the kind next occurs after the window.
#pragma once

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <string>

namespace pf_http {

class Logger {
public:
    static constexpr std::chrono::seconds kWindow{10};

    explicit Logger(std::FILE *out = stderr) : out_(out) {}

    void Line(const std::string &text) {
        std::lock_guard<std::mutex> lock(mu_);
        Write(text);
    }

    // A line as it is (the access log's JSON objects carry their own time).
    void Raw(const std::string &text) {
        std::lock_guard<std::mutex> lock(mu_);
        std::fprintf(out_, "%s\n", text.c_str());
        std::fflush(out_);
    }

    // `kind` groups lines that would repeat (e.g. "database"); `text` is this occurrence.
    void Limited(const std::string &kind, const std::string &text) {
        std::lock_guard<std::mutex> lock(mu_);
        auto now = std::chrono::steady_clock::now();
        Window &w = windows_[kind];
        if (w.started.time_since_epoch().count() != 0 && now - w.started < kWindow) {
            ++w.suppressed;
            return;
        }
        if (w.suppressed > 0)
            Write("(" + std::to_string(w.suppressed) + " more " + kind + " message(s) suppressed in the last " +
                  std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - w.started).count()) + " s)");
        w.started = now;
        w.suppressed = 0;
        Write(text);
    }

private:
    struct Window {
        std::chrono::steady_clock::time_point started{};
        size_t suppressed = 0;
    };

    void Write(const std::string &text) {
        using namespace std::chrono;
        auto now = system_clock::now();
        std::time_t secs = system_clock::to_time_t(now);
        auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
        std::tm tm{};
        gmtime_r(&secs, &tm);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
        std::fprintf(out_, "%s.%03dZ %s\n", stamp, static_cast<int>(millis), text.c_str());
        std::fflush(out_);
    }

    std::FILE *out_;
    std::mutex mu_;
    std::map<std::string, Window> windows_;
};

}  // namespace pf_http
