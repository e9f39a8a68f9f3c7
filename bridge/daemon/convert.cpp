#include "bridge/daemon/convert.h"

#include <nlohmann/json.hpp>

#include "bridge/daemon/configured_actors.h"
#include "protocols/atproto/post_options.h"
#include "protocols/activitypub/as2.h"
#include "protocols/activitypub/note_event.h"
#include "protocols/activitypub/note_render.h"
#include "protocols/activitypub/hashtag_link.h"
#include "protocols/atproto/post_render.h"
#include "protocols/atproto/record_events.h"

namespace causeway {
namespace {

using nlohmann::json;
namespace ap = activitypub;
constexpr std::size_t kMaxInputBytes = 1 << 20;  // what the inbox accepts for one activity

// The blob a preview shows where the writer would put what uploadBlob answers.
json blob_placeholder(const Media& m, std::size_t size, const std::string& mime_type) {
  return {{"$type", "blob"},
          {"ref", {{"$link", "(upload of " + m.url + ")"}}},
          {"mimeType", mime_type.empty() ? "image/jpeg" : mime_type},
          {"size", size}};
}

// An Event as the inbox would read it: an activity, or a bare object as if Created by its author.
Result<Event> fediverse_event(const std::string& input) {
  auto parsed = ap::parse_as2(input);
  if (!parsed) return make_error(parsed.error());
  auto e = ap::event_from_activity(*parsed);
  if (!e) return e;
  if (e->kind != EventKind::post && e->kind != EventKind::reply && e->kind != EventKind::update)
    return make_error(std::string("a ") + to_string(e->kind) + " is not a post: only posts, replies and edits become Bluesky posts");
  if (e->content.text.empty() && e->content.title.empty() && e->media.empty() && !e->embed.link && !e->embed.quote)
    return make_error("the activity does not carry its object's content (it is fetched from its origin when it comes)");
  if (!e->may_cross())
    return make_error("only public and unlisted posts cross the bridge; this one is " +
                      std::string(to_string(e->audience.visibility)));
  return e;
}

}  // namespace

ConvertSetup convert_setup_for(const Config& config, const BridgeConfig& bridge) {
  ConvertSetup setup;
  setup.bridge = &bridge;
  ap::LocalActors actors = local_actors_from(config);
  setup.public_url = actors.origin();
  if (const ap::LocalActor* group = actors.by_key(hosted_group_key(bridge))) {
    setup.group_id = actors.id(*group);
  } else if (bridge.fediverse.group) {
    setup.notes.push_back("the group " + *bridge.fediverse.group +
                          " is addressed by the actor id WebFinger gives for it; a preview without --fetch does not ask");
  }
  return setup;
}

int convert_to_bluesky_json(const std::string& input, const ConvertSetup& setup, nlohmann::json& out, std::string& reason) {
  try {
    auto event = fediverse_event(input);
    if (!event) {
      reason = event.error();
      return kConvertRefused;
    }
    if (event->received_at_us == 0) event->received_at_us = event->created_at_us;
    if (!setup.group_id.empty() && event->audience.group.empty()) event->audience.group = setup.group_id;
    atproto::PostOptions options = setup.bridge ? atproto::post_options_for(*setup.bridge) : atproto::PostOptions{};
    atproto::PostContext context;
    std::string own_prefix = setup.public_url + "/ap/did:";
    // Mentions of Bluesky users bridged here are mentions on Bluesky; the fediverse side already
    // reads Bridgy Fed's bridged users as DIDs.
    context.mention_did = [own_prefix](const std::string& id) -> std::optional<std::string> {
      if (id.rfind(own_prefix, 0) == 0) return id.substr(own_prefix.size() - 4);
      return std::nullopt;
    };
    std::vector<std::string> why = setup.notes;
    if (setup.lookups.member_profile) {
      if (auto p = setup.lookups.member_profile(event->actor.id)) context.author = {p->name, p->handle};
      else why.push_back("the author's profile was not fetched (" + p.error() + "): the attribution names its host");
    }
    auto rendered = atproto::render_post(*event, options, context);
    if (!rendered) {
      reason = rendered.error();
      return kConvertRefused;
    }
    why.insert(why.end(), rendered->notes.begin(), rendered->notes.end());
    // The images as the writer would upload them: fetched when the setup may, else as declared.
    std::vector<atproto::ImageEmbed> embeds;
    json images = json::array();
    for (const auto& m : rendered->images) {
      json shown = {{"url", m.url}, {"alt", m.alt}, {"mimeType", m.mime_type}};
      if (!setup.lookups.image) {
        embeds.push_back(atproto::ImageEmbed{blob_placeholder(m, m.size, m.mime_type), m.alt, m.width, m.height});
      } else if (FetchedImage fetched = setup.lookups.image(m); !fetched.why.empty()) {
        shown["why"] = fetched.why;
        why.push_back(fetched.why);
      } else {
        shown["size"] = fetched.body.size();
        shown["mimeType"] = fetched.mime_type;
        embeds.push_back(
            atproto::ImageEmbed{blob_placeholder(m, fetched.body.size(), fetched.mime_type), m.alt, m.width, m.height});
      }
      images.push_back(std::move(shown));
    }
    atproto::PostFields& first = rendered->parts.front();
    first.images = std::move(embeds);
    // No image could be carried: the post gets the card a text post gets, as the writer does.
    if (!rendered->images.empty() && first.images.empty() && !first.quote) atproto::add_card(first, *event, context.author);
    json records = json::array();
    for (std::size_t i = 0; i < rendered->parts.size(); ++i) {
      atproto::PostFields& f = rendered->parts[i];
      if (i > 0) f.reply = atproto::ReplyRefs{{"(part 1)", "(part 1)"}, {"(part " + std::to_string(i) + ")", "(part " + std::to_string(i) + ")"}};
      else if (event->thread.parent)
        f.reply = atproto::ReplyRefs{{"(copy of the thread's root)", ""}, {"(copy of " + event->thread.parent->id + ")", ""}};
      records.push_back(atproto::post_record(f));
    }
    json result = json::object();
    result["records"] = std::move(records);
    result["images"] = std::move(images);
    result["why"] = std::move(why);
    out = std::move(result);
    return kConvertOk;
  } catch (const std::exception& e) {
    reason = std::string("cannot convert: ") + e.what();
    return kConvertRefused;
  }
}

int convert_to_fediverse_json(const std::string& input, const ConvertSetup& setup, nlohmann::json& out, std::string& reason) {
  try {
    if (input.size() > kMaxInputBytes) {
      reason = "the input is over 1 MiB";
      return kConvertRefused;
    }
    json doc = json::parse(input, nullptr, false);
    if (doc.is_discarded()) {
      reason = "the input is not JSON";
      return kConvertRefused;
    }
    auto event = atproto::event_from_post_json(doc);
    if (!event) {
      reason = event.error();
      return kConvertRefused;
    }
    // Bluesky users appear on the fediverse as actors bridged here, /ap/<did>.
    auto bridged = [&](const std::string& did) { return setup.public_url + "/ap/" + did; };
    std::vector<std::string> why = setup.notes;
    ap::NoteContext context;
    context.actor_id = bridged(event->actor.id);
    context.followers = context.actor_id + "/followers";
    context.note_id = ap::bridged_object_id(context.actor_id, event->origin.object.id);
    context.group = setup.group_id;
    context.tag_base = std::string(ap::kBlueskyHashtagBase);
    context.mentioned_actor = [&](const std::string& did) -> std::optional<ap::MentionedActor> {
      return ap::MentionedActor{bridged(did), did};
    };
    if (event->thread.parent)
      why.push_back("a reply to " + event->thread.parent->id +
                    ": it is sent only when that post is the copy of a fediverse post (the store knows; a preview does not)");
    auto rendered = ap::render_note(*event, context);
    if (!rendered) {
      reason = rendered.error();
      return kConvertRefused;
    }
    for (const auto& m : event->media)
      if (m.url.rfind("at://", 0) == 0) why.push_back("blob " + m.url + " is linked from the author's PDS when sent");
    json result = json::object();
    result["note"] = std::move(rendered->note);
    result["activity"] = std::move(rendered->create);
    result["why"] = std::move(why);
    out = std::move(result);
    return kConvertOk;
  } catch (const std::exception& e) {
    reason = std::string("cannot convert: ") + e.what();
    return kConvertRefused;
  }
}

namespace {

// The command prints what the converter returned, indented; a string that is not UTF-8 (kept
// only if a converter let one through) is a refusal, not a crash.
int printed(int code, const json& result, std::string& out, std::string& reason) {
  if (code != kConvertOk) return code;
  try {
    out = result.dump(2);
  } catch (const json::exception& e) {
    reason = std::string("cannot print the result: ") + e.what();
    return kConvertRefused;
  }
  return kConvertOk;
}

}  // namespace

int convert_to_bluesky(const std::string& input, const ConvertSetup& setup, std::string& out, std::string& reason) {
  json result;
  return printed(convert_to_bluesky_json(input, setup, result, reason), result, out, reason);
}

int convert_to_fediverse(const std::string& input, const ConvertSetup& setup, std::string& out, std::string& reason) {
  json result;
  return printed(convert_to_fediverse_json(input, setup, result, reason), result, out, reason);
}

}  // namespace causeway
