// An XRPC client acting as one Bluesky account on one PDS (XRPC spec; com.atproto.server.*,
// com.atproto.repo.*, com.atproto.sync.getBlob).
//
// The session (access and refresh JWTs) is sealed with the secret vault into the `local` family and
// reused across restarts: the client logs in only when it has no session or cannot renew it, since
// Bluesky allows 30 logins per 5 minutes and 300 a day. The access token is refreshed shortly
// before its `exp`, or when a call answers `ExpiredToken`. Every request goes through the HTTP
// client's outbound guard with a time limit and a response size limit (JSON 5 MB, blobs 50 MB),
// and through the account's RateLimiter: calls wait (through the injected sleep) for the server's
// rate-limit windows and for the write budget, up to `max_rate_limit_wait` per call, then fail as
// rate_limited. Tokens and the app password are never logged.
//
// Thread-safe: several delivery workers may share one client; only one of them renews a session.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bridge/base/at_uri.h"
#include "protocols/atproto/rate_limiter.h"
#include "protocols/atproto/xrpc_error.h"
#include "protocols/net/http_client.h"
#include "storage/secret_vault.h"
#include "storage/store.h"

namespace causeway::atproto {

struct XrpcOptions {
  std::chrono::milliseconds request_timeout{30'000};
  std::chrono::milliseconds blob_timeout{300'000};  // uploadBlob and getBlob, up to 50 MB
  std::size_t max_json_bytes = 5u << 20;
  std::size_t max_blob_bytes = 50u << 20;
  // The longest one call waits in all for rate limits (server windows, 429s, the write budget).
  std::chrono::seconds max_rate_limit_wait{300};
  // Refresh the access token when it has less than this left.
  std::chrono::seconds refresh_margin{120};
  WriteBudgetLimits write_budget;
};


struct Record {
  std::string uri;
  std::string cid;  // empty when the server did not say
  nlohmann::json value;
};

struct RecordPage {
  std::vector<Record> records;
  std::optional<std::string> cursor;  // absent on the last page
};

class XrpcClient {
 public:
  using Clock = std::function<std::int64_t()>;  // microseconds since the Unix epoch
  using Sleep = std::function<void(std::chrono::microseconds)>;
  using Params = std::vector<std::pair<std::string, std::string>>;

  // `pds_url` is the PDS's origin (http or https), e.g. "https://bsky.social". The references
  // must outlive the client.
  XrpcClient(std::string pds_url, const HttpClient& http, Store& store, const SecretVault& vault, Clock clock,
             Sleep sleep, XrpcOptions options = {});

  // Takes the stored session for `identifier` (handle, DID or email) when there is one, else calls
  // createSession and stores the new session. The password is kept in memory to log in again
  // when a session cannot be refreshed.
  XrpcStatus login(const std::string& identifier, const std::string& app_password);
  // The account's DID and handle once logged in.
  std::optional<std::string> did() const;
  std::optional<std::string> handle() const;

  // A query (GET) or procedure (POST, JSON in and out) by NSID; authenticated once logged in.
  XrpcResult<nlohmann::json> query(const std::string& nsid, const Params& params = {});
  XrpcResult<nlohmann::json> procedure(const std::string& nsid, const nlohmann::json& body);

  // Writes to the account's own repo. With an explicit `rkey` a retried create collides instead of
  // duplicating: when the key already holds exactly this record (same CID), the create succeeds;
  // when it holds another record, the error is `conflict`.
  XrpcResult<StrongRef> create_record(const std::string& collection, const nlohmann::json& record,
                                      const std::optional<std::string>& rkey = std::nullopt);
  XrpcResult<StrongRef> put_record(const std::string& collection, const std::string& rkey,
                                   const nlohmann::json& record);
  XrpcStatus delete_record(const std::string& collection, const std::string& rkey);

  // Reads; `repo` defaults to the account's own DID.
  XrpcResult<Record> get_record(const std::string& collection, const std::string& rkey,
                                const std::optional<std::string>& repo = std::nullopt);
  XrpcResult<RecordPage> list_records(const std::string& collection, int limit = 50,
                                      const std::optional<std::string>& cursor = std::nullopt,
                                      const std::optional<std::string>& repo = std::nullopt);
  XrpcResult<nlohmann::json> describe_repo(const std::optional<std::string>& repo = std::nullopt);

  // Returns the blob ref to embed: {"$type":"blob","ref":{"$link":cid},"mimeType","size"}.
  XrpcResult<nlohmann::json> upload_blob(const std::string& bytes, const std::string& mime_type);
  // com.atproto.sync.getBlob on this PDS.
  XrpcResult<std::string> get_blob(const std::string& did, const std::string& cid);

 private:
  struct Session {
    std::string access_jwt;
    std::string refresh_jwt;
    std::string did;
    std::string handle;
    std::int64_t access_exp_us = 0;  // from the JWTs' `exp`; 0 when unreadable
    std::int64_t refresh_exp_us = 0;
  };
  struct Call {
    std::string nsid;
    bool procedure = false;
    Params params;
    std::string body;
    std::string content_type = "application/json";
    bool blob = false;  // blob size and time limits instead of JSON's
    int points = 0;     // what the call costs of the write budget
    // With the session's access token (renewed as needed) once logged in; otherwise with `bearer`.
    bool session_auth = true;
    std::optional<std::string> bearer;
  };

  XrpcResult<HttpResponse> call(const Call& call);
  XrpcResult<nlohmann::json> call_json(const Call& call);
  XrpcResult<HttpResponse> send(const Call& call, const std::optional<std::string>& bearer);
  // Sleeps until `until_us` (logging `reason`) unless that takes the call's waits past
  // max_rate_limit_wait; then returns `cause` as a rate_limited error.
  std::optional<XrpcError> wait_until(std::int64_t until_us, std::int64_t& waited_us, XrpcError cause,
                                      const std::string& reason);

  // The access token to send (none when not logged in). Refreshes the session first when the
  // token is about to expire, or when `rejected` is the token in use and the PDS refused it; logs
  // in again when the PDS refuses the refresh.
  XrpcResult<std::optional<std::string>> access_token(const std::optional<std::string>& rejected);
  XrpcStatus login_locked();
  XrpcStatus refresh_locked();
  // Takes the session in a createSession or refreshSession answer and stores it sealed.
  XrpcStatus adopt_locked(const std::string& nsid, const nlohmann::json& answer);
  std::string session_key() const;
  XrpcResult<std::string> own_did(const std::string& nsid) const;

  std::string pds_url_;
  std::string pds_origin_;  // scheme://host[:port], the only place the tokens are sent
  const HttpClient& http_;
  Store& store_;
  const SecretVault& vault_;
  Clock clock_;
  Sleep sleep_;
  XrpcOptions options_;
  RateLimiter limiter_;

  mutable std::mutex session_mu_;  // held while a session is created or refreshed
  std::string identifier_;
  std::string app_password_;
  std::optional<Session> session_;
};

}  // namespace causeway::atproto
