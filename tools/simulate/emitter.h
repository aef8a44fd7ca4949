// Scheduling: every event is planned with the instant it happened and the instant it is recorded,
// kept in a heap by recording time, and appended through Ledger::Append in that order as
// simulated time reaches it.

#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "simulate/simulator.h"

namespace simulate::internal {

namespace schema = ledger::schema;
using ledger::Status;

using Fill = std::function<void(schema::Payload::Builder)>;

struct Actor {
  std::string id;
  schema::Role role = schema::Role::UNKNOWN;
};

struct Draft {
  int64_t occurred_at = 0;
  Actor actor;
  Fill fill;
};

struct Pending {
  int64_t recorded_at = 0;
  uint64_t order = 0;  // ties on recorded_at keep the order of planning
  std::string stream;
  std::vector<Draft> drafts;  // appended together, to one stream
  std::function<void(uint64_t first_seq)> on_appended;
};

struct LaterFirst {
  bool operator()(const Pending& a, const Pending& b) const {
    if (a.recorded_at != b.recorded_at) return a.recorded_at > b.recorded_at;
    return a.order > b.order;
  }
};

class Emitter {
 public:
  Emitter(ledger::Ledger* log, SimulatedClock* clock, uint64_t seed, int64_t end_ms,
          std::function<void(uint64_t, uint64_t)> progress, uint64_t estimate)
      : log_(log),
        clock_(clock),
        id_prefix_("sim" + std::to_string(seed) + "-"),
        end_ms_(end_ms),
        progress_(std::move(progress)),
        estimate_(estimate) {}

  // Plans `drafts` for `stream`, recorded at `recorded_at` (never before any of them happened).
  // Events that would be recorded after the simulated period are not planned at all: the period
  // ends with whatever is still open.
  void Plan(int64_t recorded_at, std::string stream, std::vector<Draft> drafts,
            std::function<void(uint64_t)> on_appended = nullptr) {
    for (const auto& d : drafts) recorded_at = std::max(recorded_at, d.occurred_at);
    recorded_at = std::max(recorded_at, clock_->Now());
    if (recorded_at >= end_ms_) return;
    heap_.push_back(Pending{recorded_at, next_order_++, std::move(stream), std::move(drafts),
                            std::move(on_appended)});
    std::push_heap(heap_.begin(), heap_.end(), LaterFirst());
  }

  // One event, recorded `lag` after it happened.
  void One(int64_t occurred_at, std::string stream, Actor actor, Fill fill, int64_t lag = 0,
           std::function<void(uint64_t)> on_appended = nullptr) {
    std::vector<Draft> drafts;
    drafts.push_back(Draft{occurred_at, std::move(actor), std::move(fill)});
    Plan(occurred_at + lag, std::move(stream), std::move(drafts), std::move(on_appended));
  }

  // Appends, in order, everything recorded before `limit_ms`.
  Status RunUntil(int64_t limit_ms) {
    while (!heap_.empty() && heap_.front().recorded_at < limit_ms) {
      std::pop_heap(heap_.begin(), heap_.end(), LaterFirst());
      Pending next = std::move(heap_.back());
      heap_.pop_back();
      Status s = Append(next);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  // Appends at once, at `recorded_at`, ahead of anything still planned.
  Status AppendNow(int64_t recorded_at, std::string stream, std::vector<Draft> drafts) {
    Pending p{std::max(recorded_at, clock_->Now()), next_order_++, std::move(stream),
              std::move(drafts), nullptr};
    return Append(p);
  }

  uint64_t appended() const { return appended_; }
  const ledger::Position& head() const { return head_; }
  void Finish() {
    if (progress_) progress_(appended_, appended_);
  }

 private:
  // Appends `p` now, moving the clock to its recording time.
  Status Append(Pending& p);

  ledger::Ledger* log_;
  SimulatedClock* clock_;
  std::string id_prefix_;
  int64_t end_ms_;
  std::function<void(uint64_t, uint64_t)> progress_;
  uint64_t estimate_;
  std::vector<Pending> heap_;
  uint64_t next_order_ = 0;
  uint64_t appended_ = 0;
  ledger::Position head_;
};

// Sets `list` (already sized) to `texts`.
void SetTexts(capnp::List<capnp::Text>::Builder list, const std::vector<std::string>& texts);

// At most `max_bytes` of UTF-8 text, cut at a character boundary.
std::string Clip(const std::string& text, size_t max_bytes);

}  // namespace simulate::internal
