// Where each bridge's list of approved Bluesky accounts lives on Bluesky (members.bluesky_posting:
// approved): the at-uri of the mirror account's app.bsky.graph.list, once made. In the `social`
// family under "bsky/approved-list/<bridge>"; this file is the one owner of that key.
// Reads from the store, writes into a batch (with the job that made the list); thread-safe as the
// store is.
#pragma once

#include <optional>
#include <string>

#include "storage/store.h"

namespace causeway {

class ApprovedList {
 public:
  explicit ApprovedList(Store& store) : store_(store) {}

  // The list's at-uri, or nullopt while none was made (or the store cannot be read: the writer
  // then makes it again, under the same record key, which changes nothing).
  std::optional<std::string> uri(const std::string& bridge) const;
  void set_uri(WriteBatch& batch, const std::string& bridge, const std::string& at_uri) const;

 private:
  Store& store_;
};

}  // namespace causeway
