#include <algorithm>

#include "bridge/base/url.h"
#include "protocols/activitypub/hashtag_link.h"
#include "protocols/activitypub/html_text.h"

namespace causeway::activitypub {
namespace {


class HtmlWriter {
 public:
  HtmlWriter(const MentionResolver& mention, std::string_view tag_base) : mention_(mention), tag_base_(tag_base) {}

  void facet(const Facet& f, std::string_view shown) {
    switch (f.type) {
      case Facet::Type::link: return link(f.target, shown);
      case Facet::Type::mention: return mention(f.target, shown);
      case Facet::Type::hashtag: return hashtag(f.target, shown);
    }
  }

  void text(std::string_view s) { escape_into(out_, s); }
  void raw(std::string_view s) { out_ += s; }
  std::string take() && { return std::move(out_); }

 private:
  void link(const std::string& target, std::string_view shown) {
    if (!is_web_link(target)) return text(shown);
    open_anchor(target, R"( rel="nofollow noopener" target="_blank">)");
    text(shown);
    out_ += "</a>";
  }

  void mention(const std::string& target, std::string_view shown) {
    MentionLink to = mention_ ? mention_(target) : MentionLink{};
    if (!is_web_link(to.href)) return text(shown);
    std::string_view handle = to.text.empty() ? shown : std::string_view(to.text);
    if (handle.starts_with('@')) handle.remove_prefix(1);
    out_ += R"(<span class="h-card">)";
    open_anchor(to.href, R"( class="u-url mention">@<span>)");
    text(handle);
    out_ += "</span></a></span>";
  }

  void hashtag(const std::string& tag, std::string_view shown) {
    std::string href = hashtag_href(tag_base_, tag);
    if (!is_web_link(href)) return text(shown);
    if (shown.starts_with('#')) shown.remove_prefix(1);
    open_anchor(href, R"( rel="tag" class="mention hashtag">#<span>)");
    text(shown);
    out_ += "</span></a>";
  }

  // `<a href="HREF"` followed by `rest` (the other attributes, '>' and any opening content).
  void open_anchor(std::string_view href, std::string_view rest) {
    out_ += R"(<a href=")";
    escape_into(out_, href);
    out_ += '"';
    out_ += rest;
  }

  const MentionResolver& mention_;
  std::string_view tag_base_;
  std::string out_;
};

}  // namespace

void escape_into(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}

std::string text_to_html(const RichText& rt, const MentionResolver& mention, std::string_view tag_base) {
  const std::string_view text = rt.text;
  std::vector<Facet> facets;
  for (auto& f : well_formed_facets(rt)) {
    if (rt.text_of(f).find('\n') == std::string_view::npos) facets.push_back(std::move(f));
  }
  HtmlWriter html(mention, tag_base);
  std::size_t next_facet = 0;
  bool in_paragraph = false;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '\n') {
      auto run_end = text.find_first_not_of('\n', i);
      if (run_end == std::string_view::npos) break;  // trailing newlines
      if (in_paragraph) html.raw(run_end - i >= 2 ? "</p><p>" : "<br>");
      i = run_end;  // leading newlines are dropped
      continue;
    }
    if (!in_paragraph) {
      html.raw("<p>");
      in_paragraph = true;
    }
    if (next_facet < facets.size() && facets[next_facet].byte_start == i) {
      const Facet& f = facets[next_facet++];
      html.facet(f, rt.text_of(f));
      i = f.byte_end;
      continue;
    }
    auto stop = std::min(text.find('\n', i), next_facet < facets.size() ? facets[next_facet].byte_start : text.size());
    html.text(text.substr(i, stop - i));
    i = stop;
  }
  if (in_paragraph) html.raw("</p>");
  return std::move(html).take();
}

}  // namespace causeway::activitypub
