#include <filesystem>
#include <iostream>
#include <system_error>

#include "commands.h"
#include "common.h"
#include "ledger/ledger.h"

namespace ctl {

namespace fs = std::filesystem;

int BackupFolder(const std::string& data, const std::string& to) {
  if (fs::exists(to)) return Fail("the backup folder " + to + " already exists; name a new one");
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  fs::create_directories(to);
  auto s = (*log)->Checkpoint(to + "/ledger");
  if (!s.ok()) return Fail(s);
  std::cout << "backup of " << data << " at seq " << (*log)->Head().seq << " in " << to << "\n";
  return 0;
}

int RestoreFolder(const std::string& from, const std::string& data) {
  if (!fs::exists(from + "/ledger")) return Fail("there is no backup in " + from);
  if (fs::exists(data + "/ledger")) {
    return Fail("the data folder " + data + " already holds a ledger; restore into a new folder");
  }
  fs::create_directories(data);
  std::error_code error;
  fs::copy(from + "/ledger", data + "/ledger", fs::copy_options::recursive, error);
  if (error) return Fail("cannot copy the backup: " + error.message());
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  auto report = (*log)->Verify();
  if (!report.ok()) return Fail(report.status());
  if (!report->ok) {
    std::cout << "BAD at seq " << report->first_bad_seq << ": " << report->problem << "\n";
    return 2;
  }
  std::cout << "restored " << report->checked << " events into " << data << ", head "
            << ledger::ToHex(report->head.hash) << " (views rebuild on first start)\n";
  return 0;
}

}  // namespace ctl
