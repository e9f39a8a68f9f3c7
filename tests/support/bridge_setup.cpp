#include "tests/support/bridge_setup.h"

#include <cstdlib>

#include "bridge/base/at_uri.h"
#include "tests/support/net_util.h"

namespace causeway::testing {

using nlohmann::json;

BridgeSetup::BridgeSetup(const std::string& bridge_extra, const std::string& config_extra,
                         const std::string& app_password,
                         const std::function<std::string(FedifyPeer&, std::string&)>& followed) {
  std::string followed_id;
  std::string fediverse_side = R"({ host: { name: townhall, display_name: "Town Hall" } })";
  if (followed) fediverse_side = "{ group: \"" + followed(fedify, followed_id) + "\" }";
  mirror = pds.create_account("townhall");
  bob = pds.create_account("bob");
  setenv("TOWNHALL_APP_PASSWORD", (app_password.empty() ? mirror.app_password : app_password).c_str(), 1);
  std::string port = pds.url().substr(pds.url().rfind(':') + 1);
  causeway = std::make_unique<CausewayDaemon>(
      R"(
  - name: townhall
    fediverse: )" + fediverse_side + R"(
    bluesky: { pds: )" + pds.url() + R"(, handle: townhall.test, app_password: { env: TOWNHALL_APP_PASSWORD } }
    )" + bridge_extra,
      "atproto:\n  plc_url: " + pds.plc_url() + "\n  stream: { kind: firehose, url: ws://localhost:" + port + " }\n" +
          config_extra,
      "info");
  group = followed ? followed_id : causeway->origin() + "/ap/group/townhall";
}

json BridgeSetup::join(const std::string& name) {
  json actor = fedify.actor(name);
  fedify.post("/control/follow", {{"actor", name}, {"target", group}});
  bool accepted = eventually([&] {
    for (const auto& f : fedify.get("/control/following?actor=" + name))
      if (f.value("target", "") == group) return f.value("state", "") == "accepted";
    return false;
  });
  if (!accepted) throw std::runtime_error(name + " could not join the group: " + causeway->log());
  return actor;
}

json BridgeSetup::post(const std::string& name, const std::string& html, const json& extra) {
  json body{{"actor", name}, {"to", {kPublic}}, {"cc", {group}}, {"content", html}};
  body.update(extra);
  return fedify.post("/control/post", body);
}

json BridgeSetup::why(const std::string& id) const {
  json answer = json::array();
  eventually([&] {
    ProcessOutput out = causeway->cli({"why", "--config", causeway->config().string(), "--json", id});
    answer = json::parse(out.out, nullptr, false);
    if (!answer.is_array() || answer.empty()) return false;
    std::string last = answer.back().value("outcome", "");
    return last == "bridged" || last == "not bridged" || last == "held";
  }, std::chrono::seconds(30));
  return answer;
}

std::string BridgeSetup::bridged_as(const std::string& ap_id) const {
  json answer = why(ap_id);
  if (!answer.is_array() || answer.empty() || answer.back().value("outcome", "") != "bridged") return "";
  return answer.back().value("copy", "");
}

std::string BridgeSetup::not_bridged_because(const std::string& id) const {
  json answer = why(id);
  if (!answer.is_array() || answer.empty() || answer.back().value("outcome", "") != "not bridged") return "";
  return answer.back().value("reason", "");
}

json BridgeSetup::record(const std::string& at_uri) const {
  // at://did/collection/rkey
  std::string rest = at_uri.substr(5);
  std::string did = rest.substr(0, rest.find('/'));
  rest = rest.substr(did.size() + 1);
  std::string collection = rest.substr(0, rest.find('/'));
  std::string rkey = rest.substr(collection.size() + 1);
  try {
    return pds.get("com.atproto.repo.getRecord", "repo=" + did + "&collection=" + collection + "&rkey=" + rkey);
  } catch (const std::exception&) {
    return nullptr;
  }
}

json BridgeSetup::create(const PdsAccount& who, const std::string& collection, const json& record) const {
  return pds.post("com.atproto.repo.createRecord", {{"repo", who.did}, {"collection", collection}, {"record", record}},
                  who.access_jwt);
}

void BridgeSetup::remove(const PdsAccount& who, const std::string& at_uri) const {
  AtUri uri = parse_at_uri(at_uri).value();
  pds.post("com.atproto.repo.deleteRecord", {{"repo", who.did}, {"collection", uri.collection}, {"rkey", uri.rkey}},
           who.access_jwt);
}

json BridgeSetup::put(const PdsAccount& who, const std::string& at_uri, const json& record) const {
  AtUri uri = parse_at_uri(at_uri).value();
  return pds.post("com.atproto.repo.putRecord",
                  {{"repo", who.did}, {"collection", uri.collection}, {"rkey", uri.rkey}, {"record", record}},
                  who.access_jwt);
}

json BridgeSetup::received(const std::string& name, const std::string& type, const std::string& actor) const {
  json out = json::array();
  for (const auto& a : fedify.received(name))
    if (a.value("type", "") == type && (actor.empty() || a.value("actor", "") == actor)) out.push_back(a);
  return out;
}

std::string facet_text(const json& record, const json& facet) {
  const std::string text = record["text"];
  std::size_t start = facet["index"]["byteStart"], end = facet["index"]["byteEnd"];
  return end <= text.size() && start <= end ? text.substr(start, end - start) : "";
}

}  // namespace causeway::testing
