// StoreCompactor: merges the view store's table files down to one level, on a thread of its
// own, once a catch-up has spread them over several.
//
// A catch-up writes its changes as table files that the store takes in, one ingestion at each
// month end, and each file lands on a level of its own (the lowest its keys do not overlap):
// after a rebuild the store's files sit on six or seven levels, and every seek a reader makes
// merges them all. RocksDB compacts by the size of a level, which a store of a few hundred MiB
// never reaches, so the engine asks for one compaction of the whole store instead. Readers go
// on reading beside it; the engine stops it (RocksDB abandons it part way, losing nothing)
// before it closes the store.
// Private to projections/.
#ifndef PROJECTIONS_STORE_COMPACTOR_H_
#define PROJECTIONS_STORE_COMPACTOR_H_

#include <rocksdb/db.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace projections::internal {

// How many levels of `db` hold table files (level 0 counting as one).
int LevelsWithFiles(rocksdb::DB* db);

class StoreCompactor {
 public:
  // `name` names the store in what is logged.
  explicit StoreCompactor(std::string name) : name_(std::move(name)) {}
  ~StoreCompactor();  // the compaction must have been stopped (Stop) before `db` closed
  StoreCompactor(const StoreCompactor&) = delete;
  StoreCompactor& operator=(const StoreCompactor&) = delete;

  // Starts compacting `db` in the background if its files sit on more than `max_levels`
  // levels. False, having looked at nothing, while a compaction runs.
  bool MaybeStart(rocksdb::DB* db, int max_levels = 2);
  // Abandons a running compaction of `db` and waits for its thread: before `db` closes.
  void Stop(rocksdb::DB* db);
  // Compactions finished (not abandoned) since the engine opened.
  uint64_t finished() const { return finished_.load(); }

 private:
  const std::string name_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<uint64_t> finished_{0};
};

}  // namespace projections::internal

#endif  // PROJECTIONS_STORE_COMPACTOR_H_
