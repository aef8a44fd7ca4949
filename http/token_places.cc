#include "token_places.h"

namespace http {

TokenPlaces::TokenPlaces(size_t per_token)
    : per_token_(per_token), counts_(std::make_shared<Counts>()) {}

std::shared_ptr<void> TokenPlaces::TryTake(const std::string& token_id) {
  auto name = std::make_unique<std::string>(token_id);
  {
    base::MutexLock lock(&counts_->mu);
    size_t& held = counts_->held[token_id];
    if (held >= per_token_) {
      if (held == 0) counts_->held.erase(token_id);
      return nullptr;
    }
    ++held;
  }
  // The place is the pointer's lifetime: its deleter gives it back, and erases a token that
  // holds none, so that the map holds only tokens with requests under way.
  std::shared_ptr<Counts> counts = counts_;
  return std::shared_ptr<void>(name.release(), [counts](void* p) {
    std::unique_ptr<std::string> name(static_cast<std::string*>(p));
    base::MutexLock lock(&counts->mu);
    auto it = counts->held.find(*name);
    if (it != counts->held.end() && --it->second == 0) counts->held.erase(it);
  });
}

}  // namespace http
