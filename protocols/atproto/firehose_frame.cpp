#include "protocols/atproto/firehose_frame.h"

#include <nlohmann/json.hpp>

namespace causeway::atproto {
namespace {

struct FrameFailure {
  std::string reason;
};

const Value& required(const Value& body, std::string_view key, Value::Kind kind, const char* type) {
  const Value* v = body.find(key);
  if (!v) throw FrameFailure{"body lacks " + std::string(key)};
  if (v->kind() != kind) throw FrameFailure{std::string(key) + " is not " + type};
  return *v;
}

std::int64_t seq_of(const Value& body) {
  std::int64_t seq = required(body, "seq", Value::Kind::integer, "an integer").as_integer();
  if (seq < 0) throw FrameFailure{"seq is negative"};
  return seq;
}

std::string string_of(const Value& body, std::string_view key) {
  return required(body, key, Value::Kind::string, "a string").as_string();
}

std::optional<std::string> optional_string(const Value& body, std::string_view key) {
  const Value* v = body.find(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) throw FrameFailure{std::string(key) + " is not a string"};
  return v->as_string();
}

std::optional<Cid> optional_link(const Value& body, std::string_view key) {
  const Value* v = body.find(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_link()) throw FrameFailure{std::string(key) + " is not a CID link"};
  return v->as_link();
}

// Takes the CAR bytes out of the body rather than copying them.
std::optional<CarFile> car_of(Value& body, const FrameLimits& limits) {
  required(body, "blocks", Value::Kind::bytes, "bytes");
  std::string& blocks = body.find("blocks")->as_bytes();
  if (blocks.empty()) return std::nullopt;
  CarLimits car_limits;
  car_limits.max_bytes = limits.max_blocks_bytes;
  auto car = CarFile::parse(std::move(blocks), car_limits);
  if (!car) throw FrameFailure{"blocks: " + car.error()};
  return std::move(*car);
}

CommitEvent decode_commit_body(Value& body, const FrameLimits& limits) {
  CommitEvent e;
  e.seq = seq_of(body);
  e.repo = string_of(body, "repo");
  e.rev = string_of(body, "rev");
  e.since = optional_string(body, "since");
  e.commit = required(body, "commit", Value::Kind::link, "a CID link").as_link();
  if (const Value* too_big = body.find("tooBig"); too_big && too_big->is_bool()) e.too_big = too_big->as_bool();
  e.time = string_of(body, "time");
  e.prev_data = optional_link(body, "prevData");
  if (const Value* blobs = body.find("blobs"); blobs && blobs->is_array())
    for (const auto& b : blobs->as_array())
      if (b.is_link()) e.blobs.push_back(b.as_link());
  e.blocks = car_of(body, limits);
  const Array& ops = required(body, "ops", Value::Kind::array, "a list").as_array();
  if (ops.size() > limits.max_ops) throw FrameFailure{"more than " + std::to_string(limits.max_ops) + " ops"};
  for (const auto& op_value : ops) {
    if (!op_value.is_map()) throw FrameFailure{"an op is not a map"};
    RepoOp op;
    op.action = string_of(op_value, "action");
    op.path = string_of(op_value, "path");
    op.cid = optional_link(op_value, "cid");
    op.prev = optional_link(op_value, "prev");
    if (op.action != "create" && op.action != "update" && op.action != "delete")
      throw FrameFailure{"op on " + op.path + " has unknown action \"" + op.action + "\""};
    if (op.action != "delete") {
      if (!op.cid) throw FrameFailure{op.action + " of " + op.path + " has no cid"};
      if (e.blocks) {
        if (auto block = e.blocks->block(*op.cid)) {
          auto record = decode_dag_cbor(*block);
          if (!record) throw FrameFailure{"record " + op.path + ": " + record.error()};
          op.record = std::move(*record);
        }
      }
      if (!op.record && !e.too_big) throw FrameFailure{"record " + op.path + " (" + op.cid->to_string() + ") is not in blocks"};
    }
    e.ops.push_back(std::move(op));
  }
  return e;
}

FirehoseMessage decode_body(const std::string& type, Value& body, const FrameLimits& limits) {
  if (type == "#commit") return decode_commit_body(body, limits);
  if (type == "#sync") return SyncEvent{seq_of(body), string_of(body, "did"), string_of(body, "rev"), string_of(body, "time"),
                                        car_of(body, limits)};
  if (type == "#identity")
    return IdentityEvent{seq_of(body), string_of(body, "did"), string_of(body, "time"), optional_string(body, "handle")};
  if (type == "#account") {
    const Value& active = required(body, "active", Value::Kind::boolean, "a boolean");
    return AccountEvent{seq_of(body), string_of(body, "did"), string_of(body, "time"), active.as_bool(),
                        optional_string(body, "status")};
  }
  if (type == "#info") return InfoEvent{string_of(body, "name"), optional_string(body, "message")};
  return UnknownEvent{type};
}

nlohmann::json car_summary(const std::optional<CarFile>& car) {
  if (!car) return nullptr;
  nlohmann::json roots = nlohmann::json::array();
  for (const auto& r : car->roots()) roots.push_back(r.to_string());
  return {{"roots", roots}, {"blocks", car->block_count()}};
}

template <class T>
void put_optional(nlohmann::json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

}  // namespace

Result<FirehoseMessage> decode_frame(std::string_view frame, const FrameLimits& limits) {
  if (frame.size() > limits.max_frame_bytes)
    return make_error("frame is " + std::to_string(frame.size()) + " bytes, over the limit of " +
                      std::to_string(limits.max_frame_bytes));
  size_t header_len = 0;
  auto header = decode_dag_cbor_prefix(frame, &header_len);
  if (!header) return make_error("frame header: " + header.error());
  const std::int64_t* op = header->find_integer("op");
  if (!op) return make_error("frame header has no op");
  auto body = decode_dag_cbor(frame.substr(header_len));
  if (!body) return make_error("frame body: " + body.error());
  if (!body->is_map()) return make_error("frame body is not a map");
  if (*op == -1) {
    const std::string* error = body->find_string("error");
    if (!error) return make_error("error frame has no error name");
    const std::string* message = body->find_string("message");
    return FirehoseMessage(ErrorFrame{*error, message ? std::optional(*message) : std::nullopt});
  }
  if (*op != 1) return make_error("frame header op " + std::to_string(*op) + " is neither 1 nor -1");
  const std::string* type = header->find_string("t");
  if (!type) return make_error("frame header has no type t");
  try {
    return decode_body(*type, *body, limits);
  } catch (const FrameFailure& f) {
    return make_error(*type + " frame: " + f.reason);
  }
}

std::optional<std::int64_t> frame_seq(const FirehoseMessage& message) {
  return std::visit(
      [](const auto& m) -> std::optional<std::int64_t> {
        if constexpr (requires { m.seq; }) return m.seq;
        else return std::nullopt;
      },
      message);
}

nlohmann::json frame_to_json(const FirehoseMessage& message) {
  using nlohmann::json;
  return std::visit(
      [](const auto& m) -> json {
        using T = std::decay_t<decltype(m)>;
        json j;
        if constexpr (std::is_same_v<T, CommitEvent>) {
          j = {{"type", "#commit"}, {"seq", m.seq},   {"repo", m.repo},          {"rev", m.rev},
               {"commit", m.commit.to_string()},      {"tooBig", m.too_big},     {"time", m.time},
               {"since", m.since ? json(*m.since) : json(nullptr)}, {"blocks", car_summary(m.blocks)}};
          if (m.prev_data) j["prevData"] = m.prev_data->to_string();
          json ops = json::array();
          for (const auto& op : m.ops) {
            json o = {{"action", op.action}, {"path", op.path}, {"cid", op.cid ? json(op.cid->to_string()) : json(nullptr)}};
            if (op.prev) o["prev"] = op.prev->to_string();
            if (op.record) o["record"] = to_atproto_json(*op.record);
            ops.push_back(o);
          }
          j["ops"] = ops;
          json blobs = json::array();
          for (const auto& b : m.blobs) blobs.push_back(b.to_string());
          j["blobs"] = blobs;
        } else if constexpr (std::is_same_v<T, SyncEvent>) {
          j = {{"type", "#sync"}, {"seq", m.seq}, {"did", m.did}, {"rev", m.rev}, {"time", m.time},
               {"blocks", car_summary(m.blocks)}};
        } else if constexpr (std::is_same_v<T, IdentityEvent>) {
          j = {{"type", "#identity"}, {"seq", m.seq}, {"did", m.did}, {"time", m.time}};
          put_optional(j, "handle", m.handle);
        } else if constexpr (std::is_same_v<T, AccountEvent>) {
          j = {{"type", "#account"}, {"seq", m.seq}, {"did", m.did}, {"time", m.time}, {"active", m.active}};
          put_optional(j, "status", m.status);
        } else if constexpr (std::is_same_v<T, InfoEvent>) {
          j = {{"type", "#info"}, {"name", m.name}};
          put_optional(j, "message", m.message);
        } else if constexpr (std::is_same_v<T, ErrorFrame>) {
          j = {{"type", "error"}, {"error", m.error}};
          put_optional(j, "message", m.message);
        } else {
          j = {{"type", m.type}, {"unknown", true}};
        }
        return j;
      },
      message);
}

}  // namespace causeway::atproto
