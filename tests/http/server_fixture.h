// The real service on an ephemeral loopback port, and a small HTTP/1.1 client that talks to it
// over real sockets.

#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "../test_support.h"
#include "codec/event_json.h"
#include "http/api.h"
#include "http/metrics.h"
#include "http/server.h"
#include "http/tokens.h"
#include "ledger/checkpoints.h"
#include "ledger/ledger.h"
#include "projections/engine.h"

namespace testing {

struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string body;
  std::map<std::string, std::string> headers;
  boost::json::value json() const {
    boost::json::error_code ec;
    auto v = boost::json::parse(body, ec);
    INFO(body);
    REQUIRE_FALSE(ec);
    return v;
  }
};

// One keep-alive connection.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : stream_(io_) {
    stream_.connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  }

  HttpReply Send(const std::string& method, const std::string& target, const std::string& token,
                 const std::string& body = "",
                 const std::string& content_type = "application/json") {
    namespace http = boost::beast::http;
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    if (!body.empty() || method == "POST") {
      request.set(http::field::content_type, content_type);
      request.body() = body;
    }
    request.prepare_payload();
    http::write(stream_, request);
    return Receive();
  }

  HttpReply Receive() {
    namespace http = boost::beast::http;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(stream_, buffer_, parser);
    auto response = parser.release();
    HttpReply reply;
    reply.status = response.result_int();
    reply.content_type = std::string(response[http::field::content_type]);
    for (const auto& field : response) {
      reply.headers[std::string(field.name_string())] = std::string(field.value());
    }
    reply.body = response.body();
    return reply;
  }

  // Writes raw bytes (for pipelining and malformed requests).
  void WriteRaw(const std::string& bytes) {
    boost::asio::write(stream_, boost::asio::buffer(bytes));
  }

  boost::beast::tcp_stream& stream() { return stream_; }

 private:
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

class ServerFixture {
 public:
  // With `origin`, the log gets a signing key and signs checkpoints (ledger/checkpoints.h).
  // Without `follow`, the views apply nothing until the test calls engine().CatchUp().
  explicit ServerFixture(http::ServerOptions server_options = {}, http::ApiOptions api_options = {},
                         const std::string& origin = "", bool follow = true) {
    ledger::Options options;
    options.sync = false;
    options.clock = [this] { return now; };
    log_ = std::move(ledger::Ledger::Open(dir_.sub("ledger"), options)).value();
    engine_ = std::move(projections::Engine::Open(log_.get(), dir_.sub("views"), {})).value();
    if (follow) engine_->StartFollowing();
    tokens_ = std::make_unique<http::TokenStore>(dir_.sub("tokens"));
    if (!origin.empty()) {
      REQUIRE(ledger::CreateSigningKey(dir_.sub("signing.key"), origin).ok());
      auto key = ledger::LoadSigningKey(dir_.sub("signing.key"));
      REQUIRE(key.ok());
      auto opened = ledger::Checkpointer::Open(log_.get(), std::move(key).value(),
                                               dir_.sub("checkpoints"), {});
      REQUIRE(opened.ok());
      checkpointer_ = std::move(opened).value();
      api_options.checkpoints = checkpointer_.get();
    }
    api_options.clock = [this] { return now; };
    api_ = std::make_unique<http::Api>(log_.get(), engine_.get(), tokens_.get(), &json_, &metrics_,
                                       api_options);
    server_options.address = "127.0.0.1";
    server_options.port = 0;
    server_options.threads = 2;
    server_options.metrics = &metrics_;
    auto started = http::Server::Start(api_.get(), server_options);
    REQUIRE(started.ok());
    server_ = std::move(started).value();
    admin = Token(ledger::schema::Role::ADMIN, "person/admin");
  }
  ~ServerFixture() {
    server_.reset();
    api_.reset();  // its waits and pools go before the engine they use
    engine_.reset();
  }

  std::string Token(ledger::schema::Role role, const std::string& actor,
                    std::vector<std::string> estates = {}, const std::string& company = "") {
    http::Principal who;
    who.role = role;
    who.actor_id = actor;
    who.estates = std::move(estates);
    who.company_id = company;
    auto token = tokens_->Create(who);
    REQUIRE(token.ok());
    return *token;
  }

  HttpClient Client() { return HttpClient(server_->port()); }
  uint16_t port() const { return server_->port(); }
  ledger::Ledger& log() { return *log_; }
  projections::Engine& engine() { return *engine_; }
  http::Server& server() { return *server_; }
  http::Api& api() { return *api_; }
  ledger::Checkpointer* checkpointer() { return checkpointer_.get(); }

  int64_t now = 1'735'689'600'000;  // 2025-01-01T00:00:00Z
  std::string admin;

 private:
  TempDir dir_;
  std::unique_ptr<ledger::Ledger> log_;
  std::unique_ptr<ledger::Checkpointer> checkpointer_;
  std::unique_ptr<projections::Engine> engine_;
  codec::EventJson json_;
  http::Metrics metrics_;
  std::unique_ptr<http::TokenStore> tokens_;
  std::unique_ptr<http::Api> api_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace testing
