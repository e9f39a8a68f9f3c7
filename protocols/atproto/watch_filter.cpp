#include "protocols/atproto/watch_filter.h"

namespace causeway::atproto {

bool WatchFilter::uri_is_watched(const Value* ref) const {
  if (!ref) return false;
  const std::string* uri = ref->find_string("uri");
  return uri && watching(at_uri_authority(*uri));
}

std::string WatchFilter::why(const std::string& repo, const RepoOp& op) const {
  if (op.action == "delete") {
    if (watching(repo)) return "delete by a mirror account";
    if (tracked_ && tracked_("at://" + repo + "/" + op.path)) return "delete of a record taken in";
    return "";
  }
  if (!op.record) return "";
  std::string_view collection = std::string_view(op.path).substr(0, op.path.find('/'));
  const Value& record = *op.record;
  if (collection == "app.bsky.feed.post") {
    if (const Value* reply = record.find("reply")) {
      if (uri_is_watched(reply->find("parent"))) return "reply to a mirrored post";
      if (uri_is_watched(reply->find("root"))) return "reply in a mirrored thread";
    }
    if (const Value* facets = record.find("facets"); facets && facets->is_array()) {
      for (const auto& facet : facets->as_array()) {
        const Value* features = facet.find("features");
        if (!features || !features->is_array()) continue;
        for (const auto& feature : features->as_array()) {
          const std::string* did = feature.find_string("did");
          if (did && watching(*did)) return "mention of a mirror account";
        }
      }
    }
    if (const Value* embed = record.find("embed")) {
      if (uri_is_watched(embed->find("record"))) return "quote of a mirrored post";
    }
    if (watching(repo)) return "post by a mirror account";
    return "";
  }
  if (collection == "app.bsky.feed.like" || collection == "app.bsky.feed.repost") {
    if (uri_is_watched(record.find("subject"))) return collection == "app.bsky.feed.like" ? "like of a mirrored post"
                                                                                          : "repost of a mirrored post";
    return "";
  }
  if (collection == "app.bsky.graph.follow") {
    const std::string* subject = record.find_string("subject");
    if (subject && watching(*subject)) return "follow of a mirror account";
  }
  return "";
}

}  // namespace causeway::atproto
