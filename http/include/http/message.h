// Plain request and response values: what the API handler sees and returns, with no sockets and
// no Beast types, so the handler can be tested without a network.

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as received: "/v1/log?from=1&limit=10"
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string remote;  // peer address, for logs

  // The header's value, or "" when absent. `name` in lower case.
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A streamed body (Server-Sent Events) produced without blocking a thread. The server pulls
// pieces on the connection's strand while its send queue has room, and asks to be woken when
// there may be more; it never calls one source from two threads at once.
class BodySource {
 public:
  struct Piece {
    std::string data;       // "" when nothing is ready yet
    uint64_t position = 0;  // where a client that received this piece would resume from
  };
  virtual ~BodySource() = default;
  // The next piece of at most about `max_bytes`, or an empty one when nothing is ready. Must not
  // wait: a bounded read of what is there.
  virtual Piece Next(size_t max_bytes) = 0;
  // Calls `wake` once, from any thread, when Next may have more, or after `timeout` at the
  // latest. `wake` may run before WhenMore returns.
  virtual void WhenMore(std::chrono::milliseconds timeout, std::function<void()> wake) = 0;
  // Sent after nothing came for a while, to keep the connection alive through proxies.
  virtual std::string KeepAlive() const = 0;
  // The position a client has when nothing was sent yet.
  virtual uint64_t start_position() const = 0;
  // The last words to a client dropped because it fell behind: where to resume (`position` is
  // that of the last piece it was sent whole).
  virtual std::string Dropped(uint64_t position, size_t queue_limit) const = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;
  std::string body;
  // When set, the body is streamed: the server sends the headers, then what `stream` yields
  // until the client goes away, falls behind, or the server stops.
  std::shared_ptr<BodySource> stream;
};

// Delivers the response to one request. Call it exactly once, from any thread. A response for a
// connection that has closed, or a server that has stopped, is dropped.
using Respond = std::function<void(Response)>;

// Turns requests into responses, in the manner of Beast's advanced server: the server hands each
// request over on the connection's I/O thread, and the handler answers at once or later.
class Handler {
 public:
  virtual ~Handler() = default;
  // Answers on the calling thread, taking as long as it takes (waits included): for tests, the
  // request fuzzer and tools. Safe to call from many threads at once.
  virtual Response Handle(const Request& request) = 0;
  // Called on an I/O thread that serves many connections, so it must not block: it answers
  // through `respond` either before returning (cheap answers) or later, from another thread
  // (after waiting for a position on a timer, or after work on a bounded pool). The default
  // answers at once with Handle, for handlers that never block.
  virtual void HandleAsync(Request request, Respond respond) { respond(Handle(request)); }
  // Looks at a request whose header has arrived and whose large body has not (its body is
  // empty): the answer to give without reading the body, when the body cannot change it (no
  // token, say); else nullopt, and the body is read, counted against `*who` (the token's id,
  // however its header was spelled). Called on an I/O thread; must not block.
  virtual std::optional<Response> Screen(const Request& head, std::string* who) {
    (void)head;
    who->clear();
    return std::nullopt;
  }
};

}  // namespace http
