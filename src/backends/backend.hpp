#pragma once
// The one interface every backend implements. The trainer, CLI and tests only see this file;
// no code outside src/backends/<name>/ includes a backend's own headers.
//
// A Backend builds a Network from a NetworkPlan. The Network owns all of its memory
// (parameters, gradients, optimizer state, activations) wherever the backend keeps it: host
// memory in any layout it likes, or device memory. The host sees data only through explicit
// copies, always in PyTorch's canonical layouts (NCHW activations; conv weight [out,in,kh,kw];
// dense weight [out,in]).
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/precision.hpp"
#include "layers/network_plan.hpp"
#include "optim/optimizer_config.hpp"

namespace expt {

// A batch on the host: n samples of plan.input, NCHW floats, and their labels.
struct HostBatch {
  int64_t n = 0;
  std::span<const float> images;
  std::span<const int32_t> labels;
};

// Sums over the batch, so they can be added across batches before averaging.
struct BatchMetrics {
  double loss_sum = 0;   // sum of per-sample softmax cross-entropy
  int64_t correct = 0;   // argmax(logits) == label
  int64_t count = 0;
  double loss() const { return count ? loss_sum / static_cast<double>(count) : 0.0; }
  double accuracy() const { return count ? static_cast<double>(correct) / static_cast<double>(count) : 0.0; }
};

enum class Phase { train, eval };  // train: dropout on, activations kept for backward

struct NetworkOptions {
  OptimizerConfig optimizer;
  uint64_t seed = 0;             // dropout masks: Philox keyed by (seed, layer index, step)
  bool dropout = true;           // global switch
  int64_t max_batch = 1;         // largest n passed to forward()
  Precision precision = Precision::fp32;
  int64_t threads = 0;           // 0 = all cores
  int64_t gpu = 0;
  bool profile = false;          // collect per-layer timings (expt bench)
};

// Time spent per layer and direction since the last reset, when NetworkOptions::profile is on.
struct LayerTiming {
  std::string layer;         // layer name, or "optimizer", "loss", "reorders"
  double forward_ms = 0, backward_data_ms = 0, backward_weights_ms = 0;
  int64_t calls = 0;
  std::string kernels = {};  // what ran, in the backend's words (oneDNN implementations); may be empty
};

// Which of a network's tensors a copy reads or writes.
enum class TensorKind {
  parameter,        // index: into plan().params
  // Of parameter `index`, after the last backward. A tensor that is not trained
  // (ParamSpec::trainable false: state, frozen layers) gets none and reads as zeros.
  gradient,
  // Of parameter `index`; slot < optimizer_state_slots(). Only trainable tensors have one:
  // reading or writing another's throws BackendError.
  optimizer_state,
  // After the last forward: the output of layer `index` (n * plan().layers[index].out.size() floats).
  activation,
  // After the last backward and before the next update: d(mean loss)/d(input) (n * plan().input.size()).
  // Training never needs it, so a backend may compute it only when asked (onednn does) and refuse
  // once update() has changed the weights.
  input_gradient,
};
struct TensorRef {
  TensorKind kind;
  size_t index = 0;
  int slot = 0;
};

class Network {
 public:
  virtual ~Network() = default;

  // One training step is: forward(batch, train, step); backward(); update(lr, step + 1).
  // forward returns the loss and accuracy of the batch (mean loss is what backward differentiates).
  virtual BatchMetrics forward(const HostBatch& batch, Phase phase, uint64_t step) = 0;
  virtual void backward() = 0;
  // `t` counts updates from 1 (Adam's bias correction).
  virtual void update(double learning_rate, uint64_t t) = 0;

  // The host's copies of a network's tensors, in canonical layout (NCHW, PyTorch's weight
  // layouts). Every tensor can be read; parameters and optimizer state can also be written.
  // Throws BackendError for a tensor that does not exist or a span of the wrong size.
  virtual void read(const TensorRef& tensor, std::span<float> out) const = 0;
  virtual void write(const TensorRef& tensor, std::span<const float> in) = 0;

  void read_parameter(size_t index, std::span<float> out) const { read({TensorKind::parameter, index}, out); }
  void write_parameter(size_t index, std::span<const float> in) { write({TensorKind::parameter, index}, in); }
  void read_gradient(size_t index, std::span<float> out) const { read({TensorKind::gradient, index}, out); }
  void read_optimizer_state(size_t index, int slot, std::span<float> out) const {
    read({TensorKind::optimizer_state, index, slot}, out);
  }
  void write_optimizer_state(size_t index, int slot, std::span<const float> in) {
    write({TensorKind::optimizer_state, index, slot}, in);
  }
  void read_activation(size_t layer, std::span<float> out) const { read({TensorKind::activation, layer}, out); }
  void read_input_gradient(std::span<float> out) const { read({TensorKind::input_gradient}, out); }

  // Wall time per layer, then per row of the backend's own work (loss, optimizer, ...), since
  // the last reset_timings(); collected when NetworkOptions::profile is on.
  virtual std::vector<LayerTiming> timings() const { return timings_; }
  void reset_timings() {
    for (LayerTiming& t : timings_) t = LayerTiming{t.layer};
  }
  // Bytes the network holds for training (parameters, gradients, optimizer state, activations,
  // workspaces); memory that only read_input_gradient() uses may be left out until then.
  virtual int64_t memory_bytes() const = 0;

  const NetworkPlan& plan() const { return plan_; }

 protected:
  // The timing table starts with one row per layer, then one per name in `work_rows`.
  Network(NetworkPlan plan, std::initializer_list<const char*> work_rows) : plan_(std::move(plan)) {
    for (const PlannedLayer& layer : plan_.layers) timings_.push_back(LayerTiming{layer.spec.name});
    for (const char* row : work_rows) timings_.push_back(LayerTiming{row});
  }

  const NetworkPlan plan_;
  std::vector<LayerTiming> timings_;
};

// A choice of code the backend made at run time on this machine, e.g. {"onednn_isa", "avx2"}.
struct CodePath {
  std::string what, choice;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // One line for reports and `expt backends`: device, ISA or GPU name, and the threads a
  // network built with NetworkOptions::threads = `threads` computes with (0 = all cores).
  virtual std::string device_description(int64_t threads = 0) const = 0;
  // The CPU threads a network built with NetworkOptions::threads = `threads` computes with; 0
  // when the arithmetic runs on a GPU. CPU results differ between thread counts (the order of
  // floating-point sums changes), so reports record it next to the seed.
  virtual int64_t thread_count(int64_t threads) const = 0;
  // The instruction sets its code runs with here, for `expt bench`; empty where it has no choice.
  virtual std::vector<CodePath> code_paths() const { return {}; }
  // Empty when the backend can run the layer; otherwise why not.
  virtual std::string unsupported_reason(const LayerSpec& layer, const NetworkOptions& options) const = 0;
  // The network starts with parameter i set by initialize_parameter(plan.params[i], options.seed,
  // i) (src/layers/init.hpp), so every backend starts from bit-identical weights, and with zero
  // optimizer state. Throws BackendError (e.g. out of device memory, naming the layer and bytes).
  virtual std::unique_ptr<Network> build(const NetworkPlan& plan, const NetworkOptions& options) = 0;
};

}  // namespace expt
