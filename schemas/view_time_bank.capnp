# The volunteer time bank (志愿服务积分) as served: claimed, verified and rejected hours, points
# earned by policy, exchanges between residents, balances that reconcile, statements, and party
# members' hours.
#
# Amounts are centipoints (100 = one point). Earned centipoints = minutes * pointsPerHourCenti / 60,
# rounded down, under the time-bank policy in force on the local day of the verification.

@0xab28aefdaea0173d;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");
using Form = import "json_form.capnp";

struct TimeBankTally {
  claims @0 :UInt32;
  minutes @1 :UInt64;
  hours @2 :Float64;               # minutes / 60, for reading; minutes is the exact figure
}

struct TimeBankHours {
  # Claims by their status. A claim's first decision settles it; a later one is ignored and
  # counted in `ignoredDecisions` (a decision is changed by a correction, not by another one).
  pending @0 :TimeBankTally;       # claimed, not yet decided
  verified @1 :TimeBankTally;      # only these earn points
  rejected @2 :TimeBankTally;
  pointsEarnedCenti @3 :Int64;     # earned by the verified ones
  volunteers @4 :UInt32;           # distinct persons with at least one verified claim
}

struct TimeBankRefusal {
  # An exchange the view recorded as void: the ledger keeps it, balances ignore it.
  exchangeId @0 :Text;
  seq @1 :UInt64;
  at @2 :Int64 $Form.instant;
  payerId @3 :Text;
  providerId @4 :Text;
  requestedCenti @5 :Int64;
  payerBalanceCenti @6 :Int64;     # the payer's balance just before it
  floorCenti @7 :Int64;            # the lowest balance the policy allowed (0, or -overdraft)
  policyId @8 :Text;               # empty when no time-bank policy was in force
  policyVersion @9 :UInt32;
  reason @10 :Text;
}

struct TimeBankView {
  # Claims matching the filter (estate; period on the service date, else when it was claimed).
  claims @0 :TimeBankHours;
  partyMembers @1 :TimeBankHours;  # the same claims, by volunteers registered as party members
  others @2 :TimeBankHours;        # ... and by everyone else (unregistered persons included)
  unpricedVerified @3 :UInt32;     # verified claims with no time-bank policy in force that day
  ignoredDecisions @4 :UInt32;

  # The bank as a whole, at this ledger position (exchanges name no estate, so no filter).
  totalEarnedCenti @5 :Int64;      # sum of every earned credit
  circulationCenti @6 :Int64;      # sum of every balance
  reconciled @7 :Bool;             # circulation == earned: exchanges only move points around
  accounts @8 :UInt32;             # persons with at least one movement
  negativeAccounts @9 :UInt32;     # below zero, as an overdraft policy allowed
  exchanges @10 :UInt32;           # applied exchanges
  exchangedCenti @11 :Int64;       # points they moved
  refusedCount @12 :UInt32;
  refused @13 :List(TimeBankRefusal);  # one page (filter offset/limit), in ledger order
  offset @14 :UInt32;
}

struct TimeBankMovement {
  seq @0 :UInt64;                  # the event that caused it
  at @1 :Int64 $Form.instant;
  kind @2 :Text;                   # earned, unpriced, paid, received, refused
  amountCenti @3 :Int64;           # signed: + into the account, - out of it; 0 if refused/unpriced
  balanceAfterCenti @4 :Int64;
  claimId @5 :Text;                # earned / unpriced
  minutes @6 :UInt32;
  pointsPerHourCenti @7 :UInt32;
  policyId @8 :Text;
  policyVersion @9 :UInt32;
  exchangeId @10 :Text;            # paid / received / refused
  side @11 :Text;                  # payer or provider, for exchanges
  counterpartyId @12 :Text;
  requestedCenti @13 :Int64;       # what the exchange asked for
  description @14 :Text;           # the activity or the service
  reason @15 :Text;                # why a movement was refused or unpriced
}

struct TimeBankStatement {
  personId @0 :Text;
  name @1 :Text;                   # from the register, if registered
  partyMember @2 :Bool;
  balanceCenti @3 :Int64;
  earnedCenti @4 :Int64;
  paidCenti @5 :Int64;
  receivedCenti @6 :Int64;
  movements @7 :List(TimeBankMovement);  # every one, in ledger order
}
