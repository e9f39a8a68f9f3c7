// The parts of an at-uri ("at://AUTHORITY/COLLECTION/RKEY") and the bsky.app page that shows a
// record, for code on either side of the bridge that must name a Bluesky record without the
// atproto adapter (the ActivityPub renderer links quoted posts; the writers derive stable ids).
// Splitting only: syntax is checked where records come in (protocols/atproto/syntax.h). Pure and
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace causeway {

struct AtUri {
  std::string authority;   // a DID (or a handle in hand-written uris)
  std::string collection;  // NSID; "" for a bare repo uri
  std::string rkey;        // "" unless a collection is named

  // "collection/rkey": the path of the record inside its repository.
  std::string record_path() const { return collection + "/" + rkey; }
};

// A strong reference to one version of a record: its at-uri and the CID of that version (what
// reply refs, quote embeds, the XRPC client's writes and the id map all carry). The one type.
struct StrongRef {
  std::string uri;
  std::string cid;  // empty when the server did not say
  bool operator==(const StrongRef&) const = default;
};

// The authority of an at-uri ("did:plc:x" of "at://did:plc:x/app.bsky.feed.post/3k"), "" when
// `text` is not one. No copy: the firehose filter asks this of every reply and like it sees.
inline std::string_view at_uri_authority(std::string_view text) {
  if (!text.starts_with("at://")) return {};
  text.remove_prefix(5);
  return text.substr(0, text.find('/'));
}

// nullopt unless `text` starts with "at://" and has a non-empty authority; a query or fragment is
// not expected in record uris and stays in the rkey.
inline std::optional<AtUri> parse_at_uri(std::string_view text) {
  AtUri uri;
  uri.authority = std::string(at_uri_authority(text));
  if (uri.authority.empty()) return std::nullopt;
  text.remove_prefix(5);
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return uri;
  text.remove_prefix(slash + 1);
  slash = text.find('/');
  uri.collection = std::string(text.substr(0, slash));
  if (slash != std::string_view::npos) uri.rkey = std::string(text.substr(slash + 1));
  return uri;
}

// The bsky.app page of a record people can open: posts, feeds, lists and starter packs; the
// author's profile for anything else (and for a bare repo uri).
inline std::string bsky_app_url(const AtUri& uri) {
  std::string profile = "https://bsky.app/profile/" + uri.authority;
  if (uri.rkey.empty()) return profile;
  if (uri.collection == "app.bsky.feed.post") return profile + "/post/" + uri.rkey;
  if (uri.collection == "app.bsky.feed.generator") return profile + "/feed/" + uri.rkey;
  if (uri.collection == "app.bsky.graph.list") return profile + "/lists/" + uri.rkey;
  if (uri.collection == "app.bsky.graph.starterpack")
    return "https://bsky.app/starter-pack/" + uri.authority + "/" + uri.rkey;
  return profile;
}

}  // namespace causeway
