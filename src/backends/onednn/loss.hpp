#pragma once
// Softmax cross-entropy on plain logits [n, classes], averaged over the batch.
#include <cstdint>
#include <span>

#include "backends/backend.hpp"

namespace expt::onednn {

// Metrics of the batch; when `grad` is non-null, also d(mean loss)/d(logits) = (softmax - one_hot) / n.
// Float arithmetic in the reference's order, so the two agree to rounding.
BatchMetrics softmax_cross_entropy(int64_t n, int64_t classes, const float* logits, std::span<const int32_t> labels,
                                   float* grad);

}  // namespace expt::onednn
