# The joint-meetings view as served: meetings (联席会议) of an estate with who attended for which
# side and what was on the agenda, and the resolutions they adopted, followed up until done.

@0xb8b0d4b985cfb891;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");
using Form = import "json_form.capnp";

struct MeetingSideCount {
  side @0 :Text;               # streetOffice, communityParty, residentsCommittee, ...
  count @1 :UInt32;
}

struct MeetingAttendee {
  personId @0 :Text;
  name @1 :Text;
  side @2 :Text;
}

struct MeetingAgendaItem {
  title @0 :Text;
  complaintIds @1 :List(Text);
  repairIds @2 :List(Text);
}

struct MeetingItem {
  meetingId @0 :Text;
  estateId @1 :Text;
  heldOn @2 :Text;             # "YYYY-MM-DD"
  place @3 :Text;
  minutes @4 :Text;
  attendeeTotal @5 :UInt32;
  bySide @6 :List(MeetingSideCount);    # every side, in the order of the Side enum, zeros too
  attendees @7 :List(MeetingAttendee);
  agenda @8 :List(MeetingAgendaItem);
  resolutionIds @9 :List(Text);         # adopted at this meeting, by id
  seq @10 :UInt64;                      # the jointMeetingHeld event
}

struct ResolutionProgressItem {
  seq @0 :UInt64;
  at @1 :Int64 $Form.instant;  # when it happened (occurredAt)
  note @2 :Text;
  percent @3 :UInt8;
  completed @4 :Bool;          # a resolutionCompleted event
}

struct ResolutionItem {
  resolutionId @0 :Text;
  meetingId @1 :Text;
  estateId @2 :Text;           # the event's, else the meeting's
  text @3 :Text;
  ownerSide @4 :Text;
  ownerId @5 :Text;
  dueDate @6 :Text;            # "YYYY-MM-DD", empty if none was set
  adoptedAt @7 :Int64;
  adoptedSeq @8 :UInt64;
  status @9 :Text;             # as of `now`: open, overdue, completed
  percent @10 :UInt8;          # the last progress reported by `now`; 100 once completed
  completedAt @11 :Int64;      # zero unless completed by `now`
  completedSeq @12 :UInt64;
  overdueFrom @13 :Int64 $Form.instant;      # the instant it is (or would be) overdue: start of the day after
                               # the due date, local time; zero without a due date
  daysOverdue @14 :UInt32;     # local days from the due date to `now`, when overdue
  newlyOverdue @15 :Bool;      # OpenResolutions only: overdueFrom >= since
  progress @16 :List(ResolutionProgressItem);   # every step, in the order recorded
}

struct MeetingsView {
  estateId @0 :Text;
  now @1 :Int64 $Form.instant; # the instant "open" and "overdue" are judged at
  meetingTotal @2 :UInt32;     # meetings matching, before paging
  meetings @3 :List(MeetingItem);       # one page, by day held then id
  resolutionTotal @4 :UInt32;  # resolutions of those meetings, before paging
  resolutions @5 :List(ResolutionItem); # one page, by meeting day then id
  openCount @6 :UInt32;        # of the estate, whenever adopted: open at `now` (overdue included)
  overdueCount @7 :UInt32;     # of those, overdue at `now`
  open @8 :List(ResolutionItem);        # the open ones, by due date (none last) then id
  offset @9 :UInt32;
}

struct OpenResolutions {
  estateId @0 :Text;
  since @1 :Int64 $Form.instant;
  now @2 :Int64 $Form.instant;
  openCount @3 :UInt32;
  overdueCount @4 :UInt32;
  newlyOverdueCount @5 :UInt32;         # overdue at `now`, and became so at or after `since`
  items @6 :List(ResolutionItem);       # by due date (none last) then id
}
