// A real Fedify server (tests/peers/fedify-peer.mjs on Node 22) started on 127.0.0.1 for one test,
// driven through its control API. Installed by tests/peers/install.sh.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace causeway::testing {

class FedifyPeer {
 public:
  // Starts the peer and waits until it answers; throws with the peer's log if not. `options` go to
  // fedify-peer.mjs as they are (e.g. {"--shared-inbox"}).
  explicit FedifyPeer(const std::vector<std::string>& options = {});
  ~FedifyPeer();

  int port() const { return port_; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }

  nlohmann::json get(const std::string& path) const;
  nlohmann::json post(const std::string& path, const nlohmann::json& body) const;

  // Creates (or returns) the actor `name`; the result has id, handle, inbox.
  nlohmann::json actor(const std::string& name) const { return post("/control/actors", {{"name", name}}); }
  nlohmann::json received(const std::string& name) const { return get("/control/received?actor=" + name); }

  // POST /control/post as `actor`; `fields` adds to, cc, mentions, inReplyTo, title, audience, webUrl,
  // ... (README.md beside fedify-peer.mjs). Returns {note, url, activity, delivered_to, skipped}.
  nlohmann::json note(const std::string& actor, const std::string& content,
                      const nlohmann::json& fields = nlohmann::json::object()) const;
  // A post into a Lemmy-style community: a Page named `title`, to [community, Public], audience the
  // community (fields may add more, e.g. inReplyTo).
  nlohmann::json community_post(const std::string& actor, const std::string& community, const std::string& title,
                                const std::string& content, const nlohmann::json& fields = nlohmann::json::object()) const;
  // Like (or Dislike) of `object`, sent to the actors in `to`; unlike sends Undo(Like) to the same inboxes.
  nlohmann::json like(const std::string& actor, const std::string& object, const std::vector<std::string>& to,
                      bool dislike = false) const;
  nlohmann::json unlike(const std::string& actor, const std::string& object) const;
  // Account deletion: Delete(actor) to every inbox the actor delivered to; its document then answers 410.
  nlohmann::json delete_actor(const std::string& actor) const { return post("/control/delete-actor", {{"actor", actor}}); }

  // Groups (group-modes.mjs): kind "lemmy" (a Lemmy 0.19 community), "boostbot" (a Mastodon account
  // that boosts what mentions it) or "friendica" (a Friendica forum). `fields` adds actorType,
  // displayName, summary, announceBy. Returns {id, handle, inbox, outbox, followers, kind, locked,
  // moderator}; idempotent.
  nlohmann::json create_group(const std::string& name, const std::string& kind, bool locked = false,
                              const nlohmann::json& fields = nlohmann::json::object()) const;
  // Follows a locked group holds: [{actor, activity}].
  nlohmann::json group_requests(const std::string& group) const { return get("/control/group-requests?group=" + group); }
  nlohmann::json group_approve(const std::string& group, const std::string& actor) const {
    return post("/control/group-approve", {{"group", group}, {"actor", actor}});
  }
  nlohmann::json group_reject(const std::string& group, const std::string& actor) const {
    return post("/control/group-reject", {{"group", group}, {"actor", actor}});
  }
  // Lemmy moderator actions: action "remove" (`target` a post or comment URL) or "ban" (`target` a person URL).
  nlohmann::json group_moderate(const std::string& group, const std::string& action, const std::string& target,
                                const std::string& reason = "") const;
  // Every post and comment the group knows: [{id, type, actor, name, content, inReplyTo, audience,
  // mentions, removed, deleted, announced, likes, dislikes, received_at, updated_at}].
  nlohmann::json group_thread(const std::string& group) const { return get("/control/group-thread?group=" + group); }
  // What the group took (HTTP 202) but did not act on: [{id, type, actor, reason, received_at}].
  nlohmann::json group_refused(const std::string& group) const { return get("/control/group-refused?group=" + group); }

  std::string log() const;

 private:
  TempDir logs_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace causeway::testing
