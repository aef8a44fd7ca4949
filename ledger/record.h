// The stored form of one event and the keys of the ledger's column families. Private to ledger/
// (not under include/, so no other module can include it): other modules read events, and build
// an event's record, through ledger.h.
//
//   events    key: seq (8 bytes, big-endian)             value: hash (32) || record
//   streams   key: stream || 0x00 || version (8, BE)     value: seq (8, BE)
//   event_ids key: event id                              value: seq (8, BE)
//
// record = seq (8, BE) || stream version (8, BE) || canonical Cap'n Proto words of the Event.
// Big-endian numbers keep RocksDB's byte order equal to numeric order.

#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "ledger/ledger.h"

namespace ledger::internal {

constexpr size_t kHashBytes = 32;
constexpr size_t kRecordHeaderBytes = 16;
constexpr size_t kValueHeaderBytes = kHashBytes + kRecordHeaderBytes;

inline void PutBigEndian64(uint64_t v, char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
}

inline uint64_t GetBigEndian64(const char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

inline std::string SeqKey(uint64_t seq) {
  std::string key(8, '\0');
  PutBigEndian64(seq, key.data());
  return key;
}

inline std::string StreamKey(std::string_view stream, uint64_t version) {
  std::string key;
  key.reserve(stream.size() + 9);
  key.append(stream);
  key.push_back('\0');
  key.resize(stream.size() + 9);
  PutBigEndian64(version, key.data() + stream.size() + 1);
  return key;
}

// The record of an event into `out`, reusing its buffer: the writer's form of ledger::EncodeRecord
// (ledger.h), which other modules use; record.cc is the one place that knows the layout.
void EncodeRecord(uint64_t seq, uint64_t stream_version, std::string_view canonical_bytes,
                  std::string* out);
using ledger::ChainHash;
using ledger::EncodeRecord;
using ledger::RecordOf;

// Splits a stored value into its parts and decodes the event; Corruption if malformed.
// Does not check the hash: that is Verify's job.
Result<RecordedEvent> DecodeStoredValue(uint64_t key_seq, std::string_view value);

}  // namespace ledger::internal
