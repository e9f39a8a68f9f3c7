// End-to-end latency of the bridge on loopback, between a real Fedify server and a real PDS (the
// same setup as the end-to-end tests). One item at a time, so the figures are latency, not
// throughput. For each direction it prints p50 and p99 of:
//   fediverse -> Bluesky
//     causeway   inbox receipt -> record committed on the PDS (createRecord answered)
//     whole      the member's server starts sending -> record committed
//   Bluesky -> fediverse
//     causeway   reply seen on the firehose -> the Create and the group's Announce queued
//     delivered  reply seen on the firehose -> the group's Announce received by a member's server
//     whole      createRecord sent to the PDS -> Announce received by the member's server
// "causeway" figures come from causeway's own decision times (`causeway why`), "whole" ones include
// the peers' time. Usage: bridge_latency_bench [--items N] (default 50).
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/bridge_setup.h"
#include "tests/support/net_util.h"

using namespace causeway::testing;
using nlohmann::json;

namespace {

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t iso_to_us(const std::string& iso) {  // "2026-11-22T05:37:33.123Z"
  std::tm tm{};
  const char* rest = strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return 0;
  std::int64_t ms = 0;
  if (*rest == '.') ms = std::atoi(rest + 1);
  return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000 + ms * 1000;
}

struct Series {
  const char* name;
  std::vector<double> ms;
  void add(std::int64_t us) { ms.push_back(static_cast<double>(us) / 1000.0); }
  void print() {
    if (ms.empty()) return;
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * (ms.size() - 1) + 0.5))]; };
    std::printf("  %-52s p50 %8.1f ms   p99 %8.1f ms   (n=%zu)\n", name, at(0.50), at(0.99), ms.size());
  }
};

class Admin {
 public:
  explicit Admin(const CausewayDaemon& c) : client_("127.0.0.1", c.admin_port()) {
    std::ifstream in(c.dir() / "data" / "admin.token");
    std::getline(in, token_);
  }
  // The decisions about `id` once one says `outcome`.
  json wait_for(const std::string& id, const std::string& outcome) {
    json found;
    eventually([&] {
      auto res = client_.Get(("/admin/why?id=" + httplib::detail::encode_query_param(id)).c_str(),
                             httplib::Headers{{"Authorization", "Bearer " + token_}});
      if (!res || res->status != 200) return false;
      found = json::parse(res->body, nullptr, false);
      if (!found.is_array()) return false;
      for (const auto& d : found)
        if (d.value("outcome", "") == outcome) return true;
      return false;
    }, std::chrono::seconds(30), std::chrono::milliseconds(2));
    return found;
  }
  static std::int64_t at(const json& decisions, const std::string& outcome) {
    for (const auto& d : decisions)
      if (d.value("outcome", "") == outcome) return d.value("at_us", std::int64_t{0});
    return 0;
  }

 private:
  httplib::Client client_;
  std::string token_;
};

}  // namespace

int main(int argc, char** argv) {
  int items = 50;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--items") items = std::max(1, std::atoi(argv[i + 1]));
  BridgeSetup b;
  b.join("alice");
  b.join("carol");
  Admin admin(*b.causeway);

  Series to_bsky_causeway{"fediverse -> Bluesky, causeway (receipt -> committed)"};
  Series to_bsky_whole{"fediverse -> Bluesky, whole (member sends -> committed)"};
  Series to_fedi_causeway{"Bluesky -> fediverse, causeway (firehose -> queued)"};
  Series to_fedi_delivered{"Bluesky -> fediverse, firehose -> member inbox"};
  Series to_fedi_whole{"Bluesky -> fediverse, whole (createRecord -> inbox)"};

  // The first of each logs in, resolves and makes keys: not measured.
  for (int i = -1; i < items; ++i) {
    std::int64_t t0 = now_us();
    json note = b.post("alice", "<p>Latency probe " + std::to_string(i) + " #bench</p>");
    json d = admin.wait_for(note["note"], "bridged");
    std::int64_t queued = Admin::at(d, "queued"), bridged = Admin::at(d, "bridged");
    std::string uri;
    for (const auto& x : d)
      if (x.value("outcome", "") == "bridged") uri = x.value("copy", "");
    if (uri.empty()) {
      std::cerr << "not bridged: " << d.dump() << "\n" << b.causeway->log();
      return 1;
    }
    if (i >= 0) {
      to_bsky_causeway.add(bridged - queued);
      to_bsky_whole.add(bridged - t0);
    }

    json head = b.record(uri);
    json record{{"$type", "app.bsky.feed.post"},
                {"text", "Reply probe " + std::to_string(i)},
                {"createdAt", "2026-11-22T06:00:00.000Z"},
                {"reply", {{"root", {{"uri", uri}, {"cid", head["cid"]}}}, {"parent", {{"uri", uri}, {"cid", head["cid"]}}}}}};
    std::int64_t t1 = now_us();
    json reply = b.create(b.bob, "app.bsky.feed.post", record);
    json r = admin.wait_for(reply["uri"], "bridged");
    std::string note_id;
    for (const auto& x : r)
      if (x.value("outcome", "") == "bridged") note_id = x.value("copy", "");
    std::int64_t seen = Admin::at(r, "queued"), written = Admin::at(r, "bridged");
    std::int64_t inbox = 0;
    eventually([&] {
      for (const auto& a : b.received("carol", "Announce", b.group))
        if (a.value("object_id", "") == note_id) inbox = iso_to_us(a.value("received_at", ""));
      return inbox != 0;
    }, std::chrono::seconds(30), std::chrono::milliseconds(2));
    if (i >= 0) {
      to_fedi_causeway.add(written - seen);
      if (inbox) {
        to_fedi_delivered.add(inbox - seen);
        to_fedi_whole.add(inbox - t1);
      }
    }
  }
  std::printf("bridge latency on loopback, %d items each way, one at a time (Fedify %s, PDS %s):\n", items,
              b.fedify.origin().c_str(), b.pds.url().c_str());
  for (Series* s : {&to_bsky_causeway, &to_bsky_whole, &to_fedi_causeway, &to_fedi_delivered, &to_fedi_whole}) s->print();
  std::printf("  (member inbox times are the Fedify peer's receipt times, to the millisecond)\n");
  return 0;
}
