#include "bridge/bridge_job.h"

#include <nlohmann/json.hpp>

namespace causeway {
namespace {

constexpr struct {
  JobOp op;
  const char* name;
} kOps[] = {{JobOp::post, "post"},         {JobOp::fetch_post, "fetch_post"},   {JobOp::update, "update"},
            {JobOp::hide, "hide"},         {JobOp::list_add, "list_add"},       {JobOp::list_remove, "list_remove"},
            {JobOp::reply, "reply"},       {JobOp::like, "like"},               {JobOp::repost, "repost"},
            {JobOp::remove, "delete"},     {JobOp::fetch_update, "fetch_update"},
            {JobOp::remove_author, "delete_author"}};

}  // namespace

const char* job_op_name(JobOp op) {
  for (const auto& o : kOps)
    if (o.op == op) return o.name;
  return "?";
}

std::optional<JobOp> parse_job_op(std::string_view name) {
  for (const auto& o : kOps)
    if (name == o.name) return o.op;
  return std::nullopt;
}

std::string encode_bridge_job(const BridgeJob& job) {
  nlohmann::json j{{"event", job.event_id}, {"bridge", job.bridge}, {"op", job_op_name(job.op)}};
  if (!job.subject.empty()) j["subject"] = job.subject;
  return j.dump();
}

std::optional<BridgeJob> decode_bridge_job(std::string_view payload) {
  auto j = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto op = parse_job_op(j.value("op", ""));
  BridgeJob job{j.value("event", ""), j.value("bridge", ""), op.value_or(JobOp::post), j.value("subject", "")};
  if ((job.event_id.empty() && job.subject.empty()) || job.bridge.empty() || !op) return std::nullopt;
  return job;
}

}  // namespace causeway
