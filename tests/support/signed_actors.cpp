#include "tests/support/signed_actors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "protocols/activitypub/cavage_signature.h"
#include "tests/support/net_util.h"

namespace causeway::testing {

namespace ap = activitypub;
using nlohmann::json;

SignedActors::SignedActors(int actors) : port_(free_port()) {
  for (int i = 0; i < actors; ++i) keys_.push_back(std::move(ap::PrivateKey::generate_rsa(2048)).value());
  server_.Get(R"(/users/a(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
    int n = std::stoi(req.matches[1]);
    std::string id = origin() + req.path;
    json doc = {{"@context", {"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"}},
                {"id", id}, {"type", "Person"}, {"preferredUsername", "a" + std::to_string(n)},
                {"inbox", id + "/inbox"},
                {"publicKey", {{"id", id + "#main-key"}, {"owner", id}, {"publicKeyPem", keys_.at(n).public_pem().value()}}}};
    res.set_content(doc.dump(), "application/activity+json");
  });
  thread_ = std::thread([this] { server_.listen("127.0.0.1", port_); });
  eventually([this] { return server_.is_running(); });
}

SignedActors::~SignedActors() {
  server_.stop();
  thread_.join();
}

std::vector<SignedPost> SignedActors::sign(int port, const std::string& path, const std::string& object, int count,
                                           const std::string& tag, const std::string& key_origin) const {
  std::vector<SignedPost> out(count);
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::string actors_origin = key_origin.empty() ? origin() : key_origin;
  std::vector<std::thread> workers;
  unsigned threads = std::max(2u, std::thread::hardware_concurrency());
  for (unsigned w = 0; w < threads; ++w)
    workers.emplace_back([&, w] {
      for (int i = static_cast<int>(w); i < count; i += static_cast<int>(threads)) {
        int a = i % static_cast<int>(keys_.size());
        std::string actor = actors_origin + "/users/a" + std::to_string(a);
        json like = {{"@context", "https://www.w3.org/ns/activitystreams"},
                     {"id", actor + "/likes/" + tag + std::to_string(i)}, {"type", "Like"},
                     {"actor", actor}, {"object", object}};
        ap::HttpRequestView view;
        view.method = "POST";
        view.target = path;
        view.authority = "127.0.0.1:" + std::to_string(port);
        view.scheme = "http";
        view.add_header("Content-Type", "application/activity+json");
        view.body = like.dump();
        if (!ap::sign_cavage(view, keys_[a], actor + "#main-key", now).ok()) std::abort();
        for (const auto& f : view.headers)
          if (!ap::equals_ignoring_case(f.name, "host") && !ap::equals_ignoring_case(f.name, "content-type"))
            out[i].headers.emplace(f.name, f.value);
        out[i].body = view.body;
      }
    });
  for (auto& t : workers) t.join();
  return out;
}

}  // namespace causeway::testing
