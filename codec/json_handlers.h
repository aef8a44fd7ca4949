// How JsonCodec writes and reads the values whose form the codec decides rather than Cap'n Proto:
// times, 64-bit integers and enums. A Bundle (bundle.h) registers them. Internal to codec/.

#pragma once

#include <capnp/compat/json.h>

#include <cstdint>

#include "schema_tables.h"

namespace codec::internal {

// An Int64 time field: RFC 3339 out; RFC 3339, a string of digits or a number of milliseconds
// in (time_text.h).
class TimeHandler final : public capnp::JsonCodec::Handler<int64_t> {
 public:
  void encode(const capnp::JsonCodec&, int64_t input,
              capnp::JsonValue::Builder output) const override;
  int64_t decode(const capnp::JsonCodec&, capnp::JsonValue::Reader input) const override;
};

// 64-bit integers by the rule of the JSON convention (codec::WrittenAsNumber in
// codec/response_json.h): a number while a double holds it exactly, a decimal string beyond.
// JsonCodec's own handler writes every 64-bit integer as a string. Either form is read back.
// T is int64_t or uint64_t.
template <typename T>
class Integer64Handler final : public capnp::JsonCodec::Handler<T> {
 public:
  void encode(const capnp::JsonCodec&, T input, capnp::JsonValue::Builder output) const override;
  T decode(const capnp::JsonCodec&, capnp::JsonValue::Reader input) const override;
};

extern template class Integer64Handler<int64_t>;
extern template class Integer64Handler<uint64_t>;

// Enums by name only. Replaces JsonCodec's own enum handler, which also takes a JSON number and
// casts it to uint16_t unchecked (1e30 is undefined behaviour, 3.7 becomes 3).
class EnumHandler final : public capnp::JsonCodec::Handler<capnp::DynamicEnum> {
 public:
  // `info` must outlive the handler.
  explicit EnumHandler(const EnumInfo& info) : info_(info) {}
  void encode(const capnp::JsonCodec&, capnp::DynamicEnum input,
              capnp::JsonValue::Builder output) const override;
  capnp::DynamicEnum decode(const capnp::JsonCodec&, capnp::JsonValue::Reader input) const override;

 private:
  const EnumInfo& info_;
};

}  // namespace codec::internal
