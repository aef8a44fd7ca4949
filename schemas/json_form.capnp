# How a view or report field is written in JSON when its type alone does not say it.
#
# The response convention (README, "The JSON convention") writes every `Int64` field whose name
# ends in `At` as an RFC 3339 time. Times whose names read better without the suffix (`now`,
# `deadline`, `periodFrom`) are marked `$instant` instead. Durations stay numbers, in the unit
# their names give (`lateByMs`).

@0xc5f73e5ade899cd0;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");

annotation instant @0xac6a8d5ceaf8f27f (field) :Void;
# An Int64 of milliseconds since 1970-01-01T00:00:00Z: written as RFC 3339, or null when zero
# (the moment has not come, or there is none).
