# The complaints view as served: counts, timings and pages of complaints; the reply board.
# Every instant (filing, each step, follow-up) is the event's occurredAt, but never more than an
# hour before the ledger recorded it, and the company charged is the one serving the estate then
# (README, "When an event counts").

@0xa59eac8d87463de4;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");

struct Count {
  key @0 :Text;
  count @1 :UInt32;
}

struct Timing {
  # Hours from filing, over the complaints that reached the step.
  count @0 :UInt32;
  averageHours @1 :Float64;
  medianHours @2 :Float64;
}

struct ComplaintItem {
  complaintId @0 :Text;
  estateId @1 :Text;
  householdId @2 :Text;
  companyId @3 :Text;          # responsible on the day it was filed
  category @4 :Text;
  channel @5 :Text;
  summary @6 :Text;
  status @7 :Text;             # filed, acknowledged, replied, resolved, reopened
  filedAt @8 :Int64;
  acknowledgedAt @9 :Int64;    # zero until it happens
  repliedAt @10 :Int64;
  resolvedAt @11 :Int64;
  reopenedCount @12 :UInt32;
  escalated @13 :Bool;
  satisfaction @14 :Text;      # the last follow-up's answer, if any
  filedSeq @15 :UInt64;
}

struct ComplaintsView {
  total @0 :UInt32;
  open @1 :UInt32;             # not resolved
  resolved @2 :UInt32;
  reopened @3 :UInt32;         # reopened at least once
  escalated @4 :UInt32;
  byStatus @5 :List(Count);
  byCategory @6 :List(Count);
  byChannel @7 :List(Count);
  byEstate @8 :List(Count);
  byCompany @9 :List(Count);
  toAcknowledge @10 :Timing;
  toReply @11 :Timing;
  toResolve @12 :Timing;
  satisfaction @13 :List(Count);   # follow-up answers: satisfied, basicallySatisfied, dissatisfied
  items @14 :List(ComplaintItem);  # one page, newest first
  offset @15 :UInt32;
  next @16 :Text;  # the cursor of the page after this one (?after=); null on the last page
}

struct ReplyBoardEntry {
  complaintId @0 :Text;
  category @1 :Text;
  repliedAt @2 :Int64;
  reply @3 :Text;
  seq @4 :UInt64;
}

struct ReplyBoard {
  estateId @0 :Text;
  entries @1 :List(ReplyBoardEntry);   # in the order the replies were given
}
