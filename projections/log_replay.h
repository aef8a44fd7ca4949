// Reading the log forward into views, a batch at a time. Private to projections/: the engine's
// catch-up and time travel both replay this way.
#ifndef PROJECTIONS_LOG_REPLAY_H_
#define PROJECTIONS_LOG_REPLAY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "ledger/ledger.h"

namespace projections::internal {

using EventBatch = std::vector<ledger::RecordedEvent>;

// Reads the log from `from` up to at least `to` in batches of `batch_events`, handing each to
// `apply`, which may stop early by returning false; returns early, without error, once `stop` is
// set. The next batch is read and decoded on another thread while one is applied: on a long
// replay, reading the log costs a third of applying it.
ledger::Status ReplayLog(ledger::Ledger* log, uint64_t from, uint64_t to, size_t batch_events,
                         const std::atomic<bool>& stop,
                         const std::function<ledger::Result<bool>(const EventBatch&)>& apply);

}  // namespace projections::internal

#endif  // PROJECTIONS_LOG_REPLAY_H_
