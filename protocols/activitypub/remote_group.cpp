#include "protocols/activitypub/remote_group.h"


#include "protocols/activitypub/as2.h"
#include "protocols/activitypub/http_request_view.h"

namespace causeway::activitypub {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

const char* to_string(RemoteGroupKind kind) {
  switch (kind) {
    case RemoteGroupKind::community: return "community";
    case RemoteGroupKind::forum: return "forum";
    case RemoteGroupKind::boost: return "boost";
  }
  return "boost";
}

std::optional<RemoteGroupKind> parse_remote_group_kind(const std::string& name) {
  for (auto k : {RemoteGroupKind::community, RemoteGroupKind::forum, RemoteGroupKind::boost})
    if (name == to_string(k)) return k;
  return std::nullopt;
}

RemoteGroup classify_remote_group(const nlohmann::json& actor, const std::string& handle, const std::string& software) {
  RemoteGroup g;
  g.id = id_of(actor).value_or("");
  g.handle = handle;
  if (auto locked = actor.find("manuallyApprovesFollowers"); locked != actor.end() && locked->is_boolean())
    g.locked = locked->get<bool>();
  std::string type = string_member(actor, "type");
  std::string sw = ascii_lowercase(software);
  // Friendica names itself in the actor's generator (src/Protocol/ActivityPub/Transmitter.php,
  // getProfile: "generator" {"type":"Application","name":"Friendica '...' <version>"}).
  std::string generator;
  if (auto gen = actor.find("generator"); gen != actor.end() && gen->is_object()) generator = ascii_lowercase(string_member(*gen, "name"));
  if (sw == "friendica" || starts_with(generator, "friendica")) {
    g.kind = type == "Group" ? RemoteGroupKind::forum : RemoteGroupKind::boost;
    return g;
  }
  // Lemmy's Group (crates/apub/src/objects/community.rs: attributedTo = the moderators collection,
  // postingRestrictedToMods, featured); PieFed and Mbin write the same members.
  // A Group's attributedTo naming its moderators is Lemmy's own convention (Mastodon and Guppe
  // groups have none).
  bool lemmy_shape = actor.contains("postingRestrictedToMods") || actor.contains("moderators") ||
                     actor.contains("attributedTo");
  if (type == "Group" && (sw == "lemmy" || sw == "piefed" || sw == "mbin" || sw == "kbin" || lemmy_shape)) {
    g.kind = RemoteGroupKind::community;
    return g;
  }
  g.kind = RemoteGroupKind::boost;
  return g;
}

std::optional<std::string> group_mention_text(const RemoteGroup& group) {
  if (group.handle.empty()) return std::nullopt;
  switch (group.kind) {
    case RemoteGroupKind::community: return std::nullopt;
    case RemoteGroupKind::forum: return "!" + group.handle;
    case RemoteGroupKind::boost: return "@" + group.handle;
  }
  return std::nullopt;
}

}  // namespace causeway::activitypub
