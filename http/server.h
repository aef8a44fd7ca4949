// The HTTP/1.1 server: Boost.Beast over Asio, asynchronous, one strand per connection.
//
// Keep-alive and pipelining (up to `max_pipelined` requests answered in order per connection),
// a read timeout and an idle timeout, a body limit, and a graceful stop: stop accepting, let the
// requests in flight finish, then close. Streamed responses (Server-Sent Events) run on threads
// of their own, at most `max_streams` at once, so that they never hold an I/O thread.
//
//   http::ServerOptions options;            // 127.0.0.1, an ephemeral port
//   auto server = http::Server::Start(handler, options);
//   std::cout << (*server)->port();
//   (*server)->Stop();                      // or on SIGINT/SIGTERM, see ledgerd

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "http/message.h"
#include "ledger/status.h"

namespace http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port
  int threads = 0;    // 0: as many as cores
  size_t body_limit = 8 << 20;
  std::chrono::seconds read_timeout{30};  // for a request to arrive whole once begun
  std::chrono::seconds idle_timeout{75};  // between requests on a kept-alive connection
  size_t max_pipelined = 16;              // requests read ahead of their responses
  size_t max_streams = 64;                // concurrent streamed responses
};

class Server {
 public:
  // Binds, listens and starts the I/O threads. IOError if the address cannot be bound.
  static ledger::Result<std::unique_ptr<Server>> Start(Handler* handler,
                                                       const ServerOptions& options);
  // Stops (as Stop) and joins every thread.
  ~Server();

  // The port actually bound.
  uint16_t port() const;

  // Stops accepting, waits for requests in flight and streams to end (streams are told to stop),
  // then returns. Idempotent.
  void Stop();

  // Blocks until Stop is called (from another thread or a signal handler set up by the caller).
  void Wait();

 private:
  class Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace http
