// The signed checkpoint a report printed by ledgerctl names: the CSV's header lines and the HTML
// page's footer, so that a figure on paper or in a spreadsheet still says which signed log it was
// computed from and how to check that.
//
//   auto stamp = ctl::CheckpointStampOf(log.get(), "var", report_position);
//   out += ctl::CsvCheckpointLines(*stamp);
//   # checkpoint: district.example/ledger 3053 faZOzUrY...=
//   # verify: ledgerctl audit --export log.ndjson --checkpoint cp.txt --vkey log.vkey  (...)
//
// The checkpoint is one the log signed that covers the report's position: the one of exactly
// that size if there is one, else the latest, after signing one of the head if none covers it
// yet (as a receipt does). The Merkle root of the report's own position is named too when the
// checkpoint is larger, with the route of the proof that links the two.

#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "ledger/ledger.h"

namespace ctl {

struct CheckpointStamp {
  uint64_t position = 0;      // the report's ledger position (seq)
  std::string position_root;  // base64 Merkle root of its first `position` events
  // The signed checkpoint covering it; empty origin when there is none, and `why` says so.
  std::string origin;
  uint64_t size = 0;
  std::string root;
  std::string note;  // the signed note, as GET /v1/checkpoint serves it
  std::string why;
};

// Fails only if the tree cannot be read; a log without a signing key, or one that has stopped
// signing, gives a stamp without a checkpoint and says why.
ledger::Result<CheckpointStamp> CheckpointStampOf(ledger::Ledger* log, const std::string& data_dir,
                                                  uint64_t position);

// "# checkpoint: <origin> <size> <root>\n" and the lines that say how to verify it.
std::string CsvCheckpointLines(const CheckpointStamp& stamp);

// An HTML footer (<footer>...</footer>) naming the checkpoint, its note, and the commands that
// verify it.
std::string HtmlCheckpointFooter(const CheckpointStamp& stamp);

}  // namespace ctl
