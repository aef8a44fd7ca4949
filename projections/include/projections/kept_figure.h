// KeptFigure: a figure a view computes from many of its records, kept between queries while
// nothing it depends on changed.
//
// What it depends on is named by counts of changes (a view's, a policy's, a register's), each
// only ever growing: while they are the counts it was computed at, the figure stands. Readers
// share it; the first to find it stale computes it again while the others wait for its answer,
// so that a burst of pages after an event pays for one computation, not one each.

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

namespace projections {

template <class Figure, size_t kDependencies>
class KeptFigure {
 public:
  using Changes = std::array<uint64_t, kDependencies>;

  // The figure kept, if `changes` are the counts it was computed at; else compute()'s, kept.
  template <class Compute>
  std::shared_ptr<const Figure> Get(const Changes& changes, Compute compute) {
    std::lock_guard<std::mutex> lock(mu_);
    if (figure_ && changes == computed_at_) return figure_;
    figure_ = std::make_shared<const Figure>(compute());
    computed_at_ = changes;
    return figure_;
  }

 private:
  std::mutex mu_;
  std::shared_ptr<const Figure> figure_;
  Changes computed_at_{};
};

}  // namespace projections
