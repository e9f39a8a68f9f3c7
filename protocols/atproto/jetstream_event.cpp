#include "protocols/atproto/jetstream_event.h"

#include <limits>

#include <nlohmann/json.hpp>

#include "bridge/base/utf8.h"
#include "protocols/atproto/syntax.h"

namespace causeway::atproto {
namespace {

using nlohmann::json;

struct Malformed {
  std::string reason;
};

// Measured on the text before parsing, so a hostile message cannot make the parser build (and then
// tear down) a deep tree. Malformed text may be misjudged here; the parser rejects it anyway.
bool nested_deeper_than(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

// The member `key`, or nullptr when it is absent or null (Jetstream omits or nulls optional ones).
const json* member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string required_string(const json& object, const char* key, const std::string& path) {
  const json* v = member(object, key);
  if (!v) throw Malformed{path + ": missing"};
  if (!v->is_string()) throw Malformed{path + ": must be a string"};
  return v->get<std::string>();
}

std::optional<std::string> optional_string(const json& object, const char* key, const std::string& path) {
  const json* v = member(object, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) throw Malformed{path + ": must be a string"};
  return v->get<std::string>();
}

const json& required_object(const json& object, const char* key) {
  const json* v = member(object, key);
  if (!v) throw Malformed{std::string(key) + ": missing for kind " + key};
  if (!v->is_object()) throw Malformed{std::string(key) + ": must be an object"};
  return *v;
}

void check(const Status& valid, const std::string& path) {
  if (!valid.ok()) throw Malformed{path + ": " + valid.error()};
}

std::int64_t read_time_us(const json& message) {
  const json* v = member(message, "time_us");
  if (!v) throw Malformed{"time_us: missing"};
  // The parser stores every non-negative integer as unsigned; negatives and fractions fail here.
  if (v->is_number_unsigned()) {
    auto us = v->get<std::uint64_t>();
    if (us > 0 && us <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return static_cast<std::int64_t>(us);
  }
  throw Malformed{"time_us: must be a positive integer (microseconds since the epoch), got " + std::string(utf8_prefix(v->dump(), 32))};
}

void read_commit(const json& commit, JetstreamEvent& e) {
  e.rev = optional_string(commit, "rev", "commit.rev").value_or("");
  e.operation = required_string(commit, "operation", "commit.operation");
  if (e.operation != "create" && e.operation != "update" && e.operation != "delete")
    throw Malformed{"commit.operation: must be create, update or delete, got \"" + std::string(utf8_prefix(e.operation, 32)) + "\""};
  e.collection = required_string(commit, "collection", "commit.collection");
  check(validate_nsid(e.collection), "commit.collection");
  e.rkey = required_string(commit, "rkey", "commit.rkey");
  check(validate_record_key(e.rkey), "commit.rkey");
  if (e.operation == "delete") return;
  auto cid = Cid::parse(required_string(commit, "cid", "commit.cid"));
  if (!cid) throw Malformed{"commit.cid: " + cid.error()};
  e.cid = *cid;
  const json* record = member(commit, "record");
  if (!record) throw Malformed{"commit.record: missing for a " + e.operation};
  auto value = from_atproto_json(*record);
  if (!value) throw Malformed{"commit.record: " + value.error()};
  e.record = std::move(*value);
}

JetstreamEvent read_event(const json& message) {
  if (!message.is_object()) throw Malformed{"json: the message is not an object"};
  JetstreamEvent e;
  e.kind_name = required_string(message, "kind", "kind");
  if (e.kind_name == "commit") e.kind = JetstreamEvent::Kind::commit;
  else if (e.kind_name == "identity") e.kind = JetstreamEvent::Kind::identity;
  else if (e.kind_name == "account") e.kind = JetstreamEvent::Kind::account;
  else {
    e.kind_name = std::string(utf8_prefix(e.kind_name, 64));
    return e;
  }
  e.did = required_string(message, "did", "did");
  check(validate_did(e.did), "did");
  e.time_us = read_time_us(message);
  switch (e.kind) {
    case JetstreamEvent::Kind::commit: read_commit(required_object(message, "commit"), e); break;
    case JetstreamEvent::Kind::identity:
      // Only the DID matters (the identity cache drops it); the handle is for the log.
      if (const json* identity = member(message, "identity")) {
        if (!identity->is_object()) throw Malformed{"identity: must be an object"};
        e.handle = optional_string(*identity, "handle", "identity.handle");
      }
      break;
    case JetstreamEvent::Kind::account: {
      const json& account = required_object(message, "account");
      const json* active = member(account, "active");
      if (!active || !active->is_boolean()) throw Malformed{"account.active: must be true or false"};
      e.active = active->get<bool>();
      e.status = optional_string(account, "status", "account.status");
      break;
    }
    case JetstreamEvent::Kind::other: break;
  }
  return e;
}

}  // namespace

Result<JetstreamEvent> parse_jetstream_event(std::string_view message, const JetstreamLimits& limits) {
  if (message.size() > limits.max_message_bytes)
    return make_error("size: the message has " + std::to_string(message.size()) + " bytes, over the limit of " +
                      std::to_string(limits.max_message_bytes));
  if (nested_deeper_than(message, limits.max_depth))
    return make_error("depth: the message nests objects and arrays deeper than " + std::to_string(limits.max_depth) +
                      " levels");
  try {
    return read_event(json::parse(message));
  } catch (const json::exception& e) {
    // The parser's "last read" quotes raw input, possibly not UTF-8: it stays out of the logs.
    std::string what = e.what();
    return make_error("json: not valid JSON: " + what.substr(0, what.find("; last read")));
  } catch (const Malformed& m) {
    return make_error(m.reason);
  }
}

RepoOp jetstream_repo_op(JetstreamEvent commit) {
  RepoOp op;
  op.action = std::move(commit.operation);
  op.path = commit.collection + "/" + commit.rkey;
  op.cid = commit.cid;
  op.record = std::move(commit.record);
  return op;
}

}  // namespace causeway::atproto
