#include "backends/onednn/optimizer.hpp"

#include <algorithm>
#include <span>

#include "backends/onednn/cpu_isa.hpp"
#include "optim/cpu_update.hpp"

namespace expt::onednn {

namespace {
// 256 KiB of floats per chunk: large enough to amortise the call, small enough to balance.
constexpr int64_t kChunkFloats = int64_t{1} << 16;
}  // namespace

ParallelOptimizer::ParallelOptimizer(const ParamStore& params, const NetworkPlan& plan) {
  for (size_t p = 0; p < params.size(); ++p) {
    if (!plan.params[p].trainable) continue;
    const int64_t floats = params.at(p).floats();
    for (int64_t begin = 0; begin < floats; begin += kChunkFloats)
      chunks_.push_back(Chunk{p, begin, std::min(kChunkFloats, floats - begin), plan.params[p].lr_multiplier});
  }
}

void ParallelOptimizer::update(ParamStore& params, const OptimizerConfig& config, double learning_rate,
                               uint64_t t) const {
  const VectorIsa isa = kernel_isa();
  const int slots = params.state_slots();
  const auto chunks = static_cast<int64_t>(chunks_.size());
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const Chunk& chunk = chunks_[static_cast<size_t>(c)];
    const CpuOptimizerStep step{&config, learning_rate * chunk.lr_multiplier, t, isa};
    ParamTensor& tensor = params.at(chunk.param);
    const auto slice = [&](const Buffer& buffer) {
      return std::span<float>(buffer.floats() + chunk.begin, static_cast<size_t>(chunk.count));
    };
    cpu_optimizer_update(step, slice(tensor.value_buffer), slice(tensor.grad_buffer),
                         slots >= 1 ? slice(tensor.state_buffers[0]) : std::span<float>(),
                         slots >= 2 ? slice(tensor.state_buffers[1]) : std::span<float>());
  }
}

}  // namespace expt::onednn
