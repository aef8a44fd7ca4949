// A hostile client cannot stop the server: over real HTTP on a loopback port, the listener
// survives running out of fds, long waits hold no thread, slow answers are still delivered,
// stalled subscribers are dropped, and numbers out of range are refused.

#include <fcntl.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "server_fixture.h"

using testing::HttpClient;
using testing::HttpReply;
using testing::ServerFixture;
using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;

namespace {

std::string EscalationJson(const std::string& id, const std::string& complaint,
                           const std::string& reason) {
  return R"({"eventId":")" + id + R"(","type":"complaintEscalated","data":{"complaintId":")" +
         complaint + R"(","reason":")" + reason + R"("}})";
}

std::string ComplaintJson(const std::string& id, const std::string& complaint,
                          const std::string& summary = "电梯停运三天，老人下不了楼") {
  return R"({"eventId":")" + id +
         R"(","type":"complaintFiled","occurredAt":"2025-03-01T21:30:00+08:00","data":{"complaintId":")" +
         complaint +
         R"(","estateId":"estate/e-1","category":"lift","channel":"wechatGroup","summary":")" +
         summary + R"("}})";
}

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A raw connection: sends bytes, reads what comes (or nothing, for a client that never reads).
struct RawClient {
  asio::io_context io;
  asio::ip::tcp::socket socket{io};
  explicit RawClient(uint16_t port, std::optional<int> receive_buffer = std::nullopt) {
    socket.open(asio::ip::tcp::v4());
    if (receive_buffer) socket.set_option(asio::socket_base::receive_buffer_size(*receive_buffer));
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
  }
  void Write(const std::string& bytes) { asio::write(socket, asio::buffer(bytes)); }
  // Reads until `needle` is seen, the peer closes, or `limit` passes.
  std::string ReadUntil(const std::string& needle,
                        std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::string seen;
    auto deadline = Clock::now() + limit;
    socket.non_blocking(true);
    char buffer[8192];
    while (seen.find(needle) == std::string::npos && Clock::now() < deadline) {
      boost::system::error_code ec;
      size_t n = socket.read_some(asio::buffer(buffer), ec);
      if (ec == asio::error::would_block) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      if (ec) break;
      seen.append(buffer, n);
    }
    return seen;
  }
};

std::string Get(const std::string& target, const std::string& token,
                const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n" +
         extra_headers + "\r\n";
}

}  // namespace

TEST_CASE("the listener accepts again after the process ran out of fds", "[http][overload]") {
  http::ServerOptions options;
  options.max_connections = 100000;  // the fd limit, not the connection limit, is hit here
  options.stop_grace = std::chrono::seconds(1);
  ServerFixture f(options);
  {
    auto c = f.Client();
    REQUIRE(c.Send("GET", "/healthz", "").status == 200);
  }
  rlimit saved{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
  // Count the fds open now, and leave room for only a few more.
  int open_fds = 0;
  for (int fd = 0; fd < 4096; ++fd) {
    if (fcntl(fd, F_GETFD) != -1) ++open_fds;
  }
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(open_fds + 24);
  REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
  {
    // Each loopback connection takes a client fd here and, once accepted, a server fd: the
    // flood runs the process out of fds, and the server's accepts fail with EMFILE.
    asio::io_context io;
    std::vector<std::unique_ptr<asio::ip::tcp::socket>> flood;
    for (int i = 0; i < 64; ++i) {
      auto socket = std::make_unique<asio::ip::tcp::socket>(io);
      boost::system::error_code ec;
      socket->open(asio::ip::tcp::v4(), ec);
      if (ec) break;  // out of fds on this side too
      socket->connect({asio::ip::make_address("127.0.0.1"), f.port()}, ec);
      if (ec) break;
      flood.push_back(std::move(socket));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(f.server().accept_failures() > 0);
  }  // the flood closes
  REQUIRE(setrlimit(RLIMIT_NOFILE, &saved) == 0);
  // Freed: a new connection is accepted and answered (after the back-off, at most a second).
  auto start = Clock::now();
  std::optional<HttpReply> reply;
  while (!reply && MillisSince(start) < 10000) {
    try {
      auto c = f.Client();
      c.stream().expires_after(std::chrono::seconds(3));
      reply = c.Send("GET", "/healthz", "");
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  REQUIRE(reply);
  CHECK(reply->status == 200);
}

TEST_CASE("connections over the limit are answered 503 and closed", "[http][overload]") {
  http::ServerOptions options;
  options.max_connections = 4;
  ServerFixture f(options);
  // Four connections busy with a response each (live streams): none waits for a request.
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawClient>(f.port()));
    held.back()->Write(Get("/v1/subscribe?from=1", f.admin));
    REQUIRE_THAT(held.back()->ReadUntil("\r\n\r\n"), Catch::StartsWith("HTTP/1.1 200"));
  }
  RawClient over(f.port());
  std::string refused = over.ReadUntil("too many connections");
  CHECK_THAT(refused, Catch::StartsWith("HTTP/1.1 503"));
  CHECK_THAT(refused, Catch::Contains("Retry-After: 1"));
  CHECK(f.server().refused_connections() >= 1);
  held.pop_back();
  // The slot is free again once the server has seen the close.
  auto start = Clock::now();
  int status = 0;
  while (status != 200 && MillisSince(start) < 5000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    RawClient again(f.port());
    again.Write(Get("/healthz", ""));
    std::string got = again.ReadUntil("\r\n\r\n", std::chrono::seconds(2));
    if (got.rfind("HTTP/1.1 200", 0) == 0) status = 200;
  }
  CHECK(status == 200);
  // Counted where an operator looks.
  held.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto c = f.Client();
  CHECK_THAT(c.Send("GET", "/metrics", "").body,
             Catch::Contains("http_connections_refused_total 1\n"));
}

TEST_CASE("at the connection limit, the connection that waited longest for a request makes room",
          "[http][overload]") {
  http::ServerOptions options;
  options.max_connections = 4;
  ServerFixture f(options);
  // One client's idle connections: three that never send a byte, one that trickles a header.
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<RawClient>(f.port()));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  idle.push_back(std::make_unique<RawClient>(f.port()));
  idle.back()->Write("GET /healthz HTTP/1.1\r\nHo");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // Everyone else is still served, one new connection after another.
  for (int i = 0; i < 6; ++i) {
    RawClient next(f.port());
    next.Write(Get("/v1/head", f.admin));
    CHECK_THAT(next.ReadUntil("\r\n\r\n"), Catch::StartsWith("HTTP/1.1 200"));
  }
  CHECK(f.server().refused_connections() == 0);
  // The first idle connection was the first closed: it reads the end of the stream.
  CHECK(idle.front()->ReadUntil("never", std::chrono::milliseconds(500)).empty());
  boost::system::error_code ec;
  char byte;
  idle.front()->socket.non_blocking(true);
  idle.front()->socket.read_some(asio::buffer(&byte, 1), ec);
  CHECK(ec == asio::error::eof);
  auto c = f.Client();
  std::string metrics = c.Send("GET", "/metrics", "").body;
  CHECK_THAT(metrics, Catch::Contains("http_idle_connections_closed_total"));
  CHECK_THAT(metrics, !Catch::Contains("http_idle_connections_closed_total 0\n"));
}

TEST_CASE(
    "a large body is refused before it is read without a valid token, and bodies in flight "
    "are bounded",
    "[http][overload]") {
  http::ServerOptions options;
  options.max_body_bytes = 1 << 20;
  ServerFixture f(options);
  auto post = [](const std::string& token, size_t length) {
    return "POST /v1/streams/complaint/c-1/events HTTP/1.1\r\nHost: x\r\nContent-Type: "
           "application/json\r\n" +
           (token.empty() ? std::string() : "Authorization: Bearer " + token + "\r\n") +
           "Content-Length: " + std::to_string(length) + "\r\n\r\n" + std::string(100, ' ');
  };
  // Eight megabytes announced, a hundred bytes sent: the 401 comes at once, not after the rest.
  for (const std::string& token : {std::string(), std::string("not-a-token")}) {
    RawClient client(f.port());
    auto start = Clock::now();
    client.Write(post(token, 8 << 20));
    std::string answer = client.ReadUntil("\r\n\r\n", std::chrono::seconds(5));
    CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 401"));
    CHECK(MillisSince(start) < 3000);
  }
  // With a valid token, 800,000 bytes announced hold their share of the 1 MiB until read: a
  // second such body is answered 503 at once, and read once the first is done.
  RawClient first(f.port());
  first.Write(post(f.admin, 800000));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  {
    RawClient second(f.port());
    second.Write(post(f.admin, 800000));
    std::string busy = second.ReadUntil("\r\n\r\n", std::chrono::seconds(5));
    CHECK_THAT(busy, Catch::StartsWith("HTTP/1.1 503"));
    CHECK_THAT(busy, Catch::Contains("Retry-After: 1"));
  }
  first.Write(std::string(800000 - 100, ' '));
  CHECK_THAT(first.ReadUntil("\r\n\r\n"), Catch::StartsWith("HTTP/1.1 400"));  // not JSON
  RawClient third(f.port());
  third.Write(post(f.admin, 800000) + std::string(800000 - 100, ' '));
  CHECK_THAT(third.ReadUntil("\r\n\r\n"), Catch::StartsWith("HTTP/1.1 400"));
  // A small body is screened too: a thousand bytes announced, a hundred sent, and the 401 comes
  // at once (five thousand connections sending such bodies a byte at a time took every slot).
  RawClient small(f.port());
  auto start = Clock::now();
  small.Write(post("", 1000));
  CHECK_THAT(small.ReadUntil("\r\n\r\n", std::chrono::seconds(5)),
             Catch::StartsWith("HTTP/1.1 401"));
  CHECK(MillisSince(start) < 3000);
  // And with a token, a whole small body is read and answered as before.
  RawClient whole(f.port());
  whole.Write(post(f.admin, 100));
  CHECK_THAT(whole.ReadUntil("\r\n\r\n"), Catch::StartsWith("HTTP/1.1 400"));  // not JSON
}

TEST_CASE("at the connection limit, a connection still sending its body makes room too",
          "[http][overload]") {
  http::ServerOptions options;
  options.max_connections = 2;
  ServerFixture f(options);
  // Two connections of a valid token, each sending a small body a few bytes at a time.
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 2; ++i) {
    slow.push_back(std::make_unique<RawClient>(f.port()));
    slow.back()->Write(
        "POST /v1/streams/complaint/c-1/events HTTP/1.1\r\nHost: x\r\nContent-Type: "
        "application/json\r\nAuthorization: Bearer " +
        f.admin + "\r\nContent-Length: 1000\r\n\r\n{");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Everyone else is still served.
  for (int i = 0; i < 3; ++i) {
    RawClient next(f.port());
    next.Write(Get("/v1/head", f.admin));
    CHECK_THAT(next.ReadUntil("\r\n\r\n"), Catch::StartsWith("HTTP/1.1 200"));
  }
  CHECK(f.server().refused_connections() == 0);
}

TEST_CASE("at the connection limit, a connection refused before its body makes room",
          "[http][overload]") {
  http::ServerOptions options;
  options.max_connections = 2;
  ServerFixture f(options);
  // Answered at once without a token, each then drains its unread body for up to 2 s.
  std::vector<std::unique_ptr<RawClient>> refused;
  for (int i = 0; i < 2; ++i) {
    refused.push_back(std::make_unique<RawClient>(f.port()));
    refused.back()->Write(
        "POST /v1/streams/complaint/c-1/events HTTP/1.1\r\nHost: x\r\nContent-Length: "
        "100\r\n\r\n{");
    CHECK_THAT(refused.back()->ReadUntil("\r\n\r\n"), Catch::StartsWith("HTTP/1.1 401"));
  }
  for (int i = 0; i < 2; ++i) {
    RawClient next(f.port());
    next.Write(Get("/v1/head", f.admin));
    CHECK_THAT(next.ReadUntil("\r\n\r\n"), Catch::StartsWith("HTTP/1.1 200"));
  }
  CHECK(f.server().refused_connections() == 0);
}

TEST_CASE("64 long waits hold no thread: health and appends stay fast", "[http][overload]") {
  http::ServerOptions options;
  options.stop_grace = std::chrono::seconds(1);
  ServerFixture f(options);
  // Eight tokens, eight waits each: as many as one token may have under way.
  std::vector<std::string> tokens;
  for (int i = 0; i < 8; ++i) {
    tokens.push_back(f.Token(ledger::schema::Role::STREET_AUDITOR, "person/w" + std::to_string(i)));
  }
  std::vector<std::unique_ptr<RawClient>> waiting;
  for (int i = 0; i < 64; ++i) {
    waiting.push_back(std::make_unique<RawClient>(f.port()));
    waiting.back()->Write(
        Get("/v1/views/complaints?atLeast=999999999&wait=30000", tokens[i % tokens.size()]));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto c = f.Client();
  auto start = Clock::now();
  CHECK(c.Send("GET", "/healthz", "").status == 200);
  double health_ms = MillisSince(start);
  start = Clock::now();
  CHECK(c.Send("POST", "/v1/streams/complaint%2Fw/events", f.admin, ComplaintJson("w-1", "w"))
            .status == 201);
  double append_ms = MillisSince(start);
  start = Clock::now();
  CHECK(c.Send("GET", "/v1/views/complaints?atLeast=1", f.admin).status == 200);
  double view_ms = MillisSince(start);
  INFO("healthz " << health_ms << " ms, append " << append_ms << " ms, view " << view_ms << " ms");
  CHECK(health_ms < 300);
  CHECK(append_ms < 300);
  CHECK(view_ms < 300);
}

TEST_CASE("one token's requests under way are bounded, and other tokens are served",
          "[http][overload]") {
  http::ServerOptions options;
  options.stop_grace = std::chrono::seconds(1);
  http::ApiOptions api_options;
  api_options.work_per_token = 3;
  ServerFixture f(options, api_options);
  std::string hog = f.Token(ledger::schema::Role::ADMIN, "person/hog");
  std::string other = f.Token(ledger::schema::Role::STREET_AUDITOR, "person/other");
  std::vector<std::unique_ptr<RawClient>> waiting;
  for (int i = 0; i < 3; ++i) {
    waiting.push_back(std::make_unique<RawClient>(f.port()));
    waiting.back()->Write(Get("/v1/views/complaints?atLeast=999999999&wait=1500", hog));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto c = f.Client();
  // The hog's fourth request for the pool is refused at once, a view as a read of the log.
  auto refused = c.Send("GET", "/v1/views/complaints", hog);
  CHECK(refused.status == 429);
  CHECK(refused.headers["Retry-After"] == "1");
  CHECK_THAT(refused.body, Catch::Contains("this token has 3 requests under way already"));
  CHECK(c.Send("GET", "/v1/log?from=1", hog).status == 429);
  CHECK(c.Send("GET", "/v1/reports/star-evaluation?year=2024", hog).status == 429);
  // The token written as the server reads it too (the scheme in any case, spaces around it).
  {
    RawClient lenient(f.port());
    lenient.Write(
        "GET /v1/views/complaints?atLeast=999999999&wait=30000 HTTP/1.1\r\nHost: "
        "x\r\nAuthorization: bearer  " +
        hog + " \r\n\r\n");
    CHECK_THAT(lenient.ReadUntil("\r\n\r\n", std::chrono::seconds(5)),
               Catch::StartsWith("HTTP/1.1 429"));
  }
  // Another token is served; the hog's cheap routes and appends are not counted.
  CHECK(c.Send("GET", "/v1/views/complaints", other).status == 200);
  CHECK(c.Send("GET", "/v1/head", hog).status == 200);
  CHECK(c.Send("POST", "/v1/streams/complaint%2Fhog/events", hog, ComplaintJson("hog-1", "hog"))
            .status == 201);
  // A request without a known token is refused as before, and takes no place.
  CHECK(c.Send("GET", "/v1/views/complaints", "not-a-token").status == 401);
  // Each wait ends with its 503; then the hog's places are its own again.
  for (auto& w : waiting) {
    CHECK_THAT(w->ReadUntil("\r\n\r\n", std::chrono::seconds(10)),
               Catch::StartsWith("HTTP/1.1 503"));
  }
  int status = 0;
  for (int i = 0; i < 40 && status != 200; ++i) {
    status = c.Send("GET", "/v1/views/complaints?atLeast=1", hog).status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(status == 200);
  CHECK_THAT(c.Send("GET", "/metrics", "").body,
             Catch::Contains("http_busy_total{queue=\"token\"} 4\n"));
}

TEST_CASE("a token without a place left gets its receipt later, not a place in the pool",
          "[http][overload]") {
  http::ServerOptions options;
  options.stop_grace = std::chrono::seconds(1);
  http::ApiOptions api_options;
  api_options.work_per_token = 1;
  ServerFixture f(options, api_options, "district.example/ledger");
  RawClient waiting(f.port());
  waiting.Write(Get("/v1/views/complaints?atLeast=999999999&wait=1500", f.admin));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // The append is made and answered; its receipt, which would take a place on the pool, is not.
  auto c = f.Client();
  auto reply = c.Send("POST", "/v1/streams/complaint%2Fr1/events?receipt=true", f.admin,
                      ComplaintJson("r1-1", "r1"));
  REQUIRE(reply.status == 201);
  CHECK_THAT(reply.body, Catch::Contains("\"receipt\":null"));
  CHECK_THAT(reply.body, Catch::Contains("fetch GET /v1/events/1/receipt"));
  CHECK_THAT(c.Send("GET", "/metrics", "").body,
             Catch::Contains("http_busy_total{queue=\"token\"} 1\n"));
  // Once the wait is over, the receipt comes with the append again.
  CHECK_THAT(waiting.ReadUntil("\r\n\r\n", std::chrono::seconds(10)),
             Catch::StartsWith("HTTP/1.1 503"));
  std::string body;
  for (int i = 0; i < 40; ++i) {
    body = c.Send("POST", "/v1/streams/complaint%2Fr2/events?receipt=true", f.admin,
                  ComplaintJson("r2-1", "r2"))
               .body;
    if (body.find("\"receipt\":\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK_THAT(body, Catch::Contains("\"receipt\":\""));
}

TEST_CASE("one token's live streams are bounded, and other tokens still subscribe",
          "[http][overload][sse]") {
  http::ServerOptions options;
  options.stream_keepalive = std::chrono::milliseconds(100);
  options.stop_grace = std::chrono::seconds(1);
  http::ApiOptions api_options;
  api_options.streams_per_token = 2;
  ServerFixture f(options, api_options);
  std::string other = f.Token(ledger::schema::Role::ADMIN, "person/other");
  auto first = std::make_unique<RawClient>(f.port());
  first->Write(Get("/v1/subscribe?from=1", f.admin));
  RawClient second(f.port());
  second.Write(Get("/v1/subscribe?from=1", f.admin));
  CHECK_THAT(first->ReadUntil("\r\n\r\n"), Catch::StartsWith("HTTP/1.1 200"));
  CHECK_THAT(second.ReadUntil("\r\n\r\n"), Catch::StartsWith("HTTP/1.1 200"));
  {
    RawClient third(f.port());
    third.Write(Get("/v1/subscribe?from=1", f.admin));
    std::string got = third.ReadUntil("live streams already");
    CHECK_THAT(got, Catch::StartsWith("HTTP/1.1 429"));
    CHECK_THAT(got, Catch::Contains("this token has 2 live streams already"));
  }
  RawClient others(f.port());
  others.Write(Get("/v1/subscribe?from=1", other));
  CHECK_THAT(others.ReadUntil("\r\n\r\n"), Catch::StartsWith("HTTP/1.1 200"));
  // A stream that ends gives its place back (the server notices at its next keep-alive).
  first.reset();
  bool served = false;
  auto start = Clock::now();
  while (!served && MillisSince(start) < 10000) {
    RawClient next(f.port());
    next.Write(Get("/v1/subscribe?from=1", f.admin));
    served = next.ReadUntil("\r\n\r\n", std::chrono::seconds(2)).rfind("HTTP/1.1 200", 0) == 0;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(served);
  // The third, and any of the tries above made before the first's place was given back.
  CHECK_THAT(f.Client().Send("GET", "/metrics", "").body,
             Catch::Contains("http_busy_total{queue=\"token-streams\"} ") &&
                 !Catch::Contains("http_busy_total{queue=\"token-streams\"} 0\n"));
}

TEST_CASE("a response ready after the idle timeout is still delivered", "[http][overload]") {
  // The principle of wait=30000 against a 30 s read timeout, shortened: a wait of 2.5 s on a
  // server whose idle and read timeouts are 1 s.
  http::ServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  options.read_timeout = std::chrono::seconds(1);
  ServerFixture f(options);
  auto c = f.Client();
  c.stream().expires_after(std::chrono::seconds(10));
  auto start = Clock::now();
  auto reply = c.Send("GET", "/v1/views/complaints?atLeast=5&wait=2500", f.admin);
  double waited = MillisSince(start);
  CHECK(reply.status == 503);
  CHECK(reply.headers["Retry-After"] == "1");
  CHECK_THAT(reply.body, Catch::Contains("not 5"));
  CHECK(waited >= 2400);
  CHECK(waited < 4000);
  // And the connection is still usable.
  CHECK(c.Send("GET", "/healthz", "").status == 200);
}

TEST_CASE("wait=30000 gets its 503 after 30 s", "[http][overload][.slow]") {
  ServerFixture f;
  auto c = f.Client();
  c.stream().expires_after(std::chrono::seconds(40));
  auto reply = c.Send("GET", "/v1/views/complaints?atLeast=5&wait=30000", f.admin);
  CHECK(reply.status == 503);
}

TEST_CASE("a subscriber that never reads is dropped and its slot reused", "[http][overload][sse]") {
  http::ServerOptions options;
  options.max_streams = 1;
  options.write_timeout = std::chrono::seconds(1);
  options.max_stream_queue = 64 << 10;
  options.stop_grace = std::chrono::seconds(1);
  ServerFixture f(options);
  RawClient stalled(f.port(), 4096);
  stalled.Write(Get("/v1/subscribe?from=1", f.admin));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  {
    // The slot is taken.
    RawClient second(f.port());
    second.Write(Get("/v1/subscribe?from=1", f.admin));
    CHECK_THAT(second.ReadUntil("\r\n\r\n", std::chrono::seconds(5)),
               Catch::StartsWith("HTTP/1.1 503"));
  }
  // Several MB of events: more than the socket buffers and the queue hold.
  auto c = f.Client();
  std::string summary(3000, 'x');
  for (int batch = 0; batch < 20; ++batch) {
    std::string body = "{\"events\":[";
    for (int i = 0; i < 100; ++i) {
      // One complaint per stream: filed, then escalated with long reasons.
      std::string complaint = "big-" + std::to_string(batch);
      std::string id = complaint + "-" + std::to_string(i);
      body += (i ? "," : "") + (i == 0 ? ComplaintJson(id, complaint, summary)
                                       : EscalationJson(id, complaint, summary));
    }
    REQUIRE(c.Send("POST", "/v1/streams/complaint%2Fbig-" + std::to_string(batch) + "/events",
                   f.admin, body + "]}")
                .status == 201);
  }
  // The stalled subscriber is dropped within the write timeout, and a new one gets the slot.
  auto start = Clock::now();
  bool served = false;
  while (!served && MillisSince(start) < 10000) {
    RawClient next(f.port());
    next.Write(Get("/v1/subscribe?from=2000", f.admin));
    std::string got = next.ReadUntil("\r\n\r\n", std::chrono::seconds(2));
    served = got.rfind("HTTP/1.1 200", 0) == 0;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  CHECK(served);
  CHECK_THAT(c.Send("GET", "/metrics", "").body,
             Catch::Contains("http_clients_dropped_total{reason=\"write-timeout\"} 1\n") ||
                 Catch::Contains("http_clients_dropped_total{reason=\"stream-behind\"} 1\n"));
}

TEST_CASE("a subscriber that falls behind is told where to resume", "[http][overload][sse]") {
  http::ServerOptions options;
  // Longer than the appends below take (under a sanitizer too): this client is dropped for
  // falling behind, not for a write that timed out (which closes without last words).
  options.write_timeout = std::chrono::seconds(60);
  options.max_stream_queue = 16 << 10;
  options.stream_send_buffer = 16 << 10;
  options.stop_grace = std::chrono::seconds(1);
  ServerFixture f(options);
  RawClient slow(f.port(), 4096);
  slow.Write(Get("/v1/subscribe?from=1", f.admin));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto c = f.Client();
  std::string summary(3000, 'y');
  // One append at a time, so that each one wakes the stream while its write is pending.
  for (int i = 0; i < 1500; ++i) {
    std::string id = "slow-" + std::to_string(i);
    REQUIRE(c.Send("POST", "/v1/streams/complaint%2F" + id + "/events", f.admin,
                   ComplaintJson(id, id, summary))
                .status == 201);
  }
  // Now read: what was written, then the last words, then the end.
  std::string got = slow.ReadUntil("resume from seq", std::chrono::seconds(20));
  size_t at = got.find(": dropped: this subscriber fell more than 16384 bytes behind");
  INFO("read " << got.size() << " bytes, ending in: "
               << got.substr(got.size() - std::min<size_t>(got.size(), 300)));
  REQUIRE(at != std::string::npos);
  // It names the seq after the last event it was sent whole.
  size_t last_id = got.rfind("\nid: ", at);
  REQUIRE(last_id != std::string::npos);
  uint64_t last = std::stoull(got.substr(last_id + 5, got.find('\n', last_id + 5) - last_id - 5));
  CHECK_THAT(got.substr(at), Catch::Contains("resume from seq " + std::to_string(last + 1) +
                                             " (Last-Event-ID: " + std::to_string(last) + ")"));
  CHECK_THAT(c.Send("GET", "/metrics", "").body,
             Catch::Contains("http_clients_dropped_total{reason=\"stream-behind\"} 1\n"));
}

TEST_CASE("appends past the in-flight limit get 503 at once, and nothing is written",
          "[http][overload]") {
  http::ApiOptions api;
  api.max_appends_in_flight = 0;  // the writer is "behind" from the start
  ServerFixture f({}, api);
  auto c = f.Client();
  HttpReply reply = c.Send("POST", "/v1/streams/complaint%2Fbusy-1/events", f.admin,
                           ComplaintJson("b-1", "busy-1"));
  CHECK(reply.status == 503);
  CHECK(reply.headers["Retry-After"] == "1");
  CHECK_THAT(reply.body, Catch::Contains("appends are waiting for the disk already"));
  CHECK(f.log().Head().seq == 0);
  CHECK_THAT(c.Send("GET", "/metrics", "").body,
             Catch::Contains("http_busy_total{queue=\"appends\"} 1\n"));
}

TEST_CASE("many appends in flight on few connections are all answered, in order per connection",
          "[http][overload]") {
  ServerFixture f;
  // Pipelined: 16 appends written before any answer is read, on each of 4 connections; the
  // writer answers them from its thread, and each connection answers in request order.
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int k = 0; k < 4; ++k) {
    clients.push_back(std::make_unique<RawClient>(f.port()));
    std::string burst;
    for (int i = 0; i < 16; ++i) {
      std::string id = "p-" + std::to_string(k) + "-" + std::to_string(i);
      std::string body = ComplaintJson(id, id);
      burst += "POST /v1/streams/complaint%2F" + id +
               "/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Authorization: Bearer " +
               f.admin + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    clients.back()->Write(burst);
  }
  for (auto& client : clients) {
    std::string got = client->ReadUntil("complaint-never", std::chrono::seconds(3));
    size_t created = 0, at = 0;
    while ((at = got.find("HTTP/1.1 201 Created", at)) != std::string::npos) ++created, ++at;
    CHECK(created == 16);
  }
  CHECK(f.log().Head().seq == 64);
}

TEST_CASE("numbers out of range are refused with 400 naming the parameter", "[http][overload]") {
  ServerFixture f;
  auto c = f.Client();
  auto check = [&](const std::string& target, const std::string& words) {
    auto r = c.Send("GET", target, f.admin);
    INFO(target << " -> " << r.body);
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains(words));
  };
  check("/v1/views/complaints?atLeast=1&wait=18446744073709551615",
        "wait: \\\"18446744073709551615\\\" must be a number of milliseconds from 0 to 30000");
  check("/v1/views/complaints?wait=30001", "from 0 to 30000");
  check("/v1/views/complaints?atLeast=18446744073709551615", "atLeast");
  check("/v1/views/complaints?asOf=18446744073709551615", "asOf");
  check("/v1/views/complaints?asOf=-1", "asOf: \\\"-1\\\" is neither a sequence number nor a time");
  check("/v1/views/complaints?offset=99999999999999", "offset");
  check("/v1/subscribe?from=18446744073709551615", "from");
  // An instant the views subtract from, and one parameter given twice.
  check("/v1/views/overdue-repairs?at=9223372036854775807",
        "at: \\\"9223372036854775807\\\" must be a time from 1900 to 2199");
  check("/v1/proofs/inclusion?seq=1&size=5&size=6", "gives \\\"size\\\" twice");
  check(
      "/v1/reports/joint-meeting?estate=estate/e-1&from=0000-01-01T00:00:00Z&to=9999-12-31T23:59:"
      "59Z",
      "at most 366 days");
  // The visits view generates every flagged household's must-visits for each day asked: a year
  // at a time too, and a year is answered.
  check("/v1/views/visits?from=1900-01-01T00:00:00Z&to=2199-12-31T00:00:00Z",
        "from, to: the visits view judges at most 366 days of must-visits");
  CHECK(c.Send("GET", "/v1/views/visits?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", f.admin)
            .status == 200);

  RawClient sse(f.port());
  sse.Write(Get("/v1/subscribe", f.admin, "Last-Event-ID: 18446744073709551615\r\n"));
  std::string got = sse.ReadUntil("}");
  CHECK_THAT(got, Catch::StartsWith("HTTP/1.1 400"));
  CHECK_THAT(got, Catch::Contains("Last-Event-ID"));
}

TEST_CASE("a + in a stream path stays a +", "[http]") {
  ServerFixture f;
  auto c = f.Client();
  REQUIRE(c.Send("POST", "/v1/streams/complaint%2Fa+b/events", f.admin, ComplaintJson("p-1", "a+b"))
              .status == 201);
  auto read = c.Send("GET", "/v1/streams/complaint%2Fa+b/events", f.admin);
  REQUIRE(read.status == 200);
  CHECK(read.json().at("stream").as_string() == "complaint/a+b");
  // A NUL after the id read the same stream under another name.
  auto nul = c.Send("GET", "/v1/streams/complaint%2Fa+b%00/events", f.admin);
  CHECK(nul.status == 400);
  CHECK_THAT(nul.body, Catch::Contains("control character"));
}

TEST_CASE("stopping with stalled subscribers and waits in flight is prompt and clean",
          "[http][overload][sse]") {
  http::ServerOptions options;
  options.write_timeout = std::chrono::seconds(30);
  options.stop_grace = std::chrono::seconds(1);
  auto f = std::make_unique<ServerFixture>(options);
  std::vector<std::unique_ptr<RawClient>> stalled;
  for (int i = 0; i < 4; ++i) {
    stalled.push_back(std::make_unique<RawClient>(f->port(), 4096));
    stalled.back()->Write(Get("/v1/subscribe?from=1", f->admin));
  }
  for (int i = 0; i < 4; ++i) {
    stalled.push_back(std::make_unique<RawClient>(f->port()));
    stalled.back()->Write(Get("/v1/views/complaints?atLeast=99999&wait=30000", f->admin));
  }
  auto c = f->Client();
  std::string summary(3000, 'z');
  std::string body = "{\"events\":[";
  for (int i = 0; i < 300; ++i) {
    std::string id = "stop-" + std::to_string(i);
    body += (i ? "," : "") +
            (i == 0 ? ComplaintJson(id, "stop", summary) : EscalationJson(id, "stop", summary));
  }
  REQUIRE(c.Send("POST", "/v1/streams/complaint%2Fstop/events", f->admin, body + "]}").status ==
          201);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto start = Clock::now();
  f->server().Stop();
  CHECK(MillisSince(start) < 3000);
  f.reset();  // the API, the engine and the ledger close after the server; ASan watches
}
