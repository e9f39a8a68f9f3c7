// The actors causeway itself hosts on the fediverse and where they live:
//   service actor  /ap/bridge          (Application, @bridge@host) follows remote groups
//   hosted group   /ap/group/<name>    (Group, FEP-1b12)
//   bridged person /ap/<did>           (Person, one per Bluesky user who interacts; added later)
// with inbox, outbox, followers and following under each, and one shared inbox /ap/inbox.
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <optional>
#include <string>
#include <vector>

#include "bridge/base/url.h"

namespace causeway::activitypub {

struct LocalActor {
  enum class Kind { service, group, person };
  Kind kind = Kind::service;
  std::string key;       // stable storage key: "bridge", "group/<name>", "<did>"
  std::string username;  // preferredUsername, the name in @name@host
  std::string display_name;
  std::string summary;
  std::string icon_url;
  bool manually_approves_followers = false;
  std::string bridge;  // the bridge a group belongs to
};

// The key of the group hosted here as `name` ("group/<name>"): the one place that spells it.
inline std::string group_key(const std::string& name) { return "group/" + name; }

class LocalActors {
 public:
  explicit LocalActors(const Url& public_url);

  // Adds or replaces an actor. Thread-safe; pointers handed out before stay valid (a replaced
  // actor is kept, unchanged, for readers that still hold it).
  void add(LocalActor actor);
  const LocalActor* by_username(const std::string& username) const;
  const LocalActor* by_key(const std::string& key) const;
  // The local actor whose id (or a sub-URL of it: inbox, followers ...) is `url`.
  const LocalActor* by_url(const std::string& url) const;
  const LocalActor& service() const { return *by_key("bridge"); }
  std::vector<const LocalActor*> all() const;

  std::string origin() const { return origin_; }
  std::string host() const { return host_; }  // with port when not default: acct: uses it
  std::string id(const LocalActor& a) const { return origin_ + "/ap/" + a.key; }
  std::string inbox(const LocalActor& a) const { return id(a) + "/inbox"; }
  std::string outbox(const LocalActor& a) const { return id(a) + "/outbox"; }
  std::string followers(const LocalActor& a) const { return id(a) + "/followers"; }
  std::string following(const LocalActor& a) const { return id(a) + "/following"; }
  std::string key_id(const LocalActor& a) const { return id(a) + "#main-key"; }
  std::string shared_inbox() const { return origin_ + "/ap/inbox"; }

 private:
  std::string origin_;
  std::string host_;
  std::unique_ptr<std::shared_mutex> mu_ = std::make_unique<std::shared_mutex>();  // a pointer, so LocalActors moves
  std::map<std::string, std::unique_ptr<LocalActor>> by_key_;
  std::vector<std::unique_ptr<LocalActor>> replaced_;
};

}  // namespace causeway::activitypub
