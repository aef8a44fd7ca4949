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
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= queue_limit_) return false;
    queue_.push_back(std::move(work));
  }
  cv_.notify_one();
  return true;
}

void WorkPool::Stop() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    dropped.swap(queue_);
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  }
}

size_t WorkPool::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void WorkPool::Run() {
  for (;;) {
    std::function<void()> work;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
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
