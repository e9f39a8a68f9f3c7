#include "protocols/activitypub/note_render.h"

#include <algorithm>
#include <map>

#include "bridge/base/at_uri.h"
#include "bridge/base/clock.h"
#include "bridge/base/url.h"
#include "bridge/rich_text.h"
#include "protocols/activitypub/as2.h"
#include "protocols/activitypub/hashtag_link.h"
#include "protocols/activitypub/html_text.h"

namespace causeway::activitypub {
namespace {

using nlohmann::json;

constexpr const char* kAs = "https://www.w3.org/ns/activitystreams";
// FEP-e232: a Link tag to an object has this media type.
constexpr const char* kAs2MediaType = R"(application/ld+json; profile="https://www.w3.org/ns/activitystreams")";

// The terms a Note uses beyond ActivityStreams' own context, as Mastodon and Misskey define them,
// so that JSON-LD processors read them too.
json note_context() {
  return json::array({kAs,
                      {{"sensitive", "as:sensitive"},
                       {"Hashtag", "as:Hashtag"},
                       {"quoteUrl", "as:quoteUrl"},
                       {"misskey", "https://misskey-hub.net/ns#"},
                       {"_misskey_quote", "misskey:_misskey_quote"}}});
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A mention's target as the Note shows it: who to link and tag, and whether it is a remote actor
// that must receive the Note to be notified.
struct ResolvedMention {
  std::string href;
  std::string handle;  // "user@host"
  bool remote = false;
};

std::optional<ResolvedMention> resolve_mention(const std::string& did, std::string_view shown, const NoteContext& c) {
  if (shown.starts_with('@')) shown.remove_prefix(1);
  if (auto acct = bridgy_fed_fediverse_handle(shown); acct && c.fediverse_actor)
    if (auto actor = c.fediverse_actor(*acct); actor && is_web_link(*actor)) return ResolvedMention{*actor, *acct, true};
  if (c.mentioned_actor)
    if (auto actor = c.mentioned_actor(did); actor && is_web_link(actor->id))
      return ResolvedMention{actor->id, actor->handle, false};
  return std::nullopt;
}

// HTML of a line made of `before` and a link to `url` (shown as itself), as text_to_html renders
// links; `paragraph_class` marks the paragraph (Mastodon hides "quote-inline" when it shows the
// quote natively).
std::string link_paragraph(std::string_view before, const std::string& url, std::string_view after = "",
                           std::string_view paragraph_class = "") {
  RichText line;
  line.append(before);
  line.append(Facet::Type::link, url, url);
  line.append(after);
  std::string html = text_to_html(line, nullptr, "");
  if (!paragraph_class.empty() && html.starts_with("<p>"))
    html = "<p class=\"" + std::string(paragraph_class) + "\">" + html.substr(3);
  return html;
}

bool text_links_to(const Event& e, const std::string& url) {
  if (e.content.text.find(url) != std::string::npos) return true;
  return std::any_of(e.content.facets.begin(), e.content.facets.end(),
                     [&](const Facet& f) { return f.type == Facet::Type::link && f.target == url; });
}

// Where a quoted post is seen on the fediverse: its fediverse original when it is the copy of
// one, else its own page.
std::optional<std::string> quote_url(const NativeRef& quote, const NoteContext& c) {
  if (quote.network == Network::activitypub) return is_web_link(quote.id) ? std::optional(quote.id) : std::nullopt;
  if (c.fediverse_id)
    if (auto id = c.fediverse_id(quote.id); id && is_web_link(*id)) return id;
  if (auto at = parse_at_uri(quote.id); at && is_web_link(bsky_app_url(*at))) return bsky_app_url(*at);
  return std::nullopt;
}

json document(const Media& m, const std::string& url) {
  json a{{"type", "Document"}, {"mediaType", m.mime_type}, {"url", url}, {"name", m.alt}};
  if (m.width && m.height) a["width"] = m.width, a["height"] = m.height;
  return a;
}

json reaction(const ReactionContext& r, bool like) {
  json activity{{"@context", kAs},
                {"id", r.id},
                {"type", like ? "Like" : "Announce"},
                {"actor", r.actor_id},
                {"object", r.object_id},
                {"published", r.published}};
  json to = json::array(), cc = json::array();
  if (!r.object_author.empty()) to.push_back(r.object_author);
  if (!like) to.push_back(kPublic), cc.push_back(r.followers);
  if (!r.group.empty()) cc.push_back(r.group);
  activity["to"] = to;
  activity["cc"] = cc;
  if (!r.group.empty()) activity["audience"] = r.group;
  return activity;
}

}  // namespace

std::optional<std::string> self_label_warning(std::string_view label) {
  // The names Bluesky gives its global labels (atproto, packages/api/src/moderation/const/labels.ts
  // and the app's label strings); "gore" is the earlier value of graphic-media.
  if (label == "porn") return "Adult Content";
  if (label == "sexual") return "Sexually Suggestive";
  if (label == "nudity") return "Non-sexual Nudity";
  if (label == "graphic-media" || label == "gore") return "Graphic Media";
  return std::nullopt;
}

std::optional<std::string> bridgy_fed_fediverse_handle(std::string_view handle) {
  constexpr std::string_view kSuffix = ".ap.brid.gy";
  if (handle.starts_with('@')) handle.remove_prefix(1);
  std::string lower = lowercase(handle);
  if (lower.size() <= kSuffix.size() || !lower.ends_with(kSuffix)) return std::nullopt;
  lower.resize(lower.size() - kSuffix.size());
  auto dot = lower.find('.');
  if (dot == 0 || dot == std::string::npos || dot + 1 == lower.size()) return std::nullopt;
  std::string user = lower.substr(0, dot), host = lower.substr(dot + 1);
  if (host.front() == '.' || host.back() == '.' || host.find("..") != std::string::npos) return std::nullopt;
  return user + "@" + host;
}

std::string bridged_object_id(const std::string& actor_id, const std::string& at_uri) {
  auto at = parse_at_uri(at_uri);
  if (!at || at->collection.empty()) return actor_id + "/" + at_uri;
  return actor_id + "/" + at->record_path();
}

Result<RenderedNote> render_note(const Event& e, const NoteContext& c) {
  if (e.kind != EventKind::post && e.kind != EventKind::reply && e.kind != EventKind::update)
    return make_error(std::string("a ") + to_string(e.kind) + " is not rendered as a Note");
  if (c.actor_id.empty() || c.note_id.empty()) return make_error("no actor or note id to render " + e.origin.object.id + " with");
  RenderedNote out;
  std::string published = iso8601_utc(e.created_at_us ? e.created_at_us : e.received_at_us);
  json to = json::array({kPublic});
  json cc = json::array({c.followers});
  if (!c.group.empty()) (c.group_in_to ? to : cc).push_back(c.group);
  auto notify = [&](const std::string& actor) {
    if (actor.empty() || std::find(out.recipients.begin(), out.recipients.end(), actor) != out.recipients.end()) return;
    out.recipients.push_back(actor);
    cc.push_back(actor);
  };
  notify(c.parent_author);

  RichText rt{e.content.text, e.content.facets};
  std::vector<Facet> facets = well_formed_facets(rt);
  // Each mentioned account is resolved once, in the order mentioned, so the link in the text and
  // the Mention tag agree.
  std::map<std::string, std::optional<ResolvedMention>> mentions;
  std::vector<std::string> mention_order;
  for (const auto& f : facets) {
    if (f.type != Facet::Type::mention || mentions.count(f.target) || mentions.size() >= kMaxResolvedMentions) continue;
    mentions[f.target] = resolve_mention(f.target, rt.text_of(f), c);
    mention_order.push_back(f.target);
  }
  MentionResolver link_mention = [&](const std::string& did) -> MentionLink {
    auto it = mentions.find(did);
    if (it != mentions.end() && it->second) return {it->second->href, it->second->handle};
    return {"https://bsky.app/profile/" + did, ""};
  };
  std::string html = text_to_html(RichText{rt.text, facets}, link_mention, c.tag_base);

  json tags = json::array();
  std::vector<std::string> seen_tags;
  auto hashtag = [&](const std::string& tag) {
    std::string key = lowercase(tag);
    if (tag.empty() || std::find(seen_tags.begin(), seen_tags.end(), key) != seen_tags.end()) return;
    seen_tags.push_back(key);
    tags.push_back({{"type", "Hashtag"}, {"name", "#" + tag}, {"href", hashtag_href(c.tag_base, tag)}});
  };
  for (const auto& f : facets)
    if (f.type == Facet::Type::hashtag) hashtag(f.target);
  for (const auto& tag : e.content.tags) hashtag(tag);
  for (const auto& did : mention_order) {
    const auto& m = mentions[did];
    if (!m) continue;
    tags.push_back({{"type", "Mention"}, {"href", m->href}, {"name", "@" + m->handle}});
    if (m->remote) notify(m->href);
  }

  if (!c.group.empty() && !c.group_mention.empty()) {
    bool named = false;
    for (const auto& t : tags) named = named || (string_member(t, "type") == "Mention" && string_member(t, "href") == c.group);
    if (!named) {
      // Opening the text, as a reply typed in Mastodon or Friendica starts with its mentions.
      tags.push_back({{"type", "Mention"}, {"href", c.group}, {"name", c.group_mention}});
      std::string sigil = c.group_mention.substr(0, 1), name = c.group_mention.substr(1, c.group_mention.find('@', 1) - 1);
      auto escaped = [](const std::string& in) {
        std::string out;
        escape_into(out, in);
        return out;
      };
      std::string link = "<span class=\"h-card\" translate=\"no\"><a href=\"" + escaped(c.group) +
                         "\" class=\"u-url mention\">" + sigil + "<span>" + escaped(name) + "</span></a></span> ";
      if (html.rfind("<p>", 0) == 0) html.insert(3, link);
      else html = "<p>" + link + "</p>" + html;
    }
  }

  auto at = parse_at_uri(e.origin.object.id);
  std::string page = at ? bsky_app_url(*at) : "";
  json note{{"id", c.note_id}, {"type", "Note"}, {"attributedTo", c.actor_id}, {"published", published},
            {"to", to}, {"tag", tags}};
  if (!page.empty()) note["url"] = page;

  if (e.embed.quote) {
    if (auto url = quote_url(*e.embed.quote, c)) {
      note["quoteUrl"] = *url;
      note["_misskey_quote"] = *url;
      note["tag"].push_back({{"type", "Link"}, {"mediaType", kAs2MediaType}, {"href", *url}, {"name", "RE: " + *url}});
      html += link_paragraph("RE: ", *url, "", "quote-inline");
    }
  }
  if (e.embed.link && is_web_link(e.embed.link->url) && !text_links_to(e, e.embed.link->url))
    html += link_paragraph("", e.embed.link->url);

  json attachments = json::array();
  bool unattached = false;
  for (const auto& m : e.media) {
    if (auto blob = parse_at_uri(m.url); blob && blob->collection == "blob") {
      std::string url = c.blob_url ? c.blob_url(blob->authority, blob->rkey) : "";
      if (is_web_link(url)) attachments.push_back(document(m, url));
      else unattached = true;
    } else if (m.mime_type.starts_with("video/") && is_web_link(m.url)) {
      html += link_paragraph("Video: ", m.url, m.alt.empty() ? "" : " (" + m.alt + ")");
    } else if (is_web_link(m.url)) {
      attachments.push_back(document(m, m.url));
    } else {
      unattached = true;
    }
  }
  if (unattached && !page.empty()) html += link_paragraph("Media: ", page);
  if (!attachments.empty()) note["attachment"] = attachments;

  note["content"] = html;
  json content_map = json::object();
  for (const auto& lang : e.content.languages)
    if (!lang.empty() && !content_map.contains(lang)) content_map[lang] = html;
  if (!content_map.empty()) note["contentMap"] = content_map;

  std::vector<std::string> warnings;
  if (!e.content.content_warning.empty()) warnings.push_back(e.content.content_warning);
  for (const auto& label : e.content.labels)
    if (auto w = self_label_warning(label); w && std::find(warnings.begin(), warnings.end(), *w) == warnings.end())
      warnings.push_back(*w);
  if (!warnings.empty()) {
    std::string summary;
    for (const auto& w : warnings) summary += (summary.empty() ? "" : ", ") + w;
    note["sensitive"] = true;
    note["summary"] = summary;
  }

  note["cc"] = cc;
  if (!c.group.empty()) note["audience"] = c.group;
  if (c.in_reply_to) note["inReplyTo"] = *c.in_reply_to;
  out.create = {{"@context", note_context()}, {"id", c.note_id + "/activity"}, {"type", "Create"},
                {"actor", c.actor_id}, {"object", note}, {"to", to}, {"cc", cc}, {"published", published}};
  note["@context"] = note_context();
  out.note = std::move(note);
  return out;
}

json render_update(const json& note, const std::string& version, const std::string& updated) {
  json object = note;
  object.erase("@context");
  object["updated"] = updated;
  std::string id = object.value("id", "");
  return {{"@context", note_context()}, {"id", id + "#updates/" + version}, {"type", "Update"},
          {"actor", object.value("attributedTo", json(""))}, {"object", object},
          {"to", object.value("to", json::array())}, {"cc", object.value("cc", json::array())}, {"published", updated}};
}

json render_like(const ReactionContext& r) { return reaction(r, true); }
json render_announce(const ReactionContext& r) { return reaction(r, false); }

json render_delete(const std::string& object_id, const std::string& actor_id, const std::string& group) {
  json activity{{"@context", kAs},
                {"id", object_id + "#delete"},
                {"type", "Delete"},
                {"actor", actor_id},
                {"object", {{"id", object_id}, {"type", "Tombstone"}}},
                {"to", json::array({kPublic})}};
  if (!group.empty()) activity["cc"] = json::array({group});
  return activity;
}

json render_tombstone(const std::string& id) { return {{"@context", kAs}, {"id", id}, {"type", "Tombstone"}}; }

json render_undo(const std::string& object_id, const std::optional<json>& original, const std::string& actor_id,
                 const std::string& group) {
  json inner = original && original->is_object() ? *original : json{{"id", object_id}};
  inner.erase("@context");
  json to = inner.contains("to") && inner["to"].is_array() ? inner["to"] : json::array();
  json activity{{"@context", kAs}, {"id", object_id + "#undo"}, {"type", "Undo"},
                {"actor", actor_id}, {"object", inner}, {"to", to}};
  if (!group.empty()) activity["cc"] = json::array({group});
  return activity;
}

}  // namespace causeway::activitypub
