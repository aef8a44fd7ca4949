#include "http/routes.h"

#include <charconv>
#include <cstdio>
#include <vector>

#include "codec/event_json.h"
#include "codec/json_scan.h"
#include "codec/response_json.h"
#include "ledger/validate.h"
#include "projections/calendar.h"
#include "projections/reports/joint_meeting.h"
#include "projections/reports/star_evaluation.h"

namespace http {

namespace schema = ledger::schema;

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseUnsigned(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size();
}

std::vector<ViewRoute>& Views();
std::vector<ViewRoute>& Reports();

}  // namespace

bool PercentDecode(const std::string& in, std::string* out) {
  return PercentDecode(in, out, /*plus_is_space=*/true);
}

bool PercentDecode(const std::string& in, std::string* out, bool plus_is_space) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexDigit(in[i + 1]), lo = HexDigit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (in[i] == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(in[i]);
    }
  }
  return true;
}

Target ParseTarget(const std::string& target) {
  Target t;
  size_t q = target.find('?');
  t.path = target.substr(0, q);
  if (q == std::string::npos) return t;
  std::string query = target.substr(q + 1);
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key, value;
      if (!PercentDecode(pair.substr(0, eq), &key) ||
          !PercentDecode(eq == std::string::npos ? "" : pair.substr(eq + 1), &value)) {
        t.ok = false;
        t.error = "the query string is not percent-encoded properly near \"" + pair + "\"";
        return t;
      }
      // Parameters are ids, times and numbers, and are echoed into JSON answers: text only.
      if (!ledger::IsValidUtf8(key) || !ledger::IsValidUtf8(value)) {
        t.ok = false;
        t.error = "the query string is not UTF-8 once percent-decoded near \"" + pair + "\"";
        return t;
      }
      t.params[key] = value;
    }
    start = end + 1;
  }
  return t;
}

std::string ParseQuery(const Target& target, int64_t now_ms, Query* q) {
  static const char* kKnown[] = {"estate",    "company", "category", "channel", "status",
                                 "household", "from",    "to",       "offset",  "limit",
                                 "at",        "asOf",    "atLeast",  "wait",    "year",
                                 "person",    "entity",  "actor",    "day"};
  for (const auto& [key, value] : target.params) {
    bool known = false;
    for (const char* k : kKnown) known = known || key == k;
    if (!known) {
      std::string list;
      for (const char* k : kKnown) list += (list.empty() ? "" : ", ") + std::string(k);
      return "unknown query parameter \"" + key + "\"; allowed: " + list;
    }
  }
  q->params = target.params;
  auto& f = q->filter;
  f.estate = target.Param("estate");
  f.company = target.Param("company");
  f.category = target.Param("category");
  f.channel = target.Param("channel");
  f.status = target.Param("status");
  f.household = target.Param("household");
  auto time = [&](const char* name, std::optional<int64_t>* out) -> std::string {
    std::string text = target.Param(name);
    if (text.empty()) return "";
    auto parsed = codec::ParseTimestamp(text);
    if (!parsed.ok()) return std::string(name) + ": " + parsed.status().message();
    *out = *parsed;
    return "";
  };
  if (auto e = time("from", &f.from_ms); !e.empty()) return e;
  if (auto e = time("to", &f.to_ms); !e.empty()) return e;
  std::optional<int64_t> at;
  if (auto e = time("at", &at); !e.empty()) return e;
  q->now_ms = at.value_or(now_ms);
  uint64_t n = 0;
  if (std::string s = target.Param("offset"); !s.empty()) {
    if (!ParseUnsigned(s, &n) || n > kMaxOffset) {
      return "offset: \"" + s + "\" must be a number from 0 to " + std::to_string(kMaxOffset);
    }
    f.offset = n;
  }
  if (std::string s = target.Param("limit"); !s.empty()) {
    if (!ParseUnsigned(s, &n) || n == 0 || n > 10000) {
      return "limit: \"" + s + "\" must be a number from 1 to 10000";
    }
    f.limit = n;
  }
  if (std::string s = target.Param("asOf"); !s.empty()) {
    if (ParseUnsigned(s, &n)) {
      if (n > kMaxSeq) {
        return "asOf: \"" + s + "\" must be a sequence number from 0 to " +
               std::to_string(kMaxSeq) + ", or a time";
      }
      q->as_of = n;
    } else {
      auto parsed = codec::ParseTimestamp(s);
      if (!parsed.ok()) {
        return "asOf: \"" + s +
               "\" is neither a sequence number nor a time such as "
               "2025-12-31T23:59:59+08:00";
      }
      q->as_of = static_cast<uint64_t>(*parsed);
      q->as_of_is_time = true;
    }
  }
  if (std::string s = target.Param("atLeast"); !s.empty()) {
    if (!ParseUnsigned(s, &n) || n > kMaxSeq) {
      return "atLeast: \"" + s + "\" must be a sequence number from 0 to " +
             std::to_string(kMaxSeq);
    }
    q->at_least = n;
  }
  if (std::string s = target.Param("wait"); !s.empty()) {
    if (!ParseUnsigned(s, &n) || n > kMaxWaitMs) {
      return "wait: \"" + s + "\" must be a number of milliseconds from 0 to " +
             std::to_string(kMaxWaitMs);
    }
    q->wait = std::chrono::milliseconds(n);
  }
  if (std::string s = target.Param("year"); !s.empty()) {
    if (!ParseUnsigned(s, &n) || n < 1900 || n > 9999) return "year: \"" + s + "\" is not a year";
    q->year = static_cast<int>(n);
  }
  return "";
}

// What is escaped often comes straight from a request (a path, a stream id) and may hold any
// bytes: codec's writer makes it JSON that is UTF-8 whatever it held.
std::string JsonEscape(const std::string& text) {
  std::string quoted;
  codec::AppendJsonString(text, &quoted);
  return quoted.substr(1, quoted.size() - 2);
}

Response ProblemResponse(int status, const std::string& kind, const std::string& title,
                         const std::string& detail, const std::string& extra) {
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = "{\"type\":\"/problems/" + kind + "\",\"title\":\"" + JsonEscape(title) +
           "\",\"status\":" + std::to_string(status) + ",\"detail\":\"" + JsonEscape(detail) +
           "\"" + extra + "}";
  return r;
}

bool HasTopLevelKey(const std::string& json, const std::string& key) {
  return codec::RawMember(json, key).has_value();
}

const ViewRoute* FindViewRoute(const std::string& name) {
  for (const auto& r : Views()) {
    if (name == r.name) return &r;
  }
  return nullptr;
}

const ViewRoute* FindReportRoute(const std::string& name) {
  for (const auto& r : Reports()) {
    if (name == r.name) return &r;
  }
  return nullptr;
}

std::string ViewNames() {
  std::string out;
  for (const auto& r : Views()) out += (out.empty() ? "" : ", ") + std::string(r.name);
  return out;
}

std::string ReportNames() {
  std::string out;
  for (const auto& r : Reports()) out += (out.empty() ? "" : ", ") + std::string(r.name);
  return out;
}

namespace {

template <class T>
capnp::DynamicStruct::Reader Root(capnp::MallocMessageBuilder& message) {
  return message.getRoot<T>().asReader();
}

// The local year of the query's instant, unless ?year= says otherwise.
int YearOf(const Query& q) {
  return q.year ? q.year : projections::LocalYear(q.now_ms, projections::TimeZone::China());
}

std::vector<ViewRoute>& Views() {
  using projections::ViewSet;
  using Message = capnp::MallocMessageBuilder;
  static std::vector<ViewRoute> routes = {
      {"complaints", "counts, timings and pages of complaints",
       [](const ViewSet& v, const Query& q, Message& m, std::string*) {
         v.complaints.Query(q.filter, m.initRoot<schema::ComplaintsView>());
         return Root<schema::ComplaintsView>(m);
       },
       /*audit_only=*/false, /*company_narrowed=*/true},
      {"reply-board", "the public replies to an estate's complaints, in order",
       [](const ViewSet& v, const Query& q, Message& m, std::string* error) {
         if (q.filter.estate.empty()) {
           *error = "estate: the reply board belongs to one estate; name it with ?estate=";
         }
         v.complaints.ReplyBoard(q.filter, m.initRoot<schema::ReplyBoard>());
         return Root<schema::ReplyBoard>(m);
       }},
      {"repairs", "repairs, their time limits and compliance by estate, company, category, month",
       [](const ViewSet& v, const Query& q, Message& m, std::string*) {
         v.repairs.Query(q.filter, q.now_ms, m.initRoot<schema::RepairsView>());
         return Root<schema::RepairsView>(m);
       },
       /*audit_only=*/false, /*company_narrowed=*/true},
      {"overdue-repairs", "repairs past their time limit at ?at=, oldest first",
       [](const ViewSet& v, const Query& q, Message& m, std::string*) {
         v.repairs.Overdue(q.filter, q.now_ms, m.initRoot<schema::RepairsOverdue>());
         return Root<schema::RepairsOverdue>(m);
       },
       /*audit_only=*/false, /*company_narrowed=*/true},
      {"visits", "home visits and the four must-visits: obligations met, due and missed",
       [](const ViewSet& v, const Query& q, Message& m, std::string*) {
         v.visits.Query(q.filter, q.now_ms, m.initRoot<schema::VisitsView>());
         return Root<schema::VisitsView>(m);
       }},
      {"household-visits", "one household's visits and obligations (?household=)",
       [](const ViewSet& v, const Query& q, Message& m, std::string* error) {
         if (q.filter.household.empty()) *error = "household: name the household with ?household=";
         v.visits.Household(q.filter.household, q.filter, q.now_ms,
                            m.initRoot<schema::HouseholdVisits>());
         return Root<schema::HouseholdVisits>(m);
       }},
      {"time-bank", "volunteer hours, points, exchanges and the reconciliation",
       [](const ViewSet& v, const Query& q, Message& m, std::string*) {
         v.time_bank.Summary(q.filter, m.initRoot<schema::TimeBankView>());
         return Root<schema::TimeBankView>(m);
       }},
      {"time-bank-statement", "one account's balance and every movement (?person=)",
       [](const ViewSet& v, const Query& q, Message& m, std::string* error) {
         if (q.Param("person").empty()) *error = "person: name the account with ?person=";
         auto out = m.initRoot<schema::TimeBankStatement>();
         v.time_bank.Statement(q.Param("person"), out);
         // A name is a personal detail: shown to the roles that need it, and to its owner.
         if (!q.personal_details && q.Param("person") != q.reader_actor) out.setName("");
         return Root<schema::TimeBankStatement>(m);
       }},
      {"meetings", "joint meetings, attendees by side, agendas and resolutions",
       [](const ViewSet& v, const Query& q, Message& m, std::string*) {
         auto out = m.initRoot<schema::MeetingsView>();
         v.meetings.Query(q.filter, q.now_ms, out);
         if (!q.personal_details) {
           // Who attended stays (their id and side); names are personal details.
           for (auto meeting : out.getMeetings()) {
             for (auto attendee : meeting.getAttendees()) {
               if (q.reader_actor != attendee.getPersonId().cStr()) attendee.setName("");
             }
           }
         }
         return Root<schema::MeetingsView>(m);
       }},
      {"open-resolutions", "resolutions open and overdue at ?at=, and those overdue since ?from=",
       [](const ViewSet& v, const Query& q, Message& m, std::string* error) {
         if (q.filter.estate.empty()) *error = "estate: name the estate with ?estate=";
         v.meetings.OpenResolutions(q.filter.estate, q.filter.from_ms.value_or(0), q.now_ms,
                                    m.initRoot<schema::OpenResolutions>());
         return Root<schema::OpenResolutions>(m);
       }},
      {"ratings", "inspections, document reviews, surveys and published ratings of ?year=",
       [](const ViewSet& v, const Query& q, Message& m, std::string*) {
         v.ratings.Query(YearOf(q), q.filter, m.initRoot<schema::RatingsView>());
         return Root<schema::RatingsView>(m);
       }},
      {"registers", "estates, contracts, companies, households, people, committees, demands",
       [](const ViewSet& v, const Query& q, Message& m, std::string*) {
         v.registers.Query(q.filter,
                           projections::LocalDay(q.now_ms, projections::TimeZone::China()),
                           q.personal_details, m.initRoot<schema::RegistersView>());
         return Root<schema::RegistersView>(m);
       }},
      {"audit", "every event by ?entity=, ?actor=, ?day=YYYY-MM-DD, or the late entries",
       [](const ViewSet& v, const Query& q, Message& m, std::string*) {
         auto out = m.initRoot<schema::AuditView>();
         const auto& f = q.filter;
         if (!q.Param("entity").empty()) {
           v.audit.ByEntity(q.Param("entity"), f.offset, f.limit, out);
         } else if (!q.Param("actor").empty()) {
           v.audit.ByActor(q.Param("actor"), f.offset, f.limit, out);
         } else if (!q.Param("day").empty()) {
           v.audit.ByDay(q.Param("day"), f.offset, f.limit, out);
         } else {
           v.audit.Late(f.offset, f.limit, out);
         }
         return Root<schema::AuditView>(m);
       },
       /*audit_only=*/true},
  };
  return routes;
}

std::vector<ViewRoute>& Reports() {
  using projections::ViewSet;
  using Message = capnp::MallocMessageBuilder;
  static std::vector<ViewRoute> routes = {
      {"star-evaluation", "the annual star evaluation and red/black list of ?year=",
       [](const ViewSet& v, const Query& q, Message& m, std::string*) {
         projections::ComputeStarEvaluation(v, YearOf(q), m.initRoot<schema::StarEvaluation>());
         return Root<schema::StarEvaluation>(m);
       }},
      {"joint-meeting", "the report before a joint meeting: ?estate=&from=&to=",
       [](const ViewSet& v, const Query& q, Message& m, std::string* error) {
         const auto& f = q.filter;
         if (f.estate.empty() || !f.from_ms || !f.to_ms) {
           *error =
               "estate, from and to are required: "
               "?estate=estate/e01&from=2025-03-01T00:00:00%2B08:00&to=2025-04-01T00:00:00%2B08:00";
         } else if (*f.to_ms <= *f.from_ms) {
           *error = "to must be later than from";
         } else if (*f.to_ms - *f.from_ms > kMaxReportPeriodMs) {
           // The work and the answer grow with the period: a year is what a meeting reads.
           *error = "from, to: the period is at most 366 days; ask for one year at a time";
         }
         if (!error->empty()) return Root<schema::JointMeetingReport>(m);
         projections::ComputeJointMeetingReport(
             v, f.estate, f.from_ms.value_or(0), f.to_ms.value_or(0),
             m.initRoot<schema::JointMeetingReport>(), {f.offset, f.limit});
         return Root<schema::JointMeetingReport>(m);
       }},
  };
  return routes;
}

}  // namespace

std::string ReportParameters(const ViewRoute& report, const Query& q) {
  std::string name = report.name;
  std::string out = "{\"name\":\"" + JsonEscape(name) + "\"";
  if (name == "star-evaluation") {
    out += ",\"year\":" + std::to_string(YearOf(q));
  } else {
    const auto& f = q.filter;
    out += ",\"estate\":\"" + JsonEscape(f.estate) +
           "\",\"from\":" + std::to_string(f.from_ms.value_or(0)) +
           ",\"to\":" + std::to_string(f.to_ms.value_or(0)) +
           ",\"offset\":" + std::to_string(f.offset) + ",\"limit\":" + std::to_string(f.limit);
  }
  return out + "}";
}

}  // namespace http
