// The registers view: its events and its lookups. Its query, one list per register, is in
// registers_query.cc.

#include "projections/views/registers.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "by_seq.h"
#include "projections/calendar.h"

namespace projections {

namespace schema = ledger::schema;
using P = schema::Payload;

namespace {

Flags ReadFlags(schema::HouseholdFlags::Reader f) {
  return Flags{f.getRetiredCadre(), f.getElderlyAlone(), f.getHardship(), f.getDisability()};
}

int64_t Day(capnp::Text::Reader text) { return ParseDay(Str(text)).value_or(0); }

// Adds a contract to an estate's list, kept in order of start day.
void StartContract(schema::ServiceContractStarted::Reader r, uint64_t seq,
                   std::vector<ContractRecord>* list) {
  ContractRecord c;
  c.contract_id = Str(r.getContractId());
  c.company_id = Str(r.getCompanyId());
  c.start_day = Day(r.getStartDate());
  c.start_seq = seq;
  auto at = std::upper_bound(list->begin(), list->end(), c, [](const auto& a, const auto& b) {
    return a.start_day < b.start_day;
  });
  list->insert(at, std::move(c));
}

// Ends every contract of the list with the event's contract id.
void EndContract(schema::ServiceContractEnded::Reader r, uint64_t seq,
                 std::vector<ContractRecord>* list) {
  for (auto& c : *list) {
    if (c.contract_id == Str(r.getContractId())) {
      c.end_day = Day(r.getEndDate());
      c.end_reason = Str(r.getReason());
      c.end_seq = seq;
    }
  }
}

// Registers a household or restates it; a restatement that moves it to another estate moves
// its count too. The registration's flags join the flag history in seq order.
void RegisterHousehold(schema::HouseholdRegistered::Reader r, const EventContext& e,
                       Table<HouseholdRecord>* households, Table<uint32_t>* registered_per_estate) {
  std::string id = Str(r.getHouseholdId());
  bool is_new = !households->Contains(id);
  // A first registration counts at the date it gives (a paper register typed in owes the visits
  // of its past, none of which can be taken back); a later one restates flags, which count from
  // their recording (EventContext::counted_at), as every change of them does.
  bool first = is_new;
  auto& h = households->Mutable(id);
  if (!is_new && h.estate_id != Str(r.getEstateId())) {
    auto& old_count = registered_per_estate->Mutable(h.estate_id);
    if (old_count > 0) --old_count;
    is_new = true;
  }
  h.id = id;
  h.estate_id = Str(r.getEstateId());
  h.building = Str(r.getBuilding());
  h.unit = Str(r.getUnit());
  h.room = Str(r.getRoom());
  h.head_name = Str(r.getHeadName());
  h.phone = Str(r.getPhone());
  h.residents.clear();
  for (auto res : r.getResidents()) {
    h.residents.push_back({Str(res.getPersonId()), Str(res.getName()), Str(res.getBirthDate())});
  }
  h.flag_history.insert(h.flag_history.begin(),
                        FlagChange{e.seq, first ? e.occurred_at : e.counted_at(),
                                   ReadFlags(r.getFlags()), "registered"});
  std::stable_sort(h.flag_history.begin(), h.flag_history.end(),
                   [](const auto& a, const auto& b) { return a.seq < b.seq; });
  h.seq = e.seq;
  if (is_new) ++registered_per_estate->Mutable(h.estate_id);
}

AppointmentRecord AppointmentOf(schema::RoleAppointed::Reader r, uint64_t seq) {
  AppointmentRecord a;
  a.role = static_cast<int>(r.getRole());
  a.estate_id = Str(r.getEstateId());
  a.company_id = Str(r.getCompanyId());
  a.team = Str(r.getTeam());
  a.from_date = Str(r.getFromDate());
  a.seq = seq;
  return a;
}

// Ends the latest open appointment to that role (and estate, when named).
void EndAppointment(schema::RoleEnded::Reader r, uint64_t seq, PersonRecord* person) {
  for (auto it = person->appointments.rbegin(); it != person->appointments.rend(); ++it) {
    if (it->role == static_cast<int>(r.getRole()) && it->end_seq == 0 &&
        (r.getEstateId().size() == 0 || it->estate_id == Str(r.getEstateId()))) {
      it->to_date = Str(r.getToDate());
      it->end_reason = Str(r.getReason());
      it->end_seq = seq;
      break;
    }
  }
}

// A committee by its entity name, as the rule book knows it: "e01" and "committee/e01" were one
// committee to the rule book and two to the views, each rated on the estate's surveys.
std::string CommitteeKey(std::string id) {
  return id.starts_with("committee/") ? id : "committee/" + id;
}

void FormCommittee(schema::OwnersCommitteeFormed::Reader r, uint64_t seq, CommitteeRecord* c) {
  InsertBySeq(c->terms, CommitteeTerm{Str(r.getTermStart()), Str(r.getTermEnd()), seq});
  if (c->seq > seq) return;  // an earlier registration replaced: the latest still stands
  c->id = CommitteeKey(Str(r.getCommitteeId()));
  c->estate_id = Str(r.getEstateId());
  c->chair_person_id = Str(r.getChairPersonId());
  c->term_start = Str(r.getTermStart());
  c->term_end = Str(r.getTermEnd());
  c->member_person_ids.clear();
  for (auto m : r.getMemberPersonIds()) c->member_person_ids.push_back(Str(m));
  c->seq = seq;
}

void RecordDemand(schema::DemandRecorded::Reader r, const EventContext& e, DemandRecord* d) {
  d->id = Str(r.getDemandId());
  d->estate_id = Str(r.getEstateId());
  d->household_id = Str(r.getHouseholdId());
  d->category = Str(r.getCategory());
  d->description = Str(r.getDescription());
  d->recorded_at = e.occurred_at;
  d->seq = e.seq;
}

void MeetDemand(schema::DemandMet::Reader r, const EventContext& e, DemandRecord* d) {
  if (d->id.empty()) d->id = Str(r.getDemandId());
  d->met_seq = e.seq;
  d->met_at = e.occurred_at;
  d->menu_item_id = Str(r.getMenuItemId());
  d->provider_id = Str(r.getProviderId());
  d->met_note = Str(r.getNote());
}

// Takes back the end the event `seq` gave any contract of the list.
void ReopenContracts(uint64_t seq, std::vector<ContractRecord>* list) {
  for (auto& c : *list) {
    if (c.end_seq == seq) {
      c.end_day.reset();
      c.end_reason.clear();
      c.end_seq = 0;
    }
  }
}

// Takes back a person's registration by event `seq`; the person stays while appointed.
void UnregisterPerson(const std::string& id, uint64_t seq, Table<PersonRecord>* persons) {
  if (auto* r = persons->Find(id); r && r->seq == seq) {
    auto& person = persons->Mutable(id);
    person.name.clear();
    person.phone.clear();
    person.household_id.clear();
    person.seq = 0;
    if (person.appointments.empty()) persons->Erase(id);
  }
}

// Calls change(), which changes the appointments of person `id`, and lists them again under
// each estate they named before or name after.
template <class Change>
void ChangeAppointments(const std::string& id, Table<PersonRecord>* persons,
                        Table<EstateAppointments>* by_estate, Change change) {
  std::set<std::pair<int, std::string>> estates;  // role, estate
  auto note_estates = [&] {
    if (const PersonRecord* person = persons->Find(id)) {
      for (const auto& a : person->appointments) {
        if (!a.estate_id.empty()) estates.emplace(a.role, a.estate_id);
      }
    }
  };
  note_estates();
  change();
  note_estates();
  const PersonRecord* person = persons->Find(id);
  for (const auto& [role, estate] : estates) {
    const std::string key = Registers::AppointmentsKey(role, estate);
    auto& list = by_estate->Mutable(key).list;
    auto first = std::lower_bound(list.begin(), list.end(), id,
                                  [](const EstateAppointment& a, const std::string& person_id) {
                                    return a.person_id < person_id;
                                  });
    auto last = std::find_if(first, list.end(),
                             [&](const EstateAppointment& a) { return a.person_id != id; });
    std::vector<EstateAppointment> now;
    if (person) {
      for (const auto& a : person->appointments) {
        if (a.role == role && a.estate_id == estate) now.push_back({id, a});
      }
    }
    first = list.erase(first, last);
    list.insert(first, now.begin(), now.end());
    if (list.empty()) by_estate->Erase(key);
  }
}

// Takes back the end the event `seq` gave any of the person's appointments.
void ReopenAppointments(uint64_t seq, PersonRecord* person) {
  for (auto& a : person->appointments) {
    if (a.end_seq == seq) {
      a.end_seq = 0;
      a.to_date.clear();
      a.end_reason.clear();
    }
  }
}

// Takes back how a demand was met.
void Unmeet(DemandRecord* d) {
  d->met_seq = 0;
  d->met_at = 0;
  d->menu_item_id.clear();
  d->provider_id.clear();
  d->met_note.clear();
}

}  // namespace

void Registers::Apply(const EventContext& e) {
  auto p = e.payload;
  switch (p.which()) {
    case P::ESTATE_REGISTERED: {
      auto r = p.getEstateRegistered();
      auto& estate = estates_.Mutable(Str(r.getEstateId()));
      std::vector<DeclaredCount> counts = std::move(estate.counts);
      if (r.getHouseholdCount() > 0) {
        InsertBySeq(counts, DeclaredCount{e.recorded_at, r.getHouseholdCount(), e.seq});
      }
      if (estate.seq > e.seq) {  // an earlier registration replaced: the latest still stands
        estate.counts = std::move(counts);
        break;
      }
      estate = EstateRecord{Str(r.getEstateId()),
                            Str(r.getName()),
                            Str(r.getAddress()),
                            Str(r.getCommunity()),
                            Str(r.getStreet()),
                            r.getHouseholdCount(),
                            e.seq,
                            std::move(counts)};
      break;
    }
    case P::COMPANY_REGISTERED: {
      auto r = p.getCompanyRegistered();
      companies_.Mutable(Str(r.getCompanyId())) =
          CompanyRecord{Str(r.getCompanyId()), Str(r.getName()), Str(r.getLicence()), e.seq};
      break;
    }
    case P::SERVICE_CONTRACT_STARTED: {
      auto r = p.getServiceContractStarted();
      StartContract(r, e.seq, &contracts_.Mutable(Str(r.getEstateId())).contracts);
      break;
    }
    case P::SERVICE_CONTRACT_ENDED: {
      auto r = p.getServiceContractEnded();
      EndContract(r, e.seq, &contracts_.Mutable(Str(r.getEstateId())).contracts);
      break;
    }
    case P::HOUSEHOLD_REGISTERED: {
      RegisterHousehold(p.getHouseholdRegistered(), e, &households_, &registered_per_estate_);
      break;
    }
    case P::HOUSEHOLD_FLAGS_CHANGED: {
      auto r = p.getHouseholdFlagsChanged();
      auto& h = households_.Mutable(Str(r.getHouseholdId()));
      if (h.id.empty()) h.id = Str(r.getHouseholdId());
      // Counted as the complaints' steps are (EventContext::counted_at): flags dated back to
      // before a holiday, and forward again after it, took its missed visits off the figures.
      h.flag_history.push_back(
          FlagChange{e.seq, e.counted_at(), ReadFlags(r.getFlags()), Str(r.getReason())});
      break;
    }
    case P::PERSON_REGISTERED: {
      auto r = p.getPersonRegistered();
      auto& person = persons_.Mutable(Str(r.getPersonId()));
      person.id = Str(r.getPersonId());
      person.name = Str(r.getName());
      person.phone = Str(r.getPhone());
      person.household_id = Str(r.getHouseholdId());
      person.party_member = r.getPartyMember();
      person.seq = e.seq;
      ++registrations_changed_;
      break;
    }
    case P::ROLE_APPOINTED: {
      auto r = p.getRoleAppointed();
      std::string id = Str(r.getPersonId());
      ChangeAppointments(id, &persons_, &estate_appointments_, [&] {
        auto& person = persons_.Mutable(id);
        if (person.id.empty()) person.id = id;
        person.appointments.push_back(AppointmentOf(r, e.seq));
      });
      break;
    }
    case P::ROLE_ENDED: {
      auto r = p.getRoleEnded();
      std::string id = Str(r.getPersonId());
      ChangeAppointments(id, &persons_, &estate_appointments_,
                         [&] { EndAppointment(r, e.seq, &persons_.Mutable(id)); });
      break;
    }
    case P::OWNERS_COMMITTEE_FORMED: {
      auto r = p.getOwnersCommitteeFormed();
      FormCommittee(r, e.seq, &committees_.Mutable(CommitteeKey(Str(r.getCommitteeId()))));
      break;
    }
    case P::DEMAND_RECORDED: {
      auto r = p.getDemandRecorded();
      RecordDemand(r, e, &demands_.Mutable(Str(r.getDemandId())));
      break;
    }
    case P::DEMAND_MET: {
      auto r = p.getDemandMet();
      MeetDemand(r, e, &demands_.Mutable(Str(r.getDemandId())));
      break;
    }
    case P::SERVICE_MENU_ITEM_OFFERED: {
      auto r = p.getServiceMenuItemOffered();
      menu_.Mutable(Str(r.getMenuItemId())) =
          MenuItemRecord{Str(r.getMenuItemId()), Str(r.getEstateId()), Str(r.getName()),
                         Str(r.getProviderId()), e.seq};
      break;
    }
    default:
      break;
  }
}

void Registers::Void(const EventContext& e) {
  auto p = e.payload;
  switch (p.which()) {
    case P::ESTATE_REGISTERED: {
      std::string id = Str(p.getEstateRegistered().getEstateId());
      if (!estates_.Contains(id)) break;
      EstateRecord& r = estates_.Mutable(id);
      std::erase_if(r.counts, [&](const DeclaredCount& c) { return c.seq == e.seq; });
      if (r.seq != e.seq) break;
      if (r.counts.empty()) {
        estates_.Erase(id);
      } else {
        // The latest registration voided: the count before it stands (its name and address
        // are not kept, and stay as the voided one gave them).
        r.household_count = r.counts.back().households;
        r.seq = r.counts.back().seq;
      }
      break;
    }
    case P::COMPANY_REGISTERED: {
      std::string id = Str(p.getCompanyRegistered().getCompanyId());
      if (auto* r = companies_.Find(id); r && r->seq == e.seq) companies_.Erase(id);
      break;
    }
    case P::SERVICE_CONTRACT_STARTED: {
      auto& list = contracts_.Mutable(Str(p.getServiceContractStarted().getEstateId())).contracts;
      std::erase_if(list, [&](const ContractRecord& c) { return c.start_seq == e.seq; });
      break;
    }
    case P::SERVICE_CONTRACT_ENDED: {
      auto& list = contracts_.Mutable(Str(p.getServiceContractEnded().getEstateId())).contracts;
      ReopenContracts(e.seq, &list);
      break;
    }
    case P::HOUSEHOLD_REGISTERED: {
      std::string id = Str(p.getHouseholdRegistered().getHouseholdId());
      if (auto* h = households_.Find(id); h && h->seq == e.seq) {
        auto& count = registered_per_estate_.Mutable(h->estate_id);
        if (count > 0) --count;
        households_.Erase(id);
      }
      break;
    }
    case P::HOUSEHOLD_FLAGS_CHANGED: {
      std::string id = Str(p.getHouseholdFlagsChanged().getHouseholdId());
      if (households_.Contains(id)) {
        std::erase_if(households_.Mutable(id).flag_history,
                      [&](const FlagChange& f) { return f.seq == e.seq; });
      }
      break;
    }
    case P::PERSON_REGISTERED: {
      UnregisterPerson(Str(p.getPersonRegistered().getPersonId()), e.seq, &persons_);
      ++registrations_changed_;
      break;
    }
    case P::ROLE_APPOINTED: {
      std::string id = Str(p.getRoleAppointed().getPersonId());
      if (persons_.Contains(id)) {
        ChangeAppointments(id, &persons_, &estate_appointments_, [&] {
          std::erase_if(persons_.Mutable(id).appointments,
                        [&](const AppointmentRecord& a) { return a.seq == e.seq; });
        });
      }
      break;
    }
    case P::ROLE_ENDED: {
      std::string id = Str(p.getRoleEnded().getPersonId());
      if (persons_.Contains(id)) {
        ChangeAppointments(id, &persons_, &estate_appointments_,
                           [&] { ReopenAppointments(e.seq, &persons_.Mutable(id)); });
      }
      break;
    }
    case P::OWNERS_COMMITTEE_FORMED: {
      std::string id = CommitteeKey(Str(p.getOwnersCommitteeFormed().getCommitteeId()));
      if (!committees_.Contains(id)) break;
      CommitteeRecord& r = committees_.Mutable(id);
      std::erase_if(r.terms, [&](const CommitteeTerm& t) { return t.seq == e.seq; });
      if (r.terms.empty()) {
        committees_.Erase(id);
      } else if (r.seq == e.seq) {
        // The latest registration voided: the term before it is the latest (its chair and
        // members are not kept, and stay as the voided one named them).
        r.term_start = r.terms.back().start;
        r.term_end = r.terms.back().end;
        r.seq = r.terms.back().seq;
      }
      break;
    }
    case P::DEMAND_RECORDED: {
      std::string id = Str(p.getDemandRecorded().getDemandId());
      if (auto* r = demands_.Find(id); r && r->seq == e.seq) demands_.Erase(id);
      break;
    }
    case P::DEMAND_MET: {
      std::string id = Str(p.getDemandMet().getDemandId());
      if (auto* r = demands_.Find(id); r && r->met_seq == e.seq) Unmeet(&demands_.Mutable(id));
      break;
    }
    case P::SERVICE_MENU_ITEM_OFFERED: {
      std::string id = Str(p.getServiceMenuItemOffered().getMenuItemId());
      if (auto* r = menu_.Find(id); r && r->seq == e.seq) menu_.Erase(id);
      break;
    }
    default:
      break;
  }
}

std::string Registers::ServingCompany(const std::string& estate_id, int64_t day) const {
  const EstateContracts* list = contracts_.Find(estate_id);
  if (!list) return "";
  std::string company;
  // The latest contract started on or before the day and not ended before it.
  for (const auto& c : list->contracts) {
    if (c.start_day <= day && (!c.end_day || *c.end_day >= day)) company = c.company_id;
  }
  return company;
}

std::vector<std::pair<std::string, int64_t>> Registers::EstatesServed(const std::string& company_id,
                                                                      int64_t first_day,
                                                                      int64_t last_day) const {
  std::vector<std::pair<std::string, int64_t>> out;
  contracts_.ForEach([&](const std::string& estate, const EstateContracts& list) {
    int64_t days = 0;
    for (const auto& c : list.contracts) {
      if (c.company_id != company_id) continue;
      int64_t from = std::max(first_day, c.start_day);
      int64_t to = std::min(last_day, c.end_day.value_or(last_day));
      if (to >= from) days += to - from + 1;
    }
    if (days > 0) out.emplace_back(estate, days);
  });
  std::sort(out.begin(), out.end());
  return out;
}

bool CommitteeRecord::Serves(int64_t first_day, int64_t last_day) const {
  for (const CommitteeTerm& t : terms) {
    int64_t start = ParseDay(t.start).value_or(first_day);
    int64_t end = ParseDay(t.end).value_or(last_day);
    if (start <= last_day && end >= first_day) return true;
  }
  return false;
}

uint32_t Registers::HouseholdCount(const std::string& estate_id, int64_t as_of_ms) const {
  if (const EstateRecord* estate = estates_.Find(estate_id); estate && !estate->counts.empty()) {
    // The latest in ledger order recorded by then, else the first.
    uint32_t count = estate->counts.front().households;
    for (const DeclaredCount& c : estate->counts) {
      if (c.recorded_at <= as_of_ms) count = c.households;
    }
    return count;
  }
  const uint32_t* registered = registered_per_estate_.Find(estate_id);
  return registered ? *registered : 0;
}

std::optional<OrderKey> Registers::EstateOf(const HouseholdRecord& household) {
  if (household.estate_id.empty()) return std::nullopt;
  return OrderKey{household.estate_id, 0};
}

// A household stays in this ordering once flagged, even with its flags cleared since: a yearly
// visit is owed as the flags stood on its day, so an earlier flag may still owe one. Only a
// history with no flag at all (a flag change voided, say) takes it out.
std::optional<OrderKey> Registers::EstateIfEverFlagged(const HouseholdRecord& household) {
  bool ever = std::any_of(household.flag_history.begin(), household.flag_history.end(),
                          [](const FlagChange& change) { return change.flags.any(); });
  if (!ever) return std::nullopt;
  return EstateOf(household);
}

std::optional<OrderKey> Registers::EstateOfDemand(const DemandRecord& demand) {
  if (demand.estate_id.empty()) return std::nullopt;
  return OrderKey{demand.estate_id, 0};
}

std::string Registers::AppointmentsKey(int role, std::string_view estate_id) {
  // Fixed width, so that role r's keys sort before role r + 1's; roles are a 16-bit enum.
  char number[8];
  std::snprintf(number, sizeof number, "%05d/", role);
  std::string key = number;
  key += estate_id;
  return key;
}

std::string Registers::EstateOfHousehold(const std::string& household_id) const {
  const HouseholdRecord* h = households_.Find(household_id);
  return h ? h->estate_id : "";
}

}  // namespace projections
