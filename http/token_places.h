// How many requests one token has on the work pool or waiting for a position (`atLeast`), so
// that one token cannot take every place in the pool's queue: the others would get 503 for as
// long as it keeps sending.
//
//   http::TokenPlaces places(8);
//   std::shared_ptr<void> place = places.TryTake(who.token_id);
//   if (!place) return TooMany();
//   pool.TrySubmit([place, ...] { ... });  // the place is given back with the last copy
//
// Safe for concurrent use. A place outlives the TokenPlaces that gave it without harm.

#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/mutex.h"

namespace http {

class TokenPlaces {
 public:
  explicit TokenPlaces(size_t per_token);

  // One place of `token_id`'s, given back when the last copy of the pointer goes; null when the
  // token holds `per_token` places already.
  std::shared_ptr<void> TryTake(const std::string& token_id);

  size_t per_token() const { return per_token_; }

 private:
  struct Counts {
    base::Mutex mu;
    std::unordered_map<std::string, size_t> held GUARDED_BY(mu);
  };

  size_t per_token_;
  std::shared_ptr<Counts> counts_;  // shared with the places given out
};

}  // namespace http
