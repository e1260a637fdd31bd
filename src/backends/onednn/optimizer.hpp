#pragma once
// The optimizer step over every parameter: cpu_optimizer_update (src/optim) on the raw buffers,
// split into chunks so both cores share each large tensor; Adam over ~100M floats is memory bound.
// A factored gradient (factored_weight_gradient.hpp) is expanded tile by tile just before the
// update reads it, so each tile stays in the core's cache. The tensors' weight copies
// (weight_copy.hpp) are written here too: a wide dense layer's bf16 copy from each updated tile
// or chunk while it is in cache, the small tensors' copies gathered after the update.
#include <cstdint>
#include <vector>

#include "backends/onednn/params.hpp"
#include "optim/optimizer_config.hpp"

namespace expt::onednn {

class ParallelOptimizer {
 public:
  // Over the plan's trainable parameters; state such as batch norm's running statistics is left alone.
  ParallelOptimizer(const ParamStore& params, const NetworkPlan& plan);
  void update(ParamStore& params, const OptimizerConfig& config, double learning_rate, uint64_t t) const;

 private:
  void write_mapped_copies(const ParamStore& params, VectorIsa isa) const;

  struct Chunk {
    size_t param;
    int64_t begin, count;
    double lr_multiplier;  // the parameter's layer's
  };
  std::vector<Chunk> chunks_;
};

}  // namespace expt::onednn
