#include "projections/views/registers.h"

#include <algorithm>

#include "projections/calendar.h"

namespace projections {

namespace schema = ledger::schema;
using P = schema::Payload;

namespace {

Flags ReadFlags(schema::HouseholdFlags::Reader f) {
  return Flags{f.getRetiredCadre(), f.getElderlyAlone(), f.getHardship(), f.getDisability()};
}

int64_t Day(capnp::Text::Reader text) { return ParseDay(Str(text)).value_or(0); }

}  // namespace

void Registers::Apply(const EventContext& e) {
  auto p = e.payload;
  switch (p.which()) {
    case P::ESTATE_REGISTERED: {
      auto r = p.getEstateRegistered();
      auto& estate = estates_.Mutable(Str(r.getEstateId()));
      estate = EstateRecord{Str(r.getEstateId()),
                            Str(r.getName()),
                            Str(r.getAddress()),
                            Str(r.getCommunity()),
                            Str(r.getStreet()),
                            r.getHouseholdCount(),
                            e.seq};
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
      auto& list = contracts_.Mutable(Str(r.getEstateId())).contracts;
      ContractRecord c;
      c.contract_id = Str(r.getContractId());
      c.company_id = Str(r.getCompanyId());
      c.start_day = Day(r.getStartDate());
      c.start_seq = e.seq;
      auto at = std::upper_bound(list.begin(), list.end(), c, [](const auto& a, const auto& b) {
        return a.start_day < b.start_day;
      });
      list.insert(at, std::move(c));
      break;
    }
    case P::SERVICE_CONTRACT_ENDED: {
      auto r = p.getServiceContractEnded();
      auto& list = contracts_.Mutable(Str(r.getEstateId())).contracts;
      for (auto& c : list) {
        if (c.contract_id == Str(r.getContractId())) {
          c.end_day = Day(r.getEndDate());
          c.end_reason = Str(r.getReason());
          c.end_seq = e.seq;
        }
      }
      break;
    }
    case P::HOUSEHOLD_REGISTERED: {
      auto r = p.getHouseholdRegistered();
      std::string id = Str(r.getHouseholdId());
      bool is_new = !households_.Contains(id);
      auto& h = households_.Mutable(id);
      if (!is_new && h.estate_id != Str(r.getEstateId())) {
        auto& old_count = registered_per_estate_.Mutable(h.estate_id);
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
        h.residents.push_back(
            {Str(res.getPersonId()), Str(res.getName()), Str(res.getBirthDate())});
      }
      h.flag_history.insert(
          h.flag_history.begin(),
          FlagChange{e.seq, e.occurred_at, ReadFlags(r.getFlags()), "registered"});
      std::stable_sort(h.flag_history.begin(), h.flag_history.end(),
                       [](const auto& a, const auto& b) { return a.seq < b.seq; });
      h.seq = e.seq;
      if (is_new) ++registered_per_estate_.Mutable(h.estate_id);
      break;
    }
    case P::HOUSEHOLD_FLAGS_CHANGED: {
      auto r = p.getHouseholdFlagsChanged();
      auto& h = households_.Mutable(Str(r.getHouseholdId()));
      if (h.id.empty()) h.id = Str(r.getHouseholdId());
      h.flag_history.push_back(
          FlagChange{e.seq, e.occurred_at, ReadFlags(r.getFlags()), Str(r.getReason())});
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
      break;
    }
    case P::ROLE_APPOINTED: {
      auto r = p.getRoleAppointed();
      auto& person = persons_.Mutable(Str(r.getPersonId()));
      if (person.id.empty()) person.id = Str(r.getPersonId());
      AppointmentRecord a;
      a.role = static_cast<int>(r.getRole());
      a.estate_id = Str(r.getEstateId());
      a.company_id = Str(r.getCompanyId());
      a.team = Str(r.getTeam());
      a.from_date = Str(r.getFromDate());
      a.seq = e.seq;
      person.appointments.push_back(std::move(a));
      break;
    }
    case P::ROLE_ENDED: {
      auto r = p.getRoleEnded();
      auto& person = persons_.Mutable(Str(r.getPersonId()));
      // Ends the latest open appointment to that role (and estate, when named).
      for (auto it = person.appointments.rbegin(); it != person.appointments.rend(); ++it) {
        if (it->role == static_cast<int>(r.getRole()) && it->end_seq == 0 &&
            (r.getEstateId().size() == 0 || it->estate_id == Str(r.getEstateId()))) {
          it->to_date = Str(r.getToDate());
          it->end_reason = Str(r.getReason());
          it->end_seq = e.seq;
          break;
        }
      }
      break;
    }
    case P::OWNERS_COMMITTEE_FORMED: {
      auto r = p.getOwnersCommitteeFormed();
      auto& c = committees_.Mutable(Str(r.getCommitteeId()));
      c.id = Str(r.getCommitteeId());
      c.estate_id = Str(r.getEstateId());
      c.chair_person_id = Str(r.getChairPersonId());
      c.term_start = Str(r.getTermStart());
      c.term_end = Str(r.getTermEnd());
      c.member_person_ids.clear();
      for (auto m : r.getMemberPersonIds()) c.member_person_ids.push_back(Str(m));
      c.seq = e.seq;
      break;
    }
    case P::DEMAND_RECORDED: {
      auto r = p.getDemandRecorded();
      auto& d = demands_.Mutable(Str(r.getDemandId()));
      d.id = Str(r.getDemandId());
      d.estate_id = Str(r.getEstateId());
      d.household_id = Str(r.getHouseholdId());
      d.category = Str(r.getCategory());
      d.description = Str(r.getDescription());
      d.recorded_at = e.occurred_at;
      d.seq = e.seq;
      break;
    }
    case P::DEMAND_MET: {
      auto r = p.getDemandMet();
      auto& d = demands_.Mutable(Str(r.getDemandId()));
      if (d.id.empty()) d.id = Str(r.getDemandId());
      d.met_seq = e.seq;
      d.met_at = e.occurred_at;
      d.menu_item_id = Str(r.getMenuItemId());
      d.provider_id = Str(r.getProviderId());
      d.met_note = Str(r.getNote());
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
      if (auto* r = estates_.Find(id); r && r->seq == e.seq) estates_.Erase(id);
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
      for (auto& c : list) {
        if (c.end_seq == e.seq) {
          c.end_day.reset();
          c.end_reason.clear();
          c.end_seq = 0;
        }
      }
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
      std::string id = Str(p.getPersonRegistered().getPersonId());
      if (auto* r = persons_.Find(id); r && r->seq == e.seq) {
        auto& person = persons_.Mutable(id);
        person.name.clear();
        person.phone.clear();
        person.household_id.clear();
        person.seq = 0;
        if (person.appointments.empty()) persons_.Erase(id);
      }
      break;
    }
    case P::ROLE_APPOINTED: {
      std::string id = Str(p.getRoleAppointed().getPersonId());
      if (persons_.Contains(id)) {
        std::erase_if(persons_.Mutable(id).appointments,
                      [&](const AppointmentRecord& a) { return a.seq == e.seq; });
      }
      break;
    }
    case P::ROLE_ENDED: {
      std::string id = Str(p.getRoleEnded().getPersonId());
      if (persons_.Contains(id)) {
        for (auto& a : persons_.Mutable(id).appointments) {
          if (a.end_seq == e.seq) {
            a.end_seq = 0;
            a.to_date.clear();
            a.end_reason.clear();
          }
        }
      }
      break;
    }
    case P::OWNERS_COMMITTEE_FORMED: {
      std::string id = Str(p.getOwnersCommitteeFormed().getCommitteeId());
      if (auto* r = committees_.Find(id); r && r->seq == e.seq) committees_.Erase(id);
      break;
    }
    case P::DEMAND_RECORDED: {
      std::string id = Str(p.getDemandRecorded().getDemandId());
      if (auto* r = demands_.Find(id); r && r->seq == e.seq) demands_.Erase(id);
      break;
    }
    case P::DEMAND_MET: {
      std::string id = Str(p.getDemandMet().getDemandId());
      if (auto* r = demands_.Find(id); r && r->met_seq == e.seq) {
        auto& d = demands_.Mutable(id);
        d.met_seq = 0;
        d.met_at = 0;
        d.menu_item_id.clear();
        d.provider_id.clear();
        d.met_note.clear();
      }
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

uint32_t Registers::HouseholdCount(const std::string& estate_id) const {
  if (const EstateRecord* estate = estates_.Find(estate_id); estate && estate->household_count) {
    return estate->household_count;
  }
  const uint32_t* registered = registered_per_estate_.Find(estate_id);
  return registered ? *registered : 0;
}

std::string Registers::EstateOfHousehold(const std::string& household_id) const {
  const HouseholdRecord* h = households_.Find(household_id);
  return h ? h->estate_id : "";
}

namespace {

const char* AppointedRoleName(int role) {
  static constexpr const char* kNames[] = {
      "propertyManager", "residentSupervisor", "feedbackReporter", "gridWorker",
      "buildingHead",    "communityWorker",    "repairWorker"};
  return role >= 0 && role < 7 ? kNames[role] : "unknown";
}

template <class V>
std::vector<const V*> Page(std::vector<const V*> rows, const Filter& f) {
  size_t begin = std::min(f.offset, rows.size());
  size_t end = std::min(rows.size(), begin + f.limit);
  return std::vector<const V*>(rows.begin() + begin, rows.begin() + end);
}

}  // namespace

void Registers::Query(const Filter& f, int64_t day, bool personal_details,
                      ledger::schema::RegistersView::Builder out) const {
  out.setDay(FormatDay(day));
  out.setOffset(static_cast<uint32_t>(f.offset));

  std::vector<const EstateRecord*> estates;
  for (const auto& [key, estate] : estates_.Sorted()) {
    if (!f.Matches(estate->id, f.estate)) continue;
    if (!f.company.empty() && ServingCompany(estate->id, day) != f.company) continue;
    estates.push_back(estate);
  }
  auto estate_list = out.initEstates(estates.size());
  for (size_t i = 0; i < estates.size(); ++i) {
    const EstateRecord& e = *estates[i];
    auto b = estate_list[i];
    b.setEstateId(e.id);
    b.setName(e.name);
    b.setAddress(e.address);
    b.setCommunity(e.community);
    b.setStreet(e.street);
    b.setHouseholdCount(e.household_count);
    const uint32_t* registered = registered_per_estate_.Find(e.id);
    b.setRegisteredHouseholds(registered ? *registered : 0);
    b.setServingCompanyId(ServingCompany(e.id, day));
    if (const EstateContracts* list = contracts_.Find(e.id)) {
      auto contracts = b.initContracts(list->contracts.size());
      for (size_t k = 0; k < list->contracts.size(); ++k) {
        const ContractRecord& c = list->contracts[k];
        contracts[k].setContractId(c.contract_id);
        contracts[k].setCompanyId(c.company_id);
        contracts[k].setStartDate(FormatDay(c.start_day));
        if (c.end_day) contracts[k].setEndDate(FormatDay(*c.end_day));
        contracts[k].setEndReason(c.end_reason);
      }
    }
  }

  std::vector<const CompanyRecord*> companies;
  for (const auto& [key, company] : companies_.Sorted()) {
    if (f.Matches(company->id, f.company)) companies.push_back(company);
  }
  auto company_list = out.initCompanies(companies.size());
  for (size_t i = 0; i < companies.size(); ++i) {
    company_list[i].setCompanyId(companies[i]->id);
    company_list[i].setName(companies[i]->name);
    company_list[i].setLicence(companies[i]->licence);
    std::vector<std::string> served;
    for (const auto& [estate, days] : EstatesServed(companies[i]->id, day, day)) {
      served.push_back(estate);
    }
    auto list = company_list[i].initEstatesServed(served.size());
    for (size_t k = 0; k < served.size(); ++k) list.set(k, served[k]);
  }

  std::vector<const HouseholdRecord*> households;
  uint32_t flagged = 0;
  for (const auto& [key, h] : households_.Sorted()) {
    if (h->seq == 0 || !f.Matches(h->estate_id, f.estate) || !f.Matches(h->id, f.household)) {
      continue;
    }
    if (!f.company.empty() && ServingCompany(h->estate_id, day) != f.company) continue;
    if (h->flags().any()) ++flagged;
    households.push_back(h);
  }
  out.setHouseholdTotal(static_cast<uint32_t>(households.size()));
  out.setFlaggedHouseholds(flagged);
  auto page = Page(households, f);
  auto household_list = out.initHouseholds(page.size());
  for (size_t i = 0; i < page.size(); ++i) {
    const HouseholdRecord& h = *page[i];
    auto b = household_list[i];
    b.setHouseholdId(h.id);
    b.setEstateId(h.estate_id);
    b.setBuilding(h.building);
    b.setUnit(h.unit);
    b.setRoom(h.room);
    b.setRetiredCadre(h.flags().retired_cadre);
    b.setElderlyAlone(h.flags().elderly_alone);
    b.setHardship(h.flags().hardship);
    b.setDisability(h.flags().disability);
    b.setResidents(static_cast<uint32_t>(h.residents.size()));
    if (personal_details) {
      b.setHeadName(h.head_name);
      b.setPhone(h.phone);
    } else {
      b.setPersonalDetailsHidden(true);
    }
  }

  std::vector<const PersonRecord*> people;
  for (const auto& [key, p] : persons_.Sorted()) {
    bool relevant = f.estate.empty() && f.company.empty();
    for (const auto& a : p->appointments) {
      if ((!f.estate.empty() && a.estate_id == f.estate) ||
          (!f.company.empty() && a.company_id == f.company)) {
        relevant = true;
      }
    }
    if (relevant && !p->appointments.empty()) people.push_back(p);
  }
  auto people_page = Page(people, f);
  auto people_list = out.initPeople(people_page.size());
  for (size_t i = 0; i < people_page.size(); ++i) {
    const PersonRecord& p = *people_page[i];
    people_list[i].setPersonId(p.id);
    people_list[i].setName(p.name);
    people_list[i].setPartyMember(p.party_member);
    auto appointments = people_list[i].initAppointments(p.appointments.size());
    for (size_t k = 0; k < p.appointments.size(); ++k) {
      const AppointmentRecord& a = p.appointments[k];
      appointments[k].setRole(AppointedRoleName(a.role));
      appointments[k].setEstateId(a.estate_id);
      appointments[k].setCompanyId(a.company_id);
      appointments[k].setTeam(a.team);
      appointments[k].setFromDate(a.from_date);
      appointments[k].setToDate(a.to_date);
    }
  }

  std::vector<const CommitteeRecord*> committees;
  for (const auto& [key, c] : committees_.Sorted()) {
    if (f.Matches(c->estate_id, f.estate)) committees.push_back(c);
  }
  auto committee_list = out.initCommittees(committees.size());
  for (size_t i = 0; i < committees.size(); ++i) {
    committee_list[i].setCommitteeId(committees[i]->id);
    committee_list[i].setEstateId(committees[i]->estate_id);
    committee_list[i].setChairPersonId(committees[i]->chair_person_id);
    committee_list[i].setMembers(static_cast<uint32_t>(committees[i]->member_person_ids.size()));
    committee_list[i].setTermStart(committees[i]->term_start);
    committee_list[i].setTermEnd(committees[i]->term_end);
  }

  std::vector<const DemandRecord*> demands;
  uint32_t open = 0, met = 0;
  for (const auto& [key, d] : demands_.Sorted()) {
    if (d->seq == 0 || !f.Matches(d->estate_id, f.estate) || !f.InPeriod(d->recorded_at)) continue;
    d->met_seq ? ++met : ++open;
    demands.push_back(d);
  }
  out.setDemandsOpen(open);
  out.setDemandsMet(met);
  auto demand_page = Page(demands, f);
  auto demand_list = out.initDemands(demand_page.size());
  for (size_t i = 0; i < demand_page.size(); ++i) {
    const DemandRecord& d = *demand_page[i];
    demand_list[i].setDemandId(d.id);
    demand_list[i].setEstateId(d.estate_id);
    demand_list[i].setCategory(d.category);
    demand_list[i].setDescription(d.description);
    demand_list[i].setRecordedAt(d.recorded_at);
    demand_list[i].setMet(d.met_seq != 0);
    demand_list[i].setMetAt(d.met_at);
    demand_list[i].setMenuItemId(d.menu_item_id);
    demand_list[i].setProviderId(d.provider_id);
  }
}

}  // namespace projections
