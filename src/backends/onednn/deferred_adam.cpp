#include "backends/onednn/deferred_adam.hpp"

#include <algorithm>

#include "backends/onednn/flush_denormals.hpp"
#include "core/error.hpp"

namespace expt::onednn {

namespace {
// Inputs per piece of work when the step is settled on its own: 128 inputs of 512 outputs is
// 256 KiB of weights, as the optimizer's chunks are.
constexpr int64_t kSettleInputs = 128;
}  // namespace

DeferredAdam::DeferredAdam(const FactoredWeightGradient& gradient, int64_t out, int64_t in, float* weights,
                           float* first_moment, float* second_moment, bool flush_denormals)
    : gradient_(gradient),
      out_(out),
      in_(in),
      weights_(weights),
      first_moment_(first_moment),
      second_moment_(second_moment),
      flush_denormals_(flush_denormals) {
  if (!gradient.has_adam_step())
    throw BackendError("onednn: a deferred Adam step needs a factored gradient on a vector path");
}

void DeferredAdam::defer(const AdamScalars& scalars, std::optional<float> decoupled_decay) {
  settle();
  step_ = Step{scalars, decoupled_decay};
}

// In the blocked layout (factored_weight_gradient.hpp), the weights of inputs [k0, k1) in output
// block b are the rows b * in + k0 to b * in + k1, out_block floats each.
void DeferredAdam::take_inputs(int64_t k0, int64_t k1) const {
  const FlushDenormals flush(flush_denormals_);
  const int64_t block = gradient_.out_block();
  for (int64_t b = 0; b < out_ / block; ++b) {
    const int64_t begin = (b * in_ + k0) * block, count = (k1 - k0) * block;
    gradient_.update_adam(step_->scalars, step_->decoupled_decay, begin, count, weights_ + begin, first_moment_ + begin,
                          second_moment_ + begin);
  }
}

void DeferredAdam::settle() {
  if (!step_) return;
  const int64_t pieces = (in_ + kSettleInputs - 1) / kSettleInputs;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < pieces; ++i) take_inputs(i * kSettleInputs, std::min(in_, (i + 1) * kSettleInputs));
  taken();
}

}  // namespace expt::onednn
