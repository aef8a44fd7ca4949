// The API's routes as handlers, one family to a file. Each reads its request into a typed value
// first (parameters, scope, ranges), refusing it with a Problem before anything is computed, and
// then computes its answer. http/api.cc holds the table that dispatches to them. Private to
// http/.

#pragma once

#include <chrono>

#include "base/mutex.h"

#include "api_context.h"

namespace http {

// handlers_service.cc: the service itself.
Response Health(ApiContext& api, const Call& call);       // GET /healthz
Response MetricsText(ApiContext& api, const Call& call);  // GET /metrics
Response Head(ApiContext& api, const Call& call);         // GET /v1/head
Response Me(ApiContext& api, const Call& call);           // GET /v1/me
Response Backup(ApiContext& api, const Call& call);       // POST /v1/admin/backup

// handlers_log.cc: reads of the log and the proofs over it.
Response Stream(ApiContext& api, const Call& call);       // GET, POST /v1/streams/{stream}/events
Response Log(ApiContext& api, const Call& call);          // GET /v1/log
Response Event(ApiContext& api, const Call& call);        // GET /v1/events/{seq}
Response Verify(ApiContext& api, const Call& call);       // GET /v1/verify
Response Subscribe(ApiContext& api, const Call& call);    // GET /v1/subscribe
Response Checkpoint(ApiContext& api, const Call& call);   // GET /v1/checkpoint
Response Inclusion(ApiContext& api, const Call& call);    // GET /v1/proofs/inclusion
Response Consistency(ApiContext& api, const Call& call);  // GET /v1/proofs/consistency
Response Receipt(ApiContext& api, const Call& call);      // GET /v1/events/{seq}/receipt

// handlers_views.cc: views and reports.
Response View(ApiContext& api, const Call& call);    // GET /v1/views/{view}
Response Report(ApiContext& api, const Call& call);  // GET /v1/reports/{report}
// 503 for a read that waited `wait` for position `seq` and did not see it.
Response WaitTimedOut(ApiContext& api, uint64_t seq, std::chrono::milliseconds wait,
                      std::chrono::steady_clock::time_point started);

// handlers_append.cc: appends. AppendNow answers on the calling thread (Api::Handle).
Response AppendNow(ApiContext& api, const Call& call, const std::string& stream);

// Appends that no thread waits for (Api::HandleAsync): decoded and checked on the connection's
// I/O thread, handed to the ledger's writer, and answered by it after its sync. At most
// `max_appends_in_flight` are in the writer's hands; past that a new one is refused at once.
class AppendGate {
 public:
  explicit AppendGate(ApiContext* api) : api_(api) {}
  // Waits until every append handed over is answered; refuses new ones from then on. False when
  // it had stopped already.
  bool Stop() EXCLUDES(mu_);
  // `respond` is called by the writer after its sync (it posts the answer to the connection).
  void Append(const Request& request, const Target& target, Respond respond) EXCLUDES(mu_);

 private:
  // Counts an append in, or the refusal (stopping, or too many in flight).
  Checked<bool> Admit() EXCLUDES(mu_);
  void Done() EXCLUDES(mu_);

  ApiContext* const api_;
  base::Mutex mu_;
  base::CondVar all_done_;  // signalled when in_flight_ drops to 0
  bool stopped_ GUARDED_BY(mu_) = false;
  size_t in_flight_ GUARDED_BY(mu_) = 0;
};

}  // namespace http
