// The causeway binary as an admin uses it: help, version, config checks, exit codes.
#include <catch2/catch.hpp>

#include "tests/support/child_process.h"
#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"

using namespace causeway::testing;

namespace {

ProcessOutput run_causeway(const std::vector<std::string>& args, const std::filesystem::path& cwd = source_dir()) {
  std::vector<std::string> argv = {causeway_binary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, cwd);
}

}  // namespace

TEST_CASE("--help lists the commands, every command has its own --help", "[cli]") {
  auto help = run_causeway({"--help"});
  CHECK(help.exit_code == 0);
  for (const char* cmd : {"run", "check-config", "inspect", "version"}) {
    CHECK(help.out.find(std::string("  ") + cmd) != std::string::npos);
    auto sub = run_causeway({cmd, "--help"});
    INFO(cmd);
    CHECK(sub.exit_code == 0);
    CHECK(sub.out.rfind(std::string("Usage: causeway ") + cmd, 0) == 0);
  }
}

TEST_CASE("version prints the version", "[cli]") {
  auto v = run_causeway({"version"});
  CHECK(v.exit_code == 0);
  CHECK(v.out.rfind("causeway 0.1.0 (", 0) == 0);
}

TEST_CASE("usage errors exit 2 with the reason and the usage", "[cli]") {
  auto none = run_causeway({});
  CHECK(none.exit_code == 2);
  auto unknown = run_causeway({"frobnicate"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.rfind("causeway: unknown command \"frobnicate\"", 0) == 0);
  auto no_config = run_causeway({"run"});
  CHECK(no_config.exit_code == 2);
  CHECK(no_config.err.rfind("causeway run: option --config is required\n\nUsage: causeway run", 0) == 0);
  auto bad_option = run_causeway({"run", "--config", "x.yaml", "--port", "1"});
  CHECK(bad_option.exit_code == 2);
  CHECK(bad_option.err.rfind("causeway run: unknown option --port", 0) == 0);
  auto two_files = run_causeway({"check-config", "a.yaml", "b.yaml"});
  CHECK(two_files.exit_code == 2);
  CHECK(two_files.err.rfind("causeway check-config: unexpected argument \"b.yaml\"", 0) == 0);
}

TEST_CASE("check-config accepts the examples and rejects a broken file with FILE:LINE:COL", "[cli]") {
  for (const char* example : {"config/examples/local.yaml", "config/examples/production.yaml"}) {
    auto ok = run_causeway({"check-config", example});
    INFO(example << ": " << ok.err);
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.rfind(std::string(example) + ": ok (", 0) == 0);
  }
  TempDir dir;
  dir.write("broken.yaml", "server:\n  public_url: http://127.0.0.1:8480\n  listen: 127.0.0.1:8480\n"
                           "storage: { path: ./var }\nsecrets: { master_key_file: ./k }\nlogging: { format: xml }\n");
  auto bad = run_causeway({"check-config", "broken.yaml"}, dir.path());
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "broken.yaml:6:20: logging.format: must be one of text, json, got \"xml\"\n");
  auto missing = run_causeway({"check-config", "missing.yaml"}, dir.path());
  CHECK(missing.exit_code == 2);
  CHECK(missing.err == "missing.yaml: cannot read config file: no such file\n");
}
