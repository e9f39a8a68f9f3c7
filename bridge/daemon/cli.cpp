#include "bridge/daemon/cli.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <iostream>

#include "bridge/base/log.h"
#include "bridge/daemon/daemon.h"
#include "bridge/daemon/convert_command.h"
#include "bridge/daemon/inspect_command.h"
#include "bridge/daemon/bridge_command.h"
#include "bridge/daemon/members_command.h"
#include "bridge/daemon/queue_command.h"
#include "bridge/daemon/version.h"
#include "config/config_loader.h"

namespace causeway {
namespace {

struct Subcommand {
  const char* name;
  const char* summary;
  const char* usage;  // full help text
  ArgSpec spec;
  std::function<int(const ParsedArgs&)> run;
};

int cmd_version(const ParsedArgs&) {
  std::cout << "causeway " << kVersion << " (" << kGitCommit << ")\n";
  return kExitOk;
}

int cmd_check_config(const ParsedArgs& args) {
  const std::string& file = args.positional[0];
  ConfigLoadResult loaded = load_config(file, std::filesystem::current_path());
  if (!loaded.config) {
    for (const auto& line : loaded.errors) std::cerr << line << '\n';
    return kExitUsage;
  }
  std::cout << file << ": ok (" << loaded.config->bridges.size() << " bridge"
            << (loaded.config->bridges.size() == 1 ? "" : "s") << ", listen " << loaded.config->server.listen.to_string()
            << ", storage " << loaded.config->storage_path.string() << ")\n";
  return kExitOk;
}

int cmd_run(const ParsedArgs& args) {
  DaemonOptions options;
  options.config_file = *args.option("config");
  if (const auto* listen = args.option("listen")) options.listen_override = *listen;
  if (const auto* data = args.option("data")) options.data_override = *data;
  return run_daemon(options);
}

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> all = {
      {"run", "start the daemon",
       "Usage: causeway run --config FILE [--listen HOST:PORT] [--data DIR]\n"
       "\n"
       "Starts the daemon with the given config. It serves HTTP on server.listen (or --listen),\n"
       "keeps its store in storage.path (or --data), and stops cleanly on SIGTERM or SIGINT.\n"
       "\n"
       "  --config FILE       YAML config (see config/examples/)\n"
       "  --listen HOST:PORT  listen here instead of server.listen\n"
       "  --data DIR          keep the store here instead of storage.path\n"
       "\n"
       "Exit codes: 0 stopped cleanly, 1 could not start or failed, 2 usage or config error.\n",
       {{"config", "listen", "data"}, {}, {"config"}, {}},
       cmd_run},
      {"check-config", "validate a config file without starting",
       "Usage: causeway check-config FILE\n"
       "\n"
       "Checks FILE against causeway's config schema and prints every problem as\n"
       "FILE:LINE:COLUMN: key.path: message.\n"
       "\n"
       "Exit codes: 0 valid, 2 invalid or unreadable.\n",
       {{}, {}, {}, {"FILE"}},
       cmd_check_config},
      {"inspect", "look at AT Protocol data: identifiers, DAG-CBOR, firehose frames, repo CARs",
       kInspectUsage, kInspectArgs, run_inspect},
      {"convert", "show what the bridge would write for a post, without writing it", kConvertUsage, kConvertArgs,
       run_convert},
      {"members", "approve or deny people asking to join a hosted group", kMembersUsage, kMembersArgs, run_members},
      {"queue", "list deliveries that gave up, and send them again", kQueueUsage, kQueueArgs, run_queue},
      {"why", "say what the bridge did with an id, and why", kWhyUsage, kWhyArgs, run_why},
      {"status", "show the bridges, their queues, failures and last events", kStatusUsage, kStatusArgs, run_status},
      {"version", "print the version",
       "Usage: causeway version\n\nPrints causeway's version and the commit it was built from.\n",
       {{}, {}, {}, {}},
       cmd_version},
  };
  return all;
}

void print_main_help(std::ostream& out) {
  out << "causeway " << kVersion << ": bridges fediverse groups and Bluesky accounts\n\n"
      << "Usage: causeway COMMAND [options]\n\nCommands:\n";
  for (const auto& cmd : subcommands()) {
    std::string name = cmd.name;
    out << "  " << name << std::string(name.size() < 14 ? 14 - name.size() : 1, ' ') << cmd.summary << '\n';
  }
  out << "\nRun 'causeway COMMAND --help' for a command's options.\n"
      << "Exit codes: 0 ok, 1 operation failed, 2 usage or config error.\n";
}

}  // namespace

const std::string* ParsedArgs::option(const std::string& name) const {
  for (const auto& [k, v] : options)
    if (k == name) return &v;
  return nullptr;
}

bool parse_args(const std::vector<std::string>& args, const ArgSpec& spec, ParsedArgs& out, std::string& error) {
  auto is_in = [](const std::vector<std::string>& list, const std::string& s) {
    return std::find(list.begin(), list.end(), s) != list.end();
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      out.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    if (is_in(spec.switch_options, name)) {
      if (inline_value) {
        error = "option --" + name + " takes no value";
        return false;
      }
      out.options.emplace_back(name, "1");
    } else if (is_in(spec.value_options, name)) {
      if (!inline_value) {
        if (i + 1 >= args.size()) {
          error = "option --" + name + " needs a value";
          return false;
        }
        value = args[++i];
      }
      if (out.option(name)) {
        error = "option --" + name + " is given twice";
        return false;
      }
      out.options.emplace_back(name, value);
    } else {
      error = "unknown option --" + name;
      return false;
    }
  }
  if (out.help) return true;
  for (const auto& name : spec.required_options) {
    if (!out.option(name)) {
      error = "option --" + name + " is required";
      return false;
    }
  }
  bool variadic = !spec.positional_names.empty() && spec.positional_names.back().ends_with("...");
  if (!variadic && out.positional.size() > spec.positional_names.size()) {
    error = "unexpected argument \"" + out.positional[spec.positional_names.size()] + "\"";
    return false;
  }
  if (out.positional.size() < spec.positional_names.size() - (variadic ? 1 : 0)) {
    error = "missing " + spec.positional_names[out.positional.size()];
    return false;
  }
  return true;
}

int run_cli(int argc, char** argv) {
  // Everything causeway creates (store files, master key, admin token) is its user's alone, by the
  // daemon and by commands that open a stopped daemon's store: RocksDB uses the process umask.
  ::umask(077);
  // Until the daemon reads its config, what the libraries log goes to stderr, never into a
  // command's output (`why --json` and the like are read by scripts).
  init_logging("info", LogFormat::text);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_main_help(std::cerr);
    return kExitUsage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_main_help(std::cout);
    return kExitOk;
  }
  if (args[0] == "--version") args[0] = "version";
  for (const auto& cmd : subcommands()) {
    if (args[0] != cmd.name) continue;
    ParsedArgs parsed;
    std::string error;
    if (!parse_args({args.begin() + 1, args.end()}, cmd.spec, parsed, error)) {
      std::cerr << "causeway " << cmd.name << ": " << error << "\n\n" << cmd.usage;
      return kExitUsage;
    }
    if (parsed.help) {
      std::cout << cmd.usage;
      return kExitOk;
    }
    return cmd.run(parsed);
  }
  std::cerr << "causeway: unknown command \"" << args[0] << "\"\n\n";
  print_main_help(std::cerr);
  return kExitUsage;
}

}  // namespace causeway
