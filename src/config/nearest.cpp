#include "config/nearest.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace expt::config {

namespace {

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
// neighbours each cost 1, so 'learnign_rate' is one edit from 'learning_rate'.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace

std::string suggestion(std::string_view word, const std::vector<std::string>& candidates) {
  if (candidates.empty()) return "";
  const std::string* best = nullptr;
  size_t best_distance = 0;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (!best || d < best_distance) best = &c, best_distance = d;
  }
  // A third of the word's length tolerates one slip in short keys and a few in long ones.
  const size_t tolerance = std::max<size_t>(2, word.size() / 3);
  if (best_distance <= tolerance && best_distance < std::max(word.size(), best->size()))
    return fmt::format("; did you mean '{}'?", *best);
  return fmt::format("; expected one of: {}", fmt::join(candidates, ", "));
}

}  // namespace expt::config
