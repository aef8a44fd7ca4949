# The home-visits view as served: visits with the services given, the four must-visits (四必访)
# as obligations with their window and status at a given instant, and compliance with the
# counts behind every rate.

@0xeb3c32d4cfb281b2;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");
using Form = import "json_form.capnp";

using import "view_complaints.capnp".Count;

struct VisitItem {
  visitId @0 :Text;
  householdId @1 :Text;
  estateId @2 :Text;             # of the household, as the register has it now
  team @3 :Text;
  visitorIds @4 :List(Text);
  services @5 :List(Text);
  obligationIds @6 :List(Text);  # the obligations the visit names
  reason @7 :Text;               # holiday, hospital, birthday, hardship (holiday when not set)
  note @8 :Text;
  visitedAt @9 :Int64;
  localDay @10 :Text;            # "YYYY-MM-DD" in the visit rules' time zone
  satisfaction @11 :Text;        # the last follow-up's answer, if any
  followUps @12 :UInt32;
  met @13 :List(Text);           # the obligations of the period this visit met
  seq @14 :UInt64;
}

struct VisitObligationItem {
  obligationId @0 :Text;         # yearly ones: "yearly/holiday/<day>/<household>",
                                 # "yearly/birthday/<day>/<household>/<resident>"
  source @1 :Text;               # "raised" (a visitObligationRaised event) or "yearly" (generated)
  reason @2 :Text;               # holiday, hospital, birthday, hardship
  householdId @3 :Text;
  estateId @4 :Text;
  occasion @5 :Text;             # the holiday's name, the resident, or the raising note
  windowFrom @6 :Text;           # first local day of the window
  windowTo @7 :Text;             # last local day of the window, inclusive
  closesAt @8 :Int64;            # the instant the window closes (start of the day after windowTo)
  status @9 :Text;               # met, due, missed (at the query's `now`)
  metByVisitId @10 :Text;
  metOn @11 :Text;
  lateVisitId @12 :Text;         # a visit that answered it after the window: does not count
  team @13 :Text;                # the team it is counted for
  teamFrom @14 :Text;            # "visit" (the meeting visit), "estateAppointment", or "" (unknown)
  policyId @15 :Text;            # the visit rules in force on the window's first day
  policyVersion @16 :UInt32;
  raisedSeq @17 :UInt64;         # the visitObligationRaised event; 0 for yearly ones
}

struct VisitReasonCount {
  reason @0 :Text;
  met @1 :UInt32;
  due @2 :UInt32;
  missed @3 :UInt32;
}

struct VisitCompliance {
  # rate = met / denominator, denominator = met + missed. Obligations still due are shown but
  # not counted: their window has not closed yet.
  key @0 :Text;                  # estate or team; empty for the overall figure
  met @1 :UInt32;                # the numerator
  missed @2 :UInt32;
  due @3 :UInt32;                # not counted yet
  denominator @4 :UInt32;
  rate @5 :Float64;
  defined @6 :Bool;              # false when nothing was counted (denominator 0): no rate
}

struct VisitsView {
  periodFrom @0 :Int64 $Form.instant;          # inclusive; obligations whose window opens in the period
  periodTo @1 :Int64 $Form.instant;            # exclusive
  now @2 :Int64 $Form.instant;   # the instant statuses are judged at
  visitCount @3 :UInt32;         # visits in the period that match the filter
  visits @4 :List(VisitItem);    # one page, newest first
  visitsOffset @5 :UInt32;
  services @6 :List(Count);      # services given on those visits
  satisfaction @7 :List(Count);  # the last follow-up answer of each of those visits
  obligationCount @8 :UInt32;    # every obligation of the period that matches estate/household
  obligationsListed @9 :UInt32;  # of those, the ones with the filter's status (all if none)
  obligations @10 :List(VisitObligationItem);  # one page of the listed ones, by window
  obligationsOffset @11 :UInt32;
  byReason @12 :List(VisitReasonCount);
  compliance @13 :VisitCompliance;
  byEstate @14 :List(VisitCompliance);
  byTeam @15 :List(VisitCompliance);
  complianceRule @16 :Text;      # how compliance is computed, in words
  notes @17 :List(Text);         # what could not be computed and why
}

struct VisitHouseholdFlags {
  retiredCadre @0 :Bool;
  elderlyAlone @1 :Bool;
  hardship @2 :Bool;
  disability @3 :Bool;
}

struct VisitFlagChange {
  at @0 :Int64 $Form.instant;
  flags @1 :VisitHouseholdFlags;
  reason @2 :Text;
  seq @3 :UInt64;
}

struct HouseholdVisits {
  householdId @0 :Text;
  estateId @1 :Text;
  registered @2 :Bool;           # known to the household register
  flags @3 :VisitHouseholdFlags; # as they stand now
  flagHistory @4 :List(VisitFlagChange);
  periodFrom @5 :Int64 $Form.instant;
  periodTo @6 :Int64 $Form.instant;
  now @7 :Int64 $Form.instant;
  visits @8 :List(VisitItem);    # every visit to the household, oldest first
  obligations @9 :List(VisitObligationItem);   # those of the period, by window
  compliance @10 :VisitCompliance;
  complianceRule @11 :Text;
  notes @12 :List(Text);
}
