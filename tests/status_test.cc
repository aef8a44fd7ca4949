// A Result is a value or a failure, never neither, and misuse of one stops the program with a
// message in every build, including the shipped ones that define NDEBUG.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <string>

#include "base/status.h"

namespace {

struct Ending {
  bool aborted = false;
  std::string stderr_text;
};

// Runs `body` in a child process and reports whether it died of SIGABRT and what it wrote to
// stderr, so a test can watch a deliberate abort without taking the test program down with it.
Ending RunInChild(const std::function<void()>& body) {
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child is a copy of the test program: without this, Catch's own SIGABRT handler would
    // report the abort as a failed test (and print a summary) before the child dies.
    signal(SIGABRT, SIG_DFL);
    close(pipe_fds[0]);
    dup2(pipe_fds[1], STDERR_FILENO);
    body();
    _exit(0);
  }
  close(pipe_fds[1]);
  Ending ending;
  char buffer[512];
  for (;;) {
    ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    ending.stderr_text.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  ending.aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
  return ending;
}

ledger::Result<int> Fails() { return ledger::Status::NotFound("complaint/7 has no events"); }

}  // namespace

TEST_CASE("a Result holds its value or its failure", "[status]") {
  ledger::Result<int> good = 7;
  REQUIRE(good.ok());
  CHECK(good.value() == 7);
  CHECK(good.status().ok());

  ledger::Result<int> bad = Fails();
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == ledger::Code::kNotFound);
  CHECK(bad.status().ToString() == "Not found: complaint/7 has no events");
}

TEST_CASE("reading the value of a failed Result aborts with the failure's message", "[status]") {
  Ending lvalue = RunInChild([] {
    ledger::Result<int> bad = Fails();
    volatile int read = bad.value();
    (void)read;
  });
  CHECK(lvalue.aborted);
  CHECK(lvalue.stderr_text.find("Not found: complaint/7 has no events") != std::string::npos);

  Ending arrow = RunInChild([] {
    ledger::Result<std::string> bad = ledger::Status::Timeout("the writer did not answer");
    volatile size_t size = bad->size();
    (void)size;
  });
  CHECK(arrow.aborted);
  CHECK(arrow.stderr_text.find("Timeout: the writer did not answer") != std::string::npos);

  Ending moved = RunInChild([] {
    std::string taken = std::move(Fails()).value() == 0 ? "zero" : "other";
    (void)taken;
  });
  CHECK(moved.aborted);
  CHECK(moved.stderr_text.find("complaint/7 has no events") != std::string::npos);
}

TEST_CASE("a Result cannot be built from an OK status", "[status]") {
  Ending ending = RunInChild([] {
    ledger::Result<int> neither = ledger::Status::Ok();
    (void)neither;
  });
  CHECK(ending.aborted);
  CHECK(ending.stderr_text.find("built from an OK Status") != std::string::npos);
}

TEST_CASE("the child runner tells a clean exit from an abort", "[status]") {
  // Without this, a runner that always reported "aborted" would make the tests above pass.
  Ending ending = RunInChild([] {
    ledger::Result<int> good = 3;
    (void)good.value();
  });
  CHECK_FALSE(ending.aborted);
  CHECK(ending.stderr_text.empty());
}
