#include <chrono>
#include <iostream>

#include "commands.h"
#include "common.h"
#include "ledger/ledger.h"
#include "simulate/simulator.h"

namespace ctl {

using Clock = std::chrono::steady_clock;

int SimulateDistrict(const std::string& data, const SimulationRequest& request) {
  simulate::SimulatedClock clock;
  ledger::Options options;
  options.sync = false;
  options.clock = [&clock] { return clock.Now(); };
  auto log = OpenLedger(data, true, options);
  if (!log.ok()) return Fail(log.status());
  if ((*log)->Head().seq != 0) {
    return Fail("the ledger in " + data + " is not empty; simulate into a new folder");
  }
  ProgressLine progress("simulate");
  simulate::Options so;
  so.seed = request.seed;
  so.estates = request.estates;
  so.households_per_estate = request.households;
  so.years = request.years;
  so.progress = progress.fn();
  auto start = Clock::now();
  auto summary = simulate::Simulate(log->get(), &clock, so);
  if (!summary.ok()) return Fail(summary.status());
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << "simulated " << summary->events << " events in " << secs << " s, head "
            << summary->head.seq << " " << ledger::ToHex(summary->head.hash) << "\n";
  return 0;
}

}  // namespace ctl
