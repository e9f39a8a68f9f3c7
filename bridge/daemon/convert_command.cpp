#include "bridge/daemon/convert_command.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bridge/daemon/convert.h"
#include "bridge/daemon/image_fetch.h"
#include "bridge/daemon/remote_actor.h"
#include "bridge/daemon/version.h"
#include "config/config_loader.h"

namespace causeway {
namespace {

using nlohmann::json;
constexpr std::size_t kMaxInputBytes = 1 << 20;  // what the inbox accepts for one activity

}  // namespace

const char* const kConvertUsage =
    "Usage: causeway convert --to bluesky|fediverse [--bridge NAME --config FILE] [--fetch] FILE|-\n"
    "\n"
    "Shows what the bridge would write for a post, without writing anything (and, without\n"
    "--fetch, without any network).\n"
    "  --to bluesky    FILE is an ActivityPub activity or object (JSON); prints the post records\n"
    "                  the mirror account would write (a thread as a list), the images it would\n"
    "                  upload, and under \"why\" what it leaves out or changes.\n"
    "  --to fediverse  FILE is an app.bsky.feed.post record (JSON), optionally wrapped as\n"
    "                  {\"uri\": ..., \"cid\": ..., \"author\": {\"did\": ..., \"handle\": ...}, \"record\": {...}};\n"
    "                  prints the Note and the activity that would be sent.\n"
    "  --bridge NAME --config FILE  apply that bridge's options (attribution, long posts, labels)\n"
    "                  and address the post to its group\n"
    "  --fetch         look up what the writer would, through the outbound guard (private\n"
    "                  addresses only if the config's network.allow_private_addresses): for\n"
    "                  --to bluesky the author's actor (the attribution's name and handle) and\n"
    "                  each image (its size and type, or why it cannot be carried: not fetched,\n"
    "                  over 1 MB); for both, the id of a followed remote group (WebFinger).\n"
    "                  The author of a Bluesky post is not resolved: give its handle in the input.\n"
    "  FILE            the input, or - for standard input\n"
    "\n"
    "Exit codes: 0 converted, 1 refused (the reason is printed), 2 usage error.\n";

int run_convert(const ParsedArgs& args) {
  const std::string& to = *args.option("to");
  if (to != "bluesky" && to != "fediverse") {
    std::cerr << "causeway convert: --to must be bluesky or fediverse, not \"" << to << "\"\n\n" << kConvertUsage;
    return kExitUsage;
  }
  const std::string* bridge_name = args.option("bridge");
  const std::string* config_file = args.option("config");
  if ((bridge_name == nullptr) != (config_file == nullptr)) {
    std::cerr << "causeway convert: --bridge and --config go together\n\n" << kConvertUsage;
    return kExitUsage;
  }
  ConvertSetup setup;
  std::optional<Config> config;
  if (config_file) {
    ConfigLoadResult loaded = load_config(*config_file, std::filesystem::current_path());
    if (!loaded.config) {
      for (const auto& line : loaded.errors) std::cerr << line << '\n';
      return kExitUsage;
    }
    config = std::move(*loaded.config);
    const BridgeConfig* bridge = nullptr;
    for (const auto& b : config->bridges)
      if (b.name == *bridge_name) bridge = &b;
    if (!bridge) {
      std::cerr << "causeway convert: " << *config_file << " has no bridge named \"" << *bridge_name << "\"\n";
      return kExitUsage;
    }
    setup = convert_setup_for(*config, *bridge);
  }
  std::optional<HttpClient> http;
  if (args.option("fetch")) {
    bool allow_private = config && config->allow_private_addresses;
    http.emplace(OutboundPolicy{allow_private}, std::string("causeway/") + kVersion + " convert (+" + setup.public_url + ")");
    const HttpClient* client = &*http;
    setup.lookups.member_profile = [client](const std::string& actor_id) -> Result<MemberProfile> {
      auto doc = fetch_actor_document(*client, actor_id);
      if (!doc) return Error{doc.error()};
      return member_profile_of(*doc, actor_id);
    };
    setup.lookups.image = [client](const Media& image) { return fetch_image(*client, image); };
    if (setup.bridge && setup.bridge->fediverse.group && setup.group_id.empty()) {
      const std::string& handle = *setup.bridge->fediverse.group;  // "@name@host"
      setup.notes.clear();
      if (auto group = webfinger_actor(*client, handle.substr(1), allow_private)) setup.group_id = *group;
      else setup.notes.push_back("the group " + handle + " could not be resolved (" + group.error() + "): the post is not addressed to it");
    }
  }
  const std::string& file = args.positional[0];
  std::string input;
  if (file == "-") {
    input.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "causeway convert: cannot read " << file << "\n";
      return kExitUsage;
    }
    input.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string out, reason;
  int code = input.size() > kMaxInputBytes ? (reason = "the input is over 1 MiB", kExitFailed)
             : to == "bluesky"            ? convert_to_bluesky(input, setup, out, reason)
                                          : convert_to_fediverse(input, setup, out, reason);
  if (code != kExitOk) {
    std::cout << json{{"refused", reason}}.dump(2) << '\n';
    std::cerr << "causeway convert: refused: " << reason << '\n';
    return code;
  }
  std::cout << out << '\n';
  return kExitOk;
}

}  // namespace causeway
