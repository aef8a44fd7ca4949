// Nothing acknowledged is lost: a short run of tools/crash_drill.cc, which kills the real ledgerd
// with SIGKILL while concurrent clients append over HTTP, restarts it and checks every
// acknowledged event, the chain, and the views against a rebuild (tools/crash_test.sh runs it for
// 20 cycles and more). Then the drill's checker is shown to catch what it claims to catch.

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

namespace {

struct Run {
  int exit_code = -1;
  std::string output;
};

Run Drill(const std::string& arguments) {
  std::string command =
      std::string(CRASH_DRILL_PATH) + " --ledgerd " + LEDGERD_PATH + " " + arguments + " 2>&1";
  Run run;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.output.append(buffer, n);
  int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// Replaces the `field`th tab-separated field of `line`.
std::string WithField(const std::string& line, size_t field, const std::string& value) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  for (std::string f; std::getline(in, f, '\t');) fields.push_back(f);
  REQUIRE(field < fields.size());
  fields[field] = value;
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "\t" : "") + fields[i];
  return out;
}

}  // namespace

TEST_CASE("acknowledged appends survive kill -9 of the server", "[crash]") {
  testing::TempDir dir;
  std::string drill = dir.sub("drill");
  Run run = Drill("--cycles 3 --appenders 4 --max-kill-ms 700 --keep --data " + drill);
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(run.output.find("cycle 1/3: killed after") != std::string::npos);
  CHECK(run.output.find("cycle 3/3: killed after") != std::string::npos);
  CHECK(run.output.find("clean stop: SIGTERM exits 0") != std::string::npos);
  CHECK(run.output.find("crash drill passed: 3 cycles") != std::string::npos);

  // The journal holds what was acknowledged; the checker must agree with it as it is...
  std::string journal = drill + "/acks.tsv";
  std::vector<std::string> acks = testing::ReadLines(journal);
  REQUIRE(acks.size() > 10);
  Run check = Drill("--check --data " + drill);
  INFO(check.output);
  REQUIRE(check.exit_code == 0);

  // ...and catch each kind of broken promise: an event whose content differs from what was
  // acknowledged, a head whose hash differs, an acknowledged event that is missing, and one id
  // acknowledged at two positions.
  size_t middle = acks.size() / 2;
  while (middle + 1 < acks.size() && acks[middle].find("\"complaintId\":\"") == std::string::npos) {
    ++middle;
  }
  REQUIRE(middle + 1 < acks.size());
  const std::string& line = acks[middle];
  std::string id;
  {
    std::stringstream in(line);
    for (int i = 0; i < 4; ++i) std::getline(in, id, '\t');
  }
  struct Tamper {
    const char* what;
    std::vector<std::string> lines;
    const char* expect;
  };
  std::vector<Tamper> cases;
  {
    auto changed = acks;
    size_t at = changed[middle].find("\"complaintId\":\"");
    changed[middle].insert(at + 15, "x");
    cases.push_back({"changed content", changed, "changed: what is stored"});
  }
  {
    auto changed = acks;
    changed[middle] = WithField(line, 5, std::string(64, '0'));
    cases.push_back({"changed head hash", changed, "was answered with the chain hash"});
  }
  {
    auto changed = acks;
    changed.push_back(WithField(WithField(line, 0, "999999999"), 3, "never-stored"));
    cases.push_back({"missing event", changed, "is missing: the log ends at"});
  }
  {
    auto changed = acks;
    changed.push_back(WithField(acks[middle + 1], 3, id));
    cases.push_back({"one id at two positions", changed, "was acknowledged at seq"});
  }
  for (const auto& tamper : cases) {
    INFO(tamper.what);
    testing::WriteLines(journal, tamper.lines);
    Run caught = Drill("--check --data " + drill);
    INFO(caught.output);
    CHECK(caught.exit_code == 1);
    CHECK(caught.output.find("VIOLATION") != std::string::npos);
    CHECK(caught.output.find(tamper.expect) != std::string::npos);
  }
  testing::WriteLines(journal, acks);
}
