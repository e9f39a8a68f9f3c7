// What each remote server runs, as its NodeInfo says, so the deliverer can send a group's Announce
// in the body that server expects (protocols/activitypub/peer_software.h). Servers are told apart
// by scheme and authority (host and port). An answer is kept 6 hours; a server that names no
// software, or cannot be asked, counts as unknown (Mastodon-style) for 30 minutes, so a server
// that is down costs one attempt per half hour, not one per delivery. At most 4096 servers are
// kept (then the memory starts over). Fetches go through the outbound guard, on the caller's
// thread: call it from workers only. Thread-safe: `mu_` guards the map, and fetches run outside
// it (two threads may then ask one server at once, each once).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "protocols/activitypub/peer_software.h"
#include "protocols/net/http_client.h"

namespace causeway {

class PeerSoftwareCache {
 public:
  PeerSoftwareCache(const HttpClient& http, std::function<std::int64_t()> clock)
      : http_(http), clock_(std::move(clock)) {}

  // The software running at the server of `url` (any URL there, an inbox say), lowercase; ""
  // when unknown.
  std::string software(const std::string& url);
  activitypub::AnnounceStyle announce_style(const std::string& url) {
    return activitypub::announce_style_of(software(url));
  }

 private:
  std::optional<std::string> ask(const std::string& origin) const;

  const HttpClient& http_;
  std::function<std::int64_t()> clock_;
  std::mutex mu_;
  std::map<std::string, std::pair<std::int64_t, std::string>> known_;  // origin -> (asked at, software or "")
};

}  // namespace causeway
