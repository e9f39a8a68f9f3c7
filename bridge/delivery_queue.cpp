#include "bridge/delivery_queue.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <random>

namespace causeway {
namespace {

std::string due_prefix(std::int64_t due_us) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(std::max<std::int64_t>(due_us, 0)));
  return buf;
}

}  // namespace

std::int64_t retry_delay_seconds(int attempt) {
  std::int64_t a = attempt;
  return a * a * a * a + 15;
}

std::string encode_job(const Job& job) {
  return nlohmann::json{{"id", job.id},
                        {"kind", job.kind},
                        {"target", job.target},
                        {"payload", job.payload},
                        {"attempt", job.attempt},
                        {"due_us", job.due_us},
                        {"created_us", job.created_us},
                        {"last_error", job.last_error}}
      .dump();
}

Result<Job> decode_job(std::string_view bytes) {
  auto j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error("stored job is not a JSON object");
  try {
    return Job{j.at("id").get<std::string>(),      j.at("kind").get<std::string>(),
               j.at("target").get<std::string>(),  j.at("payload").get<std::string>(),
               j.at("attempt").get<int>(),         j.at("due_us").get<std::int64_t>(),
               j.at("created_us").get<std::int64_t>(), j.value("last_error", std::string())};
  } catch (const nlohmann::json::exception& e) {
    return make_error(std::string("stored job is malformed: ") + e.what());
  }
}

std::string DeliveryQueue::queue_key(const Job& job) { return due_prefix(job.due_us) + "/" + job.id; }

void DeliveryQueue::enqueue(WriteBatch& batch, Job job) {
  std::int64_t now = clock_();
  if (job.created_us == 0) job.created_us = now;
  if (job.due_us == 0) job.due_us = now;
  batch.put(Family::queue, queue_key(job), encode_job(job));
}

Result<std::vector<Job>> DeliveryQueue::claim_due(std::size_t max, std::string_view kind_prefix) {
  std::string now_prefix = due_prefix(clock_());
  std::vector<Job> jobs;
  std::lock_guard lock(mu_);
  Status scanned = store_.scan(Family::queue, "", [&](std::string_view key, std::string_view value) {
    if (key.substr(0, 16) > now_prefix) return false;
    std::string k(key);
    if (held_.count(k)) return true;
    // Most due jobs may be another worker's: look for the kind before decoding the whole job.
    if (!kind_prefix.empty() && value.find("\"kind\":\"" + std::string(kind_prefix)) == std::string_view::npos) return true;
    auto job = decode_job(value);
    if (job && job->kind.compare(0, kind_prefix.size(), kind_prefix) == 0) {
      held_.insert(k);
      jobs.push_back(std::move(*job));
    }
    return jobs.size() < max;
  });
  if (!scanned.ok()) return Error{scanned.error()};
  return jobs;
}

Status DeliveryQueue::move(const Job& job, Family from, const std::string& from_key, Family to,
                           const std::string& to_key) {
  WriteBatch batch = store_.batch();
  batch.remove(from, from_key);
  if (!to_key.empty()) batch.put(to, to_key, encode_job(job));
  return store_.write(batch);
}

Status DeliveryQueue::complete(const Job& job) {
  std::string key = queue_key(job);
  Status s = store_.remove(Family::queue, key);
  std::lock_guard lock(mu_);
  held_.erase(key);
  return s;
}

Status DeliveryQueue::complete(const Job& job, WriteBatch& with) {
  std::string key = queue_key(job);
  with.remove(Family::queue, key);
  Status s = store_.write(with);
  std::lock_guard lock(mu_);
  held_.erase(key);
  return s;
}

Status DeliveryQueue::retry_later(Job job, const std::string& error, std::optional<std::int64_t> retry_after_us) {
  std::string old_key = queue_key(job);
  job.attempt += 1;
  job.last_error = error;
  Status s;
  if (job.attempt >= kMaxDeliveryAttempts) {
    s = move(job, Family::queue, old_key, Family::dead, job.id);
  } else {
    thread_local std::mt19937 rng{std::random_device{}()};
    std::int64_t jitter = static_cast<std::int64_t>(rng() % 10) * (job.attempt + 1);
    std::int64_t delay_us = (retry_delay_seconds(job.attempt) + jitter) * 1'000'000;
    job.due_us = std::max(clock_() + delay_us, retry_after_us.value_or(0));
    s = move(job, Family::queue, old_key, Family::queue, queue_key(job));
  }
  std::lock_guard lock(mu_);
  held_.erase(old_key);
  return s;
}

Status DeliveryQueue::give_up(Job job, const std::string& error) {
  std::string old_key = queue_key(job);
  job.attempt += 1;
  job.last_error = error;
  Status s = move(job, Family::queue, old_key, Family::dead, job.id);
  std::lock_guard lock(mu_);
  held_.erase(old_key);
  return s;
}

Status DeliveryQueue::release(Job job, std::int64_t due_us) {
  std::string old_key = queue_key(job);
  job.due_us = due_us;
  Status s = old_key == queue_key(job) ? Status() : move(job, Family::queue, old_key, Family::queue, queue_key(job));
  std::lock_guard lock(mu_);
  held_.erase(old_key);
  return s;
}

Result<std::vector<Job>> DeliveryQueue::dead_jobs(std::size_t max) const {
  std::vector<Job> out;
  Status scanned = store_.scan(Family::dead, "", [&](std::string_view, std::string_view value) {
    if (auto job = decode_job(value)) out.push_back(std::move(*job));
    return out.size() < max;
  });
  if (!scanned.ok()) return Error{scanned.error()};
  return out;
}

Status DeliveryQueue::for_each_queued(const std::function<void(const Job&)>& visit) const {
  return store_.scan(Family::queue, "", [&](std::string_view, std::string_view value) {
    if (auto job = decode_job(value)) visit(*job);
    return true;
  });
}

Status DeliveryQueue::for_each_dead(const std::function<void(const Job&)>& visit) const {
  return store_.scan(Family::dead, "", [&](std::string_view, std::string_view value) {
    if (auto job = decode_job(value)) visit(*job);
    return true;
  });
}

Status DeliveryQueue::revive(const std::string& job_id) {
  auto stored = store_.get(Family::dead, job_id);
  if (!stored) return Error{stored.error()};
  if (!stored->has_value()) return make_error("no dead job " + job_id);
  auto job = decode_job(**stored);
  if (!job) return Error{job.error()};
  job->attempt = 0;
  job->due_us = clock_();
  return move(*job, Family::dead, job_id, Family::queue, queue_key(*job));
}

Result<std::size_t> DeliveryQueue::pending_count() const {
  std::size_t n = 0;
  Status scanned = store_.scan(Family::queue, "", [&](std::string_view, std::string_view) {
    ++n;
    return true;
  });
  if (!scanned.ok()) return Error{scanned.error()};
  return n;
}

}  // namespace causeway
