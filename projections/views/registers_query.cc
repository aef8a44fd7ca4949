// The registers view's query (Registers::Query): one list per register, each narrowed by the
// filter. The registers' events and lookups are in registers.cc.

#include "projections/views/registers.h"

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <capnp/schema.h>

#include "projections/calendar.h"
#include "projections/page_picker.h"

namespace projections {

namespace schema = ledger::schema;

namespace {

const char* AppointedRoleName(int role) {
  static constexpr const char* kNames[] = {
      "propertyManager", "residentSupervisor", "feedbackReporter", "gridWorker",
      "buildingHead",    "communityWorker",    "repairWorker"};
  return role >= 0 && role < 7 ? kNames[role] : "unknown";
}

// One page of a register's records, by id. A district's records are streamed, not held: the
// page keeps their ids, and its records are found again once picked.
class IdPage {
 public:
  explicit IdPage(const Filter& f) : picker_(f.offset, f.limit, std::less<std::string>()) {}
  void Offer(const std::string& id) { picker_.Offer(id); }
  size_t total() const { return picker_.offered(); }
  template <class V>
  std::vector<const V*> Records(const Table<V>& table) {
    return FindPicked(table, picker_.Take());
  }

 private:
  PagePicker<std::string, std::less<std::string>> picker_;
};

// The estates in the filter (those the filter's company served on `day`, when it names one),
// with their contracts.
void ListEstates(const Registers& registers, const Table<uint32_t>& registered_per_estate,
                 const Filter& f, int64_t day, schema::RegistersView::Builder out) {
  std::vector<const EstateRecord*> estates;
  for (const auto& [key, estate] : registers.estates().Sorted()) {
    if (!f.Matches(estate->id, f.estate)) continue;
    if (!f.company.empty() && registers.ServingCompany(estate->id, day) != f.company) continue;
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
    const uint32_t* registered = registered_per_estate.Find(e.id);
    b.setRegisteredHouseholds(registered ? *registered : 0);
    b.setServingCompanyId(registers.ServingCompany(e.id, day));
    if (const EstateContracts* list = registers.contracts().Find(e.id)) {
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
}

// The companies in the filter, with the estates each served on `day`.
void ListCompanies(const Registers& registers, const Filter& f, int64_t day,
                   schema::RegistersView::Builder out) {
  std::vector<const CompanyRecord*> companies;
  for (const auto& [key, company] : registers.companies().Sorted()) {
    if (f.Matches(company->id, f.company)) companies.push_back(company);
  }
  auto company_list = out.initCompanies(companies.size());
  for (size_t i = 0; i < companies.size(); ++i) {
    company_list[i].setCompanyId(companies[i]->id);
    company_list[i].setName(companies[i]->name);
    company_list[i].setLicence(companies[i]->licence);
    std::vector<std::string> served;
    for (const auto& [estate, days] : registers.EstatesServed(companies[i]->id, day, day)) {
      served.push_back(estate);
    }
    auto list = company_list[i].initEstatesServed(served.size());
    for (size_t k = 0; k < served.size(); ++k) list.set(k, served[k]);
  }
}

// The registered households in the filter, counted whole and listed one page at a time.
void ListHouseholds(const Registers& registers, const Filter& f, int64_t day, bool personal_details,
                    schema::RegistersView::Builder out) {
  IdPage households(f);
  uint32_t flagged = 0;
  auto consider = [&](const HouseholdRecord& h) {
    if (h.seq == 0 || !f.Matches(h.estate_id, f.estate) || !f.Matches(h.id, f.household)) return;
    if (!f.company.empty() && registers.ServingCompany(h.estate_id, day) != f.company) return;
    if (h.flags().any()) ++flagged;
    households.Offer(h.id);
  };
  // An estate's households are read from its own keys.
  if (!f.estate.empty()) {
    registers.ForEachHouseholdIn(f.estate, consider);
  } else {
    registers.households().Stream(
        [&](const std::string&, const HouseholdRecord& h) { consider(h); });
  }
  out.setHouseholdTotal(static_cast<uint32_t>(households.total()));
  out.setFlaggedHouseholds(flagged);
  auto page = households.Records(registers.households());
  auto household_list = out.initHouseholds(page.size());
  for (size_t i = 0; i < page.size(); ++i) {
    const HouseholdRecord& h = *page[i];
    auto b = household_list[i];
    b.setHouseholdId(h.id);
    b.setEstateId(h.estate_id);
    b.setBuilding(h.building);
    b.setUnit(h.unit);
    b.setRoom(h.room);
    b.setResidents(static_cast<uint32_t>(h.residents.size()));
    // The flags (living alone, hardship, disability) are personal details too: they say who the
    // must-visits are for.
    if (personal_details) {
      b.setRetiredCadre(h.flags().retired_cadre);
      b.setElderlyAlone(h.flags().elderly_alone);
      b.setHardship(h.flags().hardship);
      b.setDisability(h.flags().disability);
      b.setHeadName(h.head_name);
      b.setPhone(h.phone);
    } else {
      b.setPersonalDetailsHidden(true);
    }
  }
}

// The people with an appointment (to the filter's estate or company, when it names one), one
// page.
void ListPeople(const Registers& registers, const Filter& f, schema::RegistersView::Builder out) {
  IdPage people(f);
  auto consider = [&](const PersonRecord& p) {
    bool relevant = f.estate.empty() && f.company.empty();
    for (const auto& a : p.appointments) {
      if ((!f.estate.empty() && a.estate_id == f.estate) ||
          (!f.company.empty() && a.company_id == f.company)) {
        relevant = true;
      }
    }
    if (relevant && !p.appointments.empty()) people.Offer(p.id);
  };
  if (!f.estate.empty() && f.company.empty()) {
    // Only people appointed to the estate can be listed: they are read from the estate's lists
    // of appointments (every role), not from every person, in id order as below.
    std::set<std::string> appointed;
    for (auto role : capnp::Schema::from<schema::AppointedRole>().getEnumerants()) {
      if (const EstateAppointments* list = registers.AppointmentsTo(role.getOrdinal(), f.estate)) {
        for (const auto& entry : list->list) appointed.insert(entry.person_id);
      }
    }
    for (const auto& id : appointed) {
      if (const PersonRecord* p = registers.persons().Find(id)) consider(*p);
    }
  } else {
    registers.persons().Stream([&](const std::string&, const PersonRecord& p) { consider(p); });
  }
  auto people_page = people.Records(registers.persons());
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
}

void ListCommittees(const Registers& registers, const Filter& f,
                    schema::RegistersView::Builder out) {
  std::vector<const CommitteeRecord*> committees;
  for (const auto& [key, c] : registers.committees().Sorted()) {
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
}

// The demands recorded in the filter's estate and period, counted open and met, one page.
void ListDemands(const Registers& registers, const Filter& f, schema::RegistersView::Builder out) {
  IdPage demands(f);
  uint32_t open = 0, met = 0;
  auto consider = [&](const DemandRecord& d) {
    if (d.seq == 0 || !f.Matches(d.estate_id, f.estate) || !f.InPeriod(d.recorded_at)) return;
    d.met_seq ? ++met : ++open;
    demands.Offer(d.id);
  };
  // An estate's demands are read from its own keys.
  if (!f.estate.empty()) {
    registers.ForEachDemandIn(f.estate, consider);
  } else {
    registers.demands().Stream([&](const std::string&, const DemandRecord& d) { consider(d); });
  }
  out.setDemandsOpen(open);
  out.setDemandsMet(met);
  auto demand_page = demands.Records(registers.demands());
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

}  // namespace

void Registers::Query(const Filter& f, int64_t day, bool personal_details,
                      schema::RegistersView::Builder out) const {
  out.setDay(FormatDay(day));
  out.setOffset(static_cast<uint32_t>(f.offset));
  ListEstates(*this, registered_per_estate_, f, day, out);
  ListCompanies(*this, f, day, out);
  ListHouseholds(*this, f, day, personal_details, out);
  ListPeople(*this, f, out);
  ListCommittees(*this, f, out);
  ListDemands(*this, f, out);
}

}  // namespace projections
