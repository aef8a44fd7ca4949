#include "as_of_turns.h"

#include <algorithm>

namespace projections::internal {

std::deque<AsOfTurns::Waiting>::iterator AsOfTurns::Find(const std::string& asker) {
  return std::find_if(queue_.begin(), queue_.end(),
                      [&](const Waiting& w) { return w.asker == asker; });
}

void AsOfTurns::Expire(Clock::time_point now) {
  std::erase_if(queue_, [&](const Waiting& w) { return now - w.last > patience_; });
}

bool AsOfTurns::MayStart(const std::string& asker, size_t free, Clock::time_point now) {
  Expire(now);
  auto it = Find(asker);
  // Its turn if it is among the first `free` in the queue, or the queue leaves a place over.
  size_t place = it == queue_.end() ? queue_.size() : static_cast<size_t>(it - queue_.begin());
  if (place < free) {
    if (it != queue_.end()) queue_.erase(it);
    return true;
  }
  Refused(asker, now);
  return false;
}

void AsOfTurns::Served(const std::string& asker) {
  if (auto it = Find(asker); it != queue_.end()) queue_.erase(it);
}

void AsOfTurns::Refused(const std::string& asker, Clock::time_point now) {
  auto it = Find(asker);
  if (it != queue_.end()) {
    it->last = now;
  } else {
    queue_.push_back(Waiting{asker, now});
  }
}

}  // namespace projections::internal
