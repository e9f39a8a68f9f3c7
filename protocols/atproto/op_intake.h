// What a stream consumer (firehose, Jetstream) does with one op: keeps it when it touches a watched
// account, turns it into an Event and adds that to the write batch of the message it came in, unless
// its record does not fit its Lexicon (logged and counted, by collection and field) or its at-uri was
// taken in before (a replay after a reconnect or a rewound cursor).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "bridge/base/metrics.h"
#include "bridge/event_log.h"
#include "protocols/atproto/firehose_frame.h"
#include "protocols/atproto/watch_filter.h"
#include "storage/store.h"

namespace causeway::atproto {

class OpIntake {
 public:
  enum class Outcome { unwatched, invalid, not_carried, duplicate, taken };

  // `source` names the stream in log lines ("firehose", "jetstream") and in the metric of invalid
  // records, causeway_<source>_invalid_records_total.
  OpIntake(Store& store, EventLog& events, const WatchFilter& filter, Metrics& metrics,
           std::function<std::int64_t()> clock, std::string source)
      : store_(store),
        events_(events),
        filter_(filter),
        metrics_(metrics),
        clock_(std::move(clock)),
        source_(std::move(source)) {}

  // On `taken` the event and its dedupe mark are in `batch`; the caller writes it with its cursor.
  Outcome take(WriteBatch& batch, const std::string& repo, const RepoOp& op);

 private:
  Store& store_;
  EventLog& events_;
  const WatchFilter& filter_;
  Metrics& metrics_;
  std::function<std::int64_t()> clock_;
  std::string source_;
};

}  // namespace causeway::atproto
