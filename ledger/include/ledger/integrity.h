// Finds a stored log that was altered, without being asked: the hash chain and the Merkle tree
// recomputed from the events and compared with what is stored, at start and then at an interval.
//
// Checked, from event 1 to the head when the check starts:
//   - the chain (Ledger::Verify): every event decodes, no seq is missing, every hash recomputes;
//   - the tree: each event's leaf, recomputed from its record, and every subtree it completes,
//     recomputed from those leaves, equal the ones stored (the proofs are made of them), and so
//     does the root.
// An event changed in place (one byte, with RocksDB's own tools) fails the chain at its seq; one
// changed with its chain hash rewritten from there on fails its leaf; a stored subtree changed
// fails at the event that completed it.
//
// On a mismatch the service stops taking appends (a log that no longer proves itself must not
// grow) and says which seq and why; reads go on, so that what is there can be examined. The
// watch does not heal anything: the operator restores from a backup whose checkpoints verify.
//
//   auto watch = ledger::IntegrityWatch::Start(log, std::chrono::hours(1), on_failure);
//   if (!watch->Current().ok) ...

#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "base/mutex.h"
#include "ledger/ledger.h"

namespace ledger {

struct IntegrityReport {
  bool ok = true;
  bool checked = false;  // a check has completed
  uint64_t size = 0;     // events covered by the last completed check
  uint64_t bad_seq = 0;  // when !ok: the first seq that fails
  std::string problem;   // when !ok: what is wrong there, for a person
  int64_t checked_at_ms = 0;
};

// One full check of `log` now; a non-ok Status if the log could not be read to the end.
Result<IntegrityReport> CheckIntegrity(const Ledger& log);

class IntegrityWatch {
 public:
  // Checks once before returning, then every `interval` on a thread of its own (never if zero).
  // `on_failure` is called once, from that thread or this one, when a check first fails.
  static std::unique_ptr<IntegrityWatch> Start(
      const Ledger* log, std::chrono::milliseconds interval,
      std::function<void(const IntegrityReport&)> on_failure);
  ~IntegrityWatch();

  // The last completed check; a failure stays until the process restarts.
  IntegrityReport Current() const;

 private:
  IntegrityWatch(const Ledger* log, std::chrono::milliseconds interval,
                 std::function<void(const IntegrityReport&)> on_failure);
  void CheckOnce();
  void Loop();

  const Ledger* log_;
  std::chrono::milliseconds interval_;
  std::function<void(const IntegrityReport&)> on_failure_;
  mutable base::Mutex mu_;
  base::CondVar cv_;  // signalled when stopping_ is set
  IntegrityReport current_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  // Started by Start and joined by the destructor, on the thread that owns the watch.
  std::thread thread_;
};

}  // namespace ledger
