#pragma once
// Runs the same network on the reference backend and a backend under test and compares
// everything the Network interface exposes: loss and hits, activations, parameter gradients,
// the input gradient, parameters and optimizer state.
//
// Shared by tests/onednn and tests/gpu. What differs between them is the backend under test
// and how closely it must follow the reference: each folder's header picks a rule (UnderTest)
// and its tolerances, and says why.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "core/error.hpp"
#include "backends/reference/factory.hpp"
#include "layers/network_plan.hpp"

namespace expt::parity {

// An element passes when |got - want| <= abs + rel * scale, with scale either |want| of that
// element or max|want| over the whole tensor.
enum class Scale { per_element, tensor_max };

struct Tolerance {
  double rel, abs;
};

// The backend compared with the reference.
struct UnderTest {
  std::string name;                   // in failure messages: "onednn 0.25 vs reference 0.26"
  std::unique_ptr<Backend> (*make)();
  Scale scale;
};

inline std::vector<float> random_floats(size_t count, uint64_t seed, float low = -1.0f, float high = 1.0f) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<float> dist(low, high);
  std::vector<float> v(count);
  for (float& x : v) x = dist(gen);
  return v;
}

// Counts elements outside the tolerance and reports the worst one (NaN counts as outside).
inline void check_close(const std::vector<float>& got, const std::vector<float>& want, const std::string& what,
                        const UnderTest& under_test, Tolerance tol) {
  REQUIRE(got.size() == want.size());
  double max_want = 0;
  for (float w : want) max_want = std::max(max_want, std::abs(static_cast<double>(w)));
  size_t bad = 0, worst_at = 0;
  double worst = -INFINITY, worst_bound = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double scale = under_test.scale == Scale::per_element ? std::abs(static_cast<double>(want[i])) : max_want;
    const double bound = tol.abs + tol.rel * scale;
    const double excess = std::abs(static_cast<double>(got[i]) - want[i]) - bound;
    if (!(excess <= 0)) ++bad;
    if (!(excess <= worst) && !std::isnan(worst)) {  // a NaN stays the worst
      worst = excess;
      worst_at = i;
      worst_bound = bound;
    }
  }
  INFO(what << ": " << bad << " of " << got.size() << " elements outside tolerance; worst at " << worst_at << ": "
            << under_test.name << " " << (got.empty() ? 0.f : got[worst_at]) << " vs reference "
            << (want.empty() ? 0.f : want[worst_at]) << ", allowed difference " << worst_bound);
  CHECK(bad == 0);
}

struct Pair {
  NetworkPlan plan;
  std::unique_ptr<Network> reference, tested;
  const UnderTest* under_test = nullptr;
};

// The reference runs in fp32; `precision` is the tested network's.
inline Pair build_pair(const UnderTest& under_test, const std::vector<LayerSpec>& layers, Shape input,
                       int64_t classes, NetworkOptions options, Precision precision) {
  Pair p;
  p.under_test = &under_test;
  p.plan = plan_network(layers, input, classes);
  options.precision = Precision::fp32;
  p.reference = make_reference_backend()->build(p.plan, options);
  options.precision = precision;
  p.tested = under_test.make()->build(p.plan, options);
  // Both initialise from the seed; copying keeps the comparison independent of that.
  for (size_t i = 0; i < p.plan.params.size(); ++i) {
    std::vector<float> v(static_cast<size_t>(p.plan.params[i].size()));
    p.reference->read_parameter(i, v);
    p.tested->write_parameter(i, v);
  }
  return p;
}

struct Batch {
  std::vector<float> images;
  std::vector<int32_t> labels;
  // The first n samples.
  HostBatch host(int64_t n) const {
    return HostBatch{n, std::span<const float>(images).first(static_cast<size_t>(n) * images.size() / labels.size()),
                     std::span<const int32_t>(labels).first(static_cast<size_t>(n))};
  }
};

inline Batch random_batch(const NetworkPlan& plan, int64_t n, uint64_t seed) {
  Batch b;
  b.images = random_floats(static_cast<size_t>(n * plan.input.size()), seed);
  std::mt19937 gen(static_cast<uint32_t>(seed));
  for (int64_t i = 0; i < n; ++i) b.labels.push_back(static_cast<int32_t>(gen() % plan.classes));
  return b;
}

inline std::vector<float> read_param(const Network& net, size_t i) {
  std::vector<float> v(static_cast<size_t>(net.plan().params[i].size()));
  net.read_parameter(i, v);
  return v;
}
inline std::vector<float> read_grad(const Network& net, size_t i) {
  std::vector<float> v(static_cast<size_t>(net.plan().params[i].size()));
  net.read_gradient(i, v);
  return v;
}
inline std::vector<float> read_state(const Network& net, size_t i, int slot) {
  std::vector<float> v(static_cast<size_t>(net.plan().params[i].size()));
  net.read_optimizer_state(i, slot, v);
  return v;
}
inline std::vector<float> read_activation(const Network& net, size_t layer, int64_t n) {
  std::vector<float> v(static_cast<size_t>(n * net.plan().layers[layer].out.size()));
  net.read_activation(layer, v);
  return v;
}
inline std::vector<float> read_input_gradient(const Network& net, int64_t n) {
  std::vector<float> v(static_cast<size_t>(n * net.plan().input.size()));
  net.read_input_gradient(v);
  return v;
}

// forward + backward on both, comparing loss, hits (when `same_hits`), every activation, every
// parameter gradient and the input gradient.
inline void check_forward_backward(Pair& p, const Batch& batch, int64_t n, uint64_t step, Tolerance tol,
                                   bool same_hits) {
  const BatchMetrics want = p.reference->forward(batch.host(n), Phase::train, step);
  const BatchMetrics got = p.tested->forward(batch.host(n), Phase::train, step);
  CHECK(got.count == want.count);
  CHECK(got.loss_sum == doctest::Approx(want.loss_sum).epsilon(tol.rel));
  if (same_hits) CHECK(got.correct == want.correct);
  for (size_t l = 0; l < p.plan.layers.size(); ++l)
    check_close(read_activation(*p.tested, l, n), read_activation(*p.reference, l, n),
                "activation of " + p.plan.layers[l].spec.name, *p.under_test, tol);
  p.reference->backward();
  p.tested->backward();
  for (size_t i = 0; i < p.plan.params.size(); ++i)
    check_close(read_grad(*p.tested, i), read_grad(*p.reference, i), "gradient of " + p.plan.params[i].name,
                *p.under_test, tol);
  check_close(read_input_gradient(*p.tested, n), read_input_gradient(*p.reference, n), "input gradient",
              *p.under_test, tol);
}

// `steps` training steps on both, then every parameter and state tensor (batch norm's running
// statistics) and every activation of an evaluation forward, which reads that state.
inline void check_after_steps(Pair& p, const Batch& batch, int64_t n, uint64_t steps, Tolerance tol) {
  for (uint64_t step = 0; step < steps; ++step)
    for (Network* net : {p.reference.get(), p.tested.get()}) {
      net->forward(batch.host(n), Phase::train, step);
      net->backward();
      net->update(0.05, step + 1);
    }
  for (size_t i = 0; i < p.plan.params.size(); ++i)
    check_close(read_param(*p.tested, i), read_param(*p.reference, i), p.plan.params[i].name, *p.under_test, tol);
  p.reference->forward(batch.host(n), Phase::eval, steps);
  p.tested->forward(batch.host(n), Phase::eval, steps);
  for (size_t l = 0; l < p.plan.layers.size(); ++l)
    check_close(read_activation(*p.tested, l, n), read_activation(*p.reference, l, n),
                "evaluation activation of " + p.plan.layers[l].spec.name, *p.under_test, tol);
}

// Networks with frozen layers (`trainable: false`). One step: every activation and gradient (a
// tensor that is not trained reads as zeros on both backends), no optimizer state for those
// tensors, and the input gradient where backward reaches the input (it stops at the lowest
// trained layer). Then `steps`
// steps as check_after_steps does, after which the frozen layers' weights and biases are
// bit for bit where they started while their running statistics moved alike.
inline void check_frozen(Pair& p, const Batch& batch, int64_t n, uint64_t steps, Tolerance tol) {
  std::vector<std::vector<float>> start;
  for (size_t i = 0; i < p.plan.params.size(); ++i) start.push_back(read_param(*p.tested, i));
  for (Network* net : {p.reference.get(), p.tested.get()}) {
    net->forward(batch.host(n), Phase::train, 0);
    net->backward();
  }
  for (size_t l = 0; l < p.plan.layers.size(); ++l)
    check_close(read_activation(*p.tested, l, n), read_activation(*p.reference, l, n),
                "activation of " + p.plan.layers[l].spec.name, *p.under_test, tol);
  for (size_t i = 0; i < p.plan.params.size(); ++i) {
    const ParamSpec& param = p.plan.params[i];
    CAPTURE(param.name);
    const std::vector<float> grad = read_grad(*p.tested, i);
    check_close(grad, read_grad(*p.reference, i), "gradient of " + param.name, *p.under_test, tol);
    if (param.trainable) continue;
    CHECK(std::all_of(grad.begin(), grad.end(), [](float g) { return g == 0.0f; }));
    for (Network* net : {p.reference.get(), p.tested.get()}) CHECK_THROWS_AS(read_state(*net, i, 0), BackendError);
  }
  if (p.plan.first_trained_layer() == 0)
    check_close(read_input_gradient(*p.tested, n), read_input_gradient(*p.reference, n), "input gradient",
                *p.under_test, tol);
  else  // the tested backend may still compute it when asked (onednn does); the reference cannot
    CHECK_THROWS_AS(read_input_gradient(*p.reference, n), BackendError);
  check_after_steps(p, batch, n, steps, tol);
  for (const PlannedLayer& layer : p.plan.layers) {
    if (layer.spec.trainable) continue;
    for (const int i : layer.params) {
      const std::string& name = p.plan.params[static_cast<size_t>(i)].name;
      if (!name.ends_with(".weight") && !name.ends_with(".bias")) continue;  // running statistics move
      CAPTURE(name);
      CHECK(read_param(*p.tested, static_cast<size_t>(i)) == start[static_cast<size_t>(i)]);
    }
  }
}

// Layers. conv and pool come in a square form (k, stride) and a per-dimension one.
inline LayerSpec conv(int64_t filters, int64_t kh, int64_t kw, int64_t stride, Padding padding,
                      Activation activation = Activation::none, bool bias = true) {
  LayerSpec s;
  s.kind = LayerKind::conv2d;
  s.filters = filters;
  s.kernel_h = kh;
  s.kernel_w = kw;
  s.stride_h = s.stride_w = stride;
  s.padding = padding;
  s.activation = activation;
  s.use_bias = bias;
  s.weight_init = InitSpec{InitSpec::Kind::glorot_uniform};
  s.bias_init = InitSpec{InitSpec::Kind::uniform};
  s.bias_init.low = -0.1;
  s.bias_init.high = 0.1;
  return s;
}
inline LayerSpec conv(int64_t filters, int64_t k, int64_t stride, Padding padding,
                      Activation activation = Activation::none, bool bias = true) {
  return conv(filters, k, k, stride, padding, activation, bias);
}
inline LayerSpec pool(LayerKind kind, int64_t kh, int64_t kw, int64_t sh, int64_t sw, Padding padding) {
  LayerSpec s;
  s.kind = kind;
  s.kernel_h = kh;
  s.kernel_w = kw;
  s.stride_h = sh;
  s.stride_w = sw;
  s.padding = padding;
  return s;
}
inline LayerSpec pool(LayerKind kind, int64_t k, int64_t stride, Padding padding) {
  return pool(kind, k, k, stride, stride, padding);
}
inline LayerSpec simple(LayerKind kind, double rate = 0.0) {
  LayerSpec s;
  s.kind = kind;
  s.rate = rate;
  return s;
}
inline LayerSpec dense(int64_t units, Activation activation = Activation::none, bool bias = true) {
  LayerSpec s = conv(0, 0, 0, 1, Padding::valid, activation, bias);  // activation, bias and inits as conv's
  s.kind = LayerKind::dense;
  s.units = units;
  return s;
}

// Each activation once as a layer kind and as a fused `activation`, with a non-default alpha
// where it has one.
struct ActivationCase {
  LayerKind layer;
  Activation fused;
  double alpha;
};
inline constexpr ActivationCase activation_cases[] = {
    {LayerKind::relu, Activation::relu, 0.0},     {LayerKind::leaky_relu, Activation::leaky_relu, 0.2},
    {LayerKind::elu, Activation::elu, 0.7},       {LayerKind::gelu, Activation::gelu, 0.0},
    {LayerKind::tanh, Activation::tanh, 0.0},     {LayerKind::sigmoid, Activation::sigmoid, 0.0},
    {LayerKind::silu, Activation::silu, 0.0},
};
inline LayerSpec activation_layer(const ActivationCase& a) {
  LayerSpec s = simple(a.layer);
  s.alpha = a.alpha;
  return s;
}
// `layer` (conv2d or dense) with a's activation fused.
inline LayerSpec fusing(LayerSpec layer, const ActivationCase& a) {
  layer.activation = a.fused;
  layer.alpha = a.alpha;
  return layer;
}

// Layer names must be unique; the config loader derives them, tests do it here.
inline std::vector<LayerSpec> named(std::vector<LayerSpec> layers) {
  for (size_t i = 0; i < layers.size(); ++i)
    layers[i].name = std::string(to_string(layers[i].kind)) + std::to_string(i);
  return layers;
}

// `layer` reading the output of the layer named `input` (named() names layers "<type><index>").
inline LayerSpec reading(LayerSpec layer, std::string input) {
  layer.input = std::move(input);
  return layer;
}
inline LayerSpec add_of(std::vector<std::string> inputs) {
  LayerSpec s = simple(LayerKind::add);
  s.inputs = std::move(inputs);
  return s;
}

// Residual networks on a 3-channel input. Identity shortcuts: a fused relu's output read by three
// layers, batch norm inside the block, a 1x1 conv of the network input, a three-way add and
// dropout after it.
inline std::vector<LayerSpec> identity_residual() {
  return named({conv(8, 3, 1, Padding::same, Activation::relu), conv(8, 3, 1, Padding::same),
                simple(LayerKind::batch_norm), simple(LayerKind::relu), conv(8, 3, 1, Padding::same),
                add_of({"conv2d0", "conv2d4"}), simple(LayerKind::relu), reading(conv(8, 1, 1, Padding::same), "input"),
                add_of({"relu6", "conv2d7", "conv2d0"}), simple(LayerKind::dropout, 0.3),
                simple(LayerKind::global_avg_pool), dense(5)});
}
// A block that halves the image and doubles the channels, with a stride-2 1x1 conv shortcut,
// then an identity block whose shortcut is a relu layer's output; dropout and flatten before
// the logits.
inline std::vector<LayerSpec> projection_residual() {
  return named({conv(8, 3, 1, Padding::same, Activation::relu), conv(16, 3, 2, Padding::same, Activation::relu),
                conv(16, 3, 1, Padding::same), reading(conv(16, 1, 2, Padding::same), "conv2d0"),
                add_of({"conv2d2", "conv2d3"}), simple(LayerKind::relu), conv(16, 3, 1, Padding::same, Activation::relu),
                add_of({"relu5", "conv2d6"}), simple(LayerKind::dropout, 0.3), simple(LayerKind::flatten), dense(5)});
}
// No parameters below the add: the network input itself is read twice.
inline std::vector<LayerSpec> input_shortcut() {
  return named({simple(LayerKind::tanh), add_of({"input", "tanh0"}), conv(4, 3, 1, Padding::same, Activation::relu),
                dense(5)});
}

inline LayerSpec frozen(LayerSpec layer) {
  layer.trainable = false;
  return layer;
}
// Fine-tuning's shape: a trained conv at the bottom under a frozen conv, batch norm and dense
// layer, so backward passes through frozen layers to reach it, and a trained head.
inline std::vector<LayerSpec> frozen_middle() {
  return named({conv(6, 3, 1, Padding::same, Activation::relu), frozen(conv(8, 3, 1, Padding::same)),
                frozen(simple(LayerKind::batch_norm)), simple(LayerKind::relu),
                pool(LayerKind::max_pool, 2, 2, Padding::valid), frozen(dense(12, Activation::tanh)), dense(5)});
}
// Transfer learning's shape: everything below the head frozen, so no backward pass below it.
inline std::vector<LayerSpec> frozen_trunk() {
  return named({frozen(conv(6, 3, 1, Padding::same, Activation::relu)), frozen(simple(LayerKind::batch_norm)),
                pool(LayerKind::max_pool, 2, 2, Padding::valid), frozen(dense(12, Activation::relu)), dense(5)});
}

}  // namespace expt::parity
