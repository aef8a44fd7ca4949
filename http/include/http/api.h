// The HTTP API: routes, authentication and permissions, JSON in and out, problem details.
//
// Routes (all JSON, UTF-8; errors are application/problem+json, RFC 9457):
//   POST /v1/streams/{stream}/events    append one event or {"expectedVersion", "events": [...]}
//   GET  /v1/streams/{stream}/events    ?from=VERSION&limit=N
//   GET  /v1/log                        ?from=SEQ&limit=N     the log, paged
//   GET  /v1/events/{seq}               one event
//   GET  /v1/head                       the head: seq and hash
//   GET  /v1/me                         the token's role, actor, estates, company
//   GET  /v1/verify                     recompute the chain
//   GET  /v1/subscribe                  Server-Sent Events from ?from=SEQ or Last-Event-ID
//   GET  /v1/views/{view}               estate, company, category, channel, status, household,
//                                       from, to, offset, limit, at, asOf, atLeast, wait
//   GET  /v1/reports/joint-meeting      ?estate=&from=&to=   (also asOf, atLeast)
//   GET  /v1/reports/star-evaluation    ?year=               (also asOf, atLeast)
//   GET  /v1/checkpoint                 the latest signed checkpoint, or ?size=N (http/proofs.h)
//   GET  /v1/proofs/inclusion           ?seq=S&size=N
//   GET  /v1/proofs/consistency         ?from=N1&to=N2
//   GET  /v1/events/{seq}/receipt       the event's tlog-proof under a signed checkpoint
//   GET  /healthz, GET /metrics
// The README documents each with examples.
//
// Stream ids may contain "/" ("complaint/c-1"): everything between "/v1/streams/" and the last
// "/events" is the stream id, percent-decoded.

#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "codec/event_json.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/tokens.h"
#include "ledger/checkpoints.h"
#include "ledger/integrity.h"
#include "ledger/ledger.h"
#include "projections/engine.h"

namespace http {

struct ApiOptions {
  // The longest a request may wait for "atLeast" (its own "wait" is capped by this).
  std::chrono::milliseconds max_wait{30000};
  std::chrono::milliseconds default_wait{5000};
  // The most events one page of the log returns.
  size_t max_page = 1000;
  // Views, reports, time travel, log reads: a small pool, as many threads as cores are useful,
  // and a queue of at most `work_queue` requests; past it a request gets 503 with Retry-After.
  size_t work_threads = 2;
  size_t work_queue = 64;
  // Requests of one token on that pool or waiting for a position, at most; past it the token's
  // next such request gets 429 with Retry-After, and other tokens are not held up by it.
  size_t work_per_token = 8;
  // Live streams (/v1/subscribe) of one token, at most; past it the next gets 429. The server's
  // own limit (ServerOptions::max_streams) counts every token's.
  size_t streams_per_token = 4;
  // Events one resident's token may append in an hour, about (a bucket of this many, filled at
  // this many an hour); past it the append gets 429 with Retry-After. 0: no limit. Residents
  // only: the other roles record for many people, and answer for it by name.
  uint32_t resident_appends_per_hour = 120;
  // The same for every other token but an admin's (community workers, company staff, committees,
  // auditors): they record for many people, but one of them filled the disk at 40 MB/s with
  // batches of a thousand 8 KB escalations. 0: no limit (the benchmarks' load generators).
  uint32_t staff_appends_per_hour = 20000;
  // Appends no thread waits for, handed to the writer and not yet answered; past this many a
  // new append gets 503 with Retry-After at once (the writer is behind the disk).
  size_t max_appends_in_flight = 4096;
  // Milliseconds since the epoch; tests replace it.
  std::function<int64_t()> clock;
  // The log's signed checkpoints (ledger/checkpoints.h); null when it has no signing key.
  ledger::Checkpointer* checkpoints = nullptr;
  // The check that the stored log still proves itself (ledger/integrity.h); when it fails,
  // appends are refused with 503 and /healthz names the seq. Null: not watched.
  const ledger::IntegrityWatch* integrity = nullptr;
};

class Api final : public Handler {
 public:
  Api(ledger::Ledger* log, projections::Engine* engine, TokenStore* tokens,
      const codec::EventJson* json, Metrics* metrics, ApiOptions options = {});
  ~Api() override;

  Response Handle(const Request& request) override;
  // Answers /healthz, /metrics, /v1/head, errors found before any work, and the start of a
  // stream on the calling (I/O) thread; decodes appends there too and hands them to the ledger's
  // writer, which answers after its sync; waits for `atLeast` on the engine's waiter list, with
  // its deadline; runs everything else on the pool above.
  void HandleAsync(Request request, Respond respond) override;
  std::optional<Response> Screen(const Request& head, std::string* who) override;
  // Forgets pending waits and queued work and waits for the work running now. Call it before the
  // engine or the ledger closes; the destructor calls it too. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace http
