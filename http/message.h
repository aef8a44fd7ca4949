// Plain request and response values: what the API handler sees and returns, with no sockets and
// no Beast types, so the handler can be tested without a network.

#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
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

// Writes successive pieces of a streamed body (Server-Sent Events). Returns false to end the
// stream; `write` returns false once the client has gone.
using BodyStream = std::function<bool(const std::function<bool(std::string_view)>& write)>;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;
  std::string body;
  // When set, the body is streamed: the server sends the headers, then calls `stream` on a
  // thread of its own until it returns false or the client goes away.
  BodyStream stream;
};

// Turns requests into responses. Called from many threads at once.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual Response Handle(const Request& request) = 0;
};

}  // namespace http
