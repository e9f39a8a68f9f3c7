// A fixed set of threads running queued tasks, with a bounded queue: when it is full, try_submit
// refuses at once instead of letting work (and memory) pile up behind slow handlers.
// Thread-safe: try_submit may be called from any thread. The destructor (or shutdown) lets the
// running tasks finish, drops the queued ones unrun (destroying them), and joins the threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace causeway {

class HandlerPool {
 public:
  HandlerPool(std::size_t threads, std::size_t max_queued);
  ~HandlerPool();
  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;

  // False when the queue is full or the pool is shut down; the task is then not run.
  bool try_submit(std::function<void()> task);
  // Refuses new tasks, drops the queued ones, waits for the running ones, joins. Idempotent.
  void shutdown();

 private:
  void run();

  std::size_t max_queued_;
  std::mutex mu_;  // guards queue_ and stopping_
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace causeway
