// Counters and a latency histogram, written in the Prometheus text format.

#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include "base/mutex.h"

#include "ledger/ledger.h"
#include "projections/engine.h"

namespace http {

class Metrics {
 public:
  void CountAppend(uint64_t events) {
    appends_.fetch_add(1, std::memory_order_relaxed);
    appended_events_.fetch_add(events, std::memory_order_relaxed);
  }
  void CountDuplicate() { duplicates_.fetch_add(1, std::memory_order_relaxed); }
  void CountConflict() { conflicts_.fetch_add(1, std::memory_order_relaxed); }
  // `kind`: a short, fixed word such as "validation", "auth", "not_found".
  void CountError(const std::string& kind);
  // A refusal by the rule book (or the read scope), by the rule's name ("scope.estate").
  void CountRefusal(const std::string& rule);
  void ObserveRequest(double seconds);
  // A request answered 503 at once because the queue for its kind of work ("work": views,
  // reports and time travel; "appends": appends waiting for the disk) was full; 429 because a
  // token had its share ("token", "token-streams", "token-appends").
  void CountBusy(const std::string& queue);

  // Counted by the server (ServerOptions::metrics), for what never reaches a handler.
  void CountConnectionRefused() { refused_connections_.fetch_add(1, std::memory_order_relaxed); }
  void CountAcceptFailure() { accept_failures_.fetch_add(1, std::memory_order_relaxed); }
  // At the connection limit, a connection waiting for a request closed to make room.
  void CountIdleClosed() { idle_closed_.fetch_add(1, std::memory_order_relaxed); }
  // A client that did not take its response within the write deadline.
  void CountSlowClientDropped() { slow_clients_.fetch_add(1, std::memory_order_relaxed); }
  // A subscriber that fell further behind than its stream's queue.
  void CountSubscriberDropped() { dropped_subscribers_.fetch_add(1, std::memory_order_relaxed); }

  // The text exposition, with the gauges the caller supplies appended.
  std::string Render(uint64_t head_seq, uint64_t applied_seq, const ledger::StorageHealth& storage,
                     const projections::FollowerHealth& views) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    2.5};
  std::atomic<uint64_t> appends_{0}, appended_events_{0}, duplicates_{0}, conflicts_{0};
  std::atomic<uint64_t> refused_connections_{0}, accept_failures_{0}, slow_clients_{0},
      dropped_subscribers_{0}, idle_closed_{0};
  // Counters of many keys, and the histogram, which a relaxed atomic cannot keep consistent.
  mutable base::Mutex mu_;
  std::map<std::string, uint64_t> busy_ GUARDED_BY(mu_);
  std::map<std::string, uint64_t> errors_ GUARDED_BY(mu_);
  std::map<std::string, uint64_t> refusals_ GUARDED_BY(mu_);
  std::array<uint64_t, kBuckets.size()> bucket_counts_ GUARDED_BY(mu_){};
  uint64_t requests_ GUARDED_BY(mu_) = 0;
  double request_seconds_ GUARDED_BY(mu_) = 0;
};

}  // namespace http
