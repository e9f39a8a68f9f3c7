// `causeway run` as a child process with a config written for the test, in its own directory.
#pragma once

#include <memory>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace causeway::testing {

class CausewayDaemon {
 public:
  // `bridges_yaml` is the text of the `bridges:` list (may be "[]"). Waits for /healthz. The admin
  // listener (admin API, /metrics, detailed /healthz) is on loopback TCP at admin_port().
  explicit CausewayDaemon(const std::string& bridges_yaml, const std::string& extra_yaml = "",
                          const std::string& log_level = "debug");
  ~CausewayDaemon();

  int port() const { return port_; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int admin_port() const { return admin_port_; }
  // The admin token the daemon wrote into its store (read at each call: it changes on restart).
  std::string admin_token() const;
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path config() const { return dir_ / "causeway.yaml"; }
  std::string log() const { return process_->err(); }
  pid_t pid() const { return process_->pid(); }
  // Runs `causeway ARGS...` in the daemon's directory (for CLI commands against it).
  ProcessOutput cli(const std::vector<std::string>& args) const;
  int stop();  // SIGTERM; returns the exit code
  void kill();  // SIGKILL: a crash, nothing flushed or finished
  // Starts it again with the same config, store and port (after stop()); waits for /healthz.
  void start();
  // Everything it logged since it was first started, across restarts.
  std::string all_logs() const { return earlier_logs_ + log(); }

 private:
  TempDir dir_;
  int port_;
  int admin_port_;
  std::unique_ptr<ChildProcess> process_;
  std::string earlier_logs_;
};

}  // namespace causeway::testing
