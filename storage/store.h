// The embedded store: one RocksDB database with a column family per purpose (DESIGN.md, Storage).
// All families are opened together; several families change atomically through one WriteBatch.
// A Store is safe to use from many threads. Only one process can hold a store path at a time.
// The directory is kept private to its owner (0700, files without group or other bits): open()
// tightens a looser one and logs a warning; the process umask decides the mode of new files.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bridge/base/result.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace causeway {

enum class Family { events, idmap, queue, dead, cursors, actors, local, social, seen, meta };
inline constexpr int kFamilyCount = 10;
const char* family_name(Family family);

// The schema this build writes. Older stores are migrated on open; newer ones are refused.
inline constexpr int kSchemaVersion = 1;

// What Store::remove_where does with one entry it visits.
enum class Sweep { keep, remove, stop };

// Whether a write must reach the disk (fsync of the WAL) before it returns. Inbound items are
// acknowledged only after a synced write; caches may skip the sync.
enum class Durability { synced, buffered };

class Store;

// Changes to any families, applied all together or not at all by Store::write.
class WriteBatch {
 public:
  WriteBatch(WriteBatch&&) noexcept;
  WriteBatch& operator=(WriteBatch&&) noexcept;
  ~WriteBatch();

  void put(Family family, std::string_view key, std::string_view value);
  void remove(Family family, std::string_view key);
  int count() const;

 private:
  friend class Store;
  explicit WriteBatch(const Store* store);
  const Store* store_;
  std::unique_ptr<rocksdb::WriteBatch> batch_;
};

class Store {
 public:
  // Opens (creating if needed) the store at `path`. Fails with a message naming the path when it
  // is locked by another process, not writable, of a newer schema, or cannot be made private.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& path);
  ~Store();  // flushes and closes

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::filesystem::path& path() const { return path_; }
  int schema_version() const { return schema_version_; }

  Result<std::optional<std::string>> get(Family family, std::string_view key) const;
  // Reads several keys from one consistent snapshot: a batch is seen entirely or not at all.
  Result<std::vector<std::optional<std::string>>> get_consistent(
      const std::vector<std::pair<Family, std::string>>& keys) const;

  Status put(Family family, std::string_view key, std::string_view value, Durability d = Durability::synced);
  Status remove(Family family, std::string_view key, Durability d = Durability::synced);

  WriteBatch batch() const { return WriteBatch(this); }
  Status write(WriteBatch& batch, Durability d = Durability::synced);

  // Visits keys starting with `prefix` in order, beginning at `start` if given (and >= prefix),
  // until `visit` returns false.
  Status scan(Family family, std::string_view prefix,
              const std::function<bool(std::string_view key, std::string_view value)>& visit,
              std::string_view start = {}) const;

  // Visits the entries under `prefix` in key order and deletes those `decide` marks remove, in
  // unsynced batches of at most `batch_size` deletes, until the prefix ends or `decide` says stop.
  // It reads one snapshot, so entries written meanwhile are neither visited nor removed. Returns
  // how many were removed (those of batches written before a failure are gone too). For
  // retention: each key family's owner decides by its own key and value format.
  Result<std::size_t> remove_where(Family family, std::string_view prefix,
                                   const std::function<Sweep(std::string_view key, std::string_view value)>& decide,
                                   std::size_t batch_size = 1000);

  // Approximate number of keys in a family (RocksDB's estimate), for metrics.
  std::uint64_t estimate_keys(Family family) const;

  // For tests that must widen a race: called at the start of every write(), on the writing thread.
  // Set before other threads use the store.
  void set_before_write_hook(std::function<void()> hook) { before_write_ = std::move(hook); }

 private:
  friend class WriteBatch;
  Store() = default;
  rocksdb::ColumnFamilyHandle* handle(Family family) const { return handles_[static_cast<int>(family)]; }
  Status check_schema();

  std::filesystem::path path_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // indexed by Family
  rocksdb::ColumnFamilyHandle* default_handle_ = nullptr;
  int schema_version_ = 0;
  std::function<void()> before_write_;
};

}  // namespace causeway
