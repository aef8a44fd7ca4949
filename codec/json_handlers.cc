#include "json_handlers.h"

#include <kj/debug.h>

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <type_traits>

#include "codec/event_json.h"
#include "codec/response_json.h"
#include "messages.h"
#include "time_text.h"

namespace codec::internal {

using capnp::JsonValue;

void TimeHandler::encode(const capnp::JsonCodec&, int64_t input, JsonValue::Builder output) const {
  output.setString(FormatTimestamp(input));
}

int64_t TimeHandler::decode(const capnp::JsonCodec&, JsonValue::Reader input) const {
  int64_t ms = 0;
  if (auto error = ParseTimeValue(input, &ms)) KJ_FAIL_REQUIRE("bad time", error->c_str());
  return ms;
}

template <typename T>
void Integer64Handler<T>::encode(const capnp::JsonCodec&, T input,
                                 JsonValue::Builder output) const {
  if (WrittenAsNumber(input)) {
    output.setNumber(static_cast<double>(input));
  } else {
    output.setString(std::to_string(input));
  }
}

template <typename T>
T Integer64Handler<T>::decode(const capnp::JsonCodec&, JsonValue::Reader input) const {
  if (input.isNumber()) {
    double d = input.getNumber();
    // 2^63 and 2^64 are exact as doubles; the checker has described anything out of range.
    constexpr double kEnd = std::is_signed_v<T> ? 9223372036854775808.0 : 18446744073709551616.0;
    constexpr double kStart = std::is_signed_v<T> ? -kEnd : 0.0;
    KJ_REQUIRE(d == std::trunc(d) && d >= kStart && d < kEnd, "not a whole number in range");
    return static_cast<T>(d);
  }
  KJ_REQUIRE(input.isString(), "expected a whole number");
  std::string_view s = View(input.getString());
  T n = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), n);
  KJ_REQUIRE(r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty(),
             "not a whole number in range");
  return n;
}

template class Integer64Handler<int64_t>;
template class Integer64Handler<uint64_t>;

void EnumHandler::encode(const capnp::JsonCodec&, capnp::DynamicEnum input,
                         JsonValue::Builder output) const {
  KJ_IF_MAYBE (e, input.getEnumerant()) {
    output.setString(info_.names[e->getIndex()]);
  } else {
    output.setNumber(input.getRaw());  // from a newer schema; not accepted back
  }
}

capnp::DynamicEnum EnumHandler::decode(const capnp::JsonCodec&, JsonValue::Reader input) const {
  KJ_REQUIRE(input.isString(), "enum value must be a name");
  auto it = info_.by_name.find(View(input.getString()));
  KJ_REQUIRE(it != info_.by_name.end(), "unknown enum name");
  return capnp::DynamicEnum(info_.schema.getEnumerants()[it->second]);
}

}  // namespace codec::internal
