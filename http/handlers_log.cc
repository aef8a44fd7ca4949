// Reads of the log (a stream, the log paged, one event, the chain's check, the live feed) and
// the proofs over it. The raw log carries personal details: only the roles that read it may.

#include "handlers.h"
#include "log_source.h"

namespace http {
namespace {

// The events `who` may read; those of other estates are left out (and counted), so that a
// page's "next" still moves past them.
std::string EventsJson(ApiContext& api, const Principal& who,
                       const std::vector<ledger::RecordedEvent>& events, const std::string& lead) {
  std::string body = "{" + lead + "\"head\":" + HeadJson(api.log->Head()) + ",\"events\":[";
  size_t shown = 0, hidden = 0;
  for (const auto& e : events) {
    if (!api.permissions.MayReadEvent(who, e.event())) {
      ++hidden;
      continue;
    }
    if (shown++) body += ",";
    body += RecordedJson(*api.json, e);
  }
  return body + "],\"outOfScope\":" + std::to_string(hidden) + "}";
}

// A read the log could not serve: the event or stream is not there, or the storage failed.
Problem ReadFailed(const ledger::Status& s) {
  if (s.code() == ledger::Code::kNotFound) return s;
  return Problem(s).As(503, "storage");
}

Response ReadStream(ApiContext& api, const Call& call, const std::string& stream) {
  if (Decision d = api.permissions.MayReadStream(call.who, stream); !d.allowed) {
    return api.Refuse(Problem(ledger::Status::PermissionDenied(d.reason)).Rule(d.rule));
  }
  ledger::Result<Page> page = PageOf(call.target, api.options.max_page);
  if (!page.ok()) return api.Refuse(page.status());
  auto events = api.log->ReadStream(stream, page->from, page->limit);
  if (!events.ok()) return api.Refuse(ReadFailed(events.status()));
  return JsonResponse(
      200, EventsJson(api, call.who, *events, "\"stream\":\"" + JsonEscape(stream) + "\","));
}

// Last-Event-ID, or else ?from=: where a subscriber starts.
ledger::Result<uint64_t> SubscribeFrom(const Call& call) {
  // Larger numbers would wrap when resuming after them (kMaxSeq: http/routes.h).
  const std::string range = " must be a sequence number from 0 to " + std::to_string(kMaxSeq);
  std::string last = call.request.Header("last-event-id");
  if (!last.empty()) {
    uint64_t last_seen = 0;
    if (!ParseNumber(last, &last_seen) || last_seen > kMaxSeq) {
      return ledger::Status::InvalidArgument("Last-Event-ID: \"" + last + "\"" + range);
    }
    return last_seen + 1;
  }
  uint64_t from = 1;
  if (std::string f = call.target.Param("from");
      !f.empty() && (!ParseNumber(f, &from) || from > kMaxSeq)) {
    return ledger::Status::InvalidArgument("from: \"" + f + "\"" + range);
  }
  return from;
}

}  // namespace

Response Stream(ApiContext& api, const Call& call) {
  ledger::Result<std::string> stream = StreamOfPath(call.target.path);
  if (!stream.ok()) return api.Refuse(stream.status());
  if (call.request.method == "POST") return AppendNow(api, call, *stream);
  if (call.request.method == "GET") return ReadStream(api, call, *stream);
  return api.Refuse(MethodNotAllowed("GET, POST"));
}

Response Log(ApiContext& api, const Call& call) {
  if (ledger::Status s = MayReadRaw(call.who); !s.ok()) return api.Refuse(s);
  ledger::Result<Page> page = PageOf(call.target, api.options.max_page);
  if (!page.ok()) return api.Refuse(page.status());
  auto events = api.log->ReadForward(page->from, page->limit);
  if (!events.ok()) return api.Refuse(Problem(events.status()).As(503, "storage"));
  uint64_t next = events->empty() ? page->from : events->back().seq() + 1;
  return JsonResponse(200,
                      EventsJson(api, call.who, *events, "\"next\":" + std::to_string(next) + ","));
}

Response Event(ApiContext& api, const Call& call) {
  if (ledger::Status s = MayReadRaw(call.who); !s.ok()) return api.Refuse(s);
  uint64_t seq = 0;
  if (!ParseNumber(call.tail, &seq)) {
    return api.Refuse(ledger::Status::InvalidArgument(
        "\"" + call.tail + "\" is not a sequence number; use /v1/events/42"));
  }
  auto event = api.log->Read(seq);
  if (!event.ok()) return api.Refuse(ReadFailed(event.status()));
  if (!api.permissions.MayReadEvent(call.who, event->event())) {
    return api.Refuse(
        Problem(ledger::Status::PermissionDenied("event " + std::to_string(seq) +
                                                 " is not about an estate this token reads"))
            .Rule("read.estate"));
  }
  return JsonResponse(200, RecordedJson(*api.json, *event));
}

Response Verify(ApiContext& api, const Call& call) {
  if (ledger::Status s = MayReadRaw(call.who); !s.ok()) return api.Refuse(s);
  auto report = api.log->Verify();
  if (!report.ok()) return api.Refuse(Problem(report.status()).As(503, "storage"));
  std::string body = "{\"ok\":" + std::string(report->ok ? "true" : "false") +
                     ",\"checked\":" + std::to_string(report->checked) +
                     ",\"head\":" + HeadJson(report->head);
  if (!report->ok) {
    body += ",\"firstBadSeq\":" + std::to_string(report->first_bad_seq) + ",\"problem\":\"" +
            JsonEscape(report->problem) + "\"";
  }
  return JsonResponse(200, body + "}");
}

Response Subscribe(ApiContext& api, const Call& call) {
  if (ledger::Status s = MayReadRaw(call.who); !s.ok()) return api.Refuse(s);
  ledger::Result<uint64_t> from = SubscribeFrom(call);
  if (!from.ok()) return api.Refuse(from.status());
  // Held by the stream's filter, so given back when the stream ends (or is never started).
  std::shared_ptr<void> place = api.stream_places.TryTake(call.who.token_id);
  if (!place) {
    api.metrics->CountBusy("token-streams");
    return api.Refuse(
        Problem(ledger::Status::Unavailable(
                    "this token has " + std::to_string(api.stream_places.per_token()) +
                    " live streams already, the most one token may have; close "
                    "one first"))
            .As(429, "busy")
            .Header("Retry-After", "1"));
  }
  Response r;
  r.content_type = "text/event-stream; charset=utf-8";
  const Permissions* permissions = &api.permissions;
  r.stream =
      MakeLogSource(api.log, api.engine, api.json, &api, *from,
                    [permissions, who = call.who, place](ledger::schema::Event::Reader event) {
                      return permissions->MayReadEvent(who, event);
                    });
  return r;
}

Response Checkpoint(ApiContext& api, const Call& call) {
  return api.proofs.Checkpoint(call.target);
}
Response Inclusion(ApiContext& api, const Call& call) { return api.proofs.Inclusion(call.target); }
Response Consistency(ApiContext& api, const Call& call) {
  return api.proofs.Consistency(call.target);
}
Response Receipt(ApiContext& api, const Call& call) {
  return api.proofs.Receipt(call.tail, call.who);
}

}  // namespace http
