#include "backends/onednn/optimizer.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

#include "backends/onednn/cpu_isa.hpp"
#include "backends/onednn/flush_denormals.hpp"
#include "backends/onednn/line_aligned.hpp"
#include "optim/adam_scalars.hpp"
#include "optim/cpu_update.hpp"

namespace expt::onednn {

namespace {
// 256 KiB of floats per chunk: large enough to amortise the call, small enough to balance.
constexpr int64_t kChunkFloats = int64_t{1} << 16;
// 16 KiB of a factored gradient at a time: expanded into the core's L1 and read from there (or,
// for Adam, used straight from the registers), the updated weights still in cache for their copies.
constexpr int64_t kTileFloats = int64_t{1} << 12;

// Whole rows of out_block outputs, as FactoredWeightGradient::expand takes them.
int64_t whole_rows(int64_t floats, int64_t out_block) { return std::max(out_block, floats / out_block * out_block); }

// Elements [begin, begin + count) of a tensor's buffer.
std::span<float> slice(const Buffer& buffer, int64_t begin, int64_t count) {
  return std::span<float>(buffer.floats() + begin, static_cast<size_t>(count));
}

void update_range(const CpuOptimizerStep& step, ParamTensor& tensor, int slots, int64_t begin, int64_t count,
                  std::span<const float> grad) {
  cpu_optimizer_update(step, slice(tensor.value_buffer, begin, count), grad,
                       slots >= 1 ? slice(tensor.state_buffers[0], begin, count) : std::span<float>(),
                       slots >= 2 ? slice(tensor.state_buffers[1], begin, count) : std::span<float>());
}

// AdamW's factor, for a step at `learning_rate`; none for Adam.
std::optional<float> decoupled_decay(const OptimizerConfig& c, double learning_rate) {
  return c.kind == OptimizerConfig::Kind::adamw ? std::optional<float>(decoupled_decay_factor(c, learning_rate))
                                                : std::nullopt;
}

// Adam's or AdamW's step of elements [begin, begin + count) of a tensor with a factored gradient,
// inside the gradient's expansion; false where the path has no such form.
bool update_adam_in_expansion(const FactoredWeightGradient& gradient, const CpuOptimizerStep& step,
                              ParamTensor& tensor, int64_t begin, int64_t count) {
  const OptimizerConfig& c = *step.config;
  return gradient.update_adam(adam_scalars(c, step.learning_rate, step.t), decoupled_decay(c, step.learning_rate),
                              begin, count, tensor.value_buffer.floats() + begin,
                              tensor.state_buffers[0].floats() + begin, tensor.state_buffers[1].floats() + begin);
}
}  // namespace

ParallelOptimizer::ParallelOptimizer(const ParamStore& params, const NetworkPlan& plan, bool flush_denormals)
    : flush_denormals_(flush_denormals) {
  for (size_t p = 0; p < params.size(); ++p) {
    if (!plan.params[p].trainable) continue;
    const ParamTensor& tensor = params.at(p);
    const int64_t floats = tensor.floats();
    if (tensor.deferred_adam) {
      deferred_.push_back(Chunk{p, 0, floats, plan.params[p].lr_multiplier});
      continue;
    }
    const int64_t chunk = tensor.factored_grad ? whole_rows(kChunkFloats, tensor.factored_grad->out_block()) : kChunkFloats;
    for (int64_t begin = 0; begin < floats; begin += chunk)
      chunks_.push_back(Chunk{p, begin, std::min(chunk, floats - begin), plan.params[p].lr_multiplier});
  }
}

// The copies gathered from the updated values, all in one parallel loop: each a reorder of its
// own before, a parallel region each (on AVX2, three per convolution layer and step).
void ParallelOptimizer::write_mapped_copies(const ParamStore& params, VectorIsa isa) const {
  struct Piece {
    const WeightCopy* copy;
    const float* master;
    int64_t begin, count;
  };
  std::vector<Piece> pieces;
  for (size_t p = 0; p < params.size(); ++p) {
    if (!params.defined(p) || !params.at(p).trainable) continue;
    const ParamTensor& tensor = params.at(p);
    for (const auto& copy : tensor.copies.all())
      for (int64_t begin = 0; begin < copy->mapped_elements(); begin += kTileFloats)
        pieces.push_back({copy.get(), tensor.value_buffer.floats(), begin,
                          std::min(kTileFloats, copy->mapped_elements() - begin)});
  }
  const auto count = static_cast<int64_t>(pieces.size());
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < count; ++i) {
    const Piece& piece = pieces[static_cast<size_t>(i)];
    piece.copy->write_mapped(isa, piece.master, piece.begin, piece.count);
  }
}

void ParallelOptimizer::update_chunk(const Chunk& chunk, ParamStore& params, const OptimizerConfig& config,
                                     double learning_rate, uint64_t t) const {
  const VectorIsa isa = kernel_isa();
  const int slots = params.state_slots();
  const bool adam = config.kind == OptimizerConfig::Kind::adam || config.kind == OptimizerConfig::Kind::adamw;
  const CpuOptimizerStep step{&config, learning_rate * chunk.lr_multiplier, t, isa};
  ParamTensor& tensor = params.at(chunk.param);
  // A factored gradient is expanded a tile at a time (inside Adam's update where the path has
  // that form); a stored one is read a chunk at once.
  const FactoredWeightGradient* factored = tensor.factored_grad.get();
  thread_local std::vector<float> tile_buffer;
  const int64_t piece = factored ? whole_rows(kTileFloats, factored->out_block()) : chunk.count;
  float* tile = factored ? line_aligned(tile_buffer, piece) : nullptr;
  for (int64_t begin = chunk.begin; begin < chunk.begin + chunk.count; begin += piece) {
    const int64_t count = std::min(piece, chunk.begin + chunk.count - begin);
    if (!(factored && adam && update_adam_in_expansion(*factored, step, tensor, begin, count))) {
      if (factored) factored->expand(begin, count, tile);
      const std::span<const float> grad = factored ? std::span<const float>(tile, static_cast<size_t>(count))
                                                   : slice(tensor.grad_buffer, begin, count);
      update_range(step, tensor, slots, begin, count, grad);
    }
    for (const auto& copy : tensor.copies.all()) copy->write_tile(isa, tensor.value_buffer.floats(), begin, count);
  }
}

void ParallelOptimizer::update(ParamStore& params, const OptimizerConfig& config, double learning_rate,
                               uint64_t t) const {
  const auto chunks = static_cast<int64_t>(chunks_.size());
#pragma omp parallel
  {
    const FlushDenormals flush(flush_denormals_);
#pragma omp for schedule(static)
    for (int64_t c = 0; c < chunks; ++c) update_chunk(chunks_[static_cast<size_t>(c)], params, config, learning_rate, t);
  }
  for (const Chunk& tensor : deferred_) {
    const double lr = learning_rate * tensor.lr_multiplier;
    params.at(tensor.param).deferred_adam->defer(adam_scalars(config, lr, t), decoupled_decay(config, lr));
  }
  write_mapped_copies(params, kernel_isa());
  for (size_t p = 0; p < params.size(); ++p)
    if (params.defined(p) && params.at(p).trainable)
      for (const auto& copy : params.at(p).copies.all()) copy->after_update();
}

}  // namespace expt::onednn
