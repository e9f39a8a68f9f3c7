// One thread that runs the due jobs of one kind from the durable queue, in due order, until
// stopped. The handler finishes each job itself (complete, retry_later, give_up or release).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

#include "bridge/delivery_queue.h"

namespace causeway {

class JobWorker {
 public:
  using Handler = std::function<void(Job job)>;

  // `chore`, if given, runs on the worker's thread about every `chore_every` while it is idle.
  JobWorker(DeliveryQueue& queue, std::string kind, Handler handler, std::function<void()> chore = nullptr,
            std::chrono::milliseconds chore_every = std::chrono::seconds(5))
      : queue_(queue), kind_(std::move(kind)), handler_(std::move(handler)), chore_(std::move(chore)),
        chore_every_(chore_every) {}
  ~JobWorker() { stop(); }

  void start() {
    running_ = true;
    thread_ = std::thread([this] {
      auto last_chore = std::chrono::steady_clock::now();
      while (running_) {
        if (run_due() != 0) continue;
        if (chore_ && std::chrono::steady_clock::now() - last_chore >= chore_every_) {
          chore_();
          last_chore = std::chrono::steady_clock::now();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // an idle poll is one cheap seek
      }
    });
  }
  // Returns after the job in hand is finished.
  void stop() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
  }

  std::size_t run_due() {
    auto jobs = queue_.claim_due(16, kind_);
    if (!jobs) {
      spdlog::error("{} jobs: cannot read the queue: {}", kind_, jobs.error());
      return 0;
    }
    std::size_t n = 0;
    for (auto& job : *jobs) {
      // Once stopping, jobs not started go back untouched (still due now).
      if (!running_) {
        (void)queue_.release(job, job.due_us);
        continue;
      }
      // A handler must not take the daemon down: remote documents are hostile input, and a job
      // that crashed the process would crash it again on every restart.
      Job copy = job;
      try {
        handler_(std::move(job));
      } catch (const std::exception& e) {
        spdlog::error("{} job {}: {}; will retry", kind_, copy.id, e.what());
        (void)queue_.retry_later(copy, std::string("internal error: ") + e.what());
      }
      ++n;
    }
    return n;
  }

 private:
  DeliveryQueue& queue_;
  std::string kind_;
  Handler handler_;
  std::function<void()> chore_;
  std::chrono::milliseconds chore_every_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace causeway
