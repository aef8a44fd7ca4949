// The ledger's one writer: a queue of prepared appends (append_request.h) and the thread that
// commits them. Private to ledger/.
//
// The writer takes everything waiting, checks versions and event ids against the committed state
// plus what this group already holds, judges each append by the rule book, assigns sequence
// numbers, chains hashes, grows the Merkle tree, and commits the group in one WriteBatch with one
// sync. Only after the write succeeds does its in-memory state (head, stream versions, tree) move
// forward and the head get published, so a failed write leaves the ledger exactly where it was.
// Each append's `done` is called on the writer thread after the group's sync.
//
// After a failed write the store is not written again until it has been closed and reopened:
// RocksDB stops writes after a failed write-ahead-log append, and its own way back (Resume) keeps
// appending to the same log when no memtable needs flushing, after a possibly torn record; the
// Debian build asserts on exactly that. Reopening replays the log up to its last whole record and
// starts a new one, and reloads the head from what is stored. The writer swaps the store under
// SharedStore::mu held exclusively; it is the only thread that does.

#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "append_request.h"
#include "base/mutex.h"
#include "fact_store.h"
#include "ledger/ledger.h"
#include "ledger_store.h"
#include "storage_health.h"
#include "tree_store.h"

namespace ledger::internal {

class LedgerWriter {
 public:
  // Shares `store`, `head` and `health` with the ledger's readers; they outlive the writer.
  LedgerWriter(std::string dir, const Options& options, const EventLayout& layout,
               SharedStore* store, PublishedHead* head, HealthMonitor* health);
  // Stops: appends still queued are committed first.
  ~LedgerWriter();
  LedgerWriter(const LedgerWriter&) = delete;
  LedgerWriter& operator=(const LedgerWriter&) = delete;

  // Before Start, on the opening thread. Loads the head from the store and publishes it.
  Status LoadHead();
  // Catches the facts and the Merkle tree up with the log (a writable store).
  Status CatchUp();
  // Loads the tree's right edge without building anything (a read-only store).
  Status LoadTree();

  // Starts the writer thread, refusing appends from the start if the store was opened read-only
  // (`why` says why, `state` what it means).
  void Start(const Status& why, StorageHealth::State state);

  // Queues an append; answers it Unavailable at once if the writer is stopping.
  void Enqueue(std::unique_ptr<PendingAppend> pending) EXCLUDES(queue_mu_);

 private:
  struct IdLocation;
  struct Group;

  void Loop() EXCLUDES(queue_mu_);
  void CommitGroup(const std::vector<std::unique_ptr<PendingAppend>>& appends);
  // Whether `p` repeats appends committed before; sets `*outcome` and returns true if it is
  // answered by that alone (a duplicate, a taken id, an error).
  bool AnswerRepeat(PendingAppend* p, Group& group, std::optional<Result<AppendResult>>* outcome);
  // Adds the events of `p` to the group's batch; false if hashing failed (group.hashing says).
  bool Stage(PendingAppend* p, uint64_t current, Group& group);
  Status Write(Group& group, bool* failed_now);
  void Deliver(Group& group, const Status& written);

  Result<std::optional<IdLocation>> FindEventId(
      const std::string& id, const std::unordered_map<std::string, IdLocation>& in_group);
  bool SameContent(const IdLocation& at, const kj::Array<capnp::word>& words,
                   bool occurred_when_recorded) const;
  uint64_t CurrentVersion(const std::string& stream,
                          const std::unordered_map<std::string, uint64_t>& in_group,
                          Status* status);
  std::optional<RecordedEvent> CorrectedBy(schema::Event::Reader event);
  Status JudgeAppend(PendingAppend* p, FactOverlay& facts, int64_t recorded);

  void TryRecover();
  void ReopenReadOnly();
  void OpenReadOnlyLocked() REQUIRES(store_->mu);
  Status Closed() const;

  const std::string dir_;
  const Options options_;  // with its clock set
  const EventLayout layout_;
  SharedStore* const store_;
  PublishedHead* const head_;
  HealthMonitor* const health_;

  base::Mutex queue_mu_;
  base::CondVar queue_cv_;  // signalled when an append is queued or stopping_ is set
  std::deque<std::unique_ptr<PendingAppend>> queue_ GUARDED_BY(queue_mu_);
  bool stopping_ GUARDED_BY(queue_mu_) = false;
  std::thread thread_;

  // Owned by the writer thread (before Start, by the thread opening the ledger): no lock guards
  // them because no other thread touches them.
  uint64_t head_seq_ = 0;
  Hash head_hash_{};
  int64_t last_recorded_ = 0;
  TreeWriter tree_;
  std::unordered_map<std::string, uint64_t> versions_;
  std::optional<std::chrono::steady_clock::time_point> last_attempt_;
};

}  // namespace ledger::internal
