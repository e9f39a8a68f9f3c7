// An image a post's Bluesky copy would carry, fetched as it is fetched before its upload: through
// the outbound guard, at most Bluesky's 1 MB (atproto::kMaxImageBytes), its type from the answer's
// Content-Type when that is an image type, else the one the post declared. What cannot be carried
// says why, in the words `why` shows for the writer's copies. Thread-safe as the HttpClient is.
#pragma once

#include <string>

#include "bridge/event.h"
#include "protocols/net/http_client.h"

namespace causeway {

struct FetchedImage {
  std::string body;       // the image's bytes; empty when `why` is set
  std::string mime_type;
  std::string why;        // set when it cannot be carried: not fetched, or over the limit
};

FetchedImage fetch_image(const HttpClient& http, const Media& image);

}  // namespace causeway
