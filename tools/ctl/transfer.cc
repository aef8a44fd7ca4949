#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include "cloudevents.h"
#include "codec/event_json.h"
#include "commands.h"
#include "common.h"
#include "ledger/ledger.h"

namespace ctl {

int ExportEvents(const std::string& data, const std::string& out_path) {
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (out_path != "-") {
    file.open(out_path, std::ios::trunc);
    if (!file) return Fail("cannot write " + out_path);
    out = &file;
  }
  codec::EventJson json;
  ProgressLine progress("export");
  uint64_t total = (*log)->Head().seq, done = 0;
  auto s = (*log)->Scan(1, UINT64_MAX, [&](const ledger::RecordedEvent& e) {
    *out << ToCloudEvent(json, e) << "\n";
    if (++done % 65536 == 0) progress(done, total);
    return true;
  });
  if (!s.ok()) return Fail(s);
  progress(done, total);
  if (!*out) return Fail("writing the export failed");
  return 0;
}

// An import is all or nothing as the data folder shows it. It writes into a staging ledger beside
// the folder's own, <data>/ledger.importing-<pid>, and only once the last event is appended and
// every file of it synced does it take the place of <data>/ledger (two renames within the folder,
// then a sync of the folder). Killed at any moment before, the folder's ledger is what it was:
// empty, so nothing that looks like a finished import is ever verified or served. Between the two
// renames there is no <data>/ledger at all (ledgerctl says so; ledgerd would start an empty one),
// which is no more mistaken for a finished import.
//
// The staging ledger lives inside the data folder rather than beside it because the folder
// already holds what `ledgerctl init` made (the signing key, tokens), which the import keeps, and
// a rename is atomic only within one file system.
//
// The folder's own ledger stays open (so locked) throughout: a ledgerd cannot start on it, nor
// another import run, meanwhile. Whoever holds that lock may therefore remove any
// ledger.importing-* left behind: it is what a killed import leaves, and the next import removes
// it. A failed import removes its own.
namespace {

namespace fs = std::filesystem;

constexpr const char kStagingPrefix[] = "ledger.importing-";

// A folder removed with everything in it unless kept.
class Staging {
 public:
  explicit Staging(std::string path) : path_(std::move(path)) {}
  ~Staging() {
    if (path_.empty()) return;
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  const std::string& path() const { return path_; }
  void Keep() { path_.clear(); }

 private:
  std::string path_;
};

ledger::Status SyncPath(const fs::path& path, bool directory) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
  if (fd < 0) return ledger::Status::IOError("cannot open " + path.string() + " to sync it");
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return ledger::Status::IOError("cannot sync " + path.string());
  return ledger::Status::Ok();
}

// Every file under `dir`, and every folder, on disk: the staging ledger was written without a
// sync per event, for speed, and must be whole before it is renamed into place.
ledger::Status SyncTree(const std::string& dir) {
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    bool is_dir = it->is_directory(error);
    if (error) break;
    if (!is_dir && !it->is_regular_file(error)) continue;
    auto s = SyncPath(it->path(), is_dir);
    if (!s.ok()) return s;
  }
  if (error) return ledger::Status::IOError("cannot list " + dir + ": " + error.message());
  return SyncPath(dir, true);
}

// For the test of an import killed part way (tests/ledgerctl_test.cc): the number of events after
// which the import kills itself, as SIGKILL would; 0 when unset.
uint64_t KillAfterForTest() {
  const char* text = std::getenv("LEDGERCTL_TEST_KILL_IMPORT_AFTER");
  if (text == nullptr) return 0;
  char* end = nullptr;
  unsigned long long n = std::strtoull(text, &end, 10);
  return end != text && *end == '\0' ? n : 0;
}

}  // namespace

int ImportEvents(const std::string& data, const std::string& in_path) {
  std::ifstream file(in_path);
  if (!file) return Fail("cannot read " + in_path);
  auto target = OpenLedger(data, true);
  if (!target.ok()) return Fail(target.status());
  uint64_t held = (*target)->Head().seq;
  if (held != 0) {
    return Fail("the ledger in " + data + " already holds " + std::to_string(held) +
                " events; an export is imported whole, from sequence 1, into a data folder "
                "without events (ledgerctl import --data NEWDIR --in " +
                in_path + ")");
  }
  std::error_code error;
  std::vector<fs::path> left;
  for (fs::directory_iterator it(data, error), end; !error && it != end; it.increment(error)) {
    if (it->path().filename().string().rfind(kStagingPrefix, 0) == 0) left.push_back(it->path());
  }
  if (error) return Fail("cannot list " + data + ": " + error.message());
  for (const auto& path : left) {
    fs::remove_all(path, error);
    if (error) return Fail("cannot remove " + path.string() + ": " + error.message());
    std::cerr << "ledgerctl: removed " << path.string()
              << ", left by an import that did not finish\n";
  }

  Staging staging(data + "/" + kStagingPrefix + std::to_string(::getpid()));
  int64_t recorded_at = 0;
  ledger::Options options;
  // Synced once, whole, at the end (SyncTree).
  options.sync = false;
  // Replays each event's recorded time, so the restored bytes and hashes are the original ones.
  options.clock = [&recorded_at] { return recorded_at; };
  // Each event is appended in the form its hash fixes, normal or written before that rule.
  options.normalize = false;
  auto log = ledger::Ledger::Open(staging.path(), options);
  if (!log.ok()) return Fail(log.status());
  codec::EventJson json;
  ProgressLine progress("import", /*when_piped=*/true);
  const uint64_t kill_after = KillAfterForTest();
  constexpr uint64_t kProgressEvery = 4096;
  auto result =
      ImportCloudEvents(json, log->get(), file, &recorded_at, [&](uint64_t done, uint64_t total) {
        if (done == kill_after) ::kill(::getpid(), SIGKILL);
        if (done % kProgressEvery == 0 || done == total) {
          progress(done, total);
        }
      });
  if (!result.ok()) return Fail(result.status());
  log->reset();
  auto synced = SyncTree(staging.path());
  if (!synced.ok()) return Fail(synced);

  // Into place: the empty ledger aside, the staging ledger in, then the folder synced so that
  // both renames last.
  std::string ledger_dir = data + "/ledger";
  std::string aside = staging.path() + ".empty";
  target->reset();
  fs::rename(ledger_dir, aside, error);
  if (error) return Fail("cannot move the empty " + ledger_dir + " aside: " + error.message());
  fs::rename(staging.path(), ledger_dir, error);
  if (error) {
    std::error_code ignored;
    fs::rename(aside, ledger_dir, ignored);
    return Fail("cannot move the imported ledger " + staging.path() + " to " + ledger_dir + ": " +
                error.message() + " (did a ledgerd start on " + data + " meanwhile?)");
  }
  staging.Keep();
  synced = SyncPath(data, true);
  if (!synced.ok()) return Fail(synced);
  fs::remove_all(aside, error);
  if (error) std::cerr << "ledgerctl: cannot remove " << aside << ": " << error.message() << "\n";

  // Said, not refused: the chain fixes those bytes, and they are restored as they were.
  constexpr size_t kMostNamed = 20;
  const auto& legacy = result->written_before_normalisation;
  for (size_t i = 0; i < std::min(legacy.size(), kMostNamed); ++i) {
    std::cout << "line " << legacy[i]
              << ": event hashes right only in the form written before normalisation\n";
  }
  if (legacy.size() > kMostNamed) {
    std::cout << "... and " << legacy.size() - kMostNamed << " more lines like it\n";
  }
  std::cout << "imported " << result->imported << " events, head " << result->head.seq << " "
            << ledger::ToHex(result->head.hash) << "\n";
  return 0;
}

}  // namespace ctl
