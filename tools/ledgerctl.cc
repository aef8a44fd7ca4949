// ledgerctl: the command-line tool for a ledger folder.
//
//   ledgerctl init   --data DIR        creates the ledger if absent
//   ledgerctl head   --data DIR        the head: sequence number and hash, on one line
//   ledgerctl verify --data DIR        walks the chain; names the first bad sequence number
//   ledgerctl tail   --data DIR        the last events, one line each

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <unistd.h>

#include "ledger/ledger.h"
#include "ledger/validate.h"

namespace {

int Fail(const ledger::Status& status) {
  std::cerr << "ledgerctl: " << status.ToString() << "\n";
  return 1;
}

ledger::Result<std::unique_ptr<ledger::Ledger>> OpenExisting(const std::string& data) {
  ledger::Options options;
  options.create_if_missing = false;
  auto opened = ledger::Ledger::Open(data + "/ledger", options);
  if (!opened.ok()) {
    return ledger::Status(opened.status().code(),
                          "cannot open the ledger in " + data + ": " + opened.status().message());
  }
  return opened;
}

int Init(const std::string& data) {
  std::error_code ignored;
  std::filesystem::create_directories(data, ignored);
  auto log = ledger::Ledger::Open(data + "/ledger", ledger::Options{});
  if (!log.ok()) return Fail(log.status());
  auto head = (*log)->Head();
  std::cout << "ledger in " << data << "/ledger at seq " << head.seq << " "
            << ledger::ToHex(head.hash) << "\n";
  return 0;
}

int Head(const std::string& data) {
  auto log = OpenExisting(data);
  if (!log.ok()) return Fail(log.status());
  auto head = (*log)->Head();
  std::cout << head.seq << " " << ledger::ToHex(head.hash) << "\n";
  return 0;
}

int Verify(const std::string& data) {
  auto log = OpenExisting(data);
  if (!log.ok()) return Fail(log.status());
  bool tty = isatty(STDERR_FILENO);
  auto report = (*log)->Verify([tty](uint64_t done, uint64_t total) {
    if (tty) std::fprintf(stderr, "\rverified %llu of %llu events", (unsigned long long)done,
                          (unsigned long long)total);
  });
  if (tty) std::fprintf(stderr, "\n");
  if (!report.ok()) return Fail(report.status());
  if (!report->ok) {
    std::cout << "BAD at seq " << report->first_bad_seq << ": " << report->problem << "\n";
    return 2;
  }
  std::cout << "ok " << report->checked << " events, head " << report->head.seq << " "
            << ledger::ToHex(report->head.hash) << "\n";
  return 0;
}

int Tail(const std::string& data, size_t count) {
  auto log = OpenExisting(data);
  if (!log.ok()) return Fail(log.status());
  uint64_t head = (*log)->Head().seq;
  uint64_t from = head > count ? head - count + 1 : 1;
  auto events = (*log)->ReadForward(from, count);
  if (!events.ok()) return Fail(events.status());
  for (const auto& e : *events) {
    std::cout << e.seq() << "\t" << e.event().getStream().cStr() << "\t"
              << ledger::EventTypeName(e.event()) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ledgerctl: the community governance ledger's command-line tool"};
  app.require_subcommand(1);
  std::string data = "var";

  auto* init = app.add_subcommand("init", "create the data folder's ledger if absent");
  init->add_option("--data", data, "the data folder")->capture_default_str();

  auto* head = app.add_subcommand("head", "print the head: sequence number and hash");
  head->add_option("--data", data, "the data folder")->capture_default_str();

  auto* verify = app.add_subcommand("verify", "recompute the hash chain and report");
  verify->add_option("--data", data, "the data folder")->capture_default_str();

  size_t count = 20;
  auto* tail = app.add_subcommand("tail", "print the last events");
  tail->add_option("--data", data, "the data folder")->capture_default_str();
  tail->add_option("-n,--count", count, "how many")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  if (*init) return Init(data);
  if (*head) return Head(data);
  if (*verify) return Verify(data);
  if (*tail) return Tail(data, count);
  return 1;
}
