#include "protocols/atproto/post_render.h"

#include <algorithm>
#include <set>

#include "bridge/base/url.h"
#include "bridge/rich_text.h"

namespace causeway::atproto {
namespace {

constexpr std::size_t kMaxImages = 4;
// Room kept in each part of a thread for its " (12/34)" number.
constexpr std::size_t kNumberRoom = 10;
constexpr std::int64_t kYear2000Us = 946'684'800'000'000LL;
constexpr std::int64_t kDayUs = 86'400'000'000LL;

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The words of a content warning, lower-cased: runs of letters, digits, '+' and any non-ASCII
// byte (so "18+" and "Sussex" are one word each, and "sex" is not found inside "Sussex").
std::set<std::string> words_of(const std::string& text) {
  std::set<std::string> words;
  std::string word;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '+' || c >= 0x80) {
      word += static_cast<char>(std::tolower(c));
    } else if (!word.empty()) {
      words.insert(word);
      word.clear();
    }
  }
  if (!word.empty()) words.insert(word);
  return words;
}

std::vector<std::string> labels_for(const Event& event, const PostOptions& options) {
  std::set<std::string> words = words_of(event.content.content_warning);
  for (const auto& f : event.content.facets)
    if (f.type == Facet::Type::hashtag) words.insert(lower(f.target));
  for (const auto& t : event.content.tags) words.insert(lower(t));
  std::vector<std::string> out;
  auto add = [&](const std::string& label) {
    if (is_bluesky_self_label(label) && std::find(out.begin(), out.end(), label) == out.end()) out.push_back(label);
  };
  for (const auto& rule : options.labels)
    for (const auto& w : rule.words)
      if (words.count(lower(w))) {
        add(rule.label);
        break;
      }
  for (const auto& l : event.content.labels) add(l);  // labels the source itself set (Bluesky's own)
  bool sensitive = std::find(event.content.labels.begin(), event.content.labels.end(), "sensitive") !=
                   event.content.labels.end();
  if (out.empty() && sensitive && !event.media.empty() && !options.sensitive_media_label.empty())
    add(options.sensitive_media_label);
  return out;
}

bool is_image(const Media& m) { return m.mime_type.rfind("image/", 0) == 0; }

// The body with its mentions resolved: a mentioned Bluesky user stays a mention (by DID), anyone
// else becomes a link to their profile. A leading mention of the group the post is addressed to is
// dropped: members write "@group …" to post into it, and on the group's own mirror it says nothing.
RichText body_of(const Event& event, const PostContext& context) {
  RichText body{event.content.text, well_formed_facets(RichText{event.content.text, event.content.facets})};
  const std::string& group = event.audience.group;
  if (!group.empty() && !body.facets.empty()) {
    const Facet& first = body.facets.front();
    std::size_t lead = body.text.find_first_not_of(" \t\n");
    if (first.type == Facet::Type::mention && first.target == group && first.byte_start == lead) {
      std::size_t end = body.text.find_first_not_of(" \t\n", first.byte_end);
      if (end == std::string::npos) end = body.text.size();
      RichText rest{body.text.substr(end), {}};
      for (std::size_t i = 1; i < body.facets.size(); ++i) {
        Facet f = body.facets[i];
        f.byte_start -= static_cast<std::uint32_t>(end);
        f.byte_end -= static_cast<std::uint32_t>(end);
        rest.facets.push_back(std::move(f));
      }
      body = std::move(rest);
    }
  }
  for (auto& f : body.facets) {
    if (f.type != Facet::Type::mention || f.target.rfind("did:", 0) == 0) continue;
    if (auto did = context.mention_did ? context.mention_did(f.target) : std::nullopt) {
      f.target = *did;
    } else {
      f.type = Facet::Type::link;
    }
  }
  return body;
}

bool mentions_url(const RichText& text, const std::string& url) {
  if (text.text.find(url) != std::string::npos) return true;
  return std::any_of(text.facets.begin(), text.facets.end(),
                     [&](const Facet& f) { return f.type == Facet::Type::link && f.target == url; });
}

void append_paragraph(RichText& out, const RichText& more) {
  if (more.text.empty()) return;
  if (!out.text.empty()) out.append(out.text.back() == '\n' ? "" : "\n\n");
  out.append(more);
}

void append_link_line(RichText& out, const std::string& prefix, const std::string& url) {
  if (!out.text.empty()) out.append(out.text.back() == '\n' ? "" : "\n\n");
  out.append(prefix);
  out.append(Facet::Type::link, url, url);
}

}  // namespace

std::vector<LabelRule> default_label_rules() {
  return {
      {"porn", {"porn", "pornography", "xxx"}},
      {"sexual", {"nsfw", "lewd", "sex", "sexual", "18+", "kink"}},
      {"nudity", {"nude", "nudes", "nudity", "naked"}},
      {"graphic-media", {"gore", "blood", "violence", "graphic", "injury", "corpse"}},
  };
}

bool is_bluesky_self_label(const std::string& label) {
  // com.atproto.label.defs: the values a post may set on itself that Bluesky's app acts on.
  static const std::set<std::string> kLabels = {"porn", "sexual", "nudity", "graphic-media", "!no-unauthenticated"};
  return kLabels.count(label) > 0;
}

std::string claimed_datetime(const Event& event) {
  std::int64_t created = event.created_at_us;
  if (created < kYear2000Us || created > event.received_at_us + kDayUs) created = event.received_at_us;
  return atproto_datetime(created);
}

void add_card(PostFields& first, const Event& event, const PostAuthor& author) {
  if (const auto& link = event.embed.link; link && !link->url.empty()) {
    first.card_uri = link->url;
    first.card_title = !link->title.empty() ? link->title : event.content.title;
    first.card_description = link->description;
    return;
  }
  first.card_uri = event.origin.object.id;
  first.card_title = !event.content.title.empty() ? event.content.title
                                                  : "Original post" + (author.handle.empty() ? std::string() : " by @" + author.handle);
  first.card_description = event.content.excerpt;
}

Result<RenderedPost> render_post(const Event& event, const PostOptions& options, const PostContext& context) {
  RenderedPost out;
  const std::string& original = event.origin.object.id;

  for (const auto& m : event.media) {
    if (!is_image(m)) {
      out.notes.push_back((m.mime_type.empty() ? "attachment" : m.mime_type) + " not carried (only images are): " + m.url);
    } else if (out.images.size() == kMaxImages) {
      out.notes.push_back("more than 4 images: " + m.url + " not carried");
    } else if (m.size > kMaxImageBytes) {
      out.notes.push_back("image over 1 MB not carried: " + m.url);
    } else {
      out.images.push_back(m);
    }
  }

  RichText full;
  if (!options.attribution.empty()) {
    const PostAuthor& who = context.author;
    std::string handle = who.handle.empty() ? host_of_url(event.actor.id) : who.handle;
    std::string line = replace_all(options.attribution, "{name}", who.name.empty() ? handle : who.name);
    full.text = replace_all(line, "{handle}", handle) + "\n";
  }
  if (!event.content.title.empty()) append_paragraph(full, RichText{event.content.title, {}});
  if (!event.content.content_warning.empty())
    append_paragraph(full, RichText{"CW: " + event.content.content_warning, {}});
  RichText body = body_of(event, context);
  // An article that brings its own excerpt is shared as title, excerpt and a card to the full text
  // (the author wrote the excerpt for exactly this); everything else is carried whole.
  bool excerpted = !event.content.title.empty() && !event.content.excerpt.empty();
  if (excerpted) {
    append_paragraph(full, RichText{event.content.excerpt, {}});
    if (!body.text.empty()) out.notes.push_back("an article: its excerpt is posted, with a link to the full text");
  } else {
    append_paragraph(full, body);
  }

  std::optional<StrongRef> quote;
  if (event.embed.quote) {
    if (context.bluesky_copy) quote = context.bluesky_copy(*event.embed.quote);
    if (!quote && !mentions_url(full, event.embed.quote->id)) {
      if (event.embed.quote->id.rfind("http", 0) == 0) append_link_line(full, "RE: ", event.embed.quote->id);
      else out.notes.push_back("quoted post " + event.embed.quote->id + " has no link to show");
    }
  }
  bool card_slot_taken = !out.images.empty() || quote.has_value();
  if (card_slot_taken) {
    // The embed is taken, so the links the card would carry go in the text.
    if (event.embed.link && !mentions_url(full, event.embed.link->url)) append_link_line(full, "", event.embed.link->url);
    if (!mentions_url(full, original)) append_link_line(full, "", original);
  }
  if (full.text.empty() && out.images.empty() && !event.embed.link) return make_error("the post has no text to carry");

  std::vector<RichText> parts;
  if (options.long_posts == PostOptions::LongPosts::truncate) {
    parts.push_back(truncate_post(full, options.limits, original));
  } else {
    parts = split_post(full, options.limits);
    if (parts.size() > 1) {
      PostLimits room = options.limits;
      room.graphemes = room.graphemes > kNumberRoom ? room.graphemes - kNumberRoom : 1;
      room.bytes = room.bytes > kNumberRoom ? room.bytes - kNumberRoom : 4;
      parts = split_post(full, room);
      for (std::size_t i = 0; i < parts.size(); ++i)
        parts[i].append(" (" + std::to_string(i + 1) + "/" + std::to_string(parts.size()) + ")");
      out.notes.push_back("long post: a thread of " + std::to_string(parts.size()) + " posts");
    }
  }
  if (parts.empty()) parts.push_back(RichText{});  // images or a card alone

  std::string created = claimed_datetime(event);
  std::vector<std::string> labels = labels_for(event, options);
  // The post's hashtags that have no place in its text go into the record's `tags` (Bluesky
  // searches them): the Lexicon allows 8, each of 64 graphemes and 640 bytes.
  std::vector<std::string> tags;
  for (const auto& t : event.content.tags) {
    std::string_view tag = t;
    while (!tag.empty() && tag.front() == '#') tag.remove_prefix(1);
    if (tag.empty() || grapheme_count(tag) > kMaxTagGraphemes || tag.size() > kMaxTagBytes) continue;
    if (std::find(tags.begin(), tags.end(), tag) != tags.end()) continue;
    if (tags.size() == 8) {
      out.notes.push_back("more than 8 hashtags outside the text: the rest are not tagged");
      break;
    }
    tags.emplace_back(tag);
  }
  for (auto& part : parts) {
    PostFields f;
    f.text = std::move(part.text);
    f.facets = std::move(part.facets);
    f.created_at = created;
    f.langs = event.content.languages;
    f.labels = labels;
    if (out.parts.empty()) f.tags = tags;  // once, on the post that leads the thread
    out.parts.push_back(std::move(f));
  }
  out.parts.front().quote = quote;
  if (!card_slot_taken) add_card(out.parts.front(), event, context.author);
  return out;
}

}  // namespace causeway::atproto
