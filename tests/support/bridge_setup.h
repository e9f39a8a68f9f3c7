// Both real peers and causeway bridging them: a PDS (with PLC) holding the mirror account and a
// Bluesky user, a Fedify server with group members, and causeway hosting the group "townhall"
// mirrored to townhall.test. Shared by the end-to-end tests and the latency benchmark.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/causeway_daemon.h"
#include "tests/support/fedify_peer.h"
#include "tests/support/pds_peer.h"

namespace causeway::testing {

inline constexpr const char* kPublic = "https://www.w3.org/ns/activitystreams#Public";

struct BridgeSetup {
  // `bridge_extra` is added to the bridge's YAML map (e.g. "members: { bluesky_posting: approved }").
  // `app_password` overrides the mirror account's real app password (to test a wrong one).
  // `followed`, when given, prepares a group on the Fedify peer before causeway starts and returns
  // its handle ("@news@127.0.0.1:P" or "!news@..."): the bridge then follows that group instead of
  // hosting "townhall", and `group` is the remote group's id (`followed_id`).
  explicit BridgeSetup(const std::string& bridge_extra = "", const std::string& config_extra = "",
                       const std::string& app_password = "",
                       const std::function<std::string(FedifyPeer&, std::string& followed_id)>& followed = {});

  PdsPeer pds;
  PdsAccount mirror, bob;
  FedifyPeer fedify;
  std::unique_ptr<CausewayDaemon> causeway;
  std::string group;  // the hosted group's actor id

  // Makes `name` on the Fedify peer a member of the group (waits for the Accept).
  nlohmann::json join(const std::string& name);
  // A member's public post to the group; `extra` is merged into the control request.
  nlohmann::json post(const std::string& name, const std::string& html, const nlohmann::json& extra = nlohmann::json::object());
  // `causeway why --json ID` once it says the item was bridged (or not), within the timeout.
  nlohmann::json why(const std::string& id) const;
  // The at-uri an AP id was bridged as, waiting for it; "" if it was not.
  std::string bridged_as(const std::string& ap_id) const;
  // The reason given once `why` says "not bridged"; "" if it did not.
  std::string not_bridged_because(const std::string& id) const;
  // A record on the PDS by at-uri; null when it does not exist.
  nlohmann::json record(const std::string& at_uri) const;
  // Bluesky writes as `who` (a full-access session).
  nlohmann::json create(const PdsAccount& who, const std::string& collection, const nlohmann::json& record) const;
  void remove(const PdsAccount& who, const std::string& at_uri) const;
  // Replaces the record at `at_uri` (putRecord), as a client that edits posts does.
  nlohmann::json put(const PdsAccount& who, const std::string& at_uri, const nlohmann::json& record) const;
  // What the Fedify actor `name` received, of `type`, from `actor` ("" = anyone).
  nlohmann::json received(const std::string& name, const std::string& type, const std::string& actor = "") const;
};

// The bytes [start, end) of `text` as a facet's index gives them.
std::string facet_text(const nlohmann::json& record, const nlohmann::json& facet);

}  // namespace causeway::testing
