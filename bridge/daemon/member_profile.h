// What the fediverse side tells the Bluesky writer about a group member, for the attribution line.
#pragma once

#include <string>

namespace causeway {

struct MemberProfile {
  std::string name;    // display name ("" when none)
  std::string handle;  // "user@host"
  std::string url;     // profile page
};

}  // namespace causeway
