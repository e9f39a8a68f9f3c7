#include "protocols/atproto/reply_control_writer.h"

#include <spdlog/spdlog.h>

#include "bridge/reply_controls.h"
#include "protocols/atproto/post_record.h"
#include "protocols/atproto/threadgate.h"

namespace causeway::atproto {
namespace {

using nlohmann::json;

std::string record_uri(const std::string& did, const char* collection, const std::string& rkey) {
  return "at://" + did + "/" + collection + "/" + rkey;
}

StepOutcome give_up(std::string reason) { return {Step::give_up, std::move(reason), std::nullopt}; }

}  // namespace

ReplyControlWriter::ReplyControlWriter(Store& store, DeliveryQueue& queue, std::function<std::int64_t()> clock)
    : store_(store), queue_(queue), clock_(std::move(clock)), idmap_(store), moderation_(store), list_(store) {}

XrpcResult<std::string> ReplyControlWriter::ensure_list(const BridgeConfig& bridge, XrpcClient& client, WriteBatch& batch) {
  std::string did = client.did().value_or("");
  if (auto stored = list_.uri(bridge.name); stored && at_uri_authority(*stored) == did) return *stored;
  std::string rkey = approved_list_rkey(bridge.name);
  auto made = client.create_record(kListCollection, approved_list_record(bridge.name, clock_()), rkey);
  // A conflict is this key's list made by an earlier try (its createdAt differs): it is the list.
  if (!made && made.error().kind != XrpcError::Kind::conflict) return made.error();
  std::string uri = made ? made->uri : record_uri(did, kListCollection, rkey);
  list_.set_uri(batch, bridge.name, uri);
  auto approved = moderation_.approved(bridge.name);
  if (!approved) {
    XrpcError failed;  // the store failed: retried like a server's failure
    failed.message = "reading the approved accounts: " + approved.error();
    return failed;
  }
  for (const auto& account : *approved)
    queue_.enqueue(batch, reply_control_job(bridge, JobOp::list_add, "", account, clock_()));
  spdlog::info("bridge {}: approved list {} made, {} approved account(s) to put on it", bridge.name, uri, approved->size());
  return uri;
}

std::optional<StepOutcome> ReplyControlWriter::gate_root(const BridgeConfig& bridge, XrpcClient& client,
                                                         const std::string& post_uri, std::int64_t created_at_us,
                                                         WriteBatch& batch, bool& gated, const OnError& on_error) {
  gated = false;
  ReplyGate gate = reply_gate(bridge);
  if (gate == ReplyGate::anyone) return std::nullopt;
  std::string list;
  if (gate == ReplyGate::approved_list) {
    auto made = ensure_list(bridge, client, batch);
    if (!made) return on_error(made.error());
    list = *made;
  }
  json record = threadgate_record(post_uri, allow_rules(gate, list), created_at_us);
  std::string rkey = rkey_of(post_uri);
  auto written = client.create_record(kThreadgateCollection, record, rkey);
  // The key is this post's own: an earlier try of the job wrote it (with another list, say).
  if (!written && written.error().kind == XrpcError::Kind::conflict)
    written = client.put_record(kThreadgateCollection, rkey, record);
  if (!written) return on_error(written.error());
  gated = true;
  return std::nullopt;
}

StepOutcome ReplyControlWriter::hide(XrpcClient& client, const std::string& reply_uri, const OnError& on_error) {
  auto note = idmap_.ap_id(reply_uri);
  if (!note) return {Step::retry, note.error(), std::nullopt};
  if (!note->has_value()) return give_up("the reply is not in the group (never brought over, or deleted since): nothing to hide");
  auto copy = idmap_.bluesky_copy(**note);
  if (!copy) return {Step::retry, copy.error(), std::nullopt};
  if (!copy->has_value() || (*copy)->root.uri.empty()) return give_up("its thread is unknown: nothing to hide");
  const std::string& root = (*copy)->root.uri;
  if (at_uri_authority(root) != client.did().value_or(""))
    return give_up("its thread (" + root + ") was not started by the mirror account; only a thread's author hides replies in it");
  std::string rkey = rkey_of(root);
  std::optional<json> existing;
  auto current = client.get_record(kThreadgateCollection, rkey);
  if (current) existing = current->value;
  else if (current.error().kind != XrpcError::Kind::not_found) return on_error(current.error());
  auto hidden = with_hidden_reply(existing, root, reply_uri, clock_());
  if (!hidden) return give_up(hidden.error());
  std::string gate_uri = record_uri(*client.did(), kThreadgateCollection, rkey);
  if (!hidden->changed) return {Step::done, gate_uri + "\nhidden on Bluesky already", std::nullopt};
  auto written = client.put_record(kThreadgateCollection, rkey, hidden->record);
  if (!written) return on_error(written.error());
  return {Step::done, written->uri + "\nhidden on Bluesky (in the thread's hiddenReplies)", std::nullopt};
}

StepOutcome ReplyControlWriter::list_add(const BridgeConfig& bridge, XrpcClient& client, const std::string& did,
                                         WriteBatch& batch, const OnError& on_error) {
  if (!keeps_approved_list(bridge)) return give_up("the bridge keeps no approved list (members.bluesky_threadgate)");
  if (moderation_.verdict(bridge.name, did) != Verdict::approved)
    return give_up("no longer approved: not put on the approved list");
  auto list = ensure_list(bridge, client, batch);
  if (!list) return on_error(list.error());
  std::string rkey = list_item_rkey(*list, did);
  auto made = client.create_record(kListItemCollection, list_item_record(*list, did, clock_()), rkey);
  if (!made && made.error().kind == XrpcError::Kind::conflict) {
    // Put there by an earlier try (its createdAt differs), unless two accounts hashed alike.
    auto there = client.get_record(kListItemCollection, rkey);
    if (!there) return on_error(there.error());
    if (there->value.value("subject", "") != did || there->value.value("list", "") != *list)
      return give_up("the list item key " + rkey + " holds another account");
    return {Step::done, there->uri + "\non the approved list already", std::nullopt};
  }
  if (!made) return on_error(made.error());
  return {Step::done, made->uri + "\nput on the approved list " + *list, std::nullopt};
}

StepOutcome ReplyControlWriter::list_remove(const BridgeConfig& bridge, XrpcClient& client, const std::string& did,
                                            const OnError& on_error) {
  if (moderation_.verdict(bridge.name, did) == Verdict::approved)
    return give_up("approved again since: left on the approved list");
  std::string own = client.did().value_or("");
  auto stored = list_.uri(bridge.name);
  // No list stored: the one this bridge would have made, if any, is at its derived key.
  std::string list = stored && at_uri_authority(*stored) == own ? *stored
                                                                 : record_uri(own, kListCollection, approved_list_rkey(bridge.name));
  std::string rkey = list_item_rkey(list, did);
  auto removed = client.delete_record(kListItemCollection, rkey);
  if (!removed.ok() && removed.error().kind != XrpcError::Kind::not_found) return on_error(removed.error());
  return {Step::done, record_uri(own, kListItemCollection, rkey) + "\ntaken off the approved list " + list, std::nullopt};
}

}  // namespace causeway::atproto
