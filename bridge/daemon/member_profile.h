// What the fediverse side tells the Bluesky writer: a group member (for the attribution line), and
// why a followed group's post could not be fetched.
#pragma once

#include <string>

namespace causeway {

struct MemberProfile {
  std::string name;    // display name ("" when none)
  std::string handle;  // "user@host"
  std::string url;     // profile page
};

// Why a post announced by a followed group could not be fetched; `permanent` when asking again
// cannot help (gone, not a post, not its author's).
struct FetchFailure {
  bool permanent = false;
  std::string message;
};

}  // namespace causeway
