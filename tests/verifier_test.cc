// The real ledgerd, checked from outside: an independent verifier written in Go against Go's
// sumdb packages checks its checkpoints, receipts and proofs over HTTP; and an event altered on
// disk with RocksDB's own ldb is found when ledgerd starts.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <string>
#include <thread>

#include "http/server_fixture.h"
#include "ledger/base64.h"
#include "ledger/checkpoints.h"
#include "ledger/merkle.h"
#include "tools/ctl/report_audit.h"
#include "tools/ctl/report_checkpoint.h"

namespace {

struct Run {
  int exit_code = -1;
  std::string out;  // standard output and standard error together
};

Run Shell(const std::string& command) {
  Run run;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

Run Ledgerctl(const std::string& args) { return Shell(std::string(LEDGERCTL_PATH) + " " + args); }

std::string Line(std::string s) {
  s.erase(s.find_last_not_of("\n") + 1);
  return s;
}

// ledgerd on a free loopback port; stopped with SIGTERM when this goes.
class Ledgerd {
 public:
  Ledgerd(const std::string& data, const std::string& log_file, const std::string& flags = "") {
    std::string start = std::string(LEDGERD_PATH) + " --port 0 --data " + data + " " + flags +
                        " > " + log_file + " 2>&1 & echo $!";
    FILE* pipe = popen(start.c_str(), "r");
    REQUIRE(pipe != nullptr);
    REQUIRE(fscanf(pipe, "%d", &pid_) == 1);
    pclose(pipe);
    for (int i = 0; i < 600 && port_ == 0; ++i) {
      std::ifstream in(log_file);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      auto at = text.find("http://127.0.0.1:");
      if (at != std::string::npos) port_ = std::stoi(text.substr(at + 17));
      if (port_ == 0) usleep(50'000);
    }
    REQUIRE(port_ != 0);
  }
  ~Ledgerd() { Stop(); }
  void Stop() {
    if (pid_ == 0) return;
    kill(pid_, SIGTERM);
    // Wait for it to let go of the folder's lock (it is not our child: popen's shell was).
    for (int i = 0; i < 200 && kill(pid_, 0) == 0; ++i) usleep(50'000);
    pid_ = 0;
  }
  uint16_t port() const { return static_cast<uint16_t>(port_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int pid_ = 0;
  int port_ = 0;
};

// A small simulated district with a named log and an admin token.
struct District {
  testing::TempDir dir;
  std::string data = dir.sub("d");
  std::string token;
  std::string vkey_file = dir.sub("vkey");

  District() {
    Run sim = Ledgerctl("simulate --data " + data + " --seed 7 --estates 4 --households 24");
    INFO(sim.out);
    REQUIRE(sim.exit_code == 0);
    Run init = Ledgerctl("init --data " + data + " --origin district.example/ledger");
    INFO(init.out);
    REQUIRE(init.exit_code == 0);
    Run key = Ledgerctl("key show --data " + data);
    REQUIRE(key.exit_code == 0);
    CHECK(key.out.rfind("district.example/ledger+", 0) == 0);
    std::ofstream(vkey_file) << key.out;
    token = Line(Ledgerctl("token create --data " + data + " --role admin --actor person/a").out);
  }
};

Run GoVerifier(const std::string& args, const std::string& home) {
  // Offline: the sumdb packages come from Debian's source tree, no module download. The build
  // cache lives in the build folder, so that the standard library is compiled once.
  std::string env = "HOME=" + home + " GOCACHE=" + std::string(GO_CACHE_DIR) +
                    " GO111MODULE=off GOFLAGS= GOPATH=" + home + "/gopath:/usr/share/gocode ";
  return Shell("cd " + std::string(VERIFIER_DIR) + " && " + env + "go run . " + args);
}

uint64_t Seq(testing::HttpClient& c, const std::string& token, const std::string& path) {
  return c.Send("GET", path, token).json().at("seq").as_int64();
}

}  // namespace

TEST_CASE("an independent Go verifier checks a real ledgerd's checkpoints and proofs",
          "[verifier][e2e]") {
  District d;
  Ledgerd server(d.data, d.dir.sub("ledgerd.out"), "--checkpoint-interval 100");
  std::string first = d.dir.sub("first.checkpoint");
  Run run =
      GoVerifier(server.url() + " " + d.token + " " + d.vkey_file + " " + first, d.dir.path());
  INFO(run.out);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("ok receipt of event 1") != std::string::npos);

  // The log grows; the next checkpoint must extend the first.
  testing::HttpClient c(server.port());
  for (int i = 0; i < 3; ++i) {
    std::string id = "estate/new-" + std::to_string(i);
    auto reply = c.Send("POST", "/v1/streams/" + id + "/events", d.token,
                        R"({"eventId":"ev-new-)" + std::to_string(i) +
                            R"(","type":"estateRegistered","data":{"estateId":")" + id +
                            R"(","name":"新区"}})");
    INFO(reply.body);
    REQUIRE(reply.status == 201);
  }
  uint64_t head = Seq(c, d.token, "/v1/head");
  std::string latest;
  for (int i = 0; i < 100; ++i) {
    latest = c.Send("GET", "/v1/checkpoint", d.token).body;
    if (latest.find("\n" + std::to_string(head) + "\n") != std::string::npos) break;
    usleep(50'000);
  }
  REQUIRE(latest.find("\n" + std::to_string(head) + "\n") != std::string::npos);
  Run again = GoVerifier(
      server.url() + " " + d.token + " " + d.vkey_file + " " + d.dir.sub("second") + " " + first,
      d.dir.path());
  INFO(again.out);
  REQUIRE(again.exit_code == 0);
  CHECK(again.out.find("ok consistency from size " + std::to_string(head - 3) + " to " +
                       std::to_string(head)) != std::string::npos);

  // A verifier holding another log's key refuses the checkpoint.
  std::ofstream(d.dir.sub("other.vkey"))
      << "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k\n";
  Run wrong = GoVerifier(
      server.url() + " " + d.token + " " + d.dir.sub("other.vkey") + " " + d.dir.sub("x"),
      d.dir.path());
  CHECK(wrong.exit_code != 0);
}

TEST_CASE("an event altered on disk with ldb is found at start: appends 503, reads go on",
          "[tamper][e2e]") {
  District d;
  std::string key = "0x0000000000000005";
  std::string ledger_dir = d.data + "/ledger";
  Run read =
      Shell("ldb --db=" + ledger_dir + " --column_family=events --key_hex --value_hex get " + key);
  INFO(read.out);
  REQUIRE(read.exit_code == 0);
  std::string value = Line(read.out);
  REQUIRE(value.rfind("0x", 0) == 0);
  // The value is hash (32) || seq (8) || stream version (8) || event: change the version's last
  // byte, which still decodes, so only the hash can tell.
  size_t at = 2 + 2 * (32 + 8 + 7);
  std::string altered = value;
  altered[at + 1] = altered[at + 1] == '1' ? '2' : '1';
  Run put = Shell("ldb --db=" + ledger_dir + " --column_family=events --key_hex --value_hex put " +
                  key + " " + altered);
  INFO(put.out);
  REQUIRE(put.exit_code == 0);

  Ledgerd server(d.data, d.dir.sub("ledgerd.out"));
  testing::HttpClient c(server.port());
  auto health = c.Send("GET", "/healthz", "");
  INFO(health.body);
  REQUIRE(health.status == 200);
  auto body = health.json().as_object();
  CHECK(body.at("status").as_string() == "degraded");
  CHECK(body.at("integrity").at("ok").as_bool() == false);
  CHECK(body.at("integrity").at("badSeq").as_int64() == 5);
  CHECK(std::string(body.at("integrity").at("problem").as_string().c_str())
            .find("event 5 does not match its hash") != std::string::npos);

  auto append = c.Send("POST", "/v1/streams/estate/late/events", d.token,
                       R"({"eventId":"ev-late","type":"estateRegistered",)"
                       R"("data":{"estateId":"estate/late","name":"迟"}})");
  INFO(append.body);
  CHECK(append.status == 503);
  CHECK(append.body.find("event 5") != std::string::npos);
  // Reads go on, the altered event included, so that it can be examined.
  CHECK(c.Send("GET", "/v1/events/4", d.token).status == 200);
  CHECK(c.Send("GET", "/v1/events/5", d.token).status == 200);
  // Nothing more is signed.
  std::ifstream out(d.dir.sub("ledgerd.out"));
  std::string said((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  CHECK(said.find("signing no checkpoints") != std::string::npos);
}

namespace {

void AppendEstates(testing::HttpClient& c, const std::string& token, const std::string& tag,
                   int count) {
  for (int i = 0; i < count; ++i) {
    std::string id = "estate/" + tag + "-" + std::to_string(i);
    auto reply = c.Send("POST", "/v1/streams/" + id + "/events", token,
                        R"({"eventId":"ev-)" + tag + std::to_string(i) +
                            R"(","type":"estateRegistered","data":{"estateId":")" + id +
                            R"(","name":"区"}})");
    INFO(reply.body);
    REQUIRE(reply.status == 201);
  }
}

// Waits until the latest checkpoint covers the head, and returns it.
std::string SignedHead(testing::HttpClient& c, const std::string& token) {
  uint64_t head = Seq(c, token, "/v1/head");
  std::string latest;
  for (int i = 0; i < 100; ++i) {
    latest = c.Send("GET", "/v1/checkpoint", token).body;
    if (latest.find("\n" + std::to_string(head) + "\n") != std::string::npos) return latest;
    usleep(50'000);
  }
  FAIL("no checkpoint of the head " << head << ": " << latest);
  return "";
}

}  // namespace

TEST_CASE("ledgerctl audit checks an export against a signed checkpoint, offline", "[audit][e2e]") {
  District d;
  std::string checkpoint = d.dir.sub("cp.txt");
  {
    Ledgerd server(d.data, d.dir.sub("ledgerd.out"), "--checkpoint-interval 100");
    testing::HttpClient c(server.port());
    std::ofstream(d.dir.sub("cp0.txt")) << SignedHead(c, d.token);
    AppendEstates(c, d.token, "later", 3);
    std::ofstream(checkpoint) << SignedHead(c, d.token);
  }
  std::string exported = d.dir.sub("log.ndjson");
  REQUIRE(Ledgerctl("export --data " + d.data + " --out " + exported).exit_code == 0);
  std::string args = " --checkpoint " + checkpoint + " --vkey " + d.vkey_file;

  Run ok = Ledgerctl("audit --export " + exported + args);
  INFO(ok.out);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("OK the export's first") != std::string::npos);

  // Two checkpoints: the later log extends the earlier, and not the other way round.
  Run extends =
      Ledgerctl("audit --export " + exported + args + " --earlier " + d.dir.sub("cp0.txt"));
  INFO(extends.out);
  CHECK(extends.exit_code == 0);
  CHECK(extends.out.find("extends the earlier one") != std::string::npos);
  Run backwards = Ledgerctl("audit --export " + exported + " --checkpoint " + d.dir.sub("cp0.txt") +
                            " --vkey " + d.vkey_file + " --earlier " + checkpoint);
  INFO(backwards.out);
  CHECK(backwards.exit_code == 2);
  CHECK(backwards.out.find("does not extend") != std::string::npos);

  // One figure of one event changed in the export: its chain no longer holds.
  std::ifstream in(exported);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto at = text.find("\"name\":\"");
  REQUIRE(at != std::string::npos);
  text.insert(at + 8, "X");
  std::ofstream(d.dir.sub("altered.ndjson")) << text;
  Run altered = Ledgerctl("audit --export " + d.dir.sub("altered.ndjson") + args);
  INFO(altered.out);
  CHECK(altered.exit_code == 2);
  CHECK(altered.out.find("BAD export") != std::string::npos);

  // Only the first half of the log: it cannot give the signed root.
  std::ifstream again(exported);
  std::string original((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
  std::ofstream(d.dir.sub("half.ndjson"))
      << original.substr(0, original.find('\n', original.size() / 2) + 1);
  Run shorter = Ledgerctl("audit --export " + d.dir.sub("half.ndjson") + args);
  CHECK(shorter.exit_code == 2);

  // A checkpoint that is not signed by this log's key.
  std::ofstream(d.dir.sub("other.vkey"))
      << "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k\n";
  Run wrong = Ledgerctl("audit --export " + exported + " --checkpoint " + checkpoint + " --vkey " +
                        d.dir.sub("other.vkey"));
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.out.find("BAD checkpoint") != std::string::npos);
}

TEST_CASE(
    "ledgerctl monitor catches a ledger restored from an older backup and appended "
    "differently",
    "[monitor][e2e]") {
  District d;
  std::string state = d.dir.sub("monitor");
  std::string older = d.dir.sub("older");
  auto monitor = [&](uint16_t port) {
    return Ledgerctl("monitor --server http://127.0.0.1:" + std::to_string(port) + " --token " +
                     d.token + " --vkey " + d.vkey_file + " --state " + state + " --count 1");
  };
  {
    Ledgerd server(d.data, d.dir.sub("1.out"), "--checkpoint-interval 100");
    testing::HttpClient c(server.port());
    SignedHead(c, d.token);
    Run first = monitor(server.port());
    INFO(first.out);
    CHECK(first.exit_code == 0);
  }
  // A copy of the whole data folder, as a backup would be.
  REQUIRE(Shell("cp -a " + d.data + " " + older).exit_code == 0);
  {
    Ledgerd server(d.data, d.dir.sub("2.out"), "--checkpoint-interval 100");
    testing::HttpClient c(server.port());
    AppendEstates(c, d.token, "a", 3);
    SignedHead(c, d.token);
    Run extended = monitor(server.port());
    INFO(extended.out);
    CHECK(extended.exit_code == 0);
    CHECK(extended.out.find("extends") != std::string::npos);
  }
  // The older copy restored, and other events appended: a fork of what the monitor saw.
  REQUIRE(Shell("rm -rf " + d.data + " && mv " + older + " " + d.data).exit_code == 0);
  Ledgerd server(d.data, d.dir.sub("3.out"), "--checkpoint-interval 100");
  testing::HttpClient c(server.port());
  AppendEstates(c, d.token, "b", 4);
  SignedHead(c, d.token);
  Run fork = monitor(server.port());
  INFO(fork.out);
  CHECK(fork.exit_code == 2);
  CHECK(fork.out.find("ALARM fork") != std::string::npos);
  CHECK(fork.out.find("last seen: size") != std::string::npos);
}

TEST_CASE("ledgerctl monitor gives up on a server that accepts and never answers",
          "[monitor][e2e]") {
  testing::TempDir dir;
  std::ofstream(dir.sub("vkey"))
      << "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k\n";
  // A listener that takes the connection and the request, and says nothing.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, {boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(0)});
  uint16_t port = acceptor.local_endpoint().port();
  boost::asio::ip::tcp::socket held(io);
  std::thread taker([&] {
    boost::system::error_code ec;
    acceptor.accept(held, ec);
  });
  auto start = std::chrono::steady_clock::now();
  Run hung =
      Ledgerctl("monitor --server http://127.0.0.1:" + std::to_string(port) + " --token t --vkey " +
                dir.sub("vkey") + " --state " + dir.sub("state") + " --count 1 --timeout 2");
  auto took = std::chrono::steady_clock::now() - start;
  taker.join();
  INFO(hung.out);
  CHECK(hung.exit_code == 1);
  CHECK(hung.out.find("did not answer /v1/checkpoint within 2 s") != std::string::npos);
  CHECK(took < std::chrono::seconds(10));
}

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("ledgerctl audit --report recomputes a served report figure by figure, offline",
          "[audit][e2e]") {
  District d;
  std::string jm = d.dir.sub("jm.json"), star = d.dir.sub("star.json"),
              earlier = d.dir.sub("e02.json"), later = d.dir.sub("later.json"),
              staff_view = d.dir.sub("staff.json"), under_way = d.dir.sub("under-way.json");
  // Staff of the company that has served estate e03 since 2024-07-01 (the simulated district).
  std::string staff = Line(Ledgerctl("token create --data " + d.data +
                                     " --role companyStaff --actor person/staff-h "
                                     "--company company/hongxin")
                               .out);
  std::string early_cp = d.dir.sub("cp-early.txt"), cp = d.dir.sub("cp.txt");
  const std::string period = "from=2025-01-01T00:00:00%2B08:00&to=2025-07-01T00:00:00%2B08:00";
  uint64_t simulated = 0;
  {
    Ledgerd server(d.data, d.dir.sub("ledgerd.out"), "--checkpoint-interval 100");
    testing::HttpClient c(server.port());
    simulated = Seq(c, d.token, "/v1/head");
    std::ofstream(early_cp) << SignedHead(c, d.token);
    // A page of three items: the page is part of what was served, and named in the answer.
    auto meeting =
        c.Send("GET", "/v1/reports/joint-meeting?estate=estate/e01&limit=3&" + period, d.token);
    REQUIRE(meeting.status == 200);
    CHECK(meeting.json().at("report").at("name").as_string() == "joint-meeting");
    CHECK(meeting.json().at("report").at("limit").as_int64() == 3);
    CHECK(meeting.json().at("report").at("estate").as_string() == "estate/e01");
    std::ofstream(jm) << meeting.body;
    auto evaluation = c.Send("GET", "/v1/reports/star-evaluation?year=2025", d.token);
    REQUIRE(evaluation.status == 200);
    CHECK(evaluation.json().at("report").at("year").as_int64() == 2025);
    std::ofstream(star) << evaluation.body;
    // 2025 as of mid-year, when it was under way (time travel): the answer names the instant
    // its open repairs were judged at, and the audit recomputes them at it.
    // 2025-06-30T12:00+08:00 = 04:00Z.
    auto judged = c.Send(
        "GET", "/v1/reports/star-evaluation?year=2025&asOf=2025-06-30T12:00:00%2B08:00", d.token);
    REQUIRE(judged.status == 200);
    CHECK(judged.json().at("report").at("at").as_string() == "2025-06-30T04:00:00.000Z");
    CHECK(judged.json().at("result").at("judgedAt").as_string() == "2025-06-30T04:00:00.000Z");
    std::ofstream(under_way) << judged.body;
    // The year is over by the server's clock: an instant within it does not move its figures.
    // Its end is 2026-01-01T00:00+08:00.
    auto over = c.Send(
        "GET", "/v1/reports/star-evaluation?year=2025&at=2025-06-30T12:00:00%2B08:00", d.token);
    REQUIRE(over.status == 200);
    CHECK(over.json().at("report").at("at").is_null());
    CHECK(over.json().at("result").at("judgedAt").as_string() == "2025-12-31T16:00:00.000Z");
    CHECK(over.json().at("result").at("rows") == evaluation.json().at("result").at("rows"));
    // Another estate, at an earlier position of the log (time travel).
    auto past = c.Send("GET",
                       "/v1/reports/joint-meeting?estate=estate/e02&asOf=" +
                           std::to_string(simulated - 500) + "&" + period,
                       d.token);
    REQUIRE(past.status == 200);
    CHECK(past.json().at("position").at("seq").as_int64() == int64_t(simulated - 500));
    std::ofstream(earlier) << past.body;
    // Company staff asking for 2024 see the days their company served: the period is narrowed,
    // and the answer names the narrowed one, so the audit recomputes what was served.
    auto narrowed =
        c.Send("GET",
               "/v1/reports/joint-meeting?estate=estate/e03&from=2024-01-01T00:00:00%2B08:00"
               "&to=2025-01-01T00:00:00%2B08:00",
               staff);
    INFO(narrowed.body.substr(0, 400));
    REQUIRE(narrowed.status == 200);
    // 2024-07-01T00:00:00+08:00 = 2024-06-30T16:00:00Z.
    CHECK(narrowed.json().at("report").at("from").as_string() == "2024-06-30T16:00:00.000Z");
    std::ofstream(staff_view) << narrowed.body;
    // The log grows; a report of the new head lies beyond the early checkpoint.
    AppendEstates(c, d.token, "later", 2);
    auto grown = c.Send(
        "GET", "/v1/reports/star-evaluation?year=2025&atLeast=" + std::to_string(simulated + 2),
        d.token);
    REQUIRE(grown.status == 200);
    CHECK(grown.json().at("position").at("seq").as_int64() == int64_t(simulated + 2));
    std::ofstream(later) << grown.body;
    std::ofstream(cp) << SignedHead(c, d.token);
  }
  std::string exported = d.dir.sub("log.ndjson");
  REQUIRE(Ledgerctl("export --data " + d.data + " --out " + exported).exit_code == 0);
  auto audit = [&](const std::string& report, const std::string& checkpoint) {
    return Ledgerctl("audit --export " + exported + " --checkpoint " + checkpoint + " --vkey " +
                     d.vkey_file + " --report " + report);
  };

  for (const auto& report : {jm, star, earlier, later, staff_view, under_way}) {
    Run ok = audit(report, cp);
    INFO(report << "\n" << ok.out);
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find("OK report: ") != std::string::npos);
    CHECK(ok.out.find("DIFFERS") == std::string::npos);
  }
  Run past = audit(earlier, cp);
  CHECK(past.out.find("joint-meeting report at position " + std::to_string(simulated - 500)) !=
        std::string::npos);

  // What ledgerctl report writes (the figures alone, whole lists) is audited the same way.
  std::string written = d.dir.sub("written.json");
  REQUIRE(Ledgerctl("report joint-meeting --data " + d.data +
                    " --estate estate/e03 --from 2024-03-01T00:00:00+08:00 --to "
                    "2024-09-01T00:00:00+08:00 --out " +
                    written)
              .exit_code == 0);
  Run whole = audit(written, cp);
  INFO(whole.out);
  CHECK(whole.exit_code == 0);
  CHECK(whole.out.find("OK report: ") != std::string::npos);

  // One figure edited by hand: exactly that path is named, with both values.
  auto doc = boost::json::parse(Slurp(jm));
  auto& requested = doc.at("result").at("headlines").as_object()["repairsRequested"];
  REQUIRE(requested.is_number());
  int64_t true_value = requested.to_number<int64_t>();
  requested = true_value + 1;
  std::ofstream(d.dir.sub("edited.json")) << boost::json::serialize(doc);
  Run edited = audit(d.dir.sub("edited.json"), cp);
  INFO(edited.out);
  CHECK(edited.exit_code == 2);
  CHECK(edited.out.find("DIFFERS headlines.repairsRequested: report " +
                        std::to_string(true_value + 1) + ", recomputed " +
                        std::to_string(true_value) + "\n") != std::string::npos);
  CHECK(Count(edited.out, "DIFFERS") == 1);
  CHECK(edited.out.find("BAD report") != std::string::npos);

  // A company's row in the star evaluation given one star more.
  auto stars = boost::json::parse(Slurp(star));
  auto& rows = stars.at("result").at("rows").as_array();
  REQUIRE(rows.size() > 1);
  auto& one = rows[1].as_object()["stars"];
  int64_t true_stars = one.to_number<int64_t>();
  one = true_stars + 1;
  std::ofstream(d.dir.sub("stars.json")) << boost::json::serialize(stars);
  Run starred = audit(d.dir.sub("stars.json"), cp);
  INFO(starred.out);
  CHECK(starred.exit_code == 2);
  CHECK(starred.out.find("DIFFERS rows[1].stars: report " + std::to_string(true_stars + 1) +
                         ", recomputed " + std::to_string(true_stars) + "\n") != std::string::npos);
  CHECK(Count(starred.out, "DIFFERS") == 1);

  // A forged black list written before the real one: a reader taking the first member sees it,
  // boost::json keeps the last. The audit refuses the file rather than calling it OK.
  std::string served = Slurp(star);
  size_t black = served.find("\"blackList\":");
  REQUIRE(black != std::string::npos);
  served.insert(black, "\"blackList\":[\"company/forged\"],");
  std::ofstream(d.dir.sub("twice.json")) << served;
  Run twice = audit(d.dir.sub("twice.json"), cp);
  INFO(twice.out);
  CHECK(twice.exit_code != 0);
  CHECK(twice.out.find("\"blackList\" appears twice") != std::string::npos);
  CHECK(twice.out.find("OK report") == std::string::npos);

  // A report of another log (its root at the position is not the export's) is named as such.
  auto foreign = boost::json::parse(Slurp(star));
  foreign.at("checkpoint").as_object()["root"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  std::ofstream(d.dir.sub("foreign.json")) << boost::json::serialize(foreign);
  Run other = audit(d.dir.sub("foreign.json"), cp);
  CHECK(other.exit_code == 2);
  CHECK(other.out.find("DIFFERS checkpoint.root") != std::string::npos);

  // A report computed beyond what the checkpoint signed cannot be checked against it.
  Run beyond = audit(later, early_cp);
  INFO(beyond.out);
  CHECK(beyond.exit_code == 1);
  CHECK(beyond.out.find("beyond the checkpoint's size " + std::to_string(simulated)) !=
        std::string::npos);

  // Files that are not reports: a person is told what is wrong.
  std::string text = Slurp(jm);
  std::ofstream(d.dir.sub("cut.json")) << text.substr(0, text.size() / 2);
  Run cut = audit(d.dir.sub("cut.json"), cp);
  CHECK(cut.exit_code == 1);
  CHECK(cut.out.find("the report is not JSON") != std::string::npos);
  std::ofstream(d.dir.sub("other.json")) << R"({"complaints":[1,2,3]})";
  Run unknown = audit(d.dir.sub("other.json"), cp);
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.out.find("not a report this audit knows") != std::string::npos);
  std::ofstream(d.dir.sub("noposition.json")) << R"({"year":2025,"rows":[]})";
  Run unplaced = audit(d.dir.sub("noposition.json"), cp);
  CHECK(unplaced.exit_code == 1);
  CHECK(unplaced.out.find("names no ledger position") != std::string::npos);
  Run missing = audit(d.dir.sub("absent.json"), cp);
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.find("cannot read") != std::string::npos);
}

TEST_CASE("report figures compare by parsed value, not by how they are spelled", "[audit]") {
  auto parse = [](const char* text) { return boost::json::parse(text); };
  size_t checked = 0;
  // Members in another order, a 64-bit number as a string or a number, a time in ms or in
  // RFC 3339, a null or no member at all: the same figures.
  auto same = ctl::CompareFigures(
      parse(R"({"a":1,"b":{"n":"17","t":1735660800000,"none":null},"l":[1.5,true,"x"]})"),
      parse(R"({"l":[1.5,true,"x"],"b":{"t":"2025-01-01T00:00:00+08:00","n":17},"a":1})"),
      &checked);
  CHECK(same.empty());
  CHECK(checked == 6);
  // Each difference by its path, with both values; a list one item longer names that item.
  auto differ = ctl::CompareFigures(parse(R"({"byCompany":[{"k":1},{"k":2,"s":"a"}],"x":0.5})"),
                                    parse(R"({"byCompany":[{"k":1},{"k":3,"s":"a"},{"k":4}],
                                              "x":0.25})"),
                                    &checked);
  REQUIRE(differ.size() == 3);
  CHECK(differ[0].path == "byCompany[1].k");
  CHECK(differ[0].report == "2");
  CHECK(differ[0].recomputed == "3");
  CHECK(differ[1].path == "byCompany[2]");
  CHECK(differ[1].report == "(absent)");
  CHECK(differ[1].recomputed == R"({"k":4})");
  CHECK(differ[2].path == "x");
  CHECK(differ[2].report == "0.5");
  CHECK(differ[2].recomputed == "0.25");
  CHECK(checked == 5);
}

namespace {

// The text between `open` and `close`, after the first `open`.
std::string Between(const std::string& text, const std::string& open, const std::string& close) {
  auto start = text.find(open);
  REQUIRE(start != std::string::npos);
  start += open.size();
  auto end = text.find(close, start);
  REQUIRE(end != std::string::npos);
  return text.substr(start, end - start);
}

}  // namespace

TEST_CASE("CSV and HTML reports name the signed checkpoint and the command that verifies it",
          "[audit][report]") {
  District d;
  // ledgerctl head prints "seq hash"; the report is computed at the head.
  uint64_t head = std::stoull(Ledgerctl("head --data " + d.data).out);
  Run csv = Ledgerctl("report star-evaluation --data " + d.data + " --year 2025 --format csv");
  INFO(csv.out.substr(0, 600));
  REQUIRE(csv.exit_code == 0);
  std::istringstream lines(csv.out.substr(3));  // after the byte-order mark
  std::string first, second, third;
  std::getline(lines, first);
  std::getline(lines, second);
  std::getline(lines, third);
  CHECK(first.rfind("# star evaluation 2025, ledger position " + std::to_string(head), 0) == 0);
  // The checkpoint line names exactly what the log signed at that size, as its note says.
  std::ostringstream name;
  name << d.data << "/checkpoints/" << std::setw(20) << std::setfill('0') << head;
  std::string kept = Slurp(name.str());
  REQUIRE(!kept.empty());
  auto verifier = ledger::note::Verifier::Parse(Slurp(d.vkey_file));
  REQUIRE(verifier.ok());
  auto signed_checkpoint = ledger::OpenCheckpoint(kept, *verifier);
  REQUIRE(signed_checkpoint.ok());
  CHECK(second == "# checkpoint: district.example/ledger " + std::to_string(head) + " " +
                      ledger::Base64Encode(ledger::merkle::Bytes(signed_checkpoint->body.root)));
  CHECK(third.rfind("# verify: ledgerctl audit --export log.ndjson --checkpoint cp.txt", 0) == 0);

  // The HTML page's footer carries the note itself; saved as the page says, it passes the audit
  // the page names.
  Run html = Ledgerctl("report joint-meeting --data " + d.data +
                       " --estate estate/e02 --from 2025-01-01T00:00:00+08:00 --to "
                       "2025-04-01T00:00:00+08:00 --format html");
  REQUIRE(html.exit_code == 0);
  std::string footer = Between(html.out, "<footer", "</footer>");
  CHECK(footer.find("Computed at ledger position " + std::to_string(head)) != std::string::npos);
  std::string note = Between(footer, "<pre>", "</pre>");
  CHECK(note == kept);
  CHECK(footer.find("ledgerctl audit --export log.ndjson --checkpoint cp.txt --vkey log.vkey") !=
        std::string::npos);
  std::ofstream(d.dir.sub("cp.txt")) << note;
  REQUIRE(Ledgerctl("export --data " + d.data + " --out " + d.dir.sub("log.ndjson")).exit_code ==
          0);
  Run audit = Ledgerctl("audit --export " + d.dir.sub("log.ndjson") + " --checkpoint " +
                        d.dir.sub("cp.txt") + " --vkey " + d.vkey_file);
  INFO(audit.out);
  CHECK(audit.exit_code == 0);

  // A log without a signing key says so where the checkpoint would be.
  testing::TempDir plain;
  REQUIRE(Ledgerctl("simulate --data " + plain.sub("d") + " --seed 7 --estates 4 --households 24")
              .exit_code == 0);
  Run unsigned_csv = Ledgerctl("report joint-meeting --data " + plain.sub("d") +
                               " --estate estate/e01 --from 2025-01-01T00:00:00+08:00 --to "
                               "2025-04-01T00:00:00+08:00 --format csv");
  REQUIRE(unsigned_csv.exit_code == 0);
  CHECK(unsigned_csv.out.substr(3).rfind(
            "# checkpoint: none signed (this ledger has no signing key", 0) == 0);
}

TEST_CASE("a report's checkpoint larger than its position names the proof that links them",
          "[audit][report]") {
  ctl::CheckpointStamp stamp;
  stamp.position = 40;
  stamp.position_root = "P40=";
  stamp.origin = "district.example/ledger";
  stamp.size = 42;
  stamp.root = "R42=";
  stamp.note = "district.example/ledger\n42\nR42=\n\n— district.example/ledger sig\n";
  CHECK(ctl::CsvCheckpointLines(stamp) ==
        "# checkpoint: district.example/ledger 42 R42=\n"
        "# position: 40 root P40= (a prefix of the checkpoint's log: "
        "GET /v1/proofs/consistency?from=40&to=42)\n"
        "# verify: ledgerctl audit --export log.ndjson --checkpoint cp.txt --vkey log.vkey "
        "(cp.txt: GET /v1/checkpoint?size=42; log.vkey: ledgerctl key show)\n");
  std::string footer = ctl::HtmlCheckpointFooter(stamp);
  CHECK(footer.find("consistency?from=40&amp;to=42") != std::string::npos);
  CHECK(footer.find("<pre>district.example/ledger\n42\nR42=\n") != std::string::npos);
}
