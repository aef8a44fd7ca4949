// Views and reports: the query read and scoped and checked first, then the position waited for
// (?atLeast=) or travelled to (?asOf=), then the figures computed.

#include "codec/response_json.h"
#include "handlers.h"

namespace http {
namespace {

// A view or report asked for: its route and its query, once the read scope has narrowed it.
struct ViewCall {
  const ViewRoute* route;
  Query query;
  std::string token_id;  // who asks: time travel takes turns by token
};

// Reads, scopes and checks the query: everything that can refuse before any view is read.
Checked<ViewCall> Prepare(ApiContext& api, const Call& call, const ViewRoute* route) {
  ViewCall v{route, {}, call.who.token_id};
  if (ledger::Status s = ParseQuery(call.target, api.options.clock(), &v.query); !s.ok()) {
    return s;
  }
  Decision scope = api.permissions.ScopeQuery(call.who, *route, &v.query);
  if (!scope.allowed) {
    return Problem(ledger::Status::PermissionDenied(scope.reason)).Rule(scope.rule);
  }
  if (ledger::Status s = route->Validate(v.query); !s.ok()) return s;
  return v;
}

// The position `seq` of the log, for an answer read from the live views up to it
// (ViewRoute::as_of_from_live), if they have applied it. A position just appended may not be
// applied yet: this does not wait on a pool thread, it says so; with ?atLeast= the request
// waits on the engine's list first.
Checked<ledger::Position> AppliedPosition(ApiContext& api, uint64_t seq) {
  seq = std::min(seq, api.log->Head().seq);
  if (uint64_t applied = api.engine->Applied().seq; applied < seq) {
    return Problem(ledger::Status::Unavailable(
                       "asOf: the views have applied up to position " + std::to_string(applied) +
                       ", not " + std::to_string(seq) + " yet; ask again, or add atLeast=" +
                       std::to_string(seq) + " to wait for it"))
        .As(503, "timeout")
        .Header("Retry-After", "1");
  }
  if (seq == 0) return ledger::Position{};
  auto event = api.log->Read(seq);
  if (!event.ok()) return Problem(event.status()).As(503, "storage");
  return ledger::Position{seq, event->hash()};
}

// The figures at the position the query names: "asOf" (a position or a time), or the views as
// they are, once they have applied "atLeast".
Checked<std::pair<std::string, ledger::Position>> Compute(ApiContext& api, const ViewCall& v) {
  const Query& q = v.query;
  if (q.at_least > 0) {
    auto wait = std::min(api.options.max_wait, q.wait.value_or(api.options.default_wait));
    ledger::Status s = api.engine->WaitFor(q.at_least, wait);
    if (!s.ok()) return Problem(s).As(503, "timeout").Header("Retry-After", "1");
  }
  std::pair<std::string, ledger::Position> out;
  auto render = [&](const projections::ViewSet& views, const Query& query) {
    capnp::MallocMessageBuilder message;
    out.first = codec::EncodeResponse(v.route->fill(views, query, message));
    out.second = views.position();
  };
  if (!q.as_of) {
    api.engine->Read([&](const projections::ViewSet& views) { render(views, q); });
    return out;
  }
  uint64_t seq = *q.as_of;
  if (uint64_t head = api.log->Head().seq; !q.as_of_is_time && seq > head) {
    // Else the answer named the head's position as if it were the one asked for.
    return Problem(ledger::Status::InvalidArgument(
        "asOf: position " + std::to_string(seq) + " is past the log's head, " +
        std::to_string(head) + "; ask for a position from 0 to the head, or for a time"));
  }
  if (q.as_of_is_time) {
    auto at = api.log->SeqAtTime(static_cast<int64_t>(seq));
    if (!at.ok()) return Problem(at.status()).As(503, "storage");
    seq = *at;
  }
  if (v.route->as_of_from_live) {
    Checked<ledger::Position> at = AppliedPosition(api, seq);
    if (!at.ok()) return at.problem();
    Query resolved = q;  // the fill reads the live views up to this position
    resolved.as_of = at->seq;
    resolved.as_of_is_time = false;
    api.engine->Read([&](const projections::ViewSet& views) { render(views, resolved); });
    out.second = *at;
    return out;
  }
  auto views = api.engine->AsOf(seq, v.token_id);
  if (!views.ok()) return Problem(views.status()).As(503, "storage").Header("Retry-After", "1");
  render(**views, q);
  return out;
}

// {"position": ..., "checkpoint": ..., "report": ..., "asOf": ..., "result": {...}}; `report`
// (the parameters a report was computed from) only for reports.
Response Serve(ApiContext& api, const Call& call, const ViewRoute* route, bool is_report) {
  Checked<ViewCall> v = Prepare(api, call, route);
  if (!v.ok()) return api.Refuse(v.problem());
  auto figures = Compute(api, *v);
  if (!figures.ok()) return api.Refuse(figures.problem());
  const auto& [json, position] = *figures;
  // The parameters as the scope left them, named in the answer so that it can be recomputed.
  std::string report_member =
      is_report ? ",\"report\":" + ReportParameters(*route, v->query) : std::string();
  return JsonResponse(200, "{\"position\":" + HeadJson(position) +
                               api.proofs.PositionMember(position.seq) + report_member +
                               ",\"asOf\":" + (v->query.as_of ? "true" : "false") +
                               ",\"result\":" + json + "}");
}

}  // namespace

Response View(ApiContext& api, const Call& call) {
  const ViewRoute* route = FindViewRoute(call.tail);
  if (!route) {
    return api.Refuse(
        ledger::Status::NotFound("there is no view \"" + call.tail + "\"; views: " + ViewNames()));
  }
  if (route->audit_only) {
    if (ledger::Status s = MayReadRaw(call.who); !s.ok()) return api.Refuse(s);
  }
  return Serve(api, call, route, /*is_report=*/false);
}

Response Report(ApiContext& api, const Call& call) {
  const ViewRoute* route = FindReportRoute(call.tail);
  if (!route) {
    return api.Refuse(ledger::Status::NotFound("there is no report \"" + call.tail +
                                               "\"; reports: " + ReportNames()));
  }
  return Serve(api, call, route, /*is_report=*/true);
}

Response WaitTimedOut(ApiContext& api, uint64_t seq, std::chrono::milliseconds wait,
                      std::chrono::steady_clock::time_point started) {
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return api.Refuse(
      Problem(ledger::Status::Timeout(
                  "the views have applied up to position " +
                  std::to_string(api.engine->Applied().seq) + ", not " + std::to_string(seq) +
                  ", after waiting " + std::to_string(std::max(waited, wait).count()) +
                  " ms (ledger head: " + std::to_string(api.log->Head().seq) + ")"))
          .Header("Retry-After", "1"));
}

}  // namespace http
