// A small pool of threads for blocking outbound work (remote key and document fetches), so that
// the threads serving requests never wait on a remote server. Work is keyed by the remote host: at
// most `per_host` tasks of one host run at once and at most `queued_per_host` wait, so one slow or
// silent host can occupy neither the whole pool nor unbounded memory.
//
// Thread-safe. submit() never blocks; a task refused by submit() is not run. Tasks run on the
// pool's threads; stop() (or the destructor) runs no further queued tasks and joins the threads,
// after dropping the tasks still queued (each one's `on_drop` is called instead, on stop's thread).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace causeway {

struct HostLimitedPoolOptions {
  std::size_t threads = 4;
  std::size_t per_host = 2;
  std::size_t queued_per_host = 64;
  std::size_t queued_total = 4096;
};

class HostLimitedPool {
 public:
  explicit HostLimitedPool(HostLimitedPoolOptions options = {});
  ~HostLimitedPool();
  HostLimitedPool(const HostLimitedPool&) = delete;
  HostLimitedPool& operator=(const HostLimitedPool&) = delete;

  // Queues `task` for `host`; false (and nothing queued) when that host's queue or the pool's is
  // full, or the pool is stopped. `on_drop` runs instead of `task` if the pool stops first.
  bool submit(const std::string& host, std::function<void()> task, std::function<void()> on_drop = nullptr);
  void stop();

 private:
  struct Task {
    std::string host;
    std::function<void()> run;
    std::function<void()> on_drop;
  };
  void work();

  HostLimitedPoolOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Task> queue_;                     // guarded by mu_
  std::map<std::string, std::size_t> active_;  // guarded by mu_: running tasks per host
  std::map<std::string, std::size_t> queued_;  // guarded by mu_: waiting tasks per host
  bool stopping_ = false;                      // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace causeway
