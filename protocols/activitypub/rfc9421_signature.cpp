#include "protocols/activitypub/rfc9421_signature.h"

#include <algorithm>

#include "bridge/base/base64.h"
#include "bridge/base/url.h"
#include "bridge/base/utf8.h"
#include "protocols/activitypub/http_digest.h"

namespace causeway::activitypub {
namespace {

// One name or value of application/x-www-form-urlencoded (WHATWG URL): '+' is a space, %XX a byte,
// and a '%' not followed by two hex digits stands for itself.
std::string form_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit_value(s[i + 1]) >= 0 && hex_digit_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit_value(s[i + 1]) * 16 + hex_digit_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// RFC 9421 section 2.2.8 re-encodes query parameter names and values with the form-urlencoded
// percent-encode set, spaces as %20: everything but ASCII letters, digits and *-._ is escaped.
std::string form_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '*' || c == '-' ||
        c == '.' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

std::optional<std::string_view> query_of(std::string_view target) {
  std::size_t q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  return target.substr(q + 1);
}

Result<std::string> query_param(std::string_view target, const sf::BareItem* name) {
  if (!name || name->type != sf::BareItem::Type::string)
    return make_error("@query-param needs a name parameter that is a string");
  std::optional<std::string> found;
  std::string_view query = query_of(target).value_or("");
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    if (form_encode(form_decode(pair.substr(0, eq))) != name->text) continue;
    // The RFC excludes a repeated parameter: which instance was meant would be ambiguous.
    if (found) return make_error("query parameter \"" + name->text + "\" occurs more than once");
    found = form_encode(form_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1)));
  }
  if (!found) return make_error("query parameter \"" + name->text + "\" is absent");
  return *found;
}

// RFC 9421 section 2.2.3: lowercase, without the scheme's default port.
Result<std::string> normalized_authority(const HttpRequestView& request) {
  if (request.authority.empty() || request.authority.find_first_of(" \t\r\n/?#@") != std::string::npos)
    return make_error("request authority \"" + std::string(utf8_prefix(request.authority, 64)) + "\" is empty or malformed");
  std::string authority = ascii_lowercase(request.authority);
  std::string scheme = ascii_lowercase(request.scheme);
  std::string_view default_port = scheme == "https" ? ":443" : scheme == "http" ? ":80" : "";
  if (!default_port.empty() && authority.size() > default_port.size() && authority.ends_with(default_port))
    authority.resize(authority.size() - default_port.size());
  return authority;
}

Result<std::string> derived_component(const HttpRequestView& request, const std::string& name,
                                      const sf::Parameters& params) {
  if (name != "@query-param" && !params.empty())
    return make_error("component parameter " + params.front().key + " on " + name + " is not supported");
  if (name == "@method") {
    if (request.method.empty()) return make_error("request method is empty");
    return request.method;
  }
  if (name == "@authority") return normalized_authority(request);
  if (name == "@scheme") return ascii_lowercase(request.scheme);
  if (request.target.empty() || request.target.front() != '/')
    return make_error("request target \"" + std::string(utf8_prefix(request.target, 64)) + "\" does not start with '/'");
  if (name == "@target-uri") {
    std::string scheme = ascii_lowercase(request.scheme);
    if (scheme != "https" && scheme != "http") return make_error("request scheme \"" + scheme + "\" is not http(s)");
    auto authority = normalized_authority(request);
    if (!authority) return authority;
    return scheme + "://" + *authority + request.target;
  }
  if (name == "@request-target") return request.target;
  if (name == "@path") return std::string(path_of(request.target));
  if (name == "@query") return "?" + std::string(query_of(request.target).value_or(""));
  if (name == "@query-param") {
    if (params.size() != 1) return make_error("@query-param takes exactly one parameter, name");
    return query_param(request.target, sf::find_parameter(params, "name"));
  }
  if (name == "@status") return make_error("@status is a response component; a request cannot cover it");
  return make_error("unknown derived component " + name);
}

Result<std::string> field_component(const HttpRequestView& request, const std::string& name,
                                    const sf::Parameters& params) {
  if (!params.empty())
    return make_error("component parameter " + params.front().key + " on " + name + " is not supported");
  auto combined = request.combined_header(name);
  if (!combined && name == "host" && !request.authority.empty()) combined = request.authority;
  if (!combined) return make_error("covered header " + name + " is absent");
  return std::move(*combined);
}

Result<std::string> component_value(const HttpRequestView& request, const sf::Item& component) {
  if (component.value.type != sf::BareItem::Type::string) return make_error("a covered component is not a string");
  const std::string& name = component.value.text;
  auto value = !name.empty() && name.front() == '@' ? derived_component(request, name, component.params)
                                                    : field_component(request, name, component.params);
  if (value && has_line_break(*value)) return make_error("covered " + name + " holds a line break");
  return value;
}

Status check_components(const sf::InnerList& list) {
  if (list.items.size() > kMaxRfc9421Components)
    return make_error("covers more than " + std::to_string(kMaxRfc9421Components) + " components");
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    const auto& item = list.items[i];
    if (item.value.type != sf::BareItem::Type::string || item.value.text.empty())
      return make_error("covered component " + sf::serialize(item) + " is not a non-empty string");
    const std::string& name = item.value.text;
    if (name == "@signature-params") return make_error("@signature-params cannot be covered");
    if (std::any_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
      return make_error("component name " + name + " is not lowercase");
    for (std::size_t j = 0; j < i; ++j)
      if (list.items[j] == item) return make_error("component " + sf::serialize(item) + " is covered twice");
  }
  return Status::success();
}

// Reads the RFC 9421 section 2.3 parameters this code uses, checking their types.
Status read_parameters(Rfc9421Signature& sig) {
  for (const auto& p : sig.input.params) {
    const sf::BareItem& v = p.value;
    if (p.key == "created" || p.key == "expires") {
      if (v.type != sf::BareItem::Type::integer || v.integer < 0)
        return make_error(p.key + " is not a non-negative integer");
      (p.key == "created" ? sig.created : sig.expires) = v.integer;
    } else if (p.key == "keyid" || p.key == "alg" || p.key == "nonce" || p.key == "tag") {
      if (v.type != sf::BareItem::Type::string) return make_error(p.key + " is not a string");
      if (p.key == "keyid") sig.key_id = v.text;
      if (p.key == "alg") sig.algorithm = v.text;
    }
  }
  return Status::success();
}

std::optional<SignatureAlgorithm> default_algorithm(KeyType key) {
  switch (key) {
    case KeyType::rsa: return SignatureAlgorithm::rsa_v1_5_sha256;
    case KeyType::rsa_pss: return SignatureAlgorithm::rsa_pss_sha512;
    case KeyType::ec_p256: return SignatureAlgorithm::ecdsa_p256_sha256;
    case KeyType::ed25519: return SignatureAlgorithm::ed25519;
  }
  return std::nullopt;
}

}  // namespace

bool Rfc9421Signature::covers(std::string_view name) const {
  return std::any_of(input.items.begin(), input.items.end(), [&](const sf::Item& item) {
    return item.value.type == sf::BareItem::Type::string && item.value.text == name;
  });
}

Result<std::vector<Rfc9421Signature>> parse_rfc9421_signatures(std::string_view signature_input,
                                                               std::string_view signature) {
  for (auto [field, name] : {std::pair{signature_input, "Signature-Input"}, std::pair{signature, "Signature"}})
    if (field.size() > kMaxRfc9421FieldSize)
      return make_error(std::string(name) + " of " + std::to_string(field.size()) + " bytes exceeds " +
                        std::to_string(kMaxRfc9421FieldSize));
  auto inputs = sf::parse_dictionary(signature_input);
  if (!inputs) return make_error("Signature-Input: " + inputs.error());
  auto values = sf::parse_dictionary(signature);
  if (!values) return make_error("Signature: " + values.error());
  if (inputs->empty()) return make_error("Signature-Input is empty");
  std::vector<Rfc9421Signature> out;
  for (auto& member : *inputs) {
    Rfc9421Signature sig;
    sig.label = member.key;
    if (!member.is_inner_list) return make_error("Signature-Input " + sig.label + " is not an inner list");
    sig.input = std::move(member.inner_list);
    if (Status s = check_components(sig.input); !s.ok())
      return make_error("Signature-Input " + sig.label + ": " + s.error());
    if (Status s = read_parameters(sig); !s.ok()) return make_error("Signature-Input " + sig.label + ": " + s.error());
    auto value =
        std::find_if(values->begin(), values->end(), [&](const sf::DictionaryMember& m) { return m.key == sig.label; });
    if (value == values->end()) return make_error("Signature has no entry " + sig.label);
    if (value->is_inner_list || value->item.value.type != sf::BareItem::Type::byte_sequence ||
        value->item.value.text.empty())
      return make_error("Signature " + sig.label + " is not a byte sequence");
    sig.signature = value->item.value.text;
    out.push_back(std::move(sig));
  }
  return out;
}

Result<std::string> rfc9421_signature_base(const HttpRequestView& request, const sf::InnerList& input) {
  if (Status s = check_components(input); !s.ok()) return Error{s.error()};
  std::string base;
  for (const auto& component : input.items) {
    auto value = component_value(request, component);
    if (!value) return value;
    base += sf::serialize(component) + ": " + *value + "\n";
  }
  return base + "\"@signature-params\": " + sf::serialize(input);
}

Result<SignatureAlgorithm> rfc9421_algorithm(std::string_view alg, KeyType key) {
  if (alg.empty()) {
    if (auto algorithm = default_algorithm(key)) return *algorithm;
  } else if (auto algorithm = algorithm_named(alg)) {
    bool fits = *algorithm == SignatureAlgorithm::rsa_pss_sha512 ? key == KeyType::rsa || key == KeyType::rsa_pss
                                                                 : default_algorithm(key) == algorithm;
    if (fits) return *algorithm;
  }
  return make_error("unsupported algorithm " + std::string(alg.empty() ? "(none)" : alg) + " with " +
                    std::string(key_type_name(key)) + " key");
}

Result<Rfc9421Fields> rfc9421_sign(const HttpRequestView& request, const std::vector<std::string>& components,
                                   const PrivateKey& key, std::string_view key_id, std::chrono::sys_seconds created,
                                   std::string_view label) {
  auto algorithm = rfc9421_algorithm("", key.type());
  if (!algorithm) return std::move(algorithm).take_error();
  if (key_id.empty() || !std::all_of(key_id.begin(), key_id.end(), [](char c) { return c >= 0x20 && c <= 0x7e; }))
    return make_error("keyid is empty or not printable ASCII");
  sf::InnerList input;
  for (const auto& c : components) input.items.push_back({sf::BareItem::of_string(c), {}});
  input.params = {{"created", sf::BareItem::of_integer(created.time_since_epoch().count())},
                  {"keyid", sf::BareItem::of_string(std::string(key_id))},
                  {"alg", sf::BareItem::of_string(std::string(algorithm_name(*algorithm)))}};
  auto base = rfc9421_signature_base(request, input);
  if (!base) return std::move(base).take_error();
  auto signature = sign_message(key, *algorithm, *base);
  if (!signature) return std::move(signature).take_error();
  std::string l(label);
  return Rfc9421Fields{l + "=" + sf::serialize(input), l + "=" + sf::serialize(sf::BareItem::of_bytes(*signature))};
}

Status sign_rfc9421(HttpRequestView& request, const PrivateKey& key, std::string_view key_id,
                    std::chrono::sys_seconds now) {
  std::vector<std::string> components = {"@method", "@target-uri"};
  if (request.has_content()) {
    if (!request.has_header("Content-Digest"))
      request.add_header("Content-Digest", content_digest(request.body, DigestAlgorithm::sha256));
    components.push_back("content-digest");
  }
  auto fields = rfc9421_sign(request, components, key, key_id, now);
  if (!fields) return std::move(fields).take_error();
  request.add_header("Signature-Input", std::move(fields->signature_input));
  request.add_header("Signature", std::move(fields->signature));
  return Status::success();
}

}  // namespace causeway::activitypub
