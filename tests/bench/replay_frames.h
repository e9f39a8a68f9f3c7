// The recorded firehose in the shared fixtures (firehose-replay/frames.bin.gz), for benchmarks.
#pragma once

#include <string>
#include <vector>

namespace causeway::testing {

// Every message of a [uint32 BE length][message] gzip file; empty when the file is unreadable.
std::vector<std::string> load_replay_frames(const std::string& gz_path);

}  // namespace causeway::testing
