#include "report_audit.h"

#include <capnp/message.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "codec/event_json.h"
#include "codec/json_scan.h"
#include "codec/response_json.h"
#include "http/routes.h"
#include "projections/engine.h"

namespace ctl {
namespace {

namespace json = boost::json;
using ledger::Status;

const json::value* Member(const json::value& v, const char* key) {
  if (!v.is_object()) return nullptr;
  const json::value* m = v.as_object().if_contains(key);
  return m && !m->is_null() ? m : nullptr;
}

// An integer however the JSON convention spells it: a number, or a string of digits.
std::optional<int64_t> Integer(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= uint64_t(INT64_MAX)) return int64_t(v.as_uint64());
  if (v.is_double()) {
    double d = v.as_double();
    if (std::trunc(d) == d && std::fabs(d) < 9.0e15) return static_cast<int64_t>(d);
  }
  if (v.is_string()) {
    std::string_view s = v.as_string();
    int64_t n = 0;
    auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (error == std::errc() && end == s.data() + s.size() && !s.empty()) return n;
  }
  return std::nullopt;
}

// An instant in ms: a number, a string of digits, or an RFC 3339 time.
std::optional<int64_t> Instant(const json::value& v) {
  if (auto n = Integer(v)) return n;
  if (v.is_string()) {
    auto parsed = codec::ParseTimestamp(std::string_view(v.as_string()));
    if (parsed.ok()) return *parsed;
  }
  return std::nullopt;
}

// The integer at `key` of the report's "report" member, else of its figures; or an error naming
// what is missing.
Status Need(const json::value* parameters, const json::value& figures, const char* key,
            const char* figure_key, bool instant, int64_t* out) {
  const json::value* v = parameters ? Member(*parameters, key) : nullptr;
  const char* where = "report.";
  const char* name = key;
  if (!v) {
    v = Member(figures, figure_key);
    name = figure_key;
    where = "";
  }
  if (!v) {
    return Status::InvalidArgument(std::string("the report does not name its ") + figure_key +
                                   " (neither report." + key + " nor " + figure_key + " is there)");
  }
  auto n = instant ? Instant(*v) : Integer(*v);
  if (!n) {
    return Status::InvalidArgument(std::string(where) + name + " is " + json::serialize(*v) +
                                   (instant ? ", not a time" : ", not a whole number"));
  }
  *out = *n;
  return Status::Ok();
}

// A value as a person reads it: JSON, with a fraction in its shortest exact form.
std::string Text(const json::value* v) {
  if (!v) return "(absent)";
  if (v->is_double()) {
    char buffer[32];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, v->as_double());
    if (error == std::errc()) return std::string(buffer, end);
  }
  return json::serialize(*v);
}

// Two fractions are the same figure when they differ by rounding alone. The JSON parser here
// (Boost 1.81) is not correctly rounded: one decimal text spelled with 15 or with 17 digits may
// parse to doubles a few units in the last place apart. A figure changed by hand or computed
// differently differs by far more than this relative 1e-12.
bool SameFraction(double a, double b) {
  if (a == b) return true;
  double scale = std::max(std::fabs(a), std::fabs(b));
  return std::fabs(a - b) <= 1e-12 * scale;
}

// Two scalars are the same value: equal as JSON, or the same integer (or instant) spelled as a
// number on one side and a string on the other.
bool SameScalar(const json::value& a, const json::value& b) {
  if (a.is_string() && b.is_string()) return a.as_string() == b.as_string();
  if (a.is_bool() || b.is_bool()) return a.is_bool() && b.is_bool() && a.as_bool() == b.as_bool();
  if (a.is_number() && b.is_number()) {
    if (auto x = Integer(a)) {
      if (auto y = Integer(b)) return *x == *y;
    }
    return SameFraction(a.to_number<double>(), b.to_number<double>());
  }
  if (a.is_number() != b.is_number()) {
    auto x = Instant(a), y = Instant(b);
    return x && y && *x == *y;
  }
  return false;
}

void Walk(const json::value* a, const json::value* b, const std::string& path,
          std::vector<FigureDifference>* out, size_t* checked) {
  if (a && a->is_null()) a = nullptr;
  if (b && b->is_null()) b = nullptr;
  if (!a && !b) return;
  if (a && b && a->is_object() && b->is_object()) {
    const auto& x = a->as_object();
    const auto& y = b->as_object();
    auto child = [&](std::string_view key) {
      return path.empty() ? std::string(key) : path + "." + std::string(key);
    };
    for (const auto& [key, value] : x) Walk(&value, y.if_contains(key), child(key), out, checked);
    for (const auto& [key, value] : y) {
      if (!x.contains(key)) Walk(nullptr, &value, child(key), out, checked);
    }
    return;
  }
  if (a && b && a->is_array() && b->is_array()) {
    const auto& x = a->as_array();
    const auto& y = b->as_array();
    for (size_t i = 0; i < std::max(x.size(), y.size()); ++i) {
      Walk(i < x.size() ? &x[i] : nullptr, i < y.size() ? &y[i] : nullptr,
           path + "[" + std::to_string(i) + "]", out, checked);
    }
    return;
  }
  // A scalar, or a shape on one side only: one figure, named with both values.
  ++*checked;
  bool composite = (a && a->is_structured()) || (b && b->is_structured());
  if (a && b && !composite && SameScalar(*a, *b)) return;
  out->push_back({path.empty() ? "(the whole report)" : path, Text(a), Text(b)});
}

}  // namespace

ledger::Result<ReportClaim> ReadReportClaim(const std::string& text) {
  // Strictly first: boost::json keeps the last of two members of one name, so a forged
  // "blackList" written before the real one passed the audit, and a reader taking the first
  // member saw the forged list in a file the audit called OK.
  if (auto problem = codec::StrictJsonProblem(text)) {
    return Status::InvalidArgument("the report is not JSON, or gives a member twice (" + *problem +
                                   "); give the file ledgerd served, whose members appear once");
  }
  json::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) {
    return Status::InvalidArgument("the report is not JSON (" + ec.message() +
                                   "); give the file ledgerd served at /v1/reports/... or "
                                   "ledgerctl report ... --format json wrote");
  }
  if (!doc.is_object()) {
    return Status::InvalidArgument("the report is JSON but not an object; a report is one object");
  }
  ReportClaim claim;
  // A served answer carries the figures in "result"; a file from ledgerctl report is them.
  const json::value* result = Member(doc, "result");
  claim.figures = result ? *result : doc;
  if (!claim.figures.is_object()) {
    return Status::InvalidArgument("the report's result is not an object");
  }
  const json::value* parameters = Member(doc, "report");
  if (parameters && !parameters->is_object()) {
    return Status::InvalidArgument("the report's \"report\" member is not an object");
  }
  if (const json::value* name = parameters ? Member(*parameters, "name") : nullptr) {
    if (!name->is_string()) return Status::InvalidArgument("report.name is not text");
    claim.name = std::string(name->as_string());
  } else if (Member(claim.figures, "estateId") && Member(claim.figures, "periodFrom")) {
    claim.name = "joint-meeting";
  } else if (Member(claim.figures, "year") && Member(claim.figures, "rows")) {
    claim.name = "star-evaluation";
  } else {
    return Status::InvalidArgument(
        "this is not a report this audit knows: it has no report.name, and neither estateId and "
        "periodFrom (a joint-meeting report) nor year and rows (a star evaluation)");
  }
  if (claim.name == "joint-meeting") {
    const json::value* estate = parameters ? Member(*parameters, "estate") : nullptr;
    if (!estate) estate = Member(claim.figures, "estateId");
    if (!estate || !estate->is_string() || estate->as_string().empty()) {
      return Status::InvalidArgument("the joint-meeting report names no estate (estateId)");
    }
    claim.estate = std::string(estate->as_string());
    Status s = Need(parameters, claim.figures, "from", "periodFrom", true, &claim.from_ms);
    if (s.ok()) s = Need(parameters, claim.figures, "to", "periodTo", true, &claim.to_ms);
    if (!s.ok()) return s;
    if (parameters) {
      int64_t offset = 0, limit = 0;
      if (Member(*parameters, "offset")) {
        s = Need(parameters, claim.figures, "offset", "offset", false, &offset);
        if (!s.ok()) return s;
        claim.offset = static_cast<size_t>(std::max<int64_t>(offset, 0));
      }
      if (Member(*parameters, "limit")) {
        s = Need(parameters, claim.figures, "limit", "limit", false, &limit);
        if (!s.ok()) return s;
        claim.limit = static_cast<size_t>(std::max<int64_t>(limit, 1));
      }
    }
  } else if (claim.name == "star-evaluation") {
    int64_t year = 0;
    Status s = Need(parameters, claim.figures, "year", "year", false, &year);
    if (!s.ok()) return s;
    if (year < 1900 || year > 9999) {
      return Status::InvalidArgument("the star evaluation's year " + std::to_string(year) +
                                     " is not a year");
    }
    claim.year = static_cast<int>(year);
    if ((parameters && Member(*parameters, "at")) || Member(claim.figures, "judgedAt")) {
      s = Need(parameters, claim.figures, "at", "judgedAt", true, &claim.at_ms);
      if (!s.ok()) return s;
    }
  } else {
    return Status::InvalidArgument("report.name \"" + claim.name +
                                   "\" is not a report this audit knows: " + http::ReportNames());
  }
  // The position: the served answer's, else the one the figures carry.
  const json::value* position = Member(doc, "position");
  const json::value* seq = position ? Member(*position, "seq") : nullptr;
  if (!seq) seq = Member(claim.figures, "positionSeq");
  auto at = seq ? Integer(*seq) : std::nullopt;
  if (!at || *at < 0) {
    return Status::InvalidArgument(
        seq ? "the report's position " + json::serialize(*seq) + " is not a sequence number"
            : std::string("the report names no ledger position (position.seq or positionSeq)"));
  }
  claim.position = static_cast<uint64_t>(*at);
  if (const json::value* checkpoint = Member(doc, "checkpoint")) {
    if (const json::value* root = Member(*checkpoint, "root"); root && root->is_string()) {
      claim.root = std::string(root->as_string());
    }
  }
  return claim;
}

namespace {

// Whether the report's visits carry the note of lists left out (http::kVisitListsLeftOut).
bool LeavesOutVisitLists(const json::value& figures) {
  const json::value* visits = Member(figures, "visits");
  const json::value* notes = visits ? Member(*visits, "notes") : nullptr;
  if (!notes || !notes->is_array()) return false;
  for (const auto& note : notes->as_array()) {
    if (note.is_string() && std::string_view(note.as_string()) == http::kVisitListsLeftOut) {
      return true;
    }
  }
  return false;
}

// Whether a joint-meeting report's lists name any flat: one served before flats were left out for
// readers without personal details did.
bool ShowsFlats(const json::value& figures) {
  for (auto [part, list] : {std::pair{"complaints", "unresolvedItems"}, {"repairs", "overdue"}}) {
    const json::value* p = Member(figures, part);
    const json::value* items = p ? Member(*p, list) : nullptr;
    if (!items || !items->is_array()) continue;
    for (const auto& item : items->as_array()) {
      if (Member(item, "householdId")) return true;
    }
  }
  return false;
}

}  // namespace

ledger::Result<json::value> RecomputeReport(ledger::Ledger* log, const std::string& views_dir,
                                            const ReportClaim& claim) {
  const http::ViewRoute* route = http::FindReportRoute(claim.name);
  if (!route) return Status::InvalidArgument("there is no report \"" + claim.name + "\"");
  auto engine = projections::Engine::Open(log, views_dir, {});
  if (!engine.ok()) return engine.status();
  auto views = (*engine)->AsOf(claim.position);
  if (!views.ok()) return views.status();
  // The parameters as the server held them once its read scope had applied, so the route's
  // own fill computes the same figures.
  http::Query q;
  q.filter.estate = claim.estate;
  if (claim.name == "joint-meeting") {
    q.filter.from_ms = claim.from_ms;
    q.filter.to_ms = claim.to_ms;
  }
  q.filter.offset = claim.offset;
  q.filter.limit = claim.limit;
  q.year = claim.year;
  if (claim.name == "star-evaluation") q.now_ms = claim.at_ms;
  // A reader who does not see personal details was served the households' visits as counts,
  // without their lists, and a note saying so: recomputed the same way.
  q.personal_details = !LeavesOutVisitLists(claim.figures);
  q.report_flats = ShowsFlats(claim.figures);
  if (Status s = route->Validate(q); !s.ok()) {
    return Status::InvalidArgument("the report's parameters: " + s.message());
  }
  capnp::MallocMessageBuilder message;
  auto reader = route->fill(**views, q, message);
  // The server's own writer, so that the two documents differ only where the figures do.
  std::string text = codec::EncodeResponse(reader);
  json::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || text.empty()) return Status::Corruption("the recomputed report could not be encoded");
  return parsed;
}

std::vector<FigureDifference> CompareFigures(const json::value& report,
                                             const json::value& recomputed, size_t* checked) {
  std::vector<FigureDifference> out;
  size_t count = 0;
  Walk(&report, &recomputed, "", &out, &count);
  if (checked) *checked = count;
  return out;
}

}  // namespace ctl
