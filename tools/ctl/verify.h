// ledgerctl's checks of a log by someone who does not run it: an auditor with an export, and a
// monitor following a running ledgerd's checkpoints.
//
//   ledgerctl audit --export log.ndjson --checkpoint cp.txt --vkey log.vkey
//     checks the checkpoint's signature, replays the export into a scratch ledger (which checks
//     its whole hash chain), and recomputes the Merkle root at the checkpoint's size: the export
//     is then exactly the log the operator signed. No server and no data folder is needed.
//     With --earlier cp0.txt, also that the later checkpoint's log extends the earlier one's.
//     With --report report.json (a report ledgerd served, or ledgerctl report --format json
//     wrote), also recomputes that report from the export at the position it names and compares
//     it figure by figure, printing "DIFFERS path: report X, recomputed Y" for each that differs
//     (tools/ctl/report_audit.h).
//
//   ledgerctl monitor --server URL --token T --vkey log.vkey --state DIR [--interval MS]
//                     [--count N]
//     fetches the latest checkpoint every interval, checks its signature, and checks it against
//     the last one seen (kept in DIR) by a consistency proof. Exits non-zero on a bad signature,
//     a rollback (a smaller tree) or a fork (the same size with another root, or a proof that
//     fails), naming both checkpoints.

#pragma once

#include <string>

#include "remote.h"

namespace ctl {

// Exit codes: 0 the export matches the signed checkpoint; 2 it does not; 1 it could not be
// checked (a file missing or malformed).
// With `earlier_path`, a second, earlier checkpoint is checked the same way against the same
// export, and a consistency proof computed from it links the two: the later log extends it.
// With `report_path`, the report is recomputed at its position (which the checkpoint must
// cover; a report beyond it exits 1, as it cannot be checked) and compared: 2 if a figure differs.
int Audit(const std::string& export_path, const std::string& checkpoint_path,
          const std::string& vkey_path, const std::string& earlier_path = "",
          const std::string& report_path = "");

// Exit codes: 0 after `count` checkpoints (0: forever) all consistent; 2 on a fork, a rollback or
// a bad signature; 1 if the server could not be asked.
int Monitor(const Remote& remote, const std::string& vkey_path, const std::string& state_dir,
            uint64_t interval_ms, uint64_t count);

}  // namespace ctl
