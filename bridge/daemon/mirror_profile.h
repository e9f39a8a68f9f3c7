// Keeps each bridge's mirror account profile (app.bsky.actor.profile, rkey "self") showing the
// group it mirrors: its name, its summary with a link to it, and its avatar (profile_record.h makes
// the record). Bridges with `bluesky.profile: manual` are never touched.
//
// One thread of its own syncs every bridge at start, again every `recheck` (a followed group may
// have changed its profile without telling us), and soon after actor_updated() names the bridge's
// group. A sync reads the current record first and writes only when the result differs, so a
// restart rewrites nothing; an avatar whose bytes have the CID the record already holds is not
// uploaded again. A failed sync is logged with its reason and tried again with a growing delay
// (`retry_first` doubling up to `retry_max`); nothing here throws into the daemon. The XRPC client
// never logs the app password or session tokens, and neither does this.
//
// Thread-safe: actor_updated() may be called from any thread (it only wakes the sync thread).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "bridge/base/result.h"
#include "bridge/member_profile.h"
#include "config/config.h"
#include "protocols/atproto/xrpc_client.h"
#include "protocols/net/http_client.h"

namespace causeway {

struct MirrorProfileDeps {
  const Config& config;
  const HttpClient& http;  // fetches avatars, through the outbound guard
  // The bridge's logged-in client; nullptr with `error` set when it cannot log in.
  std::function<atproto::XrpcClient*(const BridgeConfig& bridge, std::string& error)> client;
  // The bridge's group as its fediverse side presents it now.
  std::function<Result<GroupProfile>(const BridgeConfig& bridge)> group_profile;
  std::chrono::milliseconds recheck = std::chrono::hours(6);
  std::chrono::milliseconds retry_first = std::chrono::minutes(1);
  std::chrono::milliseconds retry_max = std::chrono::hours(1);
};

// Bluesky takes PNG and JPEG avatars of at most this size (app.bsky.actor.profile).
inline constexpr std::size_t kMaxAvatarBytes = 1'000'000;

class MirrorProfile {
 public:
  explicit MirrorProfile(MirrorProfileDeps deps);
  ~MirrorProfile();

  void start();
  void stop();  // returns after the sync in hand
  // The actor `actor_id` sent an Update of itself: the bridges mirroring it sync again soon.
  void actor_updated(const std::string& actor_id);

  // Brings one bridge's profile up to date now. Returns what was done ("written", "unchanged"), or
  // why it failed (the caller retries). A missing avatar does not stop the name and description
  // from being written; it still counts as a failure so that it is tried again.
  Result<std::string> sync(const BridgeConfig& bridge);

 private:
  using Clock = std::chrono::steady_clock;
  struct State {
    Clock::time_point due;
    std::chrono::milliseconds backoff{0};
    std::string group_id;  // learnt at the first successful profile read
  };
  void run();
  // The avatar's blob ref to put in the record: the current one when the image is unchanged, else
  // the one uploadBlob answers.
  Result<nlohmann::json> avatar_blob(atproto::XrpcClient& client, const std::string& url, const nlohmann::json& current);

  MirrorProfileDeps d_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool running_ = false;            // guarded by mu_
  std::map<std::string, State> states_;  // by bridge name; guarded by mu_
  std::thread thread_;
};

}  // namespace causeway
