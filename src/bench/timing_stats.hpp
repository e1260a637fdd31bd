#pragma once
// Medians of timing samples: the statistic benchmarks quote (robust to a shared machine's spikes).
#include <algorithm>
#include <vector>

namespace expt {

inline double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

}  // namespace expt
