#include "backends/onednn/loss.hpp"

#include <cmath>

namespace expt::onednn {

BatchMetrics softmax_cross_entropy(int64_t n, int64_t classes, const float* logits, std::span<const int32_t> labels,
                                   float* grad) {
  BatchMetrics metrics;
  metrics.count = n;
  const float inv_n = 1.0f / static_cast<float>(n);
  for (int64_t s = 0; s < n; ++s) {
    const float* z = logits + s * classes;
    int64_t argmax = 0;
    for (int64_t c = 1; c < classes; ++c)
      if (z[c] > z[argmax]) argmax = c;
    const float max = z[argmax];
    float total = 0.0f;
    for (int64_t c = 0; c < classes; ++c) total += std::exp(z[c] - max);
    const int32_t label = labels[static_cast<size_t>(s)];
    // -log softmax = log(sum exp(z - max)) - (z_label - max), without forming a tiny probability.
    metrics.loss_sum += static_cast<double>(std::log(total) - (z[label] - max));
    metrics.correct += argmax == label;
    if (grad == nullptr) continue;
    for (int64_t c = 0; c < classes; ++c)
      grad[s * classes + c] = (std::exp(z[c] - max) / total - (c == label ? 1.0f : 0.0f)) * inv_n;
  }
  return metrics;
}

}  // namespace expt::onednn
