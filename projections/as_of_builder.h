// Time travel: view sets as of earlier positions, built apart from the live views and shared.
// Private to projections/; it is Engine::AsOf.
#ifndef PROJECTIONS_AS_OF_BUILDER_H_
#define PROJECTIONS_AS_OF_BUILDER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <string>

#include "as_of_turns.h"
#include "base/mutex.h"
#include "ledger/ledger.h"
#include "projections/engine.h"
#include "projections/view_set.h"

namespace rocksdb {
class Cache;
}  // namespace rocksdb

namespace projections::internal {

// Bounded: requests for one position share one build; at most `as_of_builds` positions are
// built at once (another is refused as Unavailable, at once, and its asker queues for a turn:
// as_of_turns.h); the `as_of_cache` most recently
// used are kept, and a build takes the place of the least recently used as it starts. So the
// memory it takes is about as_of_cache view sets (as_of_cache + as_of_builds - 1 at most, and
// those that readers still hold). A build
// starts from the nearest snapshot of the view store in `dir` at or before its position
// (view_snapshots.h) and replays the log from there; such a set holds in memory what the replay
// changed, and of what it and its readers read back from the snapshot, about
// EngineOptions::as_of_cache_bytes once built (its readers may hold more while they read).
class AsOfBuilder {
 public:
  using AsOfResult = ledger::Result<std::shared_ptr<const ViewSet>>;

  // `stop`, once set, ends builds under way (they answer Unavailable).
  // `blocks`: the block cache the snapshots are read with.
  AsOfBuilder(ledger::Ledger* log, std::string dir, const EngineOptions& options,
              const std::atomic<bool>* stop, std::shared_ptr<rocksdb::Cache> blocks);

  // `asker` (a token, say) takes its turn with the others who ask for positions not yet built.
  AsOfResult AsOf(uint64_t seq, const std::string& asker) EXCLUDES(mu_);

  // Builds, how many started from a snapshot, events replayed (snapshots_taken is the engine's).
  TimeTravelStats Stats() const;

 private:
  std::unique_ptr<ViewSet> MakeViewSet() const;
  // The views as of a snapshot at or before `seq`: an empty set when there is none or it cannot
  // be used (the build then replays from the first event, as it always could).
  // The tables read the snapshot back as they are asked (it stays open as long as the views
  // do).
  std::shared_ptr<ViewSet> StartFromSnapshot(uint64_t seq);
  AsOfResult Build(uint64_t seq);

  ledger::Ledger* const log_;
  const std::string dir_;
  const size_t batch_events_;
  const size_t cache_size_;
  const size_t cache_bytes_;  // of each set: EngineOptions::as_of_cache_bytes
  const size_t max_builds_;
  const std::atomic<bool>* const stop_;
  const std::shared_ptr<rocksdb::Cache> blocks_;
  const std::function<void(uint64_t)> before_build_;

  base::Mutex mu_;
  // Most recently used first.
  std::list<std::pair<uint64_t, std::shared_ptr<const ViewSet>>> cache_ GUARDED_BY(mu_);
  std::map<uint64_t, std::shared_future<AsOfResult>> building_ GUARDED_BY(mu_);
  AsOfTurns turns_ GUARDED_BY(mu_);

  std::atomic<uint64_t> builds_{0};
  std::atomic<uint64_t> from_snapshot_{0};
  std::atomic<uint64_t> replayed_{0};
};

}  // namespace projections::internal

#endif  // PROJECTIONS_AS_OF_BUILDER_H_
