// `causeway convert --fetch` as an operator runs it: the binary against a fediverse server on
// loopback that serves a member's actor and two images. With --fetch the preview names the
// author as the writer would and shows each image's fetched size and type, or why it is left out;
// without it, nothing is asked of the network at all.
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.h"
#include "tests/support/net_util.h"
#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"

using namespace causeway::testing;
using nlohmann::json;

namespace {

// A member's server: /users/ann, a small PNG and one over Bluesky's 1 MB. Counts every request.
class MemberServer {
 public:
  MemberServer() {
    server_.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests_;
      if (req.path == "/users/ann") {
        res.set_content(json{{"@context", "https://www.w3.org/ns/activitystreams"},
                             {"id", origin() + "/users/ann"},
                             {"type", "Person"},
                             {"preferredUsername", "ann"},
                             {"name", "Ann Example"},
                             {"inbox", origin() + "/users/ann/inbox"}}
                            .dump(),
                        "application/activity+json");
      } else if (req.path == "/small.png") {
        res.set_content(std::string(1234, 'p'), "image/png");
      } else if (req.path == "/huge.jpg") {
        res.set_content(std::string(1'200'000, 'j'), "image/jpeg");
      } else {
        res.status = 404;
      }
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    eventually([this] { return server_.is_running(); });
  }
  ~MemberServer() {
    server_.stop();
    thread_.join();
  }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0};
};

// A Note by ann with both images, written where the binary reads it.
std::string write_post(const TempDir& dir, const MemberServer& server) {
  json note = {{"@context", "https://www.w3.org/ns/activitystreams"},
               {"type", "Note"},
               {"id", server.origin() + "/notes/1"},
               {"attributedTo", server.origin() + "/users/ann"},
               {"to", {"https://www.w3.org/ns/activitystreams#Public"}},
               {"content", "<p>Two pictures from the march</p>"},
               {"attachment",
                {{{"type", "Document"}, {"mediaType", "image/png"}, {"url", server.origin() + "/small.png"}, {"name", "a banner"}},
                 {{"type", "Document"}, {"mediaType", "image/jpeg"}, {"url", server.origin() + "/huge.jpg"}, {"name", "the crowd"}}}}};
  return dir.write("note.json", note.dump()).string();
}

std::string write_config(const TempDir& dir, bool allow_private) {
  return dir
      .write("causeway.yaml", std::string("server: { public_url: https://bridge.example.org, listen: 127.0.0.1:8480 }\n"
                                          "storage: { path: ./data }\nsecrets: { master_key_file: ./master.key }\n"
                                          "network: { allow_private_addresses: ") +
                                  (allow_private ? "true" : "false") +
                                  " }\nbridges:\n  - name: townhall\n    fediverse: { host: { name: townhall } }\n")
      .string();
}

json convert(const TempDir& dir, std::vector<std::string> extra) {
  std::vector<std::string> argv{causeway_binary().string(), "convert", "--to", "bluesky"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  ProcessOutput run = run_process(argv, dir.path());
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  return json::parse(run.out);
}

}  // namespace

TEST_CASE("a preview with --fetch names the author and weighs each image as the writer would", "[convert]") {
  MemberServer server;
  TempDir dir;
  std::string post = write_post(dir, server), config = write_config(dir, true);
  json out = convert(dir, {"--bridge", "townhall", "--config", config, "--fetch", post});
  std::string text = out["records"][0]["text"];
  CHECK(text.rfind("Ann Example (@ann@127.0.0.1:", 0) == 0);
  REQUIRE(out["images"].size() == 2);
  CHECK(out["images"][0]["size"] == 1234);
  CHECK(out["images"][0]["mimeType"] == "image/png");
  CHECK(out["images"][1]["why"].get<std::string>().find("over 1 MB") != std::string::npos);
  // Only the image that fits is in the record, with the size that would be uploaded.
  const json& embedded = out["records"][0]["embed"]["images"];
  REQUIRE(embedded.size() == 1);
  CHECK(embedded[0]["image"]["size"] == 1234);
  CHECK(embedded[0]["alt"] == "a banner");
}

TEST_CASE("without --fetch the preview asks nothing of the network", "[convert]") {
  MemberServer server;
  TempDir dir;
  std::string post = write_post(dir, server), config = write_config(dir, true);
  json out = convert(dir, {"--bridge", "townhall", "--config", config, post});
  CHECK(server.requests() == 0);
  CHECK(out["records"][0]["text"].get<std::string>().find("Ann Example") == std::string::npos);
  CHECK(!out["images"][0].contains("size"));
}

TEST_CASE("a preview with --fetch goes through the outbound guard: loopback is refused unless the config allows it", "[convert]") {
  MemberServer server;
  TempDir dir;
  std::string post = write_post(dir, server);
  json out = convert(dir, {"--fetch", post});  // the defaults: no private addresses
  CHECK(server.requests() == 0);
  CHECK(out["images"][0]["why"].get<std::string>().find("image not fetched") != std::string::npos);
  CHECK(out["why"].dump().find("the author's profile was not fetched") != std::string::npos);
}

// The command's contract as the operator meets it: exit codes, standard input, a bridge's options.
namespace {

ProcessOutput causeway_cli(const TempDir& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{causeway_binary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, dir.path());
}

std::string long_note(const TempDir& dir) {
  std::string text;
  for (int i = 1; i <= 30; ++i) text += "Point " + std::to_string(i) + " of the plan is agreed by all. ";
  json note = {{"type", "Note"},
               {"id", "https://social.example/notes/long"},
               {"attributedTo", "https://social.example/users/ann"},
               {"to", {"https://www.w3.org/ns/activitystreams#Public"}},
               {"content", "<p>" + text + "</p>"}};
  return dir.write("long.json", note.dump()).string();
}

}  // namespace

TEST_CASE("convert: usage errors exit 2 with the usage, refusals exit 1 with the reason", "[convert]") {
  TempDir dir;
  std::string note = long_note(dir);
  ProcessOutput bad_to = causeway_cli(dir, {"convert", "--to", "mastodon", note});
  CHECK(bad_to.exit_code == 2);
  CHECK(bad_to.err.find("--to must be bluesky or fediverse") != std::string::npos);
  CHECK(bad_to.err.find("Usage: causeway convert") != std::string::npos);
  CHECK(causeway_cli(dir, {"convert", "--to", "bluesky", "--bridge", "townhall", note}).exit_code == 2);  // no --config
  CHECK(causeway_cli(dir, {"convert", "--to", "bluesky", (dir.path() / "missing.json").string()}).exit_code == 2);
  ProcessOutput help = causeway_cli(dir, {"convert", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--fetch") != std::string::npos);

  std::string follow = dir.write("follow.json", json{{"type", "Follow"},
                                                      {"id", "https://social.example/follows/1"},
                                                      {"actor", "https://social.example/users/ann"},
                                                      {"object", "https://bridge.example/ap/group/townhall"}}
                                                     .dump())
                           .string();
  ProcessOutput refused = causeway_cli(dir, {"convert", "--to", "bluesky", follow});
  CHECK(refused.exit_code == 1);
  json out = json::parse(refused.out, nullptr, false);
  REQUIRE(out.is_object());
  CHECK_FALSE(out.value("refused", "").empty());
  CHECK(refused.err.find("refused: ") != std::string::npos);
}

TEST_CASE("convert: a long post previews as a numbered thread, or one cut post with the bridge's long_posts: truncate",
          "[convert]") {
  TempDir dir;
  std::string note = long_note(dir);
  ProcessOutput thread = causeway_cli(dir, {"convert", "--to", "bluesky", note});
  REQUIRE(thread.exit_code == 0);
  json records = json::parse(thread.out)["records"];
  REQUIRE(records.size() >= 3);
  std::string n = std::to_string(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    std::string text = records[i]["text"];
    CHECK(text.ends_with(" (" + std::to_string(i + 1) + "/" + n + ")"));
  }
  CHECK(records[1]["reply"]["parent"]["uri"] == "(part 1)");

  std::string config = dir.write("causeway.yaml", "server: { public_url: https://bridge.example.org, listen: 127.0.0.1:8480 }\n"
                                                  "storage: { path: ./data }\nsecrets: { master_key_file: ./master.key }\n"
                                                  "bridges:\n  - name: townhall\n    fediverse: { host: { name: townhall } }\n"
                                                  "    mirror: { long_posts: truncate }\n")
                           .string();
  ProcessOutput cut = causeway_cli(dir, {"convert", "--to", "bluesky", "--bridge", "townhall", "--config", config, note});
  INFO(cut.err);
  REQUIRE(cut.exit_code == 0);
  CHECK(json::parse(cut.out)["records"].size() == 1);
}

TEST_CASE("convert: a Bluesky record read from standard input previews as a Note and its activity", "[convert]") {
  TempDir dir;
  std::string record = dir.write("post.json", json{{"$type", "app.bsky.feed.post"},
                                                   {"text", "hello from Bluesky"},
                                                   {"createdAt", "2026-12-03T10:00:00.000Z"}}
                                                  .dump())
                           .string();
  ProcessOutput run = run_process({"/bin/sh", "-c", "\"$0\" convert --to fediverse - < \"$1\"", causeway_binary().string(), record},
                                  dir.path());
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  json out = json::parse(run.out);
  CHECK(out.dump().find("hello from Bluesky") != std::string::npos);
  CHECK(out.dump().find("\"Note\"") != std::string::npos);
  CHECK(out.dump().find("\"Create\"") != std::string::npos);
}

TEST_CASE("convert: an input over 1 MiB is refused with the reason, not read into a conversion", "[convert]") {
  TempDir dir;
  std::string huge = dir.write("huge.json", "{\"type\":\"Note\",\"content\":\"" + std::string(1 << 20, 'a') + "\"}").string();
  ProcessOutput run = causeway_cli(dir, {"convert", "--to", "bluesky", huge});
  CHECK(run.exit_code == 1);
  CHECK(run.out.find("the input is over 1 MiB") != std::string::npos);
}
