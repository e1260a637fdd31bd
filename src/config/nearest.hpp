#pragma once
// "Did you mean" for misspelled keys, values and references.
#include <string>
#include <string_view>
#include <vector>

namespace expt::config {

// "; did you mean 'learning_rate'?" when a candidate is within a few edits of `word`, otherwise
// "; expected one of: a, b, c" (empty when there are no candidates).
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace expt::config
