#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iostream>

#include "cloudevents.h"
#include "codec/event_json.h"
#include "commands.h"
#include "common.h"
#include "ledger/ledger.h"

namespace ctl {

int ExportEvents(const std::string& data, const std::string& out_path) {
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (out_path != "-") {
    file.open(out_path, std::ios::trunc);
    if (!file) return Fail("cannot write " + out_path);
    out = &file;
  }
  codec::EventJson json;
  ProgressLine progress("export");
  uint64_t total = (*log)->Head().seq, done = 0;
  auto s = (*log)->Scan(1, UINT64_MAX, [&](const ledger::RecordedEvent& e) {
    *out << ToCloudEvent(json, e) << "\n";
    if (++done % 65536 == 0) progress(done, total);
    return true;
  });
  if (!s.ok()) return Fail(s);
  progress(done, total);
  if (!*out) return Fail("writing the export failed");
  return 0;
}

int ImportEvents(const std::string& data, const std::string& in_path) {
  std::ifstream file(in_path);
  if (!file) return Fail("cannot read " + in_path);
  int64_t recorded_at = 0;
  ledger::Options options;
  options.sync = false;
  // Replays each event's recorded time, so the restored bytes and hashes are the original ones.
  options.clock = [&recorded_at] { return recorded_at; };
  // Each event is appended in the form its hash fixes, normal or written before that rule.
  options.normalize = false;
  auto log = OpenLedger(data, true, options);
  if (!log.ok()) return Fail(log.status());
  codec::EventJson json;
  ProgressLine progress("import");
  auto result = ImportCloudEvents(json, log->get(), file, &recorded_at, progress.fn());
  if (!result.ok()) return Fail(result.status());
  // Said, not refused: the chain fixes those bytes, and they are restored as they were.
  constexpr size_t kMostNamed = 20;
  const auto& legacy = result->written_before_normalisation;
  for (size_t i = 0; i < std::min(legacy.size(), kMostNamed); ++i) {
    std::cout << "line " << legacy[i]
              << ": event hashes right only in the form written before normalisation\n";
  }
  if (legacy.size() > kMostNamed) {
    std::cout << "... and " << legacy.size() - kMostNamed << " more lines like it\n";
  }
  std::cout << "imported " << result->imported << " events, head " << result->head.seq << " "
            << ledger::ToHex(result->head.hash) << "\n";
  return 0;
}

}  // namespace ctl
