#pragma once
// A wide dense layer's Adam step, left by the optimizer for the layer's next forward, which takes
// it a run of inputs at a time just before it reads those weights. Why: the seed network's fc1
// is 392 MiB of weights. The optimizer streamed them from memory to update them, and the next
// forward streamed them again to multiply; done together, the forward reads each run's updated
// weights from the core's cache instead (docs/onednn-notes.md §24). The step keeps its bits:
// the same update_adam over the same elements, with the same scalars, only later.
//
// Anything that reads or writes the weights, their optimizer state or the gradient's factors
// other than that forward settles the step first (settle()): the network's read() and write(),
// the layer's other passes and its backward, and the optimizer's next update.
#include <cstdint>
#include <optional>

#include "backends/onednn/factored_weight_gradient.hpp"
#include "optim/adam_scalars.hpp"

namespace expt::onednn {

class DeferredAdam {
 public:
  // The buffers of an {out, in} weight tensor in the gradient's blocked layout, and its two moments.
  // `flush_denormals`: the step runs with denormals flushed, as the optimizer runs it (flush_denormals.hpp).
  DeferredAdam(const FactoredWeightGradient& gradient, int64_t out, int64_t in, float* weights, float* first_moment,
               float* second_moment, bool flush_denormals);

  // The optimizer's step, for later: a step still pending is settled first.
  void defer(const AdamScalars& scalars, std::optional<float> decoupled_decay);
  bool pending() const { return step_.has_value(); }

  // Takes the pending step (there must be one) for the weights of inputs [k0, k1), every output;
  // on any thread, for disjoint ranges. A forward that has taken it over all inputs then calls taken().
  void take_inputs(int64_t k0, int64_t k1) const;
  void taken() { step_.reset(); }

  // Takes the pending step over the whole tensor, on the OpenMP threads; nothing when none is.
  void settle();

 private:
  struct Step {
    AdamScalars scalars;
    std::optional<float> decoupled_decay;
  };
  const FactoredWeightGradient& gradient_;
  int64_t out_, in_;
  float *weights_, *first_moment_, *second_moment_;
  bool flush_denormals_;
  std::optional<Step> step_;
};

}  // namespace expt::onednn
