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

std::unique_ptr<LayerPass> make_layer(const NetworkPlan& plan, size_t index, const std::vector<memory>& inputs,
                                      BuildContext& ctx) {
  const PlannedLayer& planned = plan.layers[index];
  const memory& input = inputs[0];
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
    case LayerKind::flatten: {
      const std::vector<size_t> readers = plan.readers(static_cast<int>(index));
      const bool read_by_dense_only = !readers.empty() && std::all_of(readers.begin(), readers.end(), [&](size_t r) {
        return plan.layers[r].spec.kind == LayerKind::dense;
      });
      return make_flatten(index, planned, input, ctx, read_by_dense_only);
    }
    case LayerKind::dense:
      return make_dense(index, planned, input, ctx);
    case LayerKind::batch_norm:
      return make_batch_norm(index, planned, input, ctx);
    case LayerKind::add:
      return make_add(index, planned, inputs, ctx);
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

// The gradient buffers of one pass, each as large as the largest gradient it serves, handed out
// while the gradients are laid out in backward's order: a buffer is reused once every backward
// step that reads it has run. A plain stack of layers needs two, which alternate. Two sets: one
// for what training's backward runs, down to the first trained layer, and one for the data
// gradients below it, which only read_input_gradient() computes: their pages stay unmapped until
// then, so a frozen trunk's large gradients cost no resident memory in training (a frozen VGG16
// at 224x224 and batch 10: its first convolutions' gradients are 128 MB each).
class GradientBuffers {
 public:
  struct Set {
    const char* name;
    size_t bytes;
    Buffer::Pages pages;
  };
  GradientBuffers(BufferPool& pool, Set trained, Set below) : pool_(pool), sets_{trained, below} {}

  // A free buffer of set 0 (trained) or 1 (below), held by `holders` readers until each releases it.
  void* take(int set, int holders = 1) {
    std::vector<Slot>& slots = slots_[set];
    size_t slot = 0;
    while (slot < slots.size() && slots[slot].holders > 0) ++slot;
    if (slot == slots.size())
      slots.push_back({pool_.acquire(fmt::format("{}{}", sets_[set].name, slot), sets_[set].bytes, sets_[set].pages), 0});
    slots[slot].holders = holders;
    return slots[slot].data;
  }
  int holders(const void* data) { return slot_of(data).holders; }
  void set_holders(const void* data, int holders) { slot_of(data).holders = holders; }
  void release(const void* data) { --slot_of(data).holders; }

 private:
  struct Slot {
    void* data;
    int holders;
  };
  Slot& slot_of(const void* data) {
    for (auto& slots : slots_)
      for (Slot& slot : slots)
        if (slot.data == data) return slot;
    throw BackendError("onednn: a gradient buffer that no set handed out");
  }

  BufferPool& pool_;
  Set sets_[2];
  std::vector<Slot> slots_[2];
};

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
  first_param_layer_ = plan_.first_trained_layer();
  use_threads();
  pass_for(options_.max_batch);
  optimizer_ = std::make_unique<ParallelOptimizer>(params_, plan_, options_.precision != Precision::fp32_strict);
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
  for (size_t i = 0; i < plan_.layers.size(); ++i) {
    const PlannedLayer& planned = plan_.layers[i];
    std::vector<memory> inputs;
    for (const int source : planned.inputs)
      inputs.push_back(source == network_input ? pass->input
                                               : pass->layers[static_cast<size_t>(source)]->output());
    try {
      pass->layers.push_back(make_layer(plan_, i, inputs, ctx));
    } catch (const dnnl::error& e) {
      throw BackendError(fmt::format("onednn: layer {} ({} '{}') at batch {}: {}", i, to_string(planned.spec.kind),
                                     planned.spec.name, n, e.what()));
    }
  }
  // A layer that alone reads a ReLU's output may apply the ReLU's backward itself (§22 of
  // docs/onednn-notes.md: expt's max pooling, at no cost; expt's Winograd backward-data, for one
  // read of the ReLU's output instead of the separate pass's three). A dropout that alone reads
  // expt's max pooling leaves itself to the pooling (§25).
  for (size_t i = 0; i < pass->layers.size(); ++i) {
    const std::vector<int>& sources = plan_.layers[i].inputs;
    if (sources.size() != 1 || sources[0] == network_input || plan_.readers(sources[0]).size() != 1) continue;
    LayerPass& producer = *pass->layers[static_cast<size_t>(sources[0])];
    pass->layers[i]->take_relu_backward_from(producer);
    if (pass->layers[i]->hand_dropout_to(producer)) {
      // `expt bench` shows the dropout in its producer's kernels column, its own row being empty.
      const std::string inside = " with " + pass->layers[i]->name();
      for (PrimitiveInfo& p : primitives_)
        if (p.layer == producer.name() && !p.implementation.ends_with(inside)) p.implementation += inside;
    }
  }
  pass->logits = Relayout::consume(engine_, pass->layers.back()->output(), plain_desc({n, plan_.classes}),
                                   ctx.allocator("loss", "logits"));
  bind_gradients(*pass, ctx.scratchpad_bytes);
  return pass;
}

// Each layer's output gradient is gathered from the data gradients of the layers that read it,
// once all of them have run backward (layers are in order, so walking backwards works), into
// the layout the layer's backward wants. Element-wise layers write their data gradient in place.
// A gradient that several layers receive (an add's, passed to each input) stays intact until
// the last of them: the others copy it, since a backward may overwrite its output gradient,
// unless their backward only reads it (batch norm's).
void OnednnNetwork::bind_gradients(Pass& pass, size_t scratchpad_bytes) {
  const int64_t n = pass.n;
  const memory::desc logits_desc = plain_desc({n, plan_.classes});
  // Set 0: the output gradients of the layers backward() runs and the data gradients it passes
  // down; set 1: the rest, below the first trained layer.
  const size_t first = first_param_layer_;
  const auto set_of_diff_dst = [&](size_t i) { return i >= first ? 0 : 1; };
  const auto set_of_diff_src = [&](size_t i) { return i > first ? 0 : 1; };
  size_t largest[2] = {logits_desc.get_size(), 0};
  for (size_t i = 0; i < pass.layers.size(); ++i) {
    size_t& dst = largest[set_of_diff_dst(i)];
    size_t& src = largest[set_of_diff_src(i)];
    dst = std::max(dst, pass.layers[i]->diff_dst_desc().get_size());
    src = std::max(src, pass.layers[i]->diff_src_desc().get_size());
    // The network input's gradient is gathered in set 1, in a reader's layout.
    const std::vector<int>& sources = plan_.layers[i].inputs;
    if (std::find(sources.begin(), sources.end(), network_input) != sources.end())
      largest[1] = std::max(largest[1], pass.layers[i]->diff_src_desc().get_size());
  }
  GradientBuffers buffers(buffers_, {"gradient", largest[0], Buffer::Pages::touched},
                          {"input_gradient", largest[1], Buffer::Pages::on_first_write});
  const memory scratchpad(memory::desc({static_cast<int64_t>(std::max<size_t>(scratchpad_bytes, 1))},
                                       memory::data_type::u8, memory::format_tag::a),
                          engine_, buffers_.acquire("scratchpad", std::max<size_t>(scratchpad_bytes, 1)));

  // Per layer, then for the network input: the gradients its readers have passed so far.
  std::vector<std::vector<memory>> received(pass.layers.size() + 1);
  const auto received_by = [&](int source) -> std::vector<memory>& {
    return received[source == network_input ? pass.layers.size() : static_cast<size_t>(source)];
  };
  pass.logits_gradient = memory(logits_desc, engine_, buffers.take(0));
  received[pass.layers.size() - 1].push_back(pass.logits_gradient);

  // Gathers the parts into `want`, in a buffer of `set`, and releases them; the result is held once.
  // `reads_only`: the layer's backward leaves its output gradient as it is, so a single part may
  // be read in place even where other layers read it too.
  const auto gather = [&](const std::vector<memory>& parts, const memory::desc& want, int set, bool reads_only) {
    std::vector<void*> taken;
    const Allocate allocate = [&](size_t) { return taken.emplace_back(buffers.take(set)); };
    const bool may_alias = parts.size() == 1 && (reads_only || buffers.holders(parts[0].get_data_handle()) == 1);
    GradientGather result(engine_, parts, want, may_alias, allocate);
    void* dst = result.dst().get_data_handle();
    for (void* t : taken)
      if (t != dst) buffers.release(t);
    for (const memory& part : parts)
      if (part.get_data_handle() != dst) buffers.release(part.get_data_handle());
    return result;
  };

  pass.incoming_gradients.resize(pass.layers.size());
  for (size_t i = pass.layers.size(); i-- > 0;) {
    LayerPass& layer = *pass.layers[i];
    pass.incoming_gradients[i] = gather(received[i], layer.diff_dst_desc(), set_of_diff_dst(i), !layer.writes_diff_dst());
    const memory& diff_dst = pass.incoming_gradients[i].dst();
    void* diff_dst_data = diff_dst.get_data_handle();
    void* diff_src_data = layer.backward_in_place() ? diff_dst_data : buffers.take(set_of_diff_src(i));
    if (diff_src_data != diff_dst_data) buffers.release(diff_dst_data);
    const memory diff_src(layer.diff_src_desc(), engine_, diff_src_data);
    layer.bind(scratchpad, diff_dst, diff_src);
    const std::vector<int>& sources = plan_.layers[i].inputs;
    buffers.set_holders(diff_src_data, static_cast<int>(sources.size()));
    for (const int source : sources) received_by(source).push_back(diff_src);
  }
  const std::vector<memory>& to_input = received.back();
  pass.input_gradient_gather = gather(to_input, to_input[0].get_desc(), 1, false);
  pass.input_gradient = pass.input_gradient_gather.dst();
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
      if (i < first_param_layer_) {
        pass.incoming_gradients[i].run(stream_, profiler_);
        // A frozen layer's backward_weights holds what its backward_data needs first (a fused
        // activation's backward; batch norm's whole backward); the others' does nothing.
        pass.layers[i]->backward_weights(stream_, profiler_);
      }
      pass.layers[i]->backward_data(stream_, profiler_);
    }
    pass.input_gradient_gather.run(stream_, profiler_);
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
  pass.layers[layer]->complete_output();
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
