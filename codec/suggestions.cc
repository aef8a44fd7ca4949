#include "suggestions.h"

#include <algorithm>

namespace codec::internal {

size_t Distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// "; did you mean \"summary\"?" when one name is a near miss, else "".
std::string Suggest(std::string_view given, const std::vector<std::string>& names) {
  if (given.empty() || given.size() > 64) return "";
  const std::string* best = nullptr;
  size_t best_distance = std::max<size_t>(1, std::min<size_t>(3, given.size() / 3));
  for (const auto& n : names) {
    size_t d = Distance(given, n);
    if (d <= best_distance && (best == nullptr || d < best_distance)) {
      best = &n;
      best_distance = d;
    }
  }
  return best ? "; did you mean \"" + *best + "\"?" : "";
}

}  // namespace codec::internal
