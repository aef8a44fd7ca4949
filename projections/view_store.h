// The view store's own records: its keys and the form of its checkpoint. Private to projections/
// (not under include/): other modules reach these through engine.h's ReadStoredCheckpoint and
// OverwriteStoredVersions, so the format has one owner.
//
//   "m/checkpoint" -> seq (8, big-endian) || chain hash (32)
//   "m/versions"   -> "name:version;..." of the views that wrote the state
//   "v/<view>/<table>/<key>" -> a record (projections/archive.h)

#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ledger/ledger.h"

namespace projections::internal {

constexpr char kCheckpointKey[] = "m/checkpoint";
constexpr char kVersionsKey[] = "m/versions";
constexpr char kRecordPrefix[] = "v/";

// The checkpoint's stored value for `position`, and back (nullopt if the value is not 40 bytes).
std::string EncodeCheckpoint(const ledger::Position& position);
std::optional<ledger::Position> DecodeCheckpoint(std::string_view value);

}  // namespace projections::internal
