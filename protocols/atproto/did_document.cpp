#include "protocols/atproto/did_document.h"

#include <nlohmann/json.hpp>

#include "protocols/atproto/did_key.h"
#include "protocols/atproto/syntax.h"

namespace causeway::atproto {
namespace {

// Verification method and service ids are either "#name" or "<did>#name".
bool id_is(const nlohmann::json& entry, const std::string& did, const std::string& fragment) {
  auto id = entry.find("id");
  if (id == entry.end() || !id->is_string()) return false;
  const auto& s = id->get_ref<const std::string&>();
  return s == fragment || s == did + fragment;
}

}  // namespace

Result<DidDocument> parse_did_document(const nlohmann::json& doc) {
  if (!doc.is_object()) return make_error("DID document is not a JSON object");
  auto id = doc.find("id");
  if (id == doc.end() || !id->is_string()) return make_error("DID document has no id");
  DidDocument out;
  out.id = id->get<std::string>();
  if (Status s = validate_did(out.id); !s.ok()) return make_error("DID document id: " + s.error());

  if (auto aka = doc.find("alsoKnownAs"); aka != doc.end() && aka->is_array()) {
    for (const auto& alias : *aka) {
      if (alias.is_string() && alias.get_ref<const std::string&>().rfind("at://", 0) == 0) {
        out.handle = alias.get<std::string>().substr(5);
        break;
      }
    }
  }
  if (auto methods = doc.find("verificationMethod"); methods != doc.end() && methods->is_array()) {
    for (const auto& method : *methods) {
      if (!method.is_object() || !id_is(method, out.id, "#atproto")) continue;
      auto type = method.find("type");
      auto key = method.find("publicKeyMultibase");
      if (type == method.end() || key == method.end() || !type->is_string() || !key->is_string())
        return make_error("DID document #atproto key lacks type or publicKeyMultibase");
      auto parsed = parse_verification_method_key(type->get<std::string>(), key->get<std::string>());
      if (!parsed) return make_error("DID document #atproto key: " + parsed.error());
      out.signing_key = *parsed;
      break;
    }
  }
  if (auto services = doc.find("service"); services != doc.end() && services->is_array()) {
    for (const auto& service : *services) {
      if (!service.is_object() || !id_is(service, out.id, "#atproto_pds")) continue;
      auto endpoint = service.find("serviceEndpoint");
      if (endpoint != service.end() && endpoint->is_string()) out.pds_endpoint = endpoint->get<std::string>();
      break;
    }
  }
  return out;
}

}  // namespace causeway::atproto
