#pragma once
// Runs the same network on the reference backend and the onednn backend and compares
// everything the Network interface exposes.
//
// Tolerances (fp32): |onednn - reference| <= kAbs + kRel * |reference| per element. oneDNN sums
// in another order (blocked, vectorised, split reductions), so bitwise equality is not expected;
// a wrong index, layout or factor shows up as errors of order 1.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "backends/onednn/factory.hpp"
#include "backends/reference/factory.hpp"
#include "core/error.hpp"
#include "layers/network_plan.hpp"

namespace expt::onednn_test {

constexpr double kRel = 1e-4;
constexpr double kAbs = 1e-5;

inline std::vector<float> random_floats(size_t count, uint64_t seed, float low = -1.0f, float high = 1.0f) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<float> dist(low, high);
  std::vector<float> v(count);
  for (float& x : v) x = dist(gen);
  return v;
}

// Counts elements outside the tolerance and reports the worst one.
inline void check_close(const std::vector<float>& got, const std::vector<float>& want, const std::string& what,
                        double rel = kRel, double abs = kAbs) {
  REQUIRE(got.size() == want.size());
  size_t bad = 0, worst_at = 0;
  double worst = -INFINITY;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::abs(static_cast<double>(got[i]) - want[i]);
    const double excess = err - (abs + rel * std::abs(static_cast<double>(want[i])));
    if (!(excess <= 0)) ++bad;  // NaN counts as bad
    if (excess > worst) {
      worst = excess;
      worst_at = i;
    }
  }
  INFO(what << ": " << bad << " of " << got.size() << " elements outside tolerance; worst at " << worst_at
            << ": onednn " << got[worst_at] << " vs reference " << want[worst_at]);
  CHECK(bad == 0);
}

struct Pair {
  NetworkPlan plan;
  std::unique_ptr<Network> reference, onednn;
};

inline Pair build_pair(const std::vector<LayerSpec>& layers, Shape input, int64_t classes,
                       const NetworkOptions& options) {
  Pair p;
  p.plan = plan_network(layers, input, classes);
  p.reference = make_reference_backend()->build(p.plan, options);
  p.onednn = make_onednn_backend()->build(p.plan, options);
  // Both initialise from the seed; copying keeps the comparison independent of that.
  for (size_t i = 0; i < p.plan.params.size(); ++i) {
    std::vector<float> v(static_cast<size_t>(p.plan.params[i].size()));
    p.reference->read_parameter(i, v);
    p.onednn->write_parameter(i, v);
  }
  return p;
}

struct Batch {
  std::vector<float> images;
  std::vector<int32_t> labels;
  HostBatch host(int64_t n) const { return HostBatch{n, images, labels}; }
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

// forward + backward on both, comparing loss, metrics, every activation, every gradient and the
// input gradient.
inline void check_forward_backward(Pair& p, const Batch& batch, int64_t n, uint64_t step) {
  const BatchMetrics want = p.reference->forward(batch.host(n), Phase::train, step);
  const BatchMetrics got = p.onednn->forward(batch.host(n), Phase::train, step);
  CHECK(got.count == want.count);
  CHECK(got.loss_sum == doctest::Approx(want.loss_sum).epsilon(kRel));
  CHECK(got.correct == want.correct);
  for (size_t l = 0; l < p.plan.layers.size(); ++l)
    check_close(read_activation(*p.onednn, l, n), read_activation(*p.reference, l, n),
                "activation of " + p.plan.layers[l].spec.name);
  p.reference->backward();
  p.onednn->backward();
  for (size_t i = 0; i < p.plan.params.size(); ++i)
    check_close(read_grad(*p.onednn, i), read_grad(*p.reference, i), "gradient of " + p.plan.params[i].name);
  check_close(read_input_gradient(*p.onednn, n), read_input_gradient(*p.reference, n), "input gradient");
}

inline LayerSpec conv(int64_t filters, int64_t k, int64_t stride, Padding padding,
                      Activation activation = Activation::none, bool bias = true) {
  LayerSpec s;
  s.kind = LayerKind::conv2d;
  s.filters = filters;
  s.kernel_h = s.kernel_w = k;
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
inline LayerSpec simple(LayerKind kind, double rate = 0.0) {
  LayerSpec s;
  s.kind = kind;
  s.rate = rate;
  return s;
}
inline LayerSpec dense(int64_t units, Activation activation = Activation::none, bool bias = true) {
  LayerSpec s;
  s.kind = LayerKind::dense;
  s.units = units;
  s.activation = activation;
  s.use_bias = bias;
  s.weight_init = InitSpec{InitSpec::Kind::glorot_uniform};
  s.bias_init = InitSpec{InitSpec::Kind::uniform};
  s.bias_init.low = -0.1;
  s.bias_init.high = 0.1;
  return s;
}

// Layer names must be unique; the config loader derives them, tests do it here.
inline std::vector<LayerSpec> named(std::vector<LayerSpec> layers) {
  for (size_t i = 0; i < layers.size(); ++i)
    layers[i].name = std::string(to_string(layers[i].kind)) + std::to_string(i);
  return layers;
}

}  // namespace expt::onednn_test
