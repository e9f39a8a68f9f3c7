// A real Bluesky PDS with its own PLC directory (tests/peers/pds-peer.mjs on Node 22), started on
// free loopback ports for one test and driven over plain XRPC. Installed by tests/peers/install.sh.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace causeway::testing {

struct PdsAccount {
  std::string handle;  // "<name>.test"
  std::string did;
  std::string password;      // the account password
  std::string access_jwt;    // a full-access session, for what app passwords may not do
  std::string app_password;  // what causeway is configured with
};

class PdsPeer {
 public:
  // Starts the peer (with the PDS's rate limits on if asked) and waits until both the PDS and the
  // PLC directory answer; throws with the peer's log if they do not.
  explicit PdsPeer(bool rate_limits = false);
  ~PdsPeer();

  // The PDS and PLC URLs use the name "localhost", as the PDS writes them into DID documents.
  std::string url() const { return "http://localhost:" + std::to_string(port_); }
  std::string plc_url() const { return "http://localhost:" + std::to_string(plc_port_); }

  // com.atproto.server.createAccount for "<name>.test", then createAppPassword.
  PdsAccount create_account(const std::string& name) const;

  // Plain XRPC calls (no causeway code in between); throw unless HTTP 200.
  nlohmann::json post(const std::string& nsid, const nlohmann::json& body, const std::string& bearer = "") const;
  nlohmann::json get(const std::string& nsid, const std::string& query, const std::string& bearer = "") const;

  std::string log() const;

  // Stops the PDS (SIGTERM) and starts it again on the same ports with the same data, as an
  // operator's restart would: accounts, DIDs and the firehose sequence survive.
  void restart();

 private:
  void start();

  TempDir logs_;
  TempDir data_;
  bool rate_limits_;
  int port_;
  int plc_port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace causeway::testing
