#include "optim/cpu_update.hpp"

#include <cmath>
#include <cstddef>

#include <fmt/format.h>

#include "core/error.hpp"
#include "optim/adam_scalars.hpp"

namespace expt {

namespace {

// Each loop below is branch-free over elements so the compiler vectorises it; the optimizer
// kind and options are resolved once, outside. Scalars are computed in double and rounded to
// float once, as PyTorch does with Python-float hyperparameters on float32 tensors.
//
// The loops are memory bound (Adam over the seed network's 103M parameters moves 2.9 GB a step),
// so each is compiled for AVX-512, AVX2 and the baseline (run_vectorised, core/vector_isa.hpp)
// and CpuOptimizerStep::isa picks the copy, with -fno-math-errno (std::sqrt then vectorises:
// without it GCC keeps a scalar call for errno) and -ffp-contract=off (CMakeLists.txt), so every
// element is rounded exactly as the scalar formula says whichever copy runs. Measured on the
// 2-core Zen 5 machine: Adam 220 ms scalar, see docs/benchmarks.md for the vectorised time.
EXPT_VECTOR_KERNEL void sgd(float lr, float weight_decay, float* __restrict p, const float* __restrict g, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] -= lr * (g[i] + weight_decay * p[i]);
}

// torch.optim.SGD(momentum=mu, dampening=0): buf = mu * buf + g. The first step's
// buf = g that torch special-cases is what this gives with a zero-initialised buffer.
EXPT_VECTOR_KERNEL void momentum(float lr, float weight_decay, float mu, float* __restrict p, const float* __restrict g,
                                 float* __restrict buf, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const float d = g[i] + weight_decay * p[i];
    buf[i] = mu * buf[i] + d;
    p[i] -= lr * buf[i];
  }
}

EXPT_VECTOR_KERNEL void nesterov(float lr, float weight_decay, float mu, float* __restrict p, const float* __restrict g,
                                 float* __restrict buf, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const float d = g[i] + weight_decay * p[i];
    buf[i] = mu * buf[i] + d;
    p[i] -= lr * (d + mu * buf[i]);
  }
}

EXPT_VECTOR_KERNEL void adam(const AdamScalars s, float* __restrict p, const float* __restrict g, float* __restrict m,
                             float* __restrict v, size_t n) {
  for (size_t i = 0; i < n; ++i) adam_step(s, g[i], p[i], m[i], v[i], [](float x) { return std::sqrt(x); });
}

EXPT_VECTOR_KERNEL void scale(float factor, float* __restrict p, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] *= factor;
}

void require_size(std::span<const float> s, size_t n, const char* what) {
  if (s.size() != n)
    throw BackendError(fmt::format("optimizer update: {} has {} elements, the parameter {}", what, s.size(), n));
}

}  // namespace

void cpu_optimizer_update(const CpuOptimizerStep& step, std::span<float> param, std::span<const float> grad,
                          std::span<float> state0, std::span<float> state1) {
  const OptimizerConfig& c = *step.config;
  const size_t n = param.size();
  require_size(grad, n, "gradient");
  const int slots = optimizer_state_slots(c.kind);
  if (slots >= 1) require_size(state0, n, "state 0");
  if (slots >= 2) require_size(state1, n, "state 1");

  const double lr = step.learning_rate;
  const auto wd = static_cast<float>(c.weight_decay);
  const auto mu = static_cast<float>(c.momentum);
  switch (c.kind) {
    case OptimizerConfig::Kind::sgd:
      run_vectorised<sgd>(step.isa, static_cast<float>(lr), wd, param.data(), grad.data(), n);
      return;
    case OptimizerConfig::Kind::momentum:
      if (c.nesterov)
        run_vectorised<nesterov>(step.isa, static_cast<float>(lr), wd, mu, param.data(), grad.data(), state0.data(), n);
      else
        run_vectorised<momentum>(step.isa, static_cast<float>(lr), wd, mu, param.data(), grad.data(), state0.data(), n);
      return;
    case OptimizerConfig::Kind::adam:
    case OptimizerConfig::Kind::adamw: {
      const bool decoupled = c.kind == OptimizerConfig::Kind::adamw;
      if (decoupled) run_vectorised<scale>(step.isa, decoupled_decay_factor(c, lr), param.data(), n);
      const AdamScalars s = adam_scalars(c, lr, step.t);
      run_vectorised<adam>(step.isa, s, param.data(), grad.data(), state0.data(), state1.data(), n);
      return;
    }
  }
}

}  // namespace expt
