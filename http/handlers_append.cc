// Appends: the body decoded (JSON or Cap'n Proto) and checked, each event stamped with who
// records it, the writer given the events, and its outcome answered.

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

#include "handlers.h"
#include "schemas/api.capnp.h"

namespace http {
namespace {

namespace schema = ledger::schema;
using ledger::Code;
using ledger::Status;

// An append's request, decoded and checked: what the writer is given.
struct DecodedAppend {
  capnp::MallocMessageBuilder message;
  ledger::ExpectedVersion expected = ledger::ExpectedVersion::Any();
  std::vector<schema::Event::Reader> events;
  bool receipt = false;  // ?receipt=true: the answer carries the last event's receipt
};

Status DecodeBinary(const codec::EventJson& json, const std::string& body,
                    capnp::MallocMessageBuilder* message) {
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
  auto copied = capnp::DynamicStruct::Reader(message->getRoot<schema::AppendRequest>().asReader());
  if (json.EncodeStruct(copied).empty()) {
    return Status::InvalidArgument(
        "the Cap'n Proto body is not an AppendRequest: some text or list in it cannot be read "
        "(text must end in a NUL byte)");
  }
  return Status::Ok();
}

ledger::Result<ledger::ExpectedVersion> ParseExpected(const std::string& text) {
  if (text.empty() || text == "any") return ledger::ExpectedVersion::Any();
  if (text == "none" || text == "noStream") return ledger::ExpectedVersion::NoStream();
  uint64_t n = 0;
  if (ParseNumber(text, &n)) return ledger::ExpectedVersion::Exactly(n);
  return Status::InvalidArgument("expectedVersion: \"" + text +
                                 "\" is not allowed; use \"any\", \"none\" (no stream yet) or a "
                                 "version number such as \"3\"");
}

// The body into `message`: Cap'n Proto, an {"expectedVersion", "events": [...]} object, or one
// event. InvalidArgument says what is wrong with it.
Status DecodeBody(ApiContext& api, const Request& request, bool binary,
                  capnp::MallocMessageBuilder* message) {
  if (binary) return DecodeBinary(*api.json, request.body, message);
  auto body = message->initRoot<schema::AppendRequest>();
  if (HasTopLevelKey(request.body, "events")) {
    return api.json->DecodeStruct(request.body, capnp::DynamicStruct::Builder(body));
  }
  return api.json->Decode(request.body, body.initEvents(1)[0]);
}

// Decodes and checks an append, and stamps each event with who records it; or the refusal.
Checked<std::unique_ptr<DecodedAppend>> Decode(ApiContext& api, const Request& request,
                                               const Principal& who, const Target& target) {
  if (api.options.integrity) {
    if (auto r = api.options.integrity->Current(); !r.ok) {
      return Problem(Status::Corruption(
                         "the stored log no longer matches its hashes at event " +
                         std::to_string(r.bad_seq) + " (" + r.problem +
                         "); appends are refused until it is restored from a backup. Reads still "
                         "work."))
          .Members(IntegrityMember(api.options.integrity));
    }
  }
  std::string type = request.Header("content-type");
  bool binary = type.rfind("application/x-capnp", 0) == 0;
  bool json = type.empty() || type.rfind("application/json", 0) == 0;
  if (!binary && !json) {
    return Problem(Status::InvalidArgument(
                       "send application/json (or application/x-capnp for the binary form of an "
                       "AppendRequest); got \"" +
                       type + "\""))
        .As(415, "content_type");
  }
  auto out = std::make_unique<DecodedAppend>();
  if (Status s = DecodeBody(api, request, binary, &out->message); !s.ok()) {
    return Problem(s).Kind("validation");
  }
  auto body = out->message.getRoot<schema::AppendRequest>();
  std::string expected_text = target.Param("expectedVersion");
  if (expected_text.empty()) expected_text = body.getExpectedVersion().cStr();
  auto expected = ParseExpected(expected_text);
  if (!expected.ok()) return Problem(expected.status()).Kind("validation");
  auto events = body.getEvents();
  if (events.size() == 0) {
    return Problem(Status::InvalidArgument("events: give at least one event")).Kind("validation");
  }
  Checked<bool> receipt = api.proofs.ReceiptWanted(target);
  if (!receipt.ok()) return receipt.problem();
  out->receipt = *receipt;
  out->expected = *expected;
  out->events.reserve(events.size());
  for (uint i = 0; i < events.size(); ++i) {
    auto e = events[i];
    // Who recorded it comes from the token, never from the body.
    e.setActorId(who.actor_id);
    e.setActorRole(who.role);
    out->events.push_back(e.asReader());
  }
  return out;
}

// Why the writer refused an append, as the client is told. The rule that refused is named
// where the rule book refuses (permission, a taken id, a broken rule), and counted always.
Problem Refusal(ApiContext& api, const ledger::Ledger::Outcome& outcome, const std::string& stream,
                const ledger::ExpectedVersion& expected) {
  const Status& s = outcome.result.status();
  const std::string& rule = outcome.rule;
  switch (s.code()) {
    case Code::kPermissionDenied:
    case Code::kAlreadyExists:
      return Problem(s).Rule(rule);
    case Code::kInvalidArgument:
      return Problem(s).Rule(rule).Kind("validation");
    default:
      break;
  }
  if (!rule.empty()) api.metrics->CountRefusal(rule);
  switch (s.code()) {
    case Code::kConflict:
      api.metrics->CountConflict();
      return Problem(s).Members(",\"stream\":\"" + JsonEscape(stream) +
                                "\",\"expectedVersion\":\"" + JsonEscape(expected.ToString()) +
                                "\",\"actualVersion\":" + std::to_string(outcome.actual_version));
    case Code::kIOError:
      // The ledger checks whether it can write again every second (Options::retry_interval).
      return Problem(Status::IOError("the ledger cannot write: " + s.message()))
          .Members(",\"storage\":" + StorageJson(api.log->Storage()))
          .Header("Retry-After", "1");
    default:
      return Problem(s).As(503, "unavailable");
  }
}

// The answer to an append: 201 with its seqs, 200 for a duplicate, or the refusal; `receipt` is
// a member added to a success (Proofs::ReceiptMember).
Response Answer(ApiContext& api, const ledger::Ledger::Outcome& outcome, const std::string& stream,
                const ledger::ExpectedVersion& expected, const std::string& receipt = "") {
  const auto& result = outcome.result;
  if (!result.ok()) return api.Refuse(Refusal(api, outcome, stream, expected));
  if (result->duplicate) {
    api.metrics->CountDuplicate();
  } else {
    api.metrics->CountAppend(result->seqs.size());
  }
  std::string seqs;
  for (size_t i = 0; i < result->seqs.size(); ++i) {
    seqs += (i ? "," : "") + std::to_string(result->seqs[i]);
  }
  return JsonResponse(
      result->duplicate ? 200 : 201,
      "{\"seqs\":[" + seqs + "],\"streamVersion\":" + std::to_string(result->stream_version) +
          ",\"head\":" + HeadJson(result->head) +
          ",\"duplicate\":" + (result->duplicate ? "true" : "false") + receipt + "}");
}

// Signing a checkpoint for a receipt may take a while: not on the writer's thread, which answers
// every append, but on the work pool, in one of the token's places there; when the pool or the
// token's places are full the events are in all the same, and the answer says where the receipt
// is fetched.
template <class Reply>
void AnswerWithReceipt(ApiContext& api, ledger::Ledger::Outcome outcome, const std::string& stream,
                       const ledger::ExpectedVersion& expected, const Principal& who, Reply reply) {
  auto shared = std::make_shared<ledger::Ledger::Outcome>(std::move(outcome));
  uint64_t last = shared->result->seqs.back();
  ApiContext* context = &api;
  std::shared_ptr<void> place = api.work_places.TryTake(who.token_id);
  bool submitted = place && api.work.TrySubmit([context, shared, stream, expected, who, last, reply,
                                                place] {
    reply(Answer(*context, *shared, stream, expected, context->proofs.ReceiptMember(last, who)));
  });
  if (submitted) return;
  api.metrics->CountBusy(place ? "work" : "token");
  reply(Answer(api, *shared, stream, expected,
               ",\"receipt\":null,\"receiptProblem\":\"the server is busy; the events are "
               "appended (fetch GET /v1/events/" +
                   std::to_string(last) + "/receipt)\""));
}

// A token past its events of the hour (ApiOptions::resident_appends_per_hour for a resident's,
// staff_appends_per_hour for the other roles' but an admin's).
std::optional<Problem> TooFast(ApiContext& api, const Principal& who, size_t events) {
  AppendRate* rate = api.AppendsOf(who);
  int64_t wait_ms = 0;
  if (!rate || rate->TryTake(who.token_id, events, api.options.clock(), &wait_ms)) {
    return std::nullopt;
  }
  std::string most = std::to_string(rate->per_hour());
  std::string whose = std::string("this ") + RoleName(who.role) + " token";
  if (wait_ms < 0) {
    return Problem(Status::InvalidArgument(whose + " appends at most " + most +
                                           " events an hour, and this request holds " +
                                           std::to_string(events) + "; send fewer at once"))
        .Kind("validation");
  }
  api.metrics->CountBusy("token-appends");
  int64_t seconds = (wait_ms + 999) / 1000;
  return Problem(Status::Unavailable(whose + " appends at most " + most +
                                     " events an hour, and this one has appended as many; the "
                                     "next " +
                                     (events == 1 ? std::string("one") : std::to_string(events)) +
                                     " may be sent in " + std::to_string(seconds) + " s"))
      .As(429, "busy")
      .Header("Retry-After", std::to_string(seconds));
}

// A token past its KiB of append bodies of the hour (ApiContext::BodyKibOf), before its body is
// parsed: what this bounds is the parsing, so refused bodies count too.
std::optional<Problem> TooMuchToRead(ApiContext& api, const Principal& who, size_t bytes) {
  AppendRate* rate = api.BodyKibOf(who);
  int64_t wait_ms = 0;
  size_t kib = (bytes + 1023) / 1024;
  if (!rate || rate->TryTake(who.token_id, kib, api.options.clock(), &wait_ms)) {
    return std::nullopt;
  }
  api.metrics->CountBusy("token-appends");
  int64_t seconds = wait_ms < 0 ? 3600 : (wait_ms + 999) / 1000;
  return Problem(Status::Unavailable("this " + std::string(RoleName(who.role)) +
                                     " token has sent " + std::to_string(rate->per_hour()) +
                                     " KiB of appends this hour, the most it sends in an hour; "
                                     "this one may be sent in " +
                                     std::to_string(seconds) + " s"))
      .As(429, "busy")
      .Header("Retry-After", std::to_string(seconds));
}

}  // namespace

Response AppendNow(ApiContext& api, const Call& call, const std::string& stream) {
  if (auto refused = TooMuchToRead(api, call.who, call.request.body.size()); refused) {
    return api.Refuse(*refused);
  }
  auto decoded = Decode(api, call.request, call.who, call.target);
  if (!decoded.ok()) return api.Refuse(decoded.problem());
  const DecodedAppend& d = **decoded;
  if (auto refused = TooFast(api, call.who, d.events.size()); refused) {
    return api.Refuse(*refused);
  }
  ledger::Ledger::Outcome outcome;
  outcome.result = api.log->AppendAs(CallerOf(call.who), stream, d.expected, d.events,
                                     &outcome.actual_version, &outcome.rule);
  if (AppendRate* rate = api.AppendsOf(call.who);
      rate && (!outcome.result.ok() || outcome.result->duplicate)) {
    rate->GiveBack(call.who.token_id, d.events.size());
  }
  std::string receipt;
  if (d.receipt && outcome.result.ok()) {
    receipt = api.proofs.ReceiptMember(outcome.result->seqs.back(), call.who);
  }
  return Answer(api, outcome, stream, d.expected, receipt);
}

bool AppendGate::Stop() {
  base::MutexLock lock(&mu_);
  if (stopped_) return false;
  stopped_ = true;
  // Appends handed to the writer are answered after its sync (or its failure): soon.
  while (in_flight_ > 0) all_done_.Wait(&mu_);
  return true;
}

Checked<bool> AppendGate::Admit() {
  size_t limit = api_->options.max_appends_in_flight;
  {
    base::MutexLock lock(&mu_);
    if (stopped_) return Status::Unavailable("the server is stopping");
    if (in_flight_ < limit) {
      ++in_flight_;
      return true;
    }
  }
  api_->metrics->CountBusy("appends");
  return Problem(Status::Unavailable("the server is busy: " + std::to_string(limit) +
                                     " appends are waiting for the disk already; try again in a "
                                     "second"))
      .Kind("busy")
      .Header("Retry-After", "1");
}

void AppendGate::Done() {
  base::MutexLock lock(&mu_);
  if (--in_flight_ == 0) all_done_.SignalAll();
}

void AppendGate::Append(const Request& request, const Target& target, Respond respond) {
  auto start = std::chrono::steady_clock::now();
  if (Checked<bool> admitted = Admit(); !admitted.ok()) {
    return respond(api_->Refuse(admitted.problem()));
  }
  // The last thing it does is to say it is done: Stop waits for that, and then the Api goes.
  auto reply = [this, start, respond = std::move(respond)](Response response) {
    api_->metrics->ObserveRequest(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    respond(std::move(response));
    Done();
  };
  Checked<Principal> who = Authenticate(api_->tokens, request);
  if (!who.ok()) return reply(api_->Refuse(who.problem()));
  ledger::Result<std::string> stream = StreamOfPath(target.path);
  if (!stream.ok()) return reply(api_->Refuse(stream.status()));
  if (auto refused = TooMuchToRead(*api_, *who, request.body.size()); refused) {
    return reply(api_->Refuse(*refused));
  }
  auto decoded = Decode(*api_, request, *who, target);
  if (!decoded.ok()) return reply(api_->Refuse(decoded.problem()));
  const DecodedAppend& d = **decoded;
  AppendRate* rated = api_->AppendsOf(*who);
  if (auto refused = TooFast(*api_, *who, d.events.size()); refused) {
    return reply(api_->Refuse(*refused));
  }
  ledger::Caller caller = CallerOf(*who);
  api_->log->AppendAsync(&caller, *stream, d.expected, d.events,
                         [api = api_, stream = *stream, expected = d.expected, receipt = d.receipt,
                          who = *who, rated, events = d.events.size(),
                          reply = std::move(reply)](ledger::Ledger::Outcome outcome) mutable {
                           // Counted: what stays in the ledger; not a refusal, nor a
                           // retry of what is there already.
                           if (rated && (!outcome.result.ok() || outcome.result->duplicate)) {
                             rated->GiveBack(who.token_id, events);
                           }
                           if (receipt && outcome.result.ok()) {
                             return AnswerWithReceipt(*api, std::move(outcome), stream, expected,
                                                      who, std::move(reply));
                           }
                           reply(Answer(*api, outcome, stream, expected));
                         });
}

}  // namespace http
