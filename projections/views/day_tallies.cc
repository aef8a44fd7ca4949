#include "projections/views/day_tallies.h"

#include <algorithm>
#include <charconv>

#include "schemas/events.capnp.h"

namespace projections {

namespace schema = ledger::schema;

namespace {

constexpr size_t kDayDigits = 16;

// Counts move by whole records: a share subtracted was added before, so none wraps below zero.
void Move(uint32_t* count, uint32_t by, int sign) { *count += sign > 0 ? by : 0u - by; }

}  // namespace

std::string DayStart(int64_t day) {
  // The sign bit flipped, so that negative days sort before positive ones, in hex digits.
  uint64_t ordered = static_cast<uint64_t>(day) ^ (uint64_t{1} << 63);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key(kDayDigits, '0');
  for (size_t i = kDayDigits; i-- > 0; ordered >>= 4) key[i] = kHex[ordered & 0xf];
  return key;
}

std::string DayTallyKey(int64_t day, std::string_view estate, std::string_view company) {
  // The estate's length first: an estate id is a client's text, and may hold any character.
  std::string key = DayStart(day);
  key += std::to_string(estate.size());
  key += ':';
  key += estate;
  key += company;
  return key;
}

std::optional<DayTallyKeyParts> ParseDayTallyKey(std::string_view key) {
  if (key.size() < kDayDigits + 2) return std::nullopt;
  uint64_t ordered = 0;
  auto [end, error] = std::from_chars(key.data(), key.data() + kDayDigits, ordered, 16);
  if (error != std::errc() || end != key.data() + kDayDigits) return std::nullopt;
  std::string_view rest = key.substr(kDayDigits);
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  size_t length = 0;
  auto [length_end, length_error] = std::from_chars(rest.data(), rest.data() + colon, length);
  if (length_error != std::errc() || length_end != rest.data() + colon) return std::nullopt;
  rest.remove_prefix(colon + 1);
  if (length > rest.size()) return std::nullopt;
  DayTallyKeyParts parts;
  parts.day = static_cast<int64_t>(ordered ^ (uint64_t{1} << 63));
  parts.estate = rest.substr(0, length);
  parts.company = rest.substr(length);
  return parts;
}

void SatisfactionCounts::Add(int satisfaction, int sign) {
  switch (static_cast<schema::Satisfaction>(satisfaction)) {
    case schema::Satisfaction::SATISFIED:
      Move(&satisfied, 1, sign);
      break;
    case schema::Satisfaction::BASICALLY_SATISFIED:
      Move(&basically, 1, sign);
      break;
    case schema::Satisfaction::DISSATISFIED:
      Move(&dissatisfied, 1, sign);
      break;
    default:
      Move(&unanswered, 1, sign);
      break;
  }
}

void SatisfactionCounts::Add(const SatisfactionCounts& o, int sign) {
  Move(&unanswered, o.unanswered, sign);
  Move(&satisfied, o.satisfied, sign);
  Move(&basically, o.basically, sign);
  Move(&dissatisfied, o.dissatisfied, sign);
}

void ComplaintDay::Add(const ComplaintDay& o, int sign) {
  Move(&filed, o.filed, sign);
  follow_ups.Add(o.follow_ups, sign);
}

void RepairDay::Add(const RepairDay& o, int sign) {
  Move(&on_time, o.on_time, sign);
  Move(&late, o.late, sign);
  Move(&no_limit, o.no_limit, sign);
  for (const Open& by_year : o.open) {
    auto at = std::lower_bound(open.begin(), open.end(), by_year.deadline_year,
                               [](const Open& a, int32_t year) { return a.deadline_year < year; });
    if (at == open.end() || at->deadline_year != by_year.deadline_year) {
      at = open.insert(at, Open{by_year.deadline_year, 0});
    }
    Move(&at->count, by_year.count, sign);
    if (at->count == 0) open.erase(at);
  }
  follow_ups.Add(o.follow_ups, sign);
}

void SurveyDay::Add(const SurveyDay& o, int sign) {
  Move(&responses, o.responses, sign);
  answers.Add(o.answers, sign);
}

}  // namespace projections
