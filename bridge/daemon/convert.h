// The conversions `causeway convert` shows, as plain functions: an ActivityPub activity or object
// to the Bluesky records a mirror account would write, and a Bluesky post record to the Note and
// activity the bridge would send. They join the two adapters' pure converters with a bridge's
// options and nothing else (no network, store or clock), so the fuzz targets and the benchmark run
// exactly what the command runs. Thread-safe; never throw.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace causeway {

inline constexpr int kConvertOk = 0;
inline constexpr int kConvertRefused = 1;

// What a conversion applies: a configured bridge's options, or the defaults.
struct ConvertSetup {
  const BridgeConfig* bridge = nullptr;          // nullptr: default options
  std::string public_url = "https://bridge.example";  // causeway's own origin (server.public_url)
  std::string group_id;                          // the bridge's group actor, when known
  std::vector<std::string> notes;                // what the setup could not know, shown under "why"
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

}  // namespace causeway
