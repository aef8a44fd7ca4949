#include <boost/json.hpp>

#include <filesystem>
#include <iostream>

#include "commands.h"
#include "common.h"

namespace ctl {

int RemoteHead(const Remote& remote) {
  auto reply = Call(remote, "GET", "/v1/head");
  if (!reply.ok()) return Fail(reply.status());
  if (reply->status != 200)
    return Fail("ledgerd answered " + std::to_string(reply->status) + ": " + reply->body);
  auto head = boost::json::parse(reply->body);
  std::cout << head.at("seq").as_int64() << " " << head.at("hash").as_string().c_str() << "\n";
  return 0;
}

int RemoteTail(const Remote& remote, size_t count, bool follow) {
  auto reply = Call(remote, "GET", "/v1/head");
  if (!reply.ok()) return Fail(reply.status());
  if (reply->status != 200)
    return Fail("ledgerd answered " + std::to_string(reply->status) + ": " + reply->body);
  uint64_t head = boost::json::parse(reply->body).at("seq").as_int64();
  uint64_t from = head > count ? head - count + 1 : 1;
  auto s =
      Subscribe(remote, "/v1/subscribe?from=" + std::to_string(from), [&](const std::string& data) {
        boost::json::error_code ec;
        auto v = boost::json::parse(data, ec);
        if (ec) return true;
        uint64_t seq = v.at("seq").as_int64();
        std::cout << seq << "\t" << boost::json::serialize(v.at("event")) << std::endl;
        // Without -f, stop at the head as it was when asked.
        return follow || seq < head;
      });
  if (!s.ok()) return Fail(s);
  return 0;
}

int RemoteBackup(const Remote& remote, const std::string& to) {
  std::string absolute = std::filesystem::absolute(to).string();
  auto reply = Call(remote, "POST", "/v1/admin/backup?to=" + absolute);
  if (!reply.ok()) return Fail(reply.status());
  if (reply->status != 201)
    return Fail("ledgerd answered " + std::to_string(reply->status) + ": " + reply->body);
  std::cout << "backup taken by the server in " << absolute << ": " << reply->body << "\n";
  return 0;
}

}  // namespace ctl
