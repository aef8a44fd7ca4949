# The joint-meeting report (联席会议报告): what a joint meeting reads before it sits, for one
# estate over one period [periodFrom, periodTo): complaints, repairs and their time limits, home
# visits and the four must-visits, volunteer hours, resolutions open and overdue, the meetings
# held; stamped with the ledger position it was computed from.
#
# Everything is judged at `now` = periodTo, from what had happened (occurredAt) at or before
# that instant: a step that happened later (a resolution, a completion, a decision on volunteer
# hours, a follow-up call, a visit, progress on a resolution) is left out, so the report of a
# period reads the same whenever it is computed, until the history itself is corrected or
# completed by late entries. The sections embed the views' own outputs where the view can judge
# at an instant (visits, meetings, resolutions) and reuse their item and compliance types
# elsewhere.

@0xdb041223497e86aa;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");
using Form = import "json_form.capnp";

using import "view_complaints.capnp".Count;
using import "view_complaints.capnp".Timing;
using import "view_complaints.capnp".ComplaintItem;
using import "view_repairs.capnp".RepairCompliance;
using import "view_repairs.capnp".RepairItem;
using import "view_time_bank.capnp".TimeBankTally;
using import "view_time_bank.capnp".TimeBankHours;
using import "view_visits.capnp".VisitsView;
using import "view_meetings.capnp".MeetingsView;
using import "view_meetings.capnp".OpenResolutions;

struct JointMeetingRate {
  numerator @0 :UInt32;
  denominator @1 :UInt32;
  rate @2 :Float64;            # numerator / denominator, a fraction; 0 when undefined
  defined @3 :Bool;            # false when the denominator is 0: no rate
}

struct JointMeetingHeadlines {
  complaintsFiled @0 :UInt32;            # filed in the period
  complaintsUnresolved @1 :UInt32;       # of those, not resolved at `now`
  complaintsEscalated @2 :UInt32;        # of those, escalated by `now`
  complaintSatisfaction @3 :JointMeetingRate;   # (satisfied + basically) / answered follow-ups
  repairsRequested @4 :UInt32;           # requested in the period
  repairCompliance @5 :JointMeetingRate; # met / (met + late + overdue) of those
  repairsOverdue @6 :UInt32;             # every repair of the estate overdue at `now`
  homeVisits @7 :UInt32;                 # visits made in the period
  mustVisitCompliance @8 :JointMeetingRate;     # obligations met / (met + missed)
  volunteerMinutesVerified @9 :UInt64;
  volunteerPointsEarnedCenti @10 :Int64;
  resolutionsOpen @11 :UInt32;           # of the estate, whenever adopted, open at `now`
  resolutionsOverdue @12 :UInt32;
  resolutionsNewlyOverdue @13 :UInt32;   # overdue since the last meeting before the period
  meetingsHeld @14 :UInt32;              # in the period
}

struct JointMeetingComplaints {
  # The complaints of the estate filed in the period, as they stood at `now`.
  filed @0 :UInt32;
  unresolved @1 :UInt32;       # not resolved at `now` (never resolved, or reopened since)
  resolved @2 :UInt32;
  escalated @3 :UInt32;        # escalated to a joint meeting by `now`
  reopened @4 :UInt32;         # reopened at least once by `now`
  byCategory @5 :List(Count);
  byChannel @6 :List(Count);
  byStatus @7 :List(Count);    # at `now`: filed, acknowledged, replied, resolved, reopened
  toAcknowledge @8 :Timing;    # hours from filing, over those that reached the step by `now`
  toReply @9 :Timing;
  toResolve @10 :Timing;
  satisfaction @11 :List(Count);           # the last follow-up answer by `now` of each
  followUpSatisfaction @12 :JointMeetingRate;
  # (satisfied + basicallySatisfied) / (satisfied + basicallySatisfied + dissatisfied); calls
  # without an answer are not counted.
  unresolvedItems @13 :List(ComplaintItem);
  # Every complaint of the estate filed before `now` and unresolved at `now`, whenever filed,
  # oldest first: those filed earlier are still the meeting's business.
  unresolvedFiledEarlier @14 :UInt32;      # of those, filed before the period
  laterStepsLeftOut @15 :UInt32;
  # Steps and follow-ups of these complaints that happened after `now`, left out.
  unresolvedItemsCount @16 :UInt32;
  # How many unresolved items there are; over HTTP `unresolvedItems` is one page of them
  # (?offset=&limit=, 100 by default).
}

struct JointMeetingRepairs {
  # The repairs of the estate requested in the period, as they stood at `now`.
  requested @0 :UInt32;
  completed @1 :UInt32;        # by `now`
  open @2 :UInt32;             # not completed at `now`, overdue ones included
  compliance @3 :RepairCompliance;         # key empty; rate = met / (met + late + overdue)
  byCategory @4 :List(RepairCompliance);
  satisfaction @5 :List(Count);            # the last follow-up answer by `now` of each
  overdueCount @6 :UInt32;
  overdue @7 :List(RepairItem);  # over HTTP one page (?offset=&limit=, 100 by default)
  # Every repair of the estate requested before `now` and overdue at `now`, whenever
  # requested, oldest request first.
  overdueRequestedEarlier @8 :UInt32;      # of those, requested before the period
  laterStepsLeftOut @9 :UInt32;            # dispatches, completions and follow-ups after `now`
  complianceNote @10 :Text;
}

struct JointMeetingVolunteering {
  # Volunteer claims of the estate for service in the period (the service day, else when
  # claimed), claimed by `now`, by their status at `now`.
  claimed @0 :TimeBankTally;   # every such claim, whatever its status
  hours @1 :TimeBankHours;     # pending, verified, rejected; points earned by the verified
  partyMembers @2 :TimeBankHours;          # the same, by volunteers registered as party members
  unpricedVerified @3 :UInt32; # verified with no time-bank policy in force that day: no points
  ignoredDecisions @4 :UInt32; # second decisions on a claim (the first settles it)
  decisionsLeftOut @5 :UInt32; # decisions on these claims made after `now`
  claimsLeftOut @6 :UInt32;    # service in the period, claimed after `now`
}

struct JointMeetingResolutions {
  lastMeetingId @0 :Text;      # the estate's last meeting held before the period; empty if none
  lastMeetingHeldOn @1 :Text;
  lastMeetingSeq @2 :UInt64;
  open @3 :OpenResolutions;
  # Open at `now`, whenever adopted; newlyOverdue: became overdue at or after the end of the
  # last meeting's day (`since`), or at any time (since = 0) when there was no earlier meeting.
}

struct JointMeetingReport {
  estateId @0 :Text;
  estateName @1 :Text;         # empty when the estate is not registered
  companyId @2 :Text;          # serving the estate on the last day of the period
  companyName @3 :Text;
  periodFrom @4 :Int64 $Form.instant;        # inclusive, ms since the epoch
  periodTo @5 :Int64 $Form.instant;          # exclusive
  firstDay @6 :Text;           # the period's first and last local days (Asia/Shanghai)
  lastDay @7 :Text;
  now @8 :Int64 $Form.instant; # = periodTo: the instant everything is judged at
  positionSeq @9 :UInt64;      # the ledger position of the views it was computed from
  positionHash @10 :Text;      # hex chain hash at that position
  headlines @11 :JointMeetingHeadlines;
  complaints @12 :JointMeetingComplaints;
  repairs @13 :JointMeetingRepairs;
  visits @14 :VisitsView;      # the visits view for the estate and the period, at `now`
  volunteering @15 :JointMeetingVolunteering;
  resolutions @16 :JointMeetingResolutions;
  meetings @17 :MeetingsView;  # the meetings view for the estate and the period, at `now`
  rules @18 :Text;             # how the figures are judged, in words
  notes @19 :List(Text);       # what could not be established and why
}
