#include "protocols/atproto/xrpc_client.h"

#include <spdlog/spdlog.h>

#include "bridge/base/base64.h"
#include "bridge/base/url.h"
#include "protocols/atproto/cid.h"
#include "protocols/atproto/dag_cbor.h"

namespace causeway::atproto {
namespace {

using nlohmann::json;

constexpr std::int64_t kSecond = 1'000'000;

std::chrono::seconds seconds_ceil(std::int64_t us) {
  return std::chrono::seconds((std::max<std::int64_t>(us, 0) + kSecond - 1) / kSecond);
}

// A JWT's `exp` in microseconds (0 when unreadable). The signature is the PDS's business: the token
// is only read to know when to refresh it.
std::int64_t jwt_expiry_us(const std::string& jwt) {
  auto first = jwt.find('.');
  auto second = first == std::string::npos ? first : jwt.find('.', first + 1);
  if (second == std::string::npos) return 0;
  std::string payload = jwt.substr(first + 1, second - first - 1);
  for (char& c : payload) c = c == '-' ? '+' : c == '_' ? '/' : c;
  auto decoded = base64_decode(payload);
  if (!decoded) return 0;
  json claims = json::parse(*decoded, nullptr, false);
  if (!claims.is_object() || !claims.contains("exp") || !claims["exp"].is_number_integer()) return 0;
  return claims["exp"].get<std::int64_t>() * kSecond;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

XrpcError::Kind kind_for(int status, const std::string& error) {
  if (status == 429) return XrpcError::Kind::rate_limited;
  if (status == 401 || status == 403 || error == "ExpiredToken" || error == "InvalidToken" ||
      error == "AuthenticationRequired" || error == "AccountTakedown")
    return XrpcError::Kind::auth;
  if (status == 404 || ends_with(error, "NotFound")) return XrpcError::Kind::not_found;
  if (status >= 400 && status < 500) return XrpcError::Kind::invalid;
  return XrpcError::Kind::server;
}

XrpcError error_from_response(const std::string& nsid, const HttpResponse& response) {
  XrpcError e;
  e.nsid = nsid;
  e.http_status = response.status;
  json body = json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    e.error = body["error"].get<std::string>();
    if (body.contains("message") && body["message"].is_string()) e.message = body["message"].get<std::string>();
  } else {
    std::string type = response.header("content-type");
    e.detail = "the answer is not an XRPC error (" + (type.empty() ? "no content type" : type) + ", " +
               std::to_string(response.body.size()) + " bytes)";
  }
  e.kind = kind_for(e.http_status, e.error);
  return e;
}

XrpcError local_error(XrpcError::Kind kind, const std::string& nsid, std::string detail) {
  XrpcError e;
  e.kind = kind;
  e.nsid = nsid;
  e.detail = std::move(detail);
  return e;
}

bool is_stale_token(const HttpResponse& response) {
  json body = json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_string()) return false;
  const auto& error = body["error"].get_ref<const std::string&>();
  return error == "ExpiredToken" || error == "InvalidToken";
}

std::string string_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

XrpcResult<StrongRef> record_ref(const std::string& nsid, const json& answer) {
  StrongRef ref{string_field(answer, "uri"), string_field(answer, "cid")};
  if (ref.uri.empty() || ref.cid.empty())
    return local_error(XrpcError::Kind::server, nsid, "the answer lacks uri or cid");
  return ref;
}

// The CID the PDS gives `record` in `collection`: it adds `$type` when absent, then hashes the
// DAG-CBOR form.
Result<std::string> record_cid(const std::string& collection, json record) {
  if (record.is_object() && !record.contains("$type")) record["$type"] = collection;
  auto value = from_atproto_json(record);
  if (!value) return make_error(value.error());
  return Cid::compute(kCodecDagCbor, encode_dag_cbor(*value)).to_string();
}

}  // namespace

XrpcClient::XrpcClient(std::string pds_url, const HttpClient& http, Store& store, const SecretVault& vault, Clock clock,
                       Sleep sleep, XrpcOptions options)
    : pds_url_(std::move(pds_url)),
      http_(http),
      store_(store),
      vault_(vault),
      clock_(std::move(clock)),
      sleep_(std::move(sleep)),
      options_(options),
      limiter_(options.write_budget) {
  while (!pds_url_.empty() && pds_url_.back() == '/') pds_url_.pop_back();
  if (auto url = parse_url(pds_url_, "http,https")) pds_origin_ = url->scheme + "://" + url->authority();
}

std::string XrpcClient::session_key() const { return "atproto-session/" + pds_url_ + "/" + identifier_; }

std::optional<std::string> XrpcClient::did() const {
  std::lock_guard lock(session_mu_);
  return session_ ? std::optional(session_->did) : std::nullopt;
}

std::optional<std::string> XrpcClient::handle() const {
  std::lock_guard lock(session_mu_);
  return session_ ? std::optional(session_->handle) : std::nullopt;
}

XrpcResult<std::string> XrpcClient::own_did(const std::string& nsid) const {
  if (auto d = did()) return *d;
  return local_error(XrpcError::Kind::auth, nsid, "not logged in to " + pds_url_ + " (call login first)");
}

// ---------------------------------------------------------------------------------------------
// Sessions

XrpcStatus XrpcClient::login(const std::string& identifier, const std::string& app_password) {
  std::lock_guard lock(session_mu_);
  identifier_ = identifier;
  app_password_ = app_password;
  session_.reset();
  std::string key = session_key();
  auto stored = store_.get(Family::local, key);
  if (!stored)
    return local_error(XrpcError::Kind::transport, "com.atproto.server.createSession",
                       "reading the stored session " + key + ": " + stored.error());
  if (stored->has_value()) {
    auto opened = vault_.open(**stored, key);
    json j = opened ? json::parse(*opened, nullptr, false) : json();
    Session s{string_field(j, "accessJwt"), string_field(j, "refreshJwt"), string_field(j, "did"),
              string_field(j, "handle")};
    if (!s.access_jwt.empty() && !s.refresh_jwt.empty() && !s.did.empty()) {
      s.access_exp_us = jwt_expiry_us(s.access_jwt);
      s.refresh_exp_us = jwt_expiry_us(s.refresh_jwt);
      session_ = std::move(s);
      spdlog::info("atproto session: reusing the stored session of {} ({}) on {}", session_->handle, session_->did,
                   pds_url_);
      return {};
    }
    spdlog::warn("atproto session: the stored session {} cannot be read ({}); logging in again", key,
                 opened ? "not a session" : opened.error());
  }
  return login_locked();
}

XrpcStatus XrpcClient::adopt_locked(const std::string& nsid, const json& answer) {
  Session s{string_field(answer, "accessJwt"), string_field(answer, "refreshJwt"), string_field(answer, "did"),
            string_field(answer, "handle")};
  if (s.access_jwt.empty() || s.refresh_jwt.empty() || s.did.empty())
    return local_error(XrpcError::Kind::server, nsid, "the answer lacks accessJwt, refreshJwt or did");
  s.access_exp_us = jwt_expiry_us(s.access_jwt);
  s.refresh_exp_us = jwt_expiry_us(s.refresh_jwt);
  session_ = std::move(s);
  std::string key = session_key();
  json sealed = {{"accessJwt", session_->access_jwt},
                 {"refreshJwt", session_->refresh_jwt},
                 {"did", session_->did},
                 {"handle", session_->handle}};
  // Synced: refresh tokens rotate, and the one the PDS handed out last is the one to keep.
  Status saved = store_.put(Family::local, key, vault_.seal(sealed.dump(), key), Durability::synced);
  if (!saved.ok())
    return local_error(XrpcError::Kind::transport, nsid, "storing the session " + key + ": " + saved.error());
  return {};
}

XrpcStatus XrpcClient::login_locked() {
  const std::string nsid = "com.atproto.server.createSession";
  if (identifier_.empty())
    return local_error(XrpcError::Kind::auth, nsid, "not logged in to " + pds_url_ + " (call login first)");
  Call c;
  c.nsid = nsid;
  c.procedure = true;
  c.session_auth = false;
  c.body = json{{"identifier", identifier_}, {"password", app_password_}}.dump();
  auto answer = call_json(c);
  if (!answer) return answer.error();
  if (XrpcStatus adopted = adopt_locked(nsid, *answer); !adopted) return adopted;
  spdlog::info("atproto session: logged in as {} ({}) on {}", session_->handle, session_->did, pds_url_);
  return {};
}

XrpcStatus XrpcClient::refresh_locked() {
  const std::string nsid = "com.atproto.server.refreshSession";
  if (session_->refresh_exp_us != 0 && session_->refresh_exp_us <= clock_())
    return local_error(XrpcError::Kind::auth, nsid, "the refresh token has expired");
  Call c;
  c.nsid = nsid;
  c.procedure = true;
  c.session_auth = false;
  c.bearer = session_->refresh_jwt;
  auto answer = call_json(c);
  if (!answer) return answer.error();
  if (XrpcStatus adopted = adopt_locked(nsid, *answer); !adopted) return adopted;
  spdlog::info("atproto session: refreshed the session of {} ({}) on {}", session_->handle, session_->did, pds_url_);
  return {};
}

XrpcResult<std::optional<std::string>> XrpcClient::access_token(const std::optional<std::string>& rejected) {
  std::lock_guard lock(session_mu_);
  if (!session_) return std::optional<std::string>();
  bool renew = rejected ? *rejected == session_->access_jwt
                        : session_->access_exp_us != 0 &&
                              session_->access_exp_us - clock_() < options_.refresh_margin.count() * kSecond;
  if (renew) {
    XrpcStatus refreshed = refresh_locked();
    // Only a refused refresh token calls for a new login: logins are scarce (30 per 5 minutes).
    bool refused = !refreshed && (refreshed.error().kind == XrpcError::Kind::auth ||
                                  refreshed.error().kind == XrpcError::Kind::invalid);
    if (!refreshed && !refused) {
      // A token refreshed early still works until it expires; after that the failure stands.
      if (!rejected && session_->access_exp_us > clock_()) return std::optional(session_->access_jwt);
      return refreshed.error();
    }
    if (refused) {
      spdlog::warn("atproto session: cannot refresh the session of {} on {} ({}); logging in again", session_->did,
                   pds_url_, refreshed.error().describe());
      if (XrpcStatus relogged = login_locked(); !relogged) return relogged.error();
    }
  }
  return std::optional(session_->access_jwt);
}

// ---------------------------------------------------------------------------------------------
// Calls

XrpcResult<HttpResponse> XrpcClient::send(const Call& c, const std::optional<std::string>& bearer) {
  HttpRequest request;
  request.method = c.procedure ? "POST" : "GET";
  request.url = pds_url_ + "/xrpc/" + c.nsid;
  for (size_t i = 0; i < c.params.size(); ++i)
    request.url += (i == 0 ? "?" : "&") + percent_encode(c.params[i].first, ":") + "=" + percent_encode(c.params[i].second, ":");
  request.headers.emplace_back("Accept", c.blob && !c.procedure ? "*/*" : "application/json");
  if (c.procedure) {
    request.headers.emplace_back("Content-Type", c.content_type);
    request.body = c.body;
  }
  FetchLimits limits;
  limits.max_response_bytes = c.blob ? options_.max_blob_bytes : options_.max_json_bytes;
  limits.timeout = c.blob ? options_.blob_timeout : options_.request_timeout;
  // The token goes only to the PDS itself, never to wherever a redirect points.
  HttpClient::Signer sign = [&](HttpRequest& hop, const Url& url) {
    if (bearer && url.scheme + "://" + url.authority() == pds_origin_)
      hop.headers.emplace_back("Authorization", "Bearer " + *bearer);
  };
  FetchResult fetched = http_.fetch(std::move(request), limits, sign);
  if (!fetched.ok()) {
    XrpcError e =
        local_error(fetched.error == FetchError::timeout ? XrpcError::Kind::timeout : XrpcError::Kind::transport,
                    c.nsid, fetched.message);
    return e;
  }
  return std::move(fetched.response);
}

std::optional<XrpcError> XrpcClient::wait_until(std::int64_t until_us, std::int64_t& waited_us, XrpcError cause,
                                                const std::string& reason) {
  std::int64_t now = clock_();
  if (until_us <= now) return std::nullopt;
  std::int64_t wait = until_us - now;
  if (waited_us + wait > options_.max_rate_limit_wait.count() * kSecond) {
    cause.kind = XrpcError::Kind::rate_limited;
    cause.retry_after = seconds_ceil(wait);
    return cause;
  }
  spdlog::info("xrpc {} on {}: waiting {} ms: {}", cause.nsid, pds_url_, wait / 1000, reason);
  sleep_(std::chrono::microseconds(wait));
  waited_us += wait;
  return std::nullopt;
}

XrpcResult<HttpResponse> XrpcClient::call(const Call& c) {
  std::int64_t waited_us = 0;
  if (c.points > 0) {
    std::int64_t now = clock_();
    auto booked = limiter_.reserve(c.points, now, now + options_.max_rate_limit_wait.count() * kSecond);
    XrpcError spent =
        local_error(XrpcError::Kind::rate_limited, c.nsid,
                    "the write budget (" + std::to_string(options_.write_budget.points_per_hour) + " points an hour, " +
                        std::to_string(options_.write_budget.points_per_day) + " a day) is spent");
    if (!booked.reserved) {
      spent.retry_after = seconds_ceil(booked.at_us - now);
      return spent;
    }
    if (auto e = wait_until(booked.at_us, waited_us, spent, spent.detail)) return *e;
  }
  XrpcError limited =
      local_error(XrpcError::Kind::rate_limited, c.nsid, "the PDS's rate limit for this method is used up");
  std::string reason = "the PDS announced RateLimit-Remaining 0";
  bool renewed = false;
  std::int64_t backoff_us = kSecond;
  for (;;) {
    if (auto e = wait_until(limiter_.next_allowed(c.nsid, clock_()), waited_us, limited, reason)) return *e;
    std::optional<std::string> bearer = c.bearer;
    if (c.session_auth) {
      auto token = access_token(std::nullopt);
      if (!token) return token.error();
      bearer = *token;
    }
    auto sent = send(c, bearer);
    if (!sent) return sent;
    const HttpResponse& response = *sent;
    std::int64_t now = clock_();
    RateLimitHeaders headers = parse_rate_limit_headers(response);
    limiter_.observe(c.nsid, headers, now);
    if (response.status == 429) {
      std::string retry_after = response.header("retry-after");
      std::int64_t wait = 0;
      if (auto asked = parse_retry_after(retry_after, now)) {
        wait = *asked;
      } else if (headers.reset_epoch_s) {
        wait = std::max<std::int64_t>(0, (*headers.reset_epoch_s + 1) * kSecond - now);
      } else {
        wait = backoff_us;
        backoff_us *= 2;
      }
      reason = "HTTP 429 (RateLimit-Policy " + (headers.policy.empty() ? "-" : headers.policy) + ", Retry-After " +
               (retry_after.empty() ? "-" : retry_after) + ")";
      limiter_.block(c.nsid, now + wait);
      limited = error_from_response(c.nsid, response);
      limited.detail = "still rate limited after waiting " + std::to_string(waited_us / kSecond) + " s";
      continue;
    }
    if (c.session_auth && bearer && !renewed && is_stale_token(response)) {
      renewed = true;
      auto token = access_token(bearer);
      if (!token) return token.error();
      continue;
    }
    if (response.status < 200 || response.status >= 300) return error_from_response(c.nsid, response);
    return std::move(sent).value();
  }
}

XrpcResult<json> XrpcClient::call_json(const Call& c) {
  auto response = call(c);
  if (!response) return response.error();
  if (response->body.empty()) return json::object();
  json body = json::parse(response->body, nullptr, false);
  if (!body.is_object()) return local_error(XrpcError::Kind::server, c.nsid, "the answer is not a JSON object");
  return body;
}

XrpcResult<json> XrpcClient::query(const std::string& nsid, const Params& params) {
  Call c;
  c.nsid = nsid;
  c.params = params;
  return call_json(c);
}

XrpcResult<json> XrpcClient::procedure(const std::string& nsid, const json& body) {
  Call c;
  c.nsid = nsid;
  c.procedure = true;
  c.body = body.dump();
  return call_json(c);
}

// ---------------------------------------------------------------------------------------------
// Repo methods

XrpcResult<StrongRef> XrpcClient::create_record(const std::string& collection, const json& record,
                                                const std::optional<std::string>& rkey) {
  const std::string nsid = "com.atproto.repo.createRecord";
  auto repo = own_did(nsid);
  if (!repo) return repo.error();
  json body = {{"repo", *repo}, {"collection", collection}, {"record", record}};
  if (rkey) body["rkey"] = *rkey;
  Call c;
  c.nsid = nsid;
  c.procedure = true;
  c.body = body.dump();
  c.points = kCreatePoints;
  auto created = call_json(c);
  if (created) return record_ref(nsid, *created);
  XrpcError failed = std::move(created).take_error();
  if (!rkey || (failed.kind != XrpcError::Kind::server && failed.kind != XrpcError::Kind::invalid)) return failed;
  // The PDS refuses a key that is taken (0.5: HTTP 500). A retry of a create that landed finds
  // its own record there, which is success.
  auto existing = get_record(collection, *rkey);
  if (!existing) return failed;
  auto expected = record_cid(collection, record);
  if (expected && *expected == existing->cid) {
    spdlog::info("xrpc {}: {} already holds this record (CID {}): a retried create", nsid, existing->uri,
                 existing->cid);
    return StrongRef{existing->uri, existing->cid};
  }
  failed.kind = XrpcError::Kind::conflict;
  failed.detail = existing->uri + " already holds another record (CID " + existing->cid + "; this one " +
                  (expected ? "would be " + *expected : "has no CID: " + expected.error()) + ")";
  return failed;
}

XrpcResult<StrongRef> XrpcClient::put_record(const std::string& collection, const std::string& rkey,
                                             const json& record) {
  const std::string nsid = "com.atproto.repo.putRecord";
  auto repo = own_did(nsid);
  if (!repo) return repo.error();
  Call c;
  c.nsid = nsid;
  c.procedure = true;
  c.body = json{{"repo", *repo}, {"collection", collection}, {"rkey", rkey}, {"record", record}}.dump();
  c.points = kUpdatePoints;
  auto put = call_json(c);
  if (!put) return put.error();
  return record_ref(nsid, *put);
}

XrpcStatus XrpcClient::delete_record(const std::string& collection, const std::string& rkey) {
  const std::string nsid = "com.atproto.repo.deleteRecord";
  auto repo = own_did(nsid);
  if (!repo) return repo.error();
  Call c;
  c.nsid = nsid;
  c.procedure = true;
  c.body = json{{"repo", *repo}, {"collection", collection}, {"rkey", rkey}}.dump();
  c.points = kDeletePoints;
  auto deleted = call_json(c);
  if (!deleted) return deleted.error();
  return {};
}

XrpcResult<Record> XrpcClient::get_record(const std::string& collection, const std::string& rkey,
                                          const std::optional<std::string>& repo) {
  const std::string nsid = "com.atproto.repo.getRecord";
  auto owner = repo ? XrpcResult<std::string>(*repo) : own_did(nsid);
  if (!owner) return owner.error();
  auto answer = query(nsid, {{"repo", *owner}, {"collection", collection}, {"rkey", rkey}});
  if (!answer) return answer.error();
  Record r{string_field(*answer, "uri"), string_field(*answer, "cid"), answer->value("value", json())};
  if (r.uri.empty() || !r.value.is_object())
    return local_error(XrpcError::Kind::server, nsid, "the answer lacks uri or value");
  return r;
}

XrpcResult<RecordPage> XrpcClient::list_records(const std::string& collection, int limit,
                                                const std::optional<std::string>& cursor,
                                                const std::optional<std::string>& repo) {
  const std::string nsid = "com.atproto.repo.listRecords";
  auto owner = repo ? XrpcResult<std::string>(*repo) : own_did(nsid);
  if (!owner) return owner.error();
  Params params = {{"repo", *owner}, {"collection", collection}, {"limit", std::to_string(limit)}};
  if (cursor) params.emplace_back("cursor", *cursor);
  auto answer = query(nsid, params);
  if (!answer) return answer.error();
  auto records = answer->find("records");
  if (records == answer->end() || !records->is_array())
    return local_error(XrpcError::Kind::server, nsid, "the answer lacks a records array");
  RecordPage page;
  for (const auto& r : *records) {
    if (!r.is_object()) return local_error(XrpcError::Kind::server, nsid, "a listed record is not an object");
    page.records.push_back({string_field(r, "uri"), string_field(r, "cid"), r.value("value", json())});
  }
  if (std::string next = string_field(*answer, "cursor"); !next.empty()) page.cursor = next;
  return page;
}

XrpcResult<json> XrpcClient::describe_repo(const std::optional<std::string>& repo) {
  const std::string nsid = "com.atproto.repo.describeRepo";
  auto owner = repo ? XrpcResult<std::string>(*repo) : own_did(nsid);
  if (!owner) return owner.error();
  return query(nsid, {{"repo", *owner}});
}

XrpcResult<json> XrpcClient::upload_blob(const std::string& bytes, const std::string& mime_type) {
  const std::string nsid = "com.atproto.repo.uploadBlob";
  if (bytes.size() > options_.max_blob_bytes)
    return local_error(XrpcError::Kind::invalid, nsid,
                       "a blob of " + std::to_string(bytes.size()) + " bytes is over the limit of " +
                           std::to_string(options_.max_blob_bytes));
  Call c;
  c.nsid = nsid;
  c.procedure = true;
  c.body = bytes;
  c.content_type = mime_type;
  c.blob = true;
  auto answer = call_json(c);
  if (!answer) return answer.error();
  auto blob = answer->find("blob");
  if (blob == answer->end() || !blob->is_object())
    return local_error(XrpcError::Kind::server, nsid, "the answer lacks a blob");
  return *blob;
}

XrpcResult<std::string> XrpcClient::get_blob(const std::string& did, const std::string& cid) {
  Call c;
  c.nsid = "com.atproto.sync.getBlob";
  c.params = {{"did", did}, {"cid", cid}};
  c.blob = true;
  auto response = call(c);
  if (!response) return response.error();
  return std::move(response->body);
}

}  // namespace causeway::atproto
