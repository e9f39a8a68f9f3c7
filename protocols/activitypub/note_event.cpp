#include "protocols/activitypub/note_event.h"

#include "bridge/base/clock.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "bridge/base/url.h"
#include "bridge/base/utf8.h"
#include "bridge/rich_text.h"
#include "protocols/activitypub/bridged_bluesky.h"
#include "protocols/activitypub/html_text.h"
#include "protocols/activitypub/markdown_text.h"
#include "protocols/activitypub/plain_text_facets.h"
#include "protocols/activitypub/tag_facets.h"

namespace causeway::activitypub {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxAuthors = 16;       // entries of attributedTo looked at
constexpr std::size_t kMaxListItems = 64;     // entries of url, icon, tag ... looked at
constexpr std::size_t kMaxLanguages = 3;
constexpr std::size_t kMaxTitleBytes = 1000;
constexpr std::size_t kMaxSummaryBytes = 2000;

bool is_http(std::string_view s) { return s.starts_with("https://") || s.starts_with("http://"); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A media type without parameters, in lower case.
std::string base_type(std::string_view media_type) {
  std::string base = lower(media_type.substr(0, media_type.find(';')));
  base.erase(std::remove(base.begin(), base.end(), ' '), base.end());
  return base;
}

// The entries of a property that is one value or a list of them, at most `max`.
std::vector<const json*> items_of(const json& o, const char* key, std::size_t max = kMaxListItems) {
  std::vector<const json*> out;
  if (!o.is_object()) return out;
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return out;
  if (!it->is_array()) return {&*it};
  for (const auto& v : *it) {
    if (out.size() >= max) break;
    out.push_back(&v);
  }
  return out;
}

std::uint32_t uint_of(const json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_number_unsigned()) return 0;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(it->get<std::uint64_t>(), UINT32_MAX));
}

// The http(s) address of a url-like value: a string, or a Link's href, or an Image's url.
std::string href_of(const json& v) {
  std::string url = v.is_string() ? v.get<std::string>() : string_member(v, "href");
  if (url.empty() && v.is_object()) url = string_member(v, "url");
  return is_http(url) ? url : "";
}

// An attachment's url is a string, a Link object or a list of them; the first http(s) one wins.
std::string url_of(const json& a) {
  for (const json* u : items_of(a, "url"))
    if (std::string url = href_of(*u); !url.empty()) return url;
  return {};
}

// The object's page for people: the url that is text/html (PeerTube lists its streams too), else
// the first http(s) url, else the id.
std::string page_url_of(const json& o) {
  std::string first;
  for (const json* u : items_of(o, "url")) {
    std::string url = href_of(*u);
    if (url.empty()) continue;
    if (u->is_object() && base_type(string_member(*u, "mediaType")) == "text/html") return url;
    if (first.empty()) first = url;
  }
  if (!first.empty()) return first;
  std::string id = id_of(o).value_or("");
  return is_http(id) ? id : "";
}

// The widest image of `icon` or `image` (PeerTube lists several sizes): a link card's thumbnail.
std::string thumbnail_of(const json& o) {
  std::string best;
  std::uint32_t best_width = 0;
  for (const char* key : {"icon", "image"}) {
    for (const json* v : items_of(o, key)) {
      std::string url = v->is_object() ? url_of(*v) : href_of(*v);
      if (url.empty() && v->is_object()) url = href_of(*v);
      if (url.empty()) continue;
      std::uint32_t width = v->is_object() ? uint_of(*v, "width") : 0;
      if (best.empty() || width > best_width) best = url, best_width = width;
    }
    if (!best.empty()) return best;
  }
  return best;
}

bool looks_like_image(std::string_view url) {
  std::string path = lower(url.substr(0, url.find_first_of("?#")));
  for (const char* ext : {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif"})
    if (path.ends_with(ext)) return true;
  return false;
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Text that AS2 says may hold HTML (summary, an attachment's name), as plain text.
std::string plain_of(const std::string& html, std::size_t max_bytes) {
  if (html.empty()) return {};
  return std::string(utf8_prefix(html_to_text(html, {}, 4 * max_bytes).text, max_bytes));
}

// Plain text as written: line breaks kept (at most one blank line in a row), facets as Bluesky's
// own detection finds them.
RichText plain_text(std::string_view raw) {
  raw = utf8_prefix(raw, kMaxHtmlInput);
  std::string text;
  text.reserve(raw.size());
  for (char c : raw) {
    if (c == '\r') continue;
    if (c == '\n' && text.ends_with("\n\n")) continue;
    text += c;
  }
  text = trimmed(text);
  auto facets = plain_text_facets(text);
  return {std::move(text), std::move(facets)};
}

bool is_content_type(const std::string& type) {
  for (const char* t : {"Note", "Article", "Page", "Question", "Video", "Event", "Audio", "Image", "Document"})
    if (type == t) return true;
  return false;
}

// Types a reader opens rather than reads: the post links them.
bool is_linked_type(const std::string& type) {
  return type == "Video" || type == "Event" || type == "Question" || type == "Audio";
}

// Whether a FEP-e232 Link tag points at an ActivityStreams object (the quote forms Misskey and
// Mastodon send).
bool is_object_link(const json& tag) {
  if (!tag.is_object() || string_member(tag, "type") != "Link") return false;
  std::string media_type = string_member(tag, "mediaType");
  std::string base = base_type(media_type);
  return base == "application/activity+json" ||
         (base == "application/ld+json" && media_type.find("https://www.w3.org/ns/activitystreams") != std::string::npos);
}

// Every address the object gives for the post it quotes, the one to use first.
std::vector<std::string> quote_urls_of(const json& o) {
  std::vector<std::string> urls;
  auto add = [&](std::string url) {
    if (is_http(url) && std::find(urls.begin(), urls.end(), url) == urls.end()) urls.push_back(std::move(url));
  };
  if (auto q = o.find("quote"); q != o.end()) add(id_of(*q).value_or(""));
  for (const char* key : {"_misskey_quote", "quoteUri", "quoteUrl", "quoteURL"}) add(string_member(o, key));
  for (const json* t : items_of(o, "tag", 256))
    if (is_object_link(*t)) add(string_member(*t, "href"));
  return urls;
}

// Removes [start, end) from `rt`, dropping the facets inside and moving those after.
void erase_range(RichText& rt, std::size_t start, std::size_t end) {
  auto shift = static_cast<std::uint32_t>(end - start);
  std::vector<Facet> kept;
  for (auto f : rt.facets) {
    if (f.byte_end <= start) kept.push_back(std::move(f));
    else if (f.byte_start >= end) {
      f.byte_start -= shift;
      f.byte_end -= shift;
      kept.push_back(std::move(f));
    }
  }
  rt.text.erase(start, end - start);
  rt.facets = std::move(kept);
}

// Mastodon and Misskey repeat a quote as a line "RE: <link>" (Fedibird "QT: <link>") for servers
// that show no quotes; with the quote in the embed, that line only repeats it.
void drop_inline_quote(RichText& rt, const std::vector<std::string>& quote_urls) {
  auto is_quote = [&](std::string_view url) {
    return std::find(quote_urls.begin(), quote_urls.end(), url) != quote_urls.end();
  };
  for (std::size_t line_start = 0; line_start < rt.text.size();) {
    std::size_t line_end = std::min(rt.text.find('\n', line_start), rt.text.size());
    std::string line = trimmed(std::string_view(rt.text).substr(line_start, line_end - line_start));
    if (line.starts_with("RE:") || line.starts_with("QT:")) {
      std::string rest = trimmed(std::string_view(line).substr(3));
      bool repeats = is_quote(rest) || std::any_of(rt.facets.begin(), rt.facets.end(), [&](const Facet& f) {
        return f.type == Facet::Type::link && f.byte_start >= line_start && f.byte_end <= line_end &&
               rt.text_of(f) == rest && is_quote(f.target);
      });
      if (repeats) {
        std::size_t cut_start = line_start, cut_end = line_end;
        while (cut_end < rt.text.size() && rt.text[cut_end] == '\n') ++cut_end;
        if (cut_end == rt.text.size())
          while (cut_start > 0 && rt.text[cut_start - 1] == '\n') --cut_start;
        erase_range(rt, cut_start, cut_end);
        return;
      }
    }
    line_start = line_end + 1;
  }
}

// Links and mentions of Bluesky users bridged by Bridgy Fed become mentions of their DIDs.
void mention_bridged_users(RichText& rt) {
  for (auto& f : rt.facets) {
    if (f.type == Facet::Type::hashtag) continue;
    if (auto did = bridged_bluesky_did(f.target)) {
      f.type = Facet::Type::mention;
      f.target = *did;
    }
  }
}

// The languages of the object: contentMap's keys, the one whose text is `content` first, then
// Lemmy's and PeerTube's `language: {identifier}` and Mobilizon's `inLanguage`.
std::vector<std::string> languages_of(const json& o, const std::string& content) {
  std::vector<std::string> out;
  auto add = [&](const std::string& lang, bool first) {
    if (lang.empty() || lang.size() > 32 || std::find(out.begin(), out.end(), lang) != out.end()) return;
    if (first) out.insert(out.begin(), lang);
    else out.push_back(lang);
  };
  if (auto map = o.find("contentMap"); map != o.end() && map->is_object()) {
    std::size_t seen = 0;
    for (const auto& [lang, value] : map->items()) {
      if (++seen > kMaxListItems) break;
      add(lang, !content.empty() && value.is_string() && value.get_ref<const std::string&>() == content);
    }
  }
  for (const json* l : items_of(o, "language", 4)) add(l->is_string() ? l->get<std::string>() : string_member(*l, "identifier"), false);
  add(string_member(o, "inLanguage"), false);
  if (out.size() > kMaxLanguages) out.resize(kMaxLanguages);
  return out;
}

// The object's body as text with facets, from whichever form it comes in; `html` is set to the
// HTML it was read from.
RichText body_of(const json& o, const std::string& content, const std::vector<As2Tag>& tags, std::string& html) {
  std::string media_type = base_type(string_member(o, "mediaType"));
  std::string source_type;
  std::string text = content;
  if (text.empty()) {
    if (auto source = o.find("source"); source != o.end() && source->is_object()) {
      text = string_member(*source, "content");
      source_type = base_type(string_member(*source, "mediaType"));
      media_type = source_type == "text/markdown" ? source_type : "text/plain";
    }
  }
  if (text.empty()) return {};
  if (media_type == "text/markdown") {
    html = markdown_to_html(text);
    RichText rt = html_to_text(html, tags);
    // CommonMark links only what is marked up; writers of markdown fields (PeerTube descriptions)
    // paste bare URLs too, which Bluesky would link.
    for (auto& f : plain_text_facets(rt.text)) {
      bool free = std::none_of(rt.facets.begin(), rt.facets.end(),
                               [&](const Facet& g) { return f.byte_start < g.byte_end && g.byte_start < f.byte_end; });
      if (f.type == Facet::Type::link && free) rt.facets.push_back(std::move(f));
    }
    std::stable_sort(rt.facets.begin(), rt.facets.end(),
                     [](const Facet& a, const Facet& b) { return a.byte_start < b.byte_start; });
    return rt;
  }
  if (media_type == "text/plain") return plain_text(text);
  html = text;
  return html_to_text(html, tags);
}

// The image type a URL's extension names (the writer takes the type the server sends when it
// fetches the image; this only marks the attachment as an image meanwhile).
std::string image_type_of(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == "png" || ext == "gif" || ext == "webp" || ext == "avif") return "image/" + ext;
  return "image/jpeg";
}

void read_media(const json& o, Event& e) {
  for (const json* item : items_of(o, "attachment", 4 * kMaxAttachments)) {
    const json& a = *item;
    if (!a.is_object() || e.media.size() >= kMaxAttachments) continue;
    if (string_member(a, "type") == "Link") {
      std::string href = href_of(a);
      if (href.empty()) continue;
      std::string media_type = base_type(string_member(a, "mediaType"));
      if (media_type.starts_with("image/") || (media_type.empty() && looks_like_image(href))) {
        // Lemmy's image posts attach the image as a Link.
        if (std::none_of(e.media.begin(), e.media.end(), [&](const Media& m) { return m.url == href; }))
          e.media.push_back(Media{href, media_type.empty() ? image_type_of(href) : media_type, 0,
                                  plain_of(string_member(a, "name"), kMaxAltBytes), 0, 0});
      } else if (!e.embed.link) {
        e.embed.link = LinkCard{href, trimmed(string_member(a, "name")), "", ""};
      }
      continue;
    }
    Media m;
    m.url = url_of(a);
    if (m.url.empty()) continue;
    m.mime_type = string_member(a, "mediaType");
    // Mastodon writes the alt text in `name`, GoToSocial in `summary`; either may carry markup.
    std::string alt = string_member(a, "name");
    if (alt.empty()) alt = string_member(a, "summary");
    m.alt = plain_of(alt, kMaxAltBytes);
    m.width = uint_of(a, "width");
    m.height = uint_of(a, "height");
    // Not in AS2 proper, but PeerTube and others say it; unknown sizes are checked on fetch.
    if (auto size = a.find("size"); size != a.end() && size->is_number_unsigned()) m.size = size->get<std::uint64_t>();
    if (m.mime_type.empty() && string_member(a, "type") == "Image") m.mime_type = "image/jpeg";
    e.media.push_back(std::move(m));
  }
}

// Poll options as lines of text, so a Bluesky reader sees what is asked.
void append_poll_options(const json& o, RichText& rt) {
  std::string lines;
  std::size_t n = 0;
  for (const char* key : {"oneOf", "anyOf"}) {
    for (const json* option : items_of(o, key, kMaxPollOptions)) {
      std::string name = trimmed(utf8_prefix(string_member(*option, "name"), 200));
      if (name.empty() || n++ >= kMaxPollOptions) continue;
      lines += (lines.empty() ? "" : "\n") + std::string("\u2022 ") + name;
    }
  }
  if (lines.empty()) return;
  rt.append(rt.text.empty() ? "" : "\n\n");
  rt.append(lines);
}

bool is_reply(const json& o) {
  auto parent = o.find("inReplyTo");
  return parent != o.end() && id_of(*parent).has_value();
}

EventKind kind_of(const ActivityView& a) {
  if (a.type == "Create") return a.object && is_reply(*a.object) ? EventKind::reply : EventKind::post;
  if (a.type == "Announce") return EventKind::repost;
  if (a.type == "Like") return EventKind::like;
  if (a.type == "Follow") return EventKind::follow;
  if (a.type == "Dislike") return EventKind::dislike;
  if (a.type == "Undo") {
    // Told apart by what it undoes; an Undo naming only an id says nothing more (Mastodon and
    // Lemmy embed the undone activity).
    std::string undone = a.object ? string_member(*a.object, "type") : "";
    if (undone == "Follow") return EventKind::unfollow;
    if (undone == "Like" || undone == "Dislike" || undone == "EmojiReact") return EventKind::unlike;
    if (undone == "Announce") return EventKind::unrepost;
    if (undone == "Block") return EventKind::unblock;
    return EventKind::other;
  }
  if (a.type == "Accept") return EventKind::accept;
  if (a.type == "Reject") return EventKind::reject;
  if (a.type == "Delete") return EventKind::remove;
  if (a.type == "Block") return EventKind::block;
  if (a.type == "Flag") return EventKind::flag;
  if (a.type == "Update") return EventKind::update;
  return EventKind::other;
}

bool has_nothing_to_show(const Event& e) {
  return e.content.text.empty() && e.content.title.empty() && e.media.empty() && !e.embed.link && !e.embed.quote;
}

std::string describe(const json& o) {
  std::string type = string_member(o, "type");
  std::string id = id_of(o).value_or("");
  return (type.empty() ? "object" : type) + (id.empty() ? "" : " " + std::string(utf8_prefix(id, 512)));
}

// Activities a group passes on inside an Announce (FEP-1b12; Lemmy's community announces,
// crates/apub/src/activities/community/announce.rs: Create, Update, Delete, Like, Dislike, Undo,
// Block of a member).
bool is_relayed_activity(const std::string& type) {
  return type == "Create" || type == "Update" || type == "Delete" || type == "Like" || type == "Dislike" ||
         type == "Undo" || type == "Block";
}

}  // namespace

Result<Event> relayed_event(const ActivityView& announce, const ParseContext& context) {
  const json& inner = *announce.object;
  auto view = view_activity(inner);
  if (!view) return make_error("the " + announce.type + " " + announce.id + " relays an activity that " + view.error());
  // An activity id is its actor's server's to give: one on another host is somebody's forgery.
  if (host_of_url(view->id) != host_of_url(view->actor))
    return make_error("the relayed " + view->type + " " + view->id + " is not on its actor's host (" + view->actor + ")");
  auto read = event_from_activity(inner, context);
  Event e = read ? std::move(*read) : envelope_of(*view, context);
  // The relaying group's server vouches for its own host only: content of an object elsewhere is
  // its claim, fetched from the origin before it crosses.
  bool vouched = view->object_id && host_of_url(*view->object_id) == host_of_url(announce.actor) &&
                 host_of_url(view->actor) == host_of_url(announce.actor);
  if (!read || !vouched) {
    Event bare = envelope_of(*view, context);
    bare.thread = e.thread;  // where it sits is no claim on anyone's words
    e = std::move(bare);
  }
  e.origin.relayed_by = announce.actor;
  e.origin.relayed_id = announce.id;
  return e;
}

Visibility visibility_of(const json& object) {
  if (!object.is_object()) return Visibility::direct;
  auto to = ids_of(object, "to"), cc = ids_of(object, "cc");
  if (std::any_of(to.begin(), to.end(), is_public_address)) return Visibility::public_;
  if (std::any_of(cc.begin(), cc.end(), is_public_address)) return Visibility::unlisted;
  for (const auto& t : to)
    if (t.size() > 10 && t.compare(t.size() - 10, 10, "/followers") == 0) return Visibility::followers_only;
  return Visibility::direct;
}

std::optional<std::string> object_author(const json& o) {
  if (!o.is_object()) return std::nullopt;
  auto entries = items_of(o, "attributedTo", kMaxAuthors);
  for (const json* a : entries) {
    std::string type = string_member(*a, "type");
    if (type == "Person" || type == "Service" || type == "Application")
      if (auto id = id_of(*a); id && !id->empty()) return id;
  }
  if (auto actor = o.find("actor"); actor != o.end() && !entries.empty())
    if (auto id = id_of(*actor); id && !id->empty()) return id;
  for (const json* a : entries) {
    std::string type = string_member(*a, "type");
    if (type == "Group" || type == "Organization") continue;
    if (auto id = id_of(*a); id && !id->empty()) return id;
  }
  return std::nullopt;
}

void read_object(const json& o, Event& e) {
  if (!o.is_object()) return;
  std::string type = string_member(o, "type");
  e.origin.object_type = type;
  if (auto parent = o.find("inReplyTo"); parent != o.end())
    if (auto id = id_of(*parent)) e.thread.parent = NativeRef{Network::activitypub, *id, ""};

  std::string content = string_member(o, "content");
  if (content.empty())
    if (auto map = o.find("contentMap"); map != o.end() && map->is_object() && !map->empty() && map->begin()->is_string())
      content = map->begin()->get<std::string>();
  e.content.languages = languages_of(o, string_member(o, "content"));
  // Misskey writes, beside a poll, the text it shows servers that cannot show polls (the options
  // listed, how to vote): that is what a Bluesky reader needs too.
  std::string fallback = type == "Question" ? string_member(o, "_misskey_fallback_content") : "";
  if (!fallback.empty()) content = fallback;

  std::vector<As2Tag> tags = tags_of(o);
  RichText text = body_of(o, content, tags, e.content.html);
  if (type == "Question" && fallback.empty()) append_poll_options(o, text);
  e.content.tags = place_unanchored_tags(text, tags);

  // A Note's name is its title only beside a body and outside a thread (Discourse topics); a poll
  // vote is a reply whose name is the option chosen.
  std::string name = trimmed(utf8_prefix(string_member(o, "name"), kMaxTitleBytes));
  if (type != "Note" || (!text.text.empty() && !is_reply(o))) e.content.title = name;

  std::string summary = plain_of(string_member(o, "summary"), kMaxSummaryBytes);
  if (type == "Note" || type == "Question") e.content.content_warning = summary;
  else e.content.excerpt = summary;

  if (auto sensitive = o.find("sensitive"); sensitive != o.end() && sensitive->is_boolean() && sensitive->get<bool>())
    e.content.labels.push_back("sensitive");
  if (std::string published = string_member(o, "published"); !published.empty())
    e.created_at_us = parse_iso8601_us(published);

  read_media(o, e);
  std::string id = id_of(o).value_or("");
  if (is_linked_type(type)) {
    if (std::string page = page_url_of(o); !page.empty())
      e.embed.link = LinkCard{page, name, e.content.excerpt, thumbnail_of(o)};
  } else if (std::string page = page_url_of(o); !e.embed.link && !page.empty() && host_of_url(page) != host_of_url(id)) {
    // Lemmy's link posts: the object's url is the article the post is about.
    e.embed.link = LinkCard{page, name, e.content.excerpt, thumbnail_of(o)};
  }
  if (e.embed.link && e.embed.link->title.empty()) e.embed.link->title = name;
  if (e.embed.link && e.embed.link->thumb_url.empty() && e.media.empty()) e.embed.link->thumb_url = thumbnail_of(o);

  std::vector<std::string> quotes = quote_urls_of(o);
  if (!quotes.empty()) {
    e.embed.quote = NativeRef{Network::activitypub, quotes.front(), ""};
    drop_inline_quote(text, quotes);
  }
  mention_bridged_users(text);
  e.content.text = std::move(text.text);
  e.content.facets = std::move(text.facets);
}

Event envelope_of(const ActivityView& a, const ParseContext& context) {
  Event e;
  e.kind = kind_of(a);
  e.origin.network = Network::activitypub;
  e.origin.activity_id = a.id;
  e.origin.object = {Network::activitypub, a.object_id.value_or(a.id), ""};
  e.actor.id = a.actor;
  if (a.object_id && a.type != "Create") e.subject = NativeRef{Network::activitypub, *a.object_id, ""};
  // An Undo of a Block (a group lifting a ban) is about the member, not the Block.
  if (e.kind == EventKind::unblock && a.object->contains("object"))
    if (auto member = id_of((*a.object)["object"])) e.subject = NativeRef{Network::activitypub, *member, ""};
  // Said, not proven: the router refuses a post whose object names another author than the actor.
  if (a.object) e.origin.object_author = object_author(*a.object).value_or("");
  // The activity's addressing decides who sees it (the object's usually says the same).
  json addressing{{"to", a.to}, {"cc", a.cc}};
  e.audience.visibility = visibility_of(addressing);
  if (context.group_of) e.audience.group = context.group_of(a);
  return e;
}

Result<Event> event_from_activity(const json& doc, const ParseContext& context) {
  if (!doc.is_object()) return make_error("not a JSON object");
  std::string type = string_member(doc, "type");
  if (type.empty()) return make_error(describe(doc) + " has no type");

  if (is_content_type(type)) {
    // A bare object: the post it is, as its author would Create it.
    auto author = object_author(doc);
    if (!author) return make_error(describe(doc) + ": attributedTo names no person");
    ActivityView view;
    view.id = id_of(doc).value_or("");
    view.type = "Create";
    view.actor = *author;
    view.object_id = view.id;
    view.object = &doc;
    view.to = ids_of(doc, "to");
    view.cc = ids_of(doc, "cc");
    view.audience = ids_of(doc, "audience");
    Event e = envelope_of(view, context);
    read_object(doc, e);
    if (has_nothing_to_show(e)) return make_error(describe(doc) + " has no text, title, media or link");
    return e;
  }

  auto view = view_activity(doc);
  if (!view) return make_error(view.error());
  if (view->type == "Announce" && view->object && is_relayed_activity(string_member(*view->object, "type")))
    return relayed_event(*view, context);
  Event e = envelope_of(*view, context);
  bool creates = view->type == "Create" || view->type == "Update";
  if (!creates || !view->object || !view->object->is_object()) return e;
  const json& object = *view->object;
  if (is_content_type(string_member(object, "type")) && e.origin.object_author.empty())
    return make_error(view->type + " " + view->id + ": its " + describe(object) + ": attributedTo names no person");
  // Content is taken only from an object its own server sent us. An Announce (or anything else)
  // embedding another server's object could put words in its author's mouth; such objects are
  // fetched from their origin before anyone sees them.
  // And only when its author is the activity's actor: nobody speaks for someone else.
  bool own_object = view->object_id && host_of_url(*view->object_id) == host_of_url(view->actor) &&
                    e.origin.object_author == view->actor;
  if (!own_object) return e;
  read_object(object, e);
  if (is_content_type(e.origin.object_type) && has_nothing_to_show(e))
    return make_error(view->type + " " + view->id + ": its " + describe(object) + " has no text, title, media or link");
  return e;
}

}  // namespace causeway::activitypub
