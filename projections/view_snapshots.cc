#include "view_snapshots.h"

#include <rocksdb/utilities/checkpoint.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace projections {

namespace fs = std::filesystem;

namespace internal {

namespace {

// A snapshot's folder name is its position, zero-padded so that names sort as positions do,
// and "-YYYY-MM" after it for a month's end.
std::string SnapshotName(uint64_t seq, const std::string& month) {
  char name[24];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(seq));
  return month.empty() ? std::string(name) : std::string(name) + "-" + month;
}

bool AllDigits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The snapshot a folder name stands for (its path and size not yet filled); nullopt for
// anything else (a checkpoint still being written is in a ".tmp" folder, and not a snapshot).
std::optional<ViewSnapshot> SnapshotFromName(const std::string& name) {
  std::string_view seq = std::string_view(name).substr(0, 20);
  if (name.size() < 20 || !AllDigits(seq)) return std::nullopt;
  ViewSnapshot snapshot;
  snapshot.seq = std::stoull(std::string(seq));
  if (name.size() == 20) return snapshot;
  std::string_view month = std::string_view(name).substr(20);
  if (month.size() != 8 || month[0] != '-' || month[5] != '-' || !AllDigits(month.substr(1, 4)) ||
      !AllDigits(month.substr(6))) {
    return std::nullopt;
  }
  snapshot.month = std::string(month.substr(1));
  return snapshot;
}

uint64_t FolderBytes(const fs::path& folder) {
  uint64_t bytes = 0;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    std::error_code size_error;
    uint64_t size = it->file_size(size_error);
    if (!size_error) bytes += size;
  }
  return bytes;
}

}  // namespace

std::string SnapshotsFolder(const std::string& dir) { return dir + "/snapshots"; }

ledger::Status TakeSnapshot(rocksdb::DB* db, const std::string& dir, uint64_t seq,
                            const std::string& month) {
  std::error_code error;
  fs::create_directories(SnapshotsFolder(dir), error);
  if (error) {
    return ledger::Status::IOError("cannot create " + SnapshotsFolder(dir) + ": " +
                                   error.message());
  }
  const std::string path = SnapshotsFolder(dir) + "/" + SnapshotName(seq, month);
  if (fs::exists(path, error)) return ledger::Status::Ok();  // taken before a restart
  rocksdb::Checkpoint* raw = nullptr;
  auto s = rocksdb::Checkpoint::Create(db, &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush 0: the memtable is always written out first, so that the snapshot holds
  // every record (the views keep no write-ahead log to copy instead).
  if (s.ok()) s = checkpoint->CreateCheckpoint(path, /*log_size_for_flush=*/0);
  if (!s.ok()) {
    return ledger::Status::IOError("taking a snapshot of the views at position " +
                                   std::to_string(seq) + ": " + s.ToString());
  }
  return ledger::Status::Ok();
}

void PruneSnapshots(const std::string& dir, size_t keep, bool month_ends) {
  std::vector<ViewSnapshot> kind;
  for (auto& snapshot : ListViewSnapshots(dir)) {
    if (snapshot.month.empty() != month_ends) kind.push_back(std::move(snapshot));
  }
  std::vector<size_t> going;
  if (month_ends) {
    for (size_t i = 0; i + keep < kind.size(); ++i) going.push_back(i);
  } else {
    std::vector<uint64_t> positions;
    for (const auto& snapshot : kind) positions.push_back(snapshot.seq);
    going = SnapshotsToThin(std::move(positions), keep);
  }
  for (size_t i : going) {
    std::error_code ignored;
    fs::remove_all(kind[i].path, ignored);
  }
}

std::vector<size_t> SnapshotsToThin(std::vector<uint64_t> positions, size_t keep) {
  std::vector<size_t> index(positions.size());
  for (size_t i = 0; i < index.size(); ++i) index[i] = i;
  std::vector<size_t> thinned;
  while (positions.size() > keep) {
    // With fewer than three, there is no inner one to choose: the oldest goes.
    size_t drop = 0;
    if (keep >= 2) {
      uint64_t narrowest = UINT64_MAX;
      for (size_t i = 1; i + 1 < positions.size(); ++i) {
        uint64_t gap = positions[i + 1] - positions[i - 1];
        if (gap < narrowest) {
          narrowest = gap;
          drop = i;
        }
      }
    }
    thinned.push_back(index[drop]);
    positions.erase(positions.begin() + static_cast<std::ptrdiff_t>(drop));
    index.erase(index.begin() + static_cast<std::ptrdiff_t>(drop));
  }
  std::sort(thinned.begin(), thinned.end());
  return thinned;
}

void ForgetSnapshots(const std::string& dir) {
  std::error_code ignored;
  fs::remove_all(SnapshotsFolder(dir), ignored);
}

std::optional<ViewSnapshot> NearestSnapshot(const std::string& dir, uint64_t seq) {
  std::optional<ViewSnapshot> nearest;
  for (auto& snapshot : ListViewSnapshots(dir)) {
    if (snapshot.seq <= seq) nearest = std::move(snapshot);
  }
  return nearest;
}

}  // namespace internal

std::vector<ViewSnapshot> ListViewSnapshots(const std::string& dir) {
  std::vector<ViewSnapshot> out;
  std::error_code error;
  const fs::path folder = internal::SnapshotsFolder(dir);
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    auto snapshot = internal::SnapshotFromName(it->path().filename().string());
    if (!snapshot || !it->is_directory()) continue;
    snapshot->path = it->path().string();
    snapshot->bytes = internal::FolderBytes(it->path());
    out.push_back(std::move(*snapshot));
  }
  std::sort(out.begin(), out.end(),
            [](const ViewSnapshot& a, const ViewSnapshot& b) { return a.seq < b.seq; });
  return out;
}

}  // namespace projections
