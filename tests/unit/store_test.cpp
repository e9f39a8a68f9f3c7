#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "storage/secret_vault.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

using namespace causeway;

TEST_CASE("values survive closing and reopening the store", "[store]") {
  testing::TempDir dir;
  {
    auto store = Store::open(dir / "db");
    REQUIRE(store.ok());
    REQUIRE((*store)->put(Family::idmap, "ap:https://a.example/1", "at://did:plc:x/app.bsky.feed.post/1").ok());
    REQUIRE((*store)->put(Family::cursors, "firehose", "42").ok());
  }
  auto store = Store::open(dir / "db");
  REQUIRE(store.ok());
  CHECK((*store)->schema_version() == kSchemaVersion);
  auto v = (*store)->get(Family::idmap, "ap:https://a.example/1");
  REQUIRE(v.ok());
  CHECK(**v == "at://did:plc:x/app.bsky.feed.post/1");
  CHECK(**(*store)->get(Family::cursors, "firehose") == "42");
  CHECK_FALSE((*store)->get(Family::events, "ap:https://a.example/1")->has_value());  // families are separate
}

TEST_CASE("a batch over several families is applied whole and seen whole", "[store]") {
  testing::TempDir dir;
  auto opened = Store::open(dir / "db");
  REQUIRE(opened.ok());
  Store& store = **opened;

  SECTION("nothing of an unwritten batch is visible") {
    WriteBatch batch = store.batch();
    batch.put(Family::events, "e1", "event");
    batch.put(Family::cursors, "firehose", "1");
    CHECK(batch.count() == 2);
    CHECK_FALSE(store.get(Family::events, "e1")->has_value());
    REQUIRE(store.write(batch).ok());
    CHECK(store.get(Family::events, "e1")->has_value());
    CHECK(**store.get(Family::cursors, "firehose") == "1");
  }

  SECTION("a reader never sees a cursor without the events written with it") {
    std::atomic<bool> done{false};
    std::atomic<int> torn{0}, reads{0};
    std::thread reader([&] {
      while (!done) {
        auto got = store.get_consistent({{Family::cursors, "c"}, {Family::events, "last"}, {Family::seen, "last"}});
        if (!got.ok()) continue;
        ++reads;
        if ((*got)[0] != (*got)[1] || (*got)[1] != (*got)[2]) ++torn;
      }
    });
    for (int i = 0; i < 3000; ++i) {
      WriteBatch batch = store.batch();
      std::string n = std::to_string(i);
      batch.put(Family::events, "last", n);
      batch.put(Family::seen, "last", n);
      batch.put(Family::cursors, "c", n);
      REQUIRE(store.write(batch, Durability::buffered).ok());
    }
    done = true;
    reader.join();
    CHECK(reads > 0);
    CHECK(torn == 0);
  }

  SECTION("removal in a batch") {
    REQUIRE(store.put(Family::queue, "job", "x").ok());
    WriteBatch batch = store.batch();
    batch.remove(Family::queue, "job");
    batch.put(Family::dead, "job", "x");
    REQUIRE(store.write(batch).ok());
    CHECK_FALSE(store.get(Family::queue, "job")->has_value());
    CHECK(store.get(Family::dead, "job")->has_value());
  }
}

TEST_CASE("scan visits one prefix in key order", "[store]") {
  testing::TempDir dir;
  auto store = Store::open(dir / "db");
  REQUIRE(store.ok());
  for (const char* k : {"b/2", "a/1", "b/1", "b/3", "c/1"}) REQUIRE((*store)->put(Family::social, k, k).ok());
  std::vector<std::string> keys;
  REQUIRE((*store)->scan(Family::social, "b/", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  }).ok());
  CHECK(keys == std::vector<std::string>{"b/1", "b/2", "b/3"});
  keys.clear();
  REQUIRE((*store)->scan(Family::social, "b/", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  }, "b/2").ok());
  CHECK(keys == std::vector<std::string>{"b/2", "b/3"});
}

TEST_CASE("a second open of the same path fails naming the lock", "[store]") {
  testing::TempDir dir;
  auto first = Store::open(dir / "db");
  REQUIRE(first.ok());
  auto second = Store::open(dir / "db");
  REQUIRE_FALSE(second.ok());
  CHECK(second.error() == "storage at " + (dir / "db").string() + " is locked: another process holds " +
                              (dir / "db" / "LOCK").string() +
                              "; stop the other causeway or use another --data directory");
}

TEST_CASE("a store of a newer schema is refused, an unreadable one too", "[store]") {
  testing::TempDir dir;
  {
    auto store = Store::open(dir / "db");
    REQUIRE(store.ok());
    REQUIRE((*store)->put(Family::meta, "schema_version", "99").ok());
  }
  auto newer = Store::open(dir / "db");
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.error() == "storage at " + (dir / "db").string() +
                             " has schema version 99, newer than this causeway understands (1); run a newer "
                             "causeway or use another --data directory");
  {
    // The refused store was closed again: fix it and it opens.
    testing::TempDir other;
    auto store = Store::open(other / "db");
    REQUIRE(store.ok());
    REQUIRE((*store)->put(Family::meta, "schema_version", "banana").ok());
    store->reset();
    auto damaged = Store::open(other / "db");
    REQUIRE_FALSE(damaged.ok());
    CHECK(damaged.error().find("not a schema version") != std::string::npos);
  }
}

TEST_CASE("a storage path that cannot be a directory is reported", "[store]") {
  testing::TempDir dir;
  auto file = dir.write("plain-file", "x");
  auto store = Store::open(file / "db");
  REQUIRE_FALSE(store.ok());
  CHECK(store.error().rfind("storage at " + (file / "db").string() + ": cannot create the directory: ", 0) == 0);
}

TEST_CASE("a store directory open to other users is made 0700 and its files lose group and other bits", "[store]") {
  testing::TempDir dir;
  namespace fs = std::filesystem;
  auto mode = [](const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
  };
  mode_t old_mask = ::umask(022);  // as a careless service manager would leave it
  {
    auto store = Store::open(dir / "db");
    REQUIRE(store.ok());
    REQUIRE((*store)->put(Family::events, "e", "v").ok());
  }
  CHECK(mode(dir / "db") == 0700);  // a new store is private from the start
  ::chmod((dir / "db").c_str(), 0755);
  for (const auto& entry : fs::directory_iterator(dir / "db"))
    if (entry.is_regular_file()) ::chmod(entry.path().c_str(), 0644);
  {
    auto store = Store::open(dir / "db");
    REQUIRE(store.ok());
    CHECK(**(*store)->get(Family::events, "e") == "v");
  }
  ::umask(old_mask);
  CHECK(mode(dir / "db") == 0700);
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir / "db")) {
    if (!entry.is_regular_file()) continue;
    ++files;
    INFO(entry.path().string());
    CHECK((mode(entry.path()) & 077) == 0);
  }
  CHECK(files > 3);  // CURRENT, MANIFEST, OPTIONS, the WAL ... were all looked at
}

TEST_CASE("remove_where deletes what its caller marks, in batches, until told to stop", "[store]") {
  testing::TempDir dir;
  auto store = std::move(Store::open(dir / "db")).value();
  for (int i = 0; i < 25; ++i) REQUIRE(store->put(Family::seen, "k/" + std::to_string(100 + i), "v", Durability::buffered).ok());
  REQUIRE(store->put(Family::seen, "other", "v").ok());
  auto removed = store->remove_where(
      Family::seen, "k/",
      [](std::string_view key, std::string_view) {
        int n = std::stoi(std::string(key.substr(2)));
        if (n >= 120) return Sweep::stop;
        return n % 5 == 0 ? Sweep::keep : Sweep::remove;
      },
      3);
  REQUIRE(removed.ok());
  CHECK(*removed == 16);  // 100-119 less the four kept
  std::vector<std::string> left;
  REQUIRE(store->scan(Family::seen, "", [&](std::string_view key, std::string_view) {
    left.emplace_back(key);
    return true;
  }).ok());
  CHECK(left == std::vector<std::string>{"k/100", "k/105", "k/110", "k/115", "k/120", "k/121", "k/122", "k/123",
                                         "k/124", "other"});
}

TEST_CASE("the master key file is created 0600 and secrets seal and open with it", "[vault]") {
  testing::TempDir dir;
  auto key_file = dir / "keys" / "master.key";
  auto vault = SecretVault::open_or_create(key_file);
  REQUIRE(vault.ok());
  struct stat st {};
  REQUIRE(::stat(key_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(testing::read_file(key_file).size() == 65);

  std::string sealed = vault->seal("app-password-1234", "bridge/townhall/app_password");
  CHECK(sealed.find("app-password-1234") == std::string::npos);
  auto opened = vault->open(sealed, "bridge/townhall/app_password");
  REQUIRE(opened.ok());
  CHECK(*opened == "app-password-1234");

  // The same key file opens the same secrets in a later run.
  auto again = SecretVault::open_or_create(key_file);
  REQUIRE(again.ok());
  CHECK(*again->open(sealed, "bridge/townhall/app_password") == "app-password-1234");

  CHECK_FALSE(vault->open(sealed, "bridge/other/app_password").ok());  // bound to its context
  std::string altered = sealed;
  altered.back() ^= 1;
  auto tampered = vault->open(altered, "bridge/townhall/app_password");
  REQUIRE_FALSE(tampered.ok());
  CHECK(tampered.error().find("does not open with this master key") != std::string::npos);
}

TEST_CASE("a master key others can read, or of the wrong form, is refused", "[vault]") {
  testing::TempDir dir;
  auto key_file = dir.write("master.key", std::string(64, 'a') + "\n");
  ::chmod(key_file.c_str(), 0644);
  auto loose = SecretVault::open_or_create(key_file);
  REQUIRE_FALSE(loose.ok());
  CHECK(loose.error() == "master key " + key_file.string() + " may be read by other users (mode 644); run: chmod 600 " +
                             key_file.string());
  auto bad = dir.write("short.key", "abcd\n");
  ::chmod(bad.c_str(), 0600);
  auto short_key = SecretVault::open_or_create(bad);
  REQUIRE_FALSE(short_key.ok());
  CHECK(short_key.error().find("expected 64 hexadecimal characters") != std::string::npos);
}
