// A small pool of threads with a bounded queue, for work that takes CPU (a view, a report, time
// travel) or still blocks (an append waiting for its disk sync). When the queue is full the work
// is refused at once, so the caller answers 503 instead of letting requests pile up.
//
//   http::WorkPool pool("views", 2, 64);
//   if (!pool.TrySubmit([=] { respond(Render()); })) respond(Busy());
//
// Safe for concurrent use. Destroying the pool (or Stop) runs no more queued work: it drops it,
// and joins the threads once the work running now has finished.

#pragma once

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"

namespace http {

class WorkPool {
 public:
  WorkPool(std::string name, size_t threads, size_t queue_limit);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `work`; false (and `work` is dropped) when `queue_limit` pieces are waiting already
  // or the pool has stopped.
  [[nodiscard]] bool TrySubmit(std::function<void()> work) EXCLUDES(mu_);

  // Drops what is queued, waits for what runs. Idempotent.
  void Stop() EXCLUDES(mu_);

  size_t queued() const EXCLUDES(mu_);
  size_t queue_limit() const { return queue_limit_; }

 private:
  void Run() EXCLUDES(mu_);

  std::string name_;
  size_t queue_limit_;
  mutable base::Mutex mu_;
  base::CondVar changed_;  // signalled when work is queued or the pool stops
  std::deque<std::function<void()>> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  // Set in the constructor, joined by Stop (called once the pool's users are done with it).
  std::vector<std::thread> threads_;
};

}  // namespace http
