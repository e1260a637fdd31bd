#include "backends/reference/network.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <omp.h>

#include "backends/reference/batch_norm.hpp"
#include "backends/reference/conv2d.hpp"
#include "backends/reference/dense.hpp"
#include "backends/reference/elementwise.hpp"
#include "backends/reference/pool.hpp"
#include "backends/softmax_cross_entropy.hpp"
#include "core/error.hpp"
#include "layers/init.hpp"
#include "layers/layer_registry.hpp"
#include "optim/cpu_update.hpp"

namespace expt::reference {

namespace {

// Applies NetworkOptions::threads to the kernels of one call and restores the caller's OpenMP
// setting afterwards, so another backend in the same process is not affected.
class ThreadCountScope {
 public:
  explicit ThreadCountScope(int64_t threads) : saved_(omp_get_max_threads()) {
    if (threads > 0) omp_set_num_threads(static_cast<int>(threads));
  }
  ~ThreadCountScope() { omp_set_num_threads(saved_); }
  ThreadCountScope(const ThreadCountScope&) = delete;
  ThreadCountScope& operator=(const ThreadCountScope&) = delete;

 private:
  int saved_;
};

// Adds the scope's wall time to *total_ms; does nothing when total_ms is null (profiling off).
class ScopedTimer {
 public:
  explicit ScopedTimer(double* total_ms) : total_ms_(total_ms), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() {
    if (total_ms_)
      *total_ms_ += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
  }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  double* total_ms_;
  std::chrono::steady_clock::time_point start_;
};

template <class T>
void copy_checked(std::span<const T> from, std::span<T> to, const std::string& what) {
  if (from.size() != to.size())
    throw BackendError(fmt::format("reference backend: {} has {} elements, the buffer passed {}", what, from.size(),
                                   to.size()));
  std::copy(from.begin(), from.end(), to.begin());
}

}  // namespace

ReferenceNetwork::ReferenceNetwork(const NetworkPlan& plan, const NetworkOptions& options)
    : Network(plan, {"loss", "optimizer"}), options_(options) {
  if (options_.max_batch < 1) throw BackendError("reference backend: max_batch must be at least 1");
  const int64_t batch = options_.max_batch;
  const int slots = optimizer_state_slots(options_.optimizer.kind);
  for (size_t i = 0; i < plan_.params.size(); ++i) {
    const auto size = static_cast<size_t>(plan_.params[i].size());
    params_.emplace_back(size);
    // Every backend starts from the same host-side initial values; the trainer may overwrite them.
    initialize_parameter(plan_.params[i], options_.seed, static_cast<uint32_t>(i), params_.back());
    grads_.emplace_back(size, 0.0f);
    auto& state = optimizer_state_.emplace_back();
    if (plan_.params[i].trainable)
      for (int s = 0; s < slots; ++s) state[static_cast<size_t>(s)].assign(size, 0.0f);
  }
  // Without frozen layers backward reaches the input, whose gradient the backend tests compare.
  backward_stop_ = plan_.has_frozen_layers() ? plan_.first_trained_layer() : 0;
  input_.resize(static_cast<size_t>(batch * plan_.input.size()));
  input_grad_.resize(input_.size());
  labels_.resize(static_cast<size_t>(batch));
  int64_t largest_input = 0;
  for (const auto& layer : plan_.layers) {
    outputs_.emplace_back(static_cast<size_t>(batch * layer.out.size()));
    pre_activations_.emplace_back(backward_reads_input(fused_activation(layer.spec).kind) ? outputs_.back().size() : 0);
    normalization_.emplace_back(layer.spec.kind == LayerKind::batch_norm ? static_cast<size_t>(2 * layer.in.c) : 0);
    output_grads_.emplace_back(outputs_.back().size());
    largest_input = std::max(largest_input, layer.in.size());
  }
  gradient_written_.resize(plan_.layers.size());
  layer_input_grad_.resize(static_cast<size_t>(batch * largest_input));
  probs_.resize(static_cast<size_t>(batch * plan_.classes));
}

const float* ReferenceNetwork::output_of(int source) const {
  return source == network_input ? input_.data() : outputs_[static_cast<size_t>(source)].data();
}

const float* ReferenceNetwork::layer_input(size_t index) const { return output_of(plan_.layers[index].inputs[0]); }

BatchMetrics ReferenceNetwork::forward(const HostBatch& batch, Phase phase, uint64_t step) {
  const int64_t n = batch.n;
  if (n < 1 || n > options_.max_batch)
    throw BackendError(fmt::format("reference backend: batch of {} outside 1..max_batch ({})", n, options_.max_batch));
  copy_checked(batch.images, std::span<float>(input_).first(static_cast<size_t>(n * plan_.input.size())), "the batch");
  copy_checked(batch.labels, std::span<int32_t>(labels_).first(static_cast<size_t>(n)), "the labels");
  for (int64_t s = 0; s < n; ++s)
    if (labels_[s] < 0 || labels_[s] >= plan_.classes)
      throw DataError(fmt::format("label {} of sample {} is outside 0..{}", labels_[s], s, plan_.classes - 1));
  batch_ = n;
  step_ = step;
  dropout_active_ = phase == Phase::train && options_.dropout;
  training_ = phase == Phase::train;

  ThreadCountScope threads(options_.threads);
  for (size_t i = 0; i < plan_.layers.size(); ++i) forward_layer(i, layer_input(i), outputs_[i].data());

  LayerTiming& loss_timing = timings_[plan_.layers.size()];
  ++loss_timing.calls;
  ScopedTimer timer(options_.profile ? &loss_timing.forward_ms : nullptr);
  const LossSums sums =
      softmax_cross_entropy_forward(n, plan_.classes, outputs_.back().data(), labels_.data(), probs_.data());
  return BatchMetrics{sums.loss_sum, sums.correct, n};
}

void ReferenceNetwork::forward_layer(size_t index, const float* x, float* y) {
  const PlannedLayer& l = plan_.layers[index];
  const LayerSpec& s = l.spec;
  const int64_t n = batch_;
  const int64_t out_count = n * l.out.size();
  const float* weight = l.params.empty() ? nullptr : params_[l.params[0]].data();
  const float* bias = l.params.size() > 1 ? params_[l.params[1]].data() : nullptr;
  const ActivationFunction fused = fused_activation(s);
  // The layer's own operation writes here; the fused activation then reads it into y.
  float* pre = pre_activations_[index].empty() ? y : pre_activations_[index].data();

  LayerTiming& timing = timings_[index];
  ++timing.calls;
  ScopedTimer timer(options_.profile ? &timing.forward_ms : nullptr);
  switch (s.kind) {
    case LayerKind::conv2d: conv2d_forward(window_geometry(l, n), x, weight, bias, pre); break;
    case LayerKind::dense: dense_forward(n, l.in.size(), l.out.size(), x, weight, bias, pre); break;
    case LayerKind::max_pool: max_pool_forward(window_geometry(l, n), x, y); break;
    case LayerKind::avg_pool:
    case LayerKind::global_avg_pool: avg_pool_forward(window_geometry(l, n), x, y); break;
    EXPT_ACTIVATION_LAYER_CASES: activation_forward(layer_activation(s), out_count, x, y); break;
    case LayerKind::dropout:
    case LayerKind::spatial_dropout: apply_dropout(index, x, y); break;
    case LayerKind::flatten: std::copy(x, x + out_count, y); break;
    case LayerKind::batch_norm: batch_norm_forward(index, x, y); break;
    case LayerKind::add:
      std::copy(x, x + out_count, y);
      for (size_t k = 1; k < l.inputs.size(); ++k) accumulate(out_count, output_of(l.inputs[k]), y);
      break;
  }
  if (fused.kind != Activation::none) activation_forward(fused, out_count, pre, y);
}

void ReferenceNetwork::apply_dropout(size_t index, const float* in, float* out) const {
  const PlannedLayer& l = plan_.layers[index];
  const int64_t count = batch_ * l.out.size();
  if (!dropout_active_) {
    std::copy(in, in + count, out);
    return;
  }
  const philox::DropoutMask mask = philox::dropout_mask(options_.seed, static_cast<uint32_t>(index), step_, l.spec.rate);
  if (l.spec.kind == LayerKind::spatial_dropout)
    spatial_dropout_apply(batch_ * l.out.c, l.out.h * l.out.w, mask, in, out);
  else
    dropout_apply(count, mask, in, out);
}

void ReferenceNetwork::batch_norm_forward(size_t index, const float* x, float* y) {
  const PlannedLayer& l = plan_.layers[index];
  const BatchNormGeometry g{batch_, l.in.c, l.in.h * l.in.w};
  auto tensor = [&](size_t i) { return params_[static_cast<size_t>(l.params[i])].data(); };
  float* mean = normalization_[index].data();
  float* inv_std = mean + l.in.c;
  if (!training_) {
    batch_norm_forward_inference(g, x, tensor(0), tensor(1), tensor(2), tensor(3), l.spec.epsilon, y, inv_std);
    std::copy(tensor(2), tensor(2) + l.in.c, mean);
    return;
  }
  batch_norm_forward_training(g, x, tensor(0), tensor(1), l.spec.momentum, l.spec.epsilon, y, mean, inv_std,
                              tensor(2), tensor(3));
  *tensor(4) += 1;  // num_batches_tracked
}

void ReferenceNetwork::backward() {
  if (batch_ == 0) throw BackendError("reference backend: backward() called before forward()");
  const int64_t n = batch_;
  ThreadCountScope threads(options_.threads);
  {
    LayerTiming& loss_timing = timings_[plan_.layers.size()];
    ScopedTimer timer(options_.profile ? &loss_timing.backward_data_ms : nullptr);
    softmax_cross_entropy_backward(n, plan_.classes, probs_.data(), labels_.data(), output_grads_.back().data());
  }
  std::fill(gradient_written_.begin(), gradient_written_.end(), false);
  input_gradient_written_ = false;
  // Layers come after the layers they read, so by the time a layer is reached every reader of
  // its output has passed its gradient. Below backward_stop_ no layer has a trained parameter.
  for (size_t i = plan_.layers.size(); i-- > backward_stop_;) {
    const PlannedLayer& l = plan_.layers[i];
    float* dy = output_grads_[i].data();
    const int64_t in_count = n * l.in.size();
    if (l.spec.kind == LayerKind::add) {  // d(sum)/d(each input) is the identity
      for (const int source : l.inputs) pass_gradient(source, dy, in_count);
      continue;
    }
    backward_layer(i, layer_input(i), dy, layer_input_grad_.data());
    pass_gradient(l.inputs[0], layer_input_grad_.data(), in_count);
  }
}

void ReferenceNetwork::pass_gradient(int source, const float* dx, int64_t count) {
  const bool to_input = source == network_input;
  float* to = to_input ? input_grad_.data() : output_grads_[static_cast<size_t>(source)].data();
  bool written = to_input ? input_gradient_written_ : gradient_written_[static_cast<size_t>(source)];
  if (written)
    accumulate(count, dx, to);
  else
    std::copy(dx, dx + count, to);
  if (to_input)
    input_gradient_written_ = true;
  else
    gradient_written_[static_cast<size_t>(source)] = true;
}

void ReferenceNetwork::backward_layer(size_t index, const float* x, float* dy, float* dx) {
  const PlannedLayer& l = plan_.layers[index];
  const LayerSpec& s = l.spec;
  const int64_t n = batch_;
  const int64_t out_count = n * l.out.size();
  const float* y = outputs_[index].data();
  const float* weight = l.params.empty() ? nullptr : params_[l.params[0]].data();
  float* dweight = l.params.empty() ? nullptr : grads_[l.params[0]].data();
  float* dbias = l.params.size() > 1 ? grads_[l.params[1]].data() : nullptr;

  LayerTiming& timing = timings_[index];
  double* data_ms = options_.profile ? &timing.backward_data_ms : nullptr;
  double* weights_ms = options_.profile ? &timing.backward_weights_ms : nullptr;
  if (const ActivationFunction fused = fused_activation(s); fused.kind != Activation::none) {
    ScopedTimer timer(data_ms);
    activation_backward(fused, out_count, pre_activations_[index].data(), y, dy, dy);
  }
  switch (s.kind) {
    case LayerKind::conv2d: {
      const WindowGeometry g = window_geometry(l, n);
      if (s.trainable) {
        ScopedTimer timer(weights_ms);
        conv2d_backward_weights(g, x, dy, dweight, dbias);
      }
      ScopedTimer timer(data_ms);
      conv2d_backward_data(g, dy, weight, dx);
      break;
    }
    case LayerKind::dense: {
      if (s.trainable) {
        ScopedTimer timer(weights_ms);
        dense_backward_weights(n, l.in.size(), l.out.size(), x, dy, dweight, dbias);
      }
      ScopedTimer timer(data_ms);
      dense_backward_data(n, l.in.size(), l.out.size(), dy, weight, dx);
      break;
    }
    case LayerKind::max_pool: {
      ScopedTimer timer(data_ms);
      max_pool_backward(window_geometry(l, n), x, dy, dx);
      break;
    }
    case LayerKind::avg_pool:
    case LayerKind::global_avg_pool: {
      ScopedTimer timer(data_ms);
      avg_pool_backward(window_geometry(l, n), dy, dx);
      break;
    }
    EXPT_ACTIVATION_LAYER_CASES: {
      ScopedTimer timer(data_ms);
      activation_backward(layer_activation(s), out_count, x, y, dy, dx);
      break;
    }
    case LayerKind::dropout:
    case LayerKind::spatial_dropout: {
      ScopedTimer timer(data_ms);
      apply_dropout(index, dy, dx);
      break;
    }
    case LayerKind::flatten: {
      ScopedTimer timer(data_ms);
      std::copy(dy, dy + out_count, dx);
      break;
    }
    case LayerKind::batch_norm: {
      ScopedTimer timer(data_ms);
      const float* mean = normalization_[index].data();
      // Frozen: the gradients of scale and shift stay zero, as those of frozen weights do.
      float* dshift = s.trainable ? grads_[static_cast<size_t>(l.params[1])].data() : nullptr;
      batch_norm_backward(BatchNormGeometry{n, l.in.c, l.in.h * l.in.w}, x, dy, weight, mean, mean + l.in.c,
                          training_, dx, s.trainable ? dweight : nullptr, dshift);
      break;
    }
    case LayerKind::add: break;  // backward() passes its gradient to each input unchanged
  }
}

void ReferenceNetwork::update(double learning_rate, uint64_t t) {
  ThreadCountScope threads(options_.threads);
  // The optimizer's time is reported in its entry's forward_ms column.
  LayerTiming& timing = timings_.back();
  ++timing.calls;
  ScopedTimer timer(options_.profile ? &timing.forward_ms : nullptr);
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!plan_.params[i].trainable) continue;
    const CpuOptimizerStep step{&options_.optimizer, learning_rate * plan_.params[i].lr_multiplier, t};
    cpu_optimizer_update(step, params_[i], grads_[i], optimizer_state_[i][0], optimizer_state_[i][1]);
  }
}

size_t ReferenceNetwork::checked_param(size_t index) const {
  if (index >= params_.size())
    throw BackendError(fmt::format("reference backend: parameter {} does not exist ({} parameters)", index,
                                   params_.size()));
  return index;
}

void ReferenceNetwork::check_state(size_t index, int slot) const {
  if (slot < 0 || slot >= optimizer_state_slots(options_.optimizer.kind))
    throw BackendError(fmt::format("reference backend: {} has no optimizer state slot {}",
                                   to_string(options_.optimizer.kind), slot));
  if (!plan_.params[checked_param(index)].trainable)
    throw BackendError(fmt::format("reference backend: '{}' is not trained (state or a frozen layer), so it has no "
                                   "optimizer state",
                                   plan_.params[index].name));
}

void ReferenceNetwork::read(const TensorRef& tensor, std::span<float> out) const {
  using In = std::span<const float>;
  switch (tensor.kind) {
    case TensorKind::parameter:
      return copy_checked(In(params_[checked_param(tensor.index)]), out, plan_.params[tensor.index].name);
    case TensorKind::gradient:
      return copy_checked(In(grads_[checked_param(tensor.index)]), out,
                          "the gradient of " + plan_.params[tensor.index].name);
    case TensorKind::optimizer_state:
      check_state(tensor.index, tensor.slot);
      return copy_checked(In(optimizer_state_[checked_param(tensor.index)][static_cast<size_t>(tensor.slot)]), out,
                          "the optimizer state of " + plan_.params[tensor.index].name);
    case TensorKind::activation: {
      if (tensor.index >= outputs_.size())
        throw BackendError(fmt::format("reference backend: layer {} does not exist", tensor.index));
      const auto count = static_cast<size_t>(batch_ * plan_.layers[tensor.index].out.size());
      return copy_checked(In(outputs_[tensor.index]).first(count), out,
                          "the activation of " + plan_.layers[tensor.index].spec.name);
    }
    case TensorKind::input_gradient:
      if (backward_stop_ > 0)
        throw BackendError(fmt::format("reference backend: no input gradient: the layers below '{}' are frozen, so "
                                       "backward() stops there",
                                       plan_.layers[backward_stop_].spec.name));
      return copy_checked(In(input_grad_).first(static_cast<size_t>(batch_ * plan_.input.size())), out,
                          "the input gradient");
  }
}

void ReferenceNetwork::write(const TensorRef& tensor, std::span<const float> in) {
  switch (tensor.kind) {
    case TensorKind::parameter:
      return copy_checked(in, std::span<float>(params_[checked_param(tensor.index)]), plan_.params[tensor.index].name);
    case TensorKind::optimizer_state:
      check_state(tensor.index, tensor.slot);
      return copy_checked(in, std::span<float>(optimizer_state_[checked_param(tensor.index)][static_cast<size_t>(tensor.slot)]),
                          "the optimizer state of " + plan_.params[tensor.index].name);
    default:
      throw BackendError("reference backend: only parameters and optimizer state can be written");
  }
}

int64_t ReferenceNetwork::memory_bytes() const {
  size_t floats = input_.capacity() + input_grad_.capacity() + probs_.capacity();
  for (size_t i = 0; i < params_.size(); ++i)
    floats += params_[i].capacity() + grads_[i].capacity() + optimizer_state_[i][0].capacity() +
              optimizer_state_[i][1].capacity();
  for (const auto& o : outputs_) floats += o.capacity();
  for (const auto& p : pre_activations_) floats += p.capacity();
  for (const auto& s : normalization_) floats += s.capacity();
  for (const auto& g : output_grads_) floats += g.capacity();
  floats += layer_input_grad_.capacity();
  return static_cast<int64_t>(floats * sizeof(float) + labels_.capacity() * sizeof(int32_t));
}

}  // namespace expt::reference
