# Request bodies of the HTTP API that are not events themselves.

@0xba86250000df4a26;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");
using Events = import "events.capnp";

struct AppendRequest {
  expectedVersion @0 :Text;   # "any" (the default), "none" (no stream yet), or a number: "3"
  events @1 :List(Events.Event);
}
