// Remote fediverse actors for benchmarks: an httplib server on loopback serving the actor
// documents (with their RSA keys) of a few actors, and inbox POSTs signed by them ahead of time
// (draft-cavage rsa-sha256), so the receiver's key fetches and signature checks are real.
#pragma once

#include <httplib.h>

#include <string>
#include <thread>
#include <vector>

#include "protocols/activitypub/public_key.h"

namespace causeway::testing {

struct SignedPost {
  httplib::Headers headers;  // Signature, Date, Digest (Host and Content-Type are set by the client)
  std::string body;
};

class SignedActors {
 public:
  explicit SignedActors(int actors);  // serves /users/a0 .. /users/a<N-1>
  ~SignedActors();
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // `count` distinct Likes of `object` for POST `path` on 127.0.0.1:`port`, ids tagged `tag`,
  // signed by the actors in turn. With `key_origin`, the signatures name actors and keys on that
  // origin instead (a host that may never answer), signed with these actors' keys.
  std::vector<SignedPost> sign(int port, const std::string& path, const std::string& object, int count,
                               const std::string& tag, const std::string& key_origin = "") const;

 private:
  std::vector<activitypub::PrivateKey> keys_;
  httplib::Server server_;
  int port_;
  std::thread thread_;
};

}  // namespace causeway::testing
