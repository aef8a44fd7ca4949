// The HTTP/1.1 server: Boost.Beast over Asio, asynchronous end to end, one strand per connection.
//
// No thread ever waits for a client or for a handler: the I/O threads read a request, hand it to
// Handler::HandleAsync and go on; the answer comes back through a callback posted to the
// connection's strand (see http/message.h). Keep-alive and pipelining (up to `max_pipelined`
// requests answered in order per connection), a body limit, and deadlines per request: the idle
// and read timeouts apply only while a request is being received, so a response that takes long
// (a wait for a position) is still delivered, and a client that does not read its response
// within `write_timeout` is dropped. Streamed responses (Server-Sent Events) are pulled from a
// BodySource on the connection's strand, with the same write deadline and a bounded send queue.
//
// Overload is answered, never queued without bound: past `max_connections` a new connection
// gets 503 and is closed (the fds stay under the process's limit); when accepting fails (out of
// fds, or any other error) the listener logs once, pauses briefly and keeps accepting.
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

#include "base/status.h"
#include "http/message.h"
#include "http/metrics.h"

namespace http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port
  int threads = 0;    // 0: as many as cores
  size_t body_limit = 8 << 20;
  // Bytes of request bodies being read at once, across connections; a body that would go over
  // is answered 503 with Retry-After (one at a time is always read).
  size_t max_body_bytes = 256 << 20;
  std::chrono::seconds read_timeout{30};   // for a request to arrive whole once begun
  std::chrono::seconds idle_timeout{75};   // between requests on a kept-alive connection
  std::chrono::seconds write_timeout{15};  // for a client to take a response (or stream piece)
  size_t max_pipelined = 16;               // requests read ahead of their responses
  size_t max_streams = 64;                 // concurrent streamed responses
  // Bytes of a stream waiting to be sent before its client is told where to resume and dropped.
  size_t max_stream_queue = 1 << 20;
  // The kernel's send buffer of a stream's socket (SO_SNDBUF), so that how far a client may fall
  // behind is bounded by the two settings, not by TCP's autotuning (megabytes per socket).
  size_t stream_send_buffer = 256 << 10;
  // Open connections; one more closes the one that has waited longest for a request (none
  // owed), or is answered 503 and closed when none waits. 0: a quarter of the process's fd
  // limit (RLIMIT_NOFILE), so that the ledger's own files always have room.
  size_t max_connections = 0;
  // How long Stop lets requests in flight finish before it closes their connections.
  std::chrono::seconds stop_grace{10};
  // How often an idle stream sends a keep-alive comment.
  std::chrono::milliseconds stream_keepalive{15000};
  // Where connections, refusals and dropped clients are counted for /metrics; may be null.
  Metrics* metrics = nullptr;
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

  // Stops accepting, closes streams and idle connections, lets requests in flight finish (at most
  // `stop_grace`), closes what is left, and returns once every connection is gone. Idempotent.
  void Stop();

  // Blocks until Stop is called (from another thread or a signal handler set up by the caller).
  void Wait();

  // Connections open now, connections refused with 503 over the limit, and accepts that failed
  // (out of fds, say), since the start.
  size_t connections() const;
  uint64_t refused_connections() const;
  uint64_t accept_failures() const;

 private:
  class Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace http
