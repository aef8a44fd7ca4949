#include <capnp/message.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>

#include "codec/event_json.h"
#include "commands.h"
#include "common.h"
#include "ledger/integrity.h"
#include "ledger/ledger.h"
#include "ledger/validate.h"
#include "projections/engine.h"

namespace ctl {

namespace fs = std::filesystem;

int PrintHead(const std::string& data) {
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  auto head = (*log)->Head();
  std::cout << head.seq << " " << ledger::ToHex(head.hash) << "\n";
  return 0;
}

int VerifyFolder(const std::string& data) {
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  ProgressLine progress("verify");
  auto report = (*log)->Verify(progress.fn());
  if (!report.ok()) return Fail(report.status());
  if (!report->ok) {
    std::cout << "BAD at seq " << report->first_bad_seq << ": " << report->problem << "\n";
    return 2;
  }
  std::cout << "chain ok: " << report->checked << " events, head " << report->head.seq << " "
            << ledger::ToHex(report->head.hash) << "\n";
  // The Merkle tree: every leaf against its event, and the root of the stored subtrees.
  auto tree = ledger::CheckIntegrity(**log);
  if (!tree.ok()) return Fail(tree.status());
  if (!tree->ok) {
    std::cout << "BAD at seq " << tree->bad_seq << ": " << tree->problem << "\n";
    return 2;
  }
  std::cout << "tree ok: " << tree->size << " leaves match their events\n";
  // The views' checkpoint must not be ahead of the log, and must sit on the chain.
  if (fs::exists(data + "/views")) {
    auto engine = projections::Engine::Open(log->get(), data + "/views", {});
    if (!engine.ok()) return Fail(engine.status());
    auto applied = (*engine)->Applied();
    if (applied.seq > report->head.seq) {
      std::cout << "BAD views: checkpoint " << applied.seq << " is ahead of the log\n";
      return 2;
    }
    if (applied.seq > 0) {
      auto at = (*log)->Read(applied.seq);
      if (!at.ok() || at->hash() != applied.hash) {
        std::cout << "BAD views: checkpoint " << applied.seq << " is not on the chain\n";
        return 2;
      }
    }
    std::cout << "views ok: checkpoint at seq " << applied.seq << " of " << report->head.seq
              << "\n";
  }
  return 0;
}

int TailEvents(const std::string& data, size_t count, bool follow) {
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  codec::EventJson json;
  uint64_t head = (*log)->Head().seq;
  uint64_t next = head > count ? head - count + 1 : 1;
  for (;;) {
    auto events = (*log)->ReadForward(next, 1000);
    if (!events.ok()) return Fail(events.status());
    for (const auto& e : *events) {
      std::cout << e.seq() << "\t" << json.Encode(e.event()) << "\n";
      next = e.seq() + 1;
    }
    std::cout.flush();
    // In-process only: another process's appends are not visible to this open ledger.
    if (!follow) return 0;
    (*log)->WaitForHeadAbove(next - 1, std::chrono::seconds(1));
  }
}

int PrintStats(const std::string& data) {
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  std::map<std::string, uint64_t> by_type;
  uint64_t bytes = 0;
  auto s = (*log)->Scan(1, UINT64_MAX, [&](const ledger::RecordedEvent& e) {
    ++by_type[ledger::EventTypeName(e.event())];
    bytes += e.canonical_words().size() * sizeof(capnp::word);
    return true;
  });
  if (!s.ok()) return Fail(s);
  auto head = (*log)->Head();
  std::cout << "events " << head.seq << ", head " << ledger::ToHex(head.hash) << "\n";
  std::cout << "event bytes " << bytes << " (" << (head.seq ? bytes / head.seq : 0)
            << " per event)\n";
  for (const auto& [type, n] : by_type) std::cout << "  " << type << "\t" << n << "\n";
  // Time travel's starting points (ledgerd --views-snapshot-events, --views-snapshots,
  // --views-month-snapshots): what the retention keeps, and what it costs on disk.
  auto snapshots = projections::ListViewSnapshots(data + "/views");
  uint64_t snapshot_bytes = 0;
  for (const auto& snapshot : snapshots) snapshot_bytes += snapshot.bytes;
  std::cout << "view snapshots " << snapshots.size();
  if (!snapshots.empty()) {
    std::cout << " (positions " << snapshots.front().seq << " to " << snapshots.back().seq << "), "
              << snapshot_bytes
              << " bytes of files (shared by hard links with the views while they are current)";
  }
  std::cout << "\n";
  for (const auto& snapshot : snapshots) {
    std::cout << "  at " << snapshot.seq << "\t" << snapshot.bytes << " bytes";
    if (!snapshot.month.empty()) std::cout << "\tthe end of " << snapshot.month;
    std::cout << "\n";
  }
  return 0;
}

}  // namespace ctl
