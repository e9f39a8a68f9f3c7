#include "protocols/atproto/post_options.h"

namespace causeway::atproto {

PostOptions post_options_for(const BridgeConfig& bridge) {
  PostOptions options;
  options.attribution = bridge.attribution;
  options.long_posts = bridge.mirror.long_posts == LongPosts::truncate ? PostOptions::LongPosts::truncate
                                                                       : PostOptions::LongPosts::thread;
  if (bridge.mirror.labels) {
    options.labels.clear();
    for (const auto& rule : *bridge.mirror.labels) options.labels.push_back({rule.label, rule.words});
  }
  options.sensitive_media_label = bridge.mirror.sensitive_media_label;
  return options;
}

}  // namespace causeway::atproto
