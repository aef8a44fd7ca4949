// Time travel's turns: who may start a build of an earlier position when builds are few.
// Private to projections/ (as_of_builder.h).
#ifndef PROJECTIONS_AS_OF_TURNS_H_
#define PROJECTIONS_AS_OF_TURNS_H_

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>

namespace projections::internal {

// Builds are few (EngineOptions::as_of_builds) and a request for another position is refused at
// once while they are busy, to be asked again shortly. Who got the next free place was whoever
// asked first after it freed: one token asking for position after position, each request as its
// last one was answered, kept it, and everyone else got "busy". So an asker refused while every
// place was busy queues for a turn, and a free place goes to the first in the queue: one that
// was not refused (that had the last build, say) queues behind those who were. An asker that
// does not come back within `patience` of its last refusal loses its place.
//
// Not thread-safe: the builder calls it under its own mutex.
class AsOfTurns {
 public:
  using Clock = std::chrono::steady_clock;

  explicit AsOfTurns(std::chrono::milliseconds patience) : patience_(patience) {}

  // Whether `asker` may start a build now, `free` places being free. If not, it keeps (or
  // takes) its place in the queue.
  bool MayStart(const std::string& asker, size_t free, Clock::time_point now);

  // `asker` was refused because no place was free: it keeps (or takes) its place in the queue.
  void Refused(const std::string& asker, Clock::time_point now);

  // `asker` was answered without a build of its own (a view set kept, or a build under way for
  // the same position): it leaves the queue, whose head it would otherwise hold while a place
  // stays free.
  void Served(const std::string& asker);

  // Askers waiting for a turn.
  size_t waiting() const { return queue_.size(); }

 private:
  struct Waiting {
    std::string asker;
    Clock::time_point last;  // its last refusal
  };
  std::deque<Waiting>::iterator Find(const std::string& asker);
  void Expire(Clock::time_point now);

  const std::chrono::milliseconds patience_;
  std::deque<Waiting> queue_;  // first refused first
};

}  // namespace projections::internal

#endif  // PROJECTIONS_AS_OF_TURNS_H_
