#pragma once
// Softmax cross-entropy on logits [n, classes], the loss averaged over the batch, in host
// memory: the reference backend computes it, and the onednn backend on its logits (oneDNN 2.6
// has no such primitive), so both give the same loss for the same logits.
#include <cmath>
#include <cstdint>

namespace expt {

struct LossSums {
  double loss_sum = 0;  // sum over samples of -log softmax(logits)[label]
  int64_t correct = 0;  // samples whose first largest logit is the label
};

// Writes the softmax to probs (kept for backward). Sequential: a fixed summation order and
// cheap next to the layers.
template <class T>
LossSums softmax_cross_entropy_forward(int64_t n, int64_t classes, const T* logits, const int32_t* labels, T* probs) {
  LossSums sums;
  for (int64_t s = 0; s < n; ++s) {
    const T* z = logits + s * classes;
    T* p = probs + s * classes;
    int64_t argmax = 0;
    for (int64_t c = 1; c < classes; ++c)
      if (z[c] > z[argmax]) argmax = c;
    const T max = z[argmax];
    T total = T(0);
    for (int64_t c = 0; c < classes; ++c) total += p[c] = std::exp(z[c] - max);
    for (int64_t c = 0; c < classes; ++c) p[c] /= total;
    // -log softmax = log(sum exp(z - max)) - (z_label - max), without forming a tiny probability.
    sums.loss_sum += static_cast<double>(std::log(total) - (z[labels[s]] - max));
    sums.correct += argmax == labels[s];
  }
  return sums;
}

// dlogits = d(mean loss)/d(logits) = (softmax - one_hot(label)) / n.
template <class T>
void softmax_cross_entropy_backward(int64_t n, int64_t classes, const T* probs, const int32_t* labels, T* dlogits) {
  const T inv_n = T(1) / static_cast<T>(n);
  for (int64_t s = 0; s < n; ++s)
    for (int64_t c = 0; c < classes; ++c)
      dlogits[s * classes + c] = (probs[s * classes + c] - (c == labels[s] ? T(1) : T(0))) * inv_n;
}

}  // namespace expt
