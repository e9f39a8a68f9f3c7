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

// Observations counted into fixed buckets (seconds), rendered as a Prometheus histogram.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // Cumulative counts per bound, then the total count and sum.
  std::vector<std::uint64_t> cumulative() const;
  std::uint64_t count() const;
  double sum() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<std::uint64_t> counts_;  // per bucket (not cumulative); the last one is +Inf
  double sum_ = 0;
};

class Metrics {
 public:
  // Returns the counter for (name, labels), creating it on first use. The reference stays valid
  // for the registry's lifetime. `help` is taken from the first registration of `name`.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});

  // A gauge is read at render time from a callback (uptime, queue depth, ...); one callback per
  // label set.
  void gauge(const std::string& name, const std::string& help, std::function<double()> read,
             const Labels& labels = {});

  // Latency histogram for (name, labels), buckets from 5 ms to 60 s.
  Histogram& histogram(const std::string& name, const std::string& help, const Labels& labels = {});

  // Prometheus text exposition format, version 0.0.4.
  std::string render() const;

 private:
  struct Family {
    std::string help;
    enum class Type { counter, gauge, histogram } type = Type::counter;
    std::map<std::string, std::unique_ptr<Counter>> series;  // rendered label set -> counter
    std::map<std::string, std::function<double()>> gauges;   // rendered label set -> reader
    std::map<std::string, std::pair<Labels, std::unique_ptr<Histogram>>> histograms;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace causeway
