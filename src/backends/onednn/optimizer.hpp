#pragma once
// The optimizer step over every parameter: cpu_optimizer_update (src/optim) on the raw buffers,
// split into chunks so both cores share each large tensor; Adam over ~100M floats is memory bound.
// A factored gradient (factored_weight_gradient.hpp) is expanded tile by tile: Adam updates from
// it straight out of the registers, the other optimizers read each tile from the core's cache.
// The update runs with denormals flushed to zero unless the precision is fp32_strict
// (flush_denormals.hpp). The tensors' weight copies
// (weight_copy.hpp) are written here too: a wide dense layer's bf16 copy from each updated tile
// or chunk while it is in cache, the small tensors' copies gathered after the update. A tensor
// whose layer takes its Adam step in the forward (deferred_adam.hpp) is only handed the step.
#include <cstdint>
#include <vector>

#include "backends/onednn/params.hpp"
#include "optim/optimizer_config.hpp"

namespace expt::onednn {

class ParallelOptimizer {
 public:
  // Over the plan's trainable parameters; state such as batch norm's running statistics is left
  // alone. `flush_denormals`: the update runs with denormal floats flushed to zero
  // (flush_denormals.hpp), which precision fp32 allows and fp32_strict does not.
  ParallelOptimizer(const ParamStore& params, const NetworkPlan& plan, bool flush_denormals);
  void update(ParamStore& params, const OptimizerConfig& config, double learning_rate, uint64_t t) const;

 private:
  struct Chunk {
    size_t param;
    int64_t begin, count;
    double lr_multiplier;  // the parameter's layer's
  };
  void update_chunk(const Chunk& chunk, ParamStore& params, const OptimizerConfig& config, double learning_rate,
                    uint64_t t) const;
  void write_mapped_copies(const ParamStore& params, VectorIsa isa) const;

  std::vector<Chunk> chunks_;
  std::vector<Chunk> deferred_;  // a whole tensor each, whose step its layer's forward takes
  bool flush_denormals_;
};

}  // namespace expt::onednn
