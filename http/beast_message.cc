#include "beast_message.h"

#include <cctype>
#include <utility>

namespace http {

namespace bhttp = boost::beast::http;

Request ToRequest(BeastRequest&& in, const std::string& remote) {
  Request out;
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  for (const auto& field : in) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // A header sent twice keeps both values, a line apart, so that the handler can refuse
    // what it must not guess at (two Authorization headers).
    auto [it, inserted] = out.headers.emplace(name, std::string(field.value()));
    if (!inserted) it->second += "\n" + std::string(field.value());
  }
  out.body = std::move(in.body());
  out.remote = remote;
  return out;
}

BeastResponse ToBeast(Response&& in, unsigned version, bool keep_alive) {
  BeastResponse out{static_cast<bhttp::status>(in.status), version};
  out.set(bhttp::field::server, "governance-ledger");
  out.set(bhttp::field::content_type, in.content_type);
  // API answers hold ledger data for one token: never sniffed as a page, framed, or kept by a
  // shared cache. The dashboard's files set their own policy and caching, which win.
  out.set("X-Content-Type-Options", "nosniff");
  out.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  out.set(bhttp::field::cache_control, "no-store");
  for (const auto& [name, value] : in.headers) out.set(name, value);
  out.body() = std::move(in.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

}  // namespace http
