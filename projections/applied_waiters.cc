#include "applied_waiters.h"

#include <utility>

namespace projections::internal {

using ledger::Position;

AppliedWaiters::~AppliedWaiters() {
  std::thread timer;
  {
    base::MutexLock lock(&mu_);
    timer_stop_ = true;
    waiters_.clear();
    timer = std::move(timer_);
  }
  timer_cv_.SignalAll();
  if (timer.joinable()) timer.join();
}

void AppliedWaiters::Publish(const Position& position) {
  std::vector<Waiter> reached;
  {
    base::MutexLock lock(&mu_);
    applied_ = position;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.seq <= position.seq) {
        reached.push_back(std::move(it->second));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& w : reached) firing_.insert(w.owner);
  }
  applied_cv_.SignalAll();
  Fire(reached, true);
}

Position AppliedWaiters::Applied() const {
  base::MutexLock lock(&mu_);
  return applied_;
}

Position AppliedWaiters::WaitFor(uint64_t seq, std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  base::MutexLock lock(&mu_);
  while (applied_.seq < seq && applied_cv_.WaitUntil(&mu_, deadline)) {
  }
  return applied_;
}

void AppliedWaiters::WhenApplied(uint64_t seq, std::chrono::milliseconds timeout, const void* owner,
                                 std::function<void(bool)> done) {
  {
    base::MutexLock lock(&mu_);
    if (applied_.seq < seq) {
      waiters_.emplace(Clock::now() + timeout, Waiter{seq, owner, std::move(done)});
      if (!timer_.joinable() && !timer_stop_) timer_ = std::thread([this] { RunTimer(); });
      timer_cv_.SignalAll();
      return;
    }
  }
  done(true);
}

void AppliedWaiters::Cancel(const void* owner) {
  base::MutexLock lock(&mu_);
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    it = it->second.owner == owner ? waiters_.erase(it) : std::next(it);
  }
  while (firing_.count(owner) != 0) applied_cv_.Wait(&mu_);
}

size_t AppliedWaiters::Waiting() const {
  base::MutexLock lock(&mu_);
  return waiters_.size();
}

// The deadlines of every waiter, on one thread: it sleeps until the earliest one.
void AppliedWaiters::RunTimer() {
  base::MutexLock lock(&mu_);
  while (!timer_stop_) {
    if (waiters_.empty()) {
      timer_cv_.Wait(&mu_);
      continue;
    }
    auto earliest = waiters_.begin()->first;
    if (Clock::now() < earliest) {
      timer_cv_.WaitUntil(&mu_, earliest);
      continue;
    }
    std::vector<Waiter> expired;
    auto now = Clock::now();
    while (!waiters_.empty() && waiters_.begin()->first <= now) {
      expired.push_back(std::move(waiters_.begin()->second));
      waiters_.erase(waiters_.begin());
    }
    for (const auto& w : expired) firing_.insert(w.owner);
    mu_.Unlock();
    Fire(expired, false);
    mu_.Lock();
  }
}

void AppliedWaiters::Fire(std::vector<Waiter>& waiters, bool reached) {
  for (auto& w : waiters) {
    w.done(reached);
    w.done = nullptr;  // what it holds goes before its owner may be told it is done
    base::MutexLock lock(&mu_);
    firing_.erase(firing_.find(w.owner));
    applied_cv_.SignalAll();
  }
}

}  // namespace projections::internal
