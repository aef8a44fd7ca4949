#include "as_of_builder.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <vector>

#include "log_replay.h"
#include "view_snapshots.h"
#include "view_store.h"

namespace projections::internal {

using ledger::Result;
using ledger::Status;

AsOfBuilder::AsOfBuilder(ledger::Ledger* log, std::string dir, const EngineOptions& options,
                         const std::atomic<bool>* stop, std::shared_ptr<rocksdb::Cache> blocks)
    : log_(log),
      dir_(std::move(dir)),
      batch_events_(options.batch_events),
      cache_size_(options.as_of_cache),
      cache_bytes_(options.as_of_cache_bytes),
      max_builds_(std::max<size_t>(options.as_of_builds, 1)),
      stop_(stop),
      blocks_(std::move(blocks)),
      before_build_(options.before_as_of_build),
      // A refused asker is told to come back in a second (Retry-After: 1), and a build of ten
      // million events' views may take as long again.
      turns_(std::chrono::milliseconds(3000)) {}

AsOfBuilder::AsOfResult AsOfBuilder::AsOf(uint64_t seq, const std::string& asker) {
  seq = std::min(seq, log_->Head().seq);
  std::shared_ptr<std::promise<AsOfResult>> building;
  std::shared_future<AsOfResult> shared;
  std::vector<std::shared_ptr<const ViewSet>> evicted;
  {
    base::MutexLock lock(&mu_);
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->first == seq) {
        auto views = it->second;
        cache_.splice(cache_.begin(), cache_, it);  // most recently used first
        turns_.Served(asker);
        return views;
      }
    }
    if (auto it = building_.find(seq); it != building_.end()) {
      shared = it->second;
      turns_.Served(asker);
    } else if (building_.size() >= max_builds_) {
      turns_.Refused(asker, AsOfTurns::Clock::now());
      return Status::Unavailable(
          "busy: the views as of " + std::to_string(building_.size()) +
          " other positions are being computed; try again shortly (EngineOptions::as_of_builds)");
    } else if (!turns_.MayStart(asker, max_builds_ - building_.size(), AsOfTurns::Clock::now())) {
      return Status::Unavailable(
          "busy: others asked for other positions while every build was busy, and go first; "
          "try again shortly");
    } else {
      building = std::make_shared<std::promise<AsOfResult>>();
      building_[seq] = building->get_future().share();
      // The set built will take the place of the least recently used, which goes now rather
      // than after the build: the sets held at once are as_of_cache, not one more.
      if (cache_size_ > 0 && cache_.size() >= cache_size_) {
        evicted.push_back(std::move(cache_.back().second));
        cache_.pop_back();
      }
    }
  }
  if (!building) return shared.get();
  evicted.clear();  // freed here, outside the lock: freeing a set takes a while
  if (before_build_) before_build_(seq);
  AsOfResult result = Build(seq);
  {
    base::MutexLock lock(&mu_);
    building_.erase(seq);
    if (result.ok() && cache_size_ > 0) {
      cache_.emplace_front(seq, *result);
      while (cache_.size() > cache_size_) {
        evicted.push_back(std::move(cache_.back().second));
        cache_.pop_back();
      }
    }
  }
  building->set_value(result);
  return result;
}

TimeTravelStats AsOfBuilder::Stats() const {
  TimeTravelStats stats;
  stats.builds = builds_;
  stats.from_snapshot = from_snapshot_;
  stats.events_replayed = replayed_;
  return stats;
}

std::unique_ptr<ViewSet> AsOfBuilder::MakeViewSet() const {
  ledger::Ledger* log = log_;
  // Without the audit index, which the live one answers as of any position (see ViewSet).
  return std::make_unique<ViewSet>([log](uint64_t seq) { return log->Read(seq); },
                                   ViewSet::AuditIndexing::kLeftOut);
}

namespace {

// Views that read the records of the tables kept in the store back from a snapshot, which
// stays open as long as they do.
struct SnapshotViews {
  explicit SnapshotViews(ViewSet::Fetch fetch)
      : views(std::move(fetch), ViewSet::AuditIndexing::kLeftOut) {}
  std::unique_ptr<rocksdb::DB> db;
  StoreRows rows{&db};
  ViewSet views;
};

}  // namespace

std::shared_ptr<ViewSet> AsOfBuilder::StartFromSnapshot(uint64_t seq) {
  std::shared_ptr<ViewSet> views = MakeViewSet();
  auto snapshot = NearestSnapshot(dir_, seq);
  if (!snapshot) return views;
  rocksdb::DB* raw = nullptr;
  // With the store's own options: a snapshot opened without its Bloom filters seeks every
  // level's index for each new key a replayed event asks for (a replay of 190k events took 5.6 s).
  rocksdb::Options options = ViewStoreOptions(snapshot->path, blocks_);
  // Read into the block cache that the live store shares, not mapped: mapped, every block a
  // replay touched stayed in the process's resident memory as long as the set was held (a
  // worst-case replay at ten million events mapped about 130 MiB of each snapshot), and with
  // this cache of 64 MiB it replays as fast (2.0 against 1.9 s for 101,000 events).
  options.allow_mmap_reads = false;
  if (!rocksdb::DB::OpenForReadOnly(options, snapshot->path, &raw).ok()) {
    return views;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string versions, checkpoint;
  if (!db->Get(rocksdb::ReadOptions(), kVersionsKey, &versions).ok() ||
      versions != VersionSignature(*views) ||
      !db->Get(rocksdb::ReadOptions(), kCheckpointKey, &checkpoint).ok()) {
    return views;
  }
  auto position = DecodeCheckpoint(checkpoint);
  // A snapshot is of this log only if its position's hash is the log's at that position.
  if (!position || position->seq == 0 || position->seq > seq) return views;
  auto event = log_->Read(position->seq);
  if (!event.ok() || event->hash() != position->hash) return views;
  ledger::Ledger* log = log_;
  auto held = std::make_shared<SnapshotViews>([log](uint64_t at) { return log->Read(at); });
  held->db = std::move(db);
  for (Projection* view : held->views.all()) {
    for (TableBase* table : view->tables())
      table->KeepInStore(&held->rows, TablePrefix(*view, *table));
  }
  held->views.set_position(*position);
  ++from_snapshot_;
  return std::shared_ptr<ViewSet>(held, &held->views);
}

AsOfBuilder::AsOfResult AsOfBuilder::Build(uint64_t seq) {
  std::shared_ptr<ViewSet> views = StartFromSnapshot(seq);
  ++builds_;
  Status replayed = ReplayLog(log_, views->position().seq + 1, seq, batch_events_, *stop_,
                              [&](const EventBatch& events) -> Result<bool> {
                                if (events.back().seq() <= seq) {
                                  Status applied = views->ApplyBatch(events);
                                  if (!applied.ok()) return applied;
                                  replayed_ += events.size();
                                  // What the replay read back and no longer changes.
                                  TrimViews(*views, cache_bytes_);
                                  return true;
                                }
                                for (const auto& e : events) {
                                  if (e.seq() > seq) break;
                                  Status applied = views->Apply(e);
                                  if (!applied.ok()) return applied;
                                  ++replayed_;
                                }
                                return false;
                              });
  if (!replayed.ok()) return replayed;
  if (views->position().seq != seq) {
    return Status::Unavailable("the views as of position " + std::to_string(seq) +
                               " were not finished: the service is stopping");
  }
  TrimViews(*views, cache_bytes_);
  return std::shared_ptr<const ViewSet>(std::move(views));
}

}  // namespace projections::internal
