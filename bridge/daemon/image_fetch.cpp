#include "bridge/daemon/image_fetch.h"

#include <chrono>

#include "protocols/atproto/post_render.h"

namespace causeway {

FetchedImage fetch_image(const HttpClient& http, const Media& image) {
  using atproto::kMaxImageBytes;
  FetchedImage out;
  HttpRequest request{"GET", image.url, {{"Accept", "image/*"}}, ""};
  // One byte over the limit is enough to know it is too large.
  FetchResult r = http.fetch(request, FetchLimits{kMaxImageBytes + 1, std::chrono::seconds(20), 3});
  if (r.error == FetchError::too_large || (r.ok() && r.response.body.size() > kMaxImageBytes)) {
    out.why = "image over 1 MB not carried: " + image.url;
    return out;
  }
  if (!r.ok() || r.response.status != 200) {
    out.why = "image not fetched (" + (r.ok() ? "HTTP " + std::to_string(r.response.status) : r.message) + "): " + image.url;
    return out;
  }
  out.mime_type = r.response.header("content-type");
  out.mime_type = out.mime_type.substr(0, out.mime_type.find(';'));
  if (out.mime_type.rfind("image/", 0) != 0) out.mime_type = image.mime_type;
  out.body = std::move(r.response.body);
  return out;
}

}  // namespace causeway
