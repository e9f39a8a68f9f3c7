#include "protocols/activitypub/note_event.h"

#include <algorithm>

#include "protocols/activitypub/as2.h"
#include "protocols/activitypub/html_text.h"
#include <cstdio>
#include <ctime>

namespace causeway::activitypub {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxAttachments = 16;

std::uint32_t uint_of(const json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_number_unsigned()) return 0;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(it->get<std::uint64_t>(), UINT32_MAX));
}

// An attachment's url is a string, a Link object or a list of them; the first http(s) one wins.
std::string url_of(const json& a) {
  auto it = a.find("url");
  if (it == a.end()) return {};
  const json& u = it->is_array() && !it->empty() ? (*it)[0] : *it;
  std::string url = u.is_string() ? u.get<std::string>() : u.is_object() ? string_member(u, "href") : "";
  return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0 ? url : "";
}

// Microseconds since the epoch of an ISO 8601 time ("2026-11-22T05:05:16Z", fractions and offsets
// allowed), 0 when it is not one.
std::int64_t parse_time_us(const std::string& text) {
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return 0;
  while (*rest == '.' || (*rest >= '0' && *rest <= '9')) ++rest;
  std::int64_t offset = 0;
  int h = 0, m = 0;
  if ((*rest == '+' || *rest == '-') && std::sscanf(rest + 1, "%2d:%2d", &h, &m) == 2)
    offset = (h * 3600 + m * 60) * (*rest == '+' ? 1 : -1);
  return (static_cast<std::int64_t>(timegm(&tm)) - offset) * 1'000'000;
}

// Plain text of a field that may hold HTML (a content warning, an alt text), kept short.
std::string plain_of(const std::string& html) {
  if (html.find('<') == std::string::npos && html.find('&') == std::string::npos) return html.substr(0, 5000);
  return html_to_text(html.substr(0, 20000), {}).text;
}

// Types whose `name` is a headline and whose `summary` is an excerpt (Lemmy, Friendica, NodeBB,
// Discourse, WordPress, Plume, PeerTube, Mobilizon), not a note's content warning.
bool is_titled_type(const std::string& type) {
  return type == "Page" || type == "Article" || type == "Video" || type == "Event" || type == "Audio";
}

}  // namespace

std::optional<std::string> author_of(const json& object) {
  auto it = object.find("attributedTo");
  if (it == object.end()) return std::nullopt;
  if (!it->is_array()) return id_of(*it);
  // PeerTube and Mobilizon name the person and the channel or group: the person posted it.
  std::optional<std::string> first;
  for (const auto& a : *it) {
    auto id = id_of(a);
    if (!id) continue;
    std::string type = a.is_object() ? string_member(a, "type") : "";
    if (type == "Person") return id;
    if (!first && type != "Group" && type != "Organization") first = id;
  }
  return first;
}

Visibility visibility_of(const json& object) {
  auto to = ids_of(object, "to"), cc = ids_of(object, "cc");
  if (std::any_of(to.begin(), to.end(), is_public_address)) return Visibility::public_;
  if (std::any_of(cc.begin(), cc.end(), is_public_address)) return Visibility::unlisted;
  for (const auto& t : to)
    if (t.size() > 10 && t.compare(t.size() - 10, 10, "/followers") == 0) return Visibility::followers_only;
  return Visibility::direct;
}

void read_object(const json& o, Event& e) {
  if (!o.is_object()) return;
  e.origin.object_type = string_member(o, "type");
  if (auto parent = o.find("inReplyTo"); parent != o.end())
    if (auto id = id_of(*parent)) e.thread.parent = NativeRef{Network::activitypub, *id, ""};
  e.content.html = string_member(o, "content");
  if (e.content.html.empty())
    if (auto map = o.find("contentMap"); map != o.end() && map->is_object() && !map->empty() && map->begin()->is_string())
      e.content.html = map->begin()->get<std::string>();
  RichText text = html_to_text(e.content.html, tags_of(o));
  e.content.text = std::move(text.text);
  e.content.facets = std::move(text.facets);
  bool titled = is_titled_type(e.origin.object_type);
  if (titled || e.origin.object_type == "Question") e.content.title = plain_of(string_member(o, "name"));
  if (titled) e.content.excerpt = plain_of(string_member(o, "summary"));
  else e.content.content_warning = plain_of(string_member(o, "summary"));
  if (auto map = o.find("contentMap"); map != o.end() && map->is_object())
    for (const auto& [lang, value] : map->items())
      if (lang.size() <= 32 && e.content.languages.size() < 3) e.content.languages.push_back(lang);
  // Lemmy and PeerTube: "language": {"identifier": "en", "name": "English"}.
  if (auto lang = o.find("language"); e.content.languages.empty() && lang != o.end() && lang->is_object())
    if (std::string id = string_member(*lang, "identifier"); !id.empty() && id.size() <= 32 && id != "und")
      e.content.languages.push_back(id);
  // A post about an external page (a Lemmy link post, a PeerTube video, a Mobilizon event): its
  // `url` to another host, or a Link attachment, is the link card.
  auto card_url = [&](const std::string& url) {
    if (url.empty() || e.embed.link) return;
    e.embed.link = LinkCard{url, e.content.title, "", ""};
  };
  if (auto attachments = o.find("attachment"); attachments != o.end() && attachments->is_array())
    for (const auto& a : *attachments)
      if (a.is_object() && string_member(a, "type") == "Link") {
        std::string href = string_member(a, "href");
        if (href.rfind("https://", 0) != 0 && href.rfind("http://", 0) != 0) continue;
        std::string mime = string_member(a, "mediaType");
        std::string path = href.substr(0, href.find_first_of("?#"));
        std::transform(path.begin(), path.end(), path.begin(), [](unsigned char c) { return std::tolower(c); });
        auto ends = [&](const char* ext) {
          std::string x = ext;
          return path.size() > x.size() && path.compare(path.size() - x.size(), x.size(), x) == 0;
        };
        // Lemmy's image posts link the image itself: it is the post's picture, not a page.
        bool image = mime.rfind("image/", 0) == 0 || ends(".png") || ends(".jpg") || ends(".jpeg") ||
                     ends(".gif") || ends(".webp");
        if (image && e.media.size() < kMaxAttachments)
          e.media.push_back(Media{href, mime.empty() ? (ends(".png") ? "image/png" : ends(".gif") ? "image/gif" : ends(".webp") ? "image/webp" : "image/jpeg") : mime,
                                  0, plain_of(string_member(a, "name")), 0, 0});
        else if (!image)
          card_url(href);
      }
  if (auto sensitive = o.find("sensitive"); sensitive != o.end() && sensitive->is_boolean() && sensitive->get<bool>())
    e.content.labels.push_back("sensitive");
  if (std::string published = string_member(o, "published"); !published.empty())
    e.created_at_us = parse_time_us(published);
  if (auto attachments = o.find("attachment"); attachments != o.end()) {
    json list = attachments->is_array() ? *attachments : json::array({*attachments});
    for (const auto& a : list) {
      if (!a.is_object() || e.media.size() >= kMaxAttachments) continue;
      Media m;
      m.url = url_of(a);
      if (m.url.empty() || string_member(a, "type") == "Link") continue;
      m.mime_type = string_member(a, "mediaType");
      m.alt = plain_of(string_member(a, "name"));
      if (m.alt.empty()) m.alt = plain_of(string_member(a, "summary"));  // GoToSocial's alt text
      m.width = uint_of(a, "width");
      m.height = uint_of(a, "height");
      // Not in AS2 proper, but PeerTube and others say it; unknown sizes are checked on fetch.
      if (auto size = a.find("size"); size != a.end() && size->is_number_unsigned()) m.size = size->get<std::uint64_t>();
      if (m.mime_type.empty() && string_member(a, "type") == "Image") m.mime_type = "image/jpeg";
      e.media.push_back(std::move(m));
    }
  }
}

}  // namespace causeway::activitypub
