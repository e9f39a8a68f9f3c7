// A real Fedify server (tests/peers/fedify-peer.mjs on Node 22) started on 127.0.0.1 for one test,
// driven through its control API. Installed by tests/peers/install.sh.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace causeway::testing {

class FedifyPeer {
 public:
  // Starts the peer and waits until it answers; throws with the peer's log if not. `options` go to
  // fedify-peer.mjs as they are (e.g. {"--shared-inbox"}).
  explicit FedifyPeer(const std::vector<std::string>& options = {});
  ~FedifyPeer();

  int port() const { return port_; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }

  nlohmann::json get(const std::string& path) const;
  nlohmann::json post(const std::string& path, const nlohmann::json& body) const;

  // Creates (or returns) the actor `name`; the result has id, handle, inbox.
  nlohmann::json actor(const std::string& name) const { return post("/control/actors", {{"name", name}}); }
  nlohmann::json received(const std::string& name) const { return get("/control/received?actor=" + name); }
  std::string log() const;

 private:
  TempDir logs_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace causeway::testing
