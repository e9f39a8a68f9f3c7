// The AT Protocol data layer against Bluesky's public vectors and real PDS output: DAG-CBOR, CIDs,
// CAR files, the MST, commits and firehose frames.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

#include "bridge/base/base64.h"
#include "protocols/atproto/car.h"
#include "protocols/atproto/commit.h"
#include "protocols/atproto/dag_cbor.h"
#include "protocols/atproto/did_document.h"
#include "protocols/atproto/firehose_frame.h"
#include "protocols/atproto/mst.h"
#include "protocols/atproto/repo_check.h"
#include "tests/support/fixtures.h"
#include "tests/support/temp_dir.h"

using namespace causeway;
using namespace causeway::atproto;
using nlohmann::json;

namespace {

json load_json(const std::string& relative) {
  std::ifstream in(testing::fixture_path(relative));
  return json::parse(in);
}

std::string bytes_of(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

std::string fixture_bytes(const std::string& relative) { return testing::read_file(testing::fixture_path(relative)); }

}  // namespace

TEST_CASE("data model vectors: JSON, DAG-CBOR bytes and CIDs agree exactly", "[dag-cbor]") {
  json cases = load_json("atproto-interop-tests/data-model/data-model-fixtures.json");
  REQUIRE(cases.size() >= 3);
  for (const auto& c : cases) {
    INFO(c["cid"].get<std::string>());
    auto expected_bytes = base64_decode(c["cbor_base64"].get<std::string>());
    REQUIRE(expected_bytes.ok());
    auto from_json = from_atproto_json(c["json"]);
    REQUIRE(from_json.ok());
    std::string encoded = encode_dag_cbor(*from_json);
    CHECK(encoded == *expected_bytes);
    CHECK(Cid::compute(kCodecDagCbor, encoded).to_string() == c["cid"].get<std::string>());
    auto decoded = decode_dag_cbor(*expected_bytes);
    REQUIRE(decoded.ok());
    CHECK(to_atproto_json(*decoded) == c["json"]);
  }
}

TEST_CASE("data model valid and invalid JSON vectors", "[dag-cbor]") {
  for (const auto& c : load_json("atproto-interop-tests/data-model/data-model-valid.json")) {
    INFO(c["note"].get<std::string>());
    auto v = from_atproto_json(c["json"]);
    CHECK(v.ok());
  }
  for (const auto& c : load_json("atproto-interop-tests/data-model/data-model-invalid.json")) {
    INFO(c["note"].get<std::string>());
    CHECK_FALSE(from_atproto_json(c["json"]).ok());
  }
}

TEST_CASE("the DAG-CBOR decoder rejects every non-canonical form with the reason", "[dag-cbor]") {
  struct Case {
    const char* what;
    std::string bytes;
    std::string reason;
  };
  std::string cid = Cid::compute(kCodecRaw, "x").to_bytes();
  const std::vector<Case> cases = {
      {"non-minimal integer", bytes_of({0x18, 0x01}), "DAG-CBOR at byte 0: integer or length is not in its shortest form"},
      {"non-minimal length", bytes_of({0x79, 0x00, 0x01, 0x61}), "DAG-CBOR at byte 0: integer or length is not in its shortest form"},
      {"indefinite array", bytes_of({0x9f, 0x01, 0xff}), "DAG-CBOR at byte 0: indefinite-length items are not allowed"},
      {"indefinite string", bytes_of({0x7f, 0x61, 0x61, 0xff}), "DAG-CBOR at byte 0: indefinite-length items are not allowed"},
      {"unsorted keys", bytes_of({0xa2, 0x62, 'b', 'b', 0x01, 0x61, 'a', 0x02}),
       "DAG-CBOR at byte 5: map keys are not in canonical order (\"bb\" before \"a\")"},
      {"bytewise unsorted keys", bytes_of({0xa2, 0x61, 'b', 0x01, 0x61, 'a', 0x02}),
       "DAG-CBOR at byte 4: map keys are not in canonical order (\"b\" before \"a\")"},
      {"duplicate key", bytes_of({0xa2, 0x61, 'a', 0x01, 0x61, 'a', 0x02}), "DAG-CBOR at byte 4: duplicate map key \"a\""},
      {"integer key", bytes_of({0xa1, 0x01, 0x02}), "DAG-CBOR at byte 1: map keys must be text strings"},
      {"half float", bytes_of({0xf9, 0x3c, 0x00}), "DAG-CBOR at byte 0: floats are not allowed"},
      {"double", bytes_of({0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}), "DAG-CBOR at byte 0: floats are not allowed"},
      {"undefined", bytes_of({0xf7}), "DAG-CBOR at byte 0: undefined is not allowed"},
      {"other tag", bytes_of({0xc1, 0x01}), "DAG-CBOR at byte 0: tag 1 is not allowed (only 42, a CID link)"},
      {"CID without 0x00 prefix", bytes_of({0xd8, 0x2a, 0x58, static_cast<int>(cid.size())}) + cid,
       "DAG-CBOR at byte 2: CID link lacks the 0x00 multibase prefix"},
      {"tag 42 on a string", bytes_of({0xd8, 0x2a, 0x61, 'a'}), "DAG-CBOR at byte 2: tag 42 must wrap a byte string"},
      {"trailing bytes", bytes_of({0x01, 0x02}), "DAG-CBOR: 1 trailing bytes after the object at offset 1"},
      {"length beyond input", bytes_of({0x5a, 0xff, 0xff, 0xff, 0xff}),
       "DAG-CBOR at byte 5: byte string length 4294967295 exceeds the 0 bytes left"},
      {"huge array", bytes_of({0x9b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
       "DAG-CBOR at byte 0: array length 9223372036854775807 exceeds the input"},
      {"integer past int64", bytes_of({0x1b, 0x80, 0, 0, 0, 0, 0, 0, 0}),
       "DAG-CBOR at byte 0: integer is beyond the signed 64-bit range"},
      {"invalid UTF-8", bytes_of({0x62, 0xc3, 0x28}), "DAG-CBOR at byte 0: text string is not valid UTF-8"},
      {"truncated", bytes_of({0x82, 0x01}), "DAG-CBOR at byte 0: array length 2 exceeds the input"},
      {"truncated map value", bytes_of({0xa1, 0x61, 'a'}), "DAG-CBOR at byte 3: unexpected end of input"},
      {"empty input", "", "DAG-CBOR at byte 0: unexpected end of input"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto v = decode_dag_cbor(c.bytes);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error() == c.reason);
  }
  std::string deep(100, static_cast<char>(0x81));
  deep.push_back(0x01);
  CHECK(decode_dag_cbor(deep).error() == "DAG-CBOR at byte 65: nesting deeper than 64");
}

TEST_CASE("the encoder writes canonical DAG-CBOR: length-first keys, shortest integers", "[dag-cbor]") {
  Value v(Map{{"bb", Value(1)}, {"a", Value(-24)}, {"ccc", Value(int64_t{1} << 40)}, {"b", Value(Bytes{"\x01"})}});
  std::string out = encode_dag_cbor(v);
  CHECK(out == bytes_of({0xa4, 0x61, 'a', 0x37, 0x61, 'b', 0x41, 0x01, 0x62, 'b', 'b', 0x01, 0x63, 'c', 'c', 'c', 0x1b,
                         0, 0, 0x01, 0, 0, 0, 0, 0}));
  auto back = decode_dag_cbor(out);
  REQUIRE(back.ok());
  CHECK(*back == v);
  Cid link = Cid::compute(kCodecDagCbor, "hello");
  auto linked = decode_dag_cbor(encode_dag_cbor(Value(Array{Value(link), Value(nullptr), Value(true)})));
  REQUIRE(linked.ok());
  CHECK(linked->as_array()[0].as_link() == link);
}

TEST_CASE("CIDs parse, print and reject what atproto does not allow", "[cid]") {
  const std::string text = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm";
  auto cid = Cid::parse(text);
  REQUIRE(cid.ok());
  CHECK(cid->to_string() == text);
  CHECK(cid->codec() == kCodecDagCbor);
  CHECK(cid->is_atproto_blessed());
  CHECK(Cid::parse("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG").error() == "CIDv0 is not allowed in atproto");
  CHECK_FALSE(Cid::parse("zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA").ok());
  CHECK_FALSE(Cid::parse(text.substr(0, 20)).ok());
  CHECK_FALSE(Cid::parse("bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpM").ok());
  CHECK(Cid::compute(kCodecRaw, "").to_string() == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
}

TEST_CASE("MST key heights and common prefixes match the vectors", "[mst]") {
  for (const auto& c : load_json("atproto-interop-tests/mst/key_heights.json")) {
    INFO(c["key"].get<std::string>());
    CHECK(mst_key_height(c["key"].get<std::string>()) == c["height"].get<int>());
  }
  for (const auto& c : load_json("atproto-interop-tests/mst/common_prefix.json")) {
    INFO(c["left"].get<std::string>() << " / " << c["right"].get<std::string>());
    CHECK(common_prefix_length(c["left"].get<std::string>(), c["right"].get<std::string>()) == c["len"].get<size_t>());
  }
}

TEST_CASE("an empty MST has the well-known root", "[mst]") {
  CHECK(Mst().root().to_string() == "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm");
}

TEST_CASE("commit-proof vectors: roots before and after, and the nodes a proof needs", "[mst]") {
  for (const auto& c : load_json("atproto-interop-tests/firehose/commit-proof-fixtures.json")) {
    INFO(c["comment"].get<std::string>());
    Cid leaf = *Cid::parse(c["leafValue"].get<std::string>());
    Mst tree;
    for (const auto& k : c["keys"]) tree.put(k.get<std::string>(), leaf);
    CHECK(tree.root().to_string() == c["rootBeforeCommit"].get<std::string>());
    Mst before = tree;
    std::vector<std::string> changed;
    for (const auto& k : c["adds"]) {
      tree.put(k.get<std::string>(), leaf);
      changed.push_back(k.get<std::string>());
    }
    for (const auto& k : c["dels"]) {
      tree.remove(k.get<std::string>());
      changed.push_back(k.get<std::string>());
    }
    CHECK(tree.root().to_string() == c["rootAfterCommit"].get<std::string>());
    CHECK(tree.diff_from(before).size() == changed.size());

    std::set<std::string> expected, proof;
    for (const auto& b : c["blocksInProof"]) expected.insert(b.get<std::string>());
    for (const auto& cid : tree.proof_nodes(changed)) proof.insert(cid.to_string());
    CHECK(proof == expected);

    // Every node of the rebuilt tree loads back into the same set of records.
    auto built = tree.build();
    std::map<std::string, std::string> blocks;
    for (const auto& [cid, bytes] : built.nodes) blocks[cid.to_bytes()] = bytes;
    auto loaded = Mst::load(built.root, [&](const Cid& cid) -> std::optional<std::string_view> {
      auto it = blocks.find(cid.to_bytes());
      if (it == blocks.end()) return std::nullopt;
      return std::string_view(it->second);
    });
    REQUIRE(loaded.ok());
    CHECK(loaded->entries() == tree.entries());
  }
}

TEST_CASE("repository CARs: hashes, MST roots and signatures", "[car]") {
  SECTION("greenground: v3, 2 records, signature valid with its DID document key") {
    auto car = CarFile::parse(fixture_bytes("atproto-car/greenground.repo.car"));
    REQUIRE(car.ok());
    auto doc = parse_did_document(load_json("atproto-car/greenground.didDoc.json"));
    REQUIRE(doc.ok());
    REQUIRE(doc->signing_key);
    CHECK(doc->pds_endpoint == std::optional<std::string>("https://bsky.social"));
    RepoCheck check = check_repo(*car, doc->signing_key);
    CHECK(check.errors.empty());
    CHECK(check.version == 3);
    CHECK(check.rev == "3k67up3j7hf2x");
    CHECK(check.records.size() == 2);
    CHECK(check.mst_root_matches);
    CHECK(check.signature == "valid");
  }
  SECTION("v2 repo with a rotated key: MST matches, the signature does not") {
    auto car = CarFile::parse(fixture_bytes("atproto-car/bafyreieovfuizojpw3zresz7sx3nk4trm2by23pt5rxbey3jme4uo5ogiu.car"));
    REQUIRE(car.ok());
    CHECK(car->roots()[0].to_string() == "bafyreieovfuizojpw3zresz7sx3nk4trm2by23pt5rxbey3jme4uo5ogiu");
    auto doc = parse_did_document(load_json("atproto-car/did_plc_z5vnbioquyhivxirw3bbljmu.didDoc.json"));
    REQUIRE(doc.ok());
    RepoCheck check = check_repo(*car, doc->signing_key);
    CHECK(check.version == 2);
    CHECK(check.records.size() == 6);
    CHECK(check.mst_root_matches);
    CHECK(check.signature.rfind("invalid: ", 0) == 0);
    RepoCheck unchecked = check_repo(*car, std::nullopt);
    CHECK(unchecked.errors.empty());
    CHECK(unchecked.signature == "unchecked");
  }
  SECTION("a diff slice: blocks verify, the partial tree is reported as such") {
    auto car = CarFile::parse(fixture_bytes("atproto-car/repo_slice.car"));
    REQUIRE(car.ok());
    CHECK(car->block_count() == 5);
    RepoCheck check = check_repo(*car, std::nullopt);
    CHECK_FALSE(check.mst_root_matches);
    REQUIRE_FALSE(check.errors.empty());
    CHECK(check.errors[0].find("is missing") != std::string::npos);
  }
  SECTION("a PDS repo export: every block re-encodes canonically") {
    auto car = CarFile::parse(fixture_bytes("firehose-frames/repo-alice.car"));
    REQUIRE(car.ok());
    CHECK(check_repo(*car, std::nullopt).mst_root_matches);
    for (const auto& [cid, block] : car->blocks()) {
      if (cid.codec() != kCodecDagCbor) continue;
      auto v = decode_dag_cbor(block);
      REQUIRE(v.ok());
      CHECK(encode_dag_cbor(*v) == block);
    }
  }
}

TEST_CASE("a CAR with a block that does not match its CID is refused", "[car]") {
  std::string bytes = fixture_bytes("atproto-car/greenground.repo.car");
  bytes[bytes.size() - 3] ^= 0x01;
  auto car = CarFile::parse(bytes);
  REQUIRE_FALSE(car.ok());
  CHECK(car.error().find("does not match its hash") != std::string::npos);
  CHECK_FALSE(CarFile::parse(bytes.substr(0, bytes.size() - 10)).ok());
  CHECK(CarFile::parse(std::string(3 * 1024 * 1024, 'x')).error() == "CAR is 3145728 bytes, over the limit of 2097152");
}

TEST_CASE("CARs written here read back with the same roots and blocks", "[car]") {
  std::string record = encode_dag_cbor(Value(Map{{"text", Value("hi")}}));
  Cid cid = Cid::compute(kCodecDagCbor, record);
  auto car = CarFile::parse(write_car({cid}, {{cid, record}, {cid, record}}));
  REQUIRE(car.ok());
  CHECK(car->roots() == std::vector<Cid>{cid});
  CHECK(car->block(cid) == std::optional<std::string_view>(record));
  CHECK(car->duplicate_blocks() == 1);
}

TEST_CASE("firehose frames from a real PDS decode into typed events", "[frame]") {
  auto decode = [](const std::string& name) {
    auto m = decode_frame(fixture_bytes("firehose-frames/" + name));
    INFO(name << ": " << (m.ok() ? "" : m.error()));
    REQUIRE(m.ok());
    return std::move(*m);
  };
  auto identity = decode("000001-identity.cbor");
  REQUIRE(std::holds_alternative<IdentityEvent>(identity));
  CHECK(std::get<IdentityEvent>(identity).seq == 1);
  CHECK(std::get<IdentityEvent>(identity).handle == std::optional<std::string>("alice.test"));
  auto account = decode("000002-account.cbor");
  REQUIRE(std::holds_alternative<AccountEvent>(account));
  CHECK(std::get<AccountEvent>(account).active);
  REQUIRE(std::holds_alternative<SyncEvent>(decode("000004-sync.cbor")));
  auto empty_commit = decode("000003-commit.cbor");
  REQUIRE(std::holds_alternative<CommitEvent>(empty_commit));
  CHECK(std::get<CommitEvent>(empty_commit).ops.empty());
  CHECK_FALSE(std::get<CommitEvent>(empty_commit).since.has_value());

  auto reply = std::get<CommitEvent>(decode("000010-commit.cbor"));
  CHECK(reply.seq == 10);
  REQUIRE(reply.ops.size() == 1);
  const RepoOp& op = reply.ops[0];
  CHECK(op.action == "create");
  CHECK(op.path.rfind("app.bsky.feed.post/", 0) == 0);
  REQUIRE(op.record);
  CHECK(*op.record->find_string("$type") == "app.bsky.feed.post");
  CHECK(op.record->find("reply") != nullptr);
  REQUIRE(op.record->find("facets") != nullptr);
  CHECK(op.record->find("facets")->as_array().size() == 3);
  // The commit block is in the CAR and its record CID matches the op.
  REQUIRE(reply.blocks);
  auto commit = decode_commit(*reply.blocks->block(reply.commit));
  REQUIRE(commit.ok());
  CHECK(commit->did == reply.repo);
  CHECK(commit->rev == reply.rev);

  auto with_image = std::get<CommitEvent>(decode("000011-commit.cbor"));
  // PDS 0.5 leaves the deprecated `blobs` list empty; the blob is in the record's embed.
  REQUIRE(with_image.ops[0].record);
  const Value* images = with_image.ops[0].record->find("embed")->find("images");
  REQUIRE(images);
  const Value* blob = images->as_array()[0].find("image");
  CHECK(*blob->find_string("$type") == "blob");
  CHECK(blob->find_link("ref")->codec() == kCodecRaw);
  auto deletion = std::get<CommitEvent>(decode("000012-commit.cbor"));
  REQUIRE(deletion.ops.size() == 1);
  CHECK(deletion.ops[0].action == "delete");
  CHECK_FALSE(deletion.ops[0].cid.has_value());
  CHECK(deletion.ops[0].prev.has_value());
  auto profile = std::get<CommitEvent>(decode("000013-commit.cbor"));
  CHECK(profile.ops[0].path == "app.bsky.actor.profile/self");

  auto future = decode("error-FutureCursor.cbor");
  REQUIRE(std::holds_alternative<ErrorFrame>(future));
  CHECK(std::get<ErrorFrame>(future).error == "FutureCursor");
  CHECK(std::get<ErrorFrame>(decode("error-InvalidRequest.cbor")).error == "InvalidRequest");
}

TEST_CASE("damaged frames are rejected with the reason", "[frame]") {
  std::string frame = fixture_bytes("firehose-frames/000010-commit.cbor");
  CHECK(decode_frame(frame.substr(0, frame.size() / 2)).error().rfind("frame body: DAG-CBOR at byte", 0) == 0);
  CHECK(decode_frame("").error() == "frame header: DAG-CBOR at byte 0: unexpected end of input");
  std::string header_only = encode_dag_cbor(Value(Map{{"op", Value(1)}, {"t", Value("#commit")}}));
  std::string body = encode_dag_cbor(Value(Map{{"seq", Value(5)}}));
  CHECK(decode_frame(header_only + body).error() == "#commit frame: body lacks repo");
  std::string bad_op = encode_dag_cbor(Value(Map{{"op", Value(2)}}));
  CHECK(decode_frame(bad_op + body).error() == "frame header op 2 is neither 1 nor -1");
  std::string unknown = encode_dag_cbor(Value(Map{{"op", Value(1)}, {"t", Value("#future")}}));
  auto m = decode_frame(unknown + body);
  REQUIRE(m.ok());
  CHECK(std::get<UnknownEvent>(*m).type == "#future");
}
