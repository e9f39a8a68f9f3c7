// Makes "have we seen this already?" and the write that records it one step. Every adapter that
// stores inbound items locks the ids an item is known by (its activity id, its object id) before it
// checks for duplicates and routes, and keeps the lock until its batch is written, so any number of
// concurrent copies of one item (retries, the shared inbox and a personal one, a group's Announce)
// make one event and one job. Ids hash onto a fixed set of mutexes (two different ids may share
// one: that only serialises them); a guard locks its mutexes in index order, so guards never
// deadlock. Thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace causeway {

class IngestLocks {
 public:
  class Guard {
   public:
    Guard(Guard&&) = default;
    ~Guard() {
      for (auto it = held_.rbegin(); it != held_.rend(); ++it) (*it)->unlock();
    }

   private:
    friend class IngestLocks;
    Guard() = default;
    std::vector<std::mutex*> held_;
  };

  // Locks every id of `ids` (empty ones ignored) until the guard is destroyed.
  Guard lock(const std::vector<std::string>& ids);

 private:
  static constexpr std::size_t kStripes = 256;
  std::array<std::mutex, kStripes> stripes_;
};

}  // namespace causeway
