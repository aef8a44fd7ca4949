// Who is waiting for the live views to reach a position, and the one timer thread that ends the
// waits whose deadline passes first. Private to projections/: the Engine publishes each position
// it applies here, and its WaitFor/WhenApplied/CancelWaiters are these.
#ifndef PROJECTIONS_APPLIED_WAITERS_H_
#define PROJECTIONS_APPLIED_WAITERS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "ledger/ledger.h"

namespace projections::internal {

class AppliedWaiters {
 public:
  AppliedWaiters() = default;
  // Stops the timer thread; callbacks still waiting are dropped uncalled.
  ~AppliedWaiters();
  AppliedWaiters(const AppliedWaiters&) = delete;
  AppliedWaiters& operator=(const AppliedWaiters&) = delete;

  // The views now reflect `position`: wakes WaitFor and calls every callback it satisfies, on
  // this thread.
  void Publish(const ledger::Position& position) EXCLUDES(mu_);

  ledger::Position Applied() const EXCLUDES(mu_);

  // Blocks until `seq` is applied or `timeout` passes; returns the position reached either way.
  ledger::Position WaitFor(uint64_t seq, std::chrono::milliseconds timeout) const EXCLUDES(mu_);

  // See Engine::WhenApplied.
  void WhenApplied(uint64_t seq, std::chrono::milliseconds timeout, const void* owner,
                   std::function<void(bool reached)> done) EXCLUDES(mu_);

  // See Engine::CancelWaiters.
  void Cancel(const void* owner) EXCLUDES(mu_);

  size_t Waiting() const EXCLUDES(mu_);

 private:
  using Clock = std::chrono::steady_clock;
  struct Waiter {
    uint64_t seq;
    const void* owner;
    std::function<void(bool)> done;
  };

  void RunTimer() EXCLUDES(mu_);
  // Calls each callback without the lock, then tells Cancel it has returned.
  void Fire(std::vector<Waiter>& waiters, bool reached) EXCLUDES(mu_);

  mutable base::Mutex mu_;
  // Signalled when the position moves or a callback returns.
  mutable base::CondVar applied_cv_;
  // Signalled when a waiter is added or the timer must stop.
  base::CondVar timer_cv_;
  ledger::Position applied_ GUARDED_BY(mu_);
  std::multimap<Clock::time_point, Waiter> waiters_ GUARDED_BY(mu_);  // by deadline
  std::multiset<const void*> firing_ GUARDED_BY(mu_);  // owners of callbacks running now
  bool timer_stop_ GUARDED_BY(mu_) = false;
  // Started by the first waiter that must wait; joined by the destructor.
  std::thread timer_ GUARDED_BY(mu_);
};

}  // namespace projections::internal

#endif  // PROJECTIONS_APPLIED_WAITERS_H_
