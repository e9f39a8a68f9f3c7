#include "tests/bench/replay_frames.h"

#include <zlib.h>

namespace causeway::testing {

std::vector<std::string> load_replay_frames(const std::string& gz_path) {
  std::vector<std::string> frames;
  gzFile f = gzopen(gz_path.c_str(), "rb");
  if (!f) return frames;
  std::string data;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
  gzclose(f);
  size_t pos = 0;
  while (pos + 4 <= data.size()) {
    auto* p = reinterpret_cast<const unsigned char*>(data.data() + pos);
    size_t len = (size_t{p[0]} << 24) | (size_t{p[1]} << 16) | (size_t{p[2]} << 8) | p[3];
    pos += 4;
    if (len > data.size() - pos) break;
    frames.emplace_back(data.substr(pos, len));
    pos += len;
  }
  return frames;
}

}  // namespace causeway::testing
