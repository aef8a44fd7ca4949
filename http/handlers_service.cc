// The routes about the service itself: health, metrics, the head, the token, a backup.

#include "codec/response_json.h"
#include "handlers.h"

namespace http {
namespace {

// {"failing": true, "failures": 12, "recoveries": 0, "lastError": "I/O error: ..."}: whether the
// views keep up with the ledger, for /healthz. lastError is null until a first failure.
std::string FollowerJson(const projections::FollowerHealth& h) {
  return "{\"failing\":" + std::string(h.failing ? "true" : "false") +
         ",\"failures\":" + std::to_string(h.failures) +
         ",\"recoveries\":" + std::to_string(h.recoveries) + ",\"lastError\":" +
         (h.failures == 0 ? std::string("null") : "\"" + JsonEscape(h.last_error) + "\"") + "}";
}

}  // namespace

Response Health(ApiContext& api, const Call&) {
  // 200 either way: the service is up and answers reads. "degraded" while appends are refused,
  // so that a probe that only wants a live process does not restart a server whose disk is full
  // (a restart would not help), and one that routes writes can tell. Likewise while the views
  // cannot catch up: reads answer, but from views that fall behind.
  auto storage = api.log->Storage();
  bool intact = !api.options.integrity || api.options.integrity->Current().ok;
  auto views = api.engine->Following();
  bool ok = storage.writable() && intact && !views.failing;
  return JsonResponse(200, "{\"status\":\"" + std::string(ok ? "ok" : "degraded") +
                               "\",\"head\":" + HeadJson(api.log->Head()) +
                               ",\"applied\":" + HeadJson(api.engine->Applied()) + ",\"storage\":" +
                               StorageJson(storage) + IntegrityMember(api.options.integrity) +
                               ",\"views\":" + FollowerJson(views) + "}");
}

Response MetricsText(ApiContext& api, const Call&) {
  Response r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = api.metrics->Render(api.log->Head().seq, api.engine->Applied().seq, api.log->Storage(),
                               api.engine->Following());
  return r;
}

Response Head(ApiContext& api, const Call&) { return JsonResponse(200, HeadJson(api.log->Head())); }

// Who the token stands for and what it reads, so that a client (the dashboard) offers only what
// the token may use; the checks on each route stay the only authority.
Response Me(ApiContext&, const Call& call) {
  const Principal& who = call.who;
  std::string estates;
  for (const auto& e : who.estates) {
    estates += (estates.empty() ? "\"" : ",\"") + JsonEscape(e) + "\"";
  }
  return JsonResponse(
      200, "{\"tokenId\":\"" + JsonEscape(who.token_id) + "\",\"role\":\"" + RoleName(who.role) +
               "\",\"actorId\":\"" + JsonEscape(who.actor_id) + "\",\"estates\":[" + estates +
               "],\"companyId\":\"" + JsonEscape(who.company_id) +
               "\",\"readsRawLog\":" + (Permissions::MayReadRawEvents(who) ? "true" : "false") +
               ",\"seesPersonalDetails\":" +
               (Permissions::SeesPersonalDetails(who) ? "true" : "false") + "}");
}

// An online, consistent copy of the ledger while appends go on: a RocksDB checkpoint taken by
// the server, which alone holds the store open. The folder must not exist yet.
Response Backup(ApiContext& api, const Call& call) {
  if (call.who.role != ledger::schema::Role::ADMIN) {
    return api.Refuse(ledger::Status::PermissionDenied("only an admin token may take a backup"));
  }
  std::string to = call.target.Param("to");
  if (to.empty() || to[0] != '/') {
    return api.Refuse(ledger::Status::InvalidArgument(
        "to: name an absolute folder that does not exist yet, e.g. ?to=/srv/backup/2025-12-01"));
  }
  ledger::Status s = api.log->Checkpoint(to + "/ledger");
  if (!s.ok()) return api.Refuse(Problem(s).As(409, "backup"));
  return JsonResponse(
      201, "{\"to\":\"" + JsonEscape(to) + "\",\"head\":" + HeadJson(api.log->Head()) + "}");
}

}  // namespace http
