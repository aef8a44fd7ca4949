// bench_http: a closed-loop HTTP load generator for ledgerd on loopback.
//
// N keep-alive connections each post one append and wait for its answer before the next (single
// events, or batches of B events to one new stream), for a bounded time or number of events.
// Optionally a few more connections read views and reports while the appends run, with a pause
// between requests so that they are a modest load. Prints one result line per figure:
//
//   appends connections=16 batch=1 seconds=10.0 requests=... events=... eps=... p50_ms=...
//   query target=/v1/views/complaints?... requests=... p50_ms=... p99_ms=... errors=0
//
//   bench_http --port 8080 --token T --connections 16 --batch 1 --seconds 10 --run-id r1
//       [--query-token A --query-connections 2 --query-pause-ms 50 --query PATH ...]
//
// The generator runs on one thread (asynchronous I/O, one coroutine per connection), so that it
// takes as little of the machine from the server as it can.

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tools/bench/common.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::use_awaitable;
using bench::Clock;

struct Config {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string token;
  int connections = 16;
  int batch = 1;
  double seconds = 10;
  double warmup = 1;
  uint64_t max_events = 0;  // 0: bounded by time only
  std::string run_id = "bench";
  std::string estate = "estate/e01";
  std::string query_token;
  int query_connections = 0;
  int query_pause_ms = 50;
  std::vector<std::string> queries;
  std::string append_params;  // more of the append's query string, e.g. "&receipt=true"
};

struct Counts {
  bench::Latencies latencies;
  uint64_t requests = 0;
  uint64_t events = 0;
  uint64_t errors = 0;
};

// State shared by the coroutines. They all run on one thread, so nothing here needs a lock.
struct Run {
  Config config;
  asio::ip::tcp::endpoint endpoint;
  Clock::time_point measure_from;  // after the warm-up
  Clock::time_point deadline;
  Clock::time_point last_counted;  // the end of the window when an event budget ends it early
  uint64_t claimed = 0;            // events handed out, against max_events
  uint64_t all_events = 0;         // acknowledged, warm-up included: for CPU time per event
  int appenders_running = 0;
  std::string first_error;
  Counts appends;
  std::map<std::string, Counts> queries;

  bool Stopping() const {
    if (Clock::now() >= deadline) return true;
    // Queries run as long as there are appends to measure them against.
    return config.connections > 0 && appenders_running == 0;
  }
  void NoteError(const std::string& what) {
    if (first_error.empty()) first_error = what.substr(0, 300);
  }
};

// One new complaint per request, on its own stream "complaint/{id_base}": filed, and in a batch
// then escalated (the rule book keeps one complaint per stream).
std::string AppendBody(const Config& c, const std::string& id_base) {
  std::string filed = std::string("{\"eventId\":\"") + id_base +
                      "\",\"type\":\"complaintFiled\",\"occurredAt\":\"" + bench::kOccurredAt +
                      "\",\"data\":" + bench::ComplaintData(id_base, c.estate) + "}";
  if (c.batch == 1) return filed;
  std::string body = "{\"expectedVersion\":\"none\",\"events\":[" + filed;
  for (int i = 1; i < c.batch; ++i) {
    body += std::string(",{\"eventId\":\"") + id_base + "-" + std::to_string(i) +
            "\",\"type\":\"complaintEscalated\",\"data\":" + bench::EscalationData(id_base) + "}";
  }
  return body + "]}";
}

// Sends one request and reads its answer; returns the status, or 0 when the connection failed.
asio::awaitable<int> Exchange(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                              bhttp::request<bhttp::string_body>& request, Run& run) {
  try {
    stream.expires_after(std::chrono::seconds(60));
    co_await bhttp::async_write(stream, request, use_awaitable);
    bhttp::response<bhttp::string_body> response;
    co_await bhttp::async_read(stream, buffer, response, use_awaitable);
    int status = response.result_int();
    if (status >= 300) {
      run.NoteError(std::to_string(status) + " " + std::string(request.target()) + ": " +
                    response.body());
    }
    co_return status;
  } catch (const std::exception& e) {
    run.NoteError(std::string("connection: ") + e.what());
    co_return 0;
  }
}

asio::awaitable<void> Appender(Run& run, int index) {
  const Config& c = run.config;
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  try {
    co_await stream.async_connect(run.endpoint, use_awaitable);
  } catch (const std::exception& e) {
    run.NoteError(std::string("connect: ") + e.what());
    --run.appenders_running;
    co_return;
  }
  beast::flat_buffer buffer;
  for (uint64_t n = 0; Clock::now() < run.deadline; ++n) {
    if (c.max_events > 0 && run.claimed >= c.max_events) break;
    run.claimed += c.batch;
    std::string id_base = c.run_id + "-" + std::to_string(index) + "-" + std::to_string(n);
    std::string stream_id = "complaint/" + id_base;
    bhttp::request<bhttp::string_body> request{
        bhttp::verb::post,
        "/v1/streams/" + stream_id + "/events?expectedVersion=none" + c.append_params, 11};
    request.set(bhttp::field::host, c.host);
    request.set(bhttp::field::authorization, "Bearer " + c.token);
    request.set(bhttp::field::content_type, "application/json");
    request.keep_alive(true);
    request.body() = AppendBody(c, id_base);
    request.prepare_payload();
    auto start = Clock::now();
    int status = co_await Exchange(stream, buffer, request, run);
    auto end = Clock::now();
    if (status == 0) break;
    if (status == 201) run.all_events += c.batch;
    if (start < run.measure_from || end > run.deadline) continue;
    ++run.appends.requests;
    if (status == 201) {
      run.appends.events += c.batch;
      run.appends.latencies.Add(std::chrono::duration<double, std::milli>(end - start).count());
      run.last_counted = std::max(run.last_counted, end);
    } else {
      ++run.appends.errors;
    }
  }
  --run.appenders_running;
}

asio::awaitable<void> Querier(Run& run, int index) {
  const Config& c = run.config;
  auto executor = co_await asio::this_coro::executor;
  beast::tcp_stream stream(executor);
  try {
    co_await stream.async_connect(run.endpoint, use_awaitable);
  } catch (const std::exception& e) {
    run.NoteError(std::string("connect: ") + e.what());
    co_return;
  }
  beast::flat_buffer buffer;
  asio::steady_timer pause(executor);
  for (size_t n = index; !run.Stopping(); ++n) {
    const std::string& target = c.queries[n % c.queries.size()];
    bhttp::request<bhttp::string_body> request{bhttp::verb::get, target, 11};
    request.set(bhttp::field::host, c.host);
    request.set(bhttp::field::authorization, "Bearer " + c.query_token);
    request.keep_alive(true);
    auto start = Clock::now();
    int status = co_await Exchange(stream, buffer, request, run);
    auto end = Clock::now();
    if (status == 0) break;
    if (start >= run.measure_from && end <= run.deadline) {
      Counts& counts = run.queries[target];
      ++counts.requests;
      if (status == 200) {
        counts.latencies.Add(std::chrono::duration<double, std::milli>(end - start).count());
      } else {
        ++counts.errors;
      }
    }
    pause.expires_after(std::chrono::milliseconds(c.query_pause_ms));
    co_await pause.async_wait(use_awaitable);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_http: closed-loop appends (and queries) against ledgerd on loopback"};
  Config c;
  app.add_option("--host", c.host, "server address")->capture_default_str();
  app.add_option("--port", c.port, "server port")->capture_default_str();
  app.add_option("--token", c.token, "bearer token for the appends");
  app.add_option("--connections", c.connections, "appending connections")->capture_default_str();
  app.add_option("--batch", c.batch, "events per append (one stream)")->capture_default_str();
  app.add_option("--seconds", c.seconds, "measured seconds")->capture_default_str();
  app.add_option("--warmup", c.warmup, "seconds run before measuring")->capture_default_str();
  app.add_option("--max-events", c.max_events, "stop after this many events (0: by time only)");
  app.add_option("--run-id", c.run_id, "prefix making this run's event ids unique")
      ->capture_default_str();
  app.add_option("--estate", c.estate, "the estate of the appended complaints")
      ->capture_default_str();
  app.add_option("--query-token", c.query_token, "bearer token for the queries");
  app.add_option("--query-connections", c.query_connections, "connections reading views")
      ->capture_default_str();
  app.add_option("--query-pause-ms", c.query_pause_ms, "pause between one connection's queries")
      ->capture_default_str();
  app.add_option("--append-params", c.append_params,
                 "more parameters of each append, e.g. \"&receipt=true\"");
  app.add_option("--query", c.queries, "a view or report target, e.g. /v1/views/complaints");
  CLI11_PARSE(app, argc, argv);
  if (c.batch < 1 || c.batch > 1000) {
    std::fprintf(stderr, "bench_http: --batch must be 1..1000\n");
    return 2;
  }
  if (c.query_connections > 0 && c.queries.empty()) {
    std::fprintf(stderr, "bench_http: --query-connections needs at least one --query\n");
    return 2;
  }

  asio::io_context io(1);
  Run run;
  run.config = c;
  run.endpoint = asio::ip::tcp::endpoint(asio::ip::make_address(c.host), c.port);
  auto start = Clock::now();
  run.measure_from =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(c.warmup));
  run.deadline = run.measure_from + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(c.seconds));
  run.last_counted = run.measure_from;
  run.appenders_running = c.connections;
  for (int i = 0; i < c.connections; ++i) asio::co_spawn(io, Appender(run, i), asio::detached);
  for (int i = 0; i < c.query_connections; ++i) {
    asio::co_spawn(io, Querier(run, i), asio::detached);
  }
  io.run();

  // The window is the measured time, or shorter when the event budget ran out first.
  double window = bench::Seconds(run.measure_from, std::min(run.deadline, Clock::now()));
  if (c.max_events > 0 && run.claimed >= c.max_events) {
    window = bench::Seconds(run.measure_from, run.last_counted);
  }
  window = std::max(window, 1e-9);
  if (c.connections > 0) {
    std::printf("appends connections=%d batch=%d seconds=%.1f requests=%llu events=%llu eps=%.0f",
                c.connections, c.batch, window, (unsigned long long)run.appends.requests,
                (unsigned long long)run.appends.events, run.appends.events / window);
    std::printf("%s errors=%llu all_events=%llu\n", run.appends.latencies.Fields().c_str(),
                (unsigned long long)run.appends.errors, (unsigned long long)run.all_events);
  }
  Counts all;
  for (auto& [target, counts] : run.queries) {
    std::printf("query target=%s requests=%llu%s errors=%llu\n", target.c_str(),
                (unsigned long long)counts.requests, counts.latencies.Fields().c_str(),
                (unsigned long long)counts.errors);
    all.latencies.Merge(counts.latencies);
    all.requests += counts.requests;
    all.errors += counts.errors;
  }
  if (c.query_connections > 0) {
    std::printf("queries connections=%d requests=%llu qps=%.1f%s errors=%llu\n",
                c.query_connections, (unsigned long long)all.requests, all.requests / window,
                all.latencies.Fields().c_str(), (unsigned long long)all.errors);
  }
  if (!run.first_error.empty()) std::printf("first_error %s\n", run.first_error.c_str());
  return 0;
}
