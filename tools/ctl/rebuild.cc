#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>

#include "commands.h"
#include "common.h"
#include "projections/engine.h"

namespace ctl {

using Clock = std::chrono::steady_clock;

int RebuildViews(const std::string& data, const SnapshotRetention& retention) {
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  ProgressLine progress("rebuild");
  projections::EngineOptions options;
  options.progress = progress.fn();
  options.rebuild = true;
  options.snapshot_events = retention.snapshot_events;
  options.snapshots_kept = retention.snapshots_kept;
  options.month_end_snapshots_kept = retention.month_end_snapshots_kept;
  auto engine = projections::Engine::Open(log->get(), data + "/views", options);
  if (!engine.ok()) return Fail(engine.status());
  auto start = Clock::now();
  auto rebuilt = (*engine)->Rebuild();
  if (!rebuilt.ok()) return Fail(rebuilt);
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  auto applied = (*engine)->Applied();
  std::cout << "rebuilt every view: " << applied.seq << " events read, applied and written in "
            << secs << " s (" << static_cast<uint64_t>(applied.seq / std::max(secs, 1e-9))
            << " events/s)" << std::endl;
  // A rebuild writes its views as table files the store takes in; closing frees the views and
  // writes whatever is left in the store's memory.
  auto closing = Clock::now();
  engine->reset();
  std::cout << "store closed in " << std::chrono::duration<double>(Clock::now() - closing).count()
            << " s\n";
  return 0;
}

}  // namespace ctl
