// A small registry of Prometheus counters and gauges. Every module that counts something (requests,
// rejections with their reason, deliveries) registers here; /metrics renders the whole registry.
// Thread-safe: counters are created under a lock once and incremented lock-free afterwards.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace causeway {

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  // Returns the counter for (name, labels), creating it on first use. The reference stays valid
  // for the registry's lifetime. `help` is taken from the first registration of `name`.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});

  // A gauge is read at render time from a callback (uptime, queue depth, ...).
  void gauge(const std::string& name, const std::string& help, std::function<double()> read,
             const Labels& labels = {});

  // Prometheus text exposition format, version 0.0.4.
  std::string render() const;

 private:
  struct Family {
    std::string help;
    bool is_gauge = false;
    std::map<std::string, std::unique_ptr<Counter>> series;  // rendered label set -> counter
    std::function<double()> gauge_read;
    std::string gauge_labels;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace causeway
