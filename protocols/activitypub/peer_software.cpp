#include "protocols/activitypub/peer_software.h"

#include <cctype>

#include <algorithm>
#include <array>

namespace causeway::activitypub {

AnnounceStyle announce_style_of(std::string_view software_name) {
  std::string name(software_name);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  // kbin is Mbin's predecessor, still running on a few servers; Friendica unwraps a group's
  // Announce of an activity into that activity since it federates with Lemmy (2022.02).
  static constexpr std::array<std::string_view, 5> kForums{"lemmy", "piefed", "mbin", "kbin", "friendica"};
  return std::find(kForums.begin(), kForums.end(), name) != kForums.end() ? AnnounceStyle::activity
                                                                         : AnnounceStyle::object;
}

std::optional<std::string> nodeinfo_document_url(const nlohmann::json& well_known) {
  if (!well_known.is_object()) return std::nullopt;
  auto links = well_known.find("links");
  if (links == well_known.end() || !links->is_array()) return std::nullopt;
  for (std::string_view version : {"2.1", "2.0"}) {
    std::string rel = "http://nodeinfo.diaspora.software/ns/schema/" + std::string(version);
    for (const auto& link : *links) {
      if (!link.is_object() || link.value("rel", "") != rel) continue;
      auto href = link.find("href");
      if (href != link.end() && href->is_string() && !href->get<std::string>().empty()) return href->get<std::string>();
    }
  }
  return std::nullopt;
}

std::optional<std::string> nodeinfo_software_name(const nlohmann::json& document) {
  if (!document.is_object()) return std::nullopt;
  auto software = document.find("software");
  if (software == document.end() || !software->is_object()) return std::nullopt;
  auto name = software->find("name");
  if (name == software->end() || !name->is_string() || name->get<std::string>().empty()) return std::nullopt;
  // A name is a short token ("lemmy", "mastodon"); anything else is kept and logged only as far
  // as it is one, so a server cannot fill the cache or the log with its answer.
  std::string out;
  for (char c : name->get<std::string>()) {
    if (out.size() >= 64 || !(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) break;
    out += c;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace causeway::activitypub
