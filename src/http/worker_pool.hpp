// The HTTP server's task queue: a fixed number of worker threads and a bounded queue of accepted
// connections. cpp-httplib 0.11 hands every accepted socket to TaskQueue::enqueue, which cannot
// refuse it; ours blocks the accept loop while the queue is full, so further clients wait in the
// kernel's listen backlog instead of piling up in memory. shutdown() lets the workers finish
// everything already accepted and joins them (graceful stop).
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pf_http {

class WorkerPool final : public httplib::TaskQueue {
public:
    // `stopping` belongs to the server: once it is set, enqueue no longer waits for room.
    WorkerPool(size_t threads, size_t max_queued, const std::atomic<bool> &stopping)
        : max_queued_(max_queued), stopping_(stopping) {
        for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
    }

    ~WorkerPool() override { shutdown(); }

    void enqueue(std::function<void()> fn) override {
        std::unique_lock<std::mutex> lock(mu_);
        while (jobs_.size() >= max_queued_ && !stopping_.load() && !shutdown_)
            has_room_.wait_for(lock, std::chrono::milliseconds(100));
        jobs_.push_back(std::move(fn));
        has_work_.notify_one();
    }

    void shutdown() override {
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (shutdown_) return;
            shutdown_ = true;
        }
        has_work_.notify_all();
        has_room_.notify_all();
        for (std::thread &t : threads_) t.join();
    }

private:
    void Work() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock<std::mutex> lock(mu_);
                has_work_.wait(lock, [this] { return shutdown_ || !jobs_.empty(); });
                if (jobs_.empty()) return;  // shut down and drained
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
            has_room_.notify_one();
            job();  // serves one connection, then closes its socket
        }
    }

    const size_t max_queued_;
    const std::atomic<bool> &stopping_;
    std::mutex mu_;
    std::condition_variable has_work_, has_room_;
    std::deque<std::function<void()>> jobs_;
    bool shutdown_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace pf_http
