// Snapshots of the view store for time travel (EngineOptions::snapshot_events): RocksDB
// checkpoints in DIR/snapshots/<seq, 20 digits>/, each a whole view store as of that position,
// or <seq>-<YYYY-MM>/ for the one at a month's end.
// Private to projections/; tools list them through engine.h's ListViewSnapshots.
#ifndef PROJECTIONS_VIEW_SNAPSHOTS_H_
#define PROJECTIONS_VIEW_SNAPSHOTS_H_

#include <rocksdb/db.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "projections/engine.h"

namespace projections::internal {

// The folder that holds the snapshots of the store in `dir`.
std::string SnapshotsFolder(const std::string& dir);

// Takes a snapshot of `db` (the store in `dir`, whose views are as of `seq`): RocksDB writes
// the memtable out and hard-links every table file into a new folder, which appears complete
// or not at all. `month` names the month that ends at `seq`, or is empty.
ledger::Status TakeSnapshot(rocksdb::DB* db, const std::string& dir, uint64_t seq,
                            const std::string& month = "");

// Removes snapshots of one kind beyond `keep`: of the month ends, the oldest; of the others
// (taken every EngineOptions::snapshot_events), as SnapshotsToThin chooses. Failures are left
// for the next call.
void PruneSnapshots(const std::string& dir, size_t keep, bool month_ends = false);

// Which of the snapshots at `positions` (ascending) go so that `keep` remain spread over the
// whole history: while there are too many, the inner one whose neighbours are nearest each other
// goes, so the oldest and the newest stay, and no gap grows to more than about twice the mean
// (history / keep). Time travel replays at most one gap. Indexes into `positions`, ascending.
std::vector<size_t> SnapshotsToThin(std::vector<uint64_t> positions, size_t keep);

// Removes every snapshot: after a rebuild they are of views that are gone.
void ForgetSnapshots(const std::string& dir);

// The newest snapshot at or before `seq`, if any.
std::optional<ViewSnapshot> NearestSnapshot(const std::string& dir, uint64_t seq);

}  // namespace projections::internal

#endif  // PROJECTIONS_VIEW_SNAPSHOTS_H_
