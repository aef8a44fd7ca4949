// ledgerctl as a user runs it: the real binary, on small simulated ledgers in temporary folders.

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

// Compiled here: this test program links no Boost.JSON library.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

namespace {

struct Run {
  int exit_code = -1;
  std::string out;  // standard output and standard error together
};

// `env`: assignments for the shell to put before the command ("NAME=value"), or "".
Run Ledgerctl(const std::string& args, const std::string& env = "") {
  std::string command = env + " " + std::string(LEDGERCTL_PATH) + " " + args + " 2>&1";
  Run run;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string HeadOf(const std::string& data) {
  Run head = Ledgerctl("head --data " + data);
  INFO(head.out);
  REQUIRE(head.exit_code == 0);
  return head.out;
}

// A small district: 4 estates of 24 households over two years (the simulator's smallest).
const char* kSmall = "--seed 7 --estates 4 --households 24";

// The export line with its envelope attribute `name` set to `value` (removed if `value` is null),
// its envelope rewritten with boost::json. The event's text is kept byte for byte after it: a
// re-serialised number could change the event's bytes, and then the chain would catch the line
// for another reason than its envelope.
std::string WithAttribute(const std::string& line, const std::string& name,
                          const boost::json::value& value) {
  size_t data_at = line.find(",\"data\":");
  REQUIRE(data_at != std::string::npos);
  REQUIRE(line.back() == '}');
  boost::json::object envelope = boost::json::parse(line.substr(0, data_at) + "}").as_object();
  if (value.is_null()) {
    REQUIRE(envelope.erase(name) == 1);
  } else {
    envelope[name] = value;
  }
  std::string text = boost::json::serialize(envelope);
  return text.substr(0, text.size() - 1) + line.substr(data_at);
}

// Member `name` of the event a line carries (its "data"), which the envelope must agree with.
std::string EventField(const std::string& line, const std::string& name) {
  return std::string(boost::json::parse(line).at("data").at(name).as_string());
}

// Entries of `data` an import stages its ledger in (ledger.importing-<pid>).
size_t StagingFolders(const std::string& data) {
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(data)) {
    if (entry.path().filename().string().rfind("ledger.importing-", 0) == 0) ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("simulate twice with one seed gives identical head hashes", "[ledgerctl]") {
  testing::TempDir dir;
  Run a = Ledgerctl("simulate --data " + dir.sub("a") + " " + kSmall);
  INFO(a.out);
  REQUIRE(a.exit_code == 0);
  REQUIRE(Ledgerctl("simulate --data " + dir.sub("b") + " " + kSmall).exit_code == 0);
  CHECK(HeadOf(dir.sub("a")) == HeadOf(dir.sub("b")));
  REQUIRE(Ledgerctl("simulate --data " + dir.sub("c") + " --seed 8 --estates 4 --households 24")
              .exit_code == 0);
  CHECK(HeadOf(dir.sub("a")) != HeadOf(dir.sub("c")));
  // Simulating into a ledger that holds events is refused.
  Run again = Ledgerctl("simulate --data " + dir.sub("a") + " " + kSmall);
  CHECK(again.exit_code != 0);
  CHECK_THAT(again.out, Catch::Contains("not empty"));
}

TEST_CASE("export then import into an empty folder round-trips exactly", "[ledgerctl]") {
  testing::TempDir dir;
  REQUIRE(Ledgerctl("simulate --data " + dir.sub("src") + " " + kSmall).exit_code == 0);
  Run exported =
      Ledgerctl("export --data " + dir.sub("src") + " --out " + dir.sub("events.ndjson"));
  INFO(exported.out);
  REQUIRE(exported.exit_code == 0);
  Run imported = Ledgerctl("import --data " + dir.sub("dst") + " --in " + dir.sub("events.ndjson"));
  INFO(imported.out);
  REQUIRE(imported.exit_code == 0);
  CHECK(HeadOf(dir.sub("src")) == HeadOf(dir.sub("dst")));
  CHECK(Ledgerctl("verify --data " + dir.sub("dst")).exit_code == 0);

  // Each line is a CloudEvents 1.0 event with the ledger's extension attributes.
  std::ifstream in(dir.sub("events.ndjson"));
  std::string first;
  std::getline(in, first);
  CHECK_THAT(first, Catch::StartsWith("{\"specversion\":\"1.0\""));
  CHECK_THAT(first, Catch::Contains("\"sequence\":\"1\"") && Catch::Contains("\"ledgerhash\":"));
}

TEST_CASE("import of a tampered file fails at the tampered line and appends nothing",
          "[ledgerctl]") {
  testing::TempDir dir;
  REQUIRE(Ledgerctl("simulate --data " + dir.sub("src") + " " + kSmall).exit_code == 0);
  REQUIRE(
      Ledgerctl("export --data " + dir.sub("src") + " --out " + dir.sub("e.ndjson")).exit_code ==
      0);
  std::ifstream in(dir.sub("e.ndjson"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() > 20);
  // Change one character inside line 17's event: its name becomes another's.
  std::string& line = lines[16];
  size_t at = line.find("\"eventId\":\"");
  REQUIRE(at != std::string::npos);
  line[at + 11] = line[at + 11] == 'x' ? 'y' : 'x';
  std::ofstream out(dir.sub("tampered.ndjson"));
  for (const auto& l : lines) out << l << "\n";
  out.close();
  Run imported =
      Ledgerctl("import --data " + dir.sub("dst") + " --in " + dir.sub("tampered.ndjson"));
  CHECK(imported.exit_code != 0);
  CHECK_THAT(imported.out, Catch::Contains("line 17"));
  CHECK(HeadOf(dir.sub("dst")).rfind("0 ", 0) == 0);
}

TEST_CASE("backup and restore give a ledger that verifies with the same head", "[ledgerctl]") {
  testing::TempDir dir;
  REQUIRE(Ledgerctl("simulate --data " + dir.sub("live") + " " + kSmall).exit_code == 0);
  REQUIRE(Ledgerctl("backup --data " + dir.sub("live") + " --to " + dir.sub("copy")).exit_code ==
          0);
  Run restored = Ledgerctl("restore --from " + dir.sub("copy") + " --data " + dir.sub("again"));
  INFO(restored.out);
  REQUIRE(restored.exit_code == 0);
  CHECK(HeadOf(dir.sub("live")) == HeadOf(dir.sub("again")));
  // Restoring over an existing ledger is refused.
  CHECK(Ledgerctl("restore --from " + dir.sub("copy") + " --data " + dir.sub("live")).exit_code !=
        0);
}

TEST_CASE("verify - rebuild - stats and the reports in every format", "[ledgerctl]") {
  testing::TempDir dir;
  std::string data = dir.sub("d");
  REQUIRE(Ledgerctl("simulate --data " + data + " " + kSmall).exit_code == 0);
  Run rebuilt = Ledgerctl("rebuild --data " + data);
  INFO(rebuilt.out);
  REQUIRE(rebuilt.exit_code == 0);
  CHECK_THAT(rebuilt.out, Catch::Contains("events/s"));
  Run verified = Ledgerctl("verify --data " + data);
  INFO(verified.out);
  REQUIRE(verified.exit_code == 0);
  CHECK_THAT(verified.out, Catch::Contains("chain ok") && Catch::Contains("views ok"));
  // Two simulated years from January 2024, so far from the head that every month end but the
  // last month's is kept, with their snapshots listed.
  Run stats = Ledgerctl("stats --data " + data);
  REQUIRE(stats.exit_code == 0);
  CHECK_THAT(stats.out, Catch::Contains("the end of 2024-01") &&
                            Catch::Contains("the end of 2025-11") &&
                            !Catch::Contains("the end of 2025-12"));
  // The retention is ledgerd's setting of the same name; a rebuild forgets the earlier ones.
  REQUIRE(Ledgerctl("rebuild --data " + data + " --views-month-snapshots 2").exit_code == 0);
  stats = Ledgerctl("stats --data " + data);
  CHECK_THAT(stats.out,
             !Catch::Contains("the end of 2024-01") && !Catch::Contains("the end of 2025-09") &&
                 Catch::Contains("the end of 2025-10") && Catch::Contains("the end of 2025-11"));

  Run json = Ledgerctl("report star-evaluation --data " + data + " --year 2025");
  INFO(json.out.substr(0, 500));
  REQUIRE(json.exit_code == 0);
  CHECK_THAT(json.out, Catch::Contains("\"year\":2025") && Catch::Contains("positionHash"));
  Run csv = Ledgerctl("report star-evaluation --data " + data + " --year 2025 --format csv");
  REQUIRE(csv.exit_code == 0);
  CHECK(csv.out.rfind("\xEF\xBB\xBF", 0) == 0);  // UTF-8 byte-order mark for spreadsheets
  Run html = Ledgerctl("report star-evaluation --data " + data + " --year 2025 --format html");
  REQUIRE(html.exit_code == 0);
  CHECK_THAT(html.out, Catch::Contains("<svg") && Catch::Contains("星级评价"));
  Run meeting = Ledgerctl("report joint-meeting --data " + data +
                          " --estate estate/e01 --from 2025-01-01T00:00:00+08:00 --to "
                          "2025-04-01T00:00:00+08:00 --format html");
  INFO(meeting.out.substr(0, 500));
  REQUIRE(meeting.exit_code == 0);
  CHECK_THAT(meeting.out, Catch::Contains("Repair time-limit compliance by month"));
  CHECK_THAT(meeting.out, Catch::Contains("<html"));
}

TEST_CASE("bad arguments give a clear message and a non-zero exit", "[ledgerctl]") {
  testing::TempDir dir;
  Run none = Ledgerctl("head --data " + dir.sub("nothing-here"));
  CHECK(none.exit_code != 0);
  CHECK_THAT(none.out, Catch::Contains("there is no ledger"));
  Run unknown = Ledgerctl("frobnicate");
  CHECK(unknown.exit_code != 0);
  Run role = Ledgerctl("token create --data " + dir.path() + " --role mayor --actor p");
  CHECK(role.exit_code != 0);
  CHECK_THAT(role.out, Catch::Contains("is not a role"));
  Run company = Ledgerctl("token create --data " + dir.path() + " --role companyStaff --actor p");
  CHECK(company.exit_code != 0);
  CHECK_THAT(company.out, Catch::Contains("--company"));
  Run year = Ledgerctl("report star-evaluation --data " + dir.path());
  CHECK(year.exit_code != 0);
  CHECK_THAT(year.out, Catch::Contains("--year"));
  Run ok = Ledgerctl("token create --data " + dir.path() + " --role admin --actor person/a");
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::StartsWith("glt_"));
  CHECK_THAT(Ledgerctl("token list --data " + dir.path()).out, Catch::Contains("person/a"));
}

TEST_CASE("tokens created by many ledgerctl at once are all kept, in a file only its owner reads",
          "[ledgerctl]") {
  testing::TempDir dir;
  constexpr int kProcesses = 12;
  std::vector<FILE*> pipes;
  for (int i = 0; i < kProcesses; ++i) {
    std::string command = std::string(LEDGERCTL_PATH) + " token create --data " + dir.path() +
                          " --role admin --actor person/p" + std::to_string(i) + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    pipes.push_back(pipe);
  }
  std::set<std::string> secrets;
  for (FILE* pipe : pipes) {
    std::string out;
    char buffer[256];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    int status = pclose(pipe);
    INFO(out);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK_THAT(out, Catch::StartsWith("glt_"));
    secrets.insert(out);
  }
  CHECK(secrets.size() == kProcesses);
  Run list = Ledgerctl("token list --data " + dir.path());
  REQUIRE(list.exit_code == 0);
  for (int i = 0; i < kProcesses; ++i) {
    CHECK_THAT(list.out, Catch::Contains("person/p" + std::to_string(i) + "\t"));
  }
  struct stat st {};
  REQUIRE(stat(dir.sub("tokens").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  // No temporary file is left behind.
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    CHECK_THAT(entry.path().filename().string(), !Catch::Contains(".tmp"));
  }
}

TEST_CASE("against a running ledgerd: head - tail - and an online backup", "[ledgerctl]") {
  testing::TempDir dir;
  std::string data = dir.sub("d");
  REQUIRE(Ledgerctl("simulate --data " + data + " " + kSmall).exit_code == 0);
  std::string token =
      Ledgerctl("token create --data " + data + " --role admin --actor person/a").out;
  token.erase(token.find_last_not_of("\n") + 1);
  std::string expected_head = HeadOf(data);

  // ledgerd in the background on a free port, its line "listening on" telling which (the
  // engine's log lines, on stderr, may come before it).
  std::string log_file = dir.sub("ledgerd.out");
  std::string start =
      std::string(LEDGERD_PATH) + " --port 0 --data " + data + " > " + log_file + " 2>&1 & echo $!";
  FILE* pipe = popen(start.c_str(), "r");
  REQUIRE(pipe != nullptr);
  int pid = 0;
  REQUIRE(fscanf(pipe, "%d", &pid) == 1);
  pclose(pipe);
  // Stopped however the test ends: a failed REQUIRE below would otherwise leave it running.
  struct StopOnExit {
    int pid;
    ~StopOnExit() {
      if (pid > 0) kill(pid, SIGTERM);
    }
  } server{pid};
  std::string url;
  for (int i = 0; i < 200 && url.empty(); ++i) {
    std::ifstream in(log_file);
    for (std::string line; url.empty() && std::getline(in, line);) {
      auto at = line.find("listening on http://");
      if (at != std::string::npos) {
        at = line.find("http://", at);
        url = line.substr(at, line.find(' ', at) - at);
      }
    }
    if (url.empty()) usleep(50'000);
  }
  REQUIRE_FALSE(url.empty());
  std::string remote = " --server " + url + " --token " + token;

  Run head = Ledgerctl("head" + remote);
  CHECK(head.exit_code == 0);
  CHECK(head.out == expected_head);
  // The folder is locked by the server: the direct route says what to do instead.
  Run locked = Ledgerctl("backup --data " + data + " --to " + dir.sub("direct"));
  CHECK(locked.exit_code != 0);
  CHECK_THAT(locked.out, Catch::Contains("ledgerd"));

  Run tail = Ledgerctl("tail -n 3" + remote);
  CHECK(tail.exit_code == 0);
  CHECK(std::count(tail.out.begin(), tail.out.end(), '\n') == 3);

  Run backup = Ledgerctl("backup --to " + dir.sub("copy") + remote);
  INFO(backup.out);
  CHECK(backup.exit_code == 0);
  kill(pid, SIGTERM);
  server.pid = 0;
  usleep(500'000);
  Run restored = Ledgerctl("restore --from " + dir.sub("copy") + " --data " + dir.sub("again"));
  INFO(restored.out);
  CHECK(restored.exit_code == 0);
  CHECK(HeadOf(dir.sub("again")) == expected_head);
  CHECK(Ledgerctl("head --server http://127.0.0.1:1 --token x").exit_code != 0);
}

TEST_CASE("audit and import refuse an export line whose envelope is not the one its event gives",
          "[ledgerctl][audit]") {
  testing::TempDir dir;
  std::string src = dir.sub("src");
  REQUIRE(Ledgerctl("simulate --data " + src + " " + kSmall).exit_code == 0);
  // A signing key, and a checkpoint of the head that a CSV report signs to name it.
  REQUIRE(Ledgerctl("init --data " + src + " --origin test.example/ledger").exit_code == 0);
  Run vkey = Ledgerctl("key show --data " + src);
  REQUIRE(vkey.exit_code == 0);
  std::ofstream(dir.sub("log.vkey")) << vkey.out;
  Run report = Ledgerctl("report star-evaluation --data " + src +
                         " --year 2025 --format csv --out " + dir.sub("report.csv"));
  INFO(report.out);
  REQUIRE(report.exit_code == 0);
  std::vector<std::string> checkpoints;
  for (const auto& entry : std::filesystem::directory_iterator(src + "/checkpoints")) {
    checkpoints.push_back(entry.path().string());
  }
  REQUIRE(checkpoints.size() == 1);
  std::string exported = dir.sub("log.ndjson");
  REQUIRE(Ledgerctl("export --data " + src + " --out " + exported).exit_code == 0);
  std::string args = " --checkpoint " + checkpoints[0] + " --vkey " + dir.sub("log.vkey");

  Run untouched = Ledgerctl("audit --export " + exported + args);
  INFO(untouched.out);
  REQUIRE(untouched.exit_code == 0);
  CHECK_THAT(untouched.out, Catch::Contains("OK the export's first"));

  std::vector<std::string> lines = testing::ReadLines(exported);
  REQUIRE(lines.size() > 20);
  const std::string original = lines[16];  // line 17
  std::string type = "ledger." + EventField(original, "type");
  std::string fake_type =
      type == "ledger.complaintFiled" ? "ledger.volunteerHoursClaimed" : "ledger.complaintFiled";
  struct Rewrite {
    std::string name;
    boost::json::value value;
    std::string said;  // what the refusal must say of the line
  };
  std::vector<Rewrite> rewrites = {
      {"type", boost::json::value(fake_type),
       "attribute \"type\": the line says \"" + fake_type + "\" but its event gives \"" + type +
           "\""},
      {"subject", boost::json::value("complaint/fake"),
       "attribute \"subject\": the line says \"complaint/fake\" but its event gives \"" +
           EventField(original, "stream") + "\""},
      {"time", boost::json::value("2020-01-01T00:00:00Z"),
       "attribute \"time\": the line says \"2020-01-01T00:00:00Z\" but its event gives \"" +
           EventField(original, "recordedAt") + "\""},
      {"id", boost::json::value("ev-fake"),
       "attribute \"id\": the line says \"ev-fake\" but its event gives \"" +
           EventField(original, "eventId") + "\""},
      // The same number, not as the export writes it.
      {"sequence", boost::json::value("017"),
       "attribute \"sequence\": the line says \"017\" but its event gives \"17\""},
      {"recordedby", boost::json::value("someone"),
       "attribute \"recordedby\" is not one the export writes"},
      {"time", boost::json::value(nullptr), "attribute \"time\" is missing"},
  };
  for (size_t i = 0; i < rewrites.size(); ++i) {
    const Rewrite& rewrite = rewrites[i];
    // One setup for every rewrite: sections would simulate the district again for each.
    INFO(rewrite.name << " " << boost::json::serialize(rewrite.value));
    std::vector<std::string> changed = lines;
    changed[16] = WithAttribute(original, rewrite.name, rewrite.value);
    REQUIRE(changed[16] != original);
    std::string path = dir.sub("changed.ndjson");
    REQUIRE(testing::WriteLines(path, changed));

    Run audit = Ledgerctl("audit --export " + path + args);
    INFO(audit.out);
    CHECK(audit.exit_code == 2);
    CHECK_THAT(audit.out, Catch::Contains("BAD export: line 17: " + rewrite.said));

    std::string dst = dir.sub("dst-" + std::to_string(i));
    Run imported = Ledgerctl("import --data " + dst + " --in " + path);
    INFO(imported.out);
    CHECK(imported.exit_code == 1);
    CHECK_THAT(imported.out, Catch::Contains("line 17: " + rewrite.said));
    CHECK(HeadOf(dst).rfind("0 ", 0) == 0);
  }

  {
    // An attribute written twice, the second time as the event gives it.
    std::vector<std::string> changed = lines;
    changed[16] = "{\"type\":\"" + fake_type + "\"," + original.substr(1);
    std::string path = dir.sub("twice.ndjson");
    REQUIRE(testing::WriteLines(path, changed));
    Run audit = Ledgerctl("audit --export " + path + args);
    INFO(audit.out);
    CHECK(audit.exit_code == 2);
    CHECK_THAT(audit.out, Catch::Contains("line 17: attribute \"type\" is written twice"));
    Run imported = Ledgerctl("import --data " + dir.sub("dst-twice") + " --in " + path);
    CHECK(imported.exit_code == 1);
    CHECK_THAT(imported.out, Catch::Contains("line 17: attribute \"type\" is written twice"));
  }

  {
    // The untouched export still imports, to the same head.
    Run imported = Ledgerctl("import --data " + dir.sub("dst") + " --in " + exported);
    INFO(imported.out);
    CHECK(imported.exit_code == 0);
    CHECK(HeadOf(dir.sub("dst")) == HeadOf(src));
  }
}

TEST_CASE("an import that fails part way leaves no ledger with events; a good one then succeeds",
          "[ledgerctl]") {
  testing::TempDir dir;
  REQUIRE(Ledgerctl("simulate --data " + dir.sub("src") + " " + kSmall).exit_code == 0);
  std::string exported = dir.sub("e.ndjson");
  REQUIRE(Ledgerctl("export --data " + dir.sub("src") + " --out " + exported).exit_code == 0);
  std::vector<std::string> lines = testing::ReadLines(exported);
  REQUIRE(lines.size() > 20);
  const size_t events = lines.size();
  const size_t bad = events / 2;
  std::vector<std::string> broken = lines;
  broken[bad - 1] = broken[bad - 1].substr(0, broken[bad - 1].size() / 2);
  REQUIRE(testing::WriteLines(dir.sub("broken.ndjson"), broken));

  std::string dst = dir.sub("dst");
  Run failed = Ledgerctl("import --data " + dst + " --in " + dir.sub("broken.ndjson"));
  INFO(failed.out);
  CHECK(failed.exit_code == 1);
  CHECK_THAT(failed.out, Catch::Contains("line " + std::to_string(bad) + ": not a JSON object"));
  CHECK(HeadOf(dst).rfind("0 ", 0) == 0);
  CHECK_THAT(Ledgerctl("verify --data " + dst).out, Catch::Contains("chain ok: 0 events"));
  CHECK(StagingFolders(dst) == 0);

  Run imported = Ledgerctl("import --data " + dst + " --in " + exported);
  INFO(imported.out);
  REQUIRE(imported.exit_code == 0);
  CHECK_THAT(imported.out, Catch::Contains("imported " + std::to_string(events) + " events, head " +
                                           std::to_string(events) + " "));
  CHECK(HeadOf(dst) == HeadOf(dir.sub("src")));
  CHECK(Ledgerctl("verify --data " + dst).exit_code == 0);
  CHECK(StagingFolders(dst) == 0);

  // Into a folder that holds events: refused, and the folder is as it was.
  std::string before = HeadOf(dst);
  Run again = Ledgerctl("import --data " + dst + " --in " + exported);
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.out, Catch::Contains("already holds " + std::to_string(events) + " events"));
  CHECK(HeadOf(dst) == before);
}

TEST_CASE("an import killed part way leaves the folder's ledger empty and keeps what init made",
          "[ledgerctl]") {
  testing::TempDir dir;
  REQUIRE(Ledgerctl("simulate --data " + dir.sub("src") + " " + kSmall).exit_code == 0);
  std::string exported = dir.sub("e.ndjson");
  REQUIRE(Ledgerctl("export --data " + dir.sub("src") + " --out " + exported).exit_code == 0);
  const size_t events = testing::ReadLines(exported).size();
  REQUIRE(events > 20);
  std::string dst = dir.sub("dst");
  REQUIRE(Ledgerctl("init --data " + dst + " --origin test.example/dst").exit_code == 0);
  Run key = Ledgerctl("key show --data " + dst);
  REQUIRE(key.exit_code == 0);

  // Killed with SIGKILL once half the events are appended, as a kill -9 would.
  Run killed = Ledgerctl("import --data " + dst + " --in " + exported,
                         "LEDGERCTL_TEST_KILL_IMPORT_AFTER=" + std::to_string(events / 2));
  INFO(killed.out);
  CHECK(killed.exit_code != 0);
  CHECK_THAT(killed.out, !Catch::Contains("imported "));
  CHECK(HeadOf(dst).rfind("0 ", 0) == 0);
  CHECK_THAT(Ledgerctl("verify --data " + dst).out, Catch::Contains("chain ok: 0 events"));
  // What it staged is left, for the next import to remove.
  CHECK(StagingFolders(dst) == 1);

  Run imported = Ledgerctl("import --data " + dst + " --in " + exported);
  INFO(imported.out);
  REQUIRE(imported.exit_code == 0);
  CHECK_THAT(imported.out, Catch::Contains("left by an import that did not finish"));
  CHECK_THAT(imported.out, Catch::Contains("imported " + std::to_string(events) + " events"));
  CHECK(HeadOf(dst) == HeadOf(dir.sub("src")));
  CHECK(Ledgerctl("verify --data " + dst).exit_code == 0);
  CHECK(StagingFolders(dst) == 0);
  // The signing key init made is the folder's still.
  CHECK(Ledgerctl("key show --data " + dst).out == key.out);
}
