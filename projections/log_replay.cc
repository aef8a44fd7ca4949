#include "log_replay.h"

#include <future>

namespace projections::internal {

using ledger::Result;
using ledger::Status;

Status ReplayLog(ledger::Ledger* log, uint64_t from, uint64_t to, size_t batch_events,
                 const std::atomic<bool>& stop,
                 const std::function<Result<bool>(const EventBatch&)>& apply) {
  if (from > to) return Status::Ok();
  auto read = [log, batch_events](uint64_t first) { return log->ReadForward(first, batch_events); };
  Result<EventBatch> events = read(from);
  while (!stop) {
    if (!events.ok()) return events.status();
    if (events->empty()) break;
    std::future<Result<EventBatch>> next;
    uint64_t last = events->back().seq();
    if (last < to) next = std::async(std::launch::async, read, last + 1);
    Result<bool> more = apply(*events);
    if (!more.ok()) return more.status();
    if (!*more || !next.valid()) break;
    events = next.get();
  }
  return Status::Ok();
}

}  // namespace projections::internal
