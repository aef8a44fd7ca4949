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

namespace {

constexpr char kDayKey = 'd', kMonthKey = 'm';

// A number in fixed width, the sign bit flipped so that negative ones sort before positive
// ones, in hex digits.
void AppendOrdered(int64_t n, std::string* key) {
  uint64_t ordered = static_cast<uint64_t>(n) ^ (uint64_t{1} << 63);
  static constexpr char kHex[] = "0123456789abcdef";
  size_t at = key->size();
  key->append(kDayDigits, '0');
  for (size_t i = kDayDigits; i-- > 0; ordered >>= 4) (*key)[at + i] = kHex[ordered & 0xf];
}

std::optional<int64_t> ParseOrdered(std::string_view* rest) {
  if (rest->size() < kDayDigits) return std::nullopt;
  uint64_t ordered = 0;
  auto [end, error] = std::from_chars(rest->data(), rest->data() + kDayDigits, ordered, 16);
  if (error != std::errc() || end != rest->data() + kDayDigits) return std::nullopt;
  rest->remove_prefix(kDayDigits);
  return static_cast<int64_t>(ordered ^ (uint64_t{1} << 63));
}

// The estate's length first: an estate id is a client's text, and may hold any character.
void AppendEstate(std::string_view estate, std::string* key) {
  *key += std::to_string(estate.size());
  *key += ':';
  *key += estate;
}

std::optional<std::string_view> ParseEstate(std::string_view* rest) {
  size_t colon = rest->find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  size_t length = 0;
  auto [end, error] = std::from_chars(rest->data(), rest->data() + colon, length);
  if (error != std::errc() || end != rest->data() + colon) return std::nullopt;
  rest->remove_prefix(colon + 1);
  if (length > rest->size()) return std::nullopt;
  std::string_view estate = rest->substr(0, length);
  rest->remove_prefix(length);
  return estate;
}

}  // namespace

std::string EstateDayStart(std::string_view estate, int64_t day) {
  std::string key(1, kDayKey);
  AppendEstate(estate, &key);
  AppendOrdered(day, &key);
  return key;
}

std::string DayTallyKey(int64_t day, std::string_view estate, std::string_view company) {
  std::string key = EstateDayStart(estate, day);
  key += company;
  return key;
}

std::string MonthStart(int64_t month) {
  std::string key(1, kMonthKey);
  AppendOrdered(month, &key);
  return key;
}

std::string MonthTallyKey(int64_t month, std::string_view estate, std::string_view company) {
  std::string key = MonthStart(month);
  AppendEstate(estate, &key);
  key += company;
  return key;
}

int64_t MonthOfDay(int64_t day) {
  CivilDay civil = CivilFromDays(day);
  return int64_t{civil.year} * 12 + (civil.month - 1);
}

int64_t FirstDayOfMonth(int64_t month) {
  int64_t year = month >= 0 ? month / 12 : (month - 11) / 12;
  return DaysFromCivil({static_cast<int>(year), static_cast<int>(month - year * 12 + 1), 1});
}

int64_t LastDayOfMonth(int64_t month) { return FirstDayOfMonth(month + 1) - 1; }

std::optional<TallyKeyParts> ParseTallyKey(std::string_view key) {
  if (key.empty() || (key[0] != kDayKey && key[0] != kMonthKey)) return std::nullopt;
  TallyKeyParts parts;
  parts.month = key[0] == kMonthKey;
  std::string_view rest = key.substr(1);
  std::optional<int64_t> number;
  std::optional<std::string_view> estate;
  if (parts.month) {
    number = ParseOrdered(&rest);
    if (number) estate = ParseEstate(&rest);
  } else {
    estate = ParseEstate(&rest);
    if (estate) number = ParseOrdered(&rest);
  }
  if (!number || !estate) return std::nullopt;
  parts.day = *number;
  parts.estate = *estate;
  parts.company = rest;
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
  for (const Open& by_deadline : o.open) {
    auto at = std::lower_bound(open.begin(), open.end(), by_deadline.deadline_ms,
                               [](const Open& a, int64_t ms) { return a.deadline_ms < ms; });
    if (at == open.end() || at->deadline_ms != by_deadline.deadline_ms) {
      at = open.insert(at, Open{by_deadline.deadline_ms, 0});
    }
    Move(&at->count, by_deadline.count, sign);
    if (at->count == 0) open.erase(at);
  }
  follow_ups.Add(o.follow_ups, sign);
}

void SurveyDay::Add(const SurveyDay& o, int sign) {
  Move(&responses, o.responses, sign);
  Move(&anonymous, o.anonymous, sign);
  answers.Add(o.answers, sign);
}

}  // namespace projections
