// crash_drill: kill -9 the real ledgerd while clients append, restart it, and prove that nothing
// acknowledged was lost or changed.
//
//   crash_drill --cycles 20 --appenders 4 [--seed S] [--data DIR] [--ledgerd PATH]
//   crash_drill --check --data DIR        # re-check a kept folder against its journal
//
// Each cycle starts ledgerd on DIR/data, retries the appends that were in flight when the
// previous cycle's server died, runs concurrent appenders over HTTP that write every
// acknowledged event to a journal (DIR/acks.tsv), and sends SIGKILL at a random moment. Then,
// on a copy of the data folder exactly as the dead server left it (the next cycle restarts on the
// original, so the server's own recovery is exercised too), it checks:
//
//  - the chain verifies from the first event, with no gap, up to the head;
//  - every acknowledged event is at its acknowledged sequence number with its stream, stream
//    version, event id, actor and payload exactly as sent, and the chain hash at every
//    acknowledged head is the one the server answered (which vouches for every event before it);
//  - no event id was acknowledged at two positions, and a retried in-flight append is either a
//    duplicate of a whole earlier append or appended whole (never partly);
//  - the views' stored checkpoint is not ahead of the log and sits on the chain, and the views,
//    loaded from their store and caught up, equal a rebuild from the first event.
//
// After a restart, the server's head must equal the head the check found. The last restart ends
// with SIGTERM, which must stop the server cleanly, and the folder is checked once more.
//
// Exit status: 0 when every check passed; 1 on the first violation (the message says what, the
// folder is kept); 2 when the drill itself could not run.
//
// This file runs the cycles; beside it, crash_drill_server starts and kills ledgerd and talks HTTP
// to it, crash_drill_workload builds what the appenders send, crash_drill_journal keeps what was
// acknowledged, and crash_drill_check holds a data folder to that journal.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "crash_drill_check.h"
#include "crash_drill_common.h"
#include "crash_drill_journal.h"
#include "crash_drill_server.h"
#include "crash_drill_workload.h"
#include "http/tokens.h"
#include "ledger/ledger.h"

namespace crash_drill {
namespace {

namespace fs = std::filesystem;

// --- the drill --------------------------------------------------------------------------------

struct Settings {
  int cycles = 20;
  int appenders = 4;
  uint64_t seed = 0;
  std::string dir;
  std::string ledgerd;
  int max_kill_ms = 1500;
};

constexpr const char* kActor = "person/crash-drill";

// What the appenders of one cycle report back from their threads.
struct CycleReports {
  base::Mutex mu;
  std::optional<std::string> violation GUARDED_BY(mu);
  std::vector<Request> in_flight GUARDED_BY(mu);  // appends whose outcome the kill left unknown
};

class Drill {
 public:
  explicit Drill(Settings s)
      : s_(std::move(s)),
        data_(s_.dir + "/data"),
        journal_(s_.dir + "/acks.tsv"),
        log_(s_.dir + "/ledgerd.log"),
        random_(s_.seed) {}

  void Run() {
    fs::create_directories(data_);
    http::TokenStore tokens(data_ + "/tokens");
    http::Principal admin;
    admin.role = ledger::schema::Role::ADMIN;
    admin.actor_id = kActor;
    auto created = tokens.Create(admin);
    if (!created.ok()) throw DrillError{"cannot create a token: " + created.status().ToString()};
    token_ = *created;

    auto start = Clock::now();
    for (cycle_ = 1; cycle_ <= s_.cycles; ++cycle_) RunCycle();
    cycle_ = s_.cycles + 1;
    FinalStop();
    std::printf(
        "crash drill passed: %d cycles, %zu events acknowledged, head %llu, %zu view records, "
        "%.1f s\n",
        s_.cycles, journal_.total(), static_cast<unsigned long long>(expected_head_.seq),
        view_records_, SecondsSince(start));
  }

  int cycle() const { return cycle_; }

 private:
  Daemon StartServer() {
    std::string why;
    auto daemon = Daemon::Start(s_.ledgerd, data_, log_, &why);
    if (!daemon) throw Violation{"the server does not start on the folder it left: " + why};
    Client client(daemon->port());
    auto head = client.Send("GET", "/v1/head", token_);
    boost::json::error_code ec;
    auto body = boost::json::parse(head.body, ec);
    if (head.status != 200 || ec) {
      throw Violation{"GET /v1/head after the restart answered " + std::to_string(head.status) +
                      ": " + head.body};
    }
    uint64_t seq = body.at("seq").to_number<uint64_t>();
    std::string hash(body.at("hash").as_string());
    if (seq != expected_head_.seq || hash != ledger::ToHex(expected_head_.hash)) {
      throw Violation{"after the restart the server's head is " + std::to_string(seq) + " " + hash +
                      ", but the data folder it was killed on recovers to " +
                      std::to_string(expected_head_.seq) + " " +
                      ledger::ToHex(expected_head_.hash)};
    }
    return std::move(*daemon);
  }

  // Appends that were in flight when the server died: each must now be a duplicate of a whole
  // earlier append (200) or be appended whole (201).
  size_t RetryInFlight(uint16_t port) {
    if (in_flight_.empty()) return 0;
    Client client(port);
    size_t durable = 0;
    for (const Request& r : in_flight_) {
      auto reply =
          client.Send("POST", "/v1/streams/" + PercentEncode(r.stream) + "/events", token_, r.body);
      if (reply.status != 200 && reply.status != 201) {
        throw Violation{"retrying an append that was in flight at the kill (" + r.stream +
                        ") answered " + std::to_string(reply.status) + ": " + reply.body};
      }
      if (reply.status == 200) ++durable;
      if (auto bad = journal_.Record(r, reply.body)) throw Violation{*bad};
    }
    size_t n = in_flight_.size();
    in_flight_.clear();
    std::printf("  retried %zu appends in flight at the kill: %zu had been written, %zu had not\n",
                n, durable, n - durable);
    return n;
  }

  void RunCycle() {
    auto started = Clock::now();
    Daemon daemon = StartServer();
    RetryInFlight(daemon.port());

    std::atomic<bool> stop{false};
    CycleReports reports;
    std::vector<std::thread> appenders;
    for (int a = 0; a < s_.appenders; ++a) {
      uint64_t seed = random_();
      appenders.emplace_back([&, a, seed] {
        Workload work(cycle_, a, seed);
        std::optional<Request> sent;
        try {
          Client client(daemon.port());
          for (int i = 0; i < 1'000'000 && !stop; ++i) {
            sent = work.Next();
            auto reply =
                client.Send("POST", "/v1/streams/" + PercentEncode(sent->stream) + "/events",
                            token_, sent->body);
            if (reply.status != 201) {
              base::MutexLock lock(&reports.mu);
              reports.violation = "an append to " + sent->stream + " answered " +
                                  std::to_string(reply.status) +
                                  " while the server ran: " + reply.body;
              sent.reset();
              return;
            }
            if (auto bad = journal_.Record(*sent, reply.body)) {
              base::MutexLock lock(&reports.mu);
              reports.violation = *bad;
              sent.reset();
              return;
            }
            work.Acknowledged(*sent, reply.body);
            sent.reset();
          }
        } catch (const std::exception&) {
          // The server died under this request: its outcome is unknown until the retry.
        }
        if (sent) {
          base::MutexLock lock(&reports.mu);
          reports.in_flight.push_back(std::move(*sent));
        }
      });
    }

    // Mostly mid-stream, sometimes at once (during the first commits), sometimes late.
    int dice = static_cast<int>(random_() % 10);
    int kill_ms = dice < 2 ? static_cast<int>(random_() % 30)
                  : dice < 8
                      ? 30 + static_cast<int>(random_() % 600)
                      : 630 + static_cast<int>(random_() % std::max(1, s_.max_kill_ms - 630));
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_ms));
    daemon.Kill(SIGKILL);
    stop = true;
    for (auto& t : appenders) t.join();
    {
      base::MutexLock lock(&reports.mu);
      if (reports.violation) throw Violation{*reports.violation};
      for (Request& r : reports.in_flight) in_flight_.push_back(std::move(r));
    }
    size_t acknowledged = journal_.Save();

    // The check runs on a copy, so that the next start meets the folder exactly as it was left.
    std::string copy = s_.dir + "/check";
    fs::remove_all(copy);
    fs::create_directories(copy);
    fs::copy(data_, copy + "/data", fs::copy_options::recursive);
    auto summary = Check(copy + "/data", journal_path(), kActor, copy + "/rebuilt-views");
    fs::remove_all(copy);
    expected_head_ = ledger::Position{summary.head, summary.head_hash};
    view_records_ = summary.view_records;
    std::printf(
        "cycle %d/%d: killed after %d ms; %zu acknowledged (%zu in all), %zu in flight; head "
        "%llu, chain ok; acknowledged events intact; views checkpoint %llu, caught up = rebuild "
        "(%zu records); %.1f s\n",
        cycle_, s_.cycles, kill_ms, acknowledged, journal_.total(), in_flight_.size(),
        static_cast<unsigned long long>(summary.head),
        static_cast<unsigned long long>(summary.views_checkpoint), summary.view_records,
        SecondsSince(started));
    std::fflush(stdout);
  }

  // One last start: the retries, then SIGTERM must stop the server cleanly, and the folder it
  // leaves must pass every check.
  void FinalStop() {
    Daemon daemon = StartServer();
    RetryInFlight(daemon.port());
    journal_.Save();
    int status = daemon.Kill(SIGTERM);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw Violation{"SIGTERM did not stop the server cleanly (wait status " +
                      std::to_string(status) + "; its log: " + log_ + ")"};
    }
    auto summary = Check(data_, journal_path(), kActor, s_.dir + "/rebuilt-views");
    fs::remove_all(s_.dir + "/rebuilt-views");
    if (summary.views_checkpoint != summary.head) {
      throw Violation{"after a clean stop the views' checkpoint is " +
                      std::to_string(summary.views_checkpoint) + ", not the head " +
                      std::to_string(summary.head)};
    }
    expected_head_ = ledger::Position{summary.head, summary.head_hash};
    view_records_ = summary.view_records;
    std::printf("clean stop: SIGTERM exits 0; head %llu; %zu acknowledged events intact\n",
                static_cast<unsigned long long>(summary.head), summary.acknowledged);
  }

  std::string journal_path() const { return s_.dir + "/acks.tsv"; }

  Settings s_;
  std::string data_;
  Journal journal_;
  std::string log_;
  std::mt19937_64 random_;
  std::string token_;
  int cycle_ = 0;
  ledger::Position expected_head_;
  size_t view_records_ = 0;
  std::vector<Request> in_flight_;  // the drill's thread only; appenders report via CycleReports
};

std::string DefaultLedgerd() {
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("ledgerd") : (self.parent_path() / "ledgerd").string();
}

}  // namespace
}  // namespace crash_drill

int main(int argc, char** argv) {
  using namespace crash_drill;  // the drill's own names
  CLI::App app{"crash_drill: kill -9 ledgerd under concurrent appends and check what survived"};
  Settings s;
  bool check_only = false;
  bool keep = false;
  s.seed = std::random_device{}();
  s.ledgerd = DefaultLedgerd();
  app.add_option("--cycles", s.cycles, "kill and restart this many times")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--appenders", s.appenders, "concurrent appending clients")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--seed", s.seed, "seeds the workload and the kill moments (default: random)");
  app.add_option("--data", s.dir,
                 "the drill's folder, new or empty (ledgerd's data folder is DIR/data); default: "
                 "a temporary folder, removed when the drill passes");
  app.add_option("--ledgerd", s.ledgerd, "the ledgerd binary")->capture_default_str();
  app.add_option("--max-kill-ms", s.max_kill_ms, "the latest moment of a kill after a start")
      ->check(CLI::Range(700, 600000))
      ->capture_default_str();
  app.add_flag("--check", check_only, "only check DIR/data against DIR/acks.tsv (needs --data)");
  app.add_flag("--keep", keep, "keep the folder even when the drill passes");
  CLI11_PARSE(app, argc, argv);
  std::signal(SIGPIPE, SIG_IGN);

  if (check_only) {
    if (s.dir.empty()) {
      std::fprintf(stderr, "crash_drill: --check needs --data DIR\n");
      return 2;
    }
    try {
      std::string scratch = s.dir + "/rebuilt-views";
      fs::remove_all(scratch);
      auto summary = Check(s.dir + "/data", s.dir + "/acks.tsv", kActor, scratch);
      fs::remove_all(scratch);
      std::printf("check passed: head %llu, %zu acknowledged events intact, views = rebuild\n",
                  static_cast<unsigned long long>(summary.head), summary.acknowledged);
      return 0;
    } catch (const Violation& v) {
      std::printf("crash_drill: VIOLATION: %s\n", v.what.c_str());
      return 1;
    } catch (const DrillError& e) {
      std::fprintf(stderr, "crash_drill: error: %s\n", e.what.c_str());
      return 2;
    }
  }

  bool temporary = s.dir.empty();
  if (temporary) {
    std::string pattern = (fs::temp_directory_path() / "crash-drill-XXXXXX").string();
    if (!mkdtemp(pattern.data())) {
      std::fprintf(stderr, "crash_drill: error: cannot create a temporary folder\n");
      return 2;
    }
    s.dir = pattern;
  } else if (fs::exists(s.dir) && !fs::is_empty(s.dir)) {
    std::fprintf(stderr, "crash_drill: error: %s is not empty; name a new folder\n", s.dir.c_str());
    return 2;
  }
  if (!fs::exists(s.ledgerd)) {
    std::fprintf(stderr, "crash_drill: error: no ledgerd at %s (use --ledgerd)\n",
                 s.ledgerd.c_str());
    return 2;
  }
  std::printf("crash drill: %d cycles, %d appenders, seed %llu, folder %s\n", s.cycles, s.appenders,
              static_cast<unsigned long long>(s.seed), s.dir.c_str());
  std::fflush(stdout);
  std::string dir = s.dir;
  Drill drill(s);
  try {
    drill.Run();
  } catch (const Violation& v) {
    std::printf(
        "crash_drill: VIOLATION in cycle %d: %s\n  folder kept: %s (journal acks.tsv, "
        "server log ledgerd.log; re-check with --check --data)\n",
        drill.cycle(), v.what.c_str(), dir.c_str());
    return 1;
  } catch (const DrillError& e) {
    std::fprintf(stderr, "crash_drill: error in cycle %d: %s\n", drill.cycle(), e.what.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crash_drill: error in cycle %d: %s\n", drill.cycle(), e.what());
    return 2;
  }
  if (temporary && !keep) fs::remove_all(dir);
  return 0;
}
