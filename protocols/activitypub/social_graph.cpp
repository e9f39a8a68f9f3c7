#include "protocols/activitypub/social_graph.h"

#include <nlohmann/json.hpp>

namespace causeway::activitypub {
namespace {

using nlohmann::json;

// Keys: "f/<local>\x1f<actor>" followers, "p/..." held requests, "g/..." followed targets. The
// separator cannot appear in a URL, so one local key's entries never run into another's.
std::string key(char kind, const std::string& local_key, const std::string& actor = "") {
  return std::string(1, kind) + "/" + local_key + '\x1f' + actor;
}

std::string encode(const Follower& f) {
  return json{{"actor", f.actor}, {"inbox", f.inbox}, {"shared_inbox", f.shared_inbox}, {"follow", f.follow_id},
              {"since_us", f.since_us}}
      .dump();
}

std::optional<Follower> decode_follower(std::string_view bytes) {
  json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  return Follower{j.value("actor", ""), j.value("inbox", ""), j.value("shared_inbox", ""), j.value("follow", ""),
                  j.value("since_us", std::int64_t{0})};
}

}  // namespace

void SocialGraph::add_follower(WriteBatch& batch, const std::string& local_key, const Follower& follower) {
  batch.put(Family::social, key('f', local_key, follower.actor), encode(follower));
  batch.remove(Family::social, key('p', local_key, follower.actor));
}

void SocialGraph::remove_follower(WriteBatch& batch, const std::string& local_key, const std::string& actor) {
  batch.remove(Family::social, key('f', local_key, actor));
  batch.remove(Family::social, key('p', local_key, actor));
}

void SocialGraph::hold_request(WriteBatch& batch, const std::string& local_key, const Follower& request) {
  batch.put(Family::social, key('p', local_key, request.actor), encode(request));
}

void SocialGraph::drop_request(WriteBatch& batch, const std::string& local_key, const std::string& actor) {
  batch.remove(Family::social, key('p', local_key, actor));
}

Result<std::vector<Follower>> SocialGraph::list(const std::string& prefix) const {
  std::vector<Follower> out;
  Status s = store_.scan(Family::social, prefix, [&](std::string_view, std::string_view value) {
    if (auto f = decode_follower(value)) out.push_back(std::move(*f));
    return true;
  });
  if (!s.ok()) return Error{s.error()};
  return out;
}

Result<std::vector<Follower>> SocialGraph::followers(const std::string& local_key) const {
  return list(key('f', local_key));
}

Result<std::vector<Follower>> SocialGraph::pending_requests(const std::string& local_key) const {
  return list(key('p', local_key));
}

Result<std::optional<Follower>> SocialGraph::pending_request(const std::string& local_key, const std::string& actor) const {
  auto v = store_.get(Family::social, key('p', local_key, actor));
  if (!v) return Error{v.error()};
  if (!v->has_value()) return std::optional<Follower>();
  return decode_follower(**v);
}

bool SocialGraph::is_follower(const std::string& local_key, const std::string& actor) const {
  auto v = store_.get(Family::social, key('f', local_key, actor));
  return v.ok() && v->has_value();
}

void SocialGraph::set_following(WriteBatch& batch, const std::string& local_key, const Following& f) {
  batch.put(Family::social, key('g', local_key, f.target),
            json{{"target", f.target}, {"follow", f.follow_id}, {"state", f.state}, {"since_us", f.since_us}}.dump());
}

Result<std::optional<Following>> SocialGraph::following(const std::string& local_key, const std::string& target) const {
  auto v = store_.get(Family::social, key('g', local_key, target));
  if (!v) return Error{v.error()};
  if (!v->has_value()) return std::optional<Following>();
  json j = json::parse(**v, nullptr, false);
  if (!j.is_object()) return make_error("stored follow of " + target + " is damaged");
  return std::optional<Following>(
      Following{j.value("target", ""), j.value("follow", ""), j.value("state", ""), j.value("since_us", std::int64_t{0})});
}

Result<std::vector<Following>> SocialGraph::all_following(const std::string& local_key) const {
  std::vector<Following> out;
  Status s = store_.scan(Family::social, key('g', local_key), [&](std::string_view, std::string_view value) {
    json j = json::parse(value.begin(), value.end(), nullptr, false);
    if (j.is_object())
      out.push_back({j.value("target", ""), j.value("follow", ""), j.value("state", ""), j.value("since_us", std::int64_t{0})});
    return true;
  });
  if (!s.ok()) return Error{s.error()};
  return out;
}

void SocialGraph::set_blocked_by(WriteBatch& batch, const std::string& remote, const std::string& local_key,
                                 bool blocked) {
  std::string key = "blocked-by/" + remote + "\n" + local_key;
  if (blocked) batch.put(Family::social, key, "1");
  else batch.remove(Family::social, key);
}

bool SocialGraph::is_blocked_by(const std::string& remote, const std::string& local_key) const {
  auto v = store_.get(Family::social, "blocked-by/" + remote + "\n" + local_key);
  return v.ok() && v->has_value();
}

}  // namespace causeway::activitypub
