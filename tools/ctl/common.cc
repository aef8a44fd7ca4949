#include "common.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace ctl {

int Fail(const ledger::Status& status) {
  std::cerr << "ledgerctl: " << status.ToString() << "\n";
  return 1;
}

int Fail(const std::string& message) {
  std::cerr << "ledgerctl: " << message << "\n";
  return 1;
}

ProgressLine::ProgressLine(std::string what, bool when_piped)
    : what_(std::move(what)), tty_(isatty(STDERR_FILENO)), when_piped_(when_piped) {}

ProgressLine::~ProgressLine() {
  if (tty_ && shown_) std::fprintf(stderr, "\n");
}

void ProgressLine::operator()(uint64_t done, uint64_t total) {
  auto now = std::chrono::steady_clock::now();
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? done / secs : 0.0;
  if (tty_) {
    std::fprintf(stderr, "\r%s: %llu of %llu (%.0f/s)   ", what_.c_str(), (unsigned long long)done,
                 (unsigned long long)total, rate);
    shown_ = true;
    return;
  }
  // A log is read later, line by line: a few lines a minute say how far it got, not thousands.
  constexpr auto kPipedEvery = std::chrono::seconds(5);
  if (!when_piped_ || (done != total && now - last_piped_ < kPipedEvery)) return;
  last_piped_ = now;
  std::fprintf(stderr, "%s: %llu of %llu (%.0f/s)\n", what_.c_str(), (unsigned long long)done,
               (unsigned long long)total, rate);
}

ledger::Progress ProgressLine::fn() {
  return [this](uint64_t d, uint64_t t) { (*this)(d, t); };
}

ledger::Result<std::unique_ptr<ledger::Ledger>> OpenLedger(const std::string& data, bool create,
                                                           ledger::Options options) {
  options.create_if_missing = create;
  if (!create && !std::filesystem::exists(data + "/ledger")) {
    return ledger::Status::NotFound("there is no ledger in " + data +
                                    " (create one with: ledgerctl init --data " + data + ")");
  }
  auto opened = ledger::Ledger::Open(data + "/ledger", options);
  if (!opened.ok() && opened.status().message().find("lock") != std::string::npos) {
    return ledger::Status::Unavailable("the ledger in " + data +
                                       " is in use by a running ledgerd; stop it, or use the "
                                       "HTTP API (backup: POST /v1/admin/backup)");
  }
  return opened;
}

}  // namespace ctl
