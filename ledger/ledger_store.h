// The ledger's RocksDB store: opening it with its column families, and reading and catching up
// what it holds. Private to ledger/: ledger.cc reads through it, the writer (ledger_writer.h)
// writes through it. The keys are record.h's; nothing here knows about threads: callers keep the
// store open while they use it (SharedStore says how).

#pragma once

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <chrono>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/mutex.h"
#include "ledger/ledger.h"
#include "tree_store.h"

namespace ledger::internal {

// Events read at a time while the store is held, in Scan, Verify and the catch-ups: a long walk
// must not hold off the writer reopening the store.
constexpr size_t kChunkEvents = 4096;

Status FromRocks(const rocksdb::Status& s, const std::string& what);

// An open RocksDB with the ledger's column families; closes them when destroyed.
struct Store {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // default, events, streams, event_ids

  ~Store();

  rocksdb::ColumnFamilyHandle* events() const { return handles[1]; }
  rocksdb::ColumnFamilyHandle* streams() const { return handles[2]; }
  rocksdb::ColumnFamilyHandle* event_ids() const { return handles[3]; }
  // The rule book's facts and the Merkle tree live in the default family (fact_store.h,
  // tree_store.h): a ledger written before them opens, read-only too, without a new family.
  rocksdb::ColumnFamilyHandle* facts() const { return handles[0]; }
};

// Opens the store in `dir`, for writing or read-only.
Result<std::unique_ptr<Store>> OpenStore(const std::string& dir, const Options& options,
                                         bool read_only);

// The store that readers share with the writer. Readers hold `mu` shared while they use it; the
// writer thread alone replaces it (after a failed write, and when the disk can take writes
// again), holding `mu` exclusively; it takes it with TryLockFor and gives up after a while rather
// than wait behind a long read (it tries again later), so that a steady stream of readers never
// holds the writer and its queued appends up for good.
struct SharedStore {
  mutable base::SharedMutex mu;
  // Null only after a failed reopen found neither a writable nor a readable store.
  std::unique_ptr<Store> store GUARDED_BY(mu);

  // For the writer thread, and for Open before the writer starts: the one thread that replaces
  // the store reads it without the lock. Nobody else may call this.
  Store* OwnedByWriter() const NO_THREAD_SAFETY_ANALYSIS { return store.get(); }
};

// The head readers see, published by the writer after each durable commit.
class PublishedHead {
 public:
  Position Get() const {
    base::MutexLock lock(&mu_);
    return published_;
  }
  // Moves the head and wakes whoever waits for it.
  void Publish(const Position& head) {
    {
      base::MutexLock lock(&mu_);
      published_ = head;
    }
    cv_.SignalAll();
  }
  // The writer has stopped: waits end now.
  void Close() {
    {
      base::MutexLock lock(&mu_);
      closing_ = true;
    }
    cv_.SignalAll();
  }
  // Waits until the head passes `seq`, the writer stops, or `timeout` elapses.
  Position WaitAbove(uint64_t seq, std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    base::MutexLock lock(&mu_);
    while (published_.seq <= seq && !closing_) {
      if (!cv_.WaitUntil(&mu_, deadline)) break;
    }
    return published_;
  }

 private:
  mutable base::Mutex mu_;
  mutable base::CondVar cv_;  // signalled when the head moves or closing_ is set
  Position published_ GUARDED_BY(mu_);
  bool closing_ GUARDED_BY(mu_) = false;
};

// --- Reads. The caller keeps `store` open (holds SharedStore::mu, or is the writer). ---

// Up to `limit` events from `from_seq` on.
Result<std::vector<RecordedEvent>> ReadForwardIn(const Store& store, uint64_t from_seq,
                                                 size_t limit, const rocksdb::ReadOptions& options);
// The event at `seq`; NotFound names the head.
Result<RecordedEvent> ReadEventIn(const Store& store, uint64_t seq, const PublishedHead& head);
// The stream's last version; 0 if it has none.
Result<uint64_t> StreamVersionIn(const Store& store, std::string_view stream);
// Up to `limit` events of `stream` from `from_version` on; NotFound if the stream has none.
Result<std::vector<RecordedEvent>> ReadStreamIn(const Store& store, std::string_view stream,
                                                uint64_t from_version, size_t limit,
                                                const PublishedHead& head);
// A consistent copy of the store in the new folder `dir` (its parent exists).
Status CheckpointIn(const Store& store, const std::string& dir);

// One walk of Verify, a chunk at a time so that the store is held only while a chunk is read.
struct VerifyWalk {
  uint64_t total = 0;  // the head when the walk began
  Hash chain{};
  uint64_t expected_seq = 1;
  VerifyReport report;
  rocksdb::ReadOptions read_options;
};
// Checks up to kChunkEvents events where `walk` left off; false once the walk is over (the log
// ended, or the report names a bad event).
Result<bool> VerifyChunk(const Store& store, VerifyWalk* walk, const Progress& progress);

// --- Opening and reopening: on the writer thread, or in Open before it starts. ---

// The head as stored, and the time its event was recorded.
struct StoredHead {
  Position position;
  int64_t recorded_ms = 0;
};
Result<StoredHead> ReadStoredHead(const Store& store);

// Learns the rule book's facts of the events up to `head_seq` that the facts do not cover yet:
// every event of a ledger written before the rule book, once.
Status CatchUpFacts(const Store& store, const std::string& dir, bool sync, uint64_t head_seq,
                    const PublishedHead& head);

// Builds the Merkle tree (tree_store.h) over the events up to `head_seq` it does not cover yet:
// every event of a ledger written before the tree, once. Returns its right edge for the writer.
Result<TreeWriter> CatchUpTree(const Store& store, const std::string& dir, bool sync,
                               uint64_t head_seq);

}  // namespace ledger::internal
