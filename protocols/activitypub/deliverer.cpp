#include "protocols/activitypub/deliverer.h"

#include <spdlog/spdlog.h>

#include "protocols/activitypub/outbox.h"

namespace causeway::activitypub {
namespace {

const char* scheme_name(SignatureScheme s) { return s == SignatureScheme::cavage ? "cavage" : "rfc9421"; }
SignatureScheme other(SignatureScheme s) {
  return s == SignatureScheme::cavage ? SignatureScheme::rfc9421 : SignatureScheme::cavage;
}

// Retry-After as seconds or an HTTP date, turned into an absolute time.
std::optional<std::int64_t> retry_after_us(const HttpResponse& response, std::int64_t now_us) {
  std::string value = response.header("retry-after");
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); }))
    return now_us + std::stoll(value.substr(0, 9)) * 1'000'000;
  std::tm tm{};
  if (strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000;
  return std::nullopt;
}

}  // namespace

Deliverer::Deliverer(DeliveryQueue& queue, const HttpClient& http, RequestSigner sign, Metrics& metrics, Clock clock,
                     DelivererOptions options, AnnounceStyleOf announce_style)
    : queue_(queue),
      http_(http),
      sign_(std::move(sign)),
      metrics_(metrics),
      clock_(std::move(clock)),
      options_(options),
      announce_style_(std::move(announce_style)) {}

Deliverer::~Deliverer() { stop(); }

void Deliverer::start() {
  running_ = true;
  for (int i = 0; i < options_.threads; ++i)
    threads_.emplace_back([this] {
      while (running_) {
        if (run_due() == 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(5));  // an idle poll is one cheap seek
      }
    });
}

void Deliverer::stop() {
  running_ = false;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

std::size_t Deliverer::run_due() {
  auto jobs = queue_.claim_due(8, "ap.");
  if (!jobs) {
    spdlog::error("delivery: cannot read the queue: {}", jobs.error());
    return 0;
  }
  for (auto& job : *jobs) deliver(std::move(job));
  return jobs->size();
}

bool Deliverer::acquire(const std::string& host, std::int64_t now) {
  std::lock_guard lock(mu_);
  HostState& h = hosts_[host];
  if (h.open_until_us > now || h.in_flight >= options_.per_host_concurrency) return false;
  ++h.in_flight;
  return true;
}

void Deliverer::finish(const std::string& host, bool success) {
  std::lock_guard lock(mu_);
  HostState& h = hosts_[host];
  --h.in_flight;
  if (success) {
    h.consecutive_failures = 0;
  } else if (++h.consecutive_failures >= options_.breaker_failures) {
    h.open_until_us = clock_() + options_.breaker_cooldown.count() * 1'000'000;
    spdlog::warn("delivery: {} failed {} times in a row; pausing deliveries to it for {} s", host,
                 h.consecutive_failures, options_.breaker_cooldown.count());
  }
}

void Deliverer::deliver(Job job) {
  std::string host = host_of_url(job.target);
  std::int64_t now = clock_();
  if (!acquire(host, now)) {
    Status released = queue_.release(job, now + 1'000'000);
    if (!released.ok()) spdlog::error("delivery {}: {}", job.id, released.error());
    return;
  }
  auto payload = decode_payload(job.payload);
  if (!payload) {
    finish(host, true);
    Status s = queue_.give_up(job, "job payload is damaged");
    if (!s.ok()) spdlog::error("delivery {}: {}", job.id, s.error());
    return;
  }
  const std::string& body = payload->boost.empty() || (announce_style_ && announce_style_(job.target) == AnnounceStyle::activity)
                                ? payload->activity
                                : payload->boost;
  SignatureScheme scheme = options_.first_scheme;
  {
    std::lock_guard lock(mu_);
    if (hosts_[host].works) scheme = *hosts_[host].works;
  }
  FetchResult result;
  for (int knock = 0; knock < 2; ++knock) {
    HttpRequest request{"POST", job.target, {{"Content-Type", "application/activity+json"},
                                             {"Accept", "application/activity+json"}}, body};
    result = http_.fetch(request, FetchLimits{64 * 1024, std::chrono::seconds(15), 0},
                         [&](HttpRequest& r, const Url& url) {
                           Status signed_ok = sign_(r, url, payload->actor_key, scheme);
                           if (!signed_ok.ok()) spdlog::error("delivery {}: signing: {}", job.id, signed_ok.error());
                         });
    bool refused = result.ok() && (result.response.status == 401 || result.response.status == 403);
    if (!refused || knock == 1) break;
    spdlog::info("delivery {}: {} refused the {} signature; trying {}", job.id, host, scheme_name(scheme),
                 scheme_name(other(scheme)));
    scheme = other(scheme);
  }
  int status = result.ok() ? result.response.status : 0;
  std::string outcome;
  Status stored;
  if (result.ok() && status >= 200 && status < 300) {
    {
      std::lock_guard lock(mu_);
      hosts_[host].works = scheme;
    }
    finish(host, true);
    stored = queue_.complete(job);
    outcome = "delivered";
  } else if (result.ok() && status >= 400 && status < 500 && status != 408 && status != 429) {
    finish(host, true);  // the host answered; it just does not want this
    stored = queue_.give_up(job, "HTTP " + std::to_string(status));
    outcome = "refused";
  } else {
    finish(host, false);
    std::string error = result.ok() ? "HTTP " + std::to_string(status) : result.message;
    stored = queue_.retry_later(job, error, result.ok() ? retry_after_us(result.response, clock_()) : std::nullopt);
    outcome = "retry";
  }
  if (!stored.ok()) spdlog::error("delivery {}: updating the queue: {}", job.id, stored.error());
  metrics_.counter("causeway_deliveries_total", "Outbound deliveries by outcome.", {{"outcome", outcome}}).inc();
  spdlog::info("delivery {}: {} ({})", job.id, outcome, result.ok() ? "HTTP " + std::to_string(status) : result.message);
}

}  // namespace causeway::activitypub
