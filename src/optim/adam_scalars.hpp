#pragma once
// The per-step scalars of Adam and AdamW, computed once on the host in double and rounded to
// float, shared by the CPU update (cpu_update.cpp) and the GPU kernel (backends/cudnn), so both
// round exactly the same way; and Adam's step itself, for the CPU update and for onednn's update
// inside a factored gradient's expansion. Header-only: nvcc compiles it too.
#include <cmath>
#include <cstdint>

#include "optim/optimizer_config.hpp"

namespace expt {

struct AdamScalars {
  float one_minus_beta1, beta2, one_minus_beta2;
  float step_size;              // lr / (1 - beta1^t)
  float bias_correction2_sqrt;  // sqrt(1 - beta2^t)
  float epsilon;
  float l2;                     // Adam's weight decay, added to the gradient (0 for AdamW: it scales first)
};

inline AdamScalars adam_scalars(const OptimizerConfig& c, double learning_rate, uint64_t t) {
  const bool decoupled = c.kind == OptimizerConfig::Kind::adamw;
  const auto steps = static_cast<double>(t);
  // Field by field rather than designated initializers: nvcc compiles this as C++17.
  AdamScalars s{};
  s.one_minus_beta1 = static_cast<float>(1.0 - c.beta1);
  s.beta2 = static_cast<float>(c.beta2);
  s.one_minus_beta2 = static_cast<float>(1.0 - c.beta2);
  s.step_size = static_cast<float>(learning_rate / (1.0 - std::pow(c.beta1, steps)));
  s.bias_correction2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(c.beta2, steps)));
  s.epsilon = static_cast<float>(c.epsilon);
  s.l2 = decoupled ? 0.0f : static_cast<float>(c.weight_decay);
  return s;
}

// AdamW's decoupled weight decay: the weights are scaled by this before Adam's step.
inline float decoupled_decay_factor(const OptimizerConfig& c, double learning_rate) {
  return static_cast<float>(1.0 - learning_rate * c.weight_decay);
}

// Adam's step for one element, or for one vector of them (T a GCC vector type, `sqrt` its square
// root), as torch computes it: m_hat / (sqrt(v_hat) + eps) as (m / bc1) / (sqrt(v) / sqrt(bc2) +
// eps), and m updated as m + (1 - beta1) (g - m), which is torch's lerp_ for weights below 0.5.
// Its callers compile it without contracting products into fused multiply-adds (-ffp-contract=off),
// so every one rounds each element the same way.
template <class T, class Sqrt>
inline void adam_step(const AdamScalars& s, T g, T& p, T& m, T& v, Sqrt sqrt) {
  const T d = g + s.l2 * p;
  m += s.one_minus_beta1 * (d - m);
  v = s.beta2 * v + s.one_minus_beta2 * d * d;
  const T denom = sqrt(v) / s.bias_correction2_sqrt + s.epsilon;
  p -= s.step_size * (m / denom);
}

}  // namespace expt
