#include "protocols/activitypub/actor_document.h"

namespace causeway::activitypub {

using nlohmann::json;

json default_context() {
  return json::array({"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1",
                      {{"manuallyApprovesFollowers", "as:manuallyApprovesFollowers"},
                       {"toot", "http://joinmastodon.org/ns#"},
                       {"discoverable", "toot:discoverable"}}});
}

json actor_document(const LocalActors& actors, const LocalActor& actor, const std::string& public_key_pem) {
  std::string id = actors.id(actor);
  const char* type = actor.kind == LocalActor::Kind::group    ? "Group"
                     : actor.kind == LocalActor::Kind::person ? "Person"
                                                              : "Application";
  json doc = {{"@context", default_context()},
              {"id", id},
              {"type", type},
              {"preferredUsername", actor.username},
              {"name", actor.display_name.empty() ? actor.username : actor.display_name},
              {"inbox", actors.inbox(actor)},
              {"outbox", actors.outbox(actor)},
              {"followers", actors.followers(actor)},
              {"following", actors.following(actor)},
              {"url", id},
              {"endpoints", {{"sharedInbox", actors.shared_inbox()}}},
              {"manuallyApprovesFollowers", actor.manually_approves_followers},
              {"discoverable", actor.kind == LocalActor::Kind::group},
              {"publicKey", {{"id", actors.key_id(actor)}, {"owner", id}, {"publicKeyPem", public_key_pem}}}};
  if (!actor.summary.empty()) doc["summary"] = actor.summary;
  if (!actor.icon_url.empty()) doc["icon"] = {{"type", "Image"}, {"url", actor.icon_url}};
  if (actor.kind == LocalActor::Kind::group) doc["attributedTo"] = actors.id(actors.service());
  return doc;
}

json ordered_collection(const std::string& collection_id, const std::vector<std::string>& items, int page, int page_size) {
  int pages = static_cast<int>((items.size() + page_size - 1) / page_size);
  if (page <= 0) {
    json c = {{"@context", "https://www.w3.org/ns/activitystreams"},
              {"id", collection_id},
              {"type", "OrderedCollection"},
              {"totalItems", items.size()}};
    if (pages > 0) {
      c["first"] = collection_id + "?page=1";
      c["last"] = collection_id + "?page=" + std::to_string(pages);
    }
    return c;
  }
  json page_items = json::array();
  for (size_t i = static_cast<size_t>(page - 1) * page_size; i < items.size() && i < static_cast<size_t>(page) * page_size; ++i)
    page_items.push_back(items[i]);
  json p = {{"@context", "https://www.w3.org/ns/activitystreams"},
            {"id", collection_id + "?page=" + std::to_string(page)},
            {"type", "OrderedCollectionPage"},
            {"partOf", collection_id},
            {"totalItems", items.size()},
            {"orderedItems", page_items}};
  if (page < pages) p["next"] = collection_id + "?page=" + std::to_string(page + 1);
  if (page > 1) p["prev"] = collection_id + "?page=" + std::to_string(page - 1);
  return p;
}

}  // namespace causeway::activitypub
