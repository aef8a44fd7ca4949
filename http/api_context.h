// What every route of the API shares: the ledger, the views, the tokens, the codec, the
// counters, the options, the read scope, the proofs and the work pool; and the checks that come
// before any route's own (the token, the page, the raw log). Private to http/.

#pragma once

#include <string>

#include "append_rate.h"
#include "codec/event_json.h"
#include "http/api.h"
#include "http/permissions.h"
#include "http/routes.h"
#include "problem.h"
#include "proofs.h"
#include "token_places.h"
#include "work_pool.h"

namespace http {

struct ApiContext {
  ApiContext(ledger::Ledger* log_in, projections::Engine* engine_in, TokenStore* tokens_in,
             const codec::EventJson* json_in, Metrics* metrics_in, ApiOptions options_in);

  // A counted refusal: by kind, and by rule when a rule refused (Metrics).
  Response Refuse(const Problem& problem) const { return CountedProblem(metrics, problem); }

  ledger::Ledger* const log;
  projections::Engine* const engine;
  TokenStore* const tokens;
  const codec::EventJson* const json;
  Metrics* const metrics;
  ApiOptions options;
  Permissions permissions;
  Proofs proofs;
  WorkPool work;  // views, reports, time travel, log reads; receipts after an append
  // What one token may hold: requests on `work` or waiting for a position, and live streams.
  TokenPlaces work_places;
  TokenPlaces stream_places;
  // How fast a resident's token may append (ApiOptions::resident_appends_per_hour), and any other
  // token but an admin's (staff_appends_per_hour).
  AppendRate resident_appends;
  AppendRate staff_appends;
  // The bucket `who`'s appends are taken from; null for an admin's.
  AppendRate* AppendsOf(const Principal& who);
  // And the KiB of append bodies it may send an hour, refused or not: a resident's 8 MiB bodies
  // of 700,000 unknown keys each cost 0.7 s to parse before the first was refused, and kept the
  // I/O threads from everyone. An hour's events at 8 KiB each, and never less than one whole
  // body (8 MiB). Null where its events are not bounded.
  AppendRate resident_body_kib;
  AppendRate staff_body_kib;
  AppendRate* BodyKibOf(const Principal& who);
  static uint32_t BodyKibPerHour(uint32_t events_per_hour);
};

// One request as a route sees it, once its target has been read and its token checked.
struct Call {
  const Request& request;
  const Target& target;
  const Principal& who;  // an empty Principal on the routes that need no token
  std::string tail;      // what follows a prefix route's prefix ("complaints" of /v1/views/...)
};

// --- the checks that come first ---

// Everything under /v1/ needs a token: exactly one Authorization header, "Bearer <token>" (the
// scheme is case-insensitive, RFC 9110). The principal, or the refusal (400, or 401 with its
// WWW-Authenticate).
Checked<Principal> Authenticate(TokenStore* tokens, const Request& request);
// "/v1/streams/{stream}/events" -> the stream id, percent-decoded; NotFound or InvalidArgument.
ledger::Result<std::string> StreamOfPath(const std::string& path);
// The raw log carries personal details: PermissionDenied for a role that reads the views only.
ledger::Status MayReadRaw(const Principal& who);
// 405 naming what the route allows.
Problem MethodNotAllowed(const std::string& allowed);

struct Page {
  uint64_t from = 1;
  uint64_t limit = 100;
};
// ?from=&limit= of a log or stream read, limit at most `max_page`.
ledger::Result<Page> PageOf(const Target& target, size_t max_page);

// --- JSON pieces the answers share ---

Response JsonResponse(int status, std::string body);
bool ParseNumber(const std::string& text, uint64_t* out);
// {"seq":3,"hash":"..."}
std::string HeadJson(const ledger::Position& p);
// {"seq":3,"streamVersion":1,"hash":"...","event":{...}} for one recorded event.
std::string RecordedJson(const codec::EventJson& json, const ledger::RecordedEvent& e);
// {"writable": false, "state": "noSpace", "problem": ..., "since": ..., ...}: whether appends are
// accepted, for /healthz and for the problem document of a refused append.
std::string StorageJson(const ledger::StorageHealth& h);
// ',"integrity":{...}' for /healthz and a refused append; "" when the log is not watched.
std::string IntegrityMember(const ledger::IntegrityWatch* integrity);

}  // namespace http
