#include <exception>
#include <iostream>

#include "bridge/daemon/cli.h"

int main(int argc, char** argv) {
  try {
    return causeway::run_cli(argc, argv);
  } catch (const std::exception& e) {
    // Every module reports failures as values; reaching this is a bug, but the admin still gets
    // one line instead of an abort.
    std::cerr << "causeway: internal error: " << e.what() << '\n';
    return causeway::kExitFailed;
  }
}
