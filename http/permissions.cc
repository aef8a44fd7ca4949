#include "http/permissions.h"

#include <algorithm>
#include <chrono>
#include <set>

namespace http {

namespace schema = ledger::schema;
using R = schema::Role;

namespace {

// The ledger's facts as the rule book reads them.
class LedgerFacts final : public ledger::FactSource {
 public:
  explicit LedgerFacts(const ledger::Ledger* log) : log_(log) {}
  std::optional<ledger::EntityFacts> Entity(std::string_view name) const override {
    return log_->FindEntity(name);
  }
  std::vector<ledger::ContractFacts> Contracts(std::string_view estate) const override {
    return log_->ContractsOf(estate);
  }

 private:
  const ledger::Ledger* log_;
};

// Milliseconds at the start of a day "YYYY-MM-DD" in China Standard Time.
std::optional<int64_t> DayStartMs(const std::string& day) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (std::sscanf(day.c_str(), "%d-%u-%u", &y, &m, &d) != 3) return std::nullopt;
  using namespace std::chrono;
  sys_days days{year{y} / month{m} / ::std::chrono::day{d}};
  return duration_cast<milliseconds>(days.time_since_epoch()).count() - 8 * 3600 * 1000;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Views that show households and persons: flags, visit notes, balances.
bool IsPersonalView(const std::string& name) {
  return name == "visits" || name == "household-visits" || name == "time-bank-statement";
}

}  // namespace

ledger::Caller CallerOf(const Principal& who) {
  return ledger::Caller{who.role, who.actor_id, who.estates, who.company_id};
}

bool Permissions::MayReadRawEvents(const Principal& who) {
  return who.role == R::ADMIN || who.role == R::STREET_AUDITOR || who.role == R::COMMUNITY_WORKER;
}

bool Permissions::SeesPersonalDetails(const Principal& who) { return MayReadRawEvents(who); }

std::vector<std::string> Permissions::ReadableEstates(const Principal& who, bool* all) const {
  *all = false;
  if (who.role == R::COMPANY_STAFF) {
    std::set<std::string> served;
    for (const auto& c : log_->ContractsOf("")) {
      if (c.company == who.company_id && !c.voided) served.insert(c.estate);
    }
    std::vector<std::string> out;
    for (const auto& e : served) {
      if (!who.BoundToEstates() || who.CoversEstate(e)) out.push_back(e);
    }
    return out;
  }
  if (who.BoundToEstates()) return who.estates;
  *all = true;
  return {};
}

Decision Permissions::CheckEstate(const Principal& who, const std::string& estate,
                                  const std::string& named_by) const {
  bool all = false;
  auto estates = ReadableEstates(who, &all);
  if (all) return Decision::Allow();
  if (!estate.empty() && std::find(estates.begin(), estates.end(), estate) != estates.end()) {
    return Decision::Allow();
  }
  // One answer for an entity of another estate, of none, and one that does not exist: naming
  // the estate told a token bound to e02 where every household, person and complaint was.
  std::string reads = estates.empty() ? std::string("no estate") : Join(estates);
  if (who.role == R::COMPANY_STAFF) {
    return Decision::Deny("read.company-estate",
                          named_by + " is not in an estate " + who.company_id +
                              " serves or served; this token reads " + reads);
  }
  return Decision::Deny("read.estate",
                        named_by + " is not in an estate this token reads (" + reads + ")");
}

Decision Permissions::ScopeQuery(const Principal& who, const ViewRoute& route, Query* q) const {
  q->personal_details = SeesPersonalDetails(who);
  q->reader_actor = who.actor_id;
  const std::string name = route.name;
  bool all = false;
  auto estates = ReadableEstates(who, &all);
  LedgerFacts facts(log_);
  auto& f = q->filter;

  if (who.role == R::COMPANY_STAFF && IsPersonalView(name)) {
    return Decision::Deny("read.personal", "company staff do not read " + name +
                                               ": it shows households' flags, notes or balances");
  }
  // The reader's own household (looked up once, and only when a household matters).
  const bool resident_visits = who.role == R::RESIDENT && name == "visits";
  std::string own_household;
  if (resident_visits || !f.household.empty() || !q->personal_details) {
    if (auto me = facts.Entity(ledger::EntityName("person", who.actor_id))) {
      own_household = me->household;
    }
  }
  // A resident reads the visits of their own household: the others' notes and obligations (a
  // hospital stay, a bereavement) are personal details. One registered in no household reads the
  // estate's counts without the lists (see LeaveOutVisitLists).
  if (resident_visits && f.household.empty()) f.household = own_household;
  q->reader_household = own_household;
  q->sees_flats = q->personal_details || who.role == R::COMPANY_STAFF;
  q->own_household = !own_household.empty() && !f.household.empty() &&
                     ledger::EntityName("household", own_household) ==
                         ledger::EntityName("household", f.household);
  if (who.role == R::COMPANY_STAFF) {
    if (!f.company.empty() && f.company != who.company_id) {
      return Decision::Deny(
          "read.company", "this token reads for company " + who.company_id + ", not " + f.company);
    }
    f.company = who.company_id;
  }
  if (IsPersonalView(name) && name != "time-bank-statement" && who.role != R::RESIDENT &&
      !q->personal_details && !q->own_household && !f.household.empty()) {
    return Decision::Deny("read.personal", "a " + std::string(RoleName(who.role)) +
                                               " token reads the visits of its own household "
                                               "only, not of " +
                                               f.household);
  }
  // Which flat filed what is hidden from a reader who does not see flats (LeaveOutFlats): narrowed
  // to one household, the lists would say it again.
  if ((name == "complaints" || name == "repairs" || name == "overdue-repairs") && !q->sees_flats &&
      !q->own_household && !f.household.empty()) {
    return Decision::Deny("read.personal", "a " + std::string(RoleName(who.role)) +
                                               " token reads the " + name +
                                               " of an estate, not of one household (" +
                                               f.household + "), unless it is its own");
  }
  // The registers count the flagged households among those they list: narrowed to one household,
  // the count is its flags (elderly living alone, hardship, disability), which only the roles
  // that see personal details read.
  if (name == "registers" && !q->personal_details && !q->own_household && !f.household.empty()) {
    return Decision::Deny("read.personal", "a " + std::string(RoleName(who.role)) +
                                               " token reads the registers of an estate, not of "
                                               "one household (" +
                                               f.household + "): its flags are personal details");
  }
  if (all) return Decision::Allow();

  // Every parameter that names something in an estate is checked, whichever is used.
  if (!f.household.empty()) {
    auto home = facts.Entity(ledger::EntityName("household", f.household));
    Decision d = CheckEstate(who, home ? home->estate : "", "household " + f.household);
    if (!d.allowed) return d;
    if (who.role == R::RESIDENT && !q->own_household) {
      return Decision::Deny(
          "read.own-household",
          "a resident reads only their own household's records, not " + f.household);
    }
    if (f.estate.empty()) f.estate = home->estate;
  }
  if (std::string person = q->Param("person"); !person.empty()) {
    if (who.role == R::RESIDENT && person != who.actor_id) {
      return Decision::Deny("read.own-person",
                            "a resident reads only their own account (" + who.actor_id + ")");
    }
    std::string estate;
    if (auto p = facts.Entity(ledger::EntityName("person", person)); p && !p->household.empty()) {
      if (auto home = facts.Entity(ledger::EntityName("household", p->household))) {
        estate = home->estate;
      }
    }
    if (person != who.actor_id) {
      Decision d = CheckEstate(who, estate, "person " + person);
      if (!d.allowed) return d;
    }
  }
  if (std::string entity = q->Param("entity"); !entity.empty()) {
    auto e = facts.Entity(entity);
    std::string estate = e ? e->estate : "";
    if (e && estate.empty() && entity.rfind("estate/", 0) == 0) estate = entity;
    Decision d = CheckEstate(who, estate, "entity " + entity);
    if (!d.allowed) return d;
  } else if (name == "audit" && (!q->Param("actor").empty() || !q->Param("day").empty() ||
                                 q->Param("entity").empty())) {
    // Actor, day and late-entry listings span estates: only for tokens that read them all.
    return Decision::Deny("read.audit-scope",
                          "a token bound to estates reads the audit index by ?entity= of its "
                          "estates (" +
                              Join(estates) + ")");
  }

  if (f.estate.empty()) {
    if (estates.size() == 1) {
      f.estate = estates[0];
    } else if (!(who.role == R::COMPANY_STAFF && route.company_narrowed)) {
      return Decision::Deny("read.name-estate", "name an estate with ?estate=; this token reads " +
                                                    (estates.empty() ? "none" : Join(estates)));
    }
  }
  if (!f.estate.empty()) {
    Decision d = CheckEstate(who, f.estate, "estate " + f.estate);
    if (!d.allowed) return d;
  }

  // Company staff see an estate only for the days their company served it.
  if (who.role == R::COMPANY_STAFF && !f.estate.empty()) {
    std::string first, last;
    bool open = false;
    for (const auto& c : log_->ContractsOf(f.estate)) {
      if (c.company != who.company_id || c.voided) continue;
      if (first.empty() || c.start < first) first = c.start;
      if (c.end.empty()) open = true;
      if (c.end > last) last = c.end;
    }
    if (auto from = DayStartMs(first)) f.from_ms = std::max(f.from_ms.value_or(*from), *from);
    if (!open) {
      if (auto to = DayStartMs(last)) {
        int64_t end = *to + 24 * 3600 * 1000;
        f.to_ms = std::min(f.to_ms.value_or(end), end);
      }
    }
  }
  return Decision::Allow();
}

std::string Permissions::EstateOfEvent(schema::Event::Reader event, bool* known) const {
  LedgerFacts facts(log_);
  auto payload = event.getPayload();
  if (payload.isCorrectionRecorded()) {
    // A correction concerns what the event it corrects concerns.
    auto target = log_->Read(payload.getCorrectionRecorded().getCorrectsSeq());
    if (!target.ok() || target->event().getPayload().isCorrectionRecorded()) {
      *known = false;
      return "";
    }
    return ledger::EstateOfEvent(target->event().getPayload(), facts, known);
  }
  return ledger::EstateOfEvent(payload, facts, known);
}

bool Permissions::MayReadEvent(const Principal& who, schema::Event::Reader event) const {
  if (!MayReadRawEvents(who)) return false;
  bool all = false;
  auto estates = ReadableEstates(who, &all);
  if (all) return true;
  bool known = false;
  std::string estate = EstateOfEvent(event, &known);
  if (!known) return false;
  if (estate.empty()) return true;  // district-wide: estates, companies, policies, ratings
  return std::find(estates.begin(), estates.end(), estate) != estates.end();
}

Decision Permissions::MayReadStream(const Principal& who, std::string_view stream) const {
  if (!MayReadRawEvents(who)) {
    return Decision::Deny("read.raw", std::string("the raw log carries personal details; a ") +
                                          RoleName(who.role) +
                                          " token reads the views (/v1/views/...) instead");
  }
  bool all = false;
  ReadableEstates(who, &all);
  if (all) return Decision::Allow();
  // The stream's first event says what it is about. One that does not exist is answered as one
  // of another estate: a 404 for the one and a 403 for the other told a token bound to e01 which
  // ids were taken in e02.
  auto first = log_->ReadStream(stream, 1, 1);
  bool missing = !first.ok() && first.status().code() == ledger::Code::kNotFound;
  // Another failure of the store: the read fails again, and is answered as such.
  if (!first.ok() && !missing) return Decision::Allow();
  if (missing || first->empty() || !MayReadEvent(who, first->front().event())) {
    return Decision::Deny("read.estate", "stream " + std::string(stream) +
                                             " is not in the ledger, or not about an estate "
                                             "this token reads (" +
                                             Join(who.estates) + ")");
  }
  return Decision::Allow();
}

}  // namespace http
