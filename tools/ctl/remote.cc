#include "remote.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

ledger::Result<Remote> Remote::Parse(const std::string& url, const std::string& token) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    return ledger::Status::InvalidArgument("--server \"" + url +
                                           "\" must look like http://127.0.0.1:8080");
  }
  std::string rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  Remote r;
  r.token = token;
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos || (rest[0] == '[' && rest.find(']') > colon)) {
    r.host = rest;
  } else {
    r.host = rest.substr(0, colon);
    r.port = rest.substr(colon + 1);
  }
  if (!r.host.empty() && r.host.front() == '[') r.host = r.host.substr(1, r.host.size() - 2);
  if (token.empty()) return ledger::Status::InvalidArgument("--server needs --token");
  return r;
}

namespace {

ledger::Status Connect(const Remote& remote, asio::io_context& io, beast::tcp_stream& stream) {
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(remote.host, remote.port, ec);
  if (!ec) stream.connect(endpoints, ec);
  if (ec) {
    return ledger::Status::Unavailable("cannot reach ledgerd at " + remote.host + ":" +
                                       remote.port + ": " + ec.message());
  }
  return ledger::Status::Ok();
}

bhttp::request<bhttp::string_body> MakeRequest(const Remote& remote, const std::string& method,
                                               const std::string& target) {
  bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(method), target, 11};
  request.set(bhttp::field::host, remote.host);
  request.set(bhttp::field::authorization, "Bearer " + remote.token);
  request.prepare_payload();
  return request;
}

}  // namespace

ledger::Result<RemoteReply> Call(const Remote& remote, const std::string& method,
                                 const std::string& target) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(remote.host, remote.port, ec);
  if (ec) {
    return ledger::Status::Unavailable("cannot reach ledgerd at " + remote.host + ":" +
                                       remote.port + ": " + ec.message());
  }
  // Asynchronous, so that the deadline holds: a blocking read waits for ever on a server that
  // accepts and never answers, or answers a byte a second.
  auto request = MakeRequest(remote, method, target);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  bool connected = false;
  if (remote.timeout.count() > 0) stream.expires_after(remote.timeout);
  stream.async_connect(endpoints, [&](beast::error_code e, const auto&) {
    if ((ec = e)) return;
    connected = true;
    bhttp::async_write(stream, request, [&](beast::error_code e, size_t) {
      if ((ec = e)) return;
      bhttp::async_read(stream, buffer, response, [&](beast::error_code e, size_t) { ec = e; });
    });
  });
  io.run();
  std::string where = remote.host + ":" + remote.port;
  if (ec == beast::error::timeout) {
    return ledger::Status::Unavailable("ledgerd at " + where + " did not answer " + target +
                                       " within " + std::to_string(remote.timeout.count()) +
                                       " s (--timeout)");
  }
  if (ec && !connected) {
    return ledger::Status::Unavailable("cannot reach ledgerd at " + where + ": " + ec.message());
  }
  if (ec) return ledger::Status::Unavailable("ledgerd did not answer: " + ec.message());
  return RemoteReply{static_cast<int>(response.result_int()), response.body()};
}

ledger::Status Subscribe(const Remote& remote, const std::string& target,
                         const std::function<bool(const std::string& data)>& on_data) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  ledger::Status connected = Connect(remote, io, stream);
  if (!connected.ok()) return connected;
  beast::error_code ec;
  bhttp::write(stream, MakeRequest(remote, "GET", target), ec);
  if (ec) return ledger::Status::Unavailable("ledgerd did not answer: " + ec.message());
  std::string pending;
  bool in_body = false;
  char chunk[8192];
  for (;;) {
    size_t n = stream.socket().read_some(asio::buffer(chunk), ec);
    if (ec) return ledger::Status::Ok();  // the server closed the stream
    pending.append(chunk, n);
    if (!in_body) {
      size_t end = pending.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      std::string head = pending.substr(0, end);
      if (head.find(" 200 ") == std::string::npos) {
        return ledger::Status::Unavailable("ledgerd refused the subscription: " +
                                           head.substr(0, head.find("\r\n")));
      }
      pending.erase(0, end + 4);
      in_body = true;
    }
    size_t line_end;
    while ((line_end = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, line_end);
      pending.erase(0, line_end + 1);
      if (line.rfind("data: ", 0) == 0 && !on_data(line.substr(6))) return ledger::Status::Ok();
    }
  }
}

}  // namespace ctl
