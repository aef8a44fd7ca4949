// Registers (台账): estates, companies and which company serves which estate on which day,
// households and their flags, people and their appointments, owners' committees, the residents'
// demand list (居民需求清单) and the service menu that meets it.

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "projections/filter.h"
#include "projections/projection.h"
#include "schemas/view_registers.capnp.h"

namespace projections {

// A household count an estate's registration declared, and when it was recorded.
struct DeclaredCount {
  int64_t recorded_at = 0;
  uint32_t households = 0;
  uint64_t seq = 0;
  template <class A>
  void Fields(A& a) {
    a(recorded_at, households, seq);
  }
};

struct EstateRecord {
  std::string id, name, address, community, street;
  uint32_t household_count = 0;  // dwellings declared at the latest registration
  uint64_t seq = 0;
  // Every count declared, in ledger order: a year's figures take the one in force when the year
  // was judged, so that registering the estate again does not rewrite the years before.
  std::vector<DeclaredCount> counts;
  template <class A>
  void Fields(A& a) {
    a(id, name, address, community, street, household_count, seq, counts);
  }
};

struct CompanyRecord {
  std::string id, name, licence;
  uint64_t seq = 0;
  template <class A>
  void Fields(A& a) {
    a(id, name, licence, seq);
  }
};

struct ContractRecord {
  std::string contract_id, company_id;
  int64_t start_day = 0;
  std::optional<int64_t> end_day;  // the last day served, once ended
  std::string end_reason;
  uint64_t start_seq = 0, end_seq = 0;
  template <class A>
  void Fields(A& a) {
    a(contract_id, company_id, start_day, end_day, end_reason, start_seq, end_seq);
  }
};

struct EstateContracts {
  std::vector<ContractRecord> contracts;  // in order of start
  template <class A>
  void Fields(A& a) {
    a(contracts);
  }
};

struct Flags {
  bool retired_cadre = false, elderly_alone = false, hardship = false, disability = false;
  bool any() const { return retired_cadre || elderly_alone || hardship || disability; }
  template <class A>
  void Fields(A& a) {
    a(retired_cadre, elderly_alone, hardship, disability);
  }
};

struct FlagChange {
  uint64_t seq = 0;
  int64_t at = 0;
  Flags flags;
  std::string reason;
  template <class A>
  void Fields(A& a) {
    a(seq, at, flags, reason);
  }
};

struct ResidentRecord {
  std::string person_id, name, birth_date;
  template <class A>
  void Fields(A& a) {
    a(person_id, name, birth_date);
  }
};

struct HouseholdRecord {
  std::string id, estate_id, building, unit, room;
  std::string head_name, phone;  // personal details
  std::vector<ResidentRecord> residents;
  std::vector<FlagChange> flag_history;  // [0] is the registration
  uint64_t seq = 0;
  const Flags& flags() const {
    static const Flags kNone;
    return flag_history.empty() ? kNone : flag_history.back().flags;
  }
  template <class A>
  void Fields(A& a) {
    a(id, estate_id, building, unit, room, head_name, phone, residents, flag_history, seq);
  }
};

struct AppointmentRecord {
  int role = 0;  // schema::AppointedRole
  std::string estate_id, company_id, team, from_date, to_date, end_reason;
  uint64_t seq = 0, end_seq = 0;
  template <class A>
  void Fields(A& a) {
    a(role, estate_id, company_id, team, from_date, to_date, end_reason, seq, end_seq);
  }
};

// A person's appointment to an estate, in the estate's list of them.
struct EstateAppointment {
  std::string person_id;
  AppointmentRecord appointment;
  template <class A>
  void Fields(A& a) {
    a(person_id, appointment);
  }
};

// The appointments to one role in an estate, past and present, by person and then in the
// person's order: who answered for an estate is read from them, not from every person.
struct EstateAppointments {
  std::vector<EstateAppointment> list;
  template <class A>
  void Fields(A& a) {
    a(list);
  }
};

struct PersonRecord {
  std::string id, name, phone, household_id;
  bool party_member = false;
  std::vector<AppointmentRecord> appointments;
  uint64_t seq = 0;
  template <class A>
  void Fields(A& a) {
    a(id, name, phone, household_id, party_member, appointments, seq);
  }
};

// One term of an owners' committee, as one registration gave it (days "YYYY-MM-DD"; empty:
// open on that side).
struct CommitteeTerm {
  std::string start, end;
  uint64_t seq = 0;
  template <class A>
  void Fields(A& a) {
    a(start, end, seq);
  }
};

struct CommitteeRecord {
  std::string id, estate_id, chair_person_id, term_start, term_end;  // the latest registration's
  std::vector<std::string> member_person_ids;
  uint64_t seq = 0;
  // Every registration's term: forming the committee again adds a term, and never takes the
  // committee out of a year an earlier term covered (that took one off two published black
  // lists). A void takes its own term away.
  std::vector<CommitteeTerm> terms;
  template <class A>
  void Fields(A& a) {
    a(id, estate_id, chair_person_id, term_start, term_end, member_person_ids, seq, terms);
  }
  // True if a term covers a day of [first_day, last_day] (days since the epoch).
  bool Serves(int64_t first_day, int64_t last_day) const;
};

struct DemandRecord {
  std::string id, estate_id, household_id, category, description;
  int64_t recorded_at = 0;
  uint64_t seq = 0;
  // Set once met.
  uint64_t met_seq = 0;
  int64_t met_at = 0;
  std::string menu_item_id, provider_id, met_note;
  template <class A>
  void Fields(A& a) {
    a(id, estate_id, household_id, category, description, recorded_at, seq, met_seq, met_at,
      menu_item_id, provider_id, met_note);
  }
};

struct MenuItemRecord {
  std::string id, estate_id, name, provider_id;
  uint64_t seq = 0;
  template <class A>
  void Fields(A& a) {
    a(id, estate_id, name, provider_id, seq);
  }
};

class Registers final : public Projection {
 public:
  Registers() {
    Register(&estates_);
    Register(&companies_);
    Register(&contracts_);
    Register(&households_);
    Register(&persons_);
    Register(&committees_);
    Register(&demands_);
    Register(&menu_);
    Register(&registered_per_estate_);
    Register(&estate_appointments_);
    by_estate_ = households_.AddOrdering(EstateOf, Places::kEveryRecord);
    flagged_by_estate_ = households_.AddOrdering(EstateIfEverFlagged);
    flagged_in_district_ = households_.AddOrdering(
        [](const HouseholdRecord& h) { return AcrossDistrict(EstateIfEverFlagged(h)); });
    demands_by_estate_ = demands_.AddOrdering(EstateOfDemand);
  }
  const char* name() const override { return "registers"; }
  // 9: every household count an estate declared, and every term of a committee (registering
  // either again rewrote the years before); 8: a household's flags counted from at most an hour
  // before they were recorded (a worker's flags dated back dropped the must-visits its household
  // had missed); 7: households ever flagged, across the district too (6: households ever flagged,
  // and demands, ordered by estate; 5: appointments listed by role and estate; 4: persons with an
  // appointment an ordering of their own; 3: orderings stored beside the records; 2: their first
  // layout).
  uint32_t version() const override { return 9; }
  void Apply(const EventContext& event) override;
  void Void(const EventContext& event) override;

  const Table<EstateRecord>& estates() const { return estates_; }
  const Table<CompanyRecord>& companies() const { return companies_; }
  const Table<HouseholdRecord>& households() const { return households_; }
  const Table<PersonRecord>& persons() const { return persons_; }
  // How many person registrations were applied or voided: what a person's name and party
  // membership follow, for views that keep figures by them (the time bank's party members).
  // Written under the views' exclusive lock, read under it shared.
  uint64_t registrations_changed() const { return registrations_changed_; }
  const Table<CommitteeRecord>& committees() const { return committees_; }
  const Table<DemandRecord>& demands() const { return demands_; }
  const Table<MenuItemRecord>& menu() const { return menu_; }
  const Table<EstateContracts>& contracts() const { return contracts_; }

  // The registers narrowed by estate, company and household, with serving companies as of local
  // day `day`; one page (offset, limit) of households, people and demands. Head names and phone
  // numbers are left out unless `personal_details`.
  void Query(const Filter& filter, int64_t day, bool personal_details,
             ledger::schema::RegistersView::Builder out) const;

  // The company serving `estate_id` on local day `day`, or "" if none.
  std::string ServingCompany(const std::string& estate_id, int64_t day) const;
  // The estates `company_id` served on any day of [first_day, last_day], with the number of days.
  std::vector<std::pair<std::string, int64_t>> EstatesServed(const std::string& company_id,
                                                             int64_t first_day,
                                                             int64_t last_day) const;
  // Households of an estate as declared by the latest registration recorded at or before
  // `as_of_ms` (the earliest declared, if none was by then), or the registered ones if none
  // declared a count.
  uint32_t HouseholdCount(const std::string& estate_id, int64_t as_of_ms) const;
  // The estate of a household, or "".
  std::string EstateOfHousehold(const std::string& household_id) const;
  // Calls visit(household) for the households whose estate is `estate_id`, by id.
  template <class Visit>
  void ForEachHouseholdIn(std::string_view estate_id, Visit visit) const {
    households_.ForEachInOrder(by_estate_, estate_id, 0, 1, visit);
  }
  // Calls visit(household) for the households of `estate_id` that were flagged at some time
  // (any change in their flag history sets a flag), by id: the only ones that can owe a yearly
  // visit. About one household in six, so the must-visits need not read the whole estate.
  template <class Visit>
  void ForEachFlaggedHouseholdIn(std::string_view estate_id, Visit visit) const {
    households_.ForEachInOrder(flagged_by_estate_, estate_id, 0, 1, visit);
  }
  // Calls visit(household) for the households of the whole district that were flagged at some
  // time, in no particular order. They are streamed (Table::StreamInOrder): a visitor keeps
  // copies, never references.
  template <class Visit>
  void StreamFlaggedHouseholds(Visit visit) const {
    households_.StreamInOrder(flagged_in_district_, "", 0, 1, visit);
  }
  // Calls visit(demand) for the demands recorded in `estate_id`, by id.
  template <class Visit>
  void ForEachDemandIn(std::string_view estate_id, Visit visit) const {
    demands_.ForEachInOrder(demands_by_estate_, estate_id, 0, 1, visit);
  }
  // The appointments to `role` (schema::AppointedRole) in `estate_id`, or null if none.
  const EstateAppointments* AppointmentsTo(int role, std::string_view estate_id) const {
    return estate_appointments_.Find(AppointmentsKey(role, estate_id));
  }
  // Calls visit(appointments) for each estate with appointments to `role`: one row per estate.
  template <class Visit>
  void ForEachEstateAppointing(int role, Visit visit) const {
    estate_appointments_.StreamRange(
        AppointmentsKey(role, ""), AppointmentsKey(role + 1, ""),
        [&](const std::string&, const EstateAppointments& list) { visit(list); });
  }
  // The key of a role's appointments in an estate: the role first, so that one role's estates
  // are one range of keys.
  static std::string AppointmentsKey(int role, std::string_view estate_id);

 private:
  static std::optional<OrderKey> EstateOf(const HouseholdRecord& household);
  static std::optional<OrderKey> EstateIfEverFlagged(const HouseholdRecord& household);
  static std::optional<OrderKey> EstateOfDemand(const DemandRecord& demand);

  Table<EstateRecord> estates_{"estates"};
  Table<CompanyRecord> companies_{"companies"};
  Table<EstateContracts> contracts_{"contracts"};  // by estate
  Table<HouseholdRecord> households_{"households"};
  Table<PersonRecord> persons_{"persons"};
  Table<CommitteeRecord> committees_{"committees"};
  Table<DemandRecord> demands_{"demands"};
  Table<MenuItemRecord> menu_{"menu"};
  // Registered households per estate, kept so HouseholdCount needs no scan.
  Table<uint32_t> registered_per_estate_{"registered_per_estate"};
  // The appointments of persons_ by role and estate (AppointmentsKey), kept as they change.
  Table<EstateAppointments> estate_appointments_{"estate_appointments"};
  size_t by_estate_ = 0;            // an ordering of households_ by estate
  size_t flagged_by_estate_ = 0;    // of those ever flagged, by estate
  size_t flagged_in_district_ = 0;  // of those ever flagged, across the district
  size_t demands_by_estate_ = 0;    // an ordering of demands_ by estate

  // Person registrations applied or voided (registrations_changed()).
  uint64_t registrations_changed_ = 0;
};

}  // namespace projections
