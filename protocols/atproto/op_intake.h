// What a stream consumer (firehose, Jetstream) does with one op: keeps it when it touches a watched
// account, turns it into an Event and adds that to the write batch of the message it came in, unless
// its record does not fit its Lexicon (logged and counted, by collection and field) or its at-uri was
// taken in before (a replay after a reconnect or a rewound cursor). In two steps when the consumer
// must vouch for the message between them (the firehose checks the commit's signature): `admit`
// decides and writes nothing, `store` writes.
//
// The store is read for marks of earlier messages; marks of the batch being built are not in the
// store yet, so the caller keeps them in a `BatchSeen` for one message (a commit listing the same
// path twice makes one event, not two).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>

#include "bridge/base/metrics.h"
#include "bridge/event_log.h"
#include "protocols/atproto/firehose_frame.h"
#include "protocols/atproto/watch_filter.h"
#include "storage/store.h"

namespace causeway::atproto {

class OpIntake {
 public:
  enum class Outcome { unwatched, invalid, not_carried, duplicate, taken };
  // The dedupe keys already put into the batch being built; one per batch, dropped with it.
  using BatchSeen = std::unordered_set<std::string>;

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

  // An op that touches a watched account, fits its Lexicon and is carried, as its Event.
  struct Admitted {
    const RepoOp* op;
    std::string why;  // the watch filter's reason
    Event event;
  };

  // Step one: the op's Event, or nullopt with `outcome` saying why it is not kept. Writes nothing.
  std::optional<Admitted> admit(const std::string& repo, const RepoOp& op, Outcome& outcome);
  // Step two: the Event and its dedupe mark into `batch` (`taken`), unless taken in before or
  // already in this batch (`duplicate`). `seen`: the batch's marks so far; the key is added to it.
  Outcome store(WriteBatch& batch, BatchSeen& seen, Admitted& admitted);

  // Both steps. On `taken` the event and its dedupe mark are in `batch`; the caller writes it with its cursor.
  Outcome take(WriteBatch& batch, BatchSeen& seen, const std::string& repo, const RepoOp& op);

 private:
  Store& store_;
  EventLog& events_;
  const WatchFilter& filter_;
  Metrics& metrics_;
  std::function<std::int64_t()> clock_;
  std::string source_;
};

}  // namespace causeway::atproto
