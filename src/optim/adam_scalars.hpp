#pragma once
// The per-step scalars of Adam and AdamW, computed once on the host in double and rounded to
// float, shared by the CPU update (cpu_update.cpp) and the GPU kernel (backends/cudnn), so both
// round exactly the same way. Header-only and plain data: nvcc compiles it too.
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

}  // namespace expt
