// Whether the ledger's store can take writes, and why not: the state behind Ledger::Storage().
// Private to ledger/. The writer records each failure and recovery here; any thread reads it.
// How a failure is told apart (a full disk, a read-only folder, anything else) is rocks.h's
// ClassifyFailure and DiskLooksWritable, defined in storage_health.cc.

#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "base/mutex.h"
#include "ledger/ledger.h"

namespace ledger::internal {

class HealthMonitor {
 public:
  // `clock` stamps when appends began to be refused (Options::clock).
  explicit HealthMonitor(std::function<int64_t()> clock) : clock_(std::move(clock)) {}

  StorageHealth Get() const EXCLUDES(mu_);
  // Whether appends are accepted now. Cheap, without the lock: the writer asks before each group.
  bool writable() const { return writable_.load(); }

  // A write (or an open for writing) failed: appends are refused until Recovered. `problem` is
  // what the store said; `state` what it means (kWritable counts as kFailed).
  void Refuse(const std::string& problem, StorageHealth::State state) EXCLUDES(mu_);
  // Still refusing, for a new reason: the disk is still full, or a reopen failed.
  void StillRefused(const std::string& problem, StorageHealth::State state) EXCLUDES(mu_);
  // The store was reopened for writing: appends are accepted again.
  void Recovered() EXCLUDES(mu_);

 private:
  std::function<int64_t()> clock_;
  mutable base::Mutex mu_;
  StorageHealth health_ GUARDED_BY(mu_);
  // Written under mu_, together with health_; read without it.
  std::atomic<bool> writable_{true};
};

// Why an append is refused now (`health`), and what brings appends back, for the store in `dir`
// that is checked every `retry_interval`. `attempted`: the append's write was tried and failed,
// rather than refused beforehand.
std::string RefusalMessage(const StorageHealth& health, const std::string& dir,
                           std::chrono::milliseconds retry_interval, bool attempted);

}  // namespace ledger::internal
