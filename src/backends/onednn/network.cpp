#include "backends/onednn/network.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cstring>

// The loss the reference backend computes too, so the two agree; the logits are tiny next to
// the layers, so plain loops are fine here.
#include "backends/softmax_cross_entropy.hpp"
#include "core/error.hpp"
#include "layers/init.hpp"

namespace expt::onednn {

using dnnl::memory;

namespace {

std::unique_ptr<LayerPass> make_layer(size_t index, const PlannedLayer& planned, const memory& input,
                                      BuildContext& ctx) {
  switch (planned.spec.kind) {
    case LayerKind::conv2d:
      return make_conv(index, planned, input, ctx);
    case LayerKind::max_pool:
    case LayerKind::avg_pool:
    case LayerKind::global_avg_pool:
      return make_pool(index, planned, input, ctx);
    EXPT_ACTIVATION_LAYER_CASES:
      return make_activation(index, planned, input, ctx);
    case LayerKind::dropout:
    case LayerKind::spatial_dropout:
      return make_dropout(index, planned, input, ctx);
    case LayerKind::flatten:
      return make_flatten(index, planned, input, ctx);
    case LayerKind::dense:
      return make_dense(index, planned, input, ctx);
    case LayerKind::batch_norm:
      return make_batch_norm(index, planned, input, ctx);
  }
  throw BackendError("onednn: unknown layer kind");
}

memory::data_type compute_type(Precision precision) {
  return precision == Precision::bf16 ? memory::data_type::bf16 : memory::data_type::f32;
}

void check_size(size_t got, int64_t want, const char* what) {
  if (static_cast<int64_t>(got) != want)
    throw BackendError(fmt::format("onednn backend: {} needs {} floats, the span has {}", what, want, got));
}

}  // namespace

OnednnNetwork::OnednnNetwork(const NetworkPlan& plan, const NetworkOptions& options, int threads)
    : Network(plan, {"optimizer", "loss", "reorders"}),
      options_(options),
      threads_(threads),
      engine_(dnnl::engine::kind::cpu, 0),
      stream_(engine_),
      params_(engine_, plan_, optimizer_state_slots(options.optimizer.kind)),
      profiler_(timings_, options.profile) {
  if (options_.max_batch < 1) throw BackendError("onednn backend: max_batch must be at least 1");
  first_param_layer_ = static_cast<size_t>(
      std::find_if(plan_.layers.begin(), plan_.layers.end(), [](const PlannedLayer& l) { return !l.params.empty(); }) -
      plan_.layers.begin());
  use_threads();
  pass_for(options_.max_batch);
  optimizer_ = std::make_unique<ParallelOptimizer>(params_, plan_);
  // Every backend starts from the same host-side initial values; the trainer may overwrite them.
  for (size_t i = 0; i < plan_.params.size(); ++i)
    params_.initialize(i, [&](std::span<float> values) {
      initialize_parameter(plan_.params[i], options_.seed, static_cast<uint32_t>(i), values);
    });
}

void OnednnNetwork::use_threads() const { omp_set_num_threads(threads_); }

OnednnNetwork::Pass& OnednnNetwork::pass_for(int64_t n) {
  auto it = passes_.find(n);
  if (it == passes_.end()) it = passes_.emplace(n, build_pass(n)).first;
  return *it->second;
}

std::unique_ptr<OnednnNetwork::Pass> OnednnNetwork::build_pass(int64_t n) {
  auto pass = std::make_unique<Pass>();
  pass->n = n;
  BuildContext ctx{engine_, buffers_, params_, options_, n, compute_type(options_.precision), primitives_};
  const Shape& in = plan_.input;
  const memory::desc input_desc = plain_desc({n, in.c, in.h, in.w});
  pass->input = memory(input_desc, engine_, buffers_.acquire("input", input_desc.get_size()));
  memory current = pass->input;
  for (size_t i = 0; i < plan_.layers.size(); ++i) {
    const PlannedLayer& planned = plan_.layers[i];
    try {
      pass->layers.push_back(make_layer(i, planned, current, ctx));
    } catch (const dnnl::error& e) {
      throw BackendError(fmt::format("onednn: layer {} ({} '{}') at batch {}: {}", i, to_string(planned.spec.kind),
                                     planned.spec.name, n, e.what()));
    }
    current = pass->layers.back()->output();
  }
  pass->logits = Relayout::consume(engine_, current, plain_desc({n, plan_.classes}), ctx.allocator("loss", "logits"));
  bind_gradients(*pass, ctx.scratchpad_bytes);
  return pass;
}

// Output gradients alternate between two buffers, each as large as the largest gradient: a
// layer reads one and writes the other (element-wise layers write in place), and a relayout
// into the layout the next layer down wants also moves to the other buffer.
void OnednnNetwork::bind_gradients(Pass& pass, size_t scratchpad_bytes) {
  const int64_t n = pass.n;
  const memory::desc logits_desc = plain_desc({n, plan_.classes});
  size_t largest = logits_desc.get_size();
  for (const auto& layer : pass.layers)
    largest = std::max({largest, layer->diff_dst_desc().get_size(), layer->diff_src_desc().get_size()});
  void* buffers[2] = {buffers_.acquire("gradient0", largest), buffers_.acquire("gradient1", largest)};
  const memory scratchpad(memory::desc({static_cast<int64_t>(std::max<size_t>(scratchpad_bytes, 1))},
                                       memory::data_type::u8, memory::format_tag::a),
                          engine_, buffers_.acquire("scratchpad", std::max<size_t>(scratchpad_bytes, 1)));

  int current = 0;
  pass.logits_gradient = memory(logits_desc, engine_, buffers[current]);
  memory incoming = pass.logits_gradient;
  pass.incoming_gradients.resize(pass.layers.size());
  for (size_t i = pass.layers.size(); i-- > 0;) {
    LayerPass& layer = *pass.layers[i];
    void* other = buffers[1 - current];
    Relayout& relayout = pass.incoming_gradients[i] =
        Relayout::consume(engine_, incoming, layer.diff_dst_desc(), [other](size_t) { return other; });
    if (relayout.copies()) current = 1 - current;
    const memory& diff_dst = relayout.dst();
    if (!layer.backward_in_place()) current = 1 - current;
    const memory diff_src(layer.diff_src_desc(), engine_, buffers[current]);
    layer.bind(scratchpad, diff_dst, diff_src);
    incoming = diff_src;
  }
  pass.input_gradient = incoming;
}

BatchMetrics OnednnNetwork::forward(const HostBatch& batch, Phase phase, uint64_t step) {
  const int64_t n = batch.n;
  if (n < 1 || n > options_.max_batch)
    throw BackendError(fmt::format("onednn backend: batch of {} outside 1..max_batch ({})", n, options_.max_batch));
  check_size(batch.images.size(), n * plan_.input.size(), "the batch's images");
  if (static_cast<int64_t>(batch.labels.size()) != n)
    throw BackendError(fmt::format("onednn backend: {} labels for a batch of {}", batch.labels.size(), n));
  for (int64_t s = 0; s < n; ++s) {
    const int32_t label = batch.labels[static_cast<size_t>(s)];
    if (label < 0 || label >= plan_.classes)
      throw DataError(fmt::format("label {} of sample {} is outside 0..{}", label, s, plan_.classes - 1));
  }
  use_threads();
  backward_ready_ = false;
  input_gradient_ = InputGradient::unavailable;
  Pass& pass = pass_for(n);
  last_ = &pass;

  profiler_.count_forward_call();
  profiler_.time(profiler_.reorders_slot(), Direction::forward, stream_,
                 [&] { std::memcpy(pass.input.get_data_handle(), batch.images.data(), batch.images.size_bytes()); });
  for (auto& layer : pass.layers) layer->forward(stream_, phase, step, profiler_);
  pass.logits.run(stream_, profiler_);
  stream_.wait();

  LossSums sums;
  const bool train = phase == Phase::train;
  profiler_.time(profiler_.loss_slot(), Direction::forward, stream_, [&] {
    // The softmax goes into the logits' gradient buffer, which backward turns into the gradient in place.
    const auto* logits = static_cast<const float*>(pass.logits.dst().get_data_handle());
    auto* probs = static_cast<float*>(pass.logits_gradient.get_data_handle());
    sums = softmax_cross_entropy_forward(n, plan_.classes, logits, batch.labels.data(), probs);
    if (train) softmax_cross_entropy_backward(n, plan_.classes, probs, batch.labels.data(), probs);
  });
  backward_ready_ = train;
  return BatchMetrics{sums.loss_sum, sums.correct, n};
}

void OnednnNetwork::backward() {
  if (!backward_ready_) throw BackendError("onednn backend: backward() needs a forward() in the train phase first");
  use_threads();
  Pass& pass = *last_;
  for (size_t i = pass.layers.size(); i-- > first_param_layer_;) {
    pass.incoming_gradients[i].run(stream_, profiler_);
    pass.layers[i]->backward_weights(stream_, profiler_);
    if (i > first_param_layer_) pass.layers[i]->backward_data(stream_, profiler_);
  }
  stream_.wait();
  backward_ready_ = false;  // the fused activation backward ran in place on the output gradients
  input_gradient_ = InputGradient::pending;
}

// The oneDNN implementations of each layer's main primitives (its convolutions or inner
// products when it has any, so a fused activation's backward does not blur them), each named once:
// "jit_wino_4x3:avx512_core" tells a Winograd convolution from a direct "jit:avx512_core".
std::vector<LayerTiming> OnednnNetwork::timings() const {
  std::vector<LayerTiming> out = timings_;
  for (LayerTiming& t : out) {
    const auto main = [&](const PrimitiveInfo& p) { return p.layer == t.layer && p.compute_bound; };
    const bool has_main = std::any_of(primitives_.begin(), primitives_.end(), main);
    for (const PrimitiveInfo& p : primitives_) {
      if (p.layer != t.layer || (has_main && !p.compute_bound)) continue;
      if (t.kernels.find(p.implementation) != std::string::npos) continue;
      t.kernels += (t.kernels.empty() ? "" : ", ") + p.implementation;
    }
  }
  return out;
}

void OnednnNetwork::update(double learning_rate, uint64_t t) {
  use_threads();
  // The pending data gradient would be taken at the new parameters.
  if (input_gradient_ == InputGradient::pending) input_gradient_ = InputGradient::unavailable;
  profiler_.time(profiler_.optimizer_slot(), Direction::forward, stream_,
                 [&] { optimizer_->update(params_, options_.optimizer, learning_rate, t); });
}

void OnednnNetwork::copy_input_gradient(std::span<float> out) const {
  if (input_gradient_ == InputGradient::unavailable)
    throw BackendError("onednn backend: read_input_gradient() needs a backward() first, and no update() since");
  const Pass& pass = *last_;
  check_size(out.size(), pass.n * plan_.input.size(), "the input gradient");
  use_threads();
  if (input_gradient_ == InputGradient::pending) {
    for (size_t i = first_param_layer_ + 1; i-- > 0;) {
      if (i < first_param_layer_) pass.incoming_gradients[i].run(stream_, profiler_);
      pass.layers[i]->backward_data(stream_, profiler_);
    }
    stream_.wait();
    input_gradient_ = InputGradient::ready;
  }
  const Shape& in = plan_.input;
  reorder_now(engine_, pass.input_gradient, memory(plain_desc({pass.n, in.c, in.h, in.w}), engine_, out.data()));
}

const OnednnNetwork::Pass& OnednnNetwork::last_pass(const char* what) const {
  if (last_ == nullptr) throw BackendError(fmt::format("onednn backend: {} needs a forward() first", what));
  return *last_;
}

void OnednnNetwork::copy_activation(size_t layer, std::span<float> out) const {
  const Pass& pass = last_pass("read_activation()");
  if (layer >= pass.layers.size())
    throw BackendError(fmt::format("onednn backend: no layer {} (the network has {})", layer, pass.layers.size()));
  check_size(out.size(), pass.n * plan_.layers[layer].out.size(), "the activation");
  use_threads();
  const memory& output = pass.layers[layer]->output();
  reorder_now(engine_, output, memory(plain_desc(output.get_desc().dims()), engine_, out.data()));
}

namespace {
ParamPart state_part(int slot, int slots) {
  if (slot < 0 || slot >= slots)
    throw BackendError(fmt::format("onednn backend: optimizer state slot {} (the optimizer has {})", slot, slots));
  return slot == 0 ? ParamPart::state0 : ParamPart::state1;
}
}  // namespace

void OnednnNetwork::read(const TensorRef& tensor, std::span<float> out) const {
  switch (tensor.kind) {
    case TensorKind::parameter: return params_.read(tensor.index, ParamPart::value, out);
    case TensorKind::gradient: return params_.read(tensor.index, ParamPart::grad, out);
    case TensorKind::optimizer_state:
      return params_.read(tensor.index, state_part(tensor.slot, params_.state_slots()), out);
    case TensorKind::activation: return copy_activation(tensor.index, out);
    case TensorKind::input_gradient: return copy_input_gradient(out);
  }
}

void OnednnNetwork::write(const TensorRef& tensor, std::span<const float> in) {
  switch (tensor.kind) {
    case TensorKind::parameter: return params_.write(tensor.index, ParamPart::value, in);
    case TensorKind::optimizer_state:
      return params_.write(tensor.index, state_part(tensor.slot, params_.state_slots()), in);
    default: throw BackendError("onednn backend: only parameters and optimizer state can be written");
  }
}

}  // namespace expt::onednn
