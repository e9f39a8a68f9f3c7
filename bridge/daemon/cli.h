// The command line: `causeway SUBCOMMAND [options]`. Each subcommand has its own --help. Exit codes
// are the same everywhere: 0 ok, 1 the operation failed, 2 usage or config error.
#pragma once

#include <string>
#include <vector>

namespace causeway {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// Parsed options of one subcommand: flags given as --name VALUE (or --name=VALUE), and the
// positional arguments in order.
struct ParsedArgs {
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<std::string> positional;
  bool help = false;

  const std::string* option(const std::string& name) const;
};

// `value_options` lists the options that take a value; `switch_options` those that do not (their
// value is "1"). Unknown options, missing required ones and a wrong number of positional
// arguments produce an error message naming them. --help skips the requirement checks.
struct ArgSpec {
  std::vector<std::string> value_options;
  std::vector<std::string> switch_options;
  std::vector<std::string> required_options;
  // Exactly these positional arguments, e.g. {"FILE"}; a last name ending in "..." takes any number.
  std::vector<std::string> positional_names;
};

bool parse_args(const std::vector<std::string>& args, const ArgSpec& spec, ParsedArgs& out, std::string& error);

int run_cli(int argc, char** argv);

}  // namespace causeway
