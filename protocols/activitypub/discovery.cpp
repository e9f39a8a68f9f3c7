#include "protocols/activitypub/discovery.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace causeway::activitypub {
namespace {

using nlohmann::json;

DiscoveryResponse not_found(const std::string& why) { return {404, "application/json", json{{"error", why}}.dump()}; }

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

DiscoveryResponse webfinger(const LocalActors& actors, const std::string& raw_resource) {
  std::string resource = percent_decode(raw_resource);
  if (resource.empty()) return {400, "application/json", json{{"error", "resource is required"}}.dump()};
  const LocalActor* actor = nullptr;
  if (resource.rfind("acct:", 0) == 0) {
    std::string acct = resource.substr(5);
    if (!acct.empty() && acct[0] == '@') acct.erase(0, 1);
    auto at = acct.rfind('@');
    if (at == std::string::npos) return {400, "application/json", json{{"error", "acct: needs name@host"}}.dump()};
    std::string host = acct.substr(at + 1);
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
    if (host != actors.host()) return not_found("not a user of this server");
    actor = actors.by_username(acct.substr(0, at));
  } else {
    actor = actors.by_url(resource);
    if (actor && actors.id(*actor) != resource) actor = nullptr;
  }
  if (!actor) return not_found("no such actor");
  std::string id = actors.id(*actor);
  json body = {{"subject", "acct:" + actor->username + "@" + actors.host()},
               {"aliases", {id}},
               {"links",
                {{{"rel", "self"}, {"type", "application/activity+json"}, {"href", id}},
                 {{"rel", "http://webfinger.net/rel/profile-page"}, {"type", "text/html"}, {"href", id}}}}};
  return {200, "application/jrd+json; charset=utf-8", body.dump()};
}

DiscoveryResponse nodeinfo_links(const LocalActors& actors) {
  json body = {{"links",
                {{{"rel", "http://nodeinfo.diaspora.software/ns/schema/2.1"}, {"href", actors.origin() + "/nodeinfo/2.1"}},
                 {{"rel", "http://nodeinfo.diaspora.software/ns/schema/2.0"}, {"href", actors.origin() + "/nodeinfo/2.0"}}}}};
  return {200, "application/json", body.dump()};
}

DiscoveryResponse nodeinfo(const std::string& version, const NodeInfoCounts& counts) {
  if (version != "2.0" && version != "2.1") return not_found("NodeInfo " + version + " is not served");
  json software = {{"name", "causeway"}, {"version", "0.1.0"}};
  json body = {{"version", version},
               {"software", software},
               {"protocols", {"activitypub", "atprotocol"}},
               {"services", {{"inbound", json::array()}, {"outbound", json::array()}}},
               {"openRegistrations", false},
               {"usage", {{"users", {{"total", counts.local_actors}}}, {"localPosts", counts.local_posts}}},
               {"metadata", {{"nodeName", "causeway bridge"}}}};
  std::string profile = "http://nodeinfo.diaspora.software/ns/schema/" + version + "#";
  return {200, "application/json; profile=\"" + profile + "\"", body.dump()};
}

DiscoveryResponse host_meta(const LocalActors& actors) {
  std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n"
      "  <Link rel=\"lrdd\" template=\"" +
      actors.origin() + "/.well-known/webfinger?resource={uri}\"/>\n</XRD>\n";
  return {200, "application/xrd+xml; charset=utf-8", body};
}

}  // namespace causeway::activitypub
