// The conversions `causeway convert` shows, as plain functions: an ActivityPub activity or object
// to the Bluesky records a mirror account would write, and a Bluesky post record to the Note and
// activity the bridge would send. They join the two adapters' pure converters with a bridge's
// options and nothing else (no store or clock, and no network but the lookups a setup is given for
// --fetch), so the fuzz targets and the benchmark run exactly what the command runs. Thread-safe
// as the lookups are; never throw.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>
#include <vector>

#include "bridge/base/result.h"
#include "bridge/daemon/image_fetch.h"
#include "bridge/member_profile.h"
#include "config/config.h"

namespace causeway {

inline constexpr int kConvertOk = 0;
inline constexpr int kConvertRefused = 1;

// What `causeway convert --fetch` looks up on the network, as the Bluesky writer would; each unset
// lookup is not made (the preview then has no name for the author and shows images unfetched).
// They must not throw.
struct ConvertLookups {
  std::function<Result<MemberProfile>(const std::string& actor_id)> member_profile;
  std::function<FetchedImage(const Media& image)> image;
};

// What a conversion applies: a configured bridge's options, or the defaults.
struct ConvertSetup {
  const BridgeConfig* bridge = nullptr;          // nullptr: default options
  std::string public_url = "https://bridge.example";  // causeway's own origin (server.public_url)
  std::string group_id;                          // the bridge's group actor, when known
  std::vector<std::string> notes;                // what the setup could not know, shown under "why"
  ConvertLookups lookups;                        // none: no network at all
};

// The setup for `bridge` of `config`: its options, causeway's origin and, for a group hosted here,
// the group's actor id as the daemon serves it. A followed remote group's id is what WebFinger
// answers for its handle, so it is left empty here, with a note saying so.
ConvertSetup convert_setup_for(const Config& config, const BridgeConfig& bridge);

// The conversion itself, shared by the command, the fuzz targets and the benchmark: `input` is
// the JSON text; the result's JSON goes to `out`, a refusal's reason to `reason`. Returns kConvertOk
// or kConvertRefused (refused). Never throws.
int convert_to_bluesky(const std::string& input, const ConvertSetup& setup, std::string& out, std::string& reason);
int convert_to_fediverse(const std::string& input, const ConvertSetup& setup, std::string& out, std::string& reason);
// The same, stopping before the printing: the result as JSON (what the benchmark times, as the
// daemon's writers never print a preview).
int convert_to_bluesky_json(const std::string& input, const ConvertSetup& setup, nlohmann::json& out, std::string& reason);
int convert_to_fediverse_json(const std::string& input, const ConvertSetup& setup, nlohmann::json& out, std::string& reason);

}  // namespace causeway
