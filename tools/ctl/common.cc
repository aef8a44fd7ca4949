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

ProgressLine::ProgressLine(std::string what)
    : what_(std::move(what)), tty_(isatty(STDERR_FILENO)) {}

ProgressLine::~ProgressLine() {
  if (tty_ && shown_) std::fprintf(stderr, "\n");
}

void ProgressLine::operator()(uint64_t done, uint64_t total) {
  if (!tty_) return;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "\r%s: %llu of %llu (%.0f/s)   ", what_.c_str(), (unsigned long long)done,
               (unsigned long long)total, secs > 0 ? done / secs : 0.0);
  shown_ = true;
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
