// Runs a program (usually the causeway binary) as a child process, the way an admin would, with
// its output captured to files so tests can assert on what a person would read.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace causeway::testing {

struct ProcessOutput {
  int exit_code = -1;  // -1: killed by a signal or timed out
  std::string out;
  std::string err;
};

class ChildProcess {
 public:
  // Starts `argv` in `cwd` with stdout and stderr going to files in `log_dir`.
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
               const std::filesystem::path& log_dir);
  ~ChildProcess();  // SIGKILLs the child if it is still running

  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // The exit code once the child has exited within `timeout` (-1 if it died of a signal).
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
  std::string out() const;
  std::string err() const;

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
  std::filesystem::path out_file_, err_file_;
};

// Runs to completion (killed after `timeout`) and returns exit code and output.
ProcessOutput run_process(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace causeway::testing
