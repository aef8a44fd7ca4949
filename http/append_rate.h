// How many events a resident's token may append: at most `per_hour` in any hour, about. The
// rule book bounds what each event may mean (three complaints a day, one answer a survey, the
// last follow-up counts), not how many there are: one resident token appended follow-ups on its
// own complaint as fast as the disk took them, thousands a second, each kept for good.
//
//   http::AppendRate rate(120);
//   if (!rate.TryTake(who.token_id, events, now_ms, &wait_ms)) return TooMany(wait_ms);
//
// A bucket of `per_hour` events per token, filled at `per_hour` an hour, kept in memory (a
// restart fills them). Safe for concurrent use.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "base/mutex.h"

namespace http {

class AppendRate {
 public:
  // 0: no limit.
  explicit AppendRate(uint32_t per_hour) : per_hour_(per_hour) {}

  // Takes `events` from `token_id`'s bucket at `now_ms`. False, with `*wait_ms` until they will
  // be there (or -1 when they never will: more than `per_hour` at once), when they are not.
  bool TryTake(const std::string& token_id, size_t events, int64_t now_ms, int64_t* wait_ms)
      EXCLUDES(mu_);

  // Gives back what TryTake took for events that were not appended (refused by the rule book,
  // say): what the bucket bounds is what stays in the ledger.
  void GiveBack(const std::string& token_id, size_t events) EXCLUDES(mu_);

  uint32_t per_hour() const { return per_hour_; }

 private:
  struct Bucket {
    double events;  // left to take
    int64_t at_ms;  // when it held that many
  };

  const uint32_t per_hour_;
  base::Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ GUARDED_BY(mu_);
};

}  // namespace http
