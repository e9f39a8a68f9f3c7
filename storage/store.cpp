#include "storage/store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <system_error>

namespace causeway {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFamilyNames[kFamilyCount] = {"events", "idmap", "queue",  "dead", "cursors",
                                                    "actors", "local", "social", "seen", "meta"};
constexpr const char* kSchemaKey = "schema_version";

rocksdb::WriteOptions write_options(Durability d) {
  rocksdb::WriteOptions o;
  o.sync = d == Durability::synced;
  return o;
}

Error storage_error(const fs::path& path, const std::string& what, const rocksdb::Status& s) {
  return make_error("storage at " + path.string() + ": " + what + ": " + s.ToString());
}

// RocksDB reports a held LOCK file as an IOError mentioning the lock; say what it means instead.
bool is_lock_error(const rocksdb::Status& s) {
  std::string text = s.ToString();
  return s.IsIOError() && (text.find("lock") != std::string::npos || text.find("LOCK") != std::string::npos);
}

constexpr fs::perms kNotOwner = fs::perms::group_all | fs::perms::others_all;

std::string octal_mode(fs::perms p) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%03o", static_cast<unsigned>(p & fs::perms::mask));
  return buf;
}

// Takes every group and other bit off the files directly in `path` (a RocksDB store is flat).
// Returns how many files were looser than that.
Result<std::size_t> restrict_files(const fs::path& path) {
  std::error_code ec;
  std::size_t tightened = 0;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    std::error_code entry_ec;
    if (!entry.is_regular_file(entry_ec)) continue;
    fs::perms mode = entry.status(entry_ec).permissions();
    if (entry_ec || (mode & kNotOwner) == fs::perms::none) continue;
    fs::permissions(entry.path(), kNotOwner, fs::perm_options::remove, entry_ec);
    if (entry_ec) {
      return make_error("storage file " + entry.path().string() + " is readable by other users (mode " +
                        octal_mode(mode) + ") and cannot be restricted: " + entry_ec.message());
    }
    ++tightened;
  }
  if (ec) return make_error("storage at " + path.string() + ": cannot list it: " + ec.message());
  return tightened;
}

// The store holds sealed keys, members' posts and who follows whom: the directory becomes 0700 and
// its files lose every group and other bit. A store found looser was exposed, so that is said.
Status make_private(const fs::path& path, bool just_created) {
  std::error_code ec;
  fs::perms dir_mode = fs::status(path, ec).permissions();
  if (ec) return make_error("storage at " + path.string() + ": cannot read its permissions: " + ec.message());
  if ((dir_mode & kNotOwner) != fs::perms::none) {
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) {
      return make_error("storage at " + path.string() + " is readable by other users (mode " + octal_mode(dir_mode) +
                        ") and cannot be restricted: " + ec.message() + "; run: chmod 700 " + path.string());
    }
    if (!just_created)
      spdlog::warn("storage at {} was open to other users (mode {}); restricted it to 0700", path.string(),
                   octal_mode(dir_mode));
  }
  auto tightened = restrict_files(path);
  if (!tightened) return Error{tightened.error()};
  if (*tightened > 0)
    spdlog::warn("storage at {}: {} file(s) were readable by other users; removed their group and other permissions",
                 path.string(), *tightened);
  return {};
}

}  // namespace

const char* family_name(Family family) { return kFamilyNames[static_cast<int>(family)]; }

WriteBatch::WriteBatch(const Store* store) : store_(store), batch_(std::make_unique<rocksdb::WriteBatch>()) {}
WriteBatch::WriteBatch(WriteBatch&&) noexcept = default;
WriteBatch& WriteBatch::operator=(WriteBatch&&) noexcept = default;
WriteBatch::~WriteBatch() = default;

void WriteBatch::put(Family family, std::string_view key, std::string_view value) {
  batch_->Put(store_->handle(family), rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value.data(), value.size()));
}

void WriteBatch::remove(Family family, std::string_view key) {
  batch_->Delete(store_->handle(family), rocksdb::Slice(key.data(), key.size()));
}

int WriteBatch::count() const { return batch_->Count(); }

Result<std::unique_ptr<Store>> Store::open(const fs::path& path) {
  std::error_code ec;
  bool existed = fs::exists(path, ec);
  fs::create_directories(path, ec);
  if (ec) {
    return make_error("storage at " + path.string() + ": cannot create the directory: " + ec.message() +
                      "; check storage.path (or --data)");
  }
  if (!fs::is_directory(path, ec)) {
    return make_error("storage at " + path.string() + ": not a directory; check storage.path (or --data)");
  }
  if (Status made = make_private(path, !existed); !made.ok()) return Error{made.error()};

  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_background_jobs = 2;
  options.keep_log_file_num = 5;

  // RocksDB must be opened with every family that already exists, so list them first.
  std::vector<std::string> existing;
  rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(options, path.string(), &existing);
  std::vector<std::string> wanted = {rocksdb::kDefaultColumnFamilyName};
  wanted.insert(wanted.end(), std::begin(kFamilyNames), std::end(kFamilyNames));
  if (listed.ok()) {
    for (const auto& name : existing)
      if (std::find(wanted.begin(), wanted.end(), name) == wanted.end()) wanted.push_back(name);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : wanted) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path.string(), descriptors, &handles, &raw);
  if (!s.ok()) {
    if (is_lock_error(s)) {
      return make_error("storage at " + path.string() + " is locked: another process holds " +
                        (path / "LOCK").string() + "; stop the other causeway or use another --data directory");
    }
    if (s.IsIOError() && s.ToString().find("Permission denied") != std::string::npos) {
      return make_error("storage at " + path.string() + " is not writable (" + s.ToString() +
                        "); fix its permissions or use another --data directory");
    }
    return storage_error(path, "cannot open", s);
  }

  std::unique_ptr<Store> store(new Store());
  store->path_ = path;
  store->db_.reset(raw);
  store->default_handle_ = handles[0];
  store->handles_.assign(handles.begin() + 1, handles.begin() + 1 + kFamilyCount);
  for (size_t i = 1 + kFamilyCount; i < handles.size(); ++i) store->db_->DestroyColumnFamilyHandle(handles[i]);
  if (Status schema = store->check_schema(); !schema.ok()) return Error{schema.error()};
  // Opening wrote new files (OPTIONS, the WAL) with the process umask: they are restricted too.
  // Later ones depend on the umask, which the daemon sets to 077.
  if (auto tightened = restrict_files(path); !tightened) return Error{tightened.error()};
  return store;
}

Status Store::check_schema() {
  auto stored = get(Family::meta, kSchemaKey);
  if (!stored) return Error{stored.error()};
  if (!stored->has_value()) {
    schema_version_ = kSchemaVersion;
    return put(Family::meta, kSchemaKey, std::to_string(kSchemaVersion));
  }
  const std::string& text = **stored;
  int version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (ec != std::errc() || end != text.data() + text.size() || version < 1) {
    return make_error("storage at " + path_.string() + ": meta." + kSchemaKey + " is \"" + text +
                      "\", not a schema version; this is not a causeway store or it is damaged");
  }
  if (version > kSchemaVersion) {
    return make_error("storage at " + path_.string() + " has schema version " + std::to_string(version) +
                      ", newer than this causeway understands (" + std::to_string(kSchemaVersion) +
                      "); run a newer causeway or use another --data directory");
  }
  // Versions older than kSchemaVersion would be migrated here; version 1 is the first.
  schema_version_ = version;
  return {};
}

Store::~Store() {
  if (!db_) return;
  db_->FlushWAL(true);
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->DestroyColumnFamilyHandle(default_handle_);
  db_->Close();
}

Result<std::optional<std::string>> Store::get(Family family, std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(family), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return storage_error(path_, std::string("reading ") + family_name(family), s);
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<std::optional<std::string>>> Store::get_consistent(
    const std::vector<std::pair<Family, std::string>>& keys) const {
  rocksdb::ReadOptions options;
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  options.snapshot = snapshot;
  std::vector<std::optional<std::string>> out;
  std::optional<Error> failure;
  for (const auto& [family, key] : keys) {
    std::string value;
    rocksdb::Status s = db_->Get(options, handle(family), key, &value);
    if (s.IsNotFound()) {
      out.emplace_back();
    } else if (s.ok()) {
      out.emplace_back(std::move(value));
    } else {
      failure = storage_error(path_, std::string("reading ") + family_name(family), s);
      break;
    }
  }
  db_->ReleaseSnapshot(snapshot);
  if (failure) return *failure;
  return out;
}

Status Store::put(Family family, std::string_view key, std::string_view value, Durability d) {
  rocksdb::Status s = db_->Put(write_options(d), handle(family), rocksdb::Slice(key.data(), key.size()),
                               rocksdb::Slice(value.data(), value.size()));
  if (!s.ok()) return storage_error(path_, std::string("writing ") + family_name(family), s);
  return {};
}

Status Store::remove(Family family, std::string_view key, Durability d) {
  rocksdb::Status s = db_->Delete(write_options(d), handle(family), rocksdb::Slice(key.data(), key.size()));
  if (!s.ok()) return storage_error(path_, std::string("deleting from ") + family_name(family), s);
  return {};
}

Status Store::write(WriteBatch& batch, Durability d) {
  if (before_write_) before_write_();
  rocksdb::Status s = db_->Write(write_options(d), batch.batch_.get());
  if (!s.ok()) return storage_error(path_, "writing a batch", s);
  batch.batch_->Clear();
  return {};
}

Status Store::scan(Family family, std::string_view prefix,
                   const std::function<bool(std::string_view, std::string_view)>& visit, std::string_view start) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handle(family)));
  std::string_view seek = start.size() >= prefix.size() && start.substr(0, prefix.size()) == prefix ? start : prefix;
  for (it->Seek(rocksdb::Slice(seek.data(), seek.size())); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (key.substr(0, prefix.size()) != prefix) break;
    if (!visit(key, std::string_view(it->value().data(), it->value().size()))) break;
  }
  if (!it->status().ok()) return storage_error(path_, std::string("scanning ") + family_name(family), it->status());
  return {};
}

Result<std::size_t> Store::remove_where(Family family, std::string_view prefix,
                                       const std::function<Sweep(std::string_view, std::string_view)>& decide,
                                       std::size_t batch_size) {
  std::size_t removed = 0;
  rocksdb::WriteBatch batch;
  auto flush = [&]() -> Status {
    if (batch.Count() == 0) return {};
    auto n = static_cast<std::size_t>(batch.Count());
    rocksdb::Status s = db_->Write(write_options(Durability::buffered), &batch);
    if (!s.ok()) return storage_error(path_, std::string("pruning ") + family_name(family), s);
    removed += n;
    batch.Clear();
    return {};
  };
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handle(family)));
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (key.substr(0, prefix.size()) != prefix) break;
    Sweep verdict = decide(key, std::string_view(it->value().data(), it->value().size()));
    if (verdict == Sweep::stop) break;
    if (verdict == Sweep::keep) continue;
    batch.Delete(handle(family), it->key());
    if (static_cast<std::size_t>(batch.Count()) >= std::max<std::size_t>(batch_size, 1))
      if (Status s = flush(); !s.ok()) return Error{s.error()};
  }
  if (!it->status().ok()) return storage_error(path_, std::string("scanning ") + family_name(family), it->status());
  if (Status s = flush(); !s.ok()) return Error{s.error()};
  return removed;
}

std::uint64_t Store::estimate_keys(Family family) const {
  std::uint64_t n = 0;
  db_->GetIntProperty(handle(family), "rocksdb.estimate-num-keys", &n);
  return n;
}

}  // namespace causeway
