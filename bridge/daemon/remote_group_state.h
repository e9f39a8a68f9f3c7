// What `status` and /metrics say of a bridge's followed group: its id, kind, whether it is locked,
// and the state of the bridge's follow of it, read from the store (so it also works on a stopped
// daemon's store). The fediverse service writes these when it resolves the group.
#pragma once

#include <string>

#include "storage/store.h"

namespace causeway {

struct RemoteGroupState {
  std::string id;      // "" while never resolved
  std::string handle;  // "name@host"
  std::string kind;    // community, forum, boost ("" while never resolved)
  bool locked = false;
  std::string follow;  // unresolved, pending, accepted, rejected
};

RemoteGroupState remote_group_state(Store& store, const std::string& bridge);

// The follow state as a number for /metrics: 1 accepted, 0 pending, -1 rejected, -2 unresolved.
double follow_state_value(const std::string& follow);

}  // namespace causeway
