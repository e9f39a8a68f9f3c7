#include "bridge/daemon/mirror_profile.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "protocols/atproto/cid.h"
#include "protocols/atproto/profile_record.h"

namespace causeway {
namespace {

using nlohmann::json;

// The image type by its first bytes: servers often label images application/octet-stream, and the
// PDS judges the bytes, not the label.
std::string image_type(std::string_view bytes) {
  if (bytes.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return "image/png";
  if (bytes.substr(0, 3) == std::string_view("\xFF\xD8\xFF", 3)) return "image/jpeg";
  return "";
}

}  // namespace

MirrorProfile::MirrorProfile(MirrorProfileDeps deps) : d_(std::move(deps)) {}

MirrorProfile::~MirrorProfile() { stop(); }

void MirrorProfile::start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  for (const auto& bridge : d_.config.bridges)
    if (bridge.bluesky && bridge.bluesky->profile == BlueskySide::Profile::sync)
      states_[bridge.name] = State{Clock::now(), {}, {}};
  if (states_.empty()) {
    running_ = false;
    return;
  }
  thread_ = std::thread([this] { run(); });
}

void MirrorProfile::stop() {
  {
    std::lock_guard lock(mu_);
    running_ = false;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MirrorProfile::actor_updated(const std::string& actor_id) {
  bool any = false;
  {
    std::lock_guard lock(mu_);
    for (auto& [name, state] : states_)
      if (state.group_id == actor_id) {
        state.due = Clock::now();
        any = true;
      }
  }
  if (any) wake_.notify_all();
}

void MirrorProfile::run() {
  std::unique_lock lock(mu_);
  while (running_) {
    auto now = Clock::now();
    auto next = now + d_.recheck;
    std::string due;
    for (const auto& [name, state] : states_) {
      if (state.due <= now) {
        due = name;
        break;
      }
      next = std::min(next, state.due);
    }
    if (due.empty()) {
      wake_.wait_until(lock, next);
      continue;
    }
    lock.unlock();
    const BridgeConfig* bridge = nullptr;
    for (const auto& b : d_.config.bridges)
      if (b.name == due) bridge = &b;
    Result<std::string> done = make_error("the bridge is gone from the config");
    try {
      if (bridge) done = sync(*bridge);
    } catch (const std::exception& e) {  // a sync must never take the daemon down
      done = make_error(std::string("unexpected error: ") + e.what());
    }
    lock.lock();
    State& state = states_[due];
    if (done) {
      state.backoff = {};
      state.due = Clock::now() + d_.recheck;
    } else {
      state.backoff = state.backoff.count() == 0 ? d_.retry_first : std::min(state.backoff * 2, d_.retry_max);
      state.due = Clock::now() + state.backoff;
      spdlog::warn("bridge {}: mirror account profile: {}; trying again in {}s", due, done.error(),
                   std::chrono::duration_cast<std::chrono::seconds>(state.backoff).count());
    }
  }
}

Result<std::string> MirrorProfile::sync(const BridgeConfig& bridge) {
  if (!bridge.bluesky || bridge.bluesky->profile != BlueskySide::Profile::sync)
    return std::string("left alone (bluesky.profile: manual)");
  auto group = d_.group_profile(bridge);
  if (!group) return make_error("reading the group's profile: " + group.error());
  {
    std::lock_guard lock(mu_);
    if (auto it = states_.find(bridge.name); it != states_.end()) it->second.group_id = group->id;
  }
  std::string error;
  atproto::XrpcClient* client = d_.client(bridge, error);
  if (!client) return make_error(error);
  json current;
  if (auto got = client->get_record(atproto::kProfileCollection, atproto::kProfileRkey)) current = got->value;
  else if (got.error().kind != atproto::XrpcError::Kind::not_found) return make_error(got.error().describe());

  atproto::GroupProfileFields fields{group->name, group->summary, group->url, std::nullopt};
  std::string avatar_problem;
  if (!group->avatar_url.empty()) {
    if (auto blob = avatar_blob(*client, group->avatar_url, current)) {
      fields.avatar = *blob;
    } else {
      // Keep the avatar the account has rather than blank it for a passing failure.
      avatar_problem = blob.error();
      if (current.is_object() && current.contains("avatar")) fields.avatar = current["avatar"];
    }
  }
  json record = atproto::profile_record(fields, current);
  std::string outcome = "unchanged";
  if (record != current) {
    auto put = client->put_record(atproto::kProfileCollection, atproto::kProfileRkey, record);
    if (!put) return make_error(put.error().describe());
    outcome = "written";
    spdlog::info("bridge {}: mirror account profile written from {} ({})", bridge.name, group->id, put->uri);
  } else {
    spdlog::debug("bridge {}: mirror account profile already shows {}", bridge.name, group->id);
  }
  if (!avatar_problem.empty()) return make_error("avatar " + group->avatar_url + ": " + avatar_problem);
  return outcome;
}

Result<json> MirrorProfile::avatar_blob(atproto::XrpcClient& client, const std::string& url, const json& current) {
  HttpRequest request{"GET", url, {{"Accept", "image/png, image/jpeg"}}, ""};
  FetchResult r = d_.http.fetch(request, FetchLimits{kMaxAvatarBytes, std::chrono::seconds(30), 5});
  if (!r.ok()) return make_error(r.message);
  if (r.response.status != 200) return make_error("HTTP " + std::to_string(r.response.status));
  std::string type = image_type(r.response.body);
  if (type.empty()) return make_error("not a PNG or JPEG image (Bluesky takes only those)");
  std::string cid = atproto::Cid::compute(atproto::kCodecRaw, r.response.body).to_string();
  if (cid == atproto::avatar_cid(current)) return current["avatar"];
  auto uploaded = client.upload_blob(r.response.body, type);
  if (!uploaded) return make_error(uploaded.error().describe());
  return *uploaded;
}

}  // namespace causeway
