// How an XRPC call failed, typed so callers can decide what to do (retry later, re-authenticate,
// give up), with the server's own `error` and `message` kept verbatim for the operator.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <variant>

#include "bridge/base/result.h"

namespace causeway::atproto {

struct XrpcError {
  enum class Kind {
    transport,     // no answer (DNS, connect, outbound guard, response too large), or the store failed
    timeout,       // no complete answer within the request's time limit
    rate_limited,  // the wait the server (or our write budget) asks for is longer than allowed
    auth,          // not logged in, bad credentials, or a session that cannot be renewed
    not_found,     // HTTP 404 or an error name ending in "NotFound" (RecordNotFound, RepoNotFound, ...)
    invalid,       // any other 4xx: the request was wrong
    conflict,      // createRecord: the record key already holds a different record
    server,        // 5xx, or an answer that is not what the method promises
  };

  Kind kind = Kind::server;
  std::string nsid;
  int http_status = 0;  // 0 when there was no HTTP answer
  std::string error;    // the server's `error`, verbatim ("" when it sent none)
  std::string message;  // the server's `message` verbatim, or what went wrong before an answer
  std::string detail;   // what causeway found out beyond the server's answer, if anything
  // For rate_limited: how long until the call may succeed, so a queue can schedule the retry.
  std::chrono::seconds retry_after{0};

  // One line for logs and users: "com.atproto.repo.getRecord: HTTP 400 RecordNotFound: Could not ..."
  std::string describe() const;
  Error to_error() const { return make_error(describe()); }
};

const char* to_string(XrpcError::Kind kind);

template <class T>
using XrpcResult = Result<T, XrpcError>;

class [[nodiscard]] XrpcStatus {
 public:
  XrpcStatus() = default;
  XrpcStatus(XrpcError error) : error_(std::move(error)), failed_(true) {}

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const XrpcError& error() const { return error_; }

 private:
  XrpcError error_;
  bool failed_ = false;
};

}  // namespace causeway::atproto
