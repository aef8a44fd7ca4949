// ledgerctl against a running ledgerd over HTTP (which alone holds the store open while it runs).

#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "base/status.h"

namespace ctl {

struct Remote {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string token;
  // How long one request may take, from connecting to the last byte of its answer (0: no
  // limit): a server that accepted and never answered held a monitor for ever, with no alarm.
  std::chrono::seconds timeout{60};
  // "http://127.0.0.1:8080" (loopback addresses and names only; no TLS).
  static ledger::Result<Remote> Parse(const std::string& url, const std::string& token);
};

struct RemoteReply {
  int status = 0;
  std::string body;
};

// One request and its answer, within remote.timeout.
ledger::Result<RemoteReply> Call(const Remote& remote, const std::string& method,
                                 const std::string& target);

// Reads Server-Sent Events from `target`, calling `on_data` with each event's data line, until
// it returns false or the server closes.
ledger::Status Subscribe(const Remote& remote, const std::string& target,
                         const std::function<bool(const std::string& data)>& on_data);

}  // namespace ctl
