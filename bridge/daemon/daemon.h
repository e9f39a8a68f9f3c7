// The daemon's lifecycle: load config, open secrets and store, serve, and stop cleanly on a signal.
// Start-up is all or nothing: any failure undoes what was opened and returns before serving.
#pragma once

#include <optional>
#include <string>

namespace causeway {

struct DaemonOptions {
  std::string config_file;
  std::optional<std::string> listen_override;  // --listen HOST:PORT
  std::optional<std::string> data_override;    // --data DIR
};

// Runs until SIGTERM or SIGINT. Returns the process exit code (cli.h).
int run_daemon(const DaemonOptions& options);

}  // namespace causeway
