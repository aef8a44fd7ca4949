// The server under test, seen from outside: ledgerd started in a child process on loopback and
// killed at will, and a small HTTP/1.1 client with time-outs to talk to it.

#pragma once

#include <sys/types.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "crash_drill_common.h"

namespace crash_drill {

// ledgerd in a child process.
class Daemon {
 public:
  // Starts ledgerd on `data`, its output appended to `log`, and waits (bounded) for the line that
  // names its port. nullopt, with the reason in `*why`, if it does not come up.
  static std::optional<Daemon> Start(const std::string& ledgerd, const std::string& data,
                                     const std::string& log, std::string* why);

  Daemon() = default;
  Daemon(Daemon&& other) noexcept { *this = std::move(other); }
  Daemon& operator=(Daemon&& other) noexcept {
    std::swap(pid_, other.pid_);
    std::swap(port_, other.port_);
    std::swap(drain_, other.drain_);
    return *this;
  }
  ~Daemon() {
    if (pid_ > 0) Kill(SIGKILL);
    if (drain_.joinable()) drain_.join();
  }

  // Sends `signal` and reaps the process; returns its wait status. A SIGTERM that does not end
  // the server within 30 s is followed by SIGKILL.
  int Kill(int signal);

  uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::thread drain_;
};

// A small HTTP/1.1 client with time-outs.

struct Reply {
  int status = 0;
  std::string body;
};

class Client {
 public:
  explicit Client(uint16_t port);

  // Throws boost::system::system_error when the server is gone or silent for 30 s.
  Reply Send(const std::string& method, const std::string& target, const std::string& token,
             const std::string& body = "");

 private:
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace crash_drill
