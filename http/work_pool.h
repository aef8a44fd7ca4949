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

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace http {

class WorkPool {
 public:
  WorkPool(std::string name, size_t threads, size_t queue_limit);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `work`; false (and `work` is dropped) when `queue_limit` pieces are waiting already
  // or the pool has stopped.
  [[nodiscard]] bool TrySubmit(std::function<void()> work);

  // Drops what is queued, waits for what runs. Idempotent.
  void Stop();

  size_t queued() const;
  size_t queue_limit() const { return queue_limit_; }

 private:
  void Run();

  std::string name_;
  size_t queue_limit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace http
