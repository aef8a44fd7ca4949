#include "http/routes.h"

#include <charconv>
#include <cstdio>
#include <vector>

#include "codec/event_json.h"
#include "codec/json_scan.h"
#include "codec/response_json.h"
#include "ledger/validate.h"

namespace http {

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseUnsigned(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size();
}

ledger::Status Bad(std::string message) {
  return ledger::Status::InvalidArgument(std::move(message));
}

}  // namespace

bool PercentDecode(const std::string& in, std::string* out) {
  return PercentDecode(in, out, /*plus_is_space=*/true);
}

bool PercentDecode(const std::string& in, std::string* out, bool plus_is_space) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexDigit(in[i + 1]), lo = HexDigit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (in[i] == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(in[i]);
    }
  }
  return true;
}

ledger::Result<Target> ParseTarget(const std::string& target) {
  Target t;
  size_t q = target.find('?');
  t.path = target.substr(0, q);
  if (q == std::string::npos) return t;
  std::string query = target.substr(q + 1);
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key, value;
      if (!PercentDecode(pair.substr(0, eq), &key) ||
          !PercentDecode(eq == std::string::npos ? "" : pair.substr(eq + 1), &value)) {
        return ledger::Status::InvalidArgument(
            "the query string is not percent-encoded properly near \"" + pair + "\"");
      }
      // Parameters are ids, times and numbers, and are echoed into JSON answers: text only.
      if (!ledger::IsValidUtf8(key) || !ledger::IsValidUtf8(value)) {
        return ledger::Status::InvalidArgument(
            "the query string is not UTF-8 once percent-decoded near \"" + pair + "\"");
      }
      // Once each: which of two a reader (or a cache in front) takes is anyone's guess.
      if (!t.params.emplace(key, value).second) {
        return ledger::Status::InvalidArgument("the query string gives \"" + key +
                                               "\" twice; give each parameter once");
      }
    }
    start = end + 1;
  }
  return t;
}

ledger::Status ParseQuery(const Target& target, int64_t now_ms, Query* q) {
  static const char* kKnown[] = {"estate",    "company", "category", "channel", "status",
                                 "household", "from",    "to",       "offset",  "limit",
                                 "at",        "asOf",    "atLeast",  "wait",    "year",
                                 "person",    "entity",  "actor",    "day",     "after"};
  for (const auto& [key, value] : target.params) {
    bool known = false;
    for (const char* k : kKnown) known = known || key == k;
    if (!known) {
      std::string list;
      for (const char* k : kKnown) list += (list.empty() ? "" : ", ") + std::string(k);
      return Bad("unknown query parameter \"" + key + "\"; allowed: " + list);
    }
  }
  q->params = target.params;
  auto& f = q->filter;
  f.estate = target.Param("estate");
  f.company = target.Param("company");
  f.category = target.Param("category");
  f.channel = target.Param("channel");
  f.status = target.Param("status");
  f.household = target.Param("household");
  auto time = [&](const char* name, std::optional<int64_t>* out) -> ledger::Status {
    std::string text = target.Param(name);
    if (text.empty()) return ledger::Status::Ok();
    auto parsed = codec::ParseTimestamp(text);
    if (!parsed.ok()) return Bad(std::string(name) + ": " + parsed.status().message());
    *out = *parsed;
    return ledger::Status::Ok();
  };
  if (auto s = time("from", &f.from_ms); !s.ok()) return s;
  if (auto s = time("to", &f.to_ms); !s.ok()) return s;
  std::optional<int64_t> at;
  if (auto s = time("at", &at); !s.ok()) return s;
  // The views' instants, as events' (1900 to 2199): an extreme one overflowed what they
  // subtract from it, and was written back as a number that is not a time.
  constexpr int64_t k1900Ms = -2'208'988'800'000, k2200Ms = 7'258'118'400'000;
  if (at && (*at < k1900Ms || *at >= k2200Ms)) {
    return Bad("at: \"" + target.Param("at") + "\" must be a time from 1900 to 2199");
  }
  q->now_ms = at.value_or(now_ms);
  q->clock_ms = now_ms;
  uint64_t n = 0;
  if (std::string s = target.Param("offset"); !s.empty()) {
    if (!ParseUnsigned(s, &n) || n > kMaxOffset) {
      return Bad("offset: \"" + s + "\" must be a number from 0 to " + std::to_string(kMaxOffset));
    }
    f.offset = n;
  }
  if (std::string s = target.Param("after"); !s.empty()) {
    auto cursor = projections::DecodePageCursor(s);
    if (!cursor) {
      std::string shown = s.size() > 64 ? s.substr(0, 64) + "..." : s;
      return Bad("after: \"" + shown +
                 "\" is not a page cursor; pass the \"next\" of the page before, as it was given");
    }
    if (!target.Param("offset").empty()) {
      return Bad("after, offset: a page starts after a cursor or at an offset, not both");
    }
    f.after = std::move(*cursor);
  }
  if (std::string s = target.Param("limit"); !s.empty()) {
    if (!ParseUnsigned(s, &n) || n == 0 || n > 10000) {
      return Bad("limit: \"" + s + "\" must be a number from 1 to 10000");
    }
    f.limit = n;
  }
  if (std::string s = target.Param("asOf"); !s.empty()) {
    if (ParseUnsigned(s, &n)) {
      if (n > kMaxSeq) {
        return Bad("asOf: \"" + s + "\" must be a sequence number from 0 to " +
                   std::to_string(kMaxSeq) + ", or a time");
      }
      q->as_of = n;
    } else {
      auto parsed = codec::ParseTimestamp(s);
      // A time is compared with when the ledger recorded events, never before 1970: "-1" was
      // read as a time and answered as position 0.
      if (!parsed.ok() || *parsed < 0) {
        return Bad("asOf: \"" + s +
                   "\" is neither a sequence number nor a time since 1970 such as "
                   "2025-12-31T23:59:59+08:00");
      }
      q->as_of = static_cast<uint64_t>(*parsed);
      q->as_of_is_time = true;
      // The ledger as it stood then is judged then too, unless ?at= says otherwise: what was
      // overdue, due or open at that time (an instant the views take: before 2200).
      if (*parsed >= k2200Ms) return Bad("asOf: \"" + s + "\" must be a time before 2200");
      if (!at) q->now_ms = *parsed;
    }
  }
  if (std::string s = target.Param("atLeast"); !s.empty()) {
    if (!ParseUnsigned(s, &n) || n > kMaxSeq) {
      return Bad("atLeast: \"" + s + "\" must be a sequence number from 0 to " +
                 std::to_string(kMaxSeq));
    }
    q->at_least = n;
  }
  if (std::string s = target.Param("wait"); !s.empty()) {
    if (!ParseUnsigned(s, &n) || n > kMaxWaitMs) {
      return Bad("wait: \"" + s + "\" must be a number of milliseconds from 0 to " +
                 std::to_string(kMaxWaitMs));
    }
    q->wait = std::chrono::milliseconds(n);
  }
  if (std::string s = target.Param("year"); !s.empty()) {
    if (!ParseUnsigned(s, &n) || n < 1900 || n > 2199) {
      return Bad("year: \"" + s + "\" is not a year from 1900 to 2199, as events' dates are");
    }
    q->year = static_cast<int>(n);
  }
  return ledger::Status::Ok();
}

// What is escaped often comes straight from a request (a path, a stream id) and may hold any
// bytes: codec's writer makes it JSON that is UTF-8 whatever it held.
std::string JsonEscape(const std::string& text) {
  std::string quoted;
  codec::AppendJsonString(text, &quoted);
  return quoted.substr(1, quoted.size() - 2);
}

bool HasTopLevelKey(const std::string& json, const std::string& key) {
  return codec::RawMember(json, key).has_value();
}

}  // namespace http
