# The audit index as served: who recorded what and when, for any entity, actor or day, with late
# entries and corrections shown beside the events they correct.

@0xb906057cfc5145d5;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");

struct AuditEntry {
  seq @0 :UInt64;
  type @1 :Text;               # the payload type, e.g. "complaintFiled" (the original's, if replaced)
  stream @2 :Text;
  actorId @3 :Text;
  role @4 :Text;
  recordedAt @5 :Int64;
  occurredAt @6 :Int64;
  late @7 :Bool;               # recordedAt - occurredAt > lateThresholdMs
  lateByMs @8 :Int64;          # recordedAt - occurredAt
  correctedBy @9 :List(UInt64);   # the corrections naming this event, in order
  corrects @10 :UInt64;        # for a correction: the seq it names; zero otherwise
}

struct AuditView {
  key @0 :Text;                # the entity, actor or day asked for; empty for Late
  total @1 :UInt32;            # entries under the key, before paging
  offset @2 :UInt32;
  lateThresholdMs @3 :Int64;
  entries @4 :List(AuditEntry);   # one page, in ledger order
}
