// The simulated district: a street office, its estates, property companies of clearly different
// quality, households and the people who serve them, living through whole years of complaints,
// repairs, must-visits, surveys, volunteer hours, joint meetings and inspections, ending each year
// with the street office publishing the star ratings computed from the ledger itself.
//
// It is for demonstrations, benchmarks and end-to-end tests: every event goes through
// Ledger::Append like any client's, so the views, the reports and the HTTP layer see a realistic
// ledger. A seed fixes everything: two runs with one seed write identical bytes and end at the
// identical head hash, provided the ledger's clock is the simulated one:
//
//   simulate::SimulatedClock clock;
//   ledger::Options options;
//   options.sync = false;                 // the caller's choice
//   options.clock = clock.AsFunction();   // recorded times follow simulated time
//   auto log = std::move(ledger::Ledger::Open(dir, options)).value();
//   auto summary = simulate::Simulate(log.get(), &clock, simulate::Options{});
//
// The district's companies, in order of quality: company/hongxin (good: quick acknowledgements,
// repairs well within their limits, high inspection scores), company/anju, company/lvyuan and
// company/huamei (ordinary), company/xinda (bad: slow, late and overdue repairs, many complaints,
// low scores: black-listed year after year).

#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ledger/ledger.h"

namespace simulate {

// Simulated wall-clock time for the ledger's `recordedAt`. The simulator moves it forward to each
// event's recording time just before appending it; the ledger reads it through AsFunction(), on
// the appending thread and on its writer thread, hence the atomic.
class SimulatedClock {
 public:
  explicit SimulatedClock(int64_t start_ms = 1) : now_(start_ms) {}
  SimulatedClock(const SimulatedClock&) = delete;
  SimulatedClock& operator=(const SimulatedClock&) = delete;

  // Milliseconds since the epoch, UTC.
  int64_t Now() const { return now_.load(std::memory_order_acquire); }
  // Moves the clock to `unix_ms` if that is later; time never runs backwards.
  void AdvanceTo(int64_t unix_ms);
  // For ledger::Options::clock. The clock must outlive the ledger opened with it.
  std::function<int64_t()> AsFunction() {
    return [this] { return Now(); };
  }

 private:
  std::atomic<int64_t> now_;
};

struct Options {
  uint64_t seed = 1;
  int estates = 12;                  // at least 4, so that every kind of company serves one
  int households_per_estate = 250;   // scales the district: the demo is tens of thousands of events
  int first_year = 2024, years = 2;  // whole local years; two, so that a company can be
                                     // black-listed two years running
  // Progress: (events appended so far, estimated total). The estimate is refined as the run goes
  // and equals the count in the last call.
  std::function<void(uint64_t, uint64_t)> progress;
};

struct Summary {
  uint64_t events = 0;
  ledger::Position head;
  std::vector<std::string> company_ids;  // every company registered, good to bad
  std::string good_company, bad_company;
};

// Appends a whole district to `log`, which must be empty and opened with `clock` as its clock
// (InvalidArgument otherwise, or for options out of range). Appends run one at a time from the
// calling thread, each event's recorded time at or after the time it happened; a few are recorded
// days late, as paper forms sometimes are. At the end of each year the star ratings computed by
// projections::ComputeStarEvaluation over the ledger as it then stands are published as a
// starRatingPublished event. Fails with the ledger's Status if an append fails.
ledger::Result<Summary> Simulate(ledger::Ledger* log, SimulatedClock* clock,
                                 const Options& options);

}  // namespace simulate
