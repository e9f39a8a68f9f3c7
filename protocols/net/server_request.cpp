// The plain parts of the server interface (requests, responses, Responder), kept out of the Beast
// translation unit so that code using them compiles quickly.
#include <atomic>
#include <cctype>

#include "protocols/net/http_server.h"

namespace causeway {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace

std::optional<std::string> ServerRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (same_name(k, name)) return v;
  return std::nullopt;
}

std::string ServerRequest::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return "";
}

bool ServerRequest::has_param(std::string_view name) const {
  for (const auto& p : params)
    if (p.first == name) return true;
  return false;
}

void ServerResponse::set_content(std::string content, std::string content_type) {
  body = std::move(content);
  set_header("Content-Type", std::move(content_type));
}

void ServerResponse::set_header(std::string name, std::string value) {
  for (auto& [k, v] : headers)
    if (same_name(k, name)) {
      v = std::move(value);
      return;
    }
  headers.emplace_back(std::move(name), std::move(value));
}

struct Responder::State {
  std::function<void(ServerResponse)> deliver;
  std::atomic<bool> sent{false};

  void send(ServerResponse response) {
    if (!sent.exchange(true)) deliver(std::move(response));
  }
  ~State() {
    if (sent.load()) return;
    ServerResponse failed;
    failed.status = 500;
    failed.set_content(R"({"error":"internal: no answer"})", "application/json");
    send(std::move(failed));
  }
};

Responder::Responder(std::function<void(ServerResponse)> deliver) : state_(std::make_shared<State>()) {
  state_->deliver = std::move(deliver);
}

void Responder::send(ServerResponse response) const { state_->send(std::move(response)); }

}  // namespace causeway
