// "Did you mean": the near miss among the names a place allows, for error messages. Internal to
// codec/.

#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace codec::internal {

// Levenshtein distance. Only called on short strings.
size_t Distance(std::string_view a, std::string_view b);

// "; did you mean \"summary\"?" when one of `names` is a near miss for `given`, else "".
std::string Suggest(std::string_view given, const std::vector<std::string>& names);

}  // namespace codec::internal
