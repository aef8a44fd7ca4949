#include "store_compactor.h"

#include <rocksdb/metadata.h>
#include <rocksdb/options.h>

#include <chrono>
#include <cstdio>
#include <utility>

namespace projections::internal {

int LevelsWithFiles(rocksdb::DB* db) {
  rocksdb::ColumnFamilyMetaData meta;
  db->GetColumnFamilyMetaData(&meta);
  int levels = 0;
  for (const auto& level : meta.levels) {
    if (!level.files.empty()) ++levels;
  }
  return levels;
}

StoreCompactor::~StoreCompactor() {
  if (thread_.joinable()) thread_.join();
}

bool StoreCompactor::MaybeStart(rocksdb::DB* db, int max_levels) {
  if (running_.load()) return false;
  if (thread_.joinable()) thread_.join();  // the last one, finished
  int levels = LevelsWithFiles(db);
  if (levels <= max_levels) return true;
  running_ = true;
  std::fprintf(stderr, "views %s: compacting the store, its files on %d levels\n", name_.c_str(),
               levels);
  thread_ = std::thread([this, db, levels] {
    auto started = std::chrono::steady_clock::now();
    rocksdb::CompactRangeOptions options;
    // Beside RocksDB's own compactions of what follows live, not instead of them.
    options.exclusive_manual_compaction = false;
    rocksdb::Status s = db->CompactRange(options, nullptr, nullptr);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (s.ok()) {
      ++finished_;
      std::fprintf(stderr, "views %s: compacted the store from %d levels to %d in %.1f s\n",
                   name_.c_str(), levels, LevelsWithFiles(db), seconds);
    } else if (!s.IsIncomplete()) {  // Incomplete: stopped, as the store closes
      std::fprintf(stderr,
                   "views %s: compacting the store failed (left for the next catch-up): %s\n",
                   name_.c_str(), s.ToString().c_str());
    }
    running_ = false;
  });
  return true;
}

void StoreCompactor::Stop(rocksdb::DB* db) {
  if (!thread_.joinable()) return;
  bool paused = db != nullptr && running_.load();
  if (paused) db->DisableManualCompaction();
  thread_.join();
  if (paused) db->EnableManualCompaction();  // RocksDB counts the pauses
}

}  // namespace projections::internal
