#include "work_pool.h"

#include <cstdio>
#include <exception>

namespace http {

WorkPool::WorkPool(std::string name, size_t threads, size_t queue_limit)
    : name_(std::move(name)), queue_limit_(queue_limit) {
  for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i) {
    threads_.emplace_back([this] { Run(); });
  }
}

WorkPool::~WorkPool() { Stop(); }

bool WorkPool::TrySubmit(std::function<void()> work) {
  {
    base::MutexLock lock(&mu_);
    if (stopping_ || queue_.size() >= queue_limit_) return false;
    queue_.push_back(std::move(work));
  }
  changed_.Signal();
  return true;
}

void WorkPool::Stop() {
  std::deque<std::function<void()>> dropped;
  {
    base::MutexLock lock(&mu_);
    stopping_ = true;
    dropped.swap(queue_);
  }
  changed_.SignalAll();
  for (auto& t : threads_) {
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  }
}

size_t WorkPool::queued() const {
  base::MutexLock lock(&mu_);
  return queue_.size();
}

void WorkPool::Run() {
  for (;;) {
    std::function<void()> work;
    {
      base::MutexLock lock(&mu_);
      while (!stopping_ && queue_.empty()) changed_.Wait(&mu_);
      if (stopping_) return;
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    // Work is expected to catch its own errors; one that escapes is a bug, but must not take
    // the whole service down with std::terminate.
    try {
      work();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s pool: work failed: %s\n", name_.c_str(), e.what());
    } catch (...) {
      std::fprintf(stderr, "%s pool: work failed\n", name_.c_str());
    }
  }
}

}  // namespace http
