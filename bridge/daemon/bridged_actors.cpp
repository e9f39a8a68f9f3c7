#include "bridge/daemon/bridged_actors.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "bridge/base/url.h"
#include "bridge/base/utf8.h"
#include "protocols/activitypub/html_text.h"

namespace causeway {
namespace {

using nlohmann::json;
namespace ap = activitypub;

constexpr std::int64_t kRefreshUs = 24LL * 3600 * 1'000'000;

// DIDs keep their colons in query values (the PDS accepts both forms).
std::string query_value(const std::string& s) { return percent_encode(s, ":"); }

ap::LocalActor actor_from(const std::string& did, const json& j) {
  ap::LocalActor a;
  a.kind = ap::LocalActor::Kind::person;
  a.key = did;
  a.username = j.value("handle", did);
  a.display_name = j.value("name", "");
  // A Bluesky description is plain text; the fediverse reads `summary` as HTML.
  a.summary = ap::text_to_html(RichText{j.value("summary", ""), {}}, nullptr, "https://bsky.app/hashtag/");
  a.icon_url = j.value("icon", "");
  return a;
}

}  // namespace

BridgedActors::BridgedActors(Store& store, ap::LocalActors& actors, atproto::IdentityResolver& identities,
                             const HttpClient& http, std::function<std::int64_t()> clock)
    : store_(store), actors_(actors), identities_(identities), http_(http), clock_(std::move(clock)) {}

Status BridgedActors::load() {
  std::size_t n = 0;
  Status s = store_.scan(Family::local, "person/", [&](std::string_view key, std::string_view value) {
    auto j = json::parse(value, nullptr, false);
    if (j.is_object()) {
      actors_.add(actor_from(std::string(key.substr(7)), j));
      ++n;
    }
    return true;
  });
  if (s.ok() && n) spdlog::info("{} bridged Bluesky account(s) loaded", n);
  return s;
}

std::string BridgedActors::blob_url(const std::string& did, const std::string& cid) {
  auto doc = identities_.resolve_did(did);
  if (!doc || !doc->pds_endpoint) return {};
  std::string pds = *doc->pds_endpoint;
  while (!pds.empty() && pds.back() == '/') pds.pop_back();
  return pds + "/xrpc/com.atproto.sync.getBlob?did=" + query_value(did) + "&cid=" + query_value(cid);
}

Result<const ap::LocalActor*> BridgedActors::ensure(const std::string& did) {
  auto stored = store_.get(Family::local, "person/" + did);
  if (!stored) return Error{stored.error()};
  if (stored->has_value()) {
    auto j = json::parse(**stored, nullptr, false);
    if (j.is_object() && clock_() - j.value("fetched_us", std::int64_t{0}) < kRefreshUs) {
      if (const ap::LocalActor* a = actors_.by_key(did)) return a;
      actors_.add(actor_from(did, j));
      return actors_.by_key(did);
    }
  }
  auto identity = identities_.resolve(did);
  if (!identity) return make_error("cannot resolve " + did + ": " + identity.error());
  json profile = json::object();
  profile["handle"] = identity->handle_verified && identity->handle ? *identity->handle : did;
  profile["fetched_us"] = clock_();
  if (identity->document.pds_endpoint) {
    std::string pds = *identity->document.pds_endpoint;
    while (!pds.empty() && pds.back() == '/') pds.pop_back();
    HttpRequest request{"GET",
                        pds + "/xrpc/com.atproto.repo.getRecord?repo=" + query_value(did) +
                            "&collection=app.bsky.actor.profile&rkey=self",
                        {{"Accept", "application/json"}}, ""};
    FetchResult r = http_.fetch(request, FetchLimits{256 * 1024, std::chrono::seconds(10), 0});
    if (r.ok() && r.response.status == 200) {
      auto answer = json::parse(r.response.body, nullptr, false);
      if (answer.is_object() && answer.contains("value") && answer["value"].is_object()) {
        const json& v = answer["value"];
        // Bounded as the lexicon bounds them (640 and 2560 bytes), cut between characters: the
        // document is JSON, which must stay valid UTF-8.
        if (v.contains("displayName") && v["displayName"].is_string())
          profile["name"] = std::string(utf8_prefix(v["displayName"].get<std::string>(), 640));
        if (v.contains("description") && v["description"].is_string())
          profile["summary"] = std::string(utf8_prefix(v["description"].get<std::string>(), 2560));
        if (auto avatar = v.find("avatar"); avatar != v.end() && avatar->is_object())
          if (auto ref = avatar->find("ref"); ref != avatar->end() && ref->is_object() && ref->contains("$link") &&
                                              (*ref)["$link"].is_string())
            profile["icon"] = pds + "/xrpc/com.atproto.sync.getBlob?did=" + query_value(did) +
                              "&cid=" + query_value((*ref)["$link"].get<std::string>());
      }
    } else if (r.ok() && r.response.status != 400 && r.response.status != 404) {
      spdlog::warn("profile of {}: HTTP {}", did, r.response.status);
    }
  }
  if (Status s = store_.put(Family::local, "person/" + did, profile.dump()); !s.ok()) return Error{s.error()};
  actors_.add(actor_from(did, profile));
  spdlog::info("bridged actor for {} ({}) ready", did, profile.value("handle", did));
  return actors_.by_key(did);
}

}  // namespace causeway
