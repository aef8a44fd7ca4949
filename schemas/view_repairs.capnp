# The repairs view as served: open, overdue and done repairs, the time limit that applied to
# each, compliance with those limits by estate, company, category and month, and the follow-up
# satisfaction.
#
# Rules behind the figures:
# - The limit of a repair is the one in force (policy version) on the local day of the request,
#   fixed when the request is recorded: a later policy change does not alter it.
# - A repair complies ("met") if completed at or before its deadline. If it was completed more
#   than once, the last completion counts.
# - Compliance is decided once a repair is completed or its deadline has passed: the rate is
#   met / (met + late + overdue). Open repairs still within their limit ("pending") are not yet
#   decided and are left out of the rate.
# - Repairs with no limit set (no policy for their category on the day of the request) are
#   counted in `total` and in `noLimit`, and left out of every compliance figure.
# - Months are the local month (Asia/Shanghai) of the request, "YYYY-MM".
# - Every instant (request, dispatch, completion, follow-up) is the event's occurredAt, but never
#   more than an hour before the ledger recorded it: neither the requester nor the company can
#   move the limit by the date it gives (README, "When an event counts").

@0xc04809afb10249a5;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");
using Form = import "json_form.capnp";

using import "view_complaints.capnp".Count;

struct RepairCompliance {
  key @0 :Text;             # estate id, company id ("(none)" if unknown), category or "YYYY-MM"
  total @1 :UInt32;         # every matching repair, those with no limit included
  met @2 :UInt32;           # completed at or before the deadline
  late @3 :UInt32;          # completed after the deadline
  overdue @4 :UInt32;       # not completed and the deadline has passed at `now`
  pending @5 :UInt32;       # not completed, deadline not yet passed: undecided, not in the rate
  noLimit @6 :UInt32;       # no limit set: counted separately, not in the rate
  denominator @7 :UInt32;   # met + late + overdue
  rate @8 :Float64;         # met / denominator; 0 when the denominator is 0
}

struct RepairItem {
  repairId @0 :Text;
  estateId @1 :Text;
  householdId @2 :Text;
  companyId @3 :Text;             # serving the estate on the day of the request, else dispatched to
  category @4 :Text;
  description @5 :Text;
  location @6 :Text;
  channel @7 :Text;
  status @8 :Text;                # open, overdue, done (in time or with no limit), late
  requestedAt @9 :Int64;
  dispatchedAt @10 :Int64;        # the first dispatch; zero until dispatched
  completedAt @11 :Int64;         # the last completion; zero while open
  workerId @12 :Text;             # the last dispatch's worker
  dispatchedCompanyId @13 :Text;  # the last dispatch's company, as recorded on the dispatch
  completions @14 :UInt32;        # how many completions were recorded (the last counts)
  hasLimit @15 :Bool;
  deadline @16 :Int64 $Form.instant;            # complete at or before this instant; zero when no limit
  limitPolicyId @17 :Text;
  limitPolicyVersion @18 :UInt32;
  limitHours @19 :UInt32;
  limitNextMorningHour @20 :UInt32;   # non-zero: "not overnight", by this local hour next morning
  hoursTaken @21 :Float64;        # request to (last) completion; zero while open
  hoursPastDeadline @22 :Float64; # late: completion - deadline; overdue: now - deadline; else 0
  satisfaction @23 :Text;         # the last follow-up's answer, if any
  requestedSeq @24 :UInt64;
}

struct RepairsView {
  now @0 :Int64 $Form.instant;    # the instant "open" and "overdue" are judged at
  total @1 :UInt32;               # = open + done
  open @2 :UInt32;                # not completed (overdue ones included)
  overdue @3 :UInt32;             # not completed and past the deadline at `now`
  done @4 :UInt32;                # completed, whether in time, late or with no limit
  doneWithinLimit @5 :UInt32;
  doneLate @6 :UInt32;
  noLimit @7 :UInt32;             # no limit set, open or done: counted separately
  compliance @8 :RepairCompliance;            # overall; key is empty
  complianceByEstate @9 :List(RepairCompliance);
  complianceByCompany @10 :List(RepairCompliance);
  complianceByCategory @11 :List(RepairCompliance);
  complianceByMonth @12 :List(RepairCompliance);
  complianceNote @13 :Text;       # the rules above, in words, for whoever reads the figures
  followedUp @14 :UInt32;         # repairs with at least one follow-up call
  satisfaction @15 :List(Count);  # the last follow-up's answer of each repair
  byStatus @16 :List(Count);
  items @17 :List(RepairItem);    # one page, newest request first
  offset @18 :UInt32;
  next @19 :Text;  # the cursor of the page after this one (?after=); null on the last page
}

struct RepairsOverdue {
  now @0 :Int64 $Form.instant;
  total @1 :UInt32;               # overdue repairs matching the filter, before paging
  items @2 :List(RepairItem);     # one page, oldest request first
  offset @3 :UInt32;
  next @4 :Text;  # the cursor of the page after this one (?after=); null on the last page
}
