// What ledgerctl's subcommands share: an error on stderr with the exit code that goes with it,
// progress with a rate while long work runs, and opening a data folder's ledger.

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "ledger/ledger.h"

namespace ctl {

// Prints "ledgerctl: <message>" to stderr and returns 1, the exit code of a failed command.
int Fail(const ledger::Status& status);
int Fail(const std::string& message);

// Progress on a terminal: "\rverify: 120000 of 500000 (210000/s)"; silent when piped, unless
// `when_piped`: then a line of its own at most every few seconds, and at the end (done == total),
// for work long enough that a log should show how far it got.
class ProgressLine {
 public:
  explicit ProgressLine(std::string what, bool when_piped = false);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void operator()(uint64_t done, uint64_t total);
  // This line as the ledger's progress callback; valid while the line lives.
  ledger::Progress fn();

 private:
  std::string what_;
  bool tty_;
  bool when_piped_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_piped_ = start_;
};

// Opens the ledger of the data folder `data` (its "ledger" subfolder), creating it if `create`.
// Says how to make one when there is none, and to use the HTTP API when a running ledgerd holds
// it.
ledger::Result<std::unique_ptr<ledger::Ledger>> OpenLedger(const std::string& data, bool create,
                                                           ledger::Options options = {});

}  // namespace ctl
