#include "tests/support/causeway_daemon.h"

#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <stdexcept>

#include "tests/support/net_util.h"
#include "tests/support/paths.h"

namespace causeway::testing {

CausewayDaemon::CausewayDaemon(const std::string& bridges_yaml, const std::string& extra_yaml,
                               const std::string& log_level)
    : port_(free_port()), admin_port_(free_port()) {
  std::string origin = "http://127.0.0.1:" + std::to_string(port_);
  dir_.write("causeway.yaml", "server: { public_url: " + origin + ", listen: 127.0.0.1:" + std::to_string(port_) +
                                  ", admin_listen: 127.0.0.1:" + std::to_string(admin_port_) +
                                  " }\nstorage: { path: ./data }\nsecrets: { master_key_file: ./master.key }\n"
                                  "network: { allow_private_addresses: true }\nlogging: { level: " + log_level + " }\n" +
                                  extra_yaml + "bridges: " + bridges_yaml + "\n");
  start();
}

void CausewayDaemon::start() {
  if (process_) earlier_logs_ += process_->err();
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{causeway_binary().string(), "run", "--config", "causeway.yaml"}, dir_.path(), dir_.path());
  httplib::Client client("127.0.0.1", port_);
  bool ready = eventually([&] {
    auto res = client.Get("/healthz");
    return res && res->status == 200;
  }, std::chrono::seconds(30), std::chrono::milliseconds(25));
  if (!ready) throw std::runtime_error("causeway did not start: " + process_->err());
}

CausewayDaemon::~CausewayDaemon() { stop(); }

std::string CausewayDaemon::admin_token() const {
  std::ifstream in(dir_ / "data/admin.token");
  std::string token;
  std::getline(in, token);
  return token;
}

int CausewayDaemon::stop() {
  process_->signal(SIGTERM);
  return process_->wait_for_exit(std::chrono::seconds(10)).value_or(-1);
}

void CausewayDaemon::kill() {
  process_->signal(SIGKILL);
  process_->wait_for_exit(std::chrono::seconds(10));
}

ProcessOutput CausewayDaemon::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {causeway_binary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, dir_.path());
}

}  // namespace causeway::testing
