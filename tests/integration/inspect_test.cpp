// `causeway inspect` on the shared fixtures, as an operator runs it.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "protocols/atproto/car.h"
#include "tests/support/child_process.h"
#include "tests/support/commit_keys.h"
#include "tests/support/fixtures.h"
#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"

using namespace causeway::testing;
using nlohmann::json;

namespace {

ProcessOutput inspect(std::vector<std::string> args) {
  args.insert(args.begin(), {causeway_binary().string(), "inspect"});
  return run_process(args, source_dir());
}

}  // namespace

TEST_CASE("inspect syntax says valid or why not, with exit 0 or 1", "[inspect]") {
  auto ok = inspect({"syntax", "handle", "alice.bsky.social"});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out == "valid handle: alice.bsky.social\n");
  auto bad = inspect({"syntax", "did", "did:plc:", "--json"});
  CHECK(bad.exit_code == 1);
  json j = json::parse(bad.out);
  CHECK(j["valid"] == false);
  CHECK(j["kind"] == "did");
  CHECK_FALSE(j["error"].get<std::string>().empty());
  CHECK(inspect({"syntax", "colour", "red"}).exit_code == 2);
  CHECK(inspect({"syntax", "tid", "3jzfcijpj2z2a"}).exit_code == 0);
  CHECK(inspect({"syntax", "rkey", ".."}).exit_code == 1);
}

TEST_CASE("inspect frame decodes a firehose message to JSON", "[inspect]") {
  auto out = inspect({"frame", fixture_path("firehose-frames/000010-commit.cbor").string(),
                      fixture_path("firehose-frames/error-FutureCursor.cbor").string(), "--json"});
  CHECK(out.exit_code == 0);
  auto newline = out.out.find('\n');
  json commit = json::parse(out.out.substr(0, newline));
  CHECK(commit["type"] == "#commit");
  CHECK(commit["seq"] == 10);
  CHECK(commit["ops"][0]["record"]["$type"] == "app.bsky.feed.post");
  json error = json::parse(out.out.substr(newline + 1));
  CHECK(error["error"] == "FutureCursor");
}

TEST_CASE("inspect cbor prints atproto JSON or the strictness rule broken", "[inspect]") {
  TempDir dir;
  // {"a": 1} with a non-minimal integer
  auto bad = dir.write("bad.cbor", std::string("\xa1\x61\x61\x18\x01", 5));
  auto good = dir.write("good.cbor", std::string("\xa1\x61\x61\x01", 4));
  auto out = inspect({"cbor", good.string(), "--json"});
  CHECK(out.exit_code == 0);
  json j = json::parse(out.out);
  CHECK(j["value"] == json{{"a", 1}});
  CHECK(j["cid"].get<std::string>().rfind("bafyrei", 0) == 0);
  auto rejected = inspect({"cbor", bad.string()});
  CHECK(rejected.exit_code == 1);
  CHECK(rejected.out == bad.string() +
                            ": not strict DAG-CBOR: DAG-CBOR at byte 3: integer or length is not in its shortest form\n");
}

TEST_CASE("inspect car checks hashes, MST root and signature", "[inspect]") {
  auto valid = inspect({"car", fixture_path("atproto-car/greenground.repo.car").string(), "--did-doc",
                        fixture_path("atproto-car/greenground.didDoc.json").string(), "--json"});
  CHECK(valid.exit_code == 0);
  json j = json::parse(valid.out);
  CHECK(j["version"] == 3);
  CHECK(j["rev"] == "3k67up3j7hf2x");
  CHECK(j["records"] == 2);
  CHECK(j["mst_root_matches"] == true);
  CHECK(j["signature"] == "valid");
  CHECK(j["errors"].empty());
  CHECK(j["blocks_verified"].get<int>() > 0);

  auto rotated = inspect({"car", fixture_path("atproto-car/bafyreieovfuizojpw3zresz7sx3nk4trm2by23pt5rxbey3jme4uo5ogiu.car").string(),
                          "--did-doc", fixture_path("atproto-car/did_plc_z5vnbioquyhivxirw3bbljmu.didDoc.json").string(),
                          "--json"});
  CHECK(rotated.exit_code == 1);
  json r = json::parse(rotated.out);
  CHECK(r["mst_root_matches"] == true);
  CHECK(r["signature"].get<std::string>().rfind("invalid: ", 0) == 0);

  auto unchecked = inspect({"car", fixture_path("firehose-frames/repo-alice.car").string(), "--json"});
  CHECK(unchecked.exit_code == 0);
  CHECK(json::parse(unchecked.out)["signature"] == "unchecked");

  TempDir dir;
  auto garbage = dir.write("x.car", "not a car");
  auto broken = inspect({"car", garbage.string(), "--json"});
  CHECK(broken.exit_code == 1);
  CHECK_FALSE(json::parse(broken.out)["errors"].empty());
}

TEST_CASE("inspect car fails a commit whose signature is high-S, with or without the key", "[inspect]") {
  using namespace causeway::atproto;
  // greenground's repo with s replaced by n - s: the same signature in its non-canonical twin,
  // which OpenSSL-style verifiers accept and atproto refuses.
  auto car = CarFile::parse(read_file(fixture_path("atproto-car/greenground.repo.car"))).value();
  auto commit = decode_commit(*car.block(car.roots()[0])).value();
  commit.sig = other_s(commit.sig, Curve::k256);
  std::string block = encode_commit(commit);
  Cid root = Cid::compute(kCodecDagCbor, block);
  std::vector<std::pair<Cid, std::string>> blocks{{root, block}};
  for (const auto& [cid, bytes] : car.blocks())
    if (!(cid == car.roots()[0])) blocks.emplace_back(cid, std::string(bytes));
  TempDir dir;
  auto high_s = dir.write("high-s.car", write_car({root}, blocks));

  auto keyed = inspect({"car", high_s.string(), "--did-doc", fixture_path("atproto-car/greenground.didDoc.json").string(),
                        "--json"});
  CHECK(keyed.exit_code == 1);
  json k = json::parse(keyed.out);
  CHECK(k["mst_root_matches"] == true);
  CHECK(k["signature"] == "invalid: signature is high-S (not canonical)");

  // No key given: a high-S signature is wrong whatever the key, so it is not "unchecked".
  auto keyless = inspect({"car", high_s.string(), "--json"});
  INFO(keyless.out);
  CHECK(keyless.exit_code == 1);
  json u = json::parse(keyless.out);
  CHECK(u["signature"] == "invalid: signature is high-S (not canonical)");
  CHECK_FALSE(u["errors"].empty());
}
