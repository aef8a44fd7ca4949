// A full disk and a read-only data folder, for real: a small tmpfs is mounted, filled with a
// filler file until writes fail, remounted read-only, and given back. The ledger must refuse
// appends with a clear error and write nothing of them, keep serving reads, and take appends
// again by itself once it can write, with every acknowledged event intact and the chain whole.
// The same over HTTP with the real ledgerd in a child process.
//
// Mounting needs privileges (root, or a user namespace where they are allowed). Where neither is
// available the tests exit with the status ctest reports as skipped; they never pass silently.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/server_fixture.h"
#include "http/tokens.h"
#include "ledger/ledger.h"
#include "projections/engine.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using State = ledger::StorageHealth::State;

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  return static_cast<bool>(out.flush());
}

// Without root, a user namespace of our own may still allow mounting a tmpfs. Only possible while
// the process has one thread: each test case runs in a process of its own under ctest.
bool EnterUserNamespace() {
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return false;
  WriteFile("/proc/self/setgroups", "deny");
  if (!WriteFile("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n")) return false;
  if (!WriteFile("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n")) return false;
  return mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
}

// A tmpfs of `megabytes` on a fresh folder, unmounted and removed at the end.
class Tmpfs {
 public:
  explicit Tmpfs(int megabytes) : options_("size=" + std::to_string(megabytes) + "m") {
    path_ = dir_.sub("mnt");
    fs::create_directories(path_);
    if (mount("none", path_.c_str(), "tmpfs", 0, options_.c_str()) == 0) {
      mounted_ = true;
      return;
    }
    error_ = std::string("mount -t tmpfs: ") + std::strerror(errno);
    if (errno == EPERM && EnterUserNamespace() &&
        mount("none", path_.c_str(), "tmpfs", 0, options_.c_str()) == 0) {
      mounted_ = true;
      return;
    }
    error_ += "; in a user namespace: " + std::string(std::strerror(errno));
  }
  ~Tmpfs() {
    if (mounted_) umount2(path_.c_str(), MNT_DETACH);
  }

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  std::string path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

  // Remounts read-only or read-write; false (with errno) if the kernel refuses.
  bool Remount(bool read_only) {
    std::string options = options_ + (read_only ? ",ro" : ",rw");
    unsigned long flags = MS_REMOUNT | (read_only ? MS_RDONLY : 0);
    return mount("none", path_.c_str(), "tmpfs", flags, options.c_str()) == 0;
  }

  // Writes a filler file until the disk is full; returns its size.
  size_t Fill() {
    std::string filler = sub("filler");
    int fd = open(filler.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    std::string block(64 << 10, 'x');
    size_t written = 0;
    // Bounded by the mount's size: 64 KiB blocks, then single pages, then single bytes.
    for (size_t chunk : {block.size(), size_t{4096}, size_t{1}}) {
      for (int i = 0; i < 100000; ++i) {
        ssize_t n = write(fd, block.data(), chunk);
        if (n <= 0) break;
        written += static_cast<size_t>(n);
      }
    }
    close(fd);
    return written;
  }
  void Unfill() { fs::remove(sub("filler")); }

 private:
  testing::TempDir dir_;
  std::string path_;
  std::string options_;
  std::string error_;
  bool mounted_ = false;
};

// The exit status ctest counts as "skipped" for these tests (SKIP_RETURN_CODE in CMakeLists.txt).
constexpr int kSkipped = 77;

// Ends the process with kSkipped when no tmpfs could be mounted, so that ctest reports the test as
// skipped rather than passed. Under ctest each test case is a process of its own; a run of the
// whole program by hand stops at the first such case.
#define REQUIRE_TMPFS(mount)                                                                  \
  if (!(mount).mounted()) {                                                                   \
    std::fprintf(stderr,                                                                      \
                 "SKIPPED: cannot mount a tmpfs here (%s); the disk-full tests need root or " \
                 "user namespaces\n",                                                         \
                 (mount).error().c_str());                                                    \
    std::fflush(nullptr);                                                                     \
    std::filesystem::remove_all(std::filesystem::path((mount).path()).parent_path());         \
    std::exit(kSkipped);                                                                      \
  }

template <class Predicate>
bool WaitUntil(Predicate done, std::chrono::milliseconds limit = std::chrono::seconds(15)) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// Checks often, and takes appends again with half of the 16 MiB disk free.
ledger::Options FastRetries() {
  ledger::Options options;
  options.retry_interval = std::chrono::milliseconds(100);
  options.resume_free_bytes = 8 << 20;
  return options;
}

// Appends complaint `n`, in a stream of its own.
ledger::Result<ledger::AppendResult> AppendOne(ledger::Ledger& log, int n) {
  std::string id = "c-" + std::to_string(n);
  auto e = testing::Complaint(id, id, "漏水 " + std::string(200, 'x'));
  std::vector<ledger::schema::Event::Reader> one = {e.reader()};
  return log.Append("complaint/" + id, ledger::ExpectedVersion::NoStream(), one);
}

// Appends complaints 1 to `count` to a new ledger, each acknowledged, and records their hashes.
void AppendAcknowledged(ledger::Ledger& log, int count, std::map<uint64_t, ledger::Hash>* acked) {
  for (int n = 1; n <= count; ++n) {
    auto r = AppendOne(log, n);
    REQUIRE(r.ok());
    (*acked)[r->seqs[0]] = r->head.hash;
  }
}

// Every acknowledged event is where it was acknowledged with the same hash, and the chain
// verifies with no gap up to the head.
void CheckIntact(ledger::Ledger& log, const std::map<uint64_t, ledger::Hash>& acked) {
  auto report = log.Verify();
  REQUIRE(report.ok());
  INFO(report->problem);
  CHECK(report->ok);
  CHECK(report->checked == log.Head().seq);
  for (const auto& [seq, hash] : acked) {
    auto e = log.Read(seq);
    REQUIRE(e.ok());
    CHECK(e->hash() == hash);
    CHECK(std::string(e->event().getEventId().cStr()) == "c-" + std::to_string(seq));
  }
}

// Appends new complaints until one is refused; returns the refusal. Numbering follows the seq so
// that CheckIntact can name the expected event id.
ledger::Status AppendUntilRefused(ledger::Ledger& log, std::map<uint64_t, ledger::Hash>* acked) {
  for (int i = 0; i < 20000; ++i) {
    int n = static_cast<int>(log.Head().seq) + 1;
    auto r = AppendOne(log, n);
    if (!r.ok()) return r.status();
    REQUIRE(r->seqs.size() == 1);
    REQUIRE(r->seqs[0] == static_cast<uint64_t>(n));
    (*acked)[r->seqs[0]] = r->head.hash;
  }
  FAIL("20000 appends on a full disk all succeeded");
  return ledger::Status::Ok();
}

}  // namespace

TEST_CASE("a full disk refuses appends keeps reads and recovers with nothing lost", "[disk]") {
  Tmpfs disk(16);
  REQUIRE_TMPFS(disk);
  std::string dir = disk.sub("ledger");
  std::map<uint64_t, ledger::Hash> acked;
  {
    auto log = std::move(ledger::Ledger::Open(dir, FastRetries())).value();
    AppendAcknowledged(*log, 200, &acked);
    CHECK(log->Storage().writable());

    REQUIRE(disk.Fill() > 0);
    ledger::Status refused = AppendUntilRefused(*log, &acked);
    INFO(refused.ToString());
    CHECK(refused.code() == ledger::Code::kIOError);
    CHECK_THAT(refused.message(), Catch::Contains("is full") &&
                                      Catch::Contains("nothing of this append was written") &&
                                      Catch::Contains("appends resume by themselves"));
    ledger::StorageHealth health = log->Storage();
    CHECK(health.state == State::kNoSpace);
    CHECK(health.failures >= 1);
    CHECK(health.since_ms > 0);
    uint64_t head = log->Head().seq;

    // Still refused while full, without writing; a retry of an acknowledged append is still
    // answered from what is stored.
    for (int i = 0; i < 5; ++i) {
      auto again = AppendOne(*log, static_cast<int>(head) + 1);
      CHECK(again.status().code() == ledger::Code::kIOError);
    }
    auto retry = AppendOne(*log, 7);
    REQUIRE(retry.ok());
    CHECK(retry->duplicate);
    CHECK(retry->seqs == std::vector<uint64_t>{7});
    CHECK(log->Head().seq == head);

    // Reads go on.
    auto page = log->ReadForward(1, 1000);
    REQUIRE(page.ok());
    CHECK(page->size() == head);
    CheckIntact(*log, acked);

    // Space returns: the ledger notices by itself, without an append.
    disk.Unfill();
    REQUIRE(WaitUntil([&] { return log->Storage().writable(); }));
    CHECK(log->Storage().recoveries == 1);
    CHECK(log->Head().seq == head);
    for (int i = 0; i < 50; ++i) {
      auto r = AppendOne(*log, static_cast<int>(head) + 1 + i);
      REQUIRE(r.ok());
      CHECK(r->seqs[0] == head + 1 + i);  // no gap where the refused appends were
      acked[r->seqs[0]] = r->head.hash;
    }
    CheckIntact(*log, acked);
  }
  // And after closing and opening again.
  auto log = std::move(ledger::Ledger::Open(dir, FastRetries())).value();
  CHECK(log->Storage().writable());
  CHECK(log->Head().seq == acked.rbegin()->first);
  CheckIntact(*log, acked);
}

TEST_CASE("a ledger on a read-only folder serves reads and takes appends once writable", "[disk]") {
  Tmpfs disk(16);
  REQUIRE_TMPFS(disk);
  std::string dir = disk.sub("ledger");
  std::map<uint64_t, ledger::Hash> acked;
  {
    auto log = std::move(ledger::Ledger::Open(dir, FastRetries())).value();
    AppendAcknowledged(*log, 50, &acked);
  }
  REQUIRE(disk.Remount(true));
  auto opened = ledger::Ledger::Open(dir, FastRetries());
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  auto log = std::move(opened).value();
  ledger::StorageHealth health = log->Storage();
  CHECK(health.state == State::kReadOnly);
  CHECK_THAT(health.problem, Catch::Contains("Read-only file system"));
  CHECK(log->Head().seq == 50);
  CheckIntact(*log, acked);
  auto refused = AppendOne(*log, 51);
  CHECK(refused.status().code() == ledger::Code::kIOError);
  CHECK_THAT(refused.status().message(),
             Catch::Contains("is read-only") && Catch::Contains("Reads still work"));

  REQUIRE(disk.Remount(false));
  REQUIRE(WaitUntil([&] { return log->Storage().writable(); }));
  auto r = AppendOne(*log, 51);
  REQUIRE(r.ok());
  CHECK(r->seqs[0] == 51);
  acked[51] = r->head.hash;
  CheckIntact(*log, acked);
}

TEST_CASE("a folder that turns read-only under a running ledger loses nothing", "[disk]") {
  Tmpfs disk(16);
  REQUIRE_TMPFS(disk);
  std::string dir = disk.sub("ledger");
  std::map<uint64_t, ledger::Hash> acked;
  {
    auto log = std::move(ledger::Ledger::Open(dir, FastRetries())).value();
    AppendAcknowledged(*log, 50, &acked);
    // Linux refuses to remount a file system read-only while files on it are open for writing,
    // so it becomes read-only under a running ledger only after a failed write, once the ledger
    // has reopened its store read-only (or when the kernel forces it after I/O errors).
    REQUIRE(disk.Fill() > 0);
    ledger::Status refused = AppendUntilRefused(*log, &acked);
    CHECK(log->Storage().state == State::kNoSpace);
    uint64_t head = log->Head().seq;
    // The ledger reopens its store read-only right after answering the failed append.
    REQUIRE(WaitUntil([&] { return disk.Remount(true); }, std::chrono::seconds(5)));
    REQUIRE(WaitUntil([&] { return log->Storage().state == State::kReadOnly; }));
    auto again = AppendOne(*log, static_cast<int>(head) + 1);
    CHECK(again.status().code() == ledger::Code::kIOError);
    CHECK_THAT(again.status().message(), Catch::Contains("is read-only"));
    CHECK(log->Head().seq == head);
    CheckIntact(*log, acked);

    // Writable but still full, then space.
    REQUIRE(disk.Remount(false));
    REQUIRE(WaitUntil([&] { return log->Storage().state == State::kNoSpace; }));
    disk.Unfill();
    REQUIRE(WaitUntil([&] { return log->Storage().writable(); }));
    for (uint64_t n = head + 1; n <= head + 10; ++n) {
      auto r = AppendOne(*log, static_cast<int>(n));
      REQUIRE(r.ok());
      CHECK(r->seqs[0] == n);
      acked[r->seqs[0]] = r->head.hash;
    }
  }
  auto log = std::move(ledger::Ledger::Open(dir, FastRetries())).value();
  CHECK(log->Head().seq == acked.rbegin()->first);
  CheckIntact(*log, acked);
}

TEST_CASE("a ledger held by another opener does not open read-only on a full disk", "[disk]") {
  Tmpfs disk(16);
  REQUIRE_TMPFS(disk);
  std::string dir = disk.sub("ledger");
  auto first = std::move(ledger::Ledger::Open(dir, FastRetries())).value();
  REQUIRE(AppendOne(*first, 1).ok());
  REQUIRE(disk.Fill() > 0);
  // Locked is locked, full disk or not: a second server on the same folder must not start.
  auto second = ledger::Ledger::Open(dir, FastRetries());
  REQUIRE_FALSE(second.ok());
  CHECK_THAT(second.status().message(), Catch::Contains("LOCK"));
}

// --- the real service ----------------------------------------------------------------------------

namespace {

// ledgerd in a child process; its port read from its first line of output.
class Daemon {
 public:
  // `tmp`: the child's TMPDIR, where it keeps views it cannot write in `data`.
  explicit Daemon(const std::string& data, const std::string& tmp = "") {
    int out[2];
    REQUIRE(pipe(out) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      if (!tmp.empty()) setenv("TMPDIR", tmp.c_str(), 1);
      execl(LEDGERD_PATH, LEDGERD_PATH, "--listen", "127.0.0.1", "--port", "0", "--data",
            data.c_str(), "--resume-free-mb", "8", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    close(out[0]);
    auto at = line.find("127.0.0.1:");
    if (at == std::string::npos) {
      int status = Stop(SIGKILL);
      INFO("ledgerd ended before listening: "
           << (WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                   : "exit status " + std::to_string(WEXITSTATUS(status))));
      FAIL("ledgerd did not start (its first line: \"" << line << "\")");
    }
    port_ = static_cast<uint16_t>(std::stoi(line.substr(at + 10)));
  }
  ~Daemon() { Stop(SIGKILL); }

  // Whether the process still runs; if not, how it ended.
  bool Alive(std::string* how) {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == 0) return true;
    pid_ = -1;
    *how = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                               : "exited with " + std::to_string(WEXITSTATUS(status));
    return false;
  }

  // Sends `signal`, waits for the process to end, and returns its wait status.
  int Stop(int signal) {
    if (pid_ <= 0) return 0;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

#define REQUIRE_ALIVE(daemon)          \
  do {                                 \
    std::string how;                   \
    bool alive = (daemon).Alive(&how); \
    INFO("ledgerd " << how);           \
    REQUIRE(alive);                    \
  } while (false)

std::string ComplaintJson(const std::string& id) {
  return R"({"eventId":")" + id + R"(","type":"complaintFiled","data":{"complaintId":")" + id +
         R"(","estateId":"estate/e-1","category":"water","summary":"漏水 )" +
         std::string(200, 'x') + R"("}})";
}

}  // namespace

TEST_CASE("ledgerd answers 503 on a full disk serves reads and recovers", "[disk]") {
  Tmpfs disk(16);
  REQUIRE_TMPFS(disk);
  std::string data = disk.sub("data");
  fs::create_directories(data);
  http::TokenStore tokens(data + "/tokens");
  http::Principal admin;
  admin.role = ledger::schema::Role::ADMIN;
  admin.actor_id = "person/admin";
  std::string token = *tokens.Create(admin);

  std::map<uint64_t, std::string> acked;  // seq -> event id
  int next = 0;
  auto append = [&](testing::HttpClient& client) {
    std::string id = "h-" + std::to_string(++next);
    auto r =
        client.Send("POST", "/v1/streams/complaint%2F" + id + "/events", token, ComplaintJson(id));
    if (r.status == 201) acked[r.json().at("seqs").at(0).to_number<uint64_t>()] = id;
    return r;
  };
  {
    Daemon daemon(data);
    testing::HttpClient client(daemon.port());
    for (int i = 0; i < 100; ++i) REQUIRE(append(client).status == 201);

    REQUIRE(disk.Fill() > 0);
    testing::HttpReply refused;
    for (int i = 0; i < 20000 && refused.status != 503; ++i) {
      refused = append(client);
      REQUIRE_ALIVE(daemon);
      REQUIRE((refused.status == 201 || refused.status == 503));
    }
    INFO(refused.body);
    REQUIRE(refused.status == 503);
    CHECK(refused.content_type == "application/problem+json");
    CHECK(refused.headers["Retry-After"] == "1");
    auto problem = refused.json();
    CHECK(problem.at("type").as_string() == "/problems/storage");
    CHECK_THAT(std::string(problem.at("detail").as_string()),
               Catch::Contains("is full") && Catch::Contains("Reads still work"));
    CHECK(problem.at("storage").at("writable").as_bool() == false);
    CHECK(problem.at("storage").at("state").as_string() == "noSpace");
    uint64_t head = client.Send("GET", "/v1/head", token).json().at("seq").to_number<uint64_t>();
    CHECK(head == acked.rbegin()->first);

    // Reads, the health check and the metrics while full.
    for (const auto& [seq, id] : acked) {
      auto e = client.Send("GET", "/v1/events/" + std::to_string(seq), token);
      REQUIRE(e.status == 200);
      CHECK(e.json().at("event").at("eventId").as_string() == id);
    }
    CHECK(client.Send("GET", "/v1/verify", token).json().at("ok").as_bool());
    auto health = client.Send("GET", "/healthz", "");
    CHECK(health.status == 200);
    CHECK(health.json().at("status").as_string() == "degraded");
    CHECK(health.json().at("storage").at("state").as_string() == "noSpace");
    CHECK_THAT(client.Send("GET", "/metrics", "").body,
               Catch::Contains("ledger_storage_writable 0") &&
                   Catch::Contains("ledger_storage_state{state=\"noSpace\"} 1"));
    REQUIRE_ALIVE(daemon);

    // Space returns.
    disk.Unfill();
    REQUIRE(WaitUntil([&] {
      return client.Send("GET", "/healthz", "").json().at("storage").at("writable").as_bool();
    }));
    auto again = append(client);
    INFO(again.body);
    REQUIRE(again.status == 201);
    uint64_t seq = again.json().at("seqs").at(0).to_number<uint64_t>();
    CHECK(seq == head + 1);
    CHECK(client.Send("GET", "/metrics", "").body.find("ledger_storage_writable 1") !=
          std::string::npos);
    // The views catch up with what was appended before, during and after.
    auto view = client.Send(
        "GET",
        "/v1/views/complaints?estate=estate/e-1&atLeast=" + std::to_string(seq) + "&wait=10000",
        token);
    INFO(view.body);
    CHECK(view.status == 200);
    REQUIRE_ALIVE(daemon);
    daemon.Stop(SIGKILL);
  }
  // Nothing acknowledged was lost, after a crash too.
  Daemon daemon(data);
  testing::HttpClient client(daemon.port());
  auto verify = client.Send("GET", "/v1/verify", token).json();
  CHECK(verify.at("ok").as_bool());
  CHECK(verify.at("head").at("seq").to_number<uint64_t>() == acked.rbegin()->first);
  for (const auto& [seq, id] : acked) {
    auto e = client.Send("GET", "/v1/events/" + std::to_string(seq), token);
    REQUIRE(e.status == 200);
    CHECK(e.json().at("event").at("eventId").as_string() == id);
  }
}

TEST_CASE("ledgerd on a read-only data folder serves reads and takes appends once writable",
          "[disk]") {
  Tmpfs disk(16);
  REQUIRE_TMPFS(disk);
  std::string data = disk.sub("data");
  fs::create_directories(data);
  http::TokenStore tokens(data + "/tokens");
  http::Principal admin;
  admin.role = ledger::schema::Role::ADMIN;
  admin.actor_id = "person/admin";
  std::string token = *tokens.Create(admin);
  std::map<uint64_t, std::string> acked;
  {
    Daemon daemon(data);
    testing::HttpClient client(daemon.port());
    for (int i = 1; i <= 20; ++i) {
      std::string id = "r-" + std::to_string(i);
      auto r = client.Send("POST", "/v1/streams/complaint%2F" + id + "/events", token,
                           ComplaintJson(id));
      REQUIRE(r.status == 201);
      acked[r.json().at("seqs").at(0).to_number<uint64_t>()] = id;
    }
    daemon.Stop(SIGTERM);
  }
  REQUIRE(disk.Remount(true));
  testing::TempDir tmp;
  Daemon daemon(data, tmp.path());
  testing::HttpClient client(daemon.port());
  auto health = client.Send("GET", "/healthz", "").json();
  CHECK(health.at("status").as_string() == "degraded");
  CHECK(health.at("storage").at("state").as_string() == "readOnly");
  for (const auto& [seq, id] : acked) {
    auto e = client.Send("GET", "/v1/events/" + std::to_string(seq), token);
    REQUIRE(e.status == 200);
    CHECK(e.json().at("event").at("eventId").as_string() == id);
  }
  auto view = client.Send("GET", "/v1/views/complaints?estate=estate/e-1&atLeast=20", token);
  INFO(view.body);
  CHECK(view.status == 200);
  auto refused =
      client.Send("POST", "/v1/streams/complaint%2Fr-21/events", token, ComplaintJson("r-21"));
  INFO(refused.body);
  CHECK(refused.status == 503);
  CHECK(refused.headers["Retry-After"] == "1");
  CHECK_THAT(refused.body, Catch::Contains("is read-only"));

  REQUIRE(disk.Remount(false));
  testing::HttpReply accepted;
  REQUIRE(WaitUntil([&] {
    accepted =
        client.Send("POST", "/v1/streams/complaint%2Fr-21/events", token, ComplaintJson("r-21"));
    return accepted.status == 201;
  }));
  CHECK(accepted.json().at("seqs").at(0).to_number<uint64_t>() == 21);
  CHECK(client.Send("GET", "/v1/verify", token).json().at("ok").as_bool());
  // The views were kept in a temporary folder, which a clean stop removes.
  CHECK_FALSE(fs::is_empty(tmp.path()));
  int stopped = daemon.Stop(SIGTERM);
  CHECK(WIFEXITED(stopped));
  CHECK(WEXITSTATUS(stopped) == 0);
  CHECK(fs::is_empty(tmp.path()));
}

TEST_CASE("ledgerd stops cleanly on a full disk and starts again with nothing lost", "[disk]") {
  Tmpfs disk(16);
  REQUIRE_TMPFS(disk);
  std::string data = disk.sub("data");
  fs::create_directories(data);
  http::TokenStore tokens(data + "/tokens");
  http::Principal admin;
  admin.role = ledger::schema::Role::ADMIN;
  admin.actor_id = "person/admin";
  std::string token = *tokens.Create(admin);
  std::map<uint64_t, std::string> acked;
  int next = 0;
  auto append = [&](testing::HttpClient& client) {
    std::string id = "s-" + std::to_string(++next);
    auto r =
        client.Send("POST", "/v1/streams/complaint%2F" + id + "/events", token, ComplaintJson(id));
    if (r.status == 201) acked[r.json().at("seqs").at(0).to_number<uint64_t>()] = id;
    return r.status;
  };
  {
    Daemon daemon(data);
    testing::HttpClient client(daemon.port());
    for (int i = 0; i < 100; ++i) REQUIRE(append(client) == 201);
    REQUIRE(disk.Fill() > 0);
    int status = 201;
    for (int i = 0; i < 20000 && status == 201; ++i) status = append(client);
    REQUIRE(status == 503);
    // The views still have to be written on the way out, to a full disk, and RocksDB writes its
    // info log every few seconds: wait for that, then stop.
    std::this_thread::sleep_for(std::chrono::seconds(6));
    int stopped = daemon.Stop(SIGTERM);
    INFO("wait status " << stopped);
    CHECK(WIFEXITED(stopped));
    CHECK(WEXITSTATUS(stopped) == 0);
  }
  {
    // Started again while the disk is still full: reads, no appends.
    Daemon daemon(data);
    testing::HttpClient client(daemon.port());
    auto health = client.Send("GET", "/healthz", "").json();
    CHECK(health.at("storage").at("writable").as_bool() == false);
    CHECK(health.at("head").at("seq").to_number<uint64_t>() == acked.rbegin()->first);
    CHECK(append(client) == 503);
    for (const auto& [seq, id] : acked) {
      auto e = client.Send("GET", "/v1/events/" + std::to_string(seq), token);
      REQUIRE(e.status == 200);
      CHECK(e.json().at("event").at("eventId").as_string() == id);
    }
    int stopped = daemon.Stop(SIGTERM);
    INFO("wait status " << stopped);
    CHECK(WIFEXITED(stopped));
    CHECK(WEXITSTATUS(stopped) == 0);
  }
  disk.Unfill();
  Daemon daemon(data);
  testing::HttpClient client(daemon.port());
  REQUIRE(WaitUntil([&] { return append(client) == 201; }));
  auto view = client.Send("GET",
                          "/v1/views/complaints?estate=estate/e-1&atLeast=" +
                              std::to_string(acked.rbegin()->first) + "&wait=10000",
                          token);
  INFO(view.body);
  CHECK(view.status == 200);
  CHECK(client.Send("GET", "/v1/verify", token).json().at("ok").as_bool());
  for (const auto& [seq, id] : acked) {
    auto e = client.Send("GET", "/v1/events/" + std::to_string(seq), token);
    REQUIRE(e.status == 200);
    CHECK(e.json().at("event").at("eventId").as_string() == id);
  }
  int stopped = daemon.Stop(SIGTERM);
  CHECK(WIFEXITED(stopped));
  CHECK(WEXITSTATUS(stopped) == 0);
}

TEST_CASE("views whose store is full are seen failing and catch up once it has room", "[disk]") {
  Tmpfs disk(16);
  REQUIRE_TMPFS(disk);
  // The ledger has room; only the views' store is on the disk that fills.
  testing::TempDir ledger_dir;
  std::map<uint64_t, ledger::Hash> acked;
  auto log = std::move(ledger::Ledger::Open(ledger_dir.sub("ledger"), {})).value();
  projections::EngineOptions options;
  options.flush_events = 1;  // every write of the views asks for their files on the disk
  options.write_interval = std::chrono::milliseconds(0);
  auto engine = std::move(projections::Engine::Open(log.get(), disk.sub("views"), options)).value();
  engine->StartFollowing();
  AppendAcknowledged(*log, 20, &acked);
  REQUIRE(engine->WaitFor(20, std::chrono::seconds(10)).ok());
  projections::FollowerHealth before = engine->Following();
  CHECK_FALSE(before.failing);
  CHECK(before.failures == 0);
  CHECK(before.last_error.empty());

  REQUIRE(disk.Fill() > 0);
  int next = 21;
  bool failing = WaitUntil(
      [&] {
        REQUIRE(AppendOne(*log, next++).ok());
        return engine->Following().failing;
      },
      std::chrono::seconds(30));
  REQUIRE(failing);
  projections::FollowerHealth during = engine->Following();
  CHECK(during.failures >= 1);
  CHECK(during.recoveries == 0);
  INFO(during.last_error);
  CHECK_THAT(during.last_error, Catch::StartsWith("I/O error"));

  // Room again: the follower recovers by itself and applies everything, the failure remembered.
  disk.Unfill();
  REQUIRE(WaitUntil([&] { return !engine->Following().failing; }, std::chrono::seconds(30)));
  uint64_t head = log->Head().seq;
  CHECK(head == static_cast<uint64_t>(next - 1));
  REQUIRE(engine->WaitFor(head, std::chrono::seconds(10)).ok());
  projections::FollowerHealth after = engine->Following();
  CHECK(after.recoveries == 1);
  CHECK(after.failures >= during.failures);
  CHECK_FALSE(after.last_error.empty());
}
