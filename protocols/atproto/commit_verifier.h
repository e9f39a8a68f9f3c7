// Checks that a firehose #commit was signed by its repo: the commit block the message names is in
// its CAR, is a commit of that repo at that rev, each op to keep is what the commit's MST says (the
// record's CID at the op's path, or no entry there for a delete: the ops list itself is not
// signed, so a relay could otherwise add ops to a genuine commit), and the signature verifies with
// the `#atproto` key of the repo's DID document. (A sync-1.1 #sync yields no events here, so it is
// not checked.)
//
// Keys come from a lookup (the identity resolver in the daemon) and are kept in memory, so a
// busy repo costs one signature check per commit and no store read. When a signature fails with a
// cached key, the key is looked up afresh once (the repo may have rotated it) and the check is
// retried; a repo is re-resolved at most once per `refresh_interval`, so forged commits cannot make
// the firehose fetch a victim's DID document over and over. A DID whose key cannot be had is not
// asked again for `failure_ttl`. `forget` drops a DID's key (an #identity event says it changed).
//
// Stale while error: when re-resolving a key already in hand fails (its TTL ran out, or a refresh
// after a signature failure), that key is kept and used, and the lookup is tried again after
// `failure_ttl`; a directory outage or a garbled answer must not cut a legitimate repo off while
// the cursor moves past its commits. Only a DID with no key in hand has its commits dropped as
// `key_unavailable`.
//
// Bounded lookups: the lookup runs on the stream's one thread, so each call must be short (the
// daemon's resolves with kStreamKeyLookupTimeout, 3 s per fetch). DIDs with no key in hand are
// looked up only while, over the last minute (sliding window), fewer than
// `max_new_keys_per_minute` were, and those lookups took less than `new_key_time_per_minute` in
// all (by the clock). Beyond that, a commit of such a DID is dropped with reason
// `key_rate_limited`, without a lookup and without caching anything, so the DID is tried again once
// the window has room. A flood of fresh did:web names that hang therefore holds the thread at most
// about new_key_time_per_minute plus one timeout per minute, while a burst of cheap lookups (after
// a restart, served from the resolver's store cache) is not cut short. DIDs whose key is in hand
// (the accounts already seen) are never limited.
//
// Jetstream messages carry no commit, CAR or signature: there is nothing to verify there.
//
// Not thread-safe: one stream consumer owns it and calls it from its thread. The lookup may block
// (a network fetch); it is called without any lock held.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bridge/base/result.h"
#include "protocols/atproto/ecdsa.h"
#include "protocols/atproto/firehose_frame.h"

namespace causeway::atproto {

// The time limit of one key fetch made for the stream (the resolver's own default is longer).
inline constexpr std::chrono::seconds kStreamKeyLookupTimeout{3};

struct CommitVerifierOptions {
  std::chrono::seconds key_ttl = std::chrono::hours(1);
  std::chrono::seconds failure_ttl = std::chrono::minutes(5);
  std::chrono::seconds refresh_interval = std::chrono::minutes(1);
  size_t max_keys = 100'000;  // DIDs whose keys are kept; beyond it one is evicted per new DID
  // Lookups of DIDs with no key in hand per minute, by count and by time taken; beyond either,
  // their commits are key_rate_limited.
  size_t max_new_keys_per_minute = 300;
  std::chrono::seconds new_key_time_per_minute = std::chrono::seconds(15);
};

class CommitVerifier {
 public:
  // The `#atproto` key of `did`'s document; `refresh`: bypass every cache (the key may have changed).
  using KeyLookup = std::function<Result<PublicKey>(const std::string& did, bool refresh)>;
  using Clock = std::function<std::int64_t()>;  // microseconds since the Unix epoch

  enum class Reason {
    missing_commit,
    malformed_commit,
    commit_mismatch,
    op_not_in_commit,
    key_unavailable,
    key_rate_limited,
    bad_signature
  };

  struct Verdict {
    std::optional<Reason> rejected;  // nullopt: the commit is the repo's own
    std::string detail;              // why, for the log (names the commit and the key)
    bool key_refreshed = false;      // the key was looked up afresh during this check
    bool ok() const { return !rejected; }
  };

  CommitVerifier(KeyLookup lookup, Clock clock, CommitVerifierOptions options = {})
      : lookup_(std::move(lookup)), clock_(std::move(clock)), options_(options) {}

  // `ops`: the ops of `commit` whose events would be kept (those are proven against its MST).
  Verdict check(const CommitEvent& commit, const std::vector<const RepoOp*>& ops);

  void forget(const std::string& did) { keys_.erase(did); }

 private:
  struct CachedKey {
    std::optional<PublicKey> key;  // nullopt: never looked up successfully
    std::string failure;           // why the last lookup failed (empty: it succeeded)
    std::int64_t fetched_us = 0;
    std::int64_t refreshed_us = 0;  // when it was last looked up with refresh (0: never)
  };

  // The cached entry of `did`, looked up when absent or expired, or afresh when `refresh`.
  const CachedKey& key_of(const std::string& did, bool refresh, bool& looked_up);
  // Whether a DID with no key in hand may be looked up now (the window's count and time allow it).
  bool admit_new_lookup(std::int64_t now_us);

  KeyLookup lookup_;
  Clock clock_;
  CommitVerifierOptions options_;
  std::unordered_map<std::string, CachedKey> keys_;
  struct NewLookup {
    std::int64_t started_us;
    std::int64_t took_us;
  };
  std::deque<NewLookup> new_lookups_;  // lookups of DIDs with no key in hand, the last minute
};

// The metric label of a rejection reason ("bad_signature", ...).
std::string_view reason_label(CommitVerifier::Reason reason);

}  // namespace causeway::atproto
