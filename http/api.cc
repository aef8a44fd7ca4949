// The route table, and where each request is answered: on the I/O thread (cheap answers and
// refusals), by the ledger's writer (appends), after a wait on the engine's list (?atLeast=), or
// on the work pool. The routes themselves are in handlers_*.cc.

#include "http/api.h"

#include <algorithm>
#include <string_view>

#include "base/clock.h"
#include "handlers.h"

namespace http {
namespace {

// Where a route's work runs under HandleAsync.
enum class Lane {
  kInline,  // cheap: answered on the connection's I/O thread
  kPool,    // reads that take CPU or block: the work pool
  kViews,   // views and reports: may first wait for ?atLeast= on the engine's list, then the pool
};

using HandlerFn = Response (*)(ApiContext&, const Call&);

struct Route {
  const char* path;     // exact, or a prefix when it ends in "/"
  const char* suffix;   // for a prefix route, what the path must also end in ("" for anything)
  const char* methods;  // what the route allows; null: the handler checks the method itself
  bool token;           // needs a bearer token (everything under /v1/)
  Lane lane;
  HandlerFn handler;
};

// First match wins: the receipt route comes before the event route it is a part of.
constexpr Route kRoutes[] = {
    {"/healthz", "", "GET", false, Lane::kInline, Health},
    {"/metrics", "", "GET", false, Lane::kInline, MetricsText},
    {"/v1/streams/", "", nullptr, true, Lane::kPool, Stream},
    {"/v1/admin/backup", "", "POST", true, Lane::kPool, Backup},
    {"/v1/head", "", "GET", true, Lane::kInline, Head},
    {"/v1/me", "", "GET", true, Lane::kInline, Me},
    {"/v1/log", "", "GET", true, Lane::kPool, Log},
    {"/v1/checkpoint", "", "GET", true, Lane::kPool, Checkpoint},
    {"/v1/proofs/inclusion", "", "GET", true, Lane::kPool, Inclusion},
    {"/v1/proofs/consistency", "", "GET", true, Lane::kPool, Consistency},
    {"/v1/events/", "/receipt", "GET", true, Lane::kPool, Receipt},
    {"/v1/events/", "", "GET", true, Lane::kPool, Event},
    {"/v1/verify", "", "GET", true, Lane::kPool, Verify},
    {"/v1/subscribe", "", "GET", true, Lane::kInline, Subscribe},
    {"/v1/views/", "", "GET", true, Lane::kViews, View},
    {"/v1/reports/", "", "GET", true, Lane::kViews, Report},
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The route for `path`, and in `tail` what its prefix and suffix leave of it.
const Route* FindRoute(const std::string& path, std::string* tail) {
  for (const Route& r : kRoutes) {
    std::string_view prefix = r.path, suffix = r.suffix;
    if (prefix.back() != '/') {
      if (path == prefix) return &r;
      continue;
    }
    if (!StartsWith(path, prefix)) continue;
    if (!suffix.empty()) {
      // Something between the two: "/v1/events/{seq}/receipt".
      if (path.size() <= prefix.size() + suffix.size()) continue;
      if (path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    }
    *tail = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    return &r;
  }
  return nullptr;
}

}  // namespace

class Api::Impl {
 public:
  Impl(ledger::Ledger* log, projections::Engine* engine, TokenStore* tokens,
       const codec::EventJson* json, Metrics* metrics, ApiOptions options)
      : api_(log, engine, tokens, json, metrics, WithClock(std::move(options))), appends_(&api_) {}

  ~Impl() { Stop(); }

  // Idempotent: the second call (the destructor's, say) touches nothing, for by then the engine
  // may be gone.
  void Stop() {
    if (!appends_.Stop()) return;
    api_.engine->CancelWaiters(&api_);
    api_.work.Stop();
  }

  void HandleAsync(Request request, Respond respond) {
    ledger::Result<Target> target = ParseTarget(request.target);
    std::string tail;
    const Route* route = target.ok() ? FindRoute(target->path, &tail) : nullptr;
    // Refused before any work, or cheap: answered here, on the I/O thread.
    if (!target.ok() || !StartsWith(target->path, "/v1/") ||
        (route && route->lane == Lane::kInline)) {
      respond(Handle(request));
      return;
    }
    if (request.method == "POST" && StartsWith(target->path, "/v1/streams/")) {
      // Decoded and checked here, on the connection's I/O thread; the writer answers after its
      // sync, and no thread waits in between.
      appends_.Append(request, *target, std::move(respond));
      return;
    }
    // A token's requests from here on hold one of its places until they are answered; a
    // request without a valid token is refused here (it is read as Dispatch reads it), and
    // takes no place in the queue.
    Checked<Principal> who = Authenticate(api_.tokens, request);
    if (!who.ok()) {
      respond(api_.Refuse(who.problem()));
      return;
    }
    std::shared_ptr<void> place = api_.work_places.TryTake(who->token_id);
    if (!place) {
      api_.metrics->CountBusy("token");
      respond(api_.Refuse(TooManyUnderWay()));
      return;
    }
    respond = [place, respond = std::move(respond)](Response response) {
      respond(std::move(response));
    };
    if (route && route->lane == Lane::kViews && WaitThenRun(&request, *target, &respond)) return;
    RunOnPool(std::move(request), std::move(respond));
  }

  // A body is read only for a request under /v1/ with a valid token: the dashboard's files take
  // none, and a refusal for the token does not depend on it.
  std::optional<Response> Screen(const Request& head, std::string* who) {
    ledger::Result<Target> target = ParseTarget(head.target);
    // A target refused whatever the body says, or a path the body does not matter to.
    if (!target.ok() || !StartsWith(target->path, "/v1/")) return Handle(head);
    Checked<Principal> principal = Authenticate(api_.tokens, head);
    if (!principal.ok()) return api_.Refuse(principal.problem());
    *who = principal->token_id;
    return std::nullopt;
  }

  Response Handle(const Request& request) {
    auto start = std::chrono::steady_clock::now();
    Response response = Dispatch(request);
    api_.metrics->ObserveRequest(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return response;
  }

 private:
  static ApiOptions WithClock(ApiOptions options) {
    if (!options.clock) options.clock = base::SystemMillis;
    return options;
  }

  Response Dispatch(const Request& request) {
    ledger::Result<Target> target = ParseTarget(request.target);
    if (!target.ok()) return api_.Refuse(target.status());
    const std::string& path = target->path;
    std::string tail;
    const Route* route = FindRoute(path, &tail);
    bool v1 = StartsWith(path, "/v1/");
    if (!route && !v1) {
      return api_.Refuse(ledger::Status::NotFound("there is no route " + path +
                                                  "; the API lives under /v1/ (see the README)"));
    }
    Principal who;
    if (v1) {
      Checked<Principal> principal = Authenticate(api_.tokens, request);
      if (!principal.ok()) return api_.Refuse(principal.problem());
      who = std::move(*principal);
    }
    // Every route under /v1/ but two is read with GET, and an unknown one is refused as such.
    const char* allowed = route ? route->methods : "GET";
    if (allowed && request.method != allowed) return api_.Refuse(MethodNotAllowed(allowed));
    if (!route) return api_.Refuse(ledger::Status::NotFound("there is no route " + path));
    return route->handler(api_, Call{request, *target, who, tail});
  }

  Problem TooManyUnderWay() const {
    return Problem(ledger::Status::Unavailable(
                       "this token has " + std::to_string(api_.work_places.per_token()) +
                       " requests under way already (views, reports, reads of the log, waits "
                       "for a position), the most one token may have; send the next once one "
                       "is answered"))
        .As(429, "busy")
        .Header("Retry-After", "1");
  }

  // A read that waits for a position (?atLeast=) waits on the engine's list, not on a thread;
  // the view is computed on the pool once the position is reached. False when there is nothing
  // to wait for (or the request will be refused anyway): run it now.
  bool WaitThenRun(Request* request, const Target& target, Respond* respond) {
    // Its token was checked by HandleAsync.
    Query q;
    if (!ParseQuery(target, api_.options.clock(), &q).ok() || q.at_least == 0 ||
        api_.engine->Applied().seq >= q.at_least) {
      return false;
    }
    auto wait = std::min(api_.options.max_wait, q.wait.value_or(api_.options.default_wait));
    uint64_t seq = q.at_least;
    auto started = std::chrono::steady_clock::now();
    api_.engine->WhenApplied(seq, wait, &api_,
                             [this, seq, wait, started, request = std::move(*request),
                              respond = std::move(*respond)](bool reached) mutable {
                               if (!reached) {
                                 respond(WaitTimedOut(api_, seq, wait, started));
                                 return;
                               }
                               RunOnPool(std::move(request), std::move(respond));
                             });
    return true;
  }

  void RunOnPool(Request request, Respond respond) {
    auto run = [this, request = std::move(request), respond]() { respond(Handle(request)); };
    if (api_.work.TrySubmit(std::move(run))) return;
    api_.metrics->CountBusy("work");
    respond(
        api_.Refuse(Problem(ledger::Status::Unavailable(
                                "the server is busy: " + std::to_string(api_.work.queue_limit()) +
                                " requests of this kind are waiting already; try again in a "
                                "second"))
                        .Kind("busy")
                        .Header("Retry-After", "1")));
  }

  ApiContext api_;
  AppendGate appends_;
};

Api::Api(ledger::Ledger* log, projections::Engine* engine, TokenStore* tokens,
         const codec::EventJson* json, Metrics* metrics, ApiOptions options)
    : impl_(std::make_unique<Impl>(log, engine, tokens, json, metrics, std::move(options))) {}
Api::~Api() = default;
Response Api::Handle(const Request& request) { return impl_->Handle(request); }
void Api::HandleAsync(Request request, Respond respond) {
  impl_->HandleAsync(std::move(request), std::move(respond));
}
std::optional<Response> Api::Screen(const Request& head, std::string* who) {
  return impl_->Screen(head, who);
}
void Api::Stop() { impl_->Stop(); }

}  // namespace http
