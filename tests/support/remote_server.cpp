#include "tests/support/remote_server.h"

#include "protocols/activitypub/cavage_signature.h"
#include "tests/support/net_util.h"

namespace causeway::testing {

using nlohmann::json;
namespace ap = causeway::activitypub;

RemoteServer::RemoteServer() : port_(free_port()) {
  server_.Get(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu_);
    if (req.path == "/.well-known/webfinger") {
      std::string resource = req.get_param_value("resource");  // acct:name@host
      std::string name = resource.substr(5, resource.find('@') - 5);
      if (!keys_.count(name)) {
        res.status = 404;
        return;
      }
      json jrd = {{"subject", resource},
                  {"links", {{{"rel", "self"}, {"type", "application/activity+json"}, {"href", origin() + "/users/" + name}}}}};
      res.set_content(jrd.dump(), "application/jrd+json");
      return;
    }
    if (auto page = pages_.find(req.path); page != pages_.end()) {
      res.status = page->second.status;
      res.set_content(page->second.body, "application/activity+json");
      return;
    }
    if (req.path.rfind("/users/", 0) == 0) {
      std::string name = req.path.substr(7);
      auto key = keys_.find(name);
      if (key != keys_.end()) {
        std::string id = origin() + req.path;
        json doc = {{"@context", {"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"}},
                    {"id", id}, {"type", types_[name]}, {"preferredUsername", name},
                    {"inbox", id + "/inbox"}, {"endpoints", {{"sharedInbox", origin() + "/inbox"}}},
                    {"followers", id + "/followers"},
                    {"publicKey", {{"id", id + "#main-key"}, {"owner", id}, {"publicKeyPem", key->second.public_pem().value()}}}};
        res.set_content(doc.dump(), "application/activity+json");
        return;
      }
    }
    res.status = 404;
  });
  server_.Post(R"(/.*inbox)", [this](const httplib::Request& req, httplib::Response& res) {
    json activity = json::parse(req.body, nullptr, false);
    std::lock_guard lock(mu_);
    received_.push_back(activity);
    res.status = 202;
  });
  thread_ = std::thread([this] { server_.listen("127.0.0.1", port_); });
  eventually([this] { return server_.is_running(); });
}

RemoteServer::~RemoteServer() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string RemoteServer::actor(const std::string& name, const std::string& type) {
  std::lock_guard lock(mu_);
  if (!keys_.count(name)) {
    keys_.emplace(name, std::move(ap::PrivateKey::generate_rsa(2048)).value());
    types_[name] = type;
  }
  return origin() + "/users/" + name;
}

const ap::PrivateKey& RemoteServer::key(const std::string& name) {
  actor(name);
  std::lock_guard lock(mu_);
  return keys_.at(name);
}

void RemoteServer::serve(const std::string& path, const json& doc, int status) {
  std::lock_guard lock(mu_);
  pages_[path] = Page{status, doc.dump()};
}

std::vector<json> RemoteServer::received() const {
  std::lock_guard lock(mu_);
  return received_;
}

httplib::Result post_signed_to(int port, const std::string& path, const std::string& body, const ap::PrivateKey* key,
                               const std::string& key_id, const std::string& authority) {
  ap::HttpRequestView view;
  view.method = "POST";
  view.target = path;
  view.authority = authority.empty() ? "127.0.0.1:" + std::to_string(port) : authority;
  view.scheme = "http";
  view.add_header("Content-Type", "application/activity+json");
  view.body = body;
  if (key) {
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    if (!ap::sign_cavage(view, *key, key_id, now).ok()) return httplib::Result(nullptr, httplib::Error::Unknown);
  }
  httplib::Headers headers;
  for (const auto& f : view.headers)
    if (!ap::equals_ignoring_case(f.name, "content-type") && !ap::equals_ignoring_case(f.name, "host"))
      headers.emplace(f.name, f.value);
  headers.emplace("Host", view.authority);
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  return client.Post(path, headers, body, "application/activity+json");
}

}  // namespace causeway::testing
