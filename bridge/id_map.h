// Which object on one network is the copy of which on the other (the `idmap` family), written in
// the same batch as the delivery job's completion so a copy is never made twice or forgotten:
//   "ap/<ActivityPub id>" -> the Bluesky records that carry it (a long post is several) and the
//                            thread root they hang in
//   "at/<at-uri>"         -> the ActivityPub id of its counterpart
//   "post-by/<bridge>\n<actor>\n<ActivityPub id>" -> "": a fediverse post of that actor mirrored
//                            on that bridge, so the deletion of the account finds every copy
//   "reply-by/<bridge>\n<did>\n<at-uri>" -> the ActivityPub id: a Bluesky reply (or mention) of
//                            that account brought over, so an operator's deny finds them all
// Both directions are kept for copies made either way, so replies on either side thread onto the
// right parent whoever wrote it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bridge/base/at_uri.h"
#include "bridge/base/result.h"
#include "storage/store.h"

namespace causeway {

// What the AP id of a mapping is: a fediverse post mirrored to Bluesky, or a Bluesky post, like,
// repost or follow brought over. Stored by name ("post", "reply", ...).
enum class CopyKind { post, reply, like, repost, follow };

struct BlueskyCopy {
  std::string bridge;
  std::vector<StrongRef> records;  // the head first; more when a long post became a thread
  StrongRef root;                  // the root of the thread the head is in (the head itself for a new post)
  StrongRef parent;                // what the head replies to (empty for a new post)
  std::string author;              // the ActivityPub actor of the AP side (where replies and likes go)
  CopyKind kind = CopyKind::post;
};

class IdMap {
 public:
  explicit IdMap(Store& store) : store_(store) {}

  // Maps `ap_id` to `copy` and every record of the copy back to `ap_id`.
  void link(WriteBatch& batch, const std::string& ap_id, const BlueskyCopy& copy) const;
  // Forgets both directions (after a delete went through).
  void unlink(WriteBatch& batch, const std::string& ap_id, const BlueskyCopy& copy) const;

  Result<std::optional<BlueskyCopy>> bluesky_copy(const std::string& ap_id) const;
  Result<std::optional<std::string>> ap_id(const std::string& at_uri) const;
  // The at-uris of up to `max` Bluesky replies (and mentions) by `did` brought over on `bridge`
  // and not deleted since, oldest key first (those brought over before this index existed are
  // not among them).
  Result<std::vector<std::string>> replies_by(const std::string& bridge, const std::string& did, std::size_t max) const;
  // The ActivityPub ids of up to `max` fediverse posts by `actor` mirrored to Bluesky on `bridge`,
  // not deleted since (those mirrored before this index existed are not among them).
  Result<std::vector<std::string>> posts_by(const std::string& bridge, const std::string& actor, std::size_t max) const;

 private:
  // The rest of up to `max` keys starting with `prefix`, in key order.
  Result<std::vector<std::string>> keys_under(const std::string& prefix, std::size_t max) const;
  Store& store_;
};

}  // namespace causeway
