#include "tensorboard/histogram.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace expt {

const std::vector<double>& default_bucket_limits() {
  static const std::vector<double> limits = [] {
    std::vector<double> positive;
    for (double v = 1.0e-12; v < 1.0e20; v *= 1.1) positive.push_back(v);
    positive.push_back(DBL_MAX);
    std::vector<double> all;
    all.reserve(2 * positive.size() + 1);
    for (auto it = positive.rbegin(); it != positive.rend(); ++it) all.push_back(-*it);
    all.push_back(0.0);
    all.insert(all.end(), positive.begin(), positive.end());
    return all;
  }();
  return limits;
}

tb::HistogramProto make_histogram(std::span<const float> values) {
  const std::vector<double>& limits = default_bucket_limits();
  std::vector<double> counts(limits.size(), 0.0);
  double min = DBL_MAX, max = -DBL_MAX, num = 0, sum = 0, sum_squares = 0;
  for (const float f : values) {
    if (!std::isfinite(f)) continue;
    const double v = f;
    counts[static_cast<size_t>(std::upper_bound(limits.begin(), limits.end(), v) - limits.begin())] += 1.0;
    min = std::min(min, v);
    max = std::max(max, v);
    num += 1;
    sum += v;
    sum_squares += v * v;
  }

  tb::HistogramProto h;
  h.set_min(min);
  h.set_max(max);
  h.set_num(num);
  h.set_sum(sum);
  h.set_sum_squares(sum_squares);
  for (size_t i = 0; i < counts.size();) {
    double limit = limits[i];
    const double count = counts[i++];
    if (count == 0)
      while (i < counts.size() && counts[i] == 0) limit = limits[i++];
    h.add_bucket_limit(limit);
    h.add_bucket(count);
  }
  return h;
}

}  // namespace expt
