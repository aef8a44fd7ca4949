#include "view_snapshots.h"

#include <rocksdb/utilities/checkpoint.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace projections {

namespace fs = std::filesystem;

namespace internal {

namespace {

// A snapshot's folder name is its position, zero-padded so that names sort as positions do.
std::string SnapshotName(uint64_t seq) {
  char name[24];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(seq));
  return name;
}

// The position a folder name stands for; nullopt for anything else (a checkpoint still being
// written is in a ".tmp" folder, and not a snapshot yet).
std::optional<uint64_t> SnapshotSeq(const std::string& name) {
  if (name.size() != 20 ||
      !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoull(name);
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

ledger::Status TakeSnapshot(rocksdb::DB* db, const std::string& dir, uint64_t seq) {
  std::error_code error;
  fs::create_directories(SnapshotsFolder(dir), error);
  if (error) {
    return ledger::Status::IOError("cannot create " + SnapshotsFolder(dir) + ": " +
                                   error.message());
  }
  const std::string path = SnapshotsFolder(dir) + "/" + SnapshotName(seq);
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

void PruneSnapshots(const std::string& dir, size_t keep) {
  std::vector<ViewSnapshot> all = ListViewSnapshots(dir);
  for (size_t i = 0; i + keep < all.size(); ++i) {
    std::error_code ignored;
    fs::remove_all(all[i].path, ignored);
  }
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
    auto seq = internal::SnapshotSeq(it->path().filename().string());
    if (!seq || !it->is_directory()) continue;
    out.push_back({*seq, it->path().string(), internal::FolderBytes(it->path())});
  }
  std::sort(out.begin(), out.end(),
            [](const ViewSnapshot& a, const ViewSnapshot& b) { return a.seq < b.seq; });
  return out;
}

}  // namespace projections
