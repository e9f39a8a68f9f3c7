#include "bridge/daemon/inspect_command.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "protocols/atproto/car.h"
#include "protocols/atproto/dag_cbor.h"
#include "protocols/atproto/did_document.h"
#include "protocols/atproto/did_key.h"
#include "protocols/atproto/firehose_frame.h"
#include "protocols/atproto/repo_check.h"
#include "protocols/atproto/syntax.h"

namespace causeway {
namespace {

using nlohmann::json;
using namespace atproto;

// Repository exports can be large; inspect reads whole files but still refuses absurd ones.
constexpr size_t kMaxInspectBytes = 512u * 1024 * 1024;

Result<std::string> read_input(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path + ": cannot read the file");
  in.seekg(0, std::ios::end);
  auto size = static_cast<size_t>(in.tellg());
  if (size > kMaxInspectBytes) return make_error(path + ": larger than 512 MB");
  in.seekg(0);
  std::string data(size, '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  if (!in) return make_error(path + ": cannot read the file");
  return data;
}

void print(const json& j, bool one_line) { std::cout << (one_line ? j.dump() : j.dump(2)) << '\n'; }

int inspect_syntax(const ParsedArgs& args, bool as_json) {
  if (args.positional.size() != 3) {
    std::cerr << "causeway inspect syntax: expected KIND VALUE\n\n" << kInspectUsage;
    return kExitUsage;
  }
  const std::string& kind = args.positional[1];
  const std::string& value = args.positional[2];
  const auto& kinds = syntax_kinds();
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
    std::string list;
    for (const auto& k : kinds) list += (list.empty() ? "" : ", ") + k;
    std::cerr << "causeway inspect syntax: unknown KIND \"" << kind << "\"; one of " << list << '\n';
    return kExitUsage;
  }
  Status s = validate_syntax(kind, value);
  if (as_json) {
    json j = {{"kind", kind}, {"value", value}, {"valid", s.ok()}};
    if (!s.ok()) j["error"] = s.error();
    print(j, true);
  } else if (s.ok()) {
    std::cout << "valid " << kind << ": " << value << '\n';
  } else {
    std::cout << "invalid " << kind << ": " << s.error() << '\n';
  }
  return s.ok() ? kExitOk : kExitFailed;
}

json inspect_cbor_file(const std::string& path, bool& failed) {
  auto data = read_input(path);
  if (!data) return failed = true, json{{"file", path}, {"error", data.error()}};
  auto value = decode_dag_cbor(*data);
  if (!value) return failed = true, json{{"file", path}, {"error", "not strict DAG-CBOR: " + value.error()}};
  return {{"file", path}, {"cid", Cid::compute(kCodecDagCbor, *data).to_string()}, {"value", to_atproto_json(*value)}};
}

json inspect_frame_file(const std::string& path, bool& failed) {
  auto data = read_input(path);
  if (!data) return failed = true, json{{"file", path}, {"error", data.error()}};
  auto message = decode_frame(*data);
  if (!message) return failed = true, json{{"file", path}, {"error", message.error()}};
  json j = frame_to_json(*message);
  j["file"] = path;
  return j;
}

Result<std::optional<PublicKey>> key_from_options(const ParsedArgs& args) {
  const std::string* did_key = args.option("key");
  const std::string* did_doc = args.option("did-doc");
  if (did_key && did_doc) return make_error("give --key or --did-doc, not both");
  if (did_key) {
    auto key = parse_did_key(*did_key);
    if (!key) return make_error("--key: " + key.error());
    return std::optional<PublicKey>(*key);
  }
  if (did_doc) {
    auto text = read_input(*did_doc);
    if (!text) return make_error("--did-doc " + text.error());
    json doc = json::parse(*text, nullptr, false);
    if (doc.is_discarded()) return make_error("--did-doc " + *did_doc + ": not JSON");
    auto parsed = parse_did_document(doc);
    if (!parsed) return make_error("--did-doc " + *did_doc + ": " + parsed.error());
    if (!parsed->signing_key) return make_error("--did-doc " + *did_doc + ": no #atproto signing key");
    return std::optional<PublicKey>(*parsed->signing_key);
  }
  return std::optional<PublicKey>();
}

json inspect_car_file(const std::string& path, const std::optional<PublicKey>& key, bool& failed) {
  auto data = read_input(path);
  if (!data) return failed = true, json{{"file", path}, {"errors", {data.error()}}};
  CarLimits limits;
  limits.max_bytes = kMaxInspectBytes;
  limits.max_blocks = 10'000'000;
  auto car = CarFile::parse(std::move(*data), limits);
  if (!car) return failed = true, json{{"file", path}, {"errors", {car.error()}}};
  RepoCheck check = check_repo(*car, key);
  if (!check.errors.empty()) failed = true;
  json records = json::object();
  for (const auto& [p, cid] : check.records) records[p] = cid.to_string();
  return {{"file", path},
          {"root", check.root},
          {"did", check.did},
          {"rev", check.rev},
          {"version", check.version},
          {"records", check.records.size()},
          {"record_cids", records},
          {"blocks", car->block_count()},
          {"blocks_verified", check.blocks_verified},
          {"mst_root_matches", check.mst_root_matches},
          {"signature", check.signature},
          {"errors", check.errors}};
}

void print_car_text(const json& j) {
  std::cout << j["file"].get<std::string>() << '\n';
  for (const char* k : {"root", "did", "rev", "version", "records", "blocks_verified", "mst_root_matches", "signature"})
    if (j.contains(k)) std::cout << "  " << k << ": " << (j[k].is_string() ? j[k].get<std::string>() : j[k].dump()) << '\n';
  for (const auto& e : j["errors"]) std::cout << "  error: " << e.get<std::string>() << '\n';
}

}  // namespace

const char* const kInspectUsage =
    "Usage: causeway inspect syntax KIND VALUE\n"
    "       causeway inspect cbor FILE...\n"
    "       causeway inspect frame FILE...\n"
    "       causeway inspect car FILE... [--key did:key:... | --did-doc FILE]\n"
    "\n"
    "Looks at AT Protocol data the way causeway reads it from the network.\n"
    "  syntax  checks VALUE as KIND: handle, did, nsid, aturi, tid, rkey, datetime, language, cid,\n"
    "          uri, atidentifier\n"
    "  cbor    prints one strict DAG-CBOR object in atproto JSON form, or why it is not strict\n"
    "  frame   decodes one com.atproto.sync.subscribeRepos message (header + body)\n"
    "  car     checks a repository CAR: block hashes, the MST root recomputed from its records,\n"
    "          and with --key or --did-doc the commit signature\n"
    "\n"
    "  --json  one JSON object per input, on one line\n"
    "\n"
    "Exit codes: 0 valid, 1 invalid or unreadable input (the reason is printed), 2 usage error.\n";

int run_inspect(const ParsedArgs& args) {
  const std::string& what = args.positional[0];
  bool as_json = args.option("json") != nullptr;
  if (what == "syntax") return inspect_syntax(args, as_json);
  if (what != "cbor" && what != "frame" && what != "car") {
    std::cerr << "causeway inspect: unknown WHAT \"" << what << "\"; one of syntax, cbor, frame, car\n\n"
              << kInspectUsage;
    return kExitUsage;
  }
  if (args.positional.size() < 2) {
    std::cerr << "causeway inspect " << what << ": missing FILE\n\n" << kInspectUsage;
    return kExitUsage;
  }
  std::optional<PublicKey> key;
  if (what == "car") {
    auto k = key_from_options(args);
    if (!k) {
      std::cerr << "causeway inspect car: " << k.error() << '\n';
      return kExitUsage;
    }
    key = *k;
  } else if (args.option("key") || args.option("did-doc")) {
    std::cerr << "causeway inspect " << what << ": --key and --did-doc apply to car only\n";
    return kExitUsage;
  }
  bool failed = false;
  for (size_t i = 1; i < args.positional.size(); ++i) {
    const std::string& path = args.positional[i];
    json j = what == "cbor" ? inspect_cbor_file(path, failed)
             : what == "frame" ? inspect_frame_file(path, failed)
                               : inspect_car_file(path, key, failed);
    if (as_json) {
      print(j, true);
    } else if (what == "car") {
      print_car_text(j);
    } else if (j.contains("error")) {
      std::cout << path << ": " << j["error"].get<std::string>() << '\n';
    } else {
      print(what == "cbor" ? j["value"] : j, false);
    }
  }
  return failed ? kExitFailed : kExitOk;
}

}  // namespace causeway
