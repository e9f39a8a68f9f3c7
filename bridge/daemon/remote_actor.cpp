#include "bridge/daemon/remote_actor.h"

#include "bridge/base/url.h"
#include "bridge/base/utf8.h"
#include "protocols/activitypub/as2.h"

namespace causeway {

using nlohmann::json;
namespace ap = activitypub;

Result<json> fetch_actor_document(const HttpClient& http, const std::string& actor_id, const HttpClient::Signer& sign) {
  HttpRequest request;
  request.url = actor_id;
  request.headers = {{"Accept", "application/activity+json"}};
  FetchResult r = http.fetch(request, {}, sign);
  if (!r.ok()) return make_error(r.message);
  if (r.response.status != 200) return make_error(actor_id + ": HTTP " + std::to_string(r.response.status));
  auto doc = ap::parse_as2(r.response.body);
  if (!doc) return make_error(actor_id + ": " + doc.error());
  if (ap::id_of(*doc).value_or("") != actor_id) return make_error(actor_id + ": the document has another id");
  if (host_of_url(r.response.final_url) != host_of_url(actor_id))
    return make_error(actor_id + ": served from another host (" + host_of_url(r.response.final_url) + ")");
  return *doc;
}

Result<std::string> webfinger_actor(const HttpClient& http, const std::string& acct, bool allow_plain_http) {
  auto at = acct.rfind('@');
  if (at == 0 || at == std::string::npos || at + 1 == acct.size()) return make_error("not user@host: " + acct);
  std::string name = acct.substr(0, at), host = acct.substr(at + 1);
  HttpRequest wf;
  wf.url = "https://" + host + "/.well-known/webfinger?resource=acct:" + name + "@" + host;
  wf.headers = {{"Accept", "application/jrd+json"}};
  FetchResult r = http.fetch(wf);
  if (!r.ok() && allow_plain_http) {
    wf.url.replace(0, 5, "http");
    r = http.fetch(wf);
  }
  if (!r.ok()) return make_error(r.message);
  if (r.response.status != 200) return make_error("HTTP " + std::to_string(r.response.status));
  json jrd = json::parse(r.response.body, nullptr, false);
  if (jrd.is_object() && jrd.contains("links") && jrd["links"].is_array())
    for (const auto& link : jrd["links"])
      if (ap::string_member(link, "rel") == "self")
        if (std::string href = ap::string_member(link, "href"); !href.empty()) return href;
  return make_error("WebFinger of " + acct + " names no actor");
}

MemberProfile member_profile_of(const json& doc, const std::string& actor_id) {
  MemberProfile p;
  p.name = utf8_prefix(ap::string_member(doc, "name"), 200);
  p.handle = std::string(utf8_prefix(ap::string_member(doc, "preferredUsername"), 200)) + "@" + host_of_url(actor_id);
  p.url = ap::string_member(doc, "url");
  if (p.url.empty()) p.url = actor_id;
  return p;
}

}  // namespace causeway
