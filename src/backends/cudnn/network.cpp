#include "backends/cudnn/network.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "backends/cudnn/batch_norm.hpp"
#include "backends/cudnn/conv2d.hpp"
#include "backends/cudnn/dense.hpp"
#include "backends/cudnn/elementwise.hpp"
#include "backends/cudnn/kernels.hpp"
#include "backends/cudnn/memory_plan.hpp"
#include "backends/cudnn/pool.hpp"
#include "backends/cudnn/status_check.hpp"
#include "core/error.hpp"
#include "layers/init.hpp"

namespace expt::cudnn {

namespace {

constexpr int64_t kFloat = sizeof(float);
// cuDNN's algorithm search only considers algorithms whose workspace fits what it is given.
constexpr int64_t kLargestSearchWorkspace = int64_t{1} << 30;

void require_size(size_t got, int64_t expected, const std::string& what) {
  if (static_cast<int64_t>(got) != expected)
    throw BackendError(fmt::format("cudnn backend: {} has {} elements, the buffer passed {}", what, expected, got));
}

}  // namespace

CudnnNetwork::CudnnNetwork(const NetworkPlan& plan, const NetworkOptions& options, const std::string& device_name)
    : Network(plan, {"loss", "optimizer"}), options_(options), device_(static_cast<int>(options.gpu)) {
  if (options_.max_batch < 1) throw BackendError("cudnn backend: max_batch must be at least 1");
  activate_device();

  cudaStream_t stream{};
  EXPT_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  stream_ = StreamHandle(stream);
  cudnnHandle_t cudnn{};
  EXPT_CUDNN_CHECK(cudnnCreate(&cudnn));
  cudnn_ = CudnnHandle(cudnn);
  EXPT_CUDNN_CHECK(cudnnSetStream(cudnn, stream));
  cublasHandle_t cublas{};
  EXPT_CUBLAS_CHECK(cublasCreate(&cublas));
  cublas_ = CublasHandle(cublas);
  EXPT_CUBLAS_CHECK(cublasSetStream(cublas, stream));
  allocator_.set_stream(stream);

  // fp32 and tf32 let tensor cores round GEMM/convolution inputs to TF32 (as PyTorch's
  // allow_tf32 does); fp32_strict keeps every multiply in fp32.
  ctx_.tf32 = options_.precision != Precision::fp32_strict;
  EXPT_CUBLAS_CHECK(cublasSetMathMode(cublas, ctx_.tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  ctx_.stream = stream;
  ctx_.cudnn = cudnn;
  ctx_.cublas = cublas;

  check_fits_in_memory(device_name);
  backward_stop_ = plan_.has_frozen_layers() ? plan_.first_trained_layer() : 0;
  allocate_buffers();
  create_layers();
  choose_convolution_algorithms();
  EXPT_CUDA_CHECK(cudaStreamSynchronize(stream));
}

CudnnNetwork::~CudnnNetwork() {
  // Buffers are freed on their own device; nothing must throw here.
  cudaSetDevice(device_);
  if (stream_.get()) cudaStreamSynchronize(stream_.get());
}

void CudnnNetwork::activate_device() const { EXPT_CUDA_CHECK(cudaSetDevice(device_)); }

void CudnnNetwork::check_fits_in_memory(const std::string& device_name) {
  const MemoryPlan memory = plan_memory(plan_, optimizer_state_slots(options_.optimizer.kind));
  size_t free = 0, total = 0;
  EXPT_CUDA_CHECK(cudaMemGetInfo(&free, &total));
  const auto available = static_cast<int64_t>(free);
  const int64_t fits = memory.largest_batch(available);
  const std::string advice =
      fits > 0 ? fmt::format("the largest batch size that fits is about {} (training.batch_size / eval_batch_size)", fits)
               : "not even a batch of 1 fits: the parameters alone are too large for this GPU";
  allocator_.set_advice(advice);

  const int64_t needed = memory.bytes_for(options_.max_batch);
  if (needed <= available) return;
  const MemoryItem* culprit = memory.first_over(options_.max_batch, available);
  throw BackendError(fmt::format(
      "cudnn backend: out of GPU memory on GPU {} ({}): batch {} needs about {} but {} of {} are free; {} asks for "
      "{} and is where it runs out; {}",
      device_, device_name, options_.max_batch, format_bytes(needed), format_bytes(available),
      format_bytes(static_cast<int64_t>(total)), culprit->owner,
      format_bytes(culprit->fixed_bytes + options_.max_batch * culprit->per_sample_bytes), advice));
}

void CudnnNetwork::allocate_buffers() {
  const int64_t n = options_.max_batch;
  const int slots = optimizer_state_slots(options_.optimizer.kind);
  std::vector<float> initial;
  for (size_t i = 0; i < plan_.params.size(); ++i) {
    const ParamSpec& p = plan_.params[i];
    ParameterStorage s;
    s.size = p.size();
    s.value = allocator_.allocate(fmt::format("parameter '{}'", p.name), s.size * kFloat);
    // Every backend starts from the same host-side initial values; the trainer may overwrite them.
    initial.resize(static_cast<size_t>(s.size));
    initialize_parameter(p, options_.seed, static_cast<uint32_t>(i), initial);
    // On the network's stream, after the allocator's zero-fill of the same buffer.
    EXPT_CUDA_CHECK(
        cudaMemcpyAsync(s.value.get(), initial.data(), s.size * kFloat, cudaMemcpyHostToDevice, ctx_.stream));
    EXPT_CUDA_CHECK(cudaStreamSynchronize(ctx_.stream));  // `initial` is refilled next
    // State and frozen parameters are never trained: no gradient, no optimizer state.
    if (p.trainable) {
      s.grad = allocator_.allocate(fmt::format("gradient of '{}'", p.name), s.size * kFloat);
      for (int i = 0; i < slots; ++i)
        s.state[i] = allocator_.allocate(fmt::format("optimizer state {} of '{}'", i, p.name), s.size * kFloat);
    }
    params_.push_back(std::move(s));
  }
  input_ = allocator_.allocate("input batch", n * plan_.input.size() * kFloat);
  input_grad_ = allocator_.allocate("input gradient", n * plan_.input.size() * kFloat);
  labels_ = allocator_.allocate("labels", n * int64_t{sizeof(int32_t)});
  for (const auto& l : plan_.layers)
    outputs_.push_back(l.spec.kind == LayerKind::flatten
                           ? DeviceBuffer{}
                           : allocator_.allocate(fmt::format("layer '{}' output", l.spec.name), n * l.out.size() * kFloat));
  if (!plan_.is_chain()) {
    for (const auto& l : plan_.layers)
      output_grads_.push_back(
          allocator_.allocate(fmt::format("layer '{}' output gradient", l.spec.name), n * l.out.size() * kFloat));
    gradient_written_.resize(plan_.layers.size());
  }
  const int64_t largest = n * largest_activation_floats(plan_) * kFloat;
  grad_a_ = allocator_.allocate("gradient buffer A", largest);
  grad_b_ = allocator_.allocate("gradient buffer B", largest);
  dlogits_ = allocator_.allocate("logits gradient", n * plan_.classes * kFloat);
  sample_loss_ = allocator_.allocate("per-sample loss", n * kFloat);
  sample_correct_ = allocator_.allocate("per-sample hits", n * int64_t{sizeof(int32_t)});
  ones_ = allocator_.allocate("ones vector", n * kFloat);
  fill(ctx_.stream, ones_.floats(), n, 1.0f);
}

void CudnnNetwork::create_layers() {
  auto param = [&](const PlannedLayer& l, size_t which) -> std::optional<ParamPointers> {
    if (which >= l.params.size()) return std::nullopt;
    const ParameterStorage& s = params_[static_cast<size_t>(l.params[which])];
    return ParamPointers{s.value.floats(), s.grad.floats()};
  };
  for (size_t i = 0; i < plan_.layers.size(); ++i) {
    const PlannedLayer& l = plan_.layers[i];
    switch (l.spec.kind) {
      case LayerKind::conv2d:
        layers_.push_back(std::make_unique<ConvLayer>(l, options_.max_batch, *param(l, 0), param(l, 1), allocator_));
        break;
      case LayerKind::dense:
        layers_.push_back(std::make_unique<DenseLayer>(l, options_.max_batch, *param(l, 0), param(l, 1), ones_.floats(),
                                                                   allocator_));
        break;
      case LayerKind::max_pool:
      case LayerKind::avg_pool:
      case LayerKind::global_avg_pool:
        layers_.push_back(std::make_unique<PoolLayer>(l, options_.max_batch, allocator_));
        break;
      EXPT_ACTIVATION_LAYER_CASES:
        layers_.push_back(std::make_unique<ActivationLayer>(l));
        break;
      case LayerKind::dropout:
      case LayerKind::spatial_dropout:
        layers_.push_back(
            std::make_unique<DropoutLayer>(l, static_cast<uint32_t>(i), options_.seed, options_.dropout));
        break;
      case LayerKind::flatten:
        layers_.push_back(std::make_unique<FlattenLayer>());
        break;
      case LayerKind::add: {
        std::vector<const float*> inputs;
        for (const int source : l.inputs) inputs.push_back(output_of(source));
        layers_.push_back(std::make_unique<AddLayer>(l, std::move(inputs)));
        break;
      }
      case LayerKind::batch_norm: {
        auto value = [&](size_t which) { return params_[static_cast<size_t>(l.params[which])].value.floats(); };
        const BatchNormTensors tensors{*param(l, 0), *param(l, 1), value(2), value(3), value(4)};
        layers_.push_back(std::make_unique<BatchNormLayer>(l, tensors, ones_.floats(), allocator_));
        break;
      }
    }
  }
}

// Searches at max_batch with as large a workspace as the GPU spares (up to 1 GiB), then keeps
// only what the chosen algorithms need. Smaller batches search again on first use, within that.
void CudnnNetwork::choose_convolution_algorithms() {
  std::vector<std::pair<size_t, ConvLayer*>> convs;
  for (size_t i = 0; i < layers_.size(); ++i)
    if (auto* c = dynamic_cast<ConvLayer*>(layers_[i].get())) convs.emplace_back(i, c);
  if (convs.empty()) return;

  size_t free = 0, total = 0;
  EXPT_CUDA_CHECK(cudaMemGetInfo(&free, &total));
  size_t search_bytes = std::min<size_t>(kLargestSearchWorkspace, free / 2);
  void* search_ptr = nullptr;
  while (search_bytes > 0 && cudaMalloc(&search_ptr, search_bytes) != cudaSuccess) {
    cudaGetLastError();  // an out-of-memory failure is not sticky; try half as much
    search_bytes /= 2;
  }
  const DeviceBuffer search_workspace(search_ptr, search_ptr ? search_bytes : 0);
  GpuContext search = ctx_;
  search.workspace = search_workspace.get();
  search.workspace_bytes = search_workspace.bytes();

  size_t needed = 0;
  const Scratch scratch{grad_a_.floats(), grad_b_.floats()};
  for (auto [i, conv] : convs)
    needed = std::max(needed, conv->choose_algorithms(search, options_.max_batch, layer_input(i), layer_output(i), scratch));
  EXPT_CUDA_CHECK(cudaStreamSynchronize(ctx_.stream));  // the search workspace is freed next

  workspace_ = allocator_.allocate("convolution workspace", static_cast<int64_t>(needed));
  ctx_.workspace = workspace_.get();
  ctx_.workspace_bytes = workspace_.bytes();
}

const float* CudnnNetwork::output_of(int source) const {
  return source == network_input ? input_.floats() : layer_output(static_cast<size_t>(source));
}

const float* CudnnNetwork::layer_input(size_t layer) const { return output_of(plan_.layers[layer].inputs[0]); }

float* CudnnNetwork::layer_output(size_t layer) const {
  // A flatten layer's output is its input's memory.
  return outputs_[layer].get() ? outputs_[layer].floats() : const_cast<float*>(layer_input(layer));
}

template <typename Work>
void CudnnNetwork::timed(double& milliseconds, Work&& work) {
  if (!options_.profile) {
    work();
    return;
  }
  // Profiling serialises the stream around each piece so the host clock measures only it.
  EXPT_CUDA_CHECK(cudaStreamSynchronize(ctx_.stream));
  const auto start = std::chrono::steady_clock::now();
  work();
  EXPT_CUDA_CHECK(cudaStreamSynchronize(ctx_.stream));
  milliseconds += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

BatchMetrics CudnnNetwork::forward(const HostBatch& batch, Phase phase, uint64_t step) {
  activate_device();
  const int64_t n = batch.n;
  if (n < 1 || n > options_.max_batch)
    throw BackendError(fmt::format("cudnn backend: batch of {} outside 1..max_batch ({})", n, options_.max_batch));
  require_size(batch.images.size(), n * plan_.input.size(), "the batch's images");
  require_size(batch.labels.size(), n, "the batch's labels");
  for (int64_t s = 0; s < n; ++s)
    if (batch.labels[s] < 0 || batch.labels[s] >= plan_.classes)
      throw DataError(fmt::format("label {} of sample {} is outside 0..{}", batch.labels[s], s, plan_.classes - 1));

  backward_allowed_ = false;
  input_gradient_valid_ = false;
  batch_ = n;
  EXPT_CUDA_CHECK(cudaMemcpyAsync(input_.get(), batch.images.data(), batch.images.size_bytes(), cudaMemcpyHostToDevice,
                                  ctx_.stream));
  EXPT_CUDA_CHECK(cudaMemcpyAsync(labels_.get(), batch.labels.data(), batch.labels.size_bytes(),
                                  cudaMemcpyHostToDevice, ctx_.stream));

  const bool train = phase == Phase::train;
  const Scratch scratch{grad_a_.floats(), grad_b_.floats()};
  for (size_t i = 0; i < layers_.size(); ++i) {
    timed(timings_[i].forward_ms, [&] {
      layers_[i]->forward(ctx_, ForwardArgs{n, layer_input(i), layer_output(i), train, step, scratch});
    });
    ++timings_[i].calls;
  }

  std::vector<float> loss(static_cast<size_t>(n));
  std::vector<int32_t> correct(static_cast<size_t>(n));
  LayerTiming& loss_timing = timings_[layers_.size()];
  timed(loss_timing.forward_ms, [&] {
    softmax_cross_entropy(ctx_.stream, n, plan_.classes, layer_output(layers_.size() - 1), labels_.ints(),
                          1.0f / static_cast<float>(n), sample_loss_.floats(), sample_correct_.ints(),
                          dlogits_.floats());
  });
  ++loss_timing.calls;
  EXPT_CUDA_CHECK(cudaMemcpyAsync(loss.data(), sample_loss_.get(), n * kFloat, cudaMemcpyDeviceToHost, ctx_.stream));
  EXPT_CUDA_CHECK(cudaMemcpyAsync(correct.data(), sample_correct_.get(), n * int64_t{sizeof(int32_t)},
                                  cudaMemcpyDeviceToHost, ctx_.stream));
  EXPT_CUDA_CHECK(cudaStreamSynchronize(ctx_.stream));

  BatchMetrics metrics;
  metrics.count = n;
  for (int64_t s = 0; s < n; ++s) {
    metrics.loss_sum += static_cast<double>(loss[static_cast<size_t>(s)]);
    metrics.correct += correct[static_cast<size_t>(s)];
  }
  backward_allowed_ = train;
  return metrics;
}

void CudnnNetwork::backward() {
  activate_device();
  if (!backward_allowed_)
    throw BackendError("cudnn backend: backward() needs a forward(..., Phase::train) right before it");
  if (output_grads_.empty())  // a plain stack (allocate_buffers)
    backward_chain();
  else
    backward_graph();
  // A second backward would read the padded conv inputs that backward-data has overwritten.
  backward_allowed_ = false;
  input_gradient_valid_ = backward_stop_ == 0;
}

void CudnnNetwork::backward_chain() {
  const int64_t n = batch_;
  float* dy = dlogits_.floats();
  for (size_t i = layers_.size(); i-- > backward_stop_;) {
    if (layers_[i]->output_aliases_input()) continue;  // flatten: the gradient is the same memory
    float* dx = i == 0 ? input_grad_.floats() : (dy == grad_a_.floats() ? grad_b_.floats() : grad_a_.floats());
    const BackwardArgs args{n, layer_input(i), layer_output(i), dy, dx};
    timed(timings_[i].backward_weights_ms, [&] { layers_[i]->backward_weights(ctx_, args); });
    if (!data_gradient_needed(i)) return;
    timed(timings_[i].backward_data_ms, [&] { layers_[i]->backward_data(ctx_, args); });
    dy = dx;
  }
  // Leading flatten layers leave the input gradient in a ping-pong buffer.
  if (backward_stop_ == 0 && dy != input_grad_.floats())
    EXPT_CUDA_CHECK(cudaMemcpyAsync(input_grad_.get(), dy, n * plan_.input.size() * kFloat, cudaMemcpyDeviceToDevice,
                                    ctx_.stream));
}

// Layers come after the layers they read, so when the walk reaches a layer every reader of its
// output has passed its gradient. A layer's data gradient goes straight into its input's
// gradient buffer when it is the first to arrive there, else through grad_a_ and a sum.
void CudnnNetwork::backward_graph() {
  const int64_t n = batch_;
  std::fill(gradient_written_.begin(), gradient_written_.end(), false);
  input_gradient_written_ = false;
  for (size_t i = layers_.size(); i-- > backward_stop_;) {
    const PlannedLayer& l = plan_.layers[i];
    float* dy = i + 1 == layers_.size() ? dlogits_.floats() : output_grads_[i].floats();
    const int64_t in_count = n * l.in.size();
    if (l.spec.kind == LayerKind::add || layers_[i]->output_aliases_input()) {  // the identity, per input
      for (const int source : l.inputs) pass_gradient(source, dy, in_count);
      continue;
    }
    const int source = l.inputs[0];
    const bool first = source == network_input ? !input_gradient_written_
                                               : !gradient_written_[static_cast<size_t>(source)];
    float* dx = !first ? grad_a_.floats()
                : source == network_input ? input_grad_.floats()
                                          : output_grads_[static_cast<size_t>(source)].floats();
    const BackwardArgs args{n, layer_input(i), layer_output(i), dy, dx};
    timed(timings_[i].backward_weights_ms, [&] { layers_[i]->backward_weights(ctx_, args); });
    if (!data_gradient_needed(i)) return;
    timed(timings_[i].backward_data_ms, [&] { layers_[i]->backward_data(ctx_, args); });
    pass_gradient(source, dx, in_count);
  }
}

void CudnnNetwork::pass_gradient(int source, const float* dx, int64_t count) {
  const bool to_input = source == network_input;
  float* to = to_input ? input_grad_.floats() : output_grads_[static_cast<size_t>(source)].floats();
  const bool written = to_input ? input_gradient_written_ : gradient_written_[static_cast<size_t>(source)];
  if (written)
    accumulate(ctx_.stream, count, dx, to);
  else if (dx != to)
    EXPT_CUDA_CHECK(cudaMemcpyAsync(to, dx, count * kFloat, cudaMemcpyDeviceToDevice, ctx_.stream));
  if (to_input)
    input_gradient_written_ = true;
  else
    gradient_written_[static_cast<size_t>(source)] = true;
}

// The scalars are computed exactly as optim/cpu_update.cpp computes them, so that with the
// same gradients the GPU and CPU updates give the same floats.
void CudnnNetwork::update(double learning_rate, uint64_t t) {
  activate_device();
  const OptimizerConfig& c = options_.optimizer;
  const auto wd = static_cast<float>(c.weight_decay);
  LayerTiming& timing = timings_.back();
  timed(timing.forward_ms, [&] {
    for (size_t i = 0; i < params_.size(); ++i) {
      if (!plan_.params[i].trainable) continue;  // state such as batch norm's running statistics, frozen layers
      // The layer's lr_multiplier scales the rate as the CPU backends scale it, before the scalars.
      const double layer_rate = learning_rate * plan_.params[i].lr_multiplier;
      const auto lr = static_cast<float>(layer_rate);
      ParameterStorage& p = params_[i];
      float* value = p.value.floats();
      const float* grad = p.grad.floats();
      switch (c.kind) {
        case OptimizerConfig::Kind::sgd:
          sgd_update(ctx_.stream, p.size, lr, wd, value, grad);
          break;
        case OptimizerConfig::Kind::momentum:
          momentum_update(ctx_.stream, p.size, lr, wd, static_cast<float>(c.momentum), c.nesterov, value, grad,
                          p.state[0].floats());
          break;
        case OptimizerConfig::Kind::adam:
        case OptimizerConfig::Kind::adamw: {
          const bool decoupled = c.kind == OptimizerConfig::Kind::adamw;
          if (decoupled) scale(ctx_.stream, p.size, decoupled_decay_factor(c, layer_rate), value);
          const AdamScalars s = adam_scalars(c, layer_rate, t);
          adam_update(ctx_.stream, p.size, s, value, grad, p.state[0].floats(), p.state[1].floats());
          break;
        }
      }
    }
  });
  ++timing.calls;
}

const CudnnNetwork::ParameterStorage& CudnnNetwork::parameter(size_t index) const {
  if (index >= params_.size())
    throw BackendError(fmt::format("cudnn backend: parameter {} does not exist ({} parameters)", index, params_.size()));
  return params_[index];
}

// Host copies run on the network's stream, after everything queued on it, and wait for it.
void CudnnNetwork::copy_to_host(const void* device, std::span<float> out, int64_t expected,
                                const std::string& what) const {
  require_size(out.size(), expected, what);
  activate_device();
  EXPT_CUDA_CHECK(cudaMemcpyAsync(out.data(), device, out.size_bytes(), cudaMemcpyDeviceToHost, ctx_.stream));
  EXPT_CUDA_CHECK(cudaStreamSynchronize(ctx_.stream));
}

void CudnnNetwork::copy_to_device(void* device, std::span<const float> in, int64_t expected, const std::string& what) {
  require_size(in.size(), expected, what);
  activate_device();
  EXPT_CUDA_CHECK(cudaMemcpyAsync(device, in.data(), in.size_bytes(), cudaMemcpyHostToDevice, ctx_.stream));
  EXPT_CUDA_CHECK(cudaStreamSynchronize(ctx_.stream));
}

const DeviceBuffer& CudnnNetwork::optimizer_state(size_t index, int slot) const {
  const ParameterStorage& p = parameter(index);
  if (slot < 0 || slot >= optimizer_state_slots(options_.optimizer.kind))
    throw BackendError(fmt::format("cudnn backend: {} has no optimizer state slot {} with {}", plan_.params[index].name,
                                   slot, to_string(options_.optimizer.kind)));
  if (!plan_.params[index].trainable)
    throw BackendError(fmt::format("cudnn backend: '{}' is not trained (state or a frozen layer), so it has no "
                                   "optimizer state",
                                   plan_.params[index].name));
  return p.state[slot];
}

void CudnnNetwork::read(const TensorRef& tensor, std::span<float> out) const {
  const size_t i = tensor.index;
  switch (tensor.kind) {
    case TensorKind::parameter:
      return copy_to_host(parameter(i).value.get(), out, parameter(i).size, plan_.params[i].name);
    case TensorKind::gradient: {
      const ParameterStorage& p = parameter(i);
      if (plan_.params[i].trainable)
        return copy_to_host(p.grad.get(), out, p.size, "gradient of " + plan_.params[i].name);
      require_size(out.size(), p.size, "gradient of " + plan_.params[i].name);  // never trained: none kept
      return std::fill(out.begin(), out.end(), 0.0f);
    }
    case TensorKind::optimizer_state:
      return copy_to_host(optimizer_state(i, tensor.slot).get(), out, params_[i].size,
                          "optimizer state of " + plan_.params[i].name);
    case TensorKind::activation:
      if (i >= layers_.size())
        throw BackendError(fmt::format("cudnn backend: layer {} does not exist ({} layers)", i, layers_.size()));
      if (batch_ == 0) throw BackendError("cudnn backend: read_activation() called before forward()");
      return copy_to_host(layer_output(i), out, batch_ * plan_.layers[i].out.size(),
                          "the output of layer " + plan_.layers[i].spec.name);
    case TensorKind::input_gradient:
      if (backward_stop_ > 0)
        throw BackendError(fmt::format("cudnn backend: no input gradient: the layers below '{}' are frozen, so "
                                       "backward() stops there",
                                       plan_.layers[backward_stop_].spec.name));
      if (!input_gradient_valid_)
        throw BackendError("cudnn backend: read_input_gradient() needs a backward() after the last forward()");
      return copy_to_host(input_grad_.get(), out, batch_ * plan_.input.size(), "the input gradient");
  }
}

void CudnnNetwork::write(const TensorRef& tensor, std::span<const float> in) {
  const size_t i = tensor.index;
  switch (tensor.kind) {
    case TensorKind::parameter:
      return copy_to_device(parameter(i).value.get(), in, parameter(i).size, plan_.params[i].name);
    case TensorKind::optimizer_state:
      return copy_to_device(optimizer_state(i, tensor.slot).get(), in, params_[i].size,
                            "optimizer state of " + plan_.params[i].name);
    default: throw BackendError("cudnn backend: only parameters and optimizer state can be written");
  }
}

}  // namespace expt::cudnn
