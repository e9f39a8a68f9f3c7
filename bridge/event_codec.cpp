#include "bridge/event_codec.h"

#include <nlohmann/json.hpp>

#include <array>
#include <stdexcept>

namespace causeway {
namespace {

using nlohmann::json;

// Decoding problems are raised internally as this and turned into an Error at the boundary.
struct DecodeFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr std::array kKindNames = {"post",   "reply",  "repost", "like",    "follow", "unfollow", "accept",
                                   "reject", "delete", "update", "profile", "block",  "flag",     "dislike",
                                   "unlike", "unrepost", "unblock", "other"};
constexpr std::array kNetworkNames = {"activitypub", "atproto"};
constexpr std::array kVisibilityNames = {"public", "unlisted", "followers_only", "direct"};
constexpr std::array kFacetNames = {"link", "mention", "hashtag"};

template <class Enum, size_t N>
Enum enum_from(const json& j, const std::array<const char*, N>& names, const char* field) {
  if (!j.is_string()) throw DecodeFailure(std::string(field) + " is not a string");
  const auto& s = j.get_ref<const std::string&>();
  for (size_t i = 0; i < N; ++i)
    if (s == names[i]) return static_cast<Enum>(i);
  throw DecodeFailure(std::string(field) + " has unknown value \"" + s + "\"");
}

void put_if(json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

std::string get_string(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return {};
  if (!it->is_string()) throw DecodeFailure(std::string(key) + " is not a string");
  return it->get<std::string>();
}

template <class Int>
Int get_int(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (!it->is_number_integer()) throw DecodeFailure(std::string(key) + " is not an integer");
  return it->get<Int>();
}

std::vector<std::string> get_strings(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return {};
  if (!it->is_array()) throw DecodeFailure(std::string(key) + " is not a list");
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) throw DecodeFailure(std::string(key) + " holds a non-string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

const json& get_object(const json& j, const char* key) {
  static const json empty = json::object();
  auto it = j.find(key);
  if (it == j.end()) return empty;
  if (!it->is_object()) throw DecodeFailure(std::string(key) + " is not an object");
  return *it;
}

json encode_ref(const NativeRef& r) {
  json j = {{"net", kNetworkNames[static_cast<int>(r.network)]}, {"id", r.id}};
  put_if(j, "cid", r.cid);
  return j;
}

NativeRef decode_ref(const json& j) {
  NativeRef r;
  r.network = enum_from<Network>(j.value("net", json()), kNetworkNames, "net");
  r.id = get_string(j, "id");
  r.cid = get_string(j, "cid");
  if (r.id.empty()) throw DecodeFailure("a reference has no id");
  return r;
}

std::optional<NativeRef> decode_optional_ref(const json& j, const char* key) {
  if (!j.contains(key)) return std::nullopt;
  return decode_ref(get_object(j, key));
}

}  // namespace

const char* to_string(EventKind kind) { return kKindNames[static_cast<int>(kind)]; }
const char* to_string(Network network) { return kNetworkNames[static_cast<int>(network)]; }
const char* to_string(Visibility visibility) { return kVisibilityNames[static_cast<int>(visibility)]; }

std::string encode_event(const Event& e) {
  json j;
  j["v"] = kEventFormatVersion;
  j["id"] = e.id;
  j["kind"] = to_string(e.kind);
  json origin = {{"net", to_string(e.origin.network)}, {"object", encode_ref(e.origin.object)}};
  put_if(origin, "activity", e.origin.activity_id);
  put_if(origin, "type", e.origin.object_type);
  put_if(origin, "author", e.origin.object_author);
  put_if(origin, "relayed_by", e.origin.relayed_by);
  put_if(origin, "relayed_id", e.origin.relayed_id);
  j["origin"] = origin;
  json actor = {{"id", e.actor.id}};
  json profile = json::object();
  put_if(profile, "handle", e.actor.profile.handle);
  put_if(profile, "name", e.actor.profile.display_name);
  put_if(profile, "summary", e.actor.profile.summary);
  put_if(profile, "avatar", e.actor.profile.avatar_url);
  if (!profile.empty()) actor["profile"] = profile;
  j["actor"] = actor;
  if (e.subject) j["subject"] = encode_ref(*e.subject);
  if (e.thread.parent) j["parent"] = encode_ref(*e.thread.parent);
  if (e.thread.root) j["root"] = encode_ref(*e.thread.root);

  json content = json::object();
  put_if(content, "title", e.content.title);
  put_if(content, "text", e.content.text);
  put_if(content, "cw", e.content.content_warning);
  put_if(content, "excerpt", e.content.excerpt);
  if (!e.content.tags.empty()) content["tags"] = e.content.tags;
  put_if(content, "html", e.content.html);
  if (!e.content.languages.empty()) content["langs"] = e.content.languages;
  if (!e.content.labels.empty()) content["labels"] = e.content.labels;
  for (const auto& f : e.content.facets)
    content["facets"].push_back({{"type", kFacetNames[static_cast<int>(f.type)]},
                                 {"start", f.byte_start},
                                 {"end", f.byte_end},
                                 {"target", f.target}});
  if (!content.empty()) j["content"] = content;
  for (const auto& m : e.media) {
    json mj = {{"url", m.url}};
    put_if(mj, "type", m.mime_type);
    put_if(mj, "alt", m.alt);
    if (m.size) mj["size"] = m.size;
    if (m.width) mj["width"] = m.width;
    if (m.height) mj["height"] = m.height;
    j["media"].push_back(mj);
  }
  json embed = json::object();
  if (e.embed.quote) embed["quote"] = encode_ref(*e.embed.quote);
  if (const auto& l = e.embed.link) {
    json lj = {{"url", l->url}};
    put_if(lj, "title", l->title);
    put_if(lj, "description", l->description);
    put_if(lj, "thumb", l->thumb_url);
    embed["link"] = lj;
  }
  if (!embed.empty()) j["embed"] = embed;
  json audience = {{"visibility", to_string(e.audience.visibility)}};
  put_if(audience, "group", e.audience.group);
  j["audience"] = audience;
  j["created_at_us"] = e.created_at_us;
  j["received_at_us"] = e.received_at_us;
  put_if(j, "bridge", e.bridge);
  return j.dump();
}

Result<Event> decode_event(std::string_view bytes) {
  json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error("stored event is not a JSON object");
  try {
    int version = get_int<int>(j, "v");
    if (version != kEventFormatVersion)
      return make_error("stored event has format version " + std::to_string(version) + ", this causeway reads " +
                        std::to_string(kEventFormatVersion));
    Event e;
    e.id = get_string(j, "id");
    e.kind = enum_from<EventKind>(j.value("kind", json()), kKindNames, "kind");
    const json& origin = get_object(j, "origin");
    e.origin.network = enum_from<Network>(origin.value("net", json()), kNetworkNames, "origin.net");
    e.origin.activity_id = get_string(origin, "activity");
    e.origin.object_type = get_string(origin, "type");
    e.origin.object_author = get_string(origin, "author");
    e.origin.relayed_by = get_string(origin, "relayed_by");
    e.origin.relayed_id = get_string(origin, "relayed_id");
    e.origin.object = decode_ref(get_object(origin, "object"));
    const json& actor = get_object(j, "actor");
    e.actor.id = get_string(actor, "id");
    const json& profile = get_object(actor, "profile");
    e.actor.profile = {get_string(profile, "handle"), get_string(profile, "name"), get_string(profile, "summary"),
                       get_string(profile, "avatar")};
    e.subject = decode_optional_ref(j, "subject");
    e.thread.parent = decode_optional_ref(j, "parent");
    e.thread.root = decode_optional_ref(j, "root");
    const json& content = get_object(j, "content");
    e.content.title = get_string(content, "title");
    e.content.text = get_string(content, "text");
    e.content.content_warning = get_string(content, "cw");
    e.content.excerpt = get_string(content, "excerpt");
    e.content.tags = get_strings(content, "tags");
    e.content.html = get_string(content, "html");
    e.content.languages = get_strings(content, "langs");
    e.content.labels = get_strings(content, "labels");
    if (auto it = content.find("facets"); it != content.end()) {
      if (!it->is_array()) throw DecodeFailure("content.facets is not a list");
      for (const auto& fj : *it) {
        Facet f;
        f.type = enum_from<Facet::Type>(fj.value("type", json()), kFacetNames, "facet type");
        f.byte_start = get_int<std::uint32_t>(fj, "start");
        f.byte_end = get_int<std::uint32_t>(fj, "end");
        f.target = get_string(fj, "target");
        if (f.byte_end < f.byte_start) throw DecodeFailure("a facet ends before it starts");
        e.content.facets.push_back(f);
      }
    }
    if (auto it = j.find("media"); it != j.end()) {
      if (!it->is_array()) throw DecodeFailure("media is not a list");
      for (const auto& mj : *it) {
        if (!mj.is_object()) throw DecodeFailure("media holds a non-object");
        e.media.push_back({get_string(mj, "url"), get_string(mj, "type"), get_int<std::uint64_t>(mj, "size"),
                           get_string(mj, "alt"), get_int<std::uint32_t>(mj, "width"),
                           get_int<std::uint32_t>(mj, "height")});
      }
    }
    const json& embed = get_object(j, "embed");
    e.embed.quote = decode_optional_ref(embed, "quote");
    if (embed.contains("link")) {
      const json& lj = get_object(embed, "link");
      e.embed.link = LinkCard{get_string(lj, "url"), get_string(lj, "title"), get_string(lj, "description"),
                              get_string(lj, "thumb")};
      if (e.embed.link->url.empty()) throw DecodeFailure("a link card has no url");
    }
    const json& audience = get_object(j, "audience");
    e.audience.visibility = enum_from<Visibility>(audience.value("visibility", json()), kVisibilityNames,
                                                  "audience.visibility");
    e.audience.group = get_string(audience, "group");
    e.created_at_us = get_int<std::int64_t>(j, "created_at_us");
    e.received_at_us = get_int<std::int64_t>(j, "received_at_us");
    e.bridge = get_string(j, "bridge");
    return e;
  } catch (const DecodeFailure& failure) {
    return make_error(std::string("stored event is malformed: ") + failure.what());
  } catch (const json::exception& failure) {
    return make_error(std::string("stored event is malformed: ") + failure.what());
  }
}

}  // namespace causeway
