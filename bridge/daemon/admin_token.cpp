#include "bridge/daemon/admin_token.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace causeway {

std::filesystem::path admin_token_path(const std::filesystem::path& storage_path) { return storage_path / "admin.token"; }

Result<std::string> create_admin_token(const std::filesystem::path& storage_path) {
  if (sodium_init() < 0) return make_error("libsodium failed to initialise");
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  auto path = admin_token_path(storage_path);
  std::filesystem::remove(path);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return make_error("admin token " + path.string() + ": " + std::strerror(errno));
  bool ok = ::write(fd, hex, 64) == 64;
  ::close(fd);
  if (!ok) return make_error("admin token " + path.string() + ": cannot write");
  return std::string(hex, 64);
}

Result<std::string> read_admin_token(const std::filesystem::path& storage_path) {
  auto path = admin_token_path(storage_path);
  std::ifstream in(path);
  std::string token;
  if (!in || !std::getline(in, token) || token.size() != 64)
    return make_error("cannot read the admin token " + path.string() + " (is causeway running with this storage path?)");
  return token;
}

}  // namespace causeway

namespace causeway {

bool admin_request_allowed(const ServerRequest& request, ServerResponse& response, const std::string& token) {
  const std::string& from = request.remote_address;
  bool local = from == "unix" || from == "::1" || from.rfind("127.", 0) == 0;
  std::string expected = "Bearer " + token;
  std::string given = request.header("Authorization").value_or("");
  // sodium_memcmp takes the same time wherever the first difference is; only the length (public:
  // always 64 hex digits) decides early.
  bool token_ok = given.size() == expected.size() && sodium_memcmp(given.data(), expected.data(), expected.size()) == 0;
  if (local && token_ok) return true;
  response.status = 403;
  response.set_content(R"({"error":"admin endpoints are for local clients with the admin token"})", "application/json");
  return false;
}

}  // namespace causeway
