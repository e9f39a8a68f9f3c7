#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <gumbo.h>

#include "bridge/base/url.h"
#include "bridge/base/utf8.h"
#include "protocols/activitypub/html_parse_budget.h"
#include "protocols/activitypub/html_text.h"

namespace causeway::activitypub {
namespace {

bool is_html_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Collects what a browser would show: collapsed whitespace, line breaks owed by blocks (emitted
// only before more text, so blocks never leave blank lines at the ends), and facet ranges.
class TextBuilder {
 public:
  void text(std::string_view s, bool preformatted) {
    if (preformatted) {
      if (!s.empty()) emit(s);
      return;
    }
    for (std::size_t i = 0; i < s.size();) {
      if (is_html_space(s[i])) {
        pending_space_ = true;
        ++i;
        continue;
      }
      auto j = i;
      while (j < s.size() && !is_html_space(s[j])) ++j;
      emit(s.substr(i, j - i));
      i = j;
    }
  }

  // A <br>; runs of them leave at most one blank line, as Bluesky clients show text.
  void line_break() {
    if (out_.empty()) return;
    settle_newlines();
    if (!out_.ends_with("\n\n")) out_ += '\n';
  }

  // Text written at the start of every line from now on (blockquotes' "> ").
  void set_line_prefix(std::string prefix) { line_prefix_ = std::move(prefix); }

  void block_edge(int newlines) { pending_newlines_ = std::max(pending_newlines_, newlines); }
  void soft_space() { pending_space_ = true; }

  void begin_facet() {
    facet_open_ = true;
    facet_start_.reset();
  }

  // Ends the open facet before any trailing whitespace; a facet over nothing is dropped.
  void end_facet(Facet::Type type, std::string target) {
    facet_open_ = false;
    if (!facet_start_) return;
    auto end = out_.size();
    while (end > *facet_start_ && is_html_space(out_[end - 1])) --end;
    if (end > *facet_start_)
      facets_.push_back({type, static_cast<std::uint32_t>(*facet_start_), static_cast<std::uint32_t>(end), std::move(target)});
  }

  void facet(Facet::Type type, std::string_view shown, std::string target) {
    begin_facet();
    emit(shown);
    end_facet(type, std::move(target));
  }

  RichText finish() && {
    auto end = out_.size();
    while (end > 0 && is_html_space(out_[end - 1])) --end;
    std::size_t start = 0;
    while (start < end && is_html_space(out_[start])) ++start;
    RichText rt{out_.substr(start, end - start), {}};
    for (auto& f : facets_) {
      auto s = std::clamp<std::size_t>(f.byte_start, start, end) - start;
      auto e = std::clamp<std::size_t>(f.byte_end, start, end) - start;
      if (s < e) rt.facets.push_back({f.type, static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(e), std::move(f.target)});
    }
    return rt;
  }

 private:
  void settle_newlines() {
    std::size_t have = 0;
    while (have < out_.size() && out_[out_.size() - 1 - have] == '\n') ++have;
    if (static_cast<std::size_t>(pending_newlines_) > have) out_.append(pending_newlines_ - have, '\n');
    pending_newlines_ = 0;
    pending_space_ = false;
  }

  void emit(std::string_view s) {
    if (!out_.empty()) {
      if (pending_newlines_ > 0) settle_newlines();
      else if (pending_space_ && !is_html_space(out_.back())) out_ += ' ';
    }
    pending_newlines_ = 0;
    pending_space_ = false;
    if (!line_prefix_.empty() && (out_.empty() || out_.back() == '\n')) out_ += line_prefix_;
    if (facet_open_ && !facet_start_) facet_start_ = out_.size();
    out_ += s;
  }

  std::string out_;
  std::string line_prefix_;
  std::vector<Facet> facets_;
  bool pending_space_ = false;
  int pending_newlines_ = 0;
  bool facet_open_ = false;
  std::optional<std::size_t> facet_start_;
};

bool has_space(std::string_view s) { return std::any_of(s.begin(), s.end(), is_html_space); }

std::string_view attribute(const GumboElement& e, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
  return a ? std::string_view(a->value) : std::string_view();
}

bool has_token(const GumboElement& e, const char* name, std::string_view token) {
  auto value = attribute(e, name);
  for (std::size_t i = 0; i < value.size();) {
    while (i < value.size() && is_html_space(value[i])) ++i;
    auto j = i;
    while (j < value.size() && !is_html_space(value[j])) ++j;
    if (j > i && lower(value.substr(i, j - i)) == token) return true;
    i = j;
  }
  return false;
}

// What an inline custom emoji (<img class="emoji" alt=":blobcat:">) says: its shortcode, as the
// author typed it; other images say nothing inline (attachments carry the pictures).
std::string emoji_text(const GumboElement& e) {
  auto alt = attribute(e, "alt");
  bool shortcode = alt.size() > 2 && alt.front() == ':' && alt.back() == ':' && !has_space(alt);
  if (shortcode || has_token(e, "class", "emoji") || has_token(e, "class", "custom-emoji")) return std::string(utf8_prefix(alt, 256));
  return {};
}

// All text under `node`, whitespace collapsed and trimmed: what an anchor says.
std::string plain_text_of(const GumboNode* node) {
  TextBuilder b;
  std::vector<const GumboNode*> stack{node};
  while (!stack.empty()) {
    const GumboNode* n = stack.back();
    stack.pop_back();
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE || n->type == GUMBO_NODE_CDATA) {
      b.text(n->v.text.text, false);
    } else if (n->type == GUMBO_NODE_ELEMENT && n->v.element.tag == GUMBO_TAG_IMG) {
      b.text(emoji_text(n->v.element), false);
    } else if (n->type == GUMBO_NODE_ELEMENT) {
      const GumboVector& kids = n->v.element.children;
      for (unsigned i = kids.length; i > 0; --i) stack.push_back(static_cast<const GumboNode*>(kids.data[i - 1]));
    }
  }
  return std::move(b).finish().text;
}

// The authority of a URL without user info: the host part of an acct.
std::string host_for_acct(std::string_view url) {
  auto host = host_of_url(url);
  auto at = host.rfind('@');
  return at == std::string::npos ? host : host.substr(at + 1);
}

// "@user@host", "user@host" or "@user" (host then taken from `url`).
struct Acct {
  std::string user;
  std::string host;

  static Acct of(std::string_view name, std::string_view url) {
    if (name.starts_with('@')) name.remove_prefix(1);
    auto at = name.find('@');
    if (at == std::string_view::npos) return {std::string(name), host_for_acct(url)};
    return {std::string(name.substr(0, at)), std::string(name.substr(at + 1))};
  }
  std::string key() const { return lower(user) + "@" + lower(host); }
  std::string text() const { return "@" + user + "@" + host; }
};

// The tags of the object, looked up the ways anchors refer to them.
class TagIndex {
 public:
  explicit TagIndex(const std::vector<As2Tag>& tags) {
    for (const auto& t : tags) {
      if (t.type == "Mention") {
        if (!t.href.empty()) mention_by_href_.emplace(t.href, &t);
        if (t.name.empty()) continue;
        auto acct = Acct::of(t.name, t.href);
        mention_by_acct_.emplace(acct.key(), &t);
        mention_by_acct_.emplace(Acct{acct.user, host_for_acct(t.href)}.key(), &t);
      } else if (t.type == "Hashtag" && !t.name.empty()) {
        hashtags_.insert(lower(std::string_view(t.name).substr(t.name.starts_with('#') ? 1 : 0)));
      }
    }
  }

  const As2Tag* mention(std::string_view href, const std::optional<Acct>& acct) const {
    if (auto it = mention_by_href_.find(std::string(href)); it != mention_by_href_.end()) return it->second;
    if (!acct) return nullptr;
    auto it = mention_by_acct_.find(acct->key());
    return it == mention_by_acct_.end() ? nullptr : it->second;
  }

  bool has_hashtag(std::string_view name) const { return hashtags_.contains(lower(name)); }

 private:
  std::unordered_map<std::string, const As2Tag*> mention_by_href_;
  std::unordered_map<std::string, const As2Tag*> mention_by_acct_;
  std::unordered_set<std::string> hashtags_;
};

enum class Exit { none, line, paragraph, preformatted, code, link, list, quote };

struct Frame {
  Frame(const GumboNode* n, Exit x = Exit::none, std::string_view link = {}) : node(n), exit(x), href(link) {}

  const GumboNode* node;
  Exit exit;
  std::string_view href;  // for Exit::link
  unsigned next_child = 0;
};

// Walks the tree with an explicit stack, not recursion: remote HTML may nest thousands of levels deep.
class HtmlReader {
 public:
  explicit HtmlReader(const std::vector<As2Tag>& tags) : tags_(tags) {}

  RichText read(const GumboNode* root) && {
    std::vector<Frame> stack{{root}};
    while (!stack.empty()) {
      auto& top = stack.back();
      const GumboVector* kids = children(top.node);
      if (kids && top.next_child < kids->length) {
        auto* child = static_cast<const GumboNode*>(kids->data[top.next_child++]);
        if (auto frame = enter(child)) stack.push_back(*frame);
        continue;
      }
      leave(top);
      stack.pop_back();
    }
    return std::move(out_).finish();
  }

 private:
  static const GumboVector* children(const GumboNode* n) {
    if (n->type == GUMBO_NODE_DOCUMENT) return &n->v.document.children;
    if (n->type == GUMBO_NODE_ELEMENT) return &n->v.element.children;
    return nullptr;
  }

  // Handles `n` on the way in; returns the frame to push when its children are to be read.
  std::optional<Frame> enter(const GumboNode* n) {
    switch (n->type) {
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_WHITESPACE:
      case GUMBO_NODE_CDATA:
        out_.text(n->v.text.text, preformatted_ > 0);
        return std::nullopt;
      case GUMBO_NODE_ELEMENT:
        break;
      default:  // comments, and template contents (never shown)
        return std::nullopt;
    }
    const GumboElement& e = n->v.element;
    switch (e.tag) {
      case GUMBO_TAG_HEAD: case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_TEMPLATE:
      case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_IFRAME: case GUMBO_TAG_NOEMBED: case GUMBO_TAG_NOFRAMES:
      case GUMBO_TAG_SVG: case GUMBO_TAG_MATH: case GUMBO_TAG_SELECT:
        return std::nullopt;
      case GUMBO_TAG_BR:
        out_.line_break();
        return std::nullopt;
      case GUMBO_TAG_IMG:
        if (auto alt = emoji_text(e); !alt.empty()) out_.text(alt, false);
        return std::nullopt;
      case GUMBO_TAG_UL: case GUMBO_TAG_OL: case GUMBO_TAG_MENU: case GUMBO_TAG_DIR: {
        out_.block_edge(1);
        int start = 1;
        if (e.tag == GUMBO_TAG_OL)
          if (auto value = attribute(e, "start"); !value.empty() && value.size() < 6 && std::isdigit(static_cast<unsigned char>(value[0])))
            start = std::atoi(std::string(value).c_str());
        lists_.push_back({e.tag == GUMBO_TAG_OL, start});
        return Frame{n, Exit::list};
      }
      case GUMBO_TAG_LI:
        out_.block_edge(1);
        if (lists_.empty() || !lists_.back().ordered) out_.text("\u2022 ", true);
        else out_.text(std::to_string(lists_.back().next++) + ". ", true);
        return Frame{n, Exit::line};
      case GUMBO_TAG_BLOCKQUOTE:
        out_.block_edge(1);
        out_.set_line_prefix(quote_prefix(++quote_depth_));
        return Frame{n, Exit::quote};
      case GUMBO_TAG_A:
        return anchor(n);
      case GUMBO_TAG_P:
        out_.block_edge(2);
        return Frame{n, Exit::paragraph};
      case GUMBO_TAG_PRE: case GUMBO_TAG_LISTING: case GUMBO_TAG_PLAINTEXT: case GUMBO_TAG_XMP:
        // Fenced as Markdown writes code, so a Bluesky reader (no code formatting there) sees
        // where it starts and ends; its lines and spaces are kept.
        out_.block_edge(1);
        out_.text("```", true);
        out_.block_edge(1);
        ++preformatted_;
        return Frame{n, Exit::preformatted};
      case GUMBO_TAG_CODE:
        if (preformatted_ > 0) return Frame{n};
        out_.text("`", true);
        return Frame{n, Exit::code};
      case GUMBO_TAG_TD: case GUMBO_TAG_TH:
        out_.soft_space();
        return Frame{n};
      case GUMBO_TAG_ADDRESS: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_ASIDE:
      case GUMBO_TAG_CAPTION: case GUMBO_TAG_CENTER: case GUMBO_TAG_DD: case GUMBO_TAG_DETAILS:
      case GUMBO_TAG_DIV: case GUMBO_TAG_DL: case GUMBO_TAG_DT:
      case GUMBO_TAG_FIELDSET: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_FIGURE: case GUMBO_TAG_FOOTER:
      case GUMBO_TAG_FORM: case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4:
      case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_HEADER: case GUMBO_TAG_HGROUP: case GUMBO_TAG_HR:
      case GUMBO_TAG_MAIN: case GUMBO_TAG_NAV:
      case GUMBO_TAG_SECTION: case GUMBO_TAG_SUMMARY: case GUMBO_TAG_TABLE: case GUMBO_TAG_TR:
        out_.block_edge(1);
        return Frame{n, Exit::line};
      default:
        return Frame{n};
    }
  }

  void leave(const Frame& f) {
    switch (f.exit) {
      case Exit::none: break;
      case Exit::line: out_.block_edge(1); break;
      case Exit::paragraph: out_.block_edge(2); break;
      case Exit::preformatted:
        --preformatted_;
        out_.block_edge(1);
        out_.text("```", true);
        out_.block_edge(1);
        break;
      case Exit::code:
        out_.text("`", true);
        break;
      case Exit::link:
        in_link_ = false;
        out_.end_facet(Facet::Type::link, std::string(f.href));
        break;
      case Exit::list:
        lists_.pop_back();
        out_.block_edge(1);
        break;
      case Exit::quote:
        out_.block_edge(1);
        out_.set_line_prefix(quote_prefix(--quote_depth_));
        break;
    }
  }

  // A mention or a hashtag is written out whole; a link's children are read inside a facet.
  std::optional<Frame> anchor(const GumboNode* n) {
    if (in_link_) return Frame{n};  // a nested anchor: only the outer one links
    const GumboElement& e = n->v.element;
    auto href = attribute(e, "href");
    std::string shown = plain_text_of(n);
    if (has_token(e, "class", "hashtag") || has_token(e, "rel", "tag")) {
      if (hashtag(shown)) return std::nullopt;
    } else if (mention(e, href, shown)) {
      return std::nullopt;
    } else if (shown.starts_with('#') && tags_.has_hashtag(std::string_view(shown).substr(1)) && hashtag(shown)) {
      return std::nullopt;
    }
    if (!is_web_link(href)) return Frame{n};
    if (shown.empty()) {  // nothing to click on but the address itself
      out_.facet(Facet::Type::link, href, std::string(href));
      return std::nullopt;
    }
    in_link_ = true;
    out_.begin_facet();
    return Frame{n, Exit::link, href};
  }

  bool hashtag(std::string_view shown) {
    auto name = shown.substr(shown.starts_with('#') ? 1 : 0);
    if (name.empty() || has_space(name)) return false;
    out_.facet(Facet::Type::hashtag, "#" + std::string(name), std::string(name));
    return true;
  }

  bool mention(const GumboElement& e, std::string_view href, std::string_view shown) {
    std::optional<Acct> written;
    if (shown.size() > 1 && shown.starts_with('@') && !has_space(shown)) written = Acct::of(shown, href);
    const As2Tag* tag = tags_.mention(href, written);
    if (!tag && !(written && has_token(e, "class", "mention"))) return false;
    std::optional<Acct> acct = written;
    if (tag && !tag->name.empty()) acct = Acct::of(tag->name, tag->href.empty() ? href : tag->href);
    if (!acct || acct->user.empty() || acct->host.empty()) return false;
    std::string target(tag && !tag->href.empty() ? tag->href : href);
    // Shown as the author wrote it ("@alice" stays "@alice"); the facet says who it is.
    std::string text = written ? std::string(shown) : acct->text();
    if (is_web_link(target)) out_.facet(Facet::Type::mention, text, std::move(target));
    else out_.text(text, false);
    return true;
  }

  // "> " per level of quoting, up to a depth anyone would still read.
  static std::string quote_prefix(int depth) {
    std::string prefix;
    for (int i = 0; i < std::min(depth, 4); ++i) prefix += "> ";
    return prefix;
  }

  struct List {
    bool ordered;
    int next;
  };

  TagIndex tags_;
  TextBuilder out_;
  std::vector<List> lists_;
  int quote_depth_ = 0;
  int preformatted_ = 0;
  bool in_link_ = false;
};

}  // namespace

std::vector<As2Tag> tags_of(const nlohmann::json& note) {
  std::vector<As2Tag> out;
  if (!note.is_object()) return out;
  auto it = note.find("tag");
  if (it == note.end()) return out;
  auto take = [&](const nlohmann::json& t) {
    if (!t.is_object()) return;
    auto text = [&](const char* key) {
      auto v = t.find(key);
      return v != t.end() && v->is_string() ? v->get<std::string>() : std::string();
    };
    As2Tag tag{text("type"), text("href"), text("name")};
    if (tag.type != "Mention" && tag.type != "Hashtag") return;
    if ((tag.href.empty() && tag.name.empty()) || tag.href.size() > kMaxTagField || tag.name.size() > kMaxTagField) return;
    out.push_back(std::move(tag));
  };
  if (it->is_array()) {
    std::size_t seen = 0;
    for (const auto& t : *it) {
      if (++seen > kMaxTags) break;
      take(t);
    }
  } else {
    take(*it);
  }
  return out;
}

RichText html_to_text(std::string_view html, const std::vector<As2Tag>& tags, std::size_t max_input) {
  html = utf8_prefix(html, max_input);
  html = html.substr(0, html_prefix_within(html));
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0;  // parse errors are of no use here, and recording them costs memory
  GumboOutput* doc = gumbo_parse_with_options(&options, html.data(), html.size());
  RichText rt = HtmlReader(tags).read(doc->document);
  gumbo_destroy_output(&options, doc);
  return rt;
}

}  // namespace causeway::activitypub
