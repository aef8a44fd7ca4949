// The table of views and reports the API serves: each one's name, what it shows, what its query
// must name (checked before anything is computed), and how it is computed from the views.

#include <vector>

#include "codec/event_json.h"
#include "codec/response_json.h"
#include "http/routes.h"
#include "ledger/rule_book.h"
#include "projections/calendar.h"
#include "projections/reports/joint_meeting.h"
#include "projections/reports/star_evaluation.h"

namespace http {

namespace schema = ledger::schema;

namespace {

ledger::Status Bad(std::string message) {
  return ledger::Status::InvalidArgument(std::move(message));
}

template <class T>
capnp::DynamicStruct::Reader Root(capnp::MallocMessageBuilder& message) {
  return message.getRoot<T>().asReader();
}

ledger::Status Require(bool present, const char* message) {
  return present ? ledger::Status::Ok() : ledger::Status::InvalidArgument(message);
}

// Whether a period named by both ends is longer than the year that a report or the visits view
// judges at once: their work and their answers grow with the period.
bool LongerThanAYear(const projections::Filter& f) {
  return f.from_ms && f.to_ms && *f.to_ms - *f.from_ms > kMaxReportPeriodMs;
}

// The joint-meeting report's estate and period: named, in order, and at most a year long.
ledger::Status CheckMeetingPeriod(const Query& q) {
  const auto& f = q.filter;
  if (f.estate.empty() || !f.from_ms || !f.to_ms) {
    return Bad(
        "estate, from and to are required: "
        "?estate=estate/e01&from=2025-03-01T00:00:00%2B08:00&to=2025-04-01T00:00:00%2B08:00");
  }
  if (*f.to_ms <= *f.from_ms) return Bad("to must be later than from");
  if (LongerThanAYear(f)) {
    return Bad("from, to: the period is at most 366 days; ask for one year at a time");
  }
  return ledger::Status::Ok();
}

// The visits view's period: the yearly must-visits are generated for every flagged household
// and every day of the period, so a period of centuries would be millions of obligations. A
// period named by from alone, or to alone, runs to its year's end or from its start.
ledger::Status CheckVisitsPeriod(const Query& q) {
  if (LongerThanAYear(q.filter)) {
    return Bad(
        "from, to: the visits view judges at most 366 days of must-visits; ask for one year at a "
        "time");
  }
  return ledger::Status::Ok();
}

// The local year of the query's instant, unless ?year= says otherwise.
int YearOf(const Query& q) {
  return q.year ? q.year : projections::LocalYear(q.now_ms, projections::TimeZone::China());
}

// The instant the star evaluation judges open repairs at: ?at= (or the asOf time, or now) for a
// year under way by the server's clock, and for a past one seen as of an earlier time; a year
// over, at its end (kYearsEnd). A finished year judged at ?at=2025-01-05 counted almost no
// repair overdue and was labelled "not over". Offline (clock_ms 0) the instant the report named.
int64_t StarJudgedAt(const Query& q) {
  if (q.as_of || q.clock_ms == 0) return q.now_ms;
  if (projections::LocalYear(q.clock_ms, projections::TimeZone::China()) > YearOf(q)) {
    return projections::kYearsEnd;
  }
  return q.now_ms;
}

// ?at= judges a year under way at an instant of that year: one before it began (1900-01-02 for
// 2026) counted no open repair late, and named the report "judged" all the same; one after it
// is the year's end, which a year under way has not reached.
ledger::Status CheckJudgedAt(const Query& q) {
  if (q.Param("at").empty()) return ledger::Status::Ok();
  if (projections::LocalYear(q.now_ms, projections::TimeZone::China()) != YearOf(q)) {
    return ledger::Status::InvalidArgument(
        "at: the instant a year under way is judged at is within that year (" +
        std::to_string(YearOf(q)) + "-01-01T00:00:00+08:00 to the end of " +
        std::to_string(YearOf(q)) + " in +08:00); this one is outside it");
  }
  return ledger::Status::Ok();
}

using projections::ViewSet;
using Message = capnp::MallocMessageBuilder;

// The households' visits and obligations, for a reader who does not see personal details (an
// owners' committee, a company's staff, a resident for other households): a visit's notes and an
// obligation's reason (a hospital stay, a bereavement) are theirs. The counts and compliance
// stay, and a note says why the lists are empty.
void LeaveOutVisitLists(schema::VisitsView::Builder out) {
  out.initVisits(0);
  out.initObligations(0);
  std::vector<std::string> notes;
  for (auto note : out.getNotes().asReader()) notes.emplace_back(note.cStr());
  notes.emplace_back(kVisitListsLeftOut);
  auto list = out.initNotes(static_cast<unsigned>(notes.size()));
  for (unsigned i = 0; i < notes.size(); ++i) list.set(i, notes[i]);
}

// Which flat filed a complaint or asked for a repair is a personal detail to the neighbours and
// the owners' committee: a noise complaint traced to a flat invites retaliation. Items of other
// households than the reader's own are listed without it (and a repair without its location);
// `everyone` leaves it out of the reader's own too (a report recomputed offline does not know
// the reader).
bool HidesFlat(const Query& q, capnp::Text::Reader household, bool everyone) {
  if (q.sees_flats || household.size() == 0) return false;
  return everyone || q.reader_household.empty() ||
         ledger::EntityName("household", household.cStr()) !=
             ledger::EntityName("household", q.reader_household);
}
void LeaveOutFlats(capnp::List<schema::ComplaintItem>::Builder items, const Query& q,
                   bool everyone = false) {
  for (auto item : items) {
    if (HidesFlat(q, item.getHouseholdId(), everyone)) item.setHouseholdId("");
  }
}
void LeaveOutFlats(capnp::List<schema::RepairItem>::Builder items, const Query& q,
                   bool everyone = false) {
  for (auto item : items) {
    if (HidesFlat(q, item.getHouseholdId(), everyone)) {
      item.setHouseholdId("");
      item.setLocation("");
    }
  }
}

// The views whose list pages by cursor: their answers carry `next`, given back as ?after=.
constexpr const char* kPagedByCursor[] = {"complaints", "repairs", "overdue-repairs"};

// Complaints, repairs and visits.
std::vector<ViewRoute> CaseViews() {
  return {
      {"complaints", "counts, timings and pages of complaints",
       [](const ViewSet& v, const Query& q, Message& m) {
         auto out = m.initRoot<schema::ComplaintsView>();
         v.complaints.Query(q.filter, out);
         LeaveOutFlats(out.getItems(), q);
         return Root<schema::ComplaintsView>(m);
       },
       /*audit_only=*/false, /*company_narrowed=*/true},
      {"reply-board", "the public replies to an estate's complaints, in order",
       [](const ViewSet& v, const Query& q, Message& m) {
         v.complaints.ReplyBoard(q.filter, m.initRoot<schema::ReplyBoard>());
         return Root<schema::ReplyBoard>(m);
       },
       false, false,
       [](const Query& q) {
         return Require(!q.filter.estate.empty(),
                        "estate: the reply board belongs to one estate; name it with ?estate=");
       }},
      {"repairs", "repairs, their time limits and compliance by estate, company, category, month",
       [](const ViewSet& v, const Query& q, Message& m) {
         auto out = m.initRoot<schema::RepairsView>();
         v.repairs.Query(q.filter, q.now_ms, out);
         LeaveOutFlats(out.getItems(), q);
         return Root<schema::RepairsView>(m);
       },
       /*audit_only=*/false, /*company_narrowed=*/true},
      {"overdue-repairs", "repairs past their time limit at ?at=, oldest first",
       [](const ViewSet& v, const Query& q, Message& m) {
         auto out = m.initRoot<schema::RepairsOverdue>();
         v.repairs.Overdue(q.filter, q.now_ms, out);
         LeaveOutFlats(out.getItems(), q);
         return Root<schema::RepairsOverdue>(m);
       },
       /*audit_only=*/false, /*company_narrowed=*/true},
      {"visits", "home visits and the four must-visits: obligations met, due and missed",
       [](const ViewSet& v, const Query& q, Message& m) {
         auto out = m.initRoot<schema::VisitsView>();
         v.visits.Query(q.filter, q.now_ms, out);
         if (!q.personal_details && !q.own_household) LeaveOutVisitLists(out);
         return Root<schema::VisitsView>(m);
       },
       false, false, CheckVisitsPeriod},
      {"household-visits", "one household's visits and obligations (?household=)",
       [](const ViewSet& v, const Query& q, Message& m) {
         v.visits.Household(q.filter.household, q.filter, q.now_ms,
                            m.initRoot<schema::HouseholdVisits>());
         return Root<schema::HouseholdVisits>(m);
       },
       false, false,
       [](const Query& q) {
         return Require(!q.filter.household.empty(),
                        "household: name the household with ?household=");
       }},
  };
}

// The time bank, meetings, ratings, the registers and the audit trail.
std::vector<ViewRoute> CommunityViews() {
  return {
      {"time-bank", "volunteer hours, points, exchanges and the reconciliation",
       [](const ViewSet& v, const Query& q, Message& m) {
         v.time_bank.Summary(q.filter, m.initRoot<schema::TimeBankView>());
         return Root<schema::TimeBankView>(m);
       }},
      {"time-bank-statement", "one account's balance and every movement (?person=)",
       [](const ViewSet& v, const Query& q, Message& m) {
         auto out = m.initRoot<schema::TimeBankStatement>();
         v.time_bank.Statement(q.Param("person"), out);
         // A name is a personal detail: shown to the roles that need it, and to its owner.
         if (!q.personal_details && q.Param("person") != q.reader_actor) out.setName("");
         return Root<schema::TimeBankStatement>(m);
       },
       false, false,
       [](const Query& q) {
         return Require(!q.Param("person").empty(), "person: name the account with ?person=");
       }},
      {"meetings", "joint meetings, attendees by side, agendas and resolutions",
       [](const ViewSet& v, const Query& q, Message& m) {
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
       [](const ViewSet& v, const Query& q, Message& m) {
         v.meetings.OpenResolutions(q.filter.estate, q.filter.from_ms.value_or(0), q.now_ms,
                                    m.initRoot<schema::OpenResolutions>());
         return Root<schema::OpenResolutions>(m);
       },
       false, false,
       [](const Query& q) {
         return Require(!q.filter.estate.empty(), "estate: name the estate with ?estate=");
       }},
      {"ratings", "inspections, document reviews, surveys and published ratings of ?year=",
       [](const ViewSet& v, const Query& q, Message& m) {
         v.ratings.Query(YearOf(q), q.filter, m.initRoot<schema::RatingsView>());
         return Root<schema::RatingsView>(m);
       }},
      {"registers", "estates, contracts, companies, households, people, committees, demands",
       [](const ViewSet& v, const Query& q, Message& m) {
         v.registers.Query(q.filter,
                           projections::LocalDay(q.now_ms, projections::TimeZone::China()),
                           q.personal_details, m.initRoot<schema::RegistersView>());
         return Root<schema::RegistersView>(m);
       }},
      {"audit", "every event by ?entity=, ?actor=, ?day=YYYY-MM-DD, or the late entries",
       [](const ViewSet& v, const Query& q, Message& m) {
         auto out = m.initRoot<schema::AuditView>();
         const auto& f = q.filter;
         // The live index, read up to the position asked for (as_of_from_live below).
         uint64_t up_to = q.as_of.value_or(projections::AuditIndex::kNow);
         if (!q.Param("entity").empty()) {
           v.audit.ByEntity(q.Param("entity"), f.offset, f.limit, up_to, out);
         } else if (!q.Param("actor").empty()) {
           v.audit.ByActor(q.Param("actor"), f.offset, f.limit, up_to, out);
         } else if (!q.Param("day").empty()) {
           v.audit.ByDay(q.Param("day"), f.offset, f.limit, up_to, out);
         } else {
           v.audit.Late(f.offset, f.limit, up_to, out);
         }
         return Root<schema::AuditView>(m);
       },
       /*audit_only=*/true, /*company_narrowed=*/false, /*check=*/nullptr,
       /*as_of_from_live=*/true},
  };
}

const std::vector<ViewRoute>& Views() {
  static const std::vector<ViewRoute> routes = [] {
    std::vector<ViewRoute> all = CaseViews();
    for (auto& r : CommunityViews()) all.push_back(std::move(r));
    return all;
  }();
  return routes;
}

const std::vector<ViewRoute>& Reports() {
  static const std::vector<ViewRoute> routes = {
      {"star-evaluation", "the annual star evaluation and red/black list of ?year=",
       [](const ViewSet& v, const Query& q, Message& m) {
         projections::ComputeStarEvaluation(v, YearOf(q), StarJudgedAt(q),
                                            m.initRoot<schema::StarEvaluation>());
         return Root<schema::StarEvaluation>(m);
       },
       false, false, CheckJudgedAt},
      {"joint-meeting", "the report before a joint meeting: ?estate=&from=&to=",
       [](const ViewSet& v, const Query& q, Message& m) {
         const auto& f = q.filter;
         auto out = m.initRoot<schema::JointMeetingReport>();
         projections::ComputeJointMeetingReport(v, f.estate, f.from_ms.value_or(0),
                                                f.to_ms.value_or(0), out, {f.offset, f.limit});
         if (!q.personal_details) {
           LeaveOutVisitLists(out.getVisits());
         }
         if (!q.personal_details && !q.report_flats) {
           // Read at the meeting: no reader's own flat is kept, and the audit recomputes it so.
           Query everyone = q;
           everyone.sees_flats = false;
           LeaveOutFlats(out.getComplaints().getUnresolvedItems(), everyone, true);
           LeaveOutFlats(out.getRepairs().getOverdue(), everyone, true);
         }
         return Root<schema::JointMeetingReport>(m);
       },
       false, false, CheckMeetingPeriod},
  };
  return routes;
}

}  // namespace

ledger::Status ViewRoute::Validate(const Query& q) const {
  if (const auto& after = q.filter.after) {
    bool paged = false;
    for (const char* list : kPagedByCursor) paged = paged || std::string_view(name) == list;
    if (!paged) {
      return Bad(std::string("after: ") + name +
                 " pages with offset and limit; after= pages complaints, repairs and "
                 "overdue-repairs");
    }
    if (after->list != name) {
      return Bad("after: the cursor was given by a page of " + after->list + ", not of " + name +
                 "; start " + name + " from its first page");
    }
  }
  return check ? check(q) : ledger::Status::Ok();
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

std::string ReportParameters(const ViewRoute& report, const Query& q) {
  std::string name = report.name;
  std::string out = "{\"name\":\"" + JsonEscape(name) + "\"";
  // Instants as the JSON convention writes them; one not given is null.
  auto instant = [](std::optional<int64_t> ms) {
    return ms ? "\"" + codec::FormatTimestamp(*ms) + "\"" : std::string("null");
  };
  if (name == "star-evaluation") {
    // A year judged at its end names no instant (null): the figures' judgedAt is its end.
    int64_t at = StarJudgedAt(q);
    out += ",\"year\":" + std::to_string(YearOf(q)) + ",\"at\":" +
           instant(at == projections::kYearsEnd ? std::nullopt : std::optional<int64_t>(at));
  } else {
    const auto& f = q.filter;
    out += ",\"estate\":\"" + JsonEscape(f.estate) + "\",\"from\":" + instant(f.from_ms) +
           ",\"to\":" + instant(f.to_ms) + ",\"offset\":" + std::to_string(f.offset) +
           ",\"limit\":" + std::to_string(f.limit);
  }
  return out + "}";
}

}  // namespace http
