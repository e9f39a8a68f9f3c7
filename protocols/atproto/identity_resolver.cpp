#include "protocols/atproto/identity_resolver.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "protocols/atproto/syntax.h"

namespace causeway::atproto {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxDocumentBytes = 256 << 10;
constexpr std::size_t kMaxWellKnownBytes = 4 << 10;  // a DID is at most 2 KiB

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::string did_key(const std::string& did) { return "did/" + did; }
std::string handle_key(const std::string& handle) { return "handle/" + handle; }

// did:web puts a port in the host as "%3A".
Result<std::string> percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
      return make_error("bad percent-encoding in \"" + s + "\"");
    out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
    i += 2;
  }
  return out;
}

std::string fetch_failure(const FetchResult& fetched) {
  if (!fetched.ok()) return fetched.message;
  std::string why = "HTTP " + std::to_string(fetched.response.status);
  json body = json::parse(fetched.response.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    why += " " + body["error"].get<std::string>();
    if (body.contains("message") && body["message"].is_string()) why += ": " + body["message"].get<std::string>();
  }
  return why;
}

// `object[key]` when it is a string; nullopt when absent or of another type. Remote documents are
// read only through checked accessors: a number where a string belongs must be an error, never a
// json::type_error escaping into the firehose thread.
std::optional<std::string> string_at(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// `object[key]`, or null when absent (never throws).
json member(const json& object, const char* key) {
  if (!object.is_object()) return json();
  auto it = object.find(key);
  return it == object.end() ? json() : *it;
}

// A cache entry: the JSON `value` with the time it was fetched.
std::optional<json> cached_entry(Store& store, const std::string& key) {
  auto stored = store.get(Family::actors, key);
  if (!stored.ok() || !stored->has_value()) return std::nullopt;
  json entry = json::parse(**stored, nullptr, false);
  if (!entry.is_object() || !entry.contains("fetched_us") || !entry["fetched_us"].is_number_integer())
    return std::nullopt;
  return entry;
}

}  // namespace

bool IdentityResolver::fresh(std::int64_t fetched_us) const {
  return clock_() - fetched_us < static_cast<std::int64_t>(options_.ttl.count()) * 1'000'000;
}

Result<std::string> IdentityResolver::handle_from_service(const std::string& handle) {
  HttpRequest request;
  request.url = options_.handle_service_url + "/xrpc/com.atproto.identity.resolveHandle?handle=" + handle;
  request.headers = {{"Accept", "application/json"}};
  FetchResult fetched = http_.fetch(request, {kMaxWellKnownBytes, options_.timeout, 0});
  if (!fetched.ok() || fetched.response.status != 200) return make_error(request.url + ": " + fetch_failure(fetched));
  json body = json::parse(fetched.response.body, nullptr, false);
  if (!body.is_object() || !body.contains("did") || !body["did"].is_string())
    return make_error(request.url + ": the answer has no did");
  std::string did = body["did"].get<std::string>();
  if (Status valid = validate_did(did); !valid.ok()) return make_error(request.url + ": " + valid.error());
  return did;
}

Result<std::string> IdentityResolver::handle_from_well_known(const std::string& handle) {
  HttpRequest request;
  request.url = "https://" + handle + "/.well-known/atproto-did";
  FetchResult fetched = http_.fetch(request, {kMaxWellKnownBytes, options_.timeout, 5});
  if (!fetched.ok() || fetched.response.status != 200) return make_error(request.url + ": " + fetch_failure(fetched));
  std::string did = trim(fetched.response.body);
  if (Status valid = validate_did(did); !valid.ok()) return make_error(request.url + ": " + valid.error());
  return did;
}

Result<std::string> IdentityResolver::resolve_handle(const std::string& raw_handle) {
  std::string handle = lower(raw_handle);
  if (Status valid = validate_handle(handle); !valid.ok()) return make_error(valid.error());
  if (auto entry = cached_entry(store_, handle_key(handle)); entry && fresh((*entry)["fetched_us"].get<std::int64_t>()))
    if (auto did = string_at(*entry, "did"); did && validate_did(*did).ok()) return *did;

  std::string failures;
  Result<std::string> did = make_error("no way to resolve it");
  if (!options_.handle_service_url.empty()) {
    did = handle_from_service(handle);
    if (!did) failures = did.error();
  }
  if (!did) {
    did = handle_from_well_known(handle);
    if (!did) failures += (failures.empty() ? "" : "; ") + did.error();
  }
  if (!did) return make_error("handle " + handle + " does not resolve: " + failures);
  Status cached = store_.put(Family::actors, handle_key(handle), json{{"did", *did}, {"fetched_us", clock_()}}.dump(),
                             Durability::buffered);
  if (!cached.ok()) return make_error("caching handle " + handle + ": " + cached.error());
  return did;
}

Result<std::vector<std::string>> IdentityResolver::document_urls(const std::string& did) const {
  if (did.rfind("did:plc:", 0) == 0) {
    auto plc = parse_url(options_.plc_url, policy_.allow_private_addresses ? "http,https" : "https");
    if (!plc) return make_error("PLC directory " + options_.plc_url + ": " + plc.error());
    std::string base = options_.plc_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return std::vector<std::string>{base + "/" + did};
  }
  if (did.rfind("did:web:", 0) == 0) {
    std::string id = did.substr(8);
    if (id.find(':') != std::string::npos) return make_error(did + ": did:web with a path is not an atproto DID");
    auto host = percent_decode(id);
    if (!host) return make_error(did + ": " + host.error());
    std::vector<std::string> urls{"https://" + *host + "/.well-known/did.json"};
    if (policy_.allow_private_addresses) urls.push_back("http://" + *host + "/.well-known/did.json");
    return urls;
  }
  return make_error(did + ": only did:plc and did:web are atproto DID methods");
}

Result<json> IdentityResolver::fetch_did_document(const std::string& did, const std::string& url,
                                                  std::chrono::milliseconds timeout) {
  HttpRequest request;
  request.url = url;
  request.headers = {{"Accept", "application/did+ld+json, application/json"}};
  FetchResult fetched = http_.fetch(request, {kMaxDocumentBytes, timeout, 5});
  if (!fetched.ok() || fetched.response.status != 200) return make_error(url + ": " + fetch_failure(fetched));
  json doc = json::parse(fetched.response.body, nullptr, false);
  if (!doc.is_object()) return make_error(url + ": the document is not a JSON object");
  auto id = string_at(doc, "id");
  if (id != did)
    return make_error(url + ": the document is about " +
                      (id ? *id : doc.contains("id") ? "a non-string id" : "(no id)") + ", not " + did);
  return doc;
}

Result<DidDocument> IdentityResolver::resolve_did(const std::string& did) { return resolve_did(did, options_.timeout); }

Result<DidDocument> IdentityResolver::resolve_did(const std::string& did, std::chrono::milliseconds timeout) {
  if (Status valid = validate_did(did); !valid.ok()) return make_error(valid.error());
  if (auto entry = cached_entry(store_, did_key(did)); entry && fresh((*entry)["fetched_us"].get<std::int64_t>())) {
    auto parsed = parse_did_document(member(*entry, "doc"));
    if (parsed) return parsed;
  }
  auto urls = document_urls(did);
  if (!urls) return make_error(urls.error());
  std::string failures;
  for (const auto& url : *urls) {
    auto doc = fetch_did_document(did, url, timeout);
    if (!doc) {
      failures += (failures.empty() ? "" : "; ") + doc.error();
      continue;
    }
    auto parsed = parse_did_document(*doc);
    if (!parsed) return make_error(url + ": " + parsed.error());
    Status cached = store_.put(Family::actors, did_key(did), json{{"doc", *doc}, {"fetched_us", clock_()}}.dump(),
                               Durability::buffered);
    if (!cached.ok()) return make_error("caching the document of " + did + ": " + cached.error());
    return parsed;
  }
  return make_error("the document of " + did + " cannot be fetched: " + failures);
}

Result<Identity> IdentityResolver::resolve(const std::string& handle_or_did) {
  Identity identity;
  std::optional<std::string> asked_handle;
  if (handle_or_did.rfind("did:", 0) == 0) {
    identity.did = handle_or_did;
  } else {
    asked_handle = lower(handle_or_did);
    auto did = resolve_handle(*asked_handle);
    if (!did) return make_error(did.error());
    identity.did = *did;
  }
  auto doc = resolve_did(identity.did);
  if (!doc) return make_error(doc.error());
  identity.document = *doc;
  if (doc->handle) identity.handle = lower(*doc->handle);

  if (!identity.handle) {
    identity.unverified_reason = "the document of " + identity.did + " claims no handle";
  } else if (asked_handle && *asked_handle != *identity.handle) {
    identity.unverified_reason =
        *asked_handle + " resolves to " + identity.did + ", whose document claims " + *identity.handle;
  } else if (asked_handle) {
    identity.handle_verified = true;
  } else if (auto back = resolve_handle(*identity.handle); !back) {
    identity.unverified_reason = back.error();
  } else if (*back != identity.did) {
    identity.unverified_reason = *identity.handle + " resolves to " + *back + ", not " + identity.did;
  } else {
    identity.handle_verified = true;
  }
  if (!identity.handle_verified)
    spdlog::info("identity {}: handle not verified: {}", identity.did, identity.unverified_reason);
  return identity;
}

Status IdentityResolver::invalidate(const std::string& did) {
  WriteBatch batch = store_.batch();
  batch.remove(Family::actors, did_key(did));
  if (auto entry = cached_entry(store_, did_key(did))) {
    auto doc = parse_did_document(member(*entry, "doc"));
    if (doc && doc->handle) batch.remove(Family::actors, handle_key(lower(*doc->handle)));
  }
  Status written = store_.write(batch, Durability::buffered);
  if (!written.ok()) return make_error("forgetting the identity of " + did + ": " + written.error());
  return {};
}

}  // namespace causeway::atproto
