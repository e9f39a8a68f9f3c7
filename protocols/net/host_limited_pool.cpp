#include "protocols/net/host_limited_pool.h"

namespace causeway {

HostLimitedPool::HostLimitedPool(HostLimitedPoolOptions options) : options_(options) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.threads); ++i) threads_.emplace_back([this] { work(); });
}

HostLimitedPool::~HostLimitedPool() { stop(); }

bool HostLimitedPool::submit(const std::string& host, std::function<void()> task, std::function<void()> on_drop) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= options_.queued_total || queued_[host] >= options_.queued_per_host) return false;
    ++queued_[host];
    queue_.push_back(Task{host, std::move(task), std::move(on_drop)});
  }
  wake_.notify_one();
  return true;
}

void HostLimitedPool::stop() {
  std::deque<Task> dropped;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    dropped.swap(queue_);
    queued_.clear();
  }
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  for (auto& task : dropped)
    if (task.on_drop) task.on_drop();
}

void HostLimitedPool::work() {
  std::unique_lock lock(mu_);
  for (;;) {
    // The oldest task whose host is under its limit; others wait for a task of their host to end.
    auto next = queue_.end();
    wake_.wait(lock, [&] {
      if (stopping_) return true;
      for (auto it = queue_.begin(); it != queue_.end(); ++it)
        if (active_[it->host] < options_.per_host) {
          next = it;
          return true;
        }
      return false;
    });
    if (stopping_) return;
    Task task = std::move(*next);
    queue_.erase(next);
    if (--queued_[task.host] == 0) queued_.erase(task.host);
    ++active_[task.host];
    lock.unlock();
    task.run();
    lock.lock();
    if (--active_[task.host] == 0) active_.erase(task.host);
    // A task of this host may now run (and the one just finished may have queued more).
    wake_.notify_all();
  }
}

}  // namespace causeway
