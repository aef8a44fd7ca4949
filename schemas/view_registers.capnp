# The registers as served: estates with their contracts, companies, households (personal details
# only for the roles that need them), people and appointments, committees, demands and menu.

@0x81bfa860b8f63b67;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");

struct RegisterContract {
  contractId @0 :Text;
  companyId @1 :Text;
  startDate @2 :Text;
  endDate @3 :Text;          # empty while running
  endReason @4 :Text;
}

struct RegisterEstate {
  estateId @0 :Text;
  name @1 :Text;
  address @2 :Text;
  community @3 :Text;
  street @4 :Text;
  householdCount @5 :UInt32;      # declared dwellings
  registeredHouseholds @6 :UInt32;
  servingCompanyId @7 :Text;      # on the day asked about
  contracts @8 :List(RegisterContract);
}

struct RegisterCompany {
  companyId @0 :Text;
  name @1 :Text;
  licence @2 :Text;
  estatesServed @3 :List(Text);   # on the day asked about
}

struct RegisterHousehold {
  householdId @0 :Text;
  estateId @1 :Text;
  building @2 :Text;
  unit @3 :Text;
  room @4 :Text;
  retiredCadre @5 :Bool;
  elderlyAlone @6 :Bool;
  hardship @7 :Bool;
  disability @8 :Bool;
  residents @9 :UInt32;
  headName @10 :Text;             # personal: only for community workers, auditors and admins
  phone @11 :Text;                # personal
  personalDetailsHidden @12 :Bool;
}

struct RegisterAppointment {
  role @0 :Text;
  estateId @1 :Text;
  companyId @2 :Text;
  team @3 :Text;
  fromDate @4 :Text;
  toDate @5 :Text;
}

struct RegisterPerson {
  personId @0 :Text;
  name @1 :Text;
  partyMember @2 :Bool;
  appointments @3 :List(RegisterAppointment);
}

struct RegisterCommittee {
  committeeId @0 :Text;
  estateId @1 :Text;
  chairPersonId @2 :Text;
  members @3 :UInt32;
  termStart @4 :Text;
  termEnd @5 :Text;
}

struct RegisterDemand {
  demandId @0 :Text;
  estateId @1 :Text;
  category @2 :Text;
  description @3 :Text;
  recordedAt @4 :Int64;
  met @5 :Bool;
  metAt @6 :Int64;
  menuItemId @7 :Text;
  providerId @8 :Text;
}

struct RegistersView {
  day @0 :Text;                   # the day "serving" refers to
  estates @1 :List(RegisterEstate);
  companies @2 :List(RegisterCompany);
  householdTotal @3 :UInt32;      # matching the filter, before paging
  flaggedHouseholds @4 :UInt32;
  households @5 :List(RegisterHousehold);
  people @6 :List(RegisterPerson);
  committees @7 :List(RegisterCommittee);
  demandsOpen @8 :UInt32;
  demandsMet @9 :UInt32;
  demands @10 :List(RegisterDemand);
  offset @11 :UInt32;
}
