// Nothing acknowledged is lost: the real ledgerd is killed with SIGKILL while concurrent clients
// append over HTTP, restarted, and checked. A small version of tools/crash_test.sh.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "http/server_fixture.h"
#include "http/tokens.h"

namespace {

// ledgerd in a child process; its port read from its first line of output.
class Daemon {
 public:
  explicit Daemon(const std::string& data) {
    int out[2];
    REQUIRE(pipe(out) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      execl(LEDGERD_PATH, LEDGERD_PATH, "--listen", "127.0.0.1", "--port", "0", "--data",
            data.c_str(), "--sync", "1", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    close(out[0]);
    INFO(line);
    auto at = line.find("127.0.0.1:");
    REQUIRE(at != std::string::npos);
    port_ = static_cast<uint16_t>(std::stoi(line.substr(at + 10)));
  }
  ~Daemon() {
    if (pid_ > 0) Kill(SIGKILL);
  }
  void Kill(int signal) {
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_status_ = status;
    pid_ = -1;
  }
  uint16_t port() const { return port_; }
  int exit_status() const { return exit_status_; }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  int exit_status_ = 0;
};

std::string Complaint(const std::string& id) {
  return R"({"eventId":")" + id + R"(","type":"complaintFiled","data":{"complaintId":")" + id +
         R"(","estateId":"estate/e-1","category":"water","summary":"漏水"}})";
}

}  // namespace

TEST_CASE("acknowledged appends survive kill -9 of the server", "[crash]") {
  testing::TempDir dir;
  std::string data = dir.sub("data");
  http::TokenStore tokens(data + "/tokens");
  std::filesystem::create_directories(data);
  http::Principal admin;
  admin.role = ledger::schema::Role::ADMIN;
  admin.actor_id = "person/crash";
  std::string token = *tokens.Create(admin);

  std::map<uint64_t, std::string> acknowledged;  // seq -> event id
  std::mutex mu;
  std::mt19937 random(20261130);
  int next_id = 0;
  constexpr int kCycles = 3;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    Daemon daemon(data);
    std::atomic<bool> stop{false};
    std::vector<std::thread> appenders;
    for (int t = 0; t < 4; ++t) {
      int first = next_id + t * 100000;
      appenders.emplace_back([&, first] {
        try {
          testing::HttpClient client(daemon.port());
          for (int i = 0; i < 5000 && !stop; ++i) {
            std::string id = "crash-" + std::to_string(first + i);
            auto r = client.Send("POST", "/v1/streams/complaint%2F" + id + "/events", token,
                                 Complaint(id));
            if (r.status != 201) continue;
            // Plain parsing: Catch2's assertions are not for threads.
            boost::json::error_code ec;
            auto body = boost::json::parse(r.body, ec);
            if (ec) continue;
            uint64_t seq = body.at("seqs").at(0).as_int64();
            std::lock_guard<std::mutex> lock(mu);
            acknowledged[seq] = id;
          }
        } catch (const std::exception&) {
          // The server died under us: expected.
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + random() % 350));
    daemon.Kill(SIGKILL);
    stop = true;
    for (auto& t : appenders) t.join();
    next_id += 1'000'000;
  }

  // Restart once more and check everything acknowledged is there and unchanged.
  Daemon daemon(data);
  testing::HttpClient client(daemon.port());
  auto verify = client.Send("GET", "/v1/verify", token).json();
  CHECK(verify.at("ok").as_bool());
  uint64_t head = verify.at("head").at("seq").as_int64();
  REQUIRE(!acknowledged.empty());
  CHECK(acknowledged.rbegin()->first <= head);
  for (const auto& [seq, id] : acknowledged) {
    auto event = client.Send("GET", "/v1/events/" + std::to_string(seq), token);
    REQUIRE(event.status == 200);
    CHECK(event.json().at("event").at("eventId").as_string() == id);
  }
  // A clean stop on SIGTERM.
  daemon.Kill(SIGTERM);
  CHECK(WIFEXITED(daemon.exit_status()));
  CHECK(WEXITSTATUS(daemon.exit_status()) == 0);

  // The views as the server left them, caught up, equal a rebuild from the log.
  auto log = ledger::Ledger::Open(data + "/ledger", {});
  REQUIRE(log.ok());
  CHECK((*log)->Head().seq == head);
  auto engine = projections::Engine::Open(log->get(), data + "/views", {});
  REQUIRE(engine.ok());
  REQUIRE((*engine)->CatchUp().ok());
  auto live = (*engine)->Dump();
  REQUIRE((*engine)->Rebuild().ok());
  CHECK((*engine)->Dump() == live);
  INFO("acknowledged " << acknowledged.size() << " of " << head << " events over " << kCycles
                       << " kills");
  CHECK(acknowledged.size() <= head);
}
