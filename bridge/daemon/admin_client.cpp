#include "bridge/daemon/admin_client.h"

#include <httplib.h>

#include <filesystem>
#include <iostream>

#include "bridge/daemon/admin_token.h"
#include "config/config_loader.h"

namespace causeway {

std::variant<std::unique_ptr<Store>, DaemonRunning, std::string> open_store_for_admin(const Config& config) {
  auto store = Store::open(config.storage_path);
  if (store) return std::move(*store);
  if (store.error().find("is locked") != std::string::npos) return DaemonRunning{};
  return store.error();
}

AdminReply admin_call(const Config& config, const std::string& path,
                      const std::vector<std::pair<std::string, std::string>>& post_params) {
  AdminReply reply;
  auto token = read_admin_token(config.storage_path);
  if (!token) {
    reply.error = token.error();
    return reply;
  }
  httplib::Client client(config.server.listen.host, config.server.listen.port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(30, 0);
  httplib::Headers headers = {{"Authorization", "Bearer " + *token}};
  httplib::Params params(post_params.begin(), post_params.end());
  httplib::Result res = post_params.empty() ? client.Get(path.c_str(), headers) : client.Post(path.c_str(), headers, params);
  if (!res) {
    reply.error = "the store is in use but causeway does not answer at " + config.server.listen.to_string() + ": " +
                  httplib::to_string(res.error());
    return reply;
  }
  reply.body = nlohmann::json::parse(res->body, nullptr, false);
  reply.ok = res->status == 200;
  if (!reply.ok) reply.error = reply.body.is_object() ? reply.body.value("error", res->body) : res->body;
  return reply;
}

std::optional<Config> load_admin_config(const ParsedArgs& args, const char* command) {
  auto loaded = load_config(*args.option("config"), std::filesystem::current_path());
  if (!loaded.config) {
    for (const auto& e : loaded.errors) std::cerr << e << '\n';
    return std::nullopt;
  }
  if (const auto* data = args.option("data"))
    loaded.config->storage_path = std::filesystem::absolute(*data).lexically_normal();
  return std::move(loaded.config);
}

}  // namespace causeway
