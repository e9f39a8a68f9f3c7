// A fediverse server the test controls, on loopback: actors with their own RSA keys (documents at
// /users/<name>, WebFinger for them), any other document the test puts at a path, and inboxes that
// accept everything and keep it. It plays the remote side of hostile tests: forged keys, replayed
// and concurrent deliveries, documents that lie about their origin. Thread-safe.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "protocols/activitypub/public_key.h"

namespace causeway::testing {

class RemoteServer {
 public:
  RemoteServer();
  ~RemoteServer();

  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  // The actor `name` (made on first use): id origin()/users/<name>, key id <id>#main-key.
  std::string actor(const std::string& name, const std::string& type = "Person");
  const activitypub::PrivateKey& key(const std::string& name);
  // Serves `doc` at `path` (replacing what was there); `status` other than 200 for errors.
  void serve(const std::string& path, const nlohmann::json& doc, int status = 200);
  // Every activity POSTed to any inbox here, in arrival order.
  std::vector<nlohmann::json> received() const;

 private:
  struct Page {
    int status;
    std::string body;
  };
  int port_;
  httplib::Server server_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, activitypub::PrivateKey> keys_;  // guarded by mu_
  std::map<std::string, std::string> types_;             // guarded by mu_
  std::map<std::string, Page> pages_;                    // guarded by mu_
  std::vector<nlohmann::json> received_;                 // guarded by mu_
};

// POSTs `body` to causeway's `path`, signed with draft-cavage by `key` as `key_id` (unsigned when
// key is null). `authority` is the Host the signature covers and the request carries ("" =
// causeway's own).
httplib::Result post_signed_to(int port, const std::string& path, const std::string& body,
                               const activitypub::PrivateKey* key, const std::string& key_id,
                               const std::string& authority = "");

}  // namespace causeway::testing
