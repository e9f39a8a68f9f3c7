// Bridged actors: one fediverse Person per Bluesky account that interacts with a bridge
// (`@<handle>@<host>`, id `<origin>/ap/<did>`), created on demand from the account's DID document
// and `app.bsky.actor.profile`, kept in the `local` family ("person/<did>") so they survive
// restarts, and refreshed when older than a day. Their keys are made on first use (ActorKeys).
#pragma once

#include <functional>
#include <string>

#include "bridge/base/result.h"
#include "protocols/activitypub/local_actors.h"
#include "protocols/atproto/identity_resolver.h"
#include "protocols/net/http_client.h"
#include "storage/store.h"

namespace causeway {

class BridgedActors {
 public:
  BridgedActors(Store& store, activitypub::LocalActors& actors, atproto::IdentityResolver& identities,
                const HttpClient& http, std::function<std::int64_t()> clock);

  // Adds the stored bridged actors to `actors` (at start).
  Status load();
  // The bridged actor of `did`, made or refreshed as needed.
  Result<const activitypub::LocalActor*> ensure(const std::string& did);
  // Where the account's blobs are served (its PDS), for image URLs; "" when unknown.
  std::string blob_url(const std::string& did, const std::string& cid);

 private:
  Store& store_;
  activitypub::LocalActors& actors_;
  atproto::IdentityResolver& identities_;
  const HttpClient& http_;
  std::function<std::int64_t()> clock_;
};

}  // namespace causeway
