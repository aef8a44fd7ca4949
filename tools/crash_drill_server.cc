#include "crash_drill_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/beast/http.hpp>

#include <chrono>
#include <utility>

namespace crash_drill {

std::optional<Daemon> Daemon::Start(const std::string& ledgerd, const std::string& data,
                                    const std::string& log, std::string* why) {
  int out[2];
  if (pipe(out) != 0) throw DrillError{"pipe failed"};
  int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw DrillError{"cannot write " + log};
  pid_t pid = fork();
  if (pid < 0) throw DrillError{"fork failed"};
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    close(out[0]);
    execl(ledgerd.c_str(), ledgerd.c_str(), "--listen", "127.0.0.1", "--port", "0", "--data",
          data.c_str(), "--sync", "1", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  Daemon daemon;
  daemon.pid_ = pid;
  std::string line;
  auto deadline = Clock::now() + std::chrono::seconds(60);
  bool ended = false;
  while (Clock::now() < deadline && !ended) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char c;
    ssize_t n = read(out[0], &c, 1);
    if (n <= 0 || c == '\n') ended = true;
    if (n == 1 && c != '\n') line.push_back(c);
  }
  auto at = line.find("127.0.0.1:");
  if (at == std::string::npos) {
    *why = "ledgerd did not report its port within 60 s (its first line: \"" + line +
           "\"; its log: " + log + ")";
    close(out[0]);
    close(log_fd);
    daemon.Kill(SIGKILL);
    return std::nullopt;
  }
  daemon.port_ = static_cast<uint16_t>(std::stoi(line.substr(at + 10)));
  // Whatever else it prints goes to the log, so that a full pipe never blocks it.
  daemon.drain_ = std::thread([fd = out[0], log_fd, line] {
    std::string first = line + "\n";
    [[maybe_unused]] ssize_t w = write(log_fd, first.data(), first.size());
    char buffer[4096];
    for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) {
      w = write(log_fd, buffer, static_cast<size_t>(n));
    }
    close(fd);
    close(log_fd);
  });
  return daemon;
}

int Daemon::Kill(int signal) {
  if (pid_ <= 0) return 0;
  kill(pid_, signal);
  int status = 0;
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  if (drain_.joinable()) drain_.join();
  return status;
}

Client::Client(uint16_t port) : stream_(io_) {
  stream_.expires_after(std::chrono::seconds(10));
  stream_.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
}

Reply Client::Send(const std::string& method, const std::string& target, const std::string& token,
                   const std::string& body) {
  namespace http = boost::beast::http;
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::authorization, "Bearer " + token);
  if (method == "POST") {
    request.set(http::field::content_type, "application/json");
    request.body() = body;
  }
  request.prepare_payload();
  stream_.expires_after(std::chrono::seconds(30));
  http::write(stream_, request);
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  http::read(stream_, buffer_, parser);
  return Reply{static_cast<int>(parser.get().result_int()), parser.get().body()};
}

}  // namespace crash_drill
