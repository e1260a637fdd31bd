#pragma once
// The oneDNN network: one pass (primitives for one batch size) per batch size seen, all sharing
// the parameters and, through the buffer pool, the activation memory. The pass for max_batch is
// built with the network; it fixes the parameters' layouts.
#include <map>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "backends/backend.hpp"
#include "backends/onednn/buffers.hpp"
#include "backends/onednn/gradient_gather.hpp"
#include "backends/onednn/layer.hpp"
#include "backends/onednn/optimizer.hpp"
#include "backends/onednn/params.hpp"
#include "backends/onednn/profiler.hpp"

namespace expt::onednn {

class OnednnNetwork final : public Network {
 public:
  OnednnNetwork(const NetworkPlan& plan, const NetworkOptions& options, int threads);

  BatchMetrics forward(const HostBatch& batch, Phase phase, uint64_t step) override;
  void backward() override;
  void update(double learning_rate, uint64_t t) override;

  // Reorders: parameters through ParamStore, which undoes the blocked and permuted layouts;
  // activations from whatever layout their primitive chose.
  void read(const TensorRef& tensor, std::span<float> out) const override;
  void write(const TensorRef& tensor, std::span<const float> in) override;

  std::vector<LayerTiming> timings() const override;
  int64_t memory_bytes() const override { return buffers_.bytes() + params_.bytes(); }

  // Every primitive descriptor created so far, with oneDNN's implementation name.
  const std::vector<PrimitiveInfo>& primitives() const { return primitives_; }

 private:
  struct Pass {
    int64_t n = 0;
    dnnl::memory input;  // plain NCHW copy of the batch
    std::vector<std::unique_ptr<LayerPass>> layers;
    // Per layer: its readers' data gradients, summed into the layout its backward wants.
    std::vector<GradientGather> incoming_gradients;
    Relayout logits;                           // last output as plain [n, classes]
    dnnl::memory logits_gradient;              // plain [n, classes], written by the loss
    GradientGather input_gradient_gather;      // the data gradients of the layers reading the input
    dnnl::memory input_gradient;               // its result
  };
  // Where read_input_gradient() stands: training never needs the data gradient below the first
  // layer with trainable parameters, so backward() stops there and read_input_gradient() finishes on demand.
  enum class InputGradient { unavailable, pending, ready };

  Pass& pass_for(int64_t n);
  std::unique_ptr<Pass> build_pass(int64_t n);
  void bind_gradients(Pass& pass, size_t scratchpad_bytes);
  const Pass& last_pass(const char* what) const;
  void copy_activation(size_t layer, std::span<float> out) const;
  // Runs the deferred backward-data down to the input first, when it is pending.
  void copy_input_gradient(std::span<float> out) const;
  void use_threads() const;

  NetworkOptions options_;
  int threads_;
  dnnl::engine engine_;
  mutable dnnl::stream stream_;
  BufferPool buffers_;
  ParamStore params_;
  std::vector<PrimitiveInfo> primitives_;
  std::map<int64_t, std::unique_ptr<Pass>> passes_;
  Pass* last_ = nullptr;
  size_t first_param_layer_ = 0;  // NetworkPlan::first_trained_layer()
  bool backward_ready_ = false;
  mutable InputGradient input_gradient_ = InputGradient::unavailable;
  mutable Profiler profiler_;
  std::unique_ptr<ParallelOptimizer> optimizer_;
};

}  // namespace expt::onednn
