// RocksDB settings the two stores of a data folder (the ledger and the views) share, and how
// they tell a full or read-only disk from other storage failures. Public for the views' store
// (projections/engine.cc), and to be included only by .cc files that use RocksDB themselves:
// other users see ledger::StorageHealth. Defined in ledger_store.cc and storage_health.cc.

#pragma once

#include <rocksdb/env.h>
#include <rocksdb/status.h>

#include <memory>
#include <string>

#include "ledger/ledger.h"

namespace ledger::internal {

// An info log that writes RocksDB's warnings and errors to stderr, each line prefixed with
// "rocksdb (<name>): ", instead of a LOG file in the store's own folder. That file lives on the
// disk that may be full or read-only, and the librocksdb Debian ships is built with assertions:
// the line after a failed LOG write aborts the whole process. A service's stderr is its log
// anyway.
std::shared_ptr<rocksdb::Logger> NewStderrLogger(const std::string& name);

// What a failed open or write of the store in `dir` says about the disk: kNoSpace for a full disk
// (ENOSPC), kReadOnly for a read-only file system or a folder this process may not write,
// kFailed for anything else. With `consult_disk`, a failure that names neither is put down to the
// disk when it is read-only or nearly full now.
StorageHealth::State ClassifyFailure(const rocksdb::Status& status, const std::string& dir,
                                     bool consult_disk);

// Whether the disk holding `dir` has room to reopen the store there and write on: its write-ahead
// logs are replayed into new table files before the old logs are deleted, so that much free
// space plus `margin_bytes` is needed. False, with the reason in `*why` and the kind in `*state`,
// when not, or when the file system is mounted read-only. Cheap: one statvfs and a listing of
// `dir`.
bool DiskLooksWritable(const std::string& dir, uint64_t margin_bytes, std::string* why,
                       StorageHealth::State* state);

}  // namespace ledger::internal
