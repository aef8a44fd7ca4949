#include "api_context.h"

#include <cctype>
#include <charconv>
#include <cstring>

#include "codec/response_json.h"

namespace http {

ApiContext::ApiContext(ledger::Ledger* log_in, projections::Engine* engine_in,
                       TokenStore* tokens_in, const codec::EventJson* json_in, Metrics* metrics_in,
                       ApiOptions options_in)
    : log(log_in),
      engine(engine_in),
      tokens(tokens_in),
      json(json_in),
      metrics(metrics_in),
      options(std::move(options_in)),
      permissions(log),
      proofs(log, options.checkpoints, &permissions, metrics),
      work("views", options.work_threads, options.work_queue),
      work_places(options.work_per_token),
      stream_places(options.streams_per_token),
      resident_appends(options.resident_appends_per_hour),
      staff_appends(options.staff_appends_per_hour),
      resident_body_kib(BodyKibPerHour(options.resident_appends_per_hour)),
      staff_body_kib(BodyKibPerHour(options.staff_appends_per_hour)) {}

uint32_t ApiContext::BodyKibPerHour(uint32_t events_per_hour) {
  if (events_per_hour == 0) return 0;
  return static_cast<uint32_t>(
      std::min<uint64_t>(UINT32_MAX, std::max<uint64_t>(8 << 10, uint64_t{events_per_hour} * 8)));
}

namespace {

// A resident's bucket or the other roles'; none for an admin, nor where the bucket is unbounded.
AppendRate* ForRole(const Principal& who, AppendRate* resident, AppendRate* others) {
  if (who.role == ledger::schema::Role::ADMIN) return nullptr;
  AppendRate* rate = who.role == ledger::schema::Role::RESIDENT ? resident : others;
  return rate->per_hour() ? rate : nullptr;
}

}  // namespace

AppendRate* ApiContext::BodyKibOf(const Principal& who) {
  return ForRole(who, &resident_body_kib, &staff_body_kib);
}

AppendRate* ApiContext::AppendsOf(const Principal& who) {
  return ForRole(who, &resident_appends, &staff_appends);
}

namespace {

// "Bearer <token>", the scheme in any case, then one or more spaces; "" when it is not that.
std::string BearerToken(const std::string& header) {
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size() || header[kScheme.size()] != ' ') return "";
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return "";
  }
  size_t start = header.find_first_not_of(' ', kScheme.size());
  if (start == std::string::npos) return "";
  size_t end = header.find_last_not_of(' ');
  return header.substr(start, end - start + 1);
}

}  // namespace

Checked<Principal> Authenticate(TokenStore* tokens, const Request& request) {
  std::string authorization = request.Header("authorization");
  if (authorization.find('\n') != std::string::npos) {
    return Problem(ledger::Status::InvalidArgument(
                       "send exactly one Authorization header; this request has several"))
        .Kind("auth");
  }
  std::string token = BearerToken(authorization);
  if (token.empty()) {
    return Problem(ledger::Status::PermissionDenied(
                       "send a bearer token: \"Authorization: Bearer <token>\" (create one "
                       "with: ledgerctl token create)"))
        .As(401, "auth")
        .Header("WWW-Authenticate", "Bearer");
  }
  std::optional<Principal> principal = tokens->Lookup(token);
  if (!principal) {
    return Problem(ledger::Status::PermissionDenied("the bearer token is unknown or revoked"))
        .As(401, "auth")
        .Header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  }
  return std::move(*principal);
}

ledger::Result<std::string> StreamOfPath(const std::string& path) {
  std::string rest = path.substr(std::strlen("/v1/streams/"));
  const std::string suffix = "/events";
  if (rest.size() <= suffix.size() ||
      rest.compare(rest.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return ledger::Status::NotFound("stream routes end in /events: /v1/streams/{stream}/events");
  }
  // A "+" in a path is a plus sign, not a space (that is only so in a query string).
  std::string stream;
  if (!PercentDecode(rest.substr(0, rest.size() - suffix.size()), &stream,
                     /*plus_is_space=*/false)) {
    return ledger::Status::InvalidArgument("the stream id is not percent-encoded properly");
  }
  // "complaint/c-1%00" read complaint/c-1's events under another name; an event's stream
  // holds no control character either.
  for (unsigned char ch : stream) {
    if (ch < 0x20 || ch == 0x7f) {
      return ledger::Status::InvalidArgument(
          "the stream id holds a control character (a NUL, a line break); stream ids are "
          "kind/id in printable text");
    }
  }
  return stream;
}

ledger::Status MayReadRaw(const Principal& who) {
  if (Permissions::MayReadRawEvents(who)) return ledger::Status::Ok();
  return ledger::Status::PermissionDenied(std::string("the raw log carries personal details; a ") +
                                          RoleName(who.role) +
                                          " token reads the views (/v1/views/...) instead");
}

Problem MethodNotAllowed(const std::string& allowed) {
  return Problem(ledger::Status::InvalidArgument("this route allows " + allowed))
      .As(405, "method")
      .Header("Allow", allowed);
}

ledger::Result<Page> PageOf(const Target& target, size_t max_page) {
  Page page;
  if (std::string f = target.Param("from"); !f.empty() && !ParseNumber(f, &page.from)) {
    return ledger::Status::InvalidArgument("from: \"" + f + "\" is not a number");
  }
  if (std::string l = target.Param("limit"); !l.empty()) {
    if (!ParseNumber(l, &page.limit) || page.limit == 0 || page.limit > max_page) {
      return ledger::Status::InvalidArgument("limit: \"" + l + "\" must be a number from 1 to " +
                                             std::to_string(max_page));
    }
  }
  return page;
}

Response JsonResponse(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

bool ParseNumber(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size();
}

std::string HeadJson(const ledger::Position& p) {
  return "{\"seq\":" + std::to_string(p.seq) + ",\"hash\":\"" + ledger::ToHex(p.hash) + "\"}";
}

std::string RecordedJson(const codec::EventJson& json, const ledger::RecordedEvent& e) {
  return "{\"seq\":" + std::to_string(e.seq()) +
         ",\"streamVersion\":" + std::to_string(e.stream_version()) + ",\"hash\":\"" +
         ledger::ToHex(e.hash()) + "\",\"event\":" + json.Encode(e.event()) + "}";
}

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

std::string IntegrityMember(const ledger::IntegrityWatch* integrity) {
  if (!integrity) return "";
  ledger::IntegrityReport r = integrity->Current();
  std::string out = ",\"integrity\":{\"ok\":" + std::string(r.ok ? "true" : "false") +
                    ",\"checked\":" + std::to_string(r.size);
  if (r.checked) out += ",\"at\":\"" + codec::FormatTimestamp(r.checked_at_ms) + "\"";
  if (!r.ok) {
    out += ",\"badSeq\":" + std::to_string(r.bad_seq) + ",\"problem\":\"" + JsonEscape(r.problem) +
           "\"";
  }
  return out + "}";
}

}  // namespace http
