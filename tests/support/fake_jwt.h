// JWTs shaped as a PDS issues them (header, claims, a dummy signature), for fake PDSes: the XRPC
// client reads only the claims (`exp`, `scope`, `sub`), never the signature.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "bridge/base/base64.h"

namespace causeway::testing {

inline std::string base64url(const std::string& bytes) {
  std::string s = base64_encode(bytes, false);
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return s;
}

inline std::string fake_jwt(const nlohmann::json& claims) {
  return base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(claims.dump()) + ".c2ln";
}

}  // namespace causeway::testing
