// Storage health (storage_health.h), and how a failure is told apart (rocks.h).

#include "storage_health.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>

#include "ledger/rocks.h"

namespace ledger {

const char* StorageStateName(StorageHealth::State state) {
  switch (state) {
    case StorageHealth::State::kWritable:
      return "writable";
    case StorageHealth::State::kNoSpace:
      return "noSpace";
    case StorageHealth::State::kReadOnly:
      return "readOnly";
    case StorageHealth::State::kFailed:
      return "failed";
  }
  return "failed";
}

}  // namespace ledger

namespace ledger::internal {
namespace {

bool Mentions(const rocksdb::Status& status, const char* text) {
  return status.ToString().find(text) != std::string::npos;
}

// Below this much free space, a failed write is put down to a full disk whatever it said.
constexpr uint64_t kNearlyFullBytes = 1 << 20;

}  // namespace

StorageHealth HealthMonitor::Get() const {
  base::MutexLock lock(&mu_);
  return health_;
}

void HealthMonitor::Refuse(const std::string& problem, StorageHealth::State state) {
  if (state == StorageHealth::State::kWritable) state = StorageHealth::State::kFailed;
  base::MutexLock lock(&mu_);
  if (writable_) health_.since_ms = clock_();
  writable_ = false;
  health_.state = state;
  health_.problem = problem;
  ++health_.failures;
}

void HealthMonitor::StillRefused(const std::string& problem, StorageHealth::State state) {
  if (state == StorageHealth::State::kWritable) state = StorageHealth::State::kFailed;
  base::MutexLock lock(&mu_);
  health_.state = state;
  health_.problem = problem;
}

void HealthMonitor::Recovered() {
  base::MutexLock lock(&mu_);
  writable_ = true;
  health_.state = StorageHealth::State::kWritable;
  health_.problem.clear();
  health_.since_ms = 0;
  ++health_.recoveries;
}

std::string RefusalMessage(const StorageHealth& h, const std::string& dir,
                           std::chrono::milliseconds retry_interval, bool attempted) {
  std::string what;
  // A full or read-only disk takes no part of a write; another failure (a failed sync) may
  // have let the append reach the disk, which a retry with the same event ids then reports.
  std::string outcome = "nothing of this append was written";
  switch (h.state) {
    case StorageHealth::State::kNoSpace:
      what = "the disk holding " + dir + " is full";
      break;
    case StorageHealth::State::kReadOnly:
      what = "the ledger's folder " + dir + " is read-only";
      break;
    default:
      what = "the ledger's storage in " + dir + " failed";
      if (!attempted) break;
      outcome =
          "this append was not acknowledged (should it have reached the disk, a retry with the "
          "same event ids is answered as a duplicate)";
      break;
  }
  return what + " (" + h.problem + "); " + outcome +
         ". Reads still work; appends resume by themselves once the disk can take writes again "
         "(checked every " +
         std::to_string(retry_interval.count()) + " ms)";
}

StorageHealth::State ClassifyFailure(const rocksdb::Status& status, const std::string& dir,
                                     bool consult_disk) {
  if (Mentions(status, "Read-only file system") || Mentions(status, "Permission denied")) {
    return StorageHealth::State::kReadOnly;
  }
  if (status.IsNoSpace() || Mentions(status, "No space left")) {
    return StorageHealth::State::kNoSpace;
  }
  if (consult_disk) {
    std::string why;
    StorageHealth::State disk = StorageHealth::State::kWritable;
    if (!DiskLooksWritable(dir, kNearlyFullBytes, &why, &disk)) return disk;
  }
  return StorageHealth::State::kFailed;
}

bool DiskLooksWritable(const std::string& dir, uint64_t margin_bytes, std::string* why,
                       StorageHealth::State* state) {
  struct statvfs vfs {};
  if (statvfs(dir.c_str(), &vfs) != 0) {
    *state = StorageHealth::State::kFailed;
    *why = "the folder " + dir + " cannot be examined";
    return false;
  }
  if (vfs.f_flag & ST_RDONLY) {
    *state = StorageHealth::State::kReadOnly;
    *why = "the file system holding " + dir + " is mounted read-only";
    return false;
  }
  if (access(dir.c_str(), W_OK) != 0) {
    *state = StorageHealth::State::kReadOnly;
    *why = "this process may not write in " + dir;
    return false;
  }
  uint64_t logs = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".log") {
      std::error_code size_error;
      auto size = entry.file_size(size_error);
      if (!size_error) logs += size;
    }
  }
  uint64_t free = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  uint64_t needed = logs + margin_bytes;
  if (free < needed) {
    *state = StorageHealth::State::kNoSpace;
    *why = std::to_string(free) + " bytes are free on the disk holding " + dir + "; appends " +
           "resume once " + std::to_string(needed) + " are";
    return false;
  }
  return true;
}

}  // namespace ledger::internal
