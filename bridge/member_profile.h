// What the fediverse side tells the Bluesky writers: a group member (for the attribution line), a
// group's own profile (for the mirror account's), and why a followed group's post could not be
// fetched.
#pragma once

#include <string>

namespace causeway {

struct MemberProfile {
  std::string name;    // display name ("" when none)
  std::string handle;  // "user@host"
  std::string url;     // profile page
};

// A group as its fediverse actor presents it.
struct GroupProfile {
  std::string id;          // the Group actor's id
  std::string name;        // display name ("" when none)
  std::string summary;     // plain text
  std::string url;         // the group's page (its `url`, else its id)
  std::string avatar_url;  // its icon, "" when none
};

// Why a post announced by a followed group could not be fetched; `permanent` when asking again
// cannot help (gone, not a post, not its author's).
struct FetchFailure {
  bool permanent = false;
  std::string message;
};

}  // namespace causeway
