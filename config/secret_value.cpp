#include "config/secret_value.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace causeway {

Result<std::string> read_secret(const SecretRef& ref) {
  std::string value;
  if (ref.source == SecretRef::Source::env) {
    const char* v = std::getenv(ref.name.c_str());
    if (!v) return make_error("environment variable " + ref.name + " is not set");
    value = v;
  } else {
    std::ifstream in(ref.name, std::ios::binary);
    if (!in) return make_error("cannot read the secret file " + ref.name);
    std::ostringstream text;
    text << in.rdbuf();
    value = text.str();
  }
  auto first = value.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return make_error((ref.source == SecretRef::Source::env ? "environment variable " : "secret file ") + ref.name + " is empty");
  value = value.substr(first, value.find_last_not_of(" \t\r\n") - first + 1);
  return value;
}

}  // namespace causeway
