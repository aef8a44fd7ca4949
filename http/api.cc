#include "http/api.h"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "base/clock.h"
#include "codec/response_json.h"
#include "http/permissions.h"
#include "http/routes.h"
#include "ledger/validate.h"
#include "log_source.h"
#include "proofs.h"
#include "schemas/api.capnp.h"
#include "work_pool.h"

namespace http {

namespace schema = ledger::schema;
using ledger::Code;
using ledger::Status;

namespace {

std::string HeadJson(const ledger::Position& p) {
  return "{\"seq\":" + std::to_string(p.seq) + ",\"hash\":\"" + ledger::ToHex(p.hash) + "\"}";
}

Response Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// "Bearer <token>", the scheme in any case, then one or more spaces.
bool ParseBearer(const std::string& header, std::string* token) {
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size() || header[kScheme.size()] != ' ') return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return false;
  }
  size_t start = header.find_first_not_of(' ', kScheme.size());
  if (start == std::string::npos) return false;
  size_t end = header.find_last_not_of(' ');
  *token = header.substr(start, end - start + 1);
  return true;
}

bool ParseNumber(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size();
}

// {"writable": false, "state": "noSpace", "problem": ..., "since": ..., ...}: whether appends are
// accepted, for /healthz and for the problem document of a refused append.
std::string StorageJson(const ledger::StorageHealth& h) {
  std::string out = "{\"writable\":" + std::string(h.writable() ? "true" : "false") +
                    ",\"state\":\"" + ledger::StorageStateName(h.state) + "\"";
  if (!h.writable()) {
    out += ",\"problem\":\"" + JsonEscape(h.problem) + "\",\"since\":\"" +
           codec::FormatTimestamp(h.since_ms) + "\"";
  }
  return out + ",\"failures\":" + std::to_string(h.failures) +
         ",\"recoveries\":" + std::to_string(h.recoveries) + "}";
}

// {"failing": true, "failures": 12, "recoveries": 0, "lastError": "I/O error: ..."}: whether the
// views keep up with the ledger, for /healthz. lastError is null until a first failure.
std::string FollowerJson(const projections::FollowerHealth& h) {
  return "{\"failing\":" + std::string(h.failing ? "true" : "false") +
         ",\"failures\":" + std::to_string(h.failures) +
         ",\"recoveries\":" + std::to_string(h.recoveries) + ",\"lastError\":" +
         (h.failures == 0 ? std::string("null") : "\"" + JsonEscape(h.last_error) + "\"") + "}";
}

// "{"seq":3,...,"event":{...}}" for one recorded event.
std::string RecordedJson(const codec::EventJson& json, const ledger::RecordedEvent& e) {
  return "{\"seq\":" + std::to_string(e.seq()) +
         ",\"streamVersion\":" + std::to_string(e.stream_version()) + ",\"hash\":\"" +
         ledger::ToHex(e.hash()) + "\",\"event\":" + json.Encode(e.event()) + "}";
}

}  // namespace

class Api::Impl {
 public:
  Impl(ledger::Ledger* log, projections::Engine* engine, TokenStore* tokens,
       const codec::EventJson* json, Metrics* metrics, ApiOptions options)
      : log_(log),
        engine_(engine),
        tokens_(tokens),
        json_(json),
        metrics_(metrics),
        options_(std::move(options)),
        work_("views", options_.work_threads, options_.work_queue) {
    if (!options_.clock) options_.clock = base::SystemMillis;
  }

  ~Impl() { Stop(); }

  void Stop() {
    {
      std::unique_lock<std::mutex> lock(appends_mu_);
      if (stopped_.exchange(true)) return;
      // Appends handed to the writer are answered after its sync (or its failure): soon.
      appends_done_.wait(lock, [this] { return appends_in_flight_ == 0; });
    }
    engine_->CancelWaiters(this);
    work_.Stop();
  }

  void HandleAsync(Request request, Respond respond) {
    Target target = ParseTarget(request.target);
    const std::string& path = target.path;
    // Cheap, or refused before any work: answered here, on the I/O thread.
    if (!target.ok || path == "/healthz" || path == "/metrics" || path == "/v1/head" ||
        path == "/v1/me" || path == "/v1/subscribe" || path.rfind("/v1/", 0) != 0) {
      respond(Handle(request));
      return;
    }
    bool append = request.method == "POST" && path.rfind("/v1/streams/", 0) == 0;
    if (append) {
      // Decoded and checked here, on the connection's I/O thread; the writer answers after its
      // sync, and no thread waits in between.
      AppendAsync(request, target, std::move(respond));
      return;
    }
    // A read that waits for a position waits on the engine's list, not on a thread; the view is
    // computed on the pool once the position is reached.
    if (path.rfind("/v1/views/", 0) == 0 || path.rfind("/v1/reports/", 0) == 0) {
      Query q;
      std::string authorization = request.Header("authorization");
      if (ParseQuery(target, options_.clock(), &q).empty() && q.at_least > 0 &&
          engine_->Applied().seq < q.at_least && authorization.rfind("Bearer ", 0) == 0 &&
          tokens_->Lookup(authorization.substr(7))) {
        auto wait = std::min(options_.max_wait, q.wait.value_or(options_.default_wait));
        uint64_t seq = q.at_least;
        auto started = std::chrono::steady_clock::now();
        engine_->WhenApplied(seq, wait, this,
                             [this, seq, wait, started, request = std::move(request),
                              respond = std::move(respond)](bool reached) mutable {
                               if (!reached) {
                                 respond(WaitTimedOut(seq, wait, started));
                                 return;
                               }
                               RunOnPool(&work_, std::move(request), std::move(respond));
                             });
        return;
      }
    }
    RunOnPool(&work_, std::move(request), std::move(respond));
  }

  Response Handle(const Request& request) {
    auto start = std::chrono::steady_clock::now();
    Response response = Route(request);
    metrics_->ObserveRequest(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return response;
  }

 private:
  void RunOnPool(WorkPool* pool, Request request, Respond respond) {
    auto run = [this, request = std::move(request), respond]() { respond(Handle(request)); };
    if (pool->TrySubmit(std::move(run))) return;
    metrics_->CountBusy("work");
    Response r = Problem(503, "busy", "Service Unavailable",
                         "the server is busy: " + std::to_string(pool->queue_limit()) +
                             " requests of this kind are waiting already; try again in a second");
    r.headers["Retry-After"] = "1";
    respond(std::move(r));
  }

  Response WaitTimedOut(uint64_t seq, std::chrono::milliseconds wait,
                        std::chrono::steady_clock::time_point started) {
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    Response r =
        Problem(503, "timeout", "Service Unavailable",
                "the views have applied up to position " + std::to_string(engine_->Applied().seq) +
                    ", not " + std::to_string(seq) + ", after waiting " +
                    std::to_string(std::max(waited, wait).count()) +
                    " ms (ledger head: " + std::to_string(log_->Head().seq) + ")");
    r.headers["Retry-After"] = "1";
    return r;
  }

  Response Problem(int status, const std::string& kind, const std::string& title,
                   const std::string& detail, const std::string& extra = "") {
    metrics_->CountError(kind);
    return ProblemResponse(status, kind, title, detail, extra);
  }

  Response Route(const Request& request) {
    Target target = ParseTarget(request.target);
    if (!target.ok) {
      return Problem(400, "bad_request", "Bad Request", target.error);
    }
    const std::string& path = target.path;
    const std::string& method = request.method;

    if (path == "/healthz") {
      if (method != "GET") return MethodNotAllowed("GET");
      // 200 either way: the service is up and answers reads. "degraded" while appends are
      // refused, so that a probe that only wants a live process does not restart a server whose
      // disk is full (a restart would not help), and one that routes writes can tell.
      // Likewise while the views cannot catch up: reads answer, but from views that fall behind.
      auto storage = log_->Storage();
      bool intact = !options_.integrity || options_.integrity->Current().ok;
      auto views = engine_->Following();
      bool ok = storage.writable() && intact && !views.failing;
      return Json(200, "{\"status\":\"" + std::string(ok ? "ok" : "degraded") + "\",\"head\":" +
                           HeadJson(log_->Head()) + ",\"applied\":" + HeadJson(engine_->Applied()) +
                           ",\"storage\":" + StorageJson(storage) + IntegrityMember() +
                           ",\"views\":" + FollowerJson(views) + "}");
    }
    if (path == "/metrics") {
      if (method != "GET") return MethodNotAllowed("GET");
      Response r;
      r.content_type = "text/plain; version=0.0.4";
      r.body = metrics_->Render(log_->Head().seq, engine_->Applied().seq, log_->Storage(),
                                engine_->Following());
      return r;
    }
    if (path.rfind("/v1/", 0) != 0) {
      return Problem(404, "not_found", "Not Found",
                     "there is no route " + path + "; the API lives under /v1/ (see the README)");
    }

    Principal who;
    if (auto refused = Authenticate(request, &who)) return std::move(*refused);

    if (path.rfind("/v1/streams/", 0) == 0) {
      std::string stream;
      if (auto refused = StreamOfPath(path, &stream)) return std::move(*refused);
      if (method == "POST") return Append(request, stream, who, target);
      if (method == "GET") return ReadStream(stream, who, target);
      return MethodNotAllowed("GET, POST");
    }
    if (path == "/v1/admin/backup") {
      if (method != "POST") return MethodNotAllowed("POST");
      return Backup(who, target);
    }
    if (method != "GET") return MethodNotAllowed("GET");
    if (path == "/v1/head") return Json(200, HeadJson(log_->Head()));
    if (path == "/v1/me") return Json(200, MeJson(who));
    if (path == "/v1/log") return ReadLog(who, target);
    if (path == "/v1/checkpoint") return proofs_.Checkpoint(target);
    if (path == "/v1/proofs/inclusion") return proofs_.Inclusion(target);
    if (path == "/v1/proofs/consistency") return proofs_.Consistency(target);
    if (path.rfind("/v1/events/", 0) == 0 && path.size() > 19 &&
        path.compare(path.size() - 8, 8, "/receipt") == 0) {
      return proofs_.Receipt(path.substr(11, path.size() - 19), who);
    }
    if (path.rfind("/v1/events/", 0) == 0) return ReadOne(path.substr(11), who);
    if (path == "/v1/verify") return Verify(who);
    if (path == "/v1/subscribe") return Subscribe(request, who, target);
    if (path.rfind("/v1/views/", 0) == 0) return View(path.substr(10), who, target);
    if (path.rfind("/v1/reports/", 0) == 0) return Report(path.substr(12), who, target);
    return Problem(404, "not_found", "Not Found", "there is no route " + path);
  }

  // Everything under /v1/ needs a token: exactly one Authorization header, "Bearer <token>"
  // (the scheme is case-insensitive, RFC 9110). The refusal when there is none that works.
  std::optional<Response> Authenticate(const Request& request, Principal* who) {
    std::string authorization = request.Header("authorization");
    if (authorization.find('\n') != std::string::npos) {
      return Problem(400, "auth", "Bad Request",
                     "send exactly one Authorization header; this request has several");
    }
    std::string token;
    if (!ParseBearer(authorization, &token)) {
      Response r = Problem(401, "auth", "Unauthorized",
                           "send a bearer token: \"Authorization: Bearer <token>\" (create one "
                           "with: ledgerctl token create)");
      r.headers["WWW-Authenticate"] = "Bearer";
      return r;
    }
    std::optional<Principal> principal = tokens_->Lookup(token);
    if (!principal) {
      Response r = Problem(401, "auth", "Unauthorized", "the bearer token is unknown or revoked");
      r.headers["WWW-Authenticate"] = "Bearer error=\"invalid_token\"";
      return r;
    }
    *who = std::move(*principal);
    return std::nullopt;
  }

  // "/v1/streams/{stream}/events" -> the stream id, percent-decoded; or why not.
  std::optional<Response> StreamOfPath(const std::string& path, std::string* stream) {
    std::string rest = path.substr(std::strlen("/v1/streams/"));
    const std::string suffix = "/events";
    if (rest.size() <= suffix.size() ||
        rest.compare(rest.size() - suffix.size(), suffix.size(), suffix) != 0) {
      return Problem(404, "not_found", "Not Found",
                     "stream routes end in /events: /v1/streams/{stream}/events");
    }
    // A "+" in a path is a plus sign, not a space (that is only so in a query string).
    if (!PercentDecode(rest.substr(0, rest.size() - suffix.size()), stream,
                       /*plus_is_space=*/false)) {
      return Problem(400, "bad_request", "Bad Request",
                     "the stream id is not percent-encoded properly");
    }
    return std::nullopt;
  }

  // Who the token stands for and what it reads, so that a client (the dashboard) offers only
  // what the token may use; the checks on each route stay the only authority.
  static std::string MeJson(const Principal& who) {
    std::string estates;
    for (const auto& e : who.estates)
      estates += (estates.empty() ? "\"" : ",\"") + JsonEscape(e) + "\"";
    return "{\"tokenId\":\"" + JsonEscape(who.token_id) + "\",\"role\":\"" + RoleName(who.role) +
           "\",\"actorId\":\"" + JsonEscape(who.actor_id) + "\",\"estates\":[" + estates +
           "],\"companyId\":\"" + JsonEscape(who.company_id) +
           "\",\"readsRawLog\":" + (Permissions::MayReadRawEvents(who) ? "true" : "false") +
           ",\"seesPersonalDetails\":" +
           (Permissions::SeesPersonalDetails(who) ? "true" : "false") + "}";
  }

  Response MethodNotAllowed(const std::string& allowed) {
    Response r = Problem(405, "method", "Method Not Allowed", "this route allows " + allowed);
    r.headers["Allow"] = allowed;
    return r;
  }

  // ',"integrity":{...}' for /healthz and a refused append; "" when the log is not watched.
  std::string IntegrityMember() const {
    if (!options_.integrity) return "";
    ledger::IntegrityReport r = options_.integrity->Current();
    std::string out = ",\"integrity\":{\"ok\":" + std::string(r.ok ? "true" : "false") +
                      ",\"checked\":" + std::to_string(r.size);
    if (r.checked) out += ",\"at\":\"" + codec::FormatTimestamp(r.checked_at_ms) + "\"";
    if (!r.ok) {
      out += ",\"badSeq\":" + std::to_string(r.bad_seq) + ",\"problem\":\"" +
             JsonEscape(r.problem) + "\"";
    }
    return out + "}";
  }

  // --- appends ---

  // An append's request body, decoded and checked: what the writer is given.
  struct DecodedAppend {
    capnp::MallocMessageBuilder message;
    ledger::ExpectedVersion expected = ledger::ExpectedVersion::Any();
    std::vector<schema::Event::Reader> events;
    bool receipt = false;  // ?receipt=true: the answer carries the last event's receipt
  };

  // Decodes the body of an append (JSON or Cap'n Proto), and stamps each event with who records
  // it; or the refusal.
  std::optional<Response> DecodeAppend(const Request& request, const Principal& who,
                                       const Target& target, DecodedAppend* out) {
    if (options_.integrity) {
      if (auto r = options_.integrity->Current(); !r.ok) {
        return Problem(503, "integrity", "Service Unavailable",
                       "the stored log no longer matches its hashes at event " +
                           std::to_string(r.bad_seq) + " (" + r.problem +
                           "); appends are refused until it is restored from a backup. Reads "
                           "still work.",
                       IntegrityMember());
      }
    }
    std::string type = request.Header("content-type");
    bool binary = type.rfind("application/x-capnp", 0) == 0;
    bool json = type.empty() || type.rfind("application/json", 0) == 0;
    if (!binary && !json) {
      return Problem(415, "content_type", "Unsupported Media Type",
                     "send application/json (or application/x-capnp for the binary form of an "
                     "AppendRequest); got \"" +
                         type + "\"");
    }
    capnp::MallocMessageBuilder& message = out->message;
    auto body = message.initRoot<schema::AppendRequest>();
    if (binary) {
      Status s = DecodeBinary(request.body, &message);
      if (!s.ok()) return Problem(400, "validation", "Bad Request", s.message());
      body = message.getRoot<schema::AppendRequest>();
    } else if (HasTopLevelKey(request.body, "events")) {
      Status s = json_->DecodeStruct(request.body, capnp::DynamicStruct::Builder(body));
      if (!s.ok()) return Problem(400, "validation", "Bad Request", s.message());
    } else {
      Status s = json_->Decode(request.body, body.initEvents(1)[0]);
      if (!s.ok()) return Problem(400, "validation", "Bad Request", s.message());
    }
    std::string expected_text = target.Param("expectedVersion");
    if (expected_text.empty()) expected_text = body.getExpectedVersion().cStr();
    auto expected = ParseExpected(expected_text);
    if (!expected) {
      return Problem(400, "validation", "Bad Request",
                     "expectedVersion: \"" + expected_text +
                         "\" is not allowed; use \"any\", \"none\" (no stream yet) or a version "
                         "number such as \"3\"");
    }
    auto events = body.getEvents();
    if (events.size() == 0) {
      return Problem(400, "validation", "Bad Request", "events: give at least one event");
    }
    if (auto refused = proofs_.ReceiptWanted(target, &out->receipt)) return refused;
    out->expected = *expected;
    std::vector<schema::Event::Reader>& readers = out->events;
    readers.reserve(events.size());
    for (uint i = 0; i < events.size(); ++i) {
      auto e = events[i];
      // Who recorded it comes from the token, never from the body.
      e.setActorId(who.actor_id);
      e.setActorRole(who.role);
      readers.push_back(e.asReader());
    }
    return std::nullopt;
  }

  // The synchronous form, for Handle.
  Response Append(const Request& request, const std::string& stream, const Principal& who,
                  const Target& target) {
    DecodedAppend decoded;
    if (auto refused = DecodeAppend(request, who, target, &decoded)) return std::move(*refused);
    ledger::Ledger::Outcome outcome;
    outcome.result = log_->AppendAs(CallerOf(who), stream, decoded.expected, decoded.events,
                                    &outcome.actual_version, &outcome.rule);
    std::string receipt;
    if (decoded.receipt && outcome.result.ok()) {
      receipt = proofs_.ReceiptMember(outcome.result->seqs.back(), who);
    }
    return AppendAnswer(std::move(outcome), stream, decoded.expected, receipt);
  }

  // Runs on the connection's I/O thread up to the hand-over to the writer; `respond` is called
  // by the writer after its sync (it posts the answer back to the connection).
  void AppendAsync(const Request& request, const Target& target, Respond respond) {
    auto start = std::chrono::steady_clock::now();
    bool admitted = false;
    {
      std::lock_guard<std::mutex> lock(appends_mu_);
      if (stopped_) {
        respond(Problem(503, "unavailable", "Service Unavailable", "the server is stopping"));
        return;
      }
      admitted = appends_in_flight_ < options_.max_appends_in_flight;
      if (admitted) ++appends_in_flight_;
    }
    if (!admitted) {
      metrics_->CountBusy("appends");
      Response r = Problem(503, "busy", "Service Unavailable",
                           "the server is busy: " + std::to_string(options_.max_appends_in_flight) +
                               " appends are waiting for the disk already; try again in a second");
      r.headers["Retry-After"] = "1";
      respond(std::move(r));
      return;
    }
    // The last thing it does is to say it is done: Stop waits for that, and then `this` goes.
    auto answer = [this, start, respond = std::move(respond)](Response response) {
      metrics_->ObserveRequest(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      respond(std::move(response));
      std::lock_guard<std::mutex> lock(appends_mu_);
      if (--appends_in_flight_ == 0) appends_done_.notify_all();
    };
    Principal who;
    if (auto refused = Authenticate(request, &who)) return answer(std::move(*refused));
    std::string stream;
    if (auto refused = StreamOfPath(target.path, &stream)) return answer(std::move(*refused));
    DecodedAppend decoded;
    if (auto refused = DecodeAppend(request, who, target, &decoded)) {
      return answer(std::move(*refused));
    }
    ledger::Caller caller = CallerOf(who);
    log_->AppendAsync(&caller, stream, decoded.expected, decoded.events,
                      [this, stream, expected = decoded.expected, receipt = decoded.receipt, who,
                       answer = std::move(answer)](ledger::Ledger::Outcome outcome) mutable {
                        if (receipt && outcome.result.ok()) {
                          return AnswerWithReceipt(std::move(outcome), stream, expected, who,
                                                   std::move(answer));
                        }
                        answer(AppendAnswer(std::move(outcome), stream, expected));
                      });
  }

  // Signing a checkpoint for a receipt may take a while: not on the writer's thread, which
  // answers every append, but on the work pool; when that is full the events are in all the
  // same, and the answer says where the receipt is fetched.
  template <class Answer>
  void AnswerWithReceipt(ledger::Ledger::Outcome outcome, const std::string& stream,
                         const ledger::ExpectedVersion& expected, const Principal& who,
                         Answer answer) {
    auto shared = std::make_shared<ledger::Ledger::Outcome>(std::move(outcome));
    uint64_t last = shared->result->seqs.back();
    bool submitted = work_.TrySubmit([this, shared, stream, expected, who, last, answer] {
      answer(AppendAnswer(std::move(*shared), stream, expected, proofs_.ReceiptMember(last, who)));
    });
    if (submitted) return;
    metrics_->CountBusy("work");
    answer(AppendAnswer(std::move(*shared), stream, expected,
                        ",\"receipt\":null,\"receiptProblem\":\"the server is busy; the events "
                        "are appended (fetch GET /v1/events/" +
                            std::to_string(last) + "/receipt)\""));
  }

  // The answer to an append: 201 with its seqs, 200 for a duplicate, or the refusal; `receipt`
  // is a member added to a success (Proofs::ReceiptMember).
  Response AppendAnswer(ledger::Ledger::Outcome outcome, const std::string& stream,
                        const ledger::ExpectedVersion& expected, const std::string& receipt = "") {
    auto& result = outcome.result;
    const std::string& rule = outcome.rule;
    uint64_t actual = outcome.actual_version;
    if (!result.ok()) {
      const Status& s = result.status();
      std::string rule_member = rule.empty() ? "" : ",\"rule\":\"" + JsonEscape(rule) + "\"";
      if (!rule.empty()) metrics_->CountRefusal(rule);
      switch (s.code()) {
        case Code::kConflict:
          metrics_->CountConflict();
          return Problem(409, "conflict", "Conflict", s.message(),
                         ",\"stream\":\"" + JsonEscape(stream) + "\",\"expectedVersion\":\"" +
                             JsonEscape(expected.ToString()) +
                             "\",\"actualVersion\":" + std::to_string(actual));
        case Code::kPermissionDenied:
          return Problem(403, "permission", "Forbidden", s.message(), rule_member);
        case Code::kAlreadyExists:
          return Problem(409, "taken", "Conflict", s.message(), rule_member);
        case Code::kInvalidArgument:
          return Problem(400, "validation", "Bad Request", s.message(), rule_member);
        case Code::kIOError: {
          // The ledger checks whether it can write again every second (Options::retry_interval).
          Response r = Problem(503, "storage", "Service Unavailable",
                               "the ledger cannot write: " + s.message(),
                               ",\"storage\":" + StorageJson(log_->Storage()));
          r.headers["Retry-After"] = "1";
          return r;
        }
        default:
          return Problem(503, "unavailable", "Service Unavailable", s.message());
      }
    }
    if (result->duplicate) {
      metrics_->CountDuplicate();
    } else {
      metrics_->CountAppend(result->seqs.size());
    }
    std::string seqs;
    for (size_t i = 0; i < result->seqs.size(); ++i) {
      seqs += (i ? "," : "") + std::to_string(result->seqs[i]);
    }
    return Json(result->duplicate ? 200 : 201,
                "{\"seqs\":[" + seqs + "],\"streamVersion\":" +
                    std::to_string(result->stream_version) + ",\"head\":" + HeadJson(result->head) +
                    ",\"duplicate\":" + (result->duplicate ? "true" : "false") + receipt + "}");
  }

  Status DecodeBinary(const std::string& body, capnp::MallocMessageBuilder* message) {
    if (body.size() % sizeof(capnp::word) != 0 || body.empty()) {
      return Status::InvalidArgument("the Cap'n Proto body is " + std::to_string(body.size()) +
                                     " bytes, not a whole number of 8-byte words");
    }
    auto words = kj::heapArray<capnp::word>(body.size() / sizeof(capnp::word));
    std::memcpy(words.begin(), body.data(), body.size());
    kj::Maybe<kj::Exception> error = kj::runCatchingExceptions([&]() {
      capnp::ReaderOptions options;
      options.traversalLimitInWords = words.size() * 2 + 1024;
      capnp::FlatArrayMessageReader reader(words, options);
      message->setRoot(reader.getRoot<schema::AppendRequest>());
    });
    KJ_IF_MAYBE (e, error) {
      return Status::InvalidArgument(std::string("the Cap'n Proto body is not an AppendRequest: ") +
                                     e->getDescription().cStr());
    }
    // Copying does not look inside text, so text without its closing NUL byte (or a pointer of
    // the wrong kind) would throw only when read, later and outside any catch. Encoding reads
    // every field, and fails exactly when one cannot be read.
    auto copied =
        capnp::DynamicStruct::Reader(message->getRoot<schema::AppendRequest>().asReader());
    if (json_->EncodeStruct(copied).empty()) {
      return Status::InvalidArgument(
          "the Cap'n Proto body is not an AppendRequest: some text or list in it cannot be read "
          "(text must end in a NUL byte)");
    }
    return Status::Ok();
  }

  static std::optional<ledger::ExpectedVersion> ParseExpected(const std::string& text) {
    if (text.empty() || text == "any") return ledger::ExpectedVersion::Any();
    if (text == "none" || text == "noStream") return ledger::ExpectedVersion::NoStream();
    uint64_t n = 0;
    if (ParseNumber(text, &n)) return ledger::ExpectedVersion::Exactly(n);
    return std::nullopt;
  }

  // An online, consistent copy of the ledger while appends go on: a RocksDB checkpoint taken by
  // the server, which alone holds the store open. The folder must not exist yet.
  Response Backup(const Principal& who, const Target& target) {
    if (who.role != schema::Role::ADMIN) {
      return Problem(403, "permission", "Forbidden", "only an admin token may take a backup");
    }
    std::string to = target.Param("to");
    if (to.empty() || to[0] != '/') {
      return Problem(
          400, "bad_request", "Bad Request",
          "to: name an absolute folder that does not exist yet, e.g. ?to=/srv/backup/2025-12-01");
    }
    Status s = log_->Checkpoint(to + "/ledger");
    if (!s.ok()) return Problem(409, "backup", "Conflict", s.message());
    return Json(201, "{\"to\":\"" + JsonEscape(to) + "\",\"head\":" + HeadJson(log_->Head()) + "}");
  }

  // --- reads of the log ---

  Response ReadStream(const std::string& stream, const Principal& who, const Target& target) {
    if (Decision d = permissions_.MayReadStream(who, stream); !d.allowed) return Refused(d);
    uint64_t from = 1, limit = 100;
    if (auto bad = PageParams(target, &from, &limit)) return *bad;
    auto events = log_->ReadStream(stream, from, limit);
    if (!events.ok()) {
      if (events.status().code() == Code::kNotFound) {
        return Problem(404, "not_found", "Not Found", events.status().message());
      }
      return Problem(503, "storage", "Service Unavailable", events.status().message());
    }
    return Json(200, EventsJson(who, *events, "\"stream\":\"" + JsonEscape(stream) + "\","));
  }

  Response ReadLog(const Principal& who, const Target& target) {
    if (auto denied = RawReadDenied(who)) return *denied;
    uint64_t from = 1, limit = 100;
    if (auto bad = PageParams(target, &from, &limit)) return *bad;
    auto events = log_->ReadForward(from, limit);
    if (!events.ok())
      return Problem(503, "storage", "Service Unavailable", events.status().message());
    uint64_t next = events->empty() ? from : events->back().seq() + 1;
    return Json(200, EventsJson(who, *events, "\"next\":" + std::to_string(next) + ","));
  }

  Response ReadOne(const std::string& text, const Principal& who) {
    if (auto denied = RawReadDenied(who)) return *denied;
    uint64_t seq = 0;
    if (!ParseNumber(text, &seq)) {
      return Problem(400, "bad_request", "Bad Request",
                     "\"" + text + "\" is not a sequence number; use /v1/events/42");
    }
    auto event = log_->Read(seq);
    if (!event.ok()) {
      if (event.status().code() == Code::kNotFound) {
        return Problem(404, "not_found", "Not Found", event.status().message());
      }
      return Problem(503, "storage", "Service Unavailable", event.status().message());
    }
    if (!permissions_.MayReadEvent(who, event->event())) {
      return Refused(Decision::Deny("read.estate", "event " + std::to_string(seq) +
                                                       " is not about an estate this token reads"));
    }
    return Json(200, RecordedJson(*json_, *event));
  }

  Response Verify(const Principal& who) {
    if (auto denied = RawReadDenied(who)) return *denied;
    auto report = log_->Verify();
    if (!report.ok())
      return Problem(503, "storage", "Service Unavailable", report.status().message());
    std::string body = "{\"ok\":" + std::string(report->ok ? "true" : "false") +
                       ",\"checked\":" + std::to_string(report->checked) +
                       ",\"head\":" + HeadJson(report->head);
    if (!report->ok) {
      body += ",\"firstBadSeq\":" + std::to_string(report->first_bad_seq) + ",\"problem\":\"" +
              JsonEscape(report->problem) + "\"";
    }
    return Json(200, body + "}");
  }

  Response Subscribe(const Request& request, const Principal& who, const Target& target) {
    if (auto denied = RawReadDenied(who)) return *denied;
    // Larger numbers would wrap when resuming after them (kMaxSeq: http/routes.h).
    const std::string range = " must be a sequence number from 0 to " + std::to_string(kMaxSeq);
    uint64_t from = 1;
    std::string last = request.Header("last-event-id");
    uint64_t last_seen = 0;
    if (!last.empty()) {
      if (!ParseNumber(last, &last_seen) || last_seen > kMaxSeq) {
        return Problem(400, "bad_request", "Bad Request",
                       "Last-Event-ID: \"" + last + "\"" + range);
      }
      from = last_seen + 1;
    } else if (std::string f = target.Param("from");
               !f.empty() && (!ParseNumber(f, &from) || from > kMaxSeq)) {
      return Problem(400, "bad_request", "Bad Request", "from: \"" + f + "\"" + range);
    }
    Response r;
    r.content_type = "text/event-stream; charset=utf-8";
    const Permissions* permissions = &permissions_;
    r.stream = MakeLogSource(log_, engine_, json_, this, from,
                             [permissions, who](ledger::schema::Event::Reader event) {
                               return permissions->MayReadEvent(who, event);
                             });
    return r;
  }

  // The events `who` may read; those of other estates are left out (and counted), so that a
  // page's "next" still moves past them.
  std::string EventsJson(const Principal& who, const std::vector<ledger::RecordedEvent>& events,
                         const std::string& lead) {
    std::string body = "{" + lead + "\"head\":" + HeadJson(log_->Head()) + ",\"events\":[";
    size_t shown = 0, hidden = 0;
    for (const auto& e : events) {
      if (!permissions_.MayReadEvent(who, e.event())) {
        ++hidden;
        continue;
      }
      if (shown++) body += ",";
      body += RecordedJson(*json_, e);
    }
    return body + "],\"outOfScope\":" + std::to_string(hidden) + "}";
  }

  Response Refused(const Decision& d) {
    metrics_->CountRefusal(d.rule);
    return Problem(403, "permission", "Forbidden", d.reason,
                   ",\"rule\":\"" + JsonEscape(d.rule) + "\"");
  }

  std::optional<Response> PageParams(const Target& target, uint64_t* from, uint64_t* limit) {
    if (std::string f = target.Param("from"); !f.empty() && !ParseNumber(f, from)) {
      return Problem(400, "bad_request", "Bad Request", "from: \"" + f + "\" is not a number");
    }
    if (std::string l = target.Param("limit"); !l.empty()) {
      if (!ParseNumber(l, limit) || *limit == 0 || *limit > options_.max_page) {
        return Problem(
            400, "bad_request", "Bad Request",
            "limit: \"" + l + "\" must be a number from 1 to " + std::to_string(options_.max_page));
      }
    }
    return std::nullopt;
  }

  std::optional<Response> RawReadDenied(const Principal& who) {
    if (Permissions::MayReadRawEvents(who)) return std::nullopt;
    return Problem(403, "permission", "Forbidden",
                   std::string("the raw log carries personal details; a ") + RoleName(who.role) +
                       " token reads the views (/v1/views/...) instead");
  }

  // --- views and reports ---

  Response View(const std::string& name, const Principal& who, const Target& target) {
    const ViewRoute* route = FindViewRoute(name);
    if (!route) {
      return Problem(404, "not_found", "Not Found",
                     "there is no view \"" + name + "\"; views: " + ViewNames());
    }
    if (route->audit_only) {
      if (auto denied = RawReadDenied(who)) return *denied;
    }
    return Serve(
        who, *route, target,
        [&](const projections::ViewSet& views, const Query& q, capnp::MallocMessageBuilder& message,
            std::string* error) { return route->fill(views, q, message, error); });
  }

  Response Report(const std::string& name, const Principal& who, const Target& target) {
    const ViewRoute* route = FindReportRoute(name);
    if (!route) {
      return Problem(404, "not_found", "Not Found",
                     "there is no report \"" + name + "\"; reports: " + ReportNames());
    }
    // The parameters as the scope left them, named in the answer so that it can be recomputed.
    std::string parameters;
    return Serve(
        who, *route, target,
        [&](const projections::ViewSet& views, const Query& q, capnp::MallocMessageBuilder& message,
            std::string* error) {
          parameters = ReportParameters(*route, q);
          return route->fill(views, q, message, error);
        },
        &parameters);
  }

  // Resolves the filter, the position and the scope, runs `fill` on the right views, and
  // answers {"position": ..., "asOf": ..., "result": {...}}.
  // `report`, set by `fill` if given, becomes the answer's "report" member.
  template <class Fill>
  Response Serve(const Principal& who, const ViewRoute& route, const Target& target, Fill fill,
                 const std::string* report = nullptr) {
    Query q;
    std::string error = ParseQuery(target, options_.clock(), &q);
    if (!error.empty()) return Problem(400, "bad_request", "Bad Request", error);
    Decision scope = permissions_.ScopeQuery(who, route, &q);
    if (!scope.allowed) return Refused(scope);

    if (q.at_least > 0) {
      auto wait = std::min(options_.max_wait, q.wait.value_or(options_.default_wait));
      Status s = engine_->WaitFor(q.at_least, wait);
      if (!s.ok()) {
        Response r = Problem(503, "timeout", "Service Unavailable", s.message());
        r.headers["Retry-After"] = "1";
        return r;
      }
    }
    std::string json;
    ledger::Position position;
    auto render = [&](const projections::ViewSet& views) {
      capnp::MallocMessageBuilder message;
      std::string fill_error;
      auto reader = fill(views, q, message, &fill_error);
      if (!fill_error.empty()) {
        error = fill_error;
        return;
      }
      json = codec::EncodeResponse(reader);
      position = views.position();
    };
    if (q.as_of) {
      uint64_t seq = *q.as_of;
      if (q.as_of_is_time) {
        auto at = log_->SeqAtTime(static_cast<int64_t>(seq));
        if (!at.ok()) return Problem(503, "storage", "Service Unavailable", at.status().message());
        seq = *at;
      }
      auto views = engine_->AsOf(seq);
      if (!views.ok()) {
        Response r = Problem(503, "storage", "Service Unavailable", views.status().message());
        r.headers["Retry-After"] = "1";
        return r;
      }
      render(**views);
    } else {
      engine_->Read([&](const projections::ViewSet& views) { render(views); });
    }
    if (!error.empty()) return Problem(400, "bad_request", "Bad Request", error);
    std::string report_member =
        report && !report->empty() ? ",\"report\":" + *report : std::string();
    return Json(200, "{\"position\":" + HeadJson(position) + proofs_.PositionMember(position.seq) +
                         report_member + ",\"asOf\":" + (q.as_of ? "true" : "false") +
                         ",\"result\":" + json + "}");
  }

  ledger::Ledger* log_;
  projections::Engine* engine_;
  TokenStore* tokens_;
  const codec::EventJson* json_;
  Metrics* metrics_;
  ApiOptions options_;
  Permissions permissions_{log_};
  Proofs proofs_{log_, options_.checkpoints, &permissions_, metrics_};
  std::atomic<bool> stopped_{false};
  WorkPool work_;
  std::mutex appends_mu_;
  std::condition_variable appends_done_;
  size_t appends_in_flight_ = 0;  // guarded by appends_mu_
};

Api::Api(ledger::Ledger* log, projections::Engine* engine, TokenStore* tokens,
         const codec::EventJson* json, Metrics* metrics, ApiOptions options)
    : impl_(std::make_unique<Impl>(log, engine, tokens, json, metrics, std::move(options))) {}
Api::~Api() = default;
Response Api::Handle(const Request& request) { return impl_->Handle(request); }
void Api::HandleAsync(Request request, Respond respond) {
  impl_->HandleAsync(std::move(request), std::move(respond));
}
void Api::Stop() { impl_->Stop(); }

}  // namespace http
